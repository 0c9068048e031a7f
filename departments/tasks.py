from celery import shared_task

from .services import api_keys_revoke_expired


@shared_task(name="departments.revoke_expired_api_keys")
def revoke_expired_api_keys():
    """Mark keys past their expiry as revoked, so the admin shows what no longer works."""
    return api_keys_revoke_expired()
