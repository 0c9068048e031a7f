"""The people's workspaces: one unit's indicators of one period as one form, and the reviewer's queue.

As DHIS2's data entry shows a data set: every indicator due for the unit and period in rows, only the
inputs its value type needs, the target and last period's figure beside it, the evidence it requires
before it is sent. Every write goes through `indicators.services`; every access question to the policy.
"""

from collections import OrderedDict
from datetime import date
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from departments.policy import Actor, can_edit_unit_data, can_enter_data, can_review, units_visible_to
from kernel.errors import ServiceError
from kernel.numbers import format_decimal
from kernel.paginators import COUNT_CAP, capped_count
from regimes.workdays import calendar_for_any_year

from .forms import ValueRowForm, places_for
from .models import AuditChannel, Indicator, IndicatorValue, Source, Target, ValueState
from .periods import PeriodType, current_period, parse_period
from .scoring import pick_target
from .selectors import changes_since_review, last_finished_period, review_queue, values_visible_to
from .services import evidence_add, value_approve, value_create, value_return, value_submit, value_update

CHANNEL = AuditChannel.ADMIN
# How far back the period list reaches, per period type.
PERIODS_SHOWN = {PeriodType.YEAR: 4, PeriodType.NINE_MONTHS: 3, PeriodType.HALF_YEAR: 4, PeriodType.QUARTER: 8,
                 PeriodType.MONTH: 13}
SUBMITTABLE = (ValueState.DRAFT, ValueState.RETURNED)


# --- periods --------------------------------------------------------------------------------------


def previous_period(code):
    """Return the code of the period just before `code`, of the same type."""
    period = parse_period(code)
    if period.type == PeriodType.YEAR:
        return str(period.year - 1)
    if period.type == PeriodType.NINE_MONTHS:
        return f"{period.year - 1}M9"
    if period.type == PeriodType.HALF_YEAR:
        return f"{period.year}S1" if code.endswith("S2") else f"{period.year - 1}S2"
    if period.type == PeriodType.QUARTER:
        quarter = (period.start.month - 1) // 3 + 1
        return f"{period.year}Q{quarter - 1}" if quarter > 1 else f"{period.year - 1}Q4"
    return current_period(PeriodType.MONTH, date.fromordinal(period.start.toordinal() - 1))


