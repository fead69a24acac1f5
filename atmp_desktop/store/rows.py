"""Rows of table fields with stable ids, in memory: the working copy a user action edits (no SQL here).

A table is three aligned lists: row ids, positions and cells (one dict per row). Positions only order rows
and have gaps (GAP apart when fresh), so inserting or moving a row gives that row a position between its
neighbours and leaves every other row untouched; only when a gap is used up is the table renumbered.
Lists are copied on write and cells dicts are never changed in place, so a snapshot handed out earlier
keeps its rows. A copy shares its lists until it changes one, and a cell edit copies only the list of cells
(ids and positions stay shared): at 30,000 rows each list copied and later freed costs ~0.2 ms.
"""
from __future__ import annotations

import bisect
import json
import os
from typing import Any, Iterable, Sequence

from atmp_desktop.core.records import record

GAP = 65536


def new_row_id() -> str:
    return os.urandom(8).hex()


@record(frozen=True)
class SetCell:
    """Set one cell of the row `row_id` (None clears it; the row stays, even when it becomes empty)."""
    path: str
    row_id: str
    column: str
    value: Any


@record(frozen=True)
class SetRow:
    """Replace all cells of the row `row_id`."""
    path: str
    row_id: str
    cells: dict


@record(frozen=True)
class InsertRows:
    """Insert rows so the first lands at `index` (clamped to the table; len(table) appends). `row_ids` may
    give the new rows' ids (a merge or restore keeps identities); by default fresh ids are made."""
    path: str
    index: int
    rows: Sequence[dict]
    row_ids: Sequence[str] | None = None


@record(frozen=True)
class DeleteRows:
    path: str
    row_ids: Sequence[str]


@record(frozen=True)
class MoveRows:
    """Move rows (kept in their current relative order) so the first lands at `index` of the resulting table.
    Only their positions change."""
    path: str
    row_ids: Sequence[str]
    index: int


ROW_OPS = (SetCell, SetRow, InsertRows, DeleteRows, MoveRows)


