"""Admin for the procedure catalogue, dossiers and their statistics.

Catalogue edits go through `services.procedure_save`, dossier uploads through `ingest.dossiers_import`:
the admin translates input and shows results; the policy and the services decide.
"""


from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from departments.admin import CatalogueAdmin
from departments.policy import (
    Actor,
    can_add_procedure,
    can_edit_procedure,
    can_push_source_data,
    restrict_to_scope,
    units_visible_to,
)
from kernel.errors import BatchRejected, ServiceError
from kernel.tabular import ensure_size

from .ingest import dossiers_import, rows_from_upload
from .models import (
    Dossier,
    DossierImport,
    DossierMonthStat,
    ImplementingLevel,
    Outcome,
    Procedure,
    ProcedureChange,
    ProcedureField,
    ProcedureLevelPeriod,
    Score766Rule,
)
from .selectors import dossiers_visible_to, stats_visible_to
from .services import CATALOGUE_FIELDS, procedure_save

ADMIN_CHANNEL = "admin"
CONFLICTS_SHOWN = 200  # an upload can reject thousands of rows; the page lists the first ones


def counter_column(name, label):
    """Return a list_display column showing a plain model attribute under a Vietnamese heading."""

    def column(*args):  # called as column(obj), or as a method of the admin: column(model_admin, obj)
        return getattr(args[-1], name)

    column.__name__ = f"{name}_column"
    return admin.display(description=label, ordering=name)(column)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (ingestion, statistics): nobody adds, changes or deletes them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """History rows shown with their procedure, to whoever may see the procedure."""

    extra = 0
    can_delete = False
    template = "admin/procedures/history_tabular.html"

    def has_view_permission(self, request, obj=None):
        return self.admin_site.get_model_admin(self.parent_model).has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- catalogue -------------------------------------------------------------------------------


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

    class Meta:
        model = Procedure
        fields = ["code", *CATALOGUE_FIELDS]

    def clean_level_changed_on(self):
        on = self.cleaned_data.get("level_changed_on")
        if on is not None and on > timezone.localdate():
            raise forms.ValidationError(_("Ngày đổi mức độ không được sau hôm nay."))
        return on


class LevelPeriodInline(ReadOnlyInline):
    model = ProcedureLevelPeriod
    verbose_name_plural = _("lịch sử mức độ")
    fields = readonly_fields = ["level", "legacy", "valid_from_column", "valid_to_column"]
    ordering = ["valid_from"]

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


