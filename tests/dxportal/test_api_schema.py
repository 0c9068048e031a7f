"""The whole public API, driven from its own OpenAPI schema, plus the schema and docs pages themselves.

schemathesis loads the schema the app serves at /api/schema/, so an endpoint added later is covered
without touching this file. Every request goes in-process through the real WSGI application
(middleware, authentication, throttling, CSRF) inside the test's transaction, once as the API-key
system and once as a logged-in administrator. The check is that no response is a 5xx; when the app
answers 500, the server-side traceback is attached to the failure.

- `test_api_operation_never_answers_5xx`: schemathesis's generated cases (examples, coverage, fuzzing).
- `test_api_inputs_survive_edge_values`: a fixed list of values known to break databases and
  parsers (NUL bytes, 64-bit overflows, extreme dates) in every path and query parameter and every
  top-level JSON body field. Random generation reaches these too rarely to catch them on every run.

Response-schema conformance is not checked: the served schema does not yet match every response
(Unit.parent and Unit.successor are null for some units but declared as non-nullable strings).
"""

import re
import traceback

import pytest
import schemathesis
import yaml
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error

from dxportal.celery import app as celery_app
from dxportal.wsgi import application

from ..conftest import PASSWORD_BACKEND

# The schema the app itself serves, fetched through WSGI as any client would (needs no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

ACTORS = ("system", "admin")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def wsgi_in_test_transaction():
    """Keep the test's connection open across WSGI requests, as Django's own test client does.

    A real WSGI request ends with `close_old_connections`, which would break the transaction that
    the test and its cast live in.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def server_errors():
    """Tracebacks of the exceptions the app turned into a 500 answer, latest last."""
    captured = []

    def record(sender, request=None, **kwargs):
        where = f"{request.method} {request.get_full_path()}" if request is not None else "?"
        captured.append(f"{where}\n{traceback.format_exc()}")

    got_request_exception.connect(record, weak=False)
    try:
        yield captured
    finally:
        got_request_exception.disconnect(record)


def _forget_throttle_history(*users, api_key=None):
    """Start from an empty rate-limit window: the cache (Redis) outlives test runs, and pks repeat."""
    fmt = SimpleRateThrottle.cache_format
    keys = [fmt % {"scope": "user", "ident": user.pk} for user in users]
    if api_key is not None:
        keys.append(fmt % {"scope": "api_key", "ident": api_key.pk})
    cache.delete_many(keys)


@pytest.fixture
def contained_side_effects(settings, tmp_path, monkeypatch):
    """Keep what generated requests leave outside the database away from the checkout and the shared broker.

    Uploads and generated files go to a temporary directory. Tasks sent at once (a report request)
    go to an in-memory broker: a message naming a row this test rolls back must not reach the real
    queue, where a worker of a later run could find a new row with the same id.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", "memory://")  # the environment wins over app.conf
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)


@pytest.fixture(params=ACTORS)
def caller(request, cast, wsgi_in_test_transaction, contained_side_effects):
    """The headers and cookies every request is sent with, for one actor of the cast."""
    if request.param == "system":
        _forget_throttle_history(cast.system_key.service_account, api_key=cast.system_key)
        yield {"Authorization": f"Api-Key {cast.system_secret}"}, {}
        return
    _forget_throttle_history(cast.admin)
    browser = Client()
    browser.force_login(cast.admin, backend=PASSWORD_BACKEND)
    csrf_token = get_random_string(32)  # a cookie and a header that match: writes pass the CSRF check
    yield {"X-CSRFToken": csrf_token}, {"sessionid": browser.cookies["sessionid"].value, "csrftoken": csrf_token}
    browser.logout()


def _send(case, caller, server_errors):
    """Send the case as the caller, leaving the database as it was; return (response, traceback)."""
    headers, cookies = caller
    # Whatever credentials the generator chose, the case is sent with the actor's and only those.
    generated = {name: value for name, value in (case.headers or {}).items() if name.lower() != "authorization"}
    case.headers = {**generated, **headers}
    case.cookies = {**(case.cookies or {}), **cookies}
    server_errors.clear()
    savepoint = transaction.savepoint()  # every case starts from the same data, even after a crash
    try:
        response = case.call(headers=headers, cookies=cookies)
    finally:
        transaction.savepoint_rollback(savepoint)
    assert response.status_code not in (401, 429), (
        f"{case.method} {response.request.url} answered {response.status_code}: the test's credentials were "
        f"refused or the rate limit was hit, so nothing behind them was exercised.\n{response.text}"
    )
    return response, (server_errors[-1] if server_errors else None)


# --- generated cases ---------------------------------------------------------------------------


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    database=None,  # write nothing into the checkout; a failure prints how to reproduce it
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@schema.parametrize()
def test_api_operation_never_answers_5xx(case, caller, server_errors):
    response, server_traceback = _send(case, caller, server_errors)
    try:
        case.validate_response(response, checks=[not_a_server_error])
    except BaseExceptionGroup as failure:  # schemathesis's FailureGroup
        if server_traceback:
            failure.add_note("Server-side traceback:\n" + server_traceback)
        raise


