"""Three-way merge of two copies of one project from their last common state (plain data, no SQL).

For every field, table cell and row: what only one side changed since the base is taken; what both changed
the same way is taken once; what both changed differently is a conflict, decided per field, per row (all its
cells) or per step, for "mine" or "theirs" (default: mine, so nothing of mine is lost unasked).

- fields: base / mine / theirs values;
- table rows by row id, cell by cell: edits to different cells of one row both survive; a row deleted on one
  side and edited on the other is a row conflict; rows added on either side are kept (two rows added with
  identical cells on both sides are one row); the order follows the side that reordered, mine when both did,
  and rows added by theirs go behind the row they followed there;
- writer section status: as fields, but a clash keeps mine (it is the writer's own note);
- review status: the later decision wins; review comments: all are kept, a thread's state from the side that
  changed it last.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from atmp_desktop.core.diff import _text, row_title, texter
from atmp_desktop.core.feeds import ctd_sections
from atmp_desktop.core.forms import Field, FormSet
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.values import is_empty

MINE, THEIRS = "mine", "theirs"


@dataclass(frozen=True)
class Conflict:
    """Both sides changed the same thing differently. kind: field / cell / row (deleted on one side, edited on
    the other). `id` is what a decision names; `row_key` groups the cells of one row for a per-row decision."""
    id: str
    kind: str
    path: str
    step: str
    label: str                   # "Shelf life", "Site name (row 'Lonza, Netherlands') of Manufacturing sites"
    base: str
    mine: str
    theirs: str
    row_id: str = ""
    column: str = ""
    sections: tuple[str, ...] = ()

    @property
    def row_key(self) -> str:
        return f"{self.path}#{self.row_id}" if self.row_id else self.id


@dataclass
class MergeResult:
    base_label: str
    taken: list[str] = field(default_factory=list)        # what was taken from theirs automatically, in words
    conflicts: list[Conflict] = field(default_factory=list)
    kept_mine: list[str] = field(default_factory=list)    # clashes decided for mine without asking (statuses)
    _values: dict = field(default_factory=dict, repr=False)      # path -> (mine value, theirs value, chosen)
    _tables: dict = field(default_factory=dict, repr=False)      # path -> TablePlan
    _meta: dict = field(default_factory=dict, repr=False)
    _status: dict = field(default_factory=dict, repr=False)
    _review: dict = field(default_factory=dict, repr=False)
    _comments: tuple = ()

    def decide_all(self, side: str) -> dict[str, str]:
        return {c.id: side for c in self.conflicts}

    def decide_step(self, step: str, side: str, decisions: dict[str, str] | None = None) -> dict[str, str]:
        out = dict(decisions or {})
        out.update({c.id: side for c in self.conflicts if c.step == step})
        return out

    def decide_row(self, row_key: str, side: str, decisions: dict[str, str] | None = None) -> dict[str, str]:
        out = dict(decisions or {})
        out.update({c.id: side for c in self.conflicts if c.row_key == row_key})
        return out

    def unresolved(self, decisions: Mapping[str, str]) -> list[Conflict]:
        return [c for c in self.conflicts if decisions.get(c.id) not in (MINE, THEIRS)]

    def result(self, decisions: Mapping[str, str] | None = None) -> ProjectSnapshot:
        """The merged project: automatic changes plus each conflict as decided (undecided: mine)."""
        decisions = decisions or {}
        values: dict[str, dict] = {}
        for path, (mine, theirs, conflict_id) in self._values.items():
            # conflict_id: "" mine stands, None theirs is taken, else the conflict's id
            if conflict_id is None:
                value = theirs
            else:
                value = theirs if conflict_id and decisions.get(conflict_id) == THEIRS else mine
            if not is_empty(value):
                step, fid = path.split(".", 1)
                values.setdefault(step, {})[fid] = value
        ids: dict[str, tuple[str, ...]] = {}
        for path, plan in self._tables.items():
            rows_ids = plan.build(decisions)
            if rows_ids:
                step, fid = path.split(".", 1)
                values.setdefault(step, {})[fid] = [r for _, r in rows_ids]
                ids[path] = tuple(rid for rid, _ in rows_ids)
        return ProjectSnapshot(meta=dict(self._meta), values=values, section_status=dict(self._status),
                               table_ids=ids, review=dict(self._review), comments=tuple(self._comments))


@dataclass
class TablePlan:
    """How one table merges: each surviving row's cells (with cell/row conflicts to decide) and the order."""
    order_mine: list[str]
    order_theirs: list[str]
    primary: str
    rows: dict[str, dict] = field(default_factory=dict)       # id -> {"mine": cells|None, "theirs": cells|None,
    #                                                           "cells": {col: (mine, theirs, conflict id|None)},
    #                                                           "row_conflict": id|None, "auto": cells|None}

    def build(self, decisions: Mapping[str, str]) -> list[tuple[str, dict]]:
        chosen: dict[str, dict] = {}
        for rid, r in self.rows.items():
            if r["row_conflict"]:
                side = decisions.get(r["row_conflict"], MINE)
                cells = r["mine"] if side == MINE else r["theirs"]
            elif "cells" in r:
                cells = {}
                for col, (m, t, cid) in r["cells"].items():
                    if cid is None:
                        v = r["auto"].get(col)
                    else:
                        v = t if decisions.get(cid) == THEIRS else m
                    if not is_empty(v):
                        cells[col] = v
            else:
                cells = r["auto"]
            if cells is not None:
                chosen[rid] = cells
        order = _order(self.order_mine, self.order_theirs, self.primary, set(chosen))
        return [(rid, chosen[rid]) for rid in order]


