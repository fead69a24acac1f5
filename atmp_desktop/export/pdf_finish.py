"""What ReportLab cannot do for an eCTD PDF, done after it: the DRAFT watermark as glyph outlines (vector
paths, so no text extractor or search finds stray D/R/A/F/T letters), and a last pass with pikepdf (qpdf) that
linearises the file ("fast web view"), sets the document dates from the project instead of ReportLab's
invariant 2000-01-01, and writes XMP metadata (title, subject, author, dates, creator tool) matching the
document information. Deterministic: same input, same bytes.
"""
from __future__ import annotations

import datetime as _dt
import functools
import os
import re
import zlib
from pathlib import Path

import pikepdf
from reportlab.lib import colors

from atmp_desktop import APP_NAME, __version__
from atmp_desktop.core.paths import fonts_dir


@functools.lru_cache(maxsize=4)
def _glyphs(text: str):
    """(outline path segments, advance width) per character of `text` in DejaVu Sans Bold, font units."""
    from fontTools.pens.recordingPen import DecomposingRecordingPen
    from fontTools.ttLib import TTFont as FtFont
    font = FtFont(str(fonts_dir() / "DejaVuSans-Bold.ttf"), lazy=True)
    cmap, gs = font.getBestCmap(), font.getGlyphSet()
    out = []
    for ch in text:
        name = cmap.get(ord(ch), ".notdef")
        pen = DecomposingRecordingPen(gs)
        gs[name].draw(pen)
        out.append((tuple(pen.value), gs[name].width))
    return tuple(out), font["head"].unitsPerEm


def watermark_outline(canv, text: str, size: float) -> None:
    """Draw `text` centred on the origin as filled outlines (light grey; no transparency group needed)."""
    glyphs, upem = _glyphs(text)
    scale = size / upem
    total = sum(w for _, w in glyphs) * scale
    path = canv.beginPath()
    x0 = -total / 2
    for ops, width in glyphs:
        cur = (0.0, 0.0)
        for op, args in ops:
            pts = [(x0 + x * scale, y * scale - size * 0.35) for x, y in args]
            if op == "moveTo":
                path.moveTo(*pts[0])
            elif op == "lineTo":
                path.lineTo(*pts[0])
            elif op == "curveTo":
                path.curveTo(*pts[0], *pts[1], *pts[2])
            elif op == "qCurveTo":  # TrueType quadratic splines: implied on-curve points between off-curve ones
                offs, end = pts[:-1], pts[-1]
                for i, c in enumerate(offs):
                    nxt = end if i == len(offs) - 1 else ((c[0] + offs[i + 1][0]) / 2, (c[1] + offs[i + 1][1]) / 2)
                    c1 = (cur[0] + 2 / 3 * (c[0] - cur[0]), cur[1] + 2 / 3 * (c[1] - cur[1]))
                    c2 = (nxt[0] + 2 / 3 * (c[0] - nxt[0]), nxt[1] + 2 / 3 * (c[1] - nxt[1]))
                    path.curveTo(*c1, *c2, *nxt)
                    cur = nxt
                continue
            elif op in ("closePath", "endPath"):
                path.close()
                continue
            cur = pts[-1]
        x0 += width * scale
    canv.saveState()
    canv.setFillColor(colors.Color(0.88, 0.88, 0.88))  # drawn before the page content, so beneath it
    canv.drawPath(path, stroke=0, fill=1, fillMode=0)
    canv.restoreState()


def _date(iso: str) -> _dt.datetime | None:
    try:
        d = _dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        try:
            d = _dt.datetime.combine(_dt.date.fromisoformat(str(iso)[:10]), _dt.time())
        except ValueError:
            return None
    return d if d.tzinfo else d.replace(tzinfo=_dt.timezone.utc)


def pdf_date(d: _dt.datetime) -> str:
    return d.astimezone(_dt.timezone.utc).strftime("D:%Y%m%d%H%M%SZ")


LEAF_SCHEME = "leaf:"  # the PDF writer's marker for a link into another file; made a GoToR action here


