"""Two writers, one value: real parallel HTTP requests against a live server on PostgreSQL.

Both send the version they read. The service re-reads the row under `SELECT ... FOR UPDATE`, so the
second writer waits for the first to commit, then finds the version moved on: exactly one 200 and
one 409, never a silent overwrite.
"""

import threading

import pytest
import requests
from django.db import connection

from departments.policy import Actor
from indicators.models import AuditChannel, AuditEntry, IndicatorValue
from indicators.services import value_create
from tests.factories import IndicatorFactory, make_api_key

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite",
                       reason="SQLite cannot run concurrent writers; CI runs this test on PostgreSQL."),
]
ROUNDS = 5


def patch_together(url, secrets, bodies):
    """Send one PATCH per secret at the same moment, each from its own thread and connection."""
    start = threading.Barrier(len(secrets))
    responses = [None] * len(secrets)

    def send(index):
        with requests.Session() as session:
            session.headers["Authorization"] = f"Api-Key {secrets[index]}"
            start.wait()
            responses[index] = session.patch(url, json=bodies[index], timeout=30)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(secrets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def test_two_concurrent_updates_one_wins_and_the_other_gets_409(live_server, cast):
    value = value_create(indicator=IndicatorFactory(), unit=cast.unit_a, period="2023", numerator=50,
                         denominator=100, actor=Actor(cast.staff_a), channel=AuditChannel.API)
    _other_key, other_secret = make_api_key(units=[cast.unit_a], name="system-a-2")
    url = f"{live_server.url}/api/v1/indicator-values/{value.pk}/"
    for round_number in range(ROUNDS):
        version = IndicatorValue.objects.get(pk=value.pk).version
        bodies = [{"version": version, "numerator": 60 + round_number}, {"version": version, "numerator": 70}]
        first, second = patch_together(url, [cast.system_secret, other_secret], bodies)

        assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
        winner, loser = (first, second) if first.status_code == 200 else (second, first)
        assert loser.json()["code"] == "conflict"
        assert loser.json()["current"]["version"] == version + 1
        assert loser.json()["current"]["numerator"] == f"{winner.json()['numerator']:.4f}"
        stored = IndicatorValue.objects.get(pk=value.pk)
        assert (stored.version, stored.numerator) == (version + 1, winner.json()["numerator"])

    assert AuditEntry.objects.filter(value=value, action="update").count() == ROUNDS
