"""The procedure API as its callers use it: an external system pushing dossiers and reading statistics,
departments keeping their procedures current, and everyone reading the catalogue and its coverage."""

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib import admin as django_admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from departments.policy import Actor, can_add_procedure, can_edit_procedure
from procedures.admin import ProcedureAdmin
from procedures.ingest import dossiers_import
from procedures.models import Dossier, DossierImport, DossierMonthStat, Procedure, ProcedureChange
from procedures.services import procedure_save
from tests.factories import ProcedureFactory, ProcedureFieldFactory, make_api_key

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/dossiers/import/"
STATS = "/api/v1/procedure-stats/"
CODE = "1.000001.H42"


def row(code, *, unit="A", procedure=CODE, channel="online", received="2023-08-01T08:00:00+07:00",
        due="2023-08-10T17:00:00+07:00", completed=None, outcome="pending", **flags):
    return {"code": code, "procedure": procedure, "unit": unit, "channel": channel, "received_at": received,
            "due_at": due, "completed_at": completed, "outcome": outcome, **flags}


BATCH = [
    row("HS-1", completed="2023-08-05T10:00:00+07:00", outcome="resolved", fee_required=True, paid_online=True,
        digitized=True, e_result=True),
    row("HS-2", channel="in_person", completed="2023-08-09T10:00:00+07:00", outcome="rejected", fee_required=True),
    row("HS-3", completed="2023-08-20T10:00:00+07:00", outcome="resolved"),  # late
    row("HS-4", due="2023-08-02T17:00:00+07:00"),  # pending, overdue
    row("HS-5", channel="post", received="2023-09-01T08:00:00+07:00", due="2023-09-30T17:00:00+07:00"),
]


@pytest.fixture
def procedure(cast):
    return ProcedureFactory(code=CODE, department=cast.unit_a)


@pytest.fixture
def system(cast, client_as):
    return client_as("system")


def push(client, rows, query="", **body):
    return client.post(IMPORT + query, data=json.dumps({"dossiers": rows, **body}), content_type="application/json")


