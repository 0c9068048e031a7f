"""Demo indicators: the seed article's figures for Nam Định, with 2025 targets and entries in every state.

From 1 July 2025 the Department of Science and Technology (T37-SKHCN, which absorbed Information and
Communications) leads digital transformation: the provincial DTI of Decision 405/QĐ-BKHCN is entered by it,
so its staff get the tasks and reminders, and the DX regime names it as the report's recipient.
"""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import UnitKind
from departments.policy import Actor
from regimes.services import seeded_regime

from .catalogue import framework_save, indicator_save, pillar_save, target_save
from .models import DEFAULT_REGIME, AuditChannel, Framework, Indicator, IndicatorValue, Pillar, Target
from .services import evidence_add, value_approve, value_create, value_return, value_submit

FRAMEWORKS = [
    ("dti-2022", "DTI 2022 — Quyết định 922/QĐ-BTTTT", "DTI 2022 — Decision 922/QĐ-BTTTT", "2022",
     "Quyết định 922/QĐ-BTTTT", date(2022, 1, 1), date(2024, 12, 31)),
    ("dti-2024", "DTI cấp tỉnh — Quyết định 405/QĐ-BKHCN (2025)", "Provincial DTI — Decision 405/QĐ-BKHCN (2025)",
     "2025", "Quyết định 405/QĐ-BKHCN", date(2025, 1, 1), None),
    ("nq-09-nd", "Nghị quyết 09-NQ/TU tỉnh Nam Định", "Resolution 09-NQ/TU of Nam Định", "2021",
     "Nghị quyết 09-NQ/TU ngày 15/10/2021", date(2021, 10, 15), None),
]
PILLARS = [
    ("nen-tang", "Nền tảng chung", "Common foundation", 1),
    ("chinh-quyen-so", "Chính quyền số", "Digital government", 2),
    ("kinh-te-so", "Kinh tế số", "Digital economy", 3),
    ("xa-hoi-so", "Xã hội số", "Digital society", 4),
]
# Decision 405/QĐ-BKHCN: three pillars, no separate foundation (its foundations sit under digital government).
PILLARS_OF = {"dti-2024": ["chinh-quyen-so", "kinh-te-so", "xa-hoi-so"]}
DEPARTMENT = ["department", "agency"]
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# code, framework, pillar, name, name_en, value type, unit kinds, aggregation, scoring, max points, evidence
INDICATORS = [
    ("ND09-CAP-QUANG", "nq-09-nd", "xa-hoi-so", "Tỷ lệ hộ gia đình có kết nối Internet cáp quang băng rộng",
     "Households with fibre broadband", "percent", DEPARTMENT, "latest", "ratio_to_target", 10, False),
    ("ND09-SMARTPHONE", "nq-09-nd", "xa-hoi-so", "Tỷ lệ người trưởng thành có điện thoại thông minh",
     "Adults with a smartphone", "percent", DEPARTMENT, "latest", "ratio_to_target", 10, False),
    ("ND09-TAI-KHOAN", "nq-09-nd", "xa-hoi-so", "Tỷ lệ người từ 15 tuổi trở lên có tài khoản ngân hàng",
     "People aged 15+ with a bank account", "percent", DEPARTMENT, "latest", "ratio_to_target", 10, False),
    ("ND09-KTS-GRDP", "nq-09-nd", "kinh-te-so", "Tỷ trọng kinh tế số trong GRDP",
     "Digital economy share of GRDP", "percent", DEPARTMENT, "latest", "ratio_to_target", 20, True),
    ("ND09-DVC-TT", "nq-09-nd", "chinh-quyen-so",
     "Tỷ lệ thủ tục hành chính cung cấp dịch vụ công trực tuyến toàn trình hoặc một phần mức độ 3, 4",
     "Procedures offered fully online or partly at levels 3–4", "percent", DEPARTMENT, "latest",
     "ratio_to_target", 20, False),
    ("ND09-HSCV-TINH", "nq-09-nd", "chinh-quyen-so", "Tỷ lệ hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng",
     "Province-level work files processed online", "percent", DEPARTMENT, "average", "ratio_to_target", 10, False),
    ("ND09-HSCV-HUYEN", "nq-09-nd", "chinh-quyen-so",
     "Tỷ lệ hồ sơ công việc cấp huyện được xử lý trên môi trường mạng",
     "District-level work files processed online", "percent", ["district"], "average", "ratio_to_target", 10, False),
    ("ND09-HSCV-XA", "nq-09-nd", "chinh-quyen-so", "Tỷ lệ hồ sơ công việc cấp xã được xử lý trên môi trường mạng",
     "Commune-level work files processed online", "percent", ["commune"], "average", "ratio_to_target", 10, False),
    ("ND09-THANH-TRA-SO", "nq-09-nd", "chinh-quyen-so",
     "Tỷ lệ cuộc thanh tra, kiểm tra thực hiện thông qua hệ thống số",
     "Inspections done through digital systems", "percent", DEPARTMENT, "average", "ratio_to_target", 10, True),
    ("DTI22-BCD-HOP", "dti-2022", "nen-tang", "Số cuộc họp của Ban Chỉ đạo chuyển đổi số trong năm",
     "Steering committee meetings in the year", "tier", ["department"], "latest", "tiers", 20, False),
]
# The provincial DTI of Decision 405/QĐ-BKHCN (2025): eight main indicators, 1,000 points (47 component
# indicators are collected on dti.gov.vn and not repeated here). The split of the 1,000 points among the
# main indicators below is the demo's (practice): check it against the decision's annex before relying on it.
DTI405 = "Quyết định 405/QĐ-BKHCN"
DTI405_INDICATORS = [
    ("DTI405-NHAN-THUC", "chinh-quyen-so", "Nhận thức số", "Digital awareness", 80),
    ("DTI405-THE-CHE", "chinh-quyen-so", "Thể chế số", "Digital institutions", 80),
    ("DTI405-HA-TANG", "chinh-quyen-so", "Hạ tầng số", "Digital infrastructure", 120),
    ("DTI405-NHAN-LUC", "chinh-quyen-so", "Nhân lực số", "Digital workforce", 80),
    ("DTI405-AN-TOAN", "chinh-quyen-so", "An toàn thông tin mạng", "Cyber security", 100),
    ("DTI405-CQS", "chinh-quyen-so", "Hoạt động chính quyền số", "Digital government in operation", 240),
    ("DTI405-KTS", "kinh-te-so", "Hoạt động kinh tế số", "Digital economy in operation", 150),
    ("DTI405-XHS", "xa-hoi-so", "Hoạt động xã hội số", "Digital society in operation", 150),
]
INDICATORS += [
    (code, "dti-2024", pillar, name, name_en, "number", ["department"], "latest", "ratio_to_target", points, True)
    for code, pillar, name, name_en, points in DTI405_INDICATORS
]
TIERS = {"DTI22-BCD-HOP": [[4, 20], [3, 15], [2, 10], [1, 5]]}
# indicator, year, value, decision: the same indicator may carry targets from several decisions.
TARGETS = [
    ("ND09-CAP-QUANG", 2025, 80, "Quyết định 749/QĐ-TTg"),
    ("ND09-CAP-QUANG", 2025, 80, "Quyết định 411/QĐ-TTg"),
    ("ND09-SMARTPHONE", 2025, 80, "Quyết định 411/QĐ-TTg"),
    ("ND09-TAI-KHOAN", 2025, 80, "Quyết định 411/QĐ-TTg"),
    ("ND09-KTS-GRDP", 2025, 20, "Quyết định 749/QĐ-TTg"),
    ("ND09-KTS-GRDP", 2025, 20, "Nghị quyết 09-NQ/TU"),
    ("ND09-DVC-TT", 2025, 80, "Quyết định 749/QĐ-TTg"),
    ("ND09-HSCV-TINH", 2025, 90, "Quyết định 749/QĐ-TTg"),
    ("ND09-HSCV-HUYEN", 2025, 80, "Quyết định 749/QĐ-TTg"),
    ("ND09-HSCV-XA", 2025, 60, "Quyết định 749/QĐ-TTg"),
    ("ND09-THANH-TRA-SO", 2025, 50, "Nghị quyết 09-NQ/TU"),
    ("DTI22-BCD-HOP", 2025, 4, "Quyết định 922/QĐ-BTTTT"),
    ("DTI405-CQS", 2025, 200, DTI405),
]
LEAD_SINCE_REFORM = "T37-SKHCN"  # leads digital transformation from 1 July 2025
# The article's 2023 figures, entered by the Department of Information and Communications.
APPROVED_2023 = [
    ("ND09-CAP-QUANG", "T36-STTTT", 90, "Hơn 90% hộ gia đình có cáp quang (bài viết năm 2023)."),
    ("ND09-SMARTPHONE", "T36-STTTT", 85, "Hơn 85% người trưởng thành có điện thoại thông minh."),
    ("ND09-KTS-GRDP", "T36-STTTT", 12, "Kinh tế số chiếm khoảng 12% GRDP."),
    ("ND09-DVC-TT", "T36-STTTT", 70, "70% TTHC cung cấp DVC trực tuyến toàn trình hoặc một phần mức độ 3, 4."),
    ("ND09-HSCV-TINH", "T36-STTTT", 100, "100% hồ sơ công việc cấp tỉnh xử lý trên môi trường mạng."),
    ("ND09-HSCV-TINH", "T36-STP", 100, "Sở Tư pháp xử lý toàn bộ hồ sơ công việc trên môi trường mạng."),
]


