"""Dossier statistics for any window of days: regime windows (Decree 09/2019), start/end ranges, from day cells."""

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from departments.policy import Actor
from indicators.periods import Period, parse_period
from procedures import counting
from procedures.ingest import dossiers_import
from procedures.models import STAT_COUNTERS, Dossier, DossierDayStat, DossierMonthStat
from procedures.selectors import procedure_stats
from procedures.stats import stats_rebuild
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
STATS = "/api/v1/procedure-stats/"
CODE = "1.000001.H42"


@pytest.fixture
def procedure(cast):
    return ProcedureFactory(code=CODE, department=cast.unit_a)


def row(code, *, received, due=None, completed=None, outcome=None, unit="A", **more):
    outcome = outcome or ("resolved" if completed else "pending")
    due = due or (datetime.fromisoformat(received) + timedelta(days=10)).isoformat()
    return {"code": code, "procedure": CODE, "unit": unit, "channel": "online", "received_at": received,
            "due_at": due, "completed_at": completed, "outcome": outcome, **more}


def push(cast, rows):
    return dossiers_import(rows=rows, source="motcua", actor=Actor(cast.admin), channel="api")


def totals(client, query):
    response = client.get(f"{STATS}?{query}")
    assert response.status_code == 200, response.json()
    [answer] = response.json()["rows"]
    return response.json(), answer


# --- regime windows by local date -------------------------------------------------------------------------


def test_dossier_received_on_14_august_counts_in_the_decree_09_august(cast, procedure, client_as):
    # 23:30 on 14 Aug in Vietnam is 16:30 UTC; 00:30 on 15 Aug is still 14 Aug (17:30) in UTC.
    push(cast, [row("IN", received="2023-08-14T23:30:00+07:00"), row("OUT", received="2023-08-15T00:30:00+07:00")])
    body, august = totals(client_as("reviewer"), "regime=nd09-mac-dinh&period=202308")
    assert (body["period"], body["regime"], body["start"], body["end"]) == (
        "202308", "nd09-mac-dinh", "2023-07-15", "2023-08-14")
    assert august["received"] == 1
    _body, september = totals(client_as("reviewer"), "regime=nd09-mac-dinh&period=202309")
    assert september["received"] == 1
    _body, calendar = totals(client_as("reviewer"), "period=202308")  # no regime: the calendar month, as before
    assert calendar["received"] == 2 and _body["regime"] is None


def test_processed_and_on_time_follow_the_local_finishing_date_in_a_regime_window(cast, procedure, client_as):
    push(cast, [
        # finished 23:00 on 14 Aug local, due that day: processed in August, on time
        row("A1", received="2023-08-01T08:00:00+07:00", completed="2023-08-14T23:00:00+07:00",
            due="2023-08-14T08:00:00+07:00"),
        # finished 06:00 on 15 Aug local (14 Aug 23:00 UTC), due 14 Aug: processed in September, late
        row("S1", received="2023-08-01T08:00:00+07:00", completed="2023-08-15T06:00:00+07:00",
            due="2023-08-14T17:00:00+07:00"),
    ])
    _body, august = totals(client_as("reviewer"), "regime=nd09-mac-dinh&period=202308")
    assert (august["received"], august["processed"], august["on_time"], august["late"]) == (2, 1, 1, 0)
    _body, september = totals(client_as("reviewer"), "regime=nd09-mac-dinh&period=202309")
    assert (september["received"], september["processed"], september["on_time"], september["late"]) == (0, 1, 0, 1)


def test_a_regime_year_covers_15_december_to_14_december(cast, procedure, client_as):
    push(cast, [row("D15", received="2022-12-15T08:00:00+07:00"), row("D14", received="2023-12-14T20:00:00+07:00"),
                row("X15", received="2023-12-15T08:00:00+07:00")])
    body, year = totals(client_as("reviewer"), "regime=nd09-mac-dinh&period=2023")
    assert (body["start"], body["end"], year["received"]) == ("2022-12-15", "2023-12-14", 2)
    _body, calendar = totals(client_as("reviewer"), "period=2023")
    assert calendar["received"] == 2  # 14 and 15 December 2023


