"""The dashboard for people who work in the portal, and the public open-data page with its downloads.

Who sees which scope is the access policy's (`departments.policy`); the figures are the report
content's (`reports.dashboard`), so the dashboard and the compliance report never disagree.
"""

import csv
import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from departments.policy import Actor, can_see_dashboard, can_see_province
from indicators.periods import PeriodError, PeriodType
from indicators.workspace import period_label
from kernel.cells import safe_cell

from .dashboard import (
    PUBLIC_COLUMNS,
    checked_period,
    dashboard_data,
    data_years,
    default_period,
    default_scope,
    opening_period,
    period_choices,
    public_progress,
    public_records,
    scope_units,
)
from .models import Report

PROVINCE_SCOPE = ""  # the `unit` parameter's value for the whole province


def _asked_period(raw, today, problems):
    """Return the Period asked for, or None (nothing asked, or not valid: then with a note in `problems`)."""
    if raw:
        try:
            return checked_period(raw, today=today)
        except PeriodError as error:
            problems.append(error.message)
    return None


def _periods_context(period, today, years, latest_year, *, defaulted, scope_query, types=None):
    """What the period list and the notes about periods need: names, never bare codes.

    `scope_query` is the rest of a link's query string that keeps what else the page shows (scope, language).
    """
    current = default_period(today)
    return {
        "period_defaulted": defaulted, "scope_query": scope_query,
        "period_name": period_label(period.code), "current_period": current,
        "current_period_name": period_label(current), "latest_year": latest_year,
        "latest_year_name": period_label(latest_year) if latest_year else "",
        "period_choices": period_choices(years, today, types=types, chosen=period.code),
    }


# --- the dashboard ------------------------------------------------------------------------------------


def _scope(raw, actor, units, period, problems):
    """Return the unit asked for if the actor may see it (None: the province), else the actor's default."""
    if raw == PROVINCE_SCOPE and can_see_province(actor):
        return None
    if raw is not None:
        found = next((unit for unit in units if unit.code == raw), None)
        if found is not None:
            return found
        problems.append(_("Bạn không xem được phạm vi này; đang hiển thị phạm vi mặc định của bạn."))
    return default_scope(actor, units, on=period.end)


def _report_links(request, period):
    report_admin = admin.site.get_model_admin(Report)
    if not report_admin.has_view_permission(request):
        return {}
    links = {"reports": reverse("admin:reports_report_changelist") + f"?period__exact={period.code}"}
    if report_admin.has_generate_permission(request):
        links["generate"] = reverse("admin:reports_report_generate")
    return links


def dashboard(request):
    """Progress to target, ranking, trends, completeness and gaps for a period and a scope."""
    actor = Actor.from_request(request)
    if not can_see_dashboard(actor):
        raise PermissionDenied
    today, problems = timezone.localdate(), []
    asked = _asked_period(request.GET.get("period"), today, problems)
    units = scope_units(actor)
    current = checked_period(default_period(today), today=today)
    unit = _scope(request.GET.get("unit"), actor, units, asked or current, problems)
    has_scope = unit is not None or can_see_province(actor)  # staff of no unit have nothing to see
    years, latest_year = data_years(today=today, unit=unit)
    # Nothing asked: the newest year with data in the scope (the current period is a click away).
    period = asked or checked_period(opening_period(today, latest_year), today=today)
    context = {
        **admin.site.each_context(request),
        "title": _("Bảng điều khiển chuyển đổi số"),
        "period": period, "unit": unit, "scope_units": units, "problems": problems,
        "province_allowed": can_see_province(actor),
        **_periods_context(period, today, years, latest_year, defaulted=asked is None,
                           scope_query=urlencode({"unit": unit.code if unit else PROVINCE_SCOPE})),
        "data": dashboard_data(period=period.code, unit=unit) if has_scope else None,
        "report_links": _report_links(request, period),
        "public_enabled": getattr(settings, "PUBLIC_PAGE_ENABLED", True),
    }
    return TemplateResponse(request, "reports/dashboard.html", context)


# --- the public page ----------------------------------------------------------------------------------


def _public_only_when_enabled():
    # Read on every request, so switching the page off needs no restart of anything but the setting.
    if not getattr(settings, "PUBLIC_PAGE_ENABLED", True):
        raise Http404


def _language(request):
    """Answer in the language `?lang=` names, else the one the language menu (or the browser) chose."""
    asked = request.GET.get("lang", "")
    if asked in dict(settings.LANGUAGES):
        translation.activate(asked)
        request.LANGUAGE_CODE = asked
    return translation.get_language()


def public_page(request):
    """The province's approved figures and progress to target, for citizens and the press; no login."""
    _public_only_when_enabled()
    language = _language(request)
    today, problems = timezone.localdate(), []
    years, latest_year = data_years(today=today, dossiers=False)  # the page shows approved values only
    asked = _asked_period(request.GET.get("period"), today, problems)
    period = asked or checked_period(opening_period(today, latest_year), today=today)
    data = public_progress(period=period.code)
    context = {
        "title": _("Dữ liệu mở về chuyển đổi số"), "data": data, "period": period, "problems": problems,
        "language": language,
        **_periods_context(period, today, years, latest_year, defaulted=asked is None,
                           scope_query=urlencode({"lang": language}), types=[PeriodType.YEAR]),
        "languages": [translation.get_language_info(code) for code, _name in settings.LANGUAGES],
        "query": urlencode({"period": period.code, "lang": language}),
    }
    return TemplateResponse(request, "reports/public.html", context)


def _download_period(request):
    """Return (period, error): the period asked for, else the one the public page opens on."""
    raw, today = request.GET.get("period"), timezone.localdate()
    if not raw:
        _years, latest_year = data_years(today=today, dossiers=False)
        return checked_period(opening_period(today, latest_year), today=today), None
    try:
        return checked_period(raw, today=today), None
    except PeriodError as error:
        return None, str(error.message)


def public_csv(request):
    """The public figures as CSV (UTF-8 with a BOM, so Excel opens the Vietnamese intact)."""
    _public_only_when_enabled()
    _language(request)
    period, error = _download_period(request)
    if error:
        return HttpResponseBadRequest(error, content_type="text/plain; charset=utf-8")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PUBLIC_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: safe_cell(value) for key, value in record.items()}
                     for record in public_records(public_progress(period=period.code)))
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="du-lieu-mo-chuyen-doi-so-{period.code}.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def public_json(request):
    """The public figures as JSON: the period, the province and one record per indicator."""
    _public_only_when_enabled()
    _language(request)
    period, error = _download_period(request)
    if error:
        return JsonResponse({"status": 400, "code": "invalid", "field": "period", "message": error}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    data = public_progress(period=period.code)
    province = data["province"]
    body = {
        "period": period.code, "start": period.start, "end": period.end,
        "province": {"code": province.code, "name": province.name, "name_en": province.name_en} if province else None,
        "note": _("Chỉ gồm số liệu đã được duyệt; giá trị của tỉnh được tổng hợp từ số liệu đã duyệt của các "
                  "đơn vị."),
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "columns": PUBLIC_COLUMNS, "rows": public_records(data),
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response
