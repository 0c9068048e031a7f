"""Reporting periods as DHIS2 writes them: `2023` (year), `2023Q3` (quarter), `202308` (month)."""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodType(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


PATTERNS = {
    PeriodType.YEAR: re.compile(r"^(?P<year>\d{4})$"),
    PeriodType.QUARTER: re.compile(r"^(?P<year>\d{4})Q(?P<quarter>[1-4])$"),
    PeriodType.MONTH: re.compile(r"^(?P<year>\d{4})(?P<month>0[1-9]|1[0-2])$"),
}
EARLIEST_YEAR = 2000


class PeriodError(ValueError):
    """A period string that is malformed or of the wrong type; `message` is translatable."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Period:
    code: str
    type: str
    start: date
    end: date

    @property
    def year(self):
        return self.start.year

    def __str__(self):
        return self.code


def parse_period(code):
    """Return the Period a string names, or raise PeriodError."""
    code = (code or "").strip()
    for period_type, pattern in PATTERNS.items():
        found = pattern.match(code)
        if found:
            return _build(code, period_type, found.groupdict())
    raise PeriodError(_("Kỳ báo cáo không đúng định dạng: dùng 2023 (năm), 2023Q3 (quý) hoặc 202308 (tháng)."))


def _build(code, period_type, parts):
    year = int(parts["year"])
    if year < EARLIEST_YEAR:
        raise PeriodError(_("Kỳ báo cáo quá xa trong quá khứ."))
    if period_type == PeriodType.YEAR:
        first_month, last_month = 1, 12
    elif period_type == PeriodType.QUARTER:
        first_month = 3 * (int(parts["quarter"]) - 1) + 1
        last_month = first_month + 2
    else:
        first_month = last_month = int(parts["month"])
    end = date(year, last_month, calendar.monthrange(year, last_month)[1])
    return Period(code=code, type=period_type, start=date(year, first_month, 1), end=end)


def parse_period_for(code, period_type, *, today):
    """Return the Period if it is of `period_type` and has begun by `today`; else raise PeriodError."""
    period = parse_period(code)
    if period.type != period_type:
        raise PeriodError(
            _("Kỳ báo cáo %(code)s không đúng loại kỳ của chỉ tiêu (%(expected)s).")
            % {"code": code, "expected": PeriodType(period_type).label}
        )
    if period.start > today:
        raise PeriodError(_("Kỳ báo cáo %(code)s chưa bắt đầu: không thể báo cáo trước.") % {"code": code})
    return period


def periods_of_year(year, period_type):
    """Return the period codes of one type within a year, in order."""
    if period_type == PeriodType.YEAR:
        return [str(year)]
    if period_type == PeriodType.QUARTER:
        return [f"{year}Q{quarter}" for quarter in range(1, 5)]
    return [f"{year}{month:02d}" for month in range(1, 13)]


def current_period(period_type, today):
    """Return the code of the period of this type that contains `today`."""
    if period_type == PeriodType.YEAR:
        return str(today.year)
    if period_type == PeriodType.QUARTER:
        return f"{today.year}Q{(today.month - 1) // 3 + 1}"
    return f"{today.year}{today.month:02d}"
