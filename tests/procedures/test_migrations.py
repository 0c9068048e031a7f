"""The data step of the issue-13 migrations: dossiers stored in the old shape reach the national shape.

`procedures.0005_dossier_as_sources_say` gives every stored dossier the national status its outcome stands
for, its competent unit as the receiving unit and its due date as the first due date. (The register migration,
`departments.0002_unit_register`, changes the schema only.) The test migrates back to before 0005 inside its
own transaction (PostgreSQL's DDL is transactional, so the rollback at the end restores the schema), writes
rows with the models of that time, migrates forward and reads them back.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from procedures.models import Dossier, Score766Rule
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db
BEFORE = [("procedures", "0004_verbose_names")]
AFTER = [("procedures", "0005_dossier_as_sources_say")]
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# outcome before 0005 -> status after it (the table procedures.dvcqg keeps too)
EXPECTED = {"pending": "4", "resolved": "9", "rejected": "9", "withdrawn": "7"}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def at(day, hour=8):
    return datetime(2023, 8, day, hour, tzinfo=ZONE)


def test_stored_dossiers_get_status_receiving_unit_and_first_due_date():
    with connection.cursor() as cursor:
        # Check foreign keys at once in this transaction: PostgreSQL refuses ALTER TABLE with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    unit_a, unit_b = UnitFactory(code="A"), UnitFactory(code="B")  # departments is not migrated back
    # Before 0008 a metric had one rule; the seeded rule sets repeat metrics, so they go (0008 seeds them again).
    Score766Rule.objects.all().delete()
    old = migrate(BEFORE)
    old_dossier = old.get_model("procedures", "Dossier")
    assert "status" not in {field.name for field in old_dossier._meta.get_fields()}  # really the old shape
    field = old.get_model("procedures", "ProcedureField").objects.create(code="HT", name="Hộ tịch")
    procedure = old.get_model("procedures", "Procedure").objects.create(
        code="1.000001.H42", name="Đăng ký khai sinh", field_id=field.pk, department_id=unit_a.pk,
        active_from=date(2020, 1, 1))
    for number, (outcome, unit) in enumerate([("pending", unit_a), ("resolved", unit_a), ("rejected", unit_b),
                                              ("withdrawn", unit_b)], start=1):
        old_dossier.objects.create(
            source="motcua", code=f"HS-{number}", procedure_id=procedure.pk, unit_id=unit.pk, channel="online",
            received_at=at(number), due_at=at(number + 10, 17),
            completed_at=None if outcome == "pending" else at(number + 1), outcome=outcome)

    migrate(AFTER)
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # and on to today's schema
    dossiers = {dossier.code: dossier for dossier in Dossier.objects.select_related("unit", "receiving_unit")}
    assert {d.outcome: d.status for d in dossiers.values()} == EXPECTED
    for number, dossier in enumerate(sorted(dossiers.values(), key=lambda d: d.code), start=1):
        assert dossier.receiving_unit == dossier.unit
        assert dossier.first_due_at == dossier.due_at == at(number + 10, 17)
    assert dossiers["HS-3"].receiving_unit.code == "B"
