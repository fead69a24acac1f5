"""The one document model every builder produces and every writer renders.

Builders (snapshot -> Document) never know the output format; writers (Document -> file) never read the
project. New block types (formatted narrative, stored figures, a generated process-flow diagram) are added
here first, then taught to both writers; a writer meeting a block it does not know renders its `fallback()`.
"""
from __future__ import annotations

import datetime as _dt

import functools
import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Union

from atmp_desktop.core.definitions import MATTER_TITLES


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
    """An inline cross-reference: to a heading (CTD code or heading key), or to a table or figure by its `id`
    ("table:<id>", "figure:<id>"), of this document or of the document `document` (another document's id:
    writers print `text` and may link the other file). A target of this document that does not exist is
    printed as plain text and reported as an export warning naming it (`finish`)."""
    target: str          # CTD code (e.g. "3.2.S.2.2"), heading key, "table:<id>" or "figure:<id>"
    text: str = ""       # shown text; defaults to "<code> <title>" of a heading, "Table <number>" of a table
    document: str = ""   # another document's id ('' = this document)
    # a reference a writer typed in narrative ("see 3.2.S.2.3", "Table 3.2.P.5.1-1"): linked when this document
    # holds the target, else printed as the writer's text with no warning (it may name another document)
    soft: bool = False


@dataclass(frozen=True)
class Cite:
    """An inline citation of literature-table keys ("[ref:a, b]" in narrative). Writers print the numbers the
    document's reference list gives them ("[1, 2]", each linked to its entry, `Document.citation`); a key the
    literature table lacks prints as written and is an export warning (`finish`)."""
    keys: tuple[str, ...]
    text: str = ""       # as written


Inline = Union[Run, XRef, Cite]


MAX_HEADING_CHARS = 300


@dataclass(frozen=True)
class Heading:
    code: str            # CTD code, or "" for non-CTD headings (form sections such as "A.1")
    title: str
    level: int           # 1 = top level within the document
    note: str = ""       # e.g. a certainty tag shown after the title
    role: str = ""       # "abbreviations" / "references": a list `finish` makes (MATTER), not the builder's

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
    style: str = "body"  # body | note | label | review (a note for reviewers, never submission text)

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
    widths: tuple[float, ...] = ()  # relative column widths; empty = sized from the content
    id: str = ""           # target of XRef("table:<id>")
    number: str = ""       # "3.2.P.5.1-1", given by `finish`; never set by builders

    @property
    def wide(self) -> bool:
        """Writers put it on a landscape page: more than five columns, or an identifier that would not stay
        whole on a portrait line (export.layout.plan_table)."""
        from atmp_desktop.export.layout import plan_table
        return len(self.header) > 5 or plan_table(self).landscape

    @property
    def label(self) -> str:
        return f"Table {self.number}" if self.number else "Table"

    @property
    def full_caption(self) -> str:
        """The caption both writers print and list: "Table 3.2.P.5.1-1: Specification"."""
        if not self.number:
            return self.caption
        return f"{self.label}: {self.caption}" if self.caption else self.label


@dataclass(frozen=True)
class ListBlock:
    items: tuple[tuple[Inline, ...], ...]
    numbered: bool = False
    anchors: tuple[str, ...] = ()  # a bookmark per item (the reference list: citations link to them)


@dataclass(frozen=True)
class Figure:
    """A figure: an attached image (`data` of `kind` png/jpeg/svg, with `alt` text), a generated `diagram`, or
    an empty slot (a framed placeholder). `image` is a path to a PNG/JPEG file (kept for callers outside the
    project)."""
    caption: str
    image: str = ""
    description: str = ""
    id: str = ""           # target of XRef("figure:<id>")
    number: str = ""       # "3.2.S.2.2-1", given by `finish`
    diagram: object = None  # a generated drawing (export.diagram.Layout): vectors in the PDF, a 300 dpi PNG in Word
    data: bytes = field(default=b"", repr=False)   # an attached image (core.figures): SVG stays vectors in the PDF
    kind: str = ""         # png | jpeg | svg
    alt: str = ""          # alt text (Word's picture description; the plain-text rendering)

    @property
    def label(self) -> str:
        return f"Figure {self.number}" if self.number else "Figure"

    @property
    def full_caption(self) -> str:
        return f"{self.label}: {self.caption}" if self.caption else self.label


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Union[Heading, Paragraph, Placeholder, Table, ListBlock, Figure, PageBreak]