def _order(mine: list[str], theirs: list[str], primary: str, keep: set[str]) -> list[str]:
    """The primary side's order, with the other side's extra rows each placed behind the row it follows there
    (several behind one row keep their own order)."""
    first, other = (mine, theirs) if primary == MINE else (theirs, mine)
    base = [rid for rid in first if rid in keep]
    placed = set(base)
    after: dict[str | None, list[str]] = {}
    prev: str | None = None
    for rid in other:
        if rid not in keep:
            continue
        if rid in placed:
            prev = rid
        else:
            after.setdefault(prev, []).append(rid)
            placed.add(rid)
            prev = rid  # a run of new rows stays together, in order
    if not after:
        return base
    out = list(after.get(None, ()))
    stack = list(reversed(out))
    expanded: list[str] = []
    while stack:  # new rows may follow new rows: expand depth first, in order
        rid = stack.pop()
        expanded.append(rid)
        stack.extend(reversed(after.get(rid, ())))
    out = expanded
    for rid in base:
        out.append(rid)
        stack = list(reversed(after.get(rid, ())))
        while stack:
            x = stack.pop()
            out.append(x)
            stack.extend(reversed(after.get(x, ())))
    return out


def merge(forms: FormSet, base: ProjectSnapshot, mine: ProjectSnapshot, theirs: ProjectSnapshot,
          base_label: str = "the last common milestone") -> MergeResult:
    res = MergeResult(base_label)
    res._meta = dict(mine.meta)
    for f in forms.all_fields():
        if f.is_table:
            _merge_table(forms, f, base, mine, theirs, res)
            continue
        b, m, t = (s.values.get(f.step_id, {}).get(f.id) for s in (base, mine, theirs))
        if _same(m, t) or _same(t, b):
            res._values[f.path] = (m, m, "")       # mine stands
        elif _same(m, b):
            res._values[f.path] = (m, t, None)     # only theirs changed: taken
            res.taken.append(f"{f.label}: {_show(f, t)}")
        else:
            cid = f"field:{f.path}"
            res._values[f.path] = (m, t, cid)
            res.conflicts.append(Conflict(cid, "field", f.path, f.step_id, f.label, _show(f, b), _show(f, m),
                                          _show(f, t), sections=ctd_sections(forms, f.path)))
    _merge_status(base.section_status, mine.section_status, theirs.section_status, res)
    res._review = _merge_review(base.review, mine.review, theirs.review)
    res._comments = _merge_comments(base.comments, mine.comments, theirs.comments)
    return res


