"""Render a report's content as an A4 PDF: heading, progress chart, summary tables, section tables."""

import importlib.util
import io
import math
import os
from bisect import bisect_right
from functools import partial
from itertools import accumulate
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.graphics.shapes import Drawing, Line, Rect, String
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
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from .common import (
    NUMERIC_TYPES,
    as_decimal,
    heading_lines,
    is_integral,
    period_label,
    scope_label,
    section_columns,
    summary_rows,
    to_cents,
)

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
CHART_FONT, CHART_ROW = 8, 18  # pt
CHART_BAR, CHART_TARGET = colors.HexColor("#2F6DB5"), colors.HexColor("#D62728")
CHART_TEXT, CHART_GRID, CHART_AXIS = colors.HexColor("#333333"), colors.HexColor("#DDDDDD"), colors.HexColor("#888888")




def prepare_pdf():
    """Load what every PDF needs once per process (the fonts take a tenth of a second to read); idempotent.

    Workers call it when their process starts, so that a report pays only for its own pages.
    """
    _register_fonts()
    # Compressed streams stay binary: the ASCII85 layer costs time (in pure Python) and a quarter more bytes.
    rl_config.useA85 = 0


def render_pdf(content):
    """Return the content as an A4 PDF: heading, chart of progress against targets, summary, section tables."""
    prepare_pdf()
    styles = _pdf_styles()
    buffer = io.BytesIO()
    title = str(content.get("title") or "")
    document = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title=title, author="DX Portal", creator="DX Portal", subject=period_label(content.get("period")),
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
    footer = " · ".join(part for part in (title, scope_label(content.get("scope")),
                                          period_label(content.get("period"))) if part)
    document.build(story, canvasmaker=partial(_NumberedCanvas, footer=footer))
    return buffer.getvalue()


