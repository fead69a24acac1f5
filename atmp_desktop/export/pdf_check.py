"""Check a PDF against the eCTD (ICH M8) rules this app promises: version 1.4-1.7, every font embedded,
bookmarks ≤ 4 levels, opens on the bookmarks panel, no encryption, no JavaScript, linearised (fast web view),
no text smaller than 9 pt, no watermark text, and in a final document no internal notes (certainty tags,
"verify"). Reads the file, not intent.
"""
from __future__ import annotations

import contextlib
import re
from pathlib import Path

Check = tuple[str, bool, str]  # (rule, passed, detail)
MAX_DEPTH = 4
MIN_FONT_PT = 9.0
WATERMARK_PT = 36.0   # text this large is a watermark, not content (our largest title is 20 pt)
INTERNAL_NOTE = re.compile(r"\[(?:U|K|V)(?:[:\]]|\s*on\b)|\bverif(?:y|ied)\b|this app'?s? grouping", re.I)


def _font_embedded(font) -> bool:
    """A font dictionary (pikepdf) carries its glyphs: a font file, Type3 procedures, or descendants that do."""
    import pikepdf
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True  # glyphs are drawn by content streams inside the font
    if subtype == "/Type0":
        return all(_font_embedded(d) for d in font.get("/DescendantFonts", pikepdf.Array()))
    desc = font.get("/FontDescriptor")
    return isinstance(desc, pikepdf.Dictionary) and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _fonts(pdf) -> dict[str, bool]:
    """Base font name -> embedded, for every font of every page and of the forms they use (a pikepdf.Pdf:
    qpdf parses the objects; pypdf took 0.5 s for the 930 pages of a large export). Shared dictionaries are
    looked at once."""
    import pikepdf
    found: dict[str, bool] = {}
    seen: set[tuple[int, int]] = set()

    def once(obj) -> bool:
        if obj.is_indirect:
            if obj.objgen in seen:
                return False
            seen.add(obj.objgen)
        return True

    def walk(resources, depth=0):
        if not isinstance(resources, pikepdf.Dictionary) or depth > 5 or not once(resources):
            return
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary) and once(fonts):
            for _, f in fonts.items():
                if isinstance(f, pikepdf.Dictionary) and once(f):
                    name = str(f.get("/BaseFont", "?"))
                    found[name] = found.get(name, True) and _font_embedded(f)
        xobjects = resources.get("/XObject")
        if isinstance(xobjects, pikepdf.Dictionary) and once(xobjects):
            for _, xo in xobjects.items():
                if isinstance(xo, (pikepdf.Stream, pikepdf.Dictionary)) and once(xo):
                    walk(xo.get("/Resources"), depth + 1)

    for page in pdf.pages:
        walk(page.obj.get("/Resources"))
    return found


def _outline_depth(pdf) -> int:
    """Levels of the bookmark tree (/Outlines: /First, /Next), each item looked at once."""
    import pikepdf
    seen: set = set()

    def depth(node, level: int) -> int:
        d = 0
        while isinstance(node, pikepdf.Dictionary):
            key = node.objgen if node.is_indirect else id(node)
            if key in seen:
                break
            seen.add(key)
            d = max(d, level, depth(node.get("/First"), level + 1))
            node = node.get("/Next")
        return d

    outlines = pdf.Root.get("/Outlines")
    return depth(outlines.get("/First"), 1) if isinstance(outlines, pikepdf.Dictionary) else 0


_STREAM_DATA = re.compile(rb"stream\r?\n.*?endstream", re.S)


def _has_javascript(pdf, raw: bytes) -> bool:
    import pikepdf
    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        return True
    action = root.get("/OpenAction")
    if isinstance(action, pikepdf.Dictionary) and (action.get("/S") == "/JavaScript" or "/JS" in action):
        return True
    # annotations/actions anywhere: look for the names in the object dictionaries, not inside stream data
    # (compressed page content can contain the bytes "/JS" by chance: a false alarm on a clean file)
    if re.search(rb"/(JavaScript|JS)\b", _STREAM_DATA.sub(b"stream endstream", raw)):
        return True
    if b"/ObjStm" in raw:  # objects packed inside (compressed) object streams
        return any(_javascript_in(obj) for obj in pdf.objects)
    return False


