"""The one generic builder: a document definition (core.definitions) + a snapshot -> export.model.Document.

It walks the definition's headings in order, prints each heading with its canonical title, the
"not applicable" justification where its condition is false, and otherwise its content items. A leaf
heading that prints nothing gets one "[To be completed: ...]" placeholder. Nothing is printed that the
definition does not place (no catch-all). The few computed sections are named hooks (`HOOK_IMPLS`).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from atmp_desktop.core.definitions import (_CODE, _PLACEHOLDER, EXTERNAL_DOCUMENTS, HOOKS, Definition, HeadingDef,
                                           Item, default_definitions)
from atmp_desktop.core.figures import heading_target
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.sections import Applicability, display_title, heading_applicability
from atmp_desktop.core.sections import heading as ctd_heading
from atmp_desktop.export.builders.base import doc_meta, field_of, fmt, label_of, same_text, visible
from atmp_desktop.export.model import (Document, Figure, Heading, Literature, Paragraph, Placeholder, Run, Table,
                                       XRef)
from atmp_desktop.export.narrative import narrative_blocks

HOOK_IMPLS: dict[str, Callable[..., None]] = {}


def hook(name: str):
    """Register the implementation of a hook declared in core.definitions.HOOKS."""
    if name not in HOOKS:
        raise KeyError(f"hook '{name}' is not declared in core.definitions.HOOKS")

    def deco(func):
        HOOK_IMPLS[name] = func
        return func
    return deco


class Builder:
    """A document under construction plus the read and block helpers hooks use."""

    def __init__(self, snap: ProjectSnapshot, definition: Definition):
        self.snap = snap
        self.definition = definition
        self.doc = Document(doc_meta(snap, definition))
        self.level = 1           # level of the heading being written
        self.heading_def: HeadingDef | None = None
        self.spans: dict[str, tuple[int, int]] = {}  # heading key -> (first, end) block index, for checks
        self._in_hook = False    # an IMPD prints a hook's Module 3 codes as the IMPD headings (code_map)

    # ------------------------------------------------------------------ reading
    def text(self, path: str) -> str:
        return fmt(field_of(path), self.snap.get(path))

    def has(self, path: str) -> bool:
        return self.snap.is_set(path)

    def rows(self, path: str) -> list[dict]:
        return self.snap.rows(path)

    def cell(self, table_path: str, row: dict, column: str) -> str:
        tf = field_of(table_path)
        col = next((c for c in tf.columns if c.id == column), None) if tf is not None else None
        return fmt(col, row.get(column))

    # ------------------------------------------------------------------ blocks
    def add(self, block) -> None:
        blocks = self.doc.blocks
        if isinstance(block, Table) and block.caption and blocks and isinstance(blocks[-1], Heading) \
                and same_text(blocks[-1].title, block.caption):
            block = replace(block, caption="")  # the heading right above already says it
        blocks.append(block)

    def local(self, text: str) -> str:
        """A hook's text with Module 3 codes as this document's headings ("3.2.P.1" -> "2.1.P.1" in an IMPD)."""
        codes = self.definition.code_map
        if not (self._in_hook and codes and text):
            return text
        return _CODE.sub(lambda m: codes.get(m.group(0), m.group(0)), text)

    def para(self, text: str, **emphasis) -> None:
        if text:
            self.add(Paragraph.of(self.local(text), **emphasis))

    def note(self, text: str) -> None:
        self.add(Paragraph((Run(text, italic=True),), style="note"))

    def review(self, text: str) -> None:
        """A note for the reviewers, not submission text (Word comment / PDF appendix; left out of final)."""
        self.add(Paragraph((Run(text, italic=True),), style="review"))

    def todo(self, what: str) -> None:
        self.add(Placeholder(self.local(what)))

    def figure(self, caption: str, description: str = "") -> None:
        self.add(Figure(caption, description=description))

    # ------------------------------------------------------------------ the walk
    def build(self) -> Document:
        d = self.definition
        if d.intro:
            self.review(d.intro)
        for h in d.headings:
            self.heading_def = h
            self.level = h.level
            app = self._route(h, heading_applicability(d, h, self.snap))
            if not app.applies and app.inherited_from and not (h.ctd or (d.impd_code and h.code)):
                continue  # this app's own sub-headings of a section that does not apply are left out
            title = display_title(ctd_heading(h.key), self.snap) if h.ctd else h.title
            self.add(Heading(h.code, title, h.level, h.note))
            start = len(self.doc.blocks)
            if not app.applies:
                self.note(app.reason)  # under a non-applicable parent its justification: each leaf file stands alone
                if "[…]" in app.reason and not app.inherited_from:
                    self._route_sentence(self._route_entry().get("instead", ""), lambda _: None)  # placeholders
                self.spans[h.key] = (start, len(self.doc.blocks))
                continue
            for item in h.items:
                self.item(item)
            if d.routes and h.key == d.impd_code and self._route_entry().get("statement"):
                self._route_sentence(self._route_entry()["statement"], self.para)
            if len(self.doc.blocks) == start and not d.children(h.key):
                self.todo(h.todo or (f"{h.title} ({h.code})" if h.code else h.title))
            self.spans[h.key] = (start, len(self.doc.blocks))
        self._matter()
        self._module3_refs()
        return self.doc

    # ------------------------------------------------------------------ IMPD routes (resources/impd-routes.yaml)
    def _route_entry(self) -> dict:
        d = self.definition
        return d.route_table.get(self.snap.get(d.routes) or "full") or {"print": ("S", "P", "A")}

    def _route(self, h: HeadingDef, app: Applicability) -> Applicability:
        """A part (2.1.S, 2.1.P, 2.1.A) the route does not print keeps its headings and prints the route's
        sentence instead, like a section that does not apply."""
        d = self.definition
        parts = h.key.split(".")
        if not d.routes or not app.applies or not h.key.startswith(d.impd_code + ".") or len(parts) < 3:
            return app
        entry = self._route_entry()
        if parts[2] in entry["print"]:
            return app
        part_key = ".".join(parts[:3])
        if h.key != part_key:  # one file per document in CTIS: the part heading says it once
            return Applicability(False, f"Not submitted: see {part_key}.", part_key)
        return Applicability(False, self._route_sentence(entry["instead"]))

    def _route_sentence(self, text: str, emit=None) -> str:
        """The route's sentence with its {step.field} references filled; `emit` prints it, then a placeholder
        for each reference not entered yet."""
        missing: list[str] = []

        def fill(m) -> str:
            if self.has(m.group(1)) and visible(self.snap, m.group(1)):
                return self.text(m.group(1))
            missing.append(label_of(m.group(1)))
            return "[…]"
        sentence = _PLACEHOLDER.sub(fill, text)
        if emit is not None:
            emit(sentence)
            for label in dict.fromkeys(missing):
                self.todo(label)
        return sentence

    def _module3_refs(self) -> None:
        """An IMPD prints the writer's narrative as written; a Module 3 code in it names a section the IMPD
        calls otherwise, so the export says which (the writer may word it for both dossiers)."""
        codes = self.definition.code_map
        if not codes:
            return
        named = sorted({r.target for b in self.doc.blocks for r in getattr(b, "runs", ())
                        if isinstance(r, XRef) and r.soft and r.target in codes})
        if named:
            shown = ", ".join(f"{c} (here {codes[c]})" for c in named[:8]) + (" …" if len(named) > 8 else "")
            self.doc.warnings.append(f"{self.definition.title}: the narrative names Module 3 section(s) {shown}; "
                                     "the IMPD prints them as written.")

    def _matter(self) -> None:
        """The glossary and literature the document's lists are made from (model.finish prints what it uses)."""
        d = self.definition
        if d.abbreviations:
            self.doc.glossary = tuple((r.get("abbreviation") or "", r.get("expansion") or "")
                                      for r in self.rows(d.abbreviations) if r.get("abbreviation"))
        if d.references:
            self.doc.literature = tuple(
                Literature(str(r["key"]).strip(), *(self.cell(d.references, r, c) for c in
                                                   ("authors", "title", "source", "year", "identifier")))
                for r in self.rows(d.references) if str(r.get("key") or "").strip())

    def item(self, item: Item) -> None:
        if item.applies_when is not None and not item.applies_when.evaluate(self.snap.get):
            return
        getattr(self, "_" + item.kind)(item)

    def _text(self, item: Item) -> None:
        if item.opt("style") == "note":
            self.note(item.value)
        else:
            self.para(item.value)

    def _note(self, item: Item) -> None:
        self.note(item.value)

    def _review(self, item: Item) -> None:
        self.review(item.value)

    def _field(self, item: Item) -> None:
        path = item.value
        if not self.has(path) or not visible(self.snap, path):
            if item.opt("missing"):
                self.todo(item.opt("missing"))
            return
        if item.opt("label"):
            self.add(Paragraph((Run(label_of(path) + ": ", bold=True), Run(self.text(path)))))
        else:
            self.para(self.text(path))

    def _narrative(self, item: Item) -> None:
        path = item.value
        if not self.has(path) or not visible(self.snap, path):
            if item.opt("missing"):
                self.todo(item.opt("missing"))
            return
        for block in narrative_blocks(self.snap.get(path)):  # formatted narrative (docs/narrative-format.md)
            self.add(block)

    def _fields(self, item: Item) -> None:
        filled = [p for p in item.value if self.has(p) and visible(self.snap, p)]
        for p in filled:
            f = field_of(p)
            if f is not None and f.type == "long_text":
                for block in narrative_blocks(self.snap.get(p), label_of(p)):
                    self.add(block)
            else:
                self.add(Paragraph((Run(label_of(p) + ": ", bold=True), Run(self.text(p)))))
        if not filled and item.opt("missing"):
            self.todo(item.opt("missing"))

    def _facts(self, item: Item) -> None:
        rows = []
        for row in item.value:
            paths = [p for p in row["paths"] if visible(self.snap, p)]
            if row["paths"] and not paths:
                continue  # every field of the row is hidden for this product
            label = row["label"] or label_of(paths[0])
            texts = []
            for p in paths:
                raw = self.snap.get(p)
                if raw is None:
                    continue
                mapped = row["values"].get(raw) if isinstance(raw, (str, bool, int)) else None
                texts.append(str(mapped) if mapped is not None else self.text(p))
                if row["first"]:
                    break
            value = row["join"].join(t for t in texts if t) or row["text"] or "[To be completed]"
            rows.append((label, value))
        if rows:
            header = tuple(item.opt("header") or ("Item", "Entry"))
            self.add(Table(header, tuple(rows), caption=item.opt("caption", ""), widths=(2, 3)))

    def _table_rows(self, item: Item) -> list[dict]:
        rows = self.rows(item.value)
        w = item.opt("where")
        if w:
            col = w["column"]
            if "in" in w:
                rows = [r for r in rows if r.get(col) in w["in"]]
            else:
                rows = [r for r in rows if r.get(col) not in w["not_in"]]
        sort = item.opt("sort")
        if sort:
            rows = sorted(rows, key=lambda r: (r.get(sort) is None, r.get(sort) if r.get(sort) is not None else 0))
        return rows

    def _table(self, item: Item) -> None:
        rows = self._table_rows(item)
        tf = field_of(item.value)
        split = item.opt("split_by")
        cols = [c for c in (item.opt("columns") or [c.id for c in tf.columns]) if c != split]
        if not rows:
            if item.opt("missing"):
                self.todo(item.opt("missing"))
            return
        # a column no row fills says nothing (e.g. the strength column of a single-strength product)
        cols = cols[:1] + [c for c in cols[1:] if any(r.get(c) not in (None, "") for r in rows)]
        col_fields = {c.id: c for c in tf.columns}
        labels = item.opt("labels") or {}
        header = tuple(labels.get(c) or col_fields[c].label for c in cols)
        caption = item.opt("caption") or tf.label
        groups: list[tuple[str, list[dict]]] = [("", rows)]
        if split:
            values = list(dict.fromkeys(r.get(split) for r in rows if r.get(split) not in (None, "")))
            if len(values) > 1:  # rows without a value belong to every group (e.g. a component of every strength)
                groups = [(fmt(col_fields[split], v), [r for r in rows if r.get(split) in (v, None, "")])
                          for v in values]
        for name, group in groups:
            body = tuple(tuple(fmt(col_fields.get(c), r.get(c)) for c in cols) for r in group)
            self.add(Table(header, body, caption=f"{caption}: {name}" if name else caption))

    def _summary(self, item: Item) -> None:
        """One sentence naming the rows of a table: 'Manufacturers: A (Germany) and B (United States).'"""
        rows = self._table_rows(item)
        if not rows:
            if item.opt("missing"):
                self.todo(item.opt("missing"))
            return
        tf = field_of(item.value)
        cols = {c.id: c for c in tf.columns}
        main, *extra = item.opt("columns")

        def name(r: dict) -> str:
            more = [fmt(cols[c], r.get(c)) for c in extra if r.get(c) not in (None, "")]
            return fmt(cols[main], r.get(main)) + (f" ({', '.join(more)})" if more else "")

        names = [n for n in dict.fromkeys(name(r) for r in rows if r.get(main) not in (None, "")) if n]
        group = item.opt("group_by")
        if group:
            groups: dict[str, list[str]] = {}
            for r in rows:
                if r.get(main) not in (None, ""):
                    groups.setdefault(fmt(cols[group], r.get(group)) or "other", []).append(name(r))
            listed = "; ".join(f"{g.lower()}: {and_list(list(dict.fromkeys(v)))}" for g, v in groups.items())
        else:
            listed = and_list(names)
        lead = item.opt("lead", "")
        if item.opt("count"):
            n = len(names)
            sentence = f"{lead} {n} {item.opt('count')}" + (f" ({listed})" if group else f": {listed}")
        else:
            sentence = f"{lead} {listed}"
        self.para(sentence.strip() + ".")

    def _grid(self, item: Item) -> None:
        """A pivot table: one row per value of `rows`, one column per value of `columns`, cells from `value`."""
        g = item.value
        tf = field_of(g["table"])
        cols = {c.id: c for c in tf.columns}
        data = self.rows(g["table"])
        if not data:
            if item.opt("missing"):
                self.todo(item.opt("missing"))
            return
        row_keys = list(dict.fromkeys(r.get(g["rows"]) for r in data))
        col_keys = list(dict.fromkeys(r.get(g["columns"]) for r in data))
        cells = {(r.get(g["rows"]), r.get(g["columns"])): fmt(cols[g["value"]], r.get(g["value"])) for r in data}
        header = (cols[g["rows"]].label,) + tuple(fmt(cols[g["columns"]], k) for k in col_keys)
        body = tuple((fmt(cols[g["rows"]], rk),) + tuple(cells.get((rk, ck), "–") for ck in col_keys)
                     for rk in row_keys)
        self.add(Table(header, body, caption=item.opt("caption") or tf.label))

    def _figure(self, item: Item) -> None:
        """The figures the writer attached to the item's `source` (a field, or `heading`: this heading), each
        numbered in its section; the empty slot when none is attached (or without a source)."""
        source = item.opt("source")
        if source:
            key = item.opt("heading_of") or self.heading_def.key  # an IMPD heading shows its twin's figures
            target = heading_target(key) if source == "heading" else source
            attached = [f for f in self.snap.figures if f.target == target]
            for f in attached:
                self.add(Figure(f.caption or item.value, id=f.id, data=f.data, kind=f.kind, alt=f.alt))
                self._check_figure(f)
            if attached or item.opt("optional"):
                return
        self.figure(item.value, item.opt("description", ""))

    def _check_figure(self, f) -> None:
        """Warn (in the export's warnings) when an SVG's text prints below the eCTD's 9 pt."""
        from atmp_desktop.export import figures as F
        from atmp_desktop.export import layout as L
        try:
            small = F.smallest_text_pt(f.data, L.frame_width(False))
        except (F.FigureRenderError, ValueError):
            small = None
        if small is not None and small < L.MIN_PT:
            self.doc.warnings.append(f"{self.definition.title}: the figure '{f.caption or f.name}' has text that "
                                     f"prints at {small:g} pt, below the {L.MIN_PT:g} pt eCTD minimum; enlarge "
                                     "its text in the SVG (check-pdf will report it).")

    def _see(self, item: Item) -> None:
        before = item.opt("lead", "See")
        before = before if before.endswith(" ") else before + " "
        other = item.opt("document")
        if other and other != self.definition.id:
            target = default_definitions().document(other)
            h = target.heading(item.value)
            title = display_title(ctd_heading(h.key), self.snap) if h.ctd else h.title
            label = f"{h.code} {title}".strip()
            ref = XRef(h.key, text=label if target.namespace == "ctd" else f"{target.title}, {label}",
                       document=other)
        else:
            ref = XRef(item.value)
        self.add(Paragraph((Run(before), ref, Run(item.opt("after", ".")))))

    # ------------------------------------------------------------------ documents this app does not write
    def external(self, key: str) -> dict | None:
        """The row of Documents written elsewhere with this key (e.g. 'ib'), or None."""
        return next((r for r in self.rows(EXTERNAL_DOCUMENTS) if str(r.get("key") or "").strip() == key), None)

    def external_name(self, row: dict) -> str:
        """'Investigator's Brochure, X (version 4.0, 1 February 2027)'."""
        meta = [f"version {row['version']}" if row.get("version") else "",
                self.cell(EXTERNAL_DOCUMENTS, row, "date")]
        meta = [m for m in meta if m]
        return str(row.get("title") or row.get("key")) + (f" ({', '.join(meta)})" if meta else "")

    def _refer(self, item: Item) -> None:
        """'See the Investigator's Brochure (version 4.0, 1 February 2027), section 5.3.' (a `see` for a document
        outside the project); a placeholder naming what to enter when the document or the section is missing."""
        key, section = item.value["document"], item.value.get("section")
        row = self.external(key)
        if row is None:
            self.todo(f"the document '{key}' in Documents written elsewhere (title, version, date)")
            return
        where = f", section {self.text(section)}" if section and self.has(section) else ""
        lead = item.opt("lead", "See")
        self.para(f"{lead} {self.external_name(row)}{where}.")
        if section and not self.has(section):
            self.todo(label_of(section))

    def _checklist(self, item: Item) -> None:
        """What a submission needs, one row each: written by this app (which document, which sections), or
        provided elsewhere (the recorded reference), or still to be provided. The certainty stays out of print."""
        body = []
        for row in item.value:
            body.append((row["item"], self._check_status(row), row["basis"]))
        self.add(Table(("Item", "Where it comes from", "Basis"), tuple(body), caption=item.opt("caption", ""),
                       widths=(3, 4, 2)))

    def _check_status(self, row: dict) -> str:
        if row["made_by"] == "external":
            if row["record"]:
                value = self.text(row["record"]) if self.has(row["record"]) else ""
            else:
                found = self.external(row["external_key"])
                value = self.external_name(found) if found else ""
            return f"Provided elsewhere: {value}" if value else "[To be provided]"
        d = default_definitions().document(row["made_by"])
        if not d.applies(self.snap):
            return f"[To be provided] ({d.title} does not apply to this project)"
        file = f"{d.ectd_file}.pdf" if d.ectd_file else d.id
        names = [d.heading(k).code or d.heading(k).title for k in row["sections"]]
        sections = f", {', '.join(names)}" if names else ""
        return f"Written by this app: {d.title} ({file}){sections}"

    def _group(self, item: Item) -> None:
        start = len(self.doc.blocks)
        self.add(Heading("", item.value, self.level + 1))
        self.level += 1  # what the group's items print as headings (a nested group, a hook's) sits below it
        try:
            for child in item.items:
                self.item(child)
        finally:
            self.level -= 1
        if len(self.doc.blocks) == start + 1:
            del self.doc.blocks[start]  # nothing under it for this product

    def _hook(self, item: Item) -> None:
        self._in_hook = True
        try:
            HOOK_IMPLS[item.value](self, **(item.opt("args") or {}))
        finally:
            self._in_hook = False


def build_definition(definition: Definition, snap: ProjectSnapshot) -> Document:
    return Builder(snap, definition).build()


def and_list(names: list[str]) -> str:
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
