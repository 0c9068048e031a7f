"""Dossiers in the national sync shape, statuses and their history, supplements, steps, and counting as live
systems count (procedures.dvcqg, procedures.counting)."""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from departments.policy import Actor
from indicators.periods import parse_period
from kernel.errors import BatchRejected
from procedures import counting
from procedures.ingest import dossiers_import
from procedures.models import (
    STAT_COUNTERS,
    Dossier,
    DossierImport,
    DossierMonthStat,
    DossierStatusChange,
    DossierStep,
    DossierSupplement,
)
from procedures.selectors import procedure_stats
from procedures.stats import stats_rebuild
from tests.factories import ProcedureFactory, UnitFactory

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
IMPORT = "/api/v1/dossiers/import/?format=dvcqg"
AGENCY_A, AGENCY_CENTRE, AGENCY_B = "H15.50.05.13", "H15.50.05.01", "H15.50.06.01"


@pytest.fixture
def setting(cast):
    cast.unit_a.agency_id = AGENCY_A
    cast.unit_a.save()
    cast.unit_b.agency_id = AGENCY_B
    cast.unit_b.save()
    centre = UnitFactory(code="A-TTPVHCC", name="Trung tâm phục vụ hành chính công", parent=cast.unit_a,
                         agency_id=AGENCY_CENTRE)
    ProcedureFactory(code="1.000001.H42", department=cast.unit_a)
    return centre


@pytest.fixture
def system(cast):
    return Actor(cast.system_key.service_account, cast.system_key)


def national(code, status="10", *, unit=AGENCY_A, received_by=None, received="2023-08-01T08:00:00+07:00",
             due="2023-08-10T17:00:00", finished="20230809100000", **more):
    """A dossier as a one-stop system syncs it to the national portal; dates in the forms sources send."""
    row = {
        "MaHoSo": code, "MaTTHC": "1.000001.H42", "MaLinhVuc": "G03-GD10", "KenhThucHien": 2,
        "NgayNopHoSo": "20230801075000", "TrangThaiHoSo": status, "DonViXuLy": unit,
        "NoiNopHoSo": received_by or unit, "HoSoCoThanhPhanSoHoa": 1, "DuocThanhToanTrucTuyen": True,
        "TaiKhoanDuocXacThucVoiVNeID": "1", "DanhSachLePhi": [{"MaPhiLePhi": "LP01", "SoTien": 50000}],
    }
    if status != "1":
        row |= {"NgayTiepNhan": received, "NgayHenTra": due}
    if status in ("9", "10"):
        row["NgayKetThucXuLy"] = finished
    if status == "10":
        row["NgayTra"] = "2023-08-09T15:00:00+07:00"
    if status == "3":
        row["NgayTuChoi"] = "2023-08-01T09:00:00+07:00"
    return row | more


def supplement(requested, before, after):
    return {"NgayBoSung": requested, "NgayTiepNhanBoSung": requested, "NgayHenTraTruoc": before,
            "NgayHenTraMoi": after}


def step(at, due, handler="chuyenvien1"):
    return {"NguoiXuLy": handler, "ThoiDiemXuLy": at, "TrangThai": "Đã xử lý", "NgayBatDau": "2023-08-01T08:00:00",
            "NgayKetThucTheoQuyDinh": due}


def push(actor, rows, **kwargs):
    return dossiers_import(rows=rows, source="motcua", actor=actor, channel="api", shape="dvcqg", **kwargs)


def every_status():
    rows = [national(f"{AGENCY_A}-230801-{n:04d}", str(n)) for n in range(1, 11)]
    rows[4]["DanhSachHoSoBoSung"] = [supplement("2023-08-03T09:00:00+07:00", "2023-08-10T17:00:00+07:00",
                                                "2023-08-15T17:00:00+07:00")]
    rows[9]["QuaTrinhXuLy"] = [step("2023-08-02T10:00:00+07:00", "2023-08-03T17:00:00+07:00"),
                               step("2023-08-08T10:00:00+07:00", "2023-08-07T17:00:00+07:00", "lanhdao")]
    return rows


