"""The OpenAPI schema tells the truth about every operation: the error answers it can give, and page limits.

Every operation answers errors in the one shape of `kernel.api.errors`; which codes an operation can
give follows from the mechanism (authentication, key scopes, throttling, parsers, path parameters),
so they are documented here once, not per view. A view's own `extend_schema(responses=...)` wins for
the codes it names.
"""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.parsers import MultiPartParser

from .serializers import ApiConflictSerializer, ApiErrorSerializer

BODY_METHODS = {"POST", "PUT", "PATCH"}
WRITE_METHODS = BODY_METHODS | {"DELETE"}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, plus the error answers and the page limits every operation has."""

    def error_codes(self):
        """Return {status: serializer} of the errors this operation can answer."""
        codes = {
            400: ApiErrorSerializer,  # bad query or body, in the one error shape
            401: ApiErrorSerializer,  # missing, invalid, revoked or expired credentials
            403: ApiErrorSerializer,  # the role or the key's scopes do not allow it
            404: ApiErrorSerializer,  # an object (or a code in the query) missing or out of the caller's scope
            429: ApiErrorSerializer,  # the rate limit of the key or user
        }
        if self.method in WRITE_METHODS:
            codes[409] = ApiConflictSerializer  # a stale version or a rule about the current state
        if self.method in BODY_METHODS:
            codes[415] = ApiErrorSerializer  # a content type no parser of the view reads
            if any(isinstance(parser, MultiPartParser) for parser in self.view.get_parsers()):
                codes[413] = ApiErrorSerializer  # uploads and imports have a size limit
        return codes

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        for code, serializer in self.error_codes().items():
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(serializer, str(code), direction=direction)
        return bodies

    def _get_pagination_parameters(self):
        """Say what the paginator accepts: pages from 1, page sizes from 1 to API_MAX_PAGE_SIZE."""
        parameters = super()._get_pagination_parameters()
        limits = {"page": {"minimum": 1}, "page_size": {"minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE}}
        for parameter in parameters:
            parameter["schema"] = {**parameter.get("schema", {}), **limits.get(parameter["name"], {})}
        return parameters
