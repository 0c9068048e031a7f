"""The procedure API's rows of the permission matrix: every operation, tried as every member of the cast.

`tests/test_permission_matrix.py` runs them as it runs its own `API_ROWS`. The rows that need a
procedure name it by a param whose function creates it the first time (every role then sees the same
data); `SeededRow` does the same for paths without a parameter. Write rows are idempotent, so the
order in which the roles are tried does not change what each one gets.
"""

import json
from dataclasses import dataclass

from procedures.models import Procedure
from tests.factories import ProcedureFactory
from tests.matrix import Row, everyone

CODES = {"A": "1.000101.H42", "B": "1.000102.H42"}


def procedure_of(unit):
    """Return the code of unit's procedure, creating the procedure on first use."""
    code = CODES[unit.code]
    if not Procedure.objects.filter(code=code).exists():
        ProcedureFactory(code=code, department=unit)
    return code


def procedure_a(cast):
    return procedure_of(cast.unit_a)


def procedure_b(cast):
    return procedure_of(cast.unit_b)


@dataclass
class SeededRow(Row):
    """A row whose data must exist before the request: `seed(cast)` runs first (and must be idempotent)."""

    seed: object = None

    def url(self, cast):
        if self.seed is not None:
            self.seed(cast)
        return super().url(cast)


def dossiers(unit):
    return json.dumps({"dossiers": [{
        "code": f"HS-{unit}-1", "procedure": CODES["A"], "unit": unit, "channel": "online",
        "received_at": "2023-08-01T08:00:00+07:00", "due_at": "2023-08-10T17:00:00+07:00",
        "completed_at": "2023-08-05T10:00:00+07:00", "outcome": "resolved",
    }]})


# A code of the wrong shape: whoever may create a procedure of unit A gets as far as validation (400);
# whoever may not is refused before it (403). Nothing is written, whatever the order of the roles.
BAD_NEW_PROCEDURE = json.dumps({
    "code": "1.101.H42", "name": "Thủ tục thử", "field": "G03-GD10", "levels": ["province"], "department": "A",
    "active_from": "2021-01-01",
})
RENAME = json.dumps({"name": "Thủ tục đã đổi tên"})
# One official Decision 766 score; importing it again replaces it, so the order of the roles does not matter.
OFFICIAL_SCORE = json.dumps({"source": "Cổng Dịch vụ công quốc gia", "scores": [
    {"unit": "A", "group": "satisfaction", "points": 17, "published_on": "2026-10-01"}]})
ROLE_PEOPLE_ONLY = {"staff_a": 403, "staff_b": 403, "reviewer": 403}

PROCEDURE_API_ROWS = [
    # The catalogue: read by every signed-in role.
    Row("GET", "/api/v1/procedures/", everyone(200, anonymous=401)),
    Row("GET", "/api/v1/procedures/{code}/", everyone(200, anonymous=401), params={"code": procedure_a}),
    Row("GET", "/api/v1/procedures/{code}/history/", everyone(200, anonymous=401), params={"code": procedure_a}),
    Row("GET", "/api/v1/procedures/coverage/", everyone(200, anonymous=401)),
    Row("GET", "/api/v1/procedures/coverage/?on=2022-01-01&group_by=level", everyone(200, anonymous=401)),
    # Added by administrators and keys of that unit with the write scope (staff may not, as in the admin);
    # edited also by the responsible department's staff. (Seeded for the field G03-GD10 that the body names.)
    SeededRow("POST", "/api/v1/procedures/", everyone(400, anonymous=401, staff_a=403, staff_b=403, reviewer=403),
              body=BAD_NEW_PROCEDURE, seed=procedure_a),
    Row("PATCH", "/api/v1/procedures/{code}/", everyone(200, anonymous=401, staff_b=403, reviewer=403),
        params={"code": procedure_a}, body=RENAME),
    Row("PATCH", "/api/v1/procedures/{code}/", everyone(200, anonymous=401, staff_a=403, reviewer=403, system=403),
        params={"code": procedure_b}, body=RENAME),
    # Dossiers: each sees its own units' (the reviewer and the administrator all of them).
    Row("GET", "/api/v1/dossiers/", everyone(200, anonymous=401)),
    Row("GET", "/api/v1/dossiers/?received_in=2023&unit=A", everyone(200, anonymous=401)),
    # Pushed only by external systems (within their units) and administrators; re-sending is harmless.
    SeededRow("POST", "/api/v1/dossiers/import/", everyone(200, anonymous=401, **ROLE_PEOPLE_ONLY),
              body=dossiers("A"), seed=procedure_a),
    SeededRow("POST", "/api/v1/dossiers/import/?dry_run=true", everyone(200, anonymous=401, **ROLE_PEOPLE_ONLY),
              body=dossiers("A"), seed=procedure_a),
    SeededRow("POST", "/api/v1/dossiers/import/", everyone(200, anonymous=401, system=400, **ROLE_PEOPLE_ONLY),
              body=dossiers("B"), seed=procedure_a),
    # Statistics: every role, scoped to its units; the period is required.
    Row("GET", "/api/v1/procedure-stats/", everyone(400, anonymous=401)),
    Row("GET", "/api/v1/procedure-stats/?period=2023&group_by=unit", everyone(200, anonymous=401)),
    # Unit A is outside staff_b's scope: it answers as a unit that does not exist.
    Row("GET", "/api/v1/procedure-stats/?period=2023&unit=A", everyone(200, anonymous=401, staff_b=404)),
    Row("GET", "/api/v1/procedure-stats/decision-766/", everyone(400, anonymous=401)),
    Row("GET", "/api/v1/procedure-stats/decision-766/?period=2023", everyone(200, anonymous=401)),
    Row("GET", "/api/v1/procedure-stats/decision-766/?period=2023&unit=B",
        everyone(200, anonymous=401, staff_a=404, system=404)),
    # Official scores: written by administrators and external-system keys only.
    Row("POST", "/api/v1/procedure-stats/decision-766/official/import/",
        everyone(200, anonymous=401, **ROLE_PEOPLE_ONLY), body=OFFICIAL_SCORE),
]
