"""Every raw-XML (OOXML) helper the Word writer needs, in one place: python-docx has no API for fields,
bookmarks, internal hyperlinks, repeating table headers or non-splitting rows (engineering notes C.1).
"""
from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from xml.sax.saxutils import escape

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

# w:trPr children in schema order (CT_TrPr); inserting out of order makes Word call the file corrupt
_TRPR_ORDER = ("w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter", "w:cantSplit",
               "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del",
               "w:trPrChange")
ZIP_DATE = (2000, 1, 1, 0, 0, 0)
DOTX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _run(text: str | None = None):
    r = OxmlElement("w:r")
    if text is not None:
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        r.append(t)
    return r


def _fld_char(kind: str, dirty: bool = False):
    r = OxmlElement("w:r")
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), kind)
    if dirty:
        fc.set(qn("w:dirty"), "true")
    r.append(fc)
    return r


def _instr(instr: str):
    r = OxmlElement("w:r")
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    r.append(it)
    return r


def add_field(paragraph, instr: str, result: str = "") -> None:
    """Append a complex field (PAGE, NUMPAGES, REF ...) with a cached result to a python-docx paragraph."""
    p = paragraph._p
    p.append(_fld_char("begin"))
    p.append(_instr(instr))
    p.append(_fld_char("separate"))
    p.append(_run(result))
    p.append(_fld_char("end"))


def field_begin(paragraph, instr: str) -> None:
    """Open a field whose result spans several paragraphs (the TOC); close it with `field_end`."""
    paragraph._p.append(_fld_char("begin", dirty=True))
    paragraph._p.append(_instr(instr))
    paragraph._p.append(_fld_char("separate"))


def field_end(paragraph) -> None:
    paragraph._p.append(_fld_char("end"))


def add_bookmark(paragraph, name: str, bm_id: int) -> None:
    """Wrap the paragraph's current content in a bookmark (Word: name ≤ 40 chars, starts with a letter)."""
    p = paragraph._p
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bm_id))
    start.set(qn("w:name"), name[:40])
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bm_id))
    ppr = p.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def add_internal_link(paragraph, anchor: str, text: str, color: str | None = "1D4ED8"):
    """An internal hyperlink to a bookmark (TOC entries, cross-references)."""
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    r = _run(text)
    if color:
        rpr = OxmlElement("w:rPr")
        c = OxmlElement("w:color")
        c.set(qn("w:val"), color)
        rpr.append(c)
        r.insert(0, rpr)
    link.append(r)
    paragraph._p.append(link)
    return link


