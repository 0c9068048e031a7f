from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


def ascii_digits(raw):
    """Return whether `raw` is only 0-9: str.isdigit() also accepts "²" and "٣", which int() reads or chokes on."""
    return raw.isascii() and raw.isdigit()


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
