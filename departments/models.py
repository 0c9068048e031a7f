"""The organisation: units, who belongs to them, and the API keys external systems use."""

from django.conf import settings
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Concat, Left, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager

from kernel.constraints import PostgresExclusionConstraint


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Tỉnh, thành phố")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    AGENCY = "agency", _("Cơ quan, đơn vị trực thuộc")
    DISTRICT = "district", _("Huyện, thành phố thuộc tỉnh")
    COMMUNE = "commune", _("Xã, phường, thị trấn")


class Role(models.TextChoices):
    """A person's role; stored as membership of the Django group with the same name."""

    ADMIN = "administrator", _("Quản trị viên")
    REVIEWER = "reviewer", _("Người duyệt cấp tỉnh")
    STAFF = "department_staff", _("Cán bộ đơn vị")
    EXTERNAL_SYSTEM = "external_system", _("Hệ thống bên ngoài")


class UnitQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Return the units that existed on `day`."""
        return self.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def subtrees_of(self, units):
        """Return `units` and everything below them in the tree: the units whose path begins with one of theirs.

        One query (the paths of `units` are not read first): every API request of a key or a person asks it.
        """
        heads = units.order_by().filter(path=Left(OuterRef("path"), Length("path")))
        return self.filter(Exists(heads))


class DateRange(Func):
    """A PostgreSQL daterange of two date columns; a null end is open."""

    function = "DATERANGE"
    output_field = DateRangeField()


class Unit(models.Model):
    code = models.CharField(
        _("mã"), max_length=40, unique=True, help_text=_("Mã định danh của đơn vị, ví dụ T36-STTTT.")
    )
    name = models.CharField(_("tên"), max_length=255)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=255, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("đơn vị cấp trên"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    valid_from = models.DateField(_("hiệu lực từ"), default=timezone.localdate)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successor = models.ForeignKey(
        "self", verbose_name=_("đơn vị kế thừa"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="predecessors",
        help_text=_("Đơn vị tiếp nhận dữ liệu khi đơn vị này sáp nhập hoặc giải thể."),
    )
    stats_code = models.CharField(
        _("mã thống kê"), max_length=5, blank=True, db_index=True,
        help_text=_("Mã đơn vị hành chính của Tổng cục Thống kê: tỉnh 2 chữ số, huyện 3, xã 5."),
    )
    admin_type = models.CharField(
        _("loại hình hành chính"), max_length=20, blank=True,
        help_text=_("Theo danh mục: Tỉnh, Thành phố, Quận, Huyện, Thị xã, Xã, Phường, Thị trấn, Đặc khu."),
    )
    agency_id = models.CharField(
        _("mã định danh điện tử"), max_length=40, blank=True,
        help_text=_("Mã định danh điện tử của cơ quan mà hệ thống một cửa dùng, ví dụ H15.50.05.13."),
    )
    register_version = models.CharField(
        _("phiên bản danh mục"), max_length=60, blank=True, editable=False,
        help_text=_("Phiên bản danh mục đơn vị hành chính mà đơn vị được nạp từ đó."),
    )
    # Materialised path of codes ("/T36/T36-STTTT/"): a whole subtree is one indexed prefix filter.
    path = models.CharField(_("đường dẫn trong cây"), max_length=1000, editable=False, db_index=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_to_after_valid_from",
            ),
            # A statistics code names one unit of a level at a time; the code of a merged-away commune
            # may be reused by its successor, so uniqueness holds over overlapping validity only.
            PostgresExclusionConstraint(
                name="unit_stats_code_unique_per_kind_while_valid",
                expressions=[
                    ("kind", RangeOperators.EQUAL),
                    ("stats_code", RangeOperators.EQUAL),
                    (DateRange("valid_from", "valid_to", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=~Q(stats_code=""),
            ),
            models.UniqueConstraint(fields=["agency_id"], condition=~Q(agency_id=""), name="unit_agency_id_unique"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = f"{self.parent.path if self.parent_id else '/'}{self.code}/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Re-parenting or renaming moves the subtree in one statement.
            Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", len(old_path) + 1))
            )

    def is_valid_on(self, day):
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class UnitVersion(models.Model):
    """What a unit was called, its type, code and parent over a period; a change opens a new version."""

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="versions")
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    name = models.CharField(_("tên"), max_length=255)
    admin_type = models.CharField(_("loại hình hành chính"), max_length=20, blank=True)
    stats_code = models.CharField(_("mã thống kê"), max_length=5, blank=True)
    parent = models.ForeignKey(
        Unit, verbose_name=_("đơn vị cấp trên"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("nguồn"), max_length=60, help_text=_("Phiên bản danh mục hoặc văn bản ghi nhận."))
    recorded_at = models.DateTimeField(_("thời điểm ghi nhận"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản đơn vị")
        verbose_name_plural = _("lịch sử đơn vị")
        ordering = ["unit", "valid_from", "recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unitversion_valid_to_after_valid_from",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.valid_from}–{self.valid_to or '…'})"


class UnitSuccession(models.Model):
    """One unit that took over (part of) another; a split commune has several, one of them main."""

    predecessor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị trước"), on_delete=models.CASCADE, related_name="successions"
    )
    successor = models.ForeignKey(
        Unit, verbose_name=_("đơn vị kế thừa"), on_delete=models.PROTECT, related_name="successions_from"
    )
    is_main = models.BooleanField(
        _("kế thừa chính"), default=False, help_text=_("Đơn vị nhận dữ liệu khi cộng dồn (Unit.successor)."),
    )
    valid_from = models.DateField(_("hiệu lực từ"))

    class Meta:
        verbose_name = _("kế thừa đơn vị")
        verbose_name_plural = _("kế thừa đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unitsuccession_unique_pair"),
            models.UniqueConstraint(fields=["predecessor"], condition=Q(is_main=True),
                                    name="unitsuccession_one_main"),
        ]

    def __str__(self):
        return f"{self.predecessor_id} → {self.successor_id}"


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người dùng"), on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("thành viên đơn vị")
        verbose_name_plural = _("thành viên đơn vị")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique_user_unit")]

    def __str__(self):
        return f"{self.user} @ {self.unit.code}"


class ApiResource(models.TextChoices):
    """What an API key may be scoped to; each resource has a read and a write scope."""

    UNITS = "units", _("Đơn vị")
    INDICATORS = "indicators", _("Chỉ tiêu, khung chỉ tiêu")
    INDICATOR_VALUES = "indicator-values", _("Số liệu chỉ tiêu")
    PROCEDURES = "procedures", _("Thủ tục hành chính")
    DOSSIERS = "dossiers", _("Hồ sơ")
    PROCEDURE_STATS = "procedure-stats", _("Thống kê giải quyết hồ sơ")
    REPORTS = "reports", _("Báo cáo")


def validate_source_names(value):
    """Reject anything but a list of distinct, non-empty source names of at most 100 characters."""
    names = value if isinstance(value, list) else None
    if names is None or not all(isinstance(name, str) and 0 < len(name.strip()) <= 100 for name in names):
        raise ValidationError(_("Danh sách hệ thống nguồn: mỗi tên từ 1 đến 100 ký tự."))
    if len({name.strip() for name in names}) != len(names):
        raise ValidationError(_("Danh sách hệ thống nguồn có tên lặp lại."))


def scope_choices():
    """Return ("units:read", "Đơn vị — đọc") pairs for every resource and access."""
    choices = []
    for resource in ApiResource:
        choices.append((f"{resource.value}:read", f"{resource.label} — {_('đọc')}"))
        choices.append((f"{resource.value}:write", f"{resource.label} — {_('ghi')}"))
    return choices


class ApiKey(AbstractAPIKey):
    """A hashed API key for one external system, scoped by resource and bound to units."""

    service_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("tài khoản hệ thống"), on_delete=models.PROTECT,
        related_name="api_keys", help_text=_("Nhật ký kiểm toán ghi tên hệ thống qua tài khoản này."),
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("đơn vị được phép"), related_name="api_keys", blank=True,
        help_text=_("Khóa chỉ đọc, ghi dữ liệu của các đơn vị này và đơn vị cấp dưới."),
    )
    scopes = models.JSONField(_("quyền"), default=list, blank=True)
    # The one-stop systems whose dossiers this key writes (Dossier.source). The source belongs to the key,
    # not to the request: a key may name only these, so it can never reach another system's dossiers.
    sources = models.JSONField(
        _("hệ thống nguồn"), default=list, blank=True, validators=[validate_source_names],
        help_text=_("Mã các hệ thống nguồn mà khóa được gửi hồ sơ; để trống: tên tài khoản hệ thống."),
    )
    last_used_at = models.DateTimeField(_("lần dùng gần nhất"), null=True, blank=True, editable=False)
    # The library's own fields, declared again only to name them in Vietnamese; columns are unchanged.
    prefix = models.CharField(_("tiền tố"), max_length=8, unique=True, editable=False)
    hashed_key = models.CharField(_("mã băm của khóa"), max_length=150, editable=False)
    created = models.DateTimeField(_("tạo lúc"), auto_now_add=True, db_index=True)
    name = models.CharField(_("tên khóa"), max_length=50, blank=False, default=None,
                            help_text=_("Tên gợi nhớ của khóa, tối đa 50 ký tự."))
    revoked = models.BooleanField(_("đã thu hồi"), blank=True, default=False,
                                  help_text=_("Khóa bị thu hồi không dùng được nữa (không thể hoàn tác)."))
    expiry_date = models.DateTimeField(_("hết hạn"), blank=True, null=True,
                                       help_text=_("Sau ngày hết hạn, khóa không dùng được nữa."))

    objects = APIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("khóa API")
        verbose_name_plural = _("khóa API")

    def allows(self, resource, access):
        return f"{resource}:{access}" in self.scopes

    def source_systems(self):
        """Return the sources this key writes dossiers for; the first is the default."""
        return [name.strip() for name in self.sources] or [self.service_account.get_username()]
