"""Turn API input into service arguments, and models and selector rows into JSON; the rules live in the services.

Procedures, fields and units are referred to by code. Rates and shares are percentages with two
decimals (null when there is nothing to divide). Dossier batches are not read through a serializer
(10,000 rows would cost a serializer each): `DossierRowSerializer` only documents their shape.
"""

from datetime import UTC

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from departments.api.base import ApiKeyNameSerializer, CodeRelatedField
from departments.models import Unit
from departments.policy import Actor, units_visible_to
from indicators.periods import Period, PeriodError, parse_period, regime_period
from kernel.api import serializers as base
from kernel.api.rows import FastRowsMixin
from kernel.api.serializers import ApiErrorSerializer
from kernel.errors import NotFoundInScope
from regimes.periods import EARLIEST_YEAR, LATEST_YEAR
from regimes.selectors import regime_by_code

from ..dossier_fields import MODEL_FIELDS
from ..filters import LEVEL_FLAGS
from ..models import (
    Channel,
    Component766,
    Dossier,
    DossierStatus,
    ImplementingLevel,
    OnlineLevel,
    Outcome,
    Procedure,
    ProcedureChange,
    ProcedureField,
)
from ..selectors import BASES, BREAKDOWNS, GROUPS

UNKNOWN_UNIT = _("Không có đơn vị với mã này.")
UNKNOWN_FIELD = _("Không có lĩnh vực với mã này.")
UNKNOWN_PROCEDURE = _("Không có thủ tục với mã này.")
PERIOD_HELP = _("Kỳ báo cáo: 2023 (năm), 2023Q3 (quý) hoặc 202308 (tháng).")
PERCENT = {"max_digits": 7, "decimal_places": 2, "coerce_to_string": False, "allow_null": True}
POINTS = {"max_digits": 10, "decimal_places": 2, "coerce_to_string": False}


class CodeField(CodeRelatedField):
    """An object named by its code; a code with a NUL byte names nothing (PostgreSQL cannot even compare it)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


# --- catalogue ------------------------------------------------------------------------------------


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": ImplementingLevel.values}})
class LevelsField(serializers.Field):
    """The implementing levels as a list (["province", "commune"]), stored as one flag per level."""

    default_error_messages = {
        "invalid": _("Cấp thực hiện là danh sách gồm province, district, commune."),
        "empty": _("Cần ít nhất một cấp thực hiện."),
    }

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, procedure):
        return [str(level) for level, flag in LEVEL_FLAGS.items() if getattr(procedure, flag)]

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(isinstance(level, str) and level in LEVEL_FLAGS for level in data):
            self.fail("invalid")
        if not data:
            self.fail("empty")
        return {flag: level in data for level, flag in LEVEL_FLAGS.items()}


class ProcedureFieldSerializer(FastRowsMixin, serializers.ModelSerializer):
    class Meta:
        model = ProcedureField
        fields = ["code", "name"]


class ProcedureSerializer(FastRowsMixin, serializers.ModelSerializer):
    field = ProcedureFieldSerializer(read_only=True)
    levels = LevelsField(read_only=True, help_text=_("Cấp thực hiện: province, district, commune."))
    department = serializers.SlugRelatedField(slug_field="code", read_only=True,
                                              help_text=_("Mã cơ quan chủ trì."))

    class Meta:
        model = Procedure
        fields = ["code", "name", "field", "levels", "department", "processing_time", "fee", "legal_basis",
                  "publication_decision", "online_level", "full_online", "legacy_level", "partial_reason",
                  "proactive_level", "eligible_full_online", "mobile", "on_national_portal", "active_from",
                  "abolished_on", "version"]
        read_only_fields = fields


class ProcedureWriteSerializer(serializers.Serializer):
    """A new procedure; the service checks the code's shape, its uniqueness and who may save it."""

    code = serializers.CharField(max_length=40, help_text=_("Mã thủ tục, ví dụ 1.000234.000.00.00.H42 hoặc "
                                                            "1.000948.H38."))
    name = serializers.CharField(max_length=1000)
    field = CodeField(queryset=ProcedureField.objects.all(), unknown_message=UNKNOWN_FIELD,
                      help_text=_("Mã lĩnh vực, ví dụ G03-GD10."))
    levels = LevelsField(help_text=_("Cấp thực hiện: province, district, commune."))
    department = CodeField(queryset=Unit.objects.all(), unknown_message=UNKNOWN_UNIT,
                           help_text=_("Mã cơ quan chủ trì."))
    processing_time = serializers.CharField(max_length=255, required=False, allow_blank=True)
    fee = serializers.CharField(max_length=255, required=False, allow_blank=True)
    legal_basis = serializers.CharField(required=False, allow_blank=True)
    publication_decision = serializers.CharField(max_length=255, required=False, allow_blank=True)
    online_level = serializers.ChoiceField(choices=OnlineLevel.choices, required=False)
    legacy_level = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True)
    partial_reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, help_text=_(
        "Lý do pháp lý đã công khai khi chỉ cung cấp một phần (bắt buộc theo Nghị định 224/2026)."))
    proactive_level = serializers.IntegerField(min_value=1, max_value=4, required=False, allow_null=True,
                                               help_text=_("Mức độ dịch vụ chủ động 1–4 (Nghị định 224/2026)."))
    eligible_full_online = serializers.BooleanField(required=False)
    mobile = serializers.BooleanField(required=False)
    on_national_portal = serializers.BooleanField(required=False)
    active_from = serializers.DateField()
    abolished_on = serializers.DateField(required=False, allow_null=True)
    level_changed_on = serializers.DateField(
        required=False, allow_null=True, write_only=True,
        help_text=_("Ngày mức độ mới có hiệu lực (mặc định: hôm nay); giữ lịch sử mức độ cho các ngày đã qua."))
    level_scheme = serializers.CharField(
        required=False, allow_blank=True, write_only=True, max_length=20,
        help_text=_("Mã hệ thống mức độ (43/2011, 42/2022, 224/2026); mặc định hệ thống có hiệu lực vào ngày đó."))


