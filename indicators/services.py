"""Writes for indicator values: entry, the review workflow, evidence, comments and the audit trail.

Every path (API, admin form, admin bulk action, import) calls these functions, so the rules hold
whichever door a change comes through. Each write records an AuditEntry.
"""

import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.policy import can_comment_on_value, can_edit_unit_data, can_review
from kernel.errors import Conflict, NotAllowed, NotFoundInScope, ServiceError
from kernel.files import remove_unless_committed

from .models import EDITABLE_STATES, AuditAction, AuditEntry, Comment, Evidence, IndicatorValue, Source, ValueState
from .numbers import clean_numbers
from .periods import PeriodError, period_for_entry


def snapshot(value):
    """Return the audited fields of a value as JSON-ready data."""
    return value.audit_snapshot()


def audit_entry(*, value, action, actor, channel, before=None, after=None, reason=""):
    """Build (not save) an audit entry; callers save one or bulk-create many."""
    return AuditEntry(
        value=value, action=action, channel=channel, actor=actor.person, api_key=actor.api_key,
        before=before or {}, after=after or {}, reason=reason,
    )


def ensure_may_edit(*, actor, indicator, unit):
    """Raise unless the actor may enter data for this indicator and unit."""
    if not can_edit_unit_data(actor, unit):
        raise NotAllowed(_("Bạn không có quyền nhập số liệu cho đơn vị này."), field="unit")
    if indicator.source == Source.COMPUTED:
        raise ServiceError(_("Chỉ tiêu này do cổng tự tính, không nhập tay."), field="indicator")
    if not indicator.is_active:
        raise ServiceError(_("Chỉ tiêu này không còn được sử dụng."), field="indicator")
    if not indicator.applies_to(unit):
        raise ServiceError(_("Chỉ tiêu này không áp dụng cho loại đơn vị này."), field="unit")


def resolve_period(indicator, period_code, *, workdays=None):
    """Return the indicator's Period (its regime's window and deadline) for entry, or raise ServiceError."""
    try:
        return period_for_entry(indicator, period_code, today=timezone.localdate(), workdays=workdays)
    except PeriodError as exc:
        raise ServiceError(exc.message, field="period") from None


def ensure_unit_existed(unit, period):
    if unit.valid_from > period.end or (unit.valid_to is not None and unit.valid_to < period.start):
        raise ServiceError(_("Đơn vị không tồn tại trong kỳ báo cáo này."), field="period")


@transaction.atomic
def value_create(*, indicator, unit, period, actor, channel, numerator=None, denominator=None, value=None,
                 note=""):
    """Create a draft value for (indicator, unit, period)."""
    ensure_may_edit(actor=actor, indicator=indicator, unit=unit)
    parsed = resolve_period(indicator, period)
    ensure_unit_existed(unit, parsed)
    numbers = clean_numbers(indicator, numerator=numerator, denominator=denominator, value=value)
    if IndicatorValue.objects.filter(indicator=indicator, unit=unit, period=parsed.code).exists():
        raise Conflict(_("Đã có số liệu của chỉ tiêu này cho đơn vị và kỳ này."), field="period", code="exists")
    person = actor.person
    try:
        with transaction.atomic():
            created = IndicatorValue.objects.create(
                indicator=indicator, unit=unit, period=parsed.code, period_start=parsed.start,
                period_end=parsed.end, due_date=parsed.deadline, note=note, created_by=person,
                updated_by=person, **numbers,
            )
    except IntegrityError:  # someone created it between our check and our insert
        raise Conflict(_("Đã có số liệu của chỉ tiêu này cho đơn vị và kỳ này."), field="period",
                       code="exists") from None
    if person:
        created.editors.add(person)
    audit_entry(value=created, action=AuditAction.CREATE, actor=actor, channel=channel,
                after=snapshot(created)).save()
    return created


