from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from ..filters import UnitFilter
from ..models import ApiResource, Role
from ..policy import Actor, units_visible_to
from .permissions import CALLER_ITSELF
from .serializers import MeSerializer, UnitSerializer


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units of the organisation the caller may see; others answer 404 as if they did not exist."""

    api_resource = ApiResource.UNITS
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    lookup_field = "code"
    lookup_value_regex = "[^/\\x00]+"  # PostgreSQL cannot even compare text with a NUL in it

    def get_queryset(self):
        actor = Actor.from_request(self.request)
        return units_visible_to(actor).select_related("parent", "successor")


class MeView(APIView):
    """Who is calling: the person or key, its role and its units."""

    api_resource = CALLER_ITSELF

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        actor = Actor.from_request(request)
        user = request.user
        data = {
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "role": actor.role.value if actor.role else None,
            "role_label": str(Role(actor.role).label) if actor.role else None,
            "units": list(actor.home_units.order_by("path")),
            "api_key": actor.api_key,
        }
        return Response(MeSerializer(data).data)
