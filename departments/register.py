"""The official register of administrative units (Decision 19/2025/QĐ-TTg) and loading it into units.

The register comes from the MIT-licensed `vietnamadminunits` package, extracted by `register_build` into a
compact file shipped in `register_data/`. Portal codes are derived from the statistics office's codes:

- province after 1 July 2025: `T37`; a province the reform left alone (Hà Nội, Huế ...) is one unit
  across both eras, `T01`, never closed;
- province before the reform: `T36`; when a merged province carries its code on, `T37-CU` ("cũ", old);
- district (abolished by the reform): `H356`;
- commune after the reform: `X37-14293`; before it, under its district: `H356-13669`.

A commune's statistics code may live on in its successor, hence the era in the code. Units are matched by
portal code, so the demo's `T36`, `T37` and `H356`... are filled in, not duplicated.
"""

import gzip
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.errors import NotAllowed, ServiceError

from .models import Unit, UnitKind, UnitSuccession, UnitVersion
from .policy import can_manage_catalogues

FORMAT = "dxportal-admin-register/1"
DATA_DIR = Path(__file__).resolve().parent / "register_data"
DEFAULT_FILE = DATA_DIR / "vietnamadminunits-1.0.4.json.gz"
REFORM_DAY = date(2025, 7, 1)
LAST_DAY_BEFORE_REFORM = REFORM_DAY - timedelta(days=1)
# The register does not say when pre-reform units were founded; new ones start at the 63-province map
# (1 August 2008). A unit the portal already had keeps its own date.
LEGACY_HORIZON = date(2008, 8, 1)
LEVELS = (UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE)
CONTENT_FIELDS = ("name", "admin_type", "stats_code", "parent_id")
ADVISORY_LOCK = 0x0D7_2E6  # one register load at a time


@dataclass
class Spec:
    """What the register says one unit is."""

    code: str
    kind: str
    stats_code: str
    name: str
    admin_type: str
    parent_code: str | None
    valid_from: date
    valid_to: date | None
    successor_codes: tuple = ()  # main first


@dataclass
class LevelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0


@dataclass
class RegisterSummary:
    version: str
    province_codes: list
    dry_run: bool
    levels: dict = field(default_factory=lambda: {level.value: LevelCounts() for level in LEVELS})
    versions_created: int = 0
    successions_created: int = 0
    successions_updated: int = 0
    successions_removed: int = 0

    @property
    def changed(self):
        counts = self.levels.values()
        return any(c.created or c.updated or c.closed for c in counts) or self.successions_created or \
            self.successions_updated or self.successions_removed

    def as_lines(self):
        """Return the summary as lines for a console or an admin message."""
        area = ", ".join(self.province_codes) if self.province_codes else _("cả nước")
        lines = [f"{self.version} — {area}" + (f" ({_('chạy thử')})" if self.dry_run else "")]
        for level, c in self.levels.items():
            lines.append(_("%(level)s: tạo mới %(created)s, cập nhật %(updated)s, không đổi %(unchanged)s, "
                           "đóng %(closed)s") % {"level": UnitKind(level).label, **vars(c)})
        lines.append(_("Phiên bản lịch sử tạo mới %(versions)s; kế thừa tạo mới %(created)s, cập nhật %(updated)s, "
                       "xóa %(removed)s") % {"versions": self.versions_created, "created": self.successions_created,
                                             "updated": self.successions_updated,
                                             "removed": self.successions_removed})
        return lines


def register_read(path=None):
    """Return the register data of a shipped (or given) file; a file that is not one is refused."""
    path = Path(path or DEFAULT_FILE)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, EOFError, ValueError) as exc:
        raise ServiceError(_("Không đọc được tệp danh mục đơn vị hành chính."), field="file") from exc


def province_portal_code(stats_code):
    return f"T{stats_code}"


def commune_portal_code(province_code, stats_code):
    return f"X{province_code}-{stats_code}"


def legacy_province_portal_code(stats_code, carried_codes):
    return f"T{stats_code}-CU" if stats_code in carried_codes else f"T{stats_code}"


def district_portal_code(stats_code):
    return f"H{stats_code}"


def legacy_commune_portal_code(district_code, stats_code):
    return f"H{district_code}-{stats_code}"


def _province_type(name):
    return "Thành phố" if name.startswith("Thành phố") else "Tỉnh"


def _check_format(data):
    keys = ("provinces", "communes", "legacy_provinces", "legacy_districts", "legacy_communes", "label")
    if not isinstance(data, dict) or data.get("format") != FORMAT or any(key not in data for key in keys):
        raise ServiceError(_("Tệp không đúng định dạng danh mục đơn vị hành chính."), field="file",
                           code="invalid_format")


