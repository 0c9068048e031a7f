"""Admin pages of indicator values beyond the ModelAdmin's own: my tasks, import, workflow buttons,
comments and evidence downloads. Each takes the IndicatorValueAdmin, asks it (and through it the
access policy) what the person may see, and calls a service for every change.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from departments.policy import Actor, can_comment_on_value, can_edit_unit_data, can_see_review_trail
from kernel.errors import BatchRejected, ServiceError

from ..imports import rows_from_upload, values_import
from ..models import AuditChannel, ValueState
from ..selectors import staff_tasks
from ..services import comment_add, value_approve, value_reopen, value_return, value_submit
from .display import audit_rows

WORKFLOW = {
    # step: (service, needs a reason, label, states it starts from, who may: "enter" or "review")
    "submit": (value_submit, False, _("Gửi duyệt"), {ValueState.DRAFT, ValueState.RETURNED}, "enter"),
    "approve": (value_approve, False, _("Duyệt"), {ValueState.SUBMITTED}, "review"),
    "return": (value_return, True, _("Trả lại"), {ValueState.SUBMITTED}, "review"),
    "reopen": (value_reopen, True, _("Mở lại"), {ValueState.APPROVED}, "review"),
}
DONE = {
    "submit": _("Đã gửi duyệt %(value)s."),
    "approve": _("Đã duyệt %(value)s."),
    "return": _("Đã trả lại %(value)s."),
    "reopen": _("Đã mở lại %(value)s."),
}


def workflow_steps(request, model_admin, value):
    """Return the workflow buttons the person may press on this value now."""
    may = {"enter": model_admin.has_submit_permission(request) and can_edit_unit_data(Actor.from_request(request),
                                                                                      value.unit),
           "review": model_admin.has_review_permission(request)}
    return [{"step": step, "label": label, "needs_reason": needs_reason}
            for step, (_service, needs_reason, label, states, who) in WORKFLOW.items()
            if value.state in states and may[who] and not value.is_computed]


def value_page_context(request, model_admin, value):
    """Return what the value's page shows below its form; its review trail only to those the policy allows."""
    trail_visible = can_see_review_trail(Actor.from_request(request), value)
    entries = value.audit_entries.select_related("actor", "api_key").order_by("at", "pk")
    comments = value.comments.select_related("author").order_by("created_at", "pk")
    return {
        "review_trail_visible": trail_visible,
        "audit_rows": audit_rows(entries) if trail_visible else [],
        "comments": comments if trail_visible else comments.none(),
        "may_comment": can_comment_on_value(Actor.from_request(request), value),
        "workflow_steps": workflow_steps(request, model_admin, value),
        "current_version": value.version,
    }


def _value_or_404(request, model_admin, object_id):
    value = model_admin.get_object(request, str(object_id))
    if value is None or not model_admin.has_view_or_change_permission(request, value):
        raise Http404
    return value


def _change_url(model_admin, value):
    opts = model_admin.opts
    return reverse(f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[value.pk])


def _version(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@require_POST
def value_workflow(request, model_admin, object_id, step):
    """Submit, approve, return or reopen one value from its page."""
    value = _value_or_404(request, model_admin, object_id)
    if step not in WORKFLOW:
        raise Http404
    service, needs_reason, _label, _states, _who = WORKFLOW[step]
    extra = {"reason": request.POST.get("reason", "")} if needs_reason else {}
    try:
        service(value=value, actor=Actor.from_request(request), channel=AuditChannel.ADMIN,
                expected_version=_version(request.POST.get("expected_version")), **extra)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, DONE[step] % {"value": value})
    return HttpResponseRedirect(_change_url(model_admin, value))


@require_POST
def value_comment(request, model_admin, object_id):
    """Add a comment to a value's thread."""
    value = _value_or_404(request, model_admin, object_id)
    if not can_comment_on_value(Actor.from_request(request), value):
        raise PermissionDenied
    try:
        comment_add(value=value, text=request.POST.get("text", ""), actor=Actor.from_request(request),
                    channel=AuditChannel.ADMIN)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã gửi trao đổi."))
    return HttpResponseRedirect(_change_url(model_admin, value) + "#comments")


