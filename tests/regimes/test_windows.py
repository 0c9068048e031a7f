"""What a period covers and when it is due, under the regimes seeded from Decree 09/2019 and its peers."""

from datetime import date

import pytest

from regimes.models import DayKind, Regime, WorkingDayChange
from regimes.selectors import regime_periods, regime_window

pytestmark = pytest.mark.django_db


def window(regime_code, period):
    found = regime_window(Regime.objects.get(code=regime_code), period)
    return found.start, found.end


def test_decree_09_month_runs_from_the_15th_to_the_14th():
    assert window("nd09-mac-dinh", "202308") == (date(2023, 7, 15), date(2023, 8, 14))


def test_decree_09_first_quarter_starts_in_december_of_the_year_before():
    assert window("nd09-mac-dinh", "2024Q1") == (date(2023, 12, 15), date(2024, 3, 14))


def test_decree_09_year_runs_from_15_december_to_14_december():
    assert window("nd09-mac-dinh", "2023") == (date(2022, 12, 15), date(2023, 12, 14))


def test_decree_09_half_year_and_nine_months():
    assert window("nd09-mac-dinh", "2024S1") == (date(2023, 12, 15), date(2024, 6, 14))
    assert window("nd09-mac-dinh", "2024S2") == (date(2024, 6, 15), date(2024, 12, 14))
    assert window("nd09-mac-dinh", "2024M9") == (date(2023, 12, 15), date(2024, 9, 14))


def test_inspection_regime_runs_from_the_16th_to_the_15th():
    assert window("thanh-tra", "202308") == (date(2023, 7, 16), date(2023, 8, 15))


def test_statistical_regime_follows_the_calendar():
    assert window("thong-ke", "202402") == (date(2024, 2, 1), date(2024, 2, 29))
    assert window("thong-ke", "2023Q3") == (date(2023, 7, 1), date(2023, 9, 30))


def test_snapshot_regime_covers_one_day():
    regime = Regime(code="snap", window_kind="snapshot", snapshot_day=31, deadline_kind="working_days",
                    deadline_working_days=1, frequencies=["month"])
    found = regime_window(regime, "202302")
    assert (found.start, found.end) == (date(2023, 2, 28), date(2023, 2, 28))


def test_months_of_a_year_are_contiguous_and_do_not_overlap():
    regime = Regime.objects.get(code="nd09-mac-dinh")
    months = regime_periods(regime, 2023, frequency="month")
    assert months[0].start == date(2022, 12, 15) and months[-1].end == date(2023, 12, 14)
    for before, after in zip(months, months[1:], strict=False):
        assert (after.start - before.end).days == 1


def test_deadline_is_counted_in_working_days_after_the_cut_off():
    # Cut-off Monday 14 Aug 2023: two working days later is Wednesday 16 Aug.
    assert regime_window(Regime.objects.get(code="bao-cao-cds-tinh"), "202308").deadline == date(2023, 8, 16)


def test_deadline_that_falls_in_the_tet_break_moves_past_it():
    # February 2026 is cut off on Saturday 14 Feb; 16–20 Feb is the Tết break, so the two working days
    # are Monday 23 and Tuesday 24 February.
    assert regime_window(Regime.objects.get(code="bao-cao-cds-tinh"), "202602").deadline == date(2026, 2, 24)


def test_fixed_day_deadline_in_the_tet_break_moves_to_the_next_working_day():
    regime = Regime(code="fixed", window_kind="calendar", deadline_kind="fixed_day", deadline_day=10,
                    deadline_month_offset=1, frequencies=["month"])
    # 10 Feb 2024 is Lunar New Year's Day, in the break of 8–14 Feb: due Thursday 15 Feb.
    assert regime_window(regime, "202401").deadline == date(2024, 2, 15)


def test_a_day_off_added_by_a_government_notice_pushes_the_deadline():
    WorkingDayChange.objects.create(day=date(2023, 8, 15), kind=DayKind.DAY_OFF, reason="thử", source="thử")
    assert regime_window(Regime.objects.get(code="bao-cao-cds-tinh"), "202308").deadline == date(2023, 8, 17)


def test_a_saturday_made_a_working_day_counts():
    # Saturday 4 May 2024 was worked to bridge the 30 April holiday; the calendar knows it.
    regime = Regime(code="one", window_kind="calendar", deadline_kind="fixed_day", deadline_day=4,
                    deadline_month_offset=1, frequencies=["month"])
    assert regime_window(regime, "202404").deadline == date(2024, 5, 4)
