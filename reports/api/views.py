"""The reports API: request a report, follow it, download its files.

Who sees which report is `reports.selectors.reports_visible_to` (the policy's); who may request which
scope, and whether the same data already has a report, is `reports.services.report_request`'s.
"""

import django_filters
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from departments.models import ApiResource
from departments.policy import Actor
from indicators.filters import PeriodFilter
from kernel.api.serializers import ERROR_RESPONSES as ERRORS
from kernel.api.serializers import ApiErrorSerializer
from kernel.errors import Conflict

from ..models import FileFormat, Report, ReportKind, ReportStatus
from ..selectors import CONTENT_TYPES, report_file_name, reports_visible_to
from ..services import report_request
from . import serializers as s

NOT_READY = {
    ReportStatus.QUEUED: _("Báo cáo đang chờ được tạo; hãy tải về khi trạng thái là “Hoàn thành”."),
    ReportStatus.RUNNING: _("Báo cáo đang được tạo; hãy tải về khi trạng thái là “Hoàn thành”."),
    ReportStatus.FAILED: _("Tạo báo cáo không thành công nên không có tệp để tải; hãy yêu cầu tạo lại."),
}
REPORT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class ReportFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices, label=_("Loại báo cáo"))
    period = PeriodFilter(field_name="period", label=_("Kỳ báo cáo (2023, 2023Q3, 202308)"))
    unit = django_filters.CharFilter(field_name="unit__code", label=_("Mã đơn vị"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Trạng thái"))

    class Meta:
        model = Report
        fields = ["kind", "period", "unit", "status"]


class FileNegotiation(DefaultContentNegotiation):
    """Answer in JSON whatever `?format=` says: on a download it names the file, not the renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema_view(
    list=extend_schema(summary="Báo cáo mà người gọi được xem"),
    retrieve=extend_schema(summary="Một báo cáo: trạng thái, tóm tắt và các tệp", parameters=[REPORT_ID],
                           responses={200: s.ReportSerializer, **ERRORS}),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Compliance reports: staff see their units', reviewers and administrators all, keys their units'.

    A report outside what the caller may see answers 404, exactly as one that does not exist.
    """

    api_resource = ApiResource.REPORTS
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilter
    lookup_value_regex = "[0-9]+"

    @property
    def actor(self):
        return Actor.from_request(self.request)

    def get_queryset(self):
        return (reports_visible_to(self.actor)
                .select_related("unit", "requested_by", "requested_by_key")
                .prefetch_related("files")
                .order_by("-created_at", "-pk"))

    @extend_schema(
        summary="Yêu cầu tạo báo cáo",
        description=("202: báo cáo mới (hoặc báo cáo lỗi) đã vào hàng đợi; 200: đã có báo cáo cho đúng dữ liệu này, "
                     "trả về báo cáo đó. 503: hàng đợi xử lý tạm thời không hoạt động."),
        request=s.ReportRequestSerializer,
        responses={202: s.ReportSerializer, 200: s.ReportSerializer, 503: ApiErrorSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        serializer = s.ReportRequestSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        report, created = report_request(actor=self.actor, **serializer.validated_data)
        report = self.get_queryset().filter(pk=report.pk).first() or report  # fresh, with its files
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(self.get_serializer(report).data, status=code)

    @extend_schema(
        summary="Tải tệp báo cáo",
        parameters=[REPORT_ID, s.DownloadQuerySerializer],
        responses={
            (200, CONTENT_TYPES[FileFormat.XLSX]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, CONTENT_TYPES[FileFormat.PDF]): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(s.ReportConflictSerializer, description="Báo cáo chưa tạo xong."),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], renderer_classes=[JSONRenderer],
            content_negotiation_class=FileNegotiation)
    def download(self, request, pk=None, **kwargs):
        report = self.get_object()
        query = s.DownloadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        fmt = query.validated_data["format"]
        if report.status != ReportStatus.DONE:
            raise Conflict(NOT_READY[report.status], field="id", code="not_ready",
                           current={"id": report.pk, "status": report.status})
        stored = next((f for f in report.files.all() if f.format == fmt), None)
        if stored is None:
            raise NotFound()
        try:
            handle = stored.file.open("rb")
        except FileNotFoundError:
            raise NotFound() from None
        return FileResponse(handle, as_attachment=True, filename=report_file_name(report, fmt),
                            content_type=CONTENT_TYPES[fmt])
