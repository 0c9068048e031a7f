"""Period names and what a period covers under a regime.

Names follow DHIS2 where it has one: `2023` (year), `2023Q3` (quarter), `2023S1`/`2023S2` (half-year),
`202308` (month); the nine months of local regimes are `2023M9`. A name says which calendar months a
period reports on; the regime's window rule says which days it covers (Decree 09/2019: 15th of the
month before the first month to the 14th of the last month).
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from .models import Frequency, WindowKind

PATTERNS = {
    Frequency.YEAR: re.compile(r"^(?P<year>\d{4})$"),
    Frequency.NINE_MONTHS: re.compile(r"^(?P<year>\d{4})M9$"),
    Frequency.HALF_YEAR: re.compile(r"^(?P<year>\d{4})S(?P<half>[12])$"),
    Frequency.QUARTER: re.compile(r"^(?P<year>\d{4})Q(?P<quarter>[1-4])$"),
    Frequency.MONTH: re.compile(r"^(?P<year>\d{4})(?P<month>0[1-9]|1[0-2])$"),
}
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class PeriodNameError(ValueError):
    """A period name that is malformed; `message` is translatable."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class PeriodName:
    """A period as named: its frequency and the calendar months it reports on."""

    code: str
    frequency: str
    year: int
    first_month: int
    last_month: int


@dataclass(frozen=True)
class Window:
    """What a period covers under a regime (dates inclusive) and when its report is due."""

    period: str
    start: date
    end: date
    deadline: date | None


def parse_name(code):
    """Return the PeriodName a string names, or raise PeriodNameError."""
    code = (code or "").strip()
    for frequency, pattern in PATTERNS.items():
        found = pattern.match(code)
        if found:
            return _name(code, frequency, found.groupdict())
    raise PeriodNameError(_(
        "Kỳ báo cáo không đúng định dạng: dùng 2023 (năm), 2023M9 (9 tháng), 2023S1 (6 tháng), "
        "2023Q3 (quý) hoặc 202308 (tháng)."))


def _name(code, frequency, parts):
    year = int(parts["year"])
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise PeriodNameError(_("Năm của kỳ báo cáo phải từ 2000 đến 2100."))
    first, last = _months(frequency, parts)
    return PeriodName(code=code, frequency=frequency, year=year, first_month=first, last_month=last)


def _months(frequency, parts):
    if frequency == Frequency.MONTH:
        return int(parts["month"]), int(parts["month"])
    if frequency == Frequency.QUARTER:
        last = 3 * int(parts["quarter"])
        return last - 2, last
    if frequency == Frequency.HALF_YEAR:
        last = 6 * int(parts["half"])
        return last - 5, last
    return 1, 9 if frequency == Frequency.NINE_MONTHS else 12


def names_of_year(year, frequency):
    """Return the period names of one frequency within a year, in order."""
    if frequency == Frequency.YEAR:
        return [str(year)]
    if frequency == Frequency.NINE_MONTHS:
        return [f"{year}M9"]
    if frequency == Frequency.HALF_YEAR:
        return [f"{year}S1", f"{year}S2"]
    if frequency == Frequency.QUARTER:
        return [f"{year}Q{quarter}" for quarter in range(1, 5)]
    return [f"{year}{month:02d}" for month in range(1, 13)]


def covered_days(regime, name):
    """Return (start, end), the days a named period covers under the regime's window rule."""
    if regime.window_kind == WindowKind.SNAPSHOT:
        last_day = _last_day(name.year, name.last_month)
        day = date(name.year, name.last_month, min(regime.snapshot_day or last_day.day, last_day.day))
        return day, day
    if regime.window_kind == WindowKind.CALENDAR:
        return date(name.year, name.first_month, 1), _last_day(name.year, name.last_month)
    end = date(name.year, name.last_month, regime.window_end_day)
    before_first = date(name.year, name.first_month, 1) - timedelta(days=1)
    return before_first.replace(day=regime.window_start_day), end


def _last_day(year, month):
    return date(year, month, calendar.monthrange(year, month)[1])