def test_start_and_end_count_the_days_between_inclusive(cast, procedure, client_as):
    push(cast, [row("13", received="2023-08-13T08:00:00+07:00"), row("14", received="2023-08-14T23:59:00+07:00"),
                row("15", received="2023-08-15T00:00:00+07:00")])
    body, one_day = totals(client_as("reviewer"), "start=2023-08-14&end=2023-08-14")
    assert (body["period"], body["regime"], one_day["received"]) == ("2023-08-14/2023-08-14", None, 1)
    _body, two_days = totals(client_as("reviewer"), "start=2023-08-13&end=2023-08-14&group_by=month")
    assert two_days["received"] == 2 and two_days["group"]["code"] == "202308"
    _body, whole = totals(client_as("reviewer"), "start=2023-08-01&end=2023-08-31")
    assert whole["received"] == 3


def test_range_answers_are_scoped_to_the_callers_units(cast, procedure, client_as):
    push(cast, [row("A", received="2023-08-14T08:00:00+07:00")])
    _body, seen = totals(client_as("staff_b"), "regime=nd09-mac-dinh&period=202308")
    assert seen["received"] == 0


@pytest.mark.parametrize(("query", "field"), [
    ("regime=khong-co&period=202308", "regime"),
    ("regime=thong-ke&period=2023M9", "period"),  # the statistical regime has no nine-month period
    ("regime=nd09-mac-dinh", "period"),
    ("regime=nd09-mac-dinh&start=2023-01-01&end=2023-01-31", "period"),
    ("start=2023-08-15&end=2023-08-14", "end"),
    ("start=2023-02-30&end=2023-03-01", "start"),
    ("start=1999-12-31&end=2023-03-01", "start"),
    ("start=2023-01-01&end=9999-12-31", "end"),
    ("start=2023-01-01", "end"),
    ("", "period"),
    ("period=202308&start=2023-08-01&end=2023-08-02", "start"),
])
def test_bad_window_is_a_400_naming_the_field_in_both_languages(cast, procedure, client_as, query, field):
    response = client_as("reviewer").get(f"{STATS}?{query}")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == field
    assert error["message"] and error["message_en"] and error["message"] != error["message_en"]


# --- the day cells and the summary equal a raw recount, over any window ----------------------------------

START = datetime(2023, 7, 1, 8, tzinfo=HCM)


def raw_recount(start, end):
    """Count the window from the raw dossiers with the Python rules of procedures.counting."""
    counts = Counter()
    for d in Dossier.objects.all():
        if d.received_at is not None and start <= d.received_at.astimezone(HCM).date() <= end:
            received = counting.is_received(d)
            counts["received"] += received
            counts["received_online"] += received and d.channel == "online"
            counts["pending"] += counting.is_pending(d)
            counts["withdrawn"] += counting.is_withdrawn(d)
        if d.completed_at is not None and counting.is_processed(d) and \
                start <= d.completed_at.astimezone(HCM).date() <= end:
            counts["processed"] += 1
            counts["on_time"] += counting.is_on_time(d)
            counts["late"] += counting.is_late(d)
    return counts


def day_cells():
    # A cell whose dossiers all moved away stays as zeros; a rebuild does not write it: compare the others.
    return sorted(c for c in DossierDayStat.objects.values_list("unit_id", "procedure_id", "day", *STAT_COUNTERS)
                  if any(c[3:]))


def month_cells():
    return sorted(c for c in DossierMonthStat.objects.values_list("unit_id", "procedure_id", "month", *STAT_COUNTERS)
                  if any(c[3:]))


# (days after START, hour, days to finish, finishing hour, days to due, outcome)
dossier_plans = st.tuples(st.integers(0, 60), st.integers(0, 23), st.integers(0, 20), st.integers(0, 23),
                          st.integers(0, 15), st.sampled_from(["resolved", "pending", "withdrawn"]))
