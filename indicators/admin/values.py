"""Admin of indicator values: entry by staff, review by reviewers, bulk actions, export; writes go through services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Count
from django.forms.models import construct_instance
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ExportForm

from departments.models import Unit
from departments.policy import Actor, can_change_value, can_enter_data, can_review, units_visible_to
from kernel.admin import ServiceSaveAdmin
from kernel.admin_lists import LargeListMixin
from kernel.errors import ServiceError
from kernel.numbers import LocalizedDecimalField, format_decimal
from kernel.paginators import COUNT_CAP

from ..forms import places_for
from ..models import AuditChannel, Comment, Evidence, Indicator, IndicatorValue, Source, ValueState
from ..periods import PeriodType
from ..resources import IndicatorValueResource
from ..selectors import changes_since_review, review_queue, values_visible_to
from ..services import (
    evidence_add,
    evidence_remove,
    value_approve,
    value_create,
    value_reopen,
    value_return,
    value_submit,
    value_update,
)
from ..workspace import period_choices
from . import pages
from .display import field_label, plain
from .evidence import EvidenceInline, EvidenceUploadInline
from .filters import OwnUnitsFilter, VisibleUnitFilter

NUMBER_FIELDS = ["numerator", "denominator", "value", "note"]
IDENTITY_FIELDS = ["indicator", "unit", "period"]
TRACKING_FIELDS = ["state", "version", "due_date", "is_computed", "created_by", "created_at", "updated_by",
                   "updated_at", "submitted_at", "reviewed_by", "reviewed_at", "return_reason"]
QUEUE_PARAM = "queue"


def units_for_entry(actor):
    """Return the units the actor may enter values for, as the policy scopes them."""
    if not can_enter_data(actor):
        return Unit.objects.none()
    return units_visible_to(actor).order_by("path")


def indicators_for_entry(actor):
    """Return the active, hand-entered indicators that apply to a kind of unit the actor enters data for."""
    kinds = set(units_for_entry(actor).values_list("kind", flat=True))
    candidates = Indicator.objects.filter(is_active=True, source=Source.MANUAL).only("pk", "unit_kinds")
    return Indicator.objects.filter(pk__in=[i.pk for i in candidates if kinds & set(i.unit_kinds)])


def counts_by_value(model, value_ids):
    """Return {value id: number of `model` rows} for the given values only (one grouped query)."""
    rows = model.objects.filter(value_id__in=value_ids).order_by().values("value_id").annotate(n=Count("pk"))
    return {row["value_id"]: row["n"] for row in rows}



def _capped_counts_by_state(queryset, cap):
    """Return {state: rows of `queryset` in it, counting at most cap + 1}, in one query of one subquery a state."""
    parts, params = [], []
    for state in ValueState.values:
        sql, state_params = (queryset.filter(state=state).order_by().values("pk")[: cap + 1]
                             .query.sql_with_params())
        parts.append(f"(SELECT count(*) FROM ({sql}) AS capped)")
        params.extend(state_params)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return dict(zip(ValueState.values, cursor.fetchone(), strict=True))

class PageCountsChangeList(ChangeList):
    """The values list counts evidence and comments for the page shown, in two queries, never per row."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        ids = [value.pk for value in self.result_list]
        evidence, comments = counts_by_value(Evidence, ids), counts_by_value(Comment, ids)
        for value in self.result_list:
            value.evidence_count, value.comment_count = evidence.get(value.pk, 0), comments.get(value.pk, 0)


def figure(name, raw, places):
    """Return an audited figure in the active language (the value with its indicator's decimals); text as is."""
    if name == "note" or raw in (None, "", "None"):
        return plain(raw)
    try:
        return format_decimal(raw, places=places if name == "value" else None)
    except (ArithmeticError, TypeError, ValueError):
        return plain(raw)


class PeriodChoiceField(forms.ChoiceField):
    """A list of periods by name; whether the period suits the indicator (its type, started) the service
    decides and says in its own words, so the list does not refuse first with a generic message."""

    def valid_value(self, value):
        return True


class IndicatorValueForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=True)

    class Meta:
        model = IndicatorValue
        fields = [*IDENTITY_FIELDS, *NUMBER_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Figures typed and shown the way the person's language writes them ("4,5", "1.234,5"), with the
        # decimals the indicator needs, in text boxes (a browser number box reinterprets what is typed).
        places = places_for(self.instance.indicator) if self.instance.pk else None
        for name in ("numerator", "denominator", "value"):
            if name in self.fields:
                model = self.fields[name]
                self.fields[name] = LocalizedDecimalField(label=model.label, required=False, places=places,
                                                          max_digits=20, decimal_places=4, help_text=model.help_text)
        if "period" in self.fields:  # a new value: the period picked by its name, never typed as a code
            label = self.fields["period"].label
            choices = period_choices(list(PeriodType), timezone.localdate())
            self.fields["period"] = PeriodChoiceField(label=label, choices=[("", "---------"), *choices])
        if self.instance.pk is None:
            del self.fields["expected_version"]  # a new value has no version to be stale
        elif "expected_version" in self.fields:
            self.fields["expected_version"].initial = self.instance.version

    def _post_clean(self):
        # The services check every rule of a value and say why in the portal's words; the model's
        # database constraints, checked here, would only repeat some of them by constraint name.
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


class ReviewQueueFilter(admin.SimpleListFilter):
    """The reviewers' queue: submitted values they may review, oldest first, with their last approval."""

    title = _("hàng chờ duyệt")
    parameter_name = QUEUE_PARAM

    def lookups(self, request, model_admin):
        return [("1", _("Đã gửi, cũ nhất trước"))]

    def queryset(self, request, queryset):
        if self.value() != "1":
            return queryset
        return review_queue(Actor.from_request(request), queryset)


class ValuesExportForm(ExportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].label = _("Định dạng tệp")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
                             error_messages={"required": _("Cần ghi rõ lý do.")})


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ExportMixin, LargeListMixin, ServiceSaveAdmin):
    form = IndicatorValueForm
    inlines = [EvidenceInline, EvidenceUploadInline]
    list_display = ["indicator_code", "unit", "period", "shown_value", "state", "version", "due_date",
                    "evidence_count", "comment_count", "updated_by"]
    list_display_links = ["indicator_code"]
    list_select_related = ["indicator", "unit", "updated_by"]
    list_filter = [OwnUnitsFilter, "state", "indicator__framework", "indicator__period_type",
                   ("unit", VisibleUnitFilter)]
    ordering = ["-period_start", "indicator_id", "unit_id"]  # the index value_period_list
    list_per_page = 50
    search_fields = ["indicator__code", "indicator__name", "unit__code", "unit__name", "period"]
    actions = ["submit_selected", "approve_selected", "return_selected", "reopen_selected"]
    # Export only: imports go through indicators.imports.values_import (see pages.values_import_page).
    resource_classes = [IndicatorValueResource]
    export_formats = [XLSX, CSV]
    export_form_class = ValuesExportForm
    export_template_name = "admin/indicators/indicatorvalue/export.html"
    to_encoding = "utf-8-sig"  # so that Excel opens an exported CSV with its Vietnamese intact
    import_export_change_list_template = "admin/indicators/indicatorvalue/change_list.html"
    change_form_template = "admin/indicators/indicatorvalue/change_form.html"

    # permissions

    def has_add_permission(self, request):
        return can_enter_data(Actor.from_request(request)) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        actor = Actor.from_request(request)
        if not can_enter_data(actor) or not super().has_change_permission(request, obj):
            return False
        return obj is None or can_change_value(actor, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # no service deletes values: their history must stay

    def has_submit_permission(self, request):
        return can_enter_data(Actor.from_request(request)) and self.has_view_permission(request)

    def has_review_permission(self, request):
        return can_review(Actor.from_request(request)) and self.has_view_permission(request)

    def has_tasks_permission(self, request):
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)  # and the export holds only what get_queryset lets them see

    def init_request_context_data(self, request, form):
        return {**super().init_request_context_data(request, form), "title": _("Xuất số liệu ra Excel/CSV")}

    # querysets and lists

    def get_queryset(self, request):
        return values_visible_to(Actor.from_request(request), super().get_queryset(request))

    def get_changelist(self, request, **kwargs):
        return PageCountsChangeList

    def in_queue(self, request):
        return request.GET.get(QUEUE_PARAM) == "1"

    def get_list_filter(self, request):
        if self.has_review_permission(request):
            return [ReviewQueueFilter, *self.list_filter]
        return self.list_filter

    def get_list_display(self, request):
        if self.in_queue(request):
            return ["indicator_code", "unit", "period", "shown_value", "changes_column", "submitted_at",
                    "updated_by", "evidence_count"]
        return self.list_display

    def get_ordering(self, request):
        if self.in_queue(request):
            return ["submitted_at", "pk"]
        return super().get_ordering(request)

    @admin.display(description=_("chỉ tiêu"), ordering="indicator__code")
    def indicator_code(self, obj):
        return obj.indicator.code

    @admin.display(description=_("giá trị"), ordering="value")
    def shown_value(self, obj):
        """The figure in the active language with the decimals its indicator needs (99,88 %, never 84,0000)."""
        if obj.value is None:
            return "—"
        shown = format_decimal(obj.value, places=places_for(obj.indicator))
        if obj.numerator is not None:
            shown = f"{shown} ({format_decimal(obj.numerator)}/{format_decimal(obj.denominator)})"
        return f"{shown} {obj.indicator.unit_of_measure}".strip()

    @admin.display(description=_("minh chứng"))
    def evidence_count(self, obj):
        return getattr(obj, "evidence_count", None)

    @admin.display(description=_("trao đổi"))
    def comment_count(self, obj):
        return getattr(obj, "comment_count", None)

    @admin.display(description=_("thay đổi từ lần duyệt hoặc trả lại trước"))
    def changes_column(self, obj):
        if not getattr(obj, "last_reviewed", None):
            return _("Chưa được duyệt hoặc trả lại lần nào")
        changes = changes_since_review(obj)
        if not changes:
            return _("Không thay đổi")
        places = places_for(obj.indicator)
        return format_html_join(
            mark_safe("<br>"), "{}: {} → {}",
            ((field_label(name), figure(name, before, places), figure(name, now, places))
             for name, (before, now) in changes.items()),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.in_queue(request) and self.has_review_permission(request):
            extra_context["queue_summary"] = self.queue_summary(request)
        return super().changelist_view(request, extra_context)

    def queue_summary(self, request):
        """Return the counts a reviewer sees above the queue: values by state, and queued values by unit.

        None reads more than COUNT_CAP rows (of one state, through the index (state, submitted_at)): past it a
        state reads "hơn 10.000" and the units' counts are those of the oldest COUNT_CAP values waiting.
        """
        actor = Actor.from_request(request)
        visible = values_visible_to(actor)
        counted = _capped_counts_by_state(visible, COUNT_CAP)
        more = _("hơn %(count)s") % {"count": format_decimal(COUNT_CAP)}
        oldest = visible.filter(state=ValueState.SUBMITTED).order_by("submitted_at", "pk").values("pk")[:COUNT_CAP]
        by_unit = (IndicatorValue.objects.filter(pk__in=oldest).order_by().values("unit__code", "unit__name")
                   .annotate(n=Count("pk")).order_by("unit__code"))
        return {
            "by_state": [(label, counted[state] if counted[state] <= COUNT_CAP else more)
                         for state, label in ValueState.choices if counted[state]],
            "by_unit": [(row["unit__code"], row["unit__name"], row["n"]) for row in by_unit],
            "by_unit_partial": counted[ValueState.SUBMITTED] > COUNT_CAP,
            "cap": COUNT_CAP,
        }

    # the change form

    def get_fieldsets(self, request, obj=None):
        numbers = (_("Số liệu"), {
            "fields": NUMBER_FIELDS,
            "description": _("Với chỉ tiêu tỷ lệ %, nhập tử số và mẫu số; giá trị được tính tự động."),
        })
        if obj is None:
            return [(None, {"fields": IDENTITY_FIELDS}), numbers]
        identity = [*IDENTITY_FIELDS, "state", "version", "due_date"]
        if self.has_change_permission(request, obj):
            identity.append("expected_version")
        tracking = [name for name in TRACKING_FIELDS if name not in identity]
        return [(None, {"fields": identity}), numbers,
                (_("Theo dõi"), {"fields": tracking, "classes": ["collapse"]})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*IDENTITY_FIELDS, *TRACKING_FIELDS]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else [EvidenceUploadInline]  # nothing to list yet

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        actor = Actor.from_request(request)
        if db_field.name == "unit":
            kwargs["queryset"] = units_for_entry(actor)
        elif db_field.name == "indicator":
            kwargs["queryset"] = indicators_for_entry(actor).select_related("framework")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        value = self.get_object(request, unquote(object_id))
        if value is not None:
            extra_context.update(pages.value_page_context(request, self, value))
        return super().change_view(request, object_id, form_url, extra_context)

    def save_through_service(self, request, obj, form, change):
        actor = Actor.from_request(request)
        data = form.cleaned_data
        if not change:
            return value_create(indicator=data["indicator"], unit=data["unit"], period=data["period"], actor=actor,
                                channel=AuditChannel.ADMIN, **{name: data[name] for name in NUMBER_FIELDS})
        changes = {name: data[name] for name in NUMBER_FIELDS if name in form.changed_data}
        if not changes:
            return None
        return value_update(value=obj, expected_version=data["expected_version"], actor=actor,
                            channel=AuditChannel.ADMIN, changes=changes)

    def delete_through_service(self, request, obj):
        raise PermissionDenied  # unreachable: has_delete_permission is False, no service deletes values

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # sorts the forms into new and deleted objects; writes nothing
        actor = Actor.from_request(request)
        uploads = [f.cleaned_data["file"] for f in formset.extra_forms
                   if f.has_changed() and f.cleaned_data.get("file") and f not in formset.deleted_forms]
        try:
            formset.new_objects = [
                evidence_add(value=formset.instance, upload=upload, actor=actor, channel=AuditChannel.ADMIN)
                for upload in uploads
            ]
            for evidence in formset.deleted_objects:
                evidence_remove(evidence=evidence, actor=actor, channel=AuditChannel.ADMIN)
        except ServiceError as error:
            self.refuse(error)

    # pages of their own

    def get_urls(self):
        def view(function):
            def wrapped(request, *args, **kwargs):
                return function(request, self, *args, **kwargs)
            return self.admin_site.admin_view(wrapped)

        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("my-tasks/", view(pages.my_tasks), name=f"{name}_my_tasks"),
            path("review-queue/", view(pages.review_queue_redirect), name=f"{name}_review_queue"),
            path("import/", view(pages.values_import_page), name=f"{name}_import"),
            path("<int:object_id>/workflow/<str:step>/", view(pages.value_workflow), name=f"{name}_workflow"),
            path("<int:object_id>/comment/", view(pages.value_comment), name=f"{name}_comment"),
            path("<int:object_id>/evidence/<int:evidence_id>/", view(pages.evidence_download),
                 name=f"{name}_evidence"),
            *super().get_urls(),
        ]

    # bulk actions: the same service for each row, each leaving its own audit entry

    @admin.action(description=_("Gửi duyệt các số liệu đã chọn"), permissions=["submit"])
    def submit_selected(self, request, queryset):
        self.run_each(request, queryset, value_submit, _("Đã gửi duyệt %(count)s số liệu."))

    @admin.action(description=_("Duyệt các số liệu đã chọn"), permissions=["review"])
    def approve_selected(self, request, queryset):
        self.run_each(request, queryset, value_approve, _("Đã duyệt %(count)s số liệu."))

    @admin.action(description=_("Trả lại các số liệu đã chọn (kèm lý do)"), permissions=["review"])
    def return_selected(self, request, queryset):
        return self.run_each_with_reason(request, queryset, value_return, _("Đã trả lại %(count)s số liệu."),
                                         title=_("Trả lại số liệu cho đơn vị"))

    @admin.action(description=_("Mở lại các số liệu đã duyệt (kèm lý do)"), permissions=["review"])
    def reopen_selected(self, request, queryset):
        return self.run_each_with_reason(request, queryset, value_reopen, _("Đã mở lại %(count)s số liệu."),
                                         title=_("Mở lại số liệu đã duyệt"))

    def run_each(self, request, queryset, service, done_message, **kwargs):
        """Call `service` for each selected value on its own; report how many went through and why others did not."""
        actor = Actor.from_request(request)
        done, refused = 0, []
        for value in queryset.select_related("indicator__framework", "unit").order_by("submitted_at", "pk"):
            try:
                service(value=value, actor=actor, channel=AuditChannel.ADMIN_BULK, **kwargs)
            except ServiceError as error:
                refused.append(f"{value}: {error.message}")
            else:
                done += 1
        if done:
            messages.success(request, done_message % {"count": done})
        if refused:
            messages.error(request, _("Không thực hiện được với %(count)s số liệu: %(details)s")
                           % {"count": len(refused), "details": "; ".join(refused)})

    def run_each_with_reason(self, request, queryset, service, done_message, *, title):
        form = ReasonForm(request.POST if "post" in request.POST else None)
        if form.is_valid():
            self.run_each(request, queryset, service, done_message, reason=form.cleaned_data["reason"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title, "opts": self.opts, "form": form, "action": request.POST.get("action", ""),
            "values": queryset.select_related("indicator", "unit").order_by("submitted_at", "pk"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/indicators/indicatorvalue/reason.html", context)
