"""Writes for the indicator catalogue: frameworks, pillars, indicators and targets.

The admin (forms, inlines, bulk deletes), the API and the demo seeding all call these functions, so
a catalogue entry is checked the same way whichever door it comes through. Only administrators
change the catalogue. Catalogue changes are not audited value by value (the audit trail is for
values); the admin's own change log still records who changed what there.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from departments.policy import can_manage_catalogues
from kernel.errors import Conflict, NotAllowed, ServiceError, clean_or_refuse

from .models import Target
from .numbers import clean_numbers

TARGET_FIELDS = ("indicator", "year", "unit", "value", "decision", "note")


def ensure_may_manage_catalogues(actor):
    """Raise unless the actor may change the indicator catalogue."""
    if not can_manage_catalogues(actor):
        raise NotAllowed(_("Chỉ quản trị viên mới được sửa danh mục chỉ tiêu."))


def _store(instance, *, duplicate_message, duplicate_field):
    """Save a checked catalogue entry; a row that already exists is a Conflict, not a 500."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise Conflict(duplicate_message, field=duplicate_field, code="exists") from None
    return instance


# --- frameworks and pillars --------------------------------------------------------------------------


@transaction.atomic
def framework_save(*, framework, actor):
    """Validate and save a new or edited framework."""
    ensure_may_manage_catalogues(actor)
    clean_or_refuse(framework)
    return _store(framework, duplicate_message=_("Đã có khung chỉ tiêu với mã này."), duplicate_field="code")


@transaction.atomic
def framework_delete(*, framework, actor):
    """Delete a framework with its pillars; refused while indicators belong to it."""
    ensure_may_manage_catalogues(actor)
    if framework.indicators.exists():
        raise ServiceError(_("Khung chỉ tiêu còn chỉ tiêu, không xóa được."), field="code", code="in_use")
    framework.delete()


@transaction.atomic
def pillar_save(*, pillar, actor):
    """Validate and save a new or edited pillar of a framework."""
    ensure_may_manage_catalogues(actor)
    clean_or_refuse(pillar)
    return _store(pillar, duplicate_message=_("Khung chỉ tiêu đã có trụ cột với mã này."), duplicate_field="code")


@transaction.atomic
def pillar_delete(*, pillar, actor):
    """Delete a pillar; refused while indicators belong to it."""
    ensure_may_manage_catalogues(actor)
    if pillar.indicators.exists():
        raise ServiceError(_("Trụ cột còn chỉ tiêu, không xóa được."), field="code", code="in_use")
    pillar.delete()


# --- indicators ----------------------------------------------------------------------------------


@transaction.atomic
def indicator_save(*, indicator, actor):
    """Validate and save a new or edited indicator, its scoring rule and tiers included."""
    ensure_may_manage_catalogues(actor)
    clean_or_refuse(indicator)
    return _store(indicator, duplicate_message=_("Đã có chỉ tiêu với mã này."), duplicate_field="code")


@transaction.atomic
def indicator_delete(*, indicator, actor):
    """Delete an indicator with its targets; refused once values were entered for it."""
    ensure_may_manage_catalogues(actor)
    if indicator.values.exists():
        raise ServiceError(_("Chỉ tiêu đã có số liệu, không xóa được: hãy ngừng sử dụng chỉ tiêu."),
                           field="is_active", code="in_use")
    indicator.delete()


# --- targets -------------------------------------------------------------------------------------


def _check_target(target):
    """Check a target against its indicator: a unit it applies to, a value its value type allows."""
    if target.indicator_id is None:
        raise ServiceError(_("Cần chọn chỉ tiêu."), field="indicator", code="required")
    if target.unit is not None and not target.indicator.applies_to(target.unit):
        raise ServiceError(_("Chỉ tiêu này không áp dụng cho loại đơn vị này."), field="unit")
    number = clean_numbers(target.indicator, value=target.value)["value"]
    if number is None:
        raise ServiceError(_("Cần nhập giá trị mục tiêu."), field="value", code="required")
    target.value = number
    clean_or_refuse(target, validate_unique=False, validate_constraints=False)


@transaction.atomic
def target_save(*, target, actor):
    """Validate and save a new or edited target; a duplicate (indicator, year, unit, decision) is a Conflict."""
    ensure_may_manage_catalogues(actor)
    _check_target(target)
    return _store(target, duplicate_message=_("Đã có mục tiêu của chỉ tiêu này cho năm, đơn vị và văn bản này."),
                  duplicate_field="decision")


def target_create(*, actor, indicator, year, value, decision, unit=None, note=""):
    """Create a target of an indicator for a year (and optionally a unit), from a decision."""
    return target_save(target=Target(indicator=indicator, year=year, unit=unit, value=value, decision=decision,
                                     note=note), actor=actor)


def target_update(*, target, actor, changes):
    """Change any of indicator, year, unit, value, decision, note of a target."""
    for name, field_value in changes.items():
        if name in TARGET_FIELDS:
            setattr(target, name, field_value)
    return target_save(target=target, actor=actor)


@transaction.atomic
def target_delete(*, target, actor):
    """Delete a target."""
    ensure_may_manage_catalogues(actor)
    target.delete()
