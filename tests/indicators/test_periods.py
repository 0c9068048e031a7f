from datetime import date

import pytest

from indicators.periods import PeriodError, parse_period, parse_period_for, periods_of_year
from indicators.selectors import last_finished_period


@pytest.mark.parametrize("code, kind, start, end", [
    ("2023", "year", date(2023, 1, 1), date(2023, 12, 31)),
    ("2023Q3", "quarter", date(2023, 7, 1), date(2023, 9, 30)),
    ("202402", "month", date(2024, 2, 1), date(2024, 2, 29)),
])
def test_dhis2_period_strings_parse(code, kind, start, end):
    period = parse_period(code)
    assert (period.type, period.start, period.end) == (kind, start, end)


@pytest.mark.parametrize("code", ["", "23", "2023Q5", "202313", "2023-08", "2023q1", "1999", "abcd"])
def test_malformed_periods_are_rejected(code):
    with pytest.raises(PeriodError):
        parse_period(code)


def test_period_of_the_wrong_type_for_the_indicator_is_rejected():
    with pytest.raises(PeriodError, match="không đúng loại kỳ"):
        parse_period_for("2023Q1", "year", today=date(2024, 1, 1))


def test_period_that_has_not_begun_is_rejected():
    with pytest.raises(PeriodError, match="chưa bắt đầu"):
        parse_period_for("2027", "year", today=date(2026, 11, 27))
    assert parse_period_for("2026", "year", today=date(2026, 11, 27)).code == "2026"


def test_periods_of_a_year():
    assert periods_of_year(2023, "quarter") == ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]
    assert len(periods_of_year(2023, "month")) == 12


@pytest.mark.parametrize("kind, today, expected", [
    ("year", date(2026, 11, 27), "2025"),
    ("quarter", date(2026, 11, 27), "2026Q3"),
    ("quarter", date(2026, 2, 1), "2025Q4"),
    ("month", date(2026, 1, 15), "202512"),
    ("month", date(2026, 11, 27), "202610"),
])
def test_last_finished_period(kind, today, expected):
    assert last_finished_period(kind, today) == expected
