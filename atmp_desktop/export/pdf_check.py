"""Check a PDF against the eCTD (ICH M8) rules this app promises: version 1.4-1.7, every font embedded,
bookmarks ≤ 4 levels, opens on the bookmarks panel, no encryption, no JavaScript. Reads the file, not intent.
"""
from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

Check = tuple[str, bool, str]  # (rule, passed, detail)
MAX_DEPTH = 4


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _font_embedded(font) -> bool:
    font = _resolve(font)
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True  # glyphs are drawn by content streams inside the font
    if subtype == "/Type0":
        return all(_font_embedded(d) for d in _resolve(font.get("/DescendantFonts", ArrayObject())))
    desc = _resolve(font.get("/FontDescriptor"))
    return isinstance(desc, DictionaryObject) and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _fonts(reader: PdfReader) -> dict[str, bool]:
    found: dict[str, bool] = {}

    def walk(resources, depth=0):
        resources = _resolve(resources)
        if not isinstance(resources, DictionaryObject) or depth > 5:
            return
        for font in _resolve(resources.get("/Font", DictionaryObject())).values():
            f = _resolve(font)
            found[str(f.get("/BaseFont", "?"))] = found.get(str(f.get("/BaseFont")), True) and _font_embedded(f)
        for xo in _resolve(resources.get("/XObject", DictionaryObject())).values():
            walk(_resolve(xo).get("/Resources"), depth + 1)

    for page in reader.pages:
        walk(page.get("/Resources"))
    return found


def _outline_depth(items, level=1) -> int:
    depth = 0
    for item in items:
        if isinstance(item, list):
            depth = max(depth, _outline_depth(item, level + 1))
        else:
            depth = max(depth, level)
    return depth


_STREAM_DATA = re.compile(rb"stream\r?\n.*?endstream", re.S)


def _has_javascript(reader: PdfReader, raw: bytes) -> bool:
    root = reader.trailer["/Root"]
    names = _resolve(root.get("/Names", DictionaryObject()))
    if isinstance(names, DictionaryObject) and "/JavaScript" in names:
        return True
    action = _resolve(root.get("/OpenAction"))
    if isinstance(action, DictionaryObject) and (action.get("/S") == "/JavaScript" or "/JS" in action):
        return True
    # annotations/actions anywhere: look for the names in the object dictionaries, not inside stream data
    # (compressed page content can contain the bytes "/JS" by chance: a false alarm on a clean file)
    if re.search(rb"/(JavaScript|JS)\b", _STREAM_DATA.sub(b"stream endstream", raw)):
        return True
    for num in getattr(reader, "xref_objStm", {}) or {}:  # objects packed inside object streams
        try:
            obj = reader.get_object(num)
        except Exception:
            continue
        if isinstance(obj, DictionaryObject) and ("/JS" in obj or obj.get("/S") == "/JavaScript"):
            return True
    return False


def check_pdf(path: Path) -> list[Check]:
    path = Path(path)
    raw = path.read_bytes()
    checks: list[Check] = []
    m = re.match(rb"%PDF-(\d)\.(\d)", raw[:16])
    version = (int(m.group(1)), int(m.group(2))) if m else None
    checks.append(("version 1.4-1.7", version is not None and (1, 4) <= version <= (1, 7),
                   f"PDF {version[0]}.{version[1]}" if version else "no PDF header"))
    reader = PdfReader(str(path))
    encrypted = reader.is_encrypted or "/Encrypt" in reader.trailer
    checks.append(("no encryption", not encrypted, "encrypted" if encrypted else "not encrypted"))
    if encrypted:
        return checks
    fonts = _fonts(reader)
    missing = sorted(n for n, ok in fonts.items() if not ok)
    checks.append(("fonts embedded", not missing,
                   f"not embedded: {', '.join(missing)}" if missing else f"{len(fonts)} font(s), all embedded"))
    depth = _outline_depth(reader.outline)
    checks.append(("bookmarks at most 4 levels", depth <= MAX_DEPTH, f"{depth} level(s)"))
    mode = reader.trailer["/Root"].get("/PageMode")
    checks.append(("opens on bookmarks (/PageMode /UseOutlines)", mode == "/UseOutlines", f"PageMode {mode}"))
    js = _has_javascript(reader, raw)
    checks.append(("no JavaScript", not js, "JavaScript found" if js else "none"))
    return checks


def passed(checks: list[Check]) -> bool:
    return all(ok for _, ok, _ in checks)


def summary(checks: list[Check]) -> str:
    failed = [rule for rule, ok, _ in checks if not ok]
    return "all checks passed" if not failed else "failed: " + ", ".join(failed)
