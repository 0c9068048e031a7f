"""Compose the dashboard and the public open-data page from the report content (reads only).

The dashboard draws `reports.content.build_content`, so it shows the same figures as the compliance
report of the same period and scope, plus the monthly dossier trend. Everything here is a fixed
number of queries, whatever the number of units: the query-count test holds it to that.
"""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Max, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from departments.models import Unit, UnitKind
from departments.policy import Actor, can_see_province, units_visible_to
from departments.selectors import units_rolling_up_to
from indicators.models import Indicator, IndicatorValue, ValueState
from indicators.periods import PeriodError, PeriodType, parse_period, periods_of_year
from indicators.scoring import Status
from indicators.selectors import last_finished_period, latest_approved_values, progress, units_existing_during
from indicators.workspace import period_label
from procedures.models import STAT_COUNTERS, DossierMonthStat
from procedures.selectors import stats_visible_to, with_rates

from .content import content_and_progress

STATUS_ORDER = [Status.ACHIEVED, Status.ON_TRACK, Status.OFF_TRACK, Status.NO_DATA, Status.NO_TARGET]
INDICATOR_ROWS_SHOWN = 200
TREND_RATES = ("on_time_rate", "online_rate")
HUNDRED = Decimal(100)


# --- choosing a period and a scope -------------------------------------------------------------------


def default_period(today):
    """Return the current reporting period: the last finished year (the one being reported now)."""
    return last_finished_period("year", today)


def checked_period(code, *, today):
    """Return the Period `code` names if it has begun by `today`, or raise PeriodError."""
    period = parse_period(code)
    if period.start > today:
        raise PeriodError(_("Kỳ này chưa bắt đầu: chọn một kỳ đã qua hoặc đang diễn ra."))
    return period


def data_years(*, today, unit=None, dossiers=True):
    """Return (years to offer, newest first; the newest year up to the current period with data in the scope).

    Data are approved values (what the dashboard and the public page show) and, with `dossiers`, the
    dossier summary cells (never the dossiers themselves). `unit` limits the "newest" to its subtree;
    the years offered reach back to the oldest data anywhere. Three aggregate queries, whatever the size:
    the first and last approved period apart, so that each is one probe of its partial index
    (`value_approved_start`, `value_approved_end`) rather than a scan of every approved value.
    """
    current_end = parse_period(default_period(today)).end
    in_scope = Q(unit__path__startswith=unit.path) if unit is not None else Q()
    approved = IndicatorValue.objects.filter(state=ValueState.APPROVED)
    firsts = [approved.aggregate(first=Min("period_start"))["first"]]
    lasts = [approved.filter(in_scope, period_end__lte=current_end).aggregate(last=Max("period_end"))["last"]]
    if dossiers:
        cells = DossierMonthStat.objects.aggregate(
            first=Min("month"), last=Max("month", filter=in_scope & Q(month__lte=current_end)))
        firsts.append(cells["first"])
        lasts.append(cells["last"])
    known_firsts = [day.year for day in firsts if day is not None]
    first = min([*known_firsts, today.year - 1])
    latest = max((day.year for day in lasts if day is not None), default=None)
    return [str(year) for year in range(today.year, first - 1, -1)], str(latest) if latest else None


def opening_period(today, latest_year):
    """Return the period a page opens on: the current one if it has data, else the newest year that has."""
    current = default_period(today)
    return latest_year if latest_year and latest_year < current else current


PERIOD_TYPES_OFFERED = (PeriodType.YEAR, PeriodType.NINE_MONTHS, PeriodType.HALF_YEAR, PeriodType.QUARTER,
                        PeriodType.MONTH)


def period_choices(years, today, *, types=None, chosen=None):
    """Return [(group label, [(code, name)])], one group per year, of the periods begun by `today`, newest first.

    People pick "Quý 3/2025" from a list; nobody types `2025Q3`. `types` defaults to every period type;
    `chosen` is listed too if it is not there.
    """
    types = types or PERIOD_TYPES_OFFERED
    groups = []
    for year in years:
        codes = [code for period_type in types for code in reversed(periods_of_year(int(year), period_type))]
        options = [(code, period_label(code)) for code in codes if parse_period(code).start <= today]
        if options:
            groups.append((_("Năm %(year)s") % {"year": year}, options))
    if chosen and not any(code == chosen for _label, options in groups for code, _name in options):
        groups.insert(0, ("", [(chosen, period_label(chosen))]))
    return groups


