from decimal import Decimal
from types import SimpleNamespace

import pytest

from indicators.numbers import clean_numbers
from indicators.scoring import Status, pick_target, points_of, status_of
from kernel.errors import ServiceError


def indicator(**overrides):
    base = dict(value_type="percent", direction="higher", scoring_rule="ratio_to_target", max_points=Decimal(10),
                scoring_tiers=[], baseline_year=None, baseline_value=None)
    return SimpleNamespace(**{**base, **overrides})


def target(value, year=2025, unit_id=None):
    return SimpleNamespace(value=Decimal(value), year=year, unit_id=unit_id)


def test_percentage_is_computed_from_numerator_and_denominator():
    assert clean_numbers(indicator(), numerator="175080", denominator="183600")["value"] == Decimal("95.3595")


@pytest.mark.parametrize("kwargs, field", [
    ({"value": "101"}, "value"),
    ({"value": "-1"}, "value"),
    ({"numerator": "5", "denominator": "4"}, "numerator"),
    ({"numerator": "-1", "denominator": "4"}, "numerator"),
    ({"numerator": "1", "denominator": "0"}, "denominator"),
    ({"numerator": "1"}, "denominator"),
    ({"value": "abc"}, "value"),
    ({"numerator": "1", "denominator": "2", "value": "70"}, "value"),
])
def test_bad_percentages_name_the_field(kwargs, field):
    with pytest.raises(ServiceError) as raised:
        clean_numbers(indicator(), **kwargs)
    assert raised.value.field == field


def test_counts_cannot_be_negative_and_booleans_are_zero_or_one():
    with pytest.raises(ServiceError):
        clean_numbers(indicator(value_type="number"), value="-3")
    with pytest.raises(ServiceError):
        clean_numbers(indicator(value_type="boolean"), value="2")
    assert clean_numbers(indicator(value_type="money"), value="1500000")["value"] == Decimal("1500000")


def test_ratio_to_target_is_capped_at_max_points():
    assert points_of(indicator(), Decimal(40), target(80)) == Decimal("5.00")
    assert points_of(indicator(), Decimal(95), target(80)) == Decimal("10.00")


def test_tiers_follow_the_steering_meeting_example():
    tiers = indicator(value_type="tier", scoring_rule="tiers", max_points=Decimal(20),
                      scoring_tiers=[[4, 20], [3, 15], [2, 10], [1, 5]])
    points = [points_of(tiers, Decimal(n), None) for n in (5, 4, 3, 1, 0)]
    assert points == [Decimal(20), Decimal(20), Decimal(15), Decimal(5), Decimal(0)]


def test_normalised_scores_against_the_best_unit():
    normalised = indicator(scoring_rule="normalised")
    assert points_of(normalised, Decimal(45), None, best=Decimal(90)) == Decimal("5.00")


def test_lower_is_better_inverts_the_ratio():
    lower = indicator(direction="lower", value_type="number")
    assert points_of(lower, Decimal(10), target(5)) == Decimal("5.00")
    assert status_of(lower, Decimal(4), target(5), year=2025) == Status.ACHIEVED


def test_status_on_track_follows_the_line_from_baseline_to_target():
    with_baseline = indicator(baseline_year=2021, baseline_value=Decimal(40))
    # Line from 40 (2021) to 80 (2025): 2023 expects 60.
    assert status_of(with_baseline, Decimal(61), target(80), year=2023) == Status.ON_TRACK
    assert status_of(with_baseline, Decimal(55), target(80), year=2023) == Status.OFF_TRACK
    assert status_of(with_baseline, Decimal(85), target(80), year=2023) == Status.ACHIEVED
    assert status_of(with_baseline, None, target(80), year=2023) == Status.NO_DATA
    assert status_of(with_baseline, Decimal(50), None, year=2023) == Status.NO_TARGET


def test_pick_target_prefers_the_units_own_then_the_most_demanding():
    ind = indicator()
    province_749, province_411 = target(80), target(85)
    own = target(70, unit_id=1)
    assert pick_target(ind, [province_749, province_411], year=2023) is province_411
    assert pick_target(ind, [province_749, own], year=2023) is own
    assert pick_target(ind, [target(80, year=2020)], year=2023) is None
