"""Tasks go through the configured broker to a real worker (Redis in CI), never eager mode."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from departments.models import ApiKey
from departments.tasks import revoke_expired_api_keys
from dxportal.celery import app
from tests.factories import UnitFactory, make_api_key


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def celery_worker(transactional_db):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def test_task_sent_through_the_broker_runs_on_a_worker(celery_worker):
    expired, _ = make_api_key(units=[UnitFactory()], name="old",
                              expires_at=timezone.now() - timedelta(days=1))
    current, _ = make_api_key(units=[UnitFactory()], name="current")
    revoke_expired_api_keys.delay()
    assert wait_for(lambda: ApiKey.objects.get(pk=expired.pk).revoked)
    assert not ApiKey.objects.get(pk=current.pk).revoked


def test_celery_is_configured_for_idempotent_tasks():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.timezone == "Asia/Ho_Chi_Minh"
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
