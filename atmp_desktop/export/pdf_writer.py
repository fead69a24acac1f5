"""Document model -> PDF (ReportLab), shaped for eCTD (ICH M8): PDF 1.7, DejaVu Sans embedded everywhere,
bookmarks mirroring headings (≤ 4 levels), opens on the bookmarks panel, TOC and lists of tables and figures
with page numbers and links, "Page X of Y", an optional DRAFT watermark drawn as outlines (no extractable
text), no JavaScript, no encryption; linearised ("fast web view") with document dates and XMP metadata from
the project (pdf_finish), deterministic bytes. Page geometry and table widths come from export.layout, which
the Word writer shares.
"""
from __future__ import annotations

import functools
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Flowable, Frame, Image, KeepTogether, LongTable,
                                NextPageTemplate, PageBreak, PageTemplate, Paragraph, Spacer, TableStyle)
from reportlab.platypus.doctemplate import LayoutError

from atmp_desktop import APP_NAME, __version__
from atmp_desktop.export import layout as L
from atmp_desktop.export import model as m
from atmp_desktop.export.errors import ExportError
from atmp_desktop.export.layout import FONT, register_fonts
from atmp_desktop.export.pdf_finish import LEAF_SCHEME, finish_pdf, watermark_outline
from atmp_desktop.export.text import Cleaner

# page streams Flate only: ReportLab's default ASCII85 layer on top makes them a quarter larger and had qpdf
# (pdf_finish) decode and recompress every stream when it linearised the file
rl_config.useA85 = 0

PDF_VERSION = (1, 7)
MAX_OUTLINE = 4
CELL_CHUNK = 1200  # characters per table row piece when a cell is too tall for a page
REVIEW_TITLE, REVIEW_KEY = "Notes for reviewers", "h_review_notes"
PORTRAIT = (L.PAGE_W, L.PAGE_H)
LANDSCAPE = (L.PAGE_H, L.PAGE_W)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, bulletFontName=FONT, fontSize=L.BODY_PT, leading=13.5,
                          spaceAfter=5)
    s = {
        "body": base,
        "note": ParagraphStyle("note", parent=base, textColor=colors.HexColor("#444444")),
        "todo": ParagraphStyle("todo", parent=base, textColor=colors.HexColor("#9a3412"),
                               backColor=colors.HexColor("#fff7ed"), borderPadding=2),
        "caption": ParagraphStyle("caption", parent=base, fontName=FONT + "-Bold", fontSize=L.BODY_PT,
                                  spaceBefore=6, spaceAfter=4),
        "title": ParagraphStyle("title", parent=base, fontName=FONT + "-Bold", fontSize=20, leading=25,
                                spaceAfter=14, spaceBefore=40),
        "toctitle": ParagraphStyle("toctitle", parent=base, fontName=FONT + "-Bold", fontSize=14, spaceAfter=10,
                                   spaceBefore=6),
        "figure": ParagraphStyle("figure", parent=base, alignment=TA_CENTER, textColor=colors.HexColor("#555555"),
                                 borderColor=colors.HexColor("#999999"), borderWidth=0.5, borderPadding=12,
                                 spaceBefore=14, spaceAfter=14),
    }
    sizes = {1: 15, 2: 13, 3: 11.5, 4: 10.5, 5: 10, 6: 10}
    for lvl, size in sizes.items():
        # no keepWithNext: ReportLab would wrap the heading and a whole following table in KeepTogether and lay
        # the table out just to test the fit; a CondPageBreak before the heading keeps it off the page foot
        s[f"h{lvl}"] = ParagraphStyle(f"h{lvl}", parent=base, fontName=FONT + "-Bold", fontSize=size,
                                      leading=size * 1.25, spaceBefore=12 if lvl <= 2 else 8, spaceAfter=5,
                                      textColor=colors.HexColor("#1f3a5f"))
    return s


def _toc_styles() -> list[ParagraphStyle]:
    return [ParagraphStyle(f"toc{i}", fontName=FONT + ("-Bold" if i == 0 else ""), bulletFontName=FONT,
                           fontSize=10 if i == 0 else 9.5, leading=12.5, leftIndent=12 * i + 6, firstLineIndent=-6,
                           rightIndent=30,  # room for the page number: ReportLab shrinks it to fit otherwise
                           spaceBefore=3 if i == 0 else 0)
            for i in range(MAX_OUTLINE)]


