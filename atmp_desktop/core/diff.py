"""Compare two snapshots of one project: field by field and row by row, grouped by step and by CTD section.

Rows are matched by their stable row ids, so a reordered table is one "order changed" entry naming the rows
that moved (those outside the longest run still in order), not a change to every row. Rows that carry
different ids but identical cells (two copies imported from the same document) are taken as the same row.
The result is plain data for the compare view, `atmp-desktop diff`, the change report and the merge.
"""
from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

from atmp_desktop.core.feeds import ctd_sections
from atmp_desktop.core.forms import Field, FormSet
from atmp_desktop.core.interchange import SECTION_STATUSES
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.review import STATE_LABELS, target_label
from atmp_desktop.core.values import format_value, is_empty

OTHER = ""   # the group of changes that feed no CTD section (forms, requests, reports)
STATUS_LABELS = {"not_started": "Not started", "draft": "Draft", "in_review": "In review", "ready": "Ready"}
assert set(STATUS_LABELS) == set(SECTION_STATUSES)


@dataclass(frozen=True)
class CellChange:
    column: str
    label: str
    old: Any
    new: Any
    old_text: str
    new_text: str


@dataclass(frozen=True)
class FieldChange:
    """A scalar field: kind is added / removed / changed."""
    path: str
    step: str
    label: str
    kind: str
    old: Any
    new: Any
    old_text: str
    new_text: str
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowChange:
    """One row of a table: kind is added / removed / changed. Positions are 1-based (0 = absent)."""
    row_id: str
    kind: str
    old_position: int
    new_position: int
    title: str                      # the row in words: its first filled columns
    cells: tuple[CellChange, ...]   # changed cells (changed rows), or every filled cell (added/removed rows)
    old: dict | None = None
    new: dict | None = None


@dataclass(frozen=True)
class TableChange:
    path: str
    step: str
    label: str
    rows: tuple[RowChange, ...]
    moved: tuple[str, ...] = ()     # ids of rows whose place in the order changed
    sections: tuple[str, ...] = ()

    @property
    def reordered(self) -> bool:
        return bool(self.moved)

    def count(self, kind: str) -> int:
        return sum(1 for r in self.rows if r.kind == kind)


@dataclass(frozen=True)
class StatusChange:
    """A writer's CTD section status (code) or a review status (target 'step:..'/'section:..')."""
    key: str
    label: str
    old: str
    new: str
    old_note: str = ""
    new_note: str = ""


@dataclass(frozen=True)
class CommentChange:
    """A review comment new in the later snapshot, or whose thread changed state (kind: added / resolved /
    reopened / removed)."""
    id: str
    path: str
    label: str
    kind: str
    author: str
    at: str
    body: str
    reply: bool


@dataclass(frozen=True)
class FigureChange:
    """An attached figure (core.figures): kind is added / removed / changed; `what` names what changed
    (caption, alt text, image, place)."""
    id: str
    kind: str
    target: str
    caption: str
    what: tuple[str, ...] = ()


