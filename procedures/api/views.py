"""The procedure API: thin views that translate input, call a service or selector, and serialize.

Access is the policy's (`departments.policy`) and the services': every signed-in role reads the
catalogue, `procedure_save` decides who changes a procedure, the selectors scope dossiers and
statistics, and `can_push_source_data` decides who pushes dossiers.
"""

import json

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, UnsupportedMediaType, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from departments.api.base import ActorMixin
from departments.models import ApiResource
from departments.policy import Actor, can_push_source_data
from indicators.models import AuditChannel
from kernel.api.serializers import ERROR_RESPONSES as ERRORS
from kernel.api.serializers import ApiErrorSerializer
from kernel.errors import ServiceError, TooLarge, UnsupportedFormat
from kernel.tabular import read_csv_rows, read_upload_rows

from ..dvcqg import SHAPE as DVCQG
from ..filters import DossierFilter, ProcedureFilter
from ..ingest import default_source, dossiers_import, rows_from_csv
from ..models import Component766, ImplementingLevel, LevelScheme, Procedure
from ..selectors import (
    COVERAGE_GROUPS,
    GROUPS,
    coverage,
    decision766_estimates,
    dossiers_visible_to,
    procedure_stats,
    procedure_stats_by_merge,
    with_official_scores,
)
from ..services import (
    MAX_OFFICIAL_ROWS,
    OFFICIAL_COLUMNS,
    ensure_may_add_procedures,
    official_scores_import,
    procedure_save,
)
from . import serializers as s

API = AuditChannel.API
ESTIMATE_NOTE = _("Điểm ước tính theo các quy tắc đã cấu hình (QĐ 766/QĐ-TTg), không phải điểm chính thức.")


class SourceDataPushPermission(permissions.BasePermission):
    """Only whom the policy allows push raw data from source systems."""

    message = _("Chỉ hệ thống nguồn (qua khóa API) và quản trị viên mới được gửi hồ sơ.")

    def has_permission(self, request, view):
        return can_push_source_data(Actor.from_request(request))


# --- catalogue ------------------------------------------------------------------------------------

PROCEDURE_CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Mã thủ tục.")