def test_national_batch_with_every_status_imports_and_resending_changes_nothing(setting, client_as):
    client = client_as("system")
    first = client.post(IMPORT, {"dossiers": every_status()}, format="json")
    assert first.status_code == 200, first.json()
    assert first.json()["counts"]["created"] == 10
    assert sorted(Dossier.objects.values_list("status", flat=True), key=int) == [str(n) for n in range(1, 11)]
    assert DossierStatusChange.objects.count() == 10
    assert DossierSupplement.objects.count() == 1 and DossierStep.objects.count() == 2
    supplemented = Dossier.objects.get(status="5")
    assert supplemented.first_due_at == datetime(2023, 8, 10, 17, tzinfo=HCM)
    assert supplemented.due_at == datetime(2023, 8, 15, 17, tzinfo=HCM)  # the last due date after supplements
    returned = Dossier.objects.get(status="10")
    assert returned.completed_at == datetime(2023, 8, 9, 10, tzinfo=HCM)  # yyyyMMddHHmmss, local time
    assert returned.vneid_verified and returned.digitized and returned.paid_online and returned.fee_required
    assert returned.field_code == "G03-GD10" and returned.channel == "online"
    cells = sorted(DossierMonthStat.objects.values_list("month", *STAT_COUNTERS))
    children = (list(DossierSupplement.objects.values_list("pk", flat=True)),
                list(DossierStep.objects.values_list("pk", flat=True)))

    again = client.post(IMPORT, every_status(), format="json")  # a bare list is the same batch
    assert again.status_code == 200 and again.json()["counts"]["unchanged"] == 10
    assert DossierStatusChange.objects.count() == 10
    assert sorted(DossierMonthStat.objects.values_list("month", *STAT_COUNTERS)) == cells
    assert (list(DossierSupplement.objects.values_list("pk", flat=True)),
            list(DossierStep.objects.values_list("pk", flat=True))) == children


def test_received_processed_and_pending_follow_the_status_codes(setting, system, cast):
    push(system, every_status())
    [row] = procedure_stats(actor=Actor(cast.reviewer), period=parse_period("2023"))
    assert row["received"] == 8  # all but 1 (newly registered) and 3 (not accepted)
    assert row["processed"] == 2 and row["on_time"] == 2 and row["late"] == 0  # 9 and 10
    assert row["pending"] == 4  # 2, 4, 5, 6
    assert (row["withdrawn"], row["stopped"]) == (1, 1)


def test_newer_status_records_a_change_and_an_older_one_changes_nothing(setting, system):
    code = f"{AGENCY_A}-230801-0001"
    push(system, [national(code, "4", QuaTrinhXuLy=[step("2023-08-02T10:00:00+07:00", "2023-08-03T17:00:00")])])
    later = national(code, "9", QuaTrinhXuLy=[step("2023-08-02T10:00:00+07:00", "2023-08-03T17:00:00"),
                                             step("2023-08-09T10:00:00+07:00", "2023-08-09T17:00:00")])
    assert push(system, [later])["counts"]["updated"] == 1
    change = DossierStatusChange.objects.order_by("pk").last()
    assert (change.previous_status, change.status) == ("4", "9")
    assert change.at == datetime(2023, 8, 9, 10, tzinfo=HCM)  # the latest moment the push tells
    stored = Dossier.objects.values_list("status", "status_at").get()

    older = national(code, "5", QuaTrinhXuLy=[step("2023-08-02T10:00:00+07:00", "2023-08-03T17:00:00")])
    with pytest.raises(BatchRejected) as rejected:
        push(system, [older])
    assert rejected.value.summary["conflicts"][0]["field"] == "TrangThaiHoSo"
    assert push(system, [older], partial=True)["counts"]["rejected"] == 1
    assert Dossier.objects.values_list("status", "status_at").get() == stored
    assert DossierStatusChange.objects.count() == 2
    assert push(system, [later])["counts"]["unchanged"] == 1  # the same status again: nothing to record