class ProcedureUpdateSerializer(ProcedureWriteSerializer):
    """The fields sent change; the code does not (it is the procedure's identity)."""

    code = None

    def validate(self, attrs):
        if not set(attrs) - {"level_changed_on"}:  # a level_scheme alone re-records the level under it
            raise serializers.ValidationError(_("Không có gì để sửa: gửi ít nhất một trường của thủ tục."),
                                              code="empty")
        return attrs


class ProcedureChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    api_key = ApiKeyNameSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ProcedureChange
        fields = ["id", "at", "channel", "actor", "api_key", "before", "after"]


class GroupSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Mã của nhóm: mã đơn vị, thủ tục, lĩnh vực, cấp hoặc tháng (202308)."))
    name = serializers.CharField()


class CoverageQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text=_("Ngày (YYYY-MM-DD), mặc định hôm nay."))
    group_by = serializers.ChoiceField(choices=["none", "department", "level"], default="none")
    department = CodeField(queryset=Unit.objects.all(), unknown_message=UNKNOWN_UNIT, required=False,
                           help_text=_("Chỉ các thủ tục của cơ quan chủ trì này."))


class CoverageRowSerializer(serializers.Serializer):
    group = GroupSerializer(allow_null=True, help_text=_("null khi không nhóm."))
    procedures = serializers.IntegerField(help_text=_("Số thủ tục đang áp dụng vào ngày đó."))
    online = serializers.IntegerField(help_text=_("Số thủ tục có dịch vụ công trực tuyến (toàn trình hoặc một "
                                                  "phần)."))
    full_online = serializers.IntegerField(help_text=_("Số thủ tục toàn trình."))
    online_share = serializers.DecimalField(**PERCENT)
    full_online_share = serializers.DecimalField(**PERCENT)
    by_scheme = serializers.DictField(help_text=_(
        "Số liệu theo hệ thống của ngày đó: 43/2011 — level_3_4, level_4 và tỷ lệ; 224/2026 — partial_with_reason, "
        "proactive (số thủ tục theo mức 1–4); carried_over — số thủ tục còn ghi theo hệ thống cũ."))


class SchemeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Mã hệ thống mức độ: 43/2011, 42/2022 hoặc 224/2026."))
    name = serializers.CharField()
    legal_basis = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)


