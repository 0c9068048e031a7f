"""Paginators for lists over tables too large to count on every load.

A bare `count(*)` over a million rows reads them all; a list only needs to know whether there is a next page.
So the count stops at a cap (`SELECT count(*) FROM (... LIMIT cap + 1)`), which reads at most that many rows
of the index the list is ordered by. Past the cap the count is the planner's estimate for an unfiltered
table (else the cap), and a page is read as one slice one row longer than the page, which tells whether
another page follows: pages past the estimate still work, none is cut short by an inexact count.

A page is read first, one row longer than the page: when no row follows it, the rows before it and on it are
the whole count (a short list, the last page), and no count query is sent. Only a page with more rows after
it needs the capped count.
"""

from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def capped_count(queryset, cap):
    """Return the number of rows of `queryset`, counting at most `cap` + 1 of them."""
    # Only the ids: annotations (a subquery per row) and joins of the page itself have no place in a count.
    return queryset.order_by().values("pk")[: cap + 1].count()


def estimated_rows(model, using="default"):
    """Return the planner's estimate of a table's rows (PostgreSQL's pg_class), or None elsewhere or if unknown."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        row = cursor.fetchone()
    return row[0] if row and row[0] and row[0] > 0 else None


def bounded_count(queryset, cap=None):
    """Return the rows of `queryset`, exactly up to `cap`; past it an estimate when unfiltered, else cap + 1."""
    cap = COUNT_CAP if cap is None else cap
    counted = capped_count(queryset, cap)
    if counted <= cap or queryset.query.where:
        return counted
    return max(estimated_rows(queryset.model, queryset.db) or 0, counted)


class OpenEndedPage(Page):
    """A page past the exact count: whether another follows is known from the row read beyond it."""

    def __init__(self, object_list, number, paginator, *, more):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self):
        return self.more

    def end_index(self):
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class BoundedCountPaginator(Paginator):
    """A paginator that never counts more than COUNT_CAP rows (see the module's docstring)."""

    @cached_property
    def cap(self):
        return COUNT_CAP  # read when used, so that a test may lower it

    @cached_property
    def count(self):
        if hasattr(self.object_list, "query"):
            return bounded_count(self.object_list, self.cap)
        return super().count

    @property
    def count_exact(self):
        return self.count <= self.cap

    def validate_number(self, number):
        """Past the exact count any page from 1 on is valid; reading it tells whether it holds rows."""
        if self.count_exact:
            return super().validate_number(number)
        try:
            whole = int(number)
        except (TypeError, ValueError):
            whole = None
        if whole is None or whole < 1 or whole != number and str(whole) != str(number):
            return super().validate_number(number)  # raises Django's own PageNotAnInteger or EmptyPage
        return whole

    def page(self, number):
        whole = _page_number(number)
        # Counted already (the admin counts first, and pages a queryset it may edit): the page as it was.
        counted = "count" in self.__dict__
        if counted or whole is None or not hasattr(self.object_list, "query") or self.orphans:
            return self._counted_page(number)
        bottom = (whole - 1) * self.per_page
        if bottom > self.cap:  # only a count up to the cap comes from a page; and an OFFSET of 10**21 is an error
            return self._counted_page(number)
        rows = list(self.object_list[bottom: bottom + self.per_page + 1])
        if len(rows) <= self.per_page and (rows or whole == 1) and bottom + len(rows) <= self.cap:
            self.__dict__["count"] = bottom + len(rows)  # nothing follows: this is the count, exactly
            return self._get_page(rows, whole, self)
        return self._counted_page(whole, rows)

    def _counted_page(self, number, rows=None):
        """Return the page the count allows; `rows`, if given, are the page's rows and the one after it."""
        if self.count_exact:
            if rows is None:
                return super().page(number)
            return self._get_page(rows[: self.per_page], self.validate_number(number), self)
        number = self.validate_number(number)
        if rows is None:
            bottom = (number - 1) * self.per_page
            rows = list(self.object_list[bottom: bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return OpenEndedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


def ascii_digits(raw):
    """Return whether `raw` is only 0-9: str.isdigit() also accepts "²" and "٣", which int() reads or chokes on."""
    return raw.isascii() and raw.isdigit()


def _page_number(number):
    """Return `number` as a page number from 1 on if it plainly is one (1, "2"), else None."""
    if isinstance(number, int) and not isinstance(number, bool):
        whole = number
    elif isinstance(number, str) and ascii_digits(number):
        whole = int(number)
    else:
        return None
    return whole if whole >= 1 else None
