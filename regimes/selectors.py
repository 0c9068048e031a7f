"""Reads about regimes: the periods of a year with the days they cover and their deadlines."""

import calendar
from datetime import date

from .models import DeadlineKind, Frequency, Regime
from .periods import Window, covered_days, names_of_year, parse_name
from .workdays import calendar_for

FREQUENCY_ORDER = list(Frequency.values)


def regime_by_code(code):
    """Return the regime with this code, or None."""
    return Regime.objects.filter(code=code).first()


def regime_frequencies(regime):
    """Return the regime's frequencies in the order month, quarter, half-year, nine months, year."""
    return [frequency for frequency in FREQUENCY_ORDER if frequency in (regime.frequencies or [])]


def regime_periods(regime, year, *, frequency=None, workdays=None):
    """Return the Windows of the regime's periods reported in `year`, one frequency or all of them."""
    frequencies = [frequency] if frequency else regime_frequencies(regime)
    workdays = workdays or calendar_for(year - 1, year)
    return [
        regime_window(regime, code, workdays=workdays)
        for each in frequencies for code in names_of_year(year, each)
    ]


def regime_window(regime, code, *, workdays=None):
    """Return the Window a period name covers under the regime; raise PeriodNameError if malformed."""
    name = parse_name(code)
    start, end = covered_days(regime, name)
    workdays = workdays or calendar_for(start.year, end.year)
    return Window(period=code, start=start, end=end, deadline=deadline_after(regime, end, workdays))


def deadline_after(regime, end, workdays):
    """Return the day a report is due for a period whose data are cut off on `end`."""
    if regime.deadline_kind == DeadlineKind.WORKING_DAYS:
        return workdays.add_working_days(end, regime.deadline_working_days or 0)
    month_index = end.year * 12 + end.month - 1 + regime.deadline_month_offset
    year, month = divmod(month_index, 12)
    day = min(regime.deadline_day, calendar.monthrange(year, month + 1)[1])
    return workdays.next_working_day(date(year, month + 1, day))
