"""Reporting periods: DHIS2-style names, and what a period covers under the indicator's reporting regime.

Names stay as DHIS2 writes them: `2023` (year), `2023M9` (nine months), `2023S1` (half-year), `2023Q3`
(quarter), `202308` (month). `parse_period` reads a name and gives its calendar months (procedures count
dossiers by calendar month). `period_for` is the bridge to `regimes`: the days a period covers and its
deadline come from the regime in force for the indicator (Decree 09/2019: 15 Jul–14 Aug for `202308`).

A value stores the dates it was entered under (period_start, period_end, due_date), so replacing a
regime later never moves an older value's period or deadline.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from regimes.models import Frequency
from regimes.periods import PeriodNameError, covered_days, names_of_year, parse_name
from regimes.selectors import deadline_after, regime_frequencies
from regimes.workdays import calendar_for


class PeriodType(models.TextChoices):
    # The same values as regimes.models.Frequency: an indicator's period type is one of its regime's frequencies.
    MONTH = Frequency.MONTH.value, _("Tháng")
    QUARTER = Frequency.QUARTER.value, _("Quý")
    HALF_YEAR = Frequency.HALF_YEAR.value, _("Sáu tháng")
    NINE_MONTHS = Frequency.NINE_MONTHS.value, _("Chín tháng")
    YEAR = Frequency.YEAR.value, _("Năm")


EARLIEST_YEAR = 2000


class PeriodError(ValueError):
    """A period string that is malformed or of the wrong type; `message` is translatable."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Period:
    """A named period: its days (calendar months, or the regime's window) and, under a regime, its deadline."""

    code: str
    type: str
    start: date
    end: date
    deadline: date | None = None
    regime: object = field(default=None, compare=False, repr=False)

    @property
    def year(self):
        return int(self.code[:4])

    def __str__(self):
        return self.code


def _name(code):
    try:
        return parse_name(code)
    except PeriodNameError as exc:
        raise PeriodError(exc.message) from None


def parse_period(code):
    """Return the Period a string names, covering its calendar months, or raise PeriodError."""
    name = _name(code)
    last_day = calendar.monthrange(name.year, name.last_month)[1]
    return Period(code=name.code, type=name.frequency, start=date(name.year, name.first_month, 1),
                  end=date(name.year, name.last_month, last_day))


def regime_period(regime, code, *, workdays=None):
    """Return the Period a name covers under `regime`, with its deadline; raise PeriodError if malformed."""
    name = _name(code)
    start, end = covered_days(regime, name)
    workdays = workdays or calendar_for(start.year, end.year)
    return Period(code=name.code, type=name.frequency, start=start, end=end,
                  deadline=deadline_after(regime, end, workdays), regime=regime)


def period_for(indicator, code, *, workdays=None):
    """Return the Period `code` names for this indicator: its regime's window and deadline."""
    return regime_period(indicator.regime_in_force(), code, workdays=workdays)


def parse_period_for(code, period_type, *, today):
    """Return the calendar Period if it is of `period_type` and has begun by `today`; else raise PeriodError."""
    period = parse_period(code)
    _check_type(period, period_type)
    _check_begun(period, today)
    return period


def period_for_entry(indicator, code, *, today, workdays=None):
    """Return the indicator's Period for `code` if values may be entered for it by `today`; else raise."""
    period = period_for(indicator, code, workdays=workdays)
    _check_type(period, indicator.period_type)
    _check_begun(period, today)
    return period


def _check_type(period, period_type):
    if period.type != period_type:
        raise PeriodError(
            _("Kỳ báo cáo %(code)s không đúng loại kỳ của chỉ tiêu (%(expected)s).")
            % {"code": period.code, "expected": PeriodType(period_type).label}
        )


def _check_begun(period, today):
    if period.start > today:
        raise PeriodError(_("Kỳ báo cáo %(code)s chưa bắt đầu: không thể báo cáo trước.") % {"code": period.code})


def periods_of_year(year, period_type):
    """Return the period codes of one type within a year, in order."""
    return names_of_year(year, period_type)


def _windows_around(regime, period_type, today):
    """Return (code, start, end) of the regime's periods named in the years around `today`, by end date."""
    found = []
    for year in range(today.year - 1, today.year + 2):
        for code in names_of_year(year, period_type):
            start, end = covered_days(regime, parse_name(code))
            found.append((code, start, end))
    return sorted(found, key=lambda window: window[2])


def current_period(period_type, today, regime=None):
    """Return the code of the period of this type that `today` falls in (under `regime` if given)."""
    if regime is not None:
        return next(code for code, _start, end in _windows_around(regime, period_type, today) if end >= today)
    if period_type == PeriodType.YEAR:
        return str(today.year)
    if period_type == PeriodType.QUARTER:
        return f"{today.year}Q{(today.month - 1) // 3 + 1}"
    if period_type == PeriodType.HALF_YEAR:
        return f"{today.year}S{1 if today.month <= 6 else 2}"
    if period_type == PeriodType.NINE_MONTHS:
        return f"{today.year}M9" if today.month <= 9 else f"{today.year + 1}M9"
    return f"{today.year}{today.month:02d}"


def last_finished_in_regime(regime, period_type, today):
    """Return the code of the regime's most recent period of this type whose window ended before `today`."""
    return [code for code, _start, end in _windows_around(regime, period_type, today) if end < today][-1]


def regime_allows(regime, period_type):
    """Return whether the regime reports at this frequency."""
    return period_type in regime_frequencies(regime)
