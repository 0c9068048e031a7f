"""The regimes every installation starts with, each with its source; administrators edit them in the admin."""

from django.db import migrations

ALL = ["month", "quarter", "half_year", "nine_months", "year"]
REGIMES = [
    {
        "code": "nd09-mac-dinh",
        "name": "Chế độ báo cáo định kỳ theo Nghị định 09/2019/NĐ-CP (mặc định)",
        "legal_basis": "Nghị định 09/2019/NĐ-CP ngày 24/01/2019 quy định về chế độ báo cáo của cơ quan hành chính "
        "nhà nước, Điều 12 (thời gian chốt số liệu)",
        "recipient": "Cơ quan cấp trên trực tiếp",
        "frequencies": ALL,
        "window_kind": "day_range",
        "window_start_day": 15,
        "window_end_day": 14,
        "deadline_kind": "working_days",
        "deadline_working_days": 2,
        "reminder_days_before": [3, 1],
        "source_note": "Kỳ chốt số liệu: Nghị định 09/2019/NĐ-CP. Hạn gửi do từng chế độ quy định; "
        "2 ngày làm việc là giá trị mặc định của cổng (thực tiễn), sửa theo văn bản giao chế độ.",
    },
    {
        "code": "thong-ke",
        "name": "Chế độ báo cáo thống kê (kỳ theo lịch)",
        "legal_basis": "Luật Thống kê số 89/2015/QH13; chế độ báo cáo thống kê cấp tỉnh",
        "recipient": "Cơ quan thống kê cấp tỉnh",
        "frequencies": ["month", "quarter", "half_year", "year"],
        "window_kind": "calendar",
        "deadline_kind": "fixed_day",
        "deadline_day": 12,
        "deadline_month_offset": 1,
        "reminder_days_before": [3],
        "source_note": "Kỳ theo tháng dương lịch. Ngày 12 tháng sau là giá trị mẫu (thực tiễn): "
        "sửa theo biểu mẫu của chế độ thống kê áp dụng.",
    },
    {
        "code": "bao-cao-cds-tinh",
        "name": "Báo cáo chuyển đổi số của tỉnh",
        "legal_basis": "Nghị định 09/2019/NĐ-CP (thời gian chốt số liệu); văn bản của UBND tỉnh giao nhiệm vụ "
        "báo cáo chuyển đổi số",
        "recipient": "Sở Khoa học và Công nghệ (cơ quan thường trực chuyển đổi số của tỉnh)",
        "frequencies": ALL,
        "window_kind": "day_range",
        "window_start_day": 15,
        "window_end_day": 14,
        "deadline_kind": "working_days",
        "deadline_working_days": 2,
        "reminder_days_before": [3, 1],
        "source_note": "Hạn gửi: 2 ngày làm việc sau ngày chốt số liệu.",
    },
    {
        "code": "thanh-tra",
        "name": "Chế độ báo cáo công tác thanh tra (chốt số liệu từ ngày 16 đến ngày 15)",
        "legal_basis": "Chế độ báo cáo của ngành thanh tra",
        "recipient": "Thanh tra tỉnh",
        "frequencies": ["month", "quarter", "half_year", "nine_months", "year"],
        "window_kind": "day_range",
        "window_start_day": 16,
        "window_end_day": 15,
        "deadline_kind": "working_days",
        "deadline_working_days": 2,
        "reminder_days_before": [1],
        "source_note": "Kỳ 16 → 15 theo thực tiễn của ngành thanh tra; hạn gửi là giá trị mẫu, sửa theo văn bản.",
    },
]


def seed(apps, schema_editor):
    Regime = apps.get_model("regimes", "Regime")
    for row in REGIMES:
        Regime.objects.get_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("regimes", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
