"""The report now reads the online-service level schemes, the Decision 766 rule sets and the official scores:
writes to them move the data version too (the triggers of 0002 and 0004, on these tables)."""

from importlib import import_module

from django.db import migrations

TRIGGERS = import_module("reports.migrations.0004_watch_regimes")
WATCHED_TABLES = ["procedures_levelscheme", "procedures_score766ruleset", "procedures_officialscore766"]


def install_triggers(apps, schema_editor):
    TRIGGERS.install_triggers(apps, schema_editor, tables=WATCHED_TABLES)


def remove_triggers(apps, schema_editor):
    TRIGGERS.remove_triggers(apps, schema_editor, tables=WATCHED_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_watch_regimes"),
        ("procedures", "0008_766_rule_sets"),
    ]

    operations = [migrations.RunPython(install_triggers, remove_triggers)]
