"""Benchmark: requests per second of each API list endpoint under load, beside /healthz in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxportal .venv/bin/python bench/api_load.py \\
        [--concurrency 1,8,32] [--seconds 5] [--workers 2] [--cache-url redis://127.0.0.1:6379/1]

It reuses the database bench/pages.py builds (`<DATABASE_URL's name>_bench`; run that first), starts gunicorn
with --workers sync workers and persistent database connections (as production runs), and for each endpoint
and each concurrency keeps that many clients (threads, one request at a time each) busy for --seconds after a
warm-up. It prints requests/s, the median and p99 latency, and the ratio to /healthz at the same
concurrency (the goal: at least 0.3x at 8). The clients share the machine with the server, as a bare
`/healthz` does too, so the ratio is the figure to read.

PostgreSQL only.
"""

import argparse
import http.client
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dossier_ingest import Server  # noqa: E402
from pages import API_PATHS, bench_url  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", help="name of the bench database (default: <name>_bench)")
    parser.add_argument("--key-file", default="/tmp/dx-bench-pages-var/bench-pages-key")
    parser.add_argument("--cache-url", default="", help="gunicorn's CACHE_URL, where throttling counts: "
                        "empty for local memory (each worker its own), redis://... as production runs")
    return parser.parse_args()


def hammer(port, path, headers, clients, seconds):
    """Keep `clients` threads requesting `path` for `seconds`; return (requests/s, latencies in ms, errors)."""
    stop = time.perf_counter() + seconds
    latencies, errors, lock = [], [0], threading.Lock()

    def client():
        mine, failed = [], 0
        while time.perf_counter() < stop:
            began = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = response.status == 200
            except OSError:
                ok = False
            if ok:
                mine.append((time.perf_counter() - began) * 1000)
            else:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    began = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - began
    return len(latencies) / took, sorted(latencies), errors[0]


def main():
    args = parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("bench: DATABASE_URL must name a PostgreSQL database")
    url, name = bench_url(base, args.database)
    secret = Path(args.key_file).read_text().strip()
    headers = {"Authorization": f"Api-Key {secret}", "Host": "127.0.0.1"}
    levels = [int(n) for n in args.concurrency.split(",")]
    server = Server(url, args.workers)
    server.env["DX_VAR_DIR"] = str(Path(args.key_file).parent)
    server.env.pop("CELERY_BROKER_URL", None)
    server.env["CACHE_URL"] = args.cache_url
    server.start()
    try:
        print(f"database {name}; gunicorn {args.workers} sync workers, persistent connections; "
              f"cache {args.cache_url or 'local memory'}; "
              f"{args.seconds:.0f} s per cell; load average {os.getloadavg()[0]:.2f}")
        print(f"{'endpoint':<50} " + " ".join(f"{'c=' + str(n):>22}" for n in levels))
        healthz = {}
        for path in ["/healthz", *(f"/api/v1/{p}" for p in API_PATHS)]:
            cells = []
            hammer(server.port, path, headers, 1, 1.0)  # warm-up: both workers' connections and caches
            for clients in levels:
                rate, latencies, errors = hammer(server.port, path, headers, clients, args.seconds)
                if path == "/healthz":
                    healthz[clients] = rate
                ratio = rate / healthz[clients] if healthz.get(clients) else 0
                p50 = statistics.median(latencies) if latencies else 0
                p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0
                failed = f" {errors} failed" if errors else ""
                cells.append(f"{rate:6.1f}/s {ratio:4.2f}x p50 {p50:4.0f} p99 {p99:5.0f}{failed}")
            print(f"{path[:50]:<50} " + "  ".join(cells), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
