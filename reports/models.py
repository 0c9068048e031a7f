"""Compliance reports: one record per kind, period, scope and data version, with its files."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from departments.models import ApiKey, Unit


class ReportKind(models.TextChoices):
    COMPLIANCE = "compliance", _("Báo cáo tình hình thực hiện chuyển đổi số")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Lỗi")


class FileFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"
    PDF = "pdf", "PDF"


class Report(models.Model):
    kind = models.CharField(_("loại báo cáo"), max_length=20, choices=ReportKind.choices,
                            default=ReportKind.COMPLIANCE)
    period = models.CharField(_("kỳ"), max_length=10)
    unit = models.ForeignKey(Unit, verbose_name=_("phạm vi (đơn vị)"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="reports",
                             help_text=_("Để trống: toàn tỉnh."))
    # A fingerprint of the data the report reads: the same data gives the same report, once.
    data_version = models.CharField(_("phiên bản dữ liệu"), max_length=64)
    status = models.CharField(_("trạng thái"), max_length=10, choices=ReportStatus.choices,
                              default=ReportStatus.QUEUED)
    error = models.TextField(_("lỗi"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người yêu cầu"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    requested_by_key = models.ForeignKey(ApiKey, verbose_name=_("khóa API yêu cầu"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    requested_by_schedule = models.CharField(_("lịch yêu cầu"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    # Set by the one worker that claims the report; a second delivery of the task sees it and stops.
    run_token = models.UUIDField(_("mã lượt chạy"), null=True, blank=True, editable=False)
    # The Celery task holding the claim: a redelivery of that same task (its worker process died) takes over at once.
    run_task_id = models.CharField(_("mã tác vụ đang giữ"), max_length=255, blank=True, editable=False)
    summary = models.JSONField(_("tóm tắt"), default=dict, blank=True)

    class Meta:
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period", "unit", "data_version"], name="report_unique_for_unit",
                                    condition=Q(unit__isnull=False)),
            models.UniqueConstraint(fields=["kind", "period", "data_version"], name="report_unique_for_province",
                                    condition=Q(unit__isnull=True)),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="report_status")]

    def __str__(self):
        scope = self.unit.code if self.unit_id else _("toàn tỉnh")
        return f"{self.get_kind_display()} {self.period} ({scope})"

    @property
    def scope_label(self):
        return self.unit.name if self.unit_id else str(_("Toàn tỉnh"))


def report_file_path(instance, filename):
    return f"reports/{instance.report_id}/{uuid.uuid4().hex}.{instance.format}"


class ReportFile(models.Model):
    report = models.ForeignKey(Report, verbose_name=_("báo cáo"), on_delete=models.CASCADE, related_name="files")
    format = models.CharField(_("định dạng"), max_length=4, choices=FileFormat.choices)
    file = models.FileField(_("tệp"), upload_to=report_file_path, max_length=255)
    size = models.PositiveIntegerField(_("dung lượng"))
    sha256 = models.CharField(_("mã kiểm tra SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tệp báo cáo")
        verbose_name_plural = _("tệp báo cáo")
        constraints = [models.UniqueConstraint(fields=["report", "format"], name="report_file_unique_format")]

    def __str__(self):
        return f"{self.report_id}.{self.format}"


class DataChange(models.Model):
    """The one row that database triggers move when a table a report reads changes (see migration 0002).

    `version` grows by one per committing transaction that wrote any of those tables, visible exactly when
    the data is; `epoch` is drawn anew whenever the row is created, so a counter that was lost and restarted
    can never repeat an old fingerprint.
    """

    version = models.BigIntegerField(_("số lần thay đổi"), default=0)
    epoch = models.UUIDField(_("thế hệ bộ đếm"), default=uuid.uuid4)

    class Meta:
        verbose_name = _("bộ đếm thay đổi dữ liệu")
        verbose_name_plural = _("bộ đếm thay đổi dữ liệu")

    def __str__(self):
        return f"{self.epoch}:{self.version}"