@dataclass(frozen=True)
class Literature:
    """An entry of the project's literature table (references.literature)."""
    key: str
    authors: str = ""
    title: str = ""
    source: str = ""
    year: str = ""
    identifier: str = ""   # a DOI or a guideline / document number

    @property
    def text(self) -> str:
        """The entry as printed in a reference list (ICMJE/Vancouver order): "Authors. Title. Source; Year.
        doi:10.x/y" or "... EMA/CAT/80183/2014."."""
        def end(t: str) -> str:
            t = t.strip()
            return t if not t or t[-1] in ".?!" else t + "."
        ident = self.identifier.strip()
        if re.match(r"(?i)^(doi:\s*|https?://(dx\.)?doi\.org/)?10\.\d{4,9}/\S+$", ident):
            ident = "doi:" + re.sub(r"(?i)^(doi:\s*|https?://(dx\.)?doi\.org/)", "", ident)
        where = "; ".join(x for x in (self.source.strip().rstrip("."), str(self.year).strip()) if x)
        return " ".join(x for x in (end(self.authors), end(self.title), end(where), end(ident)) if x) or self.key


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
    internal: bool = False  # a report for the writer (readiness report), not submission text
    front_matter: bool = True  # title block, TOC and lists; an eCTD leaf file starts with its heading

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
    finished: bool = False   # `finish` has numbered tables and figures and checked cross-references
    review_notes: list[tuple[str, str]] = field(default_factory=list)  # (section, note) of a draft
    # cross-references into other files: (XRef.document, XRef.target) -> (path of the other file relative to
    # this one, without extension, and the bookmark there); set by export.leaves for eCTD leaves and documents
    links: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    # the project's glossary ((abbreviation, expansion), ...) and literature table, set by the builder when the
    # definition asks for a list of abbreviations / references; `finish` prints what this document uses
    glossary: tuple[tuple[str, str], ...] = ()
    literature: tuple[Literature, ...] = ()

    def citation(self, cite: Cite) -> list[tuple[str, str | None]]:
        """(shown number, bookmark of the reference entry) per key of a citation; both writers use it. Numbers
        follow the order of first citation in this document (each eCTD leaf file numbers its own)."""
        numbers = self._citation_numbers()
        return [(str(numbers[k.casefold()]), reference_key(numbers[k.casefold()])) if k.casefold() in numbers
                else (k, None) for k in cite.keys]

    def _citation_numbers(self) -> dict[str, int]:
        cached = self.__dict__.get("_numbers")
        if cached is None or cached[0] != len(self.blocks):
            known = {e.key.strip().casefold() for e in self.literature}
            order: dict[str, int] = {}
            for c in _cites(self.blocks):
                for k in c.keys:
                    if k.casefold() in known and k.casefold() not in order:
                        order[k.casefold()] = len(order) + 1
            cached = self.__dict__["_numbers"] = (len(self.blocks), order)
        return cached[1]

    def link_of(self, ref: XRef) -> tuple[str, str] | None:
        """(relative file path without extension, bookmark) of a reference into another file, else None."""
        found = self.links.get((ref.document, ref.target))
        return found[:2] if found else None

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]

    def find_block(self, target: str):
        """The table or figure an XRef names ("table:<id>" / "figure:<id>"), else None."""
        kind, _, ident = target.partition(":")
        if kind in ("table-number", "figure-number"):  # "Table 3.2.P.5.1-1" written in narrative
            cls = Table if kind == "table-number" else Figure
            return next((b for b in self.blocks if isinstance(b, cls) and b.number == ident), None)
        cls = {"table": Table, "figure": Figure}.get(kind)
        if cls is None or not ident:
            return None
        return next((b for b in self.blocks if isinstance(b, cls) and b.id == ident), None)

    def xref_text(self, ref: XRef) -> tuple[str, str | None]:
        """(shown text, bookmark key or None) of a cross-reference; both writers use it. A reference to another
        document has no bookmark here (its text names the target)."""
        linked = self.links.get((ref.document, ref.target))
        if ref.document or linked:
            return ref.text or (linked[2] if linked else ref.target), None
        block = self.find_block(ref.target)
        if block is not None:
            return ref.text or block.label, caption_key(block)
        head = self.find_heading(ref.target)
        if head is not None:
            return ref.text or head.text, head.key
        return ref.text or ref.target, None

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