def _javascript_in(obj, depth: int = 0) -> bool:
    """A JavaScript action in this dictionary or in the direct dictionaries and arrays inside it."""
    import pikepdf
    if isinstance(obj, pikepdf.Dictionary):
        if "/JS" in obj or obj.get("/S") == "/JavaScript":
            return True
        children = obj.values()
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return False
    return depth < 8 and any(_javascript_in(v, depth + 1) for v in children
                             if isinstance(v, (pikepdf.Dictionary, pikepdf.Array)) and not v.is_indirect)


def _mul(a, b):
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _scale(mx) -> float:
    return abs(mx[0] * mx[3] - mx[1] * mx[2]) ** 0.5


_STRINGS = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>")   # literal and hex strings
_NUM = rb"(-?\d*\.?\d+)"
_TOKENS = re.compile((_NUM + rb"\s+") * 6 + rb"(cm|Tm)\b|/[^\s/\[\]()<>]+\s+" + _NUM +
                     rb"\s+(Tf)\b|" + _NUM + rb"\s+(Ts)\b|(?<![\w/])([qQ]|BT)(?![\w*'\"])|(TJ|Tj|'|\")")


_TRANSLATE = re.compile(rb"1 0 0 1 -?[\d.]+ -?[\d.]+ (?:cm|Tm)\b")
_TF = re.compile(rb"/[^\s/\[\]()<>]+\s+" + _NUM + rb"\s+Tf\b")


def _operands_before(data: bytes, at: int, n: int) -> list[float] | None:
    try:
        return [float(x) for x in data[max(0, at - 120):at].split()[-n:]]
    except ValueError:
        return None


def _unit_scale_only(data: bytes) -> bool:
    """No matrix that scales (translations and rotations only) and no text rise in this content stream."""
    rest = _TRANSLATE.sub(b"", data)
    for op in (b" cm", b" Tm", b"\ncm", b"\nTm"):
        at = rest.find(op)
        while at >= 0:
            m = _operands_before(rest, at, 6)
            if m is None or len(m) < 6 or abs(m[0] * m[3] - m[1] * m[2] - 1) > 1e-3:
                return False
            at = rest.find(op, at + 3)
    for op in (b" Ts", b"\nTs"):
        at = data.find(op)
        while at >= 0:
            m = _operands_before(data, at, 1)
            if m is None or m[0] != 0:
                return False
            at = data.find(op, at + 3)
    return True


_SHOWN = re.compile(rb"\)\s*(?:Tj|')|\]\s*TJ")


def _content(obj) -> bytes:
    import pikepdf
    c = obj.get("/Contents")
    if c is None:
        return obj.read_bytes() if isinstance(obj, pikepdf.Stream) else b""
    if isinstance(c, pikepdf.Array):
        return b"\n".join(x.read_bytes() for x in c)
    return c.read_bytes()


def text_sizes(path: Path, pdf=None) -> tuple[float | None, float | None, int]:
    """(smallest size of baseline text, smallest size of raised or lowered text, text runs at watermark size),
    in effective points (font size x text matrix x CTM), from every page's content stream and its forms.
    Scans the decompressed content with regular expressions (strings removed first): a few ms per page.
    `pdf`: the file already open in pikepdf."""
    import pikepdf
    smallest: list = [None, None]
    big = 0

    def walk(data: bytes):
        nonlocal big
        data = _STRINGS.sub(b"()", data)
        if _unit_scale_only(data):
            # fast path (every stream ReportLab writes): no scaling matrix and no text rise, so the shown
            # size is the Tf size; sizes set without text shown (the page preamble's 12 pt) are harmless
            sizes = [float(x) for x in _TF.findall(data)]
            if sizes and _SHOWN.search(data):
                low = min(sizes)
                if smallest[0] is None or low < smallest[0]:
                    smallest[0] = low
                big += sum(1 for x in sizes if x >= WATERMARK_PT)
            return
        ctm, stack = [1.0, 0, 0, 1.0, 0, 0], []
        size, tm, rise = 0.0, [1.0, 0, 0, 1.0, 0, 0], 0.0
        seen = set()
        for g in _TOKENS.finditer(data):
            op = g.group(7) or g.group(9) or g.group(11) or g.group(12) or g.group(13)
            if op == b"cm":
                ctm = _mul([float(g.group(i)) for i in range(1, 7)], ctm)
            elif op == b"Tm":
                tm = [float(g.group(i)) for i in range(1, 7)]
            elif op == b"Tf":
                size = float(g.group(8))
            elif op == b"Ts":
                rise = float(g.group(10))
            elif op == b"q":
                stack.append(ctm)
            elif op == b"Q":
                if stack:
                    ctm = stack.pop()
            elif op == b"BT":
                tm = [1.0, 0, 0, 1.0, 0, 0]
            else:  # text shown
                state = (size, tm[0], tm[1], tm[2], tm[3], ctm[0], ctm[1], ctm[2], ctm[3], rise)
                if state in seen:
                    continue
                seen.add(state)
                eff = round(size * _scale(tm) * _scale(ctm), 2)
                slot = 0 if rise == 0 else 1
                if smallest[slot] is None or eff < smallest[slot]:
                    smallest[slot] = eff
                if eff >= WATERMARK_PT:
                    big += 1

    with (pikepdf.open(path) if pdf is None else contextlib.nullcontext(pdf)) as pdf:
        forms = {}
        for page in pdf.pages:
            walk(_content(page.obj))
            xobjs = page.obj.get("/Resources", {}).get("/XObject", {})
            for _, xo in (xobjs.items() if hasattr(xobjs, "items") else []):
                if xo.get("/Subtype") == "/Form":
                    forms[xo.objgen] = xo
        for xo in forms.values():
            walk(xo.read_bytes())
    return smallest[0], smallest[1], big


