"""The workspaces as officials use them: controls found by role and visible name, typed the Vietnamese way,
inside the window and large enough to hit, no sideways scrolling, and no serious accessibility violation."""

from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from indicators.models import IndicatorValue, ValueState
from indicators.selectors import last_finished_period
from tests.factories import PASSWORD, IndicatorFactory, TargetFactory

from .conftest import PHONE

pytestmark = pytest.mark.browser

CODE = "WS-DVC"
PDF = b"%PDF-1.4\n% bien ban\n%%EOF\n"
REASON = "Ghi rõ nguồn số liệu trong phần ghi chú."
MIN_TARGET = 24  # WCAG 2.2 target size (minimum), in CSS pixels
AXE = Axe()


def no_sideways_scroll(page):
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} scrolls sideways: {width} px of content in a {inner} px window"


def usable(page, locator):
    """Assert the control is visible inside the window and at least 24 × 24 px; return it."""
    # The middle of the window, as a person scrolls to what they read, clear of the sticky action bar.
    locator.evaluate("element => element.scrollIntoView({block: 'center', inline: 'nearest'})")
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None, f"{locator} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], f"{locator} lies outside the window"
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], f"{locator} lies outside the window"
    assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, f"{locator} is smaller than 24 px: {box}"
    return locator


def accessible(page):
    """Assert axe-core finds no violation of serious or critical impact on the page."""
    results = AXE.run(page)
    bad = [violation for violation in results.response["violations"]
           if violation["impact"] in ("serious", "critical")]
    assert bad == [], "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — "
                                f"{[node['target'] for node in v['nodes']][:5]}" for v in bad)


def log_in(context, user):
    page = context.new_page()
    page.goto("/admin/login/")
    no_sideways_scroll(page)
    accessible(page)
    usable(page, page.get_by_label("Tên đăng nhập")).press_sequentially(user.username)
    usable(page, page.get_by_label("Mật khẩu")).press_sequentially(PASSWORD)
    usable(page, page.get_by_role("button", name="Đăng nhập")).click()
    page.wait_for_url("**/admin/")
    return page


def message(page):
    return page.get_by_role("listitem").filter(has_text="Đã ").first.inner_text()


@pytest.fixture
def due(cast):
    period = last_finished_period("year", timezone.localdate())
    indicator = IndicatorFactory(code=CODE, name="Số dịch vụ công trực tuyến toàn trình", value_type="number",
                                 aggregation="sum", unit_of_measure="dịch vụ", evidence_required=True,
                                 definition="Dịch vụ công cho phép nộp, xử lý và trả kết quả hoàn toàn trực tuyến.")
    TargetFactory(indicator=indicator, year=int(period), value=Decimal("84"))
    return indicator, period


def open_workspace(page):
    accessible(page)
    usable(page, page.get_by_role("link", name="Nhập số liệu")).click()
    page.wait_for_url("**/workspace/**")
    no_sideways_scroll(page)
    return page


def open_review(page):
    usable(page, page.get_by_role("link", name="Duyệt số liệu")).click()
    page.wait_for_url("**/workspace/review/")
    no_sideways_scroll(page)
    accessible(page)
    return page


def test_staff_enters_reviewer_returns_staff_corrects_reviewer_approves(cast, due, open_context, private_media,
                                                                        tmp_path):
    indicator, period = due
    evidence = tmp_path / "bien-ban.pdf"
    evidence.write_bytes(PDF)
    staff = open_workspace(log_in(open_context(), cast.staff_a))
    accessible(staff)
    assert "84" in staff.get_by_text("Mục tiêu").locator("..").inner_text()
    assert staff.get_by_text("Bắt buộc minh chứng trước khi gửi duyệt").is_visible()

    usable(staff, staff.get_by_role("textbox", name="Giá trị")).press_sequentially("4,5")
    staff.get_by_label("Tệp minh chứng").set_input_files(str(evidence))
    usable(staff, staff.get_by_role("button", name="Lưu và gửi duyệt")).click()
    assert "Đã lưu và gửi duyệt 1 chỉ tiêu." in message(staff)

    reviewer = open_review(log_in(open_context(), cast.reviewer))
    usable(reviewer, reviewer.get_by_role("textbox", name="Lý do trả lại", exact=True)).press_sequentially(REASON)
    usable(reviewer, reviewer.get_by_role("button", name=f"Trả lại {CODE}")).click()
    assert "Đã trả lại 1 số liệu." in message(reviewer)

    staff.reload()
    reason = staff.get_by_role("note").filter(has_text=REASON)
    heading = staff.get_by_role("heading", name=f"{CODE} — {indicator.name}")
    assert reason.bounding_box()["y"] < heading.bounding_box()["y"], "the reason must come first in the row"
    value_box = usable(staff, staff.get_by_role("textbox", name="Giá trị"))
    value_box.clear()
    value_box.press_sequentially("4,5")
    usable(staff, staff.get_by_role("textbox", name="Ghi chú")).press_sequentially("Nguồn: hệ thống một cửa.")
    usable(staff, staff.get_by_role("button", name="Lưu và gửi duyệt")).click()
    assert "Đã lưu và gửi duyệt 1 chỉ tiêu." in message(staff)

    reviewer.reload()
    usable(reviewer, reviewer.get_by_role("button", name=f"Duyệt {CODE}")).click()
    assert "Đã duyệt 1 số liệu." in message(reviewer)

    stored = IndicatorValue.objects.get(indicator=indicator, unit=cast.unit_a, period=period)
    assert stored.state == ValueState.APPROVED
    assert stored.value == Decimal("4.5")


def test_workspace_and_queue_do_not_scroll_sideways_on_a_phone(cast, due, open_context, private_media):
    staff_context = open_context()
    staff = open_workspace(log_in(staff_context, cast.staff_a))
    staff.set_viewport_size(PHONE)
    staff.reload()
    no_sideways_scroll(staff)
    usable(staff, staff.get_by_role("textbox", name="Giá trị")).press_sequentially("12")
    usable(staff, staff.get_by_role("button", name="Lưu", exact=True)).click()
    no_sideways_scroll(staff)
    accessible(staff)

    reviewer = log_in(open_context(), cast.reviewer)
    reviewer.set_viewport_size(PHONE)
    open_review(reviewer)
