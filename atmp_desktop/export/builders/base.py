"""What every builder shares: the title-block metadata, value formatting and small block helpers.

A builder is a function `build(snap) -> Document`. It reads the snapshot through `Ctx`, which formats
values with the form definitions (choice labels, dates, units) and turns missing narrative into
"[To be completed: ...]" placeholders, so no builder formats or tests emptiness on its own.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any, Iterable

from atmp_desktop.core.documents import DocumentSpec, document
from atmp_desktop.core.forms import FormSet, default_forms, parse_path
from atmp_desktop.core.project import ProjectSnapshot, field_visible
from atmp_desktop.core.sections import display_title, headings_under, section_applicability
from atmp_desktop.core.sections import heading as ctd_heading
from atmp_desktop.core.values import format_value, is_empty
from atmp_desktop.export.model import (DocMeta, Document, Figure, Heading, ListBlock, Paragraph, Placeholder,
                                       Run, Table, XRef)

STATUS_LABELS = {"draft": "Draft", "in_review": "In review", "final": "Final"}


@lru_cache(maxsize=1)
def _forms() -> FormSet | None:
    try:
        return default_forms()
    except Exception:  # forms under construction must not stop an export; values then print raw
        return None


def _field(path: str):
    forms = _forms()
    if forms is None:
        return None
    try:
        return forms.field(parse_path(path).field_path)
    except (KeyError, ValueError):
        return None


def fmt(field, value: Any) -> str:
    if is_empty(value):
        return ""
    if field is not None:
        try:
            return format_value(field, value)
        except Exception:
            pass
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) and {"value", "unit"} <= set(value):
        return f"{value['value']} {value['unit']}"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


@lru_cache(maxsize=1)
def _fed_by_code() -> dict[str, tuple[str, ...]]:
    """CTD code -> the scalar fields that feed it (forms order), from each field's `feeds`."""
    forms = _forms()
    out: dict[str, list[str]] = {}
    if forms is None:
        return {}
    for f in forms.all_fields():
        if f.type == "table":
            continue
        for code in f.feeds:
            out.setdefault(code, []).append(f.path)
    return {k: tuple(v) for k, v in out.items()}


def fed_fields(code: str) -> tuple[str, ...]:
    return _fed_by_code().get(code, ())


def visible(snap: ProjectSnapshot, path: str) -> bool:
    """False for a field its visibility condition hides (e.g. the AAV serotype of a lentiviral product)."""
    forms = _forms()
    if forms is None:
        return True
    try:
        return field_visible(forms, parse_path(path).field_path, snap)
    except (KeyError, ValueError):
        return True


def _same(a: str, b: str) -> bool:
    norm = lambda t: " ".join(t.replace("*", " ").split()).casefold()  # noqa: E731
    return norm(a) == norm(b)


def label_of(path: str) -> str:
    f = _field(path)
    return f.label if f is not None else path.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def doc_meta(snap: ProjectSnapshot, spec: DocumentSpec) -> DocMeta:
    product = snap.get("product.invented_name") or snap.get("product.inn") or snap.get("product.company_code") \
        or snap.title
    status_raw = snap.get("applicant.dossier_status") or "draft"
    date = str(snap.meta.get("modified") or snap.meta.get("created") or "")[:10]
    return DocMeta(doc_id=spec.id, title=spec.title, product=str(product),
                   applicant=str(snap.get("applicant.company_name") or "[applicant not entered]"),
                   version=str(snap.get("applicant.dossier_version") or "0.1"),
                   status=STATUS_LABELS.get(status_raw, str(status_raw)), date=date,
                   author=str(snap.get("applicant.author_name") or snap.get("applicant.company_name") or ""),
                   subject=f"{spec.title}, {product}", ctd_code=spec.ctd_code, final=status_raw == "final",
                   basis=spec.basis, internal=spec.ectd_folder == "reports")


