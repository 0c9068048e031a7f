"""The pages beyond the workspaces as people use them: the admin value page, the dashboard, a report's page and
the public page. Controls found by role and visible name, inside the window and at least 24 px, no sideways
scrolling at 360 px, no serious or critical axe-core violation; and periods told honestly: a page opens on
the newest year with data, the current period a click away, and a figure from another year says which.

Each page's axe-core figures (nodes by impact) are printed (`-s`) and kept in test-artifacts/axe-figures.jsonl;
screenshots are saved as test-artifacts/screenshots/a11y-<page>-<width>.png.
"""

import re

import pytest
from django.utils import timezone

from departments.policy import Actor
from indicators.models import AuditChannel
from indicators.selectors import last_finished_period
from indicators.services import value_approve, value_create, value_submit
from procedures.ingest import dossiers_import
from reports.services import report_generate, report_request
from tests.factories import PASSWORD, IndicatorFactory, ProcedureFactory, TargetFactory

from .conftest import PHONE, SCREENSHOTS
from .controls import axe_check, no_sideways_scroll, usable

pytestmark = pytest.mark.browser

API = AuditChannel.API
PROCEDURE = "1.000001.H42"


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"a11y-{name}-{page.viewport_size['width']}.png", full_page=True)


def approved(indicator, unit, cast, period, numerator):
    value = value_create(indicator=indicator, unit=unit, period=period, numerator=numerator, denominator=100,
                         actor=Actor(cast.admin), channel=API)
    value = value_submit(value=value, actor=Actor(cast.admin), channel=API)
    return value_approve(value=value, actor=Actor(cast.reviewer), channel=API)


@pytest.fixture
def pages(cast):
    """Approved values and dossiers two years before the current period only; a draft of unit A and a
    submitted value of unit B in the current period; a compliance report of the old year, generated."""
    current = last_finished_period("year", timezone.localdate())
    old = str(int(current) - 2)
    fibre = IndicatorFactory(code="FIBRE", name="Tỷ lệ hộ có cáp quang")
    slow = IndicatorFactory(code="SLOW", name="Tỷ lệ thủ tục có kết quả điện tử", pillar=fibre.pillar,
                            framework=fibre.framework)
    none = IndicatorFactory(code="NONE", name="Tỷ lệ cơ quan dùng chữ ký số", pillar=fibre.pillar,
                            framework=fibre.framework)
    for indicator in (fibre, slow, none):  # achieved, off track, no data: every colour of status shows
        TargetFactory(indicator=indicator, year=int(current), value=80)
    approved(fibre, cast.unit_a, cast, old, 90)
    approved(slow, cast.unit_a, cast, old, 5)
    draft = value_create(indicator=fibre, unit=cast.unit_a, period=current, numerator=50, denominator=100,
                         actor=Actor(cast.staff_a), channel=API)
    submitted = value_create(indicator=slow, unit=cast.unit_b, period=current, numerator=40, denominator=100,
                             actor=Actor(cast.staff_b), channel=API)
    submitted = value_submit(value=submitted, actor=Actor(cast.staff_b), channel=API)
    ProcedureFactory(code=PROCEDURE, department=cast.unit_a)
    dossiers_import(rows=[{"code": "A-1", "procedure": PROCEDURE, "unit": "A", "channel": "online",
                           "received_at": f"{old}-08-01T08:00:00+07:00", "due_at": f"{old}-08-10T17:00:00+07:00",
                           "completed_at": f"{old}-08-05T10:00:00+07:00", "outcome": "resolved"}],
                    source="motcua", actor=Actor(cast.admin), channel=API, refresh=False)
    report, _created = report_request(kind="compliance", period=old, actor=Actor(cast.reviewer), enqueue=False)
    report_generate(report_id=report.pk)
    return {"current": current, "old": old, "draft": draft, "submitted": submitted, "report": report}


