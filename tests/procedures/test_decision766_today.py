"""Decision 766 as the national portal scores it today, and its official scores beside the estimate (item 6)."""

import io
import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from departments.policy import Actor
from indicators.periods import parse_period
from procedures.ingest import dossiers_import
from procedures.models import OfficialScore766, Score766RuleSet
from procedures.selectors import decision766_estimates
from reports.content import build_content
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db
IMPORT = "/api/v1/procedure-stats/decision-766/official/import/"
SCORES = "/api/v1/procedure-stats/decision-766/"
SOURCE = "Cổng Dịch vụ công quốc gia, Bộ chỉ số phục vụ người dân, doanh nghiệp"


def dossier(code, received, completed, due):
    return {"code": code, "procedure": "1.000001.H42", "unit": "A", "channel": "online", "received_at": received,
            "due_at": due, "completed_at": completed, "outcome": "resolved", "fee_required": True,
            "paid_online": True, "digitized": True}


@pytest.fixture
def pushed(cast):
    ProcedureFactory(code="1.000001.H42", department=cast.unit_a)
    rows = [dossier("2023-1", "2023-08-01T08:00:00+07:00", "2023-08-05T10:00:00+07:00", "2023-08-10T17:00:00+07:00"),
            dossier("2026-1", "2026-08-01T08:00:00+07:00", "2026-08-05T10:00:00+07:00", "2026-08-10T17:00:00+07:00")]
    dossiers_import(rows=rows, source="motcua", actor=Actor(cast.admin), channel="api")


def test_rule_sets_are_dated_with_their_source_and_groups():
    old, today = Score766RuleSet.objects.order_by("valid_from")
    assert old.groups == {"transparency": 18, "processing_progress": 20, "digitisation": 22, "online_service": 22,
                          "satisfaction": 18}
    assert today.groups == {"transparency": 18, "processing_progress": 20, "online_service": 12,
                            "digitisation": 22, "online_payment": 10, "satisfaction": 18}
    assert sum(old.groups.values()) == sum(today.groups.values()) == 100
    assert old.source and today.source and today.valid_from == date(2026, 1, 1) and today.valid_to is None


def test_the_estimate_of_a_period_uses_the_rule_set_in_force_for_it_and_names_it(cast, pushed):
    [in_2023] = decision766_estimates(actor=Actor(cast.reviewer), period=parse_period("2023"))
    assert in_2023["rule_set"]["code"] == "766/2022"
    assert in_2023["components"]["online_payment"]["max_points"] == 6
    [in_2026] = decision766_estimates(actor=Actor(cast.reviewer), period=parse_period("2026"))
    assert in_2026["rule_set"]["code"] == "766/dvcqg-2026"
    assert in_2026["components"]["online_payment"]["max_points"] == 10  # 100% paid online: full 10
    assert str(in_2026["components"]["online_payment"]["points"]) == "10.00"
    assert in_2026["components"]["online_service"]["max_points"] == 12


def official(*rows, source=SOURCE):
    return json.dumps({"source": source, "scores": list(rows)})


def test_official_scores_are_imported_and_shown_beside_the_estimate(cast, client_as, pushed):
    admin = client_as("admin")
    response = admin.post(IMPORT, official(
        {"unit": "A", "group": "processing_progress", "points": "18.5", "published_on": "2026-10-01"},
        {"unit": "A", "group": "online_payment", "points": 9, "published_on": "2026-10-01"},
    ), content_type="application/json")
    assert response.status_code == 200, response.json()
    assert OfficialScore766.objects.count() == 2
    [row] = client_as("reviewer").get(SCORES, {"period": "2026"}).json()["rows"]
    assert row["rule_set"]["code"] == "766/dvcqg-2026"
    assert row["official"]["total"] == 27.5 and row["official"]["published_on"] == "2026-10-01"
    assert row["difference"] == pytest.approx(27.5 - row["total"])
    section = next(s for s in build_content(period="2026")["sections"] if s["key"] == "decision766")
    [content_row] = section["rows"]
    assert str(content_row["official"]) == "27.50" and content_row["official_on"] == "2026-10-01"
    assert section["rule_set"]["code"] == "766/dvcqg-2026"
    # Re-importing a row replaces it (one score per unit, group and date).
    again = admin.post(IMPORT, official({"unit": "A", "group": "online_payment", "points": "10",
                                         "published_on": "2026-10-01"}), content_type="application/json")
    assert again.status_code == 200 and OfficialScore766.objects.count() == 2