NUMBER_W = 30  # points kept free at the right of a TOC line for its page number


def _toc_entry(text: str, key: str, level: int, styles: list[ParagraphStyle]) -> Paragraph:
    """One line of the TOC or a list of tables/figures: linked text, dot leader and a page number that is a
    form XObject filled in when the document ends (one layout pass instead of multiBuild's two or three)."""
    return Paragraph(f'<a href="#{key}">{escape(text)}</a><onDraw name="tocEnd" label="{key}|{level}"/>',
                     styles[min(level, len(styles) - 1)])


class _Marked(Paragraph):
    """A paragraph that is a link target (`bm_key`) with more marks; split across pages (a very long heading),
    the first part keeps the marks and the rest are plain text."""
    marks: tuple[str, ...] = ("bm_key",)

    def __init__(self, text, style, *marks, **kw):
        super().__init__(text, style, **kw)
        for name in self.marks:
            setattr(self, name, None)
        for name, value in zip(self.marks, marks):
            setattr(self, name, value)

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        for i, part in enumerate(parts):
            for name in self.marks:
                setattr(part, name, getattr(self, name) if i == 0 else None)
        return parts


class _HeadingPara(_Marked):
    """A heading paragraph that carries its bookmark key and clamped outline level."""
    marks = ("bm_key", "bm_level", "bm_text")


class _CaptionPara(_Marked):
    """A numbered table or figure caption: a link target and an entry of the list of tables or figures."""
    marks = ("bm_key", "kind", "bm_text")


class _AnchorPara(_Marked):
    """An entry of the reference list: the link target of its citations."""


class _Diagram(Flowable):
    """A generated process-flow diagram (export.diagram layout) drawn straight on the canvas, at `scale`."""

    def __init__(self, layout, scale: float = 1.0):
        super().__init__()
        self.layout, self.scale = layout, scale
        self.width, self.height = layout.width * scale, layout.height * scale

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        from atmp_desktop.export.diagram import draw_on
        if self.scale != 1.0:
            self.canv.scale(self.scale, self.scale)
        draw_on(self.canv, self.layout, FONT, FONT + "-Bold")


class _CellTable(LongTable):
    """A LongTable of plain multi-line string cells whose text is drawn as ONE text object per drawn table
    (page part) instead of ReportLab's text object per cell line (`drawString`, half of the drawing time of a
    large export). Each line's subset-encoded bytes are cached per document (result tables repeat "Conforms",
    units and batch numbers). The page shows the same glyphs at the same positions; other cells (flowables,
    links, non-left alignment) are drawn by ReportLab as before."""

    def draw(self):
        self._text = None
        super().draw()

    def _drawCell(self, cellval, cellstyle, pos, size):
        if not isinstance(cellval, str) or cellstyle.alignment != "LEFT" or cellstyle.valign != "TOP" or \
                cellstyle.href or cellstyle.destination or cellstyle.direction or cellstyle.shaping:
            return super()._drawCell(cellval, cellstyle, pos, size)
        if not cellval:
            return  # ReportLab would emit an empty text object
        canv = self.canv
        t = self._text
        if t is None:
            t = self._text = canv.beginText()
            t._atmp_style = None
        if t._atmp_style is not cellstyle:
            cur = t._atmp_style
            if cur is None or cellstyle.color != cur.color:
                t.setFillColor(cellstyle.color)
            if cur is None or (cellstyle.fontname, cellstyle.fontsize, cellstyle.leading) != \
                    (cur.fontname, cur.fontsize, cur.leading):
                t.setFont(cellstyle.fontname, cellstyle.fontsize, cellstyle.leading)
            t._atmp_style = cellstyle
        colpos, rowpos = pos
        t.setTextOrigin(colpos + cellstyle.leftPadding, rowpos + size[1] - cellstyle.topPadding - cellstyle.fontsize)
        _text_lines(t, cellval.split("\n"))

    def _drawLines(self):
        if self._text is not None:  # the text before the grid, as ReportLab orders it
            self.canv.drawText(self._text)
            self._text = None
        super()._drawLines()


