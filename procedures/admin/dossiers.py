"""Admin of dossiers from the one-stop systems, read only and scoped by the policy.

The list is over the largest table of the portal: it orders by an index of its own table (received_at, id),
filters on indexed columns, counts at most a capped number of rows (kernel.admin_lists) and lists filter
choices without reading the dossiers (the visible units, the years the summary cells hold).
"""

from datetime import datetime

from django.contrib import admin
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.policy import Actor
from indicators.admin.filters import VisibleUnitFilter
from kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from kernel.admin_lists import LargeListMixin

from .. import counting
from ..dossier_fields import MODEL_FIELDS
from ..models import Dossier, DossierMonthStat, DossierStatus, DossierStatusChange, DossierStep, DossierSupplement
from ..selectors import dossiers_visible_to
from .uploads import UploadLinkMixin

__all__ = ["DossierAdmin", "ReceivedYearFilter", "VisibleUnitFilter"]


class ReceivedYearFilter(admin.SimpleListFilter):
    """The year of reception (local time); the years offered come from the summary cells, not the dossiers."""

    title = _("năm tiếp nhận")
    parameter_name = "received_year"

    def lookups(self, request, model_admin):
        bounds = DossierMonthStat.objects.aggregate(first=Min("month"), last=Max("month"))  # two index reads
        if bounds["first"] is None:
            return []
        return [(str(year), str(year)) for year in range(bounds["last"].year, bounds["first"].year - 1, -1)]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        year, zone = int(self.value()), timezone.get_current_timezone()
        return queryset.filter(received_at__gte=datetime(year, 1, 1, tzinfo=zone),
                               received_at__lt=datetime(year + 1, 1, 1, tzinfo=zone))


class DossierStatusChangeInline(ReadOnlyInline):
    model = DossierStatusChange
    fields = ["previous_status", "status", "at"]
    ordering = ["pk"]


class DossierSupplementInline(ReadOnlyInline):
    model = DossierSupplement
    fields = ["position", "requested_at", "received_at", "previous_due_at", "new_due_at"]


class DossierStepInline(ReadOnlyInline):
    model = DossierStep
    fields = ["position", "handler", "status", "started_at", "at", "due_at"]


@admin.register(Dossier)
class DossierAdmin(UploadLinkMixin, LargeListMixin, ReadOnlyAdmin):
    list_display = ["code", "procedure_code", "status_column", "unit", "receiving_unit", "channel", "received_at",
                    "due_at", "completed_at", "on_time"]
    list_filter = ["status", "channel", ReceivedYearFilter, ("unit", VisibleUnitFilter),
                   ("receiving_unit", VisibleUnitFilter)]
    list_select_related = ["procedure", "unit", "receiving_unit"]
    search_fields = ["code__exact"]  # a dossier is looked up by its code (indexed), never by a substring
    ordering = ["-received_at", "-pk"]  # the index dossier_received_id, read backwards
    list_per_page = 50
    fields = ["source", *MODEL_FIELDS]  # what an upload sets, so a new dossier field shows here too
    inlines = [DossierStatusChangeInline, DossierSupplementInline, DossierStepInline]

    def get_queryset(self, request):
        return dossiers_visible_to(Actor.from_request(request), super().get_queryset(request))

    @admin.display(description=_("thủ tục"), ordering="procedure__code")
    def procedure_code(self, obj):
        return obj.procedure.code

    @admin.display(description=_("trạng thái"), ordering="status")
    def status_column(self, obj):
        return f"{obj.status}. {DossierStatus(obj.status).label}" if obj.status in DossierStatus.values else obj.status

    @admin.display(description=_("đúng hạn"), boolean=True)
    def on_time(self, obj):
        """By the counting rules (procedures.counting); empty while the dossier is not processed."""
        if not counting.is_processed(obj) or obj.completed_at is None or obj.due_at is None:
            return None
        return counting.is_on_time(obj)
