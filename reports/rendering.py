"""Render a report's content (see reports.content) as XLSX, CSV or PDF bytes.

The three renderers are pure: the same content (in the same active language) always gives the same bytes,
so a file's checksum identifies its figures. They read nothing but the content dict.
"""

import csv
import io
import os
import shutil
import zipfile
from bisect import bisect_right
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial
from itertools import accumulate
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from indicators.periods import PeriodError, PeriodType, parse_period
from kernel.cells import safe_cell

NUMERIC_TYPES = ("int", "number", "percent")
CENT = Decimal("0.01")

XLSX_FORMATS = {"int": "#,##0", "number": "#,##0.00", "percent": "0.00"}
XLSX_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
XLSX_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans({char: " " for char in "[]:*?/\\"})

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 15 * mm
PAGE_SIZES = {"portrait": A4, "landscape": landscape(A4)}
CELL_PADDING, CELL_PAD_TOP, CELL_PAD_BOTTOM = 3, 1.5, 2
LEADING = 1.2  # line height, as a multiple of the font size
MAX_CELL_LINES = 30  # so that one row always fits on a page
TEXT_COLUMN_MAX, TEXT_COLUMN_MIN = 200, 60
HEADER_LINE = 60  # pt: a header shorter than this stays on one line
# Tried in order: the first layout whose columns fit the page width (text columns may wrap) wins.
PDF_LAYOUTS = (("portrait", 8), ("landscape", 8), ("landscape", 7), ("landscape", 6))
HEADER_BLUE, STRIPE, GRID = colors.HexColor("#DDEBF7"), colors.HexColor("#F5F8FC"), colors.HexColor("#9AA5B1")
CHART_DPI = 150


# --- shared -------------------------------------------------------------------------------------------------


def _summary_labels():
    return {
        "dossiers": _("Hồ sơ thủ tục hành chính"), "indicators": _("Chỉ tiêu"),
        "completeness": _("Tính đầy đủ và kịp thời của báo cáo"), "coverage": _("Thủ tục hành chính trực tuyến"),
        "received": _("Tiếp nhận"), "processed": _("Đã giải quyết"), "on_time": _("Đúng hạn"),
        "late": _("Trễ hạn"), "overdue": _("Quá hạn chưa giải quyết"), "on_time_rate": _("Tỷ lệ đúng hạn (%)"),
        "online_rate": _("Tỷ lệ trực tuyến (%)"), "online_payment_rate": _("Tỷ lệ thanh toán trực tuyến (%)"),
        "digitization_rate": _("Tỷ lệ số hóa (%)"), "total": _("Tổng số"), "achieved": _("Đã đạt"),
        "on_track": _("Đúng lộ trình"), "off_track": _("Chậm so với lộ trình"), "no_data": _("Chưa có số liệu"),
        "no_target": _("Chưa giao mục tiêu"), "expected": _("Phải báo cáo"), "submitted": _("Đã gửi"),
        "approved": _("Đã duyệt"), "missing": _("Chưa gửi"), "procedures": _("Số TTHC"),
        "online": _("Có DVCTT"), "full_online": _("Toàn trình"), "online_share": _("Tỷ lệ có DVCTT (%)"),
        "full_online_share": _("Tỷ lệ toàn trình (%)"),
    }


def _summary_rows(summary):
    """Yield (block label, figure label, value) for the summary's figures, in the content's order."""
    labels = _summary_labels()
    for block, figures in (summary or {}).items():
        if not isinstance(figures, dict):
            yield "", labels.get(block, block), figures
            continue
        for key, value in figures.items():
            yield labels.get(block, block), labels.get(key, key), value