def add_external_link(paragraph, target: str, text: str, color: str = "1D4ED8"):
    """A hyperlink to another file (relative path, optionally "#bookmark"), through an external relationship."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    r_id = paragraph.part.relate_to(target, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    link.set(qn("w:history"), "1")
    r = _run(text)
    rpr = OxmlElement("w:rPr")
    c = OxmlElement("w:color")
    c.set(qn("w:val"), color)
    rpr.append(c)
    r.insert(0, rpr)
    link.append(r)
    paragraph._p.append(link)
    return link


def _set_trpr_flag(row, tag: str) -> None:
    tr = row._tr
    trpr = tr.get_or_add_trPr()
    if trpr.find(qn(tag)) is not None:
        return
    el = OxmlElement(tag)
    rank = _TRPR_ORDER.index(tag)
    for child in trpr:  # insert before the first child that must come after us
        name = child.prefix + ":" + child.tag.split("}")[1] if child.prefix else child.tag
        if name in _TRPR_ORDER and _TRPR_ORDER.index(name) > rank:
            child.addprevious(el)
            return
    trpr.append(el)


def set_repeat_header(row) -> None:
    """Mark a (top) table row as a header row repeated on every page (w:tblHeader)."""
    _set_trpr_flag(row, "w:tblHeader")


def set_cant_split(row) -> None:
    """Keep a table row on one page (w:cantSplit)."""
    _set_trpr_flag(row, "w:cantSplit")


_TBLPR_AFTER_LAYOUT = ("w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def run_text_xml(text: str) -> str:
    """The inside of a w:r for `text`: w:t pieces, line breaks as w:br, tabs as w:tab."""
    out = []
    for i, line in enumerate(text.split("\n")):
        if i:
            out.append("<w:br/>")
        for j, piece in enumerate(line.split("\t")):
            if j:
                out.append("<w:tab/>")
            if piece:
                out.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return "".join(out)


def set_column_widths(table, twips: list[int], cells: bool = True) -> None:
    """Fixed column widths (w:gridCol, every w:tcW unless `cells` is False because the rows carry them,
    w:tblW, w:tblLayout fixed) so Word and LibreOffice keep a narrow number column narrow instead of sharing
    the page equally."""
    tbl = table._tbl
    for col, w in zip(tbl.tblGrid.findall(qn("w:gridCol")), twips):
        col.set(qn("w:w"), str(w))
    for tr in tbl.findall(qn("w:tr")) if cells else ():
        for tc, w in zip(tr.findall(qn("w:tc")), twips):
            tcw = tc.get_or_add_tcPr().get_or_add_tcW()
            tcw.set(qn("w:type"), "dxa")
            tcw.set(qn("w:w"), str(w))
    tblpr = tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is not None:
        tblw.set(qn("w:type"), "dxa")
        tblw.set(qn("w:w"), str(sum(twips)))
    if tblpr.find(qn("w:tblLayout")) is None:
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        after = next((c for c in tblpr if any(c.tag == qn(t) for t in _TBLPR_AFTER_LAYOUT)), None)
        if after is not None:
            after.addprevious(layout)
        else:
            tblpr.append(layout)


def set_cell_margins(table, left_right_twips: int) -> None:
    """Left and right cell margins of the whole table (w:tblCellMar), so Word's 0.08 in default does not eat
    the width the layout planned for an identifier."""
    tblpr = table._tbl.tblPr
    mar = tblpr.find(qn("w:tblCellMar"))
    if mar is None:
        mar = OxmlElement("w:tblCellMar")
        after = next((c for c in tblpr if any(c.tag == qn(t) for t in _TBLPR_AFTER_LAYOUT[1:])), None)
        if after is not None:
            after.addprevious(mar)
        else:
            tblpr.append(mar)
    for side in ("w:left", "w:right"):  # CT_TblCellMar order: top, left (start), bottom, right (end)
        el = mar.find(qn(side))
        if el is None:
            el = OxmlElement(side)
            mar.append(el)
        el.set(qn("w:w"), str(left_right_twips))
        el.set(qn("w:type"), "dxa")
    order = {qn("w:top"): 0, qn("w:left"): 1, qn("w:start"): 1, qn("w:bottom"): 2, qn("w:right"): 3,
             qn("w:end"): 3}
    for el in sorted(mar, key=lambda e: order.get(e.tag, 9)):
        mar.append(el)


def set_update_fields(document) -> None:
    """Ask Word to refresh fields (TOC, page numbers) when the file is opened (w:updateFields)."""
    settings = document.settings.element
    el = settings.find(qn("w:updateFields"))
    if el is None:
        el = OxmlElement("w:updateFields")
        settings.append(el)
    el.set(qn("w:val"), "true")


def remove_proof_state(document) -> None:
    el = document.settings.element.find(qn("w:proofState"))
    if el is not None:
        el.getparent().remove(el)


def clear_body(document) -> None:
    """Drop a template's sample content but keep its final section properties (page setup, headers)."""
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def dotx_copy_as_docx(path: Path) -> Path:
    """python-docx refuses .dotx; copy it with the main content type rewritten to the document type."""
    tmp = Path(tempfile.mkdtemp(prefix="atmp-tpl-")) / (path.stem + ".docx")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(DOTX_TYPE.encode(), DOCX_TYPE.encode())
            zout.writestr(item, data)
    return tmp


def _fix_part(name: str, data: bytes, application: str) -> bytes:
    if name == "_rels/.rels":  # python-docx's default template ships a thumbnail of someone else's page
        data = re.sub(rb'<Relationship [^>]*Target="docProps/thumbnail.jpeg"[^>]*/>', b"", data)
    elif name == "docProps/app.xml":
        data = re.sub(rb"<Application>[^<]*</Application>",
                      b"<Application>" + escape(application).encode("utf-8") + b"</Application>", data)
    return data


STORED_SUFFIXES = (".png", ".jpeg", ".jpg", ".gif", ".tif", ".tiff")  # compressed already: deflating them again
#                                                                 cost seconds per large export and saved nothing


