"""Writes for the procedure catalogue. Level changes keep their dates; every change is audited."""

from datetime import timedelta

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.policy import can_add_procedure, can_edit_procedure
from kernel.errors import NotAllowed, ServiceError

from .models import Procedure, ProcedureChange, ProcedureLevelPeriod

CATALOGUE_FIELDS = [
    "name", "field", "at_province", "at_district", "at_commune", "department", "processing_time", "fee",
    "legal_basis", "publication_decision",
    "online_level", "legacy_level", "eligible_full_online", "mobile", "on_national_portal", "active_from",
    "abolished_on",
]


def _jsonable(procedure):
    data = model_to_dict(procedure, fields=CATALOGUE_FIELDS)
    return {key: (str(value) if hasattr(value, "isoformat") else value) for key, value in data.items()}


def ensure_may_edit_procedure(*, actor, procedure):
    """Raise unless the policy lets the actor change this procedure."""
    if not can_edit_procedure(actor, procedure):
        raise NotAllowed(_("Chỉ cán bộ của cơ quan chủ trì mới được cập nhật thủ tục này."))


def ensure_may_add_procedures(*, actor):
    """Raise unless the policy lets the actor add procedures at all (callers may ask before reading the input)."""
    if not can_add_procedure(actor):
        raise NotAllowed(_("Chỉ quản trị viên mới được thêm thủ tục hành chính."))


@transaction.atomic
def procedure_save(*, procedure, actor, channel, level_changed_on=None):
    """Validate and save a new or edited procedure, dating any change of online level; audit it."""
    if procedure.pk is None:
        ensure_may_add_procedures(actor=actor)
    ensure_may_edit_procedure(actor=actor, procedure=procedure)  # a new one too: a key adds only for its units
    procedure.full_clean()
    before = None
    if procedure.pk:
        stored = Procedure.objects.select_for_update().get(pk=procedure.pk)
        ensure_may_edit_procedure(actor=actor, procedure=stored)  # not only the department it is moved to
        before = _jsonable(stored)
        procedure.version = stored.version + 1
    procedure.save()
    _record_level(procedure, on=level_changed_on or timezone.localdate())
    ProcedureChange.objects.create(
        procedure=procedure, actor=actor.person, api_key=actor.api_key, channel=channel,
        before=before or {}, after=_jsonable(procedure),
    )
    return procedure


def _record_level(procedure, *, on):
    """Close the open level period if the level changed on `on`, and open the new one."""
    current = procedure.level_periods.filter(valid_to__isnull=True).first()
    if current and (current.online_level, current.legacy_level) == (procedure.online_level, procedure.legacy_level):
        return
    start = on if current else procedure.active_from
    if current:
        if on <= current.valid_from:
            raise ServiceError(_("Ngày đổi mức độ phải sau ngày bắt đầu của mức độ hiện tại."), field="online_level")
        current.valid_to = on - timedelta(days=1)
        current.save(update_fields=["valid_to"])
    ProcedureLevelPeriod.objects.create(procedure=procedure, online_level=procedure.online_level,
                                        legacy_level=procedure.legacy_level, valid_from=start)
