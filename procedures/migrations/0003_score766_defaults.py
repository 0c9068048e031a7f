from django.db import migrations

# Decision 766/QĐ-TTg (2022): progress 20 points, online service provision 22 (here split between the
# online rate, the share of procedures online and online payment), digitisation 22. Thresholds as
# published (approximately): online rate full at 50%, procedures online at 80%, digitisation at 80%.
DEFAULTS = [
    ("processing_progress", "on_time_rate", 20, 100, "Hồ sơ đúng hạn ÷ hồ sơ đã giải quyết"),
    ("online_service", "online_rate", 8, 50, "Hồ sơ trực tuyến ÷ hồ sơ tiếp nhận; đủ điểm từ 50%"),
    ("online_service", "procedures_online_share", 8, 80, "TTHC có DVCTT ÷ TTHC; đủ điểm từ 80%"),
    ("online_payment", "online_payment_rate", 6, 100, "Hồ sơ thanh toán trực tuyến ÷ hồ sơ có phí"),
    ("digitisation", "digitization_rate", 22, 80, "Hồ sơ số hóa ÷ hồ sơ tiếp nhận; đủ điểm từ 80%"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("procedures", "Score766Rule")
    for component, metric, points, full_at, note in DEFAULTS:
        Rule.objects.get_or_create(
            metric=metric, defaults={"component": component, "max_points": points, "full_at": full_at, "note": note}
        )


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_score766_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
