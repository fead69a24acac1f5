"""Bring a Word draft in: the text under each heading that carries a CTD code goes to the narrative field
printed under that code.

Writers start from Word drafts whose headings read like "3.2.S.2.2 Description of Manufacturing Process and
Process Controls". `read_docx` collects, per such heading, the paragraphs below it up to the next coded heading
(headings without a code, e.g. "Overview", stay part of the text, as lines of their own). `plan_import` matches
each section to the long-text fields the document definitions print under that code and says, per section,
what would happen: fill an empty field, leave a field that already holds the same text, or — only when the
user ticks it — replace a field that holds something else. Nothing is written here; the store writes the
chosen proposals as one undoable, audited action.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from atmp_desktop.core.feeds import ctd_sections
from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.values import FieldValueError, MAX_TEXT_CHARS, normalise

# "3.2.S.2.2", "2.3.P.1", "1.6.2", "3.2.A.1", "3.2.R" at the start of a heading, optionally followed by "."
_CODE = re.compile(r"^\s*((?:[1-5])(?:\.(?:\d{1,2}|[SPAR]))+)\.?(?=\s|$)\s*(.*)$")
MAX_FILE_BYTES = 50 * 1024 * 1024


class ImportError_(ValueError):
    """The file cannot be read as a Word document; the message is one sentence."""


@dataclass
class DocxSection:
    code: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: int = 0

    @property
    def text(self) -> str:
        return "\n\n".join(p for p in self.paragraphs if p.strip()).strip()


@dataclass
class Proposal:
    """What importing one section would do. action: fill / same / replace / no_field / empty."""
    section: DocxSection
    path: str | None
    candidates: tuple[str, ...]
    current: str
    action: str
    chosen: bool               # ticked in the preview by default (fill: yes; replace: never without asking)
    note: str = ""

    @property
    def text(self) -> str:
        return self.section.text


def heading_code(text: str) -> tuple[str, str] | None:
    m = _CODE.match(text or "")
    if not m:
        return None
    return m.group(1), m.group(2).strip()


def _is_heading(paragraph) -> bool:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name.lower().startswith(("heading", "title")):
        return True
    runs = [r for r in paragraph.runs if r.text.strip()]
    return bool(runs) and all(r.bold for r in runs) and len(paragraph.text) < 200


def read_docx(path: str | Path) -> list[DocxSection]:
    """The coded sections of a .docx, in document order."""
    import docx
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportError_(f"'{path.name}' is larger than {MAX_FILE_BYTES >> 20} MB; split it before importing.")
        document = docx.Document(str(path))
    except ImportError_:
        raise
    except OSError as exc:
        raise ImportError_(f"'{path.name}' cannot be read ({exc.strerror or exc}).") from None
    except Exception as exc:  # a received file: python-docx and lxml raise many kinds for broken ones
        raise ImportError_(f"'{path.name}' is not a Word document (.docx) that can be read "
                           f"({type(exc).__name__}); save it as .docx in Word and try again.") from None
    try:
        return _sections(document)
    except Exception as exc:
        raise ImportError_(f"'{path.name}' could not be read to the end ({type(exc).__name__}: {exc}); save it "
                           "again in Word and try again.") from None


def _sections(document) -> list[DocxSection]:
    from docx.oxml.ns import qn
    sections: list[DocxSection] = []
    current: DocxSection | None = None
    body = document.element.body
    from docx.text.paragraph import Paragraph as DocxParagraph
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            p = DocxParagraph(child, document)
            text = p.text.replace("\u00a0", " ").strip()
            found = heading_code(text) if _is_heading(p) else None
            if found is not None:
                current = DocxSection(found[0], found[1])
                sections.append(current)
            elif current is not None and text:
                current.paragraphs.append(text)
        elif child.tag == qn("w:tbl") and current is not None:
            current.tables += 1  # tables are not narrative: counted and named in the preview
    return sections


def narrative_fields(forms: FormSet, code: str) -> tuple[str, ...]:
    """Long-text fields printed under the CTD code, in form order."""
    return tuple(f.path for f in forms.all_fields() if f.type == "long_text" and code in ctd_sections(forms, f.path))


def plan_import(forms: FormSet, snap: ProjectSnapshot, sections: list[DocxSection]) -> list[Proposal]:
    out: list[Proposal] = []
    used: set[str] = set()
    for s in sections:
        candidates = narrative_fields(forms, s.code)
        tables_note = f"{s.tables} table(s) under this heading are not imported (Review ▸ Import Table)" \
            if s.tables else ""
        if not s.text:
            out.append(Proposal(s, None, candidates, "", "empty", False, "no text under this heading"))
            continue
        if not candidates:
            out.append(Proposal(s, None, (), "", "no_field", False,
                                f"no narrative field is printed in {s.code}; copy this text by hand"))
            continue
        path = _best(forms, s.heading, [p for p in candidates if p not in used] or list(candidates))
        used.add(path)
        current = str(snap.get(path) or "")
        try:
            normalise(forms.field(path), s.text[:MAX_TEXT_CHARS])
        except FieldValueError as exc:
            out.append(Proposal(s, path, candidates, current, "no_field", False, str(exc)))
            continue
        if not current:
            action, chosen = "fill", True
        elif current.strip() == s.text:
            action, chosen = "same", False
        else:
            action, chosen = "replace", False
        note = "; ".join(x for x in (tables_note, "the field already holds other text: tick to replace it"
                                     if action == "replace" else "") if x)
        out.append(Proposal(s, path, candidates, current, action, chosen, note))
    return out


def _best(forms: FormSet, heading: str, paths: list[str]) -> str:
    """The field whose label reads most like the heading; the first (the section's main narrative) unless
    another clearly fits better. Whether it is filled does not matter: the preview asks before replacing."""
    import difflib
    title = heading.lower()
    scored = [(difflib.SequenceMatcher(None, forms.field(p).label.lower(), title).ratio(), -i, p)
              for i, p in enumerate(paths)]
    best = max(scored)
    return best[2] if best[0] >= 0.6 else paths[0]


def edits_for(proposals: list[Proposal]) -> list[tuple[str, str]]:
    """The (field path, text) edits of the ticked proposals (later ones win when two name one field)."""
    edits: dict[str, str] = {}
    for p in proposals:
        if p.chosen and p.path and p.action in ("fill", "replace"):
            edits[p.path] = p.text[:MAX_TEXT_CHARS]
    return list(edits.items())
