"""Benchmark: the server-side time and query count of each main page at 100,000 and 1,000,000 dossiers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxportal .venv/bin/python bench/pages.py \\
        [--sizes 100000,1000000] [--values-per-dossier 0.3] [--runs 3] [--fresh] [--only admin,api]

It works in a dedicated database (`<DATABASE_URL's name>_bench`), created and migrated on first use and kept
(a later run reuses it and only migrates it). For each size it tops the data up by COPY straight into the
tables (dossiers with a status change each, a processing step every second one, a supplement every
twentieth; about 0.3 indicator values per dossier in mixed states), rebuilds the summary cells set-based,
ANALYZEs, then requests each page in process through the whole WSGI stack with Django's test client (one
warm-up, then the median of --runs) and prints its time, its query count and the time its queries took in the
database (of the warm-up request; the rest is Python: views, serializers, templates). A page over 5 s is
requested once. A size already passed in the
reused database is skipped (use --fresh to start again). The last table prints how each page moved between
the sizes. The physical reference printed beside them: a primary-key lookup and a bare `count(*)`.

PostgreSQL only.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2023
UNITS, PROCEDURES, INDICATORS_MAX = 300, 300, 60
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"
SLOW_MS = 5_000
STATES = ["approved"] * 6 + ["submitted"] * 2 + ["draft", "returned"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="dossier counts, ascending")
    parser.add_argument("--values-per-dossier", type=float, default=0.3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", help="name of the dedicated database (default: <name>_bench)")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the bench database first")
    parser.add_argument("--only", default="", help="comma list of page groups: admin, people, api")
    parser.add_argument("--skip", default="", help="comma list of URLs not to request (a page known to take minutes)")
    return parser.parse_args()


# --- the database -------------------------------------------------------------------------------


def bench_url(url, name):
    parts = urlsplit(url)
    name = name or f"{parts.path.lstrip('/') or 'dxportal'}_bench"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def ensure_database(url, name, fresh):
    """Create the database if missing (or if --fresh); return whether it was new."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxportal.settings")
    os.environ["DEBUG"] = "false"  # DEBUG would keep every query in memory and time that too
    os.environ["DB_CONN_MAX_AGE"] = "600"  # as in production (and a closed connection loses the captured queries)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DX_VAR_DIR", "/tmp/dx-bench-pages-var")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# --- the data -----------------------------------------------------------------------------------


