"""Import many indicator values at once (API JSON/CSV, admin upload), with the rules of single entry.

All or nothing unless the caller asks for `partial`: any rejected row means nothing is written.
The summary follows what DHIS2 users know from dataValueSets: counts and a list of conflicts.
A fixed number of queries per batch, whatever its size.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from kernel.bilingual import both_languages
from kernel.errors import BatchRejected, ServiceError
from kernel.tabular import read_csv_rows, read_upload_rows
from regimes.workdays import calendar_for_any_year

from .models import AuditAction, AuditEntry, Indicator, IndicatorValue, ValueState
from .numbers import clean_numbers
from .services import audit_entry, ensure_may_edit, ensure_unit_existed, resolve_period, snapshot

COLUMNS = ["indicator", "unit", "period", "numerator", "denominator", "value", "note"]
REQUIRED = ("indicator", "unit", "period")
MAX_ROWS = 50_000


@dataclass
class ImportSummary:
    dry_run: bool
    partial: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list = field(default_factory=list)

    def reject(self, row, error):
        self.conflicts.append({"row": row, "field": error.field, "code": error.code, **both_languages(error.message)})

    def as_dict(self):
        rejected_rows = len({conflict["row"] for conflict in self.conflicts})
        status = "ok" if not self.conflicts else ("partial" if self.partial else "rejected")
        return {
            "status": status, "dry_run": self.dry_run, "partial": self.partial,
            "counts": {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                       "rejected": rejected_rows},
            "conflicts": self.conflicts,
        }


def rows_from_csv(raw_bytes):
    """Return the value rows of an uploaded CSV; see kernel.tabular.read_csv_rows."""
    return read_csv_rows(raw_bytes, required=REQUIRED, max_rows=MAX_ROWS)


def rows_from_upload(upload):
    """Return the value rows of an uploaded .xlsx or .csv file; see kernel.tabular.read_upload_rows."""
    return read_upload_rows(upload, required=REQUIRED, max_rows=MAX_ROWS)


def values_import(*, rows, actor, channel, dry_run=False, partial=False):
    """Validate and upsert rows by (indicator, unit, period); return the summary as a dict."""
    if len(rows) > MAX_ROWS:
        raise ServiceError(_("Quá nhiều dòng trong một lần nhập: tối đa %(max)s.") % {"max": MAX_ROWS},
                           field="values", code="too_many_rows")
    summary = ImportSummary(dry_run=dry_run, partial=partial)
    with transaction.atomic():
        plan = _plan(rows, actor, summary)
        if summary.conflicts and not partial:
            summary.created = summary.updated = summary.unchanged = 0
            raise BatchRejected(_("Có dòng không hợp lệ: không ghi dòng nào."), summary=summary.as_dict())
        if not dry_run:
            _write(plan, actor, channel)
    return summary.as_dict()


@dataclass
class _Plan:
    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)  # (value, before snapshot)


def _plan(rows, actor, summary):
    indicators = Indicator.objects.select_related("framework__regime", "regime").in_bulk(
        {str(row.get("indicator", "")) for row in rows}, field_name="code")
    units = Unit.objects.in_bulk({str(row.get("unit", "")) for row in rows}, field_name="code")
    workdays = calendar_for_any_year(timezone.localdate())  # one query for every row's deadline
    checked = {}
    for number, row in enumerate(rows, start=1):
        try:
            key, parsed = _check_row(row, indicators, units, actor, workdays)
        except ServiceError as error:
            summary.reject(number, error)
            continue
        if key in checked and checked[key][1] != parsed:
            summary.reject(number, ServiceError(_("Dòng trùng khóa với một dòng trước nhưng khác nội dung."),
                                                field="period", code="duplicate"))
            continue
        checked[key] = (number, parsed)
    existing = _existing_values(checked)
    plan = _Plan()
    for key, (number, parsed) in checked.items():
        current = existing.get(key)
        if current is None:
            plan.creates.append(parsed)
            summary.created += 1
        elif _same(current, parsed):
            summary.unchanged += 1  # re-importing an export, approved rows included, changes nothing
        elif current.state == ValueState.APPROVED:
            summary.reject(number, ServiceError(_("Số liệu đã duyệt bị khóa."), field="period", code="locked"))
        else:
            plan.updates.append((current, parsed))
            summary.updated += 1
    return plan


def _check_row(row, indicators, units, actor, workdays):
    indicator = indicators.get(str(row.get("indicator", "")))
    if indicator is None:
        raise ServiceError(_("Không có chỉ tiêu với mã này."), field="indicator", code="unknown")
    unit = units.get(str(row.get("unit", "")))
    if unit is None:
        raise ServiceError(_("Không có đơn vị với mã này."), field="unit", code="unknown")
    try:
        ensure_may_edit(actor=actor, indicator=indicator, unit=unit)
    except ServiceError as error:
        if error.status == 403:  # out of scope: answer exactly as for a unit that does not exist
            raise ServiceError(_("Không có đơn vị với mã này."), field="unit", code="unknown") from None
        raise
    period = resolve_period(indicator, str(row.get("period", "")), workdays=workdays)
    ensure_unit_existed(unit, period)
    numbers = clean_numbers(indicator, numerator=row.get("numerator"), denominator=row.get("denominator"),
                            value=row.get("value"))
    parsed = {"indicator": indicator, "unit": unit, "period": period, "note": str(row.get("note") or ""), **numbers}
    return (indicator.pk, unit.pk, period.code), parsed


def _existing_values(checked):
    if not checked:
        return {}
    indicator_ids = {key[0] for key in checked}
    unit_ids = {key[1] for key in checked}
    periods = {key[2] for key in checked}
    candidates = IndicatorValue.objects.filter(indicator_id__in=indicator_ids, unit_id__in=unit_ids,
                                               period__in=periods).select_for_update()
    return {(v.indicator_id, v.unit_id, v.period): v for v in candidates if (v.indicator_id, v.unit_id, v.period)
            in checked}


def _same(current, parsed):
    return all(getattr(current, name) == parsed[name] for name in ("numerator", "denominator", "value", "note"))


def _write(plan, actor, channel):
    person = actor.person
    created = IndicatorValue.objects.bulk_create([
        IndicatorValue(
            indicator=p["indicator"], unit=p["unit"], period=p["period"].code, period_start=p["period"].start,
            period_end=p["period"].end, due_date=p["period"].deadline,
            numerator=p["numerator"], denominator=p["denominator"], value=p["value"],
            note=p["note"], created_by=person, updated_by=person,
        )
        for p in plan.creates
    ])
    audits = [audit_entry(value=v, action=AuditAction.CREATE, actor=actor, channel=channel, after=snapshot(v))
              for v in created]
    changed, now = [], timezone.now()
    for current, parsed in plan.updates:
        before = snapshot(current)
        for name in ("numerator", "denominator", "value", "note"):
            setattr(current, name, parsed[name])
        current.state, current.version, current.updated_by = ValueState.DRAFT, current.version + 1, person
        current.updated_at = now
        changed.append(current)
        audits.append(audit_entry(value=current, action=AuditAction.UPDATE, actor=actor, channel=channel,
                                  before=before, after=snapshot(current)))
    IndicatorValue.objects.bulk_update(changed, ["numerator", "denominator", "value", "note", "state", "version",
                                                 "updated_by", "updated_at"], batch_size=1000)
    if person:
        editor_links = IndicatorValue.editors.through
        editor_links.objects.bulk_create(
            [editor_links(indicatorvalue_id=v.pk, user_id=person.pk) for v in [*created, *changed]],
            ignore_conflicts=True, batch_size=2000,
        )
    AuditEntry.objects.bulk_create(audits, batch_size=2000)
