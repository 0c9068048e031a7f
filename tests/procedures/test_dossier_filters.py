"""The dossier list filtered by national status (1–10) and by the receiving unit, within each caller's scope.

Under Decree 118/2025 the unit that receives a dossier may differ from the unit competent to decide it. A caller
sees the dossiers its units are competent for (the scope); the filters only narrow that down, so filtering by
another unit's code never reveals that unit's dossiers.
"""

import pytest

from departments.policy import Actor
from procedures.ingest import dossiers_import
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/dossiers/"
CODE = "1.000001.H42"


def row(code, *, unit, receiving, status, completed=None):
    return {"code": code, "procedure": CODE, "unit": unit, "receiving_unit": receiving, "channel": "online",
            "received_at": "2023-08-01T08:00:00+07:00", "due_at": "2023-08-10T17:00:00+07:00",
            "completed_at": completed, "status": status}


@pytest.fixture
def dossiers(cast):
    ProcedureFactory(code=CODE, department=cast.unit_a)
    done = "2023-08-05T10:00:00+07:00"
    rows = [
        row("A-1", unit="A", receiving="A", status="9", completed=done),
        row("A-2", unit="A", receiving="B", status="4"),  # handed in at B, decided by A
        row("B-1", unit="B", receiving="A", status="10", completed=done),  # handed in at A, decided by B
        row("B-2", unit="B", receiving="B", status="5"),
    ]
    dossiers_import(rows=rows, source="motcua", actor=Actor(cast.admin), channel="api")


def codes(client, **query):
    response = client.get(LIST, query)
    assert response.status_code == 200, response.content
    return sorted(dossier["code"] for dossier in response.json()["results"])


def test_the_list_filters_by_national_status(dossiers, client_as):
    reviewer = client_as("reviewer")
    assert codes(reviewer, status="9") == ["A-1"]
    assert codes(reviewer, status=["9", "10"]) == ["A-1", "B-1"]  # processed: status 9 or 10
    assert codes(reviewer, status="5") == ["B-2"]
    assert codes(reviewer, status="1") == []
    first = reviewer.get(LIST, {"status": "4"}).json()["results"][0]
    assert (first["code"], first["status"], first["unit"], first["receiving_unit"]) == ("A-2", "4", "A", "B")


def test_the_list_filters_by_receiving_unit(dossiers, client_as):
    reviewer = client_as("reviewer")
    assert codes(reviewer, receiving_unit="A") == ["A-1", "B-1"]
    assert codes(reviewer, receiving_unit="B") == ["A-2", "B-2"]
    assert codes(reviewer, receiving_unit="B", status="4") == ["A-2"]
    assert codes(reviewer, receiving_unit="A", unit="B") == ["B-1"]
    assert codes(reviewer, receiving_unit="NO-SUCH-UNIT") == []


@pytest.mark.parametrize("who, receiving, expected", [
    ("staff_a", "A", ["A-1"]),  # B-1 was received at A but B decides it: not A's
    ("staff_a", "B", ["A-2"]),  # A decides what was handed in at B: A's
    ("staff_b", "A", ["B-1"]),
    ("staff_b", "B", ["B-2"]),
    ("system", "A", ["A-1"]),  # the key of unit A, like its staff
    ("system", "B", ["A-2"]),
    ("admin", "A", ["A-1", "B-1"]),
])
def test_the_filters_narrow_the_callers_scope_never_widen_it(dossiers, client_as, who, receiving, expected):
    client = client_as(who)
    assert codes(client, receiving_unit=receiving) == expected
    assert set(codes(client, status=["4", "5", "9", "10"])) >= set(expected)


def test_status_filter_within_scope(dossiers, client_as):
    assert codes(client_as("staff_b"), status=["9", "10"]) == ["B-1"]
    assert codes(client_as("staff_a"), status="5") == []  # B-2 is B's


def test_anonymous_callers_get_no_dossiers(dossiers, client_as):
    assert client_as("anonymous").get(LIST, {"status": "9"}).status_code in (401, 403)


@pytest.mark.parametrize("query", ["status=11", "status=0", "status=done", "status=9&status=x"])
def test_an_unknown_status_is_400_naming_the_field(client_as, query):
    response = client_as("reviewer").get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["status"]
