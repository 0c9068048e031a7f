"""Request body parsers for the whole API: a size limit checked before the body is read, bounded JSON nesting.

The size comes from the declared Content-Length (DATA_UPLOAD_MAX_MEMORY_SIZE, which Django itself does
not apply to a body read as a stream), so an oversized body answers 413 without being read. JSON deeper
than API_MAX_JSON_DEPTH is a 400: no request needs it, and every recursive step after parsing
(validation, rendering an error) would otherwise risk a RecursionError, a 500.
"""

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, renderers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json as strict_json

from kernel.errors import TooLarge


def refuse_large_body(request):
    """Raise TooLarge (413) when the declared length is over the limit, before the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        raise TooLarge(_("Nội dung gửi lên quá lớn: tối đa %(max)s byte; hãy chia thành nhiều lần gửi.")
                           % {"max": limit})


def json_depth_exceeds(data, limit):
    """Return whether parsed JSON nests containers deeper than `limit`; iterative, so any depth is safe."""
    pending = [(data, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json_bytes(raw):
    """Return the JSON value of UTF-8 bytes, or raise ParseError (400) for bad, too deep or non-UTF-8 input."""
    try:
        data = strict_json.loads(raw.decode(settings.DEFAULT_CHARSET))  # NaN and Infinity refused, as DRF does
    except UnicodeDecodeError:
        raise ParseError(_("Nội dung không phải UTF-8.")) from None
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:
        raise ParseError(_("JSON không hợp lệ: %(reason)s") % {"reason": error}) from None
    if json_depth_exceeds(data, settings.API_MAX_JSON_DEPTH):
        raise _too_deep()
    return data


def _too_deep():
    return ParseError(_("JSON lồng nhau quá sâu: tối đa %(max)s cấp.") % {"max": settings.API_MAX_JSON_DEPTH})


class JSONParser(parsers.BaseParser):
    """JSON with the body limit and the nesting limit.

    Not a subclass of DRF's JSONParser: DRF reads `request.body` whole for those before calling them,
    and Django's own limit there answers a bare 400 page instead of this API's 413.
    """

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        refuse_large_body(parser_context["request"])
        if stream is None:
            return {}
        return parse_json_bytes(stream.read())


class RawBytesParser(parsers.BaseParser):
    """Hand the body over as bytes, once its declared size is allowed; the view decodes it in one pass."""

    def parse(self, stream, media_type=None, parser_context=None):
        refuse_large_body(parser_context["request"])
        return stream.read() if stream is not None else b""


class CsvParser(RawBytesParser):
    media_type = "text/csv"


class MultiPartParser(parsers.MultiPartParser):
    """Multipart with the body limit: files would otherwise stream to disk whatever their size."""

    def parse(self, stream, media_type=None, parser_context=None):
        refuse_large_body(parser_context["request"])
        return super().parse(stream, media_type, parser_context)


class FormParser(parsers.BaseParser):
    """URL-encoded forms with the body limit (not DRF's FormParser, for the reason JSONParser gives)."""

    media_type = "application/x-www-form-urlencoded"

    def parse(self, stream, media_type=None, parser_context=None):
        refuse_large_body(parser_context["request"])
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        return QueryDict(stream.read(), encoding=encoding)
