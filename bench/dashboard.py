"""How long does the dashboard take to render server-side? Prints milliseconds and queries per page.

    .venv/bin/python manage.py seed_demo
    .venv/bin/python bench/dashboard.py [--runs 20] [--period 2023] [--with-dossiers]

Runs against the configured database (DATABASE_URL) holding the demo data, through the whole WSGI
stack (middleware, session, the admin's checks, templates) with Django's test client, logged in as
demo-reviewer (the province scope: the largest page) and demo-staff-a (one unit). `--with-dossiers`
first loads the demo procedures and their 183,600 dossiers (a few minutes, once: it is idempotent),
so the trend and ranking have data. Each page is requested once to warm up, then `--runs` times.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxportal.settings")
os.environ.setdefault("DEBUG", "0")  # DEBUG would keep every query in memory and time that too

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from departments.models import Unit  # noqa: E402

BACKEND = "django.contrib.auth.backends.ModelBackend"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--period", default="2023", help="the period of the demo data (default 2023)")
    parser.add_argument("--with-dossiers", action="store_true", help="load the demo dossiers first")
    return parser.parse_args()


def seed_dossiers():
    from procedures.demo import seed_procedures

    units = {unit.code: unit for unit in Unit.objects.all()}
    users = {user.username: user for user in get_user_model().objects.all()}
    started = time.perf_counter()
    seeded = seed_procedures(units, users)
    print(f"demo dossiers: {seeded.dossiers_created} new of {seeded.dossiers} in {time.perf_counter() - started:.0f} s")


def client_for(username):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        sys.exit(f"{username} is missing: run `python manage.py seed_demo` first.")
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def measure(client, url, runs):
    response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # now: the next request's start empties the log it reads
    timings = []
    for _run in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, queries, len(response.content)


def main():
    args = parse_args()
    if args.with_dossiers:
        seed_dossiers()
    pages = [
        ("demo-reviewer", f"/dashboard/?period={args.period}"),
        ("demo-reviewer", "/dashboard/"),
        ("demo-staff-a", f"/dashboard/?period={args.period}"),
        (None, f"/public/?period={args.period}"),
        (None, f"/public/data.csv?period={args.period}"),
        (None, f"/public/data.json?period={args.period}"),
    ]
    print(f"database: {connection.vendor}; {Unit.objects.count()} units; {args.runs} runs per page")
    print(f"{'page':<44} {'who':<14} {'median ms':>9} {'min':>7} {'max':>7} {'queries':>7} {'KiB':>6}")
    for username, url in pages:
        client = client_for(username) if username else Client()
        timings, queries, size = measure(client, url, args.runs)
        print(f"{url:<44} {username or 'anonymous':<14} {statistics.median(timings):>9.1f} {min(timings):>7.1f} "
              f"{max(timings):>7.1f} {queries:>7} {size / 1024:>6.1f}")


if __name__ == "__main__":
    main()
