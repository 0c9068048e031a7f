"""The whole loop at 1366 px, as a person does it from the home page: entry of "4,5" with evidence, return with a
reason that staff then see at the top, correction, resubmission, approval; then the dashboard, a report generated
by a real worker and downloaded, and the public page. Controls by role and visible name only (tests/browser/
controls.py); screenshots at desktop and phone widths along the way."""

import csv
import io
import re
import time
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from departments.policy import Actor
from indicators.models import AuditChannel, IndicatorValue, ValueState
from indicators.selectors import last_finished_period
from indicators.services import value_create
from reports.models import Report, ReportStatus
from tests.factories import IndicatorFactory, TargetFactory

from .conftest import DESKTOP, DOWNLOADS
from .controls import (
    click,
    go_home,
    log_in,
    no_sideways_scroll,
    open_entry,
    open_review,
    reviewer_approves,
    reviewer_returns,
    staff_corrects_and_resubmits,
    staff_enters_and_submits,
    staff_sees_the_reason_first,
    type_into,
    usable,
)

pytestmark = pytest.mark.browser

CODE = "BRW-CAP-QUANG"
NAME = "Tỷ lệ hộ gia đình có cáp quang"
FIGURE = "Tỷ lệ (%)"
PDF = b"%PDF-1.4\n% bien ban kiem tra\n%%EOF\n"
RETURN_REASON = "Tỷ lệ 4,5 % thấp hơn nhiều so với số hộ đã kéo cáp: kiểm tra lại theo niên giám thống kê."


def wait_until(condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def row_of(page, code=CODE):
    """The table row of an indicator, by the code it shows."""
    return page.get_by_role("row").filter(has_text=code).first


@pytest.fixture
def flow_data(cast):
    """An indicator of fibre coverage due for the last finished year, and unit B's draft of it."""
    period = last_finished_period("year", timezone.localdate())
    indicator = IndicatorFactory(code=CODE, name=NAME, evidence_required=True)
    TargetFactory(indicator=indicator, year=int(period), value=80, decision="Nghị quyết 09-NQ/TU")
    draft = value_create(indicator=indicator, unit=cast.unit_b, period=period, numerator=1234, denominator=10_000,
                         actor=Actor(cast.staff_b), channel=AuditChannel.API)
    return {"period": period, "indicator": indicator, "draft": draft}


def test_value_goes_from_entry_to_dashboard_report_and_public_page(
        live_server, cast, flow_data, celery_worker, private_media, open_context, screenshot, tmp_path):
    period, indicator = flow_data["period"], flow_data["indicator"]
    evidence = tmp_path / "bien-ban-cap-quang.pdf"
    evidence.write_bytes(PDF)
    staff = log_in(open_context(), cast.staff_a)
    reviewer = log_in(open_context(), cast.reviewer)
    public = open_context().new_page()
    assert staff.viewport_size == DESKTOP

    # Staff of unit A: from the home page to the workspace, which opens on the period due; "4,5" and the file.
    open_entry(staff)
    expect(staff.get_by_role("heading", name=f"{CODE} — {NAME}")).to_be_visible()
    expect(staff.get_by_text("Bắt buộc minh chứng trước khi gửi duyệt")).to_be_visible()
    screenshot(staff, "01-staff-workspace")
    staff_enters_and_submits(staff, figure=FIGURE, text="4,5", evidence=evidence)
    value = IndicatorValue.objects.get(indicator=indicator, unit=cast.unit_a)
    assert value.state == ValueState.SUBMITTED and value.value == Decimal("4.5") and value.evidence.count() == 1
    assert "bien-ban-cap-quang.pdf" in staff.get_by_role("listitem").filter(has_text=".pdf").first.inner_text()

    # While it waits for review, the public page shows no figure: neither the submitted one nor B's draft.
    public.goto(f"/public/?period={period}")
    no_sideways_scroll(public)
    assert row_of(public).get_by_role("cell").nth(1).inner_text().strip() == "—"

    # The reviewer: from the home page to the review workspace; returns it with a reason.
    open_review(reviewer)
    screenshot(reviewer, "02-reviewer-queue")
    expect(reviewer.get_by_role("heading", name=f"{CODE} — {NAME}")).to_be_visible()
    reviewer_returns(reviewer, code=CODE, reason=RETURN_REASON)

    # Staff come back by the home page: the reason is at the top; they correct the figure and submit again.
    open_entry(go_home(staff))
    staff_sees_the_reason_first(staff, code=CODE, name=NAME, reason=RETURN_REASON)
    screenshot(staff, "03-staff-returned-row")
    staff_corrects_and_resubmits(staff, figure=FIGURE, text="90,5", note="Theo niên giám thống kê.")

    # The reviewer sees the corrected figure and the unit's note, and approves it.
    open_review(go_home(reviewer))
    row = reviewer.get_by_role("article").filter(has=reviewer.get_by_role("heading", name=f"{CODE} — {NAME}"))
    assert re.search(r"\b90,50? %", row.inner_text()) and "Theo niên giám thống kê." in row.inner_text()
    reviewer_approves(reviewer, code=CODE)
    value.refresh_from_db()
    assert value.state == ValueState.APPROVED and value.value == Decimal("90.5")

    # The dashboard, from the home page, opens on the latest period with data and shows the new value.
    click(go_home(reviewer), reviewer.get_by_role("link", name="Mở bảng điều khiển"))
    row = row_of(reviewer).filter(has=reviewer.get_by_role("link", name=CODE))
    assert re.search(r"\b90,5", row.inner_text()) and "Đã đạt" in row.inner_text(), row.inner_text()
    assert screenshot(reviewer, "04-dashboard") <= 0, "the dashboard is wider than a 360-px screen"

    # A report generated now, from the dashboard, by a real worker, and downloaded.
    click(reviewer, reviewer.get_by_role("link", name="Tạo báo cáo ngay"))
    period_box = reviewer.get_by_label("kỳ", exact=False).first
    if period_box.evaluate("element => element.tagName") == "SELECT":
        usable(reviewer, period_box).select_option(period)
    else:
        type_into(reviewer, period_box, period)
    click(reviewer, reviewer.get_by_role("button", name="Tạo báo cáo"))
    reviewer.wait_for_url(re.compile(r"/admin/reports/report/\d+/change/"))
    report = Report.objects.get(pk=re.search(r"/report/(\d+)/change/", reviewer.url).group(1))
    assert (report.period, report.unit) == (period, None)
    assert wait_until(lambda: Report.objects.get(pk=report.pk).status == ReportStatus.DONE), \
        Report.objects.get(pk=report.pk).error
    reviewer.reload()
    screenshot(reviewer, "05-report")
    with reviewer.expect_download() as download_info:
        usable(reviewer, reviewer.get_by_role("link", name="CSV", exact=True)).click()
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    saved = DOWNLOADS / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    content = saved.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert CODE in [row[1] for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) if len(row) > 1]

    # The public page: the approved value, never B's draft; then read in English from its language menu.
    public.reload()
    assert re.match(r"90,50?\b", row_of(public).get_by_role("cell").nth(1).inner_text().strip())
    assert "12,34" not in public.content() and "12.34" not in public.content()
    assert screenshot(public, "06-public") <= 0, "the public page is wider than a 360-px screen"
    click(public, public.get_by_role("link", name="English"))
    assert public.locator("html").get_attribute("lang") == "en"
    assert IndicatorValue.objects.get(pk=flow_data["draft"].pk).state == ValueState.DRAFT