def _period_label(code):
    try:
        period = parse_period(code)
    except PeriodError:
        return str(code or "")
    if period.type == PeriodType.YEAR:
        return _("Năm %(year)s") % {"year": period.year}
    if period.type == PeriodType.QUARTER:
        return _("Quý %(quarter)s/%(year)s") % {"quarter": (period.start.month + 2) // 3, "year": period.year}
    return _("Tháng %(month)s/%(year)s") % {"month": period.start.month, "year": period.year}


def _generated_label(value):
    try:
        return f"{datetime.fromisoformat(value):%d/%m/%Y %H:%M}"
    except (TypeError, ValueError):
        return str(value or "")


def _scope_label(scope):
    scope = scope or {}
    name, code = str(scope.get("name") or ""), scope.get("code")
    return f"{name} ({code})" if code else name


def _decimal(value):
    """Return a number as a Decimal, or None for None and for text that is not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _cents(number):
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _is_integral(number):
    return number == number.to_integral_value()


def _columns(section):
    return [(column["key"], str(column["title"]), column.get("type") or "text")
            for column in section.get("columns") or []]


# --- XLSX ---------------------------------------------------------------------------------------------------


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
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
        # openpyxl turns any text starting with "=" into a formula; report text is never one.
        cell.data_type = "s"
    if bold or size:
        cell.font = Font(bold=bold, size=size)
    if fill:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell


def _xlsx_value(value, kind):
    """Return a cell value: numbers as int/float (never Decimal), None as an empty cell, text as text."""
    if value is None:
        return None
    number = _decimal(value) if kind in NUMERIC_TYPES else None
    if number is None:
        return str(value)
    if kind == "int" and _is_integral(number):
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
    for label, value in ((_("Phạm vi"), _scope_label(content.get("scope"))),
                         (_("Kỳ báo cáo"), _period_label(content.get("period"))),
                         (_("Thời điểm lập"), _generated_label(content.get("generated_at")))):
        sheet.append([_xlsx_cell(sheet, label, bold=True), _xlsx_cell(sheet, value)])
    sheet.append([])
    sheet.append([_xlsx_cell(sheet, title, bold=True, fill=XLSX_HEADER_FILL)
                  for title in (_("Nhóm"), _("Số liệu chính"), _("Giá trị"))])
    previous_block = None
    for block, label, value in _summary_rows(content.get("summary")):
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
    columns = _columns(section)
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
        sheet.append([_xlsx_cell(sheet, value, number_format=number_format if isinstance(value, int | float) else None)
                      for value, number_format in zip(row, formats_by_column, strict=True)])
    if section.get("note"):
        sheet.append([])
        sheet.append([_xlsx_cell(sheet, str(section["note"]))])


# --- CSV ----------------------------------------------------------------------------------------------------


def render_csv(content):
    """Return the sections as UTF-8 CSV with a BOM: per section a title line, a header, the rows, a blank line."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for section in content.get("sections") or []:
        columns = _columns(section)
        writer.writerow([_csv_text(section.get("title"))])
        writer.writerow([_csv_text(title) for _key, title, _kind in columns])
        writer.writerows([_csv_value(row.get(key), kind) for key, _title, kind in columns]
                         for row in section.get("rows") or [])
        writer.writerow([])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_value(value, kind):
    number = _decimal(value) if kind in NUMERIC_TYPES else None
    if number is None:
        return _csv_text(value)
    if kind == "int" and _is_integral(number):
        return str(int(number))
    return f"{_cents(number):f}"


def _csv_text(value):
    return safe_cell("" if value is None else str(value))


# --- PDF ----------------------------------------------------------------------------------------------------


def render_pdf(content):
    """Return the content as an A4 PDF: heading, chart of progress against targets, summary, section tables."""
    _register_fonts()
    styles = _pdf_styles()
    buffer = io.BytesIO()
    title = str(content.get("title") or "")
    document = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title=title, author="DX Portal", creator="DX Portal", subject=_period_label(content.get("period")),
        invariant=1,
    )
    document.addPageTemplates([_page_template(name) for name in PAGE_SIZES])
    story = _pdf_heading(content, styles) + _pdf_summary(content.get("summary"), styles)
    story += _pdf_chart(content.get("chart") or {}, styles)
    orientation = "portrait"
    for section in content.get("sections") or []:
        flowables, wanted = _pdf_section(section, styles)
        if wanted != orientation:
            story += [NextPageTemplate(wanted), PageBreak()]
            orientation = wanted
        else:
            story.append(CondPageBreak(80))
        story += flowables
    footer = " · ".join(part for part in (title, _scope_label(content.get("scope")),
                                          _period_label(content.get("period"))) if part)
    document.build(story, canvasmaker=partial(_NumberedCanvas, footer=footer))
    return buffer.getvalue()