class Fragments:
    """XML text that goes into the document part when it is written, each in place of a marker (an XML
    comment) in the tree: large tables stay text instead of lxml nodes (save_package)."""
    PREFIX = "atmp-fragment-"
    _MARK = re.compile(rb"<!--atmp-fragment-(\d+)-->")

    def __init__(self):
        self.texts: list[str] = []

    def marker(self, xml: str):
        from lxml import etree
        self.texts.append(xml)
        return etree.Comment(f"{self.PREFIX}{len(self.texts) - 1}")

    def write(self, out, blob: bytes) -> None:
        """`blob` with every marker replaced by its text, written to the file `out` piece by piece."""
        at = 0
        for m in self._MARK.finditer(blob):
            out.write(blob[at:m.start()])
            text = self.texts[int(m.group(1))]
            for i in range(0, len(text), 1 << 20):
                out.write(text[i:i + (1 << 20)].encode("utf-8"))
            at = m.end()
        out.write(blob[at:])


def save_package(document, path: Path, application: str = "", fragments: Fragments | None = None) -> None:
    """Write a python-docx document as a deterministic package in one pass: the members python-docx would
    write, sorted, with a fixed timestamp and the application name, pictures stored rather than deflated
    (python-docx's save deflated everything and normalise_zip inflated and deflated it all again), and the
    `fragments` put into the document part in place of their markers."""
    from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
    from docx.opc.pkgwriter import _ContentTypesItem
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    members = {CONTENT_TYPES_URI.membername: _ContentTypesItem.from_parts(parts).blob,
               PACKAGE_URI.rels_uri.membername: package.rels.xml}
    for part in parts:
        members[part.partname.membername] = part.blob
        if len(part.rels):
            members[part.partname.rels_uri.membername] = part.rels.xml
    members.pop("docProps/thumbnail.jpeg", None)
    main = document.part.partname.membername
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in sorted(members, key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED if name.lower().endswith(STORED_SUFFIXES) else \
                zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            if name == main and fragments is not None and fragments.texts:
                with zout.open(info, "w") as out:
                    fragments.write(out, members[name])
            else:
                zout.writestr(info, _fix_part(name, members[name], application))


# ----------------------------------------------------------------------------- drawings (DrawingML shapes)
EMU_PER_PT = 12700
_DRAWING_NS = ('xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
               'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
               'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
               'xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" '
               'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"')


def _emu(pt: float) -> int:
    return int(round(pt * EMU_PER_PT))


def _colour(hex_colour: str) -> str:
    return f'<a:solidFill><a:srgbClr val="{hex_colour.lstrip("#").upper()}"/></a:solidFill>'


def _text_box(lines, colour: str) -> str:
    """w:txbxContent of one paragraph per line at exact line height (the layout's), never re-wrapped."""
    from atmp_desktop.export.diagram import LINE
    paras = []
    for text, bold, size in lines:
        half = int(round(size * 2))
        paras.append(f'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="{int(round(size * LINE * 20))}" '
                     f'w:lineRule="exact"/><w:ind w:left="0" w:right="0" w:firstLine="0"/><w:jc w:val="left"/>'
                     f'</w:pPr><w:r><w:rPr>{"<w:b/><w:bCs/>" if bold else ""}<w:noProof/>'
                     f'<w:color w:val="{colour.lstrip("#").upper()}"/><w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
                     f'</w:rPr>{run_text_xml(text)}</w:r></w:p>')
    return f'<wps:txbx><w:txbxContent>{"".join(paras)}</w:txbxContent></wps:txbx>'


def _shape(sid: int, x: float, y: float, w: float, h: float, geometry: str, fill: str | None, line: str | None,
           line_pt: float = 0.8, dash: str | None = None, head: bool = False, flip: str = "", text: str = "",
           inset: float = 0.0) -> str:
    connector = geometry == "straightConnector1"
    if line:
        dash_xml = f'<a:prstDash val="{dash}"/>' if dash else ""
        head_xml = '<a:tailEnd type="triangle" w="med" len="med"/>' if head else ""
        ln = f'<a:ln w="{_emu(line_pt)}">{_colour(line)}{dash_xml}{head_xml}</a:ln>'
    else:
        ln = "<a:ln><a:noFill/></a:ln>"
    avlst = "<a:avLst/>"
    if geometry == "roundRect":  # corner radius 3 pt, as the PDF draws it
        avlst = f'<a:avLst><a:gd name="adj" fmla="val {int(3 / max(1.0, min(w, h)) * 100000)}"/></a:avLst>'
    body = (f'<wps:bodyPr rot="0" vert="horz" wrap="none" lIns="{_emu(inset)}" tIns="{_emu(inset)}" '
            f'rIns="{_emu(inset)}" bIns="{_emu(inset)}" anchor="t" anchorCtr="0"><a:noAutofit/></wps:bodyPr>'
            if text else "<wps:bodyPr/>")
    return (f'<wps:wsp><wps:cNvPr id="{sid}" name="{"Arrow" if connector else "Box"} {sid}"/>'
            f'{"<wps:cNvCnPr/>" if connector else "<wps:cNvSpPr/>"}<wps:spPr><a:xfrm{flip}>'
            f'<a:off x="{_emu(x)}" y="{_emu(y)}"/><a:ext cx="{_emu(w)}" cy="{_emu(h)}"/></a:xfrm>'
            f'<a:prstGeom prst="{geometry}">{avlst}</a:prstGeom>{_colour(fill) if fill else "<a:noFill/>"}{ln}'
            f'</wps:spPr>{text}{body}</wps:wsp>')


def _arrow(sid: int, x1: float, y1: float, x2: float, y2: float, colour: str, line_pt: float = 0.8,
           dash: str | None = None, head: bool = False) -> str:
    flip = (' flipH="1"' if x2 < x1 else "") + (' flipV="1"' if y2 < y1 else "")
    return _shape(sid, min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1), "straightConnector1", None, colour,
                  line_pt, dash, head, flip)