def test_newer_is_by_time_so_processing_after_a_supplement_is_newer(setting, system):
    """5 (supplement requested) then 4 (processing again) is a lower code later in time: a newer status."""
    code = f"{AGENCY_A}-230801-0001"
    asked = [supplement("2023-08-03T09:00:00+07:00", "2023-08-10T17:00:00+07:00", "2023-08-15T17:00:00+07:00")]
    push(system, [national(code, "5", DanhSachHoSoBoSung=asked)])
    resumed = national(code, "4", DanhSachHoSoBoSung=asked,
                       QuaTrinhXuLy=[step("2023-08-05T10:00:00+07:00", "2023-08-06T17:00:00")])
    assert push(system, [resumed])["counts"]["updated"] == 1
    assert Dossier.objects.get().status == "4"


@pytest.mark.parametrize("finished, on_time", [("2023-08-14T23:30:00+07:00", True),
                                               ("2023-08-15T00:10:00+07:00", False),
                                               ("2023-08-14T16:30:00Z", True),
                                               ("20230815001000", False)])
def test_on_time_compares_local_dates(setting, system, cast, finished, on_time):
    """Due 14 Aug 23:00 local: finishing at 23:30 the same local day is on time; 00:10 on the 15th is late
    (although in UTC both fall on the 14th, and a moment comparison would call 23:30 late)."""
    push(system, [national("HS-1", "9", due="2023-08-14T23:00:00+07:00", finished=finished)])
    dossier = Dossier.objects.get()
    assert counting.is_on_time(dossier) is on_time and counting.is_late(dossier) is not on_time
    [row] = procedure_stats(actor=Actor(cast.reviewer), period=parse_period("2023"))
    assert (row["on_time"], row["late"]) == ((1, 0) if on_time else (0, 1))


def test_on_time_uses_the_last_due_date_after_supplements(setting, system, cast):
    moved = [supplement("2023-08-03T09:00:00+07:00", "2023-08-10T17:00:00+07:00", "2023-08-20T17:00:00+07:00")]
    push(system, [national("HS-1", "9", finished="2023-08-18T10:00:00+07:00", DanhSachHoSoBoSung=moved)])
    [row] = procedure_stats(actor=Actor(cast.reviewer), period=parse_period("2023"))
    assert (row["on_time"], row["late"]) == (1, 0)


def test_withdrawn_and_stopped_are_neither_on_time_nor_late(setting, system, cast):
    push(system, [national("HS-7", "7", NgayKetThucXuLy="2023-08-30T10:00:00+07:00"),
                  national("HS-8", "8", NgayKetThucXuLy="2023-08-30T10:00:00+07:00")])
    for dossier in Dossier.objects.all():
        assert not counting.is_on_time(dossier) and not counting.is_late(dossier)
    [row] = procedure_stats(actor=Actor(cast.reviewer), period=parse_period("2023"))
    assert (row["received"], row["withdrawn"], row["stopped"]) == (2, 1, 1)
    assert (row["processed"], row["on_time"], row["late"], row["pending"], row["on_time_rate"]) == (0, 0, 0, 0, None)


def test_statistics_by_competent_or_receiving_unit(setting, system, cast):
    push(system, [national("HS-1", "10", received_by=AGENCY_CENTRE), national("HS-2", "4", received_by=AGENCY_CENTRE),
                  national("HS-3", "10")])
    reviewer = Actor(cast.reviewer)
    competent = procedure_stats(actor=reviewer, period=parse_period("2023"), group_by="unit")
    receiving = procedure_stats(actor=reviewer, period=parse_period("2023"), group_by="unit", basis="receiving")
    assert [(r["unit__code"], r["received"], r["processed"]) for r in competent] == [("A", 3, 2)]
    assert [(r["unit__code"], r["received"], r["processed"], r["pending"]) for r in receiving] == [
        ("A", 1, 1, 0), ("A-TTPVHCC", 2, 1, 1)]
    centre = procedure_stats(actor=reviewer, period=parse_period("2023"), unit=setting, basis="receiving")
    assert centre[0]["received"] == 2


