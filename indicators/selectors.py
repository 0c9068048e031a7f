"""Reads about indicators that the API, the admin and the reports share.

Every queryset a person or key sees goes through `values_visible_to` (the access policy).
Progress and completeness are a fixed number of queries, whatever the number of units.
"""

import functools
import heapq
import operator
from collections import Counter
from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, F, OuterRef, Q, Subquery, When

from departments.models import Unit
from departments.policy import restrict_reviewed_data, restrict_to_scope
from regimes.models import Regime
from regimes.workdays import calendar_for

from .models import (
    Aggregation,
    AuditAction,
    AuditEntry,
    Indicator,
    IndicatorValue,
    ScoringRule,
    Source,
    Target,
    ValueState,
)
from .periods import current_period, last_finished_in_regime, parse_period, period_for, regime_allows, regime_period
from .scoring import Status, pick_target, points_of, status_judge, status_of

HUNDRED = 100


def values_visible_to(actor, queryset=None):
    """Return the values the actor may see: its own units' in any state, others' once approved."""
    queryset = IndicatorValue.objects.all() if queryset is None else queryset
    return restrict_reviewed_data(actor, queryset, published=Q(state=ValueState.APPROVED))


def values_editable_by(actor, queryset=None):
    """Return the values whose unit the actor may enter data for (reviewers: none)."""
    queryset = IndicatorValue.objects.all() if queryset is None else queryset
    if actor.is_reviewer:
        return queryset.none()
    return restrict_to_scope(actor, queryset)


def units_existing_during(period, queryset=None):
    queryset = Unit.objects.all() if queryset is None else queryset
    return queryset.filter(valid_from__lte=period.end).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.start))


def latest_approved_values(*, indicators, units, as_of):
    """Return each (indicator, unit)'s most recent approved value whose period ended by `as_of`.

    DISTINCT ON (indicator, unit) in the order of the partial index of approved values `value_latest_approved`
    (indicators 0007): the database walks that index once, where a ROW_NUMBER window sorted every approved
    value first. Of two values of one pair starting the same day (never under one period type), the newer row.
    """
    return IndicatorValue.objects.filter(
        state=ValueState.APPROVED, indicator__in=indicators, unit__in=units, period_end__lte=as_of,
    ).order_by("indicator_id", "unit_id", "-period_start", "-pk").distinct("indicator_id", "unit_id")


# What progress reads of each latest value: the unit's figure and what the province roll-up needs.
# The review time only breaks ties of "latest" roll-ups: the other rows skip its decoding (10,000 datetimes).
# Rows stay the database driver's own tuples (no named tuple, no dict each): a province has tens of thousands.
LATEST_FIELDS = ("unit_id", "value", "period", "numerator", "denominator", "period_start", "tie_reviewed_at", "pk",
                 "indicator_id")
UNIT, VALUE, PERIOD, NUMERATOR, DENOMINATOR, START, TIE, PK, INDICATOR = range(len(LATEST_FIELDS))


def progress(*, period, framework=None, unit=None, unit_rows=True, largest_gaps=None):
    """Return progress to target for each indicator × unit, and for the province, as of a period.

    `unit` limits the rows to that unit's subtree; without `unit_rows` only the province's are scored
    ("rows" is empty). With `largest_gaps` (a number), "rows" holds only that many unit rows, those furthest
    behind (`behind_by`). Only approved values count, so everyone who may use the portal may see this.
    """
    parsed = parse_period(period)
    indicators = Indicator.objects.filter(is_active=True).select_related("framework", "pillar")
    if framework is not None:
        indicators = indicators.filter(framework=framework)
    indicators = list(indicators)
    units = units_existing_during(parsed).exclude(kind="province")
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
    units = list(units)
    latest = latest_approved_values(indicators=indicators, units=units, as_of=parsed.end)
    # Read once: the unit rows, the province roll-up and the periods the figures come from all use these rows.
    latest_ids = [indicator.pk for indicator in indicators if indicator.aggregation == Aggregation.LATEST]
    latest = latest.annotate(tie_reviewed_at=Case(When(indicator_id__in=latest_ids, then=F("reviewed_at"))))
    values = _by_indicator_and_unit(latest.values_list(*LATEST_FIELDS))
    targets = _targets_by_indicator(indicators, parsed.year)
    if not unit_rows:
        rows = []
    elif largest_gaps is not None:
        rows = _largest_gaps(indicators, units, values, targets, parsed.year, largest_gaps)
    else:
        rows = _unit_rows(indicators, units, values, targets, parsed.year)
    province = _province_rows(indicators, _province_sums(values, latest_ids), targets, parsed.year)
    return {"period": parsed.code, "rows": rows, "province": province,
            "value_periods": _value_periods(indicators, values)}


