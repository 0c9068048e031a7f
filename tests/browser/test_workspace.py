"""The workspaces on a 360-px phone, as officials use them: the whole loop from the home page (entry of "4,5"
with evidence, return with a reason seen at the top, correction, approval), then the value page, the dashboard
and the public page; controls by role and visible name, inside the window and large enough to hit, no sideways
scrolling anywhere, and no serious accessibility violation on the workspaces."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from indicators.models import IndicatorValue, ValueState
from indicators.selectors import last_finished_period
from tests.factories import IndicatorFactory, TargetFactory

from .conftest import PHONE
from .controls import (
    axe_check,
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
    usable,
)

pytestmark = pytest.mark.browser

CODE = "WS-DVC"
NAME = "Số dịch vụ công trực tuyến toàn trình"
PDF = b"%PDF-1.4\n% bien ban\n%%EOF\n"
REASON = "Ghi rõ nguồn số liệu trong phần ghi chú."


@pytest.fixture
def due(cast):
    period = last_finished_period("year", timezone.localdate())
    indicator = IndicatorFactory(code=CODE, name=NAME, value_type="number", aggregation="sum",
                                 unit_of_measure="dịch vụ", evidence_required=True,
                                 definition="Dịch vụ công cho phép nộp, xử lý và trả kết quả hoàn toàn trực tuyến.")
    TargetFactory(indicator=indicator, year=int(period), value=Decimal("84"))
    return indicator, period


def test_the_whole_loop_on_a_phone_from_the_home_page(cast, due, open_context, private_media, tmp_path):
    indicator, period = due
    evidence = tmp_path / "bien-ban.pdf"
    evidence.write_bytes(PDF)
    staff = log_in(open_context(), cast.staff_a, viewport=PHONE)
    axe_check(staff, "home, staff, 360 px loop")
    reviewer = log_in(open_context(), cast.reviewer, viewport=PHONE)

    open_entry(staff)
    axe_check(staff, "workspace, staff")
    assert "84" in staff.get_by_text("Mục tiêu").locator("..").inner_text()
    expect(staff.get_by_text("Bắt buộc minh chứng trước khi gửi duyệt")).to_be_visible()
    staff_enters_and_submits(staff, figure="Giá trị", text="4,5", evidence=evidence)
    assert IndicatorValue.objects.get(indicator=indicator, unit=cast.unit_a).value == Decimal("4.5")

    open_review(reviewer)
    axe_check(reviewer, "review queue")
    reviewer_returns(reviewer, code=CODE, reason=REASON)

    open_entry(go_home(staff))
    staff_sees_the_reason_first(staff, code=CODE, name=NAME, reason=REASON)
    axe_check(staff, "workspace, returned row")
    staff_corrects_and_resubmits(staff, figure="Giá trị", text="1.234,5", note="Nguồn: hệ thống một cửa.")

    open_review(go_home(reviewer))
    reviewer_approves(reviewer, code=CODE)
    stored = IndicatorValue.objects.get(indicator=indicator, unit=cast.unit_a, period=period)
    assert stored.state == ValueState.APPROVED and stored.value == Decimal("1234.5")

    # The dashboard and, from it, the public page: nothing wider than the phone.
    click(go_home(reviewer), reviewer.get_by_role("link", name="Mở bảng điều khiển"))
    click(reviewer, reviewer.get_by_role("link", name="Trang dữ liệu mở"))
    expect(reviewer.get_by_role("row").filter(has_text=CODE).first).to_be_visible()

    # The value page, from the home page through the list of values, as staff find their figure again.
    click(go_home(staff), staff.get_by_role("link", name="Số liệu chỉ tiêu").first)
    usable(staff, staff.get_by_role("link", name=re.compile(CODE)).first).click()
    expect(staff.get_by_text("1.234,5").first).to_be_visible()
    expect(staff.get_by_text("Giá trị: 4,5 → 1.234,5")).to_be_visible()  # the history reads the Vietnamese way
    no_sideways_scroll(staff)


def test_workspace_save_on_a_phone_stays_in_the_window(cast, due, open_context, private_media):
    staff = open_entry(log_in(open_context(), cast.staff_a, viewport=PHONE))
    staff.get_by_role("textbox", name="Giá trị").press_sequentially("12")
    click(staff, staff.get_by_role("button", name="Lưu", exact=True))
    expect(staff.get_by_role("listitem").filter(has_text="Đã lưu số liệu").first).to_be_visible()
    no_sideways_scroll(staff)
    axe_check(staff, "workspace after saving")