def _text_lines(t, lines: list[str]) -> None:
    """`t.textLine(line)` for each line (a TrueType font, no rise or spacing), with the subset encoding of each
    distinct line computed once per document: PDFTextObject._formatText does it for every line."""
    canv = t._canvas
    doc = canv._doc
    cache = getattr(doc, "_atmp_lines", None)
    if cache is None:
        cache = doc._atmp_lines = {}
    fontname = t._fontname
    font = pdfmetrics.getFont(fontname)
    if not font._dynamicFont or t._rise or getattr(t, "_charSpace", 0) or getattr(t, "_wordSpace", 0):
        for line in lines:
            t.textLine(line)
        return
    tmpl = None
    code = t._code
    for line in lines:
        segs = cache.get((fontname, line))
        if segs is None:
            segs = cache[(fontname, line)] = tuple(
                (subset, font.getSubsetInternalName(subset, doc), f"({canv._escape(s)}) Tj")
                for subset, s in font.splitString(line, doc))
        out = []
        for subset, name, shown in segs:
            if subset != t._curSubset:
                if tmpl is None:
                    tmpl = f"{fp_str(t._fontsize)} Tf {fp_str(t._leading)} TL"
                out.append(f"{name} {tmpl}")
                t._curSubset = subset
            out.append(shown)
        code.append(" ".join(out) + " T*")
        t._y -= t._leading
    t._x = t._x0
    t._y0 = t._y


