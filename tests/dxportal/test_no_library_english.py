"""The Vietnamese pages of the main flow show no English string of Django, DRF or the libraries.

The English comes from the libraries' own catalogues (their msgids): every msgid of two words or more, and a
curated list of single words that English-only admin pages are made of ("Filter", "Search", "Add", ...). Each
page is rendered as the people of the flow see it; its visible text (text nodes and the attributes people or
their screen readers read: aria-label, title, placeholder, alt, button values) must contain none of them.
"""

import re
from functools import cache
from html.parser import HTMLParser
from importlib import import_module
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.test import Client
from django.utils import timezone

from departments.policy import Actor
from indicators.models import AuditChannel
from indicators.selectors import last_finished_period
from indicators.services import value_create, value_submit
from tests.factories import PASSWORD, IndicatorFactory, TargetFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
# Packages whose strings reach the pages; one catalogue each is enough (msgids are the English source).
CATALOGUES = [
    "django.conf", "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.humanize", "rest_framework", "django_filters", "import_export",
    "axes", "django_celery_beat",
]
# Single words of the admin and the libraries that are English whatever the page says around them.
SINGLE_WORDS = [
    "Filter", "Search", "Add", "Forbidden", "Home", "Save", "Delete", "History", "Change", "Close", "Import",
    "Export", "Submit", "Clear", "Today", "Yesterday", "Tomorrow", "Now", "Previous", "Next", "Actions", "Action",
    "Remove", "Username", "Password", "Unknown", "Apply", "Reset", "Login", "Logout", "Welcome", "Documentation",
]
ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


class VisibleText(HTMLParser):
    """Collect the text a person reads or hears: text nodes, labels in attributes, button captions."""

    SILENT = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.silent = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.silent += tag in self.SILENT
        self.parts += [attrs[name] for name in ATTRIBUTES if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        self.silent -= tag in self.SILENT and self.silent > 0

    def handle_data(self, data):
        if not self.silent:
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _catalogue(package):
    """Return the messages of one of the package's catalogues (a .po, else a compiled .mo)."""
    locale = Path(import_module(package).__file__).parent / "locale"
    for language in ("en", "de", "fr"):
        for name, read in (("django.po", read_po), ("django.mo", read_mo)):
            path = locale / language / "LC_MESSAGES" / name
            if path.exists():
                with path.open("rb") as handle:
                    return list(read(handle))
    raise AssertionError(f"no catalogue of {package} under {locale}")


@cache
def library_english():
    """Return the English phrases (two words or more, placeholders cut out) and single words to look for."""
    phrases = set()
    for package in CATALOGUES:
        for message in _catalogue(package):
            for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
                for piece in PLACEHOLDER.split(msgid or ""):
                    piece = " ".join(piece.split()).strip(" .,:;!?“”\"'()-")
                    if len(piece.split()) >= 2 and re.search(r"[A-Za-z]{2}", piece):
                        phrases.add(piece)
    return phrases, set(SINGLE_WORDS)


def english_in(text):
    phrases, words = library_english()
    found = sorted(phrase for phrase in phrases if phrase in text
                   and re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text))
    found += sorted(word for word in words if re.search(rf"(?<![\w-]){word}(?![\w-])", text))
    return found


def client_for(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.fixture
def flow(cast):
    """An indicator due with a target, unit A's submitted value, and the people who see it."""
    period = last_finished_period("year", timezone.localdate())
    indicator = IndicatorFactory(code="VI-1", name="Tỷ lệ hồ sơ trực tuyến", evidence_required=False)
    TargetFactory(indicator=indicator, year=int(period), value=80)
    value = value_create(indicator=indicator, unit=cast.unit_a, period=period, numerator=9, denominator=10,
                         actor=Actor(cast.staff_a), channel=AuditChannel.API)
    value_submit(value=value, actor=Actor(cast.staff_a), channel=AuditChannel.API)
    return {"period": period, "value": value}


def pages(cast, flow):
    """Yield (name, status, html) of every page of the flow, as the person of that step sees it."""
    anonymous, staff, reviewer = Client(), client_for(cast.staff_a), client_for(cast.reviewer)
    value_page = f"/admin/indicators/indicatorvalue/{flow['value'].pk}/change/"
    yield "login", anonymous.get("/admin/login/")
    yield "login with a wrong password", anonymous.post("/admin/login/", {"username": "staff_a", "password": "x"})
    yield "home", staff.get("/admin/")
    yield "workspace", staff.get("/workspace/")
    yield "workspace with an error", staff.post("/workspace/", {
        "unit": cast.unit_a.pk, "period": flow["period"], "save": "1",
        f"i{flow['value'].indicator_id}-value": "4.5.6"})
    yield "value page", staff.get(value_page)
    yield "value form with an error", staff.post("/admin/indicators/indicatorvalue/add/", {"numerator": "abc"})
    yield "values list", reviewer.get("/admin/indicators/indicatorvalue/")
    yield "review queue", reviewer.get("/workspace/review/")
    yield "review queue in the admin", reviewer.get("/admin/indicators/indicatorvalue/?queue=1")
    yield "dashboard", reviewer.get("/dashboard/")
    yield "public page", anonymous.get("/public/")
    yield "403", staff.get("/workspace/review/")
    yield "404", anonymous.get("/khong-co-trang-nay/")
    yield "404 in the admin", staff.get("/admin/indicators/indicatorvalue/999999/change/", follow=True)
    yield "logged out", client_for(cast.staff_b).post("/admin/logout/", follow=True)


def test_the_vietnamese_pages_of_the_main_flow_show_no_library_english(cast, flow):
    assert PASSWORD  # the cast logs in with it; the wrong-password page must still be Vietnamese
    found, shown = {}, {}
    for name, response in pages(cast, flow):
        assert response.status_code in (200, 403, 404), (name, response.status_code)
        shown[name] = response.status_code
        if "error" in name or "wrong" in name:  # the page really is the form with its error banner
            assert "errornote" in response.content.decode() or "ws-error" in response.content.decode(), name
        english = english_in(visible_text(response.content.decode()))
        if english:
            found[name] = english
    assert (shown["403"], shown["404"]) == (403, 404)
    assert found == {}, "English of Django or a library on Vietnamese pages:\n" + "\n".join(
        f"  {name}: {english}" for name, english in found.items())


def test_the_check_finds_django_english_on_a_page():
    page = '<main><p class="errornote">Please correct the error below.</p><a aria-label="Show counts">?</a>' \
           '<input type="submit" value="Search"><script>var s = "Log out";</script></main>'

    assert english_in(visible_text(page)) == ["Please correct the error below", "Show counts", "Search"]


def test_the_check_reads_vietnamese_as_vietnamese():
    page = "<h1>Nhập số liệu</h1><p>Vui lòng sửa lỗi được nêu dưới đây.</p><button>Lưu và gửi duyệt</button>"

    assert english_in(visible_text(page)) == []



def test_the_history_button_says_history_not_memo(cast):
    page = client_for(cast.admin).get(f"/admin/departments/unit/{cast.unit_a.pk}/change/").content.decode()

    assert "Lịch sử thay đổi" in page and "Bản ghi nhớ" not in page
