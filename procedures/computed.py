"""Indicators the portal computes from the procedure catalogue and the dossier statistics."""

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from indicators.computed import computed_values_record
from indicators.models import Framework, Indicator, Pillar
from indicators.periods import parse_period

from .models import DossierMonthStat, OnlineLevel, ProcedureLevelPeriod

FRAMEWORK_CODE = "cong-tu-tinh"
RECEIVING_UNITS = ["department", "agency", "district", "commune"]
# code: (name, English name, numerator counter, denominator counter, where the figures come from)
DOSSIER_INDICATORS = {
    "HS-TRUC-TUYEN": ("Tỷ lệ hồ sơ tiếp nhận trực tuyến", "Dossiers received online",
                      "received_online", "received"),
    "HS-DUNG-HAN": ("Tỷ lệ hồ sơ giải quyết đúng hạn", "Dossiers processed on time", "on_time", "processed"),
    "HS-TT-TRUC-TUYEN": ("Tỷ lệ hồ sơ có phí được thanh toán trực tuyến", "Fees paid online",
                         "paid_online", "fee_required"),
    "HS-SO-HOA": ("Tỷ lệ hồ sơ được số hóa", "Dossiers digitised", "digitized", "received"),
}
CATALOGUE_INDICATORS = {
    "TTHC-CO-DVCTT": ("Tỷ lệ thủ tục hành chính có dịch vụ công trực tuyến",
                      "Procedures with an online service", "online"),
    "TTHC-TOAN-TRINH": ("Tỷ lệ thủ tục hành chính cung cấp dịch vụ công trực tuyến toàn trình",
                        "Procedures fully online", "full_online"),
}


def computed_indicators_ensure():
    """Create the computed indicators if they are missing; return them by code."""
    framework, _ = Framework.objects.get_or_create(code=FRAMEWORK_CODE, defaults={
        "name": "Chỉ tiêu cổng tự tính từ thủ tục và hồ sơ", "name_en": "Indicators computed from procedures"})
    pillar, _ = Pillar.objects.get_or_create(framework=framework, code="chinh-quyen-so", defaults={
        "name": "Chính quyền số", "name_en": "Digital government", "order": 1})
    catalogue = {**{code: spec[:2] for code, spec in DOSSIER_INDICATORS.items()},
                 **{code: spec[:2] for code, spec in CATALOGUE_INDICATORS.items()}}
    indicators = {}
    for code, (name, name_en) in catalogue.items():
        indicators[code], _ = Indicator.objects.get_or_create(code=code, defaults={
            "framework": framework, "pillar": pillar, "name": name, "name_en": name_en, "value_type": "percent",
            "unit_of_measure": "%", "unit_kinds": RECEIVING_UNITS, "aggregation": "sum_ratio",
            "scoring_rule": "ratio", "max_points": 10, "source": "computed", "period_type": "year"})
    return indicators


def computed_indicators_refresh(*, year):
    """Recompute every computed indicator for a year, per unit; return {code: (created, updated, same)}."""
    period = parse_period(str(year))
    indicators = computed_indicators_ensure()
    outcome = {}
    per_unit = _dossier_counts(period)
    for code, (_name, _en, part, whole) in DOSSIER_INDICATORS.items():
        results = {unit_id: {"numerator": row[part], "denominator": row[whole],
                             "source": {"from": "dossiers", part: row[part], whole: row[whole]}}
                   for unit_id, row in per_unit.items() if row[whole]}
        outcome[code] = computed_values_record(indicator=indicators[code], period=period.code, results=results)
    per_department = _catalogue_counts(min(period.end, timezone.localdate()))
    for code, (_name, _en, part) in CATALOGUE_INDICATORS.items():
        results = {unit_id: {"numerator": row[part], "denominator": row["procedures"],
                             "source": {"from": "catalogue", part: row[part], "procedures": row["procedures"],
                                        "on": str(row["on"])}}
                   for unit_id, row in per_department.items() if row["procedures"]}
        outcome[code] = computed_values_record(indicator=indicators[code], period=period.code, results=results)
    return outcome


def _dossier_counts(period):
    counters = {"received", "received_online", "on_time", "processed", "paid_online", "fee_required", "digitized"}
    rows = DossierMonthStat.objects.filter(month__gte=period.start, month__lte=period.end).values("unit_id") \
        .annotate(**{name: Coalesce(Sum(name), 0) for name in counters}).order_by()
    return {row["unit_id"]: row for row in rows}


def _catalogue_counts(on):
    rows = ProcedureLevelPeriod.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on), procedure__active_from__lte=on,
    ).filter(Q(procedure__abolished_on__isnull=True) | Q(procedure__abolished_on__gt=on)).values(
        "procedure__department_id").annotate(
        procedures=Count("procedure_id", distinct=True),
        online=Count("procedure_id", filter=~Q(online_level=OnlineLevel.NONE), distinct=True),
        full_online=Count("procedure_id", filter=Q(online_level=OnlineLevel.FULL), distinct=True),
    ).order_by()
    return {row["procedure__department_id"]: {**row, "on": on} for row in rows}