def seed_indicators(units, users):
    """Create or update the demo catalogue and, once, the demo entries; return the indicators by code."""
    admin = Actor(users["demo-admin"])  # the catalogue is written through its services, as the administrator
    frameworks = {code: _framework(admin, code, *rest) for code, *rest in FRAMEWORKS}
    pillars = {(fw, code): _upsert(admin, pillar_save, "pillar", Pillar, {"framework": frameworks[fw], "code": code},
                                   {"name": name, "name_en": name_en, "order": order})
               for fw in frameworks for code, name, name_en, order in PILLARS
               if code in PILLARS_OF.get(fw, [code])}
    indicators = {}
    for code, fw, pillar, name, name_en, value_type, kinds, aggregation, rule, points, evidence in INDICATORS:
        indicators[code] = _upsert(admin, indicator_save, "indicator", Indicator, {"code": code}, {
            "framework": frameworks[fw], "pillar": pillars[(fw, pillar)], "name": name, "name_en": name_en,
            "value_type": value_type, "unit_of_measure": "%" if value_type == "percent" else "",
            "unit_kinds": kinds, "aggregation": aggregation, "scoring_rule": rule, "max_points": points,
            "definition": _definition(code),
            "scoring_tiers": TIERS.get(code, []), "evidence_required": evidence, "period_type": "year",
        })
    for code, year, value, decision in TARGETS:
        _upsert(admin, target_save, "target", Target,
                {"indicator": indicators[code], "year": year, "unit": None, "decision": decision}, {"value": value})
    if not IndicatorValue.objects.filter(indicator__in=indicators.values()).exists():
        _seed_entries(indicators, units, users)
    if not IndicatorValue.objects.filter(indicator__code__startswith="DTI405-").exists():
        _seed_lead_department_entries(indicators, units, users)
    return indicators


