"""Read an uploaded CSV or XLSX as Excel writes it, for every import of the portal, in bounded memory.

The one tabular reader: both admin upload pages and the API imports read rows here, so a file means the
same thing on every path. Limits are checked before a file is read whole (bytes) and while it is read
(rows, columns): a workbook's declared dimensions are never trusted, the sheet is streamed row by row.
"""

import csv
import io
import zipfile
from datetime import date, datetime, time
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .cells import unquote_cell
from .errors import ServiceError, TooLarge

# Excel's own sheet height: a row number beyond it is a crafted file, not a spreadsheet.
EXCEL_MAX_ROWS = 1_048_576
# A CSV line longer than this cannot be a row of ours; refusing it bounds the fields one row can hold.
CSV_MAX_LINE_CHARS = 256 * 1024
# openpyxl builds each row's cells in memory before `max_col` drops the extra ones: bound them first.
XLSX_MAX_ROW_CELLS = 1024
XLSX_MAGIC = b"PK\x03\x04"


def max_bytes():
    return settings.TABULAR_MAX_BYTES


def max_columns():
    return settings.TABULAR_MAX_COLUMNS


def ensure_size(size, limit=None):
    """Raise TooLarge on field "file" when `size` bytes is over `limit` (default TABULAR_MAX_BYTES)."""
    limit = max_bytes() if limit is None else limit
    if size is not None and size > limit:
        raise TooLarge(_("Tệp quá lớn: tối đa %(limit)s MB.") % {"limit": _megabytes(limit)}, field="file")


def _megabytes(limit):
    return f"{limit / (1024 * 1024):g}"


def _too_many_rows(limit):
    return TooLarge(_("Quá nhiều dòng trong một tệp: tối đa %(max)s.") % {"max": limit}, field="file",
                    code="too_many_rows")


def _too_many_columns(limit):
    return TooLarge(_("Quá nhiều cột trong một tệp: tối đa %(max)s.") % {"max": limit}, field="file",
                    code="too_many_columns")


def _missing_columns(header, required):
    missing = set(required) - set(header)
    if missing:
        raise ServiceError(_("Thiếu cột bắt buộc: %(columns)s.") % {"columns": ", ".join(sorted(missing))},
                           field="file", code="columns")


# --- CSV ------------------------------------------------------------------------------------------


def read_csv_rows(raw_bytes, *, required, max_rows=None, columns=None):
    """Return dict rows (values stripped) from CSV bytes: UTF-8 with or without BOM, comma or semicolon.

    Raise ServiceError on field "file" when the file is empty, not UTF-8, lacks a `required` column or
    cannot be parsed; TooLarge when it has more than `max_rows` data rows or `columns` columns.
    """
    if not raw_bytes.strip():
        raise ServiceError(_("Tệp rỗng."), field="file", code="empty")
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(_("Tệp không phải UTF-8: hãy lưu lại dưới dạng CSV UTF-8."), field="file",
                           code="encoding") from None
    first_line = text.split("\n", 1)[0]
    # Excel set to Vietnamese separates with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(_bounded_lines(text), delimiter=delimiter)
    try:
        return list(_csv_records(reader, required, max_rows, columns or max_columns()))
    except csv.Error:  # e.g. a field over the csv module's size limit: bad input, not a crash
        raise ServiceError(_("Tệp CSV không đọc được (dòng %(line)s).") % {"line": reader.line_num}, field="file",
                           code="csv") from None


def _bounded_lines(text):
    for number, line in enumerate(io.StringIO(text), start=1):
        if len(line) > CSV_MAX_LINE_CHARS:
            raise ServiceError(_("Tệp CSV không đọc được (dòng %(line)s).") % {"line": number}, field="file",
                               code="csv")
        yield line


def _csv_records(reader, required, max_rows, columns):
    header = next(reader, [])
    if len(header) > columns:
        raise _too_many_columns(columns)
    _missing_columns(header, required)
    for count, values in enumerate((values for values in reader if values), start=1):
        if max_rows is not None and count > max_rows:
            raise _too_many_rows(max_rows)
        # As csv.DictReader: missing trailing cells are empty, cells beyond the header are dropped.
        # An exported file imports back as it was: drop the apostrophe the export put before a formula.
        yield {key: unquote_cell((values[i] if i < len(values) else "").strip())
               for i, key in enumerate(header) if key}


# --- XLSX -----------------------------------------------------------------------------------------