windows = st.tuples(st.integers(0, 80), st.integers(0, 100))  # some hold whole months between partial ones


def planned(n, plan):
    days, hour, to_finish, finish_hour, to_due, outcome = plan
    received = (START + timedelta(days=days)).replace(hour=hour)
    # Withdrawn dossiers carry the moment they ended too; only pending ones have none.
    completed = (received + timedelta(days=to_finish)).replace(hour=finish_hour) if outcome != "pending" else None
    if completed is not None and completed < received:
        completed = received
    due = max(received, (received + timedelta(days=to_due)).replace(hour=17))
    return row(f"P{n}", received=received.isoformat(), due=due.isoformat(),
               completed=completed and completed.isoformat(), outcome=outcome)


@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(dossier_plans, min_size=1, max_size=8), second=st.lists(dossier_plans, max_size=8),
       asked=st.lists(windows, min_size=1, max_size=4))
def test_summary_for_any_window_equals_a_raw_recount(cast, procedure, first, second, asked):
    Dossier.objects.all().delete()
    DossierMonthStat.objects.all().delete()
    DossierDayStat.objects.all().delete()
    push(cast, [planned(n, plan) for n, plan in enumerate(first)])
    push(cast, [planned(n, plan) for n, plan in enumerate(second)])  # changes move counts between days
    for offset, length in asked:
        start = START.date() + timedelta(days=offset)
        end = start + timedelta(days=length)
        [answer] = procedure_stats(actor=Actor(cast.reviewer), period=Period(f"{start}/{end}", "range", start, end))
        expected = raw_recount(start, end)
        assert {name: answer[name] for name in expected} == {name: expected[name] for name in expected}
        assert answer["received"] == expected["received"] and answer["processed"] == expected["processed"]
    kept_days, kept_months = day_cells(), month_cells()
    stats_rebuild()  # the incrementally kept cells were already what a full recount gives
    assert day_cells() == kept_days and month_cells() == kept_months


def test_calendar_month_from_day_cells_equals_the_month_cell(cast, procedure):
    push(cast, [row(f"M{n}", received=f"2023-08-{n:02d}T2{n % 4}:00:00+07:00",
                    completed=f"2023-08-{n + 1:02d}T08:00:00+07:00",
                    due=f"2023-08-{n + (n % 3 > 0):02d}T23:59:00+07:00")
                for n in range(1, 30)])
    actor = Actor(cast.reviewer)
    [by_month] = procedure_stats(actor=actor, period=parse_period("202308"))
    # 2 Aug–31 Aug plus 1 Aug: two windows that do not cover whole months read day cells.
    [tail] = procedure_stats(actor=actor, period=Period("tail", "range", date(2023, 8, 2), date(2023, 8, 31)))
    [head] = procedure_stats(actor=actor, period=Period("head", "range", date(2023, 8, 1), date(2023, 8, 1)))
    assert {name: head[name] + tail[name] for name in STAT_COUNTERS} == {name: by_month[name] for name in STAT_COUNTERS}


# --- queries do not grow with the data --------------------------------------------------------------------


@pytest.mark.parametrize("query", ["regime=nd09-mac-dinh&period=2023&group_by=unit", "start=2023-03-02&end=2023-11-20"])
def test_window_stats_query_count_does_not_grow_with_dossiers(cast, procedure, client_as, query):
    client = client_as("reviewer")

    def queries_for(n):
        Dossier.objects.all().delete()
        push(cast, [row(f"Q{k}", received=(START + timedelta(days=k % 90)).isoformat(),
                        completed=(START + timedelta(days=k % 90 + 2)).isoformat(), unit="AB"[k % 2])
                    for k in range(n)])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{STATS}?{query}").status_code == 200
        return len(captured)

    # The reviewer's session and actor (about 3), the regime (1, with regime) and its working-day calendar,
    # the day cells summed (1), overdue dossiers (1), the steps (1): none per dossier, unit or day.
    assert queries_for(3) == queries_for(40)
