"""The indicator API end to end, as each member of the cast."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Role
from departments.policy import Actor
from departments.services import user_set_role
from indicators.models import AuditChannel, IndicatorValue, Target, ValueState
from indicators.services import comment_add, evidence_add, value_approve, value_create, value_submit
from tests.factories import FrameworkFactory, IndicatorFactory, PillarFactory, TargetFactory, UnitFactory

pytestmark = pytest.mark.django_db
VALUES = "/api/v1/indicator-values/"
PDF = b"%PDF-1.4 bien ban kiem tra"
API = AuditChannel.API


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def fibre():
    return IndicatorFactory(code="FIBRE", unit_kinds=["department"])


def url(value, tail=""):
    return f"{VALUES}{value['id'] if isinstance(value, dict) else value.pk}/{tail}"


def post(client, path, body=None):
    return client.post(path, body or {}, format="json")


def patch(client, path, body):
    return client.patch(path, body, format="json")


def upload(client, value, name="bien-ban.pdf", content=PDF):
    return client.post(url(value, "evidence/"), {"file": SimpleUploadedFile(name, content)}, format="multipart")


def create(client, indicator, unit="A", period="2023", note="", **numbers):
    numbers = numbers or {"numerator": 90, "denominator": 100}
    return post(client, VALUES, {"indicator": indicator.code, "unit": unit, "period": period, "note": note, **numbers})


def draft_of_a(cast, indicator, period="2023", who=None):
    return value_create(indicator=indicator, unit=cast.unit_a, period=period, numerator=90, denominator=100,
                        actor=Actor(who or cast.staff_a), channel=API)


def approved_of_a(cast, indicator, period="2023"):
    value = value_submit(value=draft_of_a(cast, indicator, period), actor=Actor(cast.staff_a), channel=API)
    return value_approve(value=value, actor=Actor(cast.reviewer), channel=API)


def error_fields(response):
    return [error["field"] for error in response.json()["errors"]]


# --- the workflow ---------------------------------------------------------------------------------


@pytest.mark.parametrize("editor", ["staff_a", "system", "admin"])
def test_the_whole_review_loop_through_the_api(cast, client_as, fibre, editor):
    entering, reviewer = client_as(editor), client_as("reviewer")

    created = create(entering, fibre, note="Số liệu Sở A")
    assert created.status_code == 201, created.json()
    value = created.json()
    assert (value["state"], value["version"], value["value"], value["unit"]) == ("draft", 1, 90, "A")
    assert value["indicator"] == "FIBRE" and value["due_date"] == "2024-01-15"

    attached = upload(entering, value)
    assert attached.status_code == 201, attached.json()
    assert attached.json()["name"] == "bien-ban.pdf" and len(attached.json()["sha256"]) == 64

    value = post(entering, url(value, "submit/")).json()
    assert value["state"] == "submitted" and value["first_submitted_at"]

    returned = post(reviewer, url(value, "return/"), {"reason": "Thiếu số hộ", "version": value["version"]})
    assert returned.status_code == 200
    assert returned.json()["state"] == "returned" and returned.json()["return_reason"] == "Thiếu số hộ"

    edited = patch(entering, url(value), {"version": returned.json()["version"], "numerator": 92})
    assert edited.status_code == 200, edited.json()
    assert edited.json()["state"] == "draft" and edited.json()["value"] == 92

    assert post(entering, url(value, "submit/")).json()["state"] == "submitted"
    approved = post(reviewer, url(value, "approve/"))
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved" and approved.json()["reviewed_by"] == "reviewer"

    locked = patch(entering, url(value), {"version": approved.json()["version"], "numerator": 1})
    assert locked.status_code == 400
    assert locked.json()["code"] == "locked" and error_fields(locked) == ["state"]

    no_reason = post(reviewer, url(value, "reopen/"), {"reason": "  "})
    assert no_reason.status_code == 400 and error_fields(no_reason) == ["reason"]
    reopened = post(reviewer, url(value, "reopen/"), {"reason": "Sai số liệu"})
    assert reopened.status_code == 200 and reopened.json()["state"] == "draft"

    actions = [entry["action"] for entry in entering.get(url(value, "history/")).json()["results"]]
    assert actions == ["create", "evidence_add", "submit", "return", "update", "submit", "approve", "reopen"]


def test_reviewer_cannot_create_or_change_values(cast, client_as, fibre):
    reviewer = client_as("reviewer")
    refused = create(reviewer, fibre)
    assert refused.status_code == 403 and error_fields(refused) == ["unit"]
    value = draft_of_a(cast, fibre)
    assert patch(reviewer, url(value), {"version": 1, "note": "x"}).status_code == 403
    assert post(reviewer, url(value, "submit/")).status_code == 403
    assert upload(reviewer, value).status_code == 403
    assert IndicatorValue.objects.get(pk=value.pk).version == 1


def test_staff_cannot_review(cast, client_as, fibre):
    value = value_submit(value=draft_of_a(cast, fibre), actor=Actor(cast.staff_a), channel=API)
    staff = client_as("staff_a")
    assert post(staff, url(value, "approve/")).status_code == 403
    assert post(staff, url(value, "return/"), {"reason": "x"}).status_code == 403
    assert post(client_as("system"), url(value, "approve/")).status_code == 403


def test_staff_b_can_neither_see_nor_touch_unit_a_draft(cast, client_as, fibre):
    value = draft_of_a(cast, fibre)
    evidence = evidence_add(value=value, upload=SimpleUploadedFile("a.pdf", PDF), actor=Actor(cast.staff_a),
                            channel=API)
    staff_b = client_as("staff_b")
    assert staff_b.get(url(value)).status_code == 404
    assert staff_b.get(VALUES).json()["count"] == 0
    for response in (
        patch(staff_b, url(value), {"version": 1, "note": "x"}),
        post(staff_b, url(value, "submit/")),
        upload(staff_b, value),
        staff_b.get(url(value, "history/")),
        staff_b.get(url(value, "evidence/")),
        staff_b.get(url(value, f"evidence/{evidence.pk}/")),
        staff_b.delete(url(value, f"evidence/{evidence.pk}/")),
        staff_b.get(url(value, "comments/")),
        post(staff_b, url(value, "comments/"), {"text": "?"}),
    ):
        assert response.status_code == 404
    assert IndicatorValue.objects.get(pk=value.pk).version == 1


def test_staff_b_sees_unit_a_value_once_approved_but_cannot_change_it(cast, client_as, fibre):
    value = approved_of_a(cast, fibre)
    staff_b = client_as("staff_b")
    assert staff_b.get(url(value)).status_code == 200
    assert [v["id"] for v in staff_b.get(VALUES).json()["results"]] == [value.pk]
    # The approved figure, not its review trail (history, comments): see tests/indicators/test_trust.py.
    assert staff_b.get(url(value, "history/")).status_code == 403
    assert patch(staff_b, url(value), {"version": value.version, "note": "x"}).status_code == 403
    assert post(staff_b, url(value, "reopen/"), {"reason": "x"}).status_code == 403
    assert upload(staff_b, value).status_code == 403
    assert staff_b.get(url(value, "evidence/")).status_code == 200


# --- segregation of duties ------------------------------------------------------------------------


def test_admin_who_entered_a_value_cannot_approve_it(cast, client_as, fibre):
    admin = client_as("admin")
    value = create(admin, fibre).json()
    post(admin, url(value, "submit/"))
    refused = post(admin, url(value, "approve/"))
    assert refused.status_code == 403 and refused.json()["code"] == "segregation_of_duties"
    assert IndicatorValue.objects.get(pk=value["id"]).state == ValueState.SUBMITTED
    assert post(client_as("reviewer"), url(value, "approve/")).status_code == 200


def test_admin_who_edited_a_value_cannot_approve_it(cast, client_as, fibre):
    value = draft_of_a(cast, fibre)
    admin = client_as("admin")
    assert patch(admin, url(value), {"version": 1, "note": "Quản trị sửa"}).status_code == 200
    post(client_as("staff_a"), url(value, "submit/"))
    refused = post(admin, url(value, "approve/"))
    assert refused.status_code == 403 and refused.json()["code"] == "segregation_of_duties"


def test_reviewer_who_once_entered_the_value_cannot_approve_it(cast, client_as, fibre):
    value = value_submit(value=draft_of_a(cast, fibre), actor=Actor(cast.staff_a), channel=API)
    user_set_role(user=cast.staff_a, role=Role.REVIEWER)  # promoted after entering the value
    refused = post(client_as("staff_a"), url(value, "approve/"))
    assert refused.status_code == 403 and refused.json()["code"] == "segregation_of_duties"
    assert IndicatorValue.objects.get(pk=value.pk).reviewed_by is None


# --- concurrency and versions ---------------------------------------------------------------------


def test_stale_version_is_409_with_the_current_state(cast, client_as, fibre):
    value = draft_of_a(cast, fibre)
    staff = client_as("staff_a")
    assert patch(staff, url(value), {"version": 1, "numerator": 80}).status_code == 200
    stale = patch(staff, url(value), {"version": 1, "numerator": 70})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "conflict" and error_fields(stale) == ["version"]
    assert body["current"]["version"] == 2 and body["current"]["numerator"] == "80.0000"
    assert post(staff, url(value, "submit/"), {"version": 1}).status_code == 409


def test_put_replaces_every_editable_field(cast, client_as, fibre):
    value = value_create(indicator=fibre, unit=cast.unit_a, period="2023", numerator=90, denominator=100,
                         note="cũ", actor=Actor(cast.staff_a), channel=API)
    response = client_as("staff_a").put(url(value), {"version": 1, "value": 55}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["numerator"], body["denominator"], body["value"], body["note"]) == (None, None, 55, "")


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, field", [
    ({"value": 150}, "value"),
    ({"value": -5}, "value"),
    ({"numerator": 120, "denominator": 100}, "numerator"),
    ({"numerator": -1, "denominator": 10}, "numerator"),
    ({"numerator": 5}, "denominator"),
    ({"numerator": "abc", "denominator": 10}, "numerator"),
    ({"numerator": {"x": 1}, "denominator": 10}, "numerator"),
    ({"value": True}, "value"),
    ({"value": 50, "period": "20x3"}, "period"),
    ({"value": 50, "period": "2023Q1"}, "period"),
    ({"value": 50, "period": "2099"}, "period"),
    ({"value": 50, "period": 2023.5}, "period"),
    ({"value": 50, "period": ["2023"]}, "period"),
    ({"value": 50, "period": None}, "period"),
    ({"value": 50, "indicator": "NOPE"}, "indicator"),
    ({"value": 50, "indicator": None}, "indicator"),
    ({"value": 50, "unit": "NOPE"}, "unit"),
    ({"value": 50, "note": "a\x00b"}, "note"),
])
def test_bad_values_are_400_naming_the_field_in_two_languages(cast, client_as, fibre, body, field):
    payload = {"indicator": "FIBRE", "unit": "A", "period": "2023", **body}
    response = post(client_as("staff_a"), VALUES, payload)
    assert response.status_code == 400, response.json()
    assert error_fields(response) == [field]
    error = response.json()["errors"][0]
    assert error["message"] and error["message_en"]
    assert not IndicatorValue.objects.exists()


def test_negative_counts_are_rejected(cast, client_as):
    households = IndicatorFactory(code="HOUSEHOLDS", value_type="number")
    response = create(client_as("staff_a"), households, value=-3)
    assert response.status_code == 400 and error_fields(response) == ["value"]


def test_unit_outside_scope_answers_like_a_unit_that_does_not_exist(cast, client_as, fibre):
    staff = client_as("staff_a")
    foreign, missing = create(staff, fibre, unit="B", value=50), create(staff, fibre, unit="NOPE", value=50)
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["errors"] == missing.json()["errors"]
    assert error_fields(foreign) == ["unit"]


def test_indicator_that_does_not_apply_to_the_unit_kind_is_400(cast, client_as):
    communes_only = IndicatorFactory(code="COMMUNES", unit_kinds=["commune"])
    response = create(client_as("staff_a"), communes_only, value=50)
    assert response.status_code == 400 and error_fields(response) == ["unit"]


def test_existing_value_for_the_same_period_is_409(cast, client_as, fibre):
    draft_of_a(cast, fibre)
    response = create(client_as("staff_a"), fibre)
    assert response.status_code == 409 and response.json()["code"] == "exists"


@pytest.mark.parametrize("body, field", [
    ({"numerator": 1}, "version"),
    ({"version": "x", "numerator": 1}, "version"),
    ({"version": 0, "numerator": 1}, "version"),
    ({"version": 1}, None),
    ({"version": 1, "value": 101}, "value"),
])
def test_bad_updates_are_400(cast, client_as, fibre, body, field):
    value = draft_of_a(cast, fibre)
    response = patch(client_as("staff_a"), url(value), body)
    assert response.status_code == 400 and error_fields(response) == [field]
    assert IndicatorValue.objects.get(pk=value.pk).version == 1


@pytest.mark.parametrize("name, content, code", [
    ("virus.exe", b"MZ\x90\x00", "file_type"),
    ("fake.pdf", b"<html>not a pdf</html>", "file_type"),
    ("empty.pdf", b"", "empty"),
])
def test_bad_evidence_files_are_400(cast, client_as, fibre, name, content, code):
    response = upload(client_as("staff_a"), draft_of_a(cast, fibre), name, content)
    assert response.status_code == 400
    assert (error_fields(response), response.json()["code"]) == (["file"], code)


def test_too_large_evidence_is_400(cast, client_as, fibre, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    response = upload(client_as("staff_a"), draft_of_a(cast, fibre))
    assert response.status_code == 400 and response.json()["code"] == "too_large"


def test_evidence_upload_needs_a_multipart_file(cast, client_as, fibre):
    value = draft_of_a(cast, fibre)
    staff = client_as("staff_a")
    missing = staff.post(url(value, "evidence/"), {}, format="multipart")
    assert missing.status_code == 400 and error_fields(missing) == ["file"]
    as_json = post(staff, url(value, "evidence/"), {"file": "x"})
    assert as_json.status_code == 415 and "multipart/form-data" in as_json.json()["message"]


# --- history, evidence, comments ------------------------------------------------------------------


def test_history_lists_every_change_with_who_and_how(cast, client_as, fibre):
    system, reviewer = client_as("system"), client_as("reviewer")
    value = create(system, fibre).json()
    patch(system, url(value), {"version": 1, "note": "ghi chú"})
    evidence = upload(system, value).json()
    system.delete(url(value, f"evidence/{evidence['id']}/"))
    post(reviewer, url(value, "comments/"), {"text": "Đề nghị bổ sung"})
    post(system, url(value, "submit/"))
    post(reviewer, url(value, "return/"), {"reason": "Thiếu nguồn"})
    entries = client_as("staff_a").get(url(value, "history/")).json()["results"]
    assert [e["action"] for e in entries] == [
        "create", "update", "evidence_add", "evidence_remove", "comment", "submit", "return"]
    assert {e["channel"] for e in entries} == {"api"}
    first = entries[0]
    assert first["actor"] == "system-a-account"
    assert first["api_key"] == {"prefix": cast.system_key.prefix, "name": "system-a"}
    assert first["after"]["value"] == "90.0000" and first["before"] == {}
    assert entries[1]["before"]["note"] == "" and entries[1]["after"]["note"] == "ghi chú"
    assert entries[-1]["reason"] == "Thiếu nguồn" and entries[-1]["actor"] == "reviewer"
    assert entries[-1]["api_key"] is None


def test_evidence_download_for_those_who_see_the_value_only(cast, client_as, fibre):
    value = draft_of_a(cast, fibre)
    evidence = evidence_add(value=value, upload=SimpleUploadedFile("Biên bản.pdf", PDF), actor=Actor(cast.staff_a),
                            channel=API)
    path = url(value, f"evidence/{evidence.pk}/")
    for role in ("staff_a", "reviewer", "admin", "system"):
        response = client_as(role).get(path)
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment;")
        assert "Bi%C3%AAn%20b%E1%BA%A3n.pdf" in response["Content-Disposition"]
    assert client_as("staff_b").get(path).status_code == 404
    assert client_as("anonymous").get(path).status_code == 401

    listed = client_as("staff_a").get(url(value)).json()["evidence"][0]
    assert listed["download_url"].endswith(path) and listed["size"] == len(PDF)

    value_approve(value=value_submit(value=value, actor=Actor(cast.staff_a), channel=API),
                  actor=Actor(cast.reviewer), channel=API)
    assert client_as("staff_b").get(path).status_code == 200


def test_evidence_of_another_value_is_404(cast, client_as, fibre):
    first, second = draft_of_a(cast, fibre, "2022"), draft_of_a(cast, fibre, "2023")
    evidence = evidence_add(value=first, upload=SimpleUploadedFile("a.pdf", PDF), actor=Actor(cast.staff_a),
                            channel=API)
    assert client_as("staff_a").get(url(second, f"evidence/{evidence.pk}/")).status_code == 404


def test_evidence_of_an_approved_value_cannot_be_removed(cast, client_as, fibre):
    value = draft_of_a(cast, fibre)
    evidence = evidence_add(value=value, upload=SimpleUploadedFile("a.pdf", PDF), actor=Actor(cast.staff_a),
                            channel=API)
    value_approve(value=value_submit(value=value, actor=Actor(cast.staff_a), channel=API),
                  actor=Actor(cast.reviewer), channel=API)
    response = client_as("staff_a").delete(url(value, f"evidence/{evidence.pk}/"))
    assert response.status_code == 400 and response.json()["code"] == "locked"


def test_comments_thread_on_a_value(cast, client_as, fibre):
    value = draft_of_a(cast, fibre)
    assert post(client_as("reviewer"), url(value, "comments/"), {"text": "Nguồn số liệu?"}).status_code == 201
    assert post(client_as("staff_a"), url(value, "comments/"), {"text": "Cục Thống kê"}).status_code == 201
    blank = post(client_as("staff_a"), url(value, "comments/"), {"text": "  "})
    assert blank.status_code == 400 and error_fields(blank) == ["text"]
    thread = client_as("staff_a").get(url(value, "comments/")).json()["results"]
    assert [(c["author"], c["text"]) for c in thread] == [("reviewer", "Nguồn số liệu?"), ("staff_a", "Cục Thống kê")]
    assert client_as("staff_a").get(url(value)).json()["comment_count"] == 2


# --- filters --------------------------------------------------------------------------------------


def test_value_filters(cast, client_as, fibre):
    other = IndicatorFactory(code="SMARTPHONE")
    draft_of_a(cast, fibre, "2022")
    approved_of_a(cast, fibre, "2023")
    draft_of_a(cast, other, "2023")
    value_create(indicator=fibre, unit=cast.unit_b, period="2023", value=10, actor=Actor(cast.staff_b), channel=API)
    reviewer = client_as("reviewer")

    def ids(query):
        response = reviewer.get(f"{VALUES}?{query}")
        assert response.status_code == 200, response.json()
        return {(v["indicator"], v["unit"], v["period"]) for v in response.json()["results"]}

    assert ids("indicator=FIBRE&unit=A") == {("FIBRE", "A", "2022"), ("FIBRE", "A", "2023")}
    assert ids("period=2023&unit=A") == {("FIBRE", "A", "2023"), ("SMARTPHONE", "A", "2023")}
    assert ids("state=approved") == {("FIBRE", "A", "2023")}
    assert ids("unit=B") == {("FIBRE", "B", "2023")}


@pytest.mark.parametrize("query, field", [("period=23Q9", "period"), ("state=lost", "state")])
def test_malformed_value_filters_are_400(cast, client_as, query, field):
    response = client_as("staff_a").get(f"{VALUES}?{query}")
    assert response.status_code == 400 and error_fields(response) == [field]


# --- catalogue ------------------------------------------------------------------------------------


def test_frameworks_and_indicators_are_read_by_everyone_by_code(cast, client_as, fibre):
    PillarFactory(framework=fibre.framework, code="xa-hoi-so")
    for role in ("staff_a", "staff_b", "reviewer", "admin", "system"):
        client = client_as(role)
        framework = client.get(f"/api/v1/frameworks/{fibre.framework.code}/").json()
        assert {p["code"] for p in framework["pillars"]} == {fibre.pillar.code, "xa-hoi-so"}
        indicator = client.get("/api/v1/indicators/FIBRE/").json()
        assert indicator["framework"] == fibre.framework.code and indicator["effective_deadline_days"] == 15
    assert client_as("admin").post("/api/v1/frameworks/", {}, format="json").status_code == 405


def test_indicator_filters(cast, client_as, fibre):
    monthly = IndicatorFactory(code="MONTHLY", period_type="month", source="computed")
    client = client_as("staff_a")

    def codes(query):
        return {i["code"] for i in client.get(f"/api/v1/indicators/?{query}").json()["results"]}

    assert codes(f"framework={fibre.framework.code}") == {"FIBRE"}
    assert codes(f"pillar={monthly.pillar.code}") == {"MONTHLY"}
    assert codes("period_type=month") == {"MONTHLY"}
    assert codes("source=manual") == {"FIBRE"}
    assert client.get("/api/v1/indicators/?period_type=week").status_code == 400


def test_target_filters(cast, client_as, fibre):
    TargetFactory(indicator=fibre, year=2025, value=80)
    TargetFactory(indicator=fibre, year=2030, value=95)
    TargetFactory(indicator=fibre, year=2025, value=85, unit=cast.unit_a)
    TargetFactory(year=2025)
    client = client_as("staff_b")

    def found(query):
        found = client.get(f"/api/v1/targets/?{query}").json()["results"]
        return sorted(((t["indicator"], t["year"], t["unit"]) for t in found), key=str)

    assert found("indicator=FIBRE&year=2025") == [("FIBRE", 2025, "A"), ("FIBRE", 2025, None)]
    assert found("unit=A") == [("FIBRE", 2025, "A")]
    assert client.get("/api/v1/targets/?year=abc").status_code == 400


def test_admin_writes_targets(cast, client_as, fibre):
    admin = client_as("admin")
    body = {"indicator": "FIBRE", "year": 2025, "value": 80, "decision": "Quyết định 749/QĐ-TTg"}
    created = post(admin, "/api/v1/targets/", body)
    assert created.status_code == 201, created.json()
    target = created.json()
    assert (target["indicator"], target["unit"], target["value"]) == ("FIBRE", None, 80)
    assert post(admin, "/api/v1/targets/", body).status_code == 409
    for_unit = post(admin, "/api/v1/targets/", {**body, "unit": "A", "value": 85})
    assert for_unit.status_code == 201 and for_unit.json()["unit"] == "A"

    changed = patch(admin, f"/api/v1/targets/{target['id']}/", {"value": 82.5, "note": "điều chỉnh"})
    assert changed.status_code == 200 and changed.json()["value"] == 82.5
    assert admin.delete(f"/api/v1/targets/{target['id']}/").status_code == 204
    assert list(Target.objects.values_list("unit__code", flat=True)) == ["A"]


@pytest.mark.parametrize("body, field", [
    ({"value": 150}, "value"),
    ({"value": -1}, "value"),
    ({"value": "nhiều"}, "value"),
    ({"indicator": "NOPE"}, "indicator"),
    ({"unit": "NOPE"}, "unit"),
    ({"year": 1999}, "year"),
    ({"decision": ""}, "decision"),
])
def test_bad_targets_are_400(cast, client_as, fibre, body, field):
    payload = {"indicator": "FIBRE", "year": 2025, "value": 80, "decision": "QĐ 749", **body}
    response = post(client_as("admin"), "/api/v1/targets/", payload)
    assert response.status_code == 400 and error_fields(response) == [field]


@pytest.mark.parametrize("role", ["staff_a", "reviewer", "system"])
def test_only_admins_write_targets(cast, client_as, fibre, role):
    target = TargetFactory(indicator=fibre)
    client = client_as(role)
    body = {"indicator": "FIBRE", "year": 2030, "value": 90, "decision": "QĐ"}
    assert post(client, "/api/v1/targets/", body).status_code == 403
    assert patch(client, f"/api/v1/targets/{target.pk}/", {"value": 1}).status_code == 403
    assert client.delete(f"/api/v1/targets/{target.pk}/").status_code == 403
    assert Target.objects.get(pk=target.pk).value == 80


# --- progress -------------------------------------------------------------------------------------


def test_progress_per_unit_and_province(cast, client_as, fibre):
    TargetFactory(indicator=fibre, year=2025, value=80, decision="QĐ 749")
    approved_of_a(cast, fibre, "2023")
    body = client_as("staff_b").get(f"/api/v1/progress/?period=2023&framework={fibre.framework.code}").json()
    assert body["period"] == "2023"
    rows = {row["unit"]: row for row in body["rows"]}
    assert rows["A"]["value"] == 90 and rows["A"]["value_period"] == "2023" and rows["A"]["target"] == 80
    assert rows["A"]["status"] == "achieved" and rows["A"]["points"] == 10
    assert rows["A"]["target_decision"] == "QĐ 749" and rows["A"]["indicator"] == "FIBRE"
    assert rows["B"]["status"] == "no_data" and rows["B"]["value"] is None
    province = body["province"][0]
    assert province["unit"] is None and province["value"] == 90 and province["reporting_units"] == 1


def test_progress_for_one_unit(cast, client_as, fibre):
    body = client_as("staff_a").get("/api/v1/progress/?period=2023&unit=A").json()
    assert {row["unit"] for row in body["rows"]} == {"A"}


@pytest.mark.parametrize("query, status, field", [
    ("", 400, "period"),
    ("period=2023-01", 400, "period"),
    ("period=2023&framework=NOPE", 400, "framework"),
    ("period=2023&unit=NOPE", 404, "unit"),
    ("period=2023&unit=B", 404, "unit"),
])
def test_progress_bad_query(cast, client_as, query, status, field):
    response = client_as("staff_a").get(f"/api/v1/progress/?{query}")
    assert response.status_code == status and error_fields(response) == [field]


def test_progress_unit_outside_scope_answers_like_a_missing_one(cast, client_as):
    staff = client_as("staff_a")
    foreign = staff.get("/api/v1/progress/?period=2023&unit=B")
    missing = staff.get("/api/v1/progress/?period=2023&unit=NOPE")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


# --- a fixed number of queries, whatever the size -------------------------------------------------


# Lists are asked one row a page: then even the small list has a next page and sends the capped count
# (a list that fits its page is its own count: no count query, kernel.paginators).
ONE_A_PAGE = "%s?page_size=1"


def count_queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


def add_values(cast, indicators):
    """Give each indicator a value of unit A with a piece of evidence and a comment, half approved."""
    for number, indicator in enumerate(indicators):
        value = draft_of_a(cast, indicator)
        evidence_add(value=value, upload=SimpleUploadedFile("a.pdf", PDF), actor=Actor(cast.staff_a), channel=API)
        comment_add(value=value, text="?", actor=Actor(cast.reviewer), channel=API)
        if number % 2:
            value_approve(value=value_submit(value=value, actor=Actor(cast.staff_a), channel=API),
                          actor=Actor(cast.reviewer), channel=API)


@pytest.mark.parametrize("role, expected", [("staff_a", 7), ("reviewer", 6)])
def test_value_list_is_a_fixed_number_of_queries(cast, client_as, role, expected):
    client = client_as(role)
    add_values(cast, IndicatorFactory.create_batch(3))
    small = count_queries(client, ONE_A_PAGE % VALUES)
    add_values(cast, IndicatorFactory.create_batch(27))
    assert client.get(VALUES).json()["count"] == 30
    # session, user, the user's groups (role); staff only: the ids of their home units' subtree (scope);
    # count, the page (value + indicator, unit and the three users, comment count as a subquery),
    # the page's evidence with its uploaders.
    assert count_queries(client, ONE_A_PAGE % VALUES) == small == expected


def test_indicator_list_is_a_fixed_number_of_queries(cast, client_as):
    client = client_as("staff_a")
    IndicatorFactory.create_batch(3)
    small = count_queries(client, "/api/v1/indicators/?page_size=1")
    IndicatorFactory.create_batch(27)
    # session, user, groups (role), count, the page (indicator + framework + pillar)
    assert count_queries(client, "/api/v1/indicators/?page_size=1") == small == 5


def test_framework_list_is_a_fixed_number_of_queries(cast, client_as):
    client = client_as("staff_a")
    IndicatorFactory.create_batch(3)
    small = count_queries(client, "/api/v1/frameworks/?page_size=1")
    IndicatorFactory.create_batch(27)
    # session, user, groups (role), count, the page, the page's pillars
    assert count_queries(client, "/api/v1/frameworks/?page_size=1") == small == 6


def test_target_list_is_a_fixed_number_of_queries(cast, client_as):
    client = client_as("staff_a")
    TargetFactory.create_batch(3, unit=cast.unit_a)
    small = count_queries(client, "/api/v1/targets/?page_size=1")
    TargetFactory.create_batch(27)
    # session, user, groups (role), count, the page (target + indicator + unit)
    assert count_queries(client, "/api/v1/targets/?page_size=1") == small == 5


def test_progress_is_a_fixed_number_of_queries(cast, client_as):
    framework = FrameworkFactory()
    indicators = IndicatorFactory.create_batch(3, framework=framework)
    for indicator in indicators:
        TargetFactory(indicator=indicator)
    client = client_as("staff_a")
    path = f"/api/v1/progress/?period=2023&framework={framework.code}&unit=A"
    add_values(cast, indicators)
    small = count_queries(client, path)
    for _ in range(27):
        unit = UnitFactory(parent=cast.unit_a)
        for indicator in indicators:
            value = value_create(indicator=indicator, unit=unit, period="2023", value=50, actor=Actor(cast.staff_a),
                                 channel=API)
            value_approve(value=value_submit(value=value, actor=Actor(cast.staff_a), channel=API),
                          actor=Actor(cast.reviewer), channel=API)
    assert len(client.get(path).json()["rows"]) == 3 * 28
    # session, user, groups (role); the unit parameter: the home units' subtree ids, the unit itself;
    # the framework; the selector: indicators, units, latest approved values, targets (the province roll-up is
    # added up from the latest values read, issue 14)
    assert count_queries(client, path) == small == 10
