"""Benchmark: push dossiers through the real HTTP API, beside PostgreSQL COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxportal .venv/bin/python bench/dossier_ingest.py \
        [--rows 1000000] [--batch 10000] [--units 300] [--procedures 300] [--workers 2] [--clients 2] \
        [--shape portal|dvcqg|both] [--profile 10000]

It works in a dedicated database (`<DATABASE_URL's name>_bench`, created, migrated and dropped at the
end unless --keep), so nothing else is touched. It creates a province with `--units` units, `--procedures`
procedures and an API key bound to the province, starts the portal with gunicorn against that database,
and POSTs the generated dossiers to /api/v1/dossiers/import/ in batches, as JSON, over keep-alive
connections (`--clients` at a time). It prints:

- rows/second end to end (first request sent to last answer received; the bodies are built beforehand),
  for each shape, beside PostgreSQL COPY of the same rows and their ratio,
- the rate over the first and the last tenth of each load, with how many dossiers were already stored then,
- rows/second of re-sending batches that are already there (the "unchanged" path),
- rows/second of PostgreSQL COPY loading the same rows into copies of the tables (same indexes): the
  dossier rows for the portal shape; for the national shape also their processing steps and supplements,
- the RSS of each gunicorn worker, sampled after every batch,
- a profile of one batch of `--profile` new rows per shape, in process (cProfile): where the time goes,
- how long the statistics for the whole province-year take (procedure_stats grouped by unit): through
  GET /api/v1/procedure-stats/ right after the load, then after ANALYZE through HTTP and in process
  (right after a bulk load the planner's row estimates are stale until autovacuum analyses the tables).

`--shape both` (the default) loads the portal shape, then the national shape of the same dossiers under a
second source (`?format=dvcqg`: national field names, a status 1–10, fees, two processing steps each and a
supplement for one in ten), in one run, and prints both rates; `--shape portal` or `dvcqg` loads one.

PostgreSQL only: SQLite would measure something else.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2023
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
PROCEDURES_PER_UNIT = 40  # a unit handles a subset of the catalogue, as real ones do
COPY_COLUMNS = ["source", "code", "procedure_id", "unit_id", "channel", "received_at", "due_at", "completed_at",
                "outcome", "fee_required", "paid_online", "digitized", "e_result", "status", "receiving_unit_id",
                "first_due_at", "field_code", "vneid_verified", "fees", "details_digest"]
# The generated tuple, in the portal's own field names.
ROW_FIELDS = ["code", "procedure", "unit", "channel", "received_at", "due_at", "completed_at", "outcome",
              "fee_required", "paid_online", "digitized", "e_result"]
STATUS = {"pending": "4", "withdrawn": "7", "rejected": "9", "resolved": "10"}
CHANNEL_CODE = {"in_person": 1, "online": 2, "post": 3}


def main():
    args = parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench: DATABASE_URL must name a PostgreSQL database (SQLite is refused: it measures nothing useful)")
    bench_url, bench_name = bench_database_url(base_url, args.database)
    create_database(base_url, bench_name)
    os.environ["DATABASE_URL"] = bench_url
    server = None
    try:
        setup_django()
        print(f"database        {bench_name} (dedicated, {'kept' if args.keep else 'dropped at the end'})")
        secret, unit_ids, procedure_ids, plan = seed(args)
        started = time.perf_counter()
        rows = generate(args, plan)
        shapes = ["portal", "dvcqg"] if args.shape == "both" else [args.shape]
        bodies = {shape: [json_body(rows[i:i + args.batch], shape) for i in range(0, len(rows), args.batch)]
                  for shape in shapes}
        for shape, shaped in bodies.items():
            print(f"generated       {shape}: {len(rows):,} rows in {len(shaped)} batches of {args.batch:,} "
                  f"({sum(map(len, shaped)) / len(rows):.0f} bytes a row as JSON)")
        print(f"                in {time.perf_counter() - started:.1f} s")
        server = Server(bench_url, args.workers)
        server.start()
        loads = {}
        for shape, shaped in bodies.items():
            api = push_all(server, secret, shaped, args.clients, shape=shape)
            resend = push_all(server, secret, shaped[:args.resend], args.clients, expect="unchanged", shape=shape)
            loads[shape] = (api, resend)
        check_totals(len(rows) * len(shapes))
        stats_fresh = time_stats_over_http(server, secret)
        analyze()
        stats_http = time_stats_over_http(server, secret)
        memory = server.memory
        server.stop()
        server = None
        copies = {shape: copy_rows(rows, unit_ids, procedure_ids, args.batch, shape) for shape in shapes}
        stats_orm = time_stats_in_process()
        report(args, loads, copies, memory, stats_orm, stats_fresh, stats_http, len(rows))
        for shape in shapes if args.profile else []:
            profile_batch(args, plan, shape)
    finally:
        if server is not None:
            server.stop()
        close_django_connections()
        shutil.rmtree(os.environ.get("DX_VAR_DIR", ""), ignore_errors=True)
        if not args.keep:
            drop_database(base_url, bench_name)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--procedures", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=2, help="batches in flight at once")
    parser.add_argument("--resend", type=int, default=5, help="batches sent a second time (unchanged path)")
    parser.add_argument("--database", help="name of the dedicated database (default: <name>_bench)")
    parser.add_argument("--keep", action="store_true", help="keep the dedicated database afterwards")
    parser.add_argument("--seed", type=int, default=20230815)
    parser.add_argument("--shape", choices=["portal", "dvcqg", "both"], default="both",
                        help="the portal's own field names, the national sync shape, or both in one run")
    parser.add_argument("--profile", type=int, default=10_000,
                        help="rows of the batch profiled in process per shape after the load (0: none)")
    return parser.parse_args()


# --- the dedicated database ---------------------------------------------------------------------


def bench_database_url(url, name):
    parts = urlsplit(url)
    name = name or f"{parts.path.lstrip('/') or 'dxportal'}_bench"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def _maintenance(url):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def create_database(url, name):
    from psycopg import sql

    with _maintenance(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url, name):
    from psycopg import sql

    with _maintenance(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxportal.settings")
    os.environ["DX_VAR_DIR"] = tempfile.mkdtemp(prefix="dx-bench-var-")
    os.environ.pop("CELERY_BROKER_URL", None)  # the filesystem broker in the temporary var dir: no worker needed
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def close_django_connections():
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()


# --- data ---------------------------------------------------------------------------------------


def seed(args):
    """Create the province, its units and procedures, an administrator and the system's key."""
    from datetime import date

    from django.contrib.auth import get_user_model

    from departments.models import ApiResource, Role, Unit, UnitKind
    from departments.services import api_key_create, user_set_role
    from procedures.models import OnlineLevel, Procedure, ProcedureField

    province = Unit.objects.create(code="BENCH", name="Tỉnh đo hiệu năng", kind=UnitKind.PROVINCE,
                                   valid_from=date(2020, 1, 1))
    units = [Unit(code=f"BENCH-{n:04d}", name=f"Đơn vị {n}", kind=UnitKind.COMMUNE, parent=province,
                  valid_from=date(2020, 1, 1)) for n in range(args.units)]
    for unit in units:
        unit.path = f"{province.path}{unit.code}/"
    Unit.objects.bulk_create(units, batch_size=1000)
    field = ProcedureField.objects.create(code="BENCH-F", name="Lĩnh vực đo hiệu năng")
    levels = [OnlineLevel.FULL] * 7 + [OnlineLevel.PARTIAL] * 2 + [OnlineLevel.NONE]
    Procedure.objects.bulk_create([
        Procedure(code=f"1.{900000 + n:06d}.H99", name=f"Thủ tục {n}", field=field, department=province,
                  at_commune=True, online_level=levels[n % 10], full_online=levels[n % 10] == OnlineLevel.FULL,
                  active_from=date(2020, 1, 1))
        for n in range(args.procedures)
    ], batch_size=1000)
    admin = get_user_model().objects.create(username="bench-admin", is_superuser=True, is_staff=True)
    user_set_role(user=admin, role=Role.ADMIN)
    account = get_user_model().objects.create(username="bench-system")
    user_set_role(user=account, role=Role.EXTERNAL_SYSTEM)
    scopes = [f"{resource.value}:{access}" for resource in ApiResource for access in ("read", "write")]
    _key, secret = api_key_create(name="bench", service_account=account, scopes=scopes, units=[province],
                                  sources=["bench", "bench-dvcqg"])
    unit_ids = dict(Unit.objects.filter(code__startswith="BENCH-").values_list("code", "pk"))
    procedure_ids = dict(Procedure.objects.filter(code__endswith=".H99").values_list("code", "pk"))
    rng = random.Random(args.seed)
    procedure_codes = sorted(procedure_ids)
    plan = {code: rng.sample(procedure_codes, min(PROCEDURES_PER_UNIT, len(procedure_codes)))
            for code in sorted(unit_ids)}
    return secret, unit_ids, procedure_ids, plan


