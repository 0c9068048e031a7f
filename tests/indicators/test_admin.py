"""The indicators admin, tried as the cast: staff of A and B, the reviewer and the administrator."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone

from departments.policy import Actor
from indicators.models import AuditChannel, AuditEntry, Comment, Evidence, IndicatorValue, ValueState
from indicators.periods import parse_period
from indicators.selectors import last_finished_period
from indicators.services import (
    evidence_add,
    value_approve,
    value_create,
    value_reopen,
    value_submit,
    value_update,
)
from kernel.numbers import format_decimal
from tests.factories import FrameworkFactory, IndicatorFactory, UnitFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
API = AuditChannel.API
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
VALUES = "/admin/indicators/indicatorvalue/"
PDF = b"%PDF-1.4 bien ban"


def admin_client(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def management(prefix, total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def change_data(value, **fields):
    """Return the POST of a value's change form as its page shows it (numbers the Vietnamese way), with `fields`
    changed."""
    data = {"numerator": format_decimal(value.numerator), "denominator": format_decimal(value.denominator),
            "value": format_decimal(value.value), "note": value.note,
            "expected_version": value.version, **management("evidence_upload", total=1),
            **management("evidence", total=value.evidence.count(), initial=value.evidence.count())}
    for index, evidence in enumerate(value.evidence.order_by("uploaded_at")):
        data[f"evidence-{index}-id"] = evidence.pk
        data[f"evidence-{index}-value"] = value.pk
    data.update(fields)
    return data


def shown_messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def draft(indicator, unit, staff, period="2023", **numbers):
    numbers = numbers or {"numerator": 90, "denominator": 100}
    return value_create(indicator=indicator, unit=unit, period=period, actor=Actor(staff), channel=API, **numbers)


def submitted(indicator, unit, staff, period="2023", **numbers):
    value = draft(indicator, unit, staff, period, **numbers)
    return value_submit(value=value, actor=Actor(staff), channel=API)


def approved(cast, indicator, unit, staff, period="2023", **numbers):
    value = submitted(indicator, unit, staff, period, **numbers)
    return value_approve(value=value, actor=Actor(cast.reviewer), channel=API)


def fresh(value):
    return IndicatorValue.objects.get(pk=value.pk)


@pytest.fixture
def indicator():
    return IndicatorFactory(code="FIBRE", name="Hộ gia đình có cáp quang", unit_kinds=["department"])


# --- who sees what ---------------------------------------------------------------------------------


def test_staff_sees_own_drafts_and_only_approved_values_of_others(cast, indicator):
    own = draft(indicator, cast.unit_a, cast.staff_a)
    others_draft = draft(indicator, cast.unit_b, cast.staff_b)
    others_approved = approved(cast, indicator, cast.unit_b, cast.staff_b, period="2022")
    response = admin_client(cast.staff_a).get(VALUES, {"scope": "all"})
    assert response.status_code == 200
    assert {v.pk for v in response.context["cl"].result_list} == {own.pk, others_approved.pk}
    reviewer_sees = admin_client(cast.reviewer).get(VALUES).context["cl"].result_list
    assert others_draft.pk in {v.pk for v in reviewer_sees}


def test_staff_cannot_open_or_post_to_another_units_draft(cast, indicator):
    others_draft = draft(indicator, cast.unit_b, cast.staff_b)
    client = admin_client(cast.staff_a)
    url = f"{VALUES}{others_draft.pk}/change/"
    assert client.get(url).status_code in (302, 404)
    assert client.post(url, change_data(others_draft, numerator="1")).status_code in (302, 403, 404)
    for path in ("workflow/submit/", "comment/"):
        assert client.post(f"{VALUES}{others_draft.pk}/{path}", {"text": "x"}).status_code == 404
    assert fresh(others_draft).numerator == 90 and not Comment.objects.exists()


def test_others_approved_values_and_own_approved_values_are_read_only(cast, indicator):
    others = approved(cast, indicator, cast.unit_b, cast.staff_b)
    own = approved(cast, indicator, cast.unit_a, cast.staff_a)
    client = admin_client(cast.staff_a)
    for value in (others, own):
        page = client.get(f"{VALUES}{value.pk}/change/")
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode() and 'name="numerator"' not in page.content.decode()
        assert client.post(f"{VALUES}{value.pk}/change/", change_data(value, numerator="1")).status_code == 403
    assert fresh(own).numerator == 90


def test_reviewer_never_gets_an_edit_form_for_numbers(cast, indicator):
    value = submitted(indicator, cast.unit_a, cast.staff_a)
    client = admin_client(cast.reviewer)
    page = client.get(f"{VALUES}{value.pk}/change/").content.decode()
    assert 'name="numerator"' not in page and 'name="_save"' not in page
    assert 'name="_approve"' in page and 'name="_return"' in page  # review buttons instead
    assert client.post(f"{VALUES}{value.pk}/change/", change_data(value, numerator="1")).status_code == 403
    assert client.get(f"{VALUES}add/").status_code == 403


# --- entering values through the form ----------------------------------------------------------------


def test_add_form_offers_only_own_units_and_indicators_that_apply_to_them(cast, indicator):
    communes_only = IndicatorFactory(unit_kinds=["commune"])
    computed = IndicatorFactory(source="computed")
    child = UnitFactory(code="A-1", parent=cast.unit_a, kind="agency")
    agencies_only = IndicatorFactory(unit_kinds=["agency"])
    form = admin_client(cast.staff_a).get(f"{VALUES}add/").context["adminform"].form
    assert set(form.fields["unit"].queryset) == {cast.unit_a, child}
    offered = set(form.fields["indicator"].queryset)
    assert indicator in offered and agencies_only in offered
    assert communes_only not in offered and computed not in offered


def test_add_form_is_prefilled_from_the_query_string(cast, indicator):
    url = f"{VALUES}add/?indicator={indicator.pk}&unit={cast.unit_a.pk}&period=2023"
    form = admin_client(cast.staff_a).get(url).context["adminform"].form
    assert form.initial["indicator"] == str(indicator.pk) and form.initial["period"] == "2023"


def test_staff_create_and_edit_through_the_form_are_audited_as_admin(cast, indicator):
    client = admin_client(cast.staff_a)
    response = client.post(f"{VALUES}add/", {
        "indicator": indicator.pk, "unit": cast.unit_a.pk, "period": "2023", "numerator": "90",
        "denominator": "100", "value": "", "note": "Theo báo cáo của VNPT", **management("evidence_upload"),
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    value = IndicatorValue.objects.get()
    assert (value.value, value.state, value.created_by) == (90, ValueState.DRAFT, cast.staff_a)
    response = client.post(f"{VALUES}{value.pk}/change/", change_data(value, numerator="92"))
    assert response.status_code == 302
    value = fresh(value)
    assert (value.numerator, value.value, value.version) == (92, 92, 2)
    trail = list(value.audit_entries.values_list("action", "channel", "actor"))
    assert trail == [("create", "admin", cast.staff_a.pk), ("update", "admin", cast.staff_a.pk)]
    assert value.audit_entries.last().before["numerator"] == "90.0000"


def test_saving_an_unchanged_form_writes_nothing(cast, indicator):
    value = draft(indicator, cast.unit_a, cast.staff_a)
    response = admin_client(cast.staff_a).post(f"{VALUES}{value.pk}/change/", change_data(value))
    assert response.status_code == 302
    assert fresh(value).version == 1 and value.audit_entries.count() == 1


@pytest.mark.parametrize("fields, field, text", [
    ({"period": "2023Q1"}, "period", "không đúng loại kỳ"),
    ({"period": "2099"}, "period", "chưa bắt đầu"),
    ({"numerator": "120"}, "numerator", "không được lớn hơn mẫu số"),
    ({"numerator": "-1"}, "numerator", "không được âm"),
])
def test_service_errors_show_on_the_form_field_and_nothing_is_written(cast, indicator, fields, field, text):
    data = {"indicator": indicator.pk, "unit": cast.unit_a.pk, "period": "2023", "numerator": "90",
            "denominator": "100", "value": "", "note": "", **management("evidence_upload"), **fields}
    response = admin_client(cast.staff_a).post(f"{VALUES}add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert text in " ".join(errors[field])
    assert not IndicatorValue.objects.exists() and not AuditEntry.objects.exists()


def test_a_second_value_for_the_same_period_is_refused_on_the_form(cast, indicator):
    draft(indicator, cast.unit_a, cast.staff_a)
    data = {"indicator": indicator.pk, "unit": cast.unit_a.pk, "period": "2023", "numerator": "1",
            "denominator": "2", "value": "", "note": "", **management("evidence_upload")}
    response = admin_client(cast.staff_a).post(f"{VALUES}add/", data)
    assert response.status_code == 200
    assert "Đã có số liệu" in " ".join(response.context["adminform"].form.errors["period"])
    assert IndicatorValue.objects.count() == 1


def test_stale_version_in_the_form_is_an_error_not_an_overwrite(cast, indicator):
    value = draft(indicator, cast.unit_a, cast.staff_a)
    stale_form = change_data(value, numerator="70")  # the page as loaded at version 1
    value_update(value=value, expected_version=1, actor=Actor(cast.staff_a), channel=API,
                 changes={"numerator": 80})
    response = admin_client(cast.staff_a).post(f"{VALUES}{value.pk}/change/", stale_form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert "phiên bản hiện tại 2" in " ".join(errors)
    assert 'value="70"' in response.content.decode()  # what the person typed is still there
    assert fresh(value).numerator == 80 and fresh(value).version == 2


def test_evidence_is_attached_through_the_service_and_bad_files_are_form_errors(cast, indicator):
    value = draft(indicator, cast.unit_a, cast.staff_a)
    client = admin_client(cast.staff_a)
    bad = change_data(value, **{"evidence_upload-0-file": SimpleUploadedFile("gia.pdf", b"not a pdf")})
    response = client.post(f"{VALUES}{value.pk}/change/", bad)
    assert response.status_code == 200
    upload_form = response.context["inline_admin_formsets"][-1].formset.forms[0]
    assert "không khớp" in " ".join(upload_form.errors["file"])
    good = change_data(value, **{"evidence_upload-0-file": SimpleUploadedFile("bien-ban.pdf", PDF)})
    assert client.post(f"{VALUES}{value.pk}/change/", good).status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "bien-ban.pdf" and evidence.uploaded_by == cast.staff_a
    entry = value.audit_entries.get(action="evidence_add")
    assert entry.channel == AuditChannel.ADMIN
    download = f"{VALUES}{value.pk}/evidence/{evidence.pk}/"
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert admin_client(cast.staff_b).get(download).status_code == 404  # A's draft is not B's to see


def test_too_large_evidence_is_a_form_error(cast, indicator, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    value = draft(indicator, cast.unit_a, cast.staff_a)
    data = change_data(value, **{"evidence_upload-0-file": SimpleUploadedFile("bien-ban.pdf", PDF)})
    response = admin_client(cast.staff_a).post(f"{VALUES}{value.pk}/change/", data)
    assert response.status_code == 200 and "quá lớn" in response.content.decode()
    assert not Evidence.objects.exists()


def test_evidence_is_removed_through_the_service(cast, indicator):
    value = draft(indicator, cast.unit_a, cast.staff_a)
    evidence_add(value=value, upload=SimpleUploadedFile("a.pdf", PDF), actor=Actor(cast.staff_a), channel=API)
    data = change_data(value, **{"evidence-0-DELETE": "on"})
    assert admin_client(cast.staff_a).post(f"{VALUES}{value.pk}/change/", data).status_code == 302
    assert not Evidence.objects.exists()
    assert value.audit_entries.filter(action="evidence_remove", channel="admin").exists()


def test_value_page_shows_history_and_takes_comments(cast, indicator):
    value = submitted(indicator, cast.unit_a, cast.staff_a)
    client = admin_client(cast.reviewer)
    response = client.post(f"{VALUES}{value.pk}/comment/", {"text": "Số hộ lấy từ nguồn nào?"})
    assert response.status_code == 302
    assert Comment.objects.get().author == cast.reviewer
    page = client.get(f"{VALUES}{value.pk}/change/").content.decode()
    assert "Số hộ lấy từ nguồn nào?" in page
    history = client.get(f"{VALUES}{value.pk}/change/").context["audit_rows"]
    assert [row["entry"].action for row in history] == ["create", "submit", "comment"]
    assert ("Tử số", "—", "90") in history[0]["changes"]


def test_workflow_buttons_on_the_value_page_call_the_services(cast, indicator):
    value = draft(indicator, cast.unit_a, cast.staff_a)
    staff = admin_client(cast.staff_a)
    staff.post(f"{VALUES}{value.pk}/workflow/submit/", {"expected_version": value.version})
    assert fresh(value).state == ValueState.SUBMITTED
    reviewer = admin_client(cast.reviewer)
    response = reviewer.post(f"{VALUES}{value.pk}/workflow/return/", {"reason": " "})
    assert "Cần ghi rõ lý do." in shown_messages(response) and fresh(value).state == ValueState.SUBMITTED
    reviewer.post(f"{VALUES}{value.pk}/workflow/approve/", {"expected_version": fresh(value).version})
    assert fresh(value).state == ValueState.APPROVED
    assert value.audit_entries.get(action="approve").channel == AuditChannel.ADMIN
    response = staff.post(f"{VALUES}{value.pk}/workflow/reopen/", {"reason": "Sai"})
    assert fresh(value).state == ValueState.APPROVED  # staff cannot reopen
    assert any("người duyệt" in message for message in shown_messages(response))


# --- bulk actions -----------------------------------------------------------------------------------


def act(client, action, values, url=VALUES, **extra):
    return client.post(url, {"action": action, "_selected_action": [v.pk for v in values], "index": 0, **extra})


def test_staff_submit_in_bulk_each_with_its_own_audit_entry(cast, indicator):
    values = [draft(indicator, cast.unit_a, cast.staff_a, period=p) for p in ("2022", "2023")]
    empty = draft(IndicatorFactory(), cast.unit_a, cast.staff_a, numerator=None, denominator=None, value=None)
    response = act(admin_client(cast.staff_a), "submit_selected", [*values, empty])
    assert response.status_code == 302
    assert [fresh(v).state for v in values] == [ValueState.SUBMITTED] * 2
    assert fresh(empty).state == ValueState.DRAFT
    shown = shown_messages(response)
    assert "Đã gửi duyệt 2 số liệu." in shown
    assert any("Không thực hiện được với 1 số liệu" in m and "Chưa có giá trị" in m for m in shown)
    for value in values:
        assert value.audit_entries.get(action="submit").channel == AuditChannel.ADMIN_BULK


def test_bulk_approval_refuses_only_the_value_the_reviewer_edited(cast, indicator):
    # The administrator both enters data and reviews: what they entered they may not approve.
    others = [submitted(indicator, cast.unit_a, cast.staff_a, period=p) for p in ("2021", "2022")]
    own = submitted(indicator, cast.unit_b, cast.admin, period="2023")
    response = act(admin_client(cast.admin), "approve_selected", [*others, own])
    assert [fresh(v).state for v in others] == [ValueState.APPROVED] * 2
    assert fresh(own).state == ValueState.SUBMITTED
    shown = shown_messages(response)
    assert "Đã duyệt 2 số liệu." in shown
    assert any("1 số liệu" in m and str(own) in m and "không được tự duyệt" in m for m in shown)
    for value in others:
        entry = value.audit_entries.get(action="approve")
        assert (entry.channel, entry.actor) == (AuditChannel.ADMIN_BULK, cast.admin)
    assert not own.audit_entries.filter(action="approve").exists()


def test_return_in_bulk_asks_for_a_reason_first(cast, indicator):
    values = [submitted(indicator, cast.unit_a, cast.staff_a, period=p) for p in ("2022", "2023")]
    client = admin_client(cast.reviewer)
    page = act(client, "return_selected", values)
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    refused = act(client, "return_selected", values, post="yes", reason="  ")
    assert refused.status_code == 200 and "Cần ghi rõ lý do." in refused.content.decode()
    assert [fresh(v).state for v in values] == [ValueState.SUBMITTED] * 2
    done = act(client, "return_selected", values, post="yes", reason="Thiếu biên bản")
    assert done.status_code == 302 and "Đã trả lại 2 số liệu." in shown_messages(done)
    for value in values:
        value = fresh(value)
        assert (value.state, value.return_reason) == (ValueState.RETURNED, "Thiếu biên bản")
        entry = value.audit_entries.get(action="return")
        assert (entry.channel, entry.reason) == (AuditChannel.ADMIN_BULK, "Thiếu biên bản")


def test_reopen_in_bulk_with_a_reason(cast, indicator):
    value = approved(cast, indicator, cast.unit_a, cast.staff_a)
    act(admin_client(cast.reviewer), "reopen_selected", [value], post="yes", reason="Sai số hộ")
    assert fresh(value).state == ValueState.DRAFT
    assert value.audit_entries.get(action="reopen").reason == "Sai số hộ"


def test_staff_cannot_run_review_actions(cast, indicator):
    value = submitted(indicator, cast.unit_a, cast.staff_a)
    act(admin_client(cast.staff_a), "approve_selected", [value])
    assert fresh(value).state == ValueState.SUBMITTED


# --- my tasks and the review queue -------------------------------------------------------------------


def test_my_tasks_lists_a_returned_value_with_its_reason_and_a_missing_one_with_its_deadline(cast):
    today = timezone.localdate()
    period = last_finished_period("year", today)
    missing = IndicatorFactory(code="MISSING")
    returned = submitted(IndicatorFactory(code="RETURNED"), cast.unit_a, cast.staff_a, period=period)
    reason = "Thiếu biên bản nghiệm thu"
    act(admin_client(cast.reviewer), "return_selected", [returned], post="yes", reason=reason)
    response = admin_client(cast.staff_a).get(f"{VALUES}my-tasks/")
    assert response.status_code == 200
    tasks = response.context["tasks"]
    assert [(t["indicator"].code, t["state"]) for t in tasks] == [("RETURNED", "returned"), ("MISSING", None)]
    page = response.content.decode()
    assert reason in page
    due = missing.due_date_for(parse_period(period))
    assert formats.date_format(due, "SHORT_DATE_FORMAT") in page
    assert ("Quá hạn" in page) == (due < today)
    assert f"{VALUES}{returned.pk}/change/" in page
    assert f"{VALUES}add/?indicator={missing.pk}&amp;unit={cast.unit_a.pk}&amp;period={period}" in page


def test_my_tasks_is_for_people_who_enter_data(cast):
    assert admin_client(cast.reviewer).get(f"{VALUES}my-tasks/").status_code == 403
    assert admin_client(cast.staff_b).get(f"{VALUES}my-tasks/").status_code == 200


def test_review_queue_is_oldest_first_and_shows_what_changed_since_approval(cast, indicator):
    newer = submitted(indicator, cast.unit_b, cast.staff_b, period="2023")
    older = submitted(IndicatorFactory(code="SMARTPHONE"), cast.unit_a, cast.staff_a, period="2023")
    again = approved(cast, IndicatorFactory(code="BANK"), cast.unit_a, cast.staff_a, period="2022",
                     numerator=75, denominator=100)
    again = value_reopen(value=again, reason="Số liệu mới", actor=Actor(cast.reviewer), channel=API)
    again = value_update(value=again, expected_version=again.version, actor=Actor(cast.staff_a), channel=API,
                         changes={"numerator": 80, "note": "Theo NHNN"})
    again = value_submit(value=again, actor=Actor(cast.staff_a), channel=API)
    draft(indicator, cast.unit_a, cast.staff_a, period="2021")  # not in the queue
    now = timezone.now()
    for value, hours in ((newer, 1), (older, 30), (again, 5)):
        IndicatorValue.objects.filter(pk=value.pk).update(submitted_at=now - timedelta(hours=hours))
    response = admin_client(cast.reviewer).get(f"{VALUES}?queue=1")
    assert response.status_code == 200
    assert [v.pk for v in response.context["cl"].result_list] == [older.pk, again.pk, newer.pk]
    page = response.content.decode()
    assert "Tử số: 75 → 80" in page and "Ghi chú: — → Theo NHNN" in page
    assert "Chưa được duyệt hoặc trả lại lần nào" in page
    summary = response.context["queue_summary"]
    assert ("A", "Sở A", 2) in summary["by_unit"] and ("B", "Sở B", 1) in summary["by_unit"]
    assert ("Đã gửi", 3) in summary["by_state"] and ("Bản nháp", 1) in summary["by_state"]
    redirect = admin_client(cast.reviewer).get(f"{VALUES}review-queue/")
    assert redirect.status_code == 302 and redirect["Location"].endswith("?queue=1")


def test_approving_from_the_queue_keeps_the_queue(cast, indicator):
    value = submitted(indicator, cast.unit_a, cast.staff_a)
    response = act(admin_client(cast.reviewer), "approve_selected", [value], url=f"{VALUES}?queue=1")
    assert response.status_code == 302 and response["Location"].endswith("?queue=1")
    assert fresh(value).state == ValueState.APPROVED


def test_admin_index_links_to_each_roles_work(cast):
    staff_page = admin_client(cast.staff_a).get("/admin/").content.decode()
    assert "Việc của tôi" in staff_page and "Hàng chờ duyệt" not in staff_page
    reviewer_page = admin_client(cast.reviewer).get("/admin/").content.decode()
    assert "Hàng chờ duyệt" in reviewer_page and "Việc của tôi" not in reviewer_page
    app_page = admin_client(cast.staff_a).get("/admin/indicators/").content.decode()
    assert f"{VALUES}my-tasks/" in app_page and f"{VALUES}import/" in app_page


# --- import and export -------------------------------------------------------------------------------


def csv_upload(rows, name="so-lieu.csv"):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["indicator", "unit", "period", "numerator", "denominator", "value", "note"])
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def import_file(client, upload, **options):
    return client.post(f"{VALUES}import/", {"file": upload, **options})


def test_import_is_all_or_nothing_by_default(cast, indicator):
    rows = [["FIBRE", "A", "2023", "90", "100", "", ""], ["FIBRE", "B", "2023", "50", "100", "", ""]]
    response = import_file(admin_client(cast.staff_a), csv_upload(rows))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["status"] == "rejected" and summary["conflicts"][0]["row"] == 2
    assert "không ghi dòng nào" in " ".join(shown_messages(response))
    assert not IndicatorValue.objects.exists()


def test_import_writes_the_valid_rows_when_asked_with_an_audit_entry_each(cast, indicator):
    rows = [["FIBRE", "A", "2023", "90", "100", "", ""], ["FIBRE", "A", "2022", "80", "100", "", ""],
            ["FIBRE", "A", "20x3", "1", "2", "", ""]]
    response = import_file(admin_client(cast.staff_a), csv_upload(rows), partial="on")
    counts = response.context["summary"]["counts"]
    assert counts == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert IndicatorValue.objects.count() == 2
    assert list(AuditEntry.objects.values_list("channel", flat=True)) == [AuditChannel.IMPORT] * 2
    assert "định dạng" in response.content.decode()  # the rejected row's reason


def test_import_dry_run_writes_nothing(cast, indicator):
    rows = [["FIBRE", "A", "2023", "90", "100", "", ""]]
    response = import_file(admin_client(cast.staff_a), csv_upload(rows), dry_run="on")
    assert response.context["summary"]["counts"]["created"] == 1
    assert response.context["summary"]["dry_run"] is True
    assert not IndicatorValue.objects.exists() and not AuditEntry.objects.exists()


def test_import_rejects_files_it_cannot_read(cast):
    client = admin_client(cast.staff_a)
    response = import_file(client, SimpleUploadedFile("so-lieu.xlsx", b"not a workbook"))
    assert "Không đọc được tệp Excel" in " ".join(response.context["form"].errors["file"])
    response = import_file(client, SimpleUploadedFile("so-lieu.txt", b"a,b"))
    assert "Chỉ nhận tệp" in " ".join(response.context["form"].errors["file"])
    response = import_file(client, SimpleUploadedFile("so-lieu.csv", b"indicator,unit,period\nA\x00,A,2023\n"))
    assert "ký tự NUL" in " ".join(response.context["form"].errors["file"])
    response = import_file(client, SimpleUploadedFile("so-lieu.csv", b"unit,period\nA,2023\n"))
    assert "Thiếu cột bắt buộc: indicator." in " ".join(response.context["form"].errors["file"])


def test_import_is_not_for_reviewers(cast):
    assert admin_client(cast.reviewer).get(f"{VALUES}import/").status_code == 403


def export(client, file_format, query=""):
    index = {"xlsx": "0", "csv": "1"}[file_format]
    response = client.post(f"{VALUES}export/{query}", {"format": index, "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    return response.content


def test_xlsx_export_imports_back_unchanged(cast, indicator):
    money = IndicatorFactory(code="GRDP", value_type="money", aggregation="sum")
    draft(indicator, cast.unit_a, cast.staff_a, period="2023", numerator=923333, denominator=1000000)
    draft(money, cast.unit_a, cast.staff_a, period="2023", value="1234567.5")
    IndicatorValue.objects.filter(indicator=money).update(note="Ghi chú, có dấu phẩy")
    client = admin_client(cast.staff_a)
    workbook = export(client, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).active
    assert [cell.value for cell in sheet[1]][:7] == ["indicator", "unit", "period", "numerator", "denominator",
                                                      "value", "note"]
    before = list(IndicatorValue.objects.order_by("pk").values())
    response = import_file(client, SimpleUploadedFile("so-lieu.xlsx", workbook))
    assert response.context["summary"]["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    assert list(IndicatorValue.objects.order_by("pk").values()) == before


def test_xlsx_changes_are_imported_as_updates(cast, indicator):
    value = draft(indicator, cast.unit_a, cast.staff_a)
    client = admin_client(cast.staff_a)
    book = openpyxl.load_workbook(io.BytesIO(export(client, "xlsx")))
    book.active["D2"] = 95  # numerator
    book.active["F2"] = None  # the percentage follows
    out = io.BytesIO()
    book.save(out)
    response = import_file(client, SimpleUploadedFile("so-lieu.xlsx", out.getvalue()))
    assert response.context["summary"]["counts"]["updated"] == 1
    assert fresh(value).value == 95
    assert value.audit_entries.filter(action="update", channel=AuditChannel.IMPORT).exists()


def test_export_holds_only_what_the_person_may_see(cast, indicator):
    draft(indicator, cast.unit_a, cast.staff_a)
    draft(indicator, cast.unit_b, cast.staff_b)
    approved(cast, indicator, cast.unit_b, cast.staff_b, period="2022")
    client = admin_client(cast.staff_a)
    rows = list(csv.DictReader(io.StringIO(export(client, "csv", "?scope=all").decode("utf-8-sig"))))
    assert sorted((row["unit"], row["period"], row["numerator"]) for row in rows) == [
        ("A", "2023", "90.0000"), ("B", "2022", "90.0000")]  # numbers without a decimal comma, in any language
    # Without a choice the export holds what the list shows first: one's own units.
    rows = list(csv.DictReader(io.StringIO(export(client, "csv").decode("utf-8-sig"))))
    assert [(row["unit"], row["period"]) for row in rows] == [("A", "2023")]
    page = admin_client(cast.staff_a).get(f"{VALUES}export/").content.decode()
    assert "Xuất số liệu ra Excel/CSV" in page and "Định dạng tệp" in page
    reviewer_rows = export(admin_client(cast.reviewer), "csv").decode("utf-8-sig").strip().splitlines()
    assert len(reviewer_rows) == 4  # header and all three


# --- catalogues and the audit trail ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/indicators/framework/", "/admin/indicators/indicator/",
                                 "/admin/indicators/target/", "/admin/indicators/pillar/"])
def test_only_administrators_change_catalogues(cast, url):
    assert admin_client(cast.staff_a).get(url).status_code == 200
    assert admin_client(cast.reviewer).get(url).status_code == 200
    assert admin_client(cast.staff_a).get(f"{url}add/").status_code == 403
    assert admin_client(cast.reviewer).get(f"{url}add/").status_code == 403
    assert admin_client(cast.admin).get(f"{url}add/").status_code == 200


def test_administrator_edits_an_indicators_unit_kinds_as_choices(cast, indicator):
    client = admin_client(cast.admin)
    page = client.get(f"/admin/indicators/indicator/{indicator.pk}/change/")
    assert page.status_code == 200 and 'value="commune"' in page.content.decode()
    staff_page = admin_client(cast.staff_a).get(f"/admin/indicators/indicator/{indicator.pk}/change/")
    assert staff_page.status_code == 200 and 'name="_save"' not in staff_page.content.decode()


def test_audit_trail_is_read_only_for_reviewers_and_closed_to_staff(cast, indicator):
    value = submitted(indicator, cast.unit_a, cast.staff_a)
    client = admin_client(cast.reviewer)
    listing = client.get("/admin/indicators/auditentry/?channel__exact=api&action__exact=submit")
    assert [entry.value_id for entry in listing.context["cl"].result_list] == [value.pk]
    entry = value.audit_entries.first()
    page = client.get(f"/admin/indicators/auditentry/{entry.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert client.get("/admin/indicators/auditentry/add/").status_code == 403
    assert admin_client(cast.staff_a).get("/admin/indicators/auditentry/").status_code == 403


ADMIN_PAGES = {
    # page: expected status for staff_a, reviewer, admin
    f"{VALUES}": (200, 200, 200),
    f"{VALUES}add/": (200, 403, 200),
    f"{VALUES}my-tasks/": (200, 403, 200),
    f"{VALUES}import/": (200, 403, 200),
    f"{VALUES}review-queue/": (403, 302, 302),
    f"{VALUES}export/": (200, 200, 200),
    "/admin/indicators/auditentry/": (403, 200, 200),
}


@pytest.mark.parametrize("url, expected", ADMIN_PAGES.items())
def test_every_role_gets_the_expected_admin_page(cast, url, expected):
    seen = tuple(admin_client(getattr(cast, role)).get(url).status_code for role in ("staff_a", "reviewer", "admin"))
    assert seen == expected
    assert Client().get(url).status_code == 302  # anonymous: to the login page


# --- query counts ---------------------------------------------------------------------------------------


def bulk_values(indicators, unit, state, staff):
    rows = [IndicatorValue(indicator=indicator, unit=unit, period="2023", period_start=date(2023, 1, 1),
                           period_end=date(2023, 12, 31), due_date=date(2024, 1, 15), value=50, state=state,
                           created_by=staff, updated_by=staff,
                           submitted_at=datetime(2024, 1, 2, 9, tzinfo=HCM) if state != "draft" else None)
            for indicator in indicators]
    created = IndicatorValue.objects.bulk_create(rows)
    for value in created:
        Comment.objects.create(value=value, author=staff, text="?")
        AuditEntry.objects.create(value=value, action="approve", channel="api", after=value.audit_snapshot())
    return created


# Every list: session, user, the user's and the groups' permissions, the user's groups (role);
# the filters' choices (frameworks, the units the person may see); the capped count of the filtered list
# (never of the whole table); the page of rows with their indicator, unit and editor (and, in the queue,
# the last approval) in one query; the page's evidence and comment counts, one grouped query each.
# Staff add their scope (one query: the subtree of their memberships); the queue adds its summary (values by
# state, queued values by unit).
@pytest.mark.parametrize("role, query, state, queries", [
    ("staff_a", "", ValueState.DRAFT, 12),
    ("reviewer", "", ValueState.SUBMITTED, 11),
    ("reviewer", "?queue=1", ValueState.SUBMITTED, 13),
])
def test_values_list_query_count_does_not_grow_with_rows(cast, role, query, state, queries):
    client = admin_client(getattr(cast, role))
    framework = FrameworkFactory()

    def measure():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{VALUES}{query}")
        assert response.status_code == 200
        return len(captured), len(response.context["cl"].result_list)

    bulk_values([IndicatorFactory(framework=framework, pillar=None) for _ in range(2)], cast.unit_a, state,
                cast.staff_a)
    small, small_rows = measure()
    bulk_values([IndicatorFactory(framework=framework, pillar=None) for _ in range(20)], cast.unit_a, state,
                cast.staff_a)
    large, large_rows = measure()
    assert (small_rows, large_rows) == (2, 22)
    assert small == large == queries


def test_staff_open_the_values_list_on_their_own_units_and_see_others_approved_figures_a_click_away(cast, indicator):
    own = draft(indicator, cast.unit_a, cast.staff_a, period="2023")
    others = approved(cast, indicator, cast.unit_b, cast.staff_b, period="2023")
    client = admin_client(cast.staff_a)

    shown = client.get(VALUES)
    every = client.get(VALUES, {"scope": "all"})

    assert [v.pk for v in shown.context["cl"].result_list] == [own.pk]
    assert {v.pk for v in every.context["cl"].result_list} == {own.pk, others.pk}
    assert "Đơn vị của tôi" in shown.content.decode()
    reviewer = admin_client(cast.reviewer).get(VALUES)
    assert {own.pk, others.pk} >= {v.pk for v in reviewer.context["cl"].result_list} >= {others.pk}
    assert "Đơn vị của tôi" not in reviewer.content.decode()


def test_value_form_writes_and_reads_numbers_the_vietnamese_way_and_names_periods(cast, indicator):
    value = draft(indicator, cast.unit_a, cast.staff_a)  # 90 / 100
    client = admin_client(cast.staff_a)
    page = client.get(f"{VALUES}{value.pk}/change/").content.decode()
    assert 'value="90' in page and "90.0000" not in page and 'type="number"' not in page
    response = client.post(f"{VALUES}{value.pk}/change/", change_data(value, numerator="92,5"))
    assert response.status_code == 302 and fresh(value).numerator == Decimal("92.5")
    add = client.get(f"{VALUES}add/").content.decode()
    assert ">Năm 2025</option>" in add and "202308" not in add  # picked by name, not typed as a code
