"""Figures the writer attaches to a field or a heading: vector and plasmid maps, facility and personnel flow,
cell-bank genealogy (docs/figures.md).

A figure is an image (PNG, JPEG or SVG) with a caption and alt text, attached to a *target*: a field path
("materials.vectors") or a heading ("heading:3.2.A.1"). The document definitions place figures with their
`figure` items (`source: <field path>` or `source: heading`); the export numbers them per section and lists
them in the list of figures.

Images are checked here, before anything is stored or imported: at most MAX_IMAGE_BYTES, of a type named by
its content (not its file name), decoded in full (a truncated PNG or a JPEG that does not decode is refused),
raster images at most MAX_PIXELS, SVG without DTDs, entities, scripts or references to anything outside the
file. Every refusal is one sentence (FigureError). The content address is the SHA-256 of the bytes.
"""
from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import field
from typing import Any, Callable, Iterable

from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.patterns import lazy_compile
from atmp_desktop.core.records import record

MAX_IMAGE_BYTES = 10 * 1024 * 1024       # one image file; a vector map or a flow chart is 20 KB - 2 MB
MAX_TOTAL_BYTES = 200 * 1024 * 1024      # all images of one project together
MAX_PIXELS = 40_000_000                  # a raster image of more pixels is refused (decompression bombs)
MAX_FIGURES = 500
MAX_CAPTION_CHARS = 500
MAX_ALT_CHARS = 2_000
MAX_NAME_CHARS = 200
KINDS = ("png", "jpeg", "svg")
KIND_LABELS = {"png": "PNG", "jpeg": "JPEG", "svg": "SVG"}
SVG_NS = "http://www.w3.org/2000/svg"
HEADING_PREFIX = "heading:"
_HEADING_KEY = lazy_compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_DIGEST = lazy_compile(r"^[0-9a-f]{64}$")
_ID = lazy_compile(r"^[A-Za-z0-9_-]{1,64}$")


class FigureError(ValueError):
    """An image or a figure detail that cannot be used; the message is one sentence for the user."""


@record(frozen=True)
class ImageInfo:
    kind: str            # png | jpeg | svg
    width: float         # raster: pixels; SVG: points (its natural size)
    height: float
    dpi: float = 0.0     # raster: the resolution the file states (0 when none)

    @property
    def size_text(self) -> str:
        unit = "pt" if self.kind == "svg" else "px"
        return f"{self.width:.0f} × {self.height:.0f} {unit}"


@record(frozen=True)
class Figure:
    """One attached figure as the snapshot holds it (the image bytes travel with it)."""
    id: str
    target: str          # field path, or "heading:<CTD code or heading id>"
    caption: str
    alt: str
    name: str            # the file name it came from (no folder)
    kind: str
    digest: str          # SHA-256 of `data`: the image's content address
    data: bytes = field(repr=False, compare=False)
    position: int = 0

    @property
    def entry(self) -> dict:
        """What the store keeps per figure (the image itself is kept once per digest)."""
        return {"target": self.target, "position": self.position, "caption": self.caption, "alt": self.alt,
                "name": self.name, "image": self.digest}


def digest_of(data: bytes) -> str:
    import hashlib  # not at import: OpenSSL's start-up (~11 M instructions) waits for the first image
    return hashlib.sha256(data).hexdigest()


def heading_target(key: str) -> str:
    return HEADING_PREFIX + key


