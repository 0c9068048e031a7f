"""Admin of the procedure catalogue: fields, procedures with their level and change history."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpResponseRedirect
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from departments.admin import CatalogueAdmin
from departments.policy import Actor, can_add_procedure, can_edit_procedure, restrict_to_scope, units_visible_to
from indicators.models import AuditChannel
from kernel.admin import ReadOnlyInline
from kernel.errors import ServiceError

from ..models import (
    ImplementingLevel,
    LevelScheme,
    Procedure,
    ProcedureChange,
    ProcedureField,
    ProcedureLevelPeriod,
)
from ..services import CATALOGUE_FIELDS, ensure_level_allowed, level_scheme_for, procedure_save


class HistoryInline(ReadOnlyInline):
    """History rows shown with their procedure, to whoever may see the procedure."""

    template = "admin/procedures/history_tabular.html"


@admin.register(ProcedureField)
class ProcedureFieldAdmin(CatalogueAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class ImplementingLevelFilter(admin.SimpleListFilter):
    title = _("cấp thực hiện")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return ImplementingLevel.choices

    def queryset(self, request, queryset):
        if self.value() in ImplementingLevel.values:
            return queryset.filter(**{f"at_{self.value()}": True})
        return queryset


class ActiveFilter(admin.SimpleListFilter):
    title = _("hiệu lực")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("Đang áp dụng")), ("no", _("Đã bãi bỏ"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        abolished = queryset.filter(abolished_on__lte=today)
        if self.value() == "no":
            return abolished
        if self.value() == "yes":
            return queryset.exclude(pk__in=abolished.values("pk"))
        return queryset


class OwnProceduresFilter(admin.SimpleListFilter):
    """Staff see the whole catalogue; this narrows it to the procedures their units are responsible for."""

    title = _("phạm vi")
    parameter_name = "own"

    def lookups(self, request, model_admin):
        if Actor.from_request(request).sees_everything:
            return []
        return [("1", _("Thủ tục đơn vị tôi chủ trì"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return restrict_to_scope(Actor.from_request(request), queryset, unit_field="department")
        return queryset


class ProcedureForm(forms.ModelForm):
    level_changed_on = forms.DateField(
        label=_("ngày đổi mức độ"), required=False, widget=AdminDateWidget,
        help_text=_("Chỉ dùng khi đổi mức độ dịch vụ công trực tuyến; để trống là hôm nay."),
    )

    level_scheme = forms.ModelChoiceField(
        label=_("hệ thống mức độ"), queryset=LevelScheme.objects.all(), required=False, to_field_name="code",
        help_text=_("Để trống là hệ thống có hiệu lực vào ngày của mức độ."),
    )

    class Meta:
        model = Procedure
        fields = ["code", *CATALOGUE_FIELDS]

    def clean_level_changed_on(self):
        on = self.cleaned_data.get("level_changed_on")
        if on is not None and on > timezone.localdate():
            raise forms.ValidationError(_("Ngày đổi mức độ không được sau hôm nay."))
        return on

    def clean(self):
        """Ask the service's scheme rules here too, so a refused level is a form error on its field."""
        data = super().clean()
        level_fields = {"online_level", "legacy_level", "partial_reason", "proactive_level", "level_scheme"}
        if self.instance.pk is not None and not level_fields & set(self.changed_data):
            return data  # the level is left alone: its period stays under its own scheme
        day = data.get("level_changed_on") or timezone.localdate()
        if self.instance.pk is None and data.get("active_from"):
            day = data["active_from"]
        probe = Procedure(**{name: data.get(name) for name in ("online_level", "legacy_level", "proactive_level")},
                          partial_reason=data.get("partial_reason") or "")
        try:
            ensure_level_allowed(scheme=level_scheme_for(day=day, named=data.get("level_scheme")), procedure=probe)
        except ServiceError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