def _named_destinations(pdf, key_pages: dict[str, int]) -> None:
    """Named destinations (/Dests) for every heading and caption, so links from other leaves can land on them."""
    if not key_pages:
        return
    dests = pikepdf.Dictionary()
    pages = pdf.pages
    for key, page in sorted(key_pages.items()):
        if 1 <= page <= len(pages):
            dests[pikepdf.Name("/" + key)] = pikepdf.Array([pages[page - 1].obj, pikepdf.Name.Fit])
    pdf.Root.Dests = pdf.make_indirect(dests)


def _remote_links(pdf) -> None:
    """URI links "leaf:<relative path>#<destination>" become GoToR actions: a relative file link to a named
    destination of the other leaf (eCTD: relative links between files, no absolute paths or URLs)."""
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            if action is None or action.get("/S") != "/URI":
                continue
            uri = str(action.get("/URI", ""))
            if not uri.startswith(LEAF_SCHEME):
                continue
            rel, _, dest = uri[len(LEAF_SCHEME):].partition("#")
            spec = pikepdf.Dictionary(Type=pikepdf.Name.Filespec, F=pikepdf.String(rel), UF=pikepdf.String(rel))
            annot.A = pikepdf.Dictionary(S=pikepdf.Name.GoToR, F=spec, D=pikepdf.Name("/" + dest),
                                         NewWindow=True)


_WIDE_HEX = re.compile(rb"<([0-9A-Fa-f]{5,6})>")


def _utf16(match) -> bytes:
    cp = int(match.group(1), 16)
    cp -= 0x10000
    return b"<%04X%04X>" % (0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF))


def _fix_to_unicode(pdf) -> None:
    """ReportLab writes a character outside the BMP into a font's ToUnicode CMap as 5 hex digits, which
    readers reject (copying or searching "𐌀" gives nothing); CMaps want UTF-16BE, a surrogate pair."""
    seen = set()
    for page in pdf.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for _, font in (fonts.items() if hasattr(fonts, "items") else []):
            tu = font.get("/ToUnicode")
            if tu is None or tu.objgen in seen:
                continue
            seen.add(tu.objgen)
            data = tu.read_bytes()
            if _WIDE_HEX.search(data):  # compressed here: the file is saved without recompressing streams
                tu.write(zlib.compress(_WIDE_HEX.sub(_utf16, data)), filter=pikepdf.Name.FlateDecode)


def keywords(meta) -> str:
    """Document keywords: the CTD section and the status (check-pdf reads "status Final")."""
    status = "internal report" if getattr(meta, "internal", False) else f"status {meta.status}"
    return "; ".join(p for p in (f"CTD {meta.ctd_code}" if meta.ctd_code else "", status) if p)


def finish_pdf(path: Path, meta, key_pages: dict[str, int] | None = None) -> None:
    """Linearise `path` in place, set its dates and XMP metadata from `meta` (export.model.DocMeta), add named
    destinations for `key_pages` (bookmark -> page) and turn links into other leaves into relative links."""
    path = Path(path)
    tmp = path.with_name(path.name + ".lin")
    created = _date(meta.date) or _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
    with pikepdf.open(path) as pdf:
        _named_destinations(pdf, key_pages or {})
        _fix_to_unicode(pdf)
        _remote_links(pdf)
        pdf.docinfo["/CreationDate"] = pdf_date(created)
        pdf.docinfo["/ModDate"] = pdf_date(created)
        pdf.docinfo["/Creator"] = f"{APP_NAME} {__version__}"
        pdf.docinfo["/Keywords"] = keywords(meta)
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["dc:title"] = meta.title
            xmp["dc:description"] = meta.subject or meta.title
            if meta.author:
                xmp["dc:creator"] = [meta.author]
            xmp["xmp:CreateDate"] = created.isoformat()
            xmp["xmp:ModifyDate"] = created.isoformat()
            xmp["xmp:MetadataDate"] = created.isoformat()
            xmp["xmp:CreatorTool"] = f"{APP_NAME} {__version__}"
            xmp["pdf:Producer"] = str(pdf.docinfo.get("/Producer", "ReportLab"))
            xmp["pdf:Keywords"] = keywords(meta)
        # ReportLab's streams are Flate already (pdf_writer turns off its ASCII85 layer): compress_streams=True
        # made qpdf inflate and deflate every page again (0.25 of 0.31 s for a 400-page file)
        pdf.save(tmp, linearize=True, deterministic_id=True, compress_streams=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    os.replace(tmp, path)
