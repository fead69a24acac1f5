"""The edits that make an open project hold what another snapshot holds (restore a milestone, take a merge).

Tables are brought over row by row by row id: rows only in the target are inserted with their ids where the
target has them, rows only here are deleted, changed rows get the target's cells, and the order is fixed by
moving only the rows outside the longest run already in order, so a restore of a reordered table or a merge
of added rows rewrites those rows only, not the table.
Everything goes through the store's normal row operations, so the target's values are checked like any
input (a milestone comes from a file, and a file comes from anyone).
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Any, Iterable

from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.store.rows import DeleteRows, InsertRows, MoveRows, SetRow


def edits_toward(pf, target: ProjectSnapshot, paths: Iterable[str] | None = None) -> list[Any]:
    """Edits (for ProjectFile.run_action) that make the fields and tables `paths` (default: all) hold what
    `target` holds."""
    snap = pf.snapshot()
    edits: list[Any] = []
    wanted = list(paths) if paths is not None else [f.path for f in pf.forms.all_fields()]
    for path in wanted:
        f = pf.forms.field(path)
        if not f.is_table:
            new = _raw(target, f)
            if new != _raw(snap, f):
                edits.append((f.path, new))
            continue
        edits.extend(table_edits(f.path, snap, target))
    return edits


def _raw(snap: ProjectSnapshot, f) -> Any:
    return snap.values.get(f.step_id, {}).get(f.id)


def table_edits(path: str, snap: ProjectSnapshot, target: ProjectSnapshot) -> list[Any]:
    have_ids, have_rows = list(snap.row_ids(path)), snap.rows(path)
    want_ids, want_rows = _ids(target, path)
    have = dict(zip(have_ids, have_rows))
    want = dict(zip(want_ids, want_rows))
    edits: list[Any] = []
    gone = [rid for rid in have_ids if rid not in want]
    if gone:
        edits.append(DeleteRows(path, tuple(gone)))
    for rid in want_ids:
        if rid in have and have[rid] is not want[rid] and have[rid] != want[rid]:  # (most are the same object)
            edits.append(SetRow(path, rid, dict(want[rid])))
    new = {rid for rid in want_ids if rid not in have}
    order = [rid for rid in have_ids if rid in want]
    edits.extend(_placements(path, order, want_ids, new, want))
    return edits


def _ids(snap: ProjectSnapshot, path: str) -> tuple[list[str], list[dict]]:
    rows = snap.rows(path)
    ids = list(snap.row_ids(path))
    if len(ids) != len(rows):  # a snapshot without ids (not made by the store): fresh rows
        from atmp_desktop.store.rows import new_row_id
        ids = [new_row_id() for _ in rows]
    return ids, rows


def _placements(path: str, order: list[str], want: list[str], new: set[str], cells: dict) -> list[Any]:
    """Inserts and moves that turn `order` (the rows kept, in their current order) into `want`: rows outside
    the longest run already in order are moved, and new rows inserted (a run of them in one InsertRows), in
    target order right after their target predecessor, so each chain hangs behind a row that stays put.
    New rows go straight to their place: appending them and moving each one would use up the position gap
    in front of them and renumber (so rewrite) the whole table."""
    if order == want:
        return []
    rank = {rid: i for i, rid in enumerate(want)}
    keep = set(_longest_increasing(order, rank))
    work = list(order)
    out: list[Any] = []
    i = 0
    while i < len(want):
        rid = want[i]
        if rid in keep:
            i += 1
            continue
        if rid in new:
            j = i
            while j < len(want) and want[j] in new:
                j += 1
            at = work.index(want[i - 1]) + 1 if i else 0
            run = want[i:j]
            work[at:at] = run
            out.append(InsertRows(path, at, [dict(cells[r]) for r in run], tuple(run)))
            i = j
            continue
        work.remove(rid)
        at = work.index(want[i - 1]) + 1 if i else 0
        work.insert(at, rid)
        out.append(MoveRows(path, (rid,), at))
        i += 1
    return out


def _longest_increasing(order: list[str], rank: dict[str, int]) -> list[str]:
    """The longest subsequence of `order` already in target order (patience sorting, O(n log n))."""
    tails: list[int] = []          # smallest tail rank of an increasing run of each length
    tail_at: list[int] = []        # index in `order` of that tail
    back: list[int] = [-1] * len(order)
    for i, rid in enumerate(order):
        r = rank[rid]
        k = bisect_left(tails, r)
        if k == len(tails):
            tails.append(r)
            tail_at.append(i)
        else:
            tails[k] = r
            tail_at[k] = i
        back[i] = tail_at[k - 1] if k else -1
    out = []
    i = tail_at[-1] if tail_at else -1
    while i != -1:
        out.append(order[i])
        i = back[i]
    return out[::-1]


def section_changes(pf, target: ProjectSnapshot) -> list[tuple]:
    """("s", code, old, new) changes that give every CTD section the target's writer status and note."""
    have = pf.snapshot().section_status
    out = []
    for code in sorted(set(have) | set(target.section_status)):
        old = dict(have[code]) if code in have else None
        new = dict(target.section_status[code]) if code in target.section_status else None
        if new is not None:
            new = {"status": new.get("status"), "note": new.get("note", "")}
        if old != new:
            out.append(("s", code, old, new))
    return out