class CoverageSerializer(serializers.Serializer):
    on = serializers.DateField()
    group_by = serializers.CharField()
    scheme = SchemeSerializer(allow_null=True, help_text=_("Hệ thống mức độ có hiệu lực vào ngày đó; các số liệu "
                                                           "tính theo hệ thống này."))
    rows = CoverageRowSerializer(many=True)


# --- dossiers -------------------------------------------------------------------------------------


class DossierSerializer(FastRowsMixin, serializers.ModelSerializer):
    procedure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    receiving_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Dossier
        fields = ["id", "source", *MODEL_FIELDS, "last_import"]
        read_only_fields = fields


class DossierRowSerializer(serializers.Serializer):
    """One dossier as a one-stop system sends it (documents the shape; rows are checked by the import)."""

    code = serializers.CharField(max_length=100, help_text=_("Mã hồ sơ, duy nhất trong hệ thống nguồn."))
    procedure = serializers.CharField(help_text=_("Mã thủ tục."))
    unit = serializers.CharField(help_text=_("Mã đơn vị có thẩm quyền giải quyết, hoặc mã định danh điện tử."))
    channel = serializers.ChoiceField(choices=Channel.choices)
    received_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(help_text=_("Hạn trả kết quả, đã tính thời gian bổ sung."))
    completed_at = serializers.DateTimeField(required=False, allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    status = serializers.ChoiceField(choices=DossierStatus.choices, required=False,
                                     help_text=_("Trạng thái 1–10; nếu có, thay cho outcome."))
    receiving_unit = serializers.CharField(required=False, help_text=_("Mã đơn vị tiếp nhận (mặc định: unit)."))
    fee_required = serializers.BooleanField(required=False)
    paid_online = serializers.BooleanField(required=False)
    digitized = serializers.BooleanField(required=False)
    e_result = serializers.BooleanField(required=False)


SOURCE_HELP = _("Hệ thống nguồn. Khóa API chỉ được nêu hệ thống nguồn ghi trên khóa (mặc định: hệ thống đầu tiên, "
                "hoặc tên tài khoản hệ thống nếu khóa không ghi); quản trị viên nêu hệ thống bất kỳ, mặc định "
                "là tên đăng nhập.")


class DossierImportSerializer(serializers.Serializer):
    dossiers = DossierRowSerializer(many=True)
    source = serializers.CharField(max_length=100, required=False, help_text=SOURCE_HELP)


class DossierImportFileSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text=_("Tệp CSV UTF-8 (có hoặc không có BOM)."))
    source = serializers.CharField(max_length=100, required=False, help_text=SOURCE_HELP)


class DossierImportOptionsSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=False, help_text=_("Chỉ kiểm tra, không ghi gì."))
    partial = serializers.BooleanField(
        default=False, help_text=_("Ghi các dòng hợp lệ dù có dòng bị từ chối (mặc định: có lỗi thì không ghi gì)."))
    source = serializers.CharField(max_length=100, required=False, help_text=SOURCE_HELP)
    format = serializers.ChoiceField(
        choices=["portal", "dvcqg"], default="portal",
        help_text=_("Dạng hồ sơ: portal (tên trường của cổng) hoặc dvcqg (tên trường đồng bộ lên Cổng Dịch vụ công "
                    "quốc gia, chỉ JSON: {\"dossiers\": [...]} hoặc một danh sách)."))


class DossierImportCountsSerializer(base.ImportCountsSerializer):
    rows = serializers.IntegerField()


class DossierImportConflictSerializer(base.ImportConflictSerializer):
    """A rejected dossier row (named apart in the schema: an indicator value's conflict also has a code)."""


class DossierImportSummarySerializer(base.ImportSummarySerializer):
    import_id = serializers.IntegerField(allow_null=True, help_text=_("null khi chỉ kiểm tra."))
    counts = DossierImportCountsSerializer()
    conflicts = DossierImportConflictSerializer(many=True)


class DossierImportRejectedSerializer(ApiErrorSerializer):
    summary = DossierImportSummarySerializer(required=False)


class OfficialScoreRowSerializer(serializers.Serializer):
    """One official Decision 766 score (documents the shape; rows are checked by the import service)."""

    unit = serializers.CharField(help_text=_("Mã đơn vị."))
    group = serializers.ChoiceField(choices=Component766.choices)
    points = serializers.DecimalField(**POINTS)
    published_on = serializers.DateField()
    source = serializers.CharField(required=False)


