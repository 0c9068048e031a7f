"""Validate the numbers of a value against its indicator's value type."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from kernel.errors import ServiceError

from .models import ValueType

HUNDRED = Decimal(100)
FOUR_PLACES = Decimal("0.0001")
LARGEST = Decimal("1e15")


def to_decimal(raw, field):
    """Return raw (str, int, float, Decimal or None) as a Decimal, or raise ServiceError naming the field."""
    if raw is None or raw == "":
        return None
    try:
        number = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise ServiceError(_("Không phải là số hợp lệ."), field=field) from None
    if not number.is_finite() or abs(number) >= LARGEST:
        raise ServiceError(_("Số quá lớn hoặc không hợp lệ."), field=field)
    return number.quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def clean_numbers(indicator, *, numerator=None, denominator=None, value=None):
    """Return {"numerator", "denominator", "value"} checked for the indicator's value type."""
    numerator, denominator = to_decimal(numerator, "numerator"), to_decimal(denominator, "denominator")
    value = to_decimal(value, "value")
    if indicator.value_type == ValueType.PERCENT:
        return _clean_percent(numerator, denominator, value)
    if numerator is not None or denominator is not None:
        raise ServiceError(_("Chỉ tiêu này không dùng tử số, mẫu số: hãy nhập giá trị."), field="numerator")
    if value is None:
        return {"numerator": None, "denominator": None, "value": None}
    if value < 0:
        raise ServiceError(_("Giá trị không được âm."), field="value")
    if indicator.value_type == ValueType.BOOLEAN and value not in (0, 1):
        raise ServiceError(_("Chỉ tiêu Có/Không nhận giá trị 1 (có) hoặc 0 (không)."), field="value")
    if indicator.value_type == ValueType.TIER and value != value.to_integral_value():
        raise ServiceError(_("Mức phải là số nguyên."), field="value")
    return {"numerator": None, "denominator": None, "value": value}


def _clean_percent(numerator, denominator, value):
    if numerator is None and denominator is None:
        if value is not None and not (0 <= value <= HUNDRED):
            raise ServiceError(_("Tỷ lệ phần trăm phải nằm trong khoảng 0–100."), field="value")
        return {"numerator": None, "denominator": None, "value": value}
    if numerator is None or denominator is None:
        field = "numerator" if numerator is None else "denominator"
        raise ServiceError(_("Cần nhập cả tử số và mẫu số."), field=field)
    if numerator < 0:
        raise ServiceError(_("Tử số không được âm."), field="numerator")
    if denominator <= 0:
        raise ServiceError(_("Mẫu số phải lớn hơn 0."), field="denominator")
    if numerator > denominator:
        raise ServiceError(_("Tử số không được lớn hơn mẫu số."), field="numerator")
    percent = (numerator * HUNDRED / denominator).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    if value is not None and abs(value - percent) > Decimal("0.01"):
        raise ServiceError(_("Giá trị không khớp với tử số/mẫu số."), field="value")
    return {"numerator": numerator, "denominator": denominator, "value": percent}
