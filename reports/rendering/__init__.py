"""Render a report's content (see reports.content) as XLSX, CSV or PDF bytes.

The three renderers are pure: the same content (in the same active language) always gives the same bytes,
so a file's checksum identifies its figures. They read nothing but the content dict.
"""

from .csv import render_csv
from .pdf import render_pdf
from .xlsx import render_xlsx

__all__ = ["render_csv", "render_pdf", "render_xlsx"]
