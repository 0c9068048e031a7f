"""Record which Celery task holds a report's claim, and keep a data-change counter moved by triggers.

Why triggers: a report reads eleven tables, up to a million dossiers. A fingerprint of counts and maximum
ids misses edits; `Max(updated_at)` misses deletions, `.update()` calls and transactions that commit out
of order; a counter that every service bumps misses any path that forgets to. A trigger sees every write
from every path (services, admin, imports, bulk updates, SQL), and the fingerprint is one row to read.

PostgreSQL: a statement-level trigger (not per row: a 20,000-row import costs one call per statement)
marks the transaction once, through a transaction-local setting, by inserting into a pending table; a
deferred constraint trigger on that table moves the counter at commit. So the counter row is locked only
for the instant of the commit (writers never queue behind each other's long transactions, and no deadlock
can form around it), and the new version becomes visible in the same commit as the data.
SQLite (development only, one writer at a time): a row trigger moves the counter directly.
"""

import uuid

from django.db import migrations, models

# Every table the compliance report reads (tests/reports/test_trust.py checks this list against its queries).
WATCHED_TABLES = [
    "departments_unit",
    "indicators_framework",
    "indicators_pillar",
    "indicators_indicator",
    "indicators_target",
    "indicators_indicatorvalue",
    "procedures_procedure",
    "procedures_procedurelevelperiod",
    "procedures_dossier",
    "procedures_dossiermonthstat",
    "procedures_score766rule",
]

POSTGRES_FUNCTIONS = [
    "CREATE TABLE reports_datachange_pending (id bigserial PRIMARY KEY)",
    """
CREATE FUNCTION reports_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('reports.data_changed', true) IS DISTINCT FROM 'on' THEN
        PERFORM set_config('reports.data_changed', 'on', true);
        INSERT INTO reports_datachange_pending DEFAULT VALUES;
    END IF;
    RETURN NULL;
END $$
""",
    """
CREATE FUNCTION reports_data_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reports_datachange_pending WHERE id = NEW.id;
    INSERT INTO reports_datachange (id, version, epoch) VALUES (1, 1, gen_random_uuid())
        ON CONFLICT (id) DO UPDATE SET version = reports_datachange.version + 1;
    RETURN NULL;
END $$
""",
    """
CREATE CONSTRAINT TRIGGER reports_data_commit AFTER INSERT ON reports_datachange_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reports_data_commit()
""",
]
POSTGRES_TABLE_TRIGGER = """
CREATE TRIGGER reports_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION reports_data_changed();
"""
POSTGRES_DROP = [
    "DROP TABLE IF EXISTS reports_datachange_pending",
    "DROP FUNCTION IF EXISTS reports_data_changed() CASCADE",
    "DROP FUNCTION IF EXISTS reports_data_commit() CASCADE",
]
SQLITE_TABLE_TRIGGER = """
CREATE TRIGGER reports_data_changed_{table}_{event} AFTER {event} ON {table} BEGIN
    INSERT INTO reports_datachange (id, version, epoch) VALUES (1, 1, lower(hex(randomblob(16))))
        ON CONFLICT (id) DO UPDATE SET version = version + 1;
END
"""
SQLITE_EVENTS = ["INSERT", "UPDATE", "DELETE"]


def install_triggers(apps, schema_editor):
    run = schema_editor.execute
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRES_FUNCTIONS:
            run(statement)
        for table in WATCHED_TABLES:
            run(POSTGRES_TABLE_TRIGGER.format(table=schema_editor.quote_name(table)))
    elif vendor == "sqlite":
        for table in WATCHED_TABLES:
            for event in SQLITE_EVENTS:
                run(SQLITE_TABLE_TRIGGER.format(table=table, event=event))
    else:
        raise RuntimeError(f"No data-change triggers for the {vendor} database")
    apps.get_model("reports", "DataChange").objects.create(id=1, version=0, epoch=uuid.uuid4())


def remove_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_DROP:  # CASCADE drops the table triggers with their function
            schema_editor.execute(statement)
        return
    for table in WATCHED_TABLES:
        for event in SQLITE_EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS reports_data_changed_{table}_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("departments", "0001_initial"),
        ("indicators", "0002_reminder_runs"),
        ("procedures", "0003_score766_defaults"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.BigIntegerField(default=0)),
                ("epoch", models.UUIDField(default=uuid.uuid4)),
            ],
            options={
                "verbose_name": "bộ đếm thay đổi dữ liệu",
                "verbose_name_plural": "bộ đếm thay đổi dữ liệu",
            },
        ),
        migrations.AddField(
            model_name="report",
            name="run_task_id",
            field=models.CharField(blank=True, editable=False, max_length=255),
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
