"""Drop five indexes that other indexes make redundant; each was written on every ingested dossier or cell.

The foreign keys' own single-column indexes on dossier.unit and dossier.receiving_unit are the first column of
(unit, received_at, id) and (receiving_unit, received_at, id); dossier.last_import's is the same column as
dossier_last_import; the cells' unit index is the first column of their unique (unit, procedure, date). Only
the indexes are dropped (the constraints stay as they are, so the tables are not checked again).
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [  # as Django named them when it created the foreign keys
    ("procedures_dossier_last_import_id_fb4fb511", "procedures_dossier", "last_import_id"),
    ("procedures_dossier_receiving_unit_id_8f141d1a", "procedures_dossier", "receiving_unit_id"),
    ("procedures_dossier_unit_id_06231c9e", "procedures_dossier", "unit_id"),
    ("procedures_dossierdaystat_unit_id_c077b4c7", "procedures_dossierdaystat", "unit_id"),
    ("procedures_dossiermonthstat_unit_id_838535be", "procedures_dossiermonthstat", "unit_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0004_verbose_names"),
        ("procedures", "0012_drop_dossier_outcome_due_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {table} ({column})")
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="dossier",
                    name="last_import",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="procedures.dossierimport",
                        verbose_name="lần nhận gần nhất",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossier",
                    name="receiving_unit",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="received_dossiers",
                        to="departments.unit",
                        verbose_name="đơn vị tiếp nhận",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossier",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="dossiers",
                        to="departments.unit",
                        verbose_name="đơn vị có thẩm quyền giải quyết",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossierdaystat",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="departments.unit",
                        verbose_name="đơn vị",
                    ),
                ),
                migrations.AlterField(
                    model_name="dossiermonthstat",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="departments.unit",
                        verbose_name="đơn vị",
                    ),
                ),
            ],
        ),
    ]
