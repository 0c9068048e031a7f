import copy
import csv
import hashlib
import io
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.content import build_content
from reports.rendering import pdf as pdf_rendering
from reports.rendering import render_csv, render_pdf, render_xlsx

RENDERERS = [render_xlsx, render_csv, render_pdf]


def column(key, title, kind="text"):
    return {"key": key, "title": title, "type": kind}


def sample_content():
    """Return hand-written content with Vietnamese text, Decimals, Nones, a wide section and an empty one."""
    return {
        "kind": "compliance", "period": "2023Q3", "title": "Báo cáo tình hình thực hiện chuyển đổi số",
        "scope": {"code": "T36", "name": "Tỉnh Nam Định"}, "generated_at": "2023-10-05T08:30:00+07:00",
        "sections": [
            {
                "key": "dossiers", "title": "Tình hình giải quyết hồ sơ",
                "columns": [column("unit", "Mã đơn vị"), column("name", "Đơn vị"),
                            column("received", "Tiếp nhận", "int"),
                            column("on_time_rate", "Tỷ lệ hồ sơ giải quyết đúng hạn (%)", "percent"),
                            column("score", "Điểm", "number")],
                "rows": [
                    {"unit": "H356", "name": "Thành phố Nam Định", "received": 1234567,
                     "on_time_rate": Decimal("98.765"), "score": Decimal("12.345")},
                    {"unit": "H358", "name": "Huyện Mỹ Lộc", "received": 0, "on_time_rate": None, "score": None},
                    {"unit": "H359", "name": "=HYPERLINK(\"http://x\")", "received": 7,
                     "on_time_rate": Decimal("50"), "score": Decimal("-1.005")},
                ],
            },
            {
                "key": "indicators", "title": "Chỉ tiêu theo trụ cột",
                "columns": [column("pillar", "Trụ cột"), column("code", "Mã chỉ tiêu"), column("name", "Chỉ tiêu"),
                            column("unit", "Đơn vị"), column("value", "Giá trị đã duyệt", "number"),
                            column("value_period", "Kỳ số liệu"), column("target", "Mục tiêu", "number"),
                            column("target_year", "Năm mục tiêu", "int"), column("decision", "Theo văn bản"),
                            column("points", "Điểm", "number"), column("max_points", "Điểm tối đa", "number"),
                            column("status", "Tình trạng")],
                "rows": [{"pillar": "Chính quyền số", "code": "ND09-HSCV-HUYEN",
                          "name": "Tỷ lệ hồ sơ công việc cấp huyện được xử lý trên môi trường mạng",
                          "unit": "Toàn tỉnh", "value": Decimal("70"), "value_period": "2023Q3",
                          "target": Decimal("80.0000"), "target_year": 2025, "decision": "Quyết định 749/QĐ-TTg",
                          "points": Decimal("17.50"), "max_points": Decimal("20.00"),
                          "status": "Chậm so với lộ trình"}],
            },
            {
                "key": "ranking", "title": "Xếp hạng đơn vị",
                "columns": [column("rank", "Hạng", "int"), column("name", "Đơn vị")],
                "rows": [],
                "note": "Điểm ước tính, không phải kết quả chính thức.",
            },
        ],
        "chart": {"title": "Tiến độ so với mục tiêu", "items": [
            {"label": "ND09-DVC-TT", "value": 70.0, "target": 80.0},
            {"label": "ND09-HSCV-XA", "value": None, "target": 60.0},
        ]},
        "summary": {
            "dossiers": {"received": 1234574, "on_time": 1200000, "on_time_rate": 97.2},
            "indicators": {"total": 1, "off_track": 1},
        },
    }


def empty_content():
    return {
        "kind": "compliance", "period": "2023", "title": "Báo cáo trống", "scope": {"code": None, "name": "Toàn tỉnh"},
        "generated_at": "2023-12-31T23:59:59+07:00",
        "sections": [
            {"key": "gaps", "title": "Những khoảng cách lớn nhất", "columns": [column("kind", "Loại")], "rows": []},
            {"key": "nothing", "title": "Phần không có cột", "columns": [], "rows": []},
        ],
        "chart": {"title": "Tiến độ so với mục tiêu", "items": []},
        "summary": {},
    }