def _by_indicator_and_unit(latest_rows):
    """Return {indicator id: {unit id: row}}, each indicator's rows in the order read."""
    values = {}
    for row in latest_rows:
        values.setdefault(row[INDICATOR], {})[row[UNIT]] = row
    return values


def _targets_by_indicator(indicators, year):
    targets = {}
    for target in Target.objects.filter(indicator__in=indicators, year__gte=year).order_by("year"):
        targets.setdefault(target.indicator_id, []).append(target)
    return targets


def _best_values(indicators, values):
    """Return the best unit value per indicator scored against the best (normalised), in one pass."""
    normalised = {indicator.pk for indicator in indicators if indicator.scoring_rule == ScoringRule.NORMALISED}
    lower_is_better = {indicator.pk for indicator in indicators if indicator.direction != "higher"}
    best = {}
    for indicator_id in normalised.intersection(values):
        for row in values[indicator_id].values():
            value = row[VALUE]
            if value is None:
                continue
            current = best.get(indicator_id)
            if current is None or (value < current if indicator_id in lower_is_better else value > current):
                best[indicator_id] = value
    return best


def _unit_cells(indicators, units, values, targets, year):
    """Yield (indicator, unit, value, its period, target, status) for each indicator × unit it applies to.

    Most units have no target of their own: they share the province's, picked and judged once per indicator.
    """
    unit_ids = [(unit, unit.pk) for unit in units]
    for indicator in indicators:
        indicator_targets = targets.get(indicator.pk, [])
        with_own = {t.unit_id for t in indicator_targets if t.unit_id is not None}
        shared = pick_target(indicator, [t for t in indicator_targets if t.unit_id is None], year=year)
        shared_status = status_judge(indicator, shared, year=year)
        by_unit = values.get(indicator.pk, {})
        for unit, unit_id in unit_ids:
            if not indicator.applies_to(unit):
                continue
            row = by_unit.get(unit_id)
            value, value_period = (row[VALUE], row[PERIOD]) if row is not None else (None, None)
            target, status = shared, shared_status
            if unit_id in with_own:
                target = pick_target(indicator, [t for t in indicator_targets if t.unit_id in (None, unit_id)],
                                     year=year)
                status = status_judge(indicator, target, year=year)
            yield indicator, unit, value, value_period, target, status(value)


def _unit_rows(indicators, units, values, targets, year):
    best = _best_values(indicators, values)
    return [_row(indicator, unit, value, target, year, best.get(indicator.pk), value_period=value_period,
                 status=status)
            for indicator, unit, value, value_period, target, status in _unit_cells(indicators, units, values,
                                                                                    targets, year)]


def behind_by(target, value, unit):
    """Rank a unit's figure off track: the largest gap between target and value first, then by unit code."""
    return (-Decimal((target or 0) - (value or 0)), unit.code)


def _largest_gaps(indicators, units, values, targets, year, limit):
    """Return the `limit` unit rows off track furthest behind, scoring only those (not every unit row)."""
    behind = heapq.nsmallest(
        limit, (cell for cell in _unit_cells(indicators, units, values, targets, year) if cell[5] == Status.OFF_TRACK),
        key=lambda cell: behind_by(cell[4].value, cell[2], cell[1]))
    best = _best_values(indicators, values) if behind else {}
    return [_row(indicator, unit, value, target, year, best.get(indicator.pk), value_period=value_period,
                 status=status) for indicator, unit, value, value_period, target, status in behind]


def _row(indicator, unit, value, target, year, best=None, value_period=None, status=None):
    return {
        "indicator": indicator, "unit": unit, "value": value, "value_period": value_period,
        "target": target.value if target else None, "target_year": target.year if target else None,
        "target_decision": target.decision if target else None,
        "points": points_of(indicator, value, target, best=best), "max_points": indicator.max_points,
        "status": status_of(indicator, value, target, year=year) if status is None else status,
    }


def _province_sums(values, latest_ids):
    """Return {indicator id: sums} of the units' latest approved values, as SQL's SUM, AVG and COUNT would.

    Sums and the mean skip missing figures (None when there is none); "latest" (for the indicators in
    `latest_ids`) is the most recent of the values: by period start, then review time (unreviewed last),
    then the newer row.
    """
    sums = {}
    for indicator_id, by_unit in values.items():
        rows = list(by_unit.values())
        figures = [row[VALUE] for row in rows if row[VALUE] is not None]
        value_sum = _sum_of(figures)
        sums[indicator_id] = {
            "numerator_sum": _sum_of([row[NUMERATOR] for row in rows if row[NUMERATOR] is not None]),
            "denominator_sum": _sum_of([row[DENOMINATOR] for row in rows if row[DENOMINATOR] is not None]),
            "value_sum": value_sum, "reporting": len(rows),
            "value_avg": value_sum / len(figures) if figures else None,
            "value_latest": max(rows, key=_newest_first)[VALUE] if indicator_id in latest_ids else None,
        }
    return sums