# --- edge values in every input ----------------------------------------------------------------

# Every input gets the strings; typed inputs also get the edges of their own type or format.
EDGE_STRINGS = ["\x00", "A\x00", "\\", "'\"", "🙂", "9" * 40, " "]
EDGE_VALUES = {
    "integer": ["0", "-1", str(2**31), str(2**63), str(-(2**63) - 1)],
    "number": ["NaN", "Infinity", "1e309", "-0"],
    "date": ["0001-01-01", "9999-12-31"],
    "date-time": ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00"],
}
PATH_FILLER = {"integer": "1", "number": "1"}  # for the other path parameters; strings get "A", unit A's code


def _resolve(node):
    """Follow a local `$ref` (and a lone `allOf`, as drf-spectacular writes enums) to the schema it names."""
    while isinstance(node, dict):
        if "$ref" in node:
            target = schema.raw_schema
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        elif len(node.get("allOf", ())) == 1:
            node = node["allOf"][0]
        else:
            break
    return node if isinstance(node, dict) else {}


def _inputs(path, method):
    """(location, name, schema) of the operation's path and query parameters and top-level JSON fields."""
    item = schema.raw_schema["paths"][path]
    operation = item[method]
    declared = [_resolve(p) for p in (*item.get("parameters", []), *operation.get("parameters", []))]
    by_key = {(p["in"], p["name"]): p for p in declared}  # the operation's own win
    for (location, name), parameter in by_key.items():
        if location in ("path", "query"):
            yield location, name, _resolve(parameter.get("schema", {}))
    content = operation.get("requestBody", {}).get("content", {})
    body = _resolve(content.get("application/json", {}).get("schema", {}))
    for name, field in body.get("properties", {}).items():
        field = _resolve(field)
        if not field.get("readOnly"):
            yield "body", name, field


OPERATIONS_WITH_INPUTS = [
    (method, path)
    for path, item in schema.raw_schema["paths"].items()
    for method in item
    if method in HTTP_METHODS and any(_inputs(path, method))
]


def _edge_values(spec):
    return [*EDGE_STRINGS, *EDGE_VALUES.get(spec.get("type"), []), *EDGE_VALUES.get(spec.get("format"), [])]


@pytest.mark.parametrize(
    ("method", "path"), [pytest.param(m, p, id=f"{m.upper()} {p}") for m, p in OPERATIONS_WITH_INPUTS]
)
def test_api_inputs_survive_edge_values(method, path, caller, server_errors):
    """Each value goes alone into one input; the rest of the request stays minimal."""
    operation = schema[path][method.upper()]
    fillers = {
        p.name: PATH_FILLER.get(_resolve(p.definition.get("schema", {})).get("type"), "A")
        for p in operation.path_parameters
    }
    failures = []
    for location, name, spec in _inputs(path, method):
        for value in _edge_values(spec):
            if location == "path":
                case = operation.Case(path_parameters={**fillers, name: value})
            elif location == "query":
                case = operation.Case(path_parameters=fillers, query={name: value})
            else:
                case = operation.Case(path_parameters=fillers, body={name: value}, media_type="application/json")
            response, server_traceback = _send(case, caller, server_errors)
            if response.status_code >= 500:
                body = f" with JSON body {case.body!r}" if location == "body" else ""
                failures.append(
                    f"{case.method} {response.request.url}{body} -> {response.status_code}\n"
                    f"{server_traceback or response.text}"
                )
    assert not failures, f"{len(failures)} server error(s):\n\n" + "\n\n".join(failures)


# --- the schema and the docs themselves --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?format=json"])
def test_schema_is_served_as_valid_openapi_3(client, query):
    response = client.get(reverse("api-schema") + query)
    assert response.status_code == 200
    document = response.json() if query else yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    validate_schema(document)  # raises on anything the OpenAPI 3 JSON schema rejects
    assert document["paths"], "the schema lists no operations"
    assert "ApiKeyAuth" in document["components"]["securitySchemes"]


@pytest.mark.django_db
def test_docs_render_with_local_assets_only(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="swagger-ui"' in html
    assets = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert assets, "the docs page loads no scripts or stylesheets"
    # The init script is the page's own (SpectacularSwaggerSplitView, for the CSP); the rest are static files.
    init_script = reverse("api-docs") + "?script="
    assert [url for url in assets if not url.startswith("/static/")] == [init_script]
    for url in assets:
        if url != init_script:
            assert finders.find(url.removeprefix("/static/").split("?")[0]), f"{url} is not a static file of the app"
    script = client.get(init_script).content.decode()
    # No CDN anywhere, not even in a URL built by the page's JavaScript.
    assert re.findall(r"""https?://|["'(]//\w""", html + script) == []
    assert re.search(r"""url:\s*["']/api/schema/["']""", script)
