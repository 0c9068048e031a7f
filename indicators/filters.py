"""Query filters of the indicator API; codes, never ids, as everywhere in the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Indicator, IndicatorValue, Source, Target, ValueState
from .periods import PeriodError, PeriodType, parse_period


class PeriodFormField(forms.CharField):
    """A period string (2023, 2023Q3, 202308), rejected with the reason when malformed."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return parse_period(value).code
        except PeriodError as error:
            raise forms.ValidationError(error.message, code="invalid") from None


class PeriodFilter(django_filters.CharFilter):
    field_class = PeriodFormField


class IndicatorFilter(django_filters.FilterSet):
    framework = django_filters.CharFilter(field_name="framework__code", label=_("Mã khung chỉ tiêu"))
    pillar = django_filters.CharFilter(field_name="pillar__code", label=_("Mã trụ cột"))
    period_type = django_filters.ChoiceFilter(choices=PeriodType.choices, label=_("Loại kỳ"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Nguồn số liệu"))
    is_active = django_filters.BooleanFilter(label=_("Đang dùng"))

    class Meta:
        model = Indicator
        fields = ["framework", "pillar", "period_type", "source", "is_active"]


class TargetFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("Mã chỉ tiêu"))
    year = django_filters.NumberFilter(field_name="year", label=_("Năm"), min_value=1, max_value=9999,
                                       decimal_places=0)
    unit = django_filters.CharFilter(field_name="unit__code", label=_("Mã đơn vị"))
    framework = django_filters.CharFilter(field_name="indicator__framework__code", label=_("Mã khung chỉ tiêu"))

    class Meta:
        model = Target
        fields = ["indicator", "year", "unit", "framework"]


class IndicatorValueFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("Mã chỉ tiêu"))
    unit = django_filters.CharFilter(field_name="unit__code", label=_("Mã đơn vị"))
    period = PeriodFilter(field_name="period", label=_("Kỳ báo cáo (2023, 2023Q3, 202308)"))
    state = django_filters.ChoiceFilter(choices=ValueState.choices, label=_("Trạng thái"))

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "unit", "period", "state"]
