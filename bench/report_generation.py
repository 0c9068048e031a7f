"""Benchmark: generate the compliance report for a province-year, beside the bare SQL it needs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxportal_bench \\
        .venv/bin/python bench/report_generation.py --dossiers 1000000 --values 300000 --units 250

Loads the data with COPY into its own database (created and migrated if missing, emptied first),
then prints: the time of the bare SQL aggregate queries the report runs (captured from a real run
and re-executed directly), the time to build the content and render XLSX, CSV and PDF (each in a
fresh process, as a worker would), their ratio, and the peak memory of that process.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxportal.settings")
YEAR = 2023


def setup_django():
    import django

    django.setup()


def ensure_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL.")
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"],
                         dbname="postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(args):
    """Create units, procedures and indicators with the ORM, then COPY dossiers and values."""
    from django.db import connection

    from departments.models import Unit
    from indicators.models import Framework, Indicator, IndicatorValue, Pillar
    from procedures.models import Dossier, DossierMonthStat, Procedure, ProcedureField, ProcedureLevelPeriod
    from procedures.stats import stats_rebuild

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (DossierMonthStat, Dossier, ProcedureLevelPeriod, Procedure, IndicatorValue):
            cursor.execute(f'TRUNCATE "{model._meta.db_table}" CASCADE')
    Indicator.objects.filter(code__startswith="BENCH-").delete()
    Unit.objects.filter(code__startswith="BENCH-").delete()
    Unit.objects.filter(code="BENCH").delete()
    province = Unit.objects.create(code="BENCH", name="Tỉnh Thử tải", kind="province", valid_from="2000-01-01")
    units = Unit.objects.bulk_create([
        Unit(code=f"BENCH-{n:03d}", name=f"Đơn vị thử tải {n}", kind="department" if n < 30 else "commune",
             parent=province, path=f"/BENCH/BENCH-{n:03d}/", valid_from="2000-01-01")
        for n in range(args.units)
    ])
    field, _ = ProcedureField.objects.get_or_create(code="BENCH", defaults={"name": "Thử tải"})
    procedures = Procedure.objects.bulk_create([
        Procedure(code=f"1.{n:06d}.H99", name=f"Thủ tục thử tải {n}", field=field, department=units[n % 30],
                  at_province=True, online_level=["full", "partial", "none"][n % 3], full_online=n % 3 == 0,
                  active_from="2020-01-01")
        for n in range(300)
    ])
    ProcedureLevelPeriod.objects.bulk_create([
        ProcedureLevelPeriod(procedure=p, online_level=p.online_level, valid_from="2020-01-01") for p in procedures
    ])
    framework, _ = Framework.objects.get_or_create(code="bench", defaults={"name": "Khung thử tải"})
    pillar, _ = Pillar.objects.get_or_create(framework=framework, code="bench", defaults={"name": "Trụ cột"})
    indicator_count = max(1, args.values // (args.units * 24))
    indicators = Indicator.objects.bulk_create([
        Indicator(framework=framework, pillar=pillar, code=f"BENCH-{n:03d}", name=f"Chỉ tiêu thử tải {n}",
                  value_type="percent", period_type="month", unit_kinds=["department", "commune"],
                  aggregation="sum_ratio", max_points=10, scoring_rule="ratio")
        for n in range(indicator_count)
    ])
    print(f"catalogue: {len(units)} units, {len(procedures)} procedures, {len(indicators)} indicators")
    copy_values(indicators, units, args.values)
    copy_dossiers(units, procedures, args.dossiers)
    rebuild_started = time.perf_counter()
    stats_rebuild()
    print(f"statistics rebuilt in {time.perf_counter() - rebuild_started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"data loaded in {time.perf_counter() - started:.1f} s")
    return province


def copy_values(indicators, units, count):
    from django.db import connection

    from indicators.models import IndicatorValue

    table = IndicatorValue._meta.db_table
    columns = ("indicator_id, unit_id, period, period_start, period_end, due_date, numerator, denominator, value, "
               "note, state, version, is_computed, computed_from, created_at, updated_at, return_reason")
    rng, now, written = random.Random(7), datetime.now(tz=UTC), 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for year in (YEAR - 1, YEAR):
            for month in range(1, 13):
                start = datetime(year, month, 1).date()
                end = (datetime(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).date()
                for indicator in indicators:
                    for unit in units:
                        if written >= count:
                            return
                        den = rng.randint(50, 500)
                        num = rng.randint(0, den)
                        copy.write_row((indicator.pk, unit.pk, f"{year}{month:02d}", start, end,
                                        end + timedelta(days=15), num, den, round(num * 100 / den, 4), "",
                                        "approved", 1, True, "{}", now, now, ""))
                        written += 1
    print(f"indicator values copied: {written}")


def dossier_rows(units, procedures, count):
    rng = random.Random(11)
    zone_start = datetime(YEAR, 1, 1, 1, tzinfo=UTC)
    for n in range(count):
        received = zone_start + timedelta(minutes=rng.randint(0, 364 * 24 * 60))
        due = received + timedelta(days=rng.randint(1, 20))
        done = rng.random() < 0.95
        completed = received + timedelta(days=rng.randint(0, 21)) if done else None
        yield (f"bench-{n}", "bench", procedures[n % len(procedures)].pk, units[n % len(units)].pk,
               rng.choice(["online", "online", "in_person", "post"]), received, due, completed,
               "resolved" if done else "pending", n % 3 == 0, n % 6 == 0, n % 2 == 0, done and n % 4 == 0)


def copy_dossiers(units, procedures, count):
    from django.db import connection

    from procedures.models import Dossier

    started = time.perf_counter()
    columns = ("code, source, procedure_id, unit_id, channel, received_at, due_at, completed_at, outcome, "
               "fee_required, paid_online, digitized, e_result")
    with connection.cursor() as cursor, cursor.copy(f"COPY {Dossier._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in dossier_rows(units, procedures, count):
            copy.write_row(row)
    print(f"dossiers copied: {count} in {time.perf_counter() - started:.1f} s")


def bare_sql_seconds():
    """Run the report's content once to capture its SQL, then time those statements alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.content import build_content

    with CaptureQueriesContext(connection) as captured:
        build_content(period=str(YEAR))
    statements = [query["sql"] for query in captured.captured_queries]
    best = None
    for _attempt in range(3):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, len(statements)


