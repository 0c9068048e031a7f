"""Reads about procedures and dossiers: catalogue coverage, dossier statistics (from the summary table)."""

from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import Coalesce, Trunc

from departments.policy import restrict_to_scope
from departments.selectors import lived_during, merge_parts, units_rolling_up_to

from . import counting
from .models import (
    STAT_COUNTERS,
    Dossier,
    DossierDayStat,
    DossierMonthStat,
    DossierStep,
    LevelScheme,
    OfficialScore766,
    OnlineLevel,
    ProcedureLevelPeriod,
    Score766RuleSet,
)
from .stats import sides

TWO_PLACES = Decimal("0.01")
GROUPS = {
    "unit": ["unit__code", "unit__name"],
    "procedure": ["procedure__code", "procedure__name"],
    "department": ["procedure__department__code", "procedure__department__name"],
    "field": ["procedure__field__code", "procedure__field__name"],
    "month": ["month"],
    "none": [],
}
RATES = {
    "on_time_rate": ("on_time", "processed"),
    "online_rate": ("received_online", "received"),
    "online_payment_rate": ("paid_online", "fee_required"),
    "digitization_rate": ("digitized", "received"),
    "e_result_rate": ("e_result", "processed"),
}
# Not offered to callers: the merge breakdown groups by unit id, then adds the units up into their parts.
_KEYS = {**GROUPS, "unit_id": ["unit__id"]}
SUMMED = [*STAT_COUNTERS, "overdue", "steps_on_time", "steps_late"]
# How a unit's figures may be split: not at all, or into the units merged into it (procedure_stats_by_merge).
BREAKDOWNS = ["none", "merged"]
# Which unit statistics follow (Decree 118/2025: the receiving unit may differ from the competent one).
BASES = {"competent": "unit", "receiving": "receiving_unit"}


def dossiers_visible_to(actor, queryset=None):
    """Return the dossiers of the actor's units (all for reviewers and administrators)."""
    return restrict_to_scope(actor, Dossier.objects.all() if queryset is None else queryset)


def stats_visible_to(actor, queryset=None):
    return restrict_to_scope(actor, DossierMonthStat.objects.all() if queryset is None else queryset)


def covers_whole_months(start, end):
    """Does the window start on a month's first day and end on a month's last day?"""
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def split_window(start, end):
    """Return (whole months as (first, last) or None, [(first, last) day ranges]) that add up to the window.

    A regime year (15 Dec–14 Dec) is eleven whole months read from month cells and two partial months
    read from day cells, so it costs about what a calendar year does.
    """
    if covers_whole_months(start, end):
        return (start, end), []
    first_whole = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    last_whole = end if (end + timedelta(days=1)).day == 1 else end.replace(day=1) - timedelta(days=1)
    if first_whole > last_whole:
        return None, [(start, end)]
    days = [(start, first_whole - timedelta(days=1))] if start < first_whole else []
    if last_whole < end:
        days.append((last_whole + timedelta(days=1), end))
    return (first_whole, last_whole), days


def _cell_querysets(actor, period):
    """Return the querysets of summary cells that add up to exactly the period's days (one or two)."""
    months, days = split_window(period.start, period.end)
    querysets = []
    if months is not None:
        querysets.append(stats_visible_to(actor).filter(month__gte=months[0], month__lte=months[1]))
    if days:
        within = Q()
        for first, last in days:
            within |= Q(day__gte=first, day__lte=last)
        day_cells = stats_visible_to(actor, DossierDayStat.objects.all()).filter(within)
        querysets.append(day_cells.annotate(month=Trunc("day", "month", output_field=DateField())))
    return querysets