def _version_key(label):
    source, _sep, version = label.rpartition(" ")
    try:
        return source, tuple(int(part) for part in version.split("."))
    except ValueError:
        return source, ()


def _check_not_older(label):
    source, version = _version_key(label)
    loaded = Unit.objects.exclude(register_version="").order_by().values_list("register_version", flat=True).distinct()
    newer = [other for other in loaded if _version_key(other)[0] == source and _version_key(other)[1] > version]
    if newer:
        raise ServiceError(
            _("Phiên bản danh mục %(file)s cũ hơn phiên bản đã nạp %(loaded)s.") % {"file": label, "loaded": newer[0]},
            field="file", code="older_version",
        )


def _specs(data, province_codes):
    """Return the specs of the area in load order: new provinces, new communes, then the pre-reform tiers."""
    wanted = set(province_codes) if province_codes else {code for code, _name in data["provinces"]}
    unknown = wanted - {code for code, _name in data["provinces"]}
    if unknown:
        raise ServiceError(_("Không có tỉnh, thành phố với mã %(codes)s trong danh mục.")
                           % {"codes": ", ".join(sorted(unknown))}, field="province_codes", code="unknown_province")
    legacy = [row for row in data["legacy_provinces"] if row[2] in wanted]
    constituents = {}
    for code, _name, successor in data["legacy_provinces"]:
        constituents.setdefault(successor, []).append(code)
    continuing = {code for code, olds in constituents.items() if olds == [code]}
    carried = set(constituents) - continuing
    specs = [_new_province_spec(code, name, code in continuing) for code, name in data["provinces"] if code in wanted]
    specs += [
        Spec(commune_portal_code(province, code), UnitKind.COMMUNE, code, name, admin_type,
             province_portal_code(province), REFORM_DAY, None)
        for code, name, admin_type, province in data["communes"] if province in wanted
    ]
    legacy_codes = {}
    for code, name, successor in legacy:
        legacy_codes[code] = legacy_province_portal_code(code, carried)
        if code not in continuing:
            specs.append(Spec(legacy_codes[code], UnitKind.PROVINCE, code, name, _province_type(name), None,
                              LEGACY_HORIZON, LAST_DAY_BEFORE_REFORM, (province_portal_code(successor),)))
    new_province_of = {code: successor for code, _name, successor in legacy}
    specs += _legacy_district_specs(data, legacy_codes, new_province_of)
    specs += _legacy_commune_specs(data, new_province_of)
    return specs


def _check_references(specs):
    """Refuse a file whose units name a parent or successor outside the area loaded."""
    known = {spec.code for spec in specs}
    for spec in specs:
        missing = [code for code in (spec.parent_code, *spec.successor_codes) if code and code not in known]
        if missing:
            raise ServiceError(_("Danh mục không nhất quán: %(unit)s tham chiếu %(missing)s không có trong danh mục.")
                               % {"unit": spec.code, "missing": ", ".join(missing)}, field="file",
                               code="inconsistent")


def _new_province_spec(code, name, continuing):
    valid_from = LEGACY_HORIZON if continuing else REFORM_DAY
    return Spec(province_portal_code(code), UnitKind.PROVINCE, code, name, _province_type(name), None, valid_from,
                None)


def _legacy_district_specs(data, legacy_codes, new_province_of):
    specs = []
    for code, name, admin_type, province, island_successors in data["legacy_districts"]:
        if province not in legacy_codes:
            continue
        new_province = new_province_of[province]
        # An island district without communes became a special zone (đặc khu): that is its successor.
        successors = [commune_portal_code(new_province, c) for c in island_successors] or \
            [province_portal_code(new_province)]
        specs.append(Spec(district_portal_code(code), UnitKind.DISTRICT, code, name, admin_type,
                          legacy_codes[province], LEGACY_HORIZON, LAST_DAY_BEFORE_REFORM, tuple(successors)))
    return specs


def _legacy_commune_specs(data, new_province_of):
    return [
        Spec(legacy_commune_portal_code(district, code), UnitKind.COMMUNE, code, name, admin_type or "",
             district_portal_code(district), LEGACY_HORIZON, LAST_DAY_BEFORE_REFORM,
             tuple(commune_portal_code(new_province_of[province], c) for c in successors))
        for code, name, admin_type, district, province, successors in data["legacy_communes"]
        if province in new_province_of
    ]


