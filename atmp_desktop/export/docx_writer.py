"""Document model -> Word (.docx) with python-docx.

Built-in Heading styles carry the CTD numbers in their text; a TOC field (\\h hyperlinks) pre-filled with the
heading list and refreshed by Word on open; bookmarks on headings; header (product, document, CTD section)
and footer (version, status, "Page X of Y"); landscape sections for wide tables; repeating header rows; core
properties from the project; a company base template restyles everything; deterministic zip.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.shared import Emu, Pt, RGBColor

from atmp_desktop import APP_NAME, __version__
from atmp_desktop.core.paths import resources_dir
from atmp_desktop.export import layout as L
from atmp_desktop.export import model as m
from atmp_desktop.export import ooxml
from atmp_desktop.export.errors import ExportError
from atmp_desktop.export.text import Cleaner

MAX_HEADING = 9
TOC_LEVELS = 4


def required_styles(max_level: int) -> list[str]:
    return ["Normal", "Title", "Caption", "List Bullet", "List Number"] + \
        [f"Heading {i}" for i in range(1, min(max_level, MAX_HEADING) + 1)]


def _style_names(document) -> set[str]:
    cached = getattr(document, "_atmp_style_names", None)
    if cached is None:
        cached = {s.name for s in document.styles}
        document._atmp_style_names = cached
    return cached


BASE_TEMPLATE = resources_dir() / "templates" / "atmp-base.docx"


def _pt_emu(points: float) -> Emu:
    return Emu(int(round(points * 12700)))


def apply_page_setup(document) -> None:
    """The built-in template takes page size, margins and type sizes from export.layout, as the PDF does, so
    both paginate alike (a company template keeps its own page setup)."""
    for sec in document.sections:
        sec.page_width, sec.page_height = _pt_emu(L.PAGE_W), _pt_emu(L.PAGE_H)
        sec.top_margin, sec.bottom_margin = _pt_emu(L.MARGIN_TOP), _pt_emu(L.MARGIN_BOTTOM)
        sec.left_margin, sec.right_margin = _pt_emu(L.MARGIN_LEFT), _pt_emu(L.MARGIN_RIGHT)
        sec.header_distance, sec.footer_distance = _pt_emu(L.HEADER_DISTANCE), _pt_emu(L.FOOTER_DISTANCE)
    document.styles["Normal"].font.size = Pt(L.BODY_PT)
    document.styles["Caption"].font.size = Pt(L.BODY_PT)


def open_template(template: Path | None, max_level: int = 4):
    """The base document: our A4 base template or the company template (.docx / .dotx), linted first."""
    if template is None:
        document = new_docx(str(BASE_TEMPLATE))
        ooxml.clear_body(document)
        apply_page_setup(document)
        return document
    template = Path(template)
    if not template.is_file():
        raise ExportError(f"The Word template '{template}' does not exist; choose an existing .docx or .dotx file.")
    source = ooxml.dotx_copy_as_docx(template) if template.suffix.lower() == ".dotx" else template
    try:
        document = new_docx(str(source))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise ExportError(f"The Word template '{template.name}' cannot be read ({type(exc).__name__}); "
                          f"save it again from Word as .docx or .dotx.") from None
    missing = [s for s in required_styles(max_level) if s not in _style_names(document)]
    if missing:
        raise ExportError(f"The Word template '{template.name}' lacks the required style(s) {', '.join(missing)}; "
                          f"add them in Word (Styles pane) or use the built-in template.")
    ooxml.clear_body(document)
    return document


CAPTION_STYLES = {"table": "Table Caption", "figure": "Figure Caption"}  # the lists of tables/figures read these
CELL_STYLES = {L.CELL_PT: "Table Text", L.MIN_PT: "Table Text Small"}


def _ensure_styles(document) -> None:
    names = _style_names(document)
    for i in range(1, TOC_LEVELS + 1):
        name = f"TOC {i}"  # absent from python-docx's default template; Word styles them when it refreshes
        if name not in names:
            st = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            st.base_style = document.styles["Normal"]
            st.paragraph_format.left_indent = Pt(12 * (i - 1))
            st.paragraph_format.space_after = Pt(2)
    for name in CAPTION_STYLES.values():
        if name not in names:
            st = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            st.base_style = document.styles["Caption"]
            st.font.bold = True
            st.paragraph_format.keep_with_next = name == CAPTION_STYLES["table"]
    for size, name in CELL_STYLES.items():
        if name not in names:
            st = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            st.base_style = document.styles["Normal"]
            st.font.size = Pt(size)
            st.paragraph_format.space_after = Pt(0)
            st.paragraph_format.space_before = Pt(0)
    document._atmp_style_names = None  # styles were added
    for i in range(1, MAX_HEADING + 1):  # a heading never ends a page (a company template may forget it)
        name = f"Heading {i}"
        if name in names:
            document.styles[name].paragraph_format.keep_with_next = True


def _free_paragraph(part):
    """The header/footer paragraph to write into: the empty default one, or a new one below a company
    template's own content (logo, address) so that content is kept."""
    paras = part.paragraphs
    if len(paras) == 1 and not paras[0].text.strip() and not paras[0]._p.xpath(".//w:drawing | .//w:pict"):
        return paras[0]
    return part.add_paragraph()