def test_statistics_basis_through_the_api(setting, system, client_as):
    push(system, [national("HS-1", "10", received_by=AGENCY_CENTRE)])
    body = client_as("reviewer").get("/api/v1/procedure-stats/", {"period": "2023", "group_by": "unit",
                                                                   "basis": "receiving"}).json()
    assert [row["group"]["code"] for row in body["rows"]] == ["A-TTPVHCC"]
    assert client_as("reviewer").get("/api/v1/procedure-stats/", {"period": "2023", "basis": "x"}).status_code == 400


def test_units_are_named_by_agency_id_or_portal_code(setting, system, cast):
    push(system, [national("HS-1", "4", unit=AGENCY_A, received_by=AGENCY_CENTRE),
                  national("HS-2", "4", unit="A", received_by="A-TTPVHCC")])
    assert set(Dossier.objects.values_list("unit__code", "receiving_unit__code")) == {("A", "A-TTPVHCC")}
    portal_row = {"code": "HS-3", "procedure": "1.000001.H42", "unit": AGENCY_A, "channel": "online",
                  "received_at": "2023-08-01T08:00:00+07:00", "due_at": "2023-08-10T17:00:00+07:00"}
    dossiers_import(rows=[portal_row], source="motcua", actor=system, channel="api")
    portal = Dossier.objects.get(code="HS-3")
    assert (portal.unit, portal.receiving_unit, portal.status) == (cast.unit_a, cast.unit_a, "4")


def test_portal_shape_outcomes_map_onto_statuses(setting, system):
    rows = [{"code": f"HS-{outcome}", "procedure": "1.000001.H42", "unit": "A", "channel": "online",
             "received_at": "2023-08-01T08:00:00+07:00", "due_at": "2023-08-10T17:00:00+07:00",
             "completed_at": None if outcome == "pending" else "2023-08-05T10:00:00+07:00", "outcome": outcome}
            for outcome in ("pending", "resolved", "rejected", "withdrawn")]
    dossiers_import(rows=rows, source="motcua", actor=system, channel="api")
    assert dict(Dossier.objects.values_list("outcome", "status")) == {
        "pending": "4", "resolved": "9", "rejected": "9", "withdrawn": "7"}


def test_per_step_timeliness_per_unit_and_procedure(setting, system, cast):
    steps = [step("2023-08-02T10:00:00+07:00", "2023-08-03T17:00:00+07:00"),
             step("2023-08-08T10:00:00+07:00", "2023-08-07T17:00:00+07:00", "lanhdao"),
             step("2023-08-09T10:00:00+07:00", "2023-08-09T11:00:00+07:00", "vanthu")]
    push(system, [national("HS-1", "10", QuaTrinhXuLy=steps)])
    reviewer = Actor(cast.reviewer)
    for group_by in ("unit", "procedure"):
        [row] = procedure_stats(actor=reviewer, period=parse_period("2023"), group_by=group_by, with_steps=True)
        assert (row["steps_on_time"], row["steps_late"], str(row["step_on_time_rate"])) == (2, 1, "66.67")
    assert [counting.step_is_late(s) for s in DossierStep.objects.order_by("position")] == [False, True, False]
    [other] = procedure_stats(actor=Actor(cast.staff_b), period=parse_period("2023"), with_steps=True)
    assert (other["steps_on_time"], other["steps_late"]) == (0, 0)


def test_per_step_timeliness_is_read_from_the_steps_only_when_the_api_is_asked(setting, system, client_as):
    steps = [step("2023-08-02T10:00:00+07:00", "2023-08-03T17:00:00+07:00"),
             step("2023-08-08T10:00:00+07:00", "2023-08-07T17:00:00+07:00", "lanhdao")]
    push(system, [national("HS-1", "10", QuaTrinhXuLy=steps)])
    reviewer = client_as("reviewer")
    query = {"period": "2023", "group_by": "unit"}
    with CaptureQueriesContext(connection) as plain:
        [row] = reviewer.get("/api/v1/procedure-stats/", query).json()["rows"]
    assert (row["steps_on_time"], row["steps_late"]) == (None, None)
    assert not [q for q in plain.captured_queries if "procedures_dossierstep" in q["sql"]]
    [row] = reviewer.get("/api/v1/procedure-stats/", {**query, "steps": "true"}).json()["rows"]
    assert (row["steps_on_time"], row["steps_late"]) == (1, 1)


