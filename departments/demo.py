"""Demo organisation: the official register of Ninh Bình (code 37) and the departments of Nam Định.

The register (`departments.register`, Decision 19/2025/QĐ-TTg) gives the units: Ninh Bình with its 129 communes
from 1 July 2025, and before that Hà Nam (T35), Nam Định (T36) and the old Ninh Bình (T37-CU) with their
districts and communes, closed on 30 June 2025, each with its successor. The demo adds what no register holds:
Nam Định's departments and service centre, and the merged province's, and which ones absorbed which.
"""

from datetime import date

from django.conf import settings

from .models import ApiKey, ApiResource, Role, Unit, UnitKind
from .register import REFORM_DAY, register_load, register_read
from .services import api_key_create, api_key_revoke, unit_merge, unit_upsert, user_upsert

DEMO_PROVINCE = "37"  # statistics code of Ninh Bình after 1 July 2025: old Hà Nam, Nam Định and Ninh Bình
NAM_DINH_SINCE = date(1997, 1, 1)  # re-established from Nam Hà (the register only starts in 2008)
# The area's provinces, before and after the merge; the register names them, the demo adds English names.
PROVINCES = {
    "T35": "Ha Nam Province",
    "T36": "Nam Dinh Province",
    "T37-CU": "Ninh Binh Province (before 1 July 2025)",
    "T37": "Ninh Binh Province",
}
OLD_PROVINCES = ["T35", "T36", "T37-CU"]

