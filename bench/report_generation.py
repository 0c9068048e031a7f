"""Benchmark: the compliance report of a province-year beside the bare SQL it needs, at several sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dx_reports_bench \\
        .venv/bin/python bench/report_generation.py --sizes 100000,500000,1000000 --values 300000 --units 250

PostgreSQL only. Loads a catalogue (units, 300 procedures, indicators with province targets, so the PDF has
its chart) and the indicator values with COPY into the database of DATABASE_URL (created and migrated if
missing, its report tables emptied first), then grows the dossiers with COPY to each size in turn (their
summary cells added set-based, then VACUUM ANALYZE, as autovacuum would leave a settled table). At each size
it prints, each with its ratio to the bare SQL:

- bare SQL: the statements the content runs, captured from a real run and re-executed alone (best of --runs);
- content: `build_content` in a fresh process, as a worker's first report (imports and connection included),
  and again in the same process, as its later reports (warm);
- XLSX, CSV, PDF: each renderer over that one content object;
- all three: content plus the three renderers, the worker's whole job;

Bare SQL and the worker's run alternate --runs times and each figure is its best run, so that bursts of other
load on the machine hit both alike. Then the slowest statements, and at the end how each figure moves from the
first size to the others.
`--skip-load` measures what is stored now (one size). The machine's load average is printed with each size.
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
FIGURES = ("bare", "content", "content_warm", "xlsx", "csv", "pdf", "total")
NAMES = {"bare": "bare SQL", "content": "content (fresh process)", "content_warm": "content (warm, 2nd run)",
         "xlsx": "XLSX", "csv": "CSV", "pdf": "PDF (chart incl.)", "total": "all three (content + 3 formats)"}


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


def load_catalogue(args):
    """Empty the tables the report reads; create units, procedures, indicators and targets; COPY the values."""
    from django.db import connection

    from departments.models import Unit
    from indicators.models import Framework, Indicator, IndicatorValue, Pillar, Target
    from procedures.models import (
        Dossier,
        DossierDayStat,
        DossierMonthStat,
        Procedure,
        ProcedureField,
        ProcedureLevelPeriod,
    )

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (DossierDayStat, DossierMonthStat, Dossier, ProcedureLevelPeriod, Procedure, IndicatorValue):
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
    # Province targets: the report's chart draws value against target for each indicator that has one.
    Target.objects.bulk_create([Target(indicator=indicator, year=2025, value=80 + n % 20, decision="BENCH")
                                for n, indicator in enumerate(indicators)])
    print(f"catalogue: {len(units)} units, {len(procedures)} procedures, {len(indicators)} indicators with targets")
    copy_values(indicators, units, args.values)
    print(f"catalogue and values loaded in {time.perf_counter() - started:.1f} s")


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
                            print(f"indicator values copied: {written}")
                            return
                        den = rng.randint(50, 500)
                        num = rng.randint(0, den)
                        copy.write_row((indicator.pk, unit.pk, f"{year}{month:02d}", start, end,
                                        end + timedelta(days=15), num, den, round(num * 100 / den, 4), "",
                                        "approved", 1, True, "{}", now, now, ""))
                        written += 1
    print(f"indicator values copied: {written}")


def dossier_rows(units, procedures, first, last):
    """Yield dossiers number first..last-1: 95% processed (status 10), the rest still open (2, 4 or 5)."""
    rng = random.Random(first)
    zone_start = datetime(YEAR, 1, 1, 1, tzinfo=UTC)
    for n in range(first, last):
        received = zone_start + timedelta(minutes=rng.randint(0, 364 * 24 * 60))
        due = received + timedelta(days=rng.randint(1, 20))
        done = rng.random() < 0.95
        completed = received + timedelta(days=rng.randint(0, 21)) if done else None
        status = "10" if done else rng.choice(["2", "4", "5"])
        yield (f"bench-{n}", "bench", procedures[n % len(procedures)].pk, units[n % len(units)].pk,
               rng.choice(["online", "online", "in_person", "post"]), status, received, due, due, completed,
               "resolved" if done else "pending", n % 3 == 0, n % 6 == 0, n % 2 == 0, done and n % 4 == 0,
               False, "[]", "", "")


def grow_dossiers(target):
    """COPY dossiers until `target` are stored, add their summary cells, then VACUUM ANALYZE."""
    from django.db import connection

    from departments.models import Unit
    from procedures.models import Dossier, Procedure
    from procedures.stats import stats_apply

    stored = Dossier.objects.count()
    if stored >= target:
        return stored
    units = list(Unit.objects.filter(code__startswith="BENCH-").order_by("code"))
    procedures = list(Procedure.objects.filter(code__endswith=".H99").order_by("code"))
    last_id = Dossier.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    columns = ("code, source, procedure_id, unit_id, channel, status, received_at, first_due_at, due_at, "
               "completed_at, outcome, fee_required, paid_online, digitized, e_result, vneid_verified, fees, "
               "field_code, details_digest")
    with connection.cursor() as cursor, cursor.copy(f"COPY {Dossier._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in dossier_rows(units, procedures, stored, target):
            copy.write_row(row)
    copied = time.perf_counter()
    stats_apply(Dossier.objects.filter(pk__gt=last_id), sign=1)
    summed = time.perf_counter()
    connection.ensure_connection()
    previous, connection.connection.autocommit = connection.connection.autocommit, True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.connection.autocommit = previous
    print(f"dossiers {stored:,} -> {target:,}: COPY {copied - started:.1f} s, summary cells "
          f"{summed - copied:.1f} s, VACUUM ANALYZE {time.perf_counter() - summed:.1f} s")
    return target


def captured_statements():
    """Run the content once and return the SQL statements it sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.content import build_content

    with CaptureQueriesContext(connection) as captured:
        build_content(period=str(YEAR))
    return [query["sql"] for query in captured.captured_queries]