def evidence_download(request, model_admin, object_id, evidence_id):
    """Send an evidence file to someone who may see its value; the file itself is never public."""
    value = _value_or_404(request, model_admin, object_id)
    evidence = value.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
                        content_type=evidence.content_type)


# --- my tasks and the review queue ------------------------------------------------------------------


def my_tasks(request, model_admin):
    """What the person's units owe now: values missing or unsent, values that came back, deadlines."""
    if not model_admin.has_tasks_permission(request):
        raise PermissionDenied
    opts = model_admin.opts
    add_url = reverse(f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_add")
    tasks = staff_tasks(actor=Actor.from_request(request), today=timezone.localdate())
    for task in tasks:
        if task["value"] is not None:
            task["url"] = _change_url(model_admin, task["value"])
        else:
            query = {"indicator": task["indicator"].pk, "unit": task["unit"].pk, "period": task["period"]}
            task["url"] = f"{add_url}?{urlencode(query)}"
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Việc của tôi"), "opts": opts, "tasks": tasks,
        "overdue_count": sum(1 for task in tasks if task["overdue"]),
        "returned_count": sum(1 for task in tasks if task["state"] == ValueState.RETURNED),
    }
    return TemplateResponse(request, "admin/indicators/indicatorvalue/my_tasks.html", context)


def review_queue_redirect(request, model_admin):
    """The review queue is the values list filtered to submitted values, oldest first."""
    if not model_admin.has_review_permission(request):
        raise PermissionDenied
    opts = model_admin.opts
    url = reverse(f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
    return HttpResponseRedirect(f"{url}?queue=1")


# --- import ---------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx) hoặc CSV"))
    partial = forms.BooleanField(label=_("Ghi các dòng hợp lệ, bỏ qua các dòng lỗi"), required=False)
    dry_run = forms.BooleanField(label=_("Chạy thử: chỉ kiểm tra và xem trước, không ghi gì"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.rows = rows_from_upload(upload)
        except ServiceError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return upload


def _summary_for_page(summary):
    english = not (translation.get_language() or "vi").startswith("vi")
    conflicts = [{**c, "shown": c["message_en"] if english else c["message"]} for c in summary["conflicts"]]
    return {**summary, "conflicts": conflicts}


def values_import_page(request, model_admin):
    """Import values from an Excel or CSV file through the import service: validated, audited, all or nothing."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    summary = None
    if request.method == "POST" and form.is_valid():
        summary = _run_import(request, form)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Nhập số liệu từ Excel/CSV"), "opts": model_admin.opts, "form": form,
        "summary": _summary_for_page(summary) if summary else None,
        "columns": ["indicator", "unit", "period", "numerator", "denominator", "value", "note"],
    }
    return TemplateResponse(request, "admin/indicators/indicatorvalue/import.html", context)


def _run_import(request, form):
    dry_run, partial = form.cleaned_data["dry_run"], form.cleaned_data["partial"]
    try:
        summary = values_import(rows=form.rows, actor=Actor.from_request(request), channel=AuditChannel.IMPORT,
                                dry_run=dry_run, partial=partial)
    except BatchRejected as rejected:
        messages.error(request, rejected.message)
        return rejected.summary
    except ServiceError as error:
        form.add_error("file", error.message)
        return None
    counts = summary["counts"]
    done = (_("Chạy thử: sẽ tạo %(created)s, sửa %(updated)s, giữ nguyên %(unchanged)s, bỏ qua %(rejected)s "
              "dòng lỗi. Chưa ghi gì.") if dry_run else
            _("Đã nhập: tạo %(created)s, sửa %(updated)s, giữ nguyên %(unchanged)s, bỏ qua %(rejected)s dòng lỗi."))
    messages.success(request, done % counts)
    return summary
