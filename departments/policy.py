"""The access policy: the one place that decides who may see and change what.

Every queryset a person or an API key sees goes through a function here: the admin, the API and
the reports all ask the same questions. An `Actor` is a person (session) or an external system
(API key acting for its service account).

- administrator: everything, including catalogues, units, users, schedules and keys.
- provincial reviewer: sees everything; reviews entries; changes no values.
- department staff: sees and edits the data of its units (and the units below them); sees other
  units' data only once approved.
- external system: only through an API key, limited to the key's scopes and units.
"""

from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from kernel import lookups  # noqa: F401  (registers __any_of)
from kernel.prepared import PreparedQuery

from .models import ApiKey, Role, Unit

ROLE_PRECEDENCE = [Role.ADMIN, Role.REVIEWER, Role.STAFF, Role.EXTERNAL_SYSTEM]


def _units_of_key(key):
    """The units a key acts for directly (`Actor.home_units` of a key)."""
    return Unit.objects.filter(api_keys=key)


def _units_of_member(user):
    """The units a person acts for directly: their memberships (`Actor.home_units` of a person)."""
    return Unit.objects.filter(memberships__user=user)


def _subtree_ids(units):
    return Unit.objects.subtrees_of(units).order_by().values_list("pk")


# The ids of the subtree of a key's units, or of a person's units: asked on every request of a key or a staff
# member, so compiled once (kernel.prepared); the rows are read afresh each time.
KEY_SCOPE = PreparedQuery(lambda key: _subtree_ids(_units_of_key(key)), "key")
MEMBER_SCOPE = PreparedQuery(lambda user: _subtree_ids(_units_of_member(user)), -1)


def role_of(user):
    """Return the user's role, the strongest of their groups, or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    names = {group.name for group in user.groups.all()}
    return next((role for role in ROLE_PRECEDENCE if role.value in names), None)


@dataclass(eq=False)
class Actor:
    user: object
    api_key: ApiKey | None = None

    @classmethod
    def from_request(cls, request):
        """Return the request's actor, built once per request so its role and scope are read once."""
        auth = getattr(request, "auth", None)
        api_key = auth if isinstance(auth, ApiKey) else None
        actor = getattr(request, "_dx_actor", None)
        if actor is None or actor.user is not request.user or actor.api_key is not api_key:
            actor = cls(user=request.user, api_key=api_key)
            request._dx_actor = actor
        return actor

    @classmethod
    def for_system(cls):
        """Return the actor of scheduled work (reports, computed values): reads everything, like a reviewer."""
        actor = cls(user=AnonymousUser())
        actor.__dict__["role"] = Role.REVIEWER
        return actor

    @property
    def person(self):
        """Return the signed-in user behind this actor; None for an API key's request or scheduled work."""
        user = self.user
        return user if user is not None and user.is_authenticated else None

    @cached_property
    def role(self):
        if self.api_key is not None:
            return Role.EXTERNAL_SYSTEM
        return role_of(self.user)

    @property
    def is_admin(self):
        return self.role == Role.ADMIN

    @property
    def is_reviewer(self):
        return self.role == Role.REVIEWER

    @property
    def sees_everything(self):
        return self.role in (Role.ADMIN, Role.REVIEWER)

    @cached_property
    def home_units(self):
        """Return the units this actor acts for directly (memberships, or the key's units)."""
        if self.api_key is not None:
            return _units_of_key(self.api_key)
        if self.user is None or not self.user.is_authenticated:
            return Unit.objects.none()
        return _units_of_member(self.user)

    @cached_property
    def scope_unit_ids(self):
        """Return the ids of the units whose data this actor owns, or None for all units."""
        if self.sees_everything:
            return None
        if self.role not in (Role.STAFF, Role.EXTERNAL_SYSTEM):
            return frozenset()
        if self.api_key is not None:
            return frozenset(pk for (pk,) in KEY_SCOPE(self.api_key.pk))
        return frozenset(pk for (pk,) in MEMBER_SCOPE(self.user.pk))


def units_visible_to(actor, queryset=None):
    """Return the units the actor may see: all for reviewers and admins, else its own subtree."""
    queryset = Unit.objects.all() if queryset is None else queryset
    return restrict_to_scope(actor, queryset, unit_field="")


