"""Admin of the indicator catalogue: frameworks, pillars, indicators and targets, changed by administrators."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from departments.admin import CatalogueAdmin, CataloguePermissions
from departments.models import UnitKind
from departments.policy import Actor
from kernel.admin import ServiceSaveAdmin
from kernel.errors import ServiceError

from ..catalogue import (
    framework_delete,
    framework_save,
    indicator_delete,
    indicator_save,
    pillar_delete,
    pillar_save,
    target_delete,
    target_save,
)
from ..models import Framework, Indicator, Pillar, Target


class CatalogueInline(CataloguePermissions, admin.TabularInline):
    """An inline of a catalogue: only administrators change it, like its parent."""

    extra = 0


class PillarInline(CatalogueInline):
    model = Pillar
    fields = ["order", "code", "name", "name_en"]


class CatalogueServiceAdmin(ServiceSaveAdmin, CatalogueAdmin):
    """A catalogue admin whose saves and deletes call `indicators.catalogue` (`save_service`, `delete_service`)."""

    save_service = None
    delete_service = None
    service_argument = None  # the keyword the services take the object by

    def save_through_service(self, request, obj, form, change):
        return type(self).save_service(**{self.service_argument: obj}, actor=Actor.from_request(request))

    def delete_through_service(self, request, obj):
        type(self).delete_service(**{self.service_argument: obj}, actor=Actor.from_request(request))


@admin.register(Framework)
class FrameworkAdmin(CatalogueServiceAdmin):
    list_display = ["code", "name", "version", "decision", "valid_from", "valid_to", "deadline_days",
                    "indicator_count"]
    list_filter = ["valid_from", "valid_to"]
    search_fields = ["code", "name", "name_en", "decision"]
    inlines = [PillarInline]
    save_service, delete_service, service_argument = framework_save, framework_delete, "framework"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(indicator_count=Count("indicators"))

    @admin.display(description=_("số chỉ tiêu"), ordering="indicator_count")
    def indicator_count(self, obj):
        return obj.indicator_count

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # sorts the inline forms into new, changed and deleted pillars; writes nothing
        actor = Actor.from_request(request)
        try:
            for pillar in formset.deleted_objects:
                pillar_delete(pillar=pillar, actor=actor)
            for pillar in [*formset.new_objects, *(obj for obj, _fields in formset.changed_objects)]:
                pillar.framework = form.instance
                pillar_save(pillar=pillar, actor=actor)
        except ServiceError as error:
            self.refuse(error)


@admin.register(Pillar)
class PillarAdmin(CatalogueServiceAdmin):
    list_display = ["code", "name", "framework", "order"]
    list_filter = ["framework"]
    list_select_related = ["framework"]
    search_fields = ["code", "name", "name_en", "framework__code"]
    autocomplete_fields = ["framework"]
    save_service, delete_service, service_argument = pillar_save, pillar_delete, "pillar"


@admin.register(Indicator)
class IndicatorAdmin(CatalogueServiceAdmin):
    list_display = ["code", "name", "framework", "pillar", "value_type", "period_type", "unit_of_measure", "source",
                    "evidence_required", "is_active", "target_count"]
    list_filter = ["framework", "value_type", "period_type", "source", "evidence_required", "is_active"]
    list_select_related = ["framework", "pillar"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["framework", "pillar"]
    save_service, delete_service, service_argument = indicator_save, indicator_delete, "indicator"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(target_count=Count("targets"))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "unit_kinds":  # a list of kinds: ticked, not typed as JSON
            return forms.MultipleChoiceField(
                label=capfirst(db_field.verbose_name), help_text=db_field.help_text, choices=UnitKind.choices,
                widget=forms.CheckboxSelectMultiple, required=False,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("số mục tiêu"), ordering="target_count")
    def target_count(self, obj):
        return obj.target_count


@admin.register(Target)
class TargetAdmin(CatalogueServiceAdmin):
    list_display = ["indicator", "year", "unit", "value", "decision"]
    list_filter = ["year", "indicator__framework"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["indicator__code", "indicator__name", "decision", "unit__code", "unit__name"]
    autocomplete_fields = ["indicator", "unit"]
    save_service, delete_service, service_argument = target_save, target_delete, "target"