def _same(a: Any, b: Any) -> bool:
    return (is_empty(a) and is_empty(b)) or a == b


def _show(f: Field, v: Any) -> str:
    return _text(f, v) if not is_empty(v) else "(empty)"


def _rows(snap: ProjectSnapshot, path: str) -> tuple[list[str], dict[str, dict]]:
    rows = snap.rows(path)
    ids = list(snap.row_ids(path))
    if len(ids) != len(rows):
        ids = [f"#{i}" for i in range(len(rows))]
    return ids, {rid: r for rid, r in zip(ids, rows) if r}


def _merge_table(forms: FormSet, f: Field, base, mine, theirs, res: MergeResult) -> None:
    b_all, b = _rows(base, f.path)
    m_ids, m = _rows(mine, f.path)
    t_ids, t = _rows(theirs, f.path)
    m_ids = [rid for rid in m_ids if rid in m]
    t_ids = [rid for rid in t_ids if rid in t]
    # two rows added on both sides with identical cells are one row (keep mine's id)
    added_m = {_key(m[rid]): rid for rid in m_ids if rid not in b and rid not in t}
    for rid in list(t_ids):
        same = added_m.get(_key(t[rid])) if rid not in b and rid not in m else None
        if same is not None and same not in t:
            t_ids = [same if x == rid else x for x in t_ids]
            t[same] = t.pop(rid)
    sections = ctd_sections(forms, f.path)
    b_ids = [rid for rid in b_all if rid in b]
    common = [rid for rid in b_ids if rid in m and rid in t]
    shared = set(common)
    rel_m = [rid for rid in m_ids if rid in shared]
    rel_t = [rid for rid in t_ids if rid in shared]
    primary = THEIRS if rel_m == common and rel_t != common else MINE
    plan = TablePlan(m_ids, t_ids, primary)
    if primary == THEIRS:
        res.taken.append(f"{f.label}: order of rows")
    text = texter(forms, (mine, theirs, base))
    columns = [c.id for c in f.columns]
    for rid in dict.fromkeys([*b_ids, *m_ids, *t_ids]):
        bb, mm, tt = b.get(rid), m.get(rid), t.get(rid)
        if bb is not None and mm is not None and (mm == tt or tt == bb):
            # theirs left the row alone (most rows): mine stands, cell by cell as _cells would keep it
            plan.rows[rid] = {"row_conflict": None, "auto": _kept(columns, mm)}
            continue
        # the row in words, for a message only (a title of a `ref` cell looks up the row it names)
        title = row_title(f, mm or tt or bb or {}, text=text)
        if bb is None:                                   # added since the base
            if mm is not None and tt is not None and mm != tt:
                _cells(forms, f, rid, {}, mm, tt, plan, res, title, sections)
            else:
                plan.rows[rid] = {"row_conflict": None, "auto": mm if mm is not None else tt}
                if mm is None:
                    res.taken.append(f"{f.label}: new row '{title}'")
            continue
        if mm is None and tt is None:
            continue                                     # deleted on both sides
        if mm is None or tt is None:                     # deleted on one side
            kept = tt if mm is None else mm
            if kept == bb:
                if tt is None:
                    res.taken.append(f"{f.label}: row '{title}' removed")
                continue                                 # the deletion stands
            cid = f"row:{f.path}:{rid}"
            plan.rows[rid] = {"row_conflict": cid, "mine": mm, "theirs": tt}
            res.conflicts.append(Conflict(
                cid, "row", f.path, f.step_id, f"Row '{title}' of {f.label}", _row_text(f, bb),
                "(row deleted)" if mm is None else _row_text(f, mm), "(row deleted)" if tt is None else _row_text(f, tt),
                row_id=rid, sections=sections))
            continue
        _cells(forms, f, rid, bb, mm, tt, plan, res, title, sections)
    res._tables[f.path] = plan