def big_content(units=300, indicators=20):
    """Return content the size of a province-year: one row per unit and indicator, plus per-unit sections."""
    content = sample_content()
    indicator_section, dossiers = content["sections"][1], content["sections"][0]
    template = indicator_section["rows"][0]
    indicator_section["rows"] = [
        {**template, "code": f"CT-{number:02d}", "unit": f"DV{unit:03d}", "value": Decimal(unit % 100) + Decimal("0.5")}
        for number in range(indicators) for unit in range(units)
    ]
    dossiers["rows"] = [{"unit": f"DV{unit:03d}", "name": f"Ủy ban nhân dân xã số {unit}", "received": unit * 1000,
                         "on_time_rate": Decimal(unit % 100), "score": Decimal("7.25")} for unit in range(units)]
    content["chart"]["items"] = [{"label": f"CT-{number:02d}", "value": float(number * 4), "target": 80.0}
                                 for number in range(30)]
    return content


def measure(render, content):
    """Return (wall s, CPU s, the process's peak RSS in MB) for one rendering: figures to read, never to assert.

    One format per process, so that each peak is its own:
    DJANGO_SETTINGS_MODULE=dxportal.settings .venv/bin/python -c "import django; django.setup();
    from tests.reports.test_rendering import *; print(measure(render_pdf, big_content()))"
    """
    started, cpu = time.perf_counter(), time.process_time()
    render(content)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return time.perf_counter() - started, time.process_time() - cpu, peak


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


def csv_blocks(data):
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    blocks, current = [], []
    for row in rows:
        if row:
            current.append(row)
        else:
            blocks.append(current)
            current = []
    return blocks


# --- XLSX ---------------------------------------------------------------------------------------------------


def test_xlsx_has_a_summary_sheet_then_one_short_unique_sheet_per_section():
    workbook = load_workbook(io.BytesIO(render_xlsx(sample_content())))
    assert workbook.sheetnames == ["Tổng hợp", "Hồ sơ", "Chỉ tiêu", "Xếp hạng"]


def test_xlsx_sheet_names_are_made_valid_and_unique():
    content = sample_content()
    odd = {"key": "other", "title": "Ước tính điểm theo Quyết định 766/QĐ-TTg: [thử] rất dài*?", "columns": [],
           "rows": []}
    content["sections"] = [odd, dict(odd), content["sections"][0], dict(content["sections"][0])]
    names = load_workbook(io.BytesIO(render_xlsx(content))).sheetnames[1:]
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in names)
    assert len({name.casefold() for name in names}) == 4
    assert names[2:] == ["Hồ sơ", "Hồ sơ (2)"]