def _register_fonts():
    """Register DejaVu Sans from matplotlib's own data, the one Vietnamese-capable font the install brings."""
    if FONT_BOLD in pdfmetrics.getRegisteredFontNames():
        return
    import matplotlib

    fonts = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    pdfmetrics.registerFont(TTFont(FONT, os.path.join(fonts, "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, os.path.join(fonts, "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _page_template(name):
    width, height = PAGE_SIZES[name]
    frame = Frame(MARGIN, MARGIN, width - 2 * MARGIN, height - 2 * MARGIN, id=name, leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    return PageTemplate(id=name, frames=[frame], pagesize=PAGE_SIZES[name])


def _frame_width(orientation):
    return PAGE_SIZES[orientation][0] - 2 * MARGIN


class _NumberedCanvas(Canvas):
    """A canvas that holds pages back until the end, so each footer can say "page X of Y"."""

    def __init__(self, *args, footer="", **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number, total):
        width = self._pagesize[0]
        self.saveState()
        self.setFont(FONT, 7)
        self.setFillColor(colors.HexColor("#555555"))
        self.drawString(MARGIN, 8 * mm, self._footer[:150])
        self.drawRightString(width - MARGIN, 8 * mm, _("Trang %(page)s/%(pages)s") % {"page": number, "pages": total})
        self.restoreState()


def _pdf_styles():
    return {
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=6),
        "meta": ParagraphStyle("meta", fontName=FONT, fontSize=10, leading=14),
        "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=5),
        "note": ParagraphStyle("note", fontName=FONT, fontSize=8, leading=10, spaceBefore=4,
                               textColor=colors.HexColor("#444444")),
        "empty": ParagraphStyle("empty", fontName=FONT, fontSize=9, leading=12, spaceBefore=4),
    }


def _pdf_heading(content, styles):
    lines = ((_("Phạm vi"), _scope_label(content.get("scope"))),
             (_("Kỳ báo cáo"), _period_label(content.get("period"))),
             (_("Thời điểm lập"), _generated_label(content.get("generated_at"))))
    return [Paragraph(escape(str(content.get("title") or "")), styles["title"]),
            *[Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", styles["meta"]) for label, value in lines],
            Spacer(1, 6)]


def _pdf_chart(chart, styles):
    heading = Paragraph(escape(str(chart.get("title") or _("Tiến độ so với mục tiêu"))), styles["h2"])
    items = chart.get("items") or []
    if not items:
        return [heading, Paragraph(escape(_("Chưa có chỉ tiêu có mục tiêu để vẽ biểu đồ.")), styles["empty"])]
    png, (width, height) = _chart_png(items)
    # Fit the frame, leaving room for the heading above: a flowable taller than a page cannot be laid out.
    scale = min(1, _frame_width("portrait") / width, (A4[1] - 2 * MARGIN - 40) / height)
    return [KeepTogether([heading, Image(io.BytesIO(png), width=width * scale, height=height * scale)])]


def _chart_png(items):
    """Return a horizontal bar chart of value per item, with the target marked, as PNG bytes and its size in pt."""
    # Imported here so that web processes which never draw a chart do not pay for matplotlib.
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf"), size=8)
    separators = _separators()
    values = [_chart_number(item.get("value")) for item in items]
    targets = [_chart_number(item.get("target")) for item in items]
    positions = range(len(items))
    size = (7.0, 1.2 + 0.3 * len(items))
    # A bare Figure (not pyplot) is not kept in pyplot's registry: it is freed as soon as it goes out of scope.
    figure = Figure(figsize=size)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.barh(positions, [value or 0 for value in values], height=0.6, color="#2F6DB5", label=_("Giá trị đã duyệt"))
    axes.plot([t if t is not None else float("nan") for t in targets], positions, linestyle="none", marker="|",
              markersize=14, markeredgewidth=2.5, color="#D62728", label=_("Mục tiêu"))
    top = max([number for number in values + targets if number is not None] + [1])
    for position, value, target in zip(positions, values, targets, strict=True):
        text = _("chưa có số liệu") if value is None else f"{_plain(value, separators)} / {_plain(target, separators)}"
        axes.text((value or 0) + top * 0.01, position, text, va="center", fontproperties=font, color="#333333")
    axes.set_xlim(0, top * 1.25)
    axes.set_yticks(list(positions), [str(item.get("label") or "") for item in items], fontproperties=font)
    axes.invert_yaxis()
    for label in axes.get_xticklabels():
        label.set_fontproperties(font)
    axes.grid(axis="x", color="#DDDDDD", linewidth=0.5)
    axes.set_axisbelow(True)
    axes.legend(prop=font, loc="lower right")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=CHART_DPI, metadata={"Software": None})
    figure.clear()
    return buffer.getvalue(), (size[0] * 72, size[1] * 72)


def _chart_number(value):
    number = _decimal(value)
    return None if number is None else float(number)


def _plain(number, separators):
    return "—" if number is None else f"{number:g}".translate(separators)


def _pdf_summary(summary, styles):
    """Return the summary figures as small tables, one per block, two blocks side by side."""
    blocks = {}
    for block, label, value in _summary_rows(summary):
        blocks.setdefault(block, []).append((label, value))
    if not blocks:
        return []
    fonts, separators = _cell_styles(8), _separators()
    half = (_frame_width("portrait") - 12) / 2
    tables = []
    for block, figures in blocks.items():
        data = [[Paragraph(escape(block), fonts["header"]), ""]]
        data += [[Paragraph(escape(label), fonts["cell"]),
                  _pdf_cell(value, "int" if isinstance(value, int) else "number", separators)]
                 for label, value in figures]
        commands = [*_table_commands(8, numeric=[1]), ("SPAN", (0, 0), (1, 0))]
        tables.append(Table(data, colWidths=[half - 70, 70], style=TableStyle(commands)))
    if len(tables) % 2:
        tables.append("")
    layout = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                         ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 8)])
    grid = Table([tables[index:index + 2] for index in range(0, len(tables), 2)], colWidths=[half + 12, half],
                 hAlign="LEFT", style=layout)
    return [Paragraph(escape(_("Số liệu chính")), styles["h2"]), grid]


