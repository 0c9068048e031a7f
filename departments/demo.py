"""Demo organisation: Nam Định as in 2023, and its merge into Ninh Bình on 1 July 2025.

District codes are the national statistical codes. The post-2025 units of Ninh Bình are a small
illustrative sample, not the full new map.
"""

from datetime import date

from django.conf import settings

from .models import ApiKey, ApiResource, Role, UnitKind
from .services import api_key_create, api_key_revoke, unit_merge, unit_upsert, user_upsert

REFORM_DAY = date(2025, 7, 1)
NAM_DINH_SINCE = date(1997, 1, 1)

NAM_DINH_DEPARTMENTS = [
    ("T36-STTTT", "Sở Thông tin và Truyền thông", "Department of Information and Communications", UnitKind.DEPARTMENT),
    ("T36-SNV", "Sở Nội vụ", "Department of Home Affairs", UnitKind.DEPARTMENT),
    ("T36-STP", "Sở Tư pháp", "Department of Justice", UnitKind.DEPARTMENT),
    ("T36-SKHDT", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment", UnitKind.DEPARTMENT),
    ("T36-STC", "Sở Tài chính", "Department of Finance", UnitKind.DEPARTMENT),
    ("T36-SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology", UnitKind.DEPARTMENT),
    ("T36-TTPVHCC", "Trung tâm Phục vụ hành chính công", "Public Administration Service Centre", UnitKind.AGENCY),
]
NAM_DINH_DISTRICTS = [
    ("H356", "Thành phố Nam Định", "Nam Dinh City"),
    ("H358", "Huyện Mỹ Lộc", "My Loc District"),
    ("H359", "Huyện Vụ Bản", "Vu Ban District"),
    ("H360", "Huyện Ý Yên", "Y Yen District"),
    ("H361", "Huyện Nghĩa Hưng", "Nghia Hung District"),
    ("H362", "Huyện Nam Trực", "Nam Truc District"),
    ("H363", "Huyện Trực Ninh", "Truc Ninh District"),
    ("H364", "Huyện Xuân Trường", "Xuan Truong District"),
    ("H365", "Huyện Giao Thủy", "Giao Thuy District"),
    ("H366", "Huyện Hải Hậu", "Hai Hau District"),
]
# A sample of communes: the wards of the city centre and each district's seat.
NAM_DINH_COMMUNES = [
    ("H356-01", "Phường Vị Hoàng", "H356"),
    ("H356-02", "Phường Trần Hưng Đạo", "H356"),
    ("H358-01", "Thị trấn Mỹ Lộc", "H358"),
    ("H359-01", "Thị trấn Gôi", "H359"),
    ("H360-01", "Thị trấn Lâm", "H360"),
    ("H361-01", "Thị trấn Liễu Đề", "H361"),
    ("H362-01", "Thị trấn Nam Giang", "H362"),
    ("H363-01", "Thị trấn Cổ Lễ", "H363"),
    ("H364-01", "Thị trấn Xuân Trường", "H364"),
    ("H365-01", "Thị trấn Ngô Đồng", "H365"),
    ("H366-01", "Thị trấn Yên Định", "H366"),
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
NINH_BINH_COMMUNES = [
    ("T37-X001", "Phường Nam Định", ["H356-01", "H356-02"]),
    ("T37-X002", "Xã Hải Hậu", ["H366-01"]),
    ("T37-X003", "Xã Giao Thủy", ["H365-01"]),
]

DEMO_PASSWORD = "dxportal-demo"
DEMO_SYSTEM_KEY_NAME = "demo-system"
# The one-stop system whose dossiers the demo key pushes (procedures.demo writes them under this source).
DEMO_DOSSIER_SOURCE = "motcua-namdinh"


def seed_organisation():
    """Create or update the demo units; return them by code."""
    units = {}
    province = unit_upsert(
        code="T36", name="Tỉnh Nam Định", name_en="Nam Dinh Province", kind=UnitKind.PROVINCE,
        valid_from=NAM_DINH_SINCE,
    )
    units[province.code] = province
    for code, name, name_en, kind in NAM_DINH_DEPARTMENTS:
        units[code] = unit_upsert(code=code, name=name, name_en=name_en, kind=kind, parent=province,
                                  valid_from=NAM_DINH_SINCE)
    for code, name, name_en in NAM_DINH_DISTRICTS:
        units[code] = unit_upsert(code=code, name=name, name_en=name_en, kind=UnitKind.DISTRICT,
                                  parent=province, valid_from=NAM_DINH_SINCE)
    for code, name, district in NAM_DINH_COMMUNES:
        units[code] = unit_upsert(code=code, name=name, kind=UnitKind.COMMUNE, parent=units[district],
                                  valid_from=NAM_DINH_SINCE)
    _seed_merge(units)
    return units


def _seed_merge(units):
    ninh_binh = unit_upsert(
        code="T37", name="Tỉnh Ninh Bình", name_en="Ninh Binh Province", kind=UnitKind.PROVINCE,
        valid_from=REFORM_DAY,
    )
    units[ninh_binh.code] = ninh_binh
    for code, name, name_en, kind, absorbed in NINH_BINH_DEPARTMENTS:
        units[code] = unit_upsert(code=code, name=name, name_en=name_en, kind=kind, parent=ninh_binh,
                                  valid_from=REFORM_DAY)
        unit_merge(units=[units[old] for old in absorbed], into=units[code], on=REFORM_DAY)
    for code, name, absorbed in NINH_BINH_COMMUNES:
        units[code] = unit_upsert(code=code, name=name, kind=UnitKind.COMMUNE, parent=ninh_binh,
                                  valid_from=REFORM_DAY)
        unit_merge(units=[units[old] for old in absorbed], into=units[code], on=REFORM_DAY)
    # The district tier closed: district-level data rolls up into the new province.
    unit_merge(units=[units[code] for code, _name, _en in NAM_DINH_DISTRICTS], into=ninh_binh, on=REFORM_DAY)
    leftover = [units[code] for code, _n, _d in NAM_DINH_COMMUNES if units[code].successor_id is None]
    unit_merge(units=leftover, into=ninh_binh, on=REFORM_DAY)
    unit_merge(units=[units["T36"]], into=ninh_binh, on=REFORM_DAY)


def seed_accounts(units, *, password=DEMO_PASSWORD):
    """Create or update the demo people and the demo external system; return the users by name."""
    people = [
        ("demo-admin", Role.ADMIN, [], "Quản trị Hệ thống"),
        ("demo-reviewer", Role.REVIEWER, ["T36", "T37"], "Nguyễn Văn Duyệt"),
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
