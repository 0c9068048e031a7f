from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from ..models import Role
from ..policy import Actor, key_allows

# Declared by endpoints about the caller itself (such as /me/): any valid key may read them.
CALLER_ITSELF = "caller-itself"


class ApiKeyScopePermission(permissions.BasePermission):
    """Keys need the view's resource scope; service accounts may not use a session.

    A view that declares no `api_resource` refuses every key: forgetting to declare one must close
    the endpoint, not open it.
    """

    message = _("Khóa API không có quyền với tài nguyên này.")

    def has_permission(self, request, view):
        actor = Actor.from_request(request)
        if actor.api_key is None:
            # A service account acts only through its keys, never through a login session.
            return actor.role != Role.EXTERNAL_SYSTEM
        resource = getattr(view, "api_resource", None)
        if resource is None:
            return False
        if resource == CALLER_ITSELF:
            return True
        access = "read" if request.method in permissions.SAFE_METHODS else "write"
        return key_allows(actor, resource, access)
