"""The indicator API: thin views that translate input, call a service or selector, and serialize.

Access is the policy's (`departments.policy`) and the services'; a view only asks. Frameworks and
indicators are read-only here (administrators edit them in the admin); targets are written through
the API by administrators.
"""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, UnsupportedMediaType, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from departments.api.base import ActorMixin
from departments.models import ApiResource
from departments.policy import Actor, can_manage_catalogues, can_see_review_trail
from kernel.api.parsers import CsvParser, JSONParser, MultiPartParser
from kernel.api.serializers import ERROR_RESPONSES as ERRORS
from kernel.api.serializers import ApiErrorSerializer
from kernel.errors import NotAllowed

from ..catalogue import target_create, target_delete, target_update
from ..filters import IndicatorFilter, IndicatorValueFilter, TargetFilter
from ..imports import rows_from_csv, values_import
from ..models import AuditChannel, Comment, Evidence, Framework, Indicator, Target
from ..selectors import progress, values_visible_to
from ..services import (
    comment_add,
    evidence_add,
    evidence_remove,
    value_approve,
    value_create,
    value_reopen,
    value_return,
    value_submit,
    value_update,
)
from . import serializers as s

API = AuditChannel.API
MULTIPART_ONLY = _("Hãy gửi tệp dạng multipart/form-data, trong trường “file”.")
REVIEW_TRAIL_CLOSED = _("Chỉ đơn vị của số liệu, người duyệt và quản trị viên mới xem được quá trình duyệt "
                        "(nhật ký, trao đổi) của số liệu này.")
IMPORT_FORMATS = _("Định dạng không được hỗ trợ: gửi JSON (application/json), CSV (text/csv) hoặc tệp CSV "
                   "(multipart/form-data, trường “file”).")


class CatalogueWritePermission(permissions.BasePermission):
    """Reading catalogues is for everyone signed in; changing them, for whom the policy allows."""

    message = _("Chỉ quản trị viên mới được sửa danh mục chỉ tiêu.")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or can_manage_catalogues(Actor.from_request(request))


def body_of(request, unsupported_message):
    """Return the parsed body; an unsupported content type is a 415 that says what to send instead."""
    try:
        return request.data
    except UnsupportedMediaType:
        raise UnsupportedMediaType(request.content_type, detail=unsupported_message) from None


# --- catalogue ------------------------------------------------------------------------------------


class FrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    """Indicator frameworks with their pillars (read-only: administrators edit them in the admin)."""

    api_resource = ApiResource.INDICATORS
    serializer_class = s.FrameworkSerializer
    queryset = Framework.objects.prefetch_related("pillars")
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"  # a slug


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """The indicator catalogue (read-only: administrators edit it in the admin)."""

    api_resource = ApiResource.INDICATORS
    serializer_class = s.IndicatorSerializer
    queryset = Indicator.objects.select_related("framework", "pillar")
    filterset_class = IndicatorFilter
    lookup_field = "code"
    lookup_value_regex = "[^/\\x00]+"  # PostgreSQL cannot even compare text with a NUL in it


