"""Writes for the organisation: roles, memberships, units and API keys."""

from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.errors import NotAllowed, ServiceError, clean_or_refuse

from .models import ApiKey, Membership, Role, Unit
from .policy import can_manage_catalogues, can_role_use_admin_site
from .schedules import schedule_ensure

# Apps whose every permission the administrator role holds.
ADMIN_APPS = [
    "auth", "departments", "indicators", "procedures", "reports", "django_celery_beat", "axes",
]
# The project's own apps: reviewers may view everything in them.
DOMAIN_APPS = ["departments", "indicators", "procedures", "reports"]
# Extra permissions by role, as "app_label.codename"; codenames that do not exist yet are skipped.
ROLE_EXTRA_PERMISSIONS = {
    Role.STAFF: [
        "departments.view_unit",
        "indicators.view_framework", "indicators.view_pillar", "indicators.view_indicator",
        "indicators.view_target", "indicators.view_indicatorvalue", "indicators.add_indicatorvalue",
        "indicators.change_indicatorvalue", "indicators.view_evidence", "indicators.add_evidence",
        "indicators.delete_evidence", "indicators.add_comment",
        "procedures.view_procedure", "procedures.change_procedure", "procedures.view_dossier",
        "procedures.view_procedurefield",  # to pick a procedure's field (admin autocomplete)
        "reports.view_report", "reports.add_report",
    ],
    Role.REVIEWER: ["reports.add_report", "indicators.change_indicatorvalue", "indicators.add_comment"],
    Role.EXTERNAL_SYSTEM: [],
}
# Last use is written at most this often per key, so a busy key does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _permissions_matching(codes):
    condition = Q(pk__in=[])
    for code in codes:
        app_label, codename = code.split(".", 1)
        condition |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(condition)


def _last_app_with_models():
    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]


def after_migrate(app_config=None, **kwargs):
    """Keep the data every installation needs in step: role groups and default schedules."""
    if app_config is not None and app_config is not _last_app_with_models():
        return  # run once per migrate, after every app's permissions exist
    roles_sync()
    default_schedules_ensure()


def default_schedules_ensure():
    """Create the default beat schedules that are missing; never overwrite what an admin edited."""
    schedule_ensure(name="Thu hồi khóa API hết hạn (hằng đêm)", task="departments.revoke_expired_api_keys",
                    minute="0", hour="1")