@pytest.mark.parametrize("row, field", [
    ({"unit": "NOPE", "group": "online_payment", "points": 5, "published_on": "2026-10-01"}, "unit"),
    ({"unit": "A", "group": "online_payment", "points": 10.5, "published_on": "2026-10-01"}, "points"),
    ({"unit": "A", "group": "online_payment", "points": -1, "published_on": "2026-10-01"}, "points"),
    ({"unit": "A", "group": "online_payment", "points": "nhiều", "published_on": "2026-10-01"}, "points"),
    ({"unit": "A", "group": "online_payment", "points": 5, "published_on": "2023-10-01"}, "group"),  # not in 2022
    ({"unit": "A", "group": "happiness", "points": 5, "published_on": "2026-10-01"}, "group"),
    ({"unit": "A", "group": "online_payment", "points": 5, "published_on": "01/10/2026"}, "published_on"),
])
def test_a_bad_score_rejects_the_batch_with_row_field_and_reason_and_writes_nothing(cast, client_as, row, field):
    good = {"unit": "A", "group": "satisfaction", "points": 17, "published_on": "2026-10-01"}
    response = client_as("admin").post(IMPORT, official(good, row), content_type="application/json")
    assert response.status_code == 400, response.json()
    [error] = response.json()["summary"]["errors"]
    assert (error["row"], error["field"]) == (2, field)
    assert error["message"] and error["message_en"] and error["message_en"] != error["message"]
    assert not OfficialScore766.objects.exists()


def test_official_scores_come_as_csv_and_as_an_xlsx_upload(cast, client_as):
    admin = client_as("admin")
    csv = "unit,group,points,published_on,source\nA,satisfaction,16.5,2026-10-01,Cổng DVC quốc gia\n"
    response = admin.post(IMPORT, csv.encode(), content_type="text/csv")
    assert response.status_code == 200, response.json()
    book = Workbook()
    sheet = book.active
    sheet.append(["unit", "group", "points", "published_on"])
    sheet.append(["A", "transparency", 18, "2026-11-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("diem.xlsx", buffer.getvalue())
    response = admin.post(IMPORT, {"file": upload, "source": SOURCE}, format="multipart")
    assert response.status_code == 200, response.json()
    assert sorted(OfficialScore766.objects.values_list("group", flat=True)) == ["satisfaction", "transparency"]


@pytest.mark.parametrize("role, expected", [("staff_a", 403), ("reviewer", 403), ("system", 200)])
def test_only_administrators_and_external_systems_import_official_scores(cast, client_as, role, expected):
    body = official({"unit": "A", "group": "satisfaction", "points": 17, "published_on": "2026-10-01"})
    assert client_as(role).post(IMPORT, body, content_type="application/json").status_code == expected
    assert OfficialScore766.objects.exists() == (expected == 200)


UPLOAD_PAGE = "/admin/procedures/officialscore766/upload/"


def test_admin_upload_page_imports_a_file_and_lists_bad_rows_writing_nothing(cast, client):
    client.force_login(cast.admin)
    bad = "unit,group,points,published_on\nA,satisfaction,17,2026-10-01\nNOPE,satisfaction,99,2026-10-01\n"
    response = client.post(UPLOAD_PAGE, {"file": SimpleUploadedFile("diem.csv", bad.encode()), "source": SOURCE})
    assert response.status_code == 200
    assert [(e["row"], e["field"]) for e in response.context["errors"]] == [(2, "unit")]
    assert not OfficialScore766.objects.exists()
    good = "unit,group,points,published_on\nA,satisfaction,17,2026-10-01\n"
    response = client.post(UPLOAD_PAGE, {"file": SimpleUploadedFile("diem.csv", good.encode()), "source": SOURCE})
    assert response.context["summary"]["saved"] == 1 and OfficialScore766.objects.get().source == SOURCE


def test_admin_upload_page_is_refused_to_staff_and_bounded_in_bytes(cast, client, settings):
    client.force_login(cast.staff_a)
    assert client.get(UPLOAD_PAGE).status_code in (302, 403)
    client.force_login(cast.admin)
    settings.TABULAR_MAX_BYTES = 10
    big = SimpleUploadedFile("diem.csv", b"unit,group,points,published_on\n" + b"A,satisfaction,17,2026-10-01\n" * 5)
    response = client.post(UPLOAD_PAGE, {"file": big, "source": SOURCE})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not OfficialScore766.objects.exists()