def log_in(context, user):
    page = context.new_page()
    page.goto("/admin/login/")
    usable(page, page.get_by_label("Tên đăng nhập")).fill(user.username)
    usable(page, page.get_by_label("Mật khẩu")).fill(PASSWORD)
    usable(page, page.get_by_role("button", name="Đăng nhập")).click()
    page.wait_for_url("**/admin/")
    return page


def on_phone(page):
    page.set_viewport_size(PHONE)
    page.reload()
    no_sideways_scroll(page)
    return page


def row_of(page, code):
    return page.get_by_role("row").filter(has_text=code).first


# --- the admin value page ------------------------------------------------------------------------------


def test_admin_value_page_of_staff_names_its_upload_and_fits_a_phone(cast, pages, open_context, private_media,
                                                                      tmp_path):
    evidence = tmp_path / "bien-ban.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% bien ban\n%%EOF\n")
    staff = log_in(open_context(), cast.staff_a)
    staff.goto(f"/admin/indicators/indicatorvalue/{pages['draft'].pk}/change/")
    no_sideways_scroll(staff)
    axe_check(staff, "admin value page, staff")
    shoot(staff, "value-staff")
    # The evidence upload is named: found by its label, as a screen reader announces it.
    usable(staff, staff.get_by_label("Tệp minh chứng").locator("visible=true")).set_input_files(str(evidence))
    usable(staff, staff.get_by_role("button", name="Lưu lại"))
    usable(staff, staff.get_by_role("button", name="Gửi duyệt"))

    on_phone(staff)
    axe_check(staff, "admin value page, staff")
    shoot(staff, "value-staff")
    usable(staff, staff.get_by_label("Tệp minh chứng").locator("visible=true"))
    usable(staff, staff.get_by_role("button", name="Lưu lại"))
    usable(staff, staff.get_by_role("button", name="Gửi duyệt"))
    no_sideways_scroll(staff)


def test_admin_value_page_of_a_reviewer_fits_a_phone(cast, pages, open_context, private_media):
    reviewer = log_in(open_context(), cast.reviewer)
    reviewer.goto(f"/admin/indicators/indicatorvalue/{pages['submitted'].pk}/change/")
    no_sideways_scroll(reviewer)
    axe_check(reviewer, "admin value page, reviewer")
    shoot(reviewer, "value-reviewer")
    for width_checked in ("desktop", "phone"):
        if width_checked == "phone":
            on_phone(reviewer)
            axe_check(reviewer, "admin value page, reviewer")
            shoot(reviewer, "value-reviewer")
        usable(reviewer, reviewer.get_by_role("button", name="Duyệt", exact=True))
        usable(reviewer, reviewer.get_by_role("textbox", name="Lý do"))
        usable(reviewer, reviewer.get_by_role("button", name="Trả lại", exact=True))
        no_sideways_scroll(reviewer)


# --- the dashboard ---------------------------------------------------------------------------------------


