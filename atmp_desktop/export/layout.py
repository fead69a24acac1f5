"""Page geometry and table layout shared by both writers, so Word and PDF paginate alike.

Both writers take page size, margins, type sizes and table column widths from here. Table widths are planned
with the metrics of the bundled PDF font (DejaVu Sans), which is wider than Word's Arial, so a width that
keeps an identifier whole in the PDF keeps it whole in Word too.

Identifiers (batch and lot numbers, authorisation and certificate numbers, Ph. Eur. references) are never
split inside a token: a cell may wrap at spaces and after a hyphen or slash only. A table first gives each
column the width of its widest unbreakable piece, then shrinks its text from 9.5 to 9 pt, then turns
landscape; only a piece wider than a landscape line is split, and that is reported.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from atmp_desktop.core.paths import fonts_dir

# ---------------------------------------------------------------- page (points; 1 pt = 1/72 in)
PAGE_W, PAGE_H = A4
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 22 * mm
MARGIN_LEFT = 25 * mm      # at least 3/4 in (eCTD publishers' rule); room for binding
MARGIN_RIGHT = 20 * mm
HEADER_DISTANCE = 12 * mm  # from the page edge to the header text
FOOTER_DISTANCE = 10 * mm

BODY_PT = 10.0
CELL_PT = 9.5
MIN_PT = 9.0               # nothing a reader has to read is smaller (headers and footers included)
CELL_PAD = 3.0             # left and right cell padding, each side


def frame_width(landscape: bool) -> float:
    return (PAGE_H if landscape else PAGE_W) - MARGIN_LEFT - MARGIN_RIGHT


def frame_height(landscape: bool) -> float:
    return (PAGE_W if landscape else PAGE_H) - MARGIN_TOP - MARGIN_BOTTOM


# ---------------------------------------------------------------- fonts
FONT = "DejaVuSans"
FONT_FILES = {"": "DejaVuSans.ttf", "-Bold": "DejaVuSans-Bold.ttf", "-Oblique": "DejaVuSans-Oblique.ttf",
              "-BoldOblique": "DejaVuSans-BoldOblique.ttf"}


@functools.lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the bundled DejaVu Sans family once (TTFs are subset and embedded by ReportLab)."""
    d = fonts_dir()
    for suffix, file in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(FONT + suffix, str(d / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT + "-Bold", italic=FONT + "-Oblique",
                                  boldItalic=FONT + "-BoldOblique")
    return FONT


_WIDTHS: dict[tuple[str, bool], float] = {}


@functools.lru_cache(maxsize=1)
def _charset() -> frozenset[int]:
    """Code points the bundled PDF font (DejaVu Sans, all four faces) can draw."""
    from fontTools.ttLib import TTFont as FtFont
    faces = [set(FtFont(str(fonts_dir() / f), lazy=True).getBestCmap()) for f in FONT_FILES.values()]
    return frozenset(set.intersection(*faces))


_ALWAYS = frozenset(range(0x20)) | {0x200B, 0x00AD}  # control/format characters handled elsewhere


@functools.lru_cache(maxsize=1)
def _drawable() -> frozenset[str]:
    """Characters never reported: ASCII, what the fonts draw, control/format characters handled elsewhere."""
    return frozenset(map(chr, set(_charset()) | set(range(0x7F)) | _ALWAYS))


def missing_glyphs(text: str) -> list[str]:
    """Characters of `text` that no bundled font can draw (they would print as boxes), in order, once each."""
    text = str(text)
    if text.isascii() or _drawable().issuperset(text):  # nearly every text: one set operation in C
        return []
    chars = _charset()
    out = []
    for ch in text:
        cp = ord(ch)
        if cp > 0x7E and cp not in chars and cp not in _ALWAYS and ch not in out and not ch.isspace():
            out.append(ch)
    return out


def printable(text: str) -> str:
    """`text` with every character the bundled font lacks shown as its code, "[U+1D6FC]", never as a box."""
    missing = missing_glyphs(text)
    for ch in missing:
        text = text.replace(ch, f"[U+{ord(ch):04X}]")
    return text


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points; words are measured once at 1 pt and cached (tables repeat their words a lot)."""
    key = (text, bold)
    w = _WIDTHS.get(key)
    if w is None:
        register_fonts()
        w = pdfmetrics.stringWidth(text, FONT + ("-Bold" if bold else ""), 1.0)
        if len(_WIDTHS) < 200_000:
            _WIDTHS[key] = w
    return w * size


# ---------------------------------------------------------------- identifier-safe breaking
_BREAK_AFTER = re.compile(r"(?<=[-/\u2010\u2013])(?=[^\s/-])")  # after a hyphen, slash or en dash


def pieces(text: str) -> list[str]:
    """The unbreakable pieces of a text: words, further cut after hyphens and slashes."""
    out: list[str] = []
    for word in str(text).split():
        out += _BREAK_AFTER.split(word)
    return out


def break_token(token: str, width: float, size: float, bold: bool = False) -> list[str]:
    """A word wider than `width` as lines cut only after its hyphens or slashes (greedy); a piece that is
    still too wide stays whole (the table plan made the column wide enough, or reported it)."""
    parts = _BREAK_AFTER.split(token)
    lines, cur = [], ""
    for p in parts:
        if cur and text_width(cur + p, size, bold) > width:
            lines.append(cur)
            cur = p
        else:
            cur += p
    if cur:
        lines.append(cur)
    return lines


def wrap_text(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Lines of `text` filling `width` (points): greedy at spaces; a word wider than the line is cut only after
    its hyphens or slashes; a piece still too wide (a table plan that `splits`) is cut by characters."""
    space = text_width(" ", size, bold)
    lines: list[str] = []
    for para in str(text).split("\n"):
        cur, cur_w = "", 0.0
        for word in para.split():
            ww = text_width(word, size, bold)
            if ww > width:
                parts = break_token(word, width, size, bold)
                parts = [q for p in parts for q in (_hard_split(p, width, size, bold)
                                                     if text_width(p, size, bold) > width else [p])]
            else:
                parts = [word]
            for i, part in enumerate(parts):
                pw = ww if len(parts) == 1 else text_width(part, size, bold)
                if cur and (i or cur_w + space + pw > width):
                    lines.append(cur)
                    cur, cur_w = part, pw
                elif cur:
                    cur, cur_w = cur + " " + part, cur_w + space + pw
                else:
                    cur, cur_w = part, pw
        lines.append(cur)
    return lines


def _hard_split(word: str, width: float, size: float, bold: bool) -> list[str]:
    out, cur = [], ""
    for ch in word:
        if cur and text_width(cur + ch, size, bold) > width:
            out.append(cur)
            cur = ch
        else:
            cur += ch
    return out + [cur] if cur else out


def widest_piece(text: str, size: float, bold: bool = False) -> float:
    return _widest_1pt(text, bold) * size


@functools.lru_cache(maxsize=65536)
def _widest_1pt(text: str, bold: bool) -> float:
    """The widest unbreakable piece at 1 pt; table plans ask for every sampled cell, and cells repeat."""
    return max((text_width(p, 1.0, bold) for p in pieces(text)), default=0.0)


# ---------------------------------------------------------------- table plans
@dataclass(frozen=True)
class TablePlan:
    landscape: bool
    size: float                 # cell text size, pt
    widths: tuple[float, ...]   # column widths, pt, summing to the frame width
    splits: bool = False        # some piece is wider than its column even in landscape at 9 pt


_SAMPLE = 400  # rows looked at for widths; a long table's width is settled by its first rows and its longest


def _sample_rows(rows):
    if len(rows) <= _SAMPLE:
        return rows
    longest = sorted(rows, key=lambda r: -sum(len(str(c)) for c in r))[:_SAMPLE // 4]
    return list(rows[:_SAMPLE]) + longest


@functools.lru_cache(maxsize=256)
def _column_stats(table) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    """Per column at 1 pt: the widest unbreakable piece (header in bold), the mean text width, the longest."""
    ncol = max(1, len(table.header))
    rows = _sample_rows(table.rows)
    need, mean, longest = [], [], []
    for i in range(ncol):
        cells = [str(r[i]) for r in rows if i < len(r)]
        head = table.header[i] if i < len(table.header) else ""
        need.append(max([widest_piece(c, 1.0) for c in cells] + [widest_piece(head, 1.0, True)]))
        widths = [text_width(c, 1.0) for c in cells]
        mean.append(sum(widths) / len(widths) if widths else text_width(head, 1.0, True))
        longest.append(max(widths + [text_width(head, 1.0, True)]))
    return tuple(need), tuple(mean), tuple(longest)


def _distribute(need: list[float], want: list[float], avail: float) -> list[float]:
    """Every column gets `need`; the rest of the line goes to the columns in proportion to `want`."""
    spare = avail - sum(need)
    total = sum(want)
    if spare <= 0:
        return list(need)
    if total <= 0:
        return [n + spare / len(need) for n in need]
    return [n + spare * w / total for n, w in zip(need, want)]


def plan_table(table, prefer_landscape: bool = False) -> TablePlan:
    """Orientation, text size and column widths of a model Table (see the module docstring)."""
    need1, mean1, long1 = _column_stats(table)
    orientations = (True,) if prefer_landscape else (False, True)
    for landscape in orientations:
        avail = frame_width(landscape)
        for size in (CELL_PT, MIN_PT):
            need = [n * size + 2 * CELL_PAD + 0.5 for n in need1]
            if sum(need) <= avail:
                return TablePlan(landscape, size, tuple(_widths(table, need, mean1, long1, size, avail)))
    # even landscape at 9 pt cannot hold every piece whole: share the line by need and let the writer split
    avail = frame_width(True)
    need = [n * MIN_PT + 2 * CELL_PAD for n in need1]
    scale = avail / sum(need)
    return TablePlan(True, MIN_PT, tuple(n * scale for n in need), splits=True)


def _widths(table, need, mean1, long1, size, avail) -> list[float]:
    ncol = len(need)
    if len(table.widths) == ncol and sum(table.widths) > 0:
        # the builder's proportions, raised where a column would split a piece, taken from the others
        total = sum(table.widths)
        target = [avail * w / total for w in table.widths]
        return _respect_minimum(target, need, avail)
    # a column never gets more than its longest text; the rest goes by mean text width
    want = [max(0.0, min(m * size, l * size) - n) for m, l, n in zip(mean1, long1, need)]
    return _distribute(need, want, avail)


def _respect_minimum(target: list[float], need: list[float], avail: float) -> list[float]:
    out = list(target)
    for _ in range(len(out)):
        short = [i for i, (w, n) in enumerate(zip(out, need)) if w < n - 1e-6]
        if not short:
            break
        deficit = sum(need[i] - out[i] for i in short)
        for i in short:
            out[i] = need[i]
        donors = [i for i in range(len(out)) if i not in short and out[i] > need[i]]
        room = sum(out[i] - need[i] for i in donors)
        if room <= 0:
            break
        for i in donors:
            out[i] -= deficit * (out[i] - need[i]) / room
    scale = avail / sum(out)
    return [w * scale for w in out]
