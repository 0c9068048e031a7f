"""A report file names what its period covers and when it was due, under each regime, as the dashboard does."""

import io
import unicodedata

import openpyxl
from pypdf import PdfReader

from reports.rendering import render_pdf, render_xlsx

CONTENT = {
    "period": "202308", "scope": None, "generated_at": "2023-08-20T09:00:00+07:00", "summary": {}, "sections": [],
    "period_rules": [{"period": "202308", "start": "2023-07-15", "end": "2023-08-14", "deadline": "2023-08-16",
                      "regime": "bao-cao-cds-tinh", "regime_name": "Báo cáo chuyển đổi số của tỉnh",
                      "legal_basis": "Nghị định 09/2019/NĐ-CP"}],
}
EXPECTED = "15/07/2023 – 14/08/2023, hạn gửi 16/08/2023 · Báo cáo chuyển đổi số của tỉnh"


def test_xlsx_heading_names_the_periods_window_deadline_and_regime():
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(CONTENT)), read_only=True)
    cells = [str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert EXPECTED in cells


def test_pdf_heading_names_the_periods_window_deadline_and_regime():
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(CONTENT))).pages)
    # Text pulled out of a PDF may come back with the accents decomposed or the line wrapped.
    flat = " ".join(unicodedata.normalize("NFC", text).split())
    assert "15/07/2023 – 14/08/2023, hạn gửi 16/08/2023" in flat and "chuyển đổi số" in flat
