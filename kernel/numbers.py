"""Numbers as people write them: "4,5" and "1.234,5" in Vietnamese, "4.5" and "1,234.5" in English.

The separators come from Django's locale formats for the active language. Reading is strict: a
thousands separator must group digits by three, so "4.5" typed in Vietnamese is refused with a message
rather than stored as 45 — a figure read wrong is worse than a figure refused.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

NBSP = "\u00a0"


class NumberFormatError(ValueError):
    """Text that is not a number in the active language's convention; `message` is translatable."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _separators(language):
    decimal = formats.get_format("DECIMAL_SEPARATOR", lang=language, use_l10n=True)
    thousand = formats.get_format("THOUSAND_SEPARATOR", lang=language, use_l10n=True)
    return decimal, thousand


def _pattern(decimal, thousand):
    d, t = re.escape(decimal), re.escape(thousand)
    return re.compile(rf"^[+-]?(?:\d{{1,3}}(?:{t}\d{{3}})+|\d+)(?:{d}\d+)?$")


def parse_decimal(raw, *, language=None):
    """Return `raw` as a Decimal read in `language`'s convention (default: the active one), or None if empty.

    Numbers that arrive as numbers (JSON) pass through; text must follow the language's separators.
    """
    if raw is None or isinstance(raw, bool):
        return None if raw is None else Decimal(int(raw))
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    text = str(raw).strip().replace(NBSP, "").replace(" ", "")
    if not text:
        return None
    decimal, thousand = _separators(language or translation.get_language())
    if not _pattern(decimal, thousand).match(text):
        raise NumberFormatError(_misread_message(decimal, thousand))
    try:
        return Decimal(text.replace(thousand, "").replace(decimal, "."))
    except InvalidOperation:
        raise NumberFormatError(_misread_message(decimal, thousand)) from None


def _misread_message(decimal, thousand):
    if decimal == ",":
        return _("Không đọc được số: dùng dấu phẩy cho phần thập phân và dấu chấm ngăn hàng nghìn, "
                 "ví dụ 4,5 hoặc 1.234,5.")
    return _("Không đọc được số: dùng dấu chấm cho phần thập phân và dấu phẩy ngăn hàng nghìn, "
             "ví dụ 4.5 hoặc 1,234.5.")


def format_decimal(value, *, places=None):
    """Return `value` written in the active language, with `places` decimals or as many as it has (no 84,0000)."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    if places is None:
        number = number.normalize()
        places = max(-number.as_tuple().exponent, 0)
    # Django's number_format cuts extra digits off; round them as people expect (99,879 -> 99,88).
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


class LocalizedDecimalField(forms.DecimalField):
    """A text box for a number in the person's language; never a browser number input, which reinterprets."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, places=None, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.places = places

    def to_python(self, value):
        try:
            number = parse_decimal(value)
        except NumberFormatError as error:
            raise forms.ValidationError(error.message, code="invalid") from None
        return None if number is None else number

    def prepare_value(self, value):
        if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
            return format_decimal(value, places=self.places)
        return value

    def widget_attrs(self, widget):
        # DecimalField would add step/min/max for a number input; a text box takes none of them.
        return {}
