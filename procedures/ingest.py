"""Ingest dossiers pushed by one-stop systems: validate, upsert by (source, code), keep statistics current.

All or nothing unless the caller asks for `partial`. Sending the same batch twice changes nothing the
second time, also when the two arrive at the same moment. A fixed number of queries per batch: two to
resolve codes, one to read the existing dossiers, then set-based writes. On PostgreSQL a batch of at least
`DOSSIER_STAGING_MIN_ROWS` rows (default 200) is written through staging tables (`procedures.staging`: COPY,
one upsert statement, two ordered statistics upserts); elsewhere, and for smaller batches, through the ORM
(`_write_orm`: bulk_create, two grouped reads of the cells before and after, one ordered statistics upsert).
Both write the same rows and the same statistics.

Trust: a key writes only the sources recorded on it (`ApiKey.sources`) and only dossiers of its own units,
before and after the change alike; a row that would touch another unit's dossier is refused exactly as a
row naming an unknown unit, so the answer never tells what exists outside the key's scope.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from departments.policy import can_push_source_data, can_push_to_source
from kernel.bilingual import both_languages
from kernel.errors import BatchRejected, NotAllowed, ServiceError
from kernel.locks import advisory_xact_lock
from kernel.tabular import read_csv_rows, read_upload_rows

from . import dvcqg, staging
from .counting import NOT_RECEIVED, ORDER, PROCESSED
from .dossier_fields import FLAGS, PUSHED, REQUIRED_COLUMNS, STEP_FIELDS, STORED, SUPPLEMENT_FIELDS, StoredDossier
from .models import (
    Channel,
    Dossier,
    DossierImport,
    DossierStatus,
    DossierStatusChange,
    DossierStep,
    DossierSupplement,
    Outcome,
    Procedure,
)
from .stats import stats_add, stats_cells, stats_difference
from .tasks import enqueue_refresh

TRUE_WORDS = {"1", "true", "yes", "y", "có", "co", "x"}
FALSE_WORDS = {"0", "false", "no", "n", "không", "khong", ""}
CHANNELS = set(Channel.values)
OUTCOMES = set(Outcome.values)
STATUSES = set(DossierStatus.values)
UNKNOWN_UNIT = _("Không có đơn vị với mã này.")
MAX_CHILDREN = 200  # supplements or steps per dossier: enough for any real history, and memory stays bounded
COMPACT_MOMENT = re.compile(r"^\d{14}$")  # yyyyMMddHHmmss, as many one-stop systems send dates
SHAPES = ("portal", dvcqg.SHAPE)
SUPPLEMENT_NAMES = [name for name, _national, _kind in SUPPLEMENT_FIELDS]
STEP_NAMES = [name for name, _national, _kind in STEP_FIELDS]


class RowError(Exception):
    def __init__(self, field_name, message):
        self.field = field_name
        self.message = message


@dataclass
class Summary:
    dry_run: bool
    partial: bool
    shape: str = "portal"
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list = field(default_factory=list)

    def reject(self, row, field_name, message):
        if self.shape == dvcqg.SHAPE:  # the source reads its own field names and codes
            message = dvcqg.national_message(field_name, message)
            field_name = dvcqg.national_field(field_name)
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
    text = str(raw).strip()
    if COMPACT_MOMENT.match(text):
        text = f"{text[:8]}T{text[8:]}"
    try:
        moment = datetime.fromisoformat(text)
        moment = moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
        # The database keeps UTC: a moment that has none (year 0 or 10000) is invalid. Kept in UTC from here,
        # so the comparisons, the status moment and the digest convert nothing again (the same instants).
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise RowError(name, _("Ngày giờ không hợp lệ: dùng ISO 8601, ví dụ 2023-08-15T09:30:00+07:00, "
                               "hoặc yyyyMMddHHmmss.")) from None


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
    """Return (code, stored values, children) of the row, or raise RowError naming the first bad field."""
    if not isinstance(row, dict):
        raise RowError(None, _("Mỗi hồ sơ phải là một đối tượng JSON."))
    # Only strings can hold a NUL: str() of a list (supplements, steps, fees) shows it escaped, so formatting
    # one here found nothing and cost more than the rest of the row's checks (their items are checked below).
    with_nul = next((name for name in PUSHED if isinstance(value := row.get(name), str) and "\x00" in value), None)
    if with_nul:  # PostgreSQL text cannot hold it
        raise RowError(with_nul, _("Giá trị không được chứa ký tự rỗng (NUL)."))
    code = str(row.get("code") or "").strip()
    if not code or len(code) > 100:
        raise RowError("code", _("Mã hồ sơ bắt buộc, tối đa 100 ký tự."))
    procedure_id = procedures.get(str(row.get("procedure") or "").strip())
    if procedure_id is None:
        raise RowError("procedure", _("Không có thủ tục với mã này."))
    unit_id = _unit(row, "unit", units, scope_ids)
    receiving_id = _unit(row, "receiving_unit", units, scope_ids) if row.get("receiving_unit") else unit_id
    channel = str(row.get("channel") or "").strip()
    if channel not in CHANNELS:
        raise RowError("channel", _("Kênh nộp không hợp lệ: in_person, online hoặc post."))
    status, outcome, stated = _status(row)
    moments = _moments(row, zone, status, stated)
    supplements = _supplements(row.get("supplements"), zone)
    steps = _steps(row.get("steps"), zone)
    first_due, due = _due_dates(moments["due_at"], supplements)
    flags = {name: _flag(row.get(name, False), name) for name in FLAGS}
    values = StoredDossier(
        procedure_id=procedure_id, unit_id=unit_id, receiving_unit_id=receiving_id, channel=channel,
        outcome=outcome, status=status, field_code=_text(row, "field_code", 30), fees=_fees(row.get("fees")),
        **{**moments, "due_at": due}, first_due_at=first_due, **flags,
        status_at=_latest(moments, supplements, steps), details_digest=_digest(supplements, steps),
    )
    return code, values, (supplements, steps, stated)


def _unit(row, name, units, scope_ids):
    unit_id = units.get(str(row.get(name) or "").strip())
    if unit_id is None or (scope_ids is not None and unit_id not in scope_ids):
        raise RowError(name, UNKNOWN_UNIT)
    return unit_id


def _status(row):
    """Return (status, outcome, whether the row stated its status); a row may state either."""
    if row.get("status") in (None, ""):
        outcome = str(row.get("outcome") or Outcome.PENDING).strip()
        if outcome not in OUTCOMES:
            raise RowError("outcome", _("Kết quả không hợp lệ: pending, resolved, rejected hoặc withdrawn."))
        return dvcqg.OUTCOME_STATUS[outcome], outcome, False
    status = str(row.get("status")).strip()
    if status not in STATUSES:
        raise RowError("status", _("Trạng thái hồ sơ không hợp lệ: một mã từ 1 đến 10."))
    outcome = str(row.get("outcome") or dvcqg.STATUS_OUTCOME[status]).strip()  # the portal's shape may say both
    if outcome not in OUTCOMES:
        raise RowError("outcome", _("Kết quả không hợp lệ: pending, resolved, rejected hoặc withdrawn."))
    return status, outcome, True


def _moments(row, zone, status, stated):
    """Return the dossier's dated fields, checked against each other and against its status."""
    unreceived = status in NOT_RECEIVED
    moments = {name: _moment(row.get(name), name, zone, required=False)
               for name in ("submitted_at", "completed_at", "returned_at", "refused_at")}
    moments["received_at"] = _moment(row.get("received_at"), "received_at", zone, required=not unreceived)
    moments["due_at"] = _moment(row.get("due_at"), "due_at", zone, required=not unreceived)
    received, due, completed = moments["received_at"], moments["due_at"], moments["completed_at"]
    if received is not None and due is not None and due < received:
        raise RowError("due_at", _("Hạn trả kết quả không được trước ngày tiếp nhận."))
    if completed is not None and received is not None and completed < received:
        raise RowError("completed_at", _("Ngày hoàn thành không được trước ngày tiếp nhận."))
    if stated and status in PROCESSED and completed is None:
        raise RowError("completed_at", _("Hồ sơ đã xử lý xong (trạng thái 9, 10) phải có ngày kết thúc xử lý."))
    if not stated and (status == DossierStatus.PROCESSING) != (completed is None):
        raise RowError("completed_at", _("Hồ sơ đang giải quyết không có ngày hoàn thành; hồ sơ đã xong phải có."))
    return moments


