"""Indicator frameworks, targets, values with evidence, their review workflow and audit trail."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from departments.models import ApiKey, Unit, UnitKind
from regimes.models import Regime
from regimes.services import seeded_regime

from .periods import PeriodType, period_for, regime_allows, regime_period

# The regime every framework follows unless an administrator chooses another (seeded by regimes 0002).
DEFAULT_REGIME = "bao-cao-cds-tinh"


def default_regime_id():
    """Return the id of the province's digital-transformation reporting regime (seeded by regimes 0002)."""
    found = Regime.objects.filter(code=DEFAULT_REGIME).values_list("pk", flat=True).first()
    return found if found is not None else seeded_regime(DEFAULT_REGIME).pk


class Framework(models.Model):
    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    version = models.CharField(_("phiên bản"), max_length=50, blank=True)
    decision = models.CharField(_("văn bản ban hành"), max_length=255, blank=True)
    valid_from = models.DateField(_("áp dụng từ"), null=True, blank=True)
    valid_to = models.DateField(_("áp dụng đến"), null=True, blank=True)
    deadline_days = models.PositiveSmallIntegerField(
        _("hạn báo cáo (ngày sau kỳ)"), default=15,
        help_text=_("Không còn dùng để tính hạn: hạn gửi theo chế độ báo cáo của khung chỉ tiêu."),
    )
    regime = models.ForeignKey(
        Regime, verbose_name=_("chế độ báo cáo"), on_delete=models.PROTECT, related_name="frameworks",
        default=default_regime_id,
        help_text=_("Chế độ báo cáo quyết định mỗi kỳ từ ngày nào đến ngày nào và hạn gửi (ngày làm việc)."),
    )

    class Meta:
        verbose_name = _("khung chỉ tiêu")
        verbose_name_plural = _("khung chỉ tiêu")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("Ngày hết hiệu lực phải sau ngày bắt đầu áp dụng.")})
        self._check_indicators_fit_the_regime()

    def _check_indicators_fit_the_regime(self):
        if self.pk is None or not self.regime_id:
            return
        types = set(self.indicators.filter(regime__isnull=True).values_list("period_type", flat=True))
        missing = sorted(kind for kind in types if not regime_allows(self.regime, kind))
        if missing:
            raise ValidationError({"regime": _("Chế độ báo cáo này không có loại kỳ của các chỉ tiêu trong khung: "
                                               "%(types)s.") % {"types": ", ".join(missing)}})

    def due_date_for(self, period, *, workdays=None):
        """Return the deadline of a period (a Period or its code) under the framework's regime."""
        return regime_period(self.regime, getattr(period, "code", period), workdays=workdays).deadline


class Pillar(models.Model):
    framework = models.ForeignKey(Framework, verbose_name=_("khung chỉ tiêu"), on_delete=models.CASCADE,
                                  related_name="pillars")
    code = models.SlugField(_("mã"), max_length=50)
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("trụ cột")
        verbose_name_plural = _("trụ cột")
        ordering = ["framework", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="pillar_unique_code")]

    def __str__(self):
        return self.name


class ValueType(models.TextChoices):
    PERCENT = "percent", _("Tỷ lệ % (tử số/mẫu số)")
    NUMBER = "number", _("Số")
    MONEY = "money", _("Tiền (VND)")
    BOOLEAN = "boolean", _("Có/Không")
    TIER = "tier", _("Mức")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Càng cao càng tốt")
    LOWER = "lower", _("Càng thấp càng tốt")


class Aggregation(models.TextChoices):
    SUM_RATIO = "sum_ratio", _("Cộng tử số và mẫu số")
    SUM = "sum", _("Cộng")
    AVERAGE = "average", _("Trung bình")
    LATEST = "latest", _("Giá trị mới nhất")


class ScoringRule(models.TextChoices):
    RATIO = "ratio", _("Tỷ lệ × điểm tối đa")
    RATIO_TO_TARGET = "ratio_to_target", _("Tỷ lệ so với chỉ tiêu (tối đa 1) × điểm tối đa")
    TIERS = "tiers", _("Theo mức")
    NORMALISED = "normalised", _("Chuẩn hóa theo đơn vị tốt nhất")


class Source(models.TextChoices):
    MANUAL = "manual", _("Đơn vị nhập")
    COMPUTED = "computed", _("Cổng tự tính")


def _is_number(item):
    return isinstance(item, (int, float, Decimal)) and not isinstance(item, bool) and Decimal(str(item)).is_finite()