def _sum_of(figures):
    """Return the figures added up left to right, or None if there are none."""
    return functools.reduce(operator.add, figures) if figures else None


def _newest_first(row):
    return (row[START], row[TIE] is not None, row[TIE], row[PK])


def _value_periods(indicators, values):
    """Return {indicator code: [period codes]}: the periods of the latest values the figures are drawn from."""
    codes = {indicator.pk: indicator.code for indicator in indicators}
    found = {codes[indicator_id]: {row[PERIOD] for row in by_unit.values()} for indicator_id, by_unit in values.items()}
    return {code: sorted(periods) for code, periods in sorted(found.items())}


def _province_rows(indicators, sums, targets, year):
    """Roll the units' latest approved values up to the province, by each indicator's rule."""
    rows = []
    for indicator in indicators:
        value = _rolled_up(indicator, sums.get(indicator.pk))
        province_targets = [t for t in targets.get(indicator.pk, []) if t.unit_id is None]
        target = pick_target(indicator, province_targets, year=year)
        row = _row(indicator, None, value, target, year)
        row["reporting_units"] = sums.get(indicator.pk, {}).get("reporting", 0)
        rows.append(row)
    return rows


def _rolled_up(indicator, sums):
    if not sums:
        return None
    rule = indicator.aggregation
    if rule == Aggregation.SUM_RATIO and sums["denominator_sum"]:
        return round(sums["numerator_sum"] * HUNDRED / sums["denominator_sum"], 4)
    if rule == Aggregation.SUM:
        return sums["value_sum"]
    if rule == Aggregation.LATEST:
        return sums["value_latest"]
    return round(sums["value_avg"], 4) if sums["value_avg"] is not None else None


def completeness(*, period, units=None):
    """Return, per unit that existed in the period, what was expected, submitted, on time and missing."""
    parsed = parse_period(period)
    indicators = list(Indicator.objects.filter(is_active=True, source=Source.MANUAL, period_type=parsed.type))
    expected_by_kind = Counter(kind for indicator in indicators for kind in indicator.unit_kinds)
    unit_qs = units_existing_during(parsed, units).filter(kind__in=list(expected_by_kind)).order_by("path")
    counts = {
        row["unit_id"]: row
        for row in IndicatorValue.objects.filter(period=parsed.code, indicator__in=indicators, unit__in=unit_qs)
        .values("unit_id").annotate(
            submitted=Count("id", filter=Q(first_submitted_at__isnull=False)),
            on_time=Count("id", filter=Q(first_submitted_at__date__lte=F("due_date"))),
            approved=Count("id", filter=Q(state=ValueState.APPROVED)),
        )
    }
    rows = []
    for unit in unit_qs:
        found = counts.get(unit.pk, {})
        expected, submitted = expected_by_kind[unit.kind], found.get("submitted", 0)
        rows.append({
            "unit": unit, "expected": expected, "submitted": submitted, "on_time": found.get("on_time", 0),
            "late": submitted - found.get("on_time", 0), "approved": found.get("approved", 0),
            "missing": max(expected - submitted, 0),
        })
    return {"period": parsed.code, "rows": rows, "totals": _totals(rows)}


def _totals(rows):
    keys = ["expected", "submitted", "on_time", "late", "approved", "missing"]
    return {key: sum(row[key] for row in rows) for key in keys}


def last_finished_period(period_type, today, regime=None):
    """Return the code of the most recent period of this type that has ended by `today` (under `regime`)."""
    if regime is not None:
        return last_finished_in_regime(regime, period_type, today)
    if period_type == "year":
        return str(today.year - 1)
    if period_type == "quarter":
        quarter = (today.month - 1) // 3  # the previous quarter, 0 meaning Q4 of last year
        return f"{today.year}Q{quarter}" if quarter else f"{today.year - 1}Q4"
    if period_type in ("half_year", "nine_months"):
        return _last_finished_long_period(period_type, today)
    first_of_month = date(today.year, today.month, 1)
    return current_period("month", date.fromordinal(first_of_month.toordinal() - 1))


def _last_finished_long_period(period_type, today):
    if period_type == "nine_months":
        return f"{today.year}M9" if today.month > 9 else f"{today.year - 1}M9"
    return f"{today.year}S1" if today.month > 6 else f"{today.year - 1}S2"


