"""Compute a compliance report's content from the other apps' selectors (reads only).

The content is format-neutral: sections of typed columns and rows, a chart and a JSON summary.
The renderers (XLSX, CSV, PDF) draw the same content, so every format shows the same figures.
"""

import hashlib
import heapq
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from departments.models import Unit
from departments.policy import Actor
from indicators.periods import parse_period
from indicators.scoring import Status
from indicators.selectors import behind_by, completeness, period_rules, progress
from procedures.models import STAT_COUNTERS, Component766, LevelScheme
from procedures.selectors import coverage, decision766_estimates, procedure_stats, with_official_scores, with_rates

from .models import DataChange

GAP_LIMIT = 10


def data_version(*, period, unit=None, on=None):
    """Return a fingerprint of everything a report reads as of a day: same data and day, same fingerprint.

    Database triggers move the DataChange counter whenever any table the report reads is written (see
    migration 0002), so reading one row stands for a million dossiers. The day is part of it because
    overdue dossiers and late reports are counted as of today.
    """
    counter = DataChange.objects.filter(pk=1).values_list("epoch", "version").first() or ("none", 0)
    day = on or timezone.localdate()
    parts = [period, unit.pk if unit else "*", day.isoformat(), str(counter[0]), counter[1]]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def column(key, title, kind="text"):
    return {"key": key, "title": title, "type": kind}


def build_content(*, period, unit=None):
    """Return the report content for a period (a string like "2023") and an optional unit scope."""
    return content_and_progress(period=period, unit=unit)[0]


def content_and_progress(*, period, unit=None):
    """Return (the report content, the `progress` it was drawn from): the dashboard reads both, once."""
    parsed = parse_period(period)
    actor = Actor.for_system()
    scope_units = Unit.objects.filter(path__startswith=unit.path) if unit else None
    # A province's unit rows only feed its gaps: score just the ones shown, not every indicator × unit.
    progress_result = progress(period=period, unit=unit, largest_gaps=None if unit else GAP_LIMIT)
    completeness_result = completeness(period=period, units=scope_units)
    stats = procedure_stats(actor=actor, period=parsed, unit=unit, group_by="unit")
    totals = _totals(stats)  # the units' rows add up to the scope: no second pass over cells and dossiers
    scheme = LevelScheme.on(parsed.end)  # the online level scheme every catalogue figure is under
    estimates = decision766_estimates(actor=actor, period=parsed, unit=unit, stats_by_unit=stats, level_scheme=scheme)
    with_official_scores(estimates, parsed)
    department = unit if unit is not None and unit.kind in ("department", "agency") else None
    coverage_rows = coverage(on=parsed.end, group_by="department", department=department, scheme=scheme)
    level_rows = coverage(on=parsed.end, group_by="level", scheme=scheme)
    indicator_rows = progress_result["rows"] if unit else progress_result["province"]
    rules = _period_rules(parsed.code)
    sections = [
        _indicators_section(indicator_rows),
        _completeness_section(completeness_result),
        _coverage_section(coverage_rows, level_rows, scheme),
        _dossiers_section(stats),
        _decision766_section(estimates),
        _ranking_section(estimates, stats),
        _gaps_section(progress_result["rows"], completeness_result, parsed, rules),
    ]
    content = {
        "kind": "compliance", "period": parsed.code,
        "title": _("Báo cáo tình hình thực hiện chuyển đổi số"),
        "scope": {"code": unit.code if unit else None, "name": unit.name if unit else _("Toàn tỉnh")},
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "period_rules": rules,
        "sections": sections,
        "chart": _chart(indicator_rows),
        "summary": _summary(indicator_rows, completeness_result, totals, coverage(on=parsed.end, scheme=scheme)[0]),
    }
    return content, progress_result


def _totals(stats):
    """Return the scope's dossier counts and rates as the sum of its units' rows (counters and overdue add up)."""
    totals = dict.fromkeys((*STAT_COUNTERS, "overdue"), 0)
    for row in stats:
        for name in totals:
            totals[name] += row[name] or 0
    return with_rates(totals)


def _period_rules(code):
    """Return what the period covers and when it is due under each regime the indicators report under."""
    return [{
        "period": rule.code, "start": rule.start.isoformat(), "end": rule.end.isoformat(),
        "deadline": rule.deadline.isoformat() if rule.deadline else None, "regime": rule.regime.code,
        "regime_name": rule.regime.name, "legal_basis": rule.regime.legal_basis,
    } for rule in period_rules(code)]


