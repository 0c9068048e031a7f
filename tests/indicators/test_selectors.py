from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.policy import Actor
from indicators.models import AuditChannel, Indicator, IndicatorValue, ValueState
from indicators.selectors import behind_by, completeness, progress, staff_tasks, values_visible_to
from indicators.services import value_approve, value_create, value_return, value_submit
from tests.factories import IndicatorFactory, TargetFactory, UnitFactory

pytestmark = pytest.mark.django_db
API = AuditChannel.API
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def approved(cast, indicator, unit, period, staff, **numbers):
    value = value_create(indicator=indicator, unit=unit, period=period, actor=Actor(staff), channel=API, **numbers)
    value = value_submit(value=value, actor=Actor(staff), channel=API)
    return value_approve(value=value, actor=Actor(cast.reviewer), channel=API)


def test_staff_sees_own_drafts_and_only_approved_values_of_others(cast):
    indicator = IndicatorFactory()
    own = value_create(indicator=indicator, unit=cast.unit_a, period="2023", value=10, actor=Actor(cast.staff_a),
                       channel=API)
    other_draft = value_create(indicator=indicator, unit=cast.unit_b, period="2023", value=20,
                               actor=Actor(cast.staff_b), channel=API)
    other_approved = approved(cast, indicator, cast.unit_b, "2022", cast.staff_b, value=30)
    visible = set(values_visible_to(Actor(cast.staff_a)).values_list("pk", flat=True))
    assert visible == {own.pk, other_approved.pk}
    assert other_draft.pk in set(values_visible_to(Actor(cast.reviewer)).values_list("pk", flat=True))


def test_progress_per_unit_and_province(cast):
    indicator = IndicatorFactory(code="FIBRE", baseline_year=2021, baseline_value=40)
    TargetFactory(indicator=indicator, year=2025, value=80)
    approved(cast, indicator, cast.unit_a, "2023", cast.staff_a, numerator=65, denominator=100)
    approved(cast, indicator, cast.unit_b, "2023", cast.staff_b, numerator=50, denominator=100)
    result = progress(period="2023")
    by_unit = {row["unit"].code: row for row in result["rows"]}
    assert by_unit["A"]["status"] == "on_track"  # line 40 -> 80 expects 60 in 2023
    assert by_unit["B"]["status"] == "off_track"
    assert str(by_unit["A"]["points"]) == "8.13"  # 65 / 80 × 10
    province = result["province"][0]
    assert province["value"] == pytest.approx(57.5)  # (65 + 50) / (100 + 100)
    assert province["reporting_units"] == 2


def test_progress_uses_latest_approved_value_not_drafts(cast):
    indicator = IndicatorFactory()
    approved(cast, indicator, cast.unit_a, "2022", cast.staff_a, value=30)
    value_create(indicator=indicator, unit=cast.unit_a, period="2023", value=90, actor=Actor(cast.staff_a),
                 channel=API)
    row = next(r for r in progress(period="2023")["rows"] if r["unit"] == cast.unit_a)
    assert row["value"] == 30 and row["value_period"] == "2022" and row["status"] == "no_target"


def test_progress_query_count_does_not_grow_with_units(cast):
    indicator = IndicatorFactory()
    TargetFactory(indicator=indicator)

    def measure():
        with CaptureQueriesContext(connection) as captured:
            progress(period="2023")
        return len(captured)

    small = measure()
    for n in range(20):
        unit = UnitFactory(parent=cast.province)
        IndicatorValue.objects.create(indicator=indicator, unit=unit, period="2023", period_start=date(2023, 1, 1),
                                      period_end=date(2023, 12, 31), due_date=date(2024, 1, 15), value=n,
                                      state=ValueState.APPROVED, is_computed=True)
    # indicators, units, latest values, targets; the province roll-up is added up from the latest values read
    assert measure() == small == 4


def approved_row(indicator, unit, value):
    return IndicatorValue.objects.create(indicator=indicator, unit=unit, period="2023", period_start=date(2023, 1, 1),
                                         period_end=date(2023, 12, 31), due_date=date(2024, 1, 15), value=value,
                                         state=ValueState.APPROVED, is_computed=True)


