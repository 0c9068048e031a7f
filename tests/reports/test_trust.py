"""A report is only served again while nothing it reads has changed, and never stays stuck "running".

The data version moves through database triggers at commit, so these tests commit for real
(transactional_db): inside a rolled-back test transaction nothing would ever be committed.
"""

import re
import threading
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from departments.policy import Actor
from departments.services import unit_merge, unit_upsert
from dxportal.celery import app
from indicators.catalogue import target_update
from indicators.models import AuditChannel, Target
from indicators.services import value_create, value_update
from procedures.ingest import dossiers_import
from reports.content import build_content, data_version
from reports.models import Report
from reports.services import report_request
from tests.factories import IndicatorFactory, ProcedureFactory, TargetFactory, UnitFactory

from .test_reliability import status_of, wait_for

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="the commit-time triggers under test are PostgreSQL's (CI runs on it)")
API = AuditChannel.API


@pytest.fixture
def data(transactional_db, cast):
    """A target and a draft value of unit A, and one pending dossier of unit A received in 2023."""
    indicator = IndicatorFactory(code="FIBRE")
    target = TargetFactory(indicator=indicator, year=2023, value=80)
    value = value_create(indicator=indicator, unit=cast.unit_a, period="2023", numerator=90, denominator=100,
                         actor=Actor(cast.staff_a), channel=API)
    ProcedureFactory(code="1.000001.H42", department=cast.unit_a)
    dossiers_import(rows=[dossier("1", outcome="pending")], source="motcua", actor=Actor(cast.admin),
                    channel="api", refresh=False)
    return {"cast": cast, "target": target, "value": value}


def dossier(code, *, outcome):
    return {"code": code, "procedure": "1.000001.H42", "unit": "A", "channel": "online",
            "received_at": "2023-08-01T08:00:00+07:00", "due_at": "2023-08-10T17:00:00+07:00",
            "completed_at": None if outcome == "pending" else "2023-08-05T10:00:00+07:00", "outcome": outcome}


def requested():
    report, _created = report_request(kind="compliance", period="2023", enqueue=False)
    return report


def test_unchanged_data_on_the_same_day_gives_the_same_report(data):
    assert requested() == requested()
    assert Report.objects.count() == 1


def test_a_target_edit_gives_a_new_report(data):
    before = requested()
    target_update(target=data["target"], actor=Actor(data["cast"].admin), changes={"value": 95})
    assert requested() != before


def test_a_unit_merge_gives_a_new_report(data):
    cast = data["cast"]
    before = requested()
    unit_merge(units=[cast.unit_b], into=cast.unit_a, on=date(2024, 1, 1))
    assert requested() != before


def test_a_unit_rename_gives_a_new_report(data):
    unit = data["cast"].unit_a
    before = requested()
    unit_upsert(code=unit.code, name="Sở A (tên mới)", kind=unit.kind, parent=unit.parent, valid_from=unit.valid_from)
    assert requested() != before


def test_a_value_edit_gives_a_new_report(data):
    value = data["value"]
    before = requested()
    value_update(value=value, expected_version=value.version, actor=Actor(data["cast"].staff_a), channel=API,
                 changes={"numerator": 95})
    assert requested() != before


def test_value_edits_that_commit_out_of_order_each_give_a_new_report(data):
    """An edit that started first but commits last still moves the version (a newest-timestamp check would not)."""
    cast = data["cast"]
    first = data["value"]
    second = value_create(indicator=first.indicator, unit=cast.unit_b, period="2023", numerator=40, denominator=100,
                          actor=Actor(cast.staff_b), channel=API)
    edited, release = threading.Event(), threading.Event()

    def edit_first_slowly():
        try:
            with transaction.atomic():
                value_update(value=first, expected_version=first.version, actor=Actor(cast.staff_a), channel=API,
                             changes={"numerator": 91})
                edited.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    slow = threading.Thread(target=edit_first_slowly)
    slow.start()
    try:
        assert edited.wait(timeout=30)
        value_update(value=second, expected_version=second.version, actor=Actor(cast.staff_b), channel=API,
                     changes={"numerator": 50})  # edited later, committed first
        between = requested()
    finally:
        release.set()
        slow.join(timeout=30)
    assert requested() != between


def test_a_dossier_update_gives_a_new_report(data):
    before = requested()
    summary = dossiers_import(rows=[dossier("1", outcome="resolved")], source="motcua",
                              actor=Actor(data["cast"].admin), channel="api", refresh=False)
    assert summary["counts"]["updated"] == 1
    assert requested() != before


def test_a_new_day_gives_a_new_report(data, monkeypatch):
    # Overdue dossiers and late reports are counted as of today: tomorrow the same rows say something else.
    before = requested()
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert requested() != before
    assert data_version(period="2023", on=tomorrow) != data_version(period="2023", on=tomorrow - timedelta(days=1))


def test_a_change_moves_the_data_version_when_it_commits_not_before(data):
    """A report asked for while a change is under way is of the data before it; after the commit, a new one."""
    before = data_version(period="2023")
    seen_during = []

    def read_from_another_connection():
        try:
            seen_during.append(data_version(period="2023"))
        finally:
            connection.close()

    with transaction.atomic():
        Target.objects.filter(pk=data["target"].pk).update(value=99)
        reader = threading.Thread(target=read_from_another_connection)
        reader.start()
        reader.join(timeout=30)
    assert seen_during == [before]
    assert data_version(period="2023") != before


def test_every_table_the_report_reads_moves_the_data_version(data):
    unit = data["cast"].unit_a
    with CaptureQueriesContext(connection) as queries:
        for scope in (None, unit, data["cast"].province):
            build_content(period="2023", unit=scope)
    read = {table for query in queries.captured_queries
            for table in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', query["sql"])}
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'reports_data_changed'")
        watched = {row[0] for row in cursor.fetchall()}
    assert "procedures_dossier" in read and "indicators_target" in read  # the capture sees the reads
    assert read - watched == set()


def test_a_bulk_update_outside_any_service_still_moves_the_data_version(data):
    before = data_version(period="2023")
    UnitFactory(code="NEW")
    after_insert = data_version(period="2023")
    Target.objects.all().delete()
    assert len({before, after_insert, data_version(period="2023")}) == 3


@pytest.fixture
def celery_worker(transactional_db):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def test_asking_again_for_a_report_whose_run_died_finishes_it(celery_worker):
    # The hard time limit killed the run: its task was acknowledged as failed, so nothing will redeliver it.
    report = requested()
    long_ago = timezone.now() - timedelta(seconds=settings.REPORT_STALE_AFTER_SECONDS + 60)
    Report.objects.filter(pk=report.pk).update(status="running", started_at=long_ago, run_task_id="dead-task")
    again, created = report_request(kind="compliance", period="2023")
    assert again == report and not created
    assert wait_for(lambda: status_of(report) == "done", timeout=90), "the abandoned report stayed running"
    assert Report.objects.get(pk=report.pk).files.count() == 3