def generate(args, plan):
    """Return the dossier rows as tuples, shaped like a year of one-stop-shop work."""
    rng = random.Random(args.seed)
    start = datetime(YEAR, 1, 1, 7, tzinfo=ZONE)
    minutes_in_year = 365 * 24 * 60
    unit_codes = sorted(plan)
    rows = []
    for n in range(args.rows):
        unit = unit_codes[n % len(unit_codes)]
        procedure = rng.choice(plan[unit])
        received = start + timedelta(minutes=rng.randrange(minutes_in_year - 60 * 24 * 40))
        due = received + timedelta(days=rng.randint(3, 20))
        draw = rng.random()
        outcome = "pending" if draw < 0.10 else "withdrawn" if draw < 0.12 else "rejected" if draw < 0.15 \
            else "resolved"
        completed = None if outcome == "pending" else received + timedelta(hours=rng.randint(2, 24 * 22))
        channel = "online" if rng.random() < 0.6 else "in_person" if rng.random() < 0.9 else "post"
        fee = rng.random() < 0.4
        rows.append((f"HS-{n:09d}", procedure, unit, channel, received.isoformat(), due.isoformat(),
                     completed.isoformat() if completed else None, outcome, fee, fee and rng.random() < 0.7,
                     rng.random() < 0.8, outcome != "pending" and rng.random() < 0.6))
    return rows


