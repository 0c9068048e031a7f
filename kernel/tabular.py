"""Read an uploaded CSV as Excel writes it, for every import of the portal."""

import csv
import io

from django.utils.translation import gettext_lazy as _

from .cells import unquote_cell
from .errors import ServiceError


def read_csv_rows(raw_bytes, *, required):
    """Return dict rows (values stripped) from CSV bytes: UTF-8 with or without BOM, comma or semicolon.

    Raise ServiceError on field "file" when the file is empty, not UTF-8, lacks a `required` column or
    cannot be parsed.
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
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        missing = set(required) - set(reader.fieldnames or [])
        if missing:
            raise ServiceError(_("Thiếu cột bắt buộc: %(columns)s.") % {"columns": ", ".join(sorted(missing))},
                               field="file", code="columns")
        # An exported file imports back as it was: drop the apostrophe the export put before a formula.
        return [{key: unquote_cell((value or "").strip()) for key, value in row.items() if key} for row in reader]
    except csv.Error:  # e.g. a field over the csv module's size limit: bad input, not a crash
        raise ServiceError(_("Tệp CSV không đọc được (dòng %(line)s).") % {"line": reader.line_num}, field="file",
                           code="csv") from None