# Certainty tags ("[U]", "[K]", "[U: numbering]", "[U on numbering]", "[secondary]") are for the writer's
# eyes only (brief): never printed in a final document.
CERTAINTY_TAG = re.compile(r"\s*\[(?:U|K|V|secondary)(?:(?::|\s+on\b)[^\]]*)?\]")
_INTERNAL = re.compile(r"\bthis app'?s?\b|\bcheck against\b|\bto be verified\b", re.I)


_TAG_MEANING = {"[U]": "[U] unsure: check this heading's number and title against the official template.",
                "[K]": "[K] domain knowledge: re-check against the source before submission.",
                "[V]": "[V] verified against the source."}


def explain_tag(note: str) -> str:
    return _TAG_MEANING.get(note.strip(), note)


def strip_tags(text: str) -> str:
    return CERTAINTY_TAG.sub("", text) if "[" in text else text


def _tags_of(text: str) -> str:
    return " ".join(m.group(0).strip() for m in CERTAINTY_TAG.finditer(text))


def is_internal_note(text: str) -> bool:
    """A note about the app or the certainty of its own structure, for reviewers only."""
    return bool(CERTAINTY_TAG.search(text) or _INTERNAL.search(text))


def _plain(runs) -> str:
    return "".join(r.text if isinstance(r, Run) else (r.text or r.target) for r in runs)


def _clean_runs(runs):
    return tuple(replace(r, text=strip_tags(r.text)) if isinstance(r, Run) and "[" in r.text else r for r in runs)


def _clean_block(b):
    """A final document's block without certainty tags in its text."""
    if isinstance(b, Paragraph):
        return replace(b, runs=_clean_runs(b.runs))
    if isinstance(b, ListBlock):
        return replace(b, items=tuple(_clean_runs(i) for i in b.items))
    if isinstance(b, Table):
        if not any("[" in c for r in b.rows for c in map(str, r)) and "[" not in b.caption:
            return b
        return replace(b, caption=strip_tags(b.caption), header=tuple(strip_tags(h) for h in b.header),
                       rows=tuple(tuple(strip_tags(str(c)) for c in r) for r in b.rows))
    if isinstance(b, Figure):
        return replace(b, caption=strip_tags(b.caption), description=strip_tags(b.description))
    return b


def reference_key(number: int) -> str:
    """Bookmark name of entry `number` of a document's reference list."""
    return f"_Ref_r_{number}"


def _inline_runs(b) -> list:
    if isinstance(b, Paragraph):
        return list(b.runs)
    if isinstance(b, ListBlock):
        return [r for item in b.items for r in item]
    return []


def _cites(blocks):
    for b in blocks:
        if isinstance(b, (Paragraph, ListBlock)) and not (isinstance(b, Paragraph) and b.style == "review"):
            for r in _inline_runs(b):
                if isinstance(r, Cite):
                    yield r


# ----------------------------------------------------------------------------- abbreviations and references
ABBREVIATIONS_TITLE, REFERENCES_TITLE = MATTER_TITLES["abbreviations"], MATTER_TITLES["references"]


def _texts(blocks, meta: DocMeta):
    """The printed text of a document for the abbreviation scan (not reviewer notes, not the matter itself)."""
    if meta.front_matter:
        yield meta.title
        yield meta.product
        yield meta.basis
    role = ""
    for b in blocks:
        if isinstance(b, Heading):
            role = b.role
            if not role:
                yield b.title
        elif role:
            continue
        elif isinstance(b, Paragraph):
            if b.style != "review":
                yield "".join(r.text if isinstance(r, (Run, Cite)) else (r.text or r.target) for r in b.runs)
        elif isinstance(b, ListBlock):
            for item in b.items:
                yield "".join(r.text if isinstance(r, (Run, Cite)) else (r.text or r.target) for r in item)
        elif isinstance(b, Table):
            yield b.caption
            yield "\t".join(b.header)
            for row in b.rows:
                yield "\t".join(map(str, row))
        elif isinstance(b, Figure):
            yield b.caption
            yield b.description
        elif isinstance(b, Placeholder):
            yield b.what