def value_periods(*, period, unit=None):
    """Return {indicator code: [period codes]} of the approved values the figures of `period` are drawn from.

    A figure is each unit's latest approved value whose period ended by the period's end (indicators.selectors
    .progress), so a 2025 page may show a 2023 value: the page says so. Three queries.
    """
    parsed = parse_period(period)
    units = units_existing_during(parsed).exclude(kind=UnitKind.PROVINCE)
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
    # The ids first, as `progress` does: the DISTINCT ON walk then filters on lists, not a join per value.
    codes = dict(Indicator.objects.filter(is_active=True).values_list("pk", "code"))
    latest = latest_approved_values(indicators=list(codes), units=list(units.values_list("pk", flat=True)),
                                    as_of=parsed.end)
    found = {}
    for indicator_id, value_period in latest.values_list("indicator_id", "period"):
        found.setdefault(codes[indicator_id], set()).add(value_period)
    return {code: sorted(periods) for code, periods in sorted(found.items())}


def other_periods(periods, shown):
    """Return the names of the periods in `periods` other than `shown` ("Năm 2023"), or "" if there are none."""
    others = [code for code in periods if code and code != shown]
    return ", ".join(period_label(code) for code in others)


def scope_units(actor):
    """Return the units the actor may choose as the dashboard's scope, in tree order."""
    return list(units_visible_to(actor).order_by("path"))


def default_scope(actor, units, *, on):
    """Return the scope to open on: the province for reviewers and admins, else the person's own unit."""
    if can_see_province(actor) or not units:
        return None
    home = list(actor.home_units.order_by("path"))
    current = [unit for unit in home if unit.is_valid_on(on)]
    return (current or home or units)[0]


# --- the dashboard -----------------------------------------------------------------------------------


def dashboard_data(*, period, unit=None):
    """Return everything the dashboard shows for a period (a code such as "2023") and a scope.

    The caller has checked that the actor may see `unit` (None: the province).
    """
    parsed = parse_period(period)
    content, progress_result = content_and_progress(period=parsed.code, unit=unit)
    sections = {section["key"]: section for section in content["sections"]}
    indicators = _indicators_by_code(sections["indicators"]["rows"])
    units = _units_by_code(sections)
    # A unit's row names its value's period; the province's roll-up may draw on several: the same latest
    # values the content read say which (what `value_periods` would read again).
    periods = progress_result["value_periods"] if unit is None else None
    indicator_rows = _indicator_rows(sections["indicators"]["rows"], indicators, units, parsed, periods)
    return {
        "period_rules": period_rules_shown(content["period_rules"]),
        "summary": content["summary"],
        "headline": _headline(content["summary"]),
        "has_own_values": any(row["own_value"] for row in indicator_rows),
        "pillars": _pillars(indicator_rows),
        "indicators": indicator_rows[:INDICATOR_ROWS_SHOWN],
        "indicators_total": len(indicator_rows),
        "trend": _trend(parsed, unit),
        "ranking": _ranking(sections["ranking"]["rows"], parsed, units),
        "completeness": _completeness(sections["completeness"]["rows"], content["summary"]["completeness"],
                                      parsed, units),
        "gaps": _gaps(sections["gaps"]["rows"], indicators, units, parsed),
    }


def _indicators_by_code(rows):
    codes = {row["code"] for row in rows}
    found = Indicator.objects.filter(code__in=codes).select_related("framework", "pillar")
    return {indicator.code: indicator for indicator in found}


def _units_by_code(sections):
    codes = {row["unit"] for key in ("indicators", "completeness", "ranking", "gaps") for row in sections[key]["rows"]}
    return {unit.code: unit for unit in Unit.objects.filter(code__in=codes).only("pk", "code", "name", "name_en")}


def localized(obj, field="name"):
    """Return the English text of `field` when English is active and there is one, else the Vietnamese."""
    if (translation.get_language() or "vi").startswith("en"):
        return getattr(obj, f"{field}_en", "") or getattr(obj, field)
    return getattr(obj, field)


