"""`POST /api/v1/indicator-values/import/`: JSON and CSV, dry runs, all or nothing, partial, idempotent."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.policy import Actor
from indicators.models import AuditEntry, IndicatorValue
from indicators.services import value_approve, value_create, value_submit
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db
IMPORT = "/api/v1/indicator-values/import/"
CSV_HEADER = "indicator,unit,period,numerator,denominator,value,note\n"


@pytest.fixture
def indicators(db):
    return [IndicatorFactory(code="FIBRE"), IndicatorFactory(code="BANK", value_type="number")]


def rows(n=3, note="nhập từ hệ thống"):
    return [{"indicator": "FIBRE", "unit": "A", "period": str(2020 + i), "numerator": 80 + i, "denominator": 100,
             "note": note} for i in range(n)]


def send(client, body, query=""):
    return client.post(f"{IMPORT}{query}", body, format="json")


def send_csv(client, text, query="", bom=False):
    raw = ("\ufeff" if bom else "") + text
    return client.generic("POST", f"{IMPORT}{query}", raw.encode("utf-8"), content_type="text/csv; charset=utf-8")


def counts(response):
    assert response.status_code in (200, 400), response.content
    body = response.json()
    return (body.get("summary") or body)["counts"]


def test_json_import_creates_then_resending_changes_nothing(cast, client_as, indicators):
    client = client_as("system")
    first = send(client, {"values": rows()})
    assert first.status_code == 200, first.json()
    assert first.json()["status"] == "ok" and first.json()["dry_run"] is False
    assert counts(first) == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    again = send(client, {"values": rows()})
    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert IndicatorValue.objects.count() == 3
    assert AuditEntry.objects.count() == 3  # nothing new for unchanged rows


def test_every_imported_row_leaves_an_audit_entry(cast, client_as, indicators):
    client = client_as("system")
    send(client, {"values": rows()})
    changed = rows(note="đã sửa")
    changed[0]["note"] = "nhập từ hệ thống"  # one row unchanged
    assert counts(send(client, {"values": changed})) == {"created": 0, "updated": 2, "unchanged": 1, "rejected": 0}
    entries = AuditEntry.objects.order_by("pk")
    assert [(e.action, e.channel) for e in entries] == [("create", "api")] * 3 + [("update", "api")] * 2
    assert {e.api_key_id for e in entries} == {cast.system_key.pk}
    updated = entries.last()
    assert updated.before["note"] == "nhập từ hệ thống" and updated.after["note"] == "đã sửa"
    assert updated.after["version"] == updated.before["version"] + 1


def test_dry_run_writes_nothing_but_reports_the_counts(cast, client_as, indicators):
    response = send(client_as("staff_a"), {"values": rows()}, "?dry_run=true")
    assert response.status_code == 200 and response.json()["dry_run"] is True
    assert counts(response)["created"] == 3
    assert not IndicatorValue.objects.exists() and not AuditEntry.objects.exists()


def test_one_bad_row_rejects_the_whole_batch(cast, client_as, indicators):
    batch = rows()
    batch[1]["numerator"] = 150  # more than the denominator
    response = send(client_as("staff_a"), {"values": batch})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "batch_rejected"
    assert body["summary"]["status"] == "rejected"
    assert body["summary"]["conflicts"] == [{
        "row": 2, "field": "numerator", "code": "invalid", "message": "Tử số không được lớn hơn mẫu số.",
        "message_en": body["summary"]["conflicts"][0]["message_en"]}]
    assert counts(response) == {"created": 0, "updated": 0, "unchanged": 0, "rejected": 1}
    assert not IndicatorValue.objects.exists()


def test_partial_import_writes_the_valid_rows(cast, client_as, indicators):
    batch = rows()
    batch[0]["period"] = "2099"
    batch[2]["indicator"] = "NOPE"
    response = send(client_as("staff_a"), {"values": batch}, "?partial=true")
    assert response.status_code == 200 and response.json()["status"] == "partial"
    assert counts(response) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    assert [(c["row"], c["field"]) for c in response.json()["conflicts"]] == [(1, "period"), (3, "indicator")]
    assert list(IndicatorValue.objects.values_list("period", flat=True)) == ["2021"]


def test_duplicate_key_with_different_content_in_one_batch_is_rejected(cast, client_as, indicators):
    batch = rows(1) + [{**rows(1)[0], "numerator": 10}]
    response = send(client_as("staff_a"), {"values": batch})
    assert response.status_code == 400
    assert [(c["row"], c["code"]) for c in response.json()["summary"]["conflicts"]] == [(2, "duplicate")]
    same_twice = send(client_as("staff_a"), {"values": rows(1) + rows(1)})
    assert counts(same_twice)["created"] == 1


def test_unit_outside_scope_is_rejected_like_a_missing_one(cast, client_as, indicators):
    batch = [{**rows(1)[0], "unit": "A"}, {**rows(1)[0], "unit": "NOPE"}]
    conflicts = send(client_as("staff_b"), {"values": batch}).json()["summary"]["conflicts"]
    assert conflicts[0] | {"row": 0} == conflicts[1] | {"row": 0}
    assert conflicts[0]["field"] == "unit"


def test_approved_values_are_locked_against_import(cast, client_as, indicators):
    value = value_create(indicator=indicators[0], unit=cast.unit_a, period="2020", numerator=1, denominator=2,
                         actor=Actor(cast.staff_a), channel="api")
    value_approve(value=value_submit(value=value, actor=Actor(cast.staff_a), channel="api"),
                  actor=Actor(cast.reviewer), channel="api")
    response = send(client_as("staff_a"), {"values": rows(1)})
    assert response.json()["summary"]["conflicts"][0]["code"] == "locked"


@pytest.mark.parametrize("bom", [False, True])
def test_csv_body_with_and_without_bom(cast, client_as, indicators, bom):
    text = CSV_HEADER + "FIBRE,A,2022,45,50,,Sở A\nBANK,A,2022,,,1200,\n"
    response = send_csv(client_as("staff_a"), text, bom=bom)
    assert response.status_code == 200, response.json()
    assert counts(response)["created"] == 2
    fibre = IndicatorValue.objects.get(indicator__code="FIBRE")
    assert (fibre.value, fibre.note) == (90, "Sở A")
    assert IndicatorValue.objects.get(indicator__code="BANK").value == 1200


@pytest.mark.parametrize("bom", [False, True])
def test_csv_file_upload(cast, client_as, indicators, bom):
    raw = (b"\xef\xbb\xbf" if bom else b"") + (CSV_HEADER + "FIBRE,A,2022,45,50,,\n").encode()
    response = client_as("staff_a").post(f"{IMPORT}?dry_run=1", {"file": SimpleUploadedFile("so-lieu.csv", raw)},
                                         format="multipart")
    assert response.status_code == 200, response.json()
    assert counts(response)["created"] == 1 and not IndicatorValue.objects.exists()


def test_csv_rows_are_numbered_in_the_summary(cast, client_as, indicators):
    text = CSV_HEADER + "FIBRE,A,2022,45,50,,\nFIBRE,A,2023Q1,1,2,,\n"
    conflicts = send_csv(client_as("staff_a"), text).json()["summary"]["conflicts"]
    assert [(c["row"], c["field"]) for c in conflicts] == [(2, "period")]


@pytest.mark.parametrize("content_type, body, status, field", [
    ("application/json", b"", 400, "values"),
    ("application/json", b"{}", 400, "values"),
    ("application/json", b'{"values": []}', 400, "values"),
    ("application/json", b'{"values": {"a": 1}}', 400, "values"),
    ("application/json", b'{"values": [1]}', 400, "values.0"),
    ("application/json", b'{"values": [{"indicator": ["FIBRE"]}]}', 400, "values.0.indicator"),
    ("application/json", b'{"values": [{"note": "a\\u0000"}]}', 400, "values.0.note"),
    ("application/json", b"[1, 2", 400, None),
    ("text/csv", b"", 400, "file"),
    ("text/csv", b"indicator,unit\nFIBRE,A\n", 400, "file"),
    ("text/csv", CSV_HEADER.encode(), 400, "file"),
    ("text/csv", b"\xff\xfeindicator", 400, "file"),
    ("text/csv", (CSV_HEADER + 'FIBRE,A,2022,1,2,,"' + "x" * 200_000 + '"\n').encode(), 400, "file"),
    ("text/csv", (CSV_HEADER + "FIBRE\x00,A,2022,1,2,,\n").encode(), 400, "file.0.indicator"),
    ("application/xml", b"<values/>", 415, None),
    ("text/plain", b"FIBRE,A,2022", 415, None),
])
def test_malformed_imports_are_400_or_415(cast, client_as, indicators, content_type, body, status, field):
    response = client_as("staff_a").generic("POST", IMPORT, body, content_type=content_type)
    assert response.status_code == status, response.json()
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert not IndicatorValue.objects.exists()


def test_wrong_content_type_says_what_to_send(cast, client_as):
    response = client_as("staff_a").generic("POST", IMPORT, b"<values/>", content_type="application/xml")
    assert response.status_code == 415
    assert "text/csv" in response.json()["message"] and "application/json" in response.json()["message"]


def test_empty_multipart_file_is_400(cast, client_as):
    response = client_as("staff_a").post(IMPORT, {"file": SimpleUploadedFile("a.csv", b"")}, format="multipart")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "file"
    missing = client_as("staff_a").post(IMPORT, {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "file"


@pytest.mark.parametrize("query", ["dry_run=perhaps", "partial=2"])
def test_bad_import_options_are_400(cast, client_as, indicators, query):
    response = send(client_as("staff_a"), {"values": rows()}, f"?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == query.split("=")[0]


def test_reviewer_imports_nothing(cast, client_as, indicators):
    response = send(client_as("reviewer"), {"values": rows(1)})
    assert response.status_code == 400 and response.json()["summary"]["conflicts"][0]["field"] == "unit"
    assert not IndicatorValue.objects.exists()


def test_numbers_may_come_as_text(cast, client_as, indicators):
    batch = [{"indicator": "FIBRE", "unit": "A", "period": "2022", "numerator": "45,5", "denominator": "91"}]
    response = client_as("staff_a").post(IMPORT, json.dumps({"values": batch}), content_type="application/json")
    assert counts(response)["created"] == 1
    assert IndicatorValue.objects.get().value == 50