BAD = [
    ({"TrangThaiHoSo": "11"}, "TrangThaiHoSo"),
    ({"TrangThaiHoSo": None}, "TrangThaiHoSo"),
    ({"DanhSachHoSoBoSung": [supplement("2023-08-03T09:00:00+07:00", "2023-08-10T17:00:00+07:00",
                                        "2023-08-09T17:00:00+07:00")]}, "DanhSachHoSoBoSung[0].NgayHenTraMoi"),
    ({"NgayTiepNhan": "01/08/2023 08:00"}, "NgayTiepNhan"),
    ({"NgayKetThucXuLy": "2023-13-45"}, "NgayKetThucXuLy"),
    ({"QuaTrinhXuLy": [step("hôm qua", "2023-08-03T17:00:00")]}, "QuaTrinhXuLy[0].ThoiDiemXuLy"),
    ({"DonViXuLy": "H99.99.99"}, "DonViXuLy"),
    ({"DonViXuLy": AGENCY_B}, "DonViXuLy"),  # exists, outside the key's scope: answered as unknown
    ({"NoiNopHoSo": AGENCY_B}, "NoiNopHoSo"),
    ({"MaTTHC": "9.999999.H99"}, "MaTTHC"),
    ({"KenhThucHien": 4}, "KenhThucHien"),
]


@pytest.mark.parametrize("bad, field", BAD)
def test_bad_national_rows_name_the_national_field_and_nothing_is_written(setting, client_as, bad, field):
    response = client_as("system").post(IMPORT, {"dossiers": [national("OK-1"), national("BAD-1") | bad]},
                                        format="json")
    assert response.status_code == 400
    [conflict] = response.json()["summary"]["conflicts"]
    assert (conflict["row"], conflict["field"]) == (2, field)
    assert conflict["message"] and conflict["message_en"]
    assert Dossier.objects.count() == 0 and DossierImport.objects.count() == 0


def test_a_status_going_backwards_is_rejected_through_the_api(setting, client_as):
    client = client_as("system")
    finished = national("HS-1", "10", QuaTrinhXuLy=[step("2023-08-09T10:00:00+07:00", "2023-08-09T17:00:00")])
    assert client.post(IMPORT, [finished], format="json").status_code == 200
    back = national("HS-1", "4", NgayTra=None, QuaTrinhXuLy=[step("2023-08-02T10:00:00+07:00", "2023-08-03T17:00:00")])
    response = client.post(IMPORT, [back], format="json")
    assert response.status_code == 400
    assert response.json()["summary"]["conflicts"][0]["field"] == "TrangThaiHoSo"
    assert Dossier.objects.get().status == "10"


def test_national_dry_run_and_partial(setting, client_as):
    client = client_as("system")
    dry = client.post(IMPORT + "&dry_run=true", every_status(), format="json")
    assert dry.status_code == 200 and dry.json()["counts"]["created"] == 10 and Dossier.objects.count() == 0
    partial = client.post(IMPORT + "&partial=true", [national("OK-1"), national("BAD-1", MaTTHC="x")], format="json")
    assert partial.json()["status"] == "partial" and list(Dossier.objects.values_list("code", flat=True)) == ["OK-1"]


def test_national_shape_is_json_only_and_keeps_the_size_limit(setting, client_as, settings):
    client = client_as("system")
    csv = client.post(IMPORT, "MaHoSo\nHS-1\n", content_type="text/csv")
    assert csv.status_code == 415
    settings.DOSSIER_IMPORT_MAX_ROWS = 2
    assert client.post(IMPORT, every_status()[:3], format="json").status_code == 413