# ============================================================================ checking images
def sniff(data: bytes) -> str | None:
    """The image type named by the content, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in data[:65536].lower():
        return "svg"
    return None


_CHECKED: dict[str, ImageInfo] = {}   # digest -> info: an image is decoded once per process


def check_image(data: Any, name: str = "") -> ImageInfo:
    """The image's type and size, after decoding it in full; FigureError (one sentence) when it cannot be
    used. `name` only makes the sentence clearer."""
    what = f"'{name}'" if name else "the file"
    if not isinstance(data, (bytes, bytearray)):
        raise FigureError(f"{what} holds no image data.")
    data = bytes(data)
    if not data:
        raise FigureError(f"{what} is empty; choose a PNG, JPEG or SVG image.")
    if len(data) > MAX_IMAGE_BYTES:
        raise FigureError(f"{what} is {len(data) / 1048576:.1f} MB; an image may be at most "
                          f"{MAX_IMAGE_BYTES >> 20} MB (save it smaller, or as SVG or JPEG).")
    digest = digest_of(data)
    if digest in _CHECKED:
        return _CHECKED[digest]
    kind = sniff(data)
    if kind is None:
        raise FigureError(f"{what} is not a PNG, JPEG or SVG image (other formats such as GIF, TIFF, PDF or Word "
                          "are not accepted); export it as PNG or SVG first.")
    info = _check_svg(data, what) if kind == "svg" else _check_raster(data, kind, what)
    if len(_CHECKED) > 256:
        _CHECKED.clear()
    _CHECKED[digest] = info
    return info


def _check_raster(data: bytes, kind: str, what: str) -> ImageInfo:
    from PIL import Image
    import warnings
    damaged = f"{what} is a damaged {KIND_LABELS[kind]} image (it does not decode); export it again."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                if (im.format or "").lower() != kind:
                    raise FigureError(damaged)
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise FigureError(f"{what} has {w} × {h} pixels; an image may have at most "
                                      f"{MAX_PIXELS // 1_000_000} million (scale it down).")
                dpi = im.info.get("dpi", (0, 0))
                im.load()   # decodes every pixel: a truncated file fails here
    except FigureError:
        raise
    except Image.DecompressionBombError:
        raise FigureError(f"{what} claims more pixels than an image may have; it was refused.") from None
    except Exception:   # Pillow raises many kinds for damaged data (OSError, SyntaxError, ValueError ...)
        raise FigureError(damaged) from None
    if w < 1 or h < 1:
        raise FigureError(damaged)
    try:
        dpi_x = float(dpi[0]) if isinstance(dpi, tuple) else 0.0
    except (TypeError, ValueError):
        dpi_x = 0.0
    return ImageInfo(kind, float(w), float(h), dpi_x if 30 <= dpi_x <= 2400 else 0.0)


_UNIT_PT = {"": 0.75, "px": 0.75, "pt": 1.0, "pc": 12.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0}
_LENGTH = lazy_compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in)?\s*$")
_HREF = lazy_compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.I)


def _length(text: str | None) -> float | None:
    m = _LENGTH.match(text or "")
    if not m:
        return None
    return float(m.group(1)) * _UNIT_PT[m.group(2) or ""]


def _local(ref: str) -> bool:
    ref = ref.strip()
    return not ref or ref.startswith("#") or ref.lower().startswith("data:image/")


def _check_svg(data: bytes, what: str) -> ImageInfo:
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise FigureError(f"{what} declares a DTD or entities, which an SVG figure may not use; save it as plain "
                          "SVG (e.g. Inkscape's 'Plain SVG').")
    import xml.etree.ElementTree as ET  # here: the window's start-up never reads an SVG
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise FigureError(f"{what} is not readable SVG ({exc}); export it again.") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise FigureError(f"{what} is XML but not an SVG image (its root element is not <svg>).")
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
        if tag in ("script", "foreignObject", "iframe"):
            raise FigureError(f"{what} contains <{tag}>, which an SVG figure may not hold; remove it.")
        for key, value in el.attrib.items():
            local = key.rsplit("}", 1)[-1]
            if local.lower().startswith("on"):
                raise FigureError(f"{what} contains event handlers ({local}), which an SVG figure may not hold.")
            if local == "href" and not _local(value):
                raise FigureError(f"{what} refers to another file ({value[:60]}); embed the image in the SVG "
                                  "instead.")
            if "url(" in value and not all(_local(r) for r in _HREF.findall(value)):
                raise FigureError(f"{what} refers to another file in a style; embed it in the SVG instead.")
        if tag == "style" and el.text and ("@import" in el.text or
                                          not all(_local(r) for r in _HREF.findall(el.text))):
            raise FigureError(f"{what} imports a style sheet from another file; embed the styles instead.")
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        try:
            bw, bh = float(box[2]), float(box[3])
        except ValueError:
            bw = bh = 0.0
        if bw > 0 and bh > 0:
            if width is None and height is None:
                width, height = bw * 0.75, bh * 0.75
            elif width is None:
                width = height * bw / bh
            elif height is None:
                height = width * bh / bw
    if not width or not height or width <= 0 or height <= 0:
        raise FigureError(f"{what} has no size (give the <svg> element width and height, or a viewBox).")
    drawing = svg_drawing(data)
    if drawing is None:
        raise FigureError(f"{what} could not be drawn as SVG; export it again or as PNG.")
    return ImageInfo("svg", round(width, 2), round(height, 2))


def svg_drawing(data: bytes):
    """The SVG as a ReportLab drawing (svglib), or None when it cannot be drawn."""
    import logging
    try:
        from svglib.svglib import svg2rlg
    except ImportError:  # pragma: no cover - svglib is a dependency
        return None
    log = logging.getLogger("svglib")
    level = log.level
    log.setLevel(logging.ERROR)   # svglib logs every unsupported attribute; we judge by the result
    try:
        return svg2rlg(io.BytesIO(data))
    except Exception:  # svglib raises what its parsers raise
        return None
    finally:
        log.setLevel(level)


# ============================================================================ figure details
def clean_text(value: Any, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FigureError(f"the {what} must be text.")
    text = " ".join("".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in value).split())
    if len(text) > limit:
        raise FigureError(f"the {what} is longer than {limit:,} characters; shorten it.")
    return text


def check_target(forms: FormSet, target: Any) -> str:
    if isinstance(target, str):
        if target.startswith(HEADING_PREFIX) and _HEADING_KEY.match(target[len(HEADING_PREFIX):]):
            return target
        if "[" not in target and forms.has_field(target):
            return forms.field(target).path
    raise FigureError(f"a figure is attached to a field or a heading; '{str(target)[:80]}' is neither.")


def check_entry(entry: Any) -> dict | None:
    """A stored figure entry (see Figure.entry) checked like any value read from a file, or None."""
    if not isinstance(entry, dict) or set(entry) != {"target", "position", "caption", "alt", "name", "image"}:
        return None
    t, p = entry["target"], entry["position"]
    if not isinstance(t, str) or not t or len(t) > 200 or isinstance(p, bool) or not isinstance(p, int):
        return None
    for key, limit in (("caption", MAX_CAPTION_CHARS), ("alt", MAX_ALT_CHARS), ("name", MAX_NAME_CHARS)):
        if not isinstance(entry[key], str) or len(entry[key]) > limit:
            return None
    if not isinstance(entry["image"], str) or not _DIGEST.match(entry["image"]):
        return None
    return dict(entry)


def valid_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_ID.match(value))


def safe_name(name: Any) -> str:
    """The file name without its folder (paths must not travel with a project)."""
    text = re.split(r"[\\/]", str(name or ""))[-1]
    return clean_text(text[:MAX_NAME_CHARS], "file name", MAX_NAME_CHARS)


# ============================================================================ the JSON interchange
def to_json(figures: Iterable[Figure], images: bool = True) -> list[dict]:
    """Figures as interchange entries, in order; `images=False` leaves the image data out (milestones keep
    the image once in the file and refer to it by digest)."""
    out = []
    for f in figures:
        entry = {"id": f.id, "target": f.target, "caption": f.caption, "alt": f.alt, "name": f.name,
                 "type": f.kind, "sha256": f.digest}
        if images:
            entry["data"] = base64.b64encode(f.data).decode("ascii")
        out.append(entry)
    return out


def check_figures(forms: FormSet, doc: Any, images: Callable[[str], tuple[str, bytes] | None] | None = None
                  ) -> tuple[list[str], list[Figure]]:
    """(problems, figures) of a document's `figures` list, each problem naming its JSON path. An entry
    without `data` is resolved by `images(digest) -> (kind, bytes)` (milestones); nothing is written."""
    raw = doc.get("figures", []) if isinstance(doc, dict) else []
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return ["$.figures: expected a list of figures"], []
    if len(raw) > MAX_FIGURES:
        return [f"$.figures: {len(raw)} figures; a project holds at most {MAX_FIGURES}"], []
    problems: list[str] = []
    out: list[Figure] = []
    seen: set[str] = set()
    total = 0
    for i, entry in enumerate(raw):
        where = f"$.figures[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected an object")
            continue
        extra = set(entry) - {"id", "target", "caption", "alt", "name", "type", "sha256", "data"}
        if extra:
            problems.append(f"{where}.{sorted(extra)[0]}: unknown key")
            continue
        try:
            fid = entry.get("id")
            if not valid_id(fid) or fid in seen:
                raise FigureError("needs a unique id (letters, digits, - and _)")
            seen.add(fid)
            target = check_target(forms, entry.get("target"))
            caption = clean_text(entry.get("caption"), "caption", MAX_CAPTION_CHARS)
            alt = clean_text(entry.get("alt"), "alt text", MAX_ALT_CHARS)
            name = safe_name(entry.get("name"))
            data = _entry_data(entry, images)
            info = check_image(data, name)
            digest = digest_of(data)
            if entry.get("sha256") not in (None, digest):
                raise FigureError("its image does not match its sha256 (the data was changed or cut)")
            if entry.get("type") not in (None, info.kind):
                raise FigureError(f"its image is {KIND_LABELS[info.kind]}, not {entry.get('type')}")
        except FigureError as exc:
            problems.append(f"{where}: {str(exc).rstrip('.')}")
            continue
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            problems.append(f"{where}: the images together exceed {MAX_TOTAL_BYTES >> 20} MB")
            break
        out.append(Figure(fid, target, caption, alt, name, info.kind, digest, data, position=len(out)))
    return problems, out


def _entry_data(entry: dict, images) -> bytes:
    if "data" in entry:
        text = entry["data"]
        if not isinstance(text, str):
            raise FigureError("its data must be base64 text")
        if len(text) > MAX_IMAGE_BYTES * 4 // 3 + 8:
            raise FigureError(f"its image is larger than {MAX_IMAGE_BYTES >> 20} MB")
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise FigureError("its data is not valid base64") from None
    digest = entry.get("sha256")
    found = images(digest) if images is not None and isinstance(digest, str) else None
    if found is None:
        raise FigureError("has no image data")
    return found[1]
