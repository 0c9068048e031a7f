"""Frameworks and indicators name their reporting regime; existing frameworks follow the province's DX regime.

The regime is added as nullable, every existing framework is set to `bao-cao-cds-tinh` (seeded by
regimes 0002), then the column becomes required. Values keep the dates stored when they were entered.
"""

import django.db.models.deletion
from django.db import migrations, models

import indicators.models

DEFAULT_REGIME = "bao-cao-cds-tinh"


def existing_frameworks_follow_the_dx_regime(apps, schema_editor):
    Regime = apps.get_model("regimes", "Regime")
    Framework = apps.get_model("indicators", "Framework")
    regime = Regime.objects.filter(code=DEFAULT_REGIME).first()
    if regime is None and Framework.objects.exists():
        raise RuntimeError(f"regime {DEFAULT_REGIME} is missing: run regimes 0002_seed_regimes first")
    Framework.objects.filter(regime__isnull=True).update(regime=regime)
    if schema_editor.connection.vendor == "postgresql":
        # Check the new keys now: the column is altered next, which PostgreSQL refuses with checks pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_indicator_scoring_checks"),
        ("regimes", "0002_seed_regimes"),
    ]

    operations = [
        migrations.AddField(
            model_name="framework",
            name="regime",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="frameworks", to="regimes.regime"
            ),
        ),
        migrations.RunPython(existing_frameworks_follow_the_dx_regime, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="framework",
            name="regime",
            field=models.ForeignKey(
                default=indicators.models.default_regime_id,
                help_text="Chế độ báo cáo quyết định mỗi kỳ từ ngày nào đến ngày nào và hạn gửi (ngày làm việc).",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="frameworks",
                to="regimes.regime",
                verbose_name="chế độ báo cáo",
            ),
        ),
        migrations.AddField(
            model_name="indicator",
            name="regime",
            field=models.ForeignKey(
                blank=True,
                help_text="Để trống để dùng chế độ báo cáo của khung chỉ tiêu.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="indicators",
                to="regimes.regime",
                verbose_name="chế độ báo cáo riêng",
            ),
        ),
        migrations.AlterField(
            model_name="framework",
            name="deadline_days",
            field=models.PositiveSmallIntegerField(
                default=15,
                help_text="Không còn dùng để tính hạn: hạn gửi theo chế độ báo cáo của khung chỉ tiêu.",
                verbose_name="hạn báo cáo (ngày sau kỳ)",
            ),
        ),
        migrations.AlterField(
            model_name="indicator",
            name="deadline_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Không còn dùng để tính hạn: hạn gửi theo chế độ báo cáo.",
                null=True,
                verbose_name="hạn báo cáo riêng (ngày sau kỳ)",
            ),
        ),
        migrations.AlterField(
            model_name="indicator",
            name="period_type",
            field=models.CharField(
                choices=[
                    ("month", "Tháng"),
                    ("quarter", "Quý"),
                    ("half_year", "Sáu tháng"),
                    ("nine_months", "Chín tháng"),
                    ("year", "Năm"),
                ],
                default="year",
                max_length=20,
                verbose_name="loại kỳ",
            ),
        ),
    ]
