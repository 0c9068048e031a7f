"""Admin of the official Decision 766 scores, the page that uploads them, and the dated rule sets and schemes."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from departments.policy import Actor, can_push_source_data
from indicators.models import AuditChannel
from kernel.admin import ReadOnlyAdmin
from kernel.errors import BatchRejected, ServiceError
from kernel.tabular import ensure_size, read_upload_rows

from ..models import LevelScheme, OfficialScore766, Score766RuleSet
from ..services import MAX_OFFICIAL_ROWS, OFFICIAL_COLUMNS, official_scores_import
from .uploads import UploadLinkMixin


class OfficialScoreUploadForm(forms.Form):
    file = forms.FileField(label=_("tệp CSV hoặc XLSX"), allow_empty_file=True,
                           help_text=format_lazy(_("Các cột: {columns}."),
                                                 columns=", ".join([*OFFICIAL_COLUMNS, "source"])))
    source = forms.CharField(label=_("nguồn"), max_length=500, required=False,
                             help_text=_("Nơi công bố điểm (dùng khi tệp không có cột source)."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            ensure_size(upload.size)  # before anything reads it
        except ServiceError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return upload


@admin.register(OfficialScore766)
class OfficialScore766Admin(UploadLinkMixin, ReadOnlyAdmin):
    list_display = ["unit", "group", "points", "published_on", "rule_set", "source", "channel", "imported_at"]
    list_filter = ["group", "published_on", "rule_set"]
    list_select_related = ["unit", "rule_set"]
    date_hierarchy = "published_on"

    def get_urls(self):
        upload = path("upload/", self.admin_site.admin_view(self.upload_view), name="procedures_official766_upload")
        return [upload, *super().get_urls()]

    def upload_view(self, request):
        """Nhập điểm chính thức từ tệp CSV/XLSX: all rows or none, and the rejected rows with their reasons."""
        actor = Actor.from_request(request)
        if not can_push_source_data(actor):
            raise PermissionDenied
        form = OfficialScoreUploadForm(request.POST or None, request.FILES or None)
        summary, errors = None, []
        if request.method == "POST" and form.is_valid():
            summary, errors = self._import(form, actor)
        context = {
            **self.admin_site.each_context(request), "opts": self.opts,
            "title": _("Nhập điểm chính thức QĐ 766 từ tệp CSV/XLSX"), "form": form, "summary": summary,
            "errors": errors, "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/procedures/officialscore766/upload.html", context)

    def _import(self, form, actor):
        data = form.cleaned_data
        try:
            rows = read_upload_rows(data["file"], required=OFFICIAL_COLUMNS, max_rows=MAX_OFFICIAL_ROWS)
            return official_scores_import(rows=rows, source=data["source"], actor=actor,
                                          channel=AuditChannel.ADMIN), []
        except BatchRejected as rejected:
            english = (translation.get_language() or "vi").startswith("en")
            return {"status": "rejected"}, [
                {"row": e["row"], "field": e["field"] or "—", "message": e["message_en"] if english else e["message"]}
                for e in rejected.summary["errors"]]
        except ServiceError as error:
            form.add_error("file" if error.field in ("file", None) else None, error.message)
            return None, []


@admin.register(Score766RuleSet)
class Score766RuleSetAdmin(ReadOnlyAdmin):
    """The dated rule sets (seeded by migration with their source); their rules are adjusted per rule."""

    list_display = ["code", "name", "valid_from", "valid_to", "source"]


@admin.register(LevelScheme)
class LevelSchemeAdmin(ReadOnlyAdmin):
    """The dated online service level schemes (Decree 43/2011, 42/2022, 224/2026), seeded by migration."""

    list_display = ["code", "name", "legal_basis", "valid_from", "valid_to"]