def flow_diagram_run(layout, shape_id: int, name: str, descr: str = "", scale: float = 1.0) -> tuple[str, int]:
    """(XML of a w:r, next free shape id): the process-flow `layout` (export.diagram) as native Word shapes in
    one inline group — rounded boxes with their text, arrows, the DS/DP boundary — drawn as the PDF draws it
    (vectors: sharp at any zoom, no picture to render). `scale` shrinks the group (its text keeps its size)."""
    from atmp_desktop.export.diagram import COLOURS, LINE, PAD, SMALL
    shapes = []
    sid = shape_id + 1
    for a in layout.arrows:  # arrows first, boxes over their ends (as in the PDF)
        shapes.append(_arrow(sid, a.x1, a.y1, a.x2, a.y2, "#4a4a4a", dash="sysDash" if a.dashed else None,
                             head=not a.dashed))
        sid += 1
    for b in layout.boxes:
        fill, stroke = COLOURS[b.kind]
        shapes.append(_shape(sid, b.x, b.y, b.w, b.h, "roundRect", fill, stroke, text=_text_box(b.lines, "#1a1a1a"),
                             inset=PAD))
        sid += 1
    if layout.boundary:
        y, above, below = layout.boundary
        shapes.append(_arrow(sid, 0, y, layout.width, y, "#7a7a7a", dash="dash"))
        for text, top in ((above, y - SMALL * LINE - 1), (below, y + 1)):
            sid += 1
            shapes.append(_shape(sid, 2, top, 200, SMALL * LINE, "rect", None, None,
                                 text=_text_box([(text, True, SMALL)], "#555555")))
        sid += 1
    cx, cy = _emu(layout.width * scale), _emu(layout.height * scale)
    child = f'<a:chExt cx="{_emu(layout.width)}" cy="{_emu(layout.height)}"/>'
    attr = {'"': "&quot;"}
    xml = (f'<w:r><w:rPr><w:noProof/></w:rPr><mc:AlternateContent {_DRAWING_NS}><mc:Choice Requires="wpg">'
           f'<w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
           f'<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:docPr id="{shape_id}" name="{escape(name, attr)}"'
           f' descr="{escape(descr, attr)}"/><wp:cNvGraphicFramePr/><a:graphic><a:graphicData '
           f'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup"><wpg:wgp><wpg:cNvGrpSpPr/>'
           f'<wpg:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/><a:chOff x="0" y="0"/>'
           f'{child}</a:xfrm></wpg:grpSpPr>{"".join(shapes)}</wpg:wgp></a:graphicData>'
           f'</a:graphic></wp:inline></w:drawing></mc:Choice></mc:AlternateContent></w:r>')
    return xml, sid
