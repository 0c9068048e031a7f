"""One JSON error shape for the whole API.

    {"status": 400, "code": "invalid", "message": "...", "message_en": "...",
     "errors": [{"field": "period", "code": "invalid", "message": "...", "message_en": "..."}]}

`field` is a dotted path into the request body or query ("dossiers.3.due_at"), null when the error
is about the request as a whole.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from kernel.bilingual import both_languages
from kernel.errors import BatchRejected, Conflict, ServiceError

NON_FIELD_KEYS = {"non_field_errors", "__all__", "detail"}


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return service_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        # Model validation raised inside a service is bad input too, not a server error.
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        # One message for every missing or out-of-scope object: it must not reveal what exists.
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    errors = list(_flatten(detail))
    if isinstance(exc, exceptions.ValidationError) or response.status_code == status.HTTP_400_BAD_REQUEST:
        summary = both_languages(_("Dữ liệu gửi lên không hợp lệ."))
        code = "invalid"
    else:
        summary = {"message": errors[0]["message"], "message_en": errors[0]["message_en"]}
        code = errors[0]["code"]
    response.data = {"status": response.status_code, "code": code, **summary, "errors": errors}
    return response


def service_error_response(exc):
    """Answer a domain error in the same shape, with what a conflict or a rejected batch needs."""
    message = both_languages(exc.message)
    body = {
        "status": exc.status, "code": exc.code, **message,
        "errors": [{"field": exc.field, "code": exc.code, **message}],
    }
    if isinstance(exc, Conflict):
        body["current"] = exc.current
    if isinstance(exc, BatchRejected):
        body["summary"] = exc.summary
    return Response(body, status=exc.status)


def _flatten(detail, path=()):
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, path if key in NON_FIELD_KEYS else (*path, str(key)))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            nested = isinstance(item, (dict, list))
            yield from _flatten(item, (*path, str(index)) if nested else path)
    else:
        yield {
            "field": ".".join(path) or None,
            "code": getattr(detail, "code", None) or "error",
            **both_languages(detail),
        }
