"""The reports admin: the list with downloads, a "generate now" page and a "regenerate" action.

Report records are read-only here: every report comes from `reports.services.report_request`, the
same service the API and the schedules call; the files are served only through a view that asks
`reports_visible_to`.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from departments.policy import Actor, units_visible_to
from kernel.admin import ReadOnlyAdmin
from kernel.errors import ServiceError
from kernel.numbers import format_decimal

from .models import Report, ReportKind, ReportStatus
from .rendering.common import summary_rows
from .selectors import CONTENT_TYPES, files_in_format_order, report_file_name, reports_visible_to
from .services import BrokerUnavailable, report_request


class ReportGenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("loại báo cáo"), choices=ReportKind.choices, initial=ReportKind.COMPLIANCE)
    period = forms.CharField(label=_("kỳ"), max_length=10, help_text=_("Năm: 2023, quý: 2023Q3, tháng: 202308."))
    unit = forms.ModelChoiceField(label=_("đơn vị"), queryset=None, required=False, empty_label=_("Toàn tỉnh"),
                                  help_text=_("Để trống: báo cáo toàn tỉnh."))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(actor).order_by("path")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "period", "scope", "status", "requester", "created_at", "started_at",
                    "finished_at", "downloads"]
    list_display_links = ["id", "period"]
    list_filter = ["status", "kind", "period"]
    list_select_related = ["unit", "requested_by", "requested_by_key"]
    search_fields = ["period", "unit__code", "unit__name"]
    actions = ["regenerate_selected"]
    fields = ["kind", "period", "scope", "status", "error", "requester", "created_at", "started_at", "finished_at",
              "attempts", "data_version_shown", "summary_shown", "downloads"]
    readonly_fields = fields
    change_list_template = "admin/reports/report/change_list.html"

    # permissions: records are read-only; generating is the add permission's

    def has_generate_permission(self, request):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and self.has_view_permission(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("files")
        return reports_visible_to(Actor.from_request(request), queryset)

    # columns

    @admin.display(description=_("phạm vi"), ordering="unit__code")
    def scope(self, obj):
        return obj.scope_label

    @admin.display(description=_("người yêu cầu"))
    def requester(self, obj):
        if obj.requested_by_key_id:
            return _("Khóa API: %(name)s") % {"name": obj.requested_by_key.name}
        if obj.requested_by_id:
            return obj.requested_by.get_full_name() or obj.requested_by.get_username()
        if obj.requested_by_schedule:
            return _("Lịch: %(name)s") % {"name": obj.requested_by_schedule}
        return "—"

    @admin.display(description=_("tải về"))
    def downloads(self, obj):
        files = files_in_format_order(obj)
        if not files:
            return "—"
        return format_html_join(
            mark_safe(" · "), '<a href="{}">{}</a> ({})',
            ((reverse("admin:reports_report_download", args=[obj.pk, stored.format]), stored.get_format_display(),
              filesizeformat(stored.size)) for stored in files),
        )

    @admin.display(description=_("tóm tắt"))
    def summary_shown(self, obj):
        """Show the summary as a table of labelled figures in the person's language, numbers written their way."""
        blocks = []
        for block, label, value in summary_rows(obj.summary):
            if not blocks or blocks[-1]["label"] != block:
                blocks.append({"label": block, "figures": []})
            blocks[-1]["figures"].append({"label": label, "value": _figure(value),
                                          "numeric": isinstance(value, int | float | Decimal)})
        if not blocks:
            return "—"
        return render_to_string("admin/reports/report/summary.html", {"blocks": blocks})

    @admin.display(description=_("phiên bản dữ liệu"))
    def data_version_shown(self, obj):
        """Name the data by when it was read; the fingerprint itself, shortened, only as a hint."""
        if obj.started_at:
            text = _("Số liệu đọc lúc %(time)s") % {"time": _moment(obj.started_at)}
        else:
            text = _("Số liệu tại thời điểm yêu cầu, %(time)s") % {"time": _moment(obj.created_at)}
        return format_html('{} <span title="{}">({})</span>', text,
                           _("Dấu vân tay của dữ liệu: %(version)s") % {"version": obj.data_version},
                           _("mã %(short)s") % {"short": obj.data_version[:8]})

    # pages of their own

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("generate/", self.admin_site.admin_view(self.generate_view), name=f"{name}_generate"),
            path("<int:object_id>/download/<str:fmt>/", self.admin_site.admin_view(self.download_view),
                 name=f"{name}_download"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "has_generate_permission": self.has_generate_permission(request)}
        return super().changelist_view(request, extra_context)

    def generate_view(self, request):
        """Request a report now, through the same service as the API and the schedules."""
        if not self.has_generate_permission(request):
            raise PermissionDenied
        actor = Actor.from_request(request)
        form = ReportGenerateForm(request.POST or None, actor=actor)
        if request.method == "POST" and form.is_valid():
            try:
                report, created = report_request(actor=actor, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.tell_outcome(request, report, created)
                return redirect("admin:reports_report_change", report.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tạo báo cáo ngay"), "opts": self.opts, "form": form,
        }
        return TemplateResponse(request, "admin/reports/report/generate.html", context)

    def tell_outcome(self, request, report, created):
        if created:
            messages.success(request, _("Đã đưa báo cáo “%(report)s” vào hàng đợi; tệp sẽ có khi trạng thái là "
                                        "“Hoàn thành”.") % {"report": report})
            return
        messages.info(request, _("Dữ liệu chưa thay đổi nên không tạo báo cáo mới: dùng lại báo cáo “%(report)s” "
                                 "(%(status)s).") % {"report": report, "status": report.get_status_display()})

    def download_view(self, request, object_id, fmt):
        """Serve one file of a report the user may see; anything else is a 404."""
        visible = reports_visible_to(Actor.from_request(request)).filter(pk=object_id, status=ReportStatus.DONE)
        report = visible.select_related("unit").first()
        stored = report.files.filter(format=fmt).first() if report is not None else None
        if stored is None or fmt not in CONTENT_TYPES:
            raise Http404
        try:
            handle = stored.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, filename=report_file_name(report, fmt),
                            content_type=CONTENT_TYPES[fmt])

    # actions

    @admin.action(description=_("Tạo lại các báo cáo đã chọn"), permissions=["generate"])
    def regenerate_selected(self, request, queryset):
        """Request each selected report again: a failed one is queued again; unchanged data keeps a done one."""
        actor = Actor.from_request(request)
        queued, kept, refused = [], [], []
        for report in queryset.select_related("unit").order_by("pk"):
            try:
                result, created = report_request(kind=report.kind, period=report.period, unit=report.unit,
                                                  actor=actor)
            except BrokerUnavailable as error:
                messages.error(request, error.message)
                break
            except ServiceError as error:
                refused.append(f"{report}: {error.message}")
                continue
            (queued if created else kept).append(result)
        if queued:
            messages.success(request, _("Đã đưa %(count)s báo cáo vào hàng đợi.") % {"count": len(queued)})
        if kept:
            messages.info(request, _("Dữ liệu chưa thay đổi nên không tạo lại %(count)s báo cáo; báo cáo hiện có "
                                     "được giữ nguyên: %(reports)s.")
                          % {"count": len(kept), "reports": "; ".join(f"#{r.pk} {r}" for r in kept)})
        if refused:
            messages.error(request, _("Không tạo lại được %(count)s báo cáo: %(details)s")
                           % {"count": len(refused), "details": "; ".join(refused)})


def _figure(value):
    """Return a summary figure as text: counts grouped (1.234), rates with two decimals (97,20), "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, int):
        return format_decimal(value, places=0)
    if isinstance(value, float | Decimal):
        return format_decimal(Decimal(str(value)), places=2)
    return str(value)


def _moment(moment):
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
