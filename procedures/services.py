"""Writes for the procedure catalogue. Level changes keep their dates; every change is audited."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Unit
from departments.policy import can_add_procedure, can_edit_procedure, can_push_source_data
from kernel.bilingual import both_languages
from kernel.errors import BatchRejected, NotAllowed, ServiceError

from .models import LevelScheme, OfficialScore766, Procedure, ProcedureChange, ProcedureLevelPeriod, Score766RuleSet

CATALOGUE_FIELDS = [
    "name", "field", "at_province", "at_district", "at_commune", "department", "processing_time", "fee",
    "legal_basis", "publication_decision",
    "online_level", "legacy_level", "partial_reason", "proactive_level", "eligible_full_online", "mobile",
    "on_national_portal", "active_from",
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
def procedure_save(*, procedure, actor, channel, level_changed_on=None, scheme=None):
    """Validate and save a new or edited procedure, dating any change of online level under its scheme; audit it.

    `scheme` (a LevelScheme or its code) is the scheme the caller says the level is under; by default the one in
    force on the date of the level. A scheme not in force on that date is refused.
    """
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
    _record_level(procedure, on=level_changed_on or timezone.localdate(), scheme=scheme)
    ProcedureChange.objects.create(
        procedure=procedure, actor=actor.person, api_key=actor.api_key, channel=channel,
        before=before or {}, after=_jsonable(procedure),
    )
    return procedure


LEVEL_FIELDS = ("online_level", "legacy_level", "partial_reason", "proactive_level")


def _record_level(procedure, *, on, scheme=None):
    """Close the open level period if the level changed on `on` (or the caller re-records it under another scheme),
    and open the new one under the scheme of its date.

    An edit that leaves the level alone keeps the open period under its own scheme: the level stays "carried over"
    from the older scheme until someone records it under the new one.
    """
    current = procedure.level_periods.filter(valid_to__isnull=True).select_related("scheme").first()
    start = on if current else procedure.active_from
    named = scheme
    scheme = level_scheme_for(day=start, named=named)
    same_level = current and all(getattr(current, name) == getattr(procedure, name) for name in LEVEL_FIELDS)
    if same_level and (named in (None, "") or current.scheme_id == (scheme and scheme.pk)):
        return
    ensure_level_allowed(scheme=scheme, procedure=procedure)
    if current:
        if on <= current.valid_from:
            raise ServiceError(_("Ngày đổi mức độ phải sau ngày bắt đầu của mức độ hiện tại."), field="online_level")
        current.valid_to = on - timedelta(days=1)
        current.save(update_fields=["valid_to"])
    ProcedureLevelPeriod.objects.create(procedure=procedure, scheme=scheme, valid_from=start,
                                        **{name: getattr(procedure, name) for name in LEVEL_FIELDS})


def level_scheme_for(*, day, named=None):
    """Return the level scheme a level dated `day` is under; refuse a named scheme not in force on that day."""
    in_force = LevelScheme.on(day)
    if named is None or named == "":
        return in_force
    code = named.code if isinstance(named, LevelScheme) else str(named)
    scheme = LevelScheme.objects.filter(code=code).first()
    if scheme is None:
        raise ServiceError(_("Không có hệ thống mức độ với mã này."), field="level_scheme")
    if not scheme.in_force_on(day):
        raise ServiceError(_("Hệ thống mức độ %(code)s không có hiệu lực vào ngày %(day)s.")
                           % {"code": scheme.code, "day": day.strftime("%d/%m/%Y")}, field="level_scheme")
    return scheme


def ensure_level_allowed(*, scheme, procedure):
    """Refuse a level its scheme does not allow, and a partial level without the legal reason the scheme asks."""
    if scheme is None:
        return
    allowed = scheme.levels or {}
    for name in ("online_level", "legacy_level", "proactive_level"):
        value = getattr(procedure, name)
        if name in allowed and value not in (None, "") and value not in allowed[name]:
            raise ServiceError(_("Mức độ này không có trong hệ thống mức độ %(code)s.") % {"code": scheme.code},
                               field=name)
    if "proactive_level" not in allowed and procedure.proactive_level is not None:
        raise ServiceError(_("Mức độ dịch vụ chủ động chỉ có từ Nghị định 224/2026."), field="proactive_level")
    needs_reason = procedure.online_level in allowed.get("reason_required_for", [])
    if needs_reason and not (procedure.partial_reason or "").strip():
        raise ServiceError(_("Theo %(basis)s, dịch vụ chỉ cung cấp một phần phải nêu lý do pháp lý đã công khai "
                             "trên Cổng Dịch vụ công quốc gia.") % {"basis": scheme.legal_basis},
                           field="partial_reason")


# --- official Decision 766 scores -------------------------------------------------------------------

OFFICIAL_COLUMNS = ["unit", "group", "points", "published_on"]
MAX_OFFICIAL_ROWS = 5000


class _RowError(Exception):
    def __init__(self, field, message):
        super().__init__(str(message))
        self.field, self.message = field, message


@transaction.atomic
def official_scores_import(*, rows, source, actor, channel):
    """Record the scores the national portal published, all rows or none; a later import of a row replaces it."""
    if not can_push_source_data(actor):
        raise NotAllowed(_("Chỉ quản trị viên và hệ thống bên ngoài (qua khóa API) mới được nhập điểm chính thức."))
    if not isinstance(rows, list) or not rows:
        raise ServiceError(_("Cần một danh sách điểm, ít nhất một dòng."), field="scores")
    if len(rows) > MAX_OFFICIAL_ROWS:
        raise ServiceError(_("Quá nhiều dòng: tối đa %(max)s.") % {"max": MAX_OFFICIAL_ROWS}, field="scores")
    units = {unit.code: unit for unit in Unit.objects.filter(
        code__in=[str(row.get("unit", "")) for row in rows if isinstance(row, dict)])}
    rule_sets = list(Score766RuleSet.objects.all())
    cleaned, errors = [], []
    for number, row in enumerate(rows, start=1):
        try:
            cleaned.append(_official_row(row, source, units, rule_sets))
        except _RowError as error:
            errors.append({"row": number, "field": error.field, **both_languages(error.message)})
    if errors:
        raise BatchRejected(_("Có dòng không hợp lệ; không dòng nào được ghi."), field=errors[0]["field"],
                            summary={"rows": len(rows), "errors": errors})
    saved = 0
    for values in cleaned:
        OfficialScore766.objects.update_or_create(
            unit=values.pop("unit"), group=values.pop("group"), published_on=values.pop("published_on"),
            defaults={**values, "actor": actor.person, "api_key": actor.api_key, "channel": channel},
        )
        saved += 1
    return {"status": "ok", "rows": len(rows), "saved": saved}


def _official_row(row, source, units, rule_sets):
    if not isinstance(row, dict):
        raise _RowError(None, _("Mỗi dòng phải là một đối tượng."))
    unit = units.get(str(row.get("unit", "")).strip())
    if unit is None:
        raise _RowError("unit", _("Không có đơn vị với mã này."))
    try:
        published_on = date.fromisoformat(str(row.get("published_on", "")).strip())
    except ValueError:
        raise _RowError("published_on", _("Ngày công bố phải có dạng YYYY-MM-DD.")) from None
    rule_set = _rule_set_on(rule_sets, published_on)
    if rule_set is None:
        raise _RowError("published_on", _("Không có bộ quy tắc QĐ 766 nào áp dụng vào ngày này."))
    group = str(row.get("group", "")).strip()
    if group not in rule_set.groups:
        raise _RowError("group", _("Bộ quy tắc %(code)s không có nhóm này.") % {"code": rule_set.code})
    try:
        points = Decimal(str(row.get("points", "")).strip().replace(",", "."))
    except InvalidOperation:
        raise _RowError("points", _("Điểm phải là một số.")) from None
    maximum = Decimal(rule_set.groups[group])
    if not points.is_finite() or points < 0 or points > maximum:
        raise _RowError("points", _("Điểm phải từ 0 đến %(max)s.") % {"max": maximum})
    row_source = str(row.get("source") or source or "").strip()
    if not row_source:
        raise _RowError("source", _("Cần nêu nguồn công bố của điểm."))
    return {"unit": unit, "group": group, "published_on": published_on, "rule_set": rule_set,
            "points": points.quantize(Decimal("0.01")), "source": row_source[:500]}


def _rule_set_on(rule_sets, day):
    """The rule set in force on a day (an official score is checked against the groups of its own date)."""
    for rule_set in sorted(rule_sets, key=lambda r: r.valid_from, reverse=True):
        if rule_set.valid_from <= day and (rule_set.valid_to is None or day <= rule_set.valid_to):
            return rule_set
    return None
