"""Points and progress status of one value: pure functions of the indicator, value and target."""

import operator
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Direction, ScoringRule, ValueType

ONE = Decimal(1)
TWO_PLACES = Decimal("0.01")


class Status(models.TextChoices):
    ACHIEVED = "achieved", _("Đã đạt")
    ON_TRACK = "on_track", _("Đúng lộ trình")
    OFF_TRACK = "off_track", _("Chậm so với lộ trình")
    NO_DATA = "no_data", _("Chưa có số liệu")
    NO_TARGET = "no_target", _("Chưa giao mục tiêu")


def status_of(indicator, value, target, *, year):
    """Return the Status of `value` for `year` against `target` (a Target or None).

    On track means the value keeps to the straight line from the indicator's baseline to the
    target's year. Without a baseline, a value short of the target is off track.
    """
    return status_judge(indicator, target, year=year)(value)


def status_judge(indicator, target, *, year):
    """Return `status(value)`, the Status of any value of `year` against `target` (see `status_of`).

    The goal and the point on the line are worked out once: a province scores thousands of unit
    values against one shared target.
    """
    if target is None:
        return _without_target
    goal, expected = target.value, _expected_on_line(indicator, target, year)
    meets = operator.ge if indicator.direction == Direction.HIGHER else operator.le

    def status(value):
        if value is None:
            return Status.NO_DATA
        if meets(value, goal):
            return Status.ACHIEVED
        if expected is None:
            return Status.OFF_TRACK
        return Status.ON_TRACK if meets(value, expected) else Status.OFF_TRACK

    return status


def _without_target(value):
    return Status.NO_DATA if value is None else Status.NO_TARGET


def _expected_on_line(indicator, target, year):
    """Return where the line from the baseline to the target stands in `year`, or None without such a line."""
    baseline_year, baseline = indicator.baseline_year, indicator.baseline_value
    if baseline is None or baseline_year is None or not (baseline_year < year < target.year):
        return None
    share = Decimal(year - baseline_year) / Decimal(target.year - baseline_year)
    return baseline + (target.value - baseline) * share


def points_of(indicator, value, target, *, best=None):
    """Return the points a value earns under the indicator's scoring rule, or None if it cannot score."""
    if value is None or not indicator.max_points:
        return None
    rule = indicator.scoring_rule
    if rule == ScoringRule.RATIO:
        ratio = value / 100 if indicator.value_type == ValueType.PERCENT else min(value, ONE)
    elif rule == ScoringRule.RATIO_TO_TARGET:
        ratio = _ratio_to(indicator, value, target.value if target else None)
    elif rule == ScoringRule.NORMALISED:
        ratio = _ratio_to(indicator, value, best)
    elif rule == ScoringRule.TIERS:
        return _tier_points(indicator, value)
    else:
        # The model cannot hold an unknown rule (choices and a check constraint); never guess one.
        raise ValueError(f"Unknown scoring rule {rule!r} of indicator {indicator.code}")
    if ratio is None:
        return None
    ratio = max(Decimal(0), min(ONE, ratio))
    return (ratio * indicator.max_points).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _ratio_to(indicator, value, goal):
    if goal is None:
        return None
    if indicator.direction == Direction.HIGHER:
        return value / goal if goal else ONE
    return goal / value if value else ONE


def _tier_points(indicator, value):
    for threshold, points in sorted(indicator.scoring_tiers or [], key=lambda tier: -Decimal(str(tier[0]))):
        if value >= Decimal(str(threshold)):
            return Decimal(str(points)).quantize(TWO_PLACES)
    return Decimal("0.00")


def pick_target(indicator, targets, *, year):
    """Return the target that judges a value of `year`: the nearest target year from `year` on,
    the unit's own before the province's, and the most demanding if several decisions set one."""
    candidates = [t for t in targets if t.year >= year]
    if not candidates:
        return None
    nearest = min(t.year for t in candidates)
    same_year = [t for t in candidates if t.year == nearest]
    own = [t for t in same_year if t.unit_id is not None] or same_year
    demanding = max if indicator.direction == Direction.HIGHER else min
    return demanding(own, key=lambda t: t.value)