def json_body(rows, shape="portal"):
    if shape == "dvcqg":
        return json.dumps([national(dict(zip(ROW_FIELDS, row, strict=True))) for row in rows],
                          ensure_ascii=False).encode()
    return json.dumps({"dossiers": [dict(zip(ROW_FIELDS, row, strict=True)) for row in rows]},
                      ensure_ascii=False).encode()


def national(row):
    """Return a generated dossier in the national sync shape, with fees, two steps and now and then a supplement."""
    received = datetime.fromisoformat(row["received_at"])
    stamp = "%Y%m%d%H%M%S"
    steps = [{"NguoiXuLy": "chuyenvien", "ThoiDiemXuLy": (received + timedelta(hours=2)).strftime(stamp),
              "TrangThai": "Đã xử lý", "NgayBatDau": row["received_at"],
              "NgayKetThucTheoQuyDinh": (received + timedelta(days=1)).strftime(stamp)},
             {"NguoiXuLy": "lanhdao",
              "ThoiDiemXuLy": row["completed_at"] or (received + timedelta(hours=30)).isoformat(),
              "TrangThai": "Đã duyệt", "NgayBatDau": (received + timedelta(hours=2)).isoformat(),
              "NgayKetThucTheoQuyDinh": row["due_at"]}]
    status = STATUS[row["outcome"]]
    dossier = {
        "MaHoSo": row["code"], "MaTTHC": row["procedure"], "MaLinhVuc": "BENCH-F", "DonViXuLy": row["unit"],
        "NoiNopHoSo": row["unit"], "KenhThucHien": CHANNEL_CODE[row["channel"]], "NgayTiepNhan": row["received_at"],
        "NgayHenTra": row["due_at"], "NgayKetThucXuLy": row["completed_at"], "TrangThaiHoSo": status,
        "HoSoCoThanhPhanSoHoa": row["digitized"], "DuocThanhToanTrucTuyen": row["paid_online"],
        "TaiKhoanDuocXacThucVoiVNeID": row["channel"] == "online",
        "DanhSachLePhi": [{"MaPhiLePhi": "LP01", "SoTien": 50000}] if row["fee_required"] else [],
        "QuaTrinhXuLy": steps,
    }
    if status == "10":
        dossier["NgayTra"] = row["completed_at"]
    if row["code"].endswith("7"):
        dossier["DanhSachHoSoBoSung"] = [{"NgayBoSung": (received + timedelta(hours=3)).isoformat(),
                                          "NgayHenTraTruoc": row["due_at"], "NgayHenTraMoi": row["due_at"]}]
    return dossier


