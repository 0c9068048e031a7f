"""The whole public API, driven from its own OpenAPI schema, plus the schema and docs pages themselves.

schemathesis loads the schema the app serves at /api/schema/, so an endpoint added later is covered
without touching this file. Every request goes in-process through the real WSGI application
(middleware, authentication, throttling, CSRF) inside the test's transaction, once as the API-key
system and once as a logged-in administrator. Every schemathesis check runs: no 5xx, status codes,
content types, headers and bodies as documented, schema-valid input accepted and schema-violating
input refused, authentication enforced. A check that is wrong about the portal is switched off for
the operations (or the actor) where it is wrong, with the reason beside it (`_excluded_checks`).
When the app answers 500, the server-side traceback is attached to the failure.

- `test_api_operation_conforms_to_its_schema`: schemathesis's generated cases (examples, coverage, fuzzing).
- `test_api_workflows_conform_to_the_schema`: the stateful phase, chaining operations through the
  links schemathesis infers (an id or code one response gives, the next request uses).
- `test_api_inputs_survive_edge_values`: a fixed list of values known to break databases and
  parsers (NUL bytes, 64-bit overflows, extreme dates) in every path and query parameter and every
  top-level JSON body field. Random generation reaches these too rarely to catch them on every run.
- `test_api_survives_parser_breaking_input`: deeply nested JSON, Unicode digits, a date-time given as year 1.
"""

import re
import traceback
from typing import NamedTuple

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
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

from departments.api.throttling import LiveRateThrottle
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
    fmt = LiveRateThrottle.cache_format
    keys = [fmt % {"scope": "user", "ident": user.pk} for user in users]
    if api_key is not None:
        keys.append(fmt % {"scope": "api_key", "ident": api_key.pk})
    cache.delete_many(keys)


