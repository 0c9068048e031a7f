from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.selectors import last_finished_period
from regimes.workdays import load_holiday_rules

from .rendering.pdf import prepare_pdf
from .services import report_fail, report_generate, report_request

TRANSIENT = (OperationalError, InterfaceError)


@worker_process_init.connect(dispatch_uid="reports_prepare_pdf")
def prepare_worker_process(**kwargs):
    """Read the PDF fonts and the holiday rules when a worker process starts, not inside its first report."""
    prepare_pdf()
    load_holiday_rules()


@shared_task(bind=True, name="reports.generate_report", acks_late=True, reject_on_worker_lost=True, max_retries=3)
def generate_report(self, report_id):
    """Generate one report. Safe to deliver twice: only one run can claim and finish it.

    The task id goes with the claim: when this worker process is killed, Celery delivers the same task again
    (reject_on_worker_lost) and that delivery takes the report over instead of finding it "running".
    """
    try:
        return report_generate(report_id=report_id, task_id=self.request.id or "")
    except SoftTimeLimitExceeded:
        report_fail(report_id=report_id, error=_("Quá thời gian cho phép khi tạo báo cáo."))
    except TRANSIENT as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=2 ** self.request.retries) from exc
        report_fail(report_id=report_id, error=str(exc))
    except Exception as exc:
        report_fail(report_id=report_id, error=f"{exc.__class__.__name__}: {exc}")
        raise
    return False


@shared_task(name="reports.generate_scheduled")
def generate_scheduled(period_type="month", schedule_name=""):
    """Request the compliance report of the last finished period; two triggers give one report."""
    period = last_finished_period(period_type, timezone.localdate())
    report, _created = report_request(kind="compliance", period=period, schedule=schedule_name or period_type)
    return report.pk
