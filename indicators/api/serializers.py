"""Turn API input into service arguments and models into JSON; the rules themselves live in the services.

Indicators, units and frameworks are referred to by code. Numbers are passed through as sent (a JSON
number or text such as "90,5") so that the one checker, `indicators.numbers`, judges them for every door.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from departments.api.base import UNKNOWN_UNIT, ApiKeyNameSerializer, CodeRelatedField
from departments.models import Unit
from departments.policy import Actor, can_see_review_trail, units_visible_to
from kernel.api import serializers as base
from kernel.api.fields import ChoiceLabelField
from kernel.api.rows import FastRowsMixin
from kernel.api.serializers import ApiConflictSerializer, ApiErrorItemSerializer, ApiErrorSerializer  # noqa: F401
from kernel.errors import NotFoundInScope

from ..imports import COLUMNS
from ..models import AuditEntry, Comment, Evidence, Framework, Indicator, IndicatorValue, Pillar, Target
from ..periods import PeriodError, parse_period
from ..scoring import Status

UNKNOWN_INDICATOR = _("Không có chỉ tiêu với mã này.")
UNKNOWN_FRAMEWORK = _("Không có khung chỉ tiêu với mã này.")
MAX_VERSION = 2**31 - 1


# --- input fields ---------------------------------------------------------------------------------


@extend_schema_field({"type": "number", "nullable": True, "description": "Số, hoặc chuỗi số như \"90,5\"."})
class NumberInputField(serializers.Field):
    """A JSON number or numeric text, handed to the service unchanged; it checks it for the indicator."""

    default_error_messages = {"invalid": _("Không phải là số hợp lệ.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


ROW_PROBLEMS = {
    "not_a_list": _("Cần một danh sách các dòng số liệu."),
    "empty": _("Không có dòng nào để nhập."),
    "not_a_row": _("Mỗi dòng phải là một đối tượng JSON."),
    "not_a_scalar": _("Giá trị phải là chuỗi hoặc số."),
    "null_character": _("Giá trị không được chứa ký tự rỗng (NUL)."),
}


def clean_import_rows(rows):
    """Return the rows with only the known columns, or raise ValidationError naming each bad cell.

    Only the shape is checked here (objects of text or numbers); codes, periods and numbers are the
    import service's to judge, row by row, so that it can report them in its summary.
    """
    if not isinstance(rows, list):
        raise serializers.ValidationError(ROW_PROBLEMS["not_a_list"], code="not_a_list")
    if not rows:
        raise serializers.ValidationError(ROW_PROBLEMS["empty"], code="empty")
    cleaned, errors = [], {}
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            errors[str(index)] = [serializers.ErrorDetail(str(ROW_PROBLEMS["not_a_row"]), code="not_a_row")]
            continue
        kept = {name: row[name] for name in COLUMNS if name in row}
        problems = {}
        for name, cell in kept.items():
            problem = _cell_problem(cell)
            if problem is not None:
                problems[name] = [problem]
        if problems:
            errors[str(index)] = problems
        cleaned.append(kept)
    if errors:
        raise serializers.ValidationError(errors)
    return cleaned


def _cell_problem(cell):
    if cell is None:
        return None
    if isinstance(cell, bool) or not isinstance(cell, (str, int, float)):
        return serializers.ErrorDetail(str(ROW_PROBLEMS["not_a_scalar"]), code="not_a_scalar")
    if isinstance(cell, str) and "\x00" in cell:
        return serializers.ErrorDetail(str(ROW_PROBLEMS["null_character"]), code="null_character")
    return None


@extend_schema_field({"type": "array", "items": {"type": "object", "properties": {
    "indicator": {"type": "string"}, "unit": {"type": "string"}, "period": {"type": "string"},
    "numerator": {"type": "number", "nullable": True}, "denominator": {"type": "number", "nullable": True},
    "value": {"type": "number", "nullable": True}, "note": {"type": "string"},
}, "required": ["indicator", "unit", "period"]}})
class ImportRowsField(serializers.Field):
    """The rows of an import; a plain loop rather than a serializer per row, so 10,000 rows stay cheap."""

    def to_internal_value(self, data):
        return clean_import_rows(data)


# --- catalogue ------------------------------------------------------------------------------------


class PillarSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pillar
        fields = ["code", "name", "name_en", "order"]


class FrameworkSerializer(serializers.ModelSerializer):
    pillars = PillarSerializer(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = ["code", "name", "name_en", "version", "decision", "valid_from", "valid_to", "deadline_days",
                  "pillars"]


class IndicatorSerializer(FastRowsMixin, serializers.ModelSerializer):
    framework = serializers.SlugRelatedField(slug_field="code", read_only=True)
    pillar = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    effective_deadline_days = serializers.IntegerField(
        read_only=True, help_text=_("Hạn báo cáo (ngày sau kỳ), của chỉ tiêu hoặc của khung chỉ tiêu."))
    unit_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    scoring_tiers = serializers.JSONField(read_only=True, help_text=_("[[ngưỡng, điểm], ...]"))

    class Meta:
        model = Indicator
        fields = ["code", "framework", "pillar", "name", "name_en", "definition", "definition_en",
                  "unit_of_measure", "value_type", "direction", "period_type", "unit_kinds", "aggregation",
                  "max_points", "scoring_rule", "scoring_tiers", "evidence_required", "source", "deadline_days",
                  "effective_deadline_days", "baseline_year", "baseline_value", "is_active"]


class TargetSerializer(FastRowsMixin, serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Target
        fields = ["id", "indicator", "year", "unit", "value", "decision", "note"]


class TargetWriteSerializer(serializers.Serializer):
    indicator = CodeRelatedField(queryset=Indicator.objects.select_related("framework"),
                                 unknown_message=UNKNOWN_INDICATOR)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    unit = CodeRelatedField(queryset=Unit.objects.all(), unknown_message=UNKNOWN_UNIT, required=False,
                            allow_null=True, help_text=_("Để trống: chỉ tiêu chung của tỉnh."))
    value = NumberInputField()
    decision = serializers.CharField(max_length=255)
    note = serializers.CharField(required=False, allow_blank=True)


# --- values ---------------------------------------------------------------------------------------


class EvidenceSerializer(FastRowsMixin, serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at", "download_url"]

    def get_download_url(self, evidence) -> str:
        return reverse("indicator-value-evidence-file", kwargs={"pk": evidence.value_id, "evidence_id": evidence.pk},
                       request=self.context.get("request"))


class IndicatorValueSerializer(FastRowsMixin, serializers.ModelSerializer):
    indicator = serializers.SlugRelatedField(slug_field="code", read_only=True)
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    state_label = ChoiceLabelField("state")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    updated_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    reviewed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    comment_count = serializers.IntegerField(
        read_only=True, allow_null=True,
        help_text=_("Số trao đổi; null với người không thuộc đơn vị của số liệu (họ không xem quá trình duyệt)."))

    class Meta:
        model = IndicatorValue
        fields = ["id", "indicator", "indicator_name", "unit", "unit_name", "period", "period_start", "period_end",
                  "numerator", "denominator", "value", "note", "state", "state_label", "version", "is_computed",
                  "due_date", "first_submitted_at", "submitted_at", "created_by", "created_at", "updated_by",
                  "updated_at", "reviewed_by", "reviewed_at", "return_reason", "evidence", "comment_count"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not can_see_review_trail(Actor.from_request(request), instance):
            # Other units see the approved figure, not its review: no discussion count, no return reason.
            data["comment_count"], data["return_reason"] = None, ""
        return data


class IndicatorValueCreateSerializer(serializers.Serializer):
    indicator = CodeRelatedField(queryset=Indicator.objects.select_related("framework"),
                                 unknown_message=UNKNOWN_INDICATOR)
    unit = CodeRelatedField(queryset=Unit.objects.all(), scoped=units_visible_to, unknown_message=UNKNOWN_UNIT)
    period = serializers.CharField(help_text=_("Kỳ báo cáo: 2023 (năm), 2023Q3 (quý) hoặc 202308 (tháng)."))
    numerator = NumberInputField(required=False, allow_null=True)
    denominator = NumberInputField(required=False, allow_null=True)
    value = NumberInputField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


EDITABLE_VALUE_FIELDS = ("numerator", "denominator", "value", "note")


class IndicatorValueUpdateSerializer(serializers.Serializer):
    """PATCH changes the fields sent; PUT replaces all four (a field left out becomes empty)."""

    version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION,
                                       help_text=_("Phiên bản mà thay đổi này dựa trên."))
    numerator = NumberInputField(required=False, allow_null=True)
    denominator = NumberInputField(required=False, allow_null=True)
    value = NumberInputField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)

    def __init__(self, *args, replace=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.replace = replace

    def validate(self, attrs):
        if self.replace:
            attrs = {"numerator": None, "denominator": None, "value": None, "note": "", **attrs}
        if not set(EDITABLE_VALUE_FIELDS) & attrs.keys():
            raise serializers.ValidationError(_("Không có gì để sửa: gửi ít nhất một trong numerator, denominator, "
                                                "value, note."), code="empty")
        return attrs


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_VERSION,
        help_text=_("Phiên bản mà thao tác này dựa trên; nếu đã cũ, trả về 409 kèm trạng thái hiện tại."))


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField(allow_blank=True, help_text=_("Lý do (bắt buộc)."))


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text=_("PDF, ảnh (PNG, JPG) hoặc tài liệu văn phòng."))


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "text", "created_at"]


class CommentCreateSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)


class AuditEntrySerializer(serializers.ModelSerializer):
    action_label = ChoiceLabelField("action")
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    api_key = ApiKeyNameSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "action", "action_label", "channel", "actor", "api_key", "at", "before", "after", "reason"]


# --- import ---------------------------------------------------------------------------------------


class ImportOptionsSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False, help_text=_("Chỉ kiểm tra, không ghi gì."))
    partial = serializers.BooleanField(
        default=False, help_text=_("Ghi các dòng hợp lệ dù có dòng bị từ chối (mặc định: có lỗi thì không ghi gì)."))


class ImportValuesSerializer(serializers.Serializer):
    values = ImportRowsField(help_text=_("Các dòng số liệu, chỉ tiêu và đơn vị theo mã."))


class ImportFileSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text=_("Tệp CSV UTF-8 (có hoặc không có BOM)."))


class ImportConflictSerializer(base.ImportConflictSerializer):
    code = serializers.CharField()


class ImportSummarySerializer(base.ImportSummarySerializer):
    conflicts = ImportConflictSerializer(many=True)


# --- progress -------------------------------------------------------------------------------------


class ProgressQuerySerializer(serializers.Serializer):
    period = serializers.CharField(help_text=_("Kỳ báo cáo: 2023 (năm), 2023Q3 (quý) hoặc 202308 (tháng)."))
    unit = serializers.CharField(required=False, help_text=_("Mã đơn vị: chỉ đơn vị này và các đơn vị cấp dưới."))
    framework = serializers.CharField(required=False, help_text=_("Mã khung chỉ tiêu."))

    def validate_period(self, code):
        try:
            return parse_period(code).code
        except PeriodError as error:
            raise serializers.ValidationError(error.message, code="invalid") from None

    def validate_unit(self, code):
        # Outside the caller's units answers exactly as a unit that does not exist: 404.
        actor = Actor.from_request(self.context["request"])
        unit = units_visible_to(actor).filter(code=code).first()
        if unit is None:
            raise NotFoundInScope(UNKNOWN_UNIT, field="unit")
        return unit

    def validate_framework(self, code):
        framework = Framework.objects.filter(code=code).first()
        if framework is None:
            raise serializers.ValidationError(UNKNOWN_FRAMEWORK, code="unknown")
        return framework


DECIMAL = {"max_digits": 24, "decimal_places": 4, "coerce_to_string": False, "allow_null": True}


class ProgressRowSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    indicator_name = serializers.CharField(source="indicator.name")
    indicator_name_en = serializers.CharField(source="indicator.name_en")
    unit = serializers.CharField(source="unit.code", allow_null=True, help_text=_("null: dòng của cả tỉnh."))
    unit_name = serializers.CharField(source="unit.name", allow_null=True)
    value = serializers.DecimalField(**DECIMAL)
    value_period = serializers.CharField(allow_null=True)
    target = serializers.DecimalField(**DECIMAL)
    target_year = serializers.IntegerField(allow_null=True)
    target_decision = serializers.CharField(allow_null=True)
    points = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False, allow_null=True)
    max_points = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False)
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.SerializerMethodField()

    def get_status_label(self, row) -> str:
        return str(Status(row["status"]).label)


class ProvinceProgressRowSerializer(ProgressRowSerializer):
    reporting_units = serializers.IntegerField(help_text=_("Số đơn vị có số liệu đã duyệt."))


class ProgressSerializer(serializers.Serializer):
    period = serializers.CharField()
    rows = ProgressRowSerializer(many=True, help_text=_("Từng chỉ tiêu × đơn vị."))
    province = ProvinceProgressRowSerializer(many=True, help_text=_("Từng chỉ tiêu, tổng hợp lên cả tỉnh."))


# --- errors (for the schema only: kernel.api.errors renders them) ------------------------------


class ImportRejectedSerializer(ApiErrorSerializer):
    summary = ImportSummarySerializer(required=False)

