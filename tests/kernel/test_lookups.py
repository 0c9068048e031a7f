"""`__any_of`: one array parameter, typed as the column, and the same rows as `__in`."""

import pytest
from django.db import connection

from departments.models import Unit

from ..factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds(cast):
    extra = UnitFactory(parent=cast.unit_a)
    ids = [cast.unit_a.pk, extra.pk, 10**12]
    assert set(Unit.objects.filter(pk__any_of=ids)) == set(Unit.objects.filter(pk__in=ids)) == {cast.unit_a, extra}
    assert not Unit.objects.filter(pk__any_of=[]).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array parameter is PostgreSQL's")
def test_the_array_is_sent_as_the_columns_type():
    # Untyped, psycopg sends small ints as int2[]: PostgreSQL then compares bigint to smallint element by element
    # and prices the filter so high that a capped count starts parallel workers (12 ms instead of 2.5 ms).
    sql, params = Unit.objects.filter(pk__any_of=[1, 2]).query.sql_with_params()
    assert '"departments_unit"."id" = ANY(%s::bigint[])' in sql and params == ([1, 2],)
