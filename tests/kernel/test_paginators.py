"""Counting at most a capped number of rows, and paging on past the cap, in the admin and the API."""

import pytest

from departments.models import Unit
from kernel import paginators
from kernel.paginators import BoundedCountPaginator, bounded_count
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(cast):
    made = [UnitFactory(parent=cast.unit_a, code=f"Z{n:02d}") for n in range(7)]
    return Unit.objects.filter(pk__in=[u.pk for u in made]).order_by("code")


def test_count_is_exact_up_to_the_cap_and_cap_plus_one_past_it_when_filtered(units):
    assert bounded_count(units, cap=10) == 7
    assert bounded_count(units, cap=3) == 4


def test_unfiltered_count_past_the_cap_is_the_planners_estimate(cast, units):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE departments_unit")
    estimate = bounded_count(Unit.objects.all(), cap=2)
    assert estimate == max(Unit.objects.count(), 3)  # after ANALYZE the estimate is the table; never below 3


def test_pages_past_the_cap_hold_every_row_once(units, monkeypatch):
    monkeypatch.setattr(paginators, "COUNT_CAP", 3)
    paginator = BoundedCountPaginator(units, 2)
    assert not paginator.count_exact
    pages = [paginator.page(n) for n in (1, 2, 3, 4)]
    assert [[u.code for u in page] for page in pages] == [["Z00", "Z01"], ["Z02", "Z03"], ["Z04", "Z05"], ["Z06"]]
    assert [page.has_next() for page in pages] == [True, True, True, False]
    with pytest.raises(paginators.EmptyPage):
        paginator.page(5)


def test_api_list_past_the_cap_says_its_count_is_not_exact_and_pages_on(cast, client_as, units, monkeypatch):
    monkeypatch.setattr(paginators, "COUNT_CAP", 3)
    client = client_as("staff_a")  # a scoped list: filtered, so its count past the cap is cap + 1
    first = client.get("/api/v1/units/", {"page_size": 2}).json()
    assert (first["count"], first["count_exact"]) == (4, False) and first["next"]
    codes, url = [], "/api/v1/units/?page_size=2"
    while url:
        body = client.get(url).json()
        codes += [row["code"] for row in body["results"]]
        url = body["next"]
    assert len(codes) == len(set(codes)) == Unit.objects.filter(path__startswith=cast.unit_a.path).count()


def test_api_list_under_the_cap_counts_exactly(cast, client_as, units):
    body = client_as("reviewer").get("/api/v1/units/").json()
    assert body["count_exact"] is True and body["count"] == Unit.objects.count()


def test_a_page_with_nothing_after_it_is_its_own_count_without_a_count_query(units, django_assert_num_queries):
    with django_assert_num_queries(1):  # the page, one row longer than asked: none follows
        paginator = BoundedCountPaginator(units, 5)
        page = paginator.page("2")
        assert (paginator.count, paginator.count_exact, [u.code for u in page]) == (7, True, ["Z05", "Z06"])
    with django_assert_num_queries(1):
        empty = BoundedCountPaginator(units.filter(code="none"), 5)
        assert (len(empty.page(1)), empty.count, empty.page(1).has_next()) == (0, 0, False)


def test_a_page_with_rows_after_it_also_counts_and_pages_as_django_does(units, django_assert_num_queries):
    from django.core.paginator import Paginator

    for number in (1, 2, 3):
        with django_assert_num_queries(2 if number < 3 else 1):  # the page (+1 row), then the capped count
            ours = BoundedCountPaginator(units, 3)
            page = ours.page(number)
            facts = (ours.count, ours.num_pages, [u.code for u in page], page.has_next(), page.has_previous(),
                     page.start_index(), page.end_index())
        django = Paginator(units, 3)
        theirs = django.page(number)
        assert facts == (django.count, django.num_pages, [u.code for u in theirs], theirs.has_next(),
                         theirs.has_previous(), theirs.start_index(), theirs.end_index())


def test_a_page_past_the_end_is_refused_as_before(units):
    from django.core.paginator import PageNotAnInteger

    with pytest.raises(paginators.EmptyPage):
        BoundedCountPaginator(units, 5).page(3)
    with pytest.raises(PageNotAnInteger):
        BoundedCountPaginator(units, 5).page("x")


def test_a_page_far_past_the_end_is_counted_first_and_refused(cast, client_as, units):
    # Read first, an OFFSET of 10**21 would be a database error; counted first, it is a page past the end.
    response = client_as("reviewer").get("/api/v1/units/", {"page": "669598161455865004032"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "page"
