from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from ..paginators import COUNT_CAP, BoundedCountPaginator, ascii_digits


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (capped at API_MAX_PAGE_SIZE); a bad value is a 400 naming the field."""

    page_size_query_param = "page_size"

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (ascii_digits(raw) and int(raw) > 0):
            raise ValidationError({"page_size": [_("Kích thước trang phải là số nguyên dương.")]})
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and not ascii_digits(raw):
            raise ValidationError({"page": [_("Trang không hợp lệ hoặc vượt quá số trang.")]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise ValidationError({"page": [_("Trang không hợp lệ hoặc vượt quá số trang.")]}) from None

    # A page of a million rows must not count them all: the count is exact up to COUNT_CAP rows and says so.
    django_paginator_class = BoundedCountPaginator

    def get_paginated_response(self, data):
        count = self.page.paginator.count
        return Response({"count": count, "count_exact": self.page.paginator.count_exact, "next": self.get_next_link(),
                         "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = _(
            "Số dòng: chính xác đến %(cap)s; quá số đó là ước tính (count_exact = false).") % {"cap": f"{COUNT_CAP:,}"}
        schema["properties"]["count_exact"] = {"type": "boolean"}
        schema["required"] = [*schema.get("required", []), "count_exact"]
        return schema