def _children(raw, name):
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CHILDREN or not all(isinstance(item, dict) for item in raw):
        raise RowError(name, _("Cần một danh sách đối tượng, tối đa %(max)s phần tử.") % {"max": MAX_CHILDREN})
    return raw


def _supplements(raw, zone):
    """Return the supplements as tuples in SUPPLEMENT_FIELDS order, in the order they were requested."""
    cleaned = []
    for index, item in enumerate(_children(raw, "supplements")):
        path = f"supplements[{index}]"
        values = {name: _moment(item.get(name), f"{path}.{name}", zone, required=name == "requested_at")
                  for name, _national, _kind in SUPPLEMENT_FIELDS}
        before, after = values["previous_due_at"], values["new_due_at"]
        if before is not None and after is not None and after < before:
            raise RowError(f"{path}.new_due_at", _("Hạn trả mới không được trước hạn trả trước khi bổ sung."))
        cleaned.append(tuple(values[name] for name, _national, _kind in SUPPLEMENT_FIELDS))
    return sorted(cleaned, key=lambda supplement: supplement[0])


def _steps(raw, zone):
    cleaned = []
    for index, item in enumerate(_children(raw, "steps")):
        path = f"steps[{index}]"
        values = []
        for name, _national, kind in STEP_FIELDS:
            if kind == "moment":
                values.append(_moment(item.get(name), f"{path}.{name}", zone, required=False))
            else:
                values.append(_text(item, name, 255 if name == "handler" else 100, path=f"{path}.{name}"))
        cleaned.append(tuple(values))
    return cleaned


