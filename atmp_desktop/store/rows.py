"""Rows of table fields with stable ids, in memory: the working copy a user action edits (no SQL here).

A table is three aligned lists: row ids, positions and cells (one dict per row). Positions only order rows
and have gaps (GAP apart when fresh), so inserting or moving a row gives that row a position between its
neighbours and leaves every other row untouched; only when a gap is used up is the table renumbered.
Lists are copied on write and cells dicts are never changed in place, so a snapshot handed out earlier
keeps its rows.
"""
from __future__ import annotations

import difflib
import json
import secrets
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

GAP = 65536


def new_row_id() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class SetCell:
    """Set one cell of the row `row_id` (None clears it; the row stays, even when it becomes empty)."""
    path: str
    row_id: str
    column: str
    value: Any


@dataclass(frozen=True)
class SetRow:
    """Replace all cells of the row `row_id`."""
    path: str
    row_id: str
    cells: dict


@dataclass(frozen=True)
class InsertRows:
    """Insert rows so the first lands at `index` (clamped to the table; len(table) appends). `row_ids` may
    give the new rows' ids (a merge or restore keeps identities); by default fresh ids are made."""
    path: str
    index: int
    rows: Sequence[dict]
    row_ids: Sequence[str] | None = None


@dataclass(frozen=True)
class DeleteRows:
    path: str
    row_ids: Sequence[str]


@dataclass(frozen=True)
class MoveRows:
    """Move rows (kept in their current relative order) so the first lands at `index` of the resulting table.
    Only their positions change."""
    path: str
    row_ids: Sequence[str]
    index: int


ROW_OPS = (SetCell, SetRow, InsertRows, DeleteRows, MoveRows)


class Table:
    """One table's rows: ids, positions and cells, aligned. `index` maps id -> row number (built lazily)."""
    __slots__ = ("ids", "pos", "rows", "_index", "touched")

    def __init__(self, ids: list[str], pos: list[int], rows: list[dict], index: dict[str, int] | None = None):
        self.ids, self.pos, self.rows = ids, pos, rows
        self._index = index
        self.touched: set[str] = set()

    @classmethod
    def empty(cls) -> "Table":
        return cls([], [], [], {})

    def copy(self) -> "Table":
        return Table(list(self.ids), list(self.pos), list(self.rows), self._index)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {rid: i for i, rid in enumerate(self.ids)}
        return self._index

    def find(self, row_id: str) -> int | None:
        return self.index.get(row_id)

    def entry(self, row_id: str) -> tuple[int, dict] | None:
        i = self.find(row_id)
        return None if i is None else (self.pos[i], self.rows[i])

    # ------------------------------------------------------------ edits (the caller validates the cells)
    def set_cells(self, i: int, cells: dict) -> None:
        if cells != self.rows[i]:
            self.rows[i] = cells
            self.touched.add(self.ids[i])

    def insert(self, index: int, rows: Sequence[dict], ids: Sequence[str]) -> None:
        index = max(0, min(index, len(self.ids)))
        self.ids[index:index] = list(ids)
        self.pos[index:index] = [None] * len(ids)  # type: ignore[list-item]
        self.rows[index:index] = list(rows)
        self._index = None
        self.touched.update(ids)
        self._fill_positions(index, index + len(ids))

    def delete(self, row_ids: Iterable[str]) -> None:
        gone = {rid for rid in row_ids if rid in self.index}
        if not gone:
            return
        keep = [i for i, rid in enumerate(self.ids) if rid not in gone]
        self.ids = [self.ids[i] for i in keep]
        self.pos = [self.pos[i] for i in keep]
        self.rows = [self.rows[i] for i in keep]
        self._index = None
        self.touched.update(gone)

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
        """Set each row id to (position, cells) or remove it (None), then restore the order by position."""
        if all(new is not None and self.find(rid) is not None and self.pos[self.find(rid)] == new[0]
               for rid, new in diffs):
            for rid, new in diffs:  # cells only: in place
                self.rows[self.find(rid)] = new[1]
            return
        current = {rid: (p, r) for rid, p, r in zip(self.ids, self.pos, self.rows)}
        for rid, new in diffs:
            if new is None:
                current.pop(rid, None)
            else:
                current[rid] = new
        order = sorted(current.items(), key=lambda kv: (kv[1][0], kv[0]))
        self.ids = [k for k, _ in order]
        self.pos = [v[0] for _, v in order]
        self.rows = [v[1] for _, v in order]
        self._index = None


def _key(row: dict) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)