def _indicators_section(rows):
    return {
        "key": "indicators", "title": _("Chỉ tiêu theo trụ cột"),
        "columns": [
            column("pillar", _("Trụ cột")), column("code", _("Mã chỉ tiêu")), column("name", _("Chỉ tiêu")),
            column("unit", _("Đơn vị")), column("value", _("Giá trị đã duyệt"), "number"),
            column("value_period", _("Kỳ số liệu")), column("target", _("Mục tiêu"), "number"),
            column("target_year", _("Năm mục tiêu")), column("decision", _("Theo văn bản")),
            column("points", _("Điểm"), "number"), column("max_points", _("Điểm tối đa"), "number"),
            column("status", _("Tình trạng")),
        ],
        "rows": [{
            "pillar": row["indicator"].pillar.name if row["indicator"].pillar else "",
            "code": row["indicator"].code, "name": row["indicator"].name,
            "unit": row["unit"].code if row["unit"] else _("Toàn tỉnh"), "value": row["value"],
            "value_period": row["value_period"] or "", "target": row["target"],
            "target_year": str(row["target_year"] or ""),
            "decision": row["target_decision"] or "", "points": row["points"], "max_points": row["max_points"],
            "status": str(Status(row["status"]).label), "status_code": row["status"],
        } for row in sorted(rows, key=lambda r: (r["indicator"].pillar.order if r["indicator"].pillar else 0,
                                                 r["indicator"].code, r["unit"].code if r["unit"] else ""))],
    }


def _completeness_section(result):
    return {
        "key": "completeness", "title": _("Tính đầy đủ và kịp thời của báo cáo"),
        "columns": [
            column("unit", _("Mã đơn vị")), column("name", _("Đơn vị")), column("expected", _("Phải báo cáo"), "int"),
            column("submitted", _("Đã gửi"), "int"), column("on_time", _("Đúng hạn"), "int"),
            column("late", _("Trễ hạn"), "int"), column("missing", _("Chưa gửi"), "int"),
        ],
        "rows": [{"unit": row["unit"].code, "name": row["unit"].name, **{key: row[key] for key in (
            "expected", "submitted", "on_time", "late", "missing")}} for row in result["rows"]],
    }


# The figures only some schemes have, as extra columns of the coverage section.
SCHEME_COLUMNS = [
    ("level_3_4_share", _lazy("Tỷ lệ mức độ 3–4 (%)"), "percent"),
    ("level_4_share", _lazy("Tỷ lệ mức độ 4 (%)"), "percent"),
    ("partial_with_reason", _lazy("Một phần có lý do pháp lý"), "int"),
    ("proactive_total", _lazy("Dịch vụ chủ động (mức 1–4)"), "int"),
    ("carried_over", _lazy("Còn ghi theo hệ thống cũ"), "int"),
]

SCHEME_KEYS = {key for key, _title, _kind in SCHEME_COLUMNS}


def _coverage_row(group, name, row):
    figures = dict(row["by_scheme"])
    if "proactive" in figures:
        figures["proactive_total"] = sum(figures.pop("proactive").values())
    figures = {key: value for key, value in figures.items() if key in SCHEME_KEYS}
    return {"group": group, "name": name, "procedures": row["procedures"], "online": row["online"],
            "full_online": row["full_online"], "online_share": row["online_share"],
            "full_online_share": row["full_online_share"], **figures}


def _coverage_section(by_department, by_level, scheme):
    level_names = {"province": _("Cấp tỉnh"), "district": _("Cấp huyện"), "commune": _("Cấp xã")}
    rows = [_coverage_row(_("Cơ quan"), row["procedure__department__name"], row) for row in by_department]
    rows += [_coverage_row(_("Cấp thực hiện"), level_names[row["level"]], row) for row in by_level]
    present = set(_scheme_columns(scheme))
    return {
        "key": "coverage", "title": _("Thủ tục hành chính cung cấp trực tuyến"),
        "scheme": {"code": scheme.code, "name": scheme.name} if scheme else None,
        "columns": [
            column("group", _("Theo")), column("name", _("Cơ quan / cấp")), column("procedures", _("Số TTHC"), "int"),
            column("online", _("Có DVCTT"), "int"), column("full_online", _("Toàn trình"), "int"),
            column("online_share", _("Tỷ lệ có DVCTT (%)"), "percent"),
            column("full_online_share", _("Tỷ lệ toàn trình (%)"), "percent"),
            *[column(key, str(title), kind) for key, title, kind in SCHEME_COLUMNS if key in present],
        ],
        "rows": rows,
        "note": (_("Mức độ theo %(scheme)s (%(code)s).") % {"scheme": scheme.name, "code": scheme.code}
                 if scheme else ""),
    }


