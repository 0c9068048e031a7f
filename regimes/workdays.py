"""Vietnam's working days: weekends, public holidays with the lunar Tết break, and the year's swaps.

The `holidays` package knows the public holidays and the days the government swaps (a Saturday worked
to bridge a holiday); the admin table WorkingDayChange adds what a notice decides later and wins over both.
"""

from datetime import timedelta

import holidays

from .models import DayKind, WorkingDayChange

# Far enough for any deadline: Tết plus its weekends is under two weeks.
LOOKAHEAD_DAYS = 120


class WorkingCalendar:
    """Working days over a span of years, read from the database once."""

    def __init__(self, first_year, last_year, *, every_change=False):
        # The package adds the holidays of any other year when a day in it is asked about (expand).
        self._official = holidays.country_holidays("VN", years=range(first_year, last_year + 1))
        changes = WorkingDayChange.objects.all()
        if not every_change:
            changes = changes.filter(day__year__gte=first_year, day__year__lte=last_year)
        self._changes = dict(changes.values_list("day", "kind"))

    def is_working_day(self, day):
        kind = self._changes.get(day)
        if kind is not None:
            return kind == DayKind.WORKING_DAY
        return self._official.is_working_day(day)

    def add_working_days(self, day, count):
        """Return the `count`-th working day after `day` (`count` 0: `day` itself if it is one, else the next)."""
        if count == 0:
            return self.next_working_day(day)
        for _step in range(LOOKAHEAD_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
                if count == 0:
                    return day
        raise ValueError("no working day within the look-ahead")

    def next_working_day(self, day):
        """Return `day` if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_between(self, first, last):
        """Return how many working days lie after `first` up to and including `last`."""
        days = (last - first).days
        return sum(self.is_working_day(first + timedelta(days=n)) for n in range(1, days + 1))


def load_holiday_rules():
    """Import the holiday package's rules now (its first use imports every country's: a tenth of a second).

    Worker processes call it when they start, so that their first report does not pay for it.
    """
    holidays.country_holidays("VN")


def calendar_for(*years):
    """Return a WorkingCalendar covering the given years and the next (deadlines cross new year)."""
    return WorkingCalendar(min(years), max(years) + 1)


def calendar_for_any_year(today):
    """Return a WorkingCalendar that knows every recorded change, for work over periods of any year (one query)."""
    return WorkingCalendar(today.year - 1, today.year + 1, every_change=True)
