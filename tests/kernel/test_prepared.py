"""A query compiled once gives what the queryset itself gives, for each new value, read afresh each time."""

import pytest

from departments.models import ApiKey, Unit
from kernel.prepared import PreparedQuery

from ..factories import UnitFactory, make_api_key

pytestmark = pytest.mark.django_db

KEY = PreparedQuery(lambda prefix: ApiKey.objects.select_related("service_account").filter(prefix=prefix), "x")


def fields_of(instance):
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_each_value_finds_the_row_the_queryset_finds_with_its_joined_object():
    keys = [make_api_key(units=[], name=f"system-{n}", scopes=["units:read"])[0] for n in range(2)]
    for key in keys:
        (found,) = KEY(key.prefix)
        expected = ApiKey.objects.select_related("service_account").get(prefix=key.prefix)
        assert fields_of(found) == fields_of(expected)
        assert fields_of(found.service_account) == fields_of(expected.service_account)
    assert KEY("nothing") == []


def test_rows_are_read_again_on_each_call(django_assert_num_queries):
    key, _secret = make_api_key(units=[], name="system-r")
    assert KEY(key.prefix)[0].revoked is False
    ApiKey.objects.filter(pk=key.pk).update(revoked=True)
    with django_assert_num_queries(1):  # one query, the join included
        (again,) = KEY(key.prefix)
    assert again.revoked is True and again.service_account.pk == key.service_account_id


def test_a_stand_in_django_rewrites_is_refused():
    UnitFactory(code="AB")
    starts = PreparedQuery(lambda code: Unit.objects.filter(code__startswith=code), "A")
    with pytest.raises(ValueError, match="stand-in"):
        starts("A")  # sent as "A%": swapping it back would be a different query


def test_a_values_list_query_answers_tuples_as_the_queryset_does():
    parent = UnitFactory(code="P1")
    children = [UnitFactory(code=f"P1-{n}", parent=parent) for n in range(2)]
    below = PreparedQuery(
        lambda code: Unit.objects.filter(parent__code=code).order_by("code").values_list("pk", "code"), "stand-in")
    assert below("P1") == list(Unit.objects.filter(parent=parent).order_by("code").values_list("pk", "code"))
    assert [code for _pk, code in below("P1")] == [unit.code for unit in children]
