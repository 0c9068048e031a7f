"""An API key's admin pages name it by its prefix: the hash of its secret is in no page, link or URL."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from departments.models import ApiKey, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
KEYS = "/admin/departments/apikey/"


def admin_client(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def hash_of(key):
    """Return the hex digest inside the key's primary key, which every spelling of that key contains."""
    return key.hashed_key.rsplit("$", 1)[-1]


def visited(response):
    """Return the URLs a followed response went through and its HTML."""
    return [url for url, _status in response.redirect_chain], response.content.decode()


def assert_no_hash(key, urls, html):
    digest = hash_of(key)
    assert len(digest) >= 64 and digest in key.pk
    assert not [url for url in urls if digest in url]
    assert digest not in html and key.pk not in html


def created_key(cast, client):
    account = UserFactory(username="one-stop", role=Role.EXTERNAL_SYSTEM)
    response = client.post(f"{KEYS}add/", {"name": "Một cửa", "service_account": account.pk,
                                           "units": [cast.unit_a.pk], "scopes": ["units:read"], "_continue": "1"},
                           follow=True)
    return ApiKey.objects.get(name="Một cửa"), response


def test_api_key_admin_pages_show_and_route_by_the_prefix_never_the_hash(cast):
    client = admin_client(cast.admin)
    key, added = created_key(cast, client)
    urls, html = visited(added)
    assert urls == [f"{KEYS}{key.prefix}/change/"] and key.prefix in html  # "save and continue" by the prefix
    assert_no_hash(key, urls, html)
    pages = {"list": KEYS, "change": f"{KEYS}{key.prefix}/change/", "history": f"{KEYS}{key.prefix}/history/",
             "delete": f"{KEYS}{key.prefix}/delete/", "index": "/admin/", "app": "/admin/departments/"}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert_no_hash(key, [url], response.content.decode())
    listing = client.get(KEYS).content.decode()
    assert f'href="{KEYS}{key.prefix}/change/"' in listing and f'value="{key.prefix}"' in listing
    assert f'href="{KEYS}{key.prefix}/change/"' in client.get("/admin/").content.decode()  # recent actions


def test_api_key_admin_change_and_revoke_work_by_the_prefix(cast):
    client = admin_client(cast.admin)
    key = cast.system_key
    changed = client.post(f"{KEYS}{key.prefix}/change/", {"name": "Hệ thống A", "service_account":
                          key.service_account.pk, "units": [cast.unit_a.pk], "scopes": ["units:read"]}, follow=True)
    assert_no_hash(key, *visited(changed))
    assert ApiKey.objects.get(pk=key.pk).name == "Hệ thống A"
    revoked = client.post(KEYS, {"action": "revoke_selected", "_selected_action": [key.prefix], "index": "0"},
                          follow=True)
    assert_no_hash(key, *visited(revoked))
    assert ApiKey.objects.get(pk=key.pk).revoked
    assert set(LogEntry.objects.values_list("object_id", flat=True)) == {key.prefix}


def test_api_key_admin_has_no_page_under_the_hashed_primary_key(cast):
    client = admin_client(cast.admin)
    key = cast.system_key
    for page in ("change", "history", "delete"):
        response = client.get(f"{KEYS}{key.pk}/{page}/")
        assert response.status_code == 302 and hash_of(key) not in response["Location"], page


def test_api_key_admin_deletes_a_key_by_its_prefix(cast):
    client = admin_client(cast.admin)
    key = cast.system_key
    deleted = client.post(f"{KEYS}{key.prefix}/delete/", {"post": "yes"}, follow=True)
    assert_no_hash(key, *visited(deleted))
    assert not ApiKey.objects.filter(pk=key.pk).exists()
    assert client.get(KEYS).status_code == 200
