"""What the three report formats share: labels for the summary and heading, and how numbers are read."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from indicators.periods import PeriodError, PeriodType, parse_period

NUMERIC_TYPES = ("int", "number", "percent")
CENT = Decimal("0.01")


def _summary_labels():
    return {
        "dossiers": _("Hồ sơ thủ tục hành chính"), "indicators": _("Chỉ tiêu"),
        "completeness": _("Tính đầy đủ và kịp thời của báo cáo"), "coverage": _("Thủ tục hành chính trực tuyến"),
        "received": _("Tiếp nhận"), "processed": _("Đã giải quyết"), "on_time": _("Đúng hạn"),
        "late": _("Trễ hạn"), "overdue": _("Quá hạn chưa giải quyết"), "on_time_rate": _("Tỷ lệ đúng hạn (%)"),
        "online_rate": _("Tỷ lệ trực tuyến (%)"), "online_payment_rate": _("Tỷ lệ thanh toán trực tuyến (%)"),
        "digitization_rate": _("Tỷ lệ số hóa (%)"), "total": _("Tổng số"), "achieved": _("Đã đạt"),
        "on_track": _("Đúng lộ trình"), "off_track": _("Chậm so với lộ trình"), "no_data": _("Chưa có số liệu"),
        "no_target": _("Chưa giao mục tiêu"), "expected": _("Phải báo cáo"), "submitted": _("Đã gửi"),
        "approved": _("Đã duyệt"), "missing": _("Chưa gửi"), "procedures": _("Số TTHC"),
        "online": _("Có DVCTT"), "full_online": _("Toàn trình"), "online_share": _("Tỷ lệ có DVCTT (%)"),
        "full_online_share": _("Tỷ lệ toàn trình (%)"), "scheme": _("Thang mức độ dịch vụ trực tuyến"),
        "carried_over": _("Còn ghi theo hệ thống cũ"), "level_3_4": _("Số TTHC mức độ 3–4"),
        "level_4": _("Số TTHC mức độ 4"), "level_3_4_share": _("Tỷ lệ mức độ 3–4 (%)"),
        "level_4_share": _("Tỷ lệ mức độ 4 (%)"), "partial_with_reason": _("Một phần có lý do pháp lý"),
    }


def summary_rows(summary):
    """Yield (block label, figure label, value) for the summary's figures, in the content's order.

    Nested figures (the level scheme's own, proactive services per level) come out as figures of their block,
    and the scheme as its name: every format and the admin show the same readable rows, never a raw dict.
    """
    labels = _summary_labels()
    for block, figures in (summary or {}).items():
        if not isinstance(figures, dict):
            yield "", labels.get(block, block), figures
            continue
        for key, value in figures.items():
            yield from _figure_rows(labels.get(block, block), key, value, labels)


def _figure_rows(block, key, value, labels):
    if key == "scheme":
        if value:
            yield block, labels["scheme"], f"{value.get('name', '')} ({value.get('code', '')})"
        return
    if not isinstance(value, dict):
        yield block, labels.get(key, key), value
        return
    for inner, figure in value.items():
        if key == "proactive":
            yield block, _("Dịch vụ chủ động mức %(level)s") % {"level": inner}, figure
        else:
            yield from _figure_rows(block, inner, figure, labels)


def period_label(code):
    try:
        period = parse_period(code)
    except PeriodError:
        return str(code or "")
    if period.type == PeriodType.YEAR:
        return _("Năm %(year)s") % {"year": period.year}
    if period.type == PeriodType.QUARTER:
        return _("Quý %(quarter)s/%(year)s") % {"quarter": (period.start.month + 2) // 3, "year": period.year}
    return _("Tháng %(month)s/%(year)s") % {"month": period.start.month, "year": period.year}


def generated_label(value):
    try:
        return f"{datetime.fromisoformat(value):%d/%m/%Y %H:%M}"
    except (TypeError, ValueError):
        return str(value or "")


def scope_label(scope):
    scope = scope or {}
    name, code = str(scope.get("name") or ""), scope.get("code")
    return f"{name} ({code})" if code else name


def as_decimal(value):
    """Return a number as a Decimal, or None for None and for text that is not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_cents(number):
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def is_integral(number):
    return number == number.to_integral_value()


def section_columns(section):
    return [(column["key"], str(column["title"]), column.get("type") or "text")
            for column in section.get("columns") or []]


def heading_lines(content):
    """Return the (label, text) lines under a report's title: scope, period and its rules, time of generation."""
    return ((_("Phạm vi"), scope_label(content.get("scope"))),
            (_("Kỳ báo cáo"), period_label(content.get("period"))),
            *((_("Thời gian chốt số liệu"), period_rule_text(rule)) for rule in content.get("period_rules") or []),
            (_("Thời điểm lập"), generated_label(content.get("generated_at"))))


def period_rule_text(rule):
    """Return what a period covers under one regime: "15/07/2023 – 14/08/2023, hạn gửi 16/08/2023 · <regime>"."""
    text = f"{_day(rule['start'])} – {_day(rule['end'])}"
    if rule.get("deadline"):
        text += ", " + _("hạn gửi %(day)s") % {"day": _day(rule["deadline"])}
    return f"{text} · {rule['regime_name']}"


def _day(iso):
    return date.fromisoformat(iso).strftime("%d/%m/%Y")
