"""Connections to project files that may be hostile: nothing stored in a file runs, no statement hangs.

A received `.atmp` file is untrusted input. Every connection the store opens goes through `connect()`:
- `PRAGMA trusted_schema = OFF`: SQL stored in the schema (views, triggers, CHECK, defaults, generated columns)
  may only call functions SQLite marks innocuous; extension loading stays off;
- length limits, so no stored value or statement can exhaust memory;
- a progress handler that stops any statement running past its deadline (see `bounded`);
- a busy timeout, so a reader racing a writer waits instead of failing.
The schema check (`ProjectFile.open`, `migrations.expected_schema`) then refuses any file whose schema is not
exactly the one this version creates, before we read a value or write anything.
"""
from __future__ import annotations

import contextlib
import sqlite3
import time
import urllib.parse
from pathlib import Path

STATEMENT_SECONDS = 10.0          # no statement of ours takes more than a fraction of this on a real project
MAX_VALUE_BYTES = 32 * 1024 * 1024
BUSY_SECONDS = 10.0
_PROGRESS_STEPS = 20_000          # VM instructions between deadline checks (cheap: a clock read)


class Deadline:
    """The time by which the statements of the current operation must be done (None: unbounded)."""
    __slots__ = ("at",)

    def __init__(self):
        self.at: float | None = None

    def __call__(self) -> int:  # the progress handler: non-zero interrupts the running statement
        return 1 if self.at is not None and time.monotonic() > self.at else 0


_DEADLINES: dict[int, Deadline] = {}


def connect(path: Path, read_only: bool, busy_seconds: float = BUSY_SECONDS, trusted: bool = False
            ) -> sqlite3.Connection:
    """`trusted` is only for files whose schema has been compared equal to one of our own older schemas: those
    used json_valid() in CHECK constraints, which SQLite refuses to even parse under trusted_schema=OFF."""
    uri = f"file:{urllib.parse.quote(Path(path).as_posix())}?mode={'ro' if read_only else 'rw'}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=busy_seconds)
    harden(conn, trusted)
    return conn


def harden(conn: sqlite3.Connection, trusted: bool = False) -> sqlite3.Connection:
    if hasattr(conn, "enable_load_extension"):
        conn.enable_load_extension(False)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 1_000_000)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    conn.setlimit(sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH, 4)
    conn.execute(f"PRAGMA trusted_schema = {'ON' if trusted else 'OFF'}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cell_size_check = ON")
    deadline = Deadline()
    _DEADLINES[id(conn)] = deadline
    conn.set_progress_handler(deadline, _PROGRESS_STEPS)
    return conn


def forget(conn: sqlite3.Connection) -> None:
    _DEADLINES.pop(id(conn), None)


@contextlib.contextmanager
def bounded(conn: sqlite3.Connection, seconds: float = STATEMENT_SECONDS):
    """Statements run inside stop with sqlite3.OperationalError('interrupted') after `seconds`."""
    deadline = _DEADLINES.get(id(conn))
    if deadline is None or deadline.at is not None:  # not ours, or already inside a bounded block
        yield
        return
    deadline.at = time.monotonic() + seconds
    try:
        yield
    finally:
        deadline.at = None


def unsafe_schema(exc: BaseException) -> bool:
    """SQLite refused to parse the schema under trusted_schema=OFF (a function in a view, trigger or CHECK)."""
    return isinstance(exc, sqlite3.DatabaseError) and "unsafe use of" in str(exc)


def interrupted(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "interrupted" in str(exc)
