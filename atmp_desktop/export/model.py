"""The one document model every builder produces and every writer renders.

Builders (snapshot -> Document) never know the output format; writers (Document -> file) never read the
project. New block types (formatted narrative, stored figures, a generated process-flow diagram) are added
here first, then taught to both writers; a writer meeting a block it does not know renders its `fallback()`.
"""
from __future__ import annotations

import datetime as _dt

import hashlib
from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Run:
    """A piece of inline text with emphasis."""
    text: str
    bold: bool = False
    italic: bool = False
    sub: bool = False
    sup: bool = False


@dataclass(frozen=True)
class XRef:
    """An inline cross-reference to a heading of the same document, by CTD code or heading key."""
    target: str          # CTD code (e.g. "3.2.S.2.2") or heading key
    text: str = ""       # shown text; defaults to "<code> <title>" of the target


Inline = Union[Run, XRef]


MAX_HEADING_CHARS = 300


@dataclass(frozen=True)
class Heading:
    code: str            # CTD code, or "" for non-CTD headings (form sections such as "A.1")
    title: str
    level: int           # 1 = top level within the document
    note: str = ""       # e.g. a certainty tag shown after the title

    @property
    def text(self) -> str:
        label = f"{self.code} {self.title}" if self.code else self.title
        if len(label) > MAX_HEADING_CHARS:  # a pasted essay in a name must not make a heading taller than a page
            label = label[:MAX_HEADING_CHARS - 1].rstrip() + "…"
        return f"{label} {self.note}".rstrip()

    @property
    def key(self) -> str:
        """Stable bookmark name: starts with a letter, ≤ 40 characters (Word limit)."""
        digest = hashlib.sha1(f"{self.code}|{self.title}".encode("utf-8")).hexdigest()[:12]
        slug = "".join(c if c.isalnum() else "_" for c in (self.code or self.title))[:20]
        return f"h_{slug}_{digest}"[:40]


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Inline, ...]
    style: str = "body"  # body | note | label

    @staticmethod
    def of(text: str, **emphasis) -> "Paragraph":
        return Paragraph((Run(text, **emphasis),))


@dataclass(frozen=True)
class Placeholder:
    """Narrative the writer still has to supply; rendered as "[To be completed: <what>]"."""
    what: str

    @property
    def text(self) -> str:
        return f"[To be completed: {self.what}]"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    header_rows: int = 1   # how many of `header` lines repeat; the model keeps one header line
    widths: tuple[float, ...] = ()  # relative column widths; empty = equal

    @property
    def wide(self) -> bool:
        """More than five columns: writers put it on a landscape page."""
        return len(self.header) > 5

    def column_weights(self, avail_chars: float | None = None) -> tuple[float, ...]:
        """Relative column widths: the builder's `widths`, else sized from the content. Every column first gets
        room for its longest word (a "No." column stays narrow, "Netherlands" is not split), the rest of the
        line (`avail_chars`, in average characters) goes to the columns with the most text."""
        ncol = max(1, len(self.header))
        if len(self.widths) == ncol:
            return tuple(float(w) for w in self.widths)
        need, want = [], []
        for i in range(ncol):
            cells = [str(r[i]) for r in self.rows if i < len(r)]
            head = self.header[i] if i < len(self.header) else ""
            words = [len(w) for c in cells for w in c.split()] + [len(w) * 1.3 for w in head.split()]  # bold
            need.append(min(max(words, default=1), 16) + 1.5)
            mean = sum(len(c) for c in cells) / len(cells) if cells else len(head)
            want.append(max(0.0, min(mean, 120.0) - need[-1]))
        spare = (avail_chars if avail_chars else sum(need) * 1.8) - sum(need)
        if spare <= 0 or not sum(want):
            return tuple(need)
        return tuple(n + spare * w / sum(want) for n, w in zip(need, want))


    def column_widths(self, avail: float, char_width: float, padding: float) -> list[float]:
        """Absolute column widths filling `avail` (any unit): builder `widths` share it proportionally; else
        every column gets its content width in characters of `char_width` plus its cell `padding`."""
        ncol = max(1, len(self.header))
        if len(self.widths) == ncol:
            total = sum(self.widths)
            return [avail * w / total for w in self.widths]
        raw = [w * char_width + padding for w in self.column_weights((avail - padding * ncol) / char_width)]
        scale = avail / sum(raw)
        return [r * scale for r in raw]


