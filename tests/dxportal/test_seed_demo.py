from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from departments.models import ApiKey, Membership, Unit, UnitSuccession, UnitVersion
from procedures.models import Dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    return tmp_path


def counts():
    return (Unit.objects.count(), UnitVersion.objects.count(), UnitSuccession.objects.count(),
            Membership.objects.count(), ApiKey.objects.filter(revoked=False).count(), Dossier.objects.count())


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
    # Nam Định city and its 8 districts: Mỹ Lộc joined the city on 1 January 2025, before the register's data.
    assert districts.count() == 9 and "H358" not in set(districts.values_list("code", flat=True))
    assert not districts.filter(valid_to__isnull=True).exists()  # the district tier closed
    assert Unit.objects.get(code="T36-STTTT").successor.code == "T37-SKHCN"
    assert Unit.objects.valid_on("2026-01-01").filter(kind="district").count() == 0


def test_seed_demo_loads_ninh_binh_from_the_register(var_dir):
    call_command("seed_demo", password="pw-for-tests", dossiers=300)
    communes = Unit.objects.valid_on(date(2026, 12, 1)).filter(parent__code="T37", kind="commune")
    assert communes.count() == 129 and not communes.filter(register_version="").exists()
    old = Unit.objects.filter(code__in=["T35", "T36", "T37-CU"])
    assert {(u.name, str(u.valid_to), u.successor.code) for u in old} == {
        ("Tỉnh Hà Nam", "2025-06-30", "T37"), ("Tỉnh Nam Định", "2025-06-30", "T37"),
        ("Tỉnh Ninh Bình", "2025-06-30", "T37")}
    below = Unit.objects.filter(path__regex=r"^/(T35|T36|T37-CU)/H")
    assert below.filter(kind="district").count() == 22 and below.filter(kind="commune").count() == 398
    assert not below.exclude(valid_to=date(2025, 6, 30)).exists() and not below.filter(successor=None).exists()
    # The dossiers of 2023 lie on the register's units of Nam Định, named by their statistics codes.
    places = Dossier.objects.filter(source="motcua-namdinh", unit__kind__in=["district", "commune"])
    assert places.exists() and not places.exclude(unit__path__startswith="/T36/H").exists()
    assert not places.filter(unit__register_version="").exists()
    neighbours = Dossier.objects.exclude(source="motcua-namdinh")
    assert neighbours.filter(unit__path__startswith="/T35/").exists()
    assert neighbours.filter(unit__path__startswith="/T37-CU/").exists()


def test_demo_staff_sees_its_unit_and_not_another(var_dir):
    call_command("seed_demo", password="pw-for-tests", dossiers=300)
    client = APIClient()
    client.force_login(get_user_model().objects.get(username="demo-staff-a"),
                       backend="django.contrib.auth.backends.ModelBackend")
    codes = {unit["code"] for unit in client.get("/api/v1/units/").json()["results"]}
    assert "T36-STTTT" in codes and "T36-STP" not in codes
    assert not {"T36", "H356", "T37"} & codes  # a department's staff sees neither the province nor its districts
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
