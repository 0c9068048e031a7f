"""Every endpoint, tried as every member of the cast.

Each later feature adds its rows here; `test_matrix_covers_every_api_operation` fails when an API
operation exists that the matrix does not try.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from departments.policy import Actor
from indicators.models import AuditChannel, IndicatorValue, ValueState
from indicators.services import evidence_add, value_approve, value_create, value_submit
from tests.factories import IndicatorFactory, TargetFactory
from tests.matrix import ROLES, Row, everyone

pytestmark = pytest.mark.django_db

API_ROWS = [
    Row("GET", "/api/v1/units/", everyone(200, anonymous=401)),
    # Unit A is outside staff_b's scope: it answers as if it did not exist.
    Row("GET", "/api/v1/units/{code}/", everyone(200, anonymous=401, staff_b=404),
        params={"code": lambda cast: cast.unit_a.code}),
    Row("GET", "/api/v1/units/{code}/", everyone(200, anonymous=401, staff_a=404, system=404),
        params={"code": lambda cast: cast.unit_b.code}),
    Row("GET", "/api/v1/me/", everyone(200, anonymous=401)),
]


# --- indicators -------------------------------------------------------------------------------------
# Path parameters are computed once per role, so each role acts on objects made afresh for it: one
# role's submit never decides what the next role gets. A parameter missing from the path still runs,
# which lets a row prepare what its body refers to.


def matrix_indicator(cast):
    """Return the indicator the create and import rows enter values for, made once per test."""
    if not hasattr(cast, "matrix_indicator"):
        cast.matrix_indicator = IndicatorFactory(code="MATRIX")
    return cast.matrix_indicator


def no_values_yet(cast):
    """Let every role create the same (indicator, unit A, 2023) value as if it were the first."""
    IndicatorValue.objects.filter(indicator=matrix_indicator(cast)).delete()
    return ""


def fresh_value(cast, unit="A", state=ValueState.DRAFT):
    """Return the id of a new value of `unit` in `state`, entered by that unit's staff, with one evidence file."""
    unit, staff = (cast.unit_a, cast.staff_a) if unit == "A" else (cast.unit_b, cast.staff_b)
    channel = AuditChannel.SYSTEM
    value = value_create(indicator=IndicatorFactory(), unit=unit, period="2023", numerator=90, denominator=100,
                         actor=Actor(staff), channel=channel)
    cast.matrix_evidence = evidence_add(value=value, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
                                        actor=Actor(staff), channel=channel)
    if state in (ValueState.SUBMITTED, ValueState.APPROVED):
        value = value_submit(value=value, actor=Actor(staff), channel=channel)
    if state == ValueState.APPROVED:
        value = value_approve(value=value, actor=Actor(cast.reviewer), channel=channel)
    return value.pk


def draft_a(cast):
    return fresh_value(cast)


def submitted_a(cast):
    return fresh_value(cast, state=ValueState.SUBMITTED)


def approved_a(cast):
    return fresh_value(cast, state=ValueState.APPROVED)


def draft_b(cast):
    return fresh_value(cast, unit="B")


def evidence_of_last_value(cast):
    return cast.matrix_evidence.pk


VALUE = "/api/v1/indicator-values/{id}/"
EVIDENCE = "/api/v1/indicator-values/{id}/evidence/{evidence_id}/"
REASON = json.dumps({"reason": "Thiếu minh chứng"})
# Unit A's draft: staff_b answers 404 as if it did not exist; the key bound to unit A acts like staff_a.
A_DRAFT_READ = everyone(200, anonymous=401, staff_b=404)
A_DRAFT_WRITE = everyone(200, anonymous=401, staff_b=404, reviewer=403)
A_APPROVED_TRAIL = everyone(200, anonymous=401, staff_b=403)