def _due_dates(due, supplements):
    """Return (first due, current due): a supplement moves the due date, and both are kept."""
    first = next((s[2] for s in supplements if s[2] is not None), due)
    current = next((s[3] for s in reversed(supplements) if s[3] is not None), due)
    if due is not None and current is not None:
        current = max(due, current)
    return first, current


def _text(row, name, limit, path=None):
    text = str(row.get(name) if row.get(name) is not None else "").strip()
    if len(text) > limit or "\x00" in text:
        raise RowError(path or name, _("Tối đa %(max)s ký tự, không chứa ký tự rỗng.") % {"max": limit})
    return text


def _fees(raw):
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CHILDREN:
        raise RowError("fees", _("Cần một danh sách, tối đa %(max)s phần tử.") % {"max": MAX_CHILDREN})
    return raw


def _latest(moments, supplements, steps):
    """Return the latest moment the source tells about the dossier (due dates are promises, not events)."""
    told = [moment for name, moment in moments.items() if name != "due_at"]
    told += [s[0] for s in supplements] + [s[1] for s in supplements] + [step[1] for step in steps]
    told = [moment for moment in told if moment is not None]  # all in UTC (_moment)
    return max(told) if told else None


def _digest(supplements, steps):
    if not supplements and not steps:
        return EMPTY_DIGEST  # most rows of the portal's own shape: no need to hash nothing each time
    return _hash(supplements, steps)


def _hash(supplements, steps):
    # Moments are in UTC already (_moment): the same text as when they were converted here. Inline, not a
    # function per value: the national shape hashes about ten values a dossier.
    payload = [[[v.isoformat() if isinstance(v, datetime) else v for v in item] for item in children]
               for children in (supplements, steps)]
    return hashlib.sha256(json.dumps(payload, separators=(",", ":")).encode()).hexdigest()


def default_source(actor):
    """Return the source a push writes to when it names none: the key's first, else the person's name."""
    if actor.api_key is not None:
        return actor.api_key.source_systems()[0]
    return actor.user.get_username()