def test_key_writes_only_its_sources_in_the_national_shape_too(setting, client_as):
    response = client_as("system").post(IMPORT + "&source=other", [national("HS-1")], format="json")
    assert response.status_code == 403


# --- the statistics equal a recount by the rules, over any status histories -----------------------------

START = datetime(2023, 3, 1, 8, tzinfo=HCM)


def recount():
    """Count the summary from the raw dossiers with the Python rules of procedures.counting."""
    cells = Counter()
    for d in Dossier.objects.all():
        if d.received_at is not None:
            key = (d.unit_id, d.procedure_id, d.received_at.astimezone(HCM).date().replace(day=1))
            received = counting.is_received(d)
            cells[key + ("received",)] += received
            cells[key + ("received_online",)] += received and d.channel == "online"
            cells[key + ("pending",)] += counting.is_pending(d)
            cells[key + ("fee_required",)] += received and d.fee_required
            cells[key + ("paid_online",)] += received and d.fee_required and d.paid_online
            cells[key + ("digitized",)] += received and d.digitized
            cells[key + ("withdrawn",)] += counting.is_withdrawn(d)
            cells[key + ("stopped",)] += counting.is_stopped(d)
        if d.completed_at is not None and counting.is_processed(d):
            done = (d.unit_id, d.procedure_id, d.completed_at.astimezone(HCM).date().replace(day=1))
            cells[done + ("processed",)] += 1
            cells[done + ("on_time",)] += counting.is_on_time(d)
            cells[done + ("late",)] += counting.is_late(d)
            cells[done + ("e_result",)] += d.e_result
    return {key: n for key, n in cells.items() if n}


def summary_cells():
    return {(s.unit_id, s.procedure_id, s.month, name): getattr(s, name)
            for s in DossierMonthStat.objects.all() for name in STAT_COUNTERS if getattr(s, name)}


def historic_row(n, push_number, status, due_in, done_in, hour, channel):
    received = START + timedelta(days=3 * n)
    due = (received + timedelta(days=due_in)).replace(hour=17)
    finished = received + timedelta(days=done_in, hours=hour)  # same day later hour, or just past midnight
    # One more step per push, each later than any other date: every push is a newer status.
    steps = [step((START + timedelta(days=200, hours=k)).isoformat(), due.isoformat()) for k in range(push_number + 1)]
    row = national(f"HS-{n}", status, received=received.isoformat(), due=due.strftime("%Y%m%d%H%M%S"),
                   finished=finished.isoformat(), KenhThucHien=channel, QuaTrinhXuLy=steps)
    if status in ("7", "8"):
        row["NgayKetThucXuLy"] = finished.isoformat()
    return row


pushes = st.tuples(st.sampled_from([str(n) for n in range(1, 11)]), st.integers(0, 20), st.integers(0, 40),
                   st.integers(0, 23), st.sampled_from([1, 2, 3]))


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories=st.lists(st.lists(pushes, min_size=1, max_size=4), min_size=1, max_size=6))
def test_statistics_equal_a_recount_by_the_rules_after_any_status_histories(setting, system, histories):
    Dossier.objects.all().delete()
    DossierMonthStat.objects.all().delete()
    for number in range(max(len(history) for history in histories)):
        batch = [historic_row(n, number, *history[number]) for n, history in enumerate(histories)
                 if number < len(history)]
        push(system, batch)
        assert summary_cells() == recount()
    assert DossierStatusChange.objects.count() == sum(
        1 + sum(a[0] != b[0] for a, b in zip(history, history[1:], strict=False)) for history in histories)
    stats_rebuild()
    assert summary_cells() == recount()


def test_dossier_list_shows_status_and_both_units(setting, system, client_as):
    push(system, [national("HS-1", "5", received_by=AGENCY_CENTRE)])
    [row] = client_as("system").get("/api/v1/dossiers/").json()["results"]
    assert (row["status"], row["unit"], row["receiving_unit"], row["outcome"]) == ("5", "A", "A-TTPVHCC", "pending")
