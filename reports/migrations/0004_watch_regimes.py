"""The report now reads the reporting regimes and the working-day table: writes to them move the data version too.

Same triggers as 0002 (which explains why triggers): a changed cut-off window, deadline or day off changes the
dates and deadlines a report shows, so a report computed before the change is no longer the current one.
"""

from django.db import migrations

WATCHED_TABLES = ["regimes_regime", "regimes_workingdaychange"]

POSTGRES_TABLE_TRIGGER = """
CREATE TRIGGER reports_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION reports_data_changed();
"""
SQLITE_TABLE_TRIGGER = """
CREATE TRIGGER reports_data_changed_{table}_{event} AFTER {event} ON {table} BEGIN
    INSERT INTO reports_datachange (id, version, epoch) VALUES (1, 1, lower(hex(randomblob(16))))
        ON CONFLICT (id) DO UPDATE SET version = version + 1;
END
"""
SQLITE_EVENTS = ["INSERT", "UPDATE", "DELETE"]


def install_triggers(apps, schema_editor, tables=WATCHED_TABLES):
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(POSTGRES_TABLE_TRIGGER.format(table=schema_editor.quote_name(table)))
        elif vendor == "sqlite":
            for event in SQLITE_EVENTS:
                schema_editor.execute(SQLITE_TABLE_TRIGGER.format(table=table, event=event))
        else:
            raise RuntimeError(f"No data-change triggers for the {vendor} database")


def remove_triggers(apps, schema_editor, tables=WATCHED_TABLES):
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS reports_data_changed ON {schema_editor.quote_name(table)}")
            continue
        for event in SQLITE_EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS reports_data_changed_{table}_{event}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_verbose_names"),
        ("regimes", "0002_seed_regimes"),
    ]

    operations = [migrations.RunPython(install_triggers, remove_triggers)]
