"""What a dossier is, said once: the fields a one-stop system pushes, how each is stored, which are required.

The import (columns, parsing, the stored tuple), the API serializers, the admin columns and the statistics'
flag counters all read this description, so adding a field starts here.
"""

from collections import namedtuple
from dataclasses import dataclass


@dataclass(frozen=True)
class DossierField:
    name: str  # as pushed: the JSON key and the CSV column
    stored: str  # the Dossier attribute it is kept in
    kind: str  # how it is read: code, procedure, unit, channel, moment, outcome, status, text, flag, list, children
    required: bool = False
    national: str = ""  # the name in the national sync shape (procedures.dvcqg)


DOSSIER_FIELDS = (
    DossierField("code", "code", "code", required=True, national="MaHoSo"),
    DossierField("procedure", "procedure_id", "procedure", required=True, national="MaTTHC"),
    # The unit competent to decide (DonViXuLy); named by its portal code or its electronic agency id.
    DossierField("unit", "unit_id", "unit", required=True, national="DonViXuLy"),
    DossierField("channel", "channel", "channel", required=True, national="KenhThucHien"),
    DossierField("received_at", "received_at", "moment", required=True, national="NgayTiepNhan"),
    DossierField("due_at", "due_at", "moment", required=True, national="NgayHenTra"),
    DossierField("completed_at", "completed_at", "moment", national="NgayKetThucXuLy"),
    DossierField("outcome", "outcome", "outcome"),
    DossierField("fee_required", "fee_required", "flag"),
    DossierField("paid_online", "paid_online", "flag", national="DuocThanhToanTrucTuyen"),
    DossierField("digitized", "digitized", "flag", national="HoSoCoThanhPhanSoHoa"),
    DossierField("e_result", "e_result", "flag"),
    # What the national sync adds; optional in the portal's own shape.
    DossierField("status", "status", "status", national="TrangThaiHoSo"),
    DossierField("receiving_unit", "receiving_unit_id", "unit", national="NoiNopHoSo"),
    DossierField("field_code", "field_code", "text", national="MaLinhVuc"),
    DossierField("submitted_at", "submitted_at", "moment", national="NgayNopHoSo"),
    DossierField("returned_at", "returned_at", "moment", national="NgayTra"),
    DossierField("refused_at", "refused_at", "moment", national="NgayTuChoi"),
    DossierField("vneid_verified", "vneid_verified", "flag", national="TaiKhoanDuocXacThucVoiVNeID"),
    DossierField("fees", "fees", "list", national="DanhSachLePhi"),
    DossierField("supplements", "supplements", "children", national="DanhSachHoSoBoSung"),
    DossierField("steps", "steps", "children", national="QuaTrinhXuLy"),
)
# Stored values the import derives rather than reads: the first due date (before supplements), the
# moment of the status (the latest the source tells), and a digest of the supplements and steps.
DERIVED = ("first_due_at", "status_at", "details_digest")

# A supplement (DanhSachHoSoBoSung) and a processing step (QuaTrinhXuLy): portal name, national name, kind.
SUPPLEMENT_FIELDS = (
    ("requested_at", "NgayBoSung", "moment"), ("received_at", "NgayTiepNhanBoSung", "moment"),
    ("previous_due_at", "NgayHenTraTruoc", "moment"), ("new_due_at", "NgayHenTraMoi", "moment"),
)
STEP_FIELDS = (
    ("handler", "NguoiXuLy", "text"), ("at", "ThoiDiemXuLy", "moment"), ("status", "TrangThai", "text"),
    ("started_at", "NgayBatDau", "moment"), ("due_at", "NgayKetThucTheoQuyDinh", "moment"),
)

PUSHED = [field.name for field in DOSSIER_FIELDS]
REQUIRED_COLUMNS = tuple(field.name for field in DOSSIER_FIELDS if field.required)
FLAGS = [field.name for field in DOSSIER_FIELDS if field.kind == "flag"]
MOMENTS = [field.name for field in DOSSIER_FIELDS if field.kind == "moment"]
# What the upsert compares and writes per dossier (everything but its key, the code, and the child lists).
STORED = [field.stored for field in DOSSIER_FIELDS if field.kind not in ("code", "children")] + list(DERIVED)
# The model's names of what a one-stop system says about a dossier, for serializers and admin columns.
MODEL_FIELDS = [field.stored.removesuffix("_id") for field in DOSSIER_FIELDS if field.kind != "children"]
NATIONAL_NAMES = {field.name: field.national for field in DOSSIER_FIELDS if field.national}

StoredDossier = namedtuple("StoredDossier", STORED)
