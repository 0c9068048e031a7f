"""API rate limits: per key for external systems, per person for people, per address for everyone else.

Rates are read from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] when a request comes, not when this module
is imported, so a changed setting (an override in a test, a reloaded configuration) applies at once.

On Redis (production) a window is a sorted set of request times, checked and recorded by one script in one
round trip: DRF's own throttle reads the whole history list and writes it back (two round trips, a pickle of
up to one float per request in the window, and two concurrent requests may both read the old list and count
once). The limits, the 429 answer and its Retry-After are DRF's: the same sliding window and the same
`wait()`. Other caches (local memory in development) keep DRF's list.
"""

import uuid

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiKey

# KEYS[1] the window; ARGV now, duration (s), limit, a unique member. Drops the times at or before
# now - duration (DRF's `history[-1] <= now - duration`), refuses at the limit without recording, else records
# now. Returns {allowed, requests in the window before this one, the oldest time in it or false}.
WINDOW_SCRIPT = """
local now, duration, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
local count = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2] or false
if count >= limit then
  return {0, count, oldest}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(duration * 1000))
return {1, count, oldest}
"""
# Redis server -> the script registered on a client of it. Django builds a cache (and its pools) per thread
# and a client per call; one client per server, safe to share across threads, spares both.
_scripts = {}


def _window_script(cache, key):
    server = cache._cache._servers[0]  # where Django's Redis cache writes
    script = _scripts.get(server)
    if script is None:
        script = _scripts.setdefault(server, cache._cache.get_client(key, write=True).register_script(WINDOW_SCRIPT))
    return script


class LiveRateThrottle(SimpleRateThrottle):
    # Not DRF's `throttle_...`: a sorted set under a key the list of older code holds (or will hold again
    # after a rollback) would fail every request of that window with WRONGTYPE.
    cache_format = "throttle_window_%(scope)s_%(ident)s"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        cache = caches["default"]  # the backend itself: `django.core.cache.cache` is a proxy to it
        if self.rate is None or not isinstance(cache, RedisCache):
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        redis_key = cache.make_and_validate_key(self.key)  # so that cache.delete(key) clears the window too
        allowed, count, oldest = _window_script(cache, redis_key)(
            keys=[redis_key], args=[repr(self.now), self.duration, self.num_requests, uuid.uuid4().hex])
        if allowed:
            return True
        # DRF's wait() reads of its list only the length and the last (oldest) time: give it those.
        self.history = [float(oldest)] * count if oldest else []
        return False


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