def indicators_with_regimes(queryset=None):
    """Return active manually entered indicators with their regimes loaded (no query per indicator)."""
    queryset = Indicator.objects.all() if queryset is None else queryset
    return list(queryset.filter(is_active=True, source=Source.MANUAL)
                .select_related("framework__regime", "regime"))


def due_periods_of(indicators, today, workdays, *, pick=None):
    """Return {indicator id: Period}: each indicator's last finished period under its regime, with its deadline.

    `pick(period_type, today, regime)` chooses another period (e.g. `current_period`).
    """
    pick = pick or last_finished_period
    periods, by_rule = {}, {}
    for indicator in indicators:
        regime = indicator.regime_in_force()
        key = (regime.pk, indicator.period_type)
        if key not in by_rule:
            by_rule[key] = period_for(indicator, pick(indicator.period_type, today, regime), workdays=workdays)
        periods[indicator.pk] = by_rule[key]
    return periods


def working_days_late(due, today, workdays):
    """Return how many working days `today` is past `due` (0 while the deadline has not passed)."""
    return workdays.working_days_between(due, today) if today > due else 0


def staff_tasks(*, actor, today):
    """Return what the actor's units owe now: missing or unsent values of the last finished periods,
    and values that came back, each with its deadline and how many working days it is overdue."""
    units = list(actor.home_units.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)))
    indicators = indicators_with_regimes()
    workdays = calendar_for(today.year - 1, today.year)
    due_periods = due_periods_of(indicators, today, workdays)
    existing = {
        (v.indicator_id, v.unit_id, v.period): v
        for v in IndicatorValue.objects.filter(unit__in=units, period__in={p.code for p in due_periods.values()})
    }
    tasks = []
    for unit in units:
        for indicator in indicators:
            if not indicator.applies_to(unit):
                continue
            period = due_periods[indicator.pk]
            value = existing.get((indicator.pk, unit.pk, period.code))
            if value is not None and value.state in (ValueState.SUBMITTED, ValueState.APPROVED):
                continue
            # A value already entered keeps the deadline stored with it, even if the regime changed since.
            due = value.due_date if value is not None else period.deadline
            late = working_days_late(due, today, workdays)
            tasks.append({"indicator": indicator, "unit": unit, "period": period.code, "value": value,
                          "due_date": due, "period_start": period.start, "period_end": period.end,
                          "overdue": late > 0, "working_days_late": late,
                          "state": value.state if value else None,
                          "return_reason": value.return_reason if value else ""})
    tasks.sort(key=lambda task: (task["state"] != ValueState.RETURNED, task["due_date"]))
    return tasks


REVIEW_ACTIONS = (AuditAction.APPROVE, AuditAction.RETURN)


def review_queue(actor, queryset=None):
    """Return submitted values the actor may review, oldest first, with the snapshot of their last review.

    The last review is the last approval or return, whichever came later: after a return the reviewer wants to
    see what the unit corrected, not what differs from an approval of long ago.
    """
    last_review = (AuditEntry.objects.filter(value=OuterRef("pk"), action__in=REVIEW_ACTIONS)
                   .order_by("-at", "-pk"))
    return (
        values_visible_to(actor, queryset).filter(state=ValueState.SUBMITTED)
        .select_related("indicator", "unit", "updated_by")
        .annotate(last_reviewed=Subquery(last_review.values("after")[:1]),
                  last_review_action=Subquery(last_review.values("action")[:1]))
        .order_by("submitted_at", "pk")
    )


def changes_since_review(value):
    """Return {field: (then, now)} for what changed since the value was last approved or returned."""
    reviewed = getattr(value, "last_reviewed", None)
    if not reviewed:
        return {}
    now = value.audit_snapshot()
    return {name: (reviewed.get(name), now[name]) for name in ("numerator", "denominator", "value", "note")
            if str(reviewed.get(name)) != str(now[name])}



def regimes_in_use():
    """Return the regimes active indicators report under (their own, else their framework's), by code."""
    own = Q(indicators__is_active=True)
    inherited = Q(frameworks__indicators__is_active=True, frameworks__indicators__regime__isnull=True)
    return Regime.objects.filter(own | inherited).distinct().order_by("code")


def period_rules(code):
    """Return, for each regime in use that reports at this period's frequency, the Period `code` names there.

    Two queries whatever the number of indicators: the regimes, and the working-day changes.
    """
    parsed = parse_period(code)
    regimes = [regime for regime in regimes_in_use() if regime_allows(regime, parsed.type)]
    if not regimes:
        return []
    workdays = calendar_for(parsed.year - 1, parsed.year)
    return [regime_period(regime, parsed.code, workdays=workdays) for regime in regimes]
