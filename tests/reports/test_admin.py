"""The reports admin as the cast: the list and its downloads, "generate now" and "regenerate"."""

import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from departments.models import Role
from reports.content import data_version
from reports.models import Report, ReportStatus
from tests.factories import UserFactory

from .permission_rows import stored_report
from .test_api import broker_down, celery_worker, contained_broker, wait_for  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
REPORTS = "/admin/reports/report/"
GENERATE = f"{REPORTS}generate/"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def admin_client(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def shown_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def file_link(report, fmt):
    return f"{REPORTS}{report.pk}/download/{fmt}/"


def regenerate(client, *reports):
    return client.post(REPORTS, {"action": "regenerate_selected", "_selected_action": [r.pk for r in reports],
                                 "select_across": "0", "index": "0"}, follow=True)


def current(unit=None, period="2023", **fields):
    """Return a stored report made from the data as it is now: requesting it again finds this one."""
    report = stored_report(unit, period=period, **fields)
    report.data_version = data_version(period=period, unit=unit)
    report.save(update_fields=["data_version"])
    return report


# --- the list ---------------------------------------------------------------------------------


def test_staff_list_only_their_units_reports(cast):
    of_a, of_b, province = stored_report(cast.unit_a), stored_report(cast.unit_b), stored_report()
    listed = {role: {r.pk for r in admin_client(getattr(cast, role)).get(REPORTS).context["cl"].result_list}
              for role in ("staff_a", "staff_b", "reviewer", "admin")}
    assert listed == {"staff_a": {of_a.pk}, "staff_b": {of_b.pk}, "reviewer": {of_a.pk, of_b.pk, province.pk},
                      "admin": {of_a.pk, of_b.pk, province.pk}}


def test_list_shows_scope_requester_timings_and_a_link_per_format(cast):
    report = stored_report(requested_by=cast.reviewer)
    scheduled = stored_report(cast.unit_a, requested_by_schedule="Hằng tháng")
    html = admin_client(cast.reviewer).get(REPORTS).content.decode()
    for fmt in ("xlsx", "csv", "pdf"):
        assert f'href="{file_link(report, fmt)}"' in html
        assert f'href="{file_link(scheduled, fmt)}"' in html
    assert "Toàn tỉnh" in html and "Sở A" in html
    assert cast.reviewer.get_full_name() in html and "Lịch: Hằng tháng" in html


@pytest.mark.parametrize("query", ["?status__exact=failed", "?kind__exact=compliance&period=2023"])
def test_list_filters(cast, query):
    failed = stored_report(cast.unit_a, status=ReportStatus.FAILED)
    done = stored_report(cast.unit_a)
    stored_report(cast.unit_a, period="2022")
    result = {r.pk for r in admin_client(cast.reviewer).get(REPORTS + query).context["cl"].result_list}
    assert result == ({failed.pk} if "failed" in query else {failed.pk, done.pk})


def test_generate_link_is_shown_to_who_may_generate(cast):
    for role in ("staff_a", "reviewer", "admin"):
        assert GENERATE in admin_client(getattr(cast, role)).get(REPORTS).content.decode()


def test_list_query_count_does_not_grow_with_rows(cast):
    for role, expected in (("staff_a", 11), ("reviewer", 10)):
        client = admin_client(getattr(cast, role))

        def measure(client=client):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(REPORTS)
            assert response.status_code == 200
            return len(captured), len(response.context["cl"].result_list)

        Report.objects.all().delete()
        for _ in range(2):
            stored_report(cast.unit_a, requested_by=cast.staff_a)
        small, small_rows = measure()
        for _ in range(20):
            stored_report(cast.unit_a, requested_by_key=cast.system_key,
                          requested_by=cast.system_key.service_account)
        large, large_rows = measure()
        assert (small_rows, large_rows) == (2, 22)
        # session, user, the user's and the groups' permissions, groups (role); staff also the ids of their home
        # units' subtree (scope); the filtered and the total count, the page (report + unit, user,
        # key), the page's files, the period filter's values.
        assert large == small == expected, role


# --- downloads and the read-only page ---------------------------------------------------------


def test_download_link_serves_the_file_to_who_may_see_it(cast):
    report = stored_report(cast.unit_a)
    response = admin_client(cast.staff_a).get(file_link(report, "csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-2023-a.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(response.streaming_content) == f"csv: báo cáo {report.pk} — Sở A".encode()
    assert admin_client(cast.staff_b).get(file_link(report, "csv")).status_code == 404
    assert admin_client(cast.reviewer).get(file_link(report, "csv")).status_code == 200


def test_download_of_unfinished_unknown_or_foreign_file_is_404(cast):
    queued = stored_report(cast.unit_a, status=ReportStatus.QUEUED)
    only_xlsx = stored_report(cast.unit_a, formats=["xlsx"])
    province = stored_report()
    client = admin_client(cast.staff_a)
    assert client.get(file_link(queued, "xlsx")).status_code == 404
    assert client.get(file_link(only_xlsx, "pdf")).status_code == 404
    assert client.get(file_link(only_xlsx, "exe")).status_code == 404
    assert client.get(file_link(province, "xlsx")).status_code == 404
    assert Client().get(file_link(only_xlsx, "xlsx")).status_code == 302  # to the login page


def test_report_page_is_read_only(cast):
    report = stored_report(cast.unit_a, requested_by=cast.staff_a)
    client = admin_client(cast.admin)
    page = client.get(f"{REPORTS}{report.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert "Tỷ lệ đúng hạn (%)" in html and f'href="{file_link(report, "pdf")}"' in html
    assert client.post(f"{REPORTS}{report.pk}/change/", {"period": "2022"}).status_code == 403
    assert client.get(f"{REPORTS}add/").status_code == 403
    assert client.post(f"{REPORTS}{report.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Report.objects.get(pk=report.pk).period == "2023"


def test_staff_cannot_open_another_units_report(cast):
    report = stored_report(cast.unit_a)
    response = admin_client(cast.staff_b).get(f"{REPORTS}{report.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert admin_client(cast.staff_a).get(f"{REPORTS}{report.pk}/change/").status_code == 200


# --- generate now -----------------------------------------------------------------------------


def test_generate_now_queues_a_report_with_the_admin_users_actor(cast):
    client = admin_client(cast.reviewer)
    assert client.get(GENERATE).status_code == 200
    response = client.post(GENERATE, {"kind": "compliance", "period": "2023", "unit": ""}, follow=True)
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == f"{REPORTS}{report.pk}/change/"
    assert (report.status, report.unit, report.requested_by) == (ReportStatus.QUEUED, None, cast.reviewer)
    assert any("hàng đợi" in message for message in shown_messages(response))


def test_generate_now_for_unchanged_data_says_the_existing_report_is_reused(cast):
    client = admin_client(cast.staff_a)
    body = {"kind": "compliance", "period": "2023", "unit": cast.unit_a.pk}
    client.post(GENERATE, body)
    response = client.post(GENERATE, body, follow=True)
    assert Report.objects.count() == 1
    assert any("Dữ liệu chưa thay đổi" in message for message in shown_messages(response))


@pytest.mark.parametrize("body, field, message", [
    ({"kind": "compliance", "period": "2023", "unit": ""}, "unit", "Chỉ người duyệt cấp tỉnh"),  # province-wide
    ({"kind": "compliance", "period": "2023-1", "unit": "A"}, "period", "không đúng định dạng"),
    ({"kind": "compliance", "period": "2099", "unit": "A"}, "period", "chưa bắt đầu"),
    ({"kind": "compliance", "period": "2023", "unit": "B"}, "unit", ""),  # not among the choices
])
def test_generate_now_refusals_are_shown_on_the_form(cast, body, field, message):
    codes = {"A": cast.unit_a.pk, "B": cast.unit_b.pk, "": ""}
    response = admin_client(cast.staff_a).post(GENERATE, {**body, "unit": codes[body["unit"]]})
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.non_field_errors() if field is None else form.errors[field]
    assert errors and message in " ".join(errors)
    assert not Report.objects.exists()


def test_generate_now_offers_only_units_in_scope(cast):
    form = admin_client(cast.staff_a).get(GENERATE).context["form"]
    assert set(form.fields["unit"].queryset) == {cast.unit_a}


@pytest.mark.usefixtures("broker_down")
def test_generate_now_with_the_broker_down_says_so_and_leaves_nothing_queued(cast):
    response = admin_client(cast.reviewer).post(GENERATE, {"kind": "compliance", "period": "2023", "unit": ""})
    assert response.status_code == 200
    assert "Hàng đợi xử lý báo cáo tạm thời không hoạt động" in " ".join(response.context["form"].non_field_errors())
    assert Report.objects.get().status == ReportStatus.FAILED


def test_generate_now_is_not_for_external_systems_or_anonymous(cast):
    assert Client().get(GENERATE).status_code == 302
    assert admin_client(cast.system_key.service_account).get(GENERATE).status_code == 302


@pytest.mark.usefixtures("celery_worker")
def test_generated_in_the_admin_is_finished_by_the_worker(cast):
    client = admin_client(cast.reviewer)
    client.post(GENERATE, {"kind": "compliance", "period": "2023", "unit": ""})
    report = Report.objects.get()
    assert wait_for(lambda: Report.objects.get(pk=report.pk).status == ReportStatus.DONE)
    html = client.get(REPORTS).content.decode()
    assert f'href="{file_link(report, "xlsx")}"' in html
    response = client.get(file_link(report, "xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames


# --- regenerate -------------------------------------------------------------------------------


def test_regenerate_queues_a_failed_report_again(cast):
    failed = current(cast.unit_a, status=ReportStatus.FAILED, error="Hàng đợi xử lý không sẵn sàng")
    response = regenerate(admin_client(cast.staff_a), failed)
    failed.refresh_from_db()
    assert (failed.status, failed.error) == (ReportStatus.QUEUED, "")
    assert Report.objects.count() == 1
    assert "Đã đưa 1 báo cáo vào hàng đợi." in shown_messages(response)


def test_regenerate_keeps_a_done_report_of_unchanged_data_and_says_so(cast):
    done = current(cast.unit_a)
    response = regenerate(admin_client(cast.staff_a), done)
    assert Report.objects.count() == 1 and Report.objects.get().status == ReportStatus.DONE
    [message] = shown_messages(response)
    assert "Dữ liệu chưa thay đổi" in message and f"#{done.pk}" in message


def test_regenerate_makes_a_new_report_when_the_data_changed(cast):
    old = stored_report(cast.unit_a)  # a data version that is no longer current
    response = regenerate(admin_client(cast.reviewer), old)
    new = Report.objects.exclude(pk=old.pk).get()
    assert (new.unit, new.period, new.status, new.requested_by) == (cast.unit_a, "2023", ReportStatus.QUEUED,
                                                                    cast.reviewer)
    assert "Đã đưa 1 báo cáo vào hàng đợi." in shown_messages(response)


@pytest.mark.usefixtures("broker_down")
def test_regenerate_with_the_broker_down_says_so(cast):
    failed = current(status=ReportStatus.FAILED)
    response = regenerate(admin_client(cast.reviewer), failed)
    assert any("tạm thời không hoạt động" in message for message in shown_messages(response))
    failed.refresh_from_db()
    assert failed.status == ReportStatus.FAILED


def test_regenerate_refusal_is_reported_per_report(cast):
    province = current(status=ReportStatus.FAILED)
    # A staff member of the province unit sees province-wide reports but may not request them.
    province_staff = UserFactory(username="staff_p", role=Role.STAFF, units=[cast.province])
    response = regenerate(admin_client(province_staff), province)
    [message] = shown_messages(response)
    assert "Không tạo lại được 1 báo cáo" in message
    assert Report.objects.get().status == ReportStatus.FAILED
