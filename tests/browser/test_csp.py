"""The Content-Security-Policy in a real browser: the admin, dashboard, API docs and public page work under it."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def log_in(context, user):
    page = context.new_page()
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Tên đăng nhập").type(user.username)
    page.get_by_label("Mật khẩu").type(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/admin/")
    return page


def assert_policy(response):
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


def test_admin_dashboard_api_docs_and_public_page_work_under_the_csp(live_server, cast, open_context):
    context = open_context()
    page = log_in(context, cast.admin)
    for url in ("/admin/", "/admin/indicators/indicatorvalue/", "/admin/departments/apikey/add/",
                "/admin/django_celery_beat/periodictask/add/", "/dashboard/", "/public/"):
        assert_policy(page.goto(url))
        page.wait_for_load_state("networkidle")
    page.goto("/admin/django_celery_beat/periodictask/add/")
    assert page.locator(".field-crontab_translation").is_hidden()  # its form helper ran, from a file
    assert_policy(page.goto("/api/docs/"))
    page.locator(".swagger-ui .info .title").wait_for()  # Swagger UI ran its init script and read the schema
    assert "DX Portal API" in page.locator(".swagger-ui .info .title").inner_text()
    page.goto("/admin/")
    page.get_by_label("Ngôn ngữ").select_option("en")  # the language menu's script is a file, not onchange=
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert context.csp_violations == []


def test_browser_tests_see_what_the_csp_blocks(live_server, open_context):
    context = open_context()
    page = context.new_page()
    page.goto("/public/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                              document.body.append(s); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in violation for violation in context.csp_violations)
    context.csp_violations.clear()  # seen on purpose; any other violation fails the test
