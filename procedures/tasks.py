import logging

from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from indicators.periods import EARLIEST_YEAR

from .computed import computed_indicators_refresh

logger = logging.getLogger(__name__)


@shared_task(name="procedures.refresh_computed_indicators", autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=5)
def refresh_computed_indicators(years=None):
    """Recompute the computed indicators for the given years (default: this year and last). Safe to repeat."""
    today = timezone.localdate()
    for year in years or [today.year, today.year - 1]:
        if EARLIEST_YEAR <= year <= today.year:  # dossiers dated outside the reporting years count nowhere
            computed_indicators_refresh(year=year)


def enqueue_refresh(years):
    """After the current transaction commits, ask a worker to refresh; a broker outage only delays it
    until the nightly run, it never fails the import that triggered it."""

    def send():
        try:
            refresh_computed_indicators.delay(sorted(years))
        except Exception:  # the broker is down: the nightly schedule catches up
            logger.warning("Could not enqueue refresh of computed indicators for %s", sorted(years), exc_info=True)

    transaction.on_commit(send)