class ChangeInline(ReadOnlyInline):
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
            "online_level", "full_online", "legacy_level", "eligible_full_online", "mobile", "on_national_portal"]}]
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
        procedure_save(procedure=obj, actor=Actor.from_request(request), channel=ADMIN_CHANNEL,
                       level_changed_on=form.cleaned_data.get("level_changed_on"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as error:
            # The service refused (e.g. a level change dated before the current level began); nothing was saved.
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# --- dossiers --------------------------------------------------------------------------------


class VisibleUnitFilter(admin.RelatedFieldListFilter):
    """The unit filter lists only the units the person may see, without scanning the big table."""

    def field_choices(self, field, request, model_admin):
        units = units_visible_to(Actor.from_request(request)).only("pk", "code", "name")
        return [(unit.pk, str(unit)) for unit in units]


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = ["code", "procedure_code", "unit", "channel", "received_at", "due_at", "completed_at", "outcome",
                    "on_time"]
    list_filter = ["channel", "outcome", ("unit", VisibleUnitFilter), "received_at"]
    list_select_related = ["procedure", "unit"]
    date_hierarchy = "received_at"
    search_fields = ["=code"]
    ordering = ["-received_at"]
    show_full_result_count = False
    list_per_page = 50
    fields = ["source", "code", "procedure", "unit", "channel", "received_at", "due_at", "completed_at", "outcome",
              "fee_required", "paid_online", "digitized", "e_result"]

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

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": can_push_source_data(Actor.from_request(request))}
        return super().changelist_view(request, extra_context)


class DossierUploadForm(forms.Form):
    file = forms.FileField(label=_("tệp CSV hoặc XLSX"), allow_empty_file=True,  # the reader says "Tệp rỗng."
                           help_text=_("Các cột: code, procedure, unit, channel, received_at, due_at, completed_at, "
                                       "outcome, fee_required, paid_online, digitized, e_result."))
    source = forms.CharField(label=_("hệ thống nguồn"), max_length=100, initial="motcua",
                             help_text=_("Mã hồ sơ là duy nhất trong từng hệ thống nguồn."))
    dry_run = forms.BooleanField(label=_("chạy thử (không ghi gì)"), required=False)
    partial = forms.BooleanField(label=_("chỉ nhận các dòng hợp lệ"), required=False,
                                 help_text=_("Nếu không chọn, một dòng sai thì không ghi hồ sơ nào."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            ensure_size(upload.size)  # before anything reads it
        except ServiceError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return upload


@admin.register(DossierImport)
class DossierImportAdmin(ReadOnlyAdmin):
    list_display = ["at_column", "source", "who", "channel_column", "rows_column", "created_column",
                    "updated_column", "unchanged_column", "rejected_column"]
    list_filter = ["source", "channel", "at"]
    list_select_related = ["actor", "api_key"]
    date_hierarchy = "at"
    show_full_result_count = False
    at_column = counter_column("at", _("lúc"))
    channel_column = counter_column("channel", _("kênh"))
    rows_column = counter_column("rows", _("số dòng"))
    created_column = counter_column("created", _("tạo mới"))
    updated_column = counter_column("updated", _("cập nhật"))
    unchanged_column = counter_column("unchanged", _("không đổi"))
    rejected_column = counter_column("rejected", _("bị từ chối"))
    fields = readonly_fields = ["source", "at_column", "who", "channel_column", "rows_column", "created_column",
                                "updated_column", "unchanged_column", "rejected_column"]

    @admin.display(description=_("người hoặc hệ thống gửi"))
    def who(self, obj):
        return obj.api_key.name if obj.api_key_id else (obj.actor or "—")

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="procedures_dossier_upload")
        return [upload, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": can_push_source_data(Actor.from_request(request))}
        return super().changelist_view(request, extra_context)

    def upload_view(self, request):
        """Nhận hồ sơ từ tệp CSV/XLSX: validate, import (or dry-run) and show the summary."""
        actor = Actor.from_request(request)
        if not can_push_source_data(actor):
            raise PermissionDenied
        form = DossierUploadForm(request.POST or None, request.FILES or None)
        summary = None
        if request.method == "POST" and form.is_valid():
            summary = self._import(form, actor)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "title": _("Nhận hồ sơ từ tệp CSV/XLSX"),
            "form": form, "summary": summary, "conflicts": _conflicts_shown(summary),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/procedures/dossierimport/upload.html", context)

    def _import(self, form, actor):
        data = form.cleaned_data
        try:
            rows = rows_from_upload(data["file"])
            summary = dossiers_import(rows=rows, source=data["source"].strip(), actor=actor, channel=ADMIN_CHANNEL,
                                      dry_run=data["dry_run"], partial=data["partial"])
        except BatchRejected as rejected:
            return rejected.summary
        except ServiceError as error:
            form.add_error("file" if error.field == "file" else None, error.message)
            return None
        if summary["import_id"]:
            summary["import_url"] = reverse("admin:procedures_dossierimport_change", args=[summary["import_id"]])
        return summary


def _conflicts_shown(summary):
    if not summary:
        return []
    english = (translation.get_language() or "vi").startswith("en")
    return [{"row": c["row"], "field": c["field"] or "—", "message": c["message_en"] if english else c["message"]}
            for c in summary["conflicts"][:CONFLICTS_SHOWN]]


# --- statistics and rules --------------------------------------------------------------------

STAT_LABELS = {
    "received": _("tiếp nhận"), "received_online": _("trực tuyến"), "processed": _("đã giải quyết"),
    "on_time": _("đúng hạn"), "late": _("quá hạn"), "pending": _("đang giải quyết"),
    "fee_required": _("có phí"), "paid_online": _("thanh toán trực tuyến"), "digitized": _("số hóa"),
    "e_result": _("kết quả điện tử"),
}


@admin.register(DossierMonthStat)
class DossierMonthStatAdmin(ReadOnlyAdmin):
    list_filter = [("unit", VisibleUnitFilter), "month"]
    list_select_related = ["unit", "procedure"]
    date_hierarchy = "month"
    ordering = ["-month", "unit__code", "procedure__code"]
    show_full_result_count = False
    list_per_page = 100
    month_column = counter_column("month", _("tháng"))

    def get_list_display(self, request):
        counters = [counter_column(name, label) for name, label in STAT_LABELS.items()]
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

    list_display = ["component", "metric", "max_points", "full_at", "note"]
    list_filter = ["component"]
    ordering = ["component", "metric"]