@dataclass
class Diff:
    old_label: str
    new_label: str
    fields: list[FieldChange] = field(default_factory=list)
    tables: list[TableChange] = field(default_factory=list)
    section_status: list[StatusChange] = field(default_factory=list)
    review: list[StatusChange] = field(default_factory=list)
    comments: list[CommentChange] = field(default_factory=list)
    figures: list[FigureChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.fields or self.tables or self.section_status or self.review or self.comments
                    or self.figures)

    @property
    def content_empty(self) -> bool:
        return not (self.fields or self.tables or self.figures)

    def summary(self) -> dict[str, int]:
        return {
            "fields_added": sum(1 for f in self.fields if f.kind == "added"),
            "fields_removed": sum(1 for f in self.fields if f.kind == "removed"),
            "fields_changed": sum(1 for f in self.fields if f.kind == "changed"),
            "rows_added": sum(t.count("added") for t in self.tables),
            "rows_removed": sum(t.count("removed") for t in self.tables),
            "rows_changed": sum(t.count("changed") for t in self.tables),
            "tables_reordered": sum(1 for t in self.tables if t.reordered),
            "section_status": len(self.section_status),
            "review_status": len(self.review),
            "comments": len(self.comments),
            "figures": len(self.figures),
        }

    def changed_paths(self) -> list[str]:
        return [c.path for c in self.fields] + [t.path for t in self.tables]

    def by_step(self) -> dict[str, list[FieldChange | TableChange]]:
        out: dict[str, list] = {}
        for c in sorted([*self.fields, *self.tables], key=lambda c: self._order.get(c.path, 0)):
            out.setdefault(c.step, []).append(c)
        return out

    def by_section(self) -> dict[str, list[FieldChange | TableChange]]:
        """CTD code -> the changes to fields that feed it, codes in CTD order; OTHER ('') for changes that feed
        no CTD section. A field feeding two sections is listed under both."""
        out: dict[str, list] = {}
        for c in sorted([*self.fields, *self.tables], key=lambda c: self._order.get(c.path, 0)):
            for code in c.sections or (OTHER,):
                out.setdefault(code, []).append(c)
        return dict(sorted(out.items(), key=lambda kv: section_sort_key(kv[0])))

    _order: dict = field(default_factory=dict, repr=False)

    def to_json(self) -> dict:
        def plain(c):
            d = asdict(c)
            if isinstance(c, TableChange):
                d["reordered"] = c.reordered
            return d
        return {"format": "atmp-dossier-diff", "format_version": 1, "from": self.old_label, "to": self.new_label,
                "summary": self.summary(), "fields": [plain(c) for c in self.fields],
                "tables": [plain(t) for t in self.tables],
                "section_status": [asdict(s) for s in self.section_status],
                "review": [asdict(s) for s in self.review], "comments": [asdict(c) for c in self.comments],
                "figures": [asdict(f) for f in self.figures],
                "by_section": {code or "other": [c.path for c in cs] for code, cs in self.by_section().items()}}


def section_title(code: str) -> str:
    """'3.2.S.2.2 Description of Manufacturing Process and Process Controls'; the group of changes outside the
    CTD is 'Other documents (forms, requests, reports)'."""
    from atmp_desktop.core.sections import heading
    if code == OTHER:
        return "Other documents (forms, requests, reports)"
    try:
        return f"{code} {heading(code).title}"
    except KeyError:
        return code


def section_sort_key(code: str) -> tuple:
    from atmp_desktop.core.sections import all_headings
    if code == OTHER:
        return (2, 0, "")
    order = {h.code: i for i, h in enumerate(all_headings())}
    if code in order:
        return (0, order[code], code)
    return (1, 0, code)


def compare(forms: FormSet, old: ProjectSnapshot, new: ProjectSnapshot, old_label: str = "before",
            new_label: str = "after", paths: Iterable[str] | None = None) -> Diff:
    """Everything that differs from `old` to `new` (optionally only for the fields and tables `paths`)."""
    d = Diff(old_label, new_label)
    only = set(paths) if paths is not None else None
    for i, f in enumerate(forms.all_fields()):
        d._order[f.path] = i
        if only is not None and f.path not in only:
            continue
        if f.is_table:
            t = compare_table(f, old, new, ctd_sections(forms, f.path), forms)
            if t is not None:
                d.tables.append(t)
            continue
        a, b = old.values.get(f.step_id, {}).get(f.id), new.values.get(f.step_id, {}).get(f.id)
        if is_empty(a) and is_empty(b) or a == b:
            continue
        kind = "added" if is_empty(a) else "removed" if is_empty(b) else "changed"
        d.fields.append(FieldChange(f.path, f.step_id, f.label, kind, a, b, _text(f, a), _text(f, b),
                                    ctd_sections(forms, f.path)))
    if only is None:
        d.section_status = _status_changes(old.section_status, new.section_status)
        d.review = _review_changes(forms, old.review, new.review)
        d.comments = comment_changes(forms, old.comments, new.comments)
        d.figures = figure_changes(old.figures, new.figures)
    return d