def _scheme_columns(scheme):
    """Return the extra columns the scheme's own figures fill (the same for every row of the section)."""
    allowed = scheme.levels if scheme else {}
    keys = ["carried_over"]
    if "legacy_level" in allowed:
        keys += ["level_3_4_share", "level_4_share"]
    if allowed.get("reason_required_for"):
        keys.append("partial_with_reason")
    if allowed.get("proactive_level"):
        keys.append("proactive_total")
    return keys


DOSSIER_COLUMNS = [
    ("received", _lazy("Tiếp nhận"), "int"), ("processed", _lazy("Đã giải quyết"), "int"),
    ("on_time", _lazy("Đúng hạn"), "int"), ("on_time_rate", _lazy("Tỷ lệ đúng hạn (%)"), "percent"),
    ("late", _lazy("Trễ hạn"), "int"), ("overdue", _lazy("Quá hạn chưa giải quyết"), "int"),
    ("online_rate", _lazy("Tỷ lệ trực tuyến (%)"), "percent"),
    ("online_payment_rate", _lazy("Tỷ lệ thanh toán trực tuyến (%)"), "percent"),
    ("digitization_rate", _lazy("Tỷ lệ số hóa (%)"), "percent"),
]


def _dossiers_section(stats):
    return {
        "key": "dossiers", "title": _("Tình hình giải quyết hồ sơ"),
        "columns": [column("unit", _("Mã đơn vị")), column("name", _("Đơn vị")),
                    *[column(key, str(title), kind) for key, title, kind in DOSSIER_COLUMNS]],
        "rows": [{"unit": row["unit__code"], "name": row["unit__name"],
                  **{key: row[key] for key, _title, _kind in DOSSIER_COLUMNS}} for row in stats],
    }


def _decision766_section(estimates):
    rule_set = estimates[0]["rule_set"] if estimates else None
    components = rule_set["estimated"] if rule_set else []
    names = dict(Component766.choices)
    return {
        "key": "decision766", "title": _("Ước tính điểm thành phần theo Quyết định 766/QĐ-TTg"),
        "rule_set": None if rule_set is None else {key: rule_set[key] for key in ("code", "name", "source")},
        "columns": [column("unit", _("Mã đơn vị")), column("name", _("Đơn vị")),
                    *[column(c, str(names.get(c, c)), "number") for c in components],
                    column("total", _("Tổng (ước tính)"), "number"), column("max_total", _("Tối đa"), "number"),
                    column("official", _("Điểm chính thức"), "number"),
                    column("official_on", _("Ngày công bố")),
                    column("difference", _("Chênh lệch (chính thức − ước tính)"), "number")],
        "rows": [{"unit": e["unit"], "name": e["unit_name"],
                  **{c: e["components"].get(c, {}).get("points") for c in components},
                  "total": e["total"], "max_total": e["max_total"],
                  "official": e["official"]["total"] if e["official"] else None,
                  "official_on": e["official"]["published_on"].isoformat() if e["official"] else None,
                  "difference": e["difference"]} for e in estimates],
        "note": (_("Điểm ước tính theo quy tắc cấu hình trong cổng, không phải kết quả chính thức.")
                 + (" " + _("Bộ quy tắc: %(name)s (%(source)s).") % rule_set if rule_set else "")),
    }


