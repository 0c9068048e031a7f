"""Administrative procedures, dossiers pushed by one-stop systems, and their processing statistics."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from departments.models import ApiKey, Unit
from indicators.models import AuditChannel

# 1.000234.000.00.00.H42 (national form) or 1.000948.H38 (provincial short form); an online service may
# add a suffix such as .02. The shape is checked; the code itself is kept as text.
PROCEDURE_CODE = re.compile(r"^\d\.\d{6}(\.\d{3}\.\d{2}\.\d{2})?\.[A-Z]\d{2}(\.\d{2})?$")


def validate_procedure_code(code):
    if not PROCEDURE_CODE.match(code or ""):
        raise ValidationError(
            _("Mã thủ tục không đúng dạng, ví dụ đúng: 1.000234.000.00.00.H42 hoặc 1.000948.H38."),
            code="procedure_code",
        )


class OnlineLevel(models.TextChoices):
    """Decree 42/2022/NĐ-CP."""

    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không có dịch vụ trực tuyến")


class LevelScheme(models.Model):
    """A dated legal scheme of online service levels (Decree 43/2011, 42/2022, 224/2026): rules of law are data.

    `levels` says what the scheme allows, e.g. {"online_level": ["full", "partial", "none"],
    "reason_required_for": ["partial"], "proactive_level": [1, 2, 3, 4]} or {"legacy_level": [1, 2, 3, 4]}.
    """

    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=255)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    levels = models.JSONField(_("các mức độ cho phép"), default=dict)

    class Meta:
        verbose_name = _("hệ thống mức độ dịch vụ công trực tuyến")
        verbose_name_plural = _("hệ thống mức độ dịch vụ công trực tuyến")
        ordering = ["valid_from"]

    def __str__(self):
        return f"{self.code} — {self.name}"

    def in_force_on(self, day):
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @classmethod
    def on(cls, day):
        """Return the scheme in force on a date, or None before the first one."""
        return cls.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)) \
            .order_by("-valid_from").first()


class ImplementingLevel(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


class ProcedureField(models.Model):
    """Lĩnh vực: the area a procedure belongs to (codes like G03-GD10)."""

    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=255)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} — {self.name}"


class Procedure(models.Model):
    code = models.CharField(_("mã thủ tục"), max_length=40, unique=True, validators=[validate_procedure_code])
    name = models.CharField(_("tên thủ tục"), max_length=1000)
    field = models.ForeignKey(ProcedureField, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT,
                              related_name="procedures")
    at_province = models.BooleanField(_("thực hiện ở cấp tỉnh"), default=False)
    at_district = models.BooleanField(_("thực hiện ở cấp huyện"), default=False)
    at_commune = models.BooleanField(_("thực hiện ở cấp xã"), default=False)
    department = models.ForeignKey(Unit, verbose_name=_("cơ quan chủ trì"), on_delete=models.PROTECT,
                                   related_name="procedures")
    processing_time = models.CharField(_("thời hạn giải quyết"), max_length=255, blank=True)
    fee = models.CharField(_("phí, lệ phí"), max_length=255, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    publication_decision = models.CharField(_("quyết định công bố"), max_length=255, blank=True)
    online_level = models.CharField(_("mức độ dịch vụ công trực tuyến"), max_length=10, choices=OnlineLevel.choices,
                                    default=OnlineLevel.NONE)
    full_online = models.BooleanField(_("toàn trình"), default=False, editable=False,
                                      help_text=_("Luôn khớp với mức độ: đúng khi mức độ là toàn trình."))
    legacy_level = models.PositiveSmallIntegerField(_("mức độ cũ (1–4)"), null=True, blank=True,
                                                    help_text=_("Theo Nghị định 43/2011, cho số liệu trước 2022."))
    partial_reason = models.TextField(_("lý do pháp lý chỉ cung cấp một phần"), blank=True,
                                      help_text=_("Bắt buộc khi mức độ là một phần theo Nghị định 224/2026."))
    proactive_level = models.PositiveSmallIntegerField(_("mức độ dịch vụ chủ động (1–4)"), null=True, blank=True,
                                                       help_text=_("Theo Nghị định 224/2026."))
    eligible_full_online = models.BooleanField(_("đủ điều kiện toàn trình"), default=False)
    mobile = models.BooleanField(_("dùng được trên thiết bị di động"), default=False)
    on_national_portal = models.BooleanField(_("công khai trên Cổng DVC quốc gia"), default=False)
    active_from = models.DateField(_("áp dụng từ"))
    abolished_on = models.DateField(_("bãi bỏ từ"), null=True, blank=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(online_level="full", full_online=True) | (~Q(online_level="full") & Q(full_online=False)),
                name="procedure_full_online_matches_level",
            ),
            models.CheckConstraint(condition=Q(legacy_level__isnull=True) | Q(legacy_level__gte=1, legacy_level__lte=4),
                                   name="procedure_legacy_level_1_to_4"),
            models.CheckConstraint(condition=Q(proactive_level__isnull=True)
                                   | Q(proactive_level__gte=1, proactive_level__lte=4),
                                   name="procedure_proactive_level_1_to_4"),
        ]

    def __str__(self):
        return f"{self.code} — {self.name[:80]}"

    def save(self, *args, **kwargs):
        # The flag is the level, stored for filtering and exports; it can never disagree.
        self.full_online = self.online_level == OnlineLevel.FULL
        super().save(*args, **kwargs)

    def clean(self):
        self.full_online = self.online_level == OnlineLevel.FULL


class ProcedureLevelPeriod(models.Model):
    """The online level a procedure had from one date to another, so coverage on a past date can be told."""

    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE,
                                  related_name="level_periods")
    scheme = models.ForeignKey(LevelScheme, verbose_name=_("hệ thống mức độ"), on_delete=models.PROTECT,
                               related_name="periods", null=True, blank=True)
    online_level = models.CharField(_("mức độ dịch vụ công trực tuyến"), max_length=10, choices=OnlineLevel.choices)
    legacy_level = models.PositiveSmallIntegerField(_("mức độ cũ (1–4)"), null=True, blank=True)
    partial_reason = models.TextField(_("lý do pháp lý chỉ cung cấp một phần"), blank=True)
    proactive_level = models.PositiveSmallIntegerField(_("mức độ dịch vụ chủ động (1–4)"), null=True, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("lịch sử mức độ")
        verbose_name_plural = _("lịch sử mức độ")
        ordering = ["procedure", "valid_from"]
        indexes = [models.Index(fields=["valid_from", "valid_to"], name="level_period_dates")]

    def __str__(self):
        return f"{self.procedure_id}: {self.online_level} {self.valid_from}–{self.valid_to or ''}"


class ProcedureChange(models.Model):
    """Audit of a procedure record: who (person or key), when, before and after."""

    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE,
                                  related_name="changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người thực hiện"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    api_key = models.ForeignKey(ApiKey, verbose_name=_("khóa API"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    channel = models.CharField(_("qua"), max_length=20, choices=AuditChannel.choices)
    at = models.DateTimeField(_("lúc"), auto_now_add=True)
    before = models.JSONField(_("trước"), default=dict, blank=True)
    after = models.JSONField(_("sau"), default=dict, blank=True)

    class Meta:
        verbose_name = _("lịch sử thay đổi thủ tục")
        verbose_name_plural = _("lịch sử thay đổi thủ tục")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.procedure_id} @ {self.at:%Y-%m-%d %H:%M}"


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POST = "post", _("Bưu chính")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Đang giải quyết")
    RESOLVED = "resolved", _("Đã giải quyết")
    REJECTED = "rejected", _("Từ chối")
    WITHDRAWN = "withdrawn", _("Rút hồ sơ")


class DossierStatus(models.TextChoices):
    """TrangThaiHoSo as one-stop systems sync it to the National Public Service Portal."""

    NEW = "1", _("Mới đăng ký")
    RECEIVED = "2", _("Đã tiếp nhận")
    NOT_ACCEPTED = "3", _("Không được tiếp nhận")
    PROCESSING = "4", _("Đang xử lý")
    SUPPLEMENT = "5", _("Yêu cầu bổ sung giấy tờ")
    FINANCIAL = "6", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = "7", _("Công dân yêu cầu rút hồ sơ")
    STOPPED = "8", _("Dừng xử lý")
    DONE = "9", _("Đã xử lý xong")
    RETURNED = "10", _("Đã trả kết quả")


class DossierImport(models.Model):
    """One batch pushed by a one-stop system, and what it did."""

    source = models.CharField(_("hệ thống nguồn"), max_length=100)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người gửi"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    api_key = models.ForeignKey(ApiKey, verbose_name=_("khóa API"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    channel = models.CharField(_("qua"), max_length=20, choices=AuditChannel.choices)
    at = models.DateTimeField(_("lúc"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("số dòng"), default=0)
    created = models.PositiveIntegerField(_("tạo mới"), default=0)
    updated = models.PositiveIntegerField(_("cập nhật"), default=0)
    unchanged = models.PositiveIntegerField(_("không đổi"), default=0)
    rejected = models.PositiveIntegerField(_("bị từ chối"), default=0)

    class Meta:
        verbose_name = _("lần nhận hồ sơ")
        verbose_name_plural = _("lần nhận hồ sơ")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.source} @ {self.at:%Y-%m-%d %H:%M} ({self.rows})"


class Dossier(models.Model):
    """A dossier as its source system last told it. `unit` is the unit competent to decide it (Decree
    118/2025), which statistics and scope follow by default; `receiving_unit` is where it was handed in."""

    source = models.CharField(_("hệ thống nguồn"), max_length=100)
    code = models.CharField(_("mã hồ sơ"), max_length=100)
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT,
                                  related_name="dossiers")
    # No index of their own: (unit, received_at, id) and (receiving_unit, received_at, id) below begin with them
    # and serve every lookup by unit; a second index would only be written on every ingested dossier.
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị có thẩm quyền giải quyết"), on_delete=models.PROTECT,
                             related_name="dossiers", db_index=False)
    receiving_unit = models.ForeignKey(Unit, verbose_name=_("đơn vị tiếp nhận"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="received_dossiers", db_index=False)
    field_code = models.CharField(_("mã lĩnh vực"), max_length=30, blank=True)
    channel = models.CharField(_("kênh nộp"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("trạng thái"), max_length=2, choices=DossierStatus.choices,
                              default=DossierStatus.PROCESSING)
    status_at = models.DateTimeField(_("thời điểm của trạng thái"), null=True, blank=True,
                                     help_text=_("Thời điểm muộn nhất mà nguồn cho biết về hồ sơ."))
    submitted_at = models.DateTimeField(_("ngày nộp"), null=True, blank=True)
    received_at = models.DateTimeField(_("ngày tiếp nhận"), null=True, blank=True)
    first_due_at = models.DateTimeField(_("hạn trả ban đầu"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn trả kết quả"), null=True, blank=True,
                                  help_text=_("Hạn hiện tại, sau các lần bổ sung."))
    completed_at = models.DateTimeField(_("ngày kết thúc xử lý"), null=True, blank=True)
    returned_at = models.DateTimeField(_("ngày trả kết quả"), null=True, blank=True)
    refused_at = models.DateTimeField(_("ngày từ chối"), null=True, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    fee_required = models.BooleanField(_("có phí"), default=False)
    paid_online = models.BooleanField(_("thanh toán trực tuyến"), default=False)
    digitized = models.BooleanField(_("đã số hóa"), default=False)
    e_result = models.BooleanField(_("trả kết quả điện tử"), default=False)
    vneid_verified = models.BooleanField(_("tài khoản xác thực VNeID"), default=False)
    fees = models.JSONField(_("danh sách lệ phí"), default=list, blank=True)
    details_digest = models.CharField(_("dấu vân tay bổ sung và quá trình xử lý"), max_length=64, blank=True,
                                      editable=False)
    # Indexed by dossier_last_import below.
    last_import = models.ForeignKey(DossierImport, verbose_name=_("lần nhận gần nhất"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["source", "code"], name="dossier_unique_source_code"),
        ]
        indexes = [
            # With the id, a unit's newest dossiers are read in the list's order (received_at, id), no sort.
            models.Index(fields=["unit", "received_at", "id"], name="dossier_unit_received"),
            models.Index(fields=["last_import"], name="dossier_last_import"),
            models.Index(fields=["receiving_unit", "received_at", "id"], name="dossier_receiving_received"),
            # Overdue counts read only this index (index-only scan), which holds the open dossiers alone
            # (counting.OPEN: 2, 4, 5, 6), so their cost follows the open dossiers, not all of them.
            models.Index(fields=["received_at", "due_at"], include=["unit", "receiving_unit", "procedure"],
                         condition=Q(status__in=["2", "4", "5", "6"]), name="dossier_pending_due_idx"),
            # The admin list: newest first (read backwards), by status, and a dossier looked up by its code.
            models.Index(fields=["received_at", "id"], name="dossier_received"),
            models.Index(fields=["status", "received_at"], name="dossier_status_received"),
            models.Index(fields=["code"], name="dossier_code"),
        ]

    def __str__(self):
        return f"{self.source}:{self.code}"

    @property
    def competent_unit(self):
        return self.unit


class DossierStatusChange(models.Model):
    """One step of a dossier's status history, recorded when a push brings a newer status."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE,
                                related_name="status_changes")
    previous_status = models.CharField(_("trạng thái trước"), max_length=2, choices=DossierStatus.choices,
                                       blank=True)
    status = models.CharField(_("trạng thái"), max_length=2, choices=DossierStatus.choices)
    at = models.DateTimeField(_("thời điểm"), null=True, blank=True)
    dossier_import = models.ForeignKey(DossierImport, verbose_name=_("lần nhận"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("thay đổi trạng thái hồ sơ")
        verbose_name_plural = _("thay đổi trạng thái hồ sơ")
        ordering = ["dossier", "pk"]

    def __str__(self):
        return f"{self.dossier_id}: {self.previous_status or '-'} → {self.status}"


class DossierSupplement(models.Model):
    """A request for more papers (DanhSachHoSoBoSung): it moves the due date, and both dates are kept."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="supplements")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    requested_at = models.DateTimeField(_("ngày yêu cầu bổ sung"), null=True, blank=True)
    received_at = models.DateTimeField(_("ngày tiếp nhận bổ sung"), null=True, blank=True)
    previous_due_at = models.DateTimeField(_("hạn trả trước"), null=True, blank=True)
    new_due_at = models.DateTimeField(_("hạn trả mới"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần bổ sung hồ sơ")
        verbose_name_plural = _("lần bổ sung hồ sơ")
        ordering = ["dossier", "position"]

    def __str__(self):
        return f"{self.dossier_id} #{self.position}"


class DossierStep(models.Model):
    """One processing step (QuaTrinhXuLy): who handled it, when, and the step's own due date."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    handler = models.CharField(_("người xử lý"), max_length=255, blank=True)
    at = models.DateTimeField(_("thời điểm xử lý"), null=True, blank=True)
    status = models.CharField(_("trạng thái bước"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("ngày bắt đầu"), null=True, blank=True)
    due_at = models.DateTimeField(_("ngày kết thúc theo quy định"), null=True, blank=True)

    class Meta:
        verbose_name = _("bước xử lý hồ sơ")
        verbose_name_plural = _("bước xử lý hồ sơ")
        ordering = ["dossier", "position"]
        indexes = [models.Index(fields=["at"], name="dossier_step_at")]

    def __str__(self):
        return f"{self.dossier_id} #{self.position}"


STAT_COUNTERS = [
    "received", "received_online", "processed", "on_time", "late", "pending",
    "fee_required", "paid_online", "digitized", "e_result", "withdrawn", "stopped",
]


class DossierStatCells(models.Model):
    """The counters of one summary cell (unit × procedure × a span of days); see DossierMonthStat."""

    # No index of its own: the cell's unique (unit, procedure, date) begins with the unit.
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+",
                             db_index=False)
    procedure = models.ForeignKey(Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE, related_name="+")
    received = models.IntegerField(_("tiếp nhận"), default=0)
    received_online = models.IntegerField(_("tiếp nhận trực tuyến"), default=0)
    processed = models.IntegerField(_("đã giải quyết"), default=0)
    on_time = models.IntegerField(_("đúng hạn"), default=0)
    late = models.IntegerField(_("trễ hạn"), default=0)
    pending = models.IntegerField(_("đang giải quyết"), default=0)
    fee_required = models.IntegerField(_("có phí"), default=0)
    paid_online = models.IntegerField(_("thanh toán trực tuyến"), default=0)
    digitized = models.IntegerField(_("số hóa"), default=0)
    e_result = models.IntegerField(_("trả kết quả điện tử"), default=0)
    withdrawn = models.IntegerField(_("rút hồ sơ"), default=0)
    stopped = models.IntegerField(_("dừng xử lý"), default=0)

    class Meta:
        abstract = True


class DossierMonthStat(DossierStatCells):
    """Counts per unit × procedure × month, kept current by ingestion (never a rescan of all dossiers).

    Received-side counters (received, received_online, pending, fee_required, paid_online, digitized,
    withdrawn, stopped) count in the month a dossier was received; processed-side counters (processed, on_time, late,
    e_result) in the month it was completed.
    """

    month = models.DateField(_("tháng"))

    class Meta:
        verbose_name = _("thống kê hồ sơ theo tháng")
        verbose_name_plural = _("thống kê hồ sơ theo tháng")
        constraints = [
            models.UniqueConstraint(fields=["unit", "procedure", "month"], name="stat_unique_cell"),
        ]
        indexes = [models.Index(fields=["month"], name="stat_month")]

    def __str__(self):
        return f"{self.unit_id}/{self.procedure_id}/{self.month:%Y-%m}"


class DossierDayStat(DossierStatCells):
    """The same counts per unit × procedure × local day, for periods that cut through months (regime windows).

    Kept by the same delta as the month cells; the month cells stay the answer for whole calendar months
    (about 30 times fewer rows to add up).
    """

    day = models.DateField(_("ngày"))

    class Meta:
        verbose_name = _("thống kê hồ sơ theo ngày")
        verbose_name_plural = _("thống kê hồ sơ theo ngày")
        constraints = [
            models.UniqueConstraint(fields=["unit", "procedure", "day"], name="stat_day_unique_cell"),
        ]
        indexes = [models.Index(fields=["day"], name="stat_day")]

    def __str__(self):
        return f"{self.unit_id}/{self.procedure_id}/{self.day:%Y-%m-%d}"


class Component766(models.TextChoices):
    TRANSPARENCY = "transparency", _("Công khai, minh bạch")
    PROGRESS = "processing_progress", _("Tiến độ giải quyết")
    ONLINE_SERVICE = "online_service", _("Cung cấp dịch vụ trực tuyến")
    ONLINE_PAYMENT = "online_payment", _("Thanh toán trực tuyến")
    DIGITISATION = "digitisation", _("Số hóa hồ sơ")
    SATISFACTION = "satisfaction", _("Mức độ hài lòng")


class Metric766(models.TextChoices):
    ON_TIME_RATE = "on_time_rate", _("Tỷ lệ hồ sơ đúng hạn")
    ONLINE_RATE = "online_rate", _("Tỷ lệ hồ sơ trực tuyến")
    PROCEDURES_ONLINE_SHARE = "procedures_online_share", _("Tỷ lệ TTHC có dịch vụ trực tuyến")
    ONLINE_PAYMENT_RATE = "online_payment_rate", _("Tỷ lệ thanh toán trực tuyến")
    DIGITIZATION_RATE = "digitization_rate", _("Tỷ lệ số hóa hồ sơ")


class Score766RuleSet(models.Model):
    """The Decision 766 groups and their points for a span of periods, with where the reading comes from.

    `groups` maps each group (Component766) to its points, e.g. {"transparency": 18, ...}; the rules say how
    the groups dossiers support are estimated. The 2022 text and the national portal's live scoring differ.
    """

    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    source = models.CharField(_("nguồn"), max_length=500)
    valid_from = models.DateField(_("áp dụng từ"))
    valid_to = models.DateField(_("áp dụng đến"), null=True, blank=True)
    groups = models.JSONField(_("các nhóm và điểm tối đa"), default=dict)

    class Meta:
        verbose_name = _("bộ quy tắc chấm điểm QĐ 766")
        verbose_name_plural = _("bộ quy tắc chấm điểm QĐ 766")
        ordering = ["valid_from"]

    def __str__(self):
        return f"{self.code} — {self.name}"

    @classmethod
    def on(cls, day):
        """Return the rule set in force on a date (the latest that began, if none covers it)."""
        sets = cls.objects.filter(valid_from__lte=day).order_by("-valid_from")
        return sets.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).first() or sets.first() \
            or cls.objects.order_by("valid_from").first()


class Score766Rule(models.Model):
    """One scoring rule of Decision 766/QĐ-TTg as the portal estimates it: points grow with a metric
    and are full at a threshold. Published rules are approximate, so they are data, not code."""

    rule_set = models.ForeignKey(Score766RuleSet, verbose_name=_("bộ quy tắc"), on_delete=models.CASCADE,
                                 related_name="rules", null=True)
    component = models.CharField(_("thành phần"), max_length=30, choices=Component766.choices)
    metric = models.CharField(_("chỉ số"), max_length=30, choices=Metric766.choices)
    max_points = models.DecimalField(_("điểm tối đa"), max_digits=6, decimal_places=2)
    full_at = models.DecimalField(_("đạt điểm tối đa khi tỷ lệ từ (%)"), max_digits=6, decimal_places=2)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("quy tắc chấm điểm QĐ 766 (ước tính)")
        verbose_name_plural = _("quy tắc chấm điểm QĐ 766 (ước tính)")
        ordering = ["component", "metric"]
        constraints = [models.CheckConstraint(condition=Q(full_at__gt=0), name="score766_full_at_positive"),
                       models.UniqueConstraint(fields=["rule_set", "metric"], name="score766_metric_once_per_set")]

    def __str__(self):
        return f"{self.get_component_display()} — {self.get_metric_display()}"


class OfficialScore766(models.Model):
    """A score the National Public Service Portal published for a unit, a group and a date (not an estimate)."""

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+")
    rule_set = models.ForeignKey(Score766RuleSet, verbose_name=_("bộ quy tắc"), on_delete=models.PROTECT,
                                 related_name="official_scores")
    group = models.CharField(_("nhóm"), max_length=30, choices=Component766.choices)
    points = models.DecimalField(_("điểm"), max_digits=6, decimal_places=2)
    published_on = models.DateField(_("ngày công bố"))
    source = models.CharField(_("nguồn"), max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhập"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    api_key = models.ForeignKey(ApiKey, verbose_name=_("khóa API"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    channel = models.CharField(_("qua"), max_length=20, choices=AuditChannel.choices)
    imported_at = models.DateTimeField(_("lúc nhập"), auto_now=True)

    class Meta:
        verbose_name = _("điểm chính thức QĐ 766")
        verbose_name_plural = _("điểm chính thức QĐ 766")
        ordering = ["unit", "published_on", "group"]
        constraints = [models.UniqueConstraint(fields=["unit", "group", "published_on"],
                                               name="official766_once_per_unit_group_date"),
                       models.CheckConstraint(condition=Q(points__gte=0), name="official766_points_not_negative")]

    def __str__(self):
        return f"{self.unit_id}/{self.group}@{self.published_on}: {self.points}"