def _cells(forms, f: Field, rid: str, bb: dict, mm: dict, tt: dict, plan: TablePlan, res: MergeResult,
           title: str, sections) -> None:
    auto: dict = {}
    cells: dict = {}
    for c in f.columns:
        b, m, t = bb.get(c.id), mm.get(c.id), tt.get(c.id)
        if _same(m, t) or _same(t, b):
            auto[c.id] = m
        elif _same(m, b):
            auto[c.id] = t
            res.taken.append(f"{c.label} of row '{title}' in {f.label}: {_show(c, t)}")
        else:
            cid = f"cell:{f.path}:{rid}:{c.id}"
            cells[c.id] = (m, t, cid)
            res.conflicts.append(Conflict(cid, "cell", f.path, f.step_id, f"{c.label} (row '{title}') of {f.label}",
                                          _show(c, b), _show(c, m), _show(c, t), row_id=rid, column=c.id,
                                          sections=sections))
            continue
        cells[c.id] = (m, t, None)
    plan.rows[rid] = {"row_conflict": None, "cells": cells, "auto": auto}


def _kept(columns: list[str], row: dict) -> dict:
    """The filled cells of `row` in `columns`: `row` itself when that is all it holds (a snapshot's rows are),
    so taking the merge finds the row unchanged by identity."""
    kept = {c: row[c] for c in columns if c in row and not is_empty(row[c])}
    return row if len(kept) == len(row) else kept


def _row_text(f: Field, row: dict) -> str:
    return "; ".join(f"{c.label}: {_text(c, row[c.id])}" for c in f.columns if not is_empty(row.get(c.id))) or "(empty)"


def _key(row: dict) -> str:
    import json
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def _merge_status(base: Mapping, mine: Mapping, theirs: Mapping, res: MergeResult) -> None:
    out = {}
    for code in sorted(set(base) | set(mine) | set(theirs)):
        b, m, t = base.get(code), mine.get(code), theirs.get(code)
        if m == t or t == b:
            chosen = m
        elif m == b:
            chosen = t
            res.taken.append(f"writer status of section {code}: {(t or {}).get('status', 'not set')}")
        else:
            chosen = m
            res.kept_mine.append(f"writer status of section {code} (both changed it; yours is kept)")
        if chosen is not None:
            out[code] = dict(chosen)
    res._status = out


def _merge_review(base: Mapping, mine: Mapping, theirs: Mapping) -> dict:
    out = {}
    for target in set(base) | set(mine) | set(theirs):
        b, m, t = base.get(target), mine.get(target), theirs.get(target)
        if m == t or t == b:
            chosen = m
        elif m == b:
            chosen = t
        else:  # both decided: the later decision wins
            chosen = max((x for x in (m, t) if x is not None), key=lambda x: x.get("at", ""), default=None) \
                if m is not None and t is not None else (m if m is not None else None)
        if chosen is not None:
            out[target] = dict(chosen)
    return out


def _merge_comments(base: Iterable, mine: Iterable, theirs: Iterable) -> tuple:
    b = {c["id"]: c for c in base}
    m = {c["id"]: c for c in mine}
    t = {c["id"]: c for c in theirs}
    out = {}
    for cid in set(m) | set(t):
        mm, tt = m.get(cid), t.get(cid)
        if mm is None or tt is None:
            one = mm if mm is not None else tt
            if cid in b and b[cid] == one:  # the other side removed it unchanged
                continue
            out[cid] = one
        elif mm == tt or tt == b.get(cid):
            out[cid] = mm
        elif mm == b.get(cid):
            out[cid] = tt
        else:
            out[cid] = max((mm, tt), key=lambda c: (c.get("resolved_at") or c["at"]))
    return tuple(sorted((dict(c) for c in out.values()), key=lambda c: (c["at"], c["id"])))