def roles_sync():
    """Create the role groups and give each its permissions; safe to run any number of times."""
    groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    groups[Role.ADMIN].permissions.set(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    reviewer_views = Permission.objects.filter(
        content_type__app_label__in=DOMAIN_APPS, codename__startswith="view_"
    ).exclude(codename="view_apikey")  # keys are the administrators' business
    reviewer_extra = _permissions_matching(ROLE_EXTRA_PERMISSIONS[Role.REVIEWER])
    groups[Role.REVIEWER].permissions.set(reviewer_views | reviewer_extra)
    groups[Role.STAFF].permissions.set(_permissions_matching(ROLE_EXTRA_PERMISSIONS[Role.STAFF]))
    groups[Role.EXTERNAL_SYSTEM].permissions.clear()


@transaction.atomic
def user_set_role(*, user, role):
    """Make `role` the user's only role and set what it implies for the admin site and passwords."""
    user.groups.remove(*Group.objects.filter(name__in=[r.value for r in Role]))
    user.groups.add(Group.objects.get_or_create(name=Role(role).value)[0])
    user.is_staff = can_role_use_admin_site(role)
    fields = ["is_staff"]
    if role == Role.EXTERNAL_SYSTEM:
        user.set_unusable_password()
        fields.append("password")
    user.save(update_fields=fields)
    return user


@transaction.atomic
def user_upsert(*, username, role, units=(), password=None, full_name="", email=""):
    """Create or update a user with one role and exactly the given unit memberships."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    first, _, last = full_name.rpartition(" ")
    user.first_name, user.last_name, user.email = first, last, email
    if password and role != Role.EXTERNAL_SYSTEM:
        user.set_password(password)
    user.save()
    user_set_role(user=user, role=role)
    unit_ids = [unit.pk for unit in units]
    Membership.objects.filter(user=user).exclude(unit_id__in=unit_ids).delete()
    Membership.objects.bulk_create(
        [Membership(user=user, unit_id=unit_id) for unit_id in unit_ids], ignore_conflicts=True
    )
    return user


def _unit_check(unit):
    """Raise unless the unit fits the tree: not its own ancestor or successor, and its fields valid."""
    if unit.parent_id is not None and unit.pk is not None:
        stored_path = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).first()
        if stored_path and unit.parent.path.startswith(stored_path):
            raise ServiceError(_("Đơn vị cấp trên không được là chính đơn vị này hoặc đơn vị cấp dưới của nó."),
                               field="parent")
    if unit.successor_id is not None and unit.successor_id == unit.pk:
        raise ServiceError(_("Đơn vị không thể kế thừa chính nó."), field="successor")
    clean_or_refuse(unit, exclude=["path"])


def _unit_store(unit):
    _unit_check(unit)
    unit.save()
    return unit


@transaction.atomic
def unit_save(*, unit, actor):
    """Validate and save a new or edited unit (moving its subtree with it)."""
    if not can_manage_catalogues(actor):
        raise NotAllowed(_("Chỉ quản trị viên mới được sửa danh mục đơn vị."))
    return _unit_store(unit)


@transaction.atomic
def unit_delete(*, unit, actor):
    """Delete a unit (the database refuses while anything still refers to it)."""
    if not can_manage_catalogues(actor):
        raise NotAllowed(_("Chỉ quản trị viên mới được sửa danh mục đơn vị."))
    unit.delete()


@transaction.atomic
def unit_upsert(*, code, name, kind, parent=None, valid_from, valid_to=None, successor=None, name_en=""):
    """Create or update the unit with this code (seeding and set-up scripts, which act for no person)."""
    unit = Unit.objects.filter(code=code).first() or Unit(code=code)
    unit.name, unit.name_en, unit.kind, unit.parent = name, name_en, kind, parent
    unit.valid_from, unit.valid_to, unit.successor = valid_from, valid_to, successor
    return _unit_store(unit)


@transaction.atomic
def unit_merge(*, units, into, on):
    """Close `units` the day before `on` and name `into` as their successor; their data stays theirs."""
    closing_day = on - timedelta(days=1)
    for unit in units:
        unit.valid_to, unit.successor = closing_day, into
        _unit_check(unit)
    Unit.objects.bulk_update(units, ["valid_to", "successor"])
    return units


@transaction.atomic
def api_key_create(*, name, service_account, scopes, units=(), expires_at=None, sources=()):
    """Create a key for a service account; return (key, secret). The secret is shown only now."""
    api_key, secret = ApiKey.objects.create_key(
        name=name, service_account=service_account, scopes=sorted(set(scopes)), expiry_date=expires_at,
        sources=list(dict.fromkeys(sources)),
    )
    api_key.units.set(units)
    return api_key, secret


def api_key_revoke(*, api_key):
    """Revoke a key for good."""
    api_key.revoked = True
    api_key.save(update_fields=["revoked"])
    return api_key


def api_key_record_use(*, api_key):
    """Record that the key was used now, writing at most once per LAST_USED_RESOLUTION."""
    now = timezone.now()
    if api_key.last_used_at is not None and api_key.last_used_at >= now - LAST_USED_RESOLUTION:
        return  # the row just read is recent enough: no UPDATE round trip on every request
    ApiKey.objects.filter(pk=api_key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)


def api_keys_revoke_expired():
    """Revoke every key past its expiry date; return how many. Running it twice changes nothing."""
    return ApiKey.objects.filter(revoked=False, expiry_date__lt=timezone.now()).update(revoked=True)