def _ranking_section(estimates, stats):
    received = {row["unit__code"]: row["received"] for row in stats}
    ranked = sorted(estimates, key=lambda e: (-e["total"], -received.get(e["unit"], 0), e["unit"]))
    return {
        "key": "ranking", "title": _("Xếp hạng đơn vị"),
        "columns": [column("rank", _("Hạng"), "int"), column("unit", _("Mã đơn vị")), column("name", _("Đơn vị")),
                    column("total", _("Điểm ước tính"), "number"), column("received", _("Hồ sơ tiếp nhận"), "int"),
                    column("official", _("Điểm chính thức"), "number"),
                    column("difference", _("Chênh lệch (chính thức − ước tính)"), "number")],
        "rows": [{"rank": index, "unit": e["unit"], "name": e["unit_name"], "total": e["total"],
                  "received": received.get(e["unit"], 0),
                  "official": e["official"]["total"] if e.get("official") else None,
                  "difference": e.get("difference")} for index, e in enumerate(ranked, start=1)],
    }


def _gaps_section(unit_rows, completeness_result, parsed, rules):
    # Rank first, then describe only the GAP_LIMIT shown: a province has tens of thousands of unit rows.
    behind = heapq.nsmallest(GAP_LIMIT, (row for row in unit_rows if row["status"] == Status.OFF_TRACK),
                             key=lambda row: behind_by(row["target"], row["value"], row["unit"]))
    behind_kind = _("Chậm so với lộ trình")
    # `indicator` carries the code for readers (the dashboard links it); the columns stay what people read.
    gaps = [{"kind": behind_kind, "unit": row["unit"].code, "name": row["unit"].name,
             "indicator": row["indicator"].code,
             "detail": f"{row['indicator'].code}: {row['value']} / {row['target']}",
             "size": (row["target"] or 0) - (row["value"] or 0)} for row in behind]
    # A unit owes its values once the period's deadline has passed, under the regimes it reports under.
    deadlines = [rule["deadline"] for rule in rules if rule["deadline"]]
    overdue = timezone.localdate().isoformat() > (max(deadlines) if deadlines else parsed.end.isoformat())
    owing = heapq.nsmallest(GAP_LIMIT, (row for row in completeness_result["rows"] if overdue and row["missing"]),
                            key=lambda row: (-row["missing"], row["unit"].code))
    gaps += [{"kind": _("Chưa gửi báo cáo"), "unit": row["unit"].code, "name": row["unit"].name, "indicator": None,
              "detail": _("%(missing)s/%(expected)s chỉ tiêu chưa gửi") % {"missing": row["missing"],
                                                                            "expected": row["expected"]},
              "size": Decimal(row["missing"]) * 10} for row in owing]
    gaps.sort(key=lambda gap: (-Decimal(gap["size"]), gap["unit"]))
    return {
        "key": "gaps", "title": _("Những khoảng cách lớn nhất"),
        "columns": [column("kind", _("Loại")), column("unit", _("Mã đơn vị")), column("name", _("Đơn vị")),
                    column("detail", _("Chi tiết"))],
        "rows": [{key: gap[key] for key in ("kind", "unit", "name", "indicator", "detail")}
                 for gap in gaps[:GAP_LIMIT]],
    }


def _chart(rows):
    return {
        "title": _("Tiến độ so với mục tiêu"),
        "items": [{"label": row["indicator"].code, "value": _float(row["value"]), "target": _float(row["target"])}
                  for row in rows if row["target"] is not None][:30],
    }


def _float(number):
    return None if number is None else round(float(number), 2)


def _summary(indicator_rows, completeness_result, totals, catalogue):
    statuses = {status.value: 0 for status in Status}
    for row in indicator_rows:
        statuses[row["status"]] += 1
    return {
        "dossiers": {
            "received": totals["received"], "processed": totals["processed"], "on_time": totals["on_time"],
            "late": totals["late"], "overdue": totals["overdue"],
            **{key: _float(totals[key]) for key in ("on_time_rate", "online_rate", "online_payment_rate",
                                                    "digitization_rate")},
        },
        "indicators": {"total": len(indicator_rows), **statuses},
        "completeness": completeness_result["totals"],
        "coverage": {"procedures": catalogue["procedures"], "online": catalogue["online"],
                     "full_online": catalogue["full_online"], "online_share": _float(catalogue["online_share"]),
                     "full_online_share": _float(catalogue["full_online_share"]),
                     "scheme": catalogue["scheme"], "by_scheme": _jsonable_figures(catalogue["by_scheme"])},
    }


def _jsonable_figures(figures):
    return {key: (_float(value) if isinstance(value, Decimal) else value) for key, value in figures.items()}