@dataclass(frozen=True)
class ListBlock:
    items: tuple[tuple[Inline, ...], ...]
    numbered: bool = False


@dataclass(frozen=True)
class Figure:
    """A figure slot. `image` is a path to a PNG/JPEG when the project stores one; else a framed placeholder."""
    caption: str
    image: str = ""
    description: str = ""


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Union[Heading, Paragraph, Placeholder, Table, ListBlock, Figure, PageBreak]


@dataclass(frozen=True)
class DocMeta:
    doc_id: str
    title: str            # document title, e.g. "Module 3.2.S Drug Substance"
    product: str          # product name shown in headers and the title block
    applicant: str
    version: str
    status: str           # Draft / In review / Final
    date: str             # ISO date from the project meta (never now())
    author: str = ""
    subject: str = ""
    ctd_code: str = ""
    final: bool = False   # status is final: no DRAFT watermark by default
    basis: str = ""       # regulatory basis of the document, printed under the title block

    @property
    def display_date(self) -> str:
        """EU texts write dates as DD Month YYYY (brief §8.8)."""
        try:
            return _dt.date.fromisoformat(self.date[:10]).strftime("%d %B %Y").lstrip("0")
        except ValueError:
            return self.date


@dataclass
class Document:
    meta: DocMeta
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def headings(self) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading)]

    def heading_keys(self) -> list[str]:
        """Bookmark keys in heading order, unique even when a heading repeats (first one keeps the plain key)."""
        seen: dict[str, int] = {}
        keys = []
        for h in self.headings():
            n = seen.get(h.key, 0) + 1
            seen[h.key] = n
            keys.append(h.key if n == 1 else f"{h.key[:36]}_{n}")
        return keys

    def find_heading(self, target: str) -> Heading | None:
        for h in self.headings():
            if target in (h.code, h.key):
                return h
        return None

    def title_block(self) -> list[tuple[str, str]]:
        m = self.meta
        return [("Product", m.product), ("Applicant", m.applicant), ("Document", m.title),
                ("Version", m.version), ("Status", m.status), ("Date", m.display_date)]


def _is_wide(b) -> bool:
    return isinstance(b, Table) and b.wide


def orientation_segments(blocks: list[Block], lookahead: int = 3) -> list[tuple[bool, list[Block]]]:
    """Split blocks into (landscape, blocks) runs for both writers.

    A wide table starts a landscape run and takes the headings just before it along (no orphaned heading at
    the bottom of a portrait page); the run continues over short text while another wide table follows within
    `lookahead` blocks, so neighbouring wide tables share pages instead of each forcing two page breaks.
    """
    segments: list[tuple[bool, list[Block]]] = []
    current: list[Block] = []
    landscape = False
    for i, b in enumerate(blocks):
        if not landscape and _is_wide(b):
            moved: list[Block] = []
            j = len(current)  # a heading followed only by short notes goes along with its notes
            while j and isinstance(current[j - 1], Paragraph) and current[j - 1].style == "note":
                j -= 1
            if j < len(current) and j and isinstance(current[j - 1], Heading):
                moved, current = current[j:], current[:j]
            while current and isinstance(current[-1], Heading):
                moved.insert(0, current.pop())
            if current:
                segments.append((False, current))
            current, landscape = moved + [b], True
            continue
        if landscape and not _is_wide(b):
            ahead = blocks[i + 1:i + 1 + lookahead]
            keep = not isinstance(b, (Table, PageBreak)) and any(_is_wide(x) for x in ahead) and \
                not any(isinstance(x, Table) and not x.wide for x in ahead[:next(
                    (k for k, x in enumerate(ahead) if _is_wide(x)), len(ahead))])
            if not keep:
                segments.append((True, current))
                current, landscape = [], False
        current.append(b)
    if current:
        segments.append((landscape, current))
    return segments


def outline_levels(headings: list[Heading], max_level: int = 4) -> list[int]:
    """Bookmark levels (0-based) clamped to `max_level` and never skipping a level downwards."""
    out: list[int] = []
    prev = -1
    for h in headings:
        lvl = min(max(h.level, 1), max_level) - 1
        lvl = min(lvl, prev + 1)
        out.append(lvl)
        prev = lvl
    return out
