from datetime import date

import pytest

from departments.policy import Actor
from indicators.models import IndicatorValue
from indicators.periods import parse_period
from procedures.computed import computed_indicators_refresh
from procedures.ingest import dossiers_import
from procedures.models import Score766Rule
from procedures.selectors import coverage, decision766_estimates, procedure_stats
from procedures.services import procedure_save
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db


def dossier(code, *, outcome="resolved", completed="2023-08-05T10:00:00+07:00", due="2023-08-10T17:00:00+07:00",
            channel="online", **flags):
    return {"code": code, "procedure": "1.000001.H42", "unit": "A", "channel": channel,
            "received_at": "2023-08-01T08:00:00+07:00", "due_at": due,
            "completed_at": None if outcome == "pending" else completed, "outcome": outcome, **flags}


@pytest.fixture
def pushed(cast):
    ProcedureFactory(code="1.000001.H42", department=cast.unit_a)
    rows = [
        dossier("1", fee_required=True, paid_online=True, digitized=True),
        dossier("2", channel="in_person", fee_required=True),
        dossier("3", completed="2023-08-20T10:00:00+07:00"),  # late
        dossier("4", outcome="pending", due="2023-08-02T17:00:00+07:00"),  # overdue
    ]
    dossiers_import(rows=rows, source="motcua", actor=Actor(cast.admin), channel="api")
    return rows


def test_stats_counts_and_rates_for_a_unit(cast, pushed):
    [row] = procedure_stats(actor=Actor(cast.reviewer), period=parse_period("2023"), unit=cast.unit_a)
    assert (row["received"], row["processed"], row["on_time"], row["late"], row["pending"]) == (4, 3, 2, 1, 1)
    assert row["overdue"] == 1
    assert str(row["on_time_rate"]) == "66.67" and str(row["online_rate"]) == "75.00"
    assert str(row["online_payment_rate"]) == "50.00"


def test_stats_are_scoped_to_the_callers_units(cast, pushed):
    [row] = procedure_stats(actor=Actor(cast.staff_b), period=parse_period("2023"))
    assert row["received"] == 0 and row["on_time_rate"] is None


def test_stats_group_by_month_and_procedure(cast, pushed):
    rows = procedure_stats(actor=Actor(cast.reviewer), period=parse_period("2023"), group_by="month")
    assert [(r["month"], r["received"]) for r in rows] == [(date(2023, 8, 1), 4)]
    rows = procedure_stats(actor=Actor(cast.reviewer), period=parse_period("2023Q3"), group_by="procedure")
    assert rows[0]["procedure__code"] == "1.000001.H42"


def test_coverage_today_and_on_a_past_date(cast):
    changed = ProcedureFactory(code="1.000002.H42", online_level="partial", department=cast.unit_a,
                               active_from=date(2020, 1, 1))
    procedure_save(procedure=changed, actor=Actor(cast.admin), channel="api", level_changed_on=date(2020, 1, 1))
    ProcedureFactory(code="1.000003.H42", online_level="none", department=cast.unit_a)
    procedure_save(procedure=ProcedureFactory.build(code="1.000004.H42", department=cast.unit_a,
                                                    field=changed.field, online_level="full"),
                   actor=Actor(cast.admin), channel="api")
    changed.online_level = "full"
    procedure_save(procedure=changed, actor=Actor(cast.admin), channel="api", level_changed_on=date(2022, 8, 15))
    before = coverage(on=date(2022, 1, 1))[0]
    after = coverage(on=date(2023, 1, 1))[0]
    # The factory-made "none" procedure has no level history, so only the two saved through the service count.
    assert (before["procedures"], before["full_online"]) == (2, 1)
    assert (after["procedures"], after["full_online"]) == (2, 2)
    assert str(after["full_online_share"]) == "100.00"


def test_computed_indicators_are_recorded_as_approved_computed_values(cast, pushed):
    computed_indicators_refresh(year=2023)
    on_time = IndicatorValue.objects.get(indicator__code="HS-DUNG-HAN", unit=cast.unit_a, period="2023")
    assert on_time.is_computed and on_time.state == "approved"
    assert (on_time.numerator, on_time.denominator) == (2, 3)
    assert on_time.computed_from["from"] == "dossiers"
    assert on_time.audit_entries.get().action == "compute"
    computed_indicators_refresh(year=2023)  # nothing changed: no new audit entry
    assert on_time.audit_entries.count() == 1


def test_decision_766_estimates_follow_the_rules(cast, pushed):
    # Rule sets are dated now: 2023 is scored by the 2022 text's five rules (the 2026 set has its own five).
    assert Score766Rule.objects.filter(rule_set__code="766/2022").count() == 5
    [estimate] = decision766_estimates(actor=Actor(cast.reviewer), period=parse_period("2023"))
    assert estimate["estimate"] is True
    progress = estimate["components"]["processing_progress"]
    assert str(progress["points"]) == "13.33"  # 66.67% on time × 20 points
    assert estimate["components"]["online_service"]["metrics"]["online_rate"] == pytest.approx(75)
    assert str(estimate["components"]["online_service"]["points"]).startswith("8.00")  # 75% ≥ 50%: full 8
