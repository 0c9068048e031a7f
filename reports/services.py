"""Request, generate and deliver compliance reports.

A report is unique per kind, period, scope and data version: asking twice (two clicks, two beat
triggers, a retried API call) returns the same record. Generation is claimed by one worker at a time
with a conditional update that records the Celery task id. A worker process killed mid-way leaves the
report "running"; Celery redelivers the same task (acks_late, reject_on_worker_lost), and a delivery of
the task that holds the claim takes it over at once, since its earlier run is surely dead. Any other task
waits until the claim is stale (the hard time limit has surely passed); asking for a report whose run
is stale, or whose queued message was lost, queues it again.
"""

import hashlib
import logging
import uuid
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.policy import units_visible_to
from indicators.periods import PeriodError, parse_period
from kernel.errors import NotAllowed, ServiceError

from .content import build_content, data_version
from .models import FileFormat, Report, ReportFile, ReportKind, ReportStatus
from .rendering import render_csv, render_pdf, render_xlsx

logger = logging.getLogger(__name__)
GENERATE_TASK = "reports.generate_report"
RENDERERS = {FileFormat.XLSX: render_xlsx, FileFormat.CSV: render_csv, FileFormat.PDF: render_pdf}


class BrokerUnavailable(ServiceError):
    status = 503
    default_code = "broker_unavailable"


def _check_request(*, kind, period, unit, actor):
    if kind not in ReportKind.values:
        raise ServiceError(_("Loại báo cáo không hợp lệ."), field="kind")
    try:
        parsed = parse_period(period)
    except PeriodError as error:
        raise ServiceError(error.message, field="period") from None
    if parsed.start > timezone.localdate():
        raise ServiceError(_("Kỳ báo cáo chưa bắt đầu."), field="period")
    if actor is None:
        return
    if unit is None and not actor.sees_everything:
        raise NotAllowed(_("Chỉ người duyệt cấp tỉnh và quản trị viên được yêu cầu báo cáo toàn tỉnh."), field="unit")
    if unit is not None and not units_visible_to(actor).filter(pk=unit.pk).exists():
        raise ServiceError(_("Không có đơn vị với mã này."), field="unit", code="not_found")


def report_request(*, kind, period, unit=None, actor=None, schedule="", enqueue=True):
    """Return (report, created) for the current data, queueing its generation when new or failed.

    Raise BrokerUnavailable (503) if the queue cannot be reached; the report is then marked failed,
    never left waiting in "queued".
    """
    _check_request(kind=kind, period=period, unit=unit, actor=actor)
    version = data_version(period=period, unit=unit)
    report, created = _get_or_create(kind, period, unit, version, actor, schedule)
    if not created and report.status == ReportStatus.FAILED:
        Report.objects.filter(pk=report.pk, status=ReportStatus.FAILED).update(
            status=ReportStatus.QUEUED, error="", run_token=None, run_task_id="")
        report.refresh_from_db()
        created = True  # it is queued again
    if created and enqueue:
        report_enqueue(report)
    elif enqueue and _abandoned(report):
        # Its worker died with no redelivery left (hard time limit, lost message): send a new task, which
        # may claim it because the claim is stale; a still-waiting message that arrives later finds it taken.
        logger.warning("Report %s was abandoned (%s); queueing it again", report.pk, report.status)
        report_enqueue(report)
    return report, created


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.REPORT_STALE_AFTER_SECONDS)


def _abandoned(report):
    """Tell whether no run can still be working on a report that is not finished."""
    if report.status == ReportStatus.RUNNING:
        return report.started_at is not None and report.started_at < _stale_before()
    return report.status == ReportStatus.QUEUED and report.created_at < _stale_before()


def _get_or_create(kind, period, unit, version, actor, schedule):
    requester = {"requested_by_schedule": schedule}
    if actor is not None:
        requester["requested_by"] = actor.person
        requester["requested_by_key"] = actor.api_key
    try:
        with transaction.atomic():
            return Report.objects.get_or_create(kind=kind, period=period, unit=unit, data_version=version,
                                                defaults=requester)
    except IntegrityError:  # a concurrent request created it first
        return Report.objects.get(kind=kind, period=period, unit=unit, data_version=version), False