def dossiers_import(*, rows, source, actor, channel, dry_run=False, partial=False, refresh=True, shape="portal"):
    """Validate and upsert a batch; return the summary. Raise BatchRejected if all-or-nothing fails.

    `shape` is "portal" (the portal's own field names) or "dvcqg" (the national sync's, see procedures.dvcqg;
    the summary then names fields as the source does). `refresh=False` skips queueing the computed-indicator
    refresh (a caller that refreshes itself).
    """
    if not can_push_source_data(actor):
        raise NotAllowed(_("Chỉ hệ thống một cửa (khóa API) và quản trị viên được gửi hồ sơ."))
    if not can_push_to_source(actor, source):
        raise NotAllowed(_("Khóa API này không được gửi hồ sơ của hệ thống nguồn này."), field="source")
    limit = settings.DOSSIER_IMPORT_MAX_ROWS
    if len(rows) > limit:
        raise ServiceError(_("Quá nhiều hồ sơ trong một lần gửi: tối đa %(max)s.") % {"max": limit},
                           field="dossiers", code="too_many_rows")
    summary = Summary(dry_run=dry_run, partial=partial, rows=len(rows), shape=shape)
    scope_ids = actor.scope_unit_ids if not actor.is_admin else None
    if shape == dvcqg.SHAPE:
        rows = [dvcqg.to_portal_row(row) for row in rows]
    cleaned, children = _validate(rows, scope_ids, summary)
    _stop_if_rejected(summary)
    owns_transaction = not transaction.get_connection().in_atomic_block
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
        _reject_backwards(cleaned, existing, children, summary)
        _stop_if_rejected(summary)
        creates, updates = _classify(cleaned, existing, summary)
        if dry_run:
            return summary.as_dict()
        batch = DossierImport.objects.create(
            source=source, actor=actor.user if actor.user.is_authenticated else None, api_key=actor.api_key,
            channel=channel, rows=summary.rows, created=summary.created, updated=summary.updated,
            unchanged=summary.unchanged, rejected=len({c["row"] for c in summary.conflicts}),
        )
        _write(source, batch, creates, updates, existing, children, owns_transaction=owns_transaction)
        if refresh and (creates or updates):
            enqueue_refresh(_years_touched(creates + updates))
    return summary.as_dict(import_id=batch.pk)


def _years_touched(rows):
    """The local years the rows count in (moments are kept in UTC; statistics count local days)."""
    zone, years = _local_zone(), set()
    for _code, values in rows:
        if values.received_at is not None:
            years.add(values.received_at.astimezone(zone).year)
        if values.completed_at is not None:
            years.add(values.completed_at.astimezone(zone).year)
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


def _reject_backwards(cleaned, existing, children, summary):
    """Refuse rows whose stated status is older than the stored one.

    Newer means later in time: the status's moment is the latest moment the source tells about the dossier
    (`status_at`); at the same moment (or when either has none) the higher status code is the newer. An
    equal status is no change. Rows in the portal's own shape state an outcome, not a status: a correction
    there is taken as it comes.
    """
    for code, (number, values) in list(cleaned.items()):
        current = existing.get(code)
        if current is None or current[1].status == values.status:
            continue
        if not children[code][2]:
            _keep_agreeing_status(cleaned, code, current[1])
            continue
        if _status_key(values) < _status_key(current[1]):
            summary.reject(number, "status", _("Trạng thái hồ sơ cũ hơn trạng thái đã nhận: không ghi."))
            del cleaned[code]


def _keep_agreeing_status(cleaned, code, stored):
    """An outcome-only row keeps the stored status when that status means the same outcome (10 for resolved)."""
    number, values = cleaned[code]
    if dvcqg.STATUS_OUTCOME[stored.status] == values.outcome or (
            stored.status == dvcqg.OUTCOME_STATUS[values.outcome]):
        cleaned[code] = (number, values._replace(status=stored.status))


def _status_key(values):
    moment = values.status_at
    if moment is None:
        return (0, ORDER[values.status])
    return (1, moment, ORDER[values.status])


def _validate(rows, scope_ids, summary):
    procedures = dict(Procedure.objects.filter(code__in=_codes(rows, "procedure")).values_list("code", "pk"))
    units = _units(_codes(rows, "unit") | _codes(rows, "receiving_unit"))
    zone, cleaned, children = _local_zone(), {}, {}
    for number, row in enumerate(rows, start=1):
        try:
            code, values, extra = _clean(row, procedures, units, scope_ids, zone)
        except RowError as error:
            summary.reject(number, error.field, error.message)
            continue
        if code in cleaned and cleaned[code][1] != values:
            summary.reject(number, "code", _("Mã hồ sơ lặp lại trong lô với nội dung khác."))
            continue
        cleaned[code], children[code] = (number, values), extra
    return cleaned, children


