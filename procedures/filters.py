"""Query filters of the procedure API; procedures and units by code, never by id."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators.periods import PeriodError, parse_period

from .models import Channel, Dossier, DossierStatus, ImplementingLevel, OnlineLevel, Outcome, Procedure

LEVEL_FLAGS = {
    ImplementingLevel.PROVINCE: "at_province",
    ImplementingLevel.DISTRICT: "at_district",
    ImplementingLevel.COMMUNE: "at_commune",
}


class PeriodObjectField(forms.CharField):
    """A period string (2023, 2023Q3, 202308) cleaned into a Period; a malformed one is rejected with the reason."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_period(value)
        except PeriodError as error:
            raise forms.ValidationError(error.message, code="invalid") from None


class PeriodRangeFilter(django_filters.CharFilter):
    """Moments (of the field) that fall within the period, in the portal's time zone."""

    field_class = PeriodObjectField

    def filter(self, queryset, period):
        if period is None:
            return queryset
        zone = ZoneInfo(settings.TIME_ZONE)
        first = datetime.combine(period.start, time.min, tzinfo=zone)
        last = datetime.combine(period.end, time.max, tzinfo=zone)
        return queryset.filter(**{f"{self.field_name}__gte": first, f"{self.field_name}__lte": last})


class ProcedureFilter(django_filters.FilterSet):
    department = django_filters.CharFilter(field_name="department__code", label=_("Mã cơ quan chủ trì"))
    field = django_filters.CharFilter(field_name="field__code", label=_("Mã lĩnh vực"))
    online_level = django_filters.ChoiceFilter(choices=OnlineLevel.choices, label=_("Mức độ dịch vụ công trực tuyến"))
    full_online = django_filters.BooleanFilter(label=_("Toàn trình"))
    level = django_filters.ChoiceFilter(choices=ImplementingLevel.choices, method="filter_level",
                                        label=_("Cấp thực hiện"))
    active_on = django_filters.DateFilter(method="filter_active_on",
                                          label=_("Đang áp dụng vào ngày (YYYY-MM-DD)"))

    class Meta:
        model = Procedure
        fields = ["department", "field", "online_level", "full_online", "level", "active_on"]

    def filter_level(self, queryset, name, value):
        return queryset.filter(**{LEVEL_FLAGS[value]: True})

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(active_from__lte=value).filter(Q(abolished_on__isnull=True) | Q(abolished_on__gt=value))


class DossierFilter(django_filters.FilterSet):
    """Filters within the caller's dossiers: the scope (by competent unit) is applied before any of these."""

    unit = django_filters.CharFilter(field_name="unit__code", label=_("Mã đơn vị có thẩm quyền giải quyết"))
    # Decree 118/2025: a service centre may receive what another unit decides.
    receiving_unit = django_filters.CharFilter(field_name="receiving_unit__code", label=_("Mã đơn vị tiếp nhận"))
    procedure = django_filters.CharFilter(field_name="procedure__code", label=_("Mã thủ tục"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Kênh nộp"))
    status = django_filters.MultipleChoiceFilter(
        choices=DossierStatus.choices,
        label=_("Trạng thái hồ sơ 1–10 (TrangThaiHoSo); lặp lại để chọn nhiều: status=9&status=10"))
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label=_("Kết quả"))
    received_in = PeriodRangeFilter(field_name="received_at",
                                    label=_("Tiếp nhận trong kỳ (2023, 2023Q3, 202308)"))
    completed_in = PeriodRangeFilter(field_name="completed_at",
                                     label=_("Hoàn thành trong kỳ (2023, 2023Q3, 202308)"))

    class Meta:
        model = Dossier
        fields = ["unit", "receiving_unit", "procedure", "channel", "status", "outcome", "received_in", "completed_in"]
