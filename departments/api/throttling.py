from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiKey


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Limit each API key on its own, whoever else shares the service account."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if not isinstance(getattr(request, "auth", None), ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
