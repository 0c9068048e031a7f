"""Reports under the failures production brings, with a real broker and real worker processes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

from dxportal.celery import app
from reports.models import Report, ReportFile
from reports.services import BrokerUnavailable, report_request
from reports.tasks import generate_scheduled

ROOT = Path(__file__).resolve().parents[2]
ON_REDIS = settings.CELERY_BROKER_URL.startswith("redis")


def wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def status_of(report):
    return Report.objects.get(pk=report.pk).status


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


FAST_REDELIVERY = {
    "REPORT_STALE_AFTER_SECONDS": "3", "CELERY_VISIBILITY_TIMEOUT": "4",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1", "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}


def worker_process(name, *, pause, pool="solo", limits=FAST_REDELIVERY):
    """Start a separate worker process on the test database, as production runs one.

    Its settings are tests/settings_faults.py: production's, plus a pause of `pause` seconds after the
    first claim of a report, so the test can kill it while the report is "running".
    """
    env = {
        **os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "tests.settings_faults",
        "DX_FAULT_PAUSE_SECONDS": str(pause), **limits,
    }
    command = [sys.executable, "-m", "celery", "-A", "dxportal", "worker", "--pool", pool, "--concurrency", "1",
               "--loglevel", "INFO", "--hostname", f"{name}@%h", "--without-gossip", "--without-mingle",
               "--without-heartbeat"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(worker):
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


@pytest.mark.skipif(not ON_REDIS or connection.vendor != "postgresql",
                    reason="acks_late redelivery needs the Redis broker and a database two processes share "
                           "(CI runs this on PostgreSQL + Redis)")
def test_worker_killed_mid_report_the_report_completes_once(transactional_db):
    report, created = report_request(kind="compliance", period="2023")
    assert created and report.status == "queued"
    first = worker_process("drill-a", pause=60)  # pauses once; the first claim of the report is the only one
    try:
        assert wait_for(lambda: status_of(report) == "running"), "first worker never claimed the report"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert status_of(report) == "running"  # the killed run left it mid-way, unacknowledged
    second = worker_process("drill-b", pause=0)
    try:
        assert wait_for(lambda: status_of(report) == "done", timeout=90), "the redelivered task did not finish it"
        time.sleep(6)  # past another visibility timeout: nothing may run it again
    finally:
        stop(second)
    report.refresh_from_db()
    assert report.attempts == 2
    assert sorted(ReportFile.objects.filter(report=report).values_list("format", flat=True)) == ["csv", "pdf", "xlsx"]


@pytest.mark.skipif(not ON_REDIS or connection.vendor != "postgresql",
                    reason="acks_late redelivery needs the Redis broker and a database two processes share")
def test_pool_child_killed_mid_report_the_redelivered_task_takes_over_at_once(transactional_db):
    # Production limits: the claim goes stale only after the hard time limit (11 minutes) and the broker
    # restores unacknowledged messages only after 12. Only a takeover by the redelivered task itself can
    # finish the report within the wait below.
    app.control.purge()  # no message of an earlier run may reach this worker
    report, created = report_request(kind="compliance", period="2023")
    assert created
    worker = worker_process("drill-c", pause=60, pool="prefork", limits={})
    try:
        assert wait_for(lambda: status_of(report) == "running"), "the worker never claimed the report"
        [pool_child] = psutil.Process(worker.pid).children()
        pool_child.send_signal(signal.SIGKILL)  # the main process lives on and sees its child lost
        assert wait_for(lambda: status_of(report) == "done", timeout=90), \
            "the redelivered task did not take the report over"
        finished_at = Report.objects.get(pk=report.pk).finished_at
        time.sleep(3)  # anything else that would run it again has had its chance
    finally:
        stop(worker)
    report.refresh_from_db()
    assert report.attempts == 2 and report.finished_at == finished_at  # generated once, by the second run
    assert sorted(ReportFile.objects.filter(report=report).values_list("format", flat=True)) == ["csv", "pdf", "xlsx"]


def test_broker_down_marks_the_request_failed_not_stuck(db, broker_unreachable):
    with pytest.raises(BrokerUnavailable) as refused:
        report_request(kind="compliance", period="2023")
    assert refused.value.status == 503
    assert list(Report.objects.values_list("status", flat=True)) == ["failed"]


def test_failed_report_is_queued_again_when_asked_again(db, broker_unreachable, monkeypatch):
    with pytest.raises(BrokerUnavailable):
        report_request(kind="compliance", period="2023")
    monkeypatch.undo()  # the broker is back
    report, created = report_request(kind="compliance", period="2023")
    assert created and report.status == "queued" and Report.objects.count() == 1


@pytest.fixture
def celery_worker(transactional_db):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def test_two_beat_triggers_for_the_same_period_make_one_report(celery_worker):
    generate_scheduled.delay("year", "test schedule")
    generate_scheduled.delay("year", "test schedule")
    assert wait_for(lambda: Report.objects.filter(status="done").exists(), timeout=90)
    time.sleep(1)
    assert Report.objects.count() == 1
    report = Report.objects.get()
    assert report.requested_by_schedule == "test schedule"
    assert report.files.count() == 3
