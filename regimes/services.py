"""Writes of regimes and of the working-day table: validated, in a transaction, recorded in the admin log."""

import json
from importlib import import_module

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from departments.policy import can_manage_catalogues
from kernel.errors import NotAllowed, ServiceError

from .models import DeadlineKind, Frequency, Regime, WindowKind
from .periods import covered_days, names_of_year, parse_name
from .selectors import deadline_after
from .workdays import calendar_for

# The year whose periods are checked against the deadline rule: any year will do, one with a Tết in February.
CHECK_YEAR = 2024
MAX_WORKING_DAYS = 60


def regime_save(*, regime, actor):
    """Validate and save a regime (new or changed); raise ServiceError naming the field at fault."""
    _ensure_may_manage(actor)
    regime_validate(regime)
    with transaction.atomic():
        created = regime.pk is None
        regime.save()
        _log(actor, regime, created)
    return regime


def regime_validate(regime):
    """Check that the regime's rules give contiguous periods and deadlines after their cut-off."""
    _check_frequencies(regime)
    _check_window(regime)
    _check_deadline(regime)
    _check_dates(regime)


def working_day_change_save(*, change, actor):
    """Save a day off or a make-up working day decided by the year's government notice."""
    _ensure_may_manage(actor)
    if not (change.reason or "").strip() or not (change.source or "").strip():
        raise ServiceError(_("Cần ghi lý do và văn bản quyết định ngày này."), field="source")
    with transaction.atomic():
        created = change.pk is None
        change.save()
        _log(actor, change, created)
    return change


def _ensure_may_manage(actor):
    if not can_manage_catalogues(actor):
        raise NotAllowed(_("Chỉ quản trị viên được sửa chế độ báo cáo và lịch làm việc."))


def _check_frequencies(regime):
    frequencies = regime.frequencies
    if not isinstance(frequencies, list) or not frequencies or not set(frequencies) <= set(Frequency.values):
        raise ServiceError(_("Chọn ít nhất một tần suất: month, quarter, half_year, nine_months, year."),
                           field="frequencies")
    regime.frequencies = [value for value in Frequency.values if value in frequencies]


def _check_window(regime):
    if regime.window_kind == WindowKind.DAY_RANGE:
        start, end = regime.window_start_day, regime.window_end_day
        if start is None or not 2 <= start <= 28:
            raise ServiceError(_("Ngày bắt đầu kỳ phải từ 2 đến 28 (ngày 1 là kỳ theo lịch)."),
                               field="window_start_day")
        if end != start - 1:
            # Any other end day leaves days out of every period, or counts them in two.
            raise ServiceError(_("Các kỳ phải liền nhau, không chồng lấn: ngày chốt phải là ngày liền trước ngày "
                                 "bắt đầu kỳ (ví dụ 15 → 14)."), field="window_end_day")
        return
    regime.window_start_day = regime.window_end_day = None
    if regime.window_kind == WindowKind.SNAPSHOT:
        if regime.snapshot_day is not None and not 1 <= regime.snapshot_day <= 31:
            raise ServiceError(_("Ngày chốt phải từ 1 đến 31."), field="snapshot_day")
    elif regime.window_kind != WindowKind.CALENDAR:
        raise ServiceError(_("Cách chốt số liệu không hợp lệ."), field="window_kind")


def _check_deadline(regime):
    if regime.deadline_kind == DeadlineKind.WORKING_DAYS:
        days = regime.deadline_working_days
        if days is None or not 0 <= days <= MAX_WORKING_DAYS:
            raise ServiceError(_("Số ngày làm việc sau ngày chốt phải từ 0 đến 60."), field="deadline_working_days")
        return
    if regime.deadline_kind != DeadlineKind.FIXED_DAY:
        raise ServiceError(_("Cách tính hạn gửi không hợp lệ."), field="deadline_kind")
    if regime.deadline_day is None or not 1 <= regime.deadline_day <= 31:
        raise ServiceError(_("Ngày hạn gửi phải từ 1 đến 31."), field="deadline_day")
    if regime.deadline_month_offset > 3:
        raise ServiceError(_("Hạn gửi tối đa 3 tháng sau tháng chốt số liệu."), field="deadline_month_offset")
    _check_deadline_after_cut_off(regime)


def _check_deadline_after_cut_off(regime):
    workdays = calendar_for(CHECK_YEAR - 1, CHECK_YEAR)
    for frequency in regime.frequencies:
        for code in names_of_year(CHECK_YEAR, frequency):
            _start, end = covered_days(regime, parse_name(code))
            if deadline_after(regime, end, workdays) < end:
                raise ServiceError(_("Hạn gửi không được trước ngày chốt số liệu của kỳ (kỳ %(period)s).")
                                   % {"period": code}, field="deadline_day")


def _check_dates(regime):
    if regime.valid_from and regime.valid_to and regime.valid_to < regime.valid_from:
        raise ServiceError(_("Ngày hết hiệu lực không được trước ngày có hiệu lực."), field="valid_to")


def _log(actor, obj, created):
    user = getattr(actor, "user", None)
    if user is None or not user.is_authenticated:
        return
    message = json.dumps([{"added": {}}] if created else [{"changed": {"fields": []}}])
    LogEntry.objects.log_actions(user.pk, [obj], ADDITION if created else CHANGE, change_message=message,
                                 single_object=True)


def seeded_regime(code):
    """Return the seeded regime with this code, putting its seed row back if the table lost it (e.g. a flush)."""
    seed = import_module("regimes.migrations.0002_seed_regimes")
    row = next(row for row in seed.REGIMES if row["code"] == code)
    return Regime.objects.get_or_create(code=code, defaults=row)[0]