# --- the web server -----------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving the portal against the bench database; samples its workers' memory."""

    def __init__(self, database_url, workers):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "false", "DB_CONN_MAX_AGE": "600",
                    "LOG_LEVEL": "WARNING", "CACHE_URL": "", "THROTTLE_API_KEY": "100000/min"}
        self.process = None
        self.memory = {}  # worker pid -> [RSS in MiB after each batch]

    def start(self):
        command = [sys.executable, "-m", "gunicorn", "dxportal.wsgi", "-w", str(self.workers), "-b",
                   f"127.0.0.1:{self.port}", "--timeout", "300", "--log-level", "warning"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        import requests

        for _ in range(300):
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz")

    def worker_pids(self):
        try:
            import psutil

            return [child.pid for child in psutil.Process(self.process.pid).children()]
        except ImportError:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def sample_memory(self, shape="portal"):
        for pid in self.worker_pids():
            self.memory.setdefault((shape, pid), []).append(rss_mib(pid))

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def rss_mib(pid):
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except Exception:  # the worker was replaced between listing and reading
        return float("nan")
    return float("nan")


# --- measuring ----------------------------------------------------------------------------------


def push_all(server, secret, bodies, clients, expect="created", shape="portal"):
    """POST every body, `clients` at a time; return (rows, seconds, per-batch seconds in the order sent)."""
    import requests

    local = threading.local()
    lock = threading.Lock()
    latencies = [None] * len(bodies)

    def send(numbered):
        number, body = numbered
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers.update({"Authorization": f"Api-Key {secret}", "Content-Type": "application/json"})
        began = time.perf_counter()
        # Each shape under its own source: the national load is a second system's copy of the same dossiers.
        query = "?format=dvcqg&source=bench-dvcqg" if shape == "dvcqg" else ""
        response = session.post(f"{server.url}/api/v1/dossiers/import/{query}", data=body, timeout=600)
        took = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"batch refused: {response.status_code} {response.text[:2000]}")
        counts = response.json()["counts"]
        if counts[expect] != counts["rows"]:
            raise RuntimeError(f"expected every row {expect}: {counts}")
        with lock:
            latencies[number] = took
            server.sample_memory(shape)
        return counts["rows"]

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        rows = sum(pool.map(send, enumerate(bodies)))
    return rows, time.perf_counter() - began, latencies


