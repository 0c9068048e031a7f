"""Benchmark: dossier statistics for a province-year by regime window, beside the calendar year and raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxportal .venv/bin/python bench/stats_windows.py \
        [--rows 1000000] [--units 300] [--procedures 300] [--batch 50000] [--runs 3] [--keep]

It works in a dedicated database (`<DATABASE_URL's name>_bench`, created, migrated and dropped at the end
unless --keep). It seeds the province of bench/dossier_ingest.py, generates the same year of dossiers,
COPYs them straight into the dossier table (the ingestion path is what dossier_ingest.py measures) and
builds the summary cells with stats_rebuild (set-based: the month and the day cells). After ANALYZE it
prints, each the median of --runs, for the whole province grouped by unit (procedure_stats in process):

- calendar year 2023 (read from the month cells),
- Decree 09/2019 year 2023 = 15 Dec 2022–14 Dec 2023 (`nd09-mac-dinh`: Jan–Nov from the month cells, the two
  partial Decembers from the day cells),
- Decree 09/2019 month 202308 = 15 Jul–14 Aug 2023 (day cells),
- the bare SQL over the raw dossiers for the same regime year (the physical reference: one scan grouped by
  unit for the received side, one for the processed side, no rates, overdue or steps).

PostgreSQL only.
"""

import argparse
import os
import shutil
import statistics
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dossier_ingest import (  # noqa: E402
    COPY_COLUMNS,
    STATUS,
    ZONE,
    analyze,
    bench_database_url,
    close_django_connections,
    create_database,
    drop_database,
    generate,
    seed,
    setup_django,
)

RAW_SQL = """
SELECT unit_id, count(*) FILTER (WHERE status NOT IN ('1', '3')) AS received,
       count(*) FILTER (WHERE status NOT IN ('1', '3') AND channel = 'online') AS received_online
FROM procedures_dossier WHERE received_at >= %(start)s AND received_at < %(after)s GROUP BY unit_id;
SELECT unit_id, count(*) AS processed,
       count(*) FILTER (WHERE (completed_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
                              <= (due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) AS on_time
FROM procedures_dossier WHERE status IN ('9', '10') AND completed_at >= %(start)s AND completed_at < %(after)s
GROUP BY unit_id
"""


def main():
    args = parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench: DATABASE_URL must name a PostgreSQL database")
    bench_url, bench_name = bench_database_url(base_url, args.database)
    create_database(base_url, bench_name)
    os.environ["DATABASE_URL"] = bench_url
    try:
        setup_django()
        print(f"database        {bench_name} (dedicated, {'kept' if args.keep else 'dropped at the end'})")
        _secret, unit_ids, procedure_ids, plan = seed(args)
        rows = generate(args, plan)
        loaded = load(rows, unit_ids, procedure_ids, args.batch)
        built, cells = build_cells()
        analyze()
        print(f"loaded          {len(rows):,} dossiers by COPY in {loaded:.1f} s")
        print(f"summary cells   {cells['month']:,} month cells, {cells['day']:,} day cells, built set-based "
              f"in {built:.1f} s")
        report(args.runs)
    finally:
        close_django_connections()
        shutil.rmtree(os.environ.get("DX_VAR_DIR", ""), ignore_errors=True)
        if not args.keep:
            drop_database(base_url, bench_name)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--procedures", type=int, default=300)
    parser.add_argument("--batch", type=int, default=50_000, help="rows per COPY")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", help="name of the dedicated database (default: <name>_bench)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--seed", type=int, default=20230815)
    return parser.parse_args()


def load(rows, unit_ids, procedure_ids, batch):
    """COPY the rows into the dossier table itself; return seconds."""
    from django.db import connection

    columns = [*COPY_COLUMNS, "status_at"]
    connection.ensure_connection()
    raw = connection.connection  # the psycopg connection under Django's
    began = time.perf_counter()
    with raw.cursor() as cursor:
        for start in range(0, len(rows), batch):
            lines = []
            for code, procedure, unit, channel, received, due, completed, outcome, *flags in rows[start:start + batch]:
                values = ["bench", code, str(procedure_ids[procedure]), str(unit_ids[unit]), channel, received,
                          due, completed or "\\N", outcome, *("t" if flag else "f" for flag in flags),
                          STATUS[outcome], str(unit_ids[unit]), due, "", "f", "[]", "", completed or received]
                lines.append("\t".join(values))
            with cursor.copy(f"COPY procedures_dossier ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(("\n".join(lines) + "\n").encode())
            raw.commit()
    return time.perf_counter() - began


def build_cells():
    from procedures.models import DossierDayStat, DossierMonthStat
    from procedures.stats import stats_rebuild

    began = time.perf_counter()
    stats_rebuild()
    took = time.perf_counter() - began
    return took, {"month": DossierMonthStat.objects.count(), "day": DossierDayStat.objects.count()}


def timed(runs, work):
    timings, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings), min(timings), result


def report(runs):
    from django.contrib.auth import get_user_model
    from django.db import connection

    from departments.policy import Actor
    from indicators.periods import parse_period, regime_period
    from procedures.selectors import procedure_stats
    from regimes.models import Regime

    actor = Actor(get_user_model().objects.get(username="bench-admin"))
    regime = Regime.objects.get(code="nd09-mac-dinh")
    asked = [("calendar year 2023 (month cells)", parse_period("2023")),
             ("nd09 year 2023 (11 months + 2 edges)", regime_period(regime, "2023")),
             ("nd09 month 202308 (day cells)", regime_period(regime, "202308"))]
    for label, period in asked:
        median, best, rows = timed(runs, lambda p=period: procedure_stats(actor=actor, period=p, group_by="unit"))
        received = sum(row["received"] for row in rows)
        print(f"{label:34} {period.start}–{period.end}: median {median * 1000:7.0f} ms (best {best * 1000:.0f}), "
              f"{len(rows)} units, {received:,} received")
    window = regime_period(regime, "2023")
    bounds = {"start": datetime.combine(window.start, clock.min, tzinfo=ZONE),
              "after": datetime.combine(window.end + timedelta(days=1), clock.min, tzinfo=ZONE)}

    def raw_sql():
        received = 0
        with connection.cursor() as cursor:
            for statement in RAW_SQL.strip().split(";"):
                cursor.execute(statement, bounds)
                found = cursor.fetchall()
                received = received or sum(row[1] for row in found)
        return received

    median, best, received = timed(runs, raw_sql)
    print(f"{'bare SQL over raw dossiers':34} {window.start}–{window.end}: median {median * 1000:7.0f} ms "
          f"(best {best * 1000:.0f}), {received:,} received")


if __name__ == "__main__":
    main()