API_ROWS += [
    # Catalogue: everyone reads; only administrators write targets. Frameworks and indicators are
    # read-only through the API (administrators edit them in the admin).
    Row("GET", "/api/v1/frameworks/", everyone(200, anonymous=401)),
    Row("GET", "/api/v1/frameworks/{code}/", everyone(200, anonymous=401),
        params={"code": lambda cast: matrix_indicator(cast).framework.code}),
    Row("GET", "/api/v1/indicators/", everyone(200, anonymous=401)),
    Row("GET", "/api/v1/indicators/{code}/", everyone(200, anonymous=401),
        params={"code": lambda cast: matrix_indicator(cast).code}),
    Row("GET", "/api/v1/targets/", everyone(200, anonymous=401)),
    Row("POST", "/api/v1/targets/", everyone(403, anonymous=401, admin=201),
        params={"indicator": matrix_indicator},
        body=json.dumps({"indicator": "MATRIX", "year": 2025, "value": 80, "decision": "QĐ 749/QĐ-TTg"})),
    Row("GET", "/api/v1/targets/{id}/", everyone(200, anonymous=401),
        params={"id": lambda cast: TargetFactory().pk}),
    Row("PATCH", "/api/v1/targets/{id}/", everyone(403, anonymous=401, admin=200),
        params={"id": lambda cast: TargetFactory().pk}, body=json.dumps({"value": 85})),
    Row("DELETE", "/api/v1/targets/{id}/", everyone(403, anonymous=401, admin=204),
        params={"id": lambda cast: TargetFactory().pk}),

    # Values: reading and entering. A reviewer changes no values (403); staff_b does not know unit A.
    Row("GET", "/api/v1/indicator-values/", everyone(200, anonymous=401)),
    Row("POST", "/api/v1/indicator-values/", everyone(201, anonymous=401, staff_b=400, reviewer=403),
        params={"fresh": no_values_yet},
        body=json.dumps({"indicator": "MATRIX", "unit": "A", "period": "2023", "value": 50})),
    Row("GET", VALUE, A_DRAFT_READ, params={"id": draft_a}),
    Row("GET", VALUE, everyone(200, anonymous=401, staff_a=404, system=404), params={"id": draft_b}),
    Row("GET", VALUE, everyone(200, anonymous=401), params={"id": approved_a}),
    Row("PUT", VALUE, A_DRAFT_WRITE, params={"id": draft_a}, body=json.dumps({"version": 1, "value": 55})),
    Row("PATCH", VALUE, A_DRAFT_WRITE, params={"id": draft_a}, body=json.dumps({"version": 1, "note": "sửa"})),
    # Approved values are locked for their editors (400) and foreign to everyone else's edits (403).
    Row("PATCH", VALUE, everyone(400, anonymous=401, staff_b=403, reviewer=403), params={"id": approved_a},
        body=json.dumps({"version": 3, "note": "sửa"})),

    # The review workflow.
    Row("POST", VALUE + "submit/", A_DRAFT_WRITE, params={"id": draft_a}, body="{}"),
    Row("POST", VALUE + "approve/", everyone(403, anonymous=401, staff_b=404, reviewer=200, admin=200),
        params={"id": submitted_a}, body="{}"),
    Row("POST", VALUE + "return/", everyone(403, anonymous=401, staff_b=404, reviewer=200, admin=200),
        params={"id": submitted_a}, body=REASON),
    Row("POST", VALUE + "reopen/", everyone(403, anonymous=401, reviewer=200, admin=200),
        params={"id": approved_a}, body=REASON),
    Row("GET", VALUE + "history/", A_DRAFT_READ, params={"id": draft_a}),
    # Another unit sees an approved figure, not how it was reviewed (history, comments).
    Row("GET", VALUE + "history/", A_APPROVED_TRAIL, params={"id": approved_a}),

    # Evidence. Uploads must be multipart: this JSON body is a 415 for whoever gets that far (the role
    # outcomes of a real upload are in tests/indicators/test_api.py).
    Row("GET", VALUE + "evidence/", A_DRAFT_READ, params={"id": draft_a}),
    Row("POST", VALUE + "evidence/", everyone(415, anonymous=401, staff_b=404), params={"id": draft_a},
        body=json.dumps({"file": "a.pdf"})),
    Row("GET", EVIDENCE, A_DRAFT_READ, params={"id": draft_a, "evidence_id": evidence_of_last_value}),
    Row("GET", EVIDENCE, everyone(200, anonymous=401),
        params={"id": approved_a, "evidence_id": evidence_of_last_value}),
    Row("DELETE", EVIDENCE, everyone(204, anonymous=401, staff_b=404, reviewer=403),
        params={"id": draft_a, "evidence_id": evidence_of_last_value}),
    # A submitted value's evidence may change too, which takes the value back to draft (test_trust.py).
    Row("DELETE", EVIDENCE, everyone(204, anonymous=401, staff_b=404, reviewer=403),
        params={"id": submitted_a, "evidence_id": evidence_of_last_value}),
    Row("DELETE", EVIDENCE, everyone(400, anonymous=401, staff_b=403, reviewer=403),
        params={"id": approved_a, "evidence_id": evidence_of_last_value}),

    # Comments: the value's own unit, reviewers and administrators discuss it; other units, not even
    # once it is approved.
    Row("GET", VALUE + "comments/", A_DRAFT_READ, params={"id": draft_a}),
    Row("GET", VALUE + "comments/", A_APPROVED_TRAIL, params={"id": approved_a}),
    Row("POST", VALUE + "comments/", everyone(201, anonymous=401, staff_b=404), params={"id": draft_a},
        body=json.dumps({"text": "Đề nghị bổ sung nguồn số liệu."})),
    Row("POST", VALUE + "comments/", everyone(201, anonymous=401, staff_b=403), params={"id": approved_a},
        body=json.dumps({"text": "Đề nghị bổ sung nguồn số liệu."})),

    # Import: rows for a unit outside the caller's scope are rejected (400) like rows for an unknown unit.
    Row("POST", "/api/v1/indicator-values/import/", everyone(200, anonymous=401, staff_b=400, reviewer=400),
        params={"fresh": no_values_yet},
        body=json.dumps({"values": [{"indicator": "MATRIX", "unit": "A", "period": "2023", "value": 50}]})),

    # Progress: approved values only, so everyone; a unit outside one's scope answers 404.
    Row("GET", "/api/v1/progress/", everyone(400, anonymous=401)),  # the period is required
    Row("GET", "/api/v1/progress/?period=2023", everyone(200, anonymous=401)),
    Row("GET", "/api/v1/progress/?period=2023&unit=A", everyone(200, anonymous=401, staff_b=404)),
]