def percent(part, whole):
    """Return part/whole as a percentage with two decimals, or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def with_rates(row):
    for name, (part, whole) in RATES.items():
        row[name] = percent(row.get(part) or 0, row.get(whole) or 0)
    return row


def procedure_stats(*, actor, period, unit=None, procedure=None, group_by="none", as_of=None, basis="competent",
                    with_steps=False):
    """Return dossier counts and rates for a period, grouped, by the counting rules (procedures.counting).

    `basis` names the unit a dossier counts for: the competent unit (default; read from the summary table)
    or the receiving unit (counted from the dossiers). `unit` includes its subtree and the units merged
    into it. `overdue` counts dossiers received in the period still open with a due date before the day of
    `as_of` (default: now). `with_steps` adds the processing steps handled in the period on time and late
    (one more query; None otherwise).
    """
    unit_ids = units_rolling_up_to(unit) if unit is not None else None
    return _stats(actor=actor, period=period, unit_ids=unit_ids, procedure=procedure, keys=_KEYS[group_by],
                  as_of=as_of, basis=basis, with_steps=with_steps)


def _stats(*, actor, period, unit_ids, procedure, keys, as_of, basis, with_steps):
    unit_field = BASES[basis]
    dossiers = dossiers_visible_to(actor)
    if procedure is not None:
        dossiers = dossiers.filter(procedure=procedure)
    if unit_ids is not None:
        dossiers = dossiers.filter(**{f"{unit_field}_id__in": unit_ids})
    if basis == "competent":
        rows = _summary_rows(actor, period, keys, unit_ids, procedure)
    else:
        rows = _counted_rows(dossiers, period, keys, unit_field)
    pending = dossiers.filter(received_at__gte=_start_of(period.start), received_at__lt=_after(period.end))
    overdue = _overdue(pending, keys, as_of, unit_field)
    steps = _step_counts(dossiers, period, keys, unit_field) if with_steps else {}
    for row in rows:
        key = tuple(row.get(name) for name in keys)
        row["overdue"] = overdue.get(key, 0)
        on_time, late = steps.get(key, (0, 0))
        row["steps_on_time"], row["steps_late"] = (on_time, late) if with_steps else (None, None)
        row["step_on_time_rate"] = percent(on_time, on_time + late)
        with_rates(row)
    return rows


def procedure_stats_by_merge(*, actor, period, unit, procedure=None, as_of=None, basis="competent",
                             with_steps=False):
    """Return (rows, total): `unit`'s figures for the period split into the units merged into it, and their sum.

    Each row is one part (`departments.selectors.merge_parts`): for 2023, Ninh Bình's rows are old Hà Nam,
    Nam Định and Ninh Bình side by side, each with its districts and communes; for 2026 the same dossiers count
    in Ninh Bình. A part that did not exist during the period is listed only when figures reach it. The total
    is what `procedure_stats` gives for `unit`. Rows carry `unit__code`, `unit__name`, the part's dates and
    `existed` (did the part exist during the period).
    """
    unit_ids = units_rolling_up_to(unit)
    by_unit = _stats(actor=actor, period=period, unit_ids=unit_ids, procedure=procedure, keys=_KEYS["unit_id"],
                     as_of=as_of, basis=basis, with_steps=with_steps)
    figures = {row["unit__id"]: row for row in by_unit}
    rows = []
    for part, ids in merge_parts(unit, period.start, period.end, ids=unit_ids):
        row = _part_row(part, [figures[pk] for pk in ids if pk in figures], with_steps)
        row["existed"] = lived_during(part, period.start, period.end)
        if row["existed"] or any(row[name] for name in SUMMED):
            rows.append(row)
    total = _part_row(unit, by_unit, with_steps)
    return rows, {name: value for name, value in total.items() if not name.startswith("unit__")}


def _part_row(part, rows, with_steps):
    row = {"unit__code": part.code, "unit__name": part.name, "unit__valid_from": part.valid_from,
           "unit__valid_to": part.valid_to, **dict.fromkeys(SUMMED, 0)}
    for counted in rows:
        for name in SUMMED:
            row[name] += counted[name] or 0
    on_time, late = row["steps_on_time"], row["steps_late"]
    row["step_on_time_rate"] = percent(on_time, on_time + late)
    if not with_steps:
        row["steps_on_time"] = row["steps_late"] = None
    return with_rates(row)


def _summary_rows(actor, period, keys, unit_ids, procedure):
    parts = []
    for cells in _cell_querysets(actor, period):
        if unit_ids is not None:
            cells = cells.filter(unit_id__in=unit_ids)
        if procedure is not None:
            cells = cells.filter(procedure=procedure)
        parts.append(_summed(cells, keys))
    return parts[0] if len(parts) == 1 else _merged(parts, keys)


def _summed(cells, keys):
    totals = {name: Coalesce(Sum(name), 0) for name in STAT_COUNTERS}
    return list(cells.values(*keys).annotate(**totals).order_by(*keys)) if keys else [cells.aggregate(**totals)]


def _merged(parts, keys):
    """Add up rows of the same group from month cells and day cells, in the order the database sorted them."""
    rows = {}
    for part in parts:
        for row in part:
            key = tuple(row[name] for name in keys)
            if key not in rows:
                rows[key] = dict(row)
                continue
            for name in STAT_COUNTERS:
                rows[key][name] += row[name]
    return [rows[key] for key in sorted(rows, key=lambda key: tuple((part is None, part) for part in key))]


def _mapped(keys, unit_field, prefix=""):
    """Return the query names of group keys: the unit by `unit_field`, the month as an annotation."""
    names = []
    for key in keys:
        if key == "month":
            names.append("cell_month")
        elif key.startswith("unit__"):
            names.append(f"{prefix}{unit_field}__{key.removeprefix('unit__')}")
        else:
            names.append(f"{prefix}{key}")
    return names


def _counted_rows(dossiers, period, keys, unit_field):
    """Count the summary's counters straight from the dossiers, grouped by `unit_field` (the same rules)."""
    rows = {}
    names = _mapped(keys, unit_field)
    for date_field, counters in sides():
        dated = dossiers.filter(**{f"{date_field}__gte": _start_of(period.start),
                                   f"{date_field}__lt": _after(period.end)})
        dated = dated.annotate(cell_month=Trunc(date_field, "month", output_field=DateField()))
        aggregates = {f"n_{name}": aggregate for name, aggregate in counters.items()}
        groups = dated.values(*names).annotate(**aggregates).order_by() if names else [dated.aggregate(**aggregates)]
        for group in groups:
            key = tuple(group[name] for name in names)
            row = rows.setdefault(key, {**dict(zip(keys, key, strict=True)), **dict.fromkeys(STAT_COUNTERS, 0)})
            for name in counters:
                row[name] += group[f"n_{name}"] or 0
    if not keys and not rows:
        rows[()] = dict.fromkeys(STAT_COUNTERS, 0)
    return [rows[key] for key in sorted(rows, key=lambda key: tuple(str(part) for part in key))]


