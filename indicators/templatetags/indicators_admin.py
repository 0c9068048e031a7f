"""Links to the indicators' work pages, for the admin index, the app index and the values list."""

from django import template
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.policy import Actor

from ..models import IndicatorValue
from ..selectors import review_queue, staff_tasks

register = template.Library()


@register.simple_tag(takes_context=True)
def indicator_work_links(context, with_counts=False):
    """Return [{label, url, count}] of the work pages the person may open; counts only when asked."""
    request = context.get("request")
    model_admin = admin.site.get_model_admin(IndicatorValue) if request is not None else None
    if model_admin is None or not model_admin.has_view_permission(request):
        return []
    actor = Actor.from_request(request)
    base = "admin:indicators_indicatorvalue"
    links = []
    if model_admin.has_tasks_permission(request):
        count = len(staff_tasks(actor=actor, today=timezone.localdate())) if with_counts else None
        links.append({"label": _("Việc của tôi"), "url": reverse(f"{base}_my_tasks"), "count": count})
    if model_admin.has_review_permission(request):
        count = review_queue(actor).count() if with_counts else None
        links.append({"label": _("Hàng chờ duyệt"), "url": reverse(f"{base}_changelist") + "?queue=1",
                      "count": count})
    if model_admin.has_add_permission(request):
        links.append({"label": _("Nhập từ Excel/CSV"), "url": reverse(f"{base}_import"), "count": None})
    return links
