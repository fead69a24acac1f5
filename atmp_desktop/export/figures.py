"""Attached figures (core.figures) for both writers.

- PDF: an SVG stays vector graphics (svglib turns it into a ReportLab drawing; its text is set in the
  bundled DejaVu Sans, so every font is embedded); PNG and JPEG are placed as they are.
- Word: PNG and JPEG are embedded as they are; an SVG is rendered to a PNG at 300 dpi of its printed size
  (CairoSVG), since Word's own SVG support needs a PNG fallback anyway.
Both writers print a figure at the same size: its natural size (SVG: its width and height; raster: pixels
at the resolution the file states, else 96 dpi), made smaller to fit the text frame, never larger.
"""
from __future__ import annotations

import functools
import io
import math

from atmp_desktop.core.figures import FigureError, check_image, svg_drawing
from atmp_desktop.export import layout as L

WORD_DPI = 300
HEIGHT_SHARE = 0.75     # a figure takes at most this share of the frame height (its caption fits below)
SCREEN_DPI = 96.0


class FigureRenderError(ValueError):
    """The image could not be drawn (one sentence)."""


@functools.lru_cache(maxsize=64)
def _info(data: bytes):
    """check_image of an attached image, once per export: it decodes a raster image in full and draws an SVG
    (tens of milliseconds for a photograph), and every writer and the builders' check ask for the size."""
    return check_image(data)


def natural_size(data: bytes) -> tuple[float, float]:
    """The figure's size in points before fitting."""
    try:
        info = _info(data)
    except FigureError as exc:
        raise FigureRenderError(str(exc)) from None
    if info.kind == "svg":
        return info.width, info.height
    dpi = info.dpi or SCREEN_DPI
    return info.width * 72.0 / dpi, info.height * 72.0 / dpi


def fitted_size(data: bytes, width: float, height: float | None = None) -> tuple[float, float]:
    """The printed size in points: natural, made smaller to fit `width` and HEIGHT_SHARE of the frame."""
    w, h = natural_size(data)
    height = height if height is not None else L.frame_height(False) * HEIGHT_SHARE
    k = min(1.0, width / w, height / h)
    return w * k, h * k


def _strings(node, scale: float = 1.0):
    """(String, effective scale) of every text in a ReportLab drawing."""
    from reportlab.graphics.shapes import Group, String
    for child in getattr(node, "contents", ()):
        if isinstance(child, String):
            yield child, scale
        elif isinstance(child, Group):
            t = getattr(child, "transform", None) or (1, 0, 0, 1, 0, 0)
            yield from _strings(child, scale * math.sqrt(abs(t[0] * t[3] - t[1] * t[2])))


@functools.lru_cache(maxsize=32)
def pdf_drawing(data: bytes, width: float):
    """An SVG as a ReportLab drawing scaled to its printed size, its text in the bundled font. Memoised per
    export (the builders' text check and every PDF that prints the figure share one parse; a drawing is
    drawn, never changed, once made)."""
    from reportlab.graphics import shapes
    L.register_fonts()
    # renderPDF sets the state's default font before any shape: make it ours, so no non-embedded standard
    # font enters the PDF (check-pdf "fonts embedded")
    shapes.STATE_DEFAULTS["fontName"] = L.FONT
    drawing = svg_drawing(data)
    if drawing is None:
        raise FigureRenderError("the SVG could not be drawn")
    for s, _k in _strings(drawing):
        name = str(getattr(s, "fontName", "") or "")
        bold, italic = "bold" in name.lower(), any(w in name.lower() for w in ("italic", "oblique"))
        s.fontName = L.FONT + ("-Bold" if bold else "") + ("Oblique" if italic and bold else "-Oblique" if italic
                                                            else "")
    w, h = fitted_size(data, width)
    if drawing.width and drawing.height:
        drawing.scale(w / drawing.width, h / drawing.height)
    drawing.width, drawing.height = w, h
    return drawing


@functools.lru_cache(maxsize=64)
def smallest_text_pt(data: bytes, width: float) -> float | None:
    """The smallest text of an SVG as printed (points), or None for a raster image or an SVG without text.
    Memoised: each document that prints a figure checks it."""
    if _info(data).kind != "svg":
        return None
    try:
        drawing = pdf_drawing(data, width)
    except FigureRenderError:
        return None
    t = drawing.transform or (1, 0, 0, 1, 0, 0)   # the scale to its printed size
    k = math.sqrt(abs(t[0] * t[3] - t[1] * t[2]))
    sizes = [float(s.fontSize) * scale * k for s, scale in _strings(drawing) if str(s.text).strip()]
    return round(min(sizes), 2) if sizes else None


def pdf_image(data: bytes, width: float):
    from reportlab.platypus import Image
    w, h = fitted_size(data, width)
    return Image(io.BytesIO(data), width=w, height=h)


@functools.lru_cache(maxsize=32)
def word_picture(data: bytes, kind: str, width: float) -> tuple[bytes, float]:
    """(image bytes for Word, printed width in points). SVG becomes a PNG at WORD_DPI of its printed size.
    Memoised: the documents of one export print the same figures (the vector map in 3.2.S.1.2 and the GMO
    form) and rendering an SVG takes ~0.1 s."""
    w, h = fitted_size(data, width)
    if kind != "svg":
        return data, w
    try:
        import cairosvg
    except (ImportError, OSError) as exc:  # CairoSVG needs the cairo library (apt: libcairo2)
        raise FigureRenderError(f"SVG figures need the cairo library for Word ({exc})") from None
    try:
        png = cairosvg.svg2png(bytestring=data, output_width=max(1, round(w / 72 * WORD_DPI)),
                               output_height=max(1, round(h / 72 * WORD_DPI)), background_color="white",
                               unsafe=False)
    except Exception as exc:  # CairoSVG raises what its parsers raise
        raise FigureRenderError(f"the SVG could not be rendered ({str(exc)[:80]})") from None
    return png, w
