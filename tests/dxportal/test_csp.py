"""The Content-Security-Policy: on every page, and no page needs an inline script or a <style> element."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
PAGES = ["/admin/", "/admin/indicators/indicatorvalue/", "/admin/indicators/indicatorvalue/export/",
         "/admin/departments/apikey/add/", "/admin/django_celery_beat/periodictask/add/", "/dashboard/", "/api/docs/",
         "/public/"]
WANTED = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "object-src": "'none'",
          "frame-ancestors": "'none'", "base-uri": "'self'", "form-action": "'self'"}


def policy(response):
    header = response["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip())


def admin_client(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.mark.parametrize("url", ["/admin/login/", "/public/", "/api/docs/", "/api/schema/", "/healthz"])
def test_every_response_carries_the_content_security_policy(url):
    directives = policy(Client().get(url))
    for directive, value in WANTED.items():
        assert directives[directive] == value, directive
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in directives["script-src"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_need_no_inline_script_or_style_element(cast, url):
    response = admin_client(cast.admin).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert [attrs for attrs in scripts if "src=" not in attrs and 'type="application/json"' not in attrs] == []
    assert "<style" not in html
    assert re.findall(r"""\son[a-z]+\s*=\s*["']""", html) == []  # onclick=, onchange= ... are inline scripts


def test_api_docs_load_their_init_script_as_a_file():
    html = Client().get("/api/docs/").content.decode()
    source = re.findall(r'<script src="([^"]*script=[^"]*)"', html)
    assert source, "the docs page has no init script file"
    script = Client().get(source[0].replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert re.search(r"""url:\s*["']/api/schema/["']""", script.content.decode())
