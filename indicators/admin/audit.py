"""Admin of the audit trail of values, read only and scoped by the policy."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from departments.policy import Actor, restrict_to_scope
from kernel.admin import ReadOnlyAdmin
from kernel.admin_lists import LargeListMixin

from ..models import AUDITED_FIELDS, AuditEntry
from .display import field_label, shown


@admin.register(AuditEntry)
class AuditEntryAdmin(LargeListMixin, ReadOnlyAdmin):
    """The audit trail, read only: who changed which value, when, through what, before and after."""

    list_display = ["at", "value", "action", "channel", "actor", "api_key", "short_reason"]
    list_filter = ["action", "channel", "at"]
    list_select_related = ["value__indicator", "value__unit", "actor", "api_key"]
    search_fields = ["value__indicator__code", "value__unit__code", "value__period", "actor__username", "reason"]
    fields = ["value", "action", "channel", "actor", "api_key", "at", "shown_before", "shown_after", "reason"]
    readonly_fields = fields
    ordering = ["-pk"]  # newest first: entries are only ever appended, so the primary key is their order
    list_per_page = 50

    def get_queryset(self, request):
        # The review trail is its own unit's (and reviewers'), even once the value is approved.
        return restrict_to_scope(Actor.from_request(request), super().get_queryset(request), unit_field="value__unit")

    @admin.display(description=_("lý do"))
    def short_reason(self, obj):
        return Truncator(obj.reason).chars(80)

    @admin.display(description=_("trước"))
    def shown_before(self, obj):
        return _audit_table(obj.before)

    @admin.display(description=_("sau"))
    def shown_after(self, obj):
        return _audit_table(obj.after)


def _audit_table(data):
    if not data:
        return "—"
    keys = [name for name in AUDITED_FIELDS if name in data] + [name for name in data if name not in AUDITED_FIELDS]
    return format_html_join(mark_safe("<br>"), "{}: {}", ((field_label(k), shown(k, data[k])) for k in keys))
