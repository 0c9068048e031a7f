"""Render a report's content as a styled, byte-for-byte reproducible XLSX workbook."""

import io
import shutil
import zipfile
from datetime import UTC, datetime

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from kernel.cells import safe_cell

from .common import NUMERIC_TYPES, as_decimal, heading_lines, is_integral, section_columns, summary_rows

XLSX_FORMATS = {"int": "#,##0", "number": "#,##0.00", "percent": "0.00"}
XLSX_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
XLSX_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans({char: " " for char in "[]:*?/\\"})



class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip archive whose entries all carry one timestamp, so equal workbooks give equal bytes."""

    def _fixed_info(self, name):
        info = zipfile.ZipInfo(name, date_time=XLSX_ZIP_TIME)
        info.compress_type = self.compression
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._fixed_info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl writes each worksheet from a temporary file, whose mtime would end up in the archive.
        with open(filename, "rb") as source, self.open(self._fixed_info(arcname or filename), "w") as target:
            shutil.copyfileobj(source, target)


def render_xlsx(content):
    """Return the content as a styled workbook: a summary sheet, then one sheet per section."""
    workbook = Workbook(write_only=True)
    _set_xlsx_properties(workbook, content)
    sections = content.get("sections") or []
    cover_name = _("Tổng hợp")
    names = _sheet_names(sections, taken=[cover_name])
    _write_cover(workbook.create_sheet(cover_name), content, names)
    for section, name in zip(sections, names, strict=True):
        _write_section_sheet(workbook.create_sheet(name), section)
    buffer = io.BytesIO()
    # Not workbook.save(): it stamps the current time into the file's properties.
    ExcelWriter(workbook, _FixedTimeZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return buffer.getvalue()


def _set_xlsx_properties(workbook, content):
    try:
        stamp = datetime.fromisoformat(content.get("generated_at") or "")
    except ValueError:
        stamp = datetime(2000, 1, 1)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    properties = workbook.properties
    properties.created = properties.modified = stamp
    properties.title = str(content.get("title") or "")
    properties.creator = properties.lastModifiedBy = "DX Portal"


def _short_sheet_names():
    return {
        "indicators": _("Chỉ tiêu"), "completeness": _("Đầy đủ báo cáo"), "coverage": _("TTHC trực tuyến"),
        "dossiers": _("Hồ sơ"), "decision766": _("Điểm QĐ 766"), "ranking": _("Xếp hạng"),
        "gaps": _("Khoảng cách lớn nhất"),
    }


def _sheet_names(sections, *, taken):
    """Return a short, valid, unique (Excel compares case-insensitively) sheet name for each section."""
    short = _short_sheet_names()
    used = {name.casefold() for name in taken}
    names = []
    for index, section in enumerate(sections, start=1):
        base = short.get(section.get("key")) or str(section.get("title") or "")
        base = " ".join(base.translate(SHEET_NAME_FORBIDDEN).split()).strip("'")[:SHEET_NAME_MAX] or str(index)
        name, counter = base, 2
        while name.casefold() in used:
            suffix = f" ({counter})"
            name, counter = base[: SHEET_NAME_MAX - len(suffix)] + suffix, counter + 1
        used.add(name.casefold())
        names.append(name)
    return names


def _xlsx_cell(sheet, value, *, bold=False, size=None, fill=None, number_format=None, wrap=False):
    cell = WriteOnlyCell(sheet)
    if isinstance(value, str):
        cell.value = _xlsx_text(value)
        # openpyxl turns any text starting with "=" into a formula; report text is never one.
        cell.data_type = "s"
    else:
        cell.value = value
    if bold or size:
        cell.font = Font(bold=bold, size=size)
    if fill:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell


def _xlsx_text(text):
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", text))


def _body_cell(sheet, value, number_format):
    """Return what a table cell appends: its text or nothing as a plain value, a number as a formatted cell.

    openpyxl writes plain values through one cell it reuses, where a cell of our own costs an object and an
    exception each (a province report has about 8,000). Text after `safe_cell` never starts with "=", so
    openpyxl keeps it text, as `_xlsx_cell` does.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return _xlsx_text(value)
    return _xlsx_cell(sheet, value, number_format=number_format)


def _xlsx_value(value, kind):
    """Return a cell value: numbers as int/float (never Decimal), None as an empty cell, text as text."""
    if value is None:
        return None
    number = as_decimal(value) if kind in NUMERIC_TYPES else None
    if number is None:
        return str(value)
    if kind == "int" and is_integral(number):
        return int(number)
    return float(number)


def _xlsx_figure(sheet, value):
    kind = "int" if isinstance(value, int) else "number"
    value = _xlsx_value(value, kind)
    return _xlsx_cell(sheet, value, number_format=XLSX_FORMATS[kind] if isinstance(value, int | float) else None)


def _write_cover(sheet, content, sheet_names):
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 18
    sheet.append([_xlsx_cell(sheet, str(content.get("title") or ""), bold=True, size=14)])
    sheet.append([])
    for label, value in heading_lines(content):
        sheet.append([_xlsx_cell(sheet, label, bold=True), _xlsx_cell(sheet, value)])
    sheet.append([])
    sheet.append([_xlsx_cell(sheet, title, bold=True, fill=XLSX_HEADER_FILL)
                  for title in (_("Nhóm"), _("Số liệu chính"), _("Giá trị"))])
    previous_block = None
    for block, label, value in summary_rows(content.get("summary")):
        shown_block = "" if block == previous_block else block
        previous_block = block
        sheet.append([_xlsx_cell(sheet, shown_block, bold=True), _xlsx_cell(sheet, label), _xlsx_figure(sheet, value)])
    sheet.append([])
    sheet.append([_xlsx_cell(sheet, title, bold=True, fill=XLSX_HEADER_FILL)
                  for title in (_("Trang tính"), _("Nội dung"), _("Số dòng"))])
    for section, name in zip(content.get("sections") or [], sheet_names, strict=True):
        sheet.append([_xlsx_cell(sheet, name), _xlsx_cell(sheet, str(section.get("title") or "")),
                      _xlsx_cell(sheet, len(section.get("rows") or []), number_format=XLSX_FORMATS["int"])])


def _xlsx_width(title, values):
    """Return a column width that fits the longest value, and the header once wrapped over two lines."""
    longest = max((len(str(value)) for value in values if value is not None), default=0)
    return min(60, max(8, longest + 2, (len(title) + 1) // 2 + 2, max(map(len, title.split()), default=0) + 2))


def _write_section_sheet(sheet, section):
    columns = section_columns(section)
    rows = section.get("rows") or []
    values = [[_xlsx_value(row.get(key), kind) for key, _title, kind in columns] for row in rows]
    for index, (_key, title, _kind) in enumerate(columns):
        shown = (f"{value:,.2f}" if isinstance(value, float) else value for value in (r[index] for r in values))
        sheet.column_dimensions[get_column_letter(index + 1)].width = _xlsx_width(title, shown)
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.oddHeader.center.text = str(section.get("title") or "").replace("&", "&&")
    sheet.append([_xlsx_cell(sheet, title, bold=True, fill=XLSX_HEADER_FILL, wrap=True) for _k, title, _t in columns])
    formats_by_column = [XLSX_FORMATS.get(kind) for _key, _title, kind in columns]
    for row in values:
        sheet.append([_body_cell(sheet, value, number_format)
                      for value, number_format in zip(row, formats_by_column, strict=True)])
    if section.get("note"):
        sheet.append([])
        sheet.append([_xlsx_cell(sheet, str(section["note"]))])
