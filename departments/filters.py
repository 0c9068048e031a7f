import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Unit, UnitKind


class UnitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("Loại đơn vị"))
    parent = django_filters.CharFilter(field_name="parent__code", label=_("Mã đơn vị cấp trên"))
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("Có hiệu lực vào ngày (YYYY-MM-DD)"))
    code = django_filters.CharFilter(field_name="code", label=_("Mã đơn vị"))

    class Meta:
        model = Unit
        fields = ["kind", "parent", "valid_on", "code"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.valid_on(value)