def seed():
    """Create (once) the province, units, procedures, indicators and the people; return their ids."""
    from django.contrib.auth import get_user_model

    from departments.models import Role, Unit, UnitKind
    from departments.services import api_key_create, user_upsert
    from indicators.models import Framework, Indicator, Pillar
    from procedures.models import OnlineLevel, Procedure, ProcedureField

    province = Unit.objects.filter(code="BENCH").first()
    if province is None:
        province = Unit.objects.create(code="BENCH", name="Tỉnh đo hiệu năng", kind=UnitKind.PROVINCE,
                                       valid_from=date(2020, 1, 1))
        units = [Unit(code=f"BENCH-{n:04d}", name=f"Xã đo hiệu năng {n}", kind=UnitKind.COMMUNE, parent=province,
                      valid_from=date(2020, 1, 1), path=f"{province.path}BENCH-{n:04d}/") for n in range(UNITS)]
        Unit.objects.bulk_create(units)
        field = ProcedureField.objects.create(code="BENCH-F", name="Lĩnh vực đo hiệu năng")
        levels = [OnlineLevel.FULL] * 7 + [OnlineLevel.PARTIAL] * 2 + [OnlineLevel.NONE]
        Procedure.objects.bulk_create([
            Procedure(code=f"1.{900000 + n:06d}.H99", name=f"Thủ tục {n}", field=field, department=province,
                      at_commune=True, online_level=levels[n % 10], full_online=levels[n % 10] == OnlineLevel.FULL,
                      active_from=date(2020, 1, 1))
            for n in range(PROCEDURES)
        ])
        framework = Framework.objects.create(code="bench", name="Khung đo hiệu năng")
        pillar = Pillar.objects.create(framework=framework, code="bench", name="Trụ cột")
        Indicator.objects.bulk_create([
            Indicator(framework=framework, pillar=pillar, code=f"BENCH-{n:03d}", name=f"Chỉ tiêu đo hiệu năng {n}",
                      value_type=["percent", "count"][n % 2], period_type="month", unit_kinds=["commune"],
                      aggregation="sum_ratio" if n % 2 == 0 else "sum", max_points=10, scoring_rule="ratio",
                      unit_of_measure="%" if n % 2 == 0 else "hồ sơ")
            for n in range(INDICATORS_MAX)
        ])
        first = Unit.objects.get(code="BENCH-0000")
        user_upsert(username="bench-admin", role=Role.ADMIN, full_name="Quản trị Đo")
        get_user_model().objects.filter(username="bench-admin").update(is_superuser=True, is_staff=True)
        user_upsert(username="bench-reviewer", role=Role.REVIEWER, full_name="Người duyệt Đo")
        user_upsert(username="bench-staff", role=Role.STAFF, units=[first], full_name="Cán bộ Đo")
        account = user_upsert(username="bench-system", role=Role.EXTERNAL_SYSTEM)
        from departments.models import ApiResource

        scopes = [f"{resource.value}:read" for resource in ApiResource]
        _key, secret = api_key_create(name="bench", service_account=account, scopes=scopes, units=[province],
                                      sources=["bench"])
        (ROOT / "var").mkdir(exist_ok=True)
        Path(os.environ["DX_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
        (Path(os.environ["DX_VAR_DIR"]) / "bench-pages-key").write_text(secret)
    users = dict(get_user_model().objects.filter(username__startswith="bench-").values_list("username", "pk"))
    return {
        "units": list(Unit.objects.filter(code__startswith="BENCH-").order_by("code").values_list("pk", flat=True)),
        "procedures": list(Procedure.objects.filter(code__endswith=".H99").order_by("code")
                           .values_list("pk", flat=True)),
        "indicators": list(Indicator.objects.filter(code__startswith="BENCH-").order_by("code")
                           .values_list("pk", flat=True)),
        "users": users,
    }


def counts():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procedures_dossier WHERE source = 'bench'")
        dossiers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM indicators_indicatorvalue")
        values = cursor.fetchone()[0]
    return dossiers, values


def dossier_rows(start, stop, ids):
    """Yield the COPY rows of dossiers number start..stop-1 (deterministic: a top-up continues the same year)."""
    units, procedures = ids["units"], ids["procedures"]
    year_start = datetime(YEAR, 1, 1, 7, tzinfo=ZONE)
    minutes = 365 * 24 * 60 - 60 * 24 * 40
    for n in range(start, stop):
        rng = random.Random(n)
        unit = units[n % len(units)]
        received = year_start + timedelta(minutes=rng.randrange(minutes))
        due = received + timedelta(days=rng.randint(3, 20))
        draw = rng.random()
        outcome = "pending" if draw < 0.10 else "withdrawn" if draw < 0.12 else "rejected" if draw < 0.15 \
            else "resolved"
        status = {"pending": "4", "withdrawn": "7", "rejected": "9", "resolved": "10"}[outcome]
        completed = None if outcome == "pending" else received + timedelta(hours=rng.randint(2, 24 * 22))
        channel = "online" if rng.random() < 0.6 else "in_person" if rng.random() < 0.9 else "post"
        fee = rng.random() < 0.4
        yield ("bench", f"HS-{n:09d}", procedures[(n * 7 + unit) % len(procedures)], unit, channel, received, due,
               completed, outcome, fee, fee and rng.random() < 0.7, rng.random() < 0.8,
               outcome != "pending" and rng.random() < 0.6, status, units[(n + 1) % len(units)], due, "",
               False, "[]", "", completed or received)


DOSSIER_COLUMNS = ("source, code, procedure_id, unit_id, channel, received_at, due_at, completed_at, outcome, "
                   "fee_required, paid_online, digitized, e_result, status, receiving_unit_id, first_due_at, "
                   "field_code, vneid_verified, fees, details_digest, status_at")
VALUE_COLUMNS = ("indicator_id, unit_id, period, period_start, period_end, due_date, numerator, denominator, value, "
                 "note, state, version, is_computed, computed_from, created_at, updated_at, return_reason, "
                 "created_by_id, updated_by_id, submitted_at, reviewed_by_id, reviewed_at")


def copy_dossiers(have, want, ids):
    from django.db import connection

    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM procedures_dossier")
        last_id = cursor.fetchone()[0]
        for start in range(have, want, 100_000):
            with cursor.copy(f"COPY procedures_dossier ({DOSSIER_COLUMNS}) FROM STDIN") as copy:
                for row in dossier_rows(start, min(want, start + 100_000), ids):
                    copy.write_row(row)
            raw.commit()
        # The history the sync shape brings: a status change each, a step every second, a supplement every 20th.
        cursor.execute("""
            INSERT INTO procedures_dossierstatuschange (dossier_id, previous_status, status, at)
            SELECT id, '2', status, status_at FROM procedures_dossier WHERE id > %s""", [last_id])
        cursor.execute("""
            INSERT INTO procedures_dossierstep (dossier_id, position, handler, at, status, started_at, due_at)
            SELECT id, 1, 'Cán bộ một cửa', received_at + interval '1 day', 'Đã xử lý', received_at,
                   received_at + interval '2 days'
            FROM procedures_dossier WHERE id > %s AND id %% 2 = 0""", [last_id])
        cursor.execute("""
            INSERT INTO procedures_dossiersupplement (dossier_id, position, requested_at, received_at,
                                                      previous_due_at, new_due_at)
            SELECT id, 1, received_at + interval '1 day', received_at + interval '3 days', first_due_at,
                   due_at + interval '2 days'
            FROM procedures_dossier WHERE id > %s AND id %% 20 = 0""", [last_id])
        raw.commit()


def value_rows(start, stop, ids):
    """Yield value rows number start..stop-1: month periods of 2022–2023 × units × indicators, mixed states."""
    units, indicators, users = ids["units"], ids["indicators"], ids["users"]
    staff, reviewer = users["bench-staff"], users["bench-reviewer"]
    now = datetime(2024, 2, 1, 9, tzinfo=ZONE)
    per_period = len(units) * len(indicators)
    for n in range(start, stop):
        month_index, rest = divmod(n, per_period)
        indicator, unit = indicators[rest // len(units)], units[rest % len(units)]
        year, month = YEAR - month_index // 12, 12 - month_index % 12  # newest periods first
        first = date(year, month, 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        rng = random.Random(n)
        state = STATES[n % len(STATES)]
        den = rng.randint(50, 500)
        num = rng.randint(0, den)
        value = round(num * 100 / den, 4) if indicator % 2 == 0 else num
        submitted = now - timedelta(hours=n % 5000) if state in ("submitted", "approved") else None
        yield (indicator, unit, f"{year}{month:02d}", first, last, last + timedelta(days=15),
               num if indicator % 2 == 0 else None, den if indicator % 2 == 0 else None, value, "", state, 1,
               False, "{}", now, now, "Thiếu minh chứng" if state == "returned" else "", staff, staff, submitted,
               reviewer if state == "approved" else None, now if state == "approved" else None)


def copy_values(have, want, ids):
    from django.db import connection

    raw = connection.connection
    want = min(want, 24 * len(ids["units"]) * len(ids["indicators"]))
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY indicators_indicatorvalue ({VALUE_COLUMNS}) FROM STDIN") as copy:
            for row in value_rows(have, want, ids):
                copy.write_row(row)
        cursor.execute("""
            INSERT INTO indicators_comment (value_id, author_id, text, created_at)
            SELECT id, %s, 'Đề nghị bổ sung', now() FROM indicators_indicatorvalue WHERE id %% 10 = 0
              AND NOT EXISTS (SELECT 1 FROM indicators_comment c WHERE c.value_id = indicators_indicatorvalue.id)
        """, [ids["users"]["bench-reviewer"]])
        cursor.execute("""
            INSERT INTO indicators_auditentry (value_id, action, channel, actor_id, at, before, after, reason)
            SELECT id, 'create', 'import', %s, created_at, '{}', '{}', '' FROM indicators_indicatorvalue v
            WHERE NOT EXISTS (SELECT 1 FROM indicators_auditentry a WHERE a.value_id = v.id)
        """, [ids["users"]["bench-staff"]])
        raw.commit()


def top_up(size, ratio, ids):
    from django.db import connection

    from procedures.stats import stats_rebuild

    have, values = counts()
    began = time.perf_counter()
    copy_dossiers(have, size, ids)
    copy_values(values, int(size * ratio), ids)
    copied = time.perf_counter() - began
    began = time.perf_counter()
    stats_rebuild()
    rebuilt = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    dossiers, values = counts()
    print(f"data            {dossiers:,} dossiers, {values:,} values (COPY {copied:.0f} s, "
          f"summary rebuilt {rebuilt:.0f} s)")


def ensure_report(ids):
    """Return the id of a finished province report for 2023 (generated once, in process)."""
    from reports.models import Report, ReportStatus
    from reports.services import report_generate, report_request

    found = Report.objects.filter(period="2023", status=ReportStatus.DONE).order_by("-pk").first()
    if found is not None:
        return found.pk
    from django.contrib.auth import get_user_model

    from departments.policy import Actor

    admin = get_user_model().objects.get(username="bench-admin")
    report, _created = report_request(kind="compliance", period="2023", actor=Actor(admin), enqueue=False)
    report_generate(report_id=report.pk)
    return report.pk


# --- the pages ----------------------------------------------------------------------------------


def pages(ids, report_id, dossier_id, value_id):
    staff_unit = ids["units"][0]
    admin = [
        ("bench-admin", "/admin/procedures/dossier/"),
        ("bench-admin", "/admin/procedures/dossier/?status__exact=4"),
        ("bench-admin", f"/admin/procedures/dossier/?unit__id__exact={ids['units'][5]}"),
        ("bench-admin", "/admin/procedures/dossier/?q=HS-000000042"),
        ("bench-staff", "/admin/procedures/dossier/"),
        ("bench-admin", f"/admin/procedures/dossier/{dossier_id}/change/"),
        ("bench-admin", "/admin/procedures/dossiermonthstat/"),
        ("bench-admin", "/admin/procedures/dossierimport/"),
        ("bench-admin", "/admin/indicators/indicatorvalue/"),
        ("bench-staff", "/admin/indicators/indicatorvalue/"),
        ("bench-reviewer", "/admin/indicators/indicatorvalue/?queue=1"),
        ("bench-admin", f"/admin/indicators/indicatorvalue/{value_id}/change/"),
        ("bench-admin", "/admin/indicators/auditentry/"),
        ("bench-admin", f"/admin/reports/report/{report_id}/change/"),
    ]
    people = [
        ("bench-staff", f"/workspace/?unit={staff_unit}"),
        ("bench-reviewer", "/workspace/review/"),
        ("bench-reviewer", "/dashboard/?period=2023"),
        ("bench-staff", "/dashboard/?period=2023"),
        (None, "/public/?period=2023"),
    ]
    api = [("key", f"/api/v1/{path}") for path in API_PATHS]
    return {"admin": admin, "people": people, "api": api}


API_PATHS = ["units/", "procedures/", "indicators/", "targets/", "indicator-values/", "dossiers/",
             "procedure-stats/?period=2023&group_by=unit", "reports/"]


def client_for(who, secret):
    from django.contrib.auth import get_user_model
    from django.test import Client

    if who == "key":
        return Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    client = Client()
    if who:
        client.force_login(get_user_model().objects.get(username=who), backend=PASSWORD_BACKEND)
    return client


def measure(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    began = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    first = (time.perf_counter() - began) * 1000
    queries = len(captured)  # now: it is a slice of the log the next request empties
    sql = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    if response.status_code != 200:
        return None, queries, response.status_code, sql
    if first > SLOW_MS:
        return first, queries, 200, sql  # far over any goal: once is enough to say so
    timings = []
    for _run in range(runs):
        began = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings), queries, 200, sql


def physical(runs):
    """The floor beside the pages: a primary-key lookup and a bare count(*) of the dossiers."""
    from django.db import connection

    out = {}
    for label, sql in (("pk lookup", "SELECT * FROM procedures_dossier WHERE id = 1"),
                       ("count(*) dossiers", "SELECT count(*) FROM procedures_dossier")):
        timings = []
        with connection.cursor() as cursor:
            for _run in range(runs):
                began = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                timings.append((time.perf_counter() - began) * 1000)
        out[label] = statistics.median(timings)
    return out


def run_pages(ids, groups, runs, skip=()):
    from indicators.models import IndicatorValue
    from procedures.models import Dossier

    secret = (Path(os.environ["DX_VAR_DIR"]) / "bench-pages-key").read_text().strip()
    report_id = ensure_report(ids)
    dossier_id = Dossier.objects.filter(status_changes__isnull=False, steps__isnull=False,
                                        supplements__isnull=False).order_by("pk").values_list("pk", flat=True)[0]
    value_id = IndicatorValue.objects.order_by("pk").values_list("pk", flat=True)[0]
    results = {}
    clients = {}
    for group, listed in pages(ids, report_id, dossier_id, value_id).items():
        if groups and group not in groups:
            continue
        for who, url in listed:
            if url in skip:
                print(f"  {url[:62]:<62} {who or 'anonymous':<15}   skipped (--skip)")
                continue
            client = clients.get(who) or clients.setdefault(who, client_for(who, secret))
            median, queries, status, sql = measure(client, url, runs)
            results[(who or "anonymous", url)] = (median, queries, status)
            shown = f"{median:9.0f}" if median is not None else f"   HTTP {status}"
            print(f"  {url[:62]:<62} {who or 'anonymous':<15} {shown} ms {queries:>4} queries (SQL {sql:6.0f} ms)",
                  flush=True)
    return results


def main():
    args = parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("bench: DATABASE_URL must name a PostgreSQL database")
    url, name = bench_url(base, args.database)
    new = ensure_database(base, name, args.fresh)
    os.environ["DATABASE_URL"] = url
    setup_django()
    print(f"database        {name} ({'new' if new else 'reused'}); load average {os.getloadavg()[0]:.2f}")
    ids = seed()
    groups = {g for g in args.only.split(",") if g}
    by_size = {}
    for size in sorted(int(s) for s in args.sizes.split(",")):
        have, _values = counts()
        if have > size:
            print(f"skipped         {size:,}: the reused database already holds {have:,} dossiers (--fresh)")
            continue
        if have < size:
            top_up(size, args.values_per_dossier, ids)
        floor = physical(args.runs)
        print(f"--- {size:,} dossiers: median of {args.runs}, server-side in process; "
              f"floor: pk lookup {floor['pk lookup']:.1f} ms, count(*) {floor['count(*) dossiers']:.0f} ms")
        by_size[size] = run_pages(ids, groups, args.runs, skip={u for u in args.skip.split(",") if u})
    if len(by_size) < 2:
        return
    small, large = sorted(by_size)[0], sorted(by_size)[-1]
    print(f"--- moved from {small:,} to {large:,} dossiers (time ratio; queries small -> large)")
    for key, (median, queries, _status) in by_size[large].items():
        before = by_size[small].get(key)
        if before is None or before[0] is None or median is None:
            continue
        print(f"  {key[1][:62]:<62} {key[0]:<15} {median / before[0]:5.2f}x  {before[1]:>3} -> {queries:<3}")


if __name__ == "__main__":
    main()