NAM_DINH_DEPARTMENTS = [
    ("T36-STTTT", "Sở Thông tin và Truyền thông", "Department of Information and Communications", UnitKind.DEPARTMENT),
    ("T36-SNV", "Sở Nội vụ", "Department of Home Affairs", UnitKind.DEPARTMENT),
    ("T36-STP", "Sở Tư pháp", "Department of Justice", UnitKind.DEPARTMENT),
    ("T36-SKHDT", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment", UnitKind.DEPARTMENT),
    ("T36-STC", "Sở Tài chính", "Department of Finance", UnitKind.DEPARTMENT),
    ("T36-SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology", UnitKind.DEPARTMENT),
    ("T36-TTPVHCC", "Trung tâm Phục vụ hành chính công", "Public Administration Service Centre", UnitKind.AGENCY),
]
# After 1 July 2025: the merged province's departments and which Nam Định units they absorbed.
NINH_BINH_DEPARTMENTS = [
    ("T37-SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology", UnitKind.DEPARTMENT,
     ["T36-STTTT", "T36-SKHCN"]),
    ("T37-SNV", "Sở Nội vụ", "Department of Home Affairs", UnitKind.DEPARTMENT, ["T36-SNV"]),
    ("T37-STP", "Sở Tư pháp", "Department of Justice", UnitKind.DEPARTMENT, ["T36-STP"]),
    ("T37-STC", "Sở Tài chính", "Department of Finance", UnitKind.DEPARTMENT, ["T36-SKHDT", "T36-STC"]),
    ("T37-TTPVHCC", "Trung tâm Phục vụ hành chính công", "Public Administration Service Centre",
     UnitKind.AGENCY, ["T36-TTPVHCC"]),
]
DEMO_PASSWORD = "dxportal-demo"
DEMO_SYSTEM_KEY_NAME = "demo-system"
# The one-stop system whose dossiers the demo key pushes (procedures.demo writes them under this source).
DEMO_DOSSIER_SOURCE = "motcua-namdinh"


def seed_organisation():
    """Load Ninh Bình from the register around the demo departments; return the area's units by code."""
    nam_dinh = _province("T36", "Tỉnh Nam Định", NAM_DINH_SINCE)
    ninh_binh = _province("T37", "Tỉnh Ninh Bình", REFORM_DAY)
    departments = {}
    for code, name, name_en, kind in NAM_DINH_DEPARTMENTS:
        departments[code] = unit_upsert(code=code, name=name, name_en=name_en, kind=kind, parent=nam_dinh,
                                        valid_from=NAM_DINH_SINCE)
    for code, name, name_en, kind, _absorbed in NINH_BINH_DEPARTMENTS:
        departments[code] = unit_upsert(code=code, name=name, name_en=name_en, kind=kind, parent=ninh_binh,
                                        valid_from=REFORM_DAY)
    # The register fills in T36 and T37 (codes, types, dates, successors) and adds the rest of the area.
    register_load(data=register_read(), province_codes=[DEMO_PROVINCE])
    for code, _name, _name_en, _kind, absorbed in NINH_BINH_DEPARTMENTS:
        unit_merge(units=[departments[old] for old in absorbed], into=departments[code], on=REFORM_DAY)
    units = demo_units()
    for code, name_en in PROVINCES.items():
        _name_in_english(units[code], name_en)
    return units


def demo_units():
    """Return the units of the demo area by code: the provinces before and after the merge and all below them."""
    provinces = Unit.objects.filter(code__in=PROVINCES)
    return {unit.code: unit for unit in Unit.objects.subtrees_of(provinces)}


def _province(code, name, valid_from):
    """Return the province, created if missing (the register then completes it; a rerun leaves it to the register)."""
    existing = Unit.objects.filter(code=code).first()
    if existing is not None:
        return existing
    return unit_upsert(code=code, name=name, name_en=PROVINCES[code], kind=UnitKind.PROVINCE, valid_from=valid_from)


def _name_in_english(unit, name_en):
    if unit.name_en != name_en:
        unit_upsert(code=unit.code, name=unit.name, name_en=name_en, kind=unit.kind, parent=unit.parent,
                    valid_from=unit.valid_from, valid_to=unit.valid_to, successor=unit.successor)


def seed_accounts(units, *, password=DEMO_PASSWORD):
    """Create or update the demo people and the demo external system; return the users by name."""
    people = [
        ("demo-admin", Role.ADMIN, [], "Quản trị Hệ thống"),
        ("demo-reviewer", Role.REVIEWER, [*OLD_PROVINCES, "T37"], "Nguyễn Văn Duyệt"),
        ("demo-staff-a", Role.STAFF, ["T36-STTTT", "T37-SKHCN"], "Trần Thị An"),
        ("demo-staff-b", Role.STAFF, ["T36-STP", "T37-STP"], "Lê Văn Bình"),
        ("demo-system", Role.EXTERNAL_SYSTEM, ["T36", "T37"], "Hệ thống một cửa điện tử"),
    ]
    users = {}
    for username, role, codes, full_name in people:
        users[username] = user_upsert(
            username=username, role=role, units=[units[code] for code in codes],
            password=password, full_name=full_name, email=f"{username}@example.invalid",
        )
    users["demo-admin"].is_superuser = True
    users["demo-admin"].save(update_fields=["is_superuser"])
    return users


def seed_demo_api_key(service_account, units):
    """Return (key, secret or None): reuse the key in var/demo-api-key if it still works, else make one."""
    path = settings.VAR_DIR / "demo-api-key"
    if path.exists():
        secret = path.read_text().strip()
        existing = ApiKey.objects.filter(prefix=secret.partition(".")[0], revoked=False).first()
        if (existing is not None and existing.is_valid(secret) and not existing.has_expired
                and DEMO_DOSSIER_SOURCE in existing.source_systems()):
            return existing, None
    for stale in ApiKey.objects.filter(name=DEMO_SYSTEM_KEY_NAME, revoked=False):
        api_key_revoke(api_key=stale)
    scopes = [f"{resource.value}:{access}" for resource in ApiResource for access in ("read", "write")]
    api_key, secret = api_key_create(
        name=DEMO_SYSTEM_KEY_NAME, service_account=service_account, scopes=scopes,
        units=[units["T36"], units["T37"]], sources=[DEMO_DOSSIER_SOURCE],
    )
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return api_key, secret
