"""Table rows fetched after the open, of the moment the project was opened (the SQL of store/reading.py's tables).

Fetching the 18 MB of rows of a large 4x project was ~100 ms of the launch although the first page shows a few
small tables. So opening reads the scalars, the list of stored tables and everything small, and starts a read
transaction on a read-only connection of its own (`RowSource`) before the main connection's read transaction ends:
that transaction sees the file exactly as the open read it, and while it lasts no other connection can commit a
change (rollback journal: a writer needs every reader gone). A table's rows are fetched through it when first asked
for (`take`, from any thread: one lock), or a few thousand rows at a time in idle slices after the window's first
paint (`read_some`); the figures' images likewise (`add_query`). When every table is fetched, or before anything is
written (our own commit would wait for our own reader too), the rest is fetched at once and the transaction ends
(`read_all`).
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Callable

from atmp_desktop.store import guard

Key = tuple[Any, Any]  # a stored (step, field) as SQLite holds it: text bound as str, a blob as bytes

_ROWS = "SELECT row_id, position, cells FROM table_rows WHERE step IS ? AND field IS ? ORDER BY position, row_id"
_ANY_ID = ("SELECT row_id FROM table_rows WHERE step IS ? AND field IS ? AND typeof(row_id) IN ('text', 'blob') "
           "AND length(row_id) > 0")


# The next (step, field) in the order index: a seek or two per table instead of a scan of every row's entry
# (~55 M instructions at large 4x). A stored name is bound as read (bytes) and compared as the type it was stored
# as. (A row-value `(step, field) > (?, ?)` seeks on the step only, then scans: as slow as the scan.)
_COLS = "SELECT step, field, typeof(step), typeof(field) FROM table_rows"
_STEP = "CASE ?2 WHEN 'blob' THEN ?1 ELSE CAST(?1 AS TEXT) END"
_FIELD = "CASE ?4 WHEN 'blob' THEN ?3 ELSE CAST(?3 AS TEXT) END"
_FIRST = f"{_COLS} ORDER BY step, field LIMIT 1"
_NEXT_FIELD = f"{_COLS} WHERE step = {_STEP} AND field > {_FIELD} ORDER BY step, field LIMIT 1"
_NEXT_STEP = f"{_COLS} WHERE step > {_STEP} ORDER BY step, field LIMIT 1"
_GROUPED = f"{_COLS} GROUP BY step, field ORDER BY step, field"


def stored_tables(conn: sqlite3.Connection) -> list[tuple[Any, Any, Key]]:
    """Every (step, field) holding table rows, in the order an ordered read of all rows meets them: (step, field
    as read with text_factory=bytes, key to fetch its rows by). Reads only the order index."""
    found: list | None = []
    row = conn.execute(_FIRST).fetchone()
    while row is not None:
        step, field, st, ft = row
        if st not in (b"text", b"blob") or ft not in (b"text", b"blob"):  # not storable through a TEXT column:
            found = None                                                   # the scan of every entry
            break
        found.append(row)
        row = (conn.execute(_NEXT_FIELD, (step, st.decode(), field, ft.decode())).fetchone()
               or conn.execute(_NEXT_STEP, (step, st.decode())).fetchone())
    if found is None:
        found = conn.execute(_GROUPED).fetchall()
    return [(step, field, (_bound(step, st), _bound(field, ft))) for step, field, st, ft in found]


def _bound(value: Any, kind: bytes) -> Any:
    if kind == b"text" and isinstance(value, bytes):  # read as bytes; compared with the stored text as text
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value  # not a readable name: never fetched (the open reports it)
    return value


class RowSource:
    """The rest of the table rows, of the open's moment (see the module's text). Thread-safe."""

    def __init__(self, path: Path, error: Callable[[sqlite3.Error], Exception],
                 check: Callable[[sqlite3.Connection], None] | None = None):
        self._error = error  # an SQLite error as the store's one sentence
        self._check = check  # the integrity check the open left: run with the first slice or read_all
        self._check_thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = guard.connect(path, read_only=True)
        self._conn.text_factory = bytes
        self._pending: list[Key] = []             # not fetched yet, in the order idle slices fetch them
        self._queries: dict[Any, Callable[[sqlite3.Connection], list]] = {}  # pending keys that are no table
        self._done: dict[Key, list[tuple]] = {}   # fetched, not yet taken by their table
        self._stream: tuple[Key, sqlite3.Cursor, list[tuple]] | None = None  # the table a slice is fetching
        self._failed: Exception | None = None     # why the rows still pending can never be fetched

    def start(self) -> None:
        """Begin the read transaction (call inside the opener's own, so both see the same moment)."""
        with self._lock, guard.bounded(self._conn):
            self._conn.execute("BEGIN")
            self._conn.execute("SELECT count(*) FROM project_meta").fetchone()  # takes the reader's share now

    def add(self, key: Key) -> None:
        self._pending.append(key)

    def add_query(self, query: Callable[[sqlite3.Connection], list]) -> Callable[[], list]:
        """Something else to read of the open's moment (a figure's image: store/figures.py), fetched like a
        table (with a slice, all at once before a write, or when first asked for): `query(connection)` gives
        it. Returns the function that hands it out (once)."""
        key = object()
        self._queries[key] = query
        self._pending.append(key)
        return lambda: self.take(key)

    @property
    def finished(self) -> bool:
        """Every table fetched and the read transaction ended."""
        return self._conn is None

    def take(self, key: Key) -> list[tuple]:
        """The stored rows of one table (row_id, position, cells; ordered), fetched now unless fetched already.
        Each table's rows are handed out once (to its UnreadTable)."""
        with self._lock:
            if key not in self._done:
                self._fetch(key)
            rows = self._done.pop(key)
            self._end_if_done()
            return rows

    def has_row(self, key: Key, readable: Callable[[Any], bool]) -> bool:
        """Whether the table has a row whose id is `readable`, without fetching its rows."""
        with self._lock:
            if key in self._done:
                return any(readable(e[0]) for e in self._done[key])
            self._readable(key)
            try:
                with guard.bounded(self._conn):
                    cur = self._conn.execute(_ANY_ID, key)
                    try:
                        return any(readable(rid) for (rid,) in cur)
                    finally:
                        cur.close()
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def read_some(self, rows: int) -> bool:
        """Fetch up to `rows` more rows (an idle slice); False when every table is fetched. Returns at once
        while another thread is fetching (a slice never waits for a whole table). The first starts the
        integrity check on a thread of its own (SQLite runs it without the GIL: ~25 ms at large 4x off the
        window's thread); a later slice raises its failure."""
        if self._check is not None and self._check_thread is None and self._failed is None:
            self._check_thread = threading.Thread(target=self._check_in_background, name="integrity check",
                                                  daemon=True)
            self._check_thread.start()
            return True
        if self._check_thread is not None and self._check_thread.is_alive():
            return True
        if not self._lock.acquire(blocking=False):
            return True
        try:
            self._checked()
            budget = rows
            while budget > 0 and self._pending and self._conn is not None:
                if self._pending[0] in self._queries:
                    key = self._pending[0]
                    self._fetch(key)
                    budget -= len(self._done[key]) + 1
                    continue
                if self._stream is None:
                    key = self._pending[0]
                    try:
                        with guard.bounded(self._conn):
                            self._stream = (key, self._conn.execute(_ROWS, key), [])
                    except sqlite3.Error as exc:
                        raise self._error(exc) from None
                key, cur, got = self._stream
                try:
                    with guard.bounded(self._conn):
                        batch = cur.fetchmany(budget)
                except sqlite3.Error as exc:
                    self._drop_stream()
                    raise self._error(exc) from None
                got += batch
                if len(batch) < budget:  # the table's last rows
                    self._finish_stream()
                budget -= len(batch) + 1
            self._end_if_done()
            return self._conn is not None
        finally:
            self._lock.release()

    def read_all(self) -> None:
        """Fetch every table not fetched yet and end the read transaction (before a write)."""
        with self._lock:
            self._checked()
            while self._pending:
                self._fetch(self._pending[0])
            self._end_if_done()

    def close(self) -> None:
        """End the read transaction; rows not fetched yet cannot be (see read_all), rows fetched still can."""
        with self._lock:
            self._release()

    def _check_in_background(self) -> None:
        with self._lock:
            try:
                self._checked()
            except Exception:  # noqa: BLE001 - kept in _failed: the next slice, write or close raises it
                pass

    # ------------------------------------------------------------------ internals (under the lock)
    def _checked(self) -> None:
        """Run the integrity check if it is still to run (in this read transaction: of the open's moment)."""
        if self._failed is not None:
            raise self._failed
        if self._check is not None and self._conn is not None:
            try:
                self._check(self._conn)
            except Exception as exc:
                self._failed = exc
                self._release()  # nothing more is read from a damaged file
                raise
            self._check = None

    def _readable(self, key: Key) -> None:
        """Raise unless the rows of `key` can still be read from the file (not handed out, not closed)."""
        if key not in self._pending:
            raise RuntimeError("a table's rows were asked for after they were handed out")
        if self._conn is None:
            raise self._failed or RuntimeError("the rows were asked for after the project was closed")

    def _fetch(self, key: Key) -> None:
        self._readable(key)
        try:
            with guard.bounded(self._conn):
                if key in self._queries:
                    self._done[key] = self._queries[key](self._conn)
                    del self._queries[key]
                    self._pending.remove(key)
                elif self._stream is not None and self._stream[0] == key:
                    self._stream[2].extend(self._stream[1].fetchall())
                    self._finish_stream()
                else:
                    self._done[key] = self._conn.execute(_ROWS, key).fetchall()
                    self._pending.remove(key)
        except sqlite3.Error as exc:
            self._failed = self._error(exc)
            raise self._failed from None

    def _finish_stream(self) -> None:
        key, cur, got = self._stream
        self._drop_stream()
        self._done[key] = got
        self._pending.remove(key)

    def _drop_stream(self) -> None:
        if self._stream is not None:
            self._stream[1].close()
            self._stream = None

    def _end_if_done(self) -> None:
        if not self._pending:
            self._release()


    def _release(self) -> None:
        self._drop_stream()
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                if conn.in_transaction:
                    conn.execute("COMMIT")
            except sqlite3.Error:
                pass
            guard.forget(conn)
            conn.close()