class _DocTemplate(BaseDocTemplate):
    def __init__(self, filename, meta: m.DocMeta, watermark: bool, **kw):
        self.meta, self.watermark = meta, watermark
        super().__init__(filename, **kw)
        frames = {}
        for name, land in (("portrait", False), ("landscape", True)):
            frames[name] = Frame(L.MARGIN_LEFT, L.MARGIN_BOTTOM, L.frame_width(land), L.frame_height(land),
                                 id=name[0], leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate("portrait", [frames["portrait"]], onPage=self._decorate, pagesize=PORTRAIT),
            PageTemplate("landscape", [frames["landscape"]], onPage=self._decorate, pagesize=LANDSCAPE),
        ])
        self.page_count = 0    # the "Y" of "Page X of Y", drawn as a form when the document ends
        self.toc_styles = _toc_styles()

    def beforeDocument(self):
        self._outline_seen = set()
        self._wm_form = False
        self.key_pages: dict[str, int] = {}
        self._forms_used: set[str] = set()
        self.canv.setNamedCB("tocEnd", self._toc_end)

    def _toc_end(self, canv, kind, label):
        """Dot leader and deferred page number after a TOC entry (ReportLab <onDraw> callback)."""
        key, level = label.split("|")
        style = self.toc_styles[min(int(level), len(self.toc_styles) - 1)]
        x, y = canv._curr_tx_info["cur_x"], canv._curr_tx_info["cur_y"]
        width = L.frame_width(False)
        dot = " . "
        dot_w = stringWidth(dot, style.fontName, style.fontSize)
        n = int((width - NUMBER_W - x) / dot_w)
        canv.saveState()
        canv.setFont(style.fontName, style.fontSize)
        if n > 0:
            canv.drawString(width - NUMBER_W - n * dot_w, y, dot * n)
        canv.translate(width, y)
        canv.doForm(f"pg_{key}")
        canv.restoreState()
        canv.linkRect("", key, (width - NUMBER_W, y - 2, width, y + style.fontSize), relative=1)
        self._forms_used.add(key)

    def _endBuild(self):
        """Before saving: the page numbers of every TOC entry and the total for "Page X of Y" (forms that the
        pages already reference)."""
        self._doSave = 0
        super()._endBuild()
        canv = self.canv
        for key in sorted(self._forms_used):
            canv.beginForm(f"pg_{key}", lowerx=-NUMBER_W, lowery=-3, upperx=0, uppery=12)
            canv.setFont(FONT, 9.5)
            canv.drawRightString(0, 0, str(self.key_pages.get(key, "?")))
            canv.endForm()
        for page in range(1, self.page_count + 1):
            canv.beginForm(f"pg_of_{page}", lowerx=-120, lowery=-3, upperx=0, uppery=12)
            canv.setFont(FONT, L.MIN_PT)
            canv.setFillColor(colors.HexColor("#333333"))
            canv.drawRightString(0, 0, f"Page {page} of {self.page_count}")
            canv.endForm()
        canv.save()

    def afterFlowable(self, flowable):
        if not isinstance(flowable, _Marked) or flowable.bm_key is None:
            return  # not a target, or the continuation of a split one
        if isinstance(flowable, _HeadingPara):
            key = flowable.bm_key
            self.canv.bookmarkPage(key)
            self.key_pages.setdefault(key, self.page)
            if key not in self._outline_seen:
                self._outline_seen.add(key)
                self.canv.addOutlineEntry(flowable.bm_text, key, level=flowable.bm_level, closed=flowable.bm_level > 0)
        else:
            self.canv.bookmarkPage(flowable.bm_key)
            self.key_pages.setdefault(flowable.bm_key, self.page)

    def afterPage(self):
        self.page_count = self.page

    def _decorate(self, canv: Canvas, doc):
        w, h = canv._pagesize
        meta = self.meta
        canv.saveState()
        if doc.page == 1:
            canv.showOutline()  # /PageMode /UseOutlines: open on the bookmarks panel
        if self.watermark:
            if not self._wm_form:  # drawn once as a form of glyph outlines, placed on every page
                canv.beginForm("draft-watermark", lowerx=-400, lowery=-120, upperx=400, uppery=120)
                watermark_outline(canv, "DRAFT", 90)
                canv.endForm()
                self._wm_form = True
            canv.saveState()
            canv.translate(w / 2, h / 2)
            canv.rotate(45)
            canv.doForm("draft-watermark")
            canv.restoreState()
        canv.setFont(FONT, L.MIN_PT)
        canv.setFillColor(colors.HexColor("#333333"))
        left, right = L.MARGIN_LEFT, w - L.MARGIN_RIGHT
        top_line = h - L.HEADER_DISTANCE - 2.5
        canv.drawString(left, h - L.HEADER_DISTANCE, L.printable(meta.product[:60]))
        head_right = meta.title if meta.ctd_code in meta.title else f"CTD {meta.ctd_code}  {meta.title}"
        canv.drawRightString(right, h - L.HEADER_DISTANCE, L.printable(head_right[:80]))
        canv.setStrokeColor(colors.HexColor("#999999"))
        canv.line(left, top_line, right, top_line)
        canv.line(left, L.FOOTER_DISTANCE + 11, right, L.FOOTER_DISTANCE + 11)
        canv.drawString(left, L.FOOTER_DISTANCE, f"Version {meta.version} - {meta.status.upper()} - "
                                                 f"{meta.display_date}")
        canv.translate(right, L.FOOTER_DISTANCE)
        canv.doForm(f"pg_of_{doc.page}")  # "Page X of Y": Y is known when the document ends (_endBuild)
        canv.restoreState()