class OfficialScoresBodySerializer(serializers.Serializer):
    source = serializers.CharField(required=False)
    scores = OfficialScoreRowSerializer(many=True)


class OfficialScoresFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("Tệp CSV hoặc XLSX: unit, group, points, published_on, source."))
    source = serializers.CharField(required=False)


class OfficialScoresSummarySerializer(serializers.Serializer):
    status = serializers.CharField()
    rows = serializers.IntegerField()
    saved = serializers.IntegerField()


class OfficialScoreErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    message_en = serializers.CharField()


class OfficialScoresRejectionSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    errors = OfficialScoreErrorSerializer(many=True)


class OfficialScoresRejectedSerializer(ApiErrorSerializer):
    summary = OfficialScoresRejectionSerializer(required=False)


# --- statistics -----------------------------------------------------------------------------------


class PeriodField(serializers.CharField):
    """A period string cleaned into a Period."""

    def to_internal_value(self, data):
        try:
            return parse_period(super().to_internal_value(data))
        except PeriodError as error:
            raise serializers.ValidationError(error.message, code="invalid") from None


class VisibleUnitField(serializers.CharField):
    """A unit code the caller may see; any other answers 404, exactly as a unit that does not exist."""

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        visible = units_visible_to(Actor.from_request(self.context["request"]))
        unit = None if "\x00" in code else visible.filter(code=code).first()
        if unit is None:
            raise NotFoundInScope(UNKNOWN_UNIT, field=self.field_name)
        return unit


class MomentField(serializers.DateTimeField):
    """A date and time the database can hold: its UTC moment must fall within years 1 to 9999."""

    def to_internal_value(self, value):
        try:
            # DRF itself overflows checking a naive 0001-01-01 in the portal's zone (UTC+7 reaches year 0).
            moment = super().to_internal_value(value)
            moment.astimezone(UTC)
        except OverflowError:
            raise serializers.ValidationError(_("Thời điểm nằm ngoài khoảng năm 1 đến 9999."), code="invalid") from None
        return moment


class StatsQuerySerializer(serializers.Serializer):
    """A period (calendar, or the window of a regime) or a range of days; cleaned into `period`."""

    period = PeriodField(required=False, help_text=_(
        "Kỳ báo cáo: 2023 (năm), 2023Q3 (quý) hoặc 202308 (tháng); với regime, kỳ gồm các ngày chốt số liệu "
        "của chế độ báo cáo đó."))
    regime = serializers.CharField(required=False, max_length=60, help_text=_(
        "Mã chế độ báo cáo (vd. nd09-mac-dinh: tháng 202308 là 15/07–14/08/2023); cần kèm period."))
    start = serializers.DateField(required=False, help_text=_("Ngày đầu khoảng thống kê (gồm ngày này), thay cho "
                                                              "period."))
    end = serializers.DateField(required=False, help_text=_("Ngày cuối khoảng thống kê (gồm ngày này)."))
    unit = VisibleUnitField(required=False, help_text=_("Mã đơn vị: gồm các đơn vị cấp dưới và các đơn vị đã "
                                                        "sáp nhập vào đơn vị này."))
    procedure = CodeField(queryset=Procedure.objects.all(), unknown_message=UNKNOWN_PROCEDURE,
                          required=False, help_text=_("Mã thủ tục."))
    group_by = serializers.ChoiceField(choices=list(GROUPS), default="none")
    as_of = MomentField(required=False, help_text=_("Thời điểm tính hồ sơ quá hạn (mặc định: bây "
                                                                  "giờ)."))
    basis = serializers.ChoiceField(
        choices=list(BASES), default="competent",
        help_text=_("Tính theo đơn vị có thẩm quyền giải quyết (competent, mặc định) hay đơn vị tiếp nhận "
                    "(receiving) — Nghị định 118/2025/NĐ-CP."))
    steps = serializers.BooleanField(
        default=False, help_text=_("true: thêm số bước xử lý đúng hạn, trễ hạn trong kỳ (Nghị định 224/2026/NĐ-CP). "
                                   "Đọc từng bước xử lý của các hồ sơ nên chậm hơn; mặc định không tính."))
    breakdown = serializers.ChoiceField(
        choices=BREAKDOWNS, default="none",
        help_text=_("merged: tách số liệu của unit theo các đơn vị đã sáp nhập vào nó còn tồn tại trong kỳ (năm 2023 "
                    "của tỉnh Ninh Bình: Hà Nam, Nam Định, Ninh Bình cũ), kèm tổng; cần unit, không dùng group_by. "
                    "Đơn vị đã chấm dứt trước kỳ được cộng vào đơn vị kế thừa."))

    def validate_regime(self, code):
        regime = regime_by_code(code)  # DRF's CharField already refused NUL characters
        if regime is None:
            raise serializers.ValidationError(_("Không có chế độ báo cáo với mã này."), code="unknown")
        return regime

    def validate_start(self, day):
        return _within_calendar(day)

    def validate_end(self, day):
        return _within_calendar(day)

    def validate(self, attrs):
        regime, period = attrs.pop("regime", None), attrs.get("period")
        start, end = attrs.pop("start", None), attrs.pop("end", None)
        if period is not None and (start or end):
            raise serializers.ValidationError({"start": _("Dùng period hoặc start/end, không dùng cả hai.")})
        if period is None:
            attrs["period"] = _range_period(regime, start, end)
        elif regime is not None:
            attrs["period"] = _regime_period(regime, period)
        if attrs.get("breakdown") == "merged":
            if attrs.get("unit") is None:
                raise serializers.ValidationError({"unit": _("Tách theo đơn vị sáp nhập cần mã đơn vị (unit).")})
            if attrs.get("group_by", "none") != "none":
                raise serializers.ValidationError({"group_by": _("Tách theo đơn vị sáp nhập không dùng kèm group_by.")})
        return attrs


