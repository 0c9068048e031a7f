"""A real headless Chromium (Debian's) driven by Playwright, a live server and a real Celery worker."""

from functools import partial
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from dxportal.celery import app

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DOWNLOADS = ROOT / "test-artifacts" / "downloads"
# No browser is ever downloaded: Debian's Chromium, cut off from everything but the live server.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1366, "height": 900}
# Every page reports what the Content-Security-Policy blocked to the console, where `open_context` collects it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                + ` in ${event.sourceFile || location.href}:${event.lineNumber}`);
});
"""
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def browser_db_access(monkeypatch):
    # Playwright's sync API keeps an event loop in the test's thread while the browser is open; the
    # test's own ORM calls are still plain synchronous code, which Django would otherwise refuse there.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium(live_server, browser_db_access):
    """Debian's Chromium for one test: opened after the database is ready, closed before it is flushed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker consuming from the configured broker (Redis in CI), in this process."""
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def open_context(chromium, live_server):
    """Return a function that opens a Vietnamese desktop browser context on the live server."""
    contexts = []

    def make():
        context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, locale="vi-VN",
                                       accept_downloads=True)
        context.set_default_timeout(20_000)
        context.csp_violations = []
        context.add_init_script(CSP_LISTENER)
        context.on("console", partial(_record_csp_violation, context.csp_violations))
        contexts.append(context)
        return context

    yield make
    violations = [violation for context in contexts for violation in context.csp_violations]
    for context in contexts:
        context.close()
    # Any page the test opened that the policy broke fails the test, whatever the test itself checked.
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def _record_csp_violation(violations, message):
    text = message.text
    if "CSP violation" in text or "Content Security Policy" in text:
        violations.append(text)


@pytest.fixture
def screenshot():
    """Return a function that saves a page at desktop and phone widths under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    saved = []

    def shoot(page, name):
        page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
        page.set_viewport_size(DESKTOP)
        saved.extend([f"{name}-desktop.png", f"{name}-phone.png"])
        return overflow

    shoot.saved = saved
    return shoot
