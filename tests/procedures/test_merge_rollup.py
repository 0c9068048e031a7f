"""Roll-up through the 2025 merge, on the official register of Ninh Bình (old Hà Nam, Nam Định and Ninh Bình).

A pre-2025 unit's figures are its own for periods it existed in, and count in its successor for later ones:
Ninh Bình's 2023 splits into the three old provinces, whose parts add up to the province's figure.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from departments.models import Role, Unit
from departments.policy import Actor
from departments.register import register_load, register_read
from departments.selectors import merge_parts, units_rolling_up_to
from indicators.periods import parse_period
from procedures.ingest import dossiers_import
from procedures.models import STAT_COUNTERS
from procedures.selectors import procedure_stats, procedure_stats_by_merge
from tests.factories import ProcedureFactory, UserFactory

pytestmark = pytest.mark.django_db
HA_NAM_COMMUNE = "H347-13291"  # Phường Lê Hồng Phong, Phủ Lý (Hà Nam) -> X37-13291
NAM_DINH_DISTRICT, NAM_DINH_COMMUNE = "H356", "H356-13636"  # Nam Định city; Phường Vị Xuyên -> X37-13669
NINH_BINH_COMMUNE = "H370-14362"  # Phường Bắc Sơn, Tam Điệp (old Ninh Bình) -> X37-14362
NEW_COMMUNE = "X37-13669"  # Phường Nam Định


def dossier(code, unit, received, completed="", *, due="2023-12-31T17:00:00+07:00", outcome="resolved"):
    return {"code": code, "procedure": "1.000001.H37", "unit": unit, "channel": "online",
            "received_at": received, "due_at": due, "completed_at": completed, "outcome": outcome}


@pytest.fixture(scope="module")
def shipped():
    return register_read()


@pytest.fixture
def area(shipped, cast):
    register_load(data=shipped, province_codes=["37"])
    ProcedureFactory(code="1.000001.H37", department=Unit.objects.get(code="T36"))
    rows = [
        dossier("HN-1", HA_NAM_COMMUNE, "2023-03-01T08:00:00+07:00", "2023-03-05T10:00:00+07:00"),
        dossier("HN-2", HA_NAM_COMMUNE, "2023-04-01T08:00:00+07:00", "2023-04-03T10:00:00+07:00"),
        dossier("ND-1", NAM_DINH_DISTRICT, "2023-05-01T08:00:00+07:00", "2023-05-02T10:00:00+07:00"),
        dossier("ND-2", NAM_DINH_COMMUNE, "2023-06-01T08:00:00+07:00", "2024-01-10T10:00:00+07:00"),  # late
        dossier("ND-3", NAM_DINH_COMMUNE, "2023-07-01T08:00:00+07:00", outcome="pending"),
        dossier("NB-1", NINH_BINH_COMMUNE, "2023-08-01T08:00:00+07:00", "2023-08-02T10:00:00+07:00"),
        # Received by the old commune in June 2025, finished by the new province in January 2026.
        dossier("ND-4", NAM_DINH_COMMUNE, "2025-06-20T08:00:00+07:00", "2026-01-05T10:00:00+07:00",
                due="2026-01-10T17:00:00+07:00"),
        dossier("X-1", NEW_COMMUNE, "2026-02-02T08:00:00+07:00", "2026-02-03T10:00:00+07:00",
                due="2026-02-10T17:00:00+07:00"),
    ]
    dossiers_import(rows=rows, source="motcua", actor=Actor(cast.admin), channel="api")
    return Unit.objects.get(code="T37")


def by_code(rows):
    return {row["unit__code"]: row for row in rows}


def test_ninh_binh_2023_shows_the_three_old_provinces_side_by_side_and_summed(area, cast):
    actor, year = Actor(cast.reviewer), parse_period("2023")
    rows, total = procedure_stats_by_merge(actor=actor, period=year, unit=area)
    parts = by_code(rows)
    assert list(parts) == ["T35", "T36", "T37-CU"] and all(row["existed"] for row in rows)
    assert [parts[code]["received"] for code in parts] == [2, 3, 1]
    assert (parts["T36"]["processed"], parts["T36"]["on_time"], parts["T36"]["pending"]) == (1, 1, 1)
    assert str(parts["T35"]["on_time_rate"]) == "100.00"
    for name in STAT_COUNTERS:
        assert total[name] == sum(row[name] for row in rows), name
    [whole] = procedure_stats(actor=actor, period=year, unit=area)
    assert {name: total[name] for name in STAT_COUNTERS} == {name: whole[name] for name in STAT_COUNTERS}
    assert total["received"] == 6


def test_a_later_period_counts_the_old_units_in_the_new_province(area, cast):
    rows, total = procedure_stats_by_merge(actor=Actor(cast.reviewer), period=parse_period("2026"), unit=area)
    [ninh_binh] = rows
    assert ninh_binh["unit__code"] == "T37" and ninh_binh["existed"]
    # ND-4 (an old Nam Định commune, finished in 2026) and X-1 (a new ward) are both the new province's.
    assert (ninh_binh["received"], ninh_binh["processed"], ninh_binh["on_time"]) == (1, 2, 2)
    assert total["processed"] == 2


def test_a_period_across_the_merge_keeps_each_side_its_own(area, cast):
    actor = Actor(cast.reviewer)
    rows, _total = procedure_stats_by_merge(actor=actor, period=parse_period("2025Q2"), unit=area)
    assert [(row["unit__code"], row["received"]) for row in rows] == [("T35", 0), ("T36", 1), ("T37-CU", 0)]
    rows, _total = procedure_stats_by_merge(actor=actor, period=parse_period("2025"), unit=area)
    assert [row["unit__code"] for row in rows] == ["T35", "T36", "T37", "T37-CU"]
    assert by_code(rows)["T36"]["received"] == 1 and by_code(rows)["T37"]["received"] == 0


def test_a_new_commune_splits_into_the_old_communes_merged_into_it(area, cast):
    ward = Unit.objects.get(code=NEW_COMMUNE)
    rows, total = procedure_stats_by_merge(actor=Actor(cast.reviewer), period=parse_period("2023"), unit=ward)
    parts = by_code(rows)
    assert NAM_DINH_COMMUNE in parts and NEW_COMMUNE not in parts  # the ward did not exist, and had no figures
    assert parts[NAM_DINH_COMMUNE]["received"] == total["received"] == 2
    assert all(code.startswith("H356-") for code in parts)


def test_the_parts_cover_every_unit_that_rolls_up_exactly_once(area):
    for period in ("2023", "2025", "2026"):
        parsed = parse_period(period)
        parts = merge_parts(area, parsed.start, parsed.end)
        ids = [pk for _part, part_ids in parts for pk in part_ids]
        assert len(ids) == len(set(ids)) and set(ids) == units_rolling_up_to(area), period


# --- through the API ------------------------------------------------------------------------------


def api_as(user):
    client = APIClient()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_api_splits_a_province_by_the_merged_provinces(area, cast):
    answer = api_as(cast.reviewer).get("/api/v1/procedure-stats/",
                                       {"period": "2023", "unit": "T37", "breakdown": "merged"})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["breakdown"] == "merged"
    assert [(row["group"]["code"], row["received"], row["valid_to"]) for row in body["rows"]] == [
        ("T35", 2, "2025-06-30"), ("T36", 3, "2025-06-30"), ("T37-CU", 1, "2025-06-30")]
    assert body["total"]["received"] == 6 and body["total"]["group"] is None
    plain = api_as(cast.reviewer).get("/api/v1/procedure-stats/", {"period": "2023", "unit": "T37"}).json()
    assert plain["total"] is None and plain["rows"][0]["received"] == 6


def test_the_merged_breakdown_needs_a_unit_and_no_grouping(area, cast):
    client = api_as(cast.reviewer)
    no_unit = client.get("/api/v1/procedure-stats/", {"period": "2023", "breakdown": "merged"})
    assert no_unit.status_code == 400 and no_unit.json()["errors"][0]["field"] == "unit"
    grouped = client.get("/api/v1/procedure-stats/", {"period": "2023", "unit": "T37", "breakdown": "merged",
                                                      "group_by": "month"})
    assert grouped.status_code == 400 and grouped.json()["errors"][0]["field"] == "group_by"


def test_the_merged_breakdown_keeps_to_the_callers_scope(area, cast):
    outside = api_as(cast.staff_a).get("/api/v1/procedure-stats/",
                                       {"period": "2023", "unit": "T37", "breakdown": "merged"})
    assert outside.status_code == 404  # a unit outside the caller's scope is not there for it
    nam_dinh_staff = UserFactory(username="staff_nd", role=Role.STAFF, units=[Unit.objects.get(code="T36")])
    answer = api_as(nam_dinh_staff).get("/api/v1/procedure-stats/",
                                        {"period": "2023", "unit": "T36", "breakdown": "merged"})
    assert answer.status_code == 200
    assert [(row["group"]["code"], row["received"]) for row in answer.json()["rows"]] == [("T36", 3)]


def test_the_breakdown_costs_the_same_queries_for_three_provinces_as_for_one_ward(area, cast):
    year = parse_period("2023")
    counts = []
    for unit in (area, Unit.objects.get(code=NEW_COMMUNE)):  # 553 units in 3 parts; 9 units in 8 parts
        with CaptureQueriesContext(connection) as queries:
            procedure_stats_by_merge(actor=Actor(cast.reviewer), period=year, unit=unit)
        counts.append(len(queries))
    # The unit's subtree, then per generation of merges the subtree of the units merged into it (2), the
    # caller's role, the units that roll up, the summary cells by unit, the overdue dossiers by unit.
    assert counts == [7, 7]