def _within_calendar(day):
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise serializers.ValidationError(_("Ngày phải trong các năm từ 2000 đến 2100."), code="invalid")
    return day


def _range_period(regime, start, end):
    """Return the Period of the days from `start` to `end` inclusive."""
    if regime is not None:
        raise serializers.ValidationError({"period": _("Với regime, cần chọn kỳ báo cáo (period).")})
    if start is None or end is None:
        field = "period" if start is None and end is None else ("start" if start is None else "end")
        raise serializers.ValidationError({field: _("Cần period, hoặc cả start và end.")})
    if start > end:
        raise serializers.ValidationError({"end": _("Ngày cuối không được trước ngày đầu.")})
    return Period(code=f"{start.isoformat()}/{end.isoformat()}", type="range", start=start, end=end)


def _regime_period(regime, period):
    """Return the period as the regime's window; the regime must report with the period's frequency."""
    if period.type not in (regime.frequencies or []):
        raise serializers.ValidationError({"period": _("Chế độ báo cáo này không có kỳ báo cáo loại này.")})
    try:
        return regime_period(regime, period.code)
    except PeriodError as error:
        raise serializers.ValidationError({"period": error.message}) from None


class Decision766QuerySerializer(serializers.Serializer):
    period = PeriodField(help_text=PERIOD_HELP)
    unit = VisibleUnitField(required=False, help_text=_("Mã đơn vị: gồm các đơn vị cấp dưới."))


def group_of(row, keys):
    """Return {"code", "name"} of a selector row grouped by `keys` (GROUPS values), or None when ungrouped."""
    if not keys:
        return None
    if keys == ["month"]:
        month = row["month"]
        return {"code": f"{month.year}{month.month:02d}", "name": f"{month.month:02d}/{month.year}"}
    return {"code": row[keys[0]], "name": row[keys[1]]}