def tiers_problem(rule, tiers, max_points):
    """Return why `tiers` do not fit scoring `rule` (with at most `max_points`), or None if they do.

    Scoring by tiers needs [[threshold, points], ...] with numbers, thresholds from highest to lowest,
    points from 0 to the indicator's maximum. Other rules take no tiers.
    """
    if rule != ScoringRule.TIERS:
        return _("Chỉ cách chấm theo mức mới dùng các mức điểm: hãy để trống.") if tiers else None
    if not isinstance(tiers, list) or not tiers:
        return _("Cách chấm theo mức cần ít nhất một mức [ngưỡng, điểm].")
    if not all(isinstance(tier, list) and len(tier) == 2 and all(map(_is_number, tier)) for tier in tiers):
        return _("Mỗi mức phải là một cặp số [ngưỡng, điểm], ví dụ [[4, 20], [3, 15]].")
    thresholds = [Decimal(str(threshold)) for threshold, _points in tiers]
    if any(higher <= lower for higher, lower in zip(thresholds, thresholds[1:], strict=False)):
        return _("Các ngưỡng phải xếp từ cao xuống thấp, không trùng nhau.")
    ceiling = Decimal(str(max_points or 0))
    if any(not (0 <= Decimal(str(points)) <= ceiling) for _threshold, points in tiers):
        return _("Điểm của mỗi mức phải từ 0 đến điểm tối đa của chỉ tiêu.")
    return None


