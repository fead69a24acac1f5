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
from docx.shared import Pt, RGBColor

from atmp_desktop import APP_NAME, __version__
from atmp_desktop.core.paths import resources_dir
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
    return {s.name for s in document.styles}


BASE_TEMPLATE = resources_dir() / "templates" / "atmp-base.docx"


def open_template(template: Path | None, max_level: int = 4):
    """The base document: our A4 base template or the company template (.docx / .dotx), linted first."""
    if template is None:
        document = new_docx(str(BASE_TEMPLATE))
        ooxml.clear_body(document)
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


def _ensure_toc_styles(document) -> None:
    names = _style_names(document)
    for i in range(1, TOC_LEVELS + 1):
        name = f"TOC {i}"  # absent from python-docx's default template; Word styles them when it refreshes
        if name not in names:
            st = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            st.base_style = document.styles["Normal"]
            st.paragraph_format.left_indent = Pt(12 * (i - 1))
            st.paragraph_format.space_after = Pt(2)


def _free_paragraph(part):
    """The header/footer paragraph to write into: the empty default one, or a new one below a company
    template's own content (logo, address) so that content is kept."""
    paras = part.paragraphs
    if len(paras) == 1 and not paras[0].text.strip() and not paras[0]._p.xpath(".//w:drawing | .//w:pict"):
        return paras[0]
    return part.add_paragraph()


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
        max_level = max([h.level for h in doc.headings()] or [1])
        d = open_template(self.template, max_level)
        self._sid: dict[str, str] = {}
        _ensure_toc_styles(d)
        self._properties(d, doc, clean, created, modified)
        self._header_footer(d.sections[0], doc, clean)
        self._title_block(d, doc, clean)
        self._toc(d, doc, clean)
        self._body(d, doc, clean)
        ooxml.set_update_fields(d)
        ooxml.remove_proof_state(d)
        d.save(str(path))
        ooxml.normalise_zip(path, f"{APP_NAME} {__version__}")
        w = clean.warning(label or path.name)
        return [w] if w else []

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
        r.font.size = Pt(8)
        fp = _free_paragraph(section.footer)
        r = fp.add_run(clean(f"Version {meta.version}  |  {meta.status.upper()}  |  {meta.display_date}  |  Page "))
        r.font.size = Pt(8)
        ooxml.add_field(fp, "PAGE", "1")
        fp.add_run(" of ").font.size = Pt(8)
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

    def _style_table(self, d, table):
        if "Table Grid" in _style_names(d):
            if "Table Grid" not in self._sid:
                self._sid["Table Grid"] = d.styles["Table Grid"].style_id
            table._tbl.tblStyle_val = self._sid["Table Grid"]

    def _inline(self, para, runs, doc, clean):
        for r in runs:
            if isinstance(r, m.XRef):
                target = doc.find_heading(r.target)
                text = clean(r.text or (target.text if target else r.target))
                if target:
                    ooxml.add_internal_link(para, target.key, text)
                else:
                    para.add_run(text)
                continue
            run = para.add_run(clean(r.text))
            run.bold = r.bold or None
            run.italic = r.italic or None
            if r.sub:
                run.font.subscript = True
            if r.sup:
                run.font.superscript = True

    def _table(self, d, t: m.Table, clean):
        if t.caption:
            self._p(d, clean(t.caption), "Caption").paragraph_format.keep_with_next = True
        ncol = max(1, len(t.header))
        table = d.add_table(rows=1 + len(t.rows), cols=ncol)
        self._style_table(d, table)
        rows = table.rows
        for i, text in enumerate(t.header):
            cell = rows[0].cells[i]
            cell.text = clean(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        ooxml.set_repeat_header(rows[0])
        ooxml.set_cant_split(rows[0])
        for r_i, row in enumerate(t.rows, 1):
            cells = rows[r_i].cells
            for c_i in range(ncol):
                cells[c_i].text = clean(row[c_i]) if c_i < len(row) else ""
            ooxml.set_cant_split(rows[r_i])
        sec = d.sections[-1]
        avail = (sec.page_width - sec.left_margin - sec.right_margin) // 635  # EMU -> twips
        # twips; 10.5 pt Arial body text (about 0.56 em a character, wider fallback fonts), 0.08 in cell margins each side
        ooxml.set_column_widths(table, [int(w) for w in t.column_widths(avail, 20 * 10.5 * 0.56, 20 * 11.5)])
        d.add_paragraph()

    def _orient(self, d, landscape: bool):
        sec = d.add_section(WD_SECTION.NEW_PAGE)
        w, h = sec.page_width, sec.page_height
        want_wide = landscape
        if (w > h) != want_wide:
            sec.page_width, sec.page_height = h, w
        sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        sec.header.is_linked_to_previous = True  # same header and footer as the portrait pages
        sec.footer.is_linked_to_previous = True

    def _body(self, d, doc, clean):
        self._bm_id = 0
        self._keys = doc.heading_keys()
        landscape = False
        for i, (wide, blocks) in enumerate(m.orientation_segments(doc.blocks)):
            if wide != landscape:
                self._orient(d, wide)  # a new section starts on a new page
                landscape = wide
            elif i == 0:
                d.add_page_break()
            for b in blocks:
                self._block(d, b, doc, clean)

    def _block(self, d, b, doc, clean):
        if isinstance(b, m.Heading):
            clean.section = b.text
            p = self._p(d, style=f"Heading {min(b.level, MAX_HEADING)}")
            p.add_run(clean(b.text))
            ooxml.add_bookmark(p, self._keys[self._bm_id], self._bm_id + 1)
            self._bm_id += 1
        elif isinstance(b, m.Paragraph):
            self._inline(d.add_paragraph(), b.runs, doc, clean)
        elif isinstance(b, m.Placeholder):
            r = d.add_paragraph().add_run(clean(b.text))
            r.italic = True
            r.font.color.rgb = RGBColor(0x9A, 0x34, 0x12)
        elif isinstance(b, m.Table):
            self._table(d, b, clean)
        elif isinstance(b, m.ListBlock):
            style = "List Number" if b.numbered else "List Bullet"
            for item in b.items:
                self._inline(self._p(d, style=style), item, doc, clean)
        elif isinstance(b, m.Figure):
            p = d.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(clean(f"[Figure to be inserted: {b.caption}]")).italic = True
            self._p(d, clean(f"Figure: {b.caption}" + (f" ({b.description})" if b.description else "")), "Caption")
        elif isinstance(b, m.PageBreak):
            d.add_page_break()