def figure_changes(old, new) -> list[FigureChange]:
    """Figures added, removed or changed (by figure id; the image by its SHA-256)."""
    a, b = {f.id: f for f in old}, {f.id: f for f in new}
    out = []
    for fid in [f.id for f in old] + [f.id for f in new if f.id not in a]:
        x, y = a.get(fid), b.get(fid)
        if x is None or y is None:
            f = x or y
            out.append(FigureChange(fid, "added" if x is None else "removed", f.target, f.caption or f.name))
            continue
        what = tuple(label for label, p, q in (("caption", x.caption, y.caption), ("alt text", x.alt, y.alt),
                                                ("image", x.digest, y.digest), ("place", x.target, y.target))
                     if p != q)
        if what:
            out.append(FigureChange(fid, "changed", y.target, y.caption or y.name, what))
    return out


def _text(f: Field, value: Any) -> str:
    try:
        return format_value(f, value)
    except (KeyError, TypeError, ValueError):
        return json.dumps(value, ensure_ascii=False)


def texter(forms: FormSet | None, snaps: tuple[ProjectSnapshot, ...]):
    """A cell-to-text function that shows a `ref` cell as the row it points to ('Batch 22-001'), looked up in
    `snaps`, instead of a row id."""
    def text(f: Field, value: Any) -> str:
        if f.type == "ref" and isinstance(value, str) and forms is not None:
            for snap in snaps:
                for path in getattr(f, "ref", ()) or ():
                    row = snap.row(path, value)
                    if row is not None:
                        try:
                            return row_title(forms.field(path), row)
                        except KeyError:
                            break
            return f"(row {value})"
        return _text(f, value)
    return text


def row_title(f: Field, row: dict, limit: int = 60, text=None) -> str:
    """A row in words: its first two filled columns ('Lonza Geleen, Netherlands')."""
    text = text or _text
    parts = []
    for c in f.columns:
        if not is_empty(row.get(c.id)):
            parts.append(text(c, row[c.id]))
        if len(parts) == 2:
            break
    text = ", ".join(parts) or "(empty row)"
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _ids(snap: ProjectSnapshot, path: str, rows: list[dict]) -> list[str]:
    ids = list(snap.row_ids(path))
    return ids if len(ids) == len(rows) else [f"#{i}" for i in range(len(rows))]


def compare_table(f: Field, old: ProjectSnapshot, new: ProjectSnapshot, sections: tuple[str, ...] = (),
                  forms: FormSet | None = None) -> TableChange | None:
    text = texter(forms, (new, old))
    a_rows, b_rows = old.rows(f.path), new.rows(f.path)
    a_ids, b_ids = _ids(old, f.path, a_rows), _ids(new, f.path, b_rows)
    # row id -> position and row id -> row, not id -> (position, row): a tuple per row is a container the
    # garbage collector tracks, and 60,000 of them at large 4x started full collections of the whole heap
    a_at, b_at = {rid: i for i, rid in enumerate(a_ids)}, {rid: j for j, rid in enumerate(b_ids)}
    a, b = dict(zip(a_ids, a_rows)), dict(zip(b_ids, b_rows))
    # rows with new ids but the same cells as a row that lost its id: the same row (copies that were
    # imported separately). Empty rows are never a change.
    only_a = [rid for rid in a_ids if rid not in b and a[rid]]
    only_b = [rid for rid in b_ids if rid not in a and b[rid]]
    alias: dict[str, str] = {}
    if only_a and only_b:
        by_content: dict[str, list[str]] = {}
        for rid in only_a:
            by_content.setdefault(_key(a[rid]), []).append(rid)
        for rid in only_b:
            match = by_content.get(_key(b[rid]))
            if match:
                alias[rid] = match.pop(0)
    rows: list[RowChange] = []
    matched_a = set(alias.values())
    for rid in a_ids:
        row = a[rid]
        if rid not in b and rid not in matched_a and row:
            rows.append(RowChange(rid, "removed", a_at[rid] + 1, 0, row_title(f, row, text=text),
                                  _all_cells(f, row, text, removed=True),
                                  row, None))
    for rid in b_ids:
        row = b[rid]
        old_id = alias.get(rid, rid)
        if old_id not in a:
            if row:
                rows.append(RowChange(rid, "added", 0, b_at[rid] + 1, row_title(f, row, text=text),
                                      _all_cells(f, row, text), None, row))
            continue
        before = a[old_id]
        if before != row:
            cells = tuple(CellChange(c.id, c.label, before.get(c.id), row.get(c.id), text(c, before.get(c.id)),
                                     text(c, row.get(c.id))) for c in f.columns if before.get(c.id) != row.get(c.id))
            rows.append(RowChange(rid, "changed", a_at[old_id] + 1, b_at[rid] + 1, row_title(f, row, text=text),
                                  cells, before, row))
    common = [alias.get(rid, rid) for rid in b_ids if alias.get(rid, rid) in a]
    moved = _moved([a_at[rid] for rid in common], common)
    if not rows and not moved:
        return None
    rows.sort(key=lambda r: (r.new_position or r.old_position, r.kind != "removed"))
    return TableChange(f.path, f.step_id, f.label, tuple(rows), tuple(moved), sections)


