from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from departments.policy import Actor, can_manage_catalogues
from kernel.errors import ServiceError

from .models import Frequency, Regime, WorkingDayChange
from .services import regime_save, regime_validate, working_day_change_save


class RegimeForm(forms.ModelForm):
    frequencies = forms.TypedMultipleChoiceField(
        label=Regime._meta.get_field("frequencies").verbose_name, choices=Frequency.choices,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Regime
        fields = ["code", "name", "legal_basis", "recipient", "frequencies", "window_kind", "window_start_day",
                  "window_end_day", "snapshot_day", "deadline_kind", "deadline_working_days", "deadline_day",
                  "deadline_month_offset", "reminder_days_before", "valid_from", "valid_to", "source_note"]

    def clean(self):
        cleaned = super().clean()
        regime = self.instance
        for name, value in cleaned.items():
            setattr(regime, name, value)
        try:
            regime_validate(regime)
        except ServiceError as error:
            problem = {error.field: error.message} if error.field in self.fields else error.message
            raise ValidationError(problem) from None
        return cleaned


class CatalogueAdmin(admin.ModelAdmin):
    """Only administrators change regimes and the working-day table; everyone on the staff side reads them."""

    def has_add_permission(self, request):
        return can_manage_catalogues(Actor.from_request(request))

    def has_change_permission(self, request, obj=None):
        return can_manage_catalogues(Actor.from_request(request))

    def has_delete_permission(self, request, obj=None):
        return False  # periods already reported keep naming their regime

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


@admin.register(Regime)
class RegimeAdmin(CatalogueAdmin):
    form = RegimeForm
    list_display = ["code", "name", "window_kind", "window_start_day", "window_end_day", "deadline_kind",
                    "deadline_working_days", "valid_from", "valid_to"]
    search_fields = ["code", "name", "legal_basis"]
    fieldsets = [
        (None, {"fields": ["code", "name", "legal_basis", "recipient", "frequencies", "valid_from", "valid_to"]}),
        (Regime._meta.get_field("window_kind").verbose_name,
         {"fields": ["window_kind", "window_start_day", "window_end_day", "snapshot_day"]}),
        (Regime._meta.get_field("deadline_kind").verbose_name,
         {"fields": ["deadline_kind", "deadline_working_days", "deadline_day", "deadline_month_offset",
                     "reminder_days_before"]}),
        (None, {"fields": ["source_note"]}),
    ]

    def save_model(self, request, obj, form, change):
        regime_save(regime=obj, actor=Actor.from_request(request))


@admin.register(WorkingDayChange)
class WorkingDayChangeAdmin(CatalogueAdmin):
    list_display = ["day", "kind", "reason", "source"]
    list_filter = ["kind"]
    date_hierarchy = "day"

    def save_model(self, request, obj, form, change):
        working_day_change_save(change=obj, actor=Actor.from_request(request))
