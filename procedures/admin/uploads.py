"""Admin of dossier imports, and the page that uploads a CSV/XLSX file of dossiers."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from departments.policy import Actor, can_push_source_data
from indicators.models import AuditChannel
from kernel.admin import ReadOnlyAdmin, attribute_column
from kernel.admin_lists import LargeListMixin
from kernel.errors import BatchRejected, ServiceError
from kernel.tabular import ensure_size

from ..dossier_fields import PUSHED
from ..ingest import dossiers_import, rows_from_upload
from ..models import DossierImport

CONFLICTS_SHOWN = 200  # an upload can reject thousands of rows; the page lists the first ones


class DossierUploadForm(forms.Form):
    file = forms.FileField(label=_("tệp CSV hoặc XLSX"), allow_empty_file=True,  # the reader says "Tệp rỗng."
                           help_text=format_lazy(_("Các cột: {columns}."), columns=", ".join(PUSHED)))
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


class UploadLinkMixin:
    """A list page that links to the dossier upload for those the policy lets push source data."""

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": can_push_source_data(Actor.from_request(request))}
        return super().changelist_view(request, extra_context)


@admin.register(DossierImport)
class DossierImportAdmin(UploadLinkMixin, LargeListMixin, ReadOnlyAdmin):
    list_display = ["at_column", "source", "who", "channel_column", "rows_column", "created_column",
                    "updated_column", "unchanged_column", "rejected_column"]
    list_filter = ["source", "channel", "at"]
    list_select_related = ["actor", "api_key"]
    at_column = attribute_column("at", _("lúc"))
    channel_column = attribute_column("channel", _("kênh"))
    rows_column = attribute_column("rows", _("số dòng"))
    created_column = attribute_column("created", _("tạo mới"))
    updated_column = attribute_column("updated", _("cập nhật"))
    unchanged_column = attribute_column("unchanged", _("không đổi"))
    rejected_column = attribute_column("rejected", _("bị từ chối"))
    fields = readonly_fields = ["source", "at_column", "who", "channel_column", "rows_column", "created_column",
                                "updated_column", "unchanged_column", "rejected_column"]

    @admin.display(description=_("người hoặc hệ thống gửi"))
    def who(self, obj):
        return obj.api_key.name if obj.api_key_id else (obj.actor or "—")

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="procedures_dossier_upload")
        return [upload, *super().get_urls()]

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
            summary = dossiers_import(rows=rows, source=data["source"].strip(), actor=actor, channel=AuditChannel.ADMIN,
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