@pytest.fixture
def unthrottled(settings):
    """Lift every rate limit for the generated traffic; the limits themselves are tested in test_throttling.

    Some checks (`ignored_auth`) re-send cases without credentials, and those count against the client's
    address: a long workflow could reach the anonymous limit within its minute and fail with a 429.
    """
    rates = {scope: "1000000/min" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


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


class Caller(NamedTuple):
    actor: str
    headers: dict
    cookies: dict


@pytest.fixture(params=ACTORS)
def caller(request, cast, wsgi_in_test_transaction, contained_side_effects, unthrottled):
    """The headers and cookies every request is sent with, for one actor of the cast."""
    if request.param == "system":
        _forget_throttle_history(cast.system_key.service_account, api_key=cast.system_key)
        yield Caller("system", {"Authorization": f"Api-Key {cast.system_secret}"}, {})
        return
    _forget_throttle_history(cast.admin)
    browser = Client()
    browser.force_login(cast.admin, backend=PASSWORD_BACKEND)
    csrf_token = get_random_string(32)  # a cookie and a header that match: writes pass the CSRF check
    yield Caller("admin", {"X-CSRFToken": csrf_token},
                 {"sessionid": browser.cookies["sessionid"].value, "csrftoken": csrf_token})
    browser.logout()


def _send(case, caller, server_errors):
    """Send the case as the caller, leaving the database as it was; return (response, traceback)."""
    headers, cookies = caller.headers, caller.cookies
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

# Operations whose schema-valid input is still judged against the data or a business rule, so a refusal
# (400/404) of a generated value is right: a code no unit, procedure or framework has, a period the
# schema can only call a string ("2023", "2023Q3", "202308"), a page past the last one, a year outside
# the programme, a procedure or value the rules refuse.
JUDGED_AGAINST_DATA = {
    "GET /api/v1/dossiers/", "GET /api/v1/indicator-values/", "GET /api/v1/indicators/", "GET /api/v1/reports/",
    "GET /api/v1/targets/", "GET /api/v1/units/", "GET /api/v1/frameworks/", "GET /api/v1/procedures/",
    "GET /api/v1/procedure-stats/", "GET /api/v1/procedure-stats/decision-766/", "GET /api/v1/procedures/coverage/",
    "GET /api/v1/progress/", "GET /api/v1/regimes/", "POST /api/v1/indicator-values/", "POST /api/v1/procedures/",
    "POST /api/v1/reports/", "POST /api/v1/indicator-values/import/", "POST /api/v1/dossiers/import/",
    "POST /api/v1/targets/", "POST /api/v1/procedure-stats/decision-766/official/import/",
}
# Operations that accept some schema-violating input on purpose: a filter left empty (`?valid_on=`) or a
# boolean filter given an unknown word is no filter at all (django-filter's rule, which clients rely on),
# and an import judges each row itself, answering 200 with the refused rows in its summary.
TOLERANT_BY_DESIGN = {
    "GET /api/v1/dossiers/", "GET /api/v1/indicator-values/", "GET /api/v1/indicators/", "GET /api/v1/reports/",
    "GET /api/v1/targets/", "GET /api/v1/units/", "GET /api/v1/frameworks/", "GET /api/v1/procedures/",
    "GET /api/v1/procedures/coverage/", "GET /api/v1/regimes/", "POST /api/v1/indicator-values/import/",
    "POST /api/v1/dossiers/import/",
}


def _excluded_checks(case, caller):
    """Return the checks that are wrong about this operation for this caller (each reason is at its set)."""
    label = f"{case.method} {case.operation.path}"
    excluded = []
    if caller.actor == "admin":
        # A logged-in browser stays logged in whatever Authorization header comes beside the session
        # cookie: the key is the API's credential, the session the browser's, and either one suffices.
        excluded.append(ignored_auth)
    if label in JUDGED_AGAINST_DATA:
        excluded.append(positive_data_acceptance)
    if label in TOLERANT_BY_DESIGN:
        excluded.append(negative_data_rejection)
    return excluded


def _validate(case, response, caller, server_traceback):
    """Run every check on the response (probes resend as the caller), with the server's traceback on failure."""
    try:
        case.validate_response(
            response,
            excluded_checks=_excluded_checks(case, caller),
            headers=caller.headers,
            transport_kwargs={"headers": caller.headers, "cookies": caller.cookies},
        )
    except BaseExceptionGroup as failure:  # schemathesis's FailureGroup
        if server_traceback:
            failure.add_note("Server-side traceback:\n" + server_traceback)
        raise


FUZZ_SETTINGS = {
    "deadline": None,
    "database": None,  # write nothing into the checkout; a failure prints how to reproduce it
    "derandomize": True,  # the same cases every run: a failure is the code's, not the dice's
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
}


@hypothesis_settings(max_examples=25, **FUZZ_SETTINGS)
@schema.parametrize()
def test_api_operation_conforms_to_its_schema(case, caller, server_errors):
    response, server_traceback = _send(case, caller, server_errors)
    _validate(case, response, caller, server_traceback)


# --- workflows (the stateful phase) ------------------------------------------------------------


WORKFLOW_SETTINGS = hypothesis_settings(max_examples=10, stateful_step_count=6, **FUZZ_SETTINGS)


def test_api_workflows_conform_to_the_schema(caller, server_errors):
    """Chains of calls joined by the links schemathesis infers; the data they write stays for the next step."""
    sent = []

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": caller.headers, "cookies": caller.cookies}

        def call(self, case, **kwargs):
            generated = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
            case.headers = {**generated, **caller.headers}
            server_errors.clear()
            sent.append(f"{case.method} {case.operation.path}")
            return case.call(**kwargs)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            assert response.status_code not in (401, 429), response.text
            _validate(case, response, caller, server_errors[-1] if server_errors else None)

    Workflow.run(settings=WORKFLOW_SETTINGS)
    assert len(set(sent)) > 1, f"the workflows chained nothing: {sent}"


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


# --- breaking input that random generation does not send ---------------------------------------

DEEPLY_NESTED_JSON = b"[" * 100_000  # a parser that recurses per level overflows the stack long before the end


def _operations_with(predicate):
    return [(method, path) for path, item in schema.raw_schema["paths"].items() for method in item
            if method in HTTP_METHODS and predicate(path, method)]


def _takes_json(path, method):
    return "application/json" in schema.raw_schema["paths"][path][method].get("requestBody", {}).get("content", {})


def _query_inputs(kind):
    def takes(path, method):
        return any(location == "query" and kind(name, spec) for location, name, spec in _inputs(path, method))
    return takes


def _paged(name, spec):
    return name == "page_size"


def _datetime(name, spec):
    return spec.get("format") == "date-time"


def _request(caller, method, path, **kwargs):
    """Send a raw request as the caller through the real WSGI app; the database stays as it was."""
    browser = Client(headers=caller.headers, raise_request_exception=False)  # a 500 is a finding, collected
    browser.cookies.load(caller.cookies)
    savepoint = transaction.savepoint()
    try:
        return getattr(browser, method)(path, **kwargs)
    finally:
        transaction.savepoint_rollback(savepoint)


def _filled(path):
    """The path with its parameters filled with values that exist for nobody in particular."""
    return re.sub(r"\{[^}]+\}", "1", path)


BREAKING_INPUT = {
    "deeply nested JSON": (_takes_json, lambda m, p: {"data": DEEPLY_NESTED_JSON, "content_type": "application/json"}),
    "page_size=²": (_query_inputs(_paged), lambda m, p: {"data": {"page_size": "²"}} if m == "get" else None),
    "as_of=0001-01-01": (_query_inputs(_datetime), lambda m, p: {"data": {
        name: "0001-01-01" for location, name, spec in _inputs(p, m) if location == "query" and _datetime(name, spec)
    }} if m == "get" else None),
}

@pytest.mark.parametrize("breaking", list(BREAKING_INPUT))
def test_api_survives_parser_breaking_input(breaking, caller, server_errors):
    """Each operation that takes the input gets it once; every answer is the one JSON error shape or a success."""
    applies, request_for = BREAKING_INPUT[breaking]
    operations = _operations_with(applies)
    assert operations, f"no operation takes {breaking}"
    failures = []
    for method, path in operations:
        kwargs = request_for(method, path)
        if kwargs is None:
            continue
        server_errors.clear()
        response = _request(caller, method, _filled(path), **kwargs)
        if response.status_code >= 500 or (response.status_code >= 400 and "status" not in _json(response)):
            failures.append(f"{method.upper()} {path} -> {response.status_code}\n"
                            f"{server_errors[-1] if server_errors else response.content[:500]}")
    assert not failures, f"{len(failures)} failure(s):\n\n" + "\n\n".join(failures)


def _json(response):
    try:
        return response.json()
    except ValueError:
        return {}


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


def test_schema_states_the_page_limits(settings):
    paged = [(path, method) for method, path in _operations_with(_query_inputs(_paged))]
    assert paged, "no operation is paginated"
    for path, method in paged:
        limits = {name: spec for location, name, spec in _inputs(path, method) if name in ("page", "page_size")}
        assert limits["page"]["minimum"] == 1, path
        assert (limits["page_size"]["minimum"], limits["page_size"]["maximum"]) == (1, settings.API_MAX_PAGE_SIZE)


def test_every_operation_documents_the_errors_it_can_answer():
    shape = {"status", "code", "message", "message_en", "errors"}
    for method, path in _operations_with(lambda path, method: True):
        responses = schema.raw_schema["paths"][path][method]["responses"]
        for code in ("400", "401", "403", "404", "429"):
            answer = _resolve(responses[code]["content"]["application/json"]["schema"])
            assert shape <= set(answer["properties"]), f"{method.upper()} {path} {code}"


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


# --- paths no route matches ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/", "/api/v1/nothing-here/", "/api/v1/targets/not-a-number/",
                                  "/api/v1/indicator-values/1/evidence/x/", "/api/v2/units/"])
@pytest.mark.parametrize("method", ["get", "post", "delete", "options"])
def test_unmatched_api_path_answers_the_json_error_shape(client, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == 404 and body["code"] == "not_found"
    assert body["message"] and body["message_en"] and body["errors"][0]["field"] is None


@pytest.mark.django_db
def test_api_path_without_trailing_slash_still_redirects(client):
    response = client.get("/api/v1/units")
    assert response.status_code == 301 and response["Location"] == "/api/v1/units/"
