"""List filters that never scan the big table they filter."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from departments.policy import Actor, restrict_to_scope, units_visible_to


class VisibleUnitFilter(admin.RelatedFieldListFilter):
    """The unit filter lists only the units the person may see, without scanning the big table."""

    def field_choices(self, field, request, model_admin):
        units = units_visible_to(Actor.from_request(request)).only("pk", "code", "name").order_by("path")
        return [(unit.pk, str(unit)) for unit in units]


class OwnUnitsFilter(admin.SimpleListFilter):
    """Staff open the values list on their own units' values; the others' approved figures are a click away.

    Reviewers and administrators, who own no unit's data, get no such filter.
    """

    title = _("phạm vi")
    parameter_name = "scope"
    MINE, ALL = "mine", "all"

    def __init__(self, request, params, model, model_admin):
        self.actor = Actor.from_request(request)
        super().__init__(request, params, model, model_admin)

    def has_output(self):
        return self.actor.scope_unit_ids is not None

    def lookups(self, request, model_admin):
        return [(self.MINE, _("Đơn vị của tôi")), (self.ALL, _("Mọi đơn vị (số liệu đã duyệt của đơn vị khác)"))]

    def value(self):
        chosen = super().value()
        return chosen if chosen in (self.MINE, self.ALL) else self.MINE

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:  # no "All" entry: without a choice the list shows one's own
            yield {"selected": self.value() == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}

    def queryset(self, request, queryset):
        if self.actor.scope_unit_ids is None or self.value() == self.ALL:
            return queryset
        return restrict_to_scope(self.actor, queryset)
