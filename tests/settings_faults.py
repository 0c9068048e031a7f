"""Settings for the worker processes the reliability tests start: production settings plus one fault.

DX_FAULT_PAUSE_SECONDS makes a run pause right after it claims a report, while the report is "running",
so that a test can kill the worker (or its pool child) exactly there. Only the first DX_FAULT_PAUSE_ATTEMPTS
claims of a report pause (default 1), so the run that takes over goes straight through. Production code
knows nothing of this: the pause wraps `reports.services.report_claim` inside the worker process.
"""

import os
import time

from celery.signals import task_prerun

from dxportal.settings import *  # noqa: F403 (everything else as in production)

FAULT_PAUSE_SECONDS = float(os.environ.get("DX_FAULT_PAUSE_SECONDS") or 0)
FAULT_PAUSE_ATTEMPTS = int(os.environ.get("DX_FAULT_PAUSE_ATTEMPTS") or 1)


def pause_after_claim(**_signal):
    """Wrap report_claim in this process (once), so that early claims pause before generating."""
    from reports import services

    claim = services.report_claim
    if getattr(claim, "fault_pause", False):
        return

    def paused_claim(*, report_id, **kwargs):
        token = claim(report_id=report_id, **kwargs)
        if token and services.Report.objects.get(pk=report_id).attempts <= FAULT_PAUSE_ATTEMPTS:
            time.sleep(FAULT_PAUSE_SECONDS)
        return token

    paused_claim.fault_pause = True
    services.report_claim = paused_claim


if FAULT_PAUSE_SECONDS:
    # Celery's signal, not Django's: it is sent in the process that runs the task (a prefork child too),
    # where Django is set up; the settings module is the one place a worker is sure to import first.
    task_prerun.connect(pause_after_claim, weak=False)
