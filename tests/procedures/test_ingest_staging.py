"""The staging write path (procedures.staging, PostgreSQL) against the ORM path: the same rows, children,
statistics and summaries for the same batches, a query count that does not grow with the batch, and every
ingest test of the portal's own shape, the national shape and the trust suite runs again through staging
(test_staging_rerun_*.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.policy import Actor
from procedures import staging
from procedures.ingest import dossiers_import
from procedures.models import (
    STAT_COUNTERS,
    Dossier,
    DossierDayStat,
    DossierMonthStat,
    DossierStatusChange,
    DossierStep,
    DossierSupplement,
)
from tests.factories import ProcedureFactory

from .test_dvcqg import AGENCY_A, historic_row, national, step, supplement
from .test_ingest import row

pytestmark = pytest.mark.skipif(not staging.available(), reason="the staging path is PostgreSQL's")

HCM_CODE = "1.000001.H42"


@pytest.fixture
def world(cast):
    """Unit A with its agency id, a procedure, and the system's actor."""
    cast.unit_a.agency_id = AGENCY_A
    cast.unit_a.save()
    ProcedureFactory(code=HCM_CODE, department=cast.unit_a)
    return Actor(cast.system_key.service_account, cast.system_key), Actor(cast.admin)


def histories(seed, dossiers=40, pushes=4):
    """Batches of national-shape rows: each dossier pushed up to `pushes` times, each push a newer status."""
    import random

    rng = random.Random(seed)
    plans = [[(rng.choice([str(n) for n in range(1, 11)]), rng.randint(0, 20), rng.randint(0, 40), rng.randint(0, 23),
               rng.choice([1, 2, 3])) for _ in range(rng.randint(1, pushes))] for _ in range(dossiers)]
    batches = []
    for number in range(pushes):
        batch = [historic_row(n, number, *plan[number]) for n, plan in enumerate(plans) if number < len(plan)]
        if number >= 1:  # a supplement from the second push on (the last push of that dossier keeps it)
            batch[0]["DanhSachHoSoBoSung"] = [supplement("2023-03-02T09:00:00+07:00", batch[0]["NgayHenTra"],
                                                         "2023-12-20T17:00:00+07:00")]
        batches.append(batch)
    return batches


def portal_batches():
    first = [row(f"P-{n}", received=f"2023-{1 + n % 12:02d}-03T08:00:00+07:00",
                 due=f"2023-{1 + n % 12:02d}-20T17:00:00+07:00", channel=("online", "post")[n % 2],
                 fee_required=n % 3 == 0, paid_online=n % 2 == 0, digitized=n % 5 == 0) for n in range(30)]
    # Later: a third resolved (some late, in the next month), a few withdrawn, one moved to another month.
    second = [dict(r) for r in first]
    for n, r in enumerate(second):
        if n % 3 == 0:
            r |= {"outcome": "resolved", "completed_at": r["due_at"].replace("-20T17", "-25T10" if n % 2 else "-19T10"),
                  "e_result": True}
        elif n % 7 == 0:
            r |= {"outcome": "withdrawn", "completed_at": r["due_at"].replace("-20T17", "-10T10")}
    second[1] |= {"received_at": "2023-11-30T23:30:00+07:00", "due_at": "2023-12-05T17:00:00+07:00"}
    return [first, second, second]


def run(actors, *, through_staging, settings):
    """Push the same sequence of batches; return what the database holds and the summaries."""
    actor, admin = actors
    settings.DOSSIER_STAGING_MIN_ROWS = 0 if through_staging else 10**9
    summaries = []
    for batch in histories(7):
        summaries.append(dossiers_import(rows=batch, source="motcua", actor=actor, channel="api", shape="dvcqg"))
    summaries.append(dossiers_import(rows=histories(7)[-1], source="motcua", actor=actor, channel="api",
                                     shape="dvcqg"))  # re-sent: nothing changes
    for batch in portal_batches():
        summaries.append(dossiers_import(rows=batch, source="motcua-2", actor=admin, channel="api"))
    bad = [*portal_batches()[0][:3], row("BAD-1", channel="fax")]
    summaries.append(dossiers_import(rows=bad, source="motcua-2", actor=admin, channel="api", partial=True))
    return stored(), [{**summary, "import_id": None} for summary in summaries]


