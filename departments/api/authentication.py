"""`Authorization: Api-Key <key>` for external systems; the request then acts as the key's service account.

Requests without a valid credential are counted per address here, during authentication: DRF checks
throttles only after authentication and permissions, so a 401 would otherwise never be throttled.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from kernel.prepared import PreparedQuery

from ..models import ApiKey
from ..services import api_key_record_use
from .throttling import AddressRateThrottle

KEYWORD = "Api-Key"
# Every API request reads its key (afresh: a revoked key fails on the next request); only the SQL is kept.
KEY_BY_PREFIX = PreparedQuery(
    lambda prefix: ApiKey.objects.select_related("service_account").filter(prefix=prefix), "prefix-stand-in")


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, secret = header.partition(" ")
        if keyword != KEYWORD:
            return None
        try:
            api_key = self._usable_key(secret.strip())
        except exceptions.AuthenticationFailed:
            count_unauthenticated(request)  # a guessed key counts against its address, then answers 401
            raise
        api_key_record_use(api_key=api_key)
        return api_key.service_account, api_key

    def authenticate_header(self, request):
        return KEYWORD

    def _usable_key(self, secret):
        prefix = secret.partition(".")[0]
        api_key = next(iter(KEY_BY_PREFIX(prefix)), None)  # the prefix is unique: one row or none
        if api_key is None or not api_key.is_valid(secret):
            raise exceptions.AuthenticationFailed(_("Khóa API không hợp lệ."), code="api_key_invalid")
        if api_key.revoked:
            raise exceptions.AuthenticationFailed(_("Khóa API đã bị thu hồi."), code="api_key_revoked")
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(_("Khóa API đã hết hạn."), code="api_key_expired")
        if not api_key.service_account.is_active:
            raise exceptions.AuthenticationFailed(
                _("Tài khoản hệ thống của khóa API đã bị khóa."), code="api_key_account_inactive"
            )
        return api_key


def count_unauthenticated(request):
    """Count a request no valid credential vouches for against its address; raise Throttled (429) when over."""
    throttle = AddressRateThrottle()
    if not throttle.allow_request(request, None):
        raise exceptions.Throttled(wait=throttle.wait())


class AnonymousAddressThrottle(authentication.BaseAuthentication):
    """Last in the list: reached only when no other class authenticated the request; it never authenticates."""

    def authenticate(self, request):
        count_unauthenticated(request)
        return None