def test_dashboard_opens_on_the_newest_year_with_data_and_names_the_period_of_every_figure(
        cast, pages, open_context, private_media):
    current, old = pages["current"], pages["old"]
    page = log_in(open_context(), cast.reviewer)
    usable(page, page.get_by_role("link", name="Mở bảng điều khiển")).click()
    page.wait_for_url("**/dashboard/")
    no_sideways_scroll(page)
    axe_check(page, "dashboard")
    shoot(page, "dashboard")
    # It opens on the old year, which has data, says why, and the current period is a click away.
    assert page.get_by_role("heading", name=f"Toàn tỉnh · Năm {old}").is_visible()
    note = page.get_by_role("note").filter(has_text=f"Đang xem Năm {old}")
    assert f"Năm {current} (kỳ báo cáo hiện tại) chưa có số liệu" in note.inner_text()
    assert re.search(r"\b90\b", row_of(page, "FIBRE").inner_text())
    assert "số liệu Năm" not in row_of(page, "FIBRE").inner_text()  # the year's own figure

    # Periods are chosen by name from a list.
    period = usable(page, page.get_by_role("combobox", name="Kỳ"))
    assert period.evaluate("element => element.tagName") == "SELECT"
    assert f"Quý 3/{old}" in period.inner_text() and f"{old}Q3" not in period.inner_text()
    usable(page, page.get_by_role("link", name=f"Kỳ hiện tại: Năm {current}")).click()
    page.wait_for_url(f"**/dashboard/?period={current}*")
    assert page.get_by_role("heading", name=f"Toàn tỉnh · Năm {current}").is_visible()
    # The old figure under the current period says which period it is from.
    fibre = row_of(page, "FIBRE").inner_text()
    assert re.search(r"\b90\b", fibre) and f"số liệu Năm {old}" in fibre
    assert f"Chưa có số liệu đã duyệt của Năm {current}." in page.get_by_role("note").inner_text()
    axe_check(page, "dashboard, current period")

    usable(page, page.get_by_role("combobox", name="Kỳ")).select_option(label=f"Năm {old}")
    usable(page, page.get_by_role("button", name="Xem", exact=True)).click()
    page.wait_for_url(f"**/dashboard/?period={old}*")

    on_phone(page)
    axe_check(page, "dashboard")
    shoot(page, "dashboard")
    usable(page, page.get_by_role("combobox", name="Kỳ"))
    usable(page, page.get_by_role("combobox", name="Phạm vi"))
    usable(page, page.get_by_role("button", name="Xem", exact=True))
    usable(page, page.get_by_role("link", name=f"Kỳ hiện tại: Năm {current}"))
    no_sideways_scroll(page)


# --- a report's page -------------------------------------------------------------------------------------


def test_report_page_has_no_serious_accessibility_violation(cast, pages, open_context, private_media):
    page = log_in(open_context(), cast.reviewer)
    page.goto(f"/admin/reports/report/{pages['report'].pk}/change/")
    assert page.get_by_role("link", name="XLSX").is_visible()
    axe_check(page, "report page")
    shoot(page, "report")
    page.set_viewport_size(PHONE)
    axe_check(page, "report page")
    shoot(page, "report")


# --- the public page ------------------------------------------------------------------------------------


def test_public_page_opens_on_the_newest_year_with_data_and_fits_a_phone(cast, pages, open_context):
    current, old = pages["current"], pages["old"]
    page = open_context().new_page()
    page.goto("/public/")
    no_sideways_scroll(page)
    axe_check(page, "public page")
    shoot(page, "public")
    assert f"Tỉnh Thử nghiệm · Năm {old}" in page.locator("header").inner_text()
    assert f"Đang xem Năm {old}" in page.get_by_role("note").inner_text()
    fibre = row_of(page, "FIBRE").inner_text()
    assert re.search(r"\b90\b", fibre) and "số liệu Năm" not in fibre

    # The current period, picked by name: the old figure is still shown, saying it is the old year's.
    usable(page, page.get_by_role("combobox", name="Kỳ")).select_option(label=f"Năm {current}")
    usable(page, page.get_by_role("button", name="Xem", exact=True)).click()
    page.wait_for_url(f"**/public/?*period={current}*")
    assert f"Tỉnh Thử nghiệm · Năm {current}" in page.locator("header").inner_text()
    fibre = row_of(page, "FIBRE").inner_text()
    assert re.search(r"\b90\b", fibre) and f"số liệu Năm {old}" in fibre
    assert f"Chưa có số liệu đã duyệt của Năm {current}." in page.get_by_role("note").inner_text()
    axe_check(page, "public page, current period")

    on_phone(page)
    axe_check(page, "public page, current period")
    shoot(page, "public")
    usable(page, page.get_by_role("combobox", name="Kỳ"))
    usable(page, page.get_by_role("button", name="Xem", exact=True))
    usable(page, page.get_by_role("link", name="CSV"))
    usable(page, page.get_by_role("link", name=f"Xem Năm {old}"))
    no_sideways_scroll(page)