class LevelPeriodInline(HistoryInline):
    model = ProcedureLevelPeriod
    verbose_name_plural = _("lịch sử mức độ")
    fields = readonly_fields = ["scheme_column", "level", "legacy", "reason", "proactive", "valid_from_column",
                                "valid_to_column"]
    ordering = ["valid_from"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("scheme")

    @admin.display(description=_("hệ thống mức độ"))
    def scheme_column(self, obj):
        return obj.scheme.code if obj.scheme else "—"

    @admin.display(description=_("lý do pháp lý (một phần)"))
    def reason(self, obj):
        return obj.partial_reason or "—"

    @admin.display(description=_("dịch vụ chủ động"))
    def proactive(self, obj):
        return obj.proactive_level or "—"

    @admin.display(description=_("mức độ"))
    def level(self, obj):
        return obj.get_online_level_display()

    @admin.display(description=_("mức độ cũ (1–4)"))
    def legacy(self, obj):
        return obj.legacy_level or "—"

    @admin.display(description=_("từ ngày"))
    def valid_from_column(self, obj):
        return formats.date_format(obj.valid_from, "SHORT_DATE_FORMAT")

    @admin.display(description=_("đến ngày"))
    def valid_to_column(self, obj):
        return formats.date_format(obj.valid_to, "SHORT_DATE_FORMAT") if obj.valid_to else "—"


class ChangeInline(HistoryInline):
    model = ProcedureChange
    verbose_name_plural = _("lịch sử thay đổi")
    fields = readonly_fields = ["at_column", "who", "channel_column", "summary"]
    ordering = ["-at", "-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "api_key")

    @admin.display(description=_("lúc"))
    def at_column(self, obj):
        return formats.date_format(timezone.localtime(obj.at), "SHORT_DATETIME_FORMAT")

    @admin.display(description=_("người thực hiện"))
    def who(self, obj):
        return obj.api_key.name if obj.api_key_id else (obj.actor or "—")

    @admin.display(description=_("kênh"))
    def channel_column(self, obj):
        return obj.channel

    @admin.display(description=_("nội dung thay đổi"))
    def summary(self, obj):
        if not obj.before:
            return _("Tạo mới")
        changed = [f"{self._label(key)}: {self._value(key, obj.before.get(key))} → {self._value(key, value)}"
                   for key, value in obj.after.items() if obj.before.get(key) != value]
        return "; ".join(changed) or "—"

    @staticmethod
    def _label(name):
        try:
            return Procedure._meta.get_field(name).verbose_name
        except FieldDoesNotExist:  # a field older audit rows still name
            return name

    @staticmethod
    def _value(name, value):
        if isinstance(value, bool):
            return _("có") if value else _("không")
        if value in (None, ""):
            return "—"
        try:
            return dict(Procedure._meta.get_field(name).flatchoices).get(value, value)
        except FieldDoesNotExist:
            return value


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    """Administrators edit every procedure, staff their units' (others' open read-only), reviewers view."""

    form = ProcedureForm
    list_display = ["code", "name", "department", "online_level", "full_online", "mobile", "on_national_portal",
                    "is_active"]
    list_filter = [
        OwnProceduresFilter, "online_level", ("department", admin.RelatedOnlyFieldListFilter),
        ImplementingLevelFilter, ("field", admin.RelatedOnlyFieldListFilter), ActiveFilter,
    ]
    search_fields = ["code", "name"]
    list_select_related = ["department", "field"]
    autocomplete_fields = ["department", "field"]
    inlines = [LevelPeriodInline, ChangeInline]
    list_per_page = 50

    def get_fieldsets(self, request, obj=None):
        service = [_("Dịch vụ công trực tuyến"), {"fields": [
            "online_level", "level_scheme", "full_online", "partial_reason", "proactive_level", "legacy_level",
            "eligible_full_online", "mobile", "on_national_portal"]}]
        if obj is not None and self.has_change_permission(request, obj):
            service[1]["fields"].insert(1, "level_changed_on")
        return [
            (None, {"fields": ["code", "name", "field", "department"]}),
            (_("Cấp thực hiện"), {"fields": ["at_province", "at_district", "at_commune"]}),
            tuple(service),
            (_("Thông tin thủ tục"), {"fields": ["processing_time", "fee", "legal_basis", "publication_decision"]}),
            (_("Hiệu lực"), {"fields": ["active_from", "abolished_on", "version"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # The code is the procedure's identity (dossiers refer to it); the version counts saves.
        return ["full_online", "version", "code"] if obj is not None else ["full_online", "version"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = units_visible_to(Actor.from_request(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return can_add_procedure(Actor.from_request(request)) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit_procedure(Actor.from_request(request), obj)

    def has_delete_permission(self, request, obj=None):
        # A procedure is abolished (a date), never deleted: its dossiers and audit must stay.
        return False

    @admin.display(description=_("còn hiệu lực"), boolean=True)
    def is_active(self, obj):
        today = timezone.localdate()
        return obj.active_from <= today and (obj.abolished_on is None or obj.abolished_on > today)

    def save_model(self, request, obj, form, change):
        procedure_save(procedure=obj, actor=Actor.from_request(request), channel=AuditChannel.ADMIN,
                       level_changed_on=form.cleaned_data.get("level_changed_on"),
                       scheme=form.cleaned_data.get("level_scheme"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as error:
            # The service refused (e.g. a level change dated before the current level began); nothing was saved.
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
