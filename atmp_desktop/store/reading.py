"""Table rows read from a project file, parsed and checked when something first reads them (no SQL here).

Opening reads every stored row in one read transaction (so the project is of one moment and a value too large
to read is refused at the door), but parsing the JSON of 60,000 rows and checking 330,000 cells took most of
the open of a large project while the first page shows a few small tables. So each table's rows stay raw
(`UnreadTable`) until the project, a snapshot, a rule or an export reads that table; then they are parsed and
every cell is checked exactly as before, once, and a bad value is left out and reported by field path
(`LazyProblems` lists them when asked). Nothing unchecked is ever handed out.

A snapshot may be read on a worker thread (the checks run there) while the window reads it too: a table is
parsed under its own lock, and the parsed rows are never changed in place afterwards.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from atmp_desktop.core.forms import Field
from atmp_desktop.core.values import (BIDI_CONTROLS, MEMO_TYPES, FieldValueError, in_column_order, is_empty, loads_json,
                                      normalise)
from atmp_desktop.store.rows import Table

Problem = tuple[str, str]      # (field path, sentence)
RowProblems = dict[str, list[tuple[str, str]]]  # row id -> [(column or "", sentence)]


def decode(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value


def check_value(f: Field, value: Any, report: Callable[[str], None]) -> Any:
    """`value` checked against its field: the normalised value, or None after `report(sentence)`."""
    try:
        norm = normalise(f, value)
    except FieldValueError as exc:
        report(f"holds {short(value)}, which does not fit: {exc}; enter the value again to repair it")
        return None
    if norm != value and isinstance(value, str) and any(ch in BIDI_CONTROLS for ch in value):
        report("held invisible text-direction characters, which are not shown")
    return norm


def short(value: Any) -> str:
    import json
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def _remembered(col: Field, value: Any) -> tuple[Any, tuple]:
    notes: list[tuple[str, str]] = []
    return check_value(col, value, lambda s: notes.append((col.id, s))), tuple(notes)


def parse_table(f: Field, entries: Sequence[tuple]) -> tuple[Table, list[Problem], RowProblems]:
    """The stored rows of table `f` (tuples ending in row id, position, cells JSON; ordered by position)
    as a Table of checked cells, the table's problems and each row's problems. Raises nothing for what a
    file holds."""
    problems: list[Problem] = []
    row_problems: RowProblems = {}
    ids, pos, rows = [], [], []
    columns = {c.id: c for c in f.columns}
    orders: dict[tuple, tuple] = {}   # for in_column_order
    checked: dict[tuple, tuple] = {}  # (column, type, value) -> (normalised, sentences)
    for entry in entries:
        row_id, position, cells_raw = entry[-3:]
        rid = decode(row_id)
        if not isinstance(rid, str) or not rid:
            problems.append((f"{f.path}[{len(ids)}]", "has no readable row id; the row was ignored"))
            continue
        sink: list[tuple[str, str]] = []
        if isinstance(position, bool) or not isinstance(position, int):
            sink.append(("", "has a damaged position; the order of this table may be wrong"))
            position = (pos[-1] + 1) if pos else 0
        text = decode(cells_raw)
        cells: Any = None
        if isinstance(text, str):
            try:
                cells = loads_json(text)
            except ValueError:
                cells = None
        if not isinstance(cells, dict):
            sink.append(("", "is not readable (its cells are not an object of column values); the row is shown "
                         "empty: fill it in again or delete it"))
            cells = {}
        else:
            good = {}
            for col_id, value in cells.items():
                col = columns.get(col_id)
                if col is None:
                    sink.append((str(col_id), "is not a column of this table; the value was ignored"))
                    continue
                kind = type(value)
                if kind in MEMO_TYPES:  # the check is a pure function of the column and the value
                    hit = checked.get((col_id, kind, value))
                    if hit is None:
                        hit = checked[(col_id, kind, value)] = _remembered(col, value)
                    v = hit[0]
                    if hit[1]:
                        sink.extend(hit[1])
                else:
                    v = check_value(col, value, lambda s, c=col_id: sink.append((c, s)))
                if v is not None:
                    good[col_id] = v
            cells = in_column_order(f, good, orders)
        if sink:
            row_problems[rid] = sink
        ids.append(rid)
        pos.append(position)
        rows.append(cells)
    return Table(ids, pos, rows), problems, row_problems


def row_problem_paths(path: str, table: Table, row_problems: RowProblems) -> list[Problem]:
    """Row problems named by field path (`table[i]` or `table[i].column`), in table order."""
    out: list[Problem] = []
    if row_problems:
        for i, rid in enumerate(table.ids):
            for column, sentence in row_problems.get(rid, ()):
                out.append((f"{path}[{i}]" + (f".{column}" if column else ""), sentence))
    return out


def readable_id(row_id: Any) -> bool:
    """A stored row id parse_table keeps (every other row is ignored and reported)."""
    rid = decode(row_id)
    return isinstance(rid, str) and bool(rid)


class UnreadTable:
    """A table's stored rows, raw, until something reads them; then parsed and checked once (parse_table).
    The raw rows are given at the open, or fetched when first needed from `source` (store/deferred.py
    RowSource: of the open's moment; `key` names the table there)."""
    __slots__ = ("field", "_entries", "_source", "_key", "_result", "_lock", "_raw_ids", "_ids")

    def __init__(self, field: Field, entries: list[tuple] | None = None, source: Any = None, key: Any = None):
        self.field = field
        self._entries: list[tuple] | None = entries
        self._source, self._key = source, key
        self._result: tuple[Table, list[Problem], RowProblems] | None = None
        self._lock = threading.Lock()
        self._raw_ids: frozenset | None = None
        self._ids: tuple[str, ...] | None = None

    def _raw(self) -> list[tuple]:
        """The raw rows (under the lock, before the table is parsed)."""
        if self._entries is None:
            self._entries = self._source.take(self._key)
            self._source = None
        return self._entries

    def result(self) -> tuple[Table, list[Problem], RowProblems]:
        result = self._result
        if result is None:
            with self._lock:
                if self._result is None:
                    self._result = parse_table(self.field, self._raw())
                    self._entries = None  # the raw JSON is not needed any more
                    if self._raw_ids is not None:  # its ids were looked up ahead (index_ahead): the table's too
                        self._result[0].index_ahead()
                result = self._result
        return result

    def fetch(self) -> None:
        """Have the raw rows in memory (before a write ends the source's read transaction)."""
        if self._result is None:
            with self._lock:
                if self._result is None:
                    self._raw()

    @property
    def table(self) -> Table:
        return self.result()[0]

    def rows(self) -> list[dict]:
        return self.result()[0].rows

    def ids(self) -> tuple[str, ...]:
        if self._ids is None:
            self._ids = tuple(self.result()[0].ids)
        return self._ids

    def problems(self, path: str) -> list[Problem]:
        table, problems, row_problems = self.result()
        return problems + row_problem_paths(path, table, row_problems)

    def has_rows(self) -> bool:
        """Whether the table will hold a row, without parsing it: every stored row with a readable id is kept
        (a row whose cells cannot be read is shown empty), so it holds one if any row id is readable."""
        result, entries = self._result, self._entries  # no lock while another thread may be parsing it
        if result is not None:
            return bool(result[0].ids)
        if entries is not None:
            return any(readable_id(e[-3]) for e in entries)
        with self._lock:
            if self._result is not None:
                return bool(self._result[0].ids)
            if self._entries is None:
                return self._source.has_row(self._key, readable_id)
            return any(readable_id(e[-3]) for e in self._entries)

    def index_ahead(self) -> int:
        """What Table.index_ahead does, for the ids has_id looks in (the raw ids while unparsed): the rows it took.
        Only raw rows already in memory: an idle slice never waits for the file."""
        if self._result is not None:
            return self._result[0].index_ahead()
        with self._lock:
            if self._result is not None or self._raw_ids is not None or self._entries is None:
                return 0
            self._raw_ids = frozenset(decode(e[-3]) for e in self._entries)
            return len(self._entries)

    def has_id(self, row_id: str) -> bool:
        """Whether the table holds a row with this id, without parsing it (new row ids must be unique)."""
        if self._result is not None:
            return self._result[0].find(row_id) is not None
        with self._lock:
            if self._result is None:
                if self._raw_ids is None:
                    self._raw_ids = frozenset(decode(e[-3]) for e in self._raw())
                return row_id in self._raw_ids
        return self._result[0].find(row_id) is not None


class LazyFields(Mapping):
    """One step's values in a snapshot ({field id: value}) where some tables are still unread: reading one
    parses it (UnreadTable). A table that turns out to hold no readable row reads as []."""
    __slots__ = ("_d",)

    def __init__(self, values: dict[str, Any]):
        self._d = values

    def __getitem__(self, key: str) -> Any:
        v = self._d[key]
        return v.rows() if type(v) is UnreadTable else v

    def get(self, key: str, default: Any = None) -> Any:
        v = self._d.get(key, default)
        return v.rows() if type(v) is UnreadTable else v

    def is_set(self, key: str) -> bool:
        """ProjectSnapshot.is_set of a field of this step: a table not read yet is not read for it."""
        v = self._d.get(key)
        if type(v) is UnreadTable:
            return v.has_rows()
        return not is_empty(v)

    def __contains__(self, key: object) -> bool:
        return key in self._d

    def __iter__(self):
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __repr__(self) -> str:
        return f"LazyFields({sorted(self._d)})"


class LazyIds(Mapping):
    """A snapshot's {table path: row ids}, tables still unread giving theirs when read."""
    __slots__ = ("_ids", "_unread")

    def __init__(self, ids: dict[str, tuple[str, ...]], unread: dict[str, UnreadTable]):
        self._ids, self._unread = ids, unread

    def __getitem__(self, path: str) -> tuple[str, ...]:
        if path in self._ids:
            return self._ids[path]
        return self._unread[path].ids()

    def get(self, path: str, default: Any = None) -> Any:
        found = self._ids.get(path)
        if found is not None:
            return found
        u = self._unread.get(path)
        return default if u is None else u.ids()

    def __contains__(self, path: object) -> bool:
        return path in self._ids or path in self._unread

    def __iter__(self):
        yield from self._ids
        yield from (p for p in self._unread if p not in self._ids)

    def __len__(self) -> int:
        return len(self._ids) + sum(1 for p in self._unread if p not in self._ids)


class LazyProblems(Sequence):
    """A snapshot's problems ((field path, sentence), as a tuple): those known when it was taken, then those of
    its tables still unread, which are parsed when the list is first read. `insert`: (index, problems()) of
    problems still to be found that belong at that place among the known ones (the figures' when they are
    not checked yet: store/figures.py StoredFigures)."""
    __slots__ = ("_known", "_unread", "_insert", "_all")

    def __init__(self, known: tuple[Problem, ...], unread: list[tuple[str, UnreadTable]],
                 insert: tuple[int, Callable[[], list[Problem]]] | None = None):
        self._known, self._unread, self._insert = known, unread, insert
        self._all: tuple[Problem, ...] | None = None

    def _items(self) -> tuple[Problem, ...]:
        if self._all is None:
            out = list(self._known)
            if self._insert is not None:
                at, found = self._insert
                out[at:at] = found()
            for path, u in self._unread:
                out += u.problems(path)
            self._all = tuple(out)
        return self._all

    def __getitem__(self, i):
        return self._items()[i]

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self):
        return iter(self._items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, LazyProblems)):
            return self._items() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other):
        return self._items() + tuple(other)

    def __repr__(self) -> str:
        return repr(self._items())
