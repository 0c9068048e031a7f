"""Benchmark: where a dossier batch's time goes as the table fills, statement by statement.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxportal .venv/bin/python bench/ingest_growth.py \
        [--rows 1000000] [--at 100000,1000000] [--probes 2] [--shape portal|dvcqg]

In a dedicated database (`<DATABASE_URL's name>_growth`, dropped at the end unless --keep), seeded as
`dossier_ingest.py` seeds its own, it loads the same generated year of dossiers in process, batch after batch
(`dossiers_import`, no HTTP), and prints each tenth's median batch time. When the stored count reaches each
`--at` mark it sends `--probes` fresh batches (0: none) under EXPLAIN (ANALYZE, BUFFERS, WAL) and prints, per
statement (existing-row lookup, main statement, month cells, day cells, COMMIT): time, shared buffers hit /
read / dirtied / written, WAL records / full-page images / bytes, foreign-key trigger time; then the rows,
heap and index sizes of the tables the batch writes, beside shared_buffers, and per relation the buffers
the probe batches hit and read (pg_statio) and the statistics tables' HOT updates (pg_stat_user_tables).
`--in-time-order` sends the year in order of reception, as a live sync would.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dossier_ingest as base  # noqa: E402  (the sibling bench: its database, seed and generated rows)

TABLES = ["procedures_dossier", "procedures_dossierstatuschange", "procedures_dossiermonthstat",
          "procedures_dossierdaystat", "procedures_dossierstep", "procedures_dossiersupplement"]
KINDS = [("main", "WITH old AS"), ("month", "INSERT INTO \"procedures_dossiermonthstat\""),
         ("day", "INSERT INTO \"procedures_dossierdaystat\"")]


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("growth: DATABASE_URL must name a PostgreSQL database")
    bench_url, name = base.bench_database_url(url, args.database or f"{url.rsplit('/', 1)[1]}_growth")
    base.create_database(url, name)
    os.environ["DATABASE_URL"] = bench_url
    try:
        base.setup_django()
        seeded = argparse.Namespace(units=args.units, procedures=args.procedures, seed=args.seed)
        _secret, _units, _procedures, plan = base.seed(seeded)
        rows = base.generate(argparse.Namespace(rows=args.rows, seed=args.seed), plan)
        if args.in_time_order:
            rows.sort(key=lambda row: row[4])  # received_at, ISO 8601 in one zone: text order is time order
        load(args, plan, rows)
    finally:
        base.close_django_connections()
        if not args.keep:
            base.drop_database(url, name)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--at", default="100000,1000000", help="stored counts at which to probe")
    parser.add_argument("--probes", type=int, default=2, help="fresh batches explained at each mark")
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--procedures", type=int, default=300)
    parser.add_argument("--shape", choices=["portal", "dvcqg"], default="portal")
    parser.add_argument("--seed", type=int, default=20230815)
    parser.add_argument("--in-time-order", action="store_true",
                        help="send the year in order of reception, as a live sync would (default: the bench's "
                             "random order, every batch spread over the whole year)")
    parser.add_argument("--database")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def actor_and_source(shape):
    from departments.models import ApiKey
    from departments.policy import Actor

    key = ApiKey.objects.get(name="bench")
    return Actor(key.service_account, key), "bench-dvcqg" if shape == "dvcqg" else "bench"


def decoded(rows, shape):
    data = json.loads(base.json_body(rows, shape))
    return data["dossiers"] if isinstance(data, dict) else data


def load(args, plan, rows):
    from procedures.ingest import dossiers_import

    actor, source = actor_and_source(args.shape)
    marks = sorted(int(mark) for mark in args.at.split(",")) if args.probes else []
    took = []
    for start in range(0, len(rows), args.batch):
        while marks and start >= marks[0]:
            probe(args, plan, actor, source, marks.pop(0))
        batch = decoded(rows[start:start + args.batch], args.shape)
        began = time.perf_counter()
        dossiers_import(rows=batch, source=source, actor=actor, channel="api", shape=args.shape, refresh=False)
        took.append(time.perf_counter() - began)
    for mark in marks:
        probe(args, plan, actor, source, mark)
    tenth = max(1, len(took) // 10)
    medians = [statistics.median(took[i:i + tenth]) for i in range(0, len(took), tenth)]
    print(f"load            {len(rows):,} rows in {sum(took):.1f} s in process ({len(rows) / sum(took):,.0f} rows/s); "
          f"median batch per tenth, s: {' '.join(f'{m:.2f}' for m in medians)}; "
          f"last / first {medians[-1] / medians[0]:.2f}x; load average {os.getloadavg()[0]:.2f}")


def probe(args, plan, actor, source, mark):
    from django.db import connection

    from procedures.ingest import dossiers_import

    before = relation_stats()
    per = {}
    for number in range(args.probes):
        fresh = base.generate(argparse.Namespace(rows=args.batch, seed=args.seed + 100 + mark + number), plan)
        batch = decoded([(f"PB-{mark}-{number}-{row[0]}", *row[1:]) for row in fresh], args.shape)
        explained = Explained()
        began = time.perf_counter()
        with connection.execute_wrapper(explained):
            commit = connection._commit
            connection._commit = explained.timed_commit(commit)
            try:
                dossiers_import(rows=batch, source=source, actor=actor, channel="api", shape=args.shape,
                                refresh=False)
            finally:
                connection._commit = commit
        explained.seen["batch"] = {"ms": (time.perf_counter() - began) * 1000}
        for kind, figures in explained.seen.items():
            per.setdefault(kind, []).append(figures)
    after = relation_stats()
    print(f"probe at {mark:,} stored ({args.shape}, {args.probes} fresh batches of {args.batch:,}, "
          f"load average {os.getloadavg()[0]:.2f}); per statement, mean of the batches:")
    for kind in ["existing", "main", "month", "day", "commit", "batch"]:
        print(f"  {kind:<9}" + "  ".join(f"{key} {statistics.mean(f.get(key, 0) for f in per.get(kind, [{}])):,.0f}"
                                         for key in per.get(kind, [{}])[0]))
    sizes(after)
    print("  per relation over the probes: heap hit/read, index hit/read (pg_statio); rows ins/upd/hot upd")
    for table in TABLES:
        old, new = before.get(table), after[table]
        delta = [b - a for a, b in zip(old["io"], new["io"], strict=True)]
        print(f"    {table:<32} heap {delta[0]:>8,}/{delta[1]:>7,}  idx {delta[2]:>8,}/{delta[3]:>7,}  "
              f"ins {delta[4]:,} upd {delta[5]:,} hot {delta[6]:,}")
        for index, io in new["indexes"].items():
            hit, read = (b - a for a, b in zip(old["indexes"].get(index, (0, 0)), io, strict=True))
            print(f"      {index:<40} idx hit {hit:>8,} read {read:>7,}  size {new['sizes'][index] / 2**20:6.1f} MiB")


class Explained:
    """Runs the staging statements under EXPLAIN (ANALYZE, BUFFERS, WAL) and times the rest."""

    def __init__(self):
        self.seen = {}

    def __call__(self, execute, sql, params, many, context):
        kind = next((kind for kind, prefix in KINDS if sql.lstrip().startswith(prefix)), None)
        if kind is None:
            if sql.startswith(("SELECT id, code,", "SELECT d.id, d.code,")):
                return self.existing(execute, sql, params, context)
            return execute(sql, params, many, context)
        began = time.perf_counter()
        execute(f"EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT JSON) {sql}", params, many, context)
        elapsed = (time.perf_counter() - began) * 1000
        self.seen[kind] = summarize(context["cursor"].fetchone()[0], elapsed)
        return None

    def existing(self, execute, sql, params, context):
        cursor = context["cursor"]
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
        began = time.perf_counter()
        result = execute(sql, params, False, context)
        self.seen["existing"] = {**summarize(plan, 0), "ms": (time.perf_counter() - began) * 1000}
        return result

    def timed_commit(self, commit):
        def timed():
            began = time.perf_counter()
            commit()
            self.seen["commit"] = {"ms": (time.perf_counter() - began) * 1000}
        return timed


def summarize(explained, elapsed):
    explained = json.loads(explained) if isinstance(explained, str) else explained
    top = explained[0]
    plan = top["Plan"]
    triggers = top.get("Triggers", [])
    return {"ms": elapsed or top["Execution Time"], "hit": plan.get("Shared Hit Blocks", 0),
            "read": plan.get("Shared Read Blocks", 0), "dirtied": plan.get("Shared Dirtied Blocks", 0),
            "written": plan.get("Shared Written Blocks", 0), "wal": plan.get("WAL Records", 0),
            "fpi": plan.get("WAL FPI", 0), "wal_kib": plan.get("WAL Bytes", 0) / 1024,
            "fk_ms": sum(trigger["Time"] for trigger in triggers),
            "rows": plan.get("Actual Rows", 0)}


def relation_stats():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    time.sleep(1.2)  # statistics reach the shared counters within a second of the transaction's end
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, COALESCE(io.heap_blks_hit, 0), COALESCE(io.heap_blks_read, 0), "
            "COALESCE(io.idx_blks_hit, 0), COALESCE(io.idx_blks_read, 0), t.n_tup_ins, t.n_tup_upd, "
            "t.n_tup_hot_upd, t.n_live_tup, pg_relation_size(t.relid) "
            "FROM pg_stat_user_tables t JOIN pg_statio_user_tables io USING (relid) WHERE t.relname = ANY(%s)",
            [TABLES])
        for name, *numbers, live, heap in cursor.fetchall():
            found[name] = {"io": numbers, "live": live, "heap": heap, "indexes": {}, "sizes": {}}
        cursor.execute("SELECT relname, indexrelname, idx_blks_hit, idx_blks_read, pg_relation_size(indexrelid) "
                       "FROM pg_statio_user_indexes WHERE relname = ANY(%s)", [TABLES])
        for table, index, hit, read, size in cursor.fetchall():
            found[table]["indexes"][index] = (hit, read)
            found[table]["sizes"][index] = size
    return found


def sizes(stats):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    total = sum(table["heap"] + sum(table["sizes"].values()) for table in stats.values())
    print(f"  sizes: shared_buffers {buffers}; the written tables and their indexes {total / 2**20:,.0f} MiB")
    for name, table in stats.items():
        print(f"    {name:<32} ~{table['live']:>10,} rows  heap {table['heap'] / 2**20:7.1f} MiB  "
              f"{len(table['sizes'])} indexes {sum(table['sizes'].values()) / 2**20:7.1f} MiB")


if __name__ == "__main__":
    main()
