"""Ingest dossiers pushed by one-stop systems: validate, upsert by (source, code), keep statistics current.

All or nothing unless the caller asks for `partial`. Sending the same batch twice changes nothing the
second time, also when the two arrive at the same moment. A fixed number of queries per batch: one to
resolve codes, one to read the existing dossiers, then set-based writes, two grouped reads of the cells
before and after, and one ordered statistics upsert.

Trust: a key writes only the sources recorded on it (`ApiKey.sources`) and only dossiers of its own units,
before and after the change alike; a row that would touch another unit's dossier is refused exactly as a
row naming an unknown unit, so the answer never tells what exists outside the key's scope.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from departments.policy import can_push_source_data, can_push_to_source
from kernel.bilingual import both_languages
from kernel.errors import BatchRejected, NotAllowed, ServiceError
from kernel.locks import advisory_xact_lock
from kernel.tabular import read_csv_rows, read_upload_rows

from .dossier_fields import FLAGS, PUSHED, REQUIRED_COLUMNS, STORED, StoredDossier
from .models import Channel, Dossier, DossierImport, Outcome, Procedure
from .stats import stats_add, stats_cells, stats_difference
from .tasks import enqueue_refresh

TRUE_WORDS = {"1", "true", "yes", "y", "có", "co", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "không", "khong", ""}
CHANNELS = set(Channel.values)
OUTCOMES = set(Outcome.values)
UNKNOWN_UNIT = _("Không có đơn vị với mã này.")


class RowError(Exception):
    def __init__(self, field_name, message):
        self.field = field_name
        self.message = message


@dataclass
class Summary:
    dry_run: bool
    partial: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list = field(default_factory=list)

    def reject(self, row, field_name, message):
        self.conflicts.append({"row": row, "field": field_name, **both_languages(message)})

    def as_dict(self, import_id=None):
        rejected = len({conflict["row"] for conflict in self.conflicts})
        conflicts = sorted(self.conflicts, key=lambda conflict: conflict["row"])
        status = "ok" if not self.conflicts else ("partial" if self.partial else "rejected")
        return {
            "status": status, "dry_run": self.dry_run, "partial": self.partial, "import_id": import_id,
            "counts": {"rows": self.rows, "created": self.created, "updated": self.updated,
                       "unchanged": self.unchanged, "rejected": rejected},
            "conflicts": conflicts,
        }




def rows_from_csv(raw_bytes):
    """Return the dossier rows of an uploaded CSV; see kernel.tabular.read_csv_rows."""
    return read_csv_rows(raw_bytes, required=REQUIRED_COLUMNS, max_rows=settings.DOSSIER_IMPORT_MAX_ROWS)


def rows_from_upload(upload):
    """Return the dossier rows of an uploaded .xlsx or .csv file; see kernel.tabular.read_upload_rows."""
    return read_upload_rows(upload, required=REQUIRED_COLUMNS, max_rows=settings.DOSSIER_IMPORT_MAX_ROWS)


def _local_zone():
    return ZoneInfo(settings.TIME_ZONE)


def _moment(raw, name, zone, *, required):
    if raw is None or raw == "":
        if required:
            raise RowError(name, _("Trường này là bắt buộc."))
        return None
    try:
        moment = datetime.fromisoformat(str(raw).strip())
        moment = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
        moment.astimezone(UTC)  # the database keeps UTC: a moment that has none (year 0 or 10000) is invalid
    except (ValueError, OverflowError):
        raise RowError(name, _("Ngày giờ không hợp lệ: dùng ISO 8601, ví dụ 2023-08-15T09:30:00+07:00.")) from None
    return moment


def _flag(raw, name):
    if isinstance(raw, bool):
        return raw
    word = str(raw if raw is not None else "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise RowError(name, _("Giá trị đúng/sai không hợp lệ: dùng true/false hoặc 1/0."))


def _clean(row, procedures, units, scope_ids, zone):
    """Return the row as stored values, or raise RowError naming the first bad field."""
    if not isinstance(row, dict):
        raise RowError(None, _("Mỗi hồ sơ phải là một đối tượng JSON."))
    with_nul = next((name for name in PUSHED if "\x00" in str(row.get(name) or "")), None)
    if with_nul:  # PostgreSQL text cannot hold it
        raise RowError(with_nul, _("Giá trị không được chứa ký tự rỗng (NUL)."))
    code = str(row.get("code") or "").strip()
    if not code or len(code) > 100:
        raise RowError("code", _("Mã hồ sơ bắt buộc, tối đa 100 ký tự."))
    procedure_id = procedures.get(str(row.get("procedure") or "").strip())
    if procedure_id is None:
        raise RowError("procedure", _("Không có thủ tục với mã này."))
    unit_id = units.get(str(row.get("unit") or "").strip())
    if unit_id is None or (scope_ids is not None and unit_id not in scope_ids):
        raise RowError("unit", UNKNOWN_UNIT)
    channel = str(row.get("channel") or "").strip()
    if channel not in CHANNELS:
        raise RowError("channel", _("Kênh nộp không hợp lệ: in_person, online hoặc post."))
    outcome = str(row.get("outcome") or Outcome.PENDING).strip()
    if outcome not in OUTCOMES:
        raise RowError("outcome", _("Kết quả không hợp lệ: pending, resolved, rejected hoặc withdrawn."))
    received = _moment(row.get("received_at"), "received_at", zone, required=True)
    due = _moment(row.get("due_at"), "due_at", zone, required=True)
    completed = _moment(row.get("completed_at"), "completed_at", zone, required=False)
    if due < received:
        raise RowError("due_at", _("Hạn trả kết quả không được trước ngày tiếp nhận."))
    if completed is not None and completed < received:
        raise RowError("completed_at", _("Ngày hoàn thành không được trước ngày tiếp nhận."))
    if (outcome == Outcome.PENDING) != (completed is None):
        raise RowError("completed_at", _("Hồ sơ đang giải quyết không có ngày hoàn thành; hồ sơ đã xong phải có."))
    flags = {name: _flag(row.get(name, False), name) for name in FLAGS}
    return code, StoredDossier(procedure_id=procedure_id, unit_id=unit_id, channel=channel, received_at=received,
                               due_at=due, completed_at=completed, outcome=outcome, **flags)


def default_source(actor):
    """Return the source a push writes to when it names none: the key's first, else the person's name."""
    if actor.api_key is not None:
        return actor.api_key.source_systems()[0]
    return actor.user.get_username()


def dossiers_import(*, rows, source, actor, channel, dry_run=False, partial=False, refresh=True):
    """Validate and upsert a batch; return the summary. Raise BatchRejected if all-or-nothing fails.

    `refresh=False` skips queueing the computed-indicator refresh (a caller that refreshes itself).
    """
    if not can_push_source_data(actor):
        raise NotAllowed(_("Chỉ hệ thống một cửa (khóa API) và quản trị viên được gửi hồ sơ."))
    if not can_push_to_source(actor, source):
        raise NotAllowed(_("Khóa API này không được gửi hồ sơ của hệ thống nguồn này."), field="source")
    limit = settings.DOSSIER_IMPORT_MAX_ROWS
    if len(rows) > limit:
        raise ServiceError(_("Quá nhiều hồ sơ trong một lần gửi: tối đa %(max)s.") % {"max": limit},
                           field="dossiers", code="too_many_rows")
    summary = Summary(dry_run=dry_run, partial=partial, rows=len(rows))
    scope_ids = actor.scope_unit_ids if not actor.is_admin else None
    cleaned = _validate(rows, scope_ids, summary)
    _stop_if_rejected(summary)
    with transaction.atomic():
        if not dry_run:
            # From here to commit, imports of one source run one at a time: each reads the dossiers the
            # one before it committed (READ COMMITTED takes a fresh snapshot per statement), so what it
            # classifies as new or changed, and the statistics difference, is what the table really holds.
            # Imports of different sources touch different dossiers and only share statistics cells,
            # which stats_add locks in a fixed order.
            advisory_xact_lock("dossier-import", source)
        existing = _existing(source, cleaned)
        _reject_outside_scope(cleaned, existing, scope_ids, summary)
        _stop_if_rejected(summary)
        creates, updates = _classify(cleaned, existing, summary)
        if dry_run:
            return summary.as_dict()
        batch = DossierImport.objects.create(
            source=source, actor=actor.user if actor.user.is_authenticated else None, api_key=actor.api_key,
            channel=channel, rows=summary.rows, created=summary.created, updated=summary.updated,
            unchanged=summary.unchanged, rejected=len({c["row"] for c in summary.conflicts}),
        )
        _write(source, batch, creates, updates, existing)
        if refresh and (creates or updates):
            enqueue_refresh(_years_touched(creates + updates))
    return summary.as_dict(import_id=batch.pk)


def _years_touched(rows):
    years = set()
    for _code, values in rows:
        years.add(values.received_at.year)
        if values.completed_at is not None:
            years.add(values.completed_at.year)
    return years


def _stop_if_rejected(summary):
    if summary.conflicts and not summary.partial:
        raise BatchRejected(_("Có hồ sơ không hợp lệ: không ghi hồ sơ nào."), summary=summary.as_dict())


def _reject_outside_scope(cleaned, existing, scope_ids, summary):
    """Refuse rows whose dossier exists in a unit outside the actor's scope, as if the unit were unknown."""
    if scope_ids is None:
        return
    for code, (number, _values) in list(cleaned.items()):
        current = existing.get(code)
        if current is not None and current[1].unit_id not in scope_ids:
            summary.reject(number, "unit", UNKNOWN_UNIT)
            del cleaned[code]


