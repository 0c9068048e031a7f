"""Admin list pages over large tables: no full COUNT, no facet counts, no date drill-down over all rows."""

from django.contrib import admin

from .paginators import BoundedCountPaginator


class LargeListMixin:
    """For a ModelAdmin over a table that grows with the data (dossiers, their history, values, audit).

    The list counts at most a capped number of rows (kernel.paginators), never the whole table a second time
    for "N of M", and never the per-choice counts of the filters; leave `date_hierarchy` unset, since its
    drill-down reads the distinct dates of every row.
    """

    paginator = BoundedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
