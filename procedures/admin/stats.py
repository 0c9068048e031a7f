"""Admin of monthly dossier statistics and of the Decision 766 estimate rules."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from departments.admin import CatalogueAdmin
from departments.policy import Actor
from indicators.admin.filters import VisibleUnitFilter
from kernel.admin import ReadOnlyAdmin, attribute_column
from kernel.admin_lists import LargeListMixin

from ..models import DossierMonthStat, Score766Rule
from ..selectors import stats_visible_to

STAT_LABELS = {
    "received": _("tiếp nhận"), "received_online": _("trực tuyến"), "processed": _("đã giải quyết"),
    "on_time": _("đúng hạn"), "late": _("quá hạn"), "pending": _("đang giải quyết"),
    "fee_required": _("có phí"), "paid_online": _("thanh toán trực tuyến"), "digitized": _("số hóa"),
    "e_result": _("kết quả điện tử"),
}


@admin.register(DossierMonthStat)
class DossierMonthStatAdmin(LargeListMixin, ReadOnlyAdmin):
    list_filter = [("unit", VisibleUnitFilter), "month"]
    list_select_related = ["unit", "procedure"]
    # Columns of its own table: the index stat_month, then the ids (codes would sort every cell of the table).
    ordering = ["-month", "unit_id", "procedure_id"]
    list_per_page = 50
    month_column = attribute_column("month", _("tháng"))

    def get_list_display(self, request):
        counters = [attribute_column(name, label) for name, label in STAT_LABELS.items()]
        return ["month_column", "unit", "procedure_code", *counters]

    def get_fields(self, request, obj=None):
        return ["unit", "procedure", "month", *STAT_LABELS]

    def get_queryset(self, request):
        return stats_visible_to(Actor.from_request(request), super().get_queryset(request))

    @admin.display(description=_("thủ tục"), ordering="procedure__code")
    def procedure_code(self, obj):
        return obj.procedure.code


@admin.register(Score766Rule)
class Score766RuleAdmin(CatalogueAdmin):
    """Estimate rules for Decision 766/QĐ-TTg: data an administrator can adjust, not code."""

    list_display = ["rule_set", "component", "metric", "max_points", "full_at", "note"]
    list_filter = ["rule_set", "component"]
    ordering = ["rule_set__valid_from", "component", "metric"]

    def get_readonly_fields(self, request, obj=None):
        # A rule belongs to its dated rule set; it is adjusted there, never moved to another one.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "rule_set"] if obj is not None else readonly