def _definition(code):
    if not code.startswith("DTI405-"):
        return ""
    return (f"Chỉ số chính của DTI cấp tỉnh theo {DTI405}; giá trị là điểm đạt được trên điểm tối đa. "
            "Phân bổ điểm tối đa là minh họa của bản demo, đối chiếu phụ lục Quyết định trước khi dùng.")


def _upsert(actor, service, argument, model, identity, fields):
    """Find the row by `identity` (or start one), set `fields` and save it through the catalogue `service`."""
    instance = model.objects.filter(**identity).first() or model(**identity)
    for name, value in fields.items():
        setattr(instance, name, value)
    return service(**{argument: instance}, actor=actor)


def _framework(actor, code, name, name_en, version, decision, valid_from, valid_to):
    return _upsert(actor, framework_save, "framework", Framework, {"code": code}, {
        "name": name, "name_en": name_en, "version": version, "decision": decision,
        "valid_from": valid_from, "valid_to": valid_to, "regime": seeded_regime(DEFAULT_REGIME)})


def _seed_entries(indicators, units, users):
    staff_a, staff_b = Actor(users["demo-staff-a"]), Actor(users["demo-staff-b"])
    reviewer = Actor(users["demo-reviewer"])
    channel = AuditChannel.SYSTEM
    for code, unit, value, note in APPROVED_2023:
        staff = staff_b if unit == "T36-STP" else staff_a
        entry = value_create(indicator=indicators[code], unit=units[unit], period="2023", value=value, note=note,
                             actor=staff, channel=channel)
        if indicators[code].evidence_required:
            evidence_add(value=entry, upload=SimpleUploadedFile("bao-cao-kinh-te-so-2023.pdf", DEMO_PDF),
                         actor=staff, channel=channel)
        entry = value_submit(value=entry, actor=staff, channel=channel)
        value_approve(value=entry, actor=reviewer, channel=channel)
    for district in _districts_of(units, "T36")[:3]:  # Nam Định city and two districts, as the register has them
        entry = value_create(indicator=indicators["ND09-HSCV-HUYEN"], unit=district, period="2023",
                             value=100, actor=Actor(users["demo-admin"]), channel=channel)
        entry = value_submit(value=entry, actor=Actor(users["demo-admin"]), channel=channel)
        value_approve(value=entry, actor=reviewer, channel=channel)
    # One entry in each of the other states.
    bank = value_create(indicator=indicators["ND09-TAI-KHOAN"], unit=units["T36-STTTT"], period="2023", value=75,
                        note="75% người từ 15 tuổi có tài khoản.", actor=staff_a, channel=channel)
    bank = value_submit(value=bank, actor=staff_a, channel=channel)
    value_return(value=bank, reason="Đề nghị ghi rõ nguồn số liệu (Ngân hàng Nhà nước chi nhánh tỉnh).",
                 actor=reviewer, channel=channel)
    meetings = value_create(indicator=indicators["DTI22-BCD-HOP"], unit=units["T36-STTTT"], period="2023",
                            value=4, note="Bốn phiên họp Ban Chỉ đạo trong năm.", actor=staff_a, channel=channel)
    value_submit(value=meetings, actor=staff_a, channel=channel)
    value_create(indicator=indicators["ND09-THANH-TRA-SO"], unit=units["T36-STTTT"], period="2023",
                 note="Đang tổng hợp số liệu thanh tra.", actor=staff_a, channel=channel)


def _districts_of(units, province):
    """Return the districts of a province among the loaded units, by code."""
    return [unit for code, unit in sorted(units.items()) if unit.kind == UnitKind.DISTRICT
            and unit.parent_id == units[province].pk]


def _seed_lead_department_entries(indicators, units, users):
    """The Department of Science and Technology enters the 2025 DTI (the year it took over digital transformation)."""
    staff, reviewer = Actor(users["demo-staff-a"]), Actor(users["demo-reviewer"])
    lead, channel = units[LEAD_SINCE_REFORM], AuditChannel.SYSTEM
    entry = value_create(indicator=indicators["DTI405-CQS"], unit=lead, period="2025", value=180, actor=staff,
                         channel=channel, note="Điểm tự đánh giá trên dti.gov.vn.")
    evidence_add(value=entry, upload=SimpleUploadedFile("dti-2025-tu-danh-gia.pdf", DEMO_PDF), actor=staff,
                 channel=channel)
    entry = value_submit(value=entry, actor=staff, channel=channel)
    value_approve(value=entry, actor=reviewer, channel=channel)
    value_create(indicator=indicators["DTI405-KTS"], unit=lead, period="2025", actor=staff, channel=channel,
                 note="Đang tổng hợp số liệu kinh tế số.")
