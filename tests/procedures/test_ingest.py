from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from departments.policy import Actor
from kernel.errors import BatchRejected, ServiceError
from procedures.ingest import dossiers_import, rows_from_csv
from procedures.models import Dossier, DossierImport, DossierMonthStat
from procedures.stats import stats_rebuild
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
COUNTERS = ["received", "received_online", "processed", "on_time", "late", "pending", "fee_required",
            "paid_online", "digitized", "e_result"]


def row(code, *, unit="A", procedure="1.000001.H42", channel="online", received="2023-08-01T08:00:00+07:00",
        due="2023-08-10T17:00:00+07:00", completed=None, outcome="pending", **flags):
    return {"code": code, "procedure": procedure, "unit": unit, "channel": channel, "received_at": received,
            "due_at": due, "completed_at": completed, "outcome": outcome, **flags}


@pytest.fixture
def procedure(cast):
    return ProcedureFactory(code="1.000001.H42", department=cast.unit_a)


@pytest.fixture
def system(cast):
    return Actor(cast.system_key.service_account, cast.system_key)


def push(actor, rows, **kwargs):
    return dossiers_import(rows=rows, source="motcua", actor=actor, channel="api", **kwargs)


def expected_cells():
    """Compute the summary from the raw dossiers in Python, independently of the SQL that keeps it."""
    cells = Counter()
    for d in Dossier.objects.all():
        received_month = d.received_at.astimezone(HCM).date().replace(day=1)
        key = (d.unit_id, d.procedure_id, received_month)
        cells[key + ("received",)] += 1
        cells[key + ("received_online",)] += d.channel == "online"
        cells[key + ("pending",)] += d.outcome == "pending"
        cells[key + ("fee_required",)] += d.fee_required
        cells[key + ("paid_online",)] += d.fee_required and d.paid_online
        cells[key + ("digitized",)] += d.digitized
        if d.outcome in ("resolved", "rejected"):
            done = (d.unit_id, d.procedure_id, d.completed_at.astimezone(HCM).date().replace(day=1))
            cells[done + ("processed",)] += 1
            cells[done + ("on_time",)] += d.completed_at <= d.due_at
            cells[done + ("late",)] += d.completed_at > d.due_at
            cells[done + ("e_result",)] += d.e_result
    return {key: n for key, n in cells.items() if n}


def summary_cells():
    cells = {}
    for stat in DossierMonthStat.objects.all():
        for name in COUNTERS:
            if getattr(stat, name):
                cells[(stat.unit_id, stat.procedure_id, stat.month, name)] = getattr(stat, name)
    return cells


def test_import_creates_then_resending_changes_nothing(procedure, system):
    rows = [row("HS-1"), row("HS-2", completed="2023-08-05T10:00:00+07:00", outcome="resolved", e_result=True)]
    first = push(system, rows)
    assert first["counts"] == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    cells = summary_cells()
    second = push(system, rows)
    assert second["counts"]["unchanged"] == 2 and second["counts"]["created"] == 0
    assert summary_cells() == cells == expected_cells()


def test_update_moves_counts_between_pending_and_processed(procedure, system):
    push(system, [row("HS-1")])
    result = push(system, [row("HS-1", completed="2023-09-12T10:00:00+07:00", outcome="resolved")])
    assert result["counts"]["updated"] == 1
    stats = {s.month.month: s for s in DossierMonthStat.objects.all()}
    assert (stats[8].received, stats[8].pending) == (1, 0)
    assert (stats[9].processed, stats[9].late) == (1, 1)
    assert summary_cells() == expected_cells()


@pytest.mark.parametrize("bad, field", [
    ({"procedure": "9.999999.H99"}, "procedure"),
    ({"unit": "NOPE"}, "unit"),
    ({"channel": "fax"}, "channel"),
    ({"outcome": "lost"}, "outcome"),
    ({"received_at": "15/08/2023"}, "received_at"),
    ({"due_at": "2023-07-01T00:00:00+07:00"}, "due_at"),
    ({"completed_at": "2023-07-01T00:00:00+07:00", "outcome": "resolved"}, "completed_at"),
    ({"completed_at": "2023-08-02T00:00:00+07:00"}, "completed_at"),
    ({"code": ""}, "code"),
    ({"digitized": "maybe"}, "digitized"),
])
def test_bad_rows_are_listed_and_nothing_is_written(procedure, system, bad, field):
    with pytest.raises(BatchRejected) as rejected:
        push(system, [row("OK-1"), {**row("BAD-1"), **bad}])
    summary = rejected.value.summary
    assert summary["conflicts"][0]["row"] == 2 and summary["conflicts"][0]["field"] == field
    assert summary["conflicts"][0]["message"] and summary["conflicts"][0]["message_en"]
    assert Dossier.objects.count() == 0 and DossierImport.objects.count() == 0


