"""Each unit's latest approved value: DISTINCT ON over the partial index, the province roll-up added up in Python.

The oracle is the SQL the selectors used before (a ROW_NUMBER window, then SUM, AVG, COUNT and a second window
for "latest"): the figures must not move by a digit.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Avg, Count, F, Sum, Window
from django.db.models.functions import RowNumber
from django.test.utils import CaptureQueriesContext

from indicators.models import Aggregation, IndicatorValue, ValueState
from indicators.selectors import latest_approved_values, progress
from reports.dashboard import public_progress, value_periods
from tests.factories import IndicatorFactory, TargetFactory, UnitFactory

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
YEARS = range(2019, 2025)  # 2024 ends after the 2023 page's end: never counted there
STATES = [ValueState.APPROVED] * 3 + [ValueState.SUBMITTED, ValueState.DRAFT, ValueState.RETURNED]


def figure(rng, places=4):
    return Decimal(rng.randint(0, 10**6)) / Decimal(10**places) if rng.random() > 0.15 else None


@pytest.fixture
def mixed(cast):
    """Four indicators, one per roll-up rule, twelve units, six years of values in mixed states, gaps and ties."""
    rng = random.Random(14)
    indicators = [IndicatorFactory(code=f"R-{rule}", aggregation=rule) for rule in Aggregation.values]
    for indicator in indicators:
        TargetFactory(indicator=indicator, year=2025, value=50)
    units = [cast.unit_a, cast.unit_b, *(UnitFactory(parent=cast.province) for _n in range(10))]
    reviewed = datetime(2024, 2, 1, 9, 0, tzinfo=HCM)
    rows = []
    for indicator in indicators:
        for unit in units:
            for year in rng.sample(list(YEARS), rng.randint(0, len(YEARS))):
                state = rng.choice(STATES)
                numerator, denominator = figure(rng), figure(rng)
                rows.append(IndicatorValue(
                    indicator=indicator, unit=unit, period=str(year), period_start=date(year, 1, 1),
                    period_end=date(year, 12, 31), due_date=date(year + 1, 1, 15), state=state, is_computed=True,
                    numerator=numerator, denominator=denominator or None, value=figure(rng),
                    # Several units approved at the same moment (and some never): "latest" needs its tie-breaks.
                    reviewed_at=reviewed + timedelta(hours=rng.choice([0, 0, 1, 2])) if rng.random() > 0.2 else None,
                ))
    IndicatorValue.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE indicators_indicatorvalue")
    return indicators, units


def window_latest(indicators, units, as_of):
    """The former latest_approved_values: a ROW_NUMBER window over every approved value."""
    ranked = IndicatorValue.objects.filter(
        state=ValueState.APPROVED, indicator__in=indicators, unit__in=units, period_end__lte=as_of,
    ).annotate(recency=Window(RowNumber(), partition_by=[F("indicator_id"), F("unit_id")],
                              order_by=[F("period_start").desc()]))
    return ranked.filter(recency=1)


def sql_rolled_up(latest):
    """The former province roll-up, in SQL, over the latest values."""
    in_latest = IndicatorValue.objects.filter(pk__in=latest.values("pk"))
    sums = {row["indicator_id"]: row for row in in_latest.values("indicator_id").annotate(
        numerator_sum=Sum("numerator"), denominator_sum=Sum("denominator"), value_sum=Sum("value"),
        value_avg=Avg("value"), reporting=Count("id")).order_by()}
    newest = in_latest.annotate(rank=Window(
        RowNumber(), partition_by=[F("indicator_id")],
        order_by=[F("period_start").desc(), F("reviewed_at").desc(nulls_last=True), F("pk").desc()],
    )).filter(rank=1).values_list("indicator_id", "value")
    for indicator_id, value in newest:
        sums[indicator_id]["value_latest"] = value
    return sums


def expected_value(indicator, sums):
    if not sums:
        return None
    rule = indicator.aggregation
    if rule == Aggregation.SUM_RATIO:
        return round(sums["numerator_sum"] * 100 / sums["denominator_sum"], 4) if sums["denominator_sum"] else (
            round(sums["value_avg"], 4) if sums["value_avg"] is not None else None)
    if rule == Aggregation.SUM:
        return sums["value_sum"]
    if rule == Aggregation.LATEST:
        return sums["value_latest"]
    return round(sums["value_avg"], 4) if sums["value_avg"] is not None else None


@pytest.mark.parametrize("period", ["2023", "2021", "2019"])
def test_distinct_on_picks_the_same_values_as_the_window(mixed, period):
    indicators, units = mixed
    as_of = date(int(period), 12, 31)
    fields = ("indicator_id", "unit_id", "period", "value")
    new = sorted(latest_approved_values(indicators=indicators, units=units, as_of=as_of).values_list(*fields))
    old = sorted(window_latest(indicators, units, as_of).values_list(*fields))
    assert new == old and len(new) > 10


@pytest.mark.parametrize("period", ["2023", "2021"])
def test_the_province_roll_up_is_what_sql_added_up(mixed, period):
    indicators, units = mixed
    sums = sql_rolled_up(window_latest(indicators, units, date(int(period), 12, 31)))
    province = {row["indicator"].pk: row for row in progress(period=period)["province"]}
    for indicator in indicators:
        row = province[indicator.pk]
        assert row["reporting_units"] == sums.get(indicator.pk, {}).get("reporting", 0)
        expected = expected_value(indicator, sums.get(indicator.pk))
        # Decimal equality and the same digits (57.5000 stays 57.5000): files and the API print them as they are.
        assert (row["value"], str(row["value"])) == (expected, str(expected)), indicator.aggregation


def test_value_periods_and_the_public_page_agree(mixed):
    from_query = value_periods(period="2023")
    assert from_query == progress(period="2023")["value_periods"]
    assert any(len(periods) > 1 for periods in from_query.values())
    public = {row["indicator"]: row["value_periods"] for row in public_progress(period="2023")["rows"]
              if row["value"] is not None}  # a figure that rolls up to nothing names no period
    assert public and public == {code: ";".join(from_query[code]) for code in public}


def test_the_public_page_scores_no_unit_rows(mixed):
    assert progress(period="2023", unit_rows=False)["rows"] == []
    assert progress(period="2023", unit_rows=False)["province"] == progress(period="2023")["province"]


def test_latest_values_walk_the_partial_index_without_sorting(mixed):
    indicators, units = mixed
    with CaptureQueriesContext(connection) as captured:
        list(latest_approved_values(indicators=indicators, units=units, as_of=date(2023, 12, 31)).values_list("pk"))
    [query] = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is tiny; the question is what may be used
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")  # only penalised: without an index in this order, still a Sort
        cursor.execute(f"EXPLAIN {query['sql']}")
        shown = "\n".join(row[0] for row in cursor.fetchall())
    # Index-only at scale (bench/pages.py: "Heap Fetches: 0"); a fresh test table has no visibility map yet.
    assert "using value_latest_approved" in shown, shown
    assert "Sort" not in shown and "WindowAgg" not in shown, shown
