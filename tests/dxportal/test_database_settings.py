"""Production keeps its database connections and cancels a runaway statement, so it cannot hold a worker."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.db.utils import OperationalError

ROOT = Path(__file__).resolve().parents[2]
PRINT_DATABASE = ("import json; from django.conf import settings; d = settings.DATABASES['default']; "
                  "print(json.dumps({k: d.get(k) for k in ('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS', 'OPTIONS')}))")


def production_database(**env):
    """Return the production settings' database entry, read in a fresh process as gunicorn would."""
    environ = {name: value for name, value in os.environ.items()
               if name not in ("DB_CONN_MAX_AGE", "DB_STATEMENT_TIMEOUT_MS")}  # the defaults, unless given
    environ.update({"DJANGO_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "dx.example.gov.vn",
                    "DJANGO_SETTINGS_MODULE": "dxportal.settings", **env})
    out = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {PRINT_DATABASE}"], cwd=ROOT,
                         env=environ, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_keeps_connections_with_health_checks_and_a_30_second_statement_timeout():
    database = production_database()
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True
    assert database["OPTIONS"]["options"] == "-c statement_timeout=30000"


@pytest.mark.django_db(transaction=True)
def test_a_statement_longer_than_the_timeout_is_cancelled():
    options = production_database(DB_STATEMENT_TIMEOUT_MS="200")["OPTIONS"]
    wrapper = DatabaseWrapper({**connection.settings_dict, "OPTIONS": {**connection.settings_dict["OPTIONS"],
                                                                        **options}})
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "200ms"
            with pytest.raises(OperationalError, match="statement timeout"):
                cursor.execute("SELECT pg_sleep(2)")
    finally:
        wrapper.close()


def test_the_timeout_can_be_switched_off():
    assert "options" not in production_database(DB_STATEMENT_TIMEOUT_MS="0")["OPTIONS"]