@transaction.atomic
def value_update(*, value, expected_version, actor, channel, changes):
    """Change numbers or note of an unapproved value; a submitted value goes back to draft.

    `changes` holds any of numerator, denominator, value, note. A stale `expected_version`
    raises Conflict with the current state instead of overwriting someone else's change.
    """
    current = _locked_current(value, expected_version)
    ensure_may_edit(actor=actor, indicator=current.indicator, unit=current.unit)
    if current.state not in EDITABLE_STATES:
        raise ServiceError(_("Số liệu đã duyệt bị khóa; người duyệt phải mở lại trước khi sửa."), field="state",
                           code="locked")
    merged = {name: getattr(current, name) for name in ("numerator", "denominator", "value")}
    merged.update({k: v for k, v in changes.items() if k in merged})
    if {"numerator", "denominator"} & changes.keys() and "value" not in changes:
        merged["value"] = None  # the percentage follows the new numerator/denominator
    numbers = clean_numbers(current.indicator, **merged)
    before = snapshot(current)
    for name, number in numbers.items():
        setattr(current, name, number)
    if "note" in changes:
        current.note = changes["note"]
    current.state = ValueState.DRAFT
    current.version += 1
    current.updated_by = actor.person
    current.save()
    if current.updated_by:
        current.editors.add(current.updated_by)
    audit_entry(value=current, action=AuditAction.UPDATE, actor=actor, channel=channel, before=before,
                after=snapshot(current)).save()
    return current


def _locked_current(value, expected_version):
    """Return the value re-read under a row lock, or raise Conflict if its version moved on."""
    current = (
        IndicatorValue.objects.select_for_update(of=("self",))
        .select_related("indicator__framework", "unit")
        .get(pk=value.pk)
    )
    if expected_version is not None and current.version != int(expected_version):
        raise Conflict(
            _("Số liệu đã được người khác thay đổi (phiên bản hiện tại %(version)s). Hãy tải lại rồi sửa tiếp.")
            % {"version": current.version},
            field="version", current={**snapshot(current), "id": current.pk},
        )
    return current


def ensure_state(value, allowed_from):
    """Raise unless the value is in one of the states an operation starts from."""
    if value.state not in allowed_from:
        raise ServiceError(
            _("Không thể thực hiện thao tác này khi số liệu đang ở trạng thái “%(state)s”.")
            % {"state": value.get_state_display()},
            field="state", code="invalid_state",
        )


def _transition(*, value, expected_version, actor, channel, action, allowed_from, to_state, reason="",
                extra=None):
    current = _locked_current(value, expected_version)
    ensure_state(current, allowed_from)
    before = snapshot(current)
    current.state = to_state
    current.version += 1
    for name, field_value in (extra or {}).items():
        setattr(current, name, field_value)
    current.save()
    audit_entry(value=current, action=action, actor=actor, channel=channel, before=before,
                after=snapshot(current), reason=reason).save()
    return current


@transaction.atomic
def value_submit(*, value, actor, channel, expected_version=None):
    """Send a draft or returned value for review."""
    ensure_may_edit(actor=actor, indicator=value.indicator, unit=value.unit)
    # Checked under the row lock that evidence changes also take, so no file can go between check and write.
    current = _locked_current(value, expected_version)
    if current.value is None:
        raise ServiceError(_("Chưa có giá trị để gửi duyệt."), field="value")
    if current.indicator.evidence_required and not current.evidence.exists():
        raise ServiceError(_("Chỉ tiêu này bắt buộc có minh chứng trước khi gửi duyệt."), field="evidence")
    now = timezone.now()
    return _transition(
        value=current, expected_version=expected_version, actor=actor, channel=channel, action=AuditAction.SUBMIT,
        allowed_from={ValueState.DRAFT, ValueState.RETURNED}, to_state=ValueState.SUBMITTED,
        extra={"submitted_at": now, "first_submitted_at": current.first_submitted_at or now, "return_reason": ""},
    )


def ensure_not_an_editor(*, actor, value):
    """Segregation of duties: whoever created or ever edited a value may not approve it."""
    person = actor.person
    if person is None or value.editors.filter(pk=person.pk).exists():
        raise NotAllowed(_("Bạn đã nhập hoặc sửa số liệu này nên không được tự duyệt."), code="segregation_of_duties")


