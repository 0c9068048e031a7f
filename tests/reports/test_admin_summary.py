"""The report page in the admin as a reviewer reads it: the summary as a table, the data named by its time."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from reports.rendering.common import summary_rows

from .permission_rows import stored_report

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# The shape build_content gives, coverage and its level scheme's own figures included.
SUMMARY = {
    "dossiers": {"received": 1234574, "processed": 1200000, "on_time": 1198000, "late": 2000, "overdue": 17,
                 "on_time_rate": 99.83, "online_rate": 61.5, "online_payment_rate": None, "digitization_rate": 80.0},
    "indicators": {"total": 12, "achieved": 3, "on_track": 4, "off_track": 2, "no_data": 2, "no_target": 1},
    "completeness": {"expected": 40, "submitted": 38, "on_time": 35, "late": 3, "approved": 30, "missing": 2},
    "coverage": {"procedures": 1523, "online": 1400, "full_online": 1066, "online_share": 91.92,
                 "full_online_share": 69.99, "scheme": {"code": "nd42-2022", "name": "Nghị định 42/2022/NĐ-CP"},
                 "by_scheme": {"carried_over": 5, "partial_with_reason": 12, "proactive": {"1": 4, "2": 1}}},
}


def report_page(user, report, language=None):
    client = Client()
    client.force_login(user, backend=BACKEND)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(f"/admin/reports/report/{report.pk}/change/")
    assert page.status_code == 200
    return page.content.decode()


def summary_html(html):
    [table] = re.findall(r'<table class="report-summary">.*?</table>', html, flags=re.S)
    return table


def headers(table):
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)]


def a_report(**fields):
    started = datetime(2026, 12, 2, 13, 45, tzinfo=ZONE)
    report = stored_report(None, **fields)
    report.summary, report.started_at = SUMMARY, started
    report.data_version = "a3f5" + "0" * 60
    report.save(update_fields=["summary", "started_at", "data_version"])
    return report


def test_reviewer_reads_the_summary_as_a_vietnamese_table_without_json(cast):
    html = report_page(cast.reviewer, a_report())
    table = summary_html(html)
    assert headers(table) == ["Nhóm", "Số liệu chính", "Giá trị"]
    for label in ("Hồ sơ thủ tục hành chính", "Tiếp nhận", "Tỷ lệ đúng hạn (%)", "Quá hạn chưa giải quyết",
                  "Chậm so với lộ trình", "Chưa gửi", "Tỷ lệ toàn trình (%)", "Một phần có lý do pháp lý",
                  "Dịch vụ chủ động mức 1", "Nghị định 42/2022/NĐ-CP (nd42-2022)"):
        assert label in table, label
    assert "1.234.574" in table and "99,83" in table and "69,99" in table  # Vietnamese separators
    assert "{" not in table and "}" not in table and '"' + "received" not in table
    for key in ("on_time_rate", "received", "by_scheme", "proactive", "full_online_share"):
        assert key not in table, key


def test_data_version_is_the_time_of_the_data_with_the_fingerprint_only_as_a_hint(cast):
    html = report_page(cast.reviewer, a_report())
    assert "Số liệu đọc lúc 13:45" in html and "2026" in html
    assert "(mã a3f50000)" in html
    shown = re.sub(r'title="[^"]*"', "", html)
    assert "a3f5" + "0" * 60 not in shown  # the 64-character hash only in the title, never as the text


def test_the_summary_follows_english_when_english_is_chosen(cast):
    table = summary_html(report_page(cast.reviewer, a_report(), language="en"))
    assert headers(table) == ["Group", "Key figures", "Value"]
    assert "Received" in table and "On-time rate (%)" in table
    assert "1,234,574" in table and "99.83" in table


def test_every_format_flattens_the_scheme_figures_into_labelled_rows():
    with translation.override("vi"):
        rows = list(summary_rows(SUMMARY))
    assert all(not isinstance(value, dict) for _block, _label, value in rows)
    labels = [label for _block, label, _value in rows]
    assert "Thang mức độ dịch vụ trực tuyến" in labels and "Còn ghi theo hệ thống cũ" in labels
    assert ("Thủ tục hành chính trực tuyến", "Dịch vụ chủ động mức 2", 1) in rows


def test_a_report_without_summary_shows_a_dash(cast):
    report = stored_report(None, status="queued")
    html = report_page(cast.reviewer, report)
    assert 'class="report-summary"' not in html
    assert "Số liệu tại thời điểm yêu cầu" in html
