"""Formatted narrative: the one small markup long-text fields are stored in (docs/narrative-format.md).

Stored as plain text, parsed once into blocks of spans that the export turns into the document model's runs.
No HTML, nothing executable: the only constructs are

  paragraphs        separated by a blank line; a single line break stays a line break
  bulleted list     lines starting with "- ", "* " or "• "
  numbered list     lines starting with "1. " or "1) "
  **bold**  *italic*  ^superscript^  ~subscript~     (no space just inside the markers: "10^8^", "CO~2~")
  section refs      CTD codes such as "3.2.S.2.3" or "2.3.P.5", and "Table 3.2.P.5.1-1" / "Figure 3.2.S.2.2-1",
                    become internal links (PDF) and cross-references (Word) when the document holds the target
  citations         "[ref:key]" or "[ref:key1, key2]": keys of the literature table (references.literature),
                    printed as numbered references "[1, 2]" that link to the document's reference list
  \\*  \\^  \\~  \\\\  \\[  a backslash keeps the next marker character literally

Plain text written before this markup existed is valid markup and reads the same: a marker that is not
closed within its paragraph, or that has a space just inside it ("1 × 10^8 cells", "p < 0.05*"), stays text.
`to_markup(parse(text))` gives back an equivalent text (tests check the round trip).
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Union

from atmp_desktop.core.patterns import lazy_compile
from atmp_desktop.core.records import record

MARKERS = {"**": "bold", "*": "italic", "^": "sup", "~": "sub"}
_BULLET = lazy_compile(r"^[ \t]*[-*•][ \t]+(?=\S)")
_NUMBERED = lazy_compile(r"^[ \t]*\d{1,3}[.)][ \t]+(?=\S)")
# a citation of literature-table keys: "[ref:ema-gtmp]", "[ref:smith2020; jones2021]"
CITE_KEY = r"[A-Za-z0-9][A-Za-z0-9_.:/-]*"
CITE = lazy_compile(rf"\[ref:[ \t]*(?P<keys>{CITE_KEY}(?:[ \t]*[,;][ \t]*{CITE_KEY})*)[ \t]*\]", re.I)
ESCAPABLE = "*^~\\["
# a CTD section code (Module 2 QOS and Module 3 headings, 1.x regional) or a numbered table / figure
REF = lazy_compile(r"(?<![\w.])(?:(?P<kind>Table|Figure)\s+(?P<num>(?:[1-3](?:\.\d+)*(?:\.[SPAR](?:\.\d+)*)?|[A-Z])"
                 r"-\d+)|(?P<code>(?:3\.2\.[SPAR](?:\.\d+){0,3}|2\.[3-7](?:\.[SPAR])?(?:\.\d+){0,2}|"
                 r"3\.2\.[AR]\.\d+|1\.6(?:\.\d)?)))(?![\w])")


@record(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    sup: bool = False
    sub: bool = False


@record(frozen=True)
class Ref:
    """A reference to a section ("3.2.S.2.3") or a numbered table/figure ("table-number:3.2.P.5.1-1")."""
    target: str
    text: str


@record(frozen=True)
class Cite:
    """A citation of one or more keys of the literature table, as written ("[ref:a, b]"), with the emphasis
    around it (kept only so that the markup round-trips; writers print citations plain)."""
    keys: tuple[str, ...]
    text: str
    bold: bool = False
    italic: bool = False


def cite_keys(raw: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for k in re.split(r"[ \t]*[,;][ \t]*", raw.strip()) if k))


Inline = Union[Span, Ref, Cite]


@record(frozen=True)
class Para:
    spans: tuple[Inline, ...]


@record(frozen=True)
class ListItems:
    items: tuple[tuple[Inline, ...], ...]
    numbered: bool = False


Block = Union[Para, ListItems]


# ----------------------------------------------------------------------------- inline
def _escaped(text: str, i: int) -> bool:
    """The character at i follows an odd number of backslashes."""
    n = 0
    while i - n - 1 >= 0 and text[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _find_close(text: str, marker: str, start: int) -> int:
    """Index of the closing marker for one opened at `start` (after it), or -1. The content must not start or
    end with a space and (for ^ and ~) contain none, as in pandoc."""
    i = start
    if i >= len(text) or text[i].isspace():
        return -1
    while True:
        j = text.find(marker, i)
        if j < 0:
            return -1
        if _escaped(text, j):
            i = j + 1
            continue
        if marker == "*" and text.startswith("**", j):
            if text.startswith("***", j) and not text.startswith("**", start) and text[j - 1] != "*":
                # "*a***b**": the italic closes here and bold opens right after it
                return j if not text[j - 1].isspace() else -1
            # "**" inside an italic span opens bold: skip the pair and its partner
            k = _find_close(text, "**", j + 2)
            if k < 0:
                return -1
            i = k + 2
            continue
        if marker == "**" and text.startswith("*", j + 2) and \
                sum(1 for k in range(start, j) if text[k] == "*" and not _escaped(text, k)) % 2:
            j += 1  # "***both***": the bold pair closes after the italic one
        inner = text[start:j]
        if not inner or inner[-1].isspace():
            return -1
        if marker in ("^", "~") and any(ch.isspace() for ch in inner):
            return -1
        if "\n" in inner and marker in ("^", "~"):
            return -1
        return j


def _inline(text: str, style: dict | None = None) -> list[Inline]:
    style = dict(style or {})
    out: list[Inline] = []
    buf: list[str] = []

    def flush():
        if buf:
            out.extend(_refs("".join(buf), style))
            buf.clear()

    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPABLE:
            buf.append(text[i + 1])
            i += 2
            continue
        if ch == "[":
            cite = CITE.match(text, i)
            if cite:  # a citation is never emphasis or a section reference, whatever style surrounds it
                flush()
                out.append(Cite(cite_keys(cite.group("keys")), cite.group(0), bold=bool(style.get("bold")),
                                italic=bool(style.get("italic"))))
                i = cite.end()
                continue
        marker = "**" if text.startswith("**", i) else ch if ch in "*^~" else ""
        if marker:
            close = _find_close(text, marker, i + len(marker))
            if marker == "**" and text.startswith("***", i) and not style.get("italic"):
                # "***a** b*": italic outside, bold inside, when the bold-first reading leaves the inner "*"
                # unclosed ("*a") and the italic-first reading is well formed
                inner = text[i + 2:close] if close > 0 else ""
                outer = _find_close(text, "*", i + 1)
                if outer > 0 and (close < 0 or _find_close(inner, "*", 1) < 0):
                    marker, close = "*", outer
            key = MARKERS[marker]
            if close > 0 and not style.get(key):
                flush()
                out.extend(_inline(text[i + len(marker):close], {**style, key: True}))
                i = close + len(marker)
                continue
        buf.append(ch)
        i += 1
    flush()
    return _merge(out)


def _refs(text: str, style: dict) -> list[Inline]:
    """Section and table references in unformatted text (emphasised text stays emphasis, not a link)."""
    if any(style.values()):
        return [Span(text, **style)]
    out: list[Inline] = []
    pos = 0
    for m in REF.finditer(text):
        if m.start() > pos:
            out.append(Span(text[pos:m.start()], **style))
        if m.group("code"):
            out.append(Ref(m.group("code"), m.group(0)))
        else:
            out.append(Ref(f"{m.group('kind').lower()}-number:{m.group('num')}", m.group(0)))
        pos = m.end()
    if pos < len(text):
        out.append(Span(text[pos:], **style))
    return out


def _merge(spans: list[Inline]) -> list[Inline]:
    out: list[Inline] = []
    for s in spans:
        if isinstance(s, Span) and out and isinstance(out[-1], Span) and \
                replace(out[-1], text="") == replace(s, text=""):
            out[-1] = replace(out[-1], text=out[-1].text + s.text)
        elif not (isinstance(s, Span) and not s.text):
            out.append(s)
    return out


# ----------------------------------------------------------------------------- blocks
def parse(text: str) -> list[Block]:
    """The blocks of a stored narrative. Never raises: every text is valid markup."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n", text):
        lines = chunk.strip("\n").split("\n")
        para: list[str] = []
        items: list[str] = []
        numbered = False
        raw: list[str] = []  # the list's lines as written (a one-line "1." list turns back into them)

        def end_para():
            if para:
                joined = "\n".join(para).strip()
                if joined:
                    blocks.append(Para(tuple(_inline(joined))))
                para.clear()

        def end_list():
            if numbered and len(items) == 1:
                # one line starting "1." is a sentence ("1. Final CSR by 2029; 2. annual reports"), not a list;
                # its lines stay as written (an indented next line keeps its indent, so it reads back the same)
                para.extend(raw)
                end_para()
            elif items:
                blocks.append(ListItems(tuple(tuple(_inline(t.strip())) for t in items), numbered))
            items.clear()
            raw.clear()

        for line in lines:
            b, n = _BULLET.match(line), _NUMBERED.match(line)
            if b or n:
                kind = bool(n)
                if items and kind != numbered:
                    end_list()
                end_para()
                numbered = kind
                items.append(line[(b or n).end():])
                raw.append(line)
            elif items and line.startswith((" ", "\t")) and line.strip():
                items[-1] += "\n" + line.strip()  # an indented continuation line belongs to the item
                raw.append(line)
            else:
                end_list()
                para.append(line)
        end_list()
        end_para()
    return blocks


