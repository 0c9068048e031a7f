import random
from collections import Counter
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.test import override_settings
from rest_framework.test import APIClient

from departments import demo as departments_demo
from departments.policy import Actor, key_allows
from indicators.models import IndicatorValue
from indicators.periods import parse_period
from procedures import demo
from procedures.models import (
    PROCEDURE_CODE,
    STAT_COUNTERS,
    Dossier,
    DossierImport,
    DossierMonthStat,
    Procedure,
    ProcedureChange,
    ProcedureLevelPeriod,
)
from procedures.selectors import coverage, procedure_stats, procedure_stats_by_merge, stats_visible_to
from procedures.stats import stats_rebuild

pytestmark = pytest.mark.django_db
DOSSIERS = 400


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once for the module (300 procedures through the service take a while), inside a transaction
    rolled back at the end; each test runs in its own savepoint within it."""
    with django_db_blocker.unblock(), override_settings(VAR_DIR=tmp_path_factory.mktemp("var")):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            units = departments_demo.seed_organisation()
            users = departments_demo.seed_accounts(units, password="pw-for-tests")
            _key, secret = departments_demo.seed_demo_api_key(users["demo-system"], units)
            yield SimpleNamespace(units=units, users=users, secret=secret,
                                  result=demo.seed_procedures(units, users, dossiers=DOSSIERS))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def system_actor(users):
    account = users["demo-system"]
    return Actor(account, account.api_keys.get(revoked=False))


def snapshot():
    cells = sorted(DossierMonthStat.objects.values_list("unit_id", "procedure_id", "month", *STAT_COUNTERS))
    values = sorted(IndicatorValue.objects.filter(is_computed=True).values_list("indicator_id", "unit_id", "numerator",
                                                                                "denominator", "version"))
    counts = [model.objects.count() for model in (Procedure, ProcedureChange, ProcedureLevelPeriod, Dossier,
                                                  DossierImport)]
    return counts, cells, values


def test_catalogue_is_about_70_percent_fully_online_with_its_history(seeded):
    result = seeded.result
    assert result.procedures == result.procedures_created == Procedure.objects.count() == 300
    assert all(PROCEDURE_CODE.match(code) for code in Procedure.objects.values_list("code", flat=True))
    [in_2023] = coverage(on=date(2023, 8, 31))
    assert str(in_2023["full_online_share"]) == "70.00"
    [before_decree_42] = coverage(on=date(2022, 8, 14))
    assert before_decree_42["full_online"] < in_2023["full_online"]  # some were raised under Decree 42/2022
    changes = ProcedureLevelPeriod.objects.filter(valid_to__isnull=False)
    assert changes.exists() and all(p.valid_to >= date(2022, 8, 14) for p in changes)
    assert Procedure.objects.exclude(legacy_level=None).count() == 300
    departments = set(Procedure.objects.values_list("department__code", flat=True))
    assert departments == {"T36-STP", "T36-SKHDT", "T36-STTTT", "T36-SNV", "T36-STC", "T36-SKHCN"}
    for level in ("at_province", "at_district", "at_commune"):
        assert Procedure.objects.filter(**{level: True}).count() >= 40
    assert Procedure.objects.filter(mobile=True).exists() and Procedure.objects.filter(on_national_portal=True).exists()


def test_seeding_again_changes_nothing(seeded):
    before = snapshot()
    again = demo.seed_procedures(seeded.units, seeded.users, dossiers=DOSSIERS)
    assert (again.procedures_created, again.dossiers_created) == (0, 0)
    assert snapshot() == before


def test_statistics_equal_the_raw_dossiers(seeded):
    assert Dossier.objects.filter(source=demo.SOURCE).count() == DOSSIERS
    assert Dossier.objects.count() == DOSSIERS + seeded.result.neighbour_dossiers == DOSSIERS * 1.2
    processed = Q(outcome__in=["resolved", "rejected"])
    raw = {row["unit_id"]: row for row in Dossier.objects.values("unit_id").annotate(
        received=Count("id"), pending=Count("id", filter=Q(outcome="pending")), processed=Count("id", filter=processed),
        on_time=Count("id", filter=processed & Q(completed_at__lte=F("due_at"))),
        received_online=Count("id", filter=Q(channel="online"))).order_by()}
    summary = {row["unit_id"]: row for row in DossierMonthStat.objects.values("unit_id").annotate(
        received=Sum("received"), pending=Sum("pending"), processed=Sum("processed"), on_time=Sum("on_time"),
        received_online=Sum("received_online")).order_by()}
    assert summary == raw
    cells = snapshot()[1]
    stats_rebuild()  # recomputed from scratch: the incrementally kept summary was already right
    assert snapshot()[1] == cells


def test_dossiers_follow_the_articles_figures(seeded):
    [row] = procedure_stats(actor=Actor(seeded.users["demo-reviewer"]), period=parse_period("2023"),
                            unit=seeded.units["T36"])
    assert row["received"] == DOSSIERS
    assert row["processed"] == round(DOSSIERS * 175_080 / 183_600)
    assert row["on_time_rate"] >= 99
    received = Dossier.objects.filter(source=demo.SOURCE).values_list("received_at", flat=True)
    assert min(received).date() >= date(2022, 12, 31) and max(received).date() <= date(2023, 8, 31)
    computed = IndicatorValue.objects.filter(is_computed=True, period="2023")
    assert computed.filter(indicator__code="HS-DUNG-HAN").exists()
    assert computed.filter(indicator__code="TTHC-TOAN-TRINH").exists()


def test_the_full_size_plan_gives_the_articles_figures(seeded):
    records = demo.demo_procedures()
    plans = demo._level_plans(records, random.Random(demo.SEED))
    outcomes = Counter()
    for row in demo.DossierPlan(records, plans, demo.demo_places(seeded.units), 183_600).rows():
        late = row["outcome"] == "resolved" and row["completed_at"][:16] > row["due_at"][:16]
        outcomes["late" if late else row["outcome"]] += 1
    processed = outcomes["resolved"] + outcomes["rejected"] + outcomes["late"]
    assert sum(outcomes.values()) == 183_600 and processed == 175_080
    assert round(100 * (processed - outcomes["late"]) / processed, 2) == 99.84


def test_demo_system_pushes_dossiers_and_reads_the_whole_provinces_statistics(seeded):
    system = system_actor(seeded.users)
    for resource, access in [("procedures", "read"), ("dossiers", "write"), ("procedure-stats", "read")]:
        assert key_allows(system, resource, access)
    assert set(DossierImport.objects.filter(source=demo.SOURCE).values_list("api_key", flat=True)) == {
        system.api_key.pk}
    # The key of Nam Định's one-stop system sees Nam Định's figures, not its neighbours'.
    assert stats_visible_to(system).count() == DossierMonthStat.objects.filter(unit__path__startswith="/T36/").count()
    [row] = procedure_stats(actor=system, period=parse_period("2023"), unit=seeded.units["T36"])
    assert row["received"] == DOSSIERS


def test_demo_key_works_through_the_api(seeded):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {seeded.secret}")
    assert client.get("/api/v1/procedures/").status_code == 200
    stats = client.get("/api/v1/procedure-stats/", {"period": "2023", "unit": "T36"})
    assert stats.status_code == 200 and stats.json()["rows"][0]["received"] == DOSSIERS
    row = Dossier.objects.filter(source=demo.SOURCE).select_related("procedure", "unit").first()
    again = {"code": row.code, "procedure": row.procedure.code, "unit": row.unit.code, "channel": row.channel,
             "received_at": row.received_at.isoformat(), "due_at": row.due_at.isoformat(),
             "completed_at": row.completed_at.isoformat() if row.completed_at else None, "outcome": row.outcome,
             "fee_required": row.fee_required, "paid_online": row.paid_online, "digitized": row.digitized,
             "e_result": row.e_result}
    pushed = client.post(f"/api/v1/dossiers/import/?source={demo.SOURCE}", {"dossiers": [again]}, format="json")
    assert pushed.status_code == 200 and pushed.json()["counts"]["unchanged"] == 1  # re-sending is harmless


def test_demo_dossiers_lie_on_nam_dinhs_units_of_2023(seeded):
    places = demo.demo_places(seeded.units)
    assert len(places.districts) == 9 and sum(places.districts.values()) == len(places.communes) == 175
    assert all(code.startswith("H3") and len(code) == 10 for code in places.communes)  # H356-13636
    by_kind = Counter(Dossier.objects.values_list("unit__kind", flat=True))
    assert by_kind["commune"] and by_kind["district"] and by_kind["department"]
    nam_dinh = Dossier.objects.filter(source=demo.SOURCE)
    assert not nam_dinh.filter(unit__kind="commune").exclude(unit__code__in=places.communes).exists()
    assert not Dossier.objects.exclude(unit__valid_to=date(2025, 6, 30)).exists()  # all before the merge


def test_demo_shows_ninh_binh_2023_as_the_three_old_provinces(seeded):
    reviewer, year = Actor(seeded.users["demo-reviewer"]), parse_period("2023")
    rows, total = procedure_stats_by_merge(actor=reviewer, period=year, unit=seeded.units["T37"])
    received = {row["unit__code"]: row["received"] for row in rows}
    assert received == {"T35": DOSSIERS // 10, "T36": DOSSIERS, "T37-CU": DOSSIERS // 10}
    assert total["received"] == sum(received.values()) and total["processed"] == sum(r["processed"] for r in rows)
    neighbours = Dossier.objects.exclude(source=demo.SOURCE)
    assert set(neighbours.values_list("source", flat=True)) == {"motcua-hanam", "motcua-ninhbinh"}
    assert not neighbours.exclude(unit__kind__in=["district", "commune"]).exists()
    [later] = procedure_stats_by_merge(actor=reviewer, period=parse_period("2026"), unit=seeded.units["T37"])[0]
    assert later["unit__code"] == "T37" and later["received"] == 0


def test_demo_levels_have_history_under_all_three_schemes(seeded):
    schemes = set(ProcedureLevelPeriod.objects.values_list("scheme__code", flat=True))
    assert schemes == {"43/2011", "42/2022", "224/2026"}
    for period in ProcedureLevelPeriod.objects.select_related("scheme"):
        assert period.scheme.in_force_on(period.valid_from), period
    [in_2022] = coverage(on=date(2022, 1, 1))
    assert in_2022["scheme"]["code"] == "43/2011" and in_2022["by_scheme"]["level_3_4"] > 0
    [now] = coverage(on=date(2026, 12, 1))
    assert now["scheme"]["code"] == "224/2026" and now["by_scheme"]["carried_over"] == 0
    assert now["by_scheme"]["partial_with_reason"] == now["online"] - now["full_online"] > 0
    assert sum(now["by_scheme"]["proactive"].values()) > 0