def _overdue(pending, keys, as_of, unit_field="unit"):
    as_of = as_of or datetime.now(tz=ZoneInfo(settings.TIME_ZONE))
    late = pending.filter(counting.overdue_q(counting.local_date(as_of)))
    names = _mapped(keys, unit_field)
    if "month" in keys:
        late = late.annotate(cell_month=Trunc("received_at", "month", output_field=DateField()))
    if not keys:
        return {(): late.count()}
    return {tuple(row[name] for name in names): row["n"] for row in late.values(*names).annotate(n=Count("*"))}


def _step_counts(dossiers, period, keys, unit_field):
    """Return {group key: (steps on time, steps late)} of the steps handled in the period."""
    steps = DossierStep.objects.filter(dossier__in=dossiers, at__gte=_start_of(period.start), at__lt=_after(period.end))
    steps = steps.annotate(cell_month=Trunc("at", "month", output_field=DateField()))
    names = [name if name == "cell_month" else f"dossier__{name}" for name in _mapped(keys, unit_field)]
    counts = {"n_on_time": Count("id", filter=counting.step_on_time_q()),
              "n_late": Count("id", filter=counting.step_late_q())}
    groups = steps.values(*names).annotate(**counts).order_by() if names else [steps.aggregate(**counts)]
    return {tuple(group[name] for name in names): (group["n_on_time"], group["n_late"]) for group in groups}


def _start_of(day):
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _after(day):
    return datetime.combine(day, time.max, tzinfo=ZoneInfo(settings.TIME_ZONE))


