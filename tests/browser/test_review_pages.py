"""The review queue a page at a time, as a reviewer on a phone goes through it: filters, then the next page."""

import pytest
from django.utils import timezone

from tests.indicators.test_workspace import _queue_of

from .conftest import PHONE
from .controls import axe_check, log_in, no_sideways_scroll, open_review, usable

pytestmark = pytest.mark.browser


def test_reviewer_pages_through_a_long_queue_on_a_phone(cast, open_context, private_media):
    _queue_of(cast, 12)  # 84 values, groups of 7: page 1 holds the 8 oldest groups
    reviewer = log_in(open_context(), cast.reviewer)
    reviewer.set_viewport_size(PHONE)
    open_review(reviewer)
    assert "84 số liệu đang chờ duyệt" in reviewer.locator("#ws-waiting").inner_text()
    usable(reviewer, reviewer.get_by_role("combobox", name="Đơn vị"))
    usable(reviewer, reviewer.get_by_role("combobox", name="Kỳ"))
    usable(reviewer, reviewer.get_by_role("button", name="Lọc", exact=True))
    assert reviewer.get_by_role("heading", name="Sở A · Năm 2008").count() == 0

    usable(reviewer, reviewer.get_by_role("link", name="Trang sau")).click()
    reviewer.wait_for_url("**/workspace/review/?page=2")
    no_sideways_scroll(reviewer)
    axe_check(reviewer, "review queue, page 2")
    headings = reviewer.locator("h2.ws-heading").all_inner_texts()
    assert headings[0] == "Sở A · Năm 2008" and len(headings) == 4
    assert reviewer.get_by_role("link", name="Trang sau").count() == 0
    usable(reviewer, reviewer.get_by_role("link", name="Trang trước")).click()
    reviewer.wait_for_url("**/workspace/review/?")
    assert reviewer.locator("h2.ws-heading").all_inner_texts()[0] == "Sở A · Năm 2000"


def test_reviewer_narrows_the_queue_to_one_period(cast, open_context, private_media):
    year = timezone.localdate().year - 2
    _queue_of(cast, 3, size=2, first_year=year - 1)
    reviewer = open_review(log_in(open_context(), cast.reviewer))

    usable(reviewer, reviewer.get_by_role("combobox", name="Kỳ")).select_option(str(year))
    usable(reviewer, reviewer.get_by_role("button", name="Lọc", exact=True)).click()
    reviewer.wait_for_url(f"**/workspace/review/?unit=&period={year}")
    no_sideways_scroll(reviewer)
    assert reviewer.locator("h2.ws-heading").all_inner_texts() == [f"Sở A · Năm {year}"]
    assert "2 số liệu đang chờ duyệt (theo bộ lọc)" in reviewer.locator("#ws-waiting").inner_text()
    usable(reviewer, reviewer.get_by_role("link", name="Bỏ lọc")).click()
    reviewer.wait_for_url("**/workspace/review/?")
    assert len(reviewer.locator("h2.ws-heading").all_inner_texts()) == 3