def is_final(pdf) -> bool:
    """Our exports name the document status in the keywords ("status Final")."""
    import pikepdf
    info = pdf.trailer.get("/Info")
    return isinstance(info, pikepdf.Dictionary) and "status final" in str(info.get("/Keywords", "")).lower()


def internal_notes(path: Path, limit: int = 5) -> list[str]:
    from pypdf import PdfReader   # its text extraction; only final documents need it
    found = []
    for number, page in enumerate(PdfReader(str(path)).pages, 1):
        for m in INTERNAL_NOTE.finditer(page.extract_text() or ""):
            found.append(f"page {number}: {m.group(0)!r}")
            if len(found) >= limit:
                return found
    return found


def check_pdf(path: Path) -> list[Check]:
    """Every rule on the file as written, read once with qpdf (pikepdf); pypdf reads the text of a final
    document for internal notes (pypdf's parse of every file was 0.6 s of a large export's checks)."""
    import pikepdf
    path = Path(path)
    raw = path.read_bytes()
    checks: list[Check] = []
    m = re.match(rb"%PDF-(\d)\.(\d)", raw[:16])
    version = (int(m.group(1)), int(m.group(2))) if m else None
    checks.append(("version 1.4-1.7", version is not None and (1, 4) <= version <= (1, 7),
                   f"PDF {version[0]}.{version[1]}" if version else "no PDF header"))
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        pdf = None
    with (pdf if pdf is not None else contextlib.nullcontext()):
        encrypted = pdf is None or pdf.is_encrypted or "/Encrypt" in pdf.trailer
        checks.append(("no encryption", not encrypted, "encrypted" if encrypted else "not encrypted"))
        if encrypted:
            return checks
        fonts = _fonts(pdf)
        missing = sorted(n for n, ok in fonts.items() if not ok)
        checks.append(("fonts embedded", not missing,
                       f"not embedded: {', '.join(missing)}" if missing else f"{len(fonts)} font(s), all embedded"))
        depth = _outline_depth(pdf)
        checks.append(("bookmarks at most 4 levels", depth <= MAX_DEPTH, f"{depth} level(s)"))
        mode = pdf.Root.get("/PageMode")
        mode = str(mode) if mode is not None else None
        checks.append(("opens on bookmarks (/PageMode /UseOutlines)", mode == "/UseOutlines", f"PageMode {mode}"))
        js = _has_javascript(pdf, raw)
        checks.append(("no JavaScript", not js, "JavaScript found" if js else "none"))
        lin = bool(pdf.is_linearized)
        checks.append(("linearised (fast web view)", lin, "linearised" if lin else "not linearised"))
        body, raised, big = text_sizes(path, pdf)
        final = is_final(pdf)
    detail = f"smallest text {body:g} pt" if body is not None else "no text"
    if raised is not None:
        detail += f"; sub/superscripts from {raised:g} pt"
    checks.append((f"text at least {MIN_FONT_PT:g} pt", body is None or body >= MIN_FONT_PT, detail))
    checks.append(("no watermark text", not big,
                   f"{big} text run(s) at {WATERMARK_PT:g} pt or more" if big else "none (a watermark is drawn as "
                                                                                  "outlines)"))
    if final:
        notes = internal_notes(path)
        checks.append(("no internal notes in a final document", not notes,
                       "; ".join(notes) if notes else "none"))
    return checks


