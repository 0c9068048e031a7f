from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from departments.models import ApiResource

from ..models import Regime
from ..selectors import regime_periods
from . import serializers as s


class RegimeViewSet(viewsets.ReadOnlyModelViewSet):
    """Reporting regimes: what each period covers and when its report is due."""

    api_resource = ApiResource.INDICATORS  # regimes are part of the indicator catalogue
    serializer_class = s.RegimeSerializer
    queryset = Regime.objects.order_by("code")
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    @extend_schema(
        summary="Các kỳ của một năm theo chế độ báo cáo",
        parameters=[s.PeriodsQuerySerializer],  # the year's bounds and the frequencies, as the view checks them
        responses={200: s.WindowSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def periods(self, request, code=None):
        regime = self.get_object()
        query = s.PeriodsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        frequency = query.validated_data.get("frequency")
        if frequency and frequency not in regime.frequencies:
            raise ValidationError({"frequency": [s.FREQUENCY_NOT_IN_REGIME]})
        windows = regime_periods(regime, query.validated_data["year"], frequency=frequency)
        return Response(s.WindowSerializer(windows, many=True).data)
