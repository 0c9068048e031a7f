from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from departments.models import ApiKey
from departments.services import api_key_revoke
from tests.factories import UnitFactory, make_api_key

pytestmark = pytest.mark.django_db


def key_client(secret, language=None):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def test_units_list_is_scoped_to_the_caller(cast, client_as):
    staff = client_as("staff_a").get("/api/v1/units/").json()
    reviewer = client_as("reviewer").get("/api/v1/units/").json()
    assert [u["code"] for u in staff["results"]] == ["A"]
    assert reviewer["count"] == 3


def test_unit_outside_scope_answers_404_as_if_missing(cast, client_as):
    response = client_as("staff_a").get("/api/v1/units/B/")
    missing = client_as("staff_a").get("/api/v1/units/NOPE/")
    assert response.status_code == missing.status_code == 404
    assert response.json()["message"] == missing.json()["message"]


def test_units_filter_by_kind_parent_and_date(cast, client_as):
    UnitFactory(code="OLD", parent=cast.province, valid_to=timezone.localdate() - timedelta(days=400))
    client = client_as("reviewer")
    assert client.get("/api/v1/units/?kind=province").json()["count"] == 1
    assert client.get("/api/v1/units/?parent=P").json()["count"] == 3
    today = timezone.localdate().isoformat()
    codes = [u["code"] for u in client.get(f"/api/v1/units/?parent=P&valid_on={today}").json()["results"]]
    assert codes == ["A", "B"]


@pytest.mark.parametrize("query, field", [
    ("kind=planet", "kind"), ("valid_on=yesterday", "valid_on"), ("page=0", "page"), ("page=abc", "page"),
    ("page=999", "page"), ("page_size=-3", "page_size"), ("page_size=x", "page_size"),
])
def test_malformed_filters_and_pages_are_400_naming_the_field(cast, client_as, query, field):
    response = client_as("reviewer").get(f"/api/v1/units/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid"
    assert [error["field"] for error in body["errors"]] == [field]


def test_errors_come_in_vietnamese_and_english(cast, client_as):
    body = client_as("reviewer").get("/api/v1/units/?valid_on=bad").json()
    assert body["message"] == "Dữ liệu gửi lên không hợp lệ."
    assert body["message_en"] == "Invalid input."
    assert body["errors"][0]["message"] == "Nhập một ngày hợp lệ."
    assert body["errors"][0]["message_en"] == "Enter a valid date."


def test_english_callers_get_the_same_two_languages(cast):
    body = key_client(cast.system_secret, language="en").get("/api/v1/units/?valid_on=bad").json()
    assert body["errors"][0]["message"] == "Nhập một ngày hợp lệ."
    assert body["errors"][0]["message_en"] == "Enter a valid date."


def test_page_size_is_capped(cast, client_as, settings):
    settings.API_MAX_PAGE_SIZE = 2
    body = client_as("reviewer").get("/api/v1/units/?page_size=100").json()
    assert len(body["results"]) == 2 and body["next"]


def test_me_describes_person_role_and_units(cast, client_as):
    body = client_as("staff_a").get("/api/v1/me/").json()
    assert body["username"] == "staff_a"
    assert body["role"] == "department_staff"
    assert body["role_label"] == "Cán bộ đơn vị"
    assert [u["code"] for u in body["units"]] == ["A"]
    assert body["api_key"] is None


def test_me_describes_the_api_key(cast, client_as):
    body = client_as("system").get("/api/v1/me/").json()
    assert body["role"] == "external_system"
    assert body["api_key"]["prefix"] == cast.system_key.prefix
    assert "units:read" in body["api_key"]["scopes"]


def test_unauthenticated_request_gets_401_with_challenge(cast):
    response = APIClient().get("/api/v1/units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("case, code", [
    ("unknown", "api_key_invalid"), ("wrong_secret", "api_key_invalid"),
    ("revoked", "api_key_revoked"), ("expired", "api_key_expired"),
])
def test_bad_api_keys_get_401_with_the_reason(cast, case, code):
    secret = cast.system_secret
    if case == "unknown":
        secret = "nope.nope"
    elif case == "wrong_secret":
        secret = f"{cast.system_key.prefix}.wrong"
    elif case == "revoked":
        api_key_revoke(api_key=cast.system_key)
    elif case == "expired":
        ApiKey.objects.filter(pk=cast.system_key.pk).update(expiry_date=timezone.now() - timedelta(minutes=1))
    response = key_client(secret).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response.json()["message"] and response.json()["message_en"]
    assert response.json()["message"] != response.json()["message_en"]


def test_key_is_stored_hashed_and_use_is_recorded(cast):
    stored = ApiKey.objects.get(pk=cast.system_key.pk)
    assert cast.system_secret.split(".")[1] not in stored.hashed_key
    assert stored.last_used_at is None
    key_client(cast.system_secret).get("/api/v1/me/")
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_recent_key_use_writes_nothing_again(cast):
    client = key_client(cast.system_secret)
    client.get("/api/v1/me/")  # first use: records last_used_at
    stored = ApiKey.objects.get(pk=cast.system_key.pk)
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/me/")
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert ApiKey.objects.get(pk=cast.system_key.pk).last_used_at == stored.last_used_at


def test_stale_key_use_is_recorded_again(cast):
    stale = timezone.now() - timedelta(minutes=5)
    ApiKey.objects.filter(pk=cast.system_key.pk).update(last_used_at=stale)
    key_client(cast.system_secret).get("/api/v1/me/")
    assert ApiKey.objects.get(pk=cast.system_key.pk).last_used_at > stale


def test_key_without_the_resource_scope_is_forbidden(cast):
    _key, secret = make_api_key(units=[cast.unit_a], scopes=["dossiers:read"], name="narrow")
    assert key_client(secret).get("/api/v1/units/").status_code == 403
    assert key_client(secret).get("/api/v1/me/").status_code == 200


def test_service_account_cannot_use_a_session(cast):
    client = APIClient()
    client.force_login(cast.system_key.service_account, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/api/v1/units/").status_code == 403


def test_each_key_is_throttled_on_its_own(cast, settings):
    cache.clear()
    # The throttles read their rates per request, so a changed setting applies (no class attribute to patch).
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_key": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    _other, other_secret = make_api_key(units=[cast.unit_a], name="other")
    statuses = [key_client(cast.system_secret).get("/api/v1/me/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert key_client(other_secret).get("/api/v1/me/").status_code == 200
    cache.clear()


def test_a_key_revoked_between_two_requests_fails_on_the_second(cast):
    client = key_client(cast.system_secret)
    assert client.get("/api/v1/me/").status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(pk=cast.system_key.pk))
    response = client.get("/api/v1/me/")
    assert response.status_code == 401 and response.json()["code"] == "api_key_revoked"
