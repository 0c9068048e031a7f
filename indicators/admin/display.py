"""How values and their history read on admin pages: audited fields and their values as people read them."""

from decimal import Decimal, InvalidOperation

from django.utils.html import format_html
from django.utils.text import Truncator, capfirst

from kernel.numbers import format_decimal

from ..models import AUDITED_FIELDS, Comment, Evidence, IndicatorValue, ValueState


def plain(raw):
    """Return an audited field as people read it: numbers in the active language without trailing zeros
    ("4,5", "1.234,5"), long text shortened."""
    if raw is None or raw == "":
        return "—"
    try:
        number = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return Truncator(str(raw)).chars(80)
    return format_decimal(number) if number.is_finite() else str(raw)


def field_label(name):
    """Return the label of an audited key: a value's field, or evidence and comment data."""
    if name in AUDITED_FIELDS:
        return capfirst(IndicatorValue._meta.get_field(name).verbose_name)
    labels = {"evidence": Evidence._meta.verbose_name, "comment": Comment._meta.verbose_name,
              "size": Evidence._meta.get_field("size").verbose_name, "sha256": "SHA-256"}
    return capfirst(labels.get(name, name))


def shown(name, raw):
    """Return an audited value as people read it; states by their label."""
    if name == "state" and raw in ValueState.values:
        return ValueState(raw).label
    if name == "sha256" and raw:
        return f"{str(raw)[:12]}…"  # a fingerprint: its start tells files apart, the whole would widen the page
    return plain(raw)


def audit_rows(entries):
    """Return a value's audit entries as rows for its page: who, and what changed from what to what."""
    rows = []
    for entry in entries:
        before, after = entry.before or {}, entry.after or {}
        names = [n for n in AUDITED_FIELDS if n in before or n in after]
        names += [n for n in dict.fromkeys([*before, *after]) if n not in AUDITED_FIELDS]
        changes = [(field_label(n), shown(n, before.get(n)), shown(n, after.get(n))) for n in names]
        changes = [change for change in changes if change[1] != change[2]]
        who = (entry.actor.get_full_name() or entry.actor.get_username()) if entry.actor else ""
        if entry.api_key is not None:
            who = format_html("{} ({})", who, entry.api_key.name) if who else entry.api_key.name
        rows.append({"entry": entry, "who": who or "—", "changes": changes})
    return rows