class Ctx:
    """A document under construction plus read helpers over the snapshot."""

    def __init__(self, snap: ProjectSnapshot, doc_id: str, base_level_code: str | None = None):
        self.snap = snap
        self.spec = document(doc_id)
        self.doc = Document(doc_meta(snap, self.spec))
        # level 1 = this code's depth (e.g. "3.2.S" -> headings 3.2.S.x are level 2)
        self._base_depth = base_level_code.count(".") if base_level_code else 0
        self._level = 0
        self._code = ""                      # the CTD heading being written
        self._shown: dict[str, list[str]] = {}  # field path -> CTD codes where its value is shown
        self._slots: list[tuple[int, str]] = []  # (block index, code) where fed-but-unshown fields go

    # ------------------------------------------------------------------ reading
    def value(self, path: str) -> Any:
        return self.snap.get(path)

    def text(self, path: str) -> str:
        return fmt(_field(path), self.snap.get(path))

    def cell(self, table_path: str, row: dict, column: str) -> str:
        """One table cell formatted like the table itself (choice labels, EU dates, units)."""
        tf = _field(table_path)
        col = next((c for c in tf.columns if c.id == column), None) if tf is not None else None
        return fmt(col, row.get(column))

    def has(self, path: str) -> bool:
        return self.snap.is_set(path)

    def yes(self, path: str) -> bool:
        return self.snap.is_yes(path)

    def rows(self, path: str) -> list[dict]:
        return self.snap.rows(path)

    # ------------------------------------------------------------------ blocks
    def add(self, block) -> None:
        if isinstance(block, Table) and block.caption and self.doc.blocks \
                and isinstance(self.doc.blocks[-1], Heading) and _same(self.doc.blocks[-1].title, block.caption):
            block = replace(block, caption="")  # the heading right above already says it
        self.doc.blocks.append(block)

    def heading(self, title: str, level: int, code: str = "", note: str = "") -> None:
        self._level = level
        self.add(Heading(code, title, level, note))

    def ctd(self, code: str) -> None:
        """Heading for a CTD code with its canonical (qualifier-filled) title."""
        h = ctd_heading(code)
        level = max(1, code.count(".") - self._base_depth + 1)
        self._level = level
        self._code = code
        self.add(Heading(code, display_title(h, self.snap), level))

    def _mark(self, path: str) -> None:
        self._shown.setdefault(path, []).append(self._code)

    def sub(self, title: str, note: str = "") -> None:
        """An uncoded sub-heading one level below the current CTD heading."""
        self.add(Heading("", title, self._level + 1, note))

    def para(self, text: str, **emphasis) -> None:
        if text:
            self.add(Paragraph.of(text, **emphasis))

    def runs(self, *parts) -> None:
        self.add(Paragraph(tuple(Run(p) if isinstance(p, str) else p for p in parts)))

    def note(self, text: str) -> None:
        self.add(Paragraph((Run(text, italic=True),), style="note"))

    def todo(self, what: str) -> None:
        self.add(Placeholder(what))

    def field(self, path: str, what: str | None = None, label: bool = False) -> bool:
        """The field's text as a paragraph (optionally led by its bold label), else a placeholder."""
        if not self.has(path):
            self.todo(what or label_of(path))
            return False
        self._mark(path)
        if label:
            self.add(Paragraph((Run(label_of(path) + ": ", bold=True), Run(self.text(path)))))
        else:
            for chunk in self.text(path).split("\n\n"):
                self.para(chunk.strip())
        return True

    def fields(self, paths: Iterable[str], what: str | None = None) -> bool:
        """Each filled field as a labelled paragraph; one placeholder when none is filled."""
        filled = [p for p in paths if self.has(p)]
        for p in filled:
            self.field(p, label=True)
        if not filled and what:
            self.todo(what)
        return bool(filled)

    def facts(self, paths: Iterable[str], caption: str = "", header=("Item", "Entry")) -> None:
        """A two-column table of labels and values; missing values show as a placeholder text."""
        paths = [p for p in paths if visible(self.snap, p)]
        for p in paths:
            if self.has(p):
                self._mark(p)
        rows = tuple((label_of(p), self.text(p) or "[To be completed]") for p in paths)
        self.add(Table(tuple(header), rows, caption=caption, widths=(2, 3)))

    def table(self, path: str, columns: list[str] | None = None, caption: str = "", what: str | None = None,
              where=None, labels: dict[str, str] | None = None) -> bool:
        """A project table rendered with its column labels; a placeholder when it has no rows."""
        rows = [r for r in self.rows(path) if where is None or where(r)]
        tf = _field(path)
        cols = columns or ([c.id for c in tf.columns] if tf is not None else sorted({k for r in rows for k in r}))
        if not rows:
            self.todo(what or f"{label_of(path)} (table)")
            return False
        col_fields = {c.id: c for c in tf.columns} if tf is not None else {}
        labels = labels or {}
        header = tuple(labels.get(c) or (col_fields[c].label if c in col_fields else c.replace("_", " ").capitalize())
                       for c in cols)
        body = tuple(tuple(fmt(col_fields.get(c), r.get(c)) for c in cols) for r in rows)
        self.add(Table(header, body, caption=caption or label_of(path)))
        return True

    def bullets(self, items: Iterable[str], numbered: bool = False) -> None:
        items = [i for i in items if i]
        if items:
            self.add(ListBlock(tuple((Run(i),) for i in items), numbered))

    def xref(self, code: str, before: str = "See ", after: str = ".") -> None:
        self.add(Paragraph((Run(before), XRef(code), Run(after))))

    def figure(self, caption: str, description: str = "") -> None:
        self.add(Figure(caption, description=description))

    def not_applicable(self, code: str) -> bool:
        """Write the justification for a non-applicable section; True when the section does not apply."""
        app = section_applicability(code, self.snap)
        if not app.applies:
            self.note(app.reason)
        return not app.applies

    # ------------------------------------------------------------------ CTD skeleton
    def ctd_part(self, prefix: str, fill: dict) -> None:
        """Every M4Q heading under `prefix` in order; `fill[code](ctx)` writes its body, else a placeholder."""
        for h in headings_under(prefix):
            self.ctd(h.code)
            if self.not_applicable(h.code):
                continue
            writer = fill.get(h.code)
            if writer is not None:
                writer(self)
            elif not any(x.code.startswith(h.code + ".") for x in headings_under(prefix)) \
                    and not any(self.has(p) for p in fed_fields(h.code)):
                self.todo(f"{h.title} ({h.code})")
            self.fed(h.code)

    def fed(self, code: str) -> None:
        """Mark where the filled fields feeding `code` that its writer did not show go (see `build`)."""
        self._slots.append((len(self.doc.blocks), code))

    def _fallback(self) -> None:
        """No fed data is silently dropped: every filled field whose `feeds` names a section of this document
        and that the section's writer did not show is added there, labelled; a field already shown in another
        section of the document gets a cross-reference there instead of its text again."""
        plans: list[tuple[int, list]] = []
        for index, code in self._slots:
            blocks = []
            for path in fed_fields(code):
                if not self.has(path) or code in self._shown.get(path, ()):
                    continue
                where = self._shown.get(path)
                if where and where[0]:
                    blocks.append(Paragraph((Run(label_of(path) + ": ", bold=True), Run("see "), XRef(where[0]),
                                             Run("."))))
                    continue
                blocks.append(Paragraph((Run(label_of(path) + ": ", bold=True), Run(self.text(path)))))
                self._shown.setdefault(path, []).insert(0, code)
            if blocks:
                while index > 1 and isinstance(self.doc.blocks[index - 1], Paragraph) \
                        and self.doc.blocks[index - 1].style == "note" and not isinstance(
                            self.doc.blocks[index - 2], Heading):
                    index -= 1  # a closing note ("Details: Module 3 ...") stays last
                plans.append((index, blocks))
        for index, blocks in reversed(plans):
            self.doc.blocks[index:index] = blocks
        self._slots = []

    def build(self) -> Document:
        self._fallback()
        return self.doc


def product_name(snap: ProjectSnapshot) -> str:
    return str(snap.get("product.invented_name") or snap.get("product.inn") or snap.get("product.company_code")
               or "the product")
