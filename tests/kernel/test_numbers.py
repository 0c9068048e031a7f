"""Numbers typed the Vietnamese way are read as Vietnamese write them, or refused; never reinterpreted."""

from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from kernel.numbers import LocalizedDecimalField, NumberFormatError, format_decimal, parse_decimal


@pytest.mark.parametrize(("text", "number"), [
    ("4,5", "4.5"), ("1.234,5", "1234.5"), ("1.234", "1234"), ("12", "12"), ("-0,25", "-0.25"),
    ("1 234,5", "1234.5"), ("1.234.567,891", "1234567.891"),
])
def test_vietnamese_numbers_are_read_as_vietnamese_write_them(text, number):
    assert parse_decimal(text, language="vi") == Decimal(number)


@pytest.mark.parametrize(("text", "number"), [("4.5", "4.5"), ("1,234.5", "1234.5"), ("1,234", "1234")])
def test_english_numbers_follow_english_conventions(text, number):
    assert parse_decimal(text, language="en") == Decimal(number)


@pytest.mark.parametrize("text", ["4.5", "1,234.5", "1.23,4", "4,5,6", "abc", "1..2", ",5", "1e5", "NaN"])
def test_vietnamese_text_that_cannot_be_read_unambiguously_is_refused(text):
    with pytest.raises(NumberFormatError) as refused:
        parse_decimal(text, language="vi")
    assert "4,5" in str(refused.value.message)


def test_numbers_that_arrive_as_numbers_pass_through():
    assert parse_decimal(4.5) == Decimal("4.5")
    assert parse_decimal(12) == Decimal(12)
    assert parse_decimal("") is None and parse_decimal(None) is None


def test_display_follows_the_language_without_padding_zeros():
    with translation.override("vi"):
        assert format_decimal(Decimal("84.0000")) == "84"
        assert format_decimal(Decimal("1234.5000")) == "1.234,5"
        assert format_decimal(Decimal("99.879"), places=2) == "99,88"
    with translation.override("en"):
        assert format_decimal(Decimal("1234.5")) == "1,234.5"


class Entry(forms.Form):
    value = LocalizedDecimalField(required=False, max_digits=20, decimal_places=4)


def test_form_field_reads_four_comma_five_as_four_and_a_half():
    with translation.override("vi"):
        form = Entry(data={"value": "4,5"})
        assert form.is_valid() and form.cleaned_data["value"] == Decimal("4.5")
        refused = Entry(data={"value": "4.5"})
        assert not refused.is_valid() and "4,5" in refused.errors["value"][0]


def test_form_field_is_a_text_box_showing_the_local_number():
    with translation.override("vi"):
        html = str(Entry(initial={"value": Decimal("1234.5000")})["value"])
    assert 'type="text"' in html and 'value="1.234,5"' in html and 'inputmode="decimal"' in html
