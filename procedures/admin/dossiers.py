"""Admin of dossiers from the one-stop systems, read only and scoped by the policy."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from departments.policy import Actor, units_visible_to
from kernel.admin import ReadOnlyAdmin

from ..dossier_fields import MODEL_FIELDS
from ..models import Dossier, Outcome
from ..selectors import dossiers_visible_to
from .uploads import UploadLinkMixin


class VisibleUnitFilter(admin.RelatedFieldListFilter):
    """The unit filter lists only the units the person may see, without scanning the big table."""

    def field_choices(self, field, request, model_admin):
        units = units_visible_to(Actor.from_request(request)).only("pk", "code", "name")
        return [(unit.pk, str(unit)) for unit in units]


@admin.register(Dossier)
class DossierAdmin(UploadLinkMixin, ReadOnlyAdmin):
    list_display = ["code", "procedure_code", "unit", "channel", "received_at", "due_at", "completed_at", "outcome",
                    "on_time"]
    list_filter = ["channel", "outcome", ("unit", VisibleUnitFilter), "received_at"]
    list_select_related = ["procedure", "unit"]
    date_hierarchy = "received_at"
    search_fields = ["=code"]
    ordering = ["-received_at"]
    show_full_result_count = False
    list_per_page = 50
    fields = ["source", *MODEL_FIELDS]  # what an upload sets, so a new dossier field shows here too

    def get_queryset(self, request):
        return dossiers_visible_to(Actor.from_request(request), super().get_queryset(request))

    @admin.display(description=_("thủ tục"), ordering="procedure__code")
    def procedure_code(self, obj):
        return obj.procedure.code

    @admin.display(description=_("đúng hạn"), boolean=True)
    def on_time(self, obj):
        if obj.outcome not in (Outcome.RESOLVED, Outcome.REJECTED) or obj.completed_at is None:
            return None
        return obj.completed_at <= obj.due_at
