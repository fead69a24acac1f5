"""Document model -> PDF (ReportLab), shaped for eCTD (ICH M8): PDF 1.7, DejaVu Sans embedded everywhere,
bookmarks mirroring headings (≤ 4 levels), opens on the bookmarks panel, TOC with page numbers and links,
"Page X of Y", optional DRAFT watermark, no JavaScript, no encryption, deterministic bytes (invariant=1).
"""
from __future__ import annotations

import functools
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Frame, KeepTogether, LongTable, NextPageTemplate,
                                PageBreak, PageTemplate, Paragraph, Spacer, TableStyle)
from reportlab.platypus.doctemplate import LayoutError
from reportlab.platypus.tableofcontents import TableOfContents

from atmp_desktop import APP_NAME, __version__
from atmp_desktop.core.paths import fonts_dir
from atmp_desktop.export import model as m
from atmp_desktop.export.errors import ExportError
from atmp_desktop.export.text import Cleaner

FONT = "DejaVuSans"
PDF_VERSION = (1, 7)
MAX_OUTLINE = 4
CELL_CHUNK = 1200  # characters per table row piece when a cell is too tall for a page


@functools.lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the bundled DejaVu Sans family once (TTFs are subset and embedded by ReportLab)."""
    d = fonts_dir()
    faces = {"": "DejaVuSans.ttf", "-Bold": "DejaVuSans-Bold.ttf", "-Oblique": "DejaVuSans-Oblique.ttf",
             "-BoldOblique": "DejaVuSans-BoldOblique.ttf"}
    for suffix, file in faces.items():
        pdfmetrics.registerFont(TTFont(FONT + suffix, str(d / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT + "-Bold", italic=FONT + "-Oblique",
                                  boldItalic=FONT + "-BoldOblique")
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, bulletFontName=FONT, fontSize=10, leading=13.5, spaceAfter=5)
    s = {
        "body": base,
        "note": ParagraphStyle("note", parent=base, textColor=colors.HexColor("#444444")),
        "todo": ParagraphStyle("todo", parent=base, textColor=colors.HexColor("#9a3412"),
                               backColor=colors.HexColor("#fff7ed"), borderPadding=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cellhead": ParagraphStyle("cellhead", parent=base, fontName=FONT + "-Bold", fontSize=8.5, leading=10.5,
                                   spaceAfter=0),
        "caption": ParagraphStyle("caption", parent=base, fontName=FONT + "-Bold", fontSize=9, spaceBefore=4,
                                  keepWithNext=1),
        "title": ParagraphStyle("title", parent=base, fontName=FONT + "-Bold", fontSize=20, leading=25,
                                spaceAfter=14, spaceBefore=40),
        "toctitle": ParagraphStyle("toctitle", parent=base, fontName=FONT + "-Bold", fontSize=14, spaceAfter=10),
        "figure": ParagraphStyle("figure", parent=base, alignment=TA_CENTER, textColor=colors.HexColor("#555555"),
                                 borderColor=colors.HexColor("#999999"), borderWidth=0.5, borderPadding=18,
                                 spaceBefore=20, spaceAfter=20),
    }
    sizes = {1: 15, 2: 13, 3: 11.5, 4: 10.5, 5: 10, 6: 10}
    for lvl, size in sizes.items():
        s[f"h{lvl}"] = ParagraphStyle(f"h{lvl}", parent=base, fontName=FONT + "-Bold", fontSize=size,
                                      leading=size * 1.25, spaceBefore=12 if lvl <= 2 else 8, spaceAfter=5,
                                      keepWithNext=1, textColor=colors.HexColor("#1f3a5f"))
    return s


def _toc_styles() -> list[ParagraphStyle]:
    return [ParagraphStyle(f"toc{i}", fontName=FONT + ("-Bold" if i == 0 else ""), bulletFontName=FONT, fontSize=10 if i == 0 else 9.5,
                           leading=12.5, leftIndent=12 * i + 6, firstLineIndent=-6, spaceBefore=3 if i == 0 else 0)
            for i in range(MAX_OUTLINE)]


class _HeadingPara(Paragraph):
    """A heading paragraph that carries its bookmark key and clamped outline level."""

    def __init__(self, text, style, key, level, plain):
        super().__init__(text, style)
        self.bm_key, self.bm_level, self.bm_text = key, level, plain


class _DocTemplate(BaseDocTemplate):
    def __init__(self, filename, meta: m.DocMeta, watermark: bool, **kw):
        self.meta, self.watermark = meta, watermark
        super().__init__(filename, **kw)
        portrait_frame = Frame(25 * mm, 22 * mm, A4[0] - 45 * mm, A4[1] - 44 * mm, id="p")
        lw, lh = landscape(A4)
        land_frame = Frame(20 * mm, 22 * mm, lw - 40 * mm, lh - 44 * mm, id="l")
        self.addPageTemplates([
            PageTemplate("portrait", [portrait_frame], onPage=self._decorate, pagesize=A4),
            PageTemplate("landscape", [land_frame], onPage=self._decorate, pagesize=landscape(A4)),
        ])
        self.total_pages = 0   # pages of the previous pass: the "Y" of "Page X of Y"
        self.pass_pages = 0

    def beforeDocument(self):
        self._outline_seen = set()

    def handle_documentBegin(self):
        self.total_pages, self.pass_pages = self.pass_pages, 0
        super().handle_documentBegin()

    def afterFlowable(self, flowable):
        if isinstance(flowable, _HeadingPara):
            key = flowable.bm_key
            self.canv.bookmarkPage(key)
            if key not in self._outline_seen:
                self._outline_seen.add(key)
                self.canv.addOutlineEntry(flowable.bm_text, key, level=flowable.bm_level, closed=flowable.bm_level > 0)
            # the TOC renders its entries as paragraph markup, so the text goes in escaped
            self.notify("TOCEntry", (flowable.bm_level, escape(flowable.bm_text), self.page, key))

    def afterPage(self):
        self.pass_pages = self.page

    def _decorate(self, canv: Canvas, doc):
        w, h = canv._pagesize
        meta = self.meta
        canv.saveState()
        if doc.page == 1:
            canv.showOutline()  # /PageMode /UseOutlines: open on the bookmarks panel
        if self.watermark:
            canv.setFont(FONT + "-Bold", 90)
            canv.setFillColor(colors.Color(0.85, 0.85, 0.85, alpha=0.45))
            canv.translate(w / 2, h / 2)
            canv.rotate(45)
            canv.drawCentredString(0, -30, "DRAFT")
            canv.restoreState()
            canv.saveState()
        canv.setFont(FONT, 8)
        canv.setFillColor(colors.HexColor("#333333"))
        left, right = 20 * mm, w - 20 * mm
        canv.drawString(left, h - 12 * mm, meta.product[:70])
        head_right = meta.title if meta.ctd_code in meta.title else f"CTD {meta.ctd_code}  {meta.title}"
        canv.drawRightString(right, h - 12 * mm, head_right[:90])
        canv.setStrokeColor(colors.HexColor("#999999"))
        canv.line(left, h - 14 * mm, right, h - 14 * mm)
        canv.line(left, 15 * mm, right, 15 * mm)
        canv.drawString(left, 10 * mm, f"Version {meta.version} - {meta.status.upper()} - {meta.display_date}")
        total = self.total_pages or doc.page
        canv.drawRightString(right, 10 * mm, f"Page {doc.page} of {total}")
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
            if isinstance(r, m.XRef):
                target = doc.find_heading(r.target)
                label = escape(clean(r.text or (target.text if target else r.target)))
                out.append(f'<a href="#{target.key}" color="#1d4ed8">{label}</a>' if target else label)
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
    def _table(self, t: m.Table, avail: float, clean: Cleaner, chunk: int) -> list:
        ncol = max(1, len(t.header))
        col_w = t.column_widths(avail, 8.5 * 0.55, 6)  # 8.5 pt DejaVu Sans cells, 3 pt padding each side
        data = [[self._para(h, "cellhead", clean) for h in t.header]]
        for row in t.rows:
            cells = [str(c) for c in row] + [""] * (ncol - len(row))
            # a cell longer than `chunk` becomes several rows so no single row is taller than a page
            pieces = max(1, max((len(c) + chunk - 1) // chunk for c in cells[:ncol]) if cells else 1)
            for i in range(pieces):
                data.append([self._para(c[i * chunk:(i + 1) * chunk], "cell", clean) for c in cells[:ncol]])
        table = LongTable(data, colWidths=col_w, repeatRows=1, splitInRow=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8c8c8c")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5ebf2")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]))
        out = []
        if t.caption:
            out.append(self._para(t.caption, "caption", clean))
        out.append(table)
        out.append(Spacer(1, 6))
        return out

    # ---------------------------------------------------------------- story
    def _story(self, doc: m.Document, clean: Cleaner, chunk: int) -> list:
        st = self.styles
        meta = doc.meta
        story: list = [self._para(meta.title, "title", clean)]
        story += self._table(m.Table(("Item", "Entry"), tuple(doc.title_block())), A4[0] - 45 * mm, clean, chunk)
        if meta.basis:
            story.append(self._para(f"Basis: {meta.basis}", "note", clean))
        story.append(PageBreak())
        story.append(self._para("Table of contents", "toctitle", clean))
        toc = TableOfContents(levelStyles=_toc_styles(), dotsMinLevel=0)
        toc.tableStyle = TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                     ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
        story += [toc, PageBreak()]
        portrait_w, land_w = A4[0] - 45 * mm, landscape(A4)[0] - 40 * mm
        levels = m.outline_levels(doc.headings(), MAX_OUTLINE)
        level_iter = iter(zip(levels, doc.heading_keys()))
        for wide, blocks in m.orientation_segments(doc.blocks):
            self._turn(story, "landscape" if wide else "portrait")
            width = land_w if wide else portrait_w
            for b in blocks:
                story += self._block(b, doc, clean, chunk, width, level_iter)
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

    def _block(self, b, doc, clean, chunk, width, level_iter) -> list:
        st = self.styles
        if isinstance(b, m.Heading):
            lvl, key = next(level_iter)
            clean.section = b.text
            plain = clean(b.text)
            return [CondPageBreak(40 * mm) if b.level <= 2 else Spacer(1, 0),
                    _HeadingPara(escape(plain), st[f"h{min(b.level, 6)}"], key, lvl, plain)]
        if isinstance(b, m.Paragraph):
            return [Paragraph(self._inline(b.runs, doc, clean), st["note" if b.style == "note" else "body"])]
        if isinstance(b, m.Placeholder):
            return [self._para(b.text, "todo", clean)]
        if isinstance(b, m.Table):
            return self._table(b, width, clean, chunk)
        if isinstance(b, m.ListBlock):
            return [Paragraph(self._inline(item, doc, clean), st["body"], bulletText=f"{i}." if b.numbered else "•")
                    for i, item in enumerate(b.items, 1)]
        if isinstance(b, m.Figure):
            text = f"Figure: {b.caption}" + (f" ({b.description})" if b.description else "")
            return [KeepTogether([self._para(text + "\n[Figure to be inserted]", "figure", clean)])]
        if isinstance(b, m.PageBreak):
            return [PageBreak()]
        return []

    def write(self, doc: m.Document, path: Path, watermark: bool | None = None, label: str = "") -> list[str]:
        """Write `doc` to `path`; returns warnings (removed characters, table fallbacks) naming `label`."""
        label = label or path.name
        wm = watermark if watermark is not None else (self.watermark if self.watermark is not None
                                                      else not doc.meta.final)
        warnings: list[str] = []
        for chunk in (CELL_CHUNK, 300):
            clean = Cleaner()
            try:
                self._build(doc, path, wm, clean, chunk)
                break
            except LayoutError as exc:
                if chunk == 300:
                    raise ExportError(f"{label}: content in '{clean.section or doc.meta.title}' does not fit on a "
                                      f"page even after splitting; shorten or break up that text.") from None
                warnings.append(f"{label}: a table cell in '{clean.section or doc.meta.title}' was taller "
                                f"than a page, so long cells were split into several rows ({str(exc)[:80]}).")
        w = clean.warning(label)
        if w:
            warnings.append(w)
        return warnings

    def _build(self, doc, path, wm, clean, chunk):
        meta = doc.meta
        tmpl = _DocTemplate(str(path), meta, wm, pagesize=A4, title=clean(meta.title), author=clean(meta.author),
                            subject=clean(meta.subject), creator=f"{APP_NAME} {__version__}",
                            initialFontName=FONT, invariant=1, displayDocTitle=1, pageCompression=1,
                            lang="en")
        story = self._story(doc, clean, chunk)
        canvasmaker = functools.partial(Canvas, pdfVersion=PDF_VERSION)
        tmpl.multiBuild(story, canvasmaker=canvasmaker, maxPasses=12)
        if tmpl.total_pages != tmpl.pass_pages:  # page count moved in the last pass: one more for "of Y"
            tmpl.multiBuild(self._story(doc, Cleaner(), chunk), canvasmaker=canvasmaker, maxPasses=12)