def _pdf_cell(value, kind, separators):
    """Return a cell's text; numbers the way the active language writes them (Vietnamese: 1.234,56)."""
    number = _decimal(value) if kind in NUMERIC_TYPES else None
    if number is None:
        return "" if value is None else str(value)
    text = f"{int(number):,}" if kind == "int" and _is_integral(number) else f"{_cents(number):,.2f}"
    return text.translate(separators)


def _separators():
    return str.maketrans({",": formats.get_format("THOUSAND_SEPARATOR"), ".": formats.get_format("DECIMAL_SEPARATOR")})


def _cell_styles(font_size):
    leading = font_size * LEADING
    return {
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=font_size, leading=leading),
        "header": ParagraphStyle("header", fontName=FONT_BOLD, fontSize=font_size, leading=leading,
                                 alignment=TA_CENTER),
    }


def _table_commands(font_size, *, numeric):
    commands = [
        ("FONT", (0, 0), (-1, -1), FONT, font_size, font_size * LEADING),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BLUE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]),
        ("GRID", (0, 0), (-1, -1), 0.25, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD_TOP),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD_BOTTOM),
    ]
    commands += [("ALIGN", (index, 1), (index, -1), "RIGHT") for index in numeric]
    return commands


def _pdf_section(section, styles):
    """Return the flowables for one section and the page orientation its table needs."""
    columns = _columns(section)
    rows = section.get("rows") or []
    separators, glyphs = _separators(), _GlyphWidths(FONT)
    cells = [[_pdf_cell(row.get(key), kind, separators) for key, _title, kind in columns] for row in rows]
    widths = [[glyphs.width(cell) for cell in row] for row in cells]
    words = [glyphs.width(_longest_word(row[index] for row in cells)) for index in range(len(columns))]
    orientation, font_size, column_widths = _pdf_layout(columns, widths, words)
    limits = [(width - 2 * CELL_PADDING) / font_size for width in column_widths]
    fonts = _cell_styles(font_size)
    data = [[Paragraph(escape(title), fonts["header"]) for _key, title, _kind in columns]]
    # Plain strings, wrapped here, draw many times faster than a Paragraph per cell.
    data += [[_wrap(cell, limit, glyphs) if width > limit or "\n" in cell else cell
              for cell, width, limit in zip(row, row_widths, limits, strict=True)]
             for row, row_widths in zip(cells, widths, strict=True)]
    numeric = [index for index, (_key, _title, kind) in enumerate(columns) if kind in NUMERIC_TYPES]
    flowables = [Paragraph(escape(str(section.get("title") or "")), styles["h2"])]
    if columns:
        style = TableStyle(_table_commands(font_size, numeric=numeric))
        leading = font_size * LEADING
        heights = [max(cell.count("\n") for cell in row) * leading + leading + CELL_PAD_TOP + CELL_PAD_BOTTOM
                   for row in data[1:]]
        flowables.append(_PagedTable(data[0], data[1:], heights, column_widths, style))
    if not rows:
        flowables.append(Paragraph(escape(_("Không có số liệu trong kỳ.")), styles["empty"]))
    if section.get("note"):
        flowables.append(Paragraph(escape(str(section["note"])), styles["note"]))
    return flowables, orientation