def off_track_units(cast, count):
    """Three indicators over `count` new departments: a shared line, a unit's own target, lower is better."""
    line = IndicatorFactory(code="LINE", baseline_year=2021, baseline_value=40)
    TargetFactory(indicator=line, year=2025, value=80)  # expects 60 in 2023
    own = IndicatorFactory(code="OWN")
    TargetFactory(indicator=own, year=2025, value=70)
    lower = IndicatorFactory(code="LOWER", direction="lower", value_type="count", scoring_rule="normalised")
    TargetFactory(indicator=lower, year=2023, value=5)
    for n in range(count):
        unit = UnitFactory(parent=cast.province)
        if n % 3 == 0:
            TargetFactory(indicator=own, unit=unit, year=2024, value=90)  # the unit's own, nearer year
        approved_row(line, unit, 30 + (n * 7) % 40)
        approved_row(own, unit, 40 + (n * 5) % 40)
        approved_row(lower, unit, (n * 3) % 9)
    approved_row(own, UnitFactory(parent=cast.province), 50)  # a tie with another unit's gap


def test_largest_gaps_are_the_unit_rows_furthest_behind_of_all(cast):
    off_track_units(cast, 12)
    every = progress(period="2023")["rows"]
    behind = [row for row in every if row["status"] == "off_track"]
    assert len(behind) > 5
    expected = sorted(behind, key=lambda row: behind_by(row["target"], row["value"], row["unit"]))[:5]
    result = progress(period="2023", largest_gaps=5)
    assert result["rows"] == expected  # whole rows: points, target, status, value period
    assert result["province"] == progress(period="2023", unit_rows=False)["province"]


def test_largest_gaps_query_count_does_not_grow_with_units(cast):
    def measure():
        with CaptureQueriesContext(connection) as captured:
            progress(period="2023", largest_gaps=10)
        return len(captured)

    off_track_units(cast, 3)
    small = measure()
    indicators = list(Indicator.objects.filter(code__in=["LINE", "OWN", "LOWER"]))
    for _n in range(15):
        unit = UnitFactory(parent=cast.province)
        for indicator in indicators:
            approved_row(indicator, unit, 1)
    # indicators, units, latest values, targets (the rows off track are scored from those, in Python)
    assert measure() == small == 4


def test_completeness_counts_expected_submitted_on_time_and_missing(cast):
    IndicatorFactory(code="I1")
    late_one = IndicatorFactory(code="I2")
    on_time = value_create(indicator=IndicatorFactory(code="I3"), unit=cast.unit_a, period="2023", value=1,
                           actor=Actor(cast.staff_a), channel=API)
    value_submit(value=on_time, actor=Actor(cast.staff_a), channel=API)
    late = value_create(indicator=late_one, unit=cast.unit_a, period="2023", value=1, actor=Actor(cast.staff_a),
                        channel=API)
    value_submit(value=late, actor=Actor(cast.staff_a), channel=API)
    IndicatorValue.objects.filter(pk=on_time.pk).update(first_submitted_at=datetime(2024, 1, 10, 9, tzinfo=HCM))
    IndicatorValue.objects.filter(pk=late.pk).update(first_submitted_at=datetime(2024, 3, 1, 9, tzinfo=HCM))
    rows = {row["unit"].code: row for row in completeness(period="2023")["rows"]}
    assert {k: rows["A"][k] for k in ("expected", "submitted", "on_time", "late", "missing")} == {
        "expected": 3, "submitted": 2, "on_time": 1, "late": 1, "missing": 1}
    assert rows["B"]["missing"] == 3


def test_completeness_counts_only_units_that_existed_in_the_period(cast):
    IndicatorFactory()
    UnitFactory(code="GONE", parent=cast.province, valid_to=date(2022, 6, 30))
    UnitFactory(code="NEW", parent=cast.province, valid_from=date(2025, 7, 1))
    codes = {row["unit"].code for row in completeness(period="2023")["rows"]}
    assert codes == {"A", "B"}


def test_staff_tasks_list_missing_and_returned_values_with_deadlines(cast):
    missing = IndicatorFactory(code="MISSING")
    returned = IndicatorFactory(code="RETURNED")
    value = value_create(indicator=returned, unit=cast.unit_a, period="2025", value=5, actor=Actor(cast.staff_a),
                         channel=API)
    value = value_submit(value=value, actor=Actor(cast.staff_a), channel=API)
    value_return(value=value, reason="Thiếu minh chứng", actor=Actor(cast.reviewer), channel=API)
    tasks = staff_tasks(actor=Actor(cast.staff_a), today=date(2026, 11, 27))
    assert [(t["indicator"].code, t["state"]) for t in tasks] == [("RETURNED", "returned"), ("MISSING", None)]
    assert tasks[0]["return_reason"] == "Thiếu minh chứng"
    assert tasks[1]["due_date"] == date(2026, 1, 15) and tasks[1]["overdue"]
    assert missing.code == "MISSING"