def generate_in_child():
    """Child process: build the content and render the three formats; print timings and peak memory."""
    setup_django()
    from reports.content import build_content
    from reports.rendering import render_csv, render_pdf, render_xlsx

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings = {}
    started = time.perf_counter()
    content = build_content(period=str(YEAR))
    timings["content"] = time.perf_counter() - started
    for name, render in (("xlsx", render_xlsx), ("csv", render_csv), ("pdf", render_pdf)):
        began = time.perf_counter()
        data = render(content)
        timings[name] = time.perf_counter() - began
        timings[f"{name}_bytes"] = len(data)
    timings["total"] = time.perf_counter() - started
    timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings["rss_after_django_mb"] = baseline / 1024
    print(json.dumps(timings))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--values", type=int, default=300_000)
    parser.add_argument("--units", type=int, default=250)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return generate_in_child()
    setup_django()
    ensure_database()
    if not args.skip_load:
        load(args)
    bare, statements = bare_sql_seconds()
    runs = []
    for _attempt in range(3):
        child = subprocess.run([sys.executable, __file__, "--child"], capture_output=True, text=True, check=True,
                               env=os.environ)
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda run: run["total"])
    print(f"bare SQL: {statements} statements, {bare:.3f} s (best of 3)")
    print(f"content: {best['content']:.3f} s; xlsx {best['xlsx']:.3f} s ({best['xlsx_bytes']} B); "
          f"csv {best['csv']:.3f} s ({best['csv_bytes']} B); pdf {best['pdf']:.3f} s ({best['pdf_bytes']} B)")
    print(f"report in all three formats: {best['total']:.3f} s (best of 3); "
          f"content ÷ bare SQL = {best['content'] / bare:.2f}×; total ÷ bare SQL = {best['total'] / bare:.2f}×")
    print(f"worker peak memory: {max(run['peak_rss_mb'] for run in runs):.0f} MB "
          f"(after Django setup: {best['rss_after_django_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