class Table:
    """One table's rows: ids, positions and cells, aligned. `index` maps id -> row number (built lazily)."""
    __slots__ = ("ids", "pos", "rows", "_index", "touched", "_shared", "_shared_rows", "_shared_index")

    def __init__(self, ids: list[str], pos: list[int], rows: list[dict], index: dict[str, int] | None = None):
        self.ids, self.pos, self.rows = ids, pos, rows
        self._index = index
        self.touched: set[str] = set()
        self._shared = self._shared_rows = False  # True: ids and pos / rows belong to another Table too
        self._shared_index = index is not None    # True: the index belongs to another Table too

    @classmethod
    def empty(cls) -> "Table":
        return cls([], [], [], {})

    def copy(self) -> "Table":
        """A copy to edit: it shares this table's lists and index until one of the two changes them (copy on
        write both ways: an edit of either never shows in the other)."""
        t = Table(self.ids, self.pos, self.rows, self._index)
        t._shared = t._shared_rows = self._shared = self._shared_rows = True
        self._shared_index = self._index is not None
        return t

    def _own(self) -> None:
        """Before changing ids, positions or the order: lists of our own."""
        if self._shared:
            self.ids, self.pos, self._shared = list(self.ids), list(self.pos), False
        self._own_rows()

    def _own_rows(self) -> None:
        if self._shared_rows:
            self.rows, self._shared_rows = list(self.rows), False

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index, self._shared_index = {rid: i for i, rid in enumerate(self.ids)}, False
        return self._index

    def index_ahead(self) -> int:
        """Build the id index now if there is none (an idle slice; see ProjectFile.index_rows): the rows it
        took, 0 when it was there."""
        if self._index is not None:
            return 0
        self.index
        return len(self.ids)

    def find(self, row_id: str) -> int | None:
        return self.index.get(row_id)

    def entry(self, row_id: str) -> tuple[int, dict] | None:
        i = self.find(row_id)
        return None if i is None else (self.pos[i], self.rows[i])

    # ------------------------------------------------------------ edits (the caller validates the cells)
    def set_cells(self, i: int, cells: dict) -> None:
        if cells is not self.rows[i] and cells != self.rows[i]:
            self._own_rows()
            self.rows[i] = cells
            self.touched.add(self.ids[i])

    def insert(self, index: int, rows: Sequence[dict], ids: Sequence[str]) -> None:
        index = max(0, min(index, len(self.ids)))
        at_end = index == len(self.ids)
        if at_end:
            self._append(rows, ids)
        else:
            self._own()
            self.ids[index:index] = list(ids)
            self.pos[index:index] = [None] * len(ids)  # type: ignore[list-item]
            self.rows[index:index] = list(rows)
        if at_end and self._index is not None:
            # rows added at the end (a result typed into a results sheet) move no other row: the index grows
            # instead of being built again over the whole table (30,000 rows at large 4x, ~3 ms an edit)
            if self._shared_index:
                self._index, self._shared_index = dict(self._index), False
            self._index.update(zip(ids, range(index, index + len(ids))))
        else:
            self._index = None
        self.touched.update(ids)
        self._fill_positions(index, index + len(ids))

    def _append(self, rows: Sequence[dict], ids: Sequence[str]) -> None:
        """Rows added at the end. Lists shared with another Table are not copied and then grown (which copies
        them a second time when the grown list moves): the new lists are made whole, one pass each."""
        pos = [None] * len(ids)
        if self._shared:
            self.ids, self.pos, self._shared = self.ids + list(ids), self.pos + pos, False
        else:
            self.ids.extend(ids)
            self.pos.extend(pos)
        if self._shared_rows:
            self.rows, self._shared_rows = self.rows + list(rows), False
        else:
            self.rows.extend(rows)

    def delete(self, row_ids: Iterable[str]) -> None:
        gone = {rid for rid in row_ids if rid in self.index}
        if not gone:
            return
        self._keep_only(gone)
        self.touched.update(gone)

    def _keep_only(self, gone: set[str]) -> None:
        """Drop the rows whose ids are in `gone` (new lists: owned)."""
        keep = [i for i, rid in enumerate(self.ids) if rid not in gone]
        self.ids = [self.ids[i] for i in keep]
        self.pos = [self.pos[i] for i in keep]
        self.rows = [self.rows[i] for i in keep]
        self._shared = self._shared_rows = False
        self._index = None

    def move(self, row_ids: Sequence[str], index: int) -> None:
        moving = [i for i in sorted(self.find(rid) for rid in set(row_ids) if self.find(rid) is not None)]
        if not moving:
            return
        ids = [self.ids[i] for i in moving]
        staying = len(self.ids) - len(moving)
        at = max(0, min(index, staying))
        if moving == list(range(at, at + len(moving))):
            return  # already there: the order does not change, so nothing is rewritten (no empty undo step)
        rows = [self.rows[i] for i in moving]
        self.delete(ids)
        index = max(0, min(index, len(self.ids)))
        self.touched.difference_update(ids)
        self.ids[index:index] = ids
        self.pos[index:index] = [None] * len(ids)  # type: ignore[list-item]
        self.rows[index:index] = rows
        self._index = None
        self.touched.update(ids)
        self._fill_positions(index, index + len(ids))

    def _fill_positions(self, start: int, end: int) -> bool:
        """Give rows start..end-1 positions between their neighbours, renumbering the table when no gap is left."""
        before = self.pos[start - 1] if start > 0 else None
        after = self.pos[end] if end < len(self.pos) else None
        n = end - start
        if before is None and after is None:
            new = [i * GAP for i in range(n)]
        elif before is None:
            new = [after - (n - i) * GAP for i in range(n)]
        elif after is None:
            new = [before + (i + 1) * GAP for i in range(n)]
        elif (after - before) // (n + 1) >= 1:
            step = (after - before) // (n + 1)
            new = [before + (i + 1) * step for i in range(n)]
        else:
            self.pos = [i * GAP for i in range(len(self.ids))]
            self.touched.update(self.ids)
            return True
        self.pos[start:end] = new
        return False

    # ------------------------------------------------------------ whole-table replace
    def replace_all(self, new_rows: list[dict]) -> None:
        """Make the table hold `new_rows`, keeping the ids of rows that are unchanged or edited in place.

        Rows are matched in order (difflib on their content): equal rows keep id and position; a replaced
        block keeps the ids of as many rows as it has on both sides (their cells change); the rest are
        inserted or deleted. So a window that sends the whole list after one cell edit changes one row."""
        if self.rows == new_rows:
            return
        if len(new_rows) == len(self.rows):  # same length: an edit in place, row by row (no matching needed)
            for i, row in enumerate(new_rows):
                self.set_cells(i, row)
            return
        old_keys = [_key(r) for r in self.rows]
        new_keys = [_key(r) for r in new_rows]
        ids: list[str] = []
        pos: list[int | None] = []
        import difflib  # (only whole-table replaces of another length need it)
        matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                ids += self.ids[i1:i2]
                pos += self.pos[i1:i2]
                continue
            paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
            ids += self.ids[i1:i1 + paired]
            pos += self.pos[i1:i1 + paired]
            self.touched.update(self.ids[i1:i1 + paired])
            fresh = [new_row_id() for _ in range(j2 - j1 - paired)]
            ids += fresh
            pos += [None] * len(fresh)
            self.touched.update(fresh)
            self.touched.update(self.ids[i1 + paired:i2])  # deleted
        self.ids, self.rows, self._index = ids, list(new_rows), None
        self.pos = pos  # type: ignore[assignment]
        self._shared = self._shared_rows = False
        i, n = 0, len(self.pos)
        while i < n:
            if self.pos[i] is not None:
                i += 1
                continue
            j = i
            while j < n and self.pos[j] is None:
                j += 1
            if self._fill_positions(i, j):  # renumbered: every row has a position now
                break
            i = j

    # ------------------------------------------------------------ applying stored differences (undo, redo)
    def apply_diff(self, diffs: list[tuple[str, tuple | None]]) -> None:
        """Set each row id to (position, cells) or remove it (None); rows stay ordered by (position, id).

        Row by row: cells changed in place, removed rows dropped in one pass, rows with a new position put in
        their place by bisection (undoing a pasted block of 100 rows in a 30,000-row table: a few ms, where
        re-sorting the whole table took ~50 ms)."""
        final: dict[str, tuple | None] = dict(diffs)  # the last difference of a row id counts
        leaving: set[str] = set()
        placed: list[tuple[int, str, dict]] = []
        for rid, new in final.items():
            i = self.find(rid)
            if new is not None and i is not None and self.pos[i] == new[0]:
                self._own_rows()
                self.rows[i] = new[1]  # cells only: in place
                continue
            if i is not None:
                leaving.add(rid)
            if new is not None:
                placed.append((new[0], rid, new[1]))
        if not leaving and not placed:
            return
        if leaving:
            self._keep_only(leaving)
        else:
            self._own()
        self._index = None
        for position, rid, cells in sorted(placed):
            j = bisect.bisect_left(self.pos, position)
            while j < len(self.pos) and self.pos[j] == position and self.ids[j] < rid:
                j += 1
            self.ids.insert(j, rid)
            self.pos.insert(j, position)
            self.rows.insert(j, cells)
        if placed and self.pos != sorted(self.pos):  # a table whose stored order was already broken
            order = sorted(range(len(self.ids)), key=lambda k: (self.pos[k], self.ids[k]))
            self.ids = [self.ids[k] for k in order]
            self.pos = [self.pos[k] for k in order]
            self.rows = [self.rows[k] for k in order]


def _key(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)