def report_enqueue(report):
    """Send the generation task now; on a broker failure mark the report failed and raise 503."""
    try:
        # A connection of its own, checked now: the caller must learn at once if the queue is down.
        # The task goes by name, so services never import the tasks that call them.
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
            current_app.send_task(GENERATE_TASK, args=[report.pk], connection=connection, retry=False)
    except Exception as exc:  # kombu raises several connection error types
        logger.warning("Broker unavailable for report %s: %s", report.pk, exc)
        Report.objects.filter(pk=report.pk, status=ReportStatus.QUEUED).update(
            status=ReportStatus.FAILED, error=str(_("Hàng đợi xử lý không sẵn sàng; hãy thử lại sau.")),
            finished_at=timezone.now())
        raise BrokerUnavailable(_("Hàng đợi xử lý báo cáo tạm thời không hoạt động. Vui lòng thử lại sau ít phút."),
                                field=None) from None


def report_claim(*, report_id, task_id=""):
    """Claim a report for this run; return the run token, or None if another live run owns it or it is done.

    A queued report is free. A running one is free once its start is stale, or at once to a delivery of the
    task that holds it: Celery delivers a task again only when its earlier run ended without acknowledging.
    """
    free = Q(status=ReportStatus.QUEUED) | Q(status=ReportStatus.RUNNING, started_at__lt=_stale_before())
    if task_id:
        free |= Q(status=ReportStatus.RUNNING, run_task_id=task_id)
    token = uuid.uuid4()
    claimed = Report.objects.filter(pk=report_id).filter(free).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), run_token=token, run_task_id=task_id,
        attempts=F("attempts") + 1)
    return token if claimed else None


def report_generate(*, report_id, task_id=""):
    """Generate the files of a claimed report; safe to call twice: the second call finds nothing to do."""
    token = report_claim(report_id=report_id, task_id=task_id)
    if token is None:
        return False
    try:
        report = Report.objects.select_related("unit").get(pk=report_id)
        content = build_content(period=report.period, unit=report.unit)
        rendered = {fmt: RENDERERS[fmt](content) for fmt in FileFormat.values}
    except BaseException:
        # Give the report back to the queue, so a retry (or the caller's failure handling) can take it.
        Report.objects.filter(pk=report_id, run_token=token).update(status=ReportStatus.QUEUED, run_token=None,
                                                                    run_task_id="")
        raise
    with transaction.atomic():
        finished = Report.objects.filter(pk=report_id, run_token=token, status=ReportStatus.RUNNING).update(
            status=ReportStatus.DONE, finished_at=timezone.now(), summary=content["summary"], error="")
        if not finished:
            return False  # another run took over; it will write the files
        ReportFile.objects.filter(report_id=report_id).delete()
        for fmt, data in rendered.items():
            stored = ReportFile(report_id=report_id, format=fmt, size=len(data),
                                sha256=hashlib.sha256(data).hexdigest())
            stored.file.save(f"{report_id}.{fmt}", ContentFile(data), save=False)
            stored.save()
    transaction.on_commit(lambda: report_notify(report_id=report_id))
    return True


def report_fail(*, report_id, error):
    """Record a final failure and tell the requester."""
    Report.objects.filter(pk=report_id).exclude(status=ReportStatus.DONE).update(
        status=ReportStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now())
    report_notify(report_id=report_id)


def report_notify(*, report_id):
    """Email the person who asked that their report is ready or failed (console backend by default)."""
    report = Report.objects.select_related("requested_by", "unit").get(pk=report_id)
    person = report.requested_by
    if person is None or not person.email:
        return
    if report.status == ReportStatus.DONE:
        subject = _("Báo cáo %(report)s đã sẵn sàng") % {"report": report}
        body = _("Báo cáo đã được tạo xong. Tải về tại trang quản trị hoặc qua API (mã báo cáo %(id)s).")
    else:
        subject = _("Tạo báo cáo %(report)s không thành công") % {"report": report}
        body = _("Lỗi: %(error)s. Hãy yêu cầu tạo lại báo cáo (mã %(id)s).")
    try:
        send_mail(str(subject), str(body) % {"id": report.pk, "error": report.error}, None, [person.email])
    except Exception:  # mail trouble must not undo a finished report
        logger.warning("Could not email %s about report %s", person.email, report.pk, exc_info=True)
