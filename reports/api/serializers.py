"""Turn report requests into service arguments and reports into JSON; the rules live in reports.services."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from departments.api.base import UNKNOWN_UNIT, CodeRelatedField
from departments.models import Unit
from departments.policy import units_visible_to
from kernel.api.fields import ChoiceLabelField
from kernel.api.rows import FastRowsMixin
from kernel.api.serializers import ApiErrorSerializer

from ..models import FileFormat, Report, ReportKind
from ..selectors import files_in_format_order

# --- input ----------------------------------------------------------------------------------------


class UnitCodeField(CodeRelatedField):
    """A unit code; one with a NUL character is unknown (PostgreSQL cannot even be asked about it)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices, default=ReportKind.COMPLIANCE)
    period = serializers.CharField(max_length=10,
                                   help_text=_("Kỳ báo cáo: 2023 (năm), 2023Q3 (quý) hoặc 202308 (tháng)."))
    # A unit outside the caller's scope is answered exactly like an unknown code.
    unit = UnitCodeField(queryset=Unit.objects.all(), scoped=units_visible_to, unknown_message=UNKNOWN_UNIT,
                         required=False, allow_null=True, help_text=_("Mã đơn vị; để trống: báo cáo toàn tỉnh."))


class DownloadQuerySerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=FileFormat.choices, help_text=_("Định dạng tệp: xlsx, csv hoặc pdf."))


# --- output ---------------------------------------------------------------------------------------


class ReportFileSerializer(serializers.Serializer):
    format = serializers.CharField()
    size = serializers.IntegerField(help_text=_("Dung lượng (byte)."))
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, stored) -> str:
        # Django's reverse, not DRF's: DRF's would carry the request's own ?format= into the link.
        url = f"{reverse('report-download', kwargs={'pk': stored.report_id})}?format={stored.format}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class RequesterSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[("user", _("Người dùng")), ("api_key", _("Khóa API")),
                                            ("schedule", _("Lịch tự động"))])
    name = serializers.CharField()


SUMMARY_SCHEMA = {
    "type": "object",
    "description": "Các số liệu chính / the headline figures (empty until the report is done).",
    "properties": {
        "dossiers": {"type": "object", "properties": {
            "received": {"type": "integer"}, "processed": {"type": "integer"}, "on_time": {"type": "integer"},
            "on_time_rate": {"type": "number", "nullable": True, "description": "%, two decimals"},
        }, "additionalProperties": True},
        "indicators": {"type": "object", "additionalProperties": True},
        "completeness": {"type": "object", "additionalProperties": True},
    },
    "additionalProperties": True,
}


@extend_schema_field(SUMMARY_SCHEMA)
class SummaryField(serializers.JSONField):
    pass


class ReportSerializer(FastRowsMixin, serializers.ModelSerializer):
    kind_label = ChoiceLabelField("kind")
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    scope = serializers.CharField(source="scope_label", read_only=True,
                                  help_text=_("Tên đơn vị, hoặc “Toàn tỉnh”."))
    status_label = ChoiceLabelField("status")
    requested_by = serializers.SerializerMethodField()
    duration_seconds = serializers.SerializerMethodField()
    summary = SummaryField(read_only=True)
    files = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "url", "kind", "kind_label", "period", "unit", "scope", "status", "status_label", "error",
                  "requested_by", "created_at", "started_at", "finished_at", "duration_seconds", "attempts",
                  "summary", "files"]

    @extend_schema_field(RequesterSerializer(allow_null=True))
    def get_requested_by(self, report):
        if report.requested_by_key_id:
            return {"type": "api_key", "name": report.requested_by_key.name}
        if report.requested_by_id:
            return {"type": "user", "name": report.requested_by.get_username()}
        if report.requested_by_schedule:
            return {"type": "schedule", "name": report.requested_by_schedule}
        return None

    def get_duration_seconds(self, report) -> float | None:
        if report.started_at is None or report.finished_at is None:
            return None
        return round((report.finished_at - report.started_at).total_seconds(), 3)

    @extend_schema_field(ReportFileSerializer(many=True))
    def get_files(self, report):
        return ReportFileSerializer(files_in_format_order(report), many=True, context=self.context).data

    def get_url(self, report) -> str:
        url = reverse("report-detail", kwargs={"pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class ReportConflictSerializer(ApiErrorSerializer):
    current = serializers.JSONField(help_text=_("Trạng thái hiện tại của báo cáo."))