def tenths(latencies):
    """Return the median batch time of the first tenth of the batches sent and of the last tenth."""
    count = max(1, len(latencies) // 10)
    return statistics.median(latencies[:count]), statistics.median(latencies[-count:])


def check_totals(expected):
    from django.db.models import Sum

    from procedures.models import Dossier, DossierMonthStat

    stored = Dossier.objects.count()
    received = DossierMonthStat.objects.aggregate(n=Sum("received"))["n"]
    if stored != expected or received != expected:
        raise RuntimeError(f"expected {expected} dossiers; stored {stored}, statistics say {received}")


def analyze():
    """Refresh the planner's statistics, as autovacuum would soon after a load this size."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def copy_rows(rows, unit_ids, procedure_ids, batch, shape="portal"):
    """COPY the same rows into copies of the tables (same indexes and constraints); return (rows, seconds).

    The portal shape writes dossier rows; the national shape also their steps and supplements, as the API does.
    """
    from django.db import connection

    tables = {"dossier": "procedures_dossier"}
    if shape == "dvcqg":
        tables |= {"step": "procedures_dossierstep", "supplement": "procedures_dossiersupplement"}
    with connection.cursor() as cursor:
        for name, table in tables.items():
            cursor.execute(f"DROP TABLE IF EXISTS bench_{name}_copy")
            cursor.execute(f"CREATE TABLE bench_{name}_copy (LIKE {table} INCLUDING ALL)")
    chunks = []
    for start in range(0, len(rows), batch):
        lines, steps, supplements = [], [], []
        for number, (code, procedure, unit, channel, received, due, completed, outcome, *flags) in enumerate(
                rows[start:start + batch], start=start + 1):
            values = ["bench-copy", code, str(procedure_ids[procedure]), str(unit_ids[unit]), channel, received,
                      due, completed or "\\N", outcome, *("t" if flag else "f" for flag in flags), STATUS[outcome],
                      str(unit_ids[unit]), due, "", "f", "[]", ""]
            lines.append("\t".join(values))
            if shape == "dvcqg":
                at = datetime.fromisoformat(received)
                steps.append(f"{number}\t1\tchuyenvien\t{(at + timedelta(hours=2)).isoformat()}\tĐã xử lý\t"
                             f"{received}\t{(at + timedelta(days=1)).isoformat()}")
                steps.append(f"{number}\t2\tlanhdao\t{completed or (at + timedelta(hours=30)).isoformat()}\t"
                             f"Đã duyệt\t{(at + timedelta(hours=2)).isoformat()}\t{due}")
                if code.endswith("7"):
                    supplements.append(f"{number}\t1\t{(at + timedelta(hours=3)).isoformat()}\t\\N\t{due}\t{due}")
        chunks.append([(f"COPY bench_dossier_copy ({', '.join(COPY_COLUMNS)}) FROM STDIN", lines),
                       ("COPY bench_step_copy (dossier_id, position, handler, at, status, started_at, due_at) "
                        "FROM STDIN", steps),
                       ("COPY bench_supplement_copy (dossier_id, position, requested_at, received_at, "
                        "previous_due_at, new_due_at) FROM STDIN", supplements)])
    chunks = [[(sql, ("\n".join(lines) + "\n").encode()) for sql, lines in chunk if lines] for chunk in chunks]
    raw = connection.connection  # the psycopg connection under Django's
    began = time.perf_counter()
    with raw.cursor() as cursor:
        for chunk in chunks:  # one COPY per table and one commit a batch, as the API commits once a batch
            for sql, data in chunk:
                with cursor.copy(sql) as copy:
                    copy.write(data)
            raw.commit()
    took = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_dossier_copy")
        assert cursor.fetchone()[0] == len(rows)
        for name in tables:
            cursor.execute(f"DROP TABLE bench_{name}_copy")
    return len(rows), took


def profile_batch(args, plan, shape):
    """Profile one batch of new dossiers through dossiers_import in process; print where the time goes."""
    import cProfile
    import pstats

    from departments.models import ApiKey
    from departments.policy import Actor
    from procedures.ingest import dossiers_import

    key = ApiKey.objects.get(name="bench")
    actor = Actor(key.service_account, key)
    assert actor.scope_unit_ids
    fresh = generate(argparse.Namespace(rows=args.profile, seed=args.seed + 1), plan)
    fresh = [(f"PR-{shape}-{row[0]}", *row[1:]) for row in fresh]
    body = json_body(fresh, shape)
    began = time.perf_counter()
    data = json.loads(body)
    decoded = time.perf_counter() - began
    rows = data["dossiers"] if isinstance(data, dict) else data
    source = "bench-dvcqg" if shape == "dvcqg" else "bench"
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    summary = dossiers_import(rows=rows, source=source, actor=actor, channel="api", shape=shape)
    profiler.disable()
    took = time.perf_counter() - began
    assert summary["counts"]["created"] == len(rows), summary["counts"]
    same_moment = compare_paths(args, plan, shape, actor, source)
    stats = pstats.Stats(profiler)
    parts = [("validate (procedures.ingest._validate)", "ingest.py", "_validate"),
             ("  of which the rows' loop (_clean)", "ingest.py", "_clean"),
             ("  national shape to portal rows", "dvcqg.py", "to_portal_row"),
             ("existing rows (one query)", "ingest.py", "_existing"),
             ("classify, scope, status order", "ingest.py", "_classify"),
             ("write (staging.write)", "staging.py", "write"),
             ("  COPY into the staging tables", "staging.py", "_copy"),
             ("COMMIT (atomic's exit)", "transaction.py", "__exit__")]
    print(f"profile         {shape}: {len(rows):,} new rows in process in {took * 1000:.0f} ms under cProfile "
          f"({len(rows) / took:,.0f} rows/s); json.loads of its {len(body) / 2**20:.1f} MiB body "
          f"{decoded * 1000:.0f} ms")
    for label, filename, function in parts:
        total = sum(value[3] for (file, _line, name), value in stats.stats.items()
                    if file.endswith(filename) and name == function)
        print(f"                {label:<40} {total * 1000:7.0f} ms  {100 * total / took:4.0f} %")
    executes = [value for key, value in stats.stats.items() if key[2] == "execute" and key[0].endswith(
        "psycopg/cursor.py")]
    for value in executes:
        print(f"                {'  database statements (cursor.execute)':<40} {value[3] * 1000:7.0f} ms  "
              f"{100 * value[3] / took:4.0f} %  ({value[1]} statements)")
    print(f"                without the profiler, new batches of {args.profile:,} one after the other, staging / ORM "
          f"path: {', '.join(f'{a * 1000:.0f} / {b * 1000:.0f} ms' for a, b in same_moment)}")
    if os.environ.get("BENCH_PROFILE_TOP"):
        stats.sort_stats("tottime").print_stats(int(os.environ["BENCH_PROFILE_TOP"]))


def compare_paths(args, plan, shape, actor, source, rounds=2):
    """Time fresh batches through the staging path and the ORM path alternately (same machine load)."""
    from django.conf import settings

    from procedures.ingest import dossiers_import

    timings, threshold_before = [], settings.DOSSIER_STAGING_MIN_ROWS
    for attempt in range(rounds):
        pair = []
        for path, threshold in (("staging", 0), ("orm", 10**9)):
            fresh = generate(argparse.Namespace(rows=args.profile, seed=args.seed + 10 + attempt), plan)
            rows = json.loads(json_body([(f"CMP-{path}-{attempt}-{row[0]}", *row[1:]) for row in fresh], shape))
            rows = rows["dossiers"] if isinstance(rows, dict) else rows
            settings.DOSSIER_STAGING_MIN_ROWS = threshold
            began = time.perf_counter()
            dossiers_import(rows=rows, source=source, actor=actor, channel="api", shape=shape)
            pair.append(time.perf_counter() - began)
        timings.append(tuple(pair))
    settings.DOSSIER_STAGING_MIN_ROWS = threshold_before
    return timings


def time_stats_in_process(runs=3):
    from django.contrib.auth import get_user_model

    from departments.policy import Actor
    from indicators.periods import parse_period
    from procedures.selectors import procedure_stats

    actor = Actor(get_user_model().objects.get(username="bench-admin"))
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        rows = procedure_stats(actor=actor, period=parse_period(str(YEAR)), group_by="unit")
        timings.append(time.perf_counter() - began)
    return timings, len(rows)


def time_stats_over_http(server, secret, runs=3):
    import requests

    timings = []
    with requests.Session() as session:
        session.headers["Authorization"] = f"Api-Key {secret}"
        for _ in range(runs):
            began = time.perf_counter()
            response = session.get(f"{server.url}/api/v1/procedure-stats/", params={"period": YEAR,
                                                                                   "group_by": "unit"})
            timings.append(time.perf_counter() - began)
            response.raise_for_status()
    return timings, len(response.json()["rows"])


def report(args, loads, copies, memory, stats_orm, stats_fresh, stats_http, rows_per_shape):
    print(f"gunicorn        {args.workers} workers, {args.clients} batches in flight, batches of {args.batch:,}")
    print(f"{'':16}{'API rows/s':>12}{'COPY rows/s':>13}{'API / COPY':>12}   (end to end; COPY of the same rows)")
    for shape, (api, _resend) in loads.items():
        copy_rate = copies[shape][0] / copies[shape][1]
        api_rate = api[0] / api[1]
        print(f"{shape:<16}{api_rate:>12,.0f}{copy_rate:>13,.0f}{api_rate / copy_rate:>12.2f}")
    stored = 0
    for shape, (api, resend) in loads.items():
        rows, seconds, latencies = api
        first, last = tenths(latencies)
        tenth = rows // 10
        print(f"API ingest      {shape}: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s end to end "
              f"(batch: median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s)")
        print(f"                median batch of the first tenth {first:.2f} s ({stored:,}–{stored + tenth:,} dossiers "
              f"stored), of the last tenth {last:.2f} s ({stored + rows - tenth:,}–{stored + rows:,} stored): "
              f"{last / first:.2f}x")
        if resend[0]:
            print(f"API re-send     {shape}: {resend[0]:,} unchanged rows in {resend[1]:.1f} s = "
                  f"{resend[0] / resend[1]:,.0f} rows/s")
        stored += rows_per_shape
    for shape, (rows, seconds) in copies.items():
        what = "dossiers" if shape == "portal" else "dossiers, their steps and supplements"
        print(f"PostgreSQL COPY {shape}: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s ({what}, "
              "copies of the tables with their indexes, one commit a batch)")
    for (shape, pid), samples in sorted(memory.items(), key=lambda item: (list(loads).index(item[0][0]), item[0][1])):
        third = max(1, len(samples) // 3)
        print(f"worker {pid:<8} {shape}: RSS MiB over {len(samples)} batches: first {samples[0]:.0f}, "
              f"max {max(samples):.0f}, last {samples[-1]:.0f}; mean of the first third "
              f"{statistics.mean(samples[:third]):.0f}, of the last third {statistics.mean(samples[-third:]):.0f}")
    orm, groups = stats_orm
    print(f"statistics      province-year {YEAR} by unit ({groups} rows), 3 runs each: over HTTP right after the "
          f"load {milliseconds(stats_fresh[0])}; after ANALYZE over HTTP {milliseconds(stats_http[0])}, "
          f"in process {milliseconds(orm)}")


def milliseconds(timings):
    return ", ".join(f"{t * 1000:.0f}" for t in timings) + " ms"


if __name__ == "__main__":
    main()