class Indicator(models.Model):
    framework = models.ForeignKey(Framework, verbose_name=_("khung chỉ tiêu"), on_delete=models.PROTECT,
                                  related_name="indicators")
    pillar = models.ForeignKey(Pillar, verbose_name=_("trụ cột"), on_delete=models.PROTECT, null=True,
                               blank=True, related_name="indicators")
    code = models.CharField(_("mã"), max_length=50, unique=True,
                            help_text=_("Mã duy nhất trên toàn cổng, dùng trong API và tệp nhập."))
    name = models.CharField(_("tên"), max_length=500)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=500, blank=True)
    definition = models.TextField(_("định nghĩa"), blank=True)
    definition_en = models.TextField(_("định nghĩa tiếng Anh"), blank=True)
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=50, blank=True)
    value_type = models.CharField(_("kiểu giá trị"), max_length=20, choices=ValueType.choices)
    direction = models.CharField(_("chiều tốt"), max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    period_type = models.CharField(_("loại kỳ"), max_length=20, choices=PeriodType.choices, default=PeriodType.YEAR)
    unit_kinds = models.JSONField(_("loại đơn vị báo cáo"), default=list,
                                  help_text=_("Các loại đơn vị phải báo cáo chỉ tiêu này."))
    aggregation = models.CharField(_("cách tổng hợp lên tỉnh"), max_length=20, choices=Aggregation.choices,
                                   default=Aggregation.SUM)
    max_points = models.DecimalField(_("điểm tối đa"), max_digits=8, decimal_places=2, default=0,
                                     validators=[MinValueValidator(0)])
    scoring_rule = models.CharField(_("cách chấm điểm"), max_length=20, choices=ScoringRule.choices,
                                    default=ScoringRule.RATIO_TO_TARGET)
    scoring_tiers = models.JSONField(
        _("các mức điểm"), default=list, blank=True,
        help_text=_('Với cách chấm theo mức: [[ngưỡng, điểm], ...], ví dụ [[4, 20], [3, 15], [2, 10], [1, 5]].'),
    )
    evidence_required = models.BooleanField(_("bắt buộc minh chứng"), default=False)
    source = models.CharField(_("nguồn số liệu"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    deadline_days = models.PositiveSmallIntegerField(
        _("hạn báo cáo riêng (ngày sau kỳ)"), null=True, blank=True,
        help_text=_("Không còn dùng để tính hạn: hạn gửi theo chế độ báo cáo."),
    )
    regime = models.ForeignKey(
        Regime, verbose_name=_("chế độ báo cáo riêng"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="indicators", help_text=_("Để trống để dùng chế độ báo cáo của khung chỉ tiêu."),
    )
    baseline_year = models.PositiveSmallIntegerField(_("năm cơ sở"), null=True, blank=True)
    baseline_value = models.DecimalField(_("giá trị cơ sở"), max_digits=20, decimal_places=4, null=True, blank=True)
    is_active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["framework", "pillar__order", "code"]
        constraints = [
            # Scoring reads the rule from here: a rule it does not know must never be stored.
            models.CheckConstraint(condition=Q(scoring_rule__in=ScoringRule.values),
                                   name="indicator_known_scoring_rule"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="indicator_max_points_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def clean(self):
        errors = {}
        if self.pillar_id and self.framework_id and self.pillar.framework_id != self.framework_id:
            errors["pillar"] = _("Trụ cột này thuộc khung chỉ tiêu khác.")
        unknown_kinds = [kind for kind in (self.unit_kinds or []) if kind not in UnitKind.values]
        if not isinstance(self.unit_kinds, list) or unknown_kinds:
            errors["unit_kinds"] = _("Loại đơn vị không hợp lệ.")
        problem = tiers_problem(self.scoring_rule, self.scoring_tiers, self.max_points)
        if problem:
            errors["scoring_tiers"] = problem
        regime = self.regime if self.regime_id else (self.framework.regime if self.framework_id else None)
        if regime is not None and not regime_allows(regime, self.period_type):
            errors["period_type"] = _("Chế độ báo cáo %(regime)s không có kỳ báo cáo loại này.") % {
                "regime": regime.name}
        if errors:
            raise ValidationError(errors)

    @property
    def effective_deadline_days(self):
        return self.deadline_days if self.deadline_days is not None else self.framework.deadline_days

    def regime_in_force(self):
        """Return the regime this indicator reports under: its own, else its framework's."""
        return self.regime if self.regime_id else self.framework.regime

    def due_date_for(self, period, *, workdays=None):
        """Return the deadline of a period (a Period or its code) under the indicator's regime."""
        code = getattr(period, "code", period)
        return period_for(self, code, workdays=workdays).deadline

    def applies_to(self, unit):
        return unit.kind in self.unit_kinds


class Target(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.CASCADE,
                                  related_name="targets")
    year = models.PositiveSmallIntegerField(_("năm"))
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="targets", help_text=_("Để trống: chỉ tiêu chung của tỉnh."))
    value = models.DecimalField(_("giá trị mục tiêu"), max_digits=20, decimal_places=4)
    decision = models.CharField(_("theo văn bản"), max_length=255,
                                help_text=_("Văn bản giao chỉ tiêu, ví dụ Quyết định 749/QĐ-TTg."))
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("mục tiêu")
        verbose_name_plural = _("mục tiêu")
        ordering = ["indicator", "year", "decision"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year", "unit", "decision"], name="target_unique_for_unit",
                                    condition=Q(unit__isnull=False)),
            models.UniqueConstraint(fields=["indicator", "year", "decision"], name="target_unique_for_province",
                                    condition=Q(unit__isnull=True)),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.year}: {self.value} ({self.decision})"


AUDITED_FIELDS = ["numerator", "denominator", "value", "note", "state", "version"]


class ValueState(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Đã gửi")
    APPROVED = "approved", _("Đã duyệt")
    RETURNED = "returned", _("Bị trả lại")


# The states in which the unit may still change its figures, note and evidence.
EDITABLE_STATES = frozenset({ValueState.DRAFT, ValueState.RETURNED, ValueState.SUBMITTED})


class IndicatorValueQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=ValueState.APPROVED)


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.PROTECT,
                                  related_name="values")
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="indicator_values")
    period = models.CharField(_("kỳ"), max_length=10)
    period_start = models.DateField(_("đầu kỳ"), editable=False)
    period_end = models.DateField(_("cuối kỳ"), editable=False)
    due_date = models.DateField(_("hạn gửi"), editable=False,
                                help_text=_("Cuối kỳ cộng số ngày hạn báo cáo, tính khi tạo số liệu."))
    numerator = models.DecimalField(_("tử số"), max_digits=20, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("mẫu số"), max_digits=20, decimal_places=4, null=True, blank=True)
    value = models.DecimalField(_("giá trị"), max_digits=20, decimal_places=4, null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    state = models.CharField(_("trạng thái"), max_length=10, choices=ValueState.choices, default=ValueState.DRAFT)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    is_computed = models.BooleanField(_("do cổng tự tính"), default=False)
    computed_from = models.JSONField(_("dữ liệu gốc"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người tạo"), on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người sửa cuối"),
                                   on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    # Everyone who ever created or edited the value: none of them may approve it.
    editors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="edited_indicator_values", blank=True,
                                     verbose_name=_("người đã nhập/sửa"))
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)
    first_submitted_at = models.DateTimeField(_("gửi lần đầu lúc"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người duyệt"), on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True)
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    return_reason = models.TextField(_("lý do trả lại"), blank=True)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("số liệu chỉ tiêu")
        verbose_name_plural = _("số liệu chỉ tiêu")
        ordering = ["-period_start", "indicator__code", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "period"], name="value_unique_indicator_unit_period"),
            # Segregation of duties, at the database: the approver is never the creator or last editor.
            models.CheckConstraint(
                condition=~Q(state=ValueState.APPROVED) | Q(is_computed=True) | (
                    Q(reviewed_by__isnull=False)
                    & (Q(created_by__isnull=True) | ~Q(reviewed_by=F("created_by")))
                    & (Q(updated_by__isnull=True) | ~Q(reviewed_by=F("updated_by")))
                ),
                name="value_approver_is_not_an_editor",
            ),
            models.CheckConstraint(condition=Q(numerator__isnull=True) | Q(numerator__gte=0),
                                   name="value_numerator_not_negative"),
            models.CheckConstraint(condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                                   name="value_denominator_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="value_review_queue"),
            models.Index(fields=["unit", "period"], name="value_unit_period"),
            # Lists, newest period first, by columns of this table (ordering by codes would sort every row).
            models.Index(fields=["-period_start", "indicator", "unit"], name="value_period_list"),
            # Each unit's latest approved value (indicators.selectors.latest_approved_values): DISTINCT ON
            # (indicator, unit) walks this in order, and finds every column progress reads in it.
            models.Index(fields=["indicator", "unit", "-period_start", "-id"], name="value_latest_approved",
                         condition=Q(state=ValueState.APPROVED),
                         include=["period_end", "period", "value", "numerator", "denominator", "reviewed_at"]),
            # The first and last approved period (reports.dashboard.data_years): MIN and MAX read one entry.
            models.Index(fields=["period_start"], name="value_approved_start", condition=Q(state=ValueState.APPROVED)),
            models.Index(fields=["period_end"], name="value_approved_end", condition=Q(state=ValueState.APPROVED)),
        ]

    def __str__(self):
        return f"{self.indicator.code} · {self.unit.code} · {self.period}"

    @property
    def is_locked(self):
        return self.state == ValueState.APPROVED

    @property
    def is_open_for_entry(self):
        """Can this value's figures still be changed by its unit (not computed, not approved)?"""
        return not self.is_computed and self.state in EDITABLE_STATES

    def audit_snapshot(self):
        """Return the audited fields as JSON-ready data (decimals as text, so nothing is rounded)."""
        data = {}
        for name in AUDITED_FIELDS:
            field_value = getattr(self, name)
            data[name] = str(field_value) if isinstance(field_value, Decimal) else field_value
        return data


def evidence_path(instance, filename):
    # A random name: the original is kept in the database, never trusted on disk.
    return f"evidence/{instance.value_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    value = models.ForeignKey(IndicatorValue, verbose_name=_("số liệu"), on_delete=models.CASCADE,
                              related_name="evidence")
    file = models.FileField(_("tệp"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("loại tệp"), max_length=100)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("mã kiểm tra SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"),
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.original_name


class Comment(models.Model):
    value = models.ForeignKey(IndicatorValue, verbose_name=_("số liệu"), on_delete=models.CASCADE,
                              related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người viết"), on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(_("nội dung"))
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("trao đổi")
        verbose_name_plural = _("trao đổi")
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:60]


class AuditAction(models.TextChoices):
    CREATE = "create", _("Tạo")
    UPDATE = "update", _("Sửa")
    SUBMIT = "submit", _("Gửi duyệt")
    APPROVE = "approve", _("Duyệt")
    RETURN = "return", _("Trả lại")
    REOPEN = "reopen", _("Mở lại")
    EVIDENCE_ADD = "evidence_add", _("Thêm minh chứng")
    EVIDENCE_REMOVE = "evidence_remove", _("Xóa minh chứng")
    COMMENT = "comment", _("Trao đổi")
    COMPUTE = "compute", _("Tự tính")


class AuditChannel(models.TextChoices):
    API = "api", _("API")
    ADMIN = "admin", _("Trang quản trị")
    ADMIN_BULK = "admin_bulk", _("Thao tác hàng loạt")
    IMPORT = "import", _("Nhập tệp")
    SYSTEM = "system", _("Hệ thống")


class AuditEntry(models.Model):
    """One change to a value: who (person or key), when, before and after, why, and through what."""

    value = models.ForeignKey(IndicatorValue, verbose_name=_("số liệu"), on_delete=models.CASCADE,
                              related_name="audit_entries")
    action = models.CharField(_("thao tác"), max_length=20, choices=AuditAction.choices)
    channel = models.CharField(_("kênh"), max_length=20, choices=AuditChannel.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), on_delete=models.PROTECT,
                              related_name="+", null=True, blank=True)
    api_key = models.ForeignKey(ApiKey, verbose_name=_("khóa API"), on_delete=models.PROTECT, related_name="+",
                                null=True, blank=True)
    at = models.DateTimeField(_("lúc"), auto_now_add=True, db_index=True)
    before = models.JSONField(_("trước"), default=dict, blank=True)
    after = models.JSONField(_("sau"), default=dict, blank=True)
    reason = models.TextField(_("lý do"), blank=True)

    class Meta:
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.value_id} · {self.at:%Y-%m-%d %H:%M}"


REPORTING_UNIT_KINDS = [kind.value for kind in UnitKind]


class ReminderRun(models.Model):
    """One row per day reminders went out: a second run the same day finds it and sends nothing."""

    day = models.DateField(_("ngày"), unique=True)
    sent = models.PositiveIntegerField(_("số lời nhắc đã gửi"), default=0)
    at = models.DateTimeField(_("lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("lần gửi nhắc hạn")
        verbose_name_plural = _("lần gửi nhắc hạn")

    def __str__(self):
        return f"{self.day}: {self.sent}"
