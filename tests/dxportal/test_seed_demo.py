import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from departments.models import ApiKey, Membership, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    return tmp_path


def counts():
    return Unit.objects.count(), Membership.objects.count(), ApiKey.objects.filter(revoked=False).count()


def test_seed_demo_is_idempotent_and_keeps_a_working_key(var_dir):
    call_command("seed_demo", password="pw-for-tests", dossiers=300)
    first = counts()
    secret = (var_dir / "demo-api-key").read_text().strip()
    call_command("seed_demo", password="pw-for-tests", dossiers=300)
    assert counts() == first
    assert (var_dir / "demo-api-key").read_text().strip() == secret
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get("/api/v1/me/").json()["username"] == "demo-system"


def test_seed_demo_models_nam_dinh_and_its_merge(var_dir):
    call_command("seed_demo", password="pw-for-tests", dossiers=300)
    nam_dinh = Unit.objects.get(code="T36")
    assert str(nam_dinh.valid_to) == "2025-06-30" and nam_dinh.successor.code == "T37"
    districts = Unit.objects.filter(parent=nam_dinh, kind="district")
    assert districts.count() == 10  # Nam Định city and its 9 districts
    assert not districts.filter(valid_to__isnull=True).exists()  # the district tier closed
    assert Unit.objects.get(code="T36-STTTT").successor.code == "T37-SKHCN"
    assert Unit.objects.valid_on("2026-01-01").filter(kind="district").count() == 0


def test_demo_staff_sees_its_unit_and_not_another(var_dir):
    call_command("seed_demo", password="pw-for-tests", dossiers=300)
    client = APIClient()
    client.force_login(get_user_model().objects.get(username="demo-staff-a"),
                       backend="django.contrib.auth.backends.ModelBackend")
    codes = {unit["code"] for unit in client.get("/api/v1/units/").json()["results"]}
    assert "T36-STTTT" in codes and "T36-STP" not in codes
    assert client.get("/api/v1/units/T36-STP/").status_code == 404


def test_demo_people_log_in_with_the_password(var_dir):
    call_command("seed_demo", password="pw-for-tests", dossiers=300)
    for username in ("demo-admin", "demo-reviewer", "demo-staff-a", "demo-staff-b"):
        response = Client().post("/admin/login/?next=/admin/", {"username": username, "password": "pw-for-tests"})
        assert response.status_code == 302, username
    response = Client().post("/admin/login/", {"username": "demo-system", "password": "pw-for-tests"})
    assert response.status_code == 200  # the external system has no password login


def test_seed_demo_refuses_production_without_force(var_dir, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_demo")
    call_command("seed_demo", "--force", password="pw-for-tests", dossiers=300)
    assert Unit.objects.filter(code="T36").exists()
