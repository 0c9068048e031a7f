"""What a person does in the browser tests: controls found by role and visible name, each one checked to lie
inside the window and to be at least 24 px (WCAG 2.2 target size), and no page scrolling sideways.

The loop of the workspaces (entry with evidence, return with a reason, correction, approval) is written once
here and walked at 1366 px (test_flow) and at 360 px (test_workspace), from the home page, by clicking.
"""

from playwright.sync_api import expect

from tests.factories import PASSWORD

from .conftest import DESKTOP, ROOT

MIN_TARGET = 24  # WCAG 2.2 target size (minimum), in CSS pixels
AXE_FIGURES = ROOT / "test-artifacts" / "axe-figures.jsonl"
IMPACTS = ("critical", "serious", "moderate", "minor")


def no_sideways_scroll(page):
    width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} scrolls sideways: {width} px of content in a {inner} px window"


def usable(page, locator):
    """Assert the control is visible inside the window and at least 24 × 24 px; return it."""
    expect(locator).to_be_visible()
    # The middle of the window, as a person scrolls to what they read, clear of the sticky action bar.
    locator.evaluate("element => element.scrollIntoView({block: 'center', inline: 'nearest'})")
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None, f"{locator} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], f"{locator} lies outside the window"
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], f"{locator} lies outside the window"
    assert box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, f"{locator} is smaller than 24 px: {box}"
    return locator


def click(page, locator):
    """Click a control a person can see and hit, then check the page it leads to does not scroll sideways."""
    usable(page, locator).click()
    page.wait_for_load_state()
    no_sideways_scroll(page)
    return page


def type_into(page, locator, text):
    """Type (not fill) into a usable box, replacing what it held."""
    usable(page, locator).clear()
    locator.press_sequentially(text)


def log_in(context, user, viewport=DESKTOP):
    """Open the portal's address, log in on the page it leads to and land on the home page."""
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.goto("/")
    page.wait_for_url("**/admin/login/**")
    no_sideways_scroll(page)
    type_into(page, page.get_by_label("Tên đăng nhập"), user.username)
    type_into(page, page.get_by_label("Mật khẩu"), PASSWORD)
    usable(page, page.get_by_role("button", name="Đăng nhập")).click()
    page.wait_for_url("**/admin/")
    no_sideways_scroll(page)
    return page


def says(page, text):
    """Assert the page shows the message `text` (Django's messages are a list)."""
    expect(page.get_by_role("listitem").filter(has_text=text).first).to_be_visible()


def go_home(page):
    """Back to the home page by the breadcrumb's first link, as a person does."""
    return click(page, page.get_by_role("link", name="Trang chủ").first)


def open_entry(page):
    return click(page, page.get_by_role("link", name="Nhập số liệu"))


def open_review(page):
    return click(page, page.get_by_role("link", name="Duyệt số liệu"))


def staff_enters_and_submits(staff, *, figure, text, evidence):
    """On the entry workspace: type the figure, attach the evidence, save and submit."""
    type_into(staff, staff.get_by_role("textbox", name=figure), text)
    usable(staff, staff.get_by_label("Tệp minh chứng")).set_input_files(str(evidence))
    click(staff, staff.get_by_role("button", name="Lưu và gửi duyệt"))
    says(staff, "Đã lưu và gửi duyệt 1 chỉ tiêu.")


def reviewer_returns(reviewer, *, code, reason):
    type_into(reviewer, reviewer.get_by_role("textbox", name="Lý do trả lại", exact=True), reason)
    click(reviewer, reviewer.get_by_role("button", name=f"Trả lại {code}"))
    says(reviewer, "Đã trả lại 1 số liệu.")


def staff_sees_the_reason_first(staff, *, code, name, reason):
    """The page opens with the count of returned rows, and the row opens with the reviewer's reason."""
    alert = staff.get_by_role("alert").filter(has_text="bị trả lại")
    note = staff.get_by_role("note").filter(has_text=reason)
    heading = staff.get_by_role("heading", name=f"{code} — {name}")
    expect(alert).to_be_visible()
    expect(note).to_be_visible()
    staff.evaluate("window.scrollTo(0, 0)")
    assert alert.bounding_box()["y"] < staff.viewport_size["height"], "the returned rows must be told at the top"
    assert alert.bounding_box()["y"] < note.bounding_box()["y"] < heading.bounding_box()["y"], \
        "the reason must come first in the row"


def staff_corrects_and_resubmits(staff, *, figure, text, note):
    type_into(staff, staff.get_by_role("textbox", name=figure), text)
    type_into(staff, staff.get_by_role("textbox", name="Ghi chú"), note)
    click(staff, staff.get_by_role("button", name="Lưu và gửi duyệt"))
    says(staff, "Đã lưu và gửi duyệt 1 chỉ tiêu.")


def reviewer_approves(reviewer, *, code):
    click(reviewer, reviewer.get_by_role("button", name=f"Duyệt {code}"))
    says(reviewer, "Đã duyệt 1 số liệu.")


def axe_check(page, name):
    """Run axe-core on the page; record its violations by impact; assert none is serious or critical.

    The figures go to test-artifacts/axe-figures.jsonl (one line per page checked) and to the output.
    axe-core itself inserts a <style> element while it checks some pages, which the Content-Security-Policy
    blocks: those reports, made while axe runs, are axe's and not the page's, so they are dropped.
    """
    import json

    from axe_playwright_python.sync_playwright import Axe

    violations = getattr(page.context, "csp_violations", None)
    before = len(violations) if violations is not None else 0
    results = Axe().run(page)
    if violations is not None:
        del violations[before:]
    found = results.response["violations"]
    figures = {impact: sum(len(v["nodes"]) for v in found if v["impact"] == impact) for impact in IMPACTS}
    rules = {v["id"]: v["impact"] for v in found}
    width = page.viewport_size["width"]
    record = {"page": name, "width": width, "url": page.url, "nodes_by_impact": figures, "rules": rules}
    AXE_FIGURES.parent.mkdir(parents=True, exist_ok=True)
    with AXE_FIGURES.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"axe {name} @{width}px: " + ", ".join(f"{impact} {count}" for impact, count in figures.items())
          + (f" ({', '.join(f'{rule}: {impact}' for rule, impact in rules.items())})" if rules else ""))
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert bad == [], "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — "
                                f"{[node['target'] for node in v['nodes']][:5]}" for v in bad)
    return figures