def _register_fonts():
    """Register DejaVu Sans from matplotlib's own data, the one Vietnamese-capable font the install brings.

    Found without importing matplotlib (half a second): only its font files are used.
    """
    if FONT_BOLD in pdfmetrics.getRegisteredFontNames():
        return
    package = importlib.util.find_spec("matplotlib").submodule_search_locations[0]
    fonts = os.path.join(package, "mpl-data", "fonts", "ttf")
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
    lines = heading_lines(content)
    return [Paragraph(escape(str(content.get("title") or "")), styles["title"]),
            *[Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", styles["meta"]) for label, value in lines],
            Spacer(1, 6)]


def _pdf_chart(chart, styles):
    heading = Paragraph(escape(str(chart.get("title") or _("Tiến độ so với mục tiêu"))), styles["h2"])
    items = chart.get("items") or []
    if not items:
        return [heading, Paragraph(escape(_("Chưa có chỉ tiêu có mục tiêu để vẽ biểu đồ.")), styles["empty"])]
    drawing = _chart_drawing(items, _frame_width("portrait"))
    # Fit the frame, leaving room for the heading above: a flowable taller than a page cannot be laid out.
    scale = min(1, (A4[1] - 2 * MARGIN - 40) / drawing.height)
    if scale < 1:
        drawing.scale(scale, scale)
        drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    return [KeepTogether([heading, drawing])]


def _chart_drawing(items, width):
    """Return a horizontal bar chart of value per item, with the target marked, as vector shapes (drawn once).

    Drawn straight into the PDF with the report's own font: no raster image, no plotting library to load.
    """
    glyphs, separators = _GlyphWidths(FONT), _separators()
    values = [_chart_number(item.get("value")) for item in items]
    targets = [_chart_number(item.get("target")) for item in items]
    labels = [str(item.get("label") or "") for item in items]
    top = max([number for number in values + targets if number is not None] + [1])
    step = _tick_step(top * 1.25)
    axis_end = top * 1.25
    left = max(map(glyphs.width, labels)) * CHART_FONT + 8
    plot = width - left - 6
    bottom = CHART_FONT * 2 + 14  # tick labels, then the legend
    height = bottom + CHART_ROW * len(items) + 4
    drawing = Drawing(width, height)
    drawing.hAlign = "LEFT"

    def x_of(number):
        return left + plot * max(0, min(number, axis_end)) / axis_end

    tick = 0.0
    while tick <= axis_end + step / 1000:
        drawing.add(Line(x_of(tick), bottom, x_of(tick), height - 4, strokeColor=CHART_GRID, strokeWidth=0.5))
        drawing.add(String(x_of(tick), bottom - CHART_FONT - 2, _plain(tick, separators), fontName=FONT,
                           fontSize=CHART_FONT - 1, textAnchor="middle", fillColor=CHART_TEXT))
        tick += step
    drawing.add(Line(left, bottom, left, height - 4, strokeColor=CHART_AXIS, strokeWidth=0.75))
    for index, (label, value, target) in enumerate(zip(labels, values, targets, strict=True)):
        middle = height - 4 - CHART_ROW * (index + 0.5)
        drawing.add(String(left - 4, middle - CHART_FONT / 3, label, fontName=FONT, fontSize=CHART_FONT,
                           textAnchor="end", fillColor=CHART_TEXT))
        if value:
            drawing.add(Rect(left, middle - CHART_ROW * 0.3, x_of(value) - left, CHART_ROW * 0.6,
                             fillColor=CHART_BAR, strokeColor=None))
        if target is not None:
            drawing.add(Line(x_of(target), middle - CHART_ROW * 0.42, x_of(target), middle + CHART_ROW * 0.42,
                             strokeColor=CHART_TARGET, strokeWidth=2.5))
        text = _("chưa có số liệu") if value is None else f"{_plain(value, separators)} / {_plain(target, separators)}"
        drawing.add(String(x_of(value or 0) + 3, middle - CHART_FONT / 3, text, fontName=FONT, fontSize=CHART_FONT,
                           fillColor=CHART_TEXT))
    _chart_legend(drawing, width, glyphs)
    return drawing


def _chart_legend(drawing, width, glyphs):
    """Add the legend under the plot, at the right: the bar's colour and the target's mark, named."""
    entries = ((_("Giá trị đã duyệt"), "bar"), (_("Mục tiêu"), "target"))
    x = width - 6 - sum(glyphs.width(name) * CHART_FONT + 22 for name, _kind in entries)
    y = 3
    for name, kind in entries:
        if kind == "bar":
            drawing.add(Rect(x, y, 10, 6, fillColor=CHART_BAR, strokeColor=None))
        else:
            drawing.add(Line(x + 5, y - 1, x + 5, y + 8, strokeColor=CHART_TARGET, strokeWidth=2.5))
        drawing.add(String(x + 13, y, name, fontName=FONT, fontSize=CHART_FONT, fillColor=CHART_TEXT))
        x += glyphs.width(name) * CHART_FONT + 22


def _tick_step(span):
    """Return a round step (1, 2 or 5 times a power of ten) giving about five ticks over span."""
    rough = span / 5
    power = 10 ** math.floor(math.log10(rough))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= rough)


def _chart_number(value):
    number = as_decimal(value)
    return None if number is None else float(number)


def _plain(number, separators):
    return "—" if number is None else f"{number:g}".translate(separators)


def _pdf_summary(summary, styles):
    """Return the summary figures as small tables, one per block, two blocks side by side."""
    blocks = {}
    for block, label, value in summary_rows(summary):
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
    number = as_decimal(value) if kind in NUMERIC_TYPES else None
    if number is None:
        return "" if value is None else str(value)
    text = f"{int(number):,}" if kind == "int" and is_integral(number) else f"{to_cents(number):,.2f}"
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
    columns = section_columns(section)
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
        flowables.append(_PagedTable(data[0], data[1:], heights, column_widths, style, font_size=font_size,
                                     numeric=numeric, glyphs=glyphs))
    if not rows:
        flowables.append(Paragraph(escape(_("Không có số liệu trong kỳ.")), styles["empty"]))
    if section.get("note"):
        flowables.append(Paragraph(escape(str(section["note"])), styles["note"]))
    return flowables, orientation