def _all_cells(f: Field, row: dict, text=_text, removed: bool = False) -> tuple[CellChange, ...]:
    out = []
    for c in f.columns:
        v = row.get(c.id)
        if not is_empty(v):
            t = text(c, v)
            out.append(CellChange(c.id, c.label, v if removed else None, None if removed else v,
                                  t if removed else "", "" if removed else t))
    return tuple(out)


def _moved(old_positions: list[int], ids: list[str]) -> list[str]:
    """Ids (in new order) outside the longest run whose old positions still increase: the rows that moved."""
    tails: list[int] = []
    tail_at: list[int] = []
    back = [-1] * len(old_positions)
    for i, p in enumerate(old_positions):
        k = bisect_left(tails, p)
        if k == len(tails):
            tails.append(p)
            tail_at.append(i)
        else:
            tails[k], tail_at[k] = p, i
        back[i] = tail_at[k - 1] if k else -1
    keep = set()
    i = tail_at[-1] if tail_at else -1
    while i != -1:
        keep.add(i)
        i = back[i]
    return [rid for i, rid in enumerate(ids) if i not in keep]


def _key(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def _status_changes(old: dict, new: dict) -> list[StatusChange]:
    out = []
    for code in sorted(set(old) | set(new), key=section_sort_key):
        a, b = old.get(code) or {}, new.get(code) or {}
        if (a.get("status"), a.get("note", "")) != (b.get("status"), b.get("note", "")):
            out.append(StatusChange(code, f"section {code}", STATUS_LABELS.get(a.get("status"), "Not set"),
                                    STATUS_LABELS.get(b.get("status"), "Not set"), a.get("note", ""),
                                    b.get("note", "")))
    return out


def _review_changes(forms: FormSet, old: dict, new: dict) -> list[StatusChange]:
    out = []
    for target in sorted(set(old) | set(new)):
        a, b = old.get(target) or {}, new.get(target) or {}
        if (a.get("status"), a.get("comment", ""), a.get("reviewer", "")) != \
                (b.get("status"), b.get("comment", ""), b.get("reviewer", "")):
            out.append(StatusChange(target, target_label(forms, target), STATE_LABELS.get(a.get("status"), "Not set"),
                                    STATE_LABELS.get(b.get("status"), "Not set"), a.get("comment", ""),
                                    b.get("comment", "")))
    return out


def comment_changes(forms: FormSet, old: Iterable[dict], new: Iterable[dict]) -> list[CommentChange]:
    a = {c["id"]: c for c in old}
    b = {c["id"]: c for c in new}

    def label(path: str) -> str:
        try:
            return forms.field(path).label
        except KeyError:
            return path
    out = []
    for cid, c in sorted(b.items(), key=lambda kv: (kv[1]["at"], kv[0])):
        if cid not in a:
            out.append(CommentChange(cid, c["path"], label(c["path"]), "added", c["author"], c["at"], c["body"],
                                     bool(c["parent"])))
        elif a[cid]["state"] != c["state"]:
            kind = "resolved" if c["state"] == "resolved" else "reopened"
            who = c["resolved_by"] or c["author"]
            out.append(CommentChange(cid, c["path"], label(c["path"]), kind, who, c["resolved_at"] or c["at"],
                                     c["body"], False))
    for cid, c in a.items():
        if cid not in b:
            out.append(CommentChange(cid, c["path"], label(c["path"]), "removed", c["author"], c["at"], c["body"],
                                     bool(c["parent"])))
    return out


# ---------------------------------------------------------------------------------------------- as text
def _q(text: str, limit: int = 120) -> str:
    text = text.replace("\n", " ⏎ ")
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return f"'{text}'"


def to_text(forms: FormSet, d: Diff) -> str:
    """The diff for a terminal: changes by step, then a count per CTD section."""
    lines = [f"Comparing {d.old_label}", f"     with {d.new_label}"]
    if d.empty:
        lines.append("No differences.")
        return "\n".join(lines) + "\n"
    s = d.summary()
    reordered = f"; {s['tables_reordered']} table(s) reordered" if s["tables_reordered"] else ""
    lines.append(f"{s['fields_added'] + s['fields_removed'] + s['fields_changed']} field(s) "
                 f"({s['fields_added']} added, {s['fields_removed']} removed, {s['fields_changed']} changed); "
                 f"table rows: {s['rows_added']} added, {s['rows_removed']} removed, {s['rows_changed']} changed"
                 f"{reordered}.")
    for step_id, changes in d.by_step().items():
        try:
            title = forms.step(step_id).title
        except KeyError:
            title = step_id
        lines += ["", f"Step: {title}"]
        for c in changes:
            lines += ["  " + line for line in change_lines(c)]
    if d.section_status or d.review:
        lines += ["", "Status:"]
        for st in d.section_status:
            lines.append(f"  ~ writer status of {st.label}: {st.old} -> {st.new}"
                         + (f" ({_q(st.new_note, 60)})" if st.new_note != st.old_note and st.new_note else ""))
        for st in d.review:
            lines.append(f"  ~ review of {st.label}: {st.old} -> {st.new}"
                         + (f" ({_q(st.new_note, 80)})" if st.new_note and st.new_note != st.old_note else ""))
    if d.figures:
        lines += ["", "Figures:"]
        for f in d.figures:
            mark = {"added": "+", "removed": "-", "changed": "~"}[f.kind]
            lines.append(f"  {mark} {_q(f.caption, 80)} ({f.target})" + (f": {', '.join(f.what)} changed"
                                                                         if f.what else ""))
    if d.comments:
        lines += ["", "Review comments:"]
        for c in d.comments:
            what = {"added": "reply" if c.reply else "comment", "resolved": "resolved", "reopened": "reopened",
                    "removed": "removed"}[c.kind]
            lines.append(f"  {what} on {c.label} by {c.author} ({c.at[:10]}): {_q(c.body, 100)}")
    by_section = d.by_section()
    if by_section:
        lines += ["", "By CTD section:"]
        for code, changes in by_section.items():
            lines.append(f"  {section_title(code)}: {len(changes)} changed field(s)/table(s)")
    return "\n".join(lines) + "\n"


def change_lines(c: FieldChange | TableChange) -> list[str]:
    if isinstance(c, FieldChange):
        if c.kind == "added":
            return [f"+ {c.label}: {_q(c.new_text)}"]
        if c.kind == "removed":
            return [f"- {c.label}: {_q(c.old_text)} (now empty)"]
        return [f"~ {c.label}: {_q(c.old_text)} -> {_q(c.new_text)}"]
    lines = [f"{c.label}:"]
    for r in c.rows:
        if r.kind == "added":
            lines.append(f"  + row {r.new_position} {r.title!r}: " + "; ".join(f"{x.label} {_q(x.new_text, 40)}"
                                                                         for x in r.cells))
        elif r.kind == "removed":
            lines.append(f"  - row {r.old_position} {r.title!r}")
        else:
            cells = "; ".join(f"{x.label} {_q(x.old_text, 40)} -> {_q(x.new_text, 40)}" for x in r.cells)
            lines.append(f"  ~ row {r.new_position} {r.title!r}: {cells}")
    if c.moved:
        lines.append(f"  order changed ({len(c.moved)} row{'s' if len(c.moved) != 1 else ''} moved)")
    return lines