class _PagedTable(Flowable):
    """A table with a repeated header that builds one reportlab Table per page.

    reportlab's Table copies and re-measures all remaining rows at every page break, which grows with the
    square of the rows. Here each row's height is known up front (plain strings: lines × leading + padding),
    so finding a page break is a binary search and each page's Table holds only that page's rows.
    """

    def __init__(self, header, rows, heights, column_widths, style, start=0, tops=None, header_height=None):
        super().__init__()
        self.header, self.rows, self.heights = header, rows, heights
        self.column_widths, self.style, self.start = column_widths, style, start
        self.tops = tops or list(accumulate(heights, initial=0))
        self.header_height = header_height
        self.hAlign = "LEFT"

    def _table(self, end):
        return Table([self.header, *self.rows[self.start:end]], colWidths=self.column_widths,
                     rowHeights=[None, *self.heights[self.start:end]], style=self.style, hAlign="LEFT")

    def wrap(self, available_width, available_height):
        if self.header_height is None:
            self.header_height = self._table(self.start).wrap(available_width, available_height)[1]
        self.width = sum(self.column_widths)
        self.height = self.header_height + self.tops[-1] - self.tops[self.start]
        return self.width, self.height

    def split(self, available_width, available_height):
        self.wrap(available_width, available_height)
        end = bisect_right(self.tops, self.tops[self.start] + available_height - self.header_height) - 1
        if end <= self.start:
            return []
        if end >= len(self.rows):
            return [self._table(len(self.rows))]
        rest = _PagedTable(self.header, self.rows, self.heights, self.column_widths, self.style, start=end,
                           tops=self.tops, header_height=self.header_height)
        return [self._table(end), rest]

    def draw(self):
        table = self._table(len(self.rows))
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)


