from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from departments.models import Role, Unit
from departments.policy import (
    Actor,
    can_edit_unit_data,
    can_manage_catalogues,
    can_review,
    restrict_reviewed_data,
    units_visible_to,
)
from departments.selectors import units_rolling_up_to
from departments.services import unit_merge
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_staff_sees_only_their_units_and_those_below(cast):
    child = UnitFactory(code="A1", parent=cast.unit_a)
    assert codes(units_visible_to(Actor(cast.staff_a))) == ["A", child.code]


def test_reviewer_and_admin_see_every_unit(cast):
    for user in (cast.reviewer, cast.admin):
        assert codes(units_visible_to(Actor(user))) == ["A", "B", "P"]


def test_anonymous_and_roleless_users_see_nothing(cast):
    assert codes(units_visible_to(Actor(AnonymousUser()))) == []
    assert codes(units_visible_to(Actor(UserFactory(units=[cast.unit_a])))) == []


def test_api_key_sees_its_bound_units(cast):
    assert codes(units_visible_to(Actor(cast.system_key.service_account, cast.system_key))) == ["A"]


def test_staff_edits_own_units_only_and_reviewer_never_edits(cast):
    assert can_edit_unit_data(Actor(cast.staff_a), cast.unit_a)
    assert not can_edit_unit_data(Actor(cast.staff_a), cast.unit_b)
    assert not can_edit_unit_data(Actor(cast.reviewer), cast.unit_a)
    assert can_edit_unit_data(Actor(cast.admin), cast.unit_b)


def test_review_and_catalogue_rights_follow_roles(cast):
    assert [can_review(Actor(u)) for u in (cast.staff_a, cast.reviewer, cast.admin)] == [False, True, True]
    assert [can_manage_catalogues(Actor(u)) for u in (cast.staff_a, cast.reviewer, cast.admin)] == [
        False, False, True,
    ]


def test_staff_sees_other_units_rows_only_when_published(cast):
    # Units stand in for any unit-owned rows: "published" is a condition on the row itself.
    rows = Unit.objects.filter(code__in=["A", "B", "P"])
    visible = restrict_reviewed_data(Actor(cast.staff_a), rows.annotate(), unit_field="parent",
                                     published=Q(code="B"))
    assert codes(visible) == ["B"]  # A's parent P is outside staff_a's scope; B is published


def test_superuser_is_an_administrator():
    user = UserFactory(is_superuser=True)
    assert Actor(user).role == Role.ADMIN


def test_merged_units_roll_up_into_their_successor():
    old = UnitFactory(code="OLD")
    old_child = UnitFactory(code="OLD-1", parent=old)
    new = UnitFactory(code="NEW")
    unit_merge(units=[old], into=new, on=date(2025, 7, 1))
    old.refresh_from_db()
    assert old.valid_to == date(2025, 6, 30)
    assert units_rolling_up_to(new) == {new.pk, old.pk, old_child.pk}


def test_moving_a_unit_moves_its_subtree_paths():
    a, b = UnitFactory(code="X"), UnitFactory(code="Y")
    child = UnitFactory(code="X1", parent=a)
    grandchild = UnitFactory(code="X11", parent=child)
    child.parent = b
    child.save()
    grandchild.refresh_from_db()
    assert grandchild.path == "/Y/X1/X11/"
