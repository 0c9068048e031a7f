"""How fast does `POST /api/v1/indicator-values/import/` take rows? Prints rows per second.

    .venv/bin/python bench/indicator_import.py [--rows 10000] [--format json|csv]

Runs against the configured database (DATABASE_URL, already migrated), through the whole WSGI stack
(middleware, API-key authentication, throttling, parsing, the import service) with Django's test
client. It makes its own province, units, indicators and API key under a random prefix, sends the same
rows three times — create (all new), re-send (all unchanged), update (every row changed) — and deletes
everything it made, whatever happens.
"""

import argparse
import math
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dxportal.settings")
os.environ.setdefault("DEBUG", "0")  # DEBUG would keep every query in memory and time that too

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from departments.models import ApiKey, Role, Unit, UnitKind  # noqa: E402
from departments.services import api_key_create, unit_upsert, user_upsert  # noqa: E402
from indicators.models import AuditEntry, Framework, Indicator, IndicatorValue, Pillar  # noqa: E402

IMPORT = "/api/v1/indicator-values/import/"
INDICATORS = 10
YEARS = list(range(2004, 2024))  # 20 finished years: each unit reports 10 × 20 values


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="rows per import (default 10000)")
    parser.add_argument("--format", choices=["json", "csv"], default="json", help="request body (default json)")
    return parser.parse_args()


class Fixture:
    """The province, units, indicators and key this run owns; `remove` deletes them all."""

    def __init__(self, rows):
        self.prefix = f"BENCH-{uuid.uuid4().hex[:6].upper()}"
        self.units, self.indicators, self.key = [], [], None
        self.province = self.framework = self.account = None
        self.rows = rows

    def build(self):
        per_unit = INDICATORS * len(YEARS)
        self.province = unit_upsert(code=self.prefix, name=f"Tỉnh {self.prefix}", kind=UnitKind.PROVINCE,
                                    valid_from=date(2000, 1, 1))
        self.units = [
            unit_upsert(code=f"{self.prefix}-{n:04d}", name=f"Sở {n}", kind=UnitKind.DEPARTMENT,
                        parent=self.province, valid_from=date(2000, 1, 1))
            for n in range(math.ceil(self.rows / per_unit))
        ]
        self.framework = Framework.objects.create(code=self.prefix.lower(), name=f"Khung {self.prefix}")
        pillar = Pillar.objects.create(framework=self.framework, code="bench", name="Bench")
        self.indicators = [
            Indicator.objects.create(framework=self.framework, pillar=pillar, code=f"{self.prefix}-I{n:02d}",
                                     name=f"Chỉ tiêu {n}", value_type="percent", period_type="year",
                                     unit_kinds=["department"], aggregation="sum_ratio")
            for n in range(INDICATORS)
        ]
        self.account = user_upsert(username=f"{self.prefix.lower()}-system", role=Role.EXTERNAL_SYSTEM)
        self.key, secret = api_key_create(name=self.prefix, service_account=self.account,
                                          scopes=["indicator-values:read", "indicator-values:write"],
                                          units=[self.province])
        return secret

    def values(self, numerator):
        keys = ((indicator, unit, year) for unit in self.units for indicator in self.indicators for year in YEARS)
        return [
            {"indicator": indicator.code, "unit": unit.code, "period": str(year), "numerator": numerator,
             "denominator": 100, "note": "bench"}
            for (indicator, unit, year), _n in zip(keys, range(self.rows), strict=False)
        ]

    def remove(self):
        values = IndicatorValue.objects.filter(indicator__in=self.indicators)
        AuditEntry.objects.filter(value__in=values).delete()
        values.delete()
        Indicator.objects.filter(pk__in=[i.pk for i in self.indicators]).delete()
        Framework.objects.filter(pk=getattr(self.framework, "pk", None)).delete()
        if self.key is not None:
            ApiKey.objects.filter(pk=self.key.pk).delete()
        if self.account is not None:
            self.account.delete()
        Unit.objects.filter(pk__in=[u.pk for u in self.units]).delete()
        if self.province is not None:
            self.province.delete()


def encode(rows, fmt):
    if fmt == "json":
        import json

        return json.dumps({"values": rows}).encode(), "application/json"
    lines = ["indicator,unit,period,numerator,denominator,value,note"]
    lines += [f"{r['indicator']},{r['unit']},{r['period']},{r['numerator']},{r['denominator']},,{r['note']}"
              for r in rows]
    return ("\n".join(lines) + "\n").encode(), "text/csv"


def timed_import(client, rows, fmt):
    body, content_type = encode(rows, fmt)
    started = time.perf_counter()
    response = client.generic("POST", IMPORT, body, content_type=content_type)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"import failed: {response.status_code} {response.content[:500]!r}")
    return elapsed, response.json()["counts"]


def main():
    args = parse_args()
    fixture = Fixture(args.rows)
    try:
        secret = fixture.build()
        client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), rows: {args.rows}, "
              f"format: {args.format}, units: {len(fixture.units)}, indicators: {INDICATORS}")
        for label, numerator, expected in [("create", 40, "created"), ("re-send", 40, "unchanged"),
                                           ("update", 60, "updated")]:
            elapsed, counts = timed_import(client, fixture.values(numerator), args.format)
            assert counts[expected] == args.rows, counts
            print(f"{label:8} {args.rows:>7} rows in {elapsed:7.2f} s = {args.rows / elapsed:>9,.0f} rows/s  {counts}")
        audits = AuditEntry.objects.filter(value__indicator__in=fixture.indicators).count()
        print(f"audit entries written: {audits} (one per created or updated row)")
    finally:
        fixture.remove()


if __name__ == "__main__":
    main()
