"""Evidence files of a value in its admin page: listed with download links, uploaded through the service."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from departments.policy import Actor, can_change_value, can_enter_data
from kernel.errors import ServiceError

from ..models import Evidence
from ..services import evidence_check


class EvidenceInline(admin.TabularInline):
    """The value's evidence files: listed with a download link; removable while the value is editable."""

    model = Evidence
    extra = 0
    fields = ["download", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        actor = Actor.from_request(request)
        return obj is not None and can_change_value(actor, obj) and super().has_delete_permission(request, obj)

    @admin.display(description=_("tệp"))
    def download(self, evidence):
        url = reverse("admin:indicators_indicatorvalue_evidence", args=[evidence.value_id, evidence.pk])
        return format_html('<a href="{}">{}</a>', url, evidence.original_name)


class EvidenceUploadForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["file"]
        # The tabular inline prints the field's name only as its column header, which labels nothing:
        # the input names itself, so a screen reader (and axe-core's "label" rule) knows what it asks for.
        widgets = {"file": forms.FileInput(attrs={"aria-label": _("Tệp minh chứng")})}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                evidence_check(upload)
            except ServiceError as error:
                raise forms.ValidationError(error.message, code=error.code) from None
        return upload


class EvidenceUploadFormSet(forms.BaseInlineFormSet):
    @classmethod
    def get_default_prefix(cls):
        return "evidence_upload"


class EvidenceUploadInline(admin.TabularInline):
    """New evidence files, uploaded with the value's form and attached through the service."""

    model = Evidence
    form = EvidenceUploadForm
    formset = EvidenceUploadFormSet
    extra = 1
    verbose_name = _("minh chứng mới")
    verbose_name_plural = _("tải minh chứng lên")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_add_permission(self, request, obj=None):
        actor = Actor.from_request(request)
        allowed = can_enter_data(actor) if obj is None else can_change_value(actor, obj)
        return allowed and super().has_add_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
