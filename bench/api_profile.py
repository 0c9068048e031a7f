"""Benchmark: where the time of one API list request goes, in process, stage by stage.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dxportal CACHE_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/api_profile.py [--runs 50] [--only dossiers/,indicator-values/]

It reuses the database bench/pages.py builds (`<DATABASE_URL's name>_bench`; run that first) and its API key,
and requests each API list endpoint through the whole WSGI stack with Django's test client, as the key: first
--runs requests timed (the median), then --runs under cProfile, whose cumulative time per request it splits
into the stages of a request: authentication, throttling, permissions, the queryset and its filters,
pagination (the count and the page's rows), serializing, rendering, and the rest (middleware, routing, the
test client). The SQL column is the time spent in the database driver, whichever stage ran the query.
cProfile slows Python about twofold; read the shares, and the median for the time. Throttling goes through
CACHE_URL as in production when that names Redis (the bench of api_load.py runs gunicorn with it too).

PostgreSQL only.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import API_PATHS, bench_url  # noqa: E402

# (label, module path suffix, function name): the stage's cumulative time is that function's.
STAGES = [
    ("auth", "departments/api/authentication.py", "authenticate"),
    ("throttle", "rest_framework/views.py", "check_throttles"),
    ("perms", "rest_framework/views.py", "check_permissions"),
    ("queryset", "rest_framework/generics.py", "filter_queryset"),
    ("paginate", "rest_framework/generics.py", "paginate_queryset"),
    ("serialize", "rest_framework/serializers.py", "data"),
    ("render", "rest_framework/response.py", "rendered_content"),
]
DISPATCH = ("rest_framework/views.py", "dispatch")
EXECUTE = ("psycopg/cursor.py", "execute")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database", help="name of the bench database (default: <name>_bench)")
    parser.add_argument("--only", default="", help="comma list of API paths (as in pages.API_PATHS)")
    parser.add_argument("--key-file", default=None, help="default: $DX_VAR_DIR/bench-pages-key")
    return parser.parse_args()


def cumulative(stats, suffix, name):
    """Return the cumulative seconds of the function `name` in a file ending with `suffix` (all such summed)."""
    total = 0.0
    for (filename, _line, function), (_cc, _nc, _tt, ct, callers) in stats.stats.items():
        if function == name and filename.endswith(suffix):
            # Recursive or nested calls would count twice: keep only calls from outside the function itself.
            inner = sum(c[3] for key, c in callers.items() if key[2] == name and key[0].endswith(suffix))
            total += ct - inner
    return total


def profile(client, url, runs):
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for _run in range(runs):
        client.get(url)
    profiler.disable()
    whole = (time.perf_counter() - began) / runs * 1000
    stats = pstats.Stats(profiler)
    shares = {label: cumulative(stats, suffix, name) / runs * 1000 for label, suffix, name in STAGES}
    dispatch = cumulative(stats, *DISPATCH) / runs * 1000
    shares["view+drf"] = dispatch - sum(shares.values())
    shares["rest"] = whole - dispatch
    shares["sql"] = cumulative(stats, *EXECUTE) / runs * 1000
    return whole, shares


def timed(client, url, runs):
    from django.db import connection

    captured = []
    with connection.execute_wrapper(lambda execute, sql, *rest: captured.append(sql) or execute(sql, *rest)):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    timings = []
    for _run in range(runs):
        began = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings), len(captured)


def main():
    args = parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("bench: DATABASE_URL must name a PostgreSQL database")
    os.environ["DATABASE_URL"], name = bench_url(base, args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxportal.settings")
    os.environ["DEBUG"] = "false"
    os.environ["DB_CONN_MAX_AGE"] = "600"
    os.environ.setdefault("DX_VAR_DIR", "/tmp/dx-bench-pages-var")
    os.environ.setdefault("THROTTLE_API_KEY", "100000/min")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    key_file = Path(args.key_file or Path(os.environ["DX_VAR_DIR"]) / "bench-pages-key")
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key_file.read_text().strip()}")
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"database {name}; cache {cache}; {args.runs} requests each; load average {os.getloadavg()[0]:.2f}")
    labels = [label for label, _suffix, _name in STAGES] + ["view+drf", "rest", "sql"]
    print(f"{'endpoint':<28} {'median':>7} {'q':>3} | cProfile ms/request: {'whole':>6} "
          + " ".join(f"{label:>9}" for label in labels))
    only = {p for p in args.only.split(",") if p}
    for path in API_PATHS:
        if only and path not in only:
            continue
        url = f"/api/v1/{path}"
        median, queries = timed(client, url, args.runs)
        whole, shares = profile(client, url, args.runs)
        print(f"{path[:28]:<28} {median:6.1f}ms {queries:>3} | {'':>20} {whole:6.1f} "
              + " ".join(f"{shares[label]:9.1f}" for label in labels), flush=True)


if __name__ == "__main__":
    main()