@extend_schema_view(
    list=extend_schema(summary="Danh mục thủ tục hành chính"),
    retrieve=extend_schema(parameters=[PROCEDURE_CODE]),
    create=extend_schema(request=s.ProcedureWriteSerializer, responses={201: s.ProcedureSerializer, **ERRORS}),
    partial_update=extend_schema(request=s.ProcedureUpdateSerializer, responses={200: s.ProcedureSerializer, **ERRORS},
                                 parameters=[PROCEDURE_CODE]),
)
class ProcedureViewSet(ActorMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The procedure catalogue: every signed-in role reads it; the responsible department keeps it current."""

    api_resource = ApiResource.PROCEDURES
    serializer_class = s.ProcedureSerializer
    queryset = Procedure.objects.select_related("field", "department")
    filterset_class = ProcedureFilter
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_object(self):
        if "\x00" in self.kwargs[self.lookup_field]:
            raise NotFound()  # no code holds a NUL byte, and PostgreSQL cannot compare one
        return super().get_object()

    def create(self, request, *args, **kwargs):
        ensure_may_add_procedures(actor=self.actor)  # refused before the body is read, as the admin refuses the page
        data = self.valid(s.ProcedureWriteSerializer, request.data)
        changed_on, scheme = data.pop("level_changed_on", None), data.pop("level_scheme", None)
        procedure = procedure_save(procedure=Procedure(**data), actor=self.actor, channel=API,
                                   level_changed_on=changed_on, scheme=scheme)
        return Response(self.get_serializer(procedure).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        procedure = self.get_object()
        changes = self.valid(s.ProcedureUpdateSerializer, request.data, partial=True)
        changed_on, scheme = changes.pop("level_changed_on", None), changes.pop("level_scheme", None)
        for name, value in changes.items():
            setattr(procedure, name, value)
        procedure = procedure_save(procedure=procedure, actor=self.actor, channel=API, level_changed_on=changed_on,
                                   scheme=scheme)
        return Response(self.get_serializer(procedure).data)

    @extend_schema(summary="Lịch sử thay đổi của thủ tục", parameters=[PROCEDURE_CODE],
                   responses={200: s.ProcedureChangeSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, code=None):
        changes = self.get_object().changes.select_related("actor", "api_key").order_by("at", "pk")
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(s.ProcedureChangeSerializer(page, many=True).data)

    @extend_schema(summary="Tỷ lệ thủ tục có dịch vụ trực tuyến, toàn trình vào một ngày",
                   parameters=[s.CoverageQuerySerializer], responses={200: s.CoverageSerializer, **ERRORS})
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def coverage(self, request):
        query = self.valid(s.CoverageQuerySerializer, request.query_params)
        on, group_by = query.get("on") or timezone.localdate(), query["group_by"]
        rows = coverage(on=on, group_by=group_by, department=query.get("department"))
        for row in rows:
            row["group"] = _coverage_group(row, group_by)
        scheme = LevelScheme.on(on)
        return Response(s.CoverageSerializer({"on": on, "group_by": group_by, "scheme": scheme, "rows": rows}).data)


def _coverage_group(row, group_by):
    if group_by == "level":
        return {"code": row["level"], "name": str(ImplementingLevel(row["level"]).label)}
    return s.group_of(row, COVERAGE_GROUPS[group_by])


# --- dossiers -------------------------------------------------------------------------------------

IMPORT_FORMATS = _("Định dạng không được hỗ trợ: gửi JSON (application/json), CSV (text/csv) hoặc tệp CSV "
                   "(multipart/form-data, trường “file”).")
IMPORT_SHAPES = ("portal", DVCQG)
DVCQG_JSON_ONLY = _("Dạng dvcqg chỉ nhận JSON (application/json): {\"dossiers\": [...]} hoặc một danh sách hồ sơ.")
TOO_MANY_ROWS = _("Quá nhiều hồ sơ trong một lần gửi: tối đa %(max)s.")
TOO_MANY_BYTES = _("Nội dung gửi lên quá lớn: tối đa %(max)s byte; hãy chia thành nhiều lần gửi.")


def _refuse_large_body(request):
    """Answer 413 from the declared length, before anything reads the body into memory."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        raise TooLarge(TOO_MANY_BYTES % {"max": limit})


class RawBodyParser(BaseParser):
    """Hand the body over as bytes, once its declared size is allowed; the view decodes it in one pass.

    The body is read here, through DRF, because a session's CSRF check may parse it before the view runs.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_large_body(parser_context["request"])
        return stream.read()


class JsonBytesParser(RawBodyParser):
    media_type = "application/json"


class CsvBytesParser(RawBodyParser):
    media_type = "text/csv"


class ImportNegotiation(DefaultContentNegotiation):
    """Read `?format=` of the import as the shape of the dossiers it sends, not as a renderer to answer in."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) in IMPORT_SHAPES:
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


class SizeCheckedMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_large_body(parser_context["request"])
        return super().parse(stream, media_type, parser_context)


@extend_schema_view(list=extend_schema(summary="Hồ sơ của các đơn vị mà người gọi được xem"))
class DossierViewSet(ActorMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Dossiers pushed by one-stop systems, scoped to the caller's units; pushed in batches through import."""

    api_resource = ApiResource.DOSSIERS
    serializer_class = s.DossierSerializer
    filterset_class = DossierFilter

    def get_queryset(self):
        # Ascending id is arrival order: stable pages while new batches arrive.
        return dossiers_visible_to(self.actor).select_related("procedure", "unit", "receiving_unit").order_by("pk")

    @extend_schema(
        summary="Nhận một lô hồ sơ (JSON, CSV hoặc tệp CSV)",
        parameters=[s.DossierImportOptionsSerializer],
        request={"application/json": s.DossierImportSerializer, "text/csv": OpenApiTypes.STR,
                 "multipart/form-data": s.DossierImportFileSerializer},
        responses={200: s.DossierImportSummarySerializer, 400: s.DossierImportRejectedSerializer,
                   403: ApiErrorSerializer, 413: ApiErrorSerializer, 415: ApiErrorSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import", filter_backends=[],
            parser_classes=[JsonBytesParser, CsvBytesParser, SizeCheckedMultiPartParser],
            content_negotiation_class=ImportNegotiation,
            permission_classes=[*api_settings.DEFAULT_PERMISSION_CLASSES, SourceDataPushPermission])
    def import_dossiers(self, request):
        options = self.valid(s.DossierImportOptionsSerializer, request.query_params)
        rows, body_source = _dossier_rows(request, shape=options["format"])
        limit = settings.DOSSIER_IMPORT_MAX_ROWS
        if len(rows) > limit:
            raise TooLarge(TOO_MANY_ROWS % {"max": limit}, field="dossiers")
        # A key names only a source recorded on it (the service refuses any other); by default its first.
        source = _clean_source(body_source) or options.get("source") or default_source(self.actor)
        summary = dossiers_import(rows=rows, source=source, actor=self.actor, channel=API,
                                  dry_run=options["dry_run"], partial=options["partial"], shape=options["format"])
        return Response(summary)


def _dossier_rows(request, shape="portal"):
    """Return (rows as plain dicts, the source named in the body or None); one parse, no serializer per row."""
    try:
        data = request.data
    except UnsupportedMediaType:
        raise UnsupportedFormat(IMPORT_FORMATS) from None
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    raw = data if isinstance(data, bytes) else b""  # an empty body parses as {}
    if media_type == JsonBytesParser.media_type:
        return _rows_from_json(raw, bare_list=shape == DVCQG)
    if shape == DVCQG:  # its supplements and steps are lists: a CSV row cannot carry them
        raise UnsupportedFormat(DVCQG_JSON_ONLY)
    if media_type == CsvBytesParser.media_type:
        return _non_empty(rows_from_csv(raw)), None
    if media_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Hãy gửi tệp CSV trong trường “file”.")]})
        return _non_empty(rows_from_csv(upload.read())), data.get("source")
    raise UnsupportedFormat(IMPORT_FORMATS)


def _rows_from_json(raw, bare_list=False):
    if not raw.strip():
        raise ServiceError(_("Nội dung gửi lên rỗng."), code="empty")
    try:
        body = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ServiceError(_("Nội dung không phải UTF-8."), code="encoding") from None
    except json.JSONDecodeError as error:
        raise ServiceError(_("JSON không hợp lệ ở dòng %(line)s, cột %(column)s.")
                           % {"line": error.lineno, "column": error.colno}, code="parse_error") from None
    except (ValueError, RecursionError):
        raise ServiceError(_("JSON không hợp lệ."), code="parse_error") from None
    if bare_list and isinstance(body, list):
        return _non_empty(body), None
    rows = body.get("dossiers") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise ServiceError(_("Cần một đối tượng JSON có “dossiers” là danh sách các hồ sơ."), field="dossiers",
                           code="not_a_list")
    return _non_empty(rows), body.get("source")


def _non_empty(rows):
    if not rows:
        raise ServiceError(_("Không có hồ sơ nào để nhập."), field="dossiers", code="empty")
    return rows


def _clean_source(value):
    if value is None:
        return None
    try:
        return s.DossierImportOptionsSerializer().fields["source"].run_validation(value)
    except ValidationError as error:
        raise ValidationError({"source": error.detail}) from None


# --- statistics -----------------------------------------------------------------------------------


class ProcedureStatsView(ActorMixin, APIView):
    """Dossier counts and rates for a period from the summary table, scoped to the caller's units."""

    api_resource = ApiResource.PROCEDURE_STATS

    def get_serializer_context(self):
        return {"request": self.request, "view": self}

    @extend_schema(summary="Thống kê giải quyết hồ sơ", parameters=[s.StatsQuerySerializer],
                   responses={200: s.StatsSerializer, **ERRORS})
    def get(self, request):
        query = self.valid(s.StatsQuerySerializer, request.query_params)
        period, group_by, breakdown = query.pop("period"), query["group_by"], query.pop("breakdown")
        # The steps are read from the dossiers' own step rows (no summary cell holds them): only when asked.
        with_steps = query.pop("steps")
        total = None
        if breakdown == "merged":
            query.pop("group_by")
            rows, total = procedure_stats_by_merge(actor=self.actor, period=period, with_steps=with_steps, **query)
            for row in rows:
                row["group"] = s.group_of(row, GROUPS["unit"])
                row["valid_from"], row["valid_to"] = row.pop("unit__valid_from"), row.pop("unit__valid_to")
            total["group"] = None
        else:
            rows = procedure_stats(actor=self.actor, period=period, with_steps=with_steps, **query)
            for row in rows:
                row["group"] = s.group_of(row, GROUPS[group_by])
        regime = period.regime.code if period.regime is not None else None
        data = {"period": period.code, "regime": regime, "start": period.start, "end": period.end,
                "group_by": group_by, "breakdown": breakdown, "rows": rows, "total": total}
        return Response(s.StatsSerializer(data).data)


class Decision766View(ActorMixin, APIView):
    """Estimated Decision 766 points per receiving unit, for the components dossiers support."""

    api_resource = ApiResource.PROCEDURE_STATS

    def get_serializer_context(self):
        return {"request": self.request, "view": self}

    @extend_schema(summary="Điểm ước tính theo QĐ 766/QĐ-TTg", parameters=[s.Decision766QuerySerializer],
                   responses={200: s.Decision766Serializer, **ERRORS})
    def get(self, request):
        query = self.valid(s.Decision766QuerySerializer, request.query_params)
        period = query["period"]
        estimates = with_official_scores(decision766_estimates(actor=self.actor, period=period,
                                                               unit=query.get("unit")), period)
        for estimate in estimates:
            estimate["components"] = [
                {"component": name, "label": str(Component766(name).label), **parts}
                for name, parts in estimate["components"].items()
            ]
        return Response(s.Decision766Serializer({"period": period.code, "note": ESTIMATE_NOTE, "rows": estimates}).data)


OFFICIAL_FORMATS = _("Định dạng không được hỗ trợ: gửi JSON (application/json), CSV (text/csv) hoặc tệp CSV/XLSX "
                     "(multipart/form-data, trường “file”).")


class Official766ImportView(ActorMixin, APIView):
    """Import the scores the National Public Service Portal published: all rows or none."""

    api_resource = ApiResource.PROCEDURE_STATS
    parser_classes = [JsonBytesParser, CsvBytesParser, SizeCheckedMultiPartParser]
    permission_classes = [*api_settings.DEFAULT_PERMISSION_CLASSES, SourceDataPushPermission]

    @extend_schema(
        summary="Nhập điểm chính thức QĐ 766 (Cổng DVC quốc gia)",
        request={"application/json": s.OfficialScoresBodySerializer, "text/csv": OpenApiTypes.STR,
                 "multipart/form-data": s.OfficialScoresFileSerializer},
        responses={200: s.OfficialScoresSummarySerializer, 400: s.OfficialScoresRejectedSerializer,
                   401: ApiErrorSerializer, 403: ApiErrorSerializer, 413: ApiErrorSerializer,
                   415: ApiErrorSerializer},
    )
    def post(self, request):
        rows, source = _official_rows(request)
        summary = official_scores_import(rows=rows, source=source or request.query_params.get("source", ""),
                                         actor=self.actor, channel=API)
        return Response(summary)


def _official_rows(request):
    """Read JSON ({"source", "scores": [...]} or a list), a CSV body, or a CSV/XLSX file in "file"."""
    try:
        data = request.data
    except UnsupportedMediaType:
        raise UnsupportedFormat(OFFICIAL_FORMATS) from None
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    raw = data if isinstance(data, bytes) else b""
    if media_type == JsonBytesParser.media_type:
        try:
            body = json.loads(raw.decode("utf-8-sig") or "null")
        except (ValueError, RecursionError):
            raise ServiceError(_("JSON không hợp lệ."), code="parse_error") from None
        if isinstance(body, dict):
            return body.get("scores"), str(body.get("source") or "")
        return body, ""
    if media_type == CsvBytesParser.media_type:
        return read_csv_rows(raw, required=OFFICIAL_COLUMNS, max_rows=MAX_OFFICIAL_ROWS), ""
    if media_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ServiceError(_("Hãy gửi tệp CSV hoặc XLSX trong trường “file”."), field="file")
        return read_upload_rows(upload, required=OFFICIAL_COLUMNS, max_rows=MAX_OFFICIAL_ROWS), data.get("source")
    raise UnsupportedFormat(OFFICIAL_FORMATS)