class _GlyphWidths(dict):
    """Character widths at 1 pt, cached: reportlab's stringWidth is pure Python and dominated big tables."""

    def __init__(self, font):
        super().__init__()
        self.font = font

    def __missing__(self, char):
        self[char] = pdfmetrics.stringWidth(char, self.font, 1)
        return self[char]

    def width(self, text):
        """Return the width of the widest line of text, as a Table draws a plain string."""
        return max(sum(map(self.__getitem__, line)) for line in text.split("\n"))


def _wrap(text, limit, glyphs):
    """Return text with line breaks so that no line is wider than limit (both at 1 pt)."""
    lines = []
    space = glyphs[" "]
    for paragraph in text.split("\n"):
        line, line_width = "", 0.0
        for piece in (piece for word in paragraph.split() for piece in _pieces(word, limit, glyphs)):
            piece_width = glyphs.width(piece)
            if line and line_width + space + piece_width <= limit:
                line, line_width = f"{line} {piece}", line_width + space + piece_width
            else:
                lines += [line] if line else []
                line, line_width = piece, piece_width
        lines.append(line)
    if len(lines) > MAX_CELL_LINES:
        lines = [*lines[: MAX_CELL_LINES - 1], lines[MAX_CELL_LINES - 1] + " …"]
    return "\n".join(lines)


def _pieces(word, limit, glyphs):
    """Yield a word whole, or cut into pieces no wider than limit when it is wider."""
    if glyphs.width(word) <= limit:
        yield word
        return
    piece, piece_width = "", 0.0
    for char in word:
        if piece and piece_width + glyphs[char] > limit:
            yield piece
            piece, piece_width = "", 0.0
        piece, piece_width = piece + char, piece_width + glyphs[char]
    if piece:
        yield piece


def _longest_word(texts):
    return max((max(text.split(), key=len, default="") for text in texts), key=len, default="")


def _pdf_layout(columns, widths, words):
    """Return (orientation, font size, column widths) for the first layout in PDF_LAYOUTS the table fits.

    Text columns may shrink down to their longest word (then wrap); number columns keep their width.
    """
    bold = _GlyphWidths(FONT_BOLD)
    headers = [(bold.width(title), max(map(bold.width, title.split()), default=0)) for _key, title, _kind in columns]
    longest = [max((row[index] for row in widths), default=0) for index in range(len(columns))]
    for orientation, font_size in PDF_LAYOUTS:
        natural, least = [], []
        for (_key, _title, kind), (header, word), cell, cell_word in zip(columns, headers, longest, words,
                                                                           strict=True):
            # A long header wraps, to about three lines, rather than widen a column of short numbers.
            header_line = min(header * font_size, max(word * font_size, header * font_size / 3, HEADER_LINE))
            wanted = max(cell * font_size, header_line) + 2 * CELL_PADDING + 1
            narrowest = max(word, cell if kind in NUMERIC_TYPES else cell_word) * font_size + 2 * CELL_PADDING + 1
            if kind in NUMERIC_TYPES:
                natural.append(wanted)
                least.append(narrowest)
            else:
                natural.append(min(wanted, TEXT_COLUMN_MAX))
                least.append(min(max(narrowest, min(wanted, TEXT_COLUMN_MIN)), natural[-1]))
        frame = _frame_width(orientation)
        if sum(least) <= frame:
            return orientation, font_size, _squeeze(natural, least, frame)
    return orientation, font_size, [width * frame / sum(least) for width in least]


def _squeeze(natural, least, frame):
    """Shrink the columns that may shrink (text wraps) in proportion to their slack, until the total fits."""
    excess = sum(natural) - frame
    slack = sum(natural) - sum(least)
    if excess <= 0 or slack <= 0:
        return natural
    return [width - (width - low) * excess / slack for width, low in zip(natural, least, strict=True)]