OTHER_ROWS = [
    Row("GET", "/healthz", everyone(200)),
    Row("GET", "/api/schema/", everyone(200)),
    Row("GET", "/api/docs/", everyone(200)),
    Row("GET", "/admin/", everyone(200, anonymous=302, system=302)),
    Row("GET", "/admin/departments/unit/", everyone(200, anonymous=302, system=302)),
    Row("GET", "/admin/departments/unit/add/", everyone(403, anonymous=302, system=302, admin=200)),
    Row("GET", "/admin/departments/apikey/", everyone(403, anonymous=302, system=302, admin=200)),
    Row("GET", "/admin/auth/user/", everyone(403, anonymous=302, system=302, admin=200)),
    Row("GET", "/admin/django_celery_beat/periodictask/", everyone(403, anonymous=302, system=302, admin=200)),
]

# Rows kept beside their apps' tests; they build on Row and everyone above.
from tests.procedures.permission_rows import PROCEDURE_API_ROWS  # noqa: E402
from tests.regimes.permission_rows import REGIME_API_ROWS  # noqa: E402
from tests.reports.permission_rows import REPORT_API_ROWS  # noqa: E402

API_ROWS += PROCEDURE_API_ROWS + REGIME_API_ROWS + REPORT_API_ROWS



@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("row", API_ROWS + OTHER_ROWS, ids=lambda row: f"{row.method} {row.path}")
def test_every_role_gets_the_expected_status(row, cast, client_as):
    seen = {}
    for role in ROLES:
        client = client_as(role)
        response = client.generic(row.method, row.url(cast), data=row.body, content_type="application/json")
        seen[role] = response.status_code
    assert seen == row.expected


def test_matrix_covers_every_api_operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    covered = {(row.method, row.path.split("?")[0]) for row in API_ROWS}
    assert operations - covered == set(), "add these operations to the permission matrix"