def _units(names):
    """Return {name: unit id} for units named by their portal code or their electronic agency id."""
    found = {}
    for pk, code, agency_id in Unit.objects.filter(Q(code__in=names) | Q(agency_id__in=names)).values_list(
            "pk", "code", "agency_id"):
        if agency_id:
            found.setdefault(agency_id, pk)
        found[code] = pk  # a portal code wins over another unit's agency id of the same spelling
    return found


def _codes(rows, name):
    """Return the distinct codes a column names; one with a NUL byte names nothing (PostgreSQL refuses it)."""
    codes = {str(r.get(name, "")).strip() for r in rows if isinstance(r, dict)}
    return {code for code in codes if "\x00" not in code}


def _existing(source, cleaned):
    """Return {code: (pk, StoredDossier)} of the batch's dossiers already stored: one query on PostgreSQL."""
    found = {}
    codes = list(cleaned)
    if staging.available():
        return staging.existing(source, codes)
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


def use_staging(rows):
    """Does a batch that writes `rows` dossiers go through the staging tables (PostgreSQL, large enough)?"""
    return staging.available() and rows >= settings.DOSSIER_STAGING_MIN_ROWS


def _write(source, batch, creates, updates, existing, children, *, owns_transaction=False):
    if not creates and not updates:
        return  # every row as stored: nothing to write, no statistics change
    if use_staging(len(creates) + len(updates)):
        # When the import owns its transaction, the deferred foreign-key checks run as each statement
        # ends rather than all at COMMIT (the same checks; a caller's transaction keeps its own setting).
        staging.write(source, batch, creates, updates, existing, children, immediate=owns_transaction)
    else:
        _write_orm(source, batch, creates, updates, existing, children)


def _write_orm(source, batch, creates, updates, existing, children):
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
    written = Dossier.objects.filter(last_import=batch)
    after = stats_cells(written)
    stats_add(stats_difference(after, before))
    _write_children(batch, written, creates, updates, existing, children)


def _write_children(batch, written, creates, updates, existing, children):
    """Record status changes; replace supplements and steps of the dossiers whose details changed."""
    ids = dict(written.values_list("code", "pk"))
    changes, rewrite = [], [code for code, _values in creates]
    for code, values in creates:
        changes.append(DossierStatusChange(dossier_id=ids[code], status=values.status, at=values.status_at,
                                           dossier_import=batch))
    for code, values in updates:
        old = existing[code][1]
        if old.status != values.status:
            changes.append(DossierStatusChange(dossier_id=ids[code], previous_status=old.status,
                                               status=values.status, at=values.status_at, dossier_import=batch))
        if old.details_digest != values.details_digest:
            rewrite.append(code)
    DossierStatusChange.objects.bulk_create(changes, batch_size=2000)
    created = {code for code, _values in creates}  # a new dossier without supplements or steps has none to replace
    rewrite = [code for code in rewrite if code not in created or children[code][0] or children[code][1]]
    if not rewrite:
        return
    rewrite_ids = [ids[code] for code in rewrite]
    DossierSupplement.objects.filter(dossier_id__in=rewrite_ids).delete()
    DossierStep.objects.filter(dossier_id__in=rewrite_ids).delete()
    DossierSupplement.objects.bulk_create([
        DossierSupplement(dossier_id=ids[code], position=position, **dict(zip(SUPPLEMENT_NAMES, item, strict=True)))
        for code in rewrite for position, item in enumerate(children[code][0], start=1)], batch_size=2000)
    DossierStep.objects.bulk_create([
        DossierStep(dossier_id=ids[code], position=position, **dict(zip(STEP_NAMES, item, strict=True)))
        for code in rewrite for position, item in enumerate(children[code][1], start=1)], batch_size=2000)


EMPTY_DIGEST = _hash([], [])