class StatsRowSerializer(serializers.Serializer):
    group = GroupSerializer(allow_null=True, help_text=_("null khi không nhóm."))
    received = serializers.IntegerField()
    received_online = serializers.IntegerField()
    processed = serializers.IntegerField(help_text=_("Trạng thái 9 hoặc 10, tính theo tháng kết thúc xử lý; đúng "
                                                     "hạn khi ngày kết thúc (giờ Việt Nam) không sau ngày hẹn trả."))
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    pending = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("Đang giải quyết và đã quá hạn vào thời điểm as_of."))
    fee_required = serializers.IntegerField()
    paid_online = serializers.IntegerField()
    digitized = serializers.IntegerField()
    e_result = serializers.IntegerField()
    withdrawn = serializers.IntegerField(help_text=_("Rút hồ sơ (trạng thái 7): không đúng hạn, không trễ hạn."))
    stopped = serializers.IntegerField(help_text=_("Dừng xử lý (trạng thái 8): không đúng hạn, không trễ hạn."))
    steps_on_time = serializers.IntegerField(
        allow_null=True, help_text=_("Bước xử lý trong kỳ xong không sau hạn của bước (NgayKetThucTheoQuyDinh)."))
    steps_late = serializers.IntegerField(allow_null=True, help_text=_("Bước xử lý trong kỳ xong sau hạn của bước."))
    step_on_time_rate = serializers.DecimalField(**PERCENT, help_text=_("steps_on_time / số bước có hạn, phần trăm."))
    on_time_rate = serializers.DecimalField(**PERCENT, help_text=_("on_time / processed, phần trăm."))
    online_rate = serializers.DecimalField(**PERCENT, help_text=_("received_online / received, phần trăm."))
    online_payment_rate = serializers.DecimalField(**PERCENT, help_text=_("paid_online / fee_required, phần trăm."))
    digitization_rate = serializers.DecimalField(**PERCENT, help_text=_("digitized / received, phần trăm."))
    e_result_rate = serializers.DecimalField(**PERCENT, help_text=_("e_result / processed, phần trăm."))
    valid_from = serializers.DateField(required=False, help_text=_("breakdown=merged: ngày đơn vị bắt đầu hiệu lực."))
    valid_to = serializers.DateField(required=False, allow_null=True,
                                     help_text=_("breakdown=merged: ngày đơn vị hết hiệu lực; null: còn hiệu lực."))
    existed = serializers.BooleanField(required=False,
                                       help_text=_("breakdown=merged: đơn vị có tồn tại trong kỳ hay không."))


class StatsSerializer(serializers.Serializer):
    period = serializers.CharField(help_text=_("Tên kỳ, hoặc start/end (ISO 8601) khi hỏi theo khoảng ngày."))
    regime = serializers.CharField(allow_null=True, help_text=_("Mã chế độ báo cáo của kỳ; null: kỳ theo lịch."))
    start = serializers.DateField()
    end = serializers.DateField()
    group_by = serializers.CharField()
    breakdown = serializers.CharField()
    rows = StatsRowSerializer(many=True)
    total = StatsRowSerializer(allow_null=True, help_text=_("breakdown=merged: tổng các dòng (bằng số liệu của unit); "
                                                           "null khi không tách."))


class Component766Serializer(serializers.Serializer):
    component = serializers.ChoiceField(choices=Component766.choices)
    label = serializers.CharField()
    points = serializers.DecimalField(**POINTS)
    max_points = serializers.DecimalField(**POINTS)
    metrics = serializers.DictField(child=serializers.DecimalField(**PERCENT),
                                    help_text=_("Các tỷ lệ (%) dùng để chấm điểm; null khi không có số liệu."))


class RuleSet766Serializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    source = serializers.CharField()
    groups = serializers.DictField(child=serializers.IntegerField(), help_text=_("Các nhóm và điểm tối đa."))


class Official766Serializer(serializers.Serializer):
    groups = serializers.DictField(child=serializers.DecimalField(**POINTS))
    total = serializers.DecimalField(**POINTS)
    published_on = serializers.DateField()
    source = serializers.CharField()


class Estimate766Serializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    estimate = serializers.BooleanField(help_text=_("Luôn đúng: điểm ước tính, không phải điểm chính thức."))
    rule_set = RuleSet766Serializer(allow_null=True, help_text=_("Bộ quy tắc có hiệu lực cho kỳ này."))
    total = serializers.DecimalField(**POINTS)
    max_total = serializers.DecimalField(**POINTS)
    components = Component766Serializer(many=True)
    official = Official766Serializer(allow_null=True, help_text=_("Điểm chính thức Cổng DVC quốc gia đã công bố "
                                                                  "gần nhất cho kỳ; null khi chưa nhập."))
    difference = serializers.DecimalField(**POINTS, allow_null=True, help_text=_("Chính thức − ước tính."))


class Decision766Serializer(serializers.Serializer):
    period = serializers.CharField()
    note = serializers.CharField()
    rows = Estimate766Serializer(many=True)
