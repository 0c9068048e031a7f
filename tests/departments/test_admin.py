import pytest
from django.test import Client

from departments.models import ApiKey, Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def admin_client(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def test_login_page_is_vietnamese_by_default(client):
    page = client.get("/admin/login/").content.decode()
    assert 'lang="vi"' in page
    assert "Cổng giám sát chuyển đổi số" in page
    assert "Đăng nhập" in page


def test_english_can_be_chosen(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    page = client.get("/admin/login/").content.decode()
    assert 'lang="en"' in page
    assert "Digital Transformation Monitoring Portal" in page


def test_people_log_in_with_their_password(cast):
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_repeated_failed_logins_lock_the_account(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "staff_a", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "Tài khoản tạm thời bị khóa" in response.content.decode()


def test_staff_sees_only_their_units_and_no_edit_forms(cast):
    client = admin_client(cast.staff_a)
    listing = client.get("/admin/departments/unit/")
    assert listing.status_code == 200
    assert "Sở A" in listing.content.decode() and "Sở B" not in listing.content.decode()
    assert client.get(f"/admin/departments/unit/{cast.unit_b.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/departments/unit/add/").status_code == 403
    page = client.get(f"/admin/departments/unit/{cast.unit_a.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # view-only


@pytest.mark.parametrize("url", ["/admin/departments/apikey/", "/admin/auth/user/",
                                 "/admin/django_celery_beat/periodictask/"])
def test_only_administrators_manage_keys_users_and_schedules(cast, url):
    assert admin_client(cast.staff_a).get(url).status_code == 403
    assert admin_client(cast.reviewer).get(url).status_code == 403
    assert admin_client(cast.admin).get(url).status_code == 200


def test_reviewer_views_units_but_cannot_change_them(cast):
    client = admin_client(cast.reviewer)
    assert "Sở B" in client.get("/admin/departments/unit/").content.decode()
    assert client.get("/admin/departments/unit/add/").status_code == 403


def test_admin_creates_a_key_and_sees_the_secret_once(cast):
    account = UserFactory(username="one-stop", role=Role.EXTERNAL_SYSTEM)
    client = admin_client(cast.admin)
    response = client.post("/admin/departments/apikey/add/", {
        "name": "Một cửa", "service_account": account.pk, "units": [cast.unit_a.pk],
        "scopes": ["dossiers:write", "units:read"],
    }, follow=True)
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Một cửa")
    shown = [str(m) for m in response.context["messages"]]
    assert any(key.prefix in message for message in shown)
    assert key.scopes == ["dossiers:write", "units:read"]
    assert list(key.units.all()) == [cast.unit_a]
    secret = next(m for m in shown if key.prefix in m).split(": ")[1].split(" ")[0]
    assert key.is_valid(secret)
    assert secret not in client.get(f"/admin/departments/apikey/{key.prefix}/change/").content.decode()


def test_service_account_cannot_log_in_to_the_admin(cast):
    account = cast.system_key.service_account
    assert not account.has_usable_password()
    assert not account.is_staff