@extend_schema_view(
    create=extend_schema(request=s.TargetWriteSerializer,
                         responses={201: s.TargetSerializer, 409: s.ApiConflictSerializer, **ERRORS}),
    partial_update=extend_schema(request=s.TargetWriteSerializer,
                                 responses={200: s.TargetSerializer, 409: s.ApiConflictSerializer, **ERRORS}),
    destroy=extend_schema(responses={204: None, **ERRORS}),
)
class TargetViewSet(ActorMixin, viewsets.ModelViewSet):
    """Targets per indicator and year (optionally per unit), each from a decision; administrators write."""

    api_resource = ApiResource.INDICATORS
    serializer_class = s.TargetSerializer
    queryset = Target.objects.select_related("indicator", "unit")
    filterset_class = TargetFilter
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, CatalogueWritePermission]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def create(self, request, *args, **kwargs):
        data = self.valid(s.TargetWriteSerializer, request.data)
        target = target_create(actor=self.actor, **data)
        return Response(self.get_serializer(target).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        target = self.get_object()
        changes = self.valid(s.TargetWriteSerializer, request.data, partial=True)
        target = target_update(target=target, actor=self.actor, changes=changes)
        return Response(self.get_serializer(target).data)

    def destroy(self, request, *args, **kwargs):
        target_delete(target=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- values ---------------------------------------------------------------------------------------

VALUE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
EVIDENCE_ID = OpenApiParameter("evidence_id", OpenApiTypes.INT, OpenApiParameter.PATH)
VALUE_ANSWERS = {200: s.IndicatorValueSerializer, 409: s.ApiConflictSerializer, **ERRORS}


def _transition_schema(summary, request):
    return extend_schema(summary=summary, request=request, responses=VALUE_ANSWERS, parameters=[VALUE_ID])


@extend_schema_view(
    list=extend_schema(summary="Số liệu chỉ tiêu mà người gọi được xem"),
    retrieve=extend_schema(parameters=[VALUE_ID]),
    create=extend_schema(request=s.IndicatorValueCreateSerializer,
                         responses={201: s.IndicatorValueSerializer, 409: s.ApiConflictSerializer, **ERRORS}),
    update=extend_schema(request=s.IndicatorValueUpdateSerializer, responses=VALUE_ANSWERS, parameters=[VALUE_ID]),
    partial_update=extend_schema(request=s.IndicatorValueUpdateSerializer, responses=VALUE_ANSWERS,
                                 parameters=[VALUE_ID]),
)
class IndicatorValueViewSet(ActorMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Indicator values: the caller's own units in any state, other units' once approved.

    A value outside what the caller may see answers 404, exactly as one that does not exist.
    """

    api_resource = ApiResource.INDICATOR_VALUES
    serializer_class = s.IndicatorValueSerializer
    filterset_class = IndicatorValueFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        comments = (Comment.objects.filter(value=OuterRef("pk")).order_by().values("value")
                    .annotate(count=Count("pk")).values("count"))
        return (
            values_visible_to(self.actor)
            .select_related("indicator", "unit", "created_by", "updated_by", "reviewed_by")
            .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")))
            .annotate(comment_count=Coalesce(Subquery(comments, output_field=IntegerField()), 0))
            .order_by("-period_start", "indicator_id", "unit_id", "pk")  # the index value_period_list, not codes
        )

    def answer(self, value, status_code=status.HTTP_200_OK):
        """Serialize a value as the caller now sees it (fresh numbers, evidence and counts)."""
        return Response(self.get_serializer(self.get_queryset().get(pk=value.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        data = self.valid(s.IndicatorValueCreateSerializer, request.data)
        value = value_create(actor=self.actor, channel=API, **data)
        return self.answer(value, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        value = self.get_object()
        data = self.valid(s.IndicatorValueUpdateSerializer, request.data, replace=not partial)
        version = data.pop("version")
        value = value_update(value=value, expected_version=version, actor=self.actor, channel=API, changes=data)
        return self.answer(value)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @_transition_schema("Gửi duyệt", s.VersionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        value = self.get_object()
        version = self.valid(s.VersionSerializer, request.data).get("version")
        return self.answer(value_submit(value=value, actor=self.actor, channel=API, expected_version=version))

    @_transition_schema("Duyệt (không bao giờ bởi người đã nhập hoặc sửa số liệu)", s.VersionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        value = self.get_object()
        version = self.valid(s.VersionSerializer, request.data).get("version")
        return self.answer(value_approve(value=value, actor=self.actor, channel=API, expected_version=version))

    @_transition_schema("Trả lại kèm lý do", s.ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        value = self.get_object()
        data = self.valid(s.ReasonSerializer, request.data)
        return self.answer(value_return(value=value, reason=data["reason"], actor=self.actor, channel=API,
                                        expected_version=data.get("version")))

    @_transition_schema("Mở lại số liệu đã duyệt kèm lý do", s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        value = self.get_object()
        data = self.valid(s.ReasonSerializer, request.data)
        return self.answer(value_reopen(value=value, reason=data["reason"], actor=self.actor, channel=API,
                                        expected_version=data.get("version")))

    def value_with_review_trail(self):
        """Return the value, if the caller may also read how it was reviewed; others see its figure only."""
        value = self.get_object()
        if not can_see_review_trail(self.actor, value):
            raise NotAllowed(REVIEW_TRAIL_CLOSED)
        return value

    def paged(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(summary="Nhật ký thay đổi", responses={200: s.AuditEntrySerializer(many=True), **ERRORS},
                   parameters=[VALUE_ID])
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        entries = self.value_with_review_trail().audit_entries.select_related("actor", "api_key").order_by("at", "pk")
        return self.paged(entries, s.AuditEntrySerializer)

    @extend_schema(summary="Minh chứng", responses={200: s.EvidenceSerializer(many=True), **ERRORS},
                   parameters=[VALUE_ID])
    @action(detail=True, methods=["get"], url_path="evidence", filter_backends=[], parser_classes=[MultiPartParser])
    def evidence(self, request, pk=None):
        files = self.get_object().evidence.select_related("uploaded_by").order_by("uploaded_at", "pk")
        return self.paged(files, s.EvidenceSerializer)

    @extend_schema(summary="Tải lên minh chứng", request={"multipart/form-data": s.EvidenceUploadSerializer},
                   responses={201: s.EvidenceSerializer, 415: ApiErrorSerializer, **ERRORS}, parameters=[VALUE_ID])
    @evidence.mapping.post
    def evidence_upload(self, request, pk=None):
        value = self.get_object()
        upload = self.valid(s.EvidenceUploadSerializer, body_of(request, MULTIPART_ONLY))["file"]
        evidence = evidence_add(value=value, upload=upload, actor=self.actor, channel=API)
        return Response(s.EvidenceSerializer(evidence, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def evidence_of_value(self, evidence_id):
        """Return one evidence file of a value the caller may see, else 404."""
        value = self.get_object()
        found = next((e for e in value.evidence.all() if e.pk == int(evidence_id)), None)
        if found is None:
            raise NotFound()
        return found

    @extend_schema(summary="Tải xuống minh chứng", parameters=[VALUE_ID, EVIDENCE_ID],
                   responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY), **ERRORS})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>[0-9]+)", url_name="evidence-file",
            filter_backends=[])
    def evidence_file(self, request, pk=None, evidence_id=None):
        evidence = self.evidence_of_value(evidence_id)
        try:
            stored = evidence.file.open("rb")
        except FileNotFoundError:
            raise NotFound() from None
        return FileResponse(stored, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)

    @extend_schema(summary="Xóa minh chứng", parameters=[VALUE_ID, EVIDENCE_ID], responses={204: None, **ERRORS})
    @evidence_file.mapping.delete
    def evidence_delete(self, request, pk=None, evidence_id=None):
        evidence_remove(evidence=self.evidence_of_value(evidence_id), actor=self.actor, channel=API)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Trao đổi", responses={200: s.CommentSerializer(many=True), **ERRORS},
                   parameters=[VALUE_ID])
    @action(detail=True, methods=["get"], filter_backends=[])
    def comments(self, request, pk=None):
        return self.paged(self.value_with_review_trail().comments.select_related("author"), s.CommentSerializer)

    @extend_schema(summary="Viết trao đổi", request=s.CommentCreateSerializer,
                   responses={201: s.CommentSerializer, **ERRORS}, parameters=[VALUE_ID])
    @comments.mapping.post
    def comment_create(self, request, pk=None):
        value = self.get_object()
        text = self.valid(s.CommentCreateSerializer, request.data)["text"]
        comment = comment_add(value=value, text=text, actor=self.actor, channel=API)
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Nhập nhiều số liệu (JSON hoặc CSV)",
        parameters=[s.ImportOptionsSerializer],
        request={"application/json": s.ImportValuesSerializer, "text/csv": OpenApiTypes.STR,
                 "multipart/form-data": s.ImportFileSerializer},
        responses={200: s.ImportSummarySerializer, 400: s.ImportRejectedSerializer, 415: ApiErrorSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import", filter_backends=[],
            parser_classes=[JSONParser, CsvParser, MultiPartParser])
    def import_values(self, request):
        options = self.valid(s.ImportOptionsSerializer, request.query_params)
        summary = values_import(rows=self.import_rows(request), actor=self.actor, channel=API, **options)
        return Response(summary)

    def import_rows(self, request):
        body = body_of(request, IMPORT_FORMATS)
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type == CsvParser.media_type:
            raw = body if isinstance(body, bytes) else b""  # an empty body parses as {}
            return self.csv_rows(rows_from_csv(raw), field="file")
        if media_type == "multipart/form-data":
            upload = self.valid(s.ImportFileSerializer, body)["file"]
            return self.csv_rows(rows_from_csv(upload.read()), field="file")
        return self.valid(s.ImportValuesSerializer, body)["values"]

    def csv_rows(self, rows, *, field):
        try:
            return s.clean_import_rows(rows)
        except ValidationError as error:
            raise ValidationError({field: error.detail}) from None


# --- progress -------------------------------------------------------------------------------------


class ProgressView(ActorMixin, APIView):
    """Progress to target per indicator × unit and for the province, from approved values only."""

    api_resource = ApiResource.INDICATOR_VALUES

    def get_serializer_context(self):
        return {"request": self.request, "view": self}

    @extend_schema(parameters=[s.ProgressQuerySerializer], responses={200: s.ProgressSerializer, **ERRORS})
    def get(self, request):
        query = self.valid(s.ProgressQuerySerializer, request.query_params)
        return Response(s.ProgressSerializer(progress(**query)).data)