def used_abbreviations(doc: "Document") -> list[tuple[str, str]]:
    """The glossary entries whose abbreviation occurs in the document's text as a whole word (case as written;
    a plural "s" or a number counts: "MCBs", "CD34", "HEK293"), sorted alphabetically; the first entry of an abbreviation listed twice wins."""
    entries: dict[str, str] = {}
    for abbr, expansion in doc.glossary:
        abbr = " ".join(str(abbr).split())
        if abbr and str(expansion).strip() and abbr not in entries:
            entries[abbr] = " ".join(str(expansion).split())
    if not entries:
        return []
    pattern = _abbreviation_pattern(tuple(sorted(entries, key=lambda a: (-len(a), a))))
    found = {m.group(1) for m in pattern.finditer("\n".join(_texts(doc.blocks, doc.meta)))}
    return sorted(((a, entries[a]) for a in found), key=lambda e: (e[0].casefold(), e[0]))


@functools.lru_cache(maxsize=32)
def _abbreviation_pattern(abbreviations: tuple[str, ...]) -> "re.Pattern":
    alternatives = "|".join(re.escape(a) for a in abbreviations)
    return re.compile(rf"(?<![\w])({alternatives})(?:s|\d+)?(?![\w])")


def strip_matter(blocks: list) -> list:
    """The blocks without the lists `finish` added (an eCTD leaf makes its own)."""
    out, role = [], ""
    for b in blocks:
        if isinstance(b, Heading):
            role = b.role
        if not role:
            out.append(b)
    return out


def add_matter(doc: "Document", level: int = 1) -> "Document":
    """Add the document's list of abbreviations and its references. With front matter (a whole document) the
    abbreviations come first, after the TOC and the lists of tables and figures, on a page of their own; in an
    eCTD leaf file (no front matter) both close the file, one level below its heading. The abbreviation table
    is not numbered (it is not content)."""
    final = doc.meta.final and not doc.meta.internal
    clean = strip_tags if final else (lambda t: t)
    abbreviations = [(clean(a), clean(e)) for a, e in used_abbreviations(doc)]
    numbers = doc._citation_numbers()
    by_key = {e.key.strip().casefold(): e for e in doc.literature}
    blocks = list(doc.blocks)
    head: list = []
    if abbreviations:
        head = [Heading("", ABBREVIATIONS_TITLE, level, role="abbreviations"),
                Table(("Abbreviation", "Expansion"), tuple(abbreviations), widths=(1, 4))]
    if head and doc.meta.front_matter:
        first = next((i for i, b in enumerate(blocks) if isinstance(b, Heading)), len(blocks))
        blocks[first:first] = head + [PageBreak()]
    else:
        blocks += head
    if numbers:
        keys = sorted(numbers, key=numbers.get)
        blocks += [Heading("", REFERENCES_TITLE, level, role="references"),
                   ListBlock(tuple((Run(clean(by_key[k].text)),) for k in keys), numbered=True,
                             anchors=tuple(reference_key(numbers[k]) for k in keys))]
    out = replace(doc, blocks=blocks)
    out.__dict__.pop("_numbers", None)
    return out


def missing_citations(doc: "Document") -> list[tuple[str, str]]:
    """(key, section) of every cited key the literature table lacks, first citation of each."""
    known = {e.key.strip().casefold() for e in doc.literature}
    out: dict[str, str] = {}
    section = doc.meta.title
    for b in doc.blocks:
        if isinstance(b, Heading):
            section = b.text
        for r in _inline_runs(b) if not (isinstance(b, Paragraph) and b.style == "review") else ():
            if isinstance(r, Cite):
                for k in r.keys:
                    if k.casefold() not in known:
                        out.setdefault(k, section)
    return list(out.items())


def caption_key(block) -> str:
    """Bookmark name of a numbered table or figure caption (Word: starts with a letter, ≤ 40 characters)."""
    kind = "t" if isinstance(block, Table) else "f"
    return ("_Ref_" + kind + "_" + "".join(c if c.isalnum() else "_" for c in block.number))[:40]


def _scope(code: str) -> str:
    return code.rstrip(".").strip()