COVERAGE_GROUPS = {
    "department": ["procedure__department__code", "procedure__department__name"], "level": [], "none": [],
}
LEVEL_FLAGS = {"province": "procedure__at_province", "district": "procedure__at_district",
               "commune": "procedure__at_commune"}


def _scheme_counts(scheme, prefix="", at=None):
    """Counts a scheme's own figures need: legacy levels (43/2011), reasons and proactive levels (224/2026)."""
    at = at or Q()
    counts = {f"{prefix}carried_over": Count("procedure_id", filter=at & ~Q(scheme=scheme), distinct=True)}
    allowed = scheme.levels if scheme else {}
    if "legacy_level" in allowed:
        counts[f"{prefix}level_3_4"] = Count("procedure_id", filter=at & Q(legacy_level__gte=3), distinct=True)
        counts[f"{prefix}level_4"] = Count("procedure_id", filter=at & Q(legacy_level=4), distinct=True)
    for level in allowed.get("reason_required_for", []):
        counts[f"{prefix}{level}_with_reason"] = Count(
            "procedure_id", filter=at & Q(online_level=level) & ~Q(partial_reason=""), distinct=True)
    for level in allowed.get("proactive_level", []):
        counts[f"{prefix}proactive_{level}"] = Count("procedure_id", filter=at & Q(proactive_level=level),
                                                     distinct=True)
    return counts


def _by_scheme(row, scheme, prefix=""):
    """Lift a row's scheme counts into `by_scheme`, with the scheme named and shares where the scheme has them."""
    figures = {name[len(prefix):]: row.pop(name) for name in list(row) if name.startswith(prefix)
               and name[len(prefix):] in _scheme_counts(scheme)}
    proactive = {name.removeprefix("proactive_"): figures.pop(name) for name in list(figures)
                 if name.startswith("proactive_")}
    if proactive:
        figures["proactive"] = proactive
    for name in ("level_3_4", "level_4"):
        if name in figures:
            figures[f"{name}_share"] = percent(figures[name], row["procedures"])
    row["scheme"] = {"code": scheme.code, "name": scheme.name} if scheme else None
    row["by_scheme"] = figures
    return row


def _coverage_by_level(periods, scheme):
    """One row per implementing level; a procedure carried out at several levels counts at each."""
    counts = {}
    for level, flag in LEVEL_FLAGS.items():
        at_level = Q(**{flag: True})
        counts[f"{level}__procedures"] = Count("procedure_id", filter=at_level, distinct=True)
        counts[f"{level}__online"] = Count("procedure_id", filter=at_level & ~Q(online_level=OnlineLevel.NONE),
                                           distinct=True)
        counts[f"{level}__full_online"] = Count("procedure_id", filter=at_level & Q(online_level=OnlineLevel.FULL),
                                                distinct=True)
        counts.update(_scheme_counts(scheme, prefix=f"{level}__s__", at=at_level))
    totals = periods.aggregate(**counts)
    rows = []
    for level in LEVEL_FLAGS:
        row = {"level": level, **{name: totals[f"{level}__{name}"] for name in ("procedures", "online", "full_online")}}
        row["online_share"] = percent(row["online"], row["procedures"])
        row["full_online_share"] = percent(row["full_online"], row["procedures"])
        prefix = f"{level}__s__"
        row.update({name: value for name, value in totals.items() if name.startswith(prefix)})
        rows.append(_by_scheme(row, scheme, prefix=prefix))
    return rows


NO_SCHEME = object()