def _validate(rows, scope_ids, summary):
    procedures = dict(Procedure.objects.filter(code__in=_codes(rows, "procedure")).values_list("code", "pk"))
    units = dict(Unit.objects.filter(code__in=_codes(rows, "unit")).values_list("code", "pk"))
    zone, cleaned = _local_zone(), {}
    for number, row in enumerate(rows, start=1):
        try:
            code, values = _clean(row, procedures, units, scope_ids, zone)
        except RowError as error:
            summary.reject(number, error.field, error.message)
            continue
        if code in cleaned and cleaned[code][1] != values:
            summary.reject(number, "code", _("Mã hồ sơ lặp lại trong lô với nội dung khác."))
            continue
        cleaned[code] = (number, values)
    return cleaned


def _codes(rows, name):
    """Return the distinct codes a column names; one with a NUL byte names nothing (PostgreSQL refuses it)."""
    codes = {str(r.get(name, "")).strip() for r in rows if isinstance(r, dict)}
    return {code for code in codes if "\x00" not in code}


def _existing(source, cleaned):
    found = {}
    codes = list(cleaned)
    for start in range(0, len(codes), 5000):
        chunk = Dossier.objects.filter(source=source, code__in=codes[start:start + 5000])
        for pk, code, *values in chunk.values_list("pk", "code", *STORED):
            found[code] = (pk, StoredDossier(*values))
    return found


def _classify(cleaned, existing, summary):
    creates, updates = [], []
    for code, (_number, values) in cleaned.items():
        current = existing.get(code)
        if current is None:
            creates.append((code, values))
        elif current[1] == values:
            summary.unchanged += 1
        else:
            updates.append((code, values))
    summary.created, summary.updated = len(creates), len(updates)
    return creates, updates


def _write(source, batch, creates, updates, existing):
    before = {}
    if updates:
        # What the old versions counted for, read before they are overwritten.
        changed_ids = [existing[code][0] for code, _values in updates]
        before = stats_cells(Dossier.objects.filter(pk__in=changed_ids))
    Dossier.objects.bulk_create(
        [Dossier(source=source, code=code, last_import=batch, **dict(zip(STORED, values, strict=True)))
         for code, values in creates + updates],
        batch_size=2000, update_conflicts=True, unique_fields=["source", "code"],
        update_fields=[*STORED, "last_import"],
    )
    after = stats_cells(Dossier.objects.filter(last_import=batch))
    stats_add(stats_difference(after, before))