def plain_text(text: str) -> str:
    """The narrative without markers (for plain-text renderings, search and rules)."""
    out = []
    for b in parse(text):
        if isinstance(b, Para):
            out.append(_plain(b.spans))
        else:
            out.append("\n".join(("{}. ".format(i + 1) if b.numbered else "- ") + _plain(item)
                                 for i, item in enumerate(b.items)))
    return "\n\n".join(out)


def _plain(spans) -> str:
    return "".join(s.text for s in spans)


# ----------------------------------------------------------------------------- writing markup back
def _escape(text: str) -> str:
    text = re.sub(r"([\\*^~])", r"\\\1", text)
    # every "[ref:" is escaped, not only whole citations: spans_markup escapes word by word
    return re.sub(r"\[(?=ref:)", r"\\[", text, flags=re.I) if "[" in text else text


def spans_markup(spans, escape: bool = True) -> str:
    """Markup for a run of spans. Bold and italic open and close around whole words (a marker may not sit
    next to a space on its inner side); superscript and subscript wrap each word. `escape=False` leaves
    marker characters in the text as they are (see `to_markup`)."""
    pieces: list[tuple[str, dict, bool]] = []  # (text, style, is a reference)
    for s in spans:
        if isinstance(s, Ref):
            pieces.append((s.text, {}, True))
            continue
        if isinstance(s, Cite):
            pieces.append((s.text, {"bold": s.bold, "italic": s.italic}, True))
            continue
        for part in re.findall(r"\s+|\S+", s.text):
            pieces.append((part, {"bold": s.bold, "italic": s.italic, "sup": s.sup, "sub": s.sub}, False))
    # whitespace keeps only the emphasis both of its neighbours share
    for i, (text, style, ref) in enumerate(pieces):
        if not ref and text.isspace():
            prev = next((p[1] for p in reversed(pieces[:i]) if not p[0].isspace()), {})
            nxt = next((p[1] for p in pieces[i + 1:] if not p[0].isspace()), {})
            pieces[i] = (text, {k: bool(style.get(k) and prev.get(k) and nxt.get(k)) for k in ("bold", "italic")},
                         False)
    pieces.append(("", {}, False))

    def reach(k: str, i: int) -> int:
        """How many pieces from i on keep style k (the style opened first is the outer one)."""
        n = 0
        while i + n < len(pieces) and pieces[i + n][1].get(k):
            n += 1
        return n

    out: list[str] = []
    stack: list[str] = []
    for i, (text, style, ref) in enumerate(pieces):
        want = [k for k in ("bold", "italic") if style.get(k)]
        if text.isspace():
            # a marker never opens before a space: keep the styles that stay open, close the others here
            # (closing pops the styles opened after them too; those reopen at the next word)
            j = next((n for n, k in enumerate(stack) if k not in want), len(stack))
            want = stack[:j]
        if any(k not in want for k in stack):
            # a marker never closes after a space: spaces written since go after the closing markers
            tail = []
            while out and out[-1].isspace():
                tail.insert(0, out.pop())
            while any(k not in want for k in stack):
                out.append("**" if stack.pop() == "bold" else "*")
            out.extend(tail)
        for k in sorted((k for k in want if k not in stack), key=lambda k: -reach(k, i)):
            stack.append(k)
            out.append("**" if k == "bold" else "*")
        t = text if ref or not escape else _escape(text)
        if style.get("sub") and t.strip():
            t = f"~{t}~"
        if style.get("sup") and t.strip():
            t = f"^{t}^"
        out.append(t)
    return "".join(out)


def to_markup(blocks: list[Block]) -> str:
    """Markup text for blocks (what the rich-text editor stores). A block is written without backslashes
    where its text reads the same without them ("1 × 10^8 cells" stays as the writer typed it), else with
    the marker characters of its text escaped."""
    out = []
    for b in blocks:
        escaped, bare = _block_markup(b, True), _block_markup(b, False)
        out.append(bare if bare == escaped or parse(bare) == parse(escaped) else escaped)
    return "\n\n".join(out)


def _block_markup(b: Block, escape: bool) -> str:
    if isinstance(b, Para):
        return spans_markup(b.spans, escape)
    return "\n".join((f"{i + 1}. " if b.numbered else "- ") + spans_markup(item, escape).replace("\n", "\n  ")
                     for i, item in enumerate(b.items))
