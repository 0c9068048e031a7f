"""The whole loop in a real browser: entry with evidence, return, correction, approval, dashboard,
report download and the public page; screenshots at desktop and phone widths along the way."""

import csv
import io
import re
import time

import pytest
from django.utils import timezone

from departments.policy import Actor
from indicators.models import AuditChannel, IndicatorValue, ValueState
from indicators.selectors import last_finished_period
from indicators.services import value_create
from reports.models import Report, ReportStatus
from tests.factories import PASSWORD, IndicatorFactory, TargetFactory

from .conftest import DOWNLOADS

pytestmark = pytest.mark.browser

CODE = "BRW-CAP-QUANG"
PDF = b"%PDF-1.4\n% bien ban kiem tra\n%%EOF\n"
RETURN_REASON = "Mẫu số phải là tổng số hộ theo niên giám thống kê."


def log_in(context, user, next_url="/admin/"):
    page = context.new_page()
    page.goto(f"/admin/login/?next={next_url}")
    page.get_by_label("Tên đăng nhập").press_sequentially(user.username)
    page.get_by_label("Mật khẩu").press_sequentially(PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")
    return page


def success_message(page):
    return page.locator("ul.messagelist li.success").inner_text()


def value_row(page, code=CODE):
    return page.locator("tr", has=page.locator(f"text={code}")).first


def wait_until(condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def flow_data(cast):
    """An indicator of fibre coverage due for the last finished year, and unit B's draft of it."""
    period = last_finished_period("year", timezone.localdate())
    indicator = IndicatorFactory(code=CODE, name="Tỷ lệ hộ gia đình có cáp quang", evidence_required=True)
    TargetFactory(indicator=indicator, year=int(period) + 2, value=80, decision="Nghị quyết 09-NQ/TU")
    draft = value_create(indicator=indicator, unit=cast.unit_b, period=period, numerator=1234, denominator=10_000,
                         actor=Actor(cast.staff_b), channel=AuditChannel.API)
    return {"period": period, "indicator": indicator, "draft": draft}


def test_value_goes_from_entry_to_dashboard_report_and_public_page(
        live_server, cast, flow_data, celery_worker, private_media, open_context, screenshot, tmp_path):
    period = flow_data["period"]
    evidence = tmp_path / "bien-ban-cap-quang.pdf"
    evidence.write_bytes(PDF)
    staff = log_in(open_context(), cast.staff_a, "/admin/indicators/indicatorvalue/my-tasks/")
    reviewer = log_in(open_context(), cast.reviewer)
    public = open_context().new_page()

    # Staff of unit A: the task is due; enter a value with its evidence, then submit it.
    task = value_row(staff)
    assert period in task.inner_text()
    screenshot(staff, "01-staff-my-tasks")
    task.locator("a.button").click()
    staff.get_by_label("Tử số").press_sequentially("70")
    staff.get_by_label("Mẫu số").press_sequentially("100")
    staff.set_input_files("input[name='evidence_upload-0-file']", str(evidence))
    screenshot(staff, "02-staff-value-form")
    staff.click("input[name=_continue]")
    assert "bien-ban-cap-quang.pdf" in staff.locator("#evidence-group").inner_text()
    staff.click("input[name=_submit]")
    assert CODE in success_message(staff)
    value = IndicatorValue.objects.get(indicator=flow_data["indicator"], unit=cast.unit_a)
    assert value.state == ValueState.SUBMITTED and value.evidence.count() == 1

    # While it waits for review, the public page shows no figure: neither the submitted one nor B's draft.
    public.goto(f"/public/?period={period}")
    row = public.locator(f"tr[data-indicator='{CODE}']")
    assert row.locator(".dx-value").inner_text().strip() == "—"

    # The reviewer returns it with a reason.
    reviewer.goto("/admin/indicators/indicatorvalue/?queue=1")
    screenshot(reviewer, "03-reviewer-queue")
    value_row(reviewer).locator("a", has_text=CODE).click()
    reviewer.fill("#reason-return", RETURN_REASON)
    reviewer.click("input[name=_return]")
    assert CODE in success_message(reviewer)

    # Staff sees why, corrects the numerator and submits again.
    staff.goto("/admin/indicators/indicatorvalue/my-tasks/")
    task = value_row(staff)
    assert RETURN_REASON in task.inner_text()
    screenshot(staff, "04-staff-returned-task")
    task.locator("a.button").click()
    staff.fill("#id_numerator", "90")
    staff.click("input[name=_continue]")
    staff.click("input[name=_submit]")
    assert CODE in success_message(staff)

    # The reviewer approves it.
    reviewer.goto("/admin/indicators/indicatorvalue/?queue=1")
    value_row(reviewer).locator("a", has_text=CODE).click()
    reviewer.click("input[name=_approve]")
    assert CODE in success_message(reviewer)
    value.refresh_from_db()
    assert value.state == ValueState.APPROVED and value.value == 90

    # The dashboard (the last finished year, the whole province) shows the new value.
    reviewer.goto("/admin/")
    reviewer.click("#dx-home-module a[href='/dashboard/']")
    row = reviewer.locator("#dx-indicators tr", has=reviewer.locator(f"a:has-text('{CODE}')"))
    assert re.search(r"\b90\b", row.inner_text()) and "Đã đạt" in row.inner_text()
    assert screenshot(reviewer, "05-dashboard") <= 0, "the dashboard is wider than a 360-px screen"

    # A report generated now, by a real worker, and downloaded.
    reviewer.goto("/admin/reports/report/generate/")
    reviewer.fill("#id_period", period)
    reviewer.click("input[type=submit]")
    reviewer.wait_for_url(re.compile(r"/admin/reports/report/\d+/change/"))
    report = Report.objects.get(pk=re.search(r"/report/(\d+)/change/", reviewer.url).group(1))
    assert (report.period, report.unit) == (period, None)
    assert wait_until(lambda: Report.objects.get(pk=report.pk).status == ReportStatus.DONE), \
        Report.objects.get(pk=report.pk).error
    reviewer.reload()
    screenshot(reviewer, "06-report")
    with reviewer.expect_download() as download_info:
        reviewer.click("a[href$='/download/csv/']")
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    saved = DOWNLOADS / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert CODE in [row[1] for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) if len(row) > 1]

    # The public page: the approved value, never B's draft.
    public.goto(f"/public/?period={period}")
    row = public.locator(f"tr[data-indicator='{CODE}']")
    assert row.locator(".dx-value").inner_text().split()[0] == "90"
    assert "12,34" not in public.content() and "12.34" not in public.content()
    assert screenshot(public, "07-public") <= 0, "the public page is wider than a 360-px screen"
    public.click("a[hreflang=en]")
    assert public.locator("html").get_attribute("lang") == "en"
    assert IndicatorValue.objects.get(pk=flow_data["draft"].pk).state == ValueState.DRAFT