def period_label(code):
    """Return a period as people say it: "Năm 2025", "Quý 3/2025", "Tháng 8/2025"."""
    period = parse_period(code)
    if period.type == PeriodType.YEAR:
        return _("Năm %(year)s") % {"year": period.year}
    if period.type == PeriodType.NINE_MONTHS:
        return _("9 tháng năm %(year)s") % {"year": period.year}
    if period.type == PeriodType.HALF_YEAR:
        half = _("6 tháng đầu năm %(year)s") if code.endswith("S1") else _("6 tháng cuối năm %(year)s")
        return half % {"year": period.year}
    if period.type == PeriodType.QUARTER:
        return _("Quý %(quarter)s/%(year)s") % {"quarter": (period.start.month - 1) // 3 + 1, "year": period.year}
    return _("Tháng %(month)s/%(year)s") % {"month": period.start.month, "year": period.year}


def period_choices(period_types, today):
    """Return [(code, label)] of the periods a unit may report, newest first, for the types it reports."""
    codes = []
    for period_type in period_types:
        code = current_period(period_type, today)
        for _step in range(PERIODS_SHOWN[period_type]):
            codes.append(code)
            code = previous_period(code)
    codes.sort(key=lambda code: (parse_period(code).end, parse_period(code).type != PeriodType.YEAR), reverse=True)
    return [(code, period_label(code)) for code in codes]


def default_period(unit, period_types, today):
    """Return the latest period that has data for the unit or is due (the last finished one of each type)."""
    candidates = [last_finished_period(period_type, today) for period_type in period_types]
    latest = (IndicatorValue.objects.filter(unit=unit, period_end__lte=today).order_by("-period_end")
              .values_list("period", flat=True).first())
    if latest:
        candidates.append(latest)
    return max(candidates, key=lambda code: parse_period(code).end) if candidates else None


# --- entry workspace ------------------------------------------------------------------------------


def _entry_units(actor):
    return [unit for unit in units_visible_to(actor).exclude(valid_to__lt=timezone.localdate()).order_by("path")
            if can_edit_unit_data(actor, unit)]


def _pick_unit(request, units):
    wanted = request.GET.get("unit") or request.POST.get("unit")
    if not wanted:
        return units[0] if units else None
    unit = next((unit for unit in units if str(unit.pk) == wanted), None)
    if unit is None:
        raise PermissionDenied(_("Bạn không có quyền nhập số liệu cho đơn vị này."))
    return unit


def _indicators_for(unit):
    indicators = Indicator.objects.filter(is_active=True, source=Source.MANUAL).select_related(
        "framework__regime", "regime", "pillar")
    return [indicator for indicator in indicators.order_by("pillar__order", "code") if indicator.applies_to(unit)]


def _pick_period(request, unit, indicators, today):
    types = sorted({indicator.period_type for indicator in indicators},
                   key=[PeriodType.YEAR, PeriodType.NINE_MONTHS, PeriodType.HALF_YEAR, PeriodType.QUARTER,
                        PeriodType.MONTH].index)
    choices = period_choices(types, today)
    wanted = request.GET.get("period") or request.POST.get("period")
    allowed = {code for code, _label in choices}
    code = wanted if wanted in allowed else default_period(unit, types, today)
    return code, choices


def _rows(request, unit, period_code, indicators):
    """Return one row (indicator, stored value, form, target, last period's value) per indicator due."""
    period = parse_period(period_code)
    due = [indicator for indicator in indicators if indicator.period_type == period.type]
    previous = previous_period(period_code)
    values = {
        (value.indicator_id, value.period): value
        for value in IndicatorValue.objects.filter(unit=unit, period__in=[period_code, previous], indicator__in=due)
        .select_related("indicator", "unit").prefetch_related("evidence")
    }
    targets = {}
    for target in Target.objects.filter(indicator__in=due, year__gte=period.year, unit__in=[unit]) | \
            Target.objects.filter(indicator__in=due, year__gte=period.year, unit__isnull=True):
        targets.setdefault(target.indicator_id, []).append(target)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    workdays = calendar_for_any_year(timezone.localdate())  # one read of the working-day table for every row
    rows = []
    for indicator in due:
        stored = values.get((indicator.pk, period_code))
        rows.append({
            "indicator": indicator, "value": stored, "places": places_for(indicator),
            "form": ValueRowForm(*data, indicator=indicator, value=stored),
            "target": pick_target(indicator, targets.get(indicator.pk, []), year=period.year),
            "last": values.get((indicator.pk, previous)), "last_period": period_label(previous),
            "due_date": indicator.due_date_for(period, workdays=workdays),
        })
    return rows


def _save_row(row, *, actor, unit, period_code):
    """Create or change the row's value and attach its evidence; return the stored value (or None)."""
    form, stored = row["form"], row["value"]
    if not form.wants_something():
        return stored
    if stored is None:
        stored = value_create(indicator=row["indicator"], unit=unit, period=period_code, actor=actor,
                              channel=CHANNEL, note=form.cleaned_data.get("note", ""), **form.figures())
    elif form.changes():
        stored = value_update(value=stored, expected_version=form.cleaned_data.get("version"), actor=actor,
                              channel=CHANNEL, changes=form.changes())
    upload = form.cleaned_data.get("evidence")
    if upload:
        evidence_add(value=stored, upload=upload, actor=actor, channel=CHANNEL)
        stored.refresh_from_db()
    return stored


def _row_error(form, error):
    """Show a service's refusal in the row, beside the input it names (or at the row's top)."""
    field = "evidence" if error.field in ("file", "evidence") else error.field
    shown = field in form.fields and not form.fields[field].widget.is_hidden
    form.add_error(field if shown else None, str(error.message))


def _to_submit(rows, saved):
    chosen = [row for row in rows if row["form"].cleaned_data.get("chosen")]
    candidates = chosen or rows
    return [(row, saved[row["indicator"].pk]) for row in candidates
            if saved.get(row["indicator"].pk) is not None and saved[row["indicator"].pk].state in SUBMITTABLE]


def _save_all(rows, *, actor, unit, period_code, submit):
    """Save every row (and submit the chosen ones) in one transaction; return (saved, submitted) or None on errors."""
    saved, submitted, failed = {}, 0, False
    with transaction.atomic():
        for row in rows:
            try:
                with transaction.atomic():
                    saved[row["indicator"].pk] = _save_row(row, actor=actor, unit=unit, period_code=period_code)
            except ServiceError as error:
                _row_error(row["form"], error)
                failed = True
        for row, stored in (_to_submit(rows, saved) if submit and not failed else []):
            try:
                with transaction.atomic():
                    value_submit(value=stored, actor=actor, channel=CHANNEL)
                submitted += 1
            except ServiceError as error:
                _row_error(row["form"], error)
                failed = True
        if failed:
            # All or nothing: what the person sees after an error is exactly what is stored.
            transaction.set_rollback(True)
            return None
    return saved, submitted


def _entry_url(unit, period_code):
    return f"{reverse('workspace-entry')}?unit={unit.pk}&period={period_code}"


@login_required(login_url="admin:login")
def entry(request):
    """Show (GET) or save (POST) every indicator due for one unit and one period as one form."""
    actor = Actor.from_request(request)
    if not can_enter_data(actor):
        raise PermissionDenied(_("Chỉ cán bộ của đơn vị mới nhập số liệu; người duyệt dùng trang duyệt số liệu."))
    units = _entry_units(actor)
    unit = _pick_unit(request, units)
    if unit is None:
        raise PermissionDenied(_("Tài khoản của bạn chưa thuộc đơn vị nào: hãy nhờ quản trị viên gán đơn vị."))
    today = timezone.localdate()
    indicators = _indicators_for(unit)
    period_code, choices = _pick_period(request, unit, indicators, today)
    rows = _rows(request, unit, period_code, indicators) if period_code else []
    if request.method == "POST":
        response = _post_entry(request, actor, unit, period_code, rows)
        if response is not None:
            return response
    context = {
        **admin.site.each_context(request), "title": _("Nhập số liệu"), "units": units, "unit": unit,
        "period": period_code, "period_label": period_label(period_code) if period_code else "",
        "periods": choices, "rows": rows, "returned": [row for row in rows if row["value"] and
                                                     row["value"].state == ValueState.RETURNED],
        "current_period": _current_choice(choices, today), "today": today,
    }
    return TemplateResponse(request, "indicators/workspace/entry.html", context)


def _current_choice(choices, today):
    for code, label in choices:
        if parse_period(code).start <= today:
            return {"code": code, "label": label}
    return None


def _post_entry(request, actor, unit, period_code, rows):
    submit = "submit" in request.POST
    if not all(row["form"].is_valid() for row in rows):
        messages.error(request, _("Chưa lưu: hãy sửa các ô báo lỗi trong từng dòng."))
        return None
    result = _save_all(rows, actor=actor, unit=unit, period_code=period_code, submit=submit)
    if result is None:
        messages.error(request, _("Chưa lưu: hãy sửa các ô báo lỗi trong từng dòng."))
        return None
    saved, submitted = result
    if submit:
        messages.success(request, ngettext("Đã lưu và gửi duyệt %(count)s chỉ tiêu.",
                                           "Đã lưu và gửi duyệt %(count)s chỉ tiêu.", submitted) % {"count": submitted})
    else:
        messages.success(request, _("Đã lưu số liệu %(period)s của %(unit)s.")
                         % {"period": period_label(period_code), "unit": unit.name})
    return HttpResponseRedirect(_entry_url(unit, period_code))


# --- review workspace -----------------------------------------------------------------------------


# A page of the queue shows about this many values; it runs on (at most REVIEW_REACH more) to finish the
# group (unit, period) it ends in, and the next page starts where it stopped.
REVIEW_PAGE = 50
REVIEW_REACH = 40


def _review_filters(request, actor):
    """Return the reviewer's narrowing of the queue: {"unit": Unit or None, "period": code or ""} and its choices."""
    units = list(units_visible_to(actor).exclude(valid_to__lt=timezone.localdate()).order_by("path")
                 .only("pk", "code", "name", "path"))
    wanted = request.GET.get("unit", "")
    unit = next((unit for unit in units if str(unit.pk) == wanted), None)
    period = request.GET.get("period", "").strip()
    try:
        parse_period(period)
    except ValueError:  # PeriodError, and an empty filter
        period = ""
    return {"unit": unit, "period": period}, {"units": units, "periods": _period_filter_choices(period)}


def _period_filter_choices(chosen):
    """Return [(type label, [(code, label)])]: the recent periods of every type, newest first, and the chosen one."""
    today = timezone.localdate()
    grouped = []
    for period_type in (PeriodType.YEAR, PeriodType.NINE_MONTHS, PeriodType.HALF_YEAR, PeriodType.QUARTER,
                        PeriodType.MONTH):
        codes = [code for code, _label in period_choices([period_type], today)]
        if chosen and chosen not in codes and parse_period(chosen).type == period_type:
            codes.append(chosen)
        # Under the heading "Năm" a year reads as itself.
        grouped.append((period_type.label, [(code, code if period_type == PeriodType.YEAR else period_label(code))
                                            for code in codes]))
    return grouped


def _queue_base(actor, filters):
    """Return the submitted values the actor may review, narrowed by the filters, without the page's joins."""
    base = values_visible_to(actor).filter(state=ValueState.SUBMITTED)
    if filters["unit"] is not None:
        base = base.filter(unit=filters["unit"])
    if filters["period"]:
        # period_start too: it leads an index, where the period code alone would scan the whole queue.
        base = base.filter(period=filters["period"], period_start=parse_period(filters["period"]).start)
    return base


def _page_number(request):
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    return max(number, 1)


def _boundary(keys, first, at):
    """Return where a page boundary nominally at `at` falls: past the rest of the group (unit, period) of the
    row just before it, by at most REVIEW_REACH rows. `keys` are the groups of rows first, first + 1, ..."""
    if at <= 0:
        return 0
    before = keys[at - 1 - first] if 0 <= at - 1 - first < len(keys) else None
    end = at
    while end < at + REVIEW_REACH and end - first < len(keys) and keys[end - first] == before:
        end += 1
    return end


def _review_page(actor, filters, number):
    """Return (values of page `number`, whether a next page follows).

    One query: the rows from just before the page's nominal start to REVIEW_REACH + 1 past its nominal end, read
    in queue order through the index (state, submitted_at); the last approval is looked up for those rows only.
    """
    start, stop = (number - 1) * REVIEW_PAGE, number * REVIEW_PAGE
    first = max(start - 1, 0)
    base = _queue_base(actor, filters)
    ids = base.order_by("submitted_at", "pk").values("pk")[first: stop + REVIEW_REACH + 1]
    rows = list(review_queue(actor, base.filter(pk__in=ids)).select_related("indicator__framework")
                .prefetch_related("evidence"))
    keys = [(value.unit_id, value.period) for value in rows]
    begin, end = _boundary(keys, first, start), _boundary(keys, first, stop)
    return rows[begin - first: end - first], end - first < len(rows)


def _review_groups(queue):
    """Return the values grouped by (unit, period), oldest first, each with its changes and target."""
    years = {value.period_start.year for value in queue}
    targets = {}
    if queue:
        for target in Target.objects.filter(indicator__in={value.indicator_id for value in queue},
                                            year__gte=min(years)):
            targets.setdefault(target.indicator_id, []).append(target)
    groups = OrderedDict()
    for value in queue:
        own = [t for t in targets.get(value.indicator_id, []) if t.unit_id in (None, value.unit_id)]
        groups.setdefault((value.unit, value.period), []).append({
            "value": value, "places": places_for(value.indicator), "changes": _changes_shown(value),
            "reviewed": getattr(value, "last_review_action", None),
            "target": pick_target(value.indicator, own, year=value.period_start.year),
        })
    return [{"unit": unit, "period": period, "period_label": period_label(period), "rows": rows}
            for (unit, period), rows in groups.items()]


def _waiting(actor, filters, number, shown, more):
    """Return how many values wait (counting at most COUNT_CAP of them) and whether that is the exact figure."""
    if number == 1 and not more:
        return len(shown), True  # all of them are on this page: nothing to count
    counted = capped_count(_queue_base(actor, filters), COUNT_CAP)
    return min(counted, COUNT_CAP), counted <= COUNT_CAP


def _review_query(filters, page=None):
    """Return the query string of the queue narrowed by `filters`, at `page` (the first if None)."""
    params = {}
    if filters["unit"] is not None:
        params["unit"] = filters["unit"].pk
    if filters["period"]:
        params["period"] = filters["period"]
    if page and page > 1:
        params["page"] = page
    return f"?{urlencode(params)}" if params else ""


def _changes_shown(value):
    """Return what changed since the last approval or return as (label, before, now), numbers as people write them."""
    places = places_for(value.indicator)
    shown = []
    for name, (before, now) in changes_since_review(value).items():
        label = IndicatorValue._meta.get_field(name).verbose_name
        if name != "note":
            before, now = (format_decimal(raw, places=places) if raw not in (None, "", "None") else "—"
                           for raw in (before, now))
        shown.append((label, before or "—", now or "—"))
    return shown


@login_required(login_url="admin:login")
def review(request):
    """Show (GET) a page of the values waiting for review, or approve or return one or the chosen ones (POST)."""
    actor = Actor.from_request(request)
    if not can_review(actor):
        raise PermissionDenied(_("Chỉ người duyệt cấp tỉnh mới duyệt số liệu; cán bộ đơn vị dùng trang nhập số liệu."))
    filters, choices = _review_filters(request, actor)
    number = _page_number(request)
    if request.method == "POST":
        _post_review(request, actor)
        return HttpResponseRedirect(reverse("workspace-review") + _review_query(filters, number))
    shown, more = _review_page(actor, filters, number)
    waiting, exact = _waiting(actor, filters, number, shown, more)
    context = {
        **admin.site.each_context(request), "title": _("Duyệt số liệu"), "groups": _review_groups(shown),
        "filters": filters, "choices": choices, "page_number": number, "waiting": waiting, "waiting_exact": exact,
        "filtered": filters["unit"] is not None or bool(filters["period"]),
        "previous_url": _review_query(filters, number - 1) or "?" if number > 1 else None,
        "next_url": _review_query(filters, number + 1) if more else None,
        "first_url": _review_query(filters) or "?",
    }
    return TemplateResponse(request, "indicators/workspace/review.html", context)


def _chosen_values(request, actor):
    """Return [(value, reason)] the reviewer acted on: one row's button, or the chosen rows."""
    for step in ("approve", "return"):
        if request.POST.get(step):
            ids = [request.POST[step]]
            reasons = {request.POST[step]: request.POST.get(f"reason-{request.POST[step]}", "")}
            return step, ids, reasons
    step = "approve" if "approve_chosen" in request.POST else "return"
    ids = request.POST.getlist("chosen")
    shared = request.POST.get("reason_chosen", "")
    return step, ids, {pk: request.POST.get(f"reason-{pk}") or shared for pk in ids}


def _post_review(request, actor):
    step, ids, reasons = _chosen_values(request, actor)
    values = review_queue(actor).filter(pk__in=[pk for pk in ids if pk.isdigit()])
    if not ids:
        messages.warning(request, _("Chưa chọn số liệu nào."))
        return
    done = 0
    for value in values:
        try:
            if step == "approve":
                value_approve(value=value, actor=actor, channel=CHANNEL)
            else:
                value_return(value=value, reason=reasons.get(str(value.pk), ""), actor=actor, channel=CHANNEL)
            done += 1
        except ServiceError as error:
            messages.error(request, f"{value.indicator.code} · {value.unit.name}: {error.message}")
    if done:
        text = (ngettext("Đã duyệt %(count)s số liệu.", "Đã duyệt %(count)s số liệu.", done) if step == "approve"
                else ngettext("Đã trả lại %(count)s số liệu.", "Đã trả lại %(count)s số liệu.", done))
        messages.success(request, text % {"count": done})