def test_partial_import_writes_the_valid_rows(procedure, system):
    result = push(system, [row("OK-1"), row("BAD-1", channel="fax")], partial=True)
    assert result["status"] == "partial"
    assert result["counts"]["created"] == 1 and result["counts"]["rejected"] == 1
    assert list(Dossier.objects.values_list("code", flat=True)) == ["OK-1"]


def test_dry_run_writes_nothing(procedure, system):
    result = push(system, [row("HS-1")], dry_run=True)
    assert result["counts"]["created"] == 1 and Dossier.objects.count() == 0


def test_same_code_twice_in_a_batch_with_different_content_is_rejected(procedure, system):
    with pytest.raises(BatchRejected) as rejected:
        push(system, [row("HS-1"), row("HS-1", channel="post")])
    assert rejected.value.summary["conflicts"][0]["field"] == "code"
    assert push(system, [row("HS-1"), row("HS-1")])["counts"]["created"] == 1  # identical repeats are harmless


def test_key_bound_to_unit_a_cannot_write_unit_b(procedure, system, cast):
    with pytest.raises(BatchRejected) as rejected:
        push(system, [row("HS-1", unit=cast.unit_b.code)])
    assert rejected.value.summary["conflicts"][0]["field"] == "unit"


def test_too_many_rows_is_refused(procedure, system, settings):
    settings.DOSSIER_IMPORT_MAX_ROWS = 2
    with pytest.raises(ServiceError) as refused:
        push(system, [row(f"HS-{n}") for n in range(3)])
    assert refused.value.code == "too_many_rows"


def test_csv_with_bom_and_semicolons_as_excel_writes_it(procedure, system):
    text = "\ufeffcode;procedure;unit;channel;received_at;due_at;outcome;digitized\n" \
           "HS-Đ1;1.000001.H42;A;in_person;2023-08-01 08:00;2023-08-03 17:00;pending;có\n"
    rows = rows_from_csv(text.encode("utf-8"))
    assert push(system, rows)["counts"]["created"] == 1
    assert Dossier.objects.get().code == "HS-Đ1" and Dossier.objects.get().digitized


@pytest.mark.parametrize("content, code", [(b"", "empty"), (b"m\xe3;x\n", "encoding"),
                                            (b"code,unit\nA,B\n", "columns")])
def test_unreadable_csv_is_a_clear_error(content, code):
    with pytest.raises(ServiceError) as raised:
        rows_from_csv(content)
    assert raised.value.code == code


START = datetime(2023, 1, 1, 8, tzinfo=HCM)
dossier_rows = st.builds(
    lambda n, channel, days, due_in, done_in, outcome, fee, paid, digitized, e_result: row(
        f"HS-{n}", channel=channel, received=(START + timedelta(days=days)).isoformat(),
        due=(START + timedelta(days=days + due_in)).isoformat(),
        completed=None if outcome == "pending" else (START + timedelta(days=days + done_in)).isoformat(),
        outcome=outcome, fee_required=fee, paid_online=paid, digitized=digitized, e_result=e_result,
    ),
    st.integers(0, 15), st.sampled_from(["online", "in_person", "post"]), st.integers(0, 200),
    st.integers(0, 20), st.integers(0, 40), st.sampled_from(["pending", "resolved", "rejected", "withdrawn"]),
    st.booleans(), st.booleans(), st.booleans(), st.booleans(),
)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(dossier_rows, max_size=12), min_size=1, max_size=5))
def test_statistics_equal_the_raw_dossiers_after_any_sequence_of_imports(procedure, system, batches):
    Dossier.objects.all().delete()
    DossierMonthStat.objects.all().delete()
    for batch in batches:
        unique = list({r["code"]: r for r in batch}.values())  # one version of each code per batch
        push(system, unique)
        assert summary_cells() == expected_cells()
    stats_rebuild()
    assert summary_cells() == expected_cells()