def finish(doc: Document) -> Document:
    """Number every table and figure per section (the nearest heading with a code: "Table 3.2.P.5.1-1",
    "Figure A-1"; "Table 1" in documents without codes), give captionless ones the section title as caption,
    and report cross-references whose target does not exist. Idempotent; both writers call it."""
    if doc.finished:
        return doc
    counters: dict[tuple[str, str], int] = {}
    scope, title, section = "", "", ""
    blocks: list[Block] = []
    notes: list[tuple[str, str]] = []
    submission = not doc.meta.internal
    final = doc.meta.final and submission
    meta = replace(doc.meta, basis=strip_tags(doc.meta.basis)) if final else doc.meta
    for b in (_clean_block(b) for b in doc.blocks) if final else doc.blocks:
        if isinstance(b, Heading):
            if b.code:
                scope = _scope(b.code)
            title = b.title
            if submission and (b.note or CERTAINTY_TAG.search(b.title)):
                note = explain_tag(" ".join(x for x in (_tags_of(b.title), b.note) if x))
                b = replace(b, title=strip_tags(b.title), note="")
                notes.append((b.text, note))
            section = b.text
        elif submission and isinstance(b, Paragraph) and (b.style == "review" or b.style == "note" and
                                                          is_internal_note(_plain(b.runs))):
            notes.append((section or meta.title, _plain(b.runs)))
            if final:
                continue
            b = replace(b, style="review")
        elif isinstance(b, (Table, Figure)) and not b.number:
            kind = "t" if isinstance(b, Table) else "f"
            n = counters[(kind, scope)] = counters.get((kind, scope), 0) + 1
            b = replace(b, number=f"{scope}-{n}" if scope else str(n), caption=b.caption or title)
        blocks.append(b)
    out = Document(meta, blocks, list(doc.warnings), finished=True, review_notes=[] if final else notes,
                   links=dict(doc.links), glossary=doc.glossary, literature=doc.literature)
    missing_refs = missing_citations(out)
    if missing_refs:
        shown = ", ".join(f"'{k}' ({where})" for k, where in missing_refs[:6])
        more = f" and {len(missing_refs) - 6} more" if len(missing_refs) > 6 else ""
        out.warnings.append(f"{meta.title}: citation key(s) {shown}{more} are not in the literature table "
                            f"(step References and abbreviations); they are printed as written. Add the "
                            f"entries or correct the keys.")
    out = add_matter(out)
    if final:
        todo = [b for b in blocks if isinstance(b, Placeholder)]
        if todo:
            out.warnings.append(f"{meta.title} is final but still holds {len(todo)} placeholder(s) "
                                f"('{todo[0].text}'{' ...' if len(todo) > 1 else ''}); complete them or set the "
                                f"dossier status back to draft.")
    missing: list[str] = []
    for b in blocks:
        runs = b.runs if isinstance(b, Paragraph) else [r for item in b.items for r in item] \
            if isinstance(b, ListBlock) else ()
        for r in runs:
            if isinstance(r, XRef) and not (r.document or r.soft) and out.xref_text(r)[1] is None \
                    and r.target not in missing:
                missing.append(r.target)
    if missing:
        out.warnings.append(f"{doc.meta.title}: cross-reference(s) to {', '.join(missing)}, which this document "
                            f"does not contain; they are printed as plain text.")
    return out


def _is_wide(b) -> bool:
    return isinstance(b, Table) and b.wide


def orientation_segments(blocks: list[Block], lookahead: int = 3) -> list[tuple[bool, list[Block]]]:
    """Split blocks into (landscape, blocks) runs for both writers.

    A wide table starts a landscape run and takes the headings just before it along (no orphaned heading at
    the bottom of a portrait page), and a figure right before it (no near-empty page for a figure slot); the run continues over short text while another wide table follows within
    `lookahead` blocks, so neighbouring wide tables share pages instead of each forcing two page breaks.
    """
    segments: list[tuple[bool, list[Block]]] = []
    current: list[Block] = []
    landscape = False
    wide = [_is_wide(b) for b in blocks]  # planned once: planning measures the table's text
    for i, b in enumerate(blocks):
        if not landscape and wide[i]:
            moved: list[Block] = []
            j = len(current)  # a heading followed only by short notes goes along with its notes
            while j and isinstance(current[j - 1], Paragraph) and current[j - 1].style == "note":
                j -= 1
            if j < len(current) and j and isinstance(current[j - 1], Heading):
                moved, current = current[j:], current[:j]
            while current and isinstance(current[-1], Heading):
                moved.insert(0, current.pop())
            while current and isinstance(current[-1], Figure):  # a figure slot alone on a portrait page: no
                moved.insert(0, current.pop())
            if current:
                segments.append((False, current))
            current, landscape = moved + [b], True
            continue
        if landscape and not wide[i]:
            ahead = range(i + 1, min(len(blocks), i + 1 + lookahead))
            first_wide = next((k for k in ahead if wide[k]), None)
            keep = not isinstance(b, (Table, PageBreak)) and first_wide is not None and \
                not any(isinstance(blocks[k], Table) for k in range(i + 1, first_wide))
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
