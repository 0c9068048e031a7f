"""Render a report's sections as UTF-8 CSV."""

import csv
import io

from kernel.cells import safe_cell

from .common import NUMERIC_TYPES, as_decimal, is_integral, section_columns, to_cents


def render_csv(content):
    """Return the sections as UTF-8 CSV with a BOM: per section a title line, a header, the rows, a blank line."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for section in content.get("sections") or []:
        columns = section_columns(section)
        writer.writerow([_csv_text(section.get("title"))])
        writer.writerow([_csv_text(title) for _key, title, _kind in columns])
        writer.writerows([_csv_value(row.get(key), kind) for key, _title, kind in columns]
                         for row in section.get("rows") or [])
        writer.writerow([])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(value, kind):
    number = as_decimal(value) if kind in NUMERIC_TYPES else None
    if number is None:
        return _csv_text(value)
    if kind == "int" and is_integral(number):
        return str(int(number))
    return f"{to_cents(number):f}"


def _csv_text(value):
    return safe_cell("" if value is None else str(value))