def test_xlsx_section_header_is_vietnamese_bold_filled_and_frozen():
    sheet = load_workbook(io.BytesIO(render_xlsx(sample_content())))["Hồ sơ"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["Mã đơn vị", "Đơn vị", "Tiếp nhận", "Tỷ lệ hồ sơ giải quyết đúng hạn (%)", "Điểm"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold and cell.fill.fgColor.rgb.endswith("DDEBF7") for cell in sheet[1])
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width


def test_xlsx_numbers_are_numbers_with_formats_and_none_is_an_empty_cell():
    sheet = load_workbook(io.BytesIO(render_xlsx(sample_content())))["Hồ sơ"]
    first, second = sheet[2], sheet[3]
    assert first[2].value == 1234567 and first[2].number_format == "#,##0"
    assert first[3].value == pytest.approx(98.765) and first[3].number_format == "0.00"
    assert first[4].value == pytest.approx(12.345) and first[4].number_format == "#,##0.00"
    assert second[3].value is None and second[4].value is None
    assert sheet["B2"].value == "Thành phố Nam Định"


def test_xlsx_text_that_looks_like_a_formula_stays_text():
    sheet = load_workbook(io.BytesIO(render_xlsx(sample_content())))["Hồ sơ"]
    assert sheet["B4"].value == '\'=HYPERLINK("http://x")'  # behind an apostrophe, as in every file (kernel.cells)
    assert sheet["B4"].data_type == "s"


def test_xlsx_puts_the_section_note_under_the_table():
    sheet = load_workbook(io.BytesIO(render_xlsx(sample_content())))["Xếp hạng"]
    assert [cell.value for cell in sheet[1]] == ["Hạng", "Đơn vị"]
    assert sheet["A3"].value == "Điểm ước tính, không phải kết quả chính thức."


def test_xlsx_summary_sheet_shows_title_scope_period_and_figures_with_vietnamese_labels():
    sheet = load_workbook(io.BytesIO(render_xlsx(sample_content())))["Tổng hợp"]
    values = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert sheet["A1"].value == "Báo cáo tình hình thực hiện chuyển đổi số"
    assert values["Phạm vi"][0] == "Tỉnh Nam Định (T36)"
    assert values["Kỳ báo cáo"][0] == "Quý 3/2023"
    assert values["Thời điểm lập"][0] == "05/10/2023 08:30"
    figures = {row[1]: row[2] for row in sheet.iter_rows(values_only=True) if len(row) > 2 and row[1]}
    assert figures["Tiếp nhận"] == 1234574
    assert figures["Tỷ lệ đúng hạn (%)"] == pytest.approx(97.2)
    assert figures["Chậm so với lộ trình"] == 1


# --- CSV ----------------------------------------------------------------------------------------------------


def test_csv_starts_with_a_bom_and_reads_back_with_vietnamese_intact():
    data = render_csv(sample_content())
    assert data.startswith(b"\xef\xbb\xbf")
    blocks = csv_blocks(data)
    assert [block[0] for block in blocks] == [["Tình hình giải quyết hồ sơ"], ["Chỉ tiêu theo trụ cột"],
                                              ["Xếp hạng đơn vị"]]
    assert blocks[0][1] == ["Mã đơn vị", "Đơn vị", "Tiếp nhận", "Tỷ lệ hồ sơ giải quyết đúng hạn (%)", "Điểm"]
    assert blocks[2] == [["Xếp hạng đơn vị"], ["Hạng", "Đơn vị"]]


def test_csv_writes_two_decimals_with_a_dot_and_none_as_empty():
    dossiers = csv_blocks(render_csv(sample_content()))[0]
    assert dossiers[2] == ["H356", "Thành phố Nam Định", "1234567", "98.77", "12.35"]
    assert dossiers[3] == ["H358", "Huyện Mỹ Lộc", "0", "", ""]
    assert dossiers[4][3:] == ["50.00", "-1.01"]


def test_csv_defuses_text_that_a_spreadsheet_would_run_as_a_formula():
    dossiers = csv_blocks(render_csv(sample_content()))[0]
    assert dossiers[4][1] == "'=HYPERLINK(\"http://x\")"


# --- PDF ----------------------------------------------------------------------------------------------------


def test_pdf_text_has_the_vietnamese_headings_with_diacritics():
    data = render_pdf(sample_content())
    assert data.startswith(b"%PDF")
    reader, pages = pdf_text(data)
    text = "\n".join(pages)
    assert len(reader.pages) >= 1
    for heading in ("Báo cáo tình hình thực hiện chuyển đổi số", "Tình hình giải quyết hồ sơ",
                    "Chỉ tiêu theo trụ cột", "Xếp hạng đơn vị", "Tiến độ so với mục tiêu", "Thành phố Nam Định",
                    "Điểm ước tính, không phải kết quả chính thức."):
        assert heading in text
    assert "1.234.567" in text and "98,77" in text  # numbers as Vietnamese write them


def test_pdf_numbers_every_page_in_the_footer():
    _reader, pages = pdf_text(render_pdf(sample_content()))
    assert all(f"Trang {number}/{len(pages)}" in text for number, text in enumerate(pages, start=1))


def test_pdf_puts_a_wide_section_on_a_landscape_page():
    reader, pages = pdf_text(render_pdf(sample_content()))
    [page] = [page for page, text in zip(reader.pages, pages, strict=True) if "Chỉ tiêu theo trụ cột" in text]
    assert page.mediabox.width > page.mediabox.height
    assert reader.pages[0].mediabox.width < reader.pages[0].mediabox.height


def test_pdf_splits_a_long_table_across_pages_repeating_its_header():
    content = sample_content()
    content["sections"] = [{"key": "long", "title": "Danh sách dài", "columns": [
        column("number", "STT", "int"), column("name", "Tên đơn vị")],
        "rows": [{"number": number, "name": f"Xã số {number}"} for number in range(1, 301)]}]
    _reader, pages = pdf_text(render_pdf(content))
    with_rows = [text for text in pages if "Xã số" in text]
    assert len(with_rows) >= 3
    assert all("STT" in text and "Tên đơn vị" in text for text in with_rows)
    assert "Xã số 300" in with_rows[-1]


def test_pdf_lays_out_a_cell_longer_than_a_page():
    content = sample_content()
    content["sections"][0]["rows"][0]["name"] = "Huyện Mỹ Lộc " * 2000 + "x" * 3000
    content["sections"][0]["rows"][1]["name"] = "dòng\n" * 500
    _reader, pages = pdf_text(render_pdf(content))
    assert "Tình hình giải quyết hồ sơ" in "\n".join(pages)


def test_pdf_draws_the_chart_as_vector_shapes_with_its_labels():
    reader, pages = pdf_text(render_pdf(sample_content()))
    assert len(reader.pages[0].images) == 0  # no raster image: the chart is drawn with the report's own font
    first = pages[0]
    assert "Tiến độ so với mục tiêu" in first
    assert "Giá trị đã duyệt" in first and "Mục tiêu" in first  # the legend, searchable text
    for item in sample_content()["chart"]["items"]:
        assert item["label"] in first


# --- all formats --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("render", RENDERERS)
def test_empty_sections_and_an_empty_chart_render(render):
    data = render(empty_content())
    assert data


def test_empty_content_gives_a_readable_file_in_every_format():
    assert load_workbook(io.BytesIO(render_xlsx(empty_content()))).sheetnames[1] == "Khoảng cách lớn nhất"
    assert csv_blocks(render_csv(empty_content()))[0] == [["Những khoảng cách lớn nhất"], ["Loại"]]
    _reader, pages = pdf_text(render_pdf(empty_content()))
    assert "Những khoảng cách lớn nhất" in "\n".join(pages)


@pytest.mark.django_db
def test_every_format_renders_from_one_content_reading_nothing_else(django_assert_num_queries, monkeypatch):
    drawn = []
    draw = pdf_rendering._chart_drawing
    monkeypatch.setattr(pdf_rendering, "_chart_drawing", lambda items, width: drawn.append(items) or draw(items, width))
    content = sample_content()
    before = copy.deepcopy(content)
    with django_assert_num_queries(0):
        for render in RENDERERS:
            render(content)
    assert content == before  # one content serves all three formats: no renderer changes it
    assert len(drawn) == 1  # the chart is drawn once, from the content's own items


@pytest.mark.parametrize("render", RENDERERS)
def test_rendering_twice_gives_identical_bytes(render):
    assert render(sample_content()) == render(sample_content())


def test_another_process_renders_identical_bytes(settings):
    # Workers are separate processes with their own hash seeds; stored checksums must still agree.
    script = (
        "import hashlib, django; django.setup()\n"
        "from tests.reports.test_rendering import RENDERERS, sample_content\n"
        "print(' '.join(hashlib.sha256(render(sample_content())).hexdigest() for render in RENDERERS))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "DJANGO_SETTINGS_MODULE": "dxportal.settings"}
    result = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, check=True, timeout=120)
    here = " ".join(hashlib.sha256(render(sample_content())).hexdigest() for render in RENDERERS)
    assert result.stdout.strip().splitlines()[-1] == here


def test_a_province_sized_report_renders_in_every_format():
    content = big_content(units=300, indicators=2)
    assert load_workbook(io.BytesIO(render_xlsx(content)))["Chỉ tiêu"].max_row == 1 + 600
    assert len(csv_blocks(render_csv(content))[1]) == 2 + 600
    assert len(PdfReader(io.BytesIO(render_pdf(content))).pages) > 10


@pytest.mark.django_db
def test_renders_the_content_built_from_the_seeded_database(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", password="pw-for-tests")
    content = build_content(period="2023")
    titles = [section["title"] for section in content["sections"]]
    assert len(load_workbook(io.BytesIO(render_xlsx(content))).sheetnames) == 1 + len(titles)
    assert [block[0][0] for block in csv_blocks(render_csv(content))] == titles
    text = "\n".join(pdf_text(render_pdf(content))[1])
    assert "Tình hình giải quyết hồ sơ" in text and "Chỉ tiêu theo trụ cột" in text