def coverage(*, on, group_by="none", department=None, scheme=NO_SCHEME):
    """Return the share of active procedures with an online service and fully online on a date, with the figures
    of the level scheme in force that day (pass `scheme` when the caller already has it)."""
    if scheme is NO_SCHEME:
        scheme = LevelScheme.on(on)
    periods = ProcedureLevelPeriod.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    ).filter(procedure__active_from__lte=on).filter(
        Q(procedure__abolished_on__isnull=True) | Q(procedure__abolished_on__gt=on)
    )
    if department is not None:
        periods = periods.filter(procedure__department=department)
    keys = COVERAGE_GROUPS[group_by]
    counts = {
        "procedures": Count("procedure_id", distinct=True),
        "online": Count("procedure_id", filter=~Q(online_level=OnlineLevel.NONE), distinct=True),
        "full_online": Count("procedure_id", filter=Q(online_level=OnlineLevel.FULL), distinct=True),
        **_scheme_counts(scheme, prefix="s__"),
    }
    if group_by == "level":
        return _coverage_by_level(periods, scheme)
    rows = list(periods.values(*keys).annotate(**counts).order_by(*keys)) if keys else [periods.aggregate(**counts)]
    for row in rows:
        row["online_share"] = percent(row["online"], row["procedures"])
        row["full_online_share"] = percent(row["full_online"], row["procedures"])
        _by_scheme(row, scheme, prefix="s__")
    return rows


def decision766_estimates(*, actor, period, unit=None, stats_by_unit=None, level_scheme=NO_SCHEME):
    """Return, per receiving unit, the estimated Decision 766 points of the components dossiers support.

    Labelled as estimates: the rules are the portal's reading of published approximations, from the rule set in
    force at the period's end (named in each row). Pass `stats_by_unit` (procedure_stats grouped by unit) when the
    caller already has it.
    """
    rule_set = Score766RuleSet.on(period.end)
    rules = list(rule_set.rules.all()) if rule_set else []
    rows = stats_by_unit
    if rows is None:
        rows = procedure_stats(actor=actor, period=period, unit=unit, group_by="unit")
    shares = {row["procedure__department__code"]: row["online_share"]
              for row in coverage(on=period.end, group_by="department", scheme=level_scheme)}
    named = None if rule_set is None else {
        "code": rule_set.code, "name": rule_set.name, "source": rule_set.source, "groups": rule_set.groups,
        "estimated": list(dict.fromkeys(rule.component for rule in sorted(rules, key=lambda r: r.component))),
    }
    estimates = []
    for row in rows:
        metrics = {name: row.get(name) for name in RATES}
        metrics["procedures_online_share"] = shares.get(row["unit__code"])
        estimates.append({"unit": row["unit__code"], "unit_name": row["unit__name"], "estimate": True,
                          "rule_set": named, **_score(rules, metrics)})
    return estimates


def official_scores(*, period, units):
    """Return {unit code: the latest official scores published for the period}, groups and total, with dates.

    A score published within the period or up to a year after its end counts for it (the portal publishes late).
    """
    latest = {}
    rows = OfficialScore766.objects.filter(
        unit__code__in=units, published_on__gte=period.start,
        published_on__lte=period.end.replace(year=period.end.year + 1),
    ).select_related("unit").order_by("unit__code", "group", "published_on")
    for score in rows:
        latest.setdefault(score.unit.code, {})[score.group] = score  # the last published wins
    result = {}
    for code, groups in latest.items():
        result[code] = {
            "groups": {group: score.points for group, score in groups.items()},
            "total": sum((score.points for score in groups.values()), Decimal(0)),
            "published_on": max(score.published_on for score in groups.values()),
            "source": sorted({score.source for score in groups.values()})[0],
        }
    return result


def with_official_scores(estimates, period):
    """Put each unit's official score beside its estimate, with the difference (official − estimate)."""
    official = official_scores(period=period, units=[e["unit"] for e in estimates])
    for estimate in estimates:
        found = official.get(estimate["unit"])
        estimate["official"] = found
        estimate["difference"] = None if found is None else found["total"] - estimate["total"]
    return estimates


def _score(rules, metrics):
    components, total, maximum = {}, Decimal(0), Decimal(0)
    for rule in rules:
        metric = metrics.get(rule.metric)
        points = None if metric is None else min(Decimal(metric) / rule.full_at, Decimal(1)) * rule.max_points
        entry = components.setdefault(rule.component, {"points": Decimal(0), "max_points": Decimal(0), "metrics": {}})
        entry["max_points"] += rule.max_points
        entry["metrics"][rule.metric] = metric
        maximum += rule.max_points
        if points is not None:
            entry["points"] += points.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
            total += points.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return {"components": components, "total": total, "max_total": maximum}