def read_xlsx_rows(file, *, required, max_rows=None, columns=None):
    """Return dict rows from the first sheet of an XLSX file object, streamed row by row.

    Cells read as their CSV text would (see `cell_text`), so both formats import alike. Blank rows are
    skipped; columns past `columns` are not read. Raise ServiceError on field "file" when the workbook
    cannot be read or lacks a `required` column; TooLarge when it unpacks past TABULAR_MAX_UNPACKED_BYTES
    or has more than `max_rows` data rows.
    """
    columns = columns or max_columns()
    _ensure_unpacked_size(file)
    workbook = _open_workbook(file)
    try:
        sheet = workbook.worksheets[0]
        _ensure_rows_are_narrow(sheet)
        sheet.reset_dimensions()  # the declared <dimension> is the file's claim, not a measure
        return _xlsx_records(sheet.iter_rows(values_only=True, max_col=columns), required, max_rows)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
        raise _unreadable() from None
    finally:
        workbook.close()


def _unreadable():
    return ServiceError(_("Không đọc được tệp Excel (.xlsx)."), field="file", code="unreadable")


def _ensure_unpacked_size(file):
    """Refuse a zip bomb from its directory: the declared sizes bound what unpacking may produce."""
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _unreadable() from None
    finally:
        file.seek(0)
    limit = settings.TABULAR_MAX_UNPACKED_BYTES
    if unpacked > limit:
        raise TooLarge(_("Tệp Excel giải nén quá lớn: tối đa %(limit)s MB.") % {"limit": _megabytes(limit)},
                       field="file")


def _ensure_rows_are_narrow(sheet):
    """Scan the sheet's XML once with expat (no tree kept) and refuse a row of more than XLSX_MAX_ROW_CELLS cells."""
    cells_in_row = 0

    def start(name, _attributes):
        nonlocal cells_in_row
        local = name.rpartition("}")[2]
        if local == "row":
            cells_in_row = 0
        elif local == "c":
            cells_in_row += 1
            if cells_in_row > XLSX_MAX_ROW_CELLS:
                raise _too_many_columns(XLSX_MAX_ROW_CELLS)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    try:
        with sheet._get_source() as source:  # openpyxl's own way to the sheet's part of the archive
            parser.ParseFile(source)
    except expat.ExpatError:
        raise _unreadable() from None


def _open_workbook(file):
    import openpyxl  # only imports need it; keep it off every process's start
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, TypeError):
        raise _unreadable() from None


def _xlsx_records(rows, required, max_rows):
    header = None
    records = []
    for scanned, values in enumerate(rows, start=1):
        if scanned > EXCEL_MAX_ROWS:
            raise _too_many_rows(max_rows or EXCEL_MAX_ROWS)
        if values.count(None) == len(values):
            continue  # the gaps openpyxl fills between sparse rows: skipped at C speed
        cells = [cell_text(value) for value in values]
        if not any(cells):
            continue  # formatted but empty rows
        if header is None:
            header = cells
            _missing_columns(header, required)
            continue
        if max_rows is not None and len(records) >= max_rows:
            raise _too_many_rows(max_rows)
        records.append({key: cells[i] if i < len(cells) else "" for i, key in enumerate(header) if key})
    if header is None:
        raise ServiceError(_("Tệp rỗng."), field="file", code="empty")
    return records


def cell_text(value):
    """Return a spreadsheet cell as the text a CSV export would hold: 1.0 as "1", dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unquote_cell(str(value).strip())


# --- an uploaded file of either kind ----------------------------------------------------------------


def read_upload_rows(upload, *, required, max_rows=None, limit=None):
    """Return the dict rows of an uploaded .xlsx or .csv file, checking its size before reading it.

    Raise TooLarge over `limit` bytes (default TABULAR_MAX_BYTES), ServiceError for an other file type,
    a NUL character (PostgreSQL text cannot hold it) or anything `read_csv_rows`/`read_xlsx_rows` refuse.
    """
    ensure_size(upload.size, limit)
    name = (upload.name or "").lower()
    upload.seek(0)
    is_xlsx = name.endswith(".xlsx") or upload.read(4) == XLSX_MAGIC
    upload.seek(0)
    if is_xlsx:
        rows = read_xlsx_rows(upload, required=required, max_rows=max_rows)
        if any("\x00" in cell for row in rows for cell in row.values()):
            raise _nul_in_file()
        return rows
    if not name.endswith(".csv"):
        raise ServiceError(_("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)."), field="file", code="file_type")
    raw = upload.read()
    if b"\x00" in raw:
        raise _nul_in_file()
    return read_csv_rows(raw, required=required, max_rows=max_rows)


def _nul_in_file():
    return ServiceError(_("Tệp chứa ký tự NUL: hãy lưu lại dưới dạng CSV UTF-8."), field="file", code="encoding")
