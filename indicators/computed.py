"""Values the portal computes itself (from dossiers and the procedure catalogue), recorded like any value.

They are approved on arrival (nobody typed them), marked computed, carry the figures they came from,
and every change leaves an audit entry, so a report can always say where a number came from.
"""

from django.db import transaction
from django.utils import timezone

from .models import AuditAction, AuditChannel, AuditEntry, IndicatorValue, ValueState
from .numbers import clean_numbers
from .periods import parse_period


@transaction.atomic
def computed_values_record(*, indicator, period, results):
    """Upsert the indicator's computed values for a period; `results` maps unit id to
    {"numerator", "denominator", "source"}. Return (created, updated, unchanged)."""
    parsed = parse_period(period)
    existing = {v.unit_id: v for v in IndicatorValue.objects.select_for_update().filter(
        indicator=indicator, period=parsed.code, unit_id__in=list(results))}
    creates, updates, audits, unchanged = [], [], [], 0
    now = timezone.now()
    for unit_id, result in results.items():
        numbers = clean_numbers(indicator, numerator=result["numerator"], denominator=result["denominator"])
        current = existing.get(unit_id)
        if current is None:
            creates.append(IndicatorValue(
                indicator=indicator, unit_id=unit_id, period=parsed.code, period_start=parsed.start,
                period_end=parsed.end, due_date=indicator.due_date_for(parsed), state=ValueState.APPROVED,
                is_computed=True, computed_from=result["source"], reviewed_at=now, first_submitted_at=now,
                submitted_at=now, **numbers,
            ))
            continue
        if (current.numerator, current.denominator) == (numbers["numerator"], numbers["denominator"]):
            unchanged += 1
            continue
        before = current.audit_snapshot()
        for name, number in numbers.items():
            setattr(current, name, number)
        current.computed_from, current.version, current.updated_at = result["source"], current.version + 1, now
        updates.append(current)
        audits.append(_audit(current, before))
    created = IndicatorValue.objects.bulk_create(creates)
    audits += [_audit(value, {}) for value in created]
    IndicatorValue.objects.bulk_update(updates, ["numerator", "denominator", "value", "computed_from", "version",
                                                 "updated_at"])
    AuditEntry.objects.bulk_create(audits)
    return len(created), len(updates), unchanged


def _audit(value, before):
    return AuditEntry(value=value, action=AuditAction.COMPUTE, channel=AuditChannel.SYSTEM, before=before,
                      after={**value.audit_snapshot(), "source": value.computed_from})