def restrict_to_scope(actor, queryset, *, unit_field="unit"):
    """Return the rows of `queryset` that belong to units in the actor's scope."""
    if actor.role is None:
        return queryset.none()
    ids = actor.scope_unit_ids
    if ids is None:
        return queryset
    lookup = f"{unit_field}__pk__any_of" if unit_field else "pk__any_of"  # one array parameter (kernel.lookups)
    return queryset.filter(**{lookup: ids})


def restrict_reviewed_data(actor, queryset, *, published, unit_field="unit"):
    """Return the rows the actor may see: all of its scope, plus `published` (a Q) rows of other units."""
    if actor.role is None:
        return queryset.none()
    ids = actor.scope_unit_ids
    if ids is None:
        return queryset
    return queryset.filter(Q(**{f"{unit_field}__pk__any_of": ids}) | published)


def can_edit_unit_data(actor, unit):
    """May the actor enter or change data for this unit? Reviewers never change values."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role not in (Role.STAFF, Role.EXTERNAL_SYSTEM):
        return False
    return unit.pk in actor.scope_unit_ids


def can_role_use_admin_site(role):
    """May people of this role log in to the admin? Staff-side roles do; external systems use keys only."""
    return role in (Role.ADMIN, Role.REVIEWER, Role.STAFF)


def can_see_dashboard(actor):
    """May the actor open the dashboard? People of the staff side; systems read the API instead."""
    return actor.role in (Role.STAFF, Role.REVIEWER, Role.ADMIN)


def can_see_province(actor):
    """May the actor look at (or ask a report of) the whole province rather than its own units?"""
    return actor.sees_everything


def can_enter_data(actor):
    """May the actor enter values at all? Reviewers never change values; staff and administrators may."""
    return actor.role in (Role.STAFF, Role.ADMIN)


def can_change_value(actor, value):
    """May the actor edit this value's figures, note and evidence now (its unit's, while open for entry)?"""
    return can_enter_data(actor) and value.is_open_for_entry and can_edit_unit_data(actor, value.unit)


def can_review(actor):
    """May the actor approve, return or reopen entries?"""
    return actor.role in (Role.REVIEWER, Role.ADMIN)


def can_push_source_data(actor):
    """May the actor push raw data from source systems (dossiers)? External systems and administrators."""
    return actor.role in (Role.EXTERNAL_SYSTEM, Role.ADMIN)


def can_manage_catalogues(actor):
    """May the actor edit catalogues, units, users, schedules and API keys?"""
    return actor.role == Role.ADMIN


def can_see_technical_sections(actor):
    """May the actor open the technical admin sections (login attempts, periodic tasks)? Administrators only,
    whatever permissions a group was given."""
    return actor.role == Role.ADMIN


def can_add_procedure(actor):
    """May the actor add procedures to the catalogue? Administrators, and external systems that sync it.

    Staff keep their department's procedures current (`can_edit_procedure`) but add none: the admin
    and the API ask this same question.
    """
    return actor.role in (Role.ADMIN, Role.EXTERNAL_SYSTEM)


def can_edit_procedure(actor, procedure):
    """May the actor change this procedure? Administrators any; staff and keys their department's.

    Procedures are never deleted (they are abolished by date), so no one may delete one.
    """
    if actor.role == Role.ADMIN:
        return True
    return procedure.department_id is not None and can_edit_unit_data(actor, procedure.department)


def key_allows(actor, resource, access):
    """May this request touch `resource` with `access` ("read"/"write")? People: yes; keys: by scope."""
    if actor.api_key is None:
        return True
    return actor.api_key.allows(resource, access)


def _owns_unit(actor, unit_id):
    """Does the actor act for this unit (staff of it or above it, or a key bound to it)?"""
    if actor.role not in (Role.STAFF, Role.EXTERNAL_SYSTEM):
        return False
    return unit_id in actor.scope_unit_ids


def can_see_review_trail(actor, value):
    """May the actor read how a value was reviewed (its history and comments)?

    Its own unit, reviewers and administrators: yes. Other units see an approved figure, not the
    return reasons, earlier figures and discussion that led to it.
    """
    return actor.sees_everything or _owns_unit(actor, value.unit_id)


def can_comment_on_value(actor, value):
    """May the actor write in a value's comment thread? Those who may read its review trail."""
    return can_see_review_trail(actor, value)


def can_push_to_source(actor, source):
    """May the actor write the dossiers of this source system? Administrators any; a key only its own."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role != Role.EXTERNAL_SYSTEM or actor.api_key is None:
        return False
    return source in actor.api_key.source_systems()