def bare_sql_once(statements, each):
    """Time the statements alone, once, on an open connection; keep each one's best time in `each`."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for index, sql in enumerate(statements):
            began = time.perf_counter()
            cursor.execute(sql)
            if cursor.description:
                cursor.fetchall()
            each[index] = min(each[index], time.perf_counter() - began)
    return time.perf_counter() - started


def generate_in_child():
    """Child process: build the content once and render the three formats from it; print timings as JSON."""
    setup_django()
    from reports.content import build_content
    from reports.rendering import render_csv, render_pdf, render_xlsx
    from reports.tasks import prepare_worker_process

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings = {}
    # What a worker process does when it starts (reports.tasks), before any report: read the PDF fonts and
    # import the holiday rules.
    began = time.perf_counter()
    prepare_worker_process()
    timings["pdf_fonts"] = time.perf_counter() - began
    started = time.perf_counter()
    content = build_content(period=str(YEAR))
    timings["content"] = time.perf_counter() - started
    # A worker's later reports: imports, connection and caches warm (the rendering below uses the first content).
    began = time.perf_counter()
    build_content(period=str(YEAR))
    timings["content_warm"] = time.perf_counter() - began
    started += timings["content_warm"]
    for name, render in (("xlsx", render_xlsx), ("csv", render_csv), ("pdf", render_pdf)):
        began = time.perf_counter()
        data = render(content)
        timings[name] = time.perf_counter() - began
        timings[f"{name}_bytes"] = len(data)
    timings["total"] = time.perf_counter() - started
    timings["chart_items"] = len(content["chart"]["items"])
    timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings["rss_after_django_mb"] = baseline / 1024
    print(json.dumps(timings))


def measure(size, runs):
    from procedures.models import DossierDayStat, DossierMonthStat

    load_before = os.getloadavg()
    statements = captured_statements()
    each, bares, children = [float("inf")] * len(statements), [], []
    # Bare SQL and the worker's run alternate, so that a burst of the machine's other load hits both alike.
    for _attempt in range(runs):
        bares.append(bare_sql_once(statements, each))
        child = subprocess.run([sys.executable, __file__, "--child"], capture_output=True, text=True, check=True,
                               env=os.environ)
        children.append(json.loads(child.stdout.strip().splitlines()[-1]))
    # Each figure's best run: the least disturbed by the machine's other load.
    best = {name: min(run[name] for run in children) for name in FIGURES if name != "bare"}
    best["bare"] = bare = min(bares)
    slowest = sorted(zip(each, statements, strict=True), reverse=True)[:3]
    load_after = os.getloadavg()
    cells = DossierMonthStat.objects.count() + DossierDayStat.objects.count()
    print(f"\n== {size:,} dossiers stored ({cells:,} summary cells); load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after; best of {runs}")
    for name in FIGURES:
        extra = f" {len(statements)} statements" if name == "bare" else ""
        if name in ("xlsx", "csv", "pdf"):
            extra = f" {children[0][f'{name}_bytes']:,} B"
        print(f"  {NAMES[name]:<34} {best[name] * 1000:8.0f} ms  {best[name] / bare:5.2f}x bare SQL{extra}")
    fonts = min(run["pdf_fonts"] for run in children)
    print(f"  PDF fonts and holiday rules read once when a worker process starts: {fonts * 1000:.0f} ms "
          "(not in the figures above)")
    print(f"  PDF ÷ XLSX {best['pdf'] / best['xlsx']:.2f}; chart items {children[0]['chart_items']}; worker peak "
          f"memory {max(run['peak_rss_mb'] for run in children):.0f} MB "
          f"(after Django setup {children[0]['rss_after_django_mb']:.0f} MB)")
    print("  slowest statements:")
    for seconds, sql in slowest:
        print(f"    {seconds * 1000:7.1f} ms  {' '.join(sql.split())[:150]}")
    return best


def print_growth(results):
    sizes = sorted(results)
    if len(sizes) < 2:
        return
    first = sizes[0]
    print(f"\n== how each figure moves from {first:,} dossiers (times the first size's figure)")
    print("  " + " " * 34 + "".join(f"{size:>14,}" for size in sizes))
    for name in FIGURES:
        print(f"  {NAMES[name]:<34}" + "".join(f"{results[size][name] / results[first][name]:>13.2f}x"
                                              for size in sizes))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,500000,1000000",
                        help="dossiers stored at each measurement, ascending (comma-separated)")
    parser.add_argument("--values", type=int, default=300_000)
    parser.add_argument("--units", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-load", action="store_true", help="measure what is stored now, at its one size")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return generate_in_child()
    setup_django()
    ensure_database()
    from procedures.models import Dossier

    print(f"load average at start: {' '.join(f'{load:.2f}' for load in os.getloadavg())} ({os.cpu_count()} CPUs)")
    results = {}
    if args.skip_load:
        size = Dossier.objects.count()
        results[size] = measure(size, args.runs)
    else:
        load_catalogue(args)
        for size in sorted(int(size) for size in args.sizes.split(",")):
            grow_dossiers(size)
            results[size] = measure(size, args.runs)
    print_growth(results)


if __name__ == "__main__":
    main()