def stored():
    imports = {pk: n for n, pk in enumerate(sorted(Dossier.objects.values_list("last_import", flat=True).distinct()))}
    changes_imports = sorted(set(DossierStatusChange.objects.values_list("dossier_import", flat=True)))
    imports |= {pk: n for n, pk in enumerate(changes_imports)}
    fields = [field.attname for field in Dossier._meta.concrete_fields if field.attname not in ("id", "last_import_id")]
    dossiers = {(d["source"], d["code"]): d for d in Dossier.objects.values(*fields)}
    code = {pk: (source, c) for pk, source, c in Dossier.objects.values_list("pk", "source", "code")}
    changes = sorted((code[c.dossier_id], c.previous_status, c.status, c.at, changes_imports.index(c.dossier_import_id))
                     for c in DossierStatusChange.objects.all())
    children = [sorted((code[item["dossier_id"]], *[v for k, v in item.items() if k not in ("id", "dossier_id")])
                       for item in model.objects.values()) for model in (DossierSupplement, DossierStep)]
    cells = [sorted(tuple(item[k] for k in item if k != "id") for item in model.objects.values())
             for model in (DossierMonthStat, DossierDayStat)]
    return {"dossiers": dossiers, "changes": changes, "children": children, "cells": cells,
            "writes": sorted(Dossier.objects.values_list("source", "code", "last_import__rows",
                                                         "last_import__created"))}


def wipe():
    for model in (DossierStatusChange, DossierSupplement, DossierStep, Dossier, DossierMonthStat, DossierDayStat):
        model.objects.all().delete()


def test_staging_and_orm_paths_store_the_same_for_the_same_batches(world, settings):
    orm = run(world, through_staging=False, settings=settings)
    wipe()
    staged = run(world, through_staging=True, settings=settings)
    assert orm[1] == staged[1]  # the same summaries, counts and rejections
    for part in orm[0]:
        assert orm[0][part] == staged[0][part], part
    assert staged[0]["changes"] and staged[0]["children"][0] and staged[0]["children"][1] and staged[0]["cells"][1]
    counts = [summary["counts"] for summary in staged[1]]
    assert counts[4]["unchanged"] == counts[4]["rows"] and counts[1]["updated"] > 0  # re-sent; newer statuses


def queries_of(actor, rows, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        summary = dossiers_import(rows=rows, source="motcua", actor=actor, channel="api", **kwargs)
    return len(captured.captured_queries), summary["counts"]


def national_batch(prefix, size, status="4", with_steps=False):
    rows = [national(f"{prefix}-{n}", status) for n in range(size)]
    if with_steps:
        for n, item in enumerate(rows):
            item["QuaTrinhXuLy"] = [step("2023-08-02T10:00:00+07:00", "2023-08-03T17:00:00+07:00")]
            if n % 10 == 0:
                item["DanhSachHoSoBoSung"] = [supplement("2023-08-03T09:00:00+07:00", "2023-08-10T17:00:00+07:00",
                                                         "2023-08-15T17:00:00+07:00")]
    return rows


@pytest.mark.parametrize("shape", ["portal", "dvcqg"])
def test_queries_per_batch_do_not_grow_with_the_batch(world, settings, shape):
    settings.DOSSIER_STAGING_MIN_ROWS = 0
    actor, _admin = world
    assert actor.scope_unit_ids  # the key's units, read once per actor: not a cost of the batch
    counts = {}
    for size in (250, 2500):
        if shape == "portal":
            new = [row(f"S{size}-{n}") for n in range(size)]
            newer = [row(f"S{size}-{n}", outcome="resolved", completed="2023-08-05T10:00:00+07:00")
                     for n in range(size)]
        else:
            new = national_batch(f"S{size}", size, "4", with_steps=True)
            newer = national_batch(f"S{size}", size, "10")
        counts[size] = [queries_of(actor, new, shape=shape), queries_of(actor, newer, shape=shape),
                        queries_of(actor, newer, shape=shape), queries_of(actor, newer, shape=shape, dry_run=True)]
        assert [c[1]["created"] for c in counts[size]] == [size, 0, 0, 0]
        assert [c[1]["updated"] for c in counts[size]] == [0, size, 0, 0], counts
    assert [n for n, _counts in counts[250]] == [n for n, _counts in counts[2500]]
    # Created: codes (2), savepoint, lock, read, import row, stage, main statement, 2 cell upserts, release.
    assert counts[250][0][0] <= 11, counts


def test_statistics_cells_are_upserted_months_first_each_in_one_fixed_order(world, settings):
    # The staging path's twin of test_ingest_trust's: each grain's cells are taken in (unit, procedure, date)
    # order, month cells before day cells, as stats_add does on the ORM path; with every writer in that
    # order, two imports that share cells wait for each other instead of deadlocking.
    settings.DOSSIER_STAGING_MIN_ROWS = 0
    _actor, admin = world
    with CaptureQueriesContext(connection) as captured:
        dossiers_import(rows=[row("HS-1"), row("HS-2", unit="B")], source="motcua", actor=admin, channel="api")
    upserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT INTO \"procedures_dossier")
               and "stat\"" in q["sql"].split("(")[0]]
    assert [sql.split()[2] for sql in upserts] == ['"procedures_dossiermonthstat"', '"procedures_dossierdaystat"']
    for sql in upserts:
        assert "GROUP BY 1, 2, 3" in sql and sql.index("ORDER BY 1, 2, 3") < sql.index("ON CONFLICT")
        plan = _plan(sql)
        assert plan.index("Sort") < plan.index("Aggregate") or "GroupAggregate" in plan, plan


