"""Neutralise spreadsheet cells, for every CSV and XLSX file the portal writes.

A spreadsheet runs a text cell that starts with "=", "+", "-", "@", a tab or a carriage return as a
formula (CSV/formula injection: `=HYPERLINK(...)` in a note becomes a live link, `=cmd|...` a command).
OWASP's advice is to prefix such text with an apostrophe, so it shows as the text it is.
"""

import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A number written as text ("-5", "+1.25", "-0.50") is read as that number and runs nothing.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value):
    """Return `value` ready for a CSV or XLSX cell: numbers as they are, formula-like text behind an apostrophe."""
    if not isinstance(value, str):
        return value  # numbers, dates and empty cells are never formulas
    if not value.startswith(FORMULA_PREFIXES) or PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(values):
    """Return a list of the values, each through `safe_cell`."""
    return [safe_cell(value) for value in values]


def unquote_cell(text):
    """Return text read from a file this portal wrote, without the apostrophe `safe_cell` put before a formula."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(text[1:]):
        return text[1:]
    return text