class _PagedTable(Flowable):
    """A table with a repeated header, split into one piece per page, whose body rows are painted directly.

    reportlab's Table copies and re-measures all remaining rows at every page break, which grows with the
    square of the rows, and draws each cell through its style machinery with a text object of its own. Here
    each row's height is known up front (plain strings: lines × leading + padding), so finding a page break
    is a binary search; the header is a one-row reportlab Table, and the body of a page is its stripes, one
    path of grid lines and one text object for all its cells.
    """

    def __init__(self, header, rows, heights, column_widths, style, *, font_size, numeric, glyphs, start=0,
                 end=None, tops=None, header_table=None, header_height=None):
        super().__init__()
        self.header, self.rows, self.heights = header, rows, heights
        self.column_widths, self.style, self.font_size = column_widths, style, font_size
        self.numeric, self.glyphs = set(numeric), glyphs
        self.start, self.end = start, len(rows) if end is None else end
        self.tops = tops or list(accumulate(heights, initial=0))
        # One header Table for every page's piece: its cells (Paragraphs) are laid out once.
        self.header_table = header_table or Table([header], colWidths=column_widths, style=style, hAlign="LEFT")
        self.header_height = header_height
        self.hAlign = "LEFT"

    def _piece(self, start, end):
        return _PagedTable(self.header, self.rows, self.heights, self.column_widths, self.style,
                           font_size=self.font_size, numeric=self.numeric, glyphs=self.glyphs, start=start, end=end,
                           tops=self.tops, header_table=self.header_table, header_height=self.header_height)

    def wrap(self, available_width, available_height):
        if self.header_height is None:
            self.header_height = self.header_table.wrap(available_width, available_height)[1]
        self.width = sum(self.column_widths)
        self.height = self.header_height + self.tops[self.end] - self.tops[self.start]
        return self.width, self.height

    def split(self, available_width, available_height):
        self.wrap(available_width, available_height)
        end = bisect_right(self.tops, self.tops[self.start] + available_height - self.header_height) - 1
        if end <= self.start:
            return []
        if end >= self.end:
            return [self]
        return [self._piece(self.start, end), self._piece(end, self.end)]

    def draw(self):
        self.header_table.drawOn(self.canv, 0, self.height - self.header_height)
        self._draw_body(self.height - self.header_height)

    def _draw_body(self, top):
        canvas, lefts = self.canv, list(accumulate(self.column_widths, initial=0))
        bottoms = [top - (self.tops[index + 1] - self.tops[self.start]) for index in range(self.start, self.end)]
        canvas.saveState()
        canvas.setFillColor(STRIPE)
        for local, index in enumerate(range(self.start, self.end)):
            if local % 2:
                canvas.rect(0, bottoms[local], self.width, self.heights[index], stroke=0, fill=1)
        grid = canvas.beginPath()
        for bottom in bottoms:
            grid.moveTo(0, bottom)
            grid.lineTo(self.width, bottom)
        for left in lefts:
            grid.moveTo(left, top)
            grid.lineTo(left, bottoms[-1] if bottoms else top)
        canvas.setStrokeColor(GRID)
        canvas.setLineWidth(0.25)
        canvas.drawPath(grid, stroke=1, fill=0)
        canvas.setFillColor(colors.black)
        text = canvas.beginText()
        text.setFont(FONT, self.font_size, self.font_size * LEADING)
        for local, index in enumerate(range(self.start, self.end)):
            self._row_text(text, self.rows[index], lefts, bottoms[local] + self.heights[index], self.heights[index])
        canvas.drawText(text)
        canvas.restoreState()

    def _row_text(self, text, row, lefts, row_top, height):
        size, leading = self.font_size, self.font_size * LEADING
        for column, cell in enumerate(row):
            if not cell:
                continue
            lines = cell.split("\n")
            # Centred vertically, as the header: the middle of the block of lines (a line's middle lies about
            # 0.3 em above its baseline) on the middle of the row's inner height.
            middle = row_top - CELL_PAD_TOP - (height - CELL_PAD_TOP - CELL_PAD_BOTTOM) / 2
            baseline = middle + (len(lines) - 1) * leading / 2 - 0.3 * size
            for line in lines:
                if column in self.numeric:
                    x = lefts[column + 1] - CELL_PADDING - self.glyphs.width(line) * size
                else:
                    x = lefts[column] + CELL_PADDING
                # What setTextOrigin and textOut emit, without their pure-Python number formatting and the
                # string width they measure to move a cursor that the next origin resets anyway.
                text._code.append(f"1 0 0 1 {x:.2f} {baseline:.2f} Tm")
                text._textOut(line)
                baseline -= leading


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
