"""Overdue dossiers are counted from the partial index of open dossiers alone, never from the dossier table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.policy import Actor
from indicators.periods import parse_period
from procedures.counting import OPEN
from procedures.ingest import dossiers_import
from procedures.models import Dossier
from procedures.selectors import procedure_stats
from tests.factories import ProcedureFactory

from .test_stats import dossier

pytestmark = pytest.mark.django_db
INDEX = "dossier_pending_due_idx"


@pytest.fixture
def pushed(cast):
    ProcedureFactory(code="1.000001.H42", department=cast.unit_a)
    rows = [dossier(str(n)) for n in range(20)]  # processed: never in the index
    rows += [dossier("open-late", outcome="pending", due="2023-08-02T17:00:00+07:00"),
             dossier("open-later", outcome="pending", due="2023-08-03T17:00:00+07:00")]
    dossiers_import(rows=rows, source="motcua", actor=Actor(cast.admin), channel="api")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE procedures_dossier")


def overdue_statements(actor, group_by):
    with CaptureQueriesContext(connection) as captured:
        rows = procedure_stats(actor=actor, period=parse_period("2023"), group_by=group_by)
    return rows, [query["sql"] for query in captured.captured_queries if "procedures_dossier\"" in query["sql"]
                  and "due_at" in query["sql"]]


def plan(sql):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is tiny; the question is what may be used
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_index_holds_exactly_the_open_statuses():
    [index] = [index for index in Dossier._meta.indexes if index.name == INDEX]
    assert sorted(dict(index.condition.children)["status__in"]) == sorted(OPEN)


@pytest.mark.parametrize("group_by", ["unit", "none", "month"])
def test_overdue_is_an_index_only_scan_of_the_open_dossiers(cast, pushed, group_by):
    rows, [sql] = overdue_statements(Actor(cast.reviewer), group_by)
    assert sum(row["overdue"] for row in rows) == 2
    shown = plan(sql)
    # On a tiny test table the planner may pick another index; the table itself is never scanned.
    assert "Seq Scan on procedures_dossier" not in shown, shown


def test_staff_overdue_stays_within_their_units_without_reading_the_table(cast, pushed):
    rows, [sql] = overdue_statements(Actor(cast.staff_b), "unit")
    assert sum(row["overdue"] for row in rows) == 0
    # One unit's scope may as well take the (unit, received) index; the table itself is never scanned.
    assert "Seq Scan on procedures_dossier" not in plan(sql)