def ensure_has_required_evidence(value):
    """Raise if the indicator requires evidence and the value has none (say, required since it was sent)."""
    if value.indicator.evidence_required and not value.evidence.exists():
        raise ServiceError(_("Chỉ tiêu này bắt buộc có minh chứng: không thể duyệt số liệu chưa có minh chứng."),
                           field="evidence", code="evidence_missing")


@transaction.atomic
def value_approve(*, value, actor, channel, expected_version=None):
    """Approve a submitted value; never by anyone who created or edited it."""
    if not can_review(actor):
        raise NotAllowed(_("Chỉ người duyệt cấp tỉnh mới được duyệt số liệu."))
    # Checked under the row lock that every edit also takes, so no edit can slip in between.
    current = _locked_current(value, expected_version)
    ensure_not_an_editor(actor=actor, value=current)
    ensure_state(current, {ValueState.SUBMITTED})
    ensure_has_required_evidence(current)
    return _transition(
        value=current, expected_version=expected_version, actor=actor, channel=channel, action=AuditAction.APPROVE,
        allowed_from={ValueState.SUBMITTED}, to_state=ValueState.APPROVED,
        extra={"reviewed_by": actor.person, "reviewed_at": timezone.now()},
    )


def _require_reason(reason):
    if not (reason or "").strip():
        raise ServiceError(_("Cần ghi rõ lý do."), field="reason", code="required")
    return reason.strip()


@transaction.atomic
def value_return(*, value, reason, actor, channel, expected_version=None):
    """Send a submitted value back to its unit with a reason."""
    if not can_review(actor):
        raise NotAllowed(_("Chỉ người duyệt cấp tỉnh mới được trả lại số liệu."))
    reason = _require_reason(reason)
    return _transition(
        value=value, expected_version=expected_version, actor=actor, channel=channel, action=AuditAction.RETURN,
        allowed_from={ValueState.SUBMITTED}, to_state=ValueState.RETURNED, reason=reason,
        extra={"return_reason": reason, "reviewed_by": actor.person, "reviewed_at": timezone.now()},
    )


@transaction.atomic
def value_reopen(*, value, reason, actor, channel, expected_version=None):
    """Unlock an approved value (back to draft) with a reason."""
    if not can_review(actor):
        raise NotAllowed(_("Chỉ người duyệt cấp tỉnh mới được mở lại số liệu đã duyệt."))
    reason = _require_reason(reason)
    return _transition(
        value=value, expected_version=expected_version, actor=actor, channel=channel, action=AuditAction.REOPEN,
        allowed_from={ValueState.APPROVED}, to_state=ValueState.DRAFT, reason=reason,
    )


ALLOWED_EVIDENCE = {
    # extension: (content type, leading bytes that a real file of that kind starts with)
    "pdf": ("application/pdf", [b"%PDF"]),
    "png": ("image/png", [b"\x89PNG\r\n\x1a\n"]),
    "jpg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "jpeg": ("image/jpeg", [b"\xff\xd8\xff"]),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", [b"PK\x03\x04"]),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", [b"PK\x03\x04"]),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", [b"PK\x03\x04"]),
    "odt": ("application/vnd.oasis.opendocument.text", [b"PK\x03\x04"]),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", [b"PK\x03\x04"]),
    "doc": ("application/msword", [b"\xd0\xcf\x11\xe0"]),
    "xls": ("application/vnd.ms-excel", [b"\xd0\xcf\x11\xe0"]),
}


