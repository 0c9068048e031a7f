"""Reporting regimes as dated data: the window a period covers and the deadline, per Decree 09/2019/NĐ-CP.

A regime is law (or the province's practice) written down as data with its source, so that a change of
rule is an edit in the admin and older periods keep the rule they were reported under.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    """How often a regime reports; the period names follow DHIS2 (see regimes.periods)."""

    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    HALF_YEAR = "half_year", _("Sáu tháng")
    NINE_MONTHS = "nine_months", _("Chín tháng")
    YEAR = "year", _("Năm")


class WindowKind(models.TextChoices):
    DAY_RANGE = "day_range", _("Từ ngày … tháng trước đến ngày … tháng cuối kỳ")
    CALENDAR = "calendar", _("Theo lịch (đầu tháng đến cuối tháng)")
    SNAPSHOT = "snapshot", _("Một ngày chốt")


class DeadlineKind(models.TextChoices):
    WORKING_DAYS = "working_days", _("Số ngày làm việc sau ngày chốt số liệu")
    FIXED_DAY = "fixed_day", _("Một ngày cố định của tháng")


class Regime(models.Model):
    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên chế độ báo cáo"), max_length=255)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=500)
    recipient = models.CharField(_("nơi nhận báo cáo"), max_length=255, blank=True)
    frequencies = models.JSONField(
        _("tần suất"), default=list, help_text=_("Các kỳ báo cáo: month, quarter, half_year, nine_months, year."))
    window_kind = models.CharField(
        _("cách chốt số liệu"), max_length=20, choices=WindowKind.choices, default=WindowKind.DAY_RANGE)
    window_start_day = models.PositiveSmallIntegerField(
        _("ngày bắt đầu kỳ"), null=True, blank=True, help_text=_("Ngày của tháng trước tháng đầu kỳ, ví dụ 15."))
    window_end_day = models.PositiveSmallIntegerField(
        _("ngày chốt số liệu"), null=True, blank=True, help_text=_("Ngày của tháng cuối kỳ, ví dụ 14."))
    snapshot_day = models.PositiveSmallIntegerField(
        _("ngày chốt (một ngày)"), null=True, blank=True,
        help_text=_("Với cách chốt một ngày: ngày của tháng cuối kỳ; để trống là ngày cuối tháng."))
    deadline_kind = models.CharField(
        _("cách tính hạn gửi"), max_length=20, choices=DeadlineKind.choices, default=DeadlineKind.WORKING_DAYS)
    deadline_working_days = models.PositiveSmallIntegerField(_("số ngày làm việc"), null=True, blank=True)
    deadline_day = models.PositiveSmallIntegerField(_("ngày hạn gửi"), null=True, blank=True)
    deadline_month_offset = models.PositiveSmallIntegerField(
        _("hạn gửi ở tháng thứ mấy sau tháng chốt"), default=1,
        help_text=_("0: cùng tháng với ngày chốt; 1: tháng sau."))
    reminder_days_before = models.JSONField(
        _("nhắc trước hạn (ngày)"), default=list, blank=True,
        help_text=_("Ví dụ [3, 1]: nhắc 3 ngày và 1 ngày trước hạn."))
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    source_note = models.TextField(
        _("ghi chú nguồn"), blank=True, help_text=_("Nơi lấy quy tắc; ghi \"thực tiễn\" nếu không từ văn bản."))
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("chế độ báo cáo")
        verbose_name_plural = _("chế độ báo cáo")
        ordering = ["code"]

    def __str__(self):
        return self.name


class DayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Ngày nghỉ")
    WORKING_DAY = "working_day", _("Ngày làm việc (làm bù)")


class WorkingDayChange(models.Model):
    """A day the year's government notice makes a day off or a working day, beside the public holidays."""

    day = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=DayKind.choices)
    reason = models.CharField(_("lý do"), max_length=255)
    source = models.CharField(_("văn bản"), max_length=255, help_text=_("Ví dụ: Thông báo của Bộ Nội vụ số ..."))
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} · {self.get_kind_display()}"