def values_url(**filters):
    """Return the admin's list of indicator values filtered as given (only lookups the admin allows)."""
    url = reverse("admin:indicators_indicatorvalue_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def month_stats_url(year, unit=None):
    """Return the admin's list of a year's monthly dossier figures (of one unit): a page people read, not JSON."""
    filters = {"month__gte": f"{year}-01-01", "month__lt": f"{year + 1}-01-01"}
    if unit is not None:
        filters["unit__id__exact"] = unit.pk
    return f"{reverse('admin:procedures_dossiermonthstat_changelist')}?{urlencode(filters)}"


def share(part, whole):
    """Return part/whole as a CSS width ("62.5%"), capped to 0–100; text, so no locale ever formats it."""
    if part is None or not whole:
        return "0%"
    ratio = max(Decimal(0), min(HUNDRED, Decimal(part) * HUNDRED / Decimal(whole)))
    return f"{ratio.quantize(Decimal('0.1'))}%"


def period_rules_shown(rules):
    """Return the content's period rules with dates as dates and the period by name, for the page to format."""
    return [{**rule, "name": period_label(rule["period"]),
             "start": date.fromisoformat(rule["start"]), "end": date.fromisoformat(rule["end"]),
             "deadline": date.fromisoformat(rule["deadline"]) if rule["deadline"] else None} for rule in rules]


def _indicator_rows(rows, indicators, units, parsed, periods=None):
    shown = []
    for row in rows:
        indicator, unit = indicators.get(row["code"]), units.get(row["unit"])
        if indicator is None:
            continue
        drawn_from = periods.get(row["code"], []) if periods is not None else [row["value_period"]]
        scale = max(row["value"] or 0, row["target"] or 0)
        filters = {"indicator__id__exact": indicator.pk, "state__exact": ValueState.APPROVED}
        if unit is not None:
            filters["unit__id__exact"] = unit.pk
        shown.append({
            **row, "indicator": indicator, "name": localized(indicator), "unit_obj": unit,
            "status": row["status_code"], "status_label": row["status"],
            "value_width": share(row["value"], scale), "target_at": share(row["target"], scale),
            "unit_of_measure": indicator.unit_of_measure, "url": values_url(**filters),
            "value_from": other_periods(drawn_from, parsed.code) if row["value"] is not None else "",
            "own_value": row["value"] is not None and parsed.code in drawn_from,
        })
    return shown


def _pillar_key(indicator):
    pillar = indicator.pillar
    if pillar is None:
        return (indicator.framework.code, 10_000, "")
    return (indicator.framework.code, pillar.order, pillar.code)


def _pillars(rows):
    """Return per pillar: how many rows are in each status, and the points earned of the maximum."""
    pillars = {}
    for row in rows:
        indicator = row["indicator"]
        key = _pillar_key(indicator)
        entry = pillars.setdefault(key, {
            "key": "-".join(str(part) for part in key if part != ""), "framework": localized(indicator.framework),
            "name": localized(indicator.pillar) if indicator.pillar else _("Chưa xếp trụ cột"),
            "counts": {status.value: 0 for status in STATUS_ORDER}, "rows": 0,
            "points": Decimal(0), "max_points": Decimal(0),
        })
        entry["counts"][row["status"]] += 1
        entry["rows"] += 1
        entry["points"] += row["points"] or 0
        entry["max_points"] += row["max_points"] or 0
        row["pillar_key"] = entry["key"]
    result = []
    for _key, entry in sorted(pillars.items()):
        entry["segments"] = [
            {"status": status.value, "label": status.label, "count": entry["counts"][status.value],
             "width": share(entry["counts"][status.value], entry["rows"])}
            for status in STATUS_ORDER if entry["counts"][status.value]
        ]
        entry["points_width"] = share(entry["points"], entry["max_points"])
        result.append(entry)
    return result


def _headline(summary):
    indicators = summary["indicators"]
    return {
        "statuses": [{"status": status.value, "label": status.label, "count": indicators.get(status.value, 0)}
                     for status in STATUS_ORDER],
        "indicators_total": indicators["total"],
        "has_values": indicators["total"] > indicators.get(Status.NO_DATA, 0),
        "completeness": summary["completeness"],
        "completeness_width": share(summary["completeness"]["submitted"], summary["completeness"]["expected"]),
        "dossiers": summary["dossiers"],
        "coverage": summary["coverage"],
    }


def _trend(parsed, unit):
    """Return the twelve months of the period's year: on-time and online rates (None where nothing happened).

    Read from the month summary cells only: the trend shows no overdue count, so unlike `procedure_stats`
    (which counts overdue from the pending dossiers) it never touches the dossiers.
    """
    year = parse_period(str(parsed.year))
    cells = stats_visible_to(Actor.for_system()).filter(month__gte=year.start, month__lte=year.end)
    if unit is not None:
        cells = cells.filter(unit_id__in=units_rolling_up_to(unit))
    rows = [with_rates(row) for row in cells.values("month").annotate(
        **{name: Coalesce(Sum(name), 0) for name in STAT_COUNTERS}).order_by("month")]
    by_month = {(row["month"].year, row["month"].month): row for row in rows}
    months = []
    for month in range(1, 13):
        row = by_month.get((year.year, month), {})
        entry = {"month": date(year.year, month, 1), "received": row.get("received", 0),
                 "processed": row.get("processed", 0)}
        for rate in TREND_RATES:
            entry[rate] = row.get(rate)
            entry[f"{rate}_width"] = share(row.get(rate), 100)
        months.append(entry)
    return {
        "year": year.code, "months": months, "has_data": bool(rows),
        "url": month_stats_url(year.year, unit),
    }


def _ranking(rows, parsed, units):
    best = max((row["total"] for row in rows), default=0)
    ranked = []
    for row in rows:
        unit = units.get(row["unit"])
        ranked.append({
            **row, "unit_obj": unit, "width": share(row["total"], best),
            "url": month_stats_url(parsed.year, unit) if unit is not None else None,
        })
    return ranked


def _completeness(rows, totals, parsed, units):
    shown = []
    for row in sorted(rows, key=lambda r: (-r["missing"], r["unit"])):
        unit = units.get(row["unit"])
        filters = {"period": parsed.code, **({"unit__id__exact": unit.pk} if unit else {})}
        shown.append({**row, "width": share(row["submitted"], row["expected"]), "url": values_url(**filters)})
    return {"totals": totals, "rows": shown}


def _gaps(rows, indicators, units, parsed):
    """Return the content's largest gaps, each with a link to the values behind it."""
    shown = []
    for row in rows:
        unit = units.get(row["unit"])
        code = row["indicator"]
        filters = {"unit__id__exact": unit.pk} if unit else {}
        if code in indicators:  # a unit off track: its approved value of that indicator
            filters.update({"indicator__id__exact": indicators[code].pk, "state__exact": ValueState.APPROVED})
        else:  # a unit that has not sent everything for the period
            filters["period"] = parsed.code
        shown.append({**row, "url": values_url(**filters)})
    return shown


# --- the public open-data page -----------------------------------------------------------------------

PUBLIC_COLUMNS = [
    "period", "indicator", "name", "name_en", "pillar", "unit_of_measure", "value", "target", "target_year",
    "decision", "points", "max_points", "status", "status_label", "reporting_units", "value_periods",
]


def province_unit(parsed):
    """Return the province unit that existed at the end of the period (the newest one if several)."""
    return Unit.objects.filter(kind=UnitKind.PROVINCE).valid_on(parsed.end).order_by("-valid_from").first()


def public_progress(*, period):
    """Return the province's progress to target for a period, from approved values only.

    `progress` reads nothing but approved values, so a draft, submitted or returned value can never
    reach this page; the rows are the province roll-ups, not any one unit's figures.
    """
    parsed = parse_period(period)
    result = progress(period=parsed.code, unit_rows=False)  # the page shows the province's rows only
    periods = result["value_periods"]  # what `value_periods` would read again: the same latest values
    rows = []
    for row in sorted(result["province"], key=lambda r: (_pillar_key(r["indicator"]), r["indicator"].code)):
        indicator = row["indicator"]
        status = Status(row["status"])
        drawn_from = periods.get(indicator.code, []) if row["value"] is not None else []
        rows.append({
            "period": parsed.code, "indicator": indicator.code, "name": indicator.name,
            "name_en": indicator.name_en, "shown_name": localized(indicator),
            "pillar": localized(indicator.pillar) if indicator.pillar else "",
            "unit_of_measure": indicator.unit_of_measure, "value": row["value"], "target": row["target"],
            "target_year": row["target_year"], "decision": row["target_decision"] or "", "points": row["points"],
            "max_points": row["max_points"], "status": status.value, "status_label": str(status.label),
            "reporting_units": row["reporting_units"],
            "value_periods": ";".join(drawn_from), "value_from": other_periods(drawn_from, parsed.code),
            "value_width": share(row["value"], max(row["value"] or 0, row["target"] or 0)),
            "target_at": share(row["target"], max(row["value"] or 0, row["target"] or 0)),
        })
    counts = {status.value: 0 for status in STATUS_ORDER}
    for row in rows:
        counts[row["status"]] += 1
    province = province_unit(parsed)
    return {
        "period": parsed.code, "province": province, "province_name": localized(province) if province else "",
        "rows": rows, "has_values": any(row["value"] is not None for row in rows),
        "has_own_values": any(parsed.code in row["value_periods"].split(";") for row in rows),
        "statuses": [{"status": s.value, "label": s.label, "count": counts[s.value]} for s in STATUS_ORDER],
    }


def public_records(data):
    """Return the rows of the downloads: plain values under stable English keys.

    `value_periods` names the periods the value was drawn from ("2023", or "2023;2024" for a roll-up of
    units that last reported in different years), so a figure is never read as the period's own.
    """
    return [{key: _plain(row[key]) for key in PUBLIC_COLUMNS} for row in data["rows"]]


def _plain(value):
    if isinstance(value, Decimal):
        normal = value.normalize()
        return int(normal) if normal == normal.to_integral_value() else float(normal)
    return value