def evidence_check(upload):
    """Return (extension, content type) of an acceptable upload, or raise ServiceError."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size == 0:
        raise ServiceError(_("Tệp minh chứng rỗng."), field="file", code="empty")
    if upload.size > limit:
        raise ServiceError(
            _("Tệp minh chứng quá lớn: tối đa %(limit)s MB.") % {"limit": limit // (1024 * 1024)},
            field="file", code="too_large",
        )
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in ALLOWED_EVIDENCE:
        raise ServiceError(
            _("Loại tệp không được chấp nhận: chỉ nhận PDF, ảnh (PNG, JPG) và tài liệu văn phòng."),
            field="file", code="file_type",
        )
    content_type, signatures = ALLOWED_EVIDENCE[extension]
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        raise ServiceError(_("Nội dung tệp không khớp với phần mở rộng %(ext)s.") % {"ext": extension},
                           field="file", code="file_type")
    return extension, content_type


def _lock_for_evidence(*, value, actor, locked_message):
    """Return the value re-read under its row lock, if the actor may change its evidence now.

    The lock is the one approval takes, so evidence cannot change between an approval's check and
    its write.
    """
    current = _locked_current(value, None)
    ensure_may_edit(actor=actor, indicator=current.indicator, unit=current.unit)
    if current.state not in EDITABLE_STATES:
        raise ServiceError(locked_message, field="state", code="locked")
    return current


def _evidence_changed(current, actor):
    """Record who changed the evidence; a submitted value goes back to draft with a new version.

    Evidence is part of what the reviewer approves, so a change to it withdraws the submission, as a
    change to the numbers does: the unit submits again, and a review of the old version gets a 409.
    """
    person = actor.person
    if person:
        current.editors.add(person)
    if current.state != ValueState.SUBMITTED:
        return
    current.state = ValueState.DRAFT
    current.version += 1
    current.updated_by = person
    current.save(update_fields=["state", "version", "updated_by", "updated_at"])


@transaction.atomic
def evidence_add(*, value, upload, actor, channel):
    """Attach an evidence file to an unapproved value; a submitted value goes back to draft."""
    current = _lock_for_evidence(value=value, actor=actor,
                                 locked_message=_("Số liệu đã duyệt bị khóa; không thể thêm minh chứng."))
    _extension, content_type = evidence_check(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(value=current, original_name=upload.name[:255], content_type=content_type,
                        size=upload.size, sha256=digest.hexdigest(), uploaded_by=actor.person)
    evidence.file.save(upload.name, upload, save=False)
    # On disk before its row commits: deleted if this or any enclosing transaction rolls back.
    remove_unless_committed(evidence.file)
    try:
        evidence.save()
        before = snapshot(current)
        _evidence_changed(current, actor)
        audit_entry(value=current, action=AuditAction.EVIDENCE_ADD, actor=actor, channel=channel, before=before,
                    after={**snapshot(current), "evidence": evidence.original_name, "sha256": evidence.sha256,
                           "size": evidence.size}).save()
    except Exception:
        evidence.file.storage.delete(evidence.file.name)  # this row will not be written: no need to wait
        raise
    return evidence


@transaction.atomic
def evidence_remove(*, evidence, actor, channel):
    """Detach an evidence file from an unapproved value; the audit keeps its name and checksum.

    A submitted value goes back to draft: what the reviewer would approve has changed.
    """
    current = _lock_for_evidence(value=evidence.value, actor=actor,
                                 locked_message=_("Số liệu đã duyệt bị khóa; không thể xóa minh chứng."))
    if not Evidence.objects.filter(pk=evidence.pk, value=current).exists():
        raise NotFoundInScope(_("Minh chứng này không còn nữa."), field="evidence")  # removed meanwhile
    before = {**snapshot(current), "evidence": evidence.original_name, "sha256": evidence.sha256}
    stored = evidence.file.name
    evidence.delete()
    _evidence_changed(current, actor)
    audit_entry(value=current, action=AuditAction.EVIDENCE_REMOVE, actor=actor, channel=channel, before=before,
                after=snapshot(current)).save()
    transaction.on_commit(lambda: evidence.file.storage.delete(stored))


@transaction.atomic
def comment_add(*, value, text, actor, channel):
    """Add a comment to a value's thread, if the policy lets the actor take part in its review."""
    person = actor.person
    if person is None:
        raise NotAllowed(_("Chỉ người dùng mới được viết trao đổi."))
    if not can_comment_on_value(actor, value):
        raise NotAllowed(_("Chỉ đơn vị của số liệu, người duyệt và quản trị viên mới được trao đổi về số liệu "
                           "này."))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Nội dung trao đổi không được để trống."), field="text", code="required")
    comment = Comment.objects.create(value=value, author=person, text=text)
    audit_entry(value=value, action=AuditAction.COMMENT, actor=actor, channel=channel,
                after={"comment": text}).save()
    return comment
