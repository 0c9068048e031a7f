"""API rate limits: per key for external systems, per person for people, per address for everyone else.

Rates are read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] when a request comes, not when this module
is imported, so a changed setting (an override in a test, a reloaded configuration) applies at once.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiKey


class LiveRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


def _by_key(request):
    return isinstance(getattr(request, "auth", None), ApiKey)


class ApiKeyRateThrottle(LiveRateThrottle):
    """Limit each API key on its own, whoever else shares the service account."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if not _by_key(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class PersonRateThrottle(LiveRateThrottle):
    """Limit each signed-in person; a key's service account is limited per key instead, never here."""

    scope = "user"

    def get_cache_key(self, request, view):
        if _by_key(request) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AddressRateThrottle(LiveRateThrottle):
    """Limit requests that no valid credential vouches for, per client address.

    Counted by the authentication classes, not by DRF's throttle step: that step runs after
    authentication and permissions, so a request answered 401 would never reach it.
    """

    scope = "anon"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def wait(self):
        # Never less than a second: clients read Retry-After as whole seconds.
        return max(super().wait() or 0, 1)