def _word_breaks(text: str, width: float, size: float, bold: bool) -> str:
    """Word breaks after a hyphen by itself but not after a slash before a digit ("2019/0088"): a word too
    wide for its cell gets a zero-width space after each slash, so it wraps there and never mid-token."""
    if "/" not in text:
        return text
    room = width - 2 * L.CELL_PAD
    return " ".join(w.replace("/", "/\u200b") if "/" in w and L.text_width(w, size, bold) > room else w
                    for w in text.split(" "))


def _iso(value: str) -> _dt.datetime | None:
    try:
        d = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return d.replace(tzinfo=None)


class DocxWriter:
    def __init__(self, template: Path | None = None):
        self.template = template

    def write(self, doc: m.Document, path: Path, created: str = "", modified: str = "", label: str = "") -> list[str]:
        clean = Cleaner()
        self._figure_problems: list[str] = []
        max_level = max([h.level for h in doc.headings()] or [1])
        d = open_template(self.template, max_level)
        self._sid: dict[str, str] = {}
        self._images: dict | None = None  # picture SHA-1 -> image part (see _picture)
        self._shape_id: int | None = None  # the next drawing id (docPr and shape ids are unique in a document)
        self._rows = ooxml.Fragments()   # table rows as XML text, written by save_package
        _ensure_styles(d)
        doc = m.finish(doc)
        self._properties(d, doc, clean, created, modified)
        self._stamp = d.core_properties.modified.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._header_footer(d.sections[0], doc, clean)
        if doc.meta.front_matter:  # an eCTD leaf file starts with its heading
            self._title_block(d, doc, clean)
            self._toc(d, doc, clean)
        self._body(d, doc, clean)
        ooxml.set_update_fields(d)
        ooxml.remove_proof_state(d)
        ooxml.save_package(d, path, f"{APP_NAME} {__version__}", self._rows)
        w = clean.warning(label or path.name)
        return ([w] if w else []) + [f"{label or path.name}: {p}" for p in dict.fromkeys(self._figure_problems)]

    # ---------------------------------------------------------------- parts
    def _p(self, d, text: str = "", style: str | None = None):
        """Add a paragraph; styles are set by cached id because python-docx resolves names by scanning."""
        p = d.add_paragraph(text)
        if style:
            sid = self._sid.get(style)
            if sid is None:
                sid = self._sid[style] = d.styles[style].style_id
            p._p.style = sid
        return p

    def _properties(self, d, doc, clean, created, modified):
        cp = d.core_properties
        meta = doc.meta
        cp.title = clean(meta.title)
        cp.subject = clean(meta.subject)
        cp.author = clean(meta.author) or APP_NAME
        cp.last_modified_by = clean(meta.author) or APP_NAME
        cp.comments = f"Created with {APP_NAME} {__version__}"
        cp.keywords = clean(f"{meta.ctd_code} {meta.doc_id}".strip())
        cp.category = clean(meta.status)
        cp.revision = 1
        fixed = _dt.datetime(2000, 1, 1)
        cp.created = _iso(created) or _iso(meta.date) or fixed
        cp.modified = _iso(modified) or _iso(meta.date) or fixed
        cp.last_printed = cp.modified

    def _header_footer(self, section, doc, clean):
        meta = doc.meta
        section.header.is_linked_to_previous = False
        section.footer.is_linked_to_previous = False
        hp = _free_paragraph(section.header)
        head = f"{meta.product}  |  {meta.title}" + (f"  |  CTD {meta.ctd_code}" if meta.ctd_code else "")
        r = hp.add_run(clean(head))
        r.font.size = Pt(L.MIN_PT)
        fp = _free_paragraph(section.footer)
        r = fp.add_run(clean(f"Version {meta.version}  |  {meta.status.upper()}  |  {meta.display_date}  |  Page "))
        r.font.size = Pt(L.MIN_PT)
        ooxml.add_field(fp, "PAGE", "1")
        fp.add_run(" of ").font.size = Pt(L.MIN_PT)
        ooxml.add_field(fp, "NUMPAGES", "1")

    def _title_block(self, d, doc, clean):
        self._p(d, clean(doc.meta.title), "Title")
        t = d.add_table(rows=0, cols=2)
        self._style_table(d, t)
        for label, value in doc.title_block():
            row = t.add_row()
            row.cells[0].text = clean(label)
            row.cells[1].text = clean(value)
            row.cells[0].paragraphs[0].runs[0].bold = True
        if doc.meta.basis:
            d.add_paragraph().add_run(clean(f"Basis: {doc.meta.basis}")).italic = True
        d.add_page_break()

    def _toc(self, d, doc, clean):
        heading_style = "TOC Heading" if "TOC Heading" in _style_names(d) else "Normal"
        p = self._p(d, "Table of contents", heading_style)
        if heading_style == "Normal":
            p.runs[0].bold = True
        entries = list(zip(doc.headings(), m.outline_levels(doc.headings(), TOC_LEVELS), doc.heading_keys()))
        first = self._p(d, style="TOC 1")
        ooxml.field_begin(first, f'TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u')
        last = first
        for i, (h, lvl, key) in enumerate(entries):
            para = first if i == 0 else self._p(d, style=f"TOC {lvl + 1}")
            if i == 0 and lvl:
                para._p.style = d.styles[f"TOC {lvl + 1}"].style_id
            ooxml.add_internal_link(para, key, clean(h.text), color=None)
            last = para
        ooxml.field_end(last)
        for kind, title, blocks in (("table", "List of tables", doc.tables()),
                                    ("figure", "List of figures", doc.figures())):
            numbered = [b for b in blocks if b.number]
            if numbered:
                self._caption_list(d, heading_style, title, CAPTION_STYLES[kind], numbered, clean)

    def _caption_list(self, d, heading_style, title, caption_style, blocks, clean):
        """A list of tables or figures: a TOC field over the caption style, pre-filled with linked entries."""
        p = self._p(d, title, heading_style)
        if heading_style == "Normal":
            p.runs[0].bold = True
        first = last = None
        for b in blocks:
            para = self._p(d, style="TOC 1")
            if first is None:
                first = para
                ooxml.field_begin(first, f'TOC \\h \\z \\t "{caption_style},1"')
            ooxml.add_internal_link(para, m.caption_key(b), clean(b.full_caption), color=None)
            last = para
        ooxml.field_end(last)

    def _style_table(self, d, table):
        if "Table Grid" in _style_names(d):
            if "Table Grid" not in self._sid:
                self._sid["Table Grid"] = d.styles["Table Grid"].style_id
            table._tbl.tblStyle_val = self._sid["Table Grid"]

    def _inline(self, para, runs, doc, clean):
        for r in runs:
            if isinstance(r, m.Cite):  # "[1, 2]", each number a link to its entry in the reference list
                para.add_run("[")
                for i, (number, key) in enumerate(doc.citation(r)):
                    if i:
                        para.add_run(", ")
                    if key:
                        ooxml.add_internal_link(para, key, clean(number))
                    else:
                        para.add_run(clean(number))
                para.add_run("]")
                continue
            if isinstance(r, m.XRef):
                text, key = doc.xref_text(r)
                other = doc.link_of(r) if key is None else None
                if key:
                    ooxml.add_internal_link(para, key, clean(text))
                elif other:  # another file of the export: a relative link to its bookmark
                    ooxml.add_external_link(para, f"{other[0]}.docx#{other[1]}", clean(text))
                else:
                    para.add_run(clean(text))
                continue
            run = para.add_run(clean(r.text))
            run.bold = r.bold or None
            run.italic = r.italic or None
            if r.sub:
                run.font.subscript = True
            if r.sup:
                run.font.superscript = True

    def _comment(self, d, runs, text: str) -> None:
        """A reviewer note as a Word comment, dated from the project (python-docx stamps "now")."""
        comment = d.add_comment(runs, text, author=APP_NAME, initials="AD")
        comment._comment_elm.set(qn("w:date"), self._stamp)

    def _caption(self, d, block, clean, kind: str):
        p = self._p(d, style=CAPTION_STYLES[kind])
        p.add_run(clean(block.full_caption + (f" ({block.description})" if getattr(block, "description", "")
                                               else "")))
        ooxml.add_bookmark(p, m.caption_key(block), self._next_bm())
        return p

    def _next_bm(self) -> int:
        self._cap_bm += 1
        return 100000 + self._cap_bm  # heading bookmarks use 1..n

    def _table(self, d, t: m.Table, clean, landscape: bool = False):
        plan = L.plan_table(t, prefer_landscape=landscape)
        if t.number:
            self._caption(d, t, clean, "table")
        elif t.caption:
            self._p(d, clean(t.caption), "Caption").paragraph_format.keep_with_next = True
        ncol = max(1, len(t.header))
        table = d.add_table(rows=0, cols=ncol)
        self._style_table(d, table)
        name = CELL_STYLES[plan.size]
        cell_style = self._sid.get(name) or self._sid.setdefault(name, d.styles[name].style_id)
        twips = [int(round(w * 20)) for w in plan.widths]  # pt -> twips
        # rows are written as one XML fragment and parsed once: python-docx's element API per cell was 70 %
        # of a large export, and table.rows[i] rebuilds the row list on every access (engineering notes C.8)
        # and kept as text until the package is written (ooxml.save_package puts them in place of a marker):
        # a parsed row costs some 40 lxml nodes, 350 MB for the 30,000-row results table of a 4x project
        parts = []
        for r_i in range(1 + len(t.rows)):
            values = t.header if r_i == 0 else t.rows[r_i - 1]
            texts = [clean(values[c]) if c < len(values) else "" for c in range(ncol)]
            head = r_i == 0
            # a header row repeats and stays whole; a short row stays whole, a long one may break across pages
            flags = "<w:cantSplit/><w:tblHeader/>" if head else ("" if any(len(x) > 400 for x in texts)
                                                                  else "<w:cantSplit/>")
            parts.append(f"<w:tr><w:trPr>{flags}</w:trPr>" if flags else "<w:tr>")
            for c_i, text in enumerate(texts):
                run = ""
                if text:
                    body = ooxml.run_text_xml(_word_breaks(text, plan.widths[c_i], plan.size, head))
                    run = f"<w:r>{'<w:rPr><w:b/></w:rPr>' if head else ''}{body}</w:r>"
                parts.append(f'<w:tc><w:tcPr><w:tcW w:w="{twips[c_i]}" w:type="dxa"/></w:tcPr><w:p><w:pPr>'
                             f'<w:pStyle w:val="{cell_style}"/></w:pPr>{run}</w:p></w:tc>')
            parts.append("</w:tr>")
        table._tbl.append(self._rows.marker("".join(parts)))
        ooxml.set_column_widths(table, twips, cells=False)
        ooxml.set_cell_margins(table, int(round(L.CELL_PAD * 20)))
        d.add_paragraph()

    def _picture(self, d, run, data: bytes, width: Emu):
        """A picture in the body, as run.add_picture would add it, without its two scans per picture:
        python-docx finds an equal image by hashing every image part already in the package (quadratic: 25,440
        SHA-1s for the 320 diagram parts of a 4x export) and numbers the drawing by searching the whole
        document XML for ids. Equal pictures share one image part here too."""
        from docx.image.image import Image
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.oxml.shape import CT_Inline
        from docx.parts.image import ImagePart
        image = Image.from_blob(data)
        if self._images is None:  # image parts of the template (a company logo) keep their numbers
            package = d.part.package
            self._images = {part.sha1: part for part in package.image_parts}
            self._image_numbers = {part.partname.idx for part in package.image_parts}
            self._rids: dict[str, str] = {}
        rid = self._rids.get(image.sha1)
        if rid is None:
            part = self._images.get(image.sha1)
            if part is None:
                n = len(self._image_numbers) + 1
                while n in self._image_numbers:
                    n += 1
                self._image_numbers.add(n)
                part = self._images[image.sha1] = ImagePart.from_image(image, PackURI(f"/word/media/image{n}.{image.ext}"))
                d.part.package.image_parts.append(part)
            rid = self._rids[image.sha1] = d.part.relate_to(part, RT.IMAGE)
        cx, cy = image.scaled_dimensions(width, None)
        inline = CT_Inline.new_pic_inline(self._first_shape_id(d), rid, image.filename, cx, cy)
        run._r.add_drawing(inline)
        self._shape_id += 1
        return inline  # (its docPr takes the alt text)

    def _first_shape_id(self, d) -> int:
        """The next free drawing id, the first one after the template's own (a company logo keeps its id)."""
        if self._shape_id is None:
            self._shape_id = d.part.next_id
        return self._shape_id

    def _reference_list(self, d, b, doc, clean):
        """Numbered entries with a hanging indent, each a bookmark its citations link to."""
        for i, (item, anchor) in enumerate(zip(b.items, b.anchors), 1):
            p = d.add_paragraph()
            p.paragraph_format.left_indent = Pt(22)
            p.paragraph_format.first_line_indent = Pt(-22)
            p.paragraph_format.tab_stops.add_tab_stop(Pt(22))
            p.add_run(f"{i}.\t")
            self._inline(p, item, doc, clean)
            self._ref_bm += 1
            ooxml.add_bookmark(p, anchor, 200000 + self._ref_bm)

    def _orient(self, d, landscape: bool, first: bool = False):
        """A new section of this orientation (on a new page), or the first section turned when nothing
        precedes it (a leaf that starts with a wide table)."""
        sec = d.sections[0] if first else d.add_section(WD_SECTION.NEW_PAGE)
        w, h = sec.page_width, sec.page_height
        want_wide = landscape
        if (w > h) != want_wide:
            sec.page_width, sec.page_height = h, w
        sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        if not first:
            sec.header.is_linked_to_previous = True  # same header and footer as the portrait pages
            sec.footer.is_linked_to_previous = True

    def _body(self, d, doc, clean):
        self._bm_id = 0
        self._cap_bm = 0
        self._ref_bm = 0
        self._landscape = False
        self._keys = doc.heading_keys()
        self._anchor = None
        # heading notes (certainty of a heading's numbering) are comments on that heading; review paragraphs
        # are in the blocks and become comments where they stand
        paragraphs = {m._plain(b.runs) for b in doc.blocks if isinstance(b, m.Paragraph) and b.style == "review"}
        self._heading_notes: dict[str, list] = {}
        for section, note in doc.review_notes:
            if note not in paragraphs:
                self._heading_notes.setdefault(section, []).append((section, note))
        landscape = False
        for i, (wide, blocks) in enumerate(m.orientation_segments(doc.blocks)):
            front = doc.meta.front_matter
            if wide != landscape:
                self._orient(d, wide, first=i == 0 and not front)  # a new section starts on a new page
                landscape = wide
            elif i == 0 and front:
                d.add_page_break()
            self._landscape = landscape
            for b in blocks:
                self._block(d, b, doc, clean)

    def _block(self, d, b, doc, clean):
        if isinstance(b, m.Heading):
            clean.section = b.text
            p = self._p(d, style=f"Heading {min(b.level, MAX_HEADING)}")
            p.add_run(clean(b.text))
            ooxml.add_bookmark(p, self._keys[self._bm_id], self._bm_id + 1)
            self._bm_id += 1
            self._anchor = p
            for section, note in self._heading_notes.pop(b.text, ()):
                self._comment(d, p.runs, clean(note))
        elif isinstance(b, m.Paragraph) and b.style == "review":
            # a note for reviewers is a Word comment on the section heading, never body text
            anchor = self._anchor if self._anchor is not None and self._anchor.runs else d.add_paragraph()
            runs = anchor.runs or [anchor.add_run("")]
            self._comment(d, runs, clean(m._plain(b.runs)))
        elif isinstance(b, m.Paragraph):
            self._inline(d.add_paragraph(), b.runs, doc, clean)
        elif isinstance(b, m.Placeholder):
            r = d.add_paragraph().add_run(clean(b.text))
            r.italic = True
            r.font.color.rgb = RGBColor(0x9A, 0x34, 0x12)
        elif isinstance(b, m.Table):
            self._table(d, b, clean, self._landscape)
        elif isinstance(b, m.ListBlock):
            if b.anchors:  # the reference list: its numbers are the citations', so they are text, not a
                self._reference_list(d, b, doc, clean)  # Word list that would continue an earlier one
                return
            style = "List Number" if b.numbered else "List Bullet"
            for item in b.items:
                self._inline(self._p(d, style=style), item, doc, clean)
        elif isinstance(b, m.Figure):
            p = d.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.keep_with_next = True  # the slot stays with its caption below
            if b.diagram is not None:  # a generated diagram as native Word shapes, vectors like the PDF's
                k = min(1.0, L.frame_height(False) * 0.85 / b.diagram.height, L.frame_width(False) / b.diagram.width)
                xml, self._shape_id = ooxml.flow_diagram_run(b.diagram, self._first_shape_id(d), clean(b.caption),
                                                              clean(b.description or b.full_caption), k)
                p._p.append(self._rows.marker(xml))
            elif b.data:  # an attached figure; an SVG as a 300 dpi PNG of its printed size
                from atmp_desktop.export import figures as F
                try:
                    picture, w = F.word_picture(b.data, b.kind, L.frame_width(False))
                    inline = self._picture(d, p.add_run(), picture, Emu(int(w * 12700)))
                    if b.alt:
                        inline.docPr.set("descr", clean(b.alt))
                except (F.FigureRenderError, OSError, ValueError) as exc:
                    self._figure_problems.append(f"{b.full_caption}: {exc}")
                    p.add_run(clean("[Figure could not be drawn: attach it again]")).italic = True
            elif b.image and Path(b.image).is_file():
                sec = d.sections[-1]
                self._picture(d, p.add_run(), Path(b.image).read_bytes(),
                              Emu(min(sec.page_width - sec.left_margin - sec.right_margin,
                                      Emu(int(L.frame_width(False) * 12700)))))
            else:
                p.add_run(clean("[Figure to be inserted]")).italic = True
            if b.number:
                self._caption(d, b, clean, "figure")
            else:
                self._p(d, clean(b.full_caption + (f" ({b.description})" if b.description else "")), "Caption")
        elif isinstance(b, m.PageBreak):
            d.add_page_break()
