"""Technical admin sections (login attempts, periodic tasks) for administrators only, in Vietnamese; people by name."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Permission
from django.test import Client
from django_celery_beat.models import PeriodicTask

from departments.policy import Actor
from indicators.models import AuditChannel
from indicators.services import value_create
from tests.factories import IndicatorFactory, UserFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
TECHNICAL_PAGES = ["/admin/axes/", "/admin/axes/accessattempt/", "/admin/axes/accesslog/",
                   "/admin/django_celery_beat/", "/admin/django_celery_beat/periodictask/",
                   "/admin/django_celery_beat/crontabschedule/"]


def client_for(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def sections(client):
    return {app["app_label"]: app for app in client.get("/admin/").context["app_list"]}


def test_a_reviewer_given_the_permissions_still_sees_no_technical_section(cast):
    cast.reviewer.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["axes", "django_celery_beat"]))
    client = client_for(cast.reviewer)

    assert cast.reviewer.has_perm("axes.view_accessattempt")  # the group rule alone would show it
    assert not {"axes", "django_celery_beat"} & sections(client).keys()
    assert [client.get(page).status_code for page in TECHNICAL_PAGES] == [404, 403, 403, 404, 403, 403]


@pytest.mark.parametrize("role", ["staff_a", "staff_b"])
def test_staff_see_no_technical_section(cast, role):
    client = client_for(getattr(cast, role))

    assert not {"axes", "django_celery_beat"} & sections(client).keys()
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 403


def test_administrators_see_them_labelled_in_vietnamese(cast):
    AccessAttempt.objects.create(username="ai-do", ip_address="10.0.0.1", user_agent="curl", failures_since_start=3)
    client = client_for(cast.admin)

    shown = sections(client)
    assert str(shown["axes"]["name"]) == "Đăng nhập và khóa tài khoản"
    assert str(shown["django_celery_beat"]["name"]) == "Tác vụ định kỳ"
    assert {str(model["name"]) for model in shown["axes"]["models"]} >= {"Lần thử đăng nhập", "Nhật ký đăng nhập"}
    assert "Tác vụ định kỳ" in {str(model["name"]) for model in shown["django_celery_beat"]["models"]}
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "Địa chỉ IP" in page and "Số lần đăng nhập sai" in page and "IP Address" not in page
    beat = client.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert PeriodicTask.objects.exists() and "Periodic" not in beat and "Enabled" not in beat


def test_people_are_shown_by_full_name_not_login(cast):
    nameless = UserFactory(username="khong-ten", first_name="", last_name="")
    assert str(cast.staff_a) == cast.staff_a.get_full_name() != "staff_a"
    assert str(nameless) == "khong-ten"


def test_the_admin_greets_people_by_their_whole_name(cast):
    page = client_for(cast.staff_a).get("/admin/").content.decode()
    assert f"<strong>{cast.staff_a.get_full_name()}</strong>" in page


def test_the_values_list_and_the_audit_list_show_who_by_name(cast):
    value_create(indicator=IndicatorFactory(code="NAME-1"), unit=cast.unit_a, period="2023", numerator=1,
                 denominator=2, actor=Actor(cast.staff_a), channel=AuditChannel.API)
    client = client_for(cast.admin)

    for page in ("/admin/indicators/indicatorvalue/", "/admin/indicators/auditentry/"):
        html = client.get(page).content.decode()
        assert cast.staff_a.get_full_name() in html, page
        assert ">staff_a<" not in html, page