def key_client(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def stats_snapshot():
    return sorted(DossierMonthStat.objects.values_list("unit_id", "procedure_id", "month", "received", "processed",
                                                       "on_time", "late", "pending"))


def percent(part, whole):
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- pushing dossiers -----------------------------------------------------------------------------


def test_system_pushes_dossiers_and_reads_the_statistics(procedure, system, cast):
    response = push(system, BATCH)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["import_id"] is not None
    assert body["counts"] == {"rows": 5, "created": 5, "updated": 0, "unchanged": 0, "rejected": 0}
    # The source belongs to the key: its first recorded source system (the account's name if none is recorded).
    assert DossierImport.objects.get().source == cast.system_key.source_systems()[0] == "motcua"

    stats = system.get(STATS, {"period": "2023", "unit": "A"})
    assert stats.status_code == 200, stats.json()
    [totals] = stats.json()["rows"]
    # The statistics are what a direct count of the pushed dossiers says.
    dossiers = Dossier.objects.filter(unit=cast.unit_a)
    processed = dossiers.filter(outcome__in=["resolved", "rejected"])
    on_time = [d for d in processed if d.completed_at <= d.due_at]
    assert totals["received"] == dossiers.count() == 5
    assert totals["received_online"] == dossiers.filter(channel="online").count() == 3
    assert totals["processed"] == processed.count() == 3
    assert totals["on_time"] == len(on_time) == 2
    assert totals["late"] == 1 and totals["pending"] == 2
    assert totals["overdue"] == 2  # both pending dossiers are past their due date by now
    assert str(totals["on_time_rate"]) == percent(len(on_time), processed.count()) == "66.67"
    assert str(totals["online_rate"]) == "60.0"  # 60.00 %: JSON numbers drop trailing zeros
    assert str(totals["online_payment_rate"]) == "50.0"
    assert totals["group"] is None


def test_statistics_grouped_by_month_use_period_codes(procedure, system):
    push(system, BATCH)
    rows = system.get(STATS, {"period": "2023Q3", "group_by": "month"}).json()["rows"]
    assert [(r["group"]["code"], r["received"]) for r in rows] == [("202308", 4), ("202309", 1)]
    by_unit = system.get(STATS, {"period": "2023", "group_by": "unit"}).json()["rows"]
    assert [(r["group"]["code"], r["group"]["name"], r["received"]) for r in by_unit] == [("A", "Sở A", 5)]


def test_resending_the_same_batch_is_harmless(procedure, system):
    push(system, BATCH)
    before_stats, before_api = stats_snapshot(), system.get(STATS, {"period": "2023"}).json()
    again = push(system, BATCH)
    assert again.status_code == 200
    assert again.json()["counts"] == {"rows": 5, "created": 0, "updated": 0, "unchanged": 5, "rejected": 0}
    assert Dossier.objects.count() == 5
    assert stats_snapshot() == before_stats
    assert system.get(STATS, {"period": "2023"}).json() == before_api


def test_csv_with_bom_as_excel_writes_it(procedure, system):
    text = "\ufeffcode;procedure;unit;channel;received_at;due_at;completed_at;outcome;digitized\n" \
           f"HS-Đ1;{CODE};A;in_person;2023-08-01 08:00;2023-08-03 17:00;2023-08-02 09:00;resolved;có\n" \
           f"HS-Đ2;{CODE};A;online;2023-08-01 08:00;2023-08-03 17:00;;pending;0\n"
    response = system.post(IMPORT, data=text.encode("utf-8"), content_type="text/csv")
    assert response.status_code == 200, response.json()
    assert response.json()["counts"]["created"] == 2
    assert Dossier.objects.get(code="HS-Đ1").digitized


def test_csv_file_upload_with_source_field(procedure, cast):
    # A key may name only the sources recorded on it: this one has two, and the upload names the second.
    _key, secret = make_api_key(units=[cast.unit_a], name="two-sources", sources=["motcua", "motcua-tinh"])
    text = f"code,procedure,unit,channel,received_at,due_at\nHS-1,{CODE},A,online,2023-08-01,2023-08-03\n"
    upload = SimpleUploadedFile("dossiers.csv", text.encode("utf-8-sig"), "text/csv")
    response = key_client(secret).post(IMPORT, data={"file": upload, "source": "motcua-tinh"}, format="multipart")
    assert response.status_code == 200, response.json()
    assert Dossier.objects.get().source == "motcua-tinh"


def test_source_from_the_query_or_the_body_keeps_systems_apart(procedure, cast):
    # A key may name only the sources recorded on it (see test_ingest_trust.py for the refusals).
    _key, secret = make_api_key(units=[cast.unit_a], name="two-systems", sources=["he-thong-1", "he-thong-2"])
    system = key_client(secret)
    push(system, [row("HS-1")], query="?source=he-thong-1")
    push(system, [row("HS-1")], source="he-thong-2")
    assert sorted(Dossier.objects.values_list("source", flat=True)) == ["he-thong-1", "he-thong-2"]


def test_dry_run_reports_but_writes_nothing(procedure, system):
    response = push(system, BATCH, query="?dry_run=true")
    assert response.status_code == 200
    assert response.json()["dry_run"] is True and response.json()["counts"]["created"] == 5
    assert response.json()["import_id"] is None
    assert Dossier.objects.count() == DossierImport.objects.count() == DossierMonthStat.objects.count() == 0


def test_partial_writes_the_valid_rows_and_lists_the_others(procedure, system):
    response = push(system, [row("OK-1"), row("BAD-1", channel="fax")], query="?partial=true")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "partial" and body["counts"]["created"] == 1 and body["counts"]["rejected"] == 1
    assert body["conflicts"][0]["row"] == 2 and body["conflicts"][0]["field"] == "channel"
    assert list(Dossier.objects.values_list("code", flat=True)) == ["OK-1"]


def test_key_bound_to_unit_a_cannot_write_dossiers_of_unit_b(procedure, system, cast):
    response = push(system, [row("HS-1"), row("HS-2", unit=cast.unit_b.code)])
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "batch_rejected"
    assert [(c["row"], c["field"]) for c in body["summary"]["conflicts"]] == [(2, "unit")]
    assert Dossier.objects.count() == 0


def test_key_without_dossiers_write_scope_is_forbidden(procedure, cast):
    _key, secret = make_api_key(units=[cast.unit_a], scopes=["dossiers:read", "procedure-stats:read"],
                                name="read-only")
    client = key_client(secret)
    assert push(client, [row("HS-1")]).status_code == 403
    assert client.get("/api/v1/dossiers/").status_code == 200
    assert Dossier.objects.count() == 0


@pytest.mark.parametrize("role", ["staff_a", "staff_b", "reviewer"])
def test_people_other_than_administrators_cannot_push(procedure, client_as, role):
    response = push(client_as(role), [row("HS-1")])
    assert response.status_code == 403
    assert response.json()["message"] and Dossier.objects.count() == 0


def test_administrator_may_push_for_any_unit(procedure, client_as, cast):
    response = push(client_as("admin"), [row("HS-1", unit=cast.unit_b.code)])
    assert response.status_code == 200 and Dossier.objects.get().source == "admin"


def test_more_rows_than_the_limit_is_413(procedure, system, settings):
    settings.DOSSIER_IMPORT_MAX_ROWS = 2
    response = push(system, [row(f"HS-{n}") for n in range(3)])
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large" and body["errors"][0]["field"] == "dossiers"
    assert "2" in body["message"] and body["message_en"]
    assert push(system, [row(f"HS-{n}") for n in range(2)]).status_code == 200


def test_more_bytes_than_the_limit_is_413_before_the_body_is_read(procedure, system, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = push(system, [row(f"HS-{n}") for n in range(10)])
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and "1000" in response.json()["message"]


def csrf_checked_session(user):
    """A browser session whose writes go through Django's CSRF check, as a real one's do."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    token = "t" * 32
    client.cookies["csrftoken"] = token
    client.credentials(HTTP_X_CSRFTOKEN=token)
    return client


def test_a_csrf_checked_session_pushes_json_and_csv(procedure, cast):
    # The CSRF check reads the body before the view does: the view must take it from DRF, not re-read it.
    client = csrf_checked_session(cast.admin)
    assert push(client, [row("HS-1")], query="?source=x").status_code == 200
    text = f"code,procedure,unit,channel,received_at,due_at\nHS-2,{CODE},A,online,2023-08-01,2023-08-03\n"
    assert client.post(IMPORT, data=text.encode(), content_type="text/csv").status_code == 200
    assert Dossier.objects.count() == 2


def test_a_csrf_checked_session_gets_413_too(procedure, cast, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = push(csrf_checked_session(cast.admin), [row(f"HS-{n}") for n in range(10)])
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_json_with_a_charset_parameter_is_json(procedure, system):
    body = json.dumps({"dossiers": [row("HS-1")]})
    response = system.post(IMPORT, data=body.encode(), content_type="application/json; charset=utf-8")
    assert response.status_code == 200


@pytest.mark.parametrize("bad, field", [
    ({"procedure": "9.999999.H99"}, "procedure"),
    ({"unit": "NOPE"}, "unit"),
    ({"completed_at": "2023-07-01T00:00:00+07:00", "outcome": "resolved"}, "completed_at"),
    ({"due_at": "2023-07-01T00:00:00+07:00"}, "due_at"),
    ({"channel": "fax"}, "channel"),
    ({"outcome": "lost"}, "outcome"),
    ({"received_at": "15/08/2023"}, "received_at"),
    ({"due_at": "2023-13-45"}, "due_at"),
    ({"code": "HS\x00-1"}, "code"),
    ({"procedure": f"{CODE}\x00"}, "procedure"),
    # Inside a list, a NUL is the item's field's fault (the row-level check reads only strings).
    ({"steps": [{"handler": "Cán bộ\x00"}]}, "steps[0].handler"),
    ({"received_at": "0001-01-01T00:00:00+07:00"}, "received_at"),
])
def test_bad_rows_are_listed_with_row_and_field_and_nothing_is_written(procedure, system, bad, field):
    response = push(system, [row("OK-1"), {**row("BAD-1"), **bad}])
    assert response.status_code == 400
    conflict = response.json()["summary"]["conflicts"][0]
    assert (conflict["row"], conflict["field"]) == (2, field)
    assert conflict["message"] and conflict["message_en"]
    assert Dossier.objects.count() == DossierImport.objects.count() == 0


def test_same_code_twice_with_different_contents_is_rejected(procedure, system):
    response = push(system, [row("HS-1"), row("HS-1", channel="post")])
    assert response.status_code == 400
    assert [(c["row"], c["field"]) for c in response.json()["summary"]["conflicts"]] == [(2, "code")]


@pytest.mark.parametrize("content, content_type, status, code, field", [
    (b"", "application/json", 400, "empty", None),
    (b"   ", "text/csv", 400, "empty", "file"),
    (b'{"dossiers": [{"code": "m\xe3"}]}', "application/json", 400, "encoding", None),
    (b"code;procedure\nm\xe3;x\n", "text/csv", 400, "encoding", "file"),
    (b'{"dossiers": [', "application/json", 400, "parse_error", None),
    (b"[" * 100_000, "application/json", 400, "parse_error", None),
    (b'{"dossiers": {"code": "HS-1"}}', "application/json", 400, "not_a_list", "dossiers"),
    (b'[{"code": "HS-1"}]', "application/json", 400, "not_a_list", "dossiers"),
    (b'{"dossiers": []}', "application/json", 400, "empty", "dossiers"),
    (b"code,unit\nA,B\n", "text/csv", 400, "columns", "file"),
    (b"code,procedure,unit,channel,received_at,due_at\n\"" + b"x" * 200_000 + b'"\n', "text/csv", 400, "csv",
     "file"),
    (b"<dossiers/>", "application/xml", 415, "unsupported_media_type", None),
    (b"code=HS-1", "application/x-www-form-urlencoded", 415, "unsupported_media_type", None),
])
def test_unreadable_bodies_are_clear_errors_never_500(procedure, system, content, content_type, status, code, field):
    response = system.generic("POST", IMPORT, data=content, content_type=content_type)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["errors"][0]["field"] == field
    assert body["message"] and body["message_en"]


def test_csv_multipart_without_a_file_names_the_field(procedure, system):
    response = system.post(IMPORT, data={"source": "x"}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "file"


@pytest.mark.parametrize("query, field", [("dry_run=maybe", "dry_run"), ("source=" + "x" * 101, "source")])
def test_bad_import_options_name_the_parameter(procedure, system, query, field):
    response = push(system, [row("HS-1")], query=f"?{query}")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == field


# --- reading dossiers -----------------------------------------------------------------------------


def test_dossiers_are_scoped_and_filtered(procedure, cast, client_as):
    dossiers_import(rows=[*BATCH, row("B-1", unit="B")], source="motcua", actor=Actor(cast.admin), channel="api")
    reviewer, staff_b = client_as("reviewer"), client_as("staff_b")
    assert reviewer.get("/api/v1/dossiers/").json()["count"] == 6
    assert [d["code"] for d in staff_b.get("/api/v1/dossiers/").json()["results"]] == ["B-1"]
    assert client_as("system").get("/api/v1/dossiers/", {"unit": "B"}).json()["count"] == 0

    def codes(**query):
        return sorted(d["code"] for d in reviewer.get("/api/v1/dossiers/", query).json()["results"])

    assert codes(unit="A", channel="post") == ["HS-5"]
    assert codes(outcome="rejected") == ["HS-2"]
    assert codes(procedure=CODE, received_in="202309") == ["HS-5"]
    assert codes(completed_in="2023Q3") == ["HS-1", "HS-2", "HS-3"]
    assert codes(received_in="2022") == []
    first = reviewer.get("/api/v1/dossiers/").json()["results"][0]
    assert (first["procedure"], first["unit"], first["source"]) == (CODE, "A", "motcua")


@pytest.mark.parametrize("query, field", [
    ("received_in=2023-08", "received_in"), ("completed_in=1999", "completed_in"), ("channel=fax", "channel"),
    ("outcome=lost", "outcome"),
])
def test_malformed_dossier_filters_are_400_naming_the_field(cast, client_as, query, field):
    response = client_as("reviewer").get(f"/api/v1/dossiers/?{query}")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


# --- statistics -----------------------------------------------------------------------------------


@pytest.mark.parametrize("query, status, field", [
    ("", 400, "period"), ("period=2023-08", 400, "period"), ("period=2023&group_by=planet", 400, "group_by"),
    ("period=2023&procedure=9.999999.H99", 400, "procedure"), ("period=2023&as_of=yesterday", 400, "as_of"),
    ("period=2023&unit=NOPE", 404, "unit"),
])
def test_statistics_queries_are_checked(cast, client_as, query, status, field):
    response = client_as("reviewer").get(f"{STATS}?{query}")
    assert response.status_code == status
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_unit_outside_the_callers_scope_answers_as_if_missing(procedure, client_as):
    outside = client_as("staff_b").get(STATS, {"period": "2023", "unit": "A"})
    missing = client_as("staff_b").get(STATS, {"period": "2023", "unit": "NOPE"})
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_statistics_are_scoped_to_the_callers_units(procedure, system, client_as):
    push(system, BATCH)
    [mine] = client_as("staff_a").get(STATS, {"period": "2023"}).json()["rows"]
    [theirs] = client_as("staff_b").get(STATS, {"period": "2023"}).json()["rows"]
    assert (mine["received"], theirs["received"], theirs["on_time_rate"]) == (5, 0, None)


def test_overdue_is_counted_as_of_the_given_moment(procedure, system):
    push(system, BATCH)
    early = system.get(STATS, {"period": "2023", "as_of": "2023-08-01T12:00:00+07:00"}).json()["rows"][0]
    later = system.get(STATS, {"period": "2023", "as_of": "2023-08-03T12:00:00+07:00"}).json()["rows"][0]
    assert (early["overdue"], later["overdue"]) == (0, 1)


def test_decision_766_estimates_are_labelled_as_estimates(procedure, system):
    push(system, BATCH)
    response = system.get(f"{STATS}decision-766/", {"period": "2023", "unit": "A"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["note"]
    [estimate] = body["rows"]
    assert estimate["unit"] == "A" and estimate["estimate"] is True
    progress = next(c for c in estimate["components"] if c["component"] == "processing_progress")
    assert str(progress["points"]) == "13.33"  # 66.67 % on time × 20 points
    assert progress["metrics"]["on_time_rate"] == 66.67 and progress["label"]


# --- the catalogue --------------------------------------------------------------------------------


def procedure_body(code="1.000948.H38", department="A", **changes):
    field = ProcedureFieldFactory()
    return {"code": code, "name": "Cấp giấy phép", "field": field.code, "levels": ["province", "commune"],
            "department": department, "online_level": "partial", "legacy_level": 3, "active_from": "2021-01-01",
            **changes}


def test_administrator_creates_a_procedure_and_the_change_is_audited(cast, client_as):
    response = client_as("admin").post("/api/v1/procedures/", procedure_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["levels"] == ["province", "commune"] and body["department"] == "A"
    assert body["field"] == {"code": "G03-GD10", "name": "Giáo dục và Đào tạo"}
    assert (body["online_level"], body["full_online"], body["version"]) == ("partial", False, 1)
    history = client_as("reviewer").get("/api/v1/procedures/1.000948.H38/history/").json()
    assert history["count"] == 1
    assert history["results"][0]["actor"] == "admin" and history["results"][0]["after"]["name"] == "Cấp giấy phép"


@pytest.mark.parametrize("code", ["1.948.H38", "ABC", "1.000948.h38", "1.000234.000.00.00.H42.2"])
def test_a_code_of_the_wrong_shape_is_400_on_code(cast, client_as, code):
    response = client_as("admin").post("/api/v1/procedures/", procedure_body(code=code), format="json")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["code"]


@pytest.mark.parametrize("changes, field", [
    ({"levels": []}, "levels"), ({"levels": ["planet"]}, "levels"), ({"field": "NOPE"}, "field"),
    ({"department": "NOPE"}, "department"), ({"online_level": "level4"}, "online_level"),
    ({"legacy_level": 5}, "legacy_level"),
])
def test_bad_procedure_fields_are_400_naming_the_field(cast, client_as, changes, field):
    response = client_as("admin").post("/api/v1/procedures/", procedure_body(**changes), format="json")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_staff_cannot_create_procedures_through_the_api_as_in_the_admin(cast, client_as):
    # Staff keep their department's procedures current, but only administrators add them: the admin's rule.
    assert client_as("staff_a").post("/api/v1/procedures/", procedure_body(), format="json").status_code == 403
    other = client_as("staff_b").post("/api/v1/procedures/", procedure_body(code="1.000949.H38"), format="json")
    assert other.status_code == 403
    assert client_as("reviewer").post("/api/v1/procedures/", procedure_body(code="1.000950.H38"),
                                      format="json").status_code == 403
    assert not Procedure.objects.exists()


def test_admin_and_api_ask_the_policy_one_question_about_adding_and_editing_procedures(cast, client_as):
    model_admin = ProcedureAdmin(Procedure, django_admin.site)
    created = client_as("admin").post("/api/v1/procedures/", procedure_body(), format="json")
    procedure = Procedure.objects.get(code=created.json()["code"])
    for role in ("staff_a", "staff_b", "reviewer", "admin"):
        request = RequestFactory().get("/admin/procedures/procedure/")
        request.user = getattr(cast, role)
        actor = Actor(request.user)
        assert model_admin.has_add_permission(request) == can_add_procedure(actor)
        adds = client_as(role).post("/api/v1/procedures/", procedure_body(code="1.000951.H38", department="NOPE"),
                                    format="json").status_code
        assert (adds != 403) == can_add_procedure(actor), role  # allowed ones reach validation (400)
        edits = client_as(role).patch(f"/api/v1/procedures/{procedure.code}/", {"name": f"Tên của {role}"},
                                      format="json").status_code
        assert (edits == 200) == can_edit_procedure(actor, procedure) == model_admin.has_change_permission(
            request, procedure), role


def test_staff_of_the_responsible_department_edit_their_procedure(procedure, client_as):
    url = f"/api/v1/procedures/{CODE}/"
    response = client_as("staff_a").patch(url, {"name": "Tên mới", "mobile": True}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["mobile"], response.json()["version"]) == ("Tên mới", True, 2)
    change = ProcedureChange.objects.get()
    assert change.actor.username == "staff_a" and change.channel == "api" and change.after["name"] == "Tên mới"


def test_staff_of_another_department_cannot_edit_or_take_over_a_procedure(procedure, client_as):
    url = f"/api/v1/procedures/{CODE}/"
    assert client_as("staff_b").patch(url, {"name": "Của tôi"}, format="json").status_code == 403
    assert client_as("staff_b").patch(url, {"department": "B"}, format="json").status_code == 403
    assert client_as("reviewer").patch(url, {"name": "Sửa"}, format="json").status_code == 403
    assert Procedure.objects.get().department.code == "A" and ProcedureChange.objects.count() == 0


def test_an_empty_edit_is_refused(procedure, client_as):
    response = client_as("admin").patch(f"/api/v1/procedures/{CODE}/", {}, format="json")
    assert response.status_code == 400


def test_level_change_is_dated_and_coverage_is_right_today_and_in_the_past(cast, client_as):
    admin = client_as("admin")
    assert admin.post("/api/v1/procedures/", procedure_body(code="1.000001.H42", online_level="partial",
                                                            active_from="2020-01-01"), format="json").status_code == 201
    admin.post("/api/v1/procedures/", procedure_body(code="1.000002.H42", online_level="none",
                                                     active_from="2020-01-01"), format="json")
    admin.post("/api/v1/procedures/", procedure_body(code="1.000003.H42", department="B", online_level="full",
                                                     active_from="2020-01-01"), format="json")
    changed = admin.patch("/api/v1/procedures/1.000001.H42/", {"online_level": "full",
                                                               "level_changed_on": "2022-08-15"}, format="json")
    assert changed.status_code == 200 and changed.json()["full_online"] is True
    # The same result through the service, as the admin does it.
    later = Procedure.objects.get(code="1.000002.H42")
    later.online_level = "partial"
    procedure_save(procedure=later, actor=Actor(cast.admin), channel="admin", level_changed_on=date(2023, 1, 1))

    reader = client_as("staff_b")
    today = reader.get("/api/v1/procedures/coverage/").json()
    assert today["on"] == timezone.localdate().isoformat()
    # Since Decree 224/2026 each row also carries its scheme's own figures (`by_scheme`); the shared ones stay.
    assert [{k: v for k, v in row.items() if k != "by_scheme"} for row in today["rows"]] == [
        {"group": None, "procedures": 3, "online": 3, "full_online": 2, "online_share": 100.0,
         "full_online_share": 66.67}]
    assert today["scheme"]["code"] == "224/2026" and today["rows"][0]["by_scheme"]["carried_over"] == 3
    past = reader.get("/api/v1/procedures/coverage/", {"on": "2022-01-01"}).json()["rows"][0]
    assert (past["online"], past["full_online"], str(past["online_share"]), str(past["full_online_share"])) == (
        2, 1, "66.67", "33.33")

    by_department = reader.get("/api/v1/procedures/coverage/", {"on": "2022-01-01", "group_by": "department"})
    assert [(r["group"]["code"], r["procedures"], r["full_online"]) for r in by_department.json()["rows"]] == [
        ("A", 2, 0), ("B", 1, 1)]
    by_level = reader.get("/api/v1/procedures/coverage/", {"group_by": "level"}).json()["rows"]
    assert [(r["group"]["code"], r["procedures"]) for r in by_level] == [("province", 3), ("district", 0),
                                                                          ("commune", 3)]
    assert by_level[1]["online_share"] is None


def test_level_change_dated_before_the_current_level_is_refused(cast, client_as):
    admin = client_as("admin")
    admin.post("/api/v1/procedures/", procedure_body(code=CODE, active_from="2021-01-01"), format="json")
    response = admin.patch(f"/api/v1/procedures/{CODE}/", {"online_level": "full", "level_changed_on": "2020-06-01"},
                           format="json")
    assert response.status_code == 400
    assert [error["field"] for error in response.json()["errors"]] == ["online_level"]
    assert Procedure.objects.get().online_level == "partial"


@pytest.mark.parametrize("query, expected", [
    ("department=A", ["1.000001.H42", "1.000002.H42"]),
    ("field=G01", ["1.000003.H42"]),
    ("online_level=partial", ["1.000002.H42"]),
    ("full_online=true", ["1.000001.H42", "1.000003.H42"]),
    ("level=commune", ["1.000002.H42"]),
    ("level=province", ["1.000001.H42", "1.000003.H42"]),
    ("active_on=2021-06-01", ["1.000001.H42", "1.000002.H42"]),
    ("active_on=2024-06-01", ["1.000001.H42", "1.000003.H42"]),
])
def test_procedures_are_filtered(cast, client_as, query, expected):
    ProcedureFactory(code="1.000001.H42", department=cast.unit_a, active_from=date(2020, 1, 1))
    ProcedureFactory(code="1.000002.H42", department=cast.unit_a, online_level="partial", at_province=False,
                     at_commune=True, active_from=date(2020, 1, 1), abolished_on=date(2023, 1, 1))
    ProcedureFactory(code="1.000003.H42", department=cast.unit_b, field=ProcedureFieldFactory(code="G01"),
                     active_from=date(2022, 1, 1))
    response = client_as("system").get(f"/api/v1/procedures/?{query}")
    assert response.status_code == 200
    assert [p["code"] for p in response.json()["results"]] == expected


def test_procedure_is_read_by_code(procedure, client_as):
    body = client_as("staff_b").get(f"/api/v1/procedures/{CODE}/").json()
    assert body["code"] == CODE and body["levels"] == ["province"] and body["full_online"] is True
    assert client_as("staff_b").get("/api/v1/procedures/9.999999.H99/").status_code == 404


# --- a fixed number of queries, whatever the size ---------------------------------------------------


# Lists are asked one row a page: then even the small list has a next page and sends the capped count
# (a list that fits its page is its own count: no count query, kernel.paginators).
def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(captured)


def add_procedures(cast, n):
    for _ in range(n):
        ProcedureFactory(department=cast.unit_a)


def add_dossiers(cast, n, start):
    rows = [row(f"HS-{start + i}", procedure=Procedure.objects.first().code,
                received=f"2023-{1 + i % 12:02d}-01T08:00:00+07:00", due=f"2023-{1 + i % 12:02d}-20T08:00:00+07:00")
            for i in range(n)]
    dossiers_import(rows=rows, source="motcua", actor=Actor(cast.admin), channel="api")


def test_procedure_list_queries_do_not_grow(cast, client_as):
    client = client_as("reviewer")
    add_procedures(cast, 2)
    small = queries_for(client, "/api/v1/procedures/?page_size=1")
    add_procedures(cast, 30)
    # 1 session, 2 user, 3 the user's groups (role), 4 count, 5 the page of procedures with their field and
    # department (one join).
    assert queries_for(client, "/api/v1/procedures/?page_size=1") == small == 5


def test_procedure_list_queries_as_an_api_key(cast, client_as):
    client = client_as("system")
    add_procedures(cast, 2)
    client.get("/api/v1/me/")  # the key's first use is recorded (one UPDATE); later requests within a minute write none
    small = queries_for(client, "/api/v1/procedures/?page_size=1")
    add_procedures(cast, 30)
    # 1 the API key with its service account, 2 count, 3 the page of procedures with their field and department.
    # The key's use is written at most once a minute, and not at all when the row just read is that recent.
    assert queries_for(client, "/api/v1/procedures/?page_size=1") == small == 3


def test_dossier_list_queries_do_not_grow(cast, client_as):
    client = client_as("staff_a")
    ProcedureFactory(department=cast.unit_a)
    add_dossiers(cast, 2, 0)
    small = queries_for(client, "/api/v1/dossiers/?page_size=1")
    add_dossiers(cast, 40, 100)
    # 1 session, 2 user, 3 the user's groups (role), 4 the ids of the user's units' subtree (scope), 5 count,
    # 6 the page of dossiers with their procedure and unit.
    assert queries_for(client, "/api/v1/dossiers/?page_size=1") == small == 6


def test_statistics_queries_do_not_grow(cast, client_as):
    client = client_as("staff_a")
    ProcedureFactory(department=cast.unit_a)
    add_dossiers(cast, 2, 0)
    url = f"{STATS}?period=2023&unit=A&group_by=month"
    small, small_steps = queries_for(client, url), queries_for(client, f"{url}&steps=true")
    add_dossiers(cast, 60, 100)
    # 1 session, 2 user, 3 groups (role), 4 the ids of the user's units' subtree (scope),
    # 5 unit A among the units the user may see, 6 its subtree's ids, 7 the subtree of the units merged
    # into it, 8 the summary cells grouped by month, 9 overdue dossiers by month;
    # with steps=true, 10 processing steps on time and late by month.
    assert queries_for(client, url) == small == 9
    assert queries_for(client, f"{url}&steps=true") == small_steps == 10



# --- what PostgreSQL cannot store is refused, never a 500 ---------------------------------------


@pytest.mark.parametrize("url, status, field", [
    ("/api/v1/procedures/1.000001.H42%00/", 404, None),
    ("/api/v1/procedures/%00/history/", 404, None),
    ("/api/v1/procedures/coverage/?department=A%00", 400, "department"),
    ("/api/v1/procedures/?department=A%00", 400, "department"),
    ("/api/v1/dossiers/?unit=%00", 400, "unit"),
    (f"{STATS}?period=2023&unit=A%00", 404, "unit"),
    (f"{STATS}?period=2023&procedure=%00", 400, "procedure"),
])
def test_nul_bytes_in_codes_are_refused(procedure, client_as, url, status, field):
    response = client_as("admin").get(url)
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field


def test_nul_bytes_in_a_new_procedure_are_refused(cast, client_as):
    for changes, field in [({"field": "G03\x00"}, "field"), ({"department": "A\x00"}, "department"),
                           ({"name": "Tên\x00"}, "name")]:
        response = client_as("admin").post("/api/v1/procedures/", procedure_body(**changes), format="json")
        assert response.status_code == 400
        assert [error["field"] for error in response.json()["errors"]] == [field]
