"""Forms that translate what a person types in the workspaces into arguments for the services.

A row form holds one indicator's figures for one unit and period: only the inputs its value type needs,
numbers read the Vietnamese way (kernel.numbers), and nothing decided here that a service decides.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.numbers import LocalizedDecimalField

from .models import ValueType

NUMBER_FIELDS = ("numerator", "denominator", "value")
YES, NO = "1", "0"


def places_for(indicator):
    """Return the decimals a figure of this indicator is shown with (None: as many as it has)."""
    if indicator.value_type == ValueType.PERCENT:
        return 2
    if indicator.value_type in (ValueType.MONEY, ValueType.BOOLEAN, ValueType.TIER):
        return 0
    return None


def tier_choices(indicator):
    """Return the levels an indicator scored by tiers may take, highest first, with 0 last."""
    levels = sorted({Decimal(str(threshold)) for threshold, _points in (indicator.scoring_tiers or [])}, reverse=True)
    levels = [level for level in levels if level == level.to_integral_value()] or [Decimal(n) for n in (4, 3, 2, 1)]
    if Decimal(0) not in levels:
        levels.append(Decimal(0))
    return [("", _("— chọn mức —"))] + [(str(int(level)), _("Mức %(level)s") % {"level": int(level)})
                                          for level in levels]


def _number(label, indicator, *, help_text=""):
    return LocalizedDecimalField(label=label, required=False, places=places_for(indicator), max_digits=20,
                                 decimal_places=4, help_text=help_text)


class ValueRowForm(forms.Form):
    """One indicator's row of the entry workspace."""

    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label=_("Tệp minh chứng"), required=False)
    chosen = forms.BooleanField(label=_("Chọn để gửi duyệt"), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, indicator, value=None, **kwargs):
        self.indicator, self.stored = indicator, value
        kwargs.setdefault("prefix", f"i{indicator.pk}")
        kwargs.setdefault("initial", self._initial(value))
        super().__init__(*args, **kwargs)
        for name, field in self._figure_fields(indicator).items():
            self.fields[name] = field
        self.order_fields([*NUMBER_FIELDS, "note", "evidence", "chosen", "version"])

    @staticmethod
    def _initial(value):
        if value is None:
            return {}
        initial = {name: getattr(value, name) for name in ("numerator", "denominator", "note", "version")}
        initial["value"] = value.value
        if value.indicator.value_type in (ValueType.BOOLEAN, ValueType.TIER) and value.value is not None:
            initial["value"] = str(int(value.value))
        return initial

    @staticmethod
    def _figure_fields(indicator):
        kind = indicator.value_type
        if kind == ValueType.PERCENT:
            return {
                "numerator": _number(_("Tử số"), indicator),
                "denominator": _number(_("Mẫu số"), indicator),
                "value": _number(_("Tỷ lệ (%)"), indicator,
                                 help_text=_("Nhập tử số và mẫu số để cổng tự tính, hoặc chỉ nhập tỷ lệ.")),
            }
        if kind == ValueType.BOOLEAN:
            return {"value": forms.ChoiceField(label=_("Có/Không"), required=False, widget=forms.RadioSelect,
                                               choices=[(YES, _("Có")), (NO, _("Không"))])}
        if kind == ValueType.TIER:
            return {"value": forms.ChoiceField(label=_("Mức đạt"), required=False, choices=tier_choices(indicator))}
        return {"value": _number(_("Giá trị"), indicator)}

    @property
    def is_open(self):
        return self.stored is None or self.stored.is_open_for_entry

    def figures(self):
        """Return the cleaned numbers as the services take them."""
        figures = {}
        for name in NUMBER_FIELDS:
            if name not in self.fields:
                continue
            raw = self.cleaned_data.get(name)
            figures[name] = Decimal(raw) if isinstance(raw, str) and raw else (raw if raw != "" else None)
        return figures

    def changes(self):
        """Return what the person changed (figures and note), as value_update takes them."""
        changed = {}
        for name in [*NUMBER_FIELDS, "note"]:
            if name in self.fields and name in self.changed_data:
                changed[name] = self.figures()[name] if name in NUMBER_FIELDS else self.cleaned_data[name]
        return changed

    def wants_something(self):
        """Did the person type or attach anything in this row?"""
        return bool(self.changes()) or bool(self.cleaned_data.get("evidence"))


class ReturnReasonForm(forms.Form):
    """The reviewer's reason for sending a value back."""

    reason = forms.CharField(label=_("Lý do trả lại"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