def _plan(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(line for (line,) in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_an_import_that_owns_its_transaction_checks_foreign_keys_at_once_and_commits(cast, settings):
    # Outside any caller's transaction the import makes the deferred foreign-key checks immediate;
    # the batch (dossiers, status changes, steps, supplements) still commits, and the staging tables go.
    settings.DOSSIER_STAGING_MIN_ROWS = 0
    cast.unit_a.agency_id = AGENCY_A
    cast.unit_a.save()
    ProcedureFactory(code=HCM_CODE, department=cast.unit_a)
    actor = Actor(cast.system_key.service_account, cast.system_key)
    summary = dossiers_import(rows=national_batch("T", 30, with_steps=True), source="motcua", actor=actor,
                              channel="api", shape="dvcqg")
    assert summary["counts"]["created"] == 30
    assert (Dossier.objects.count(), DossierStatusChange.objects.count(), DossierStep.objects.count(),
            DossierSupplement.objects.count()) == (30, 30, 30, 3)
    assert sum(DossierMonthStat.objects.values_list("received", flat=True)) == 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'dx_dossier_stage%%' "
                       "AND relpersistence = 't' AND pg_table_is_visible(oid)")
        assert cursor.fetchone()[0] == 0
    assert set(STAT_COUNTERS) >= {"received"}


def test_existing_rows_are_read_by_one_index_probe_a_code_whatever_the_planner_knows(world, settings):
    # The lookup of a batch's stored dossiers must not depend on the table's statistics: with `code = ANY`
    # and a table never analysed, the planner read the whole table (0.23 s at 1,000,000 dossiers). Here the
    # table is tiny and its statistics say nothing, the conditions under which it chose a scan.
    settings.DOSSIER_STAGING_MIN_ROWS = 0
    _actor, admin = world
    dossiers_import(rows=[row(f"HS-{n}") for n in range(30)], source="motcua", actor=admin, channel="api")
    seen = []

    def capture(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    codes = [f"HS-{n}" for n in range(0, 60, 2)]
    with connection.execute_wrapper(capture):
        found = staging.existing("motcua", codes)
    assert sorted(found) == sorted(f"HS-{n}" for n in range(0, 30, 2))
    [(sql, params)] = seen
    with connection.cursor() as cursor:
        plan = _plan_with(cursor, sql, params)
    # (source, code) or code: either index answers one code in a few pages.
    assert "Nested Loop" in plan and "Function Scan on unnest" in plan, plan
    assert "Index Scan using dossier_unique_source_code" in plan or "Index Scan using dossier_code" in plan, plan
    assert "Seq Scan on procedures_dossier" not in plan and "Bitmap" not in plan, plan


def _plan_with(cursor, sql, params):
    cursor.execute("EXPLAIN " + sql, params)
    return "\n".join(line for (line,) in cursor.fetchall())