@transaction.atomic
def register_load(*, data, province_codes=None, as_of=None, dry_run=False, actor=None):
    """Load the register for some provinces (new codes, e.g. ["37"]) or the whole country; return a summary.

    `actor` None is the command line: whoever runs manage.py already owns the installation.
    """
    if actor is not None and not can_manage_catalogues(actor):
        raise NotAllowed(_("Chỉ quản trị viên được nạp danh mục đơn vị hành chính."))
    _check_format(data)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
    _check_not_older(data["label"])
    codes = sorted(province_codes) if province_codes else []
    specs = _specs(data, codes)
    _check_references(specs)
    load = _Load(label=data["label"], as_of=as_of or timezone.localdate(),
                 summary=RegisterSummary(version=data["label"], province_codes=codes, dry_run=dry_run))
    load.run(specs, whole_country=not codes)
    if dry_run:
        transaction.set_rollback(True)
    return load.summary


class _Load:
    """One load: a few set-based statements per tier, whatever the number of units."""

    def __init__(self, *, label, as_of, summary):
        self.label, self.as_of, self.summary = label, as_of, summary
        self.units = {}
        self.new_versions = []
        self.closed_versions = []
        self.changed = []  # (unit, content changed?) of existing units

    def run(self, specs, *, whole_country):
        self.units = {unit.code: unit for unit in Unit.objects.filter(code__in=[spec.code for spec in specs])}
        self.latest_versions = self._latest_versions()
        groups = {}
        for spec in specs:
            key = (spec.valid_to is None, spec.kind)
            groups.setdefault(key, []).append(spec)
        order = [(True, UnitKind.PROVINCE), (True, UnitKind.COMMUNE), (False, UnitKind.PROVINCE),
                 (False, UnitKind.DISTRICT), (False, UnitKind.COMMUNE)]
        for key in order:
            self._apply_group(groups.get(key, []))
        self._close_absent(specs, whole_country=whole_country)
        UnitVersion.objects.bulk_update(self.closed_versions, ["valid_to"], batch_size=1000)
        UnitVersion.objects.bulk_create(self.new_versions, batch_size=2000)
        self.summary.versions_created = len(self.new_versions)
        self._sync_successions([spec for spec in specs if spec.successor_codes])

    def _latest_versions(self):
        latest = {}
        ids = [unit.pk for unit in self.units.values()]
        for version in UnitVersion.objects.filter(unit_id__in=ids).order_by("unit_id", "valid_from", "recorded_at"):
            latest[version.unit_id] = version
        return latest

    def _apply_group(self, specs):
        to_create, to_update = [], []
        for spec in specs:
            unit = self.units.get(spec.code)
            if unit is None:
                to_create.append(self._build(spec))
            elif self._refresh(unit, spec):
                to_update.append(unit)
            elif unit.register_version != self.label:
                unit.register_version = self.label
                to_update.append(unit)
        Unit.objects.bulk_create(to_create, batch_size=2000)
        for unit in to_create:
            self.units[unit.code] = unit
            self.new_versions.append(self._version_of(unit, unit.valid_from, unit.valid_to))
        fields = ["name", "admin_type", "stats_code", "parent", "path", "kind", "valid_to", "successor",
                  "register_version"]
        Unit.objects.bulk_update(to_update, fields, batch_size=1000)
        self._move_subtrees(to_update)

    def _build(self, spec):
        parent = self.units[spec.parent_code] if spec.parent_code else None
        successor = self.units[spec.successor_codes[0]] if spec.successor_codes else None
        unit = Unit(code=spec.code, name=spec.name, kind=spec.kind, stats_code=spec.stats_code,
                    admin_type=spec.admin_type, parent=parent, valid_from=spec.valid_from, valid_to=spec.valid_to,
                    successor=successor, register_version=self.label)
        unit.path = f"{parent.path if parent else '/'}{spec.code}/"
        self.summary.levels[spec.kind].created += 1
        return unit

    def _refresh(self, unit, spec):
        """Bring an existing unit in line with the register; return whether anything changed."""
        parent = self.units[spec.parent_code] if spec.parent_code else None
        successor = self.units[spec.successor_codes[0]] if spec.successor_codes else None
        before = {name: getattr(unit, name) for name in CONTENT_FIELDS}
        structure_before = (unit.kind, unit.valid_to, unit.successor_id)
        unit.name, unit.admin_type, unit.stats_code = spec.name, spec.admin_type, spec.stats_code
        unit.parent, unit.kind = parent, spec.kind
        if spec.valid_to is not None:
            unit.valid_to, unit.successor = spec.valid_to, successor
        after = {name: getattr(unit, name) for name in CONTENT_FIELDS}
        if before == after and structure_before == (unit.kind, unit.valid_to, unit.successor_id):
            self.summary.levels[spec.kind].unchanged += 1
            return False
        self.summary.levels[spec.kind].updated += 1
        unit.register_version = self.label
        unit._old_path = unit.path
        unit.path = f"{parent.path if parent else '/'}{unit.code}/"
        self._record_version(unit, content_changed=before != after)
        return True

    def _record_version(self, unit, *, content_changed):
        """Open a version dated `as_of` for a change; a unit's first register record covers its whole life."""
        latest = self.latest_versions.get(unit.pk)
        if latest is None:
            self.new_versions.append(self._version_of(unit, unit.valid_from, unit.valid_to))
            return
        if not content_changed:
            self._close_version(latest, unit.valid_to)
            return
        if unit.is_valid_on(self.as_of) and self.as_of > latest.valid_from:
            self._close_version(latest, self.as_of - timedelta(days=1))
            self.new_versions.append(self._version_of(unit, self.as_of, unit.valid_to))
            return
        # The unit had already ended (or the change predates its last version): the register corrects
        # the record of that period; the earlier version stays beside it, the newer recorded_at wins.
        self.new_versions.append(self._version_of(unit, latest.valid_from, unit.valid_to))

    def _close_version(self, version, valid_to):
        if version.valid_to != valid_to:
            version.valid_to = valid_to
            self.closed_versions.append(version)

    def _version_of(self, unit, valid_from, valid_to):
        return UnitVersion(unit=unit, valid_from=valid_from, valid_to=valid_to, name=unit.name,
                           admin_type=unit.admin_type, stats_code=unit.stats_code, parent=unit.parent,
                           source=self.label)

    def _move_subtrees(self, units):
        for unit in units:
            old_path = getattr(unit, "_old_path", unit.path)
            if old_path != unit.path:
                Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
                    path=Concat(Value(unit.path), Substr("path", len(old_path) + 1))
                )

    def _close_absent(self, specs, *, whole_country):
        """Close the register's units of the area that the register no longer lists (abolished, merged)."""
        listed = {spec.code for spec in specs}
        provinces = [spec.code for spec in specs if spec.kind == UnitKind.PROVINCE and spec.valid_to is None]
        area = Q(kind=UnitKind.COMMUNE, parent__code__in=provinces)
        if whole_country:
            area |= Q(kind=UnitKind.PROVINCE)
        gone = Unit.objects.filter(area, valid_to__isnull=True).exclude(register_version="").exclude(code__in=listed)
        closing_day = self.as_of - timedelta(days=1)
        counts = list(_count_by_kind(gone))
        if not counts:
            return
        for kind, count in counts:
            self.summary.levels[kind].closed += count
        UnitVersion.objects.filter(unit__in=gone, valid_to__isnull=True).update(valid_to=closing_day)
        gone.update(valid_to=closing_day)

    def _sync_successions(self, specs):
        ids = [self.units[spec.code].pk for spec in specs]
        wanted = {}
        for spec in specs:
            for position, code in enumerate(spec.successor_codes):
                wanted[(self.units[spec.code].pk, self.units[code].pk)] = position == 0
        existing = {(row.predecessor_id, row.successor_id): row
                    for row in UnitSuccession.objects.filter(predecessor_id__in=ids)}
        stale = [row.pk for pair, row in existing.items() if pair not in wanted]
        UnitSuccession.objects.filter(pk__in=stale).delete()
        changed = [row for pair, row in existing.items() if pair in wanted and row.is_main != wanted[pair]]
        for row in changed:
            row.is_main = wanted[(row.predecessor_id, row.successor_id)]
        # Clear the old main flags before setting new ones, so the one-main constraint holds throughout.
        UnitSuccession.objects.filter(pk__in=[row.pk for row in changed if not row.is_main]).update(is_main=False)
        UnitSuccession.objects.filter(pk__in=[row.pk for row in changed if row.is_main]).update(is_main=True)
        UnitSuccession.objects.bulk_create(
            [UnitSuccession(predecessor_id=pred, successor_id=succ, is_main=main, valid_from=REFORM_DAY)
             for (pred, succ), main in wanted.items() if (pred, succ) not in existing],
            batch_size=2000,
        )
        self.summary.successions_removed = len(stale)
        self.summary.successions_updated = len(changed)
        self.summary.successions_created = sum(1 for pair in wanted if pair not in existing)


def _count_by_kind(queryset):
    return queryset.order_by().values_list("kind").annotate(n=Count("pk"))