def passed(checks: list[Check]) -> bool:
    return all(ok for _, ok, _ in checks)


def summary(checks: list[Check]) -> str:
    failed = [rule for rule, ok, _ in checks if not ok]
    return "all checks passed" if not failed else "failed: " + ", ".join(failed)


# ---------------------------------------------------------------- a whole eCTD tree
NAME = re.compile(r"^[a-z0-9-]+$")
MAX_NAME = 64
MAX_PATH = 180


def name_problems(paths: list[str]) -> list[str]:
    """eCTD file and folder names (verification notes §2c): a-z, 0-9 and '-' only, at most 64 characters
    each (extension included), at most 180 characters in all (from the sequence folder); one sentence each."""
    out = []
    for path in paths:
        parts = path.split("/")
        for i, part in enumerate(parts):
            stem = part.rsplit(".", 1)[0] if i == len(parts) - 1 else part
            if not NAME.match(stem):
                out.append(f"'{path}': the name '{part}' may hold only a-z, 0-9 and '-'.")
            if len(part) > MAX_NAME:
                out.append(f"'{path}': the name '{part}' is longer than {MAX_NAME} characters.")
        if len(path) > MAX_PATH:
            out.append(f"'{path}' is longer than {MAX_PATH} characters.")
    return list(dict.fromkeys(out))


def remote_links(path: Path) -> list[tuple[str, str]]:
    """(relative file, named destination) of every link of `path` into another file (GoToR)."""
    import pikepdf
    out = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                action = annot.get("/A")
                if action is not None and action.get("/S") == "/GoToR":
                    f = action.get("/F")
                    target = str(f.get("/UF", f.get("/F", ""))) if isinstance(f, pikepdf.Dictionary) else str(f)
                    out.append((target, str(action.get("/D", "")).lstrip("/")))
    return out


def destinations(path: Path) -> set[str]:
    import pikepdf
    with pikepdf.open(path) as pdf:
        dests = pdf.Root.get("/Dests")
        return {str(k).lstrip("/") for k in dests.keys()} if dests is not None else set()


def check_tree(root: Path) -> tuple[dict[Path, list[Check]], list[Check]]:
    """Every PDF of an exported tree (the word/ sources excepted) checked on its own, and the tree as a whole:
    names and path lengths, links between leaves (file exists, destination exists), the manifest."""
    import csv
    import hashlib
    root = Path(root)
    pdfs = sorted(p for p in root.rglob("*.pdf") if p.relative_to(root).parts[0] != "word")
    per_file = {p: check_pdf(p) for p in pdfs}
    tree: list[Check] = []
    names = name_problems([p.relative_to(root).as_posix() for p in pdfs])
    tree.append(("names a-z 0-9 '-', at most 64 characters, paths at most 180", not names,
                 "; ".join(names[:5]) if names else f"{len(pdfs)} file(s)"))
    broken, count, dest_cache = [], 0, {}
    for p in pdfs:
        for target, dest in remote_links(p):
            count += 1
            if target.startswith("/") or "://" in target:
                broken.append(f"{p.relative_to(root)}: '{target}' is not a relative link")
                continue
            other = (p.parent / target).resolve()
            if not other.is_file():
                broken.append(f"{p.relative_to(root)} -> {target}: no such file")
                continue
            if other not in dest_cache:
                dest_cache[other] = destinations(other)
            if dest and dest not in dest_cache[other]:
                broken.append(f"{p.relative_to(root)} -> {target}#{dest}: no such destination")
    tree.append(("links between leaves resolve", not broken,
                 "; ".join(broken[:5]) if broken else f"{count} relative link(s)"))
    manifest = root / "manifest.csv"
    if manifest.is_file():
        wrong = []
        with manifest.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        listed = {r["file"] for r in rows}
        for r in rows:
            f = root / r["file"]
            if not f.is_file():
                wrong.append(f"{r['file']}: missing")
            elif str(f.stat().st_size) != r["size"] or hashlib.md5(f.read_bytes()).hexdigest() != r["md5"]:
                wrong.append(f"{r['file']}: size or MD5 differs")
        wrong += [f"{p.relative_to(root).as_posix()}: not in the manifest" for p in pdfs
                  if p.relative_to(root).as_posix() not in listed]
        tree.append(("manifest lists every file with its size and MD5", not wrong,
                     "; ".join(wrong[:5]) if wrong else f"{len(rows)} file(s)"))
    return per_file, tree