class PdfWriter:
    def __init__(self, watermark: bool | None = None):
        register_fonts()
        self.watermark = watermark
        self.styles = _styles()

    # ---------------------------------------------------------------- inline
    def _inline(self, runs, doc: m.Document, clean: Cleaner) -> str:
        out = []
        for r in runs:
            if isinstance(r, m.Cite):  # "[1, 2]", each number a link to its entry in the reference list
                out.append("[" + ", ".join(f'<a href="#{key}" color="#1d4ed8">{escape(clean(n))}</a>' if key
                                           else escape(clean(n)) for n, key in doc.citation(r)) + "]")
                continue
            if isinstance(r, m.XRef):
                text, key = doc.xref_text(r)
                label = escape(clean(text))
                other = doc.link_of(r) if key is None else None
                if key:
                    out.append(f'<a href="#{key}" color="#1d4ed8">{label}</a>')
                elif other:  # a link into another file: made a relative GoToR link by pdf_finish
                    href = escape(f"{LEAF_SCHEME}{other[0]}.pdf#{other[1]}", {'"': "&quot;"})
                    out.append(f'<a href="{href}" color="#1d4ed8">{label}</a>')
                else:
                    out.append(label)
                continue
            t = escape(clean(r.text)).replace("\n", "<br/>")
            if r.bold:
                t = f"<b>{t}</b>"
            if r.italic:
                t = f"<i>{t}</i>"
            if r.sub:
                t = f"<sub>{t}</sub>"
            if r.sup:
                t = f"<super>{t}</super>"
            out.append(t)
        return "".join(out)

    def _para(self, text: str, style: str, clean: Cleaner) -> Paragraph:
        return Paragraph(escape(clean(text)).replace("\n", "<br/>"), self.styles[style])

    # ---------------------------------------------------------------- tables
    def _table(self, t: m.Table, clean: Cleaner, chunk: int, plan: L.TablePlan | None = None) -> list:
        """A LongTable of plain multi-line strings wrapped by export.layout (drawn with drawString: several
        times cheaper than a Paragraph per cell, and the identifier rule is applied exactly)."""
        plan = plan or L.plan_table(t)
        ncol = max(1, len(t.header))
        col_w = list(plan.widths)
        room = [w - 2 * L.CELL_PAD - 0.5 for w in col_w]
        size = plan.size

        wrapped: dict = {}  # result tables repeat their cells ("Conforms", units, limits)

        def cell(text, k, bold=False):
            key = (text, k, bold)
            out = wrapped.get(key)
            if out is None:
                clean_text = clean(text)
                out = wrapped[key] = "\n".join(L.wrap_text(clean_text, room[k], size, bold)) if clean_text else ""
            return out

        data = [[cell(h, k, True) for k, h in enumerate(t.header)] + [""] * (ncol - len(t.header))]
        for row in t.rows:
            cells = [str(c) for c in row[:ncol]] + [""] * (ncol - len(row))
            # a cell longer than `chunk` becomes several rows so no single row is taller than a page
            pieces = max(1, max((len(c) + chunk - 1) // chunk for c in cells))
            for i in range(pieces):
                data.append([cell(c[i * chunk:(i + 1) * chunk], k) for k, c in enumerate(cells)])
        table = _CellTable(data, colWidths=col_w, repeatRows=1, splitInRow=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTNAME", (0, 0), (-1, 0), FONT + "-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), size), ("LEADING", (0, 0), (-1, -1), size * 1.2),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8c8c8c")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5ebf2")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), L.CELL_PAD), ("RIGHTPADDING", (0, 0), (-1, -1), L.CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]))
        out: list = []
        if t.number:
            # the caption stays with the header and first rows (not the whole table: KeepTogether would lay
            # a long table out in full just to test the fit)
            out.append(CondPageBreak(4 * 12 * 1.2 + 20))
            text = clean(t.full_caption)
            out.append(_CaptionPara(escape(text), self.styles["caption"], m.caption_key(t), "TOCTable", text))
        elif t.caption:
            out.append(self._para(t.caption, "caption", clean))
        out += [table, Spacer(1, 6)]
        return out

    def _figure(self, b: m.Figure, clean: Cleaner, width: float) -> list:
        text = clean(b.full_caption + (f" ({b.description})" if b.description else ""))
        caption = _CaptionPara(escape(text), self.styles["caption"], m.caption_key(b), "TOCFigure", text) \
            if b.number else self._para(text, "caption", clean)
        if b.diagram is not None:  # a generated diagram stays vector graphics
            # drawn at 100 % (its text is 9 pt or more); only a frame narrower than the drawing shrinks it
            return [KeepTogether([_Diagram(b.diagram, min(width / b.diagram.width, 1.0)), caption])]
        if b.data:  # an attached figure: SVG as vectors, PNG/JPEG as they are
            from atmp_desktop.export import figures as F
            try:
                art = F.pdf_drawing(b.data, width) if b.kind == "svg" else F.pdf_image(b.data, width)
            except (F.FigureRenderError, OSError, ValueError) as exc:
                self.figure_problems.append(f"{b.full_caption}: {exc}")
                art = self._para("[Figure could not be drawn: attach it again]", "figure", clean)
            return [KeepTogether([art, caption])]
        if b.image and Path(b.image).is_file():
            img = Image(b.image)
            scale = min(width / img.imageWidth, L.frame_height(False) * 0.6 / img.imageHeight, 1.0)
            img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
            return [KeepTogether([img, caption])]
        # an empty slot is a small framed note, never a page of its own
        return [KeepTogether([self._para("[Figure to be inserted]", "figure", clean), caption])]

    # ---------------------------------------------------------------- story
    def _story(self, doc: m.Document, clean: Cleaner, chunk: int) -> list:
        meta = doc.meta
        story: list = []
        levels = m.outline_levels(doc.headings(), MAX_OUTLINE)
        if meta.front_matter:
            story += self._front_matter(doc, clean, chunk, levels)
        level_iter = iter(zip(levels, doc.heading_keys()))
        for wide, blocks in m.orientation_segments(doc.blocks):
            if story:
                self._turn(story, "landscape" if wide else "portrait")
            else:  # the first page's template (see _build); recorded so later turns know where they are
                story.append(NextPageTemplate("landscape" if wide else "portrait"))
            width = L.frame_width(wide)
            for i, b in enumerate(blocks):
                if isinstance(b, m.Heading) and not (i and isinstance(blocks[i - 1], m.Heading)):
                    # keep a heading (and the headings right below it) with the first lines that follow
                    run = next((k for k in range(i, len(blocks)) if not isinstance(blocks[k], m.Heading)),
                               len(blocks)) - i
                    story.append(CondPageBreak(24 * run + 60))
                story += self._block(b, doc, clean, chunk, width, level_iter, wide)
        if doc.review_notes:
            self._turn(story, "portrait")
            if not isinstance(story[-1], PageBreak):
                story.append(PageBreak())
            story += self._review_appendix(doc, clean)
        return story

    def _review_appendix(self, doc, clean) -> list:
        """A draft's notes for reviewers (certainty of the structure, what to verify), by section."""
        plain = REVIEW_TITLE
        out: list = [_HeadingPara(escape(plain), self.styles["h1"], REVIEW_KEY, 0, plain),
                     self._para("This appendix is printed in drafts only; a final document has none of it.",
                                "note", clean)]
        rows = tuple((section, note) for section, note in doc.review_notes)
        out += self._table(m.Table(("Section", "Note"), rows, widths=(2, 3)), clean, CELL_CHUNK)
        return out

    def _front_matter(self, doc, clean, chunk, levels) -> list:
        """Title block, table of contents, lists of tables and figures (not in an eCTD leaf file)."""
        meta = doc.meta
        story: list = [self._para(meta.title, "title", clean)]
        story += self._table(m.Table(("Item", "Entry"), tuple(doc.title_block()), widths=(1, 3)), clean, chunk)
        if meta.basis:
            story.append(self._para(f"Basis: {meta.basis}", "note", clean))
        story.append(PageBreak())
        toc = _toc_styles()
        story.append(self._para("Table of contents", "toctitle", clean))
        story += [_toc_entry(clean(h.text), key, lvl, toc)
                  for h, lvl, key in zip(doc.headings(), levels, doc.heading_keys())]
        if doc.review_notes:
            story.append(_toc_entry(REVIEW_TITLE, REVIEW_KEY, 0, toc))
        for title, blocks in (("List of tables", doc.tables()), ("List of figures", doc.figures())):
            numbered = [b for b in blocks if b.number]
            if numbered:
                story += [CondPageBreak(80), self._para(title, "toctitle", clean)]
                story += [_toc_entry(clean(b.full_caption), m.caption_key(b), 1, toc) for b in numbered]
        story.append(PageBreak())
        return story

    @staticmethod
    def _turn(story: list, template: str) -> None:
        """Continue on a new page of `template`, unless the story already ends with a page break."""
        current = next((f.action[1] for f in reversed(story) if isinstance(f, NextPageTemplate)), "portrait")
        if current == template:
            return
        if story and isinstance(story[-1], PageBreak):
            story.insert(len(story) - 1, NextPageTemplate(template))
        else:
            story += [NextPageTemplate(template), PageBreak()]

    def _block(self, b, doc, clean, chunk, width, level_iter, wide=False) -> list:
        st = self.styles
        if isinstance(b, m.Heading):
            lvl, key = next(level_iter)
            clean.section = b.text
            plain = clean(b.text)
            return [_HeadingPara(escape(plain), st[f"h{min(b.level, 6)}"], key, lvl, plain)]
        if isinstance(b, m.Paragraph):
            if b.style == "review":
                return []  # listed in "Notes for reviewers" at the end (eCTD forbids PDF annotations)
            return [Paragraph(self._inline(b.runs, doc, clean), st["note" if b.style == "note" else "body"])]
        if isinstance(b, m.Placeholder):
            return [self._para(b.text, "todo", clean)]
        if isinstance(b, m.Table):
            plan = L.plan_table(b, prefer_landscape=wide)
            return self._table(b, clean, chunk, plan)
        if isinstance(b, m.ListBlock):
            if b.anchors:  # the reference list: each entry a named destination its citations link to
                return [_AnchorPara(self._inline(item, doc, clean), st["body"], key, bulletText=f"{i}.")
                        for i, (item, key) in enumerate(zip(b.items, b.anchors), 1)]
            return [Paragraph(self._inline(item, doc, clean), st["body"], bulletText=f"{i}." if b.numbered else "•")
                    for i, item in enumerate(b.items, 1)]
        if isinstance(b, m.Figure):
            return self._figure(b, clean, width)
        if isinstance(b, m.PageBreak):
            return [PageBreak()]
        return []

    def write(self, doc: m.Document, path: Path, watermark: bool | None = None, label: str = "") -> list[str]:
        """Write `doc` to `path`; returns warnings (removed characters, table fallbacks) naming `label`."""
        label = label or path.name
        doc = m.finish(doc)
        wm = watermark if watermark is not None else (self.watermark if self.watermark is not None
                                                      else not doc.meta.final)
        warnings: list[str] = []
        self.figure_problems: list[str] = []
        for chunk in (CELL_CHUNK, 300):
            clean = Cleaner(L.printable)
            try:
                self._build(doc, path, wm, clean, chunk)
                break
            except LayoutError as exc:
                if chunk == 300:
                    raise ExportError(f"{label}: content in '{clean.section or doc.meta.title}' does not fit on a "
                                      f"page even after splitting; shorten or break up that text.") from None
                warnings.append(f"{label}: a table cell in '{clean.section or doc.meta.title}' was taller "
                                f"than a page, so long cells were split into several rows ({str(exc)[:80]}).")
        split = [t.label for t in doc.tables() if L.plan_table(t).splits]
        if split:
            warnings.append(f"{label}: {', '.join(split[:5])} hold(s) a word wider than a landscape column; it is "
                            f"split across lines.")
        w = clean.warning(label)
        if w:
            warnings.append(w)
        warnings += [f"{label}: {p}" for p in dict.fromkeys(self.figure_problems)]
        finish_pdf(path, doc.meta, self._key_pages)
        return warnings

    def _build(self, doc, path, wm, clean, chunk):
        meta = doc.meta
        tmpl = _DocTemplate(str(path), meta, wm, pagesize=PORTRAIT, title=clean(meta.title), author=clean(meta.author),
                            subject=clean(meta.subject), creator=f"{APP_NAME} {__version__}",
                            initialFontName=FONT, invariant=1, displayDocTitle=1, pageCompression=1,
                            lang="en", leftMargin=L.MARGIN_LEFT, rightMargin=L.MARGIN_RIGHT,
                            topMargin=L.MARGIN_TOP, bottomMargin=L.MARGIN_BOTTOM)
        story = self._story(doc, clean, chunk)
        if not doc.meta.front_matter and m.orientation_segments(doc.blocks)[:1] and \
                m.orientation_segments(doc.blocks)[0][0]:
            tmpl.pageTemplates.reverse()  # a leaf that starts with a wide table starts on a landscape page
        # one layout pass: TOC page numbers and the page total are forms filled in at the end (_endBuild)
        tmpl.build(story, canvasmaker=functools.partial(Canvas, pdfVersion=PDF_VERSION))
        self._key_pages = dict(tmpl.key_pages)
