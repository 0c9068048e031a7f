"""Render a report's content as an A4 PDF: heading, progress chart, summary tables, section tables."""

import io
import os
from bisect import bisect_right
from functools import partial
from itertools import accumulate
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _
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
CHART_DPI = 150




def render_pdf(content):
    """Return the content as an A4 PDF: heading, chart of progress against targets, summary, section tables."""
    _register_fonts()
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
    lines = heading_lines(content)
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
