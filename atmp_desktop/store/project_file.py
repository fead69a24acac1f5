"""The `.atmp` project file: one SQLite database per project, used as an application file format.

- fixed `PRAGMA application_id`, `user_version` = schema version, rollback journal (no -wal/-shm files
  beside a file users copy and e-mail), foreign keys on;
- the file is untrusted: its schema must be exactly ours before anything is read or written (guard.py), and
  every stored value is checked when read (problems are reported by field path, never raised);
- table rows have stable ids; every user action is one transaction, one audit entry per changed value, one
  undo step holding row-level differences, kept in the file (`undo_steps`), so history costs no memory and
  survives a restart;
- every write checks that no other program changed the file since we read it;
- new files are built under a temp name and moved into place; Save As uses the SQLite backup API.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import itertools
import json
import operator
import os
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Any, Iterable

from atmp_desktop import __version__
from atmp_desktop.core.changes import ChangeSet, RowChanges
from atmp_desktop.core.figures import check_figures
from atmp_desktop.core.form_migrations import FORMS_VERSION, migrate_values, stored_version
from atmp_desktop.core.forms import Field, FormSet, parse_path
from atmp_desktop.core.interchange import SECTION_STATUSES, check_document, check_row_ids
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.records import record
from atmp_desktop.core.values import (
    FieldValueError, format_value, is_empty, loads_json, normalise, normalise_row,
)
from atmp_desktop.store import figures as _figures
from atmp_desktop.store import deferred, guard, locking, review, tempfiles
from atmp_desktop.store.errors import (
    DamagedFileError, FileChangedError, ForeignSchemaError, OversizedValueError, ProjectFileError, ReadOnlyError,
    UnsavedChangeError,
)
from atmp_desktop.store.header import APPLICATION_ID, check_header
from atmp_desktop.store.milestones import MilestoneMixin
from atmp_desktop.store.migrations import SCHEMA_VERSION, expected_schema, migrate, read_schema
from atmp_desktop.store.reading import (
    LazyFields, LazyIds, LazyProblems, UnreadTable, check_value, decode as _decode, row_problem_paths,
)
from atmp_desktop.store.rows import (
    GAP, DeleteRows, InsertRows, MoveRows, ROW_OPS, SetCell, SetRow, Table, new_row_id,
)

EXTENSION = ".atmp"
SECTION_PREFIX = "section:"  # undo entries for a CTD section's status use this pseudo-path
MAX_ROWS_PER_TABLE = 100_000      # a real product has a few thousand; more is refused at the door
MAX_ROWS_IN_FILE = 1_000_000      # a file with more is refused at open (a row bomb), before it is read
MAX_UNDO_STEPS = 1_000            # the oldest undo steps are dropped beyond this

_META_ORDER = ("uuid", "title", "created", "modified", "app_version", "schema_version", "forms_version")


def _backups():
    """store.backups, imported when first needed: opening a project does not make its backup (backup_if_due)."""
    from atmp_desktop.store import backups
    return backups


def _new_uuid() -> str:
    import uuid  # only new files need one (uuid imports platform: a few ms of every start-up)
    return str(uuid.uuid4())


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# A change is one of (kept as plain tuples so an undo step is cheap JSON):
#   ("f", field_path, old, new)                    a scalar field (None = absent)
#   ("r", table_path, row_id, old, new)            a table row; old/new = (position, cells) or None
#   ("s", section_code, old, new)                  a CTD section status {status, note} or None
#   ("v", target, old, new) / ("c", comment_id, old, new)   review status / a review comment (store.review)
#   ("g", figure_id, old, new)                     an attached figure (store.figures; the image is kept apart)
Change = tuple


@record(frozen=True)
class Action:
    """One undo step: the changes of one user action."""
    label: str
    changes: tuple[Change, ...]


def _invert(changes: Iterable[Change]) -> tuple[Change, ...]:
    return tuple((c[0], *c[1:-2], c[-1], c[-2]) for c in reversed(list(changes)))


class ProjectFile(MilestoneMixin, review.ReviewMixin, _figures.FigureMixin):
    """An open project. Create with `create()` or `open()`; always `close()` (or use `with`)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, forms: FormSet, read_only: bool, lock: Path | None,
                 backup_path: Path | None = None, read_only_reason: str | None = None, defer_rows: bool = False,
                 unchecked: bool = False):
        self.path = path
        self._defer_rows = defer_rows
        self._unchecked = unchecked  # quick_check not run yet: it runs before any write or backup (_load)
        self.forms = forms
        self.read_only = read_only
        # why the file is open read-only when editing was asked for (the window shows it in a banner)
        self.read_only_reason = read_only_reason
        self.backup_path = backup_path  # set when opening migrated an older file
        self.user = locking.user_name()
        self._conn = conn
        self._lock = lock
        self._identity = _identity(path)
        self._data_version = conn.execute("PRAGMA data_version").fetchone()[0]
        self.last_backup: Path | None = None
        self.backup_error: str | None = None  # why the last automatic backup failed (the window may show it)
        self._last_backup_at = time.monotonic()
        # the backup of the file as opened: made before the first write (or when listed, or at close, or
        # when the window is idle after its first paint: backup_if_due), not on the way to the first paint
        self._backup_due = not read_only
        self._backup_thread = None  # a backup of the file as opened, made on a worker thread (backup_if_due)
        # commit_behind (the window sets it): an edit's COMMIT, i.e. the disk's syncs, runs on a worker thread
        # while the window refreshes; wait_saved() comes first wherever the connection is used again
        self.commit_behind = False
        self.on_saved: Any = None  # called on the commit's thread when a commit behind is done (or failed)
        self.unsaved: UnsavedChangeError | None = None  # a commit behind that failed (take_unsaved)
        self._commit: tuple[Any, list] | None = None  # (done event, outcome) of the last commit behind
        self._labels: dict[int, str | None] = {}  # undo (0) / redo (1) labels known without asking the file
        self._load()
        if not read_only:
            self._drop_unused_images()  # a write: the backup is made first

    # ---------------------------------------------------------------- opening and creating
    @classmethod
    def open(cls, path: str | Path, forms: FormSet, read_only: bool = False, break_lock: bool = False,
             defer_rows: bool = False) -> "ProjectFile":
        """Open a project. When the file cannot be written (read-only file, folder or disk, disk full) it opens
        read-only and `read_only_reason` says why. ProjectLockedError: another instance has it open (the error
        names the holder; `break_lock=True` takes a lock the user knows is dead). ForeignSchemaError: the file
        holds objects we did not create (offer `store.clean_copy`). DamagedFileError: SQLite cannot read it
        (offer the backups).

        `defer_rows` (the window): the tables' rows are fetched after the open, of its moment, when first read or
        in `read_rows` slices (store/deferred.py); until they all are, other programs' commits to the file wait.
        SQLite's integrity check then runs with the first slice (or before anything is written or backed up, if
        sooner) when nothing the open does writes to the file; DamagedFileError comes from there."""
        path = Path(path)
        _join_commits(path)
        header = check_header(path, SCHEMA_VERSION)
        reason = None
        if not read_only:
            reason = _read_only_reason(path)
            read_only = reason is not None
        _roll_back_hot_journal(path, writable=reason is None)
        # the check may wait only where the open writes nothing (no migration, no switch from WAL)
        check_later = (defer_rows and not read_only and header.user_version == SCHEMA_VERSION and header.size_ok
                       and not header.wal)
        conn = _open_checked(path, header.user_version, read_only, truncated=not header.size_ok,
                             integrity=not check_later)
        lock = None
        backup_path = None
        try:
            if not read_only:
                tempfiles.cleanup(path.parent)
                lock = locking.acquire(path, break_lock=break_lock)
                conn.execute("PRAGMA journal_mode = DELETE")
                if header.user_version < SCHEMA_VERSION:
                    backup_path = _backup_before_migration(path, conn, header.user_version)
                    with guard.bounded(conn, 120):
                        migrate(conn)
                    guard.forget(conn)
                    conn.close()
                    conn = _open_checked(path, SCHEMA_VERSION, read_only=False)  # untrusted again
                    conn.execute("PRAGMA journal_mode = DELETE")
                if check_later and _forms_version(conn) < FORMS_VERSION:  # migrating the values writes
                    _check_integrity(conn, path)
                    check_later = False
                backup_path = _migrate_forms(conn, forms, path, backup_path)
            else:
                if header.user_version < SCHEMA_VERSION or _forms_version(conn) < FORMS_VERSION:
                    conn = _migrated_in_memory(conn)
                _migrate_forms(conn, forms, None, None)  # viewed as the current forms, the file unchanged
            return cls(path, conn, forms, read_only, lock, backup_path, reason, defer_rows, check_later)
        except (sqlite3.Error, OSError) as exc:
            conn.close()
            if lock:
                locking.release(lock)
            raise ProjectFileError(f"'{path.name}' cannot be opened for editing ({exc}); check that the file and "
                                   "its folder are writable, or open it read-only.") from None
        except BaseException:
            conn.close()
            if lock:
                locking.release(lock)
            raise

    @classmethod
    def create(cls, path: str | Path, forms: FormSet, document: Any = None,
               title: str | None = None, overwrite: bool = False) -> "ProjectFile":
        """Create a new project, optionally filled from a JSON interchange document.

        The document is checked first; when it has problems nothing is created and ProjectFileError lists them.
        The file is built under a temp name in the target folder and moved into place.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise ProjectFileError(f"'{path}' already exists; choose another name or delete it first.")
        if not path.parent.is_dir():
            raise ProjectFileError(f"the folder '{path.parent}' does not exist.")
        data: dict = {}
        ids: dict[str, list[str]] = {}
        meta_in: dict = {}
        status_in: dict = {}
        figures: list = []
        if document is not None:
            problems, data = check_document(forms, document)
            if not problems:
                id_problems, ids = check_row_ids(document, data)
                problems += id_problems
                figures = check_figures(forms, document)[1]
            if problems:
                raise ProjectFileError("the JSON cannot be imported; nothing was created:\n  " + "\n  ".join(problems))
            meta_in = document.get("project") or {}
            status_in = document.get("section_status") or {}
        now = _now()
        meta = {
            "uuid": meta_in.get("uuid") or _new_uuid(),
            "title": meta_in.get("title") or title or path.stem,
            "created": meta_in.get("created") or now,
            "modified": meta_in.get("modified") or now,
            "app_version": __version__,
            "schema_version": str(SCHEMA_VERSION),
            "forms_version": str(FORMS_VERSION),
        }
        # never replace a file another window has open
        lock = locking.acquire(path, shared_in_process=False) if path.exists() else None
        try:
            _build_file(path, lambda conn: _fill_new(conn, forms, data, ids, meta, status_in, now, bool(document),
                                                     figures))
        except BaseException:
            if lock:
                locking.release(lock)
            raise
        if lock:
            locking.release(lock)
        return cls.open(path, forms)

    def close(self) -> None:
        if self._conn is not None:
            self.wait_saved()
            try:  # first: a backup on this connection could wait for a writer that waits for our reader
                self._fetch_rows()  # snapshots outlive the project: every table of theirs stays readable
            except ProjectFileError:
                pass                # the file cannot be read any more: such a snapshot's reader is told so
            if self._rows is not None:
                self._rows.close()
            self.backup_if_due()
            guard.forget(self._conn)
            self._conn.close()
            self._conn = None
        if self._lock:
            locking.release(self._lock)
            self._lock = None

    def __enter__(self) -> "ProjectFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- reading
    def meta(self) -> dict[str, str]:
        return dict(self._meta)

    def snapshot(self) -> ProjectSnapshot:
        """The project as plain data. Cached and updated per action: cheap to call after every edit. Treat it as
        immutable (later snapshots share unchanged rows with it). Tables nothing has read yet are parsed and
        checked when the snapshot's values, row ids or problems of them are first read (store.reading)."""
        if self._snap is None:
            meta = {k: self._meta[k] for k in _META_ORDER if k in self._meta}
            ids = {}
            unread: dict[str, UnreadTable] = {}
            for path, table in self._tables.items():
                if type(table) is UnreadTable:
                    unread[path] = table
                    continue
                if path not in self._id_cache:
                    self._id_cache[path] = tuple(table.ids)
                if table.ids:
                    ids[path] = self._id_cache[path]
            figures = self._snapshot_figures()
            values, table_ids, problems = self._values, ids, self._known_problems()
            if unread:
                lazy_steps = {p.split(".", 1)[0] for p in unread}
                values = {step: LazyFields(d) if step in lazy_steps else d for step, d in self._values.items()}
                table_ids = LazyIds(ids, unread)
            figure_problems = self._pending_figure_problems()
            if unread or figure_problems:
                problems = LazyProblems(problems, list(unread.items()),
                                        (self._figures_at, figure_problems) if figure_problems else None)
            self._snap = ProjectSnapshot(meta=meta, values=values, section_status=self._status,
                                         table_ids=table_ids, problems=problems, review=self._review,
                                         comments=tuple(self._comments.values()), figures=figures)
        return self._snap

    def get(self, path: str) -> Any:
        return self.snapshot().get(path)

    def values(self, paths: Iterable[str]) -> dict[str, Any]:
        """{field path: current value} for the given fields or tables (None when empty); from memory, no I/O."""
        snap = self.snapshot()
        return {p: snap.get(p) for p in paths}

    @property
    def problems(self) -> tuple[tuple[str, str], ...]:
        """Stored values that could not be used, as (field path, sentence); see ProjectSnapshot.problems.
        Reads (parses and checks) every table not read yet, and checks the figures."""
        self._read_all()
        self._checked_figures()
        return self._known_problems()

    def _known_problems(self) -> tuple[tuple[str, str], ...]:
        """The problems of everything read so far (tables still unread report theirs when read; the figures
        theirs when checked)."""
        out = list(self._problems)
        if self._stored_figures is None:
            out[self._figures_at:self._figures_at] = self._figure_problems
        if self._row_problems:
            for path, table in self._tables.items():
                if type(table) is not UnreadTable:
                    out += row_problem_paths(path, table, self._row_problems)
        return tuple(out)

    def audit_entries(self, limit: int | None = None) -> list[dict]:
        sql = "SELECT id, at, user, action, field, old_value, new_value FROM audit_log ORDER BY id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._reading():
            cur = self._conn.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

    # ---------------------------------------------------------------- changed by someone else
    def changed_on_disk(self) -> bool:
        """True when another program wrote to the file (or replaced it) since we last read it."""
        if self._conn is None:
            return False
        self.wait_saved()
        try:
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return True
        return version != self._data_version or _identity(self.path) != self._identity

    def reload(self) -> ChangeSet:
        """Read the file again after another program changed it; the window reloads everything."""
        if self._conn is None:
            raise ProjectFileError("the project is closed.")
        self.wait_saved()
        self._labels = {}
        if _identity(self.path) != self._identity:  # replaced by another file: connect to the new one
            header = check_header(self.path, SCHEMA_VERSION)
            conn = _open_checked(self.path, header.user_version, read_only=True)
            if header.user_version < SCHEMA_VERSION:
                conn.close()
                raise ProjectFileError(f"'{self.path.name}' was replaced by a file in an older format; "
                                       "close it and open it again.")
            if not self.read_only:
                conn.close()
                conn = _open_checked(self.path, header.user_version, read_only=False)
            guard.forget(self._conn)
            self._conn.close()
            self._conn = conn
            self._identity = _identity(self.path)
        self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        self._load()
        return ChangeSet("reload", everything=True, kind="external")

    # ---------------------------------------------------------------- writing
    def set_value(self, path: str, value: Any, label: str | None = None) -> ChangeSet | None:
        """Set one field or one table cell. One transaction, audited, one undo step."""
        return self.apply([(path, value)], label)

    def set_cell(self, path: str, row_id: str, column: str, value: Any, label: str | None = None) -> ChangeSet | None:
        return self.apply([SetCell(path, row_id, column, value)], label)

    def insert_rows(self, path: str, index: int, rows: list[dict], label: str | None = None) -> ChangeSet | None:
        """Insert rows (empty dicts allowed: a blank row the user fills in later). The ChangeSet's
        `tables[path].inserted` holds the new ids in order."""
        return self.apply([InsertRows(path, index, rows)], label)

    def delete_rows(self, path: str, row_ids: Iterable[str], label: str | None = None) -> ChangeSet | None:
        return self.apply([DeleteRows(path, tuple(row_ids))], label)

    def move_rows(self, path: str, row_ids: Iterable[str], index: int, label: str | None = None) -> ChangeSet | None:
        return self.apply([MoveRows(path, tuple(row_ids), index)], label)

    def apply(self, edits: Iterable[Any], label: str | None = None) -> ChangeSet | None:
        """Apply several edits as one user action; returns what changed, or None if nothing did.

        An edit is `(path, value)` (a field, a whole table as a list of rows, `table[i]` a row, `table[i].col`
        a cell) or a row operation (SetCell, SetRow, InsertRows, DeleteRows, MoveRows from store.rows).
        Values are checked first (FieldValueError names the problem); nothing is written unless all fit."""
        return self.run_action(edits, label)

    def run_action(self, edits: Iterable[Any] = (), label: str | None = None, extra: Iterable[Change] = (),
                   audit_action: str = "edit", note: str | None = None) -> ChangeSet | None:
        """One user action of any kind: `edits` as for apply(), plus ready-made `extra` changes (section
        status, review status, comments; see Change), written in one transaction as one undo step. Approved
        steps and sections whose content changes go back to in review in the same action (the ChangeSet's
        `notice` says so). `note`, when given, is one more audit entry (a merge names who and which file)."""
        self._writable()
        edits = list(edits)
        extra = list(extra)
        if not edits and not extra:
            return None
        scalars: dict[str, Any] = {}
        work: dict[str, Table] = {}
        for edit in edits:
            if isinstance(edit, ROW_OPS):
                self._row_op(edit, self._work_table(work, edit.path))
                continue
            path, value = edit
            p = parse_path(path)
            f = self.forms.field(p.field_path)
            if not f.is_table:
                if p.index is not None:
                    raise FieldValueError(f"{f.label} is not a table; '{path}' names no value")
                scalars[f.path] = normalise(f, value)
            elif p.index is None:
                self._replace_table(f, value, self._work_table(work, f.path))
            else:
                self._index_edit(f, p.index, p.column, value, self._work_table(work, f.path))
        changes: list[Change] = []
        for fpath, new in scalars.items():
            old = self._scalar(fpath)
            if old != new or fpath in self._damaged:
                changes.append(("f", fpath, old, new))
        for tpath, table in work.items():
            if len(table) > MAX_ROWS_PER_TABLE:
                raise FieldValueError(f"{self.forms.field(tpath).label}: a table holds at most "
                                      f"{MAX_ROWS_PER_TABLE:,} rows")
            changes.extend(self._row_changes(tpath, table))
        changes.extend(c for c in extra if c[2] != c[3])
        if not changes:
            return None
        if label is None:
            label = _default_label(self.forms, edits)
        changes, notice = review.with_resets(self, changes, label, _now())
        action = Action(label, tuple(changes))
        self._run(action, audit_action, work, history=lambda: self._record(action), note=note, behind=True)
        self._redo_possible = False  # _record dropped the redo side
        self._labels = {0: label, 1: None}
        cs = self._changeset(action, "edit")
        return dataclasses.replace(cs, notice=notice) if notice else cs

    def set_section_status(self, code: str, status: str, note: str = "") -> ChangeSet | None:
        """Set a CTD section's writer status and note: one transaction, audited, one undo step."""
        self._writable()
        if status not in SECTION_STATUSES:
            raise ProjectFileError(f"status must be one of {', '.join(SECTION_STATUSES)}")
        old = self._status.get(code)
        old = dict(old) if old else None
        new = {"status": status, "note": note}
        if old == new:
            return None
        label = f"status of section {code}" if not old or old["status"] != status else f"note on section {code}"
        action = Action(label, (("s", code, old, new),))
        self._run(action, "section status", {}, history=lambda: self._record(action))
        self._redo_possible = False
        return self._changeset(action, "edit")

    def set_title(self, title: str) -> ChangeSet | None:
        self._writable()
        old = self._meta.get("title")
        if old == title:
            return None
        now = _now()
        with self._writing():
            self._conn.execute("INSERT OR REPLACE INTO project_meta (key, value) VALUES ('title', ?)", [title])
            self._audit(now, "rename project", None, old, title)
            self._touch(now)
        self._meta = {**self._meta, "title": title, "modified": now}
        self._snap = None
        return ChangeSet(f"rename to {title}", meta=True)

    # ---------------------------------------------------------------- undo / redo (kept in the file)
    @property
    def undo_label(self) -> str | None:
        return self._history_label(undone=0)

    @property
    def redo_label(self) -> str | None:
        return self._history_label(undone=1)

    def undo(self) -> ChangeSet | None:
        return self._step(redo=False)

    def redo(self) -> ChangeSet | None:
        return self._step(redo=True)

    def clear_history(self) -> None:
        self._writable()
        with self._writing():
            self._conn.execute("DELETE FROM undo_steps")
        self._redo_possible = False
        self._labels = {0: None, 1: None}

    # ---------------------------------------------------------------- backups
    def backups(self) -> list:
        """This project's backups in the user data folder, newest first (store.backups.Backup)."""
        self.backup_if_due()
        return _backups().list_backups(self.path)

    def backup_if_due(self, background: bool = False) -> None:
        """Make the backup of the file as it was opened if it is not made yet (when something changed since the
        newest backup). Runs before the first write of a session, at close, when the backups are listed, and
        when the window calls it once the project is on screen. A failure never stops the user's work; it is
        kept in `backup_error`.

        `background`: copy on a worker thread through a read-only connection of its own (at large 4x the copy
        of 18 MB held the window's event loop for ~130 ms). Every other call waits for that copy first, so the
        file is not written to before its backup is complete (and we hold the project's lock: nobody else
        writes it meanwhile)."""
        self._finish_backup()
        if not (self._backup_due and self._conn is not None):
            return
        try:
            self._fetch_rows()  # the integrity check first (a damaged file is not made a backup), and our reader
        except ProjectFileError:  # gone (a copy on this connection could wait for a writer waiting for it)
            return
        self._backup_due = False
        if not background:
            self._auto_backup("open")
            return
        if self._backup_current():
            return
        import threading
        import urllib.parse
        source = sqlite3.connect(f"file:{urllib.parse.quote(str(self.path))}?mode=ro", uri=True,
                                 check_same_thread=False)
        outcome: list = []

        def copy() -> None:
            try:
                outcome.append(_backups().make_backup(source, self.path, "open", self._meta.get("uuid")))
            except (OSError, sqlite3.Error) as exc:
                outcome.append(exc)
            finally:
                source.close()
        thread = threading.Thread(target=copy, name="backup", daemon=True)
        self._backup_thread = (thread, outcome)
        thread.start()

    def _finish_backup(self) -> None:
        """Wait for a backup running on its worker thread and take its outcome."""
        if self._backup_thread is None:
            return
        thread, outcome = self._backup_thread
        thread.join()
        self._backup_thread = None
        result = outcome[0] if outcome else OSError("the backup stopped")
        if isinstance(result, Exception):
            self.backup_error = (f"the backup of '{self.path.name}' could not be written ({_os_reason(result)}); "
                                 "your project itself is unchanged.")
            return
        _backups().note_backed_up(self.path, self._meta.get("uuid"), self._meta.get("modified"))
        self.last_backup = result
        self._last_backup_at = time.monotonic()
        self.backup_error = None

    def backup_running(self) -> bool:
        return self._backup_thread is not None and self._backup_thread[0].is_alive()

    def make_backup(self, reason: str = "manual") -> Path:
        """Back up now (SQLite backup API, temp name + rename, then rotation). Raises ProjectFileError."""
        if self._conn is None:
            raise ProjectFileError("the project is closed.")
        self.wait_saved()
        self._fetch_rows()  # (see _writing)
        try:
            target = _backups().make_backup(self._conn, self.path, reason, self._meta.get("uuid"))
            _backups().note_backed_up(self.path, self._meta.get("uuid"), self._meta.get("modified"))
        except (OSError, sqlite3.Error) as exc:
            raise ProjectFileError(f"the backup of '{self.path.name}' could not be written ({_os_reason(exc)}); "
                                   "your project itself is unchanged.") from None
        self.last_backup = target
        self._last_backup_at = time.monotonic()
        return target

    def _backup_current(self) -> bool:
        """The newest backup already holds the file as it is now."""
        return (_backups().last_backed_up(self.path) == self._meta.get("modified")
                and bool(_backups().list_backups(self.path)))

    def _auto_backup(self, reason: str) -> None:
        """On open and every 10 minutes of editing, when something changed since the newest backup. A failure
        never stops the user's work; it is kept in `backup_error`."""
        self._last_backup_at = time.monotonic()
        if self._backup_current():
            return
        try:
            self.make_backup(reason)
            self.backup_error = None
        except ProjectFileError as exc:
            self.backup_error = str(exc)

    # ---------------------------------------------------------------- save as
    def save_as(self, target: str | Path) -> "ProjectFile":
        """Copy the project to `target` with the SQLite backup API and return it opened (this one is closed).

        The target's lock is taken before anything is replaced, so a file another window has open is never
        overwritten; the copy is written under a temp name and renamed only when complete. On failure this
        project stays open and unchanged, and the target is untouched."""
        target = Path(target)
        if target.exists() and target.resolve() == self.path.resolve():
            return self
        if not target.parent.is_dir():
            raise ProjectFileError(f"the folder '{target.parent}' does not exist.")
        target_lock = locking.acquire(target, shared_in_process=False)
        try:
            _build_file(target, self._copy_into, replace_lock_held=True)
        except BaseException:
            locking.release(target_lock)
            raise
        forms = self.forms
        self.close()
        try:
            return ProjectFile._open_with_lock(target, forms, target_lock)
        except BaseException:
            locking.release(target_lock)
            raise

    @classmethod
    def _open_with_lock(cls, path: Path, forms: FormSet, lock: Path) -> "ProjectFile":
        conn = _open_checked(path, SCHEMA_VERSION, read_only=False)
        conn.execute("PRAGMA journal_mode = DELETE")
        return cls(path, conn, forms, False, lock)

    def _drop_unused_images(self) -> None:
        """Images no figure, undo step or milestone uses any more are dropped when the file is opened (a removed
        figure stays undoable until then). A failure here never stops the open."""
        try:
            with self._reading():
                unused = _figures.has_unused(self._conn)
            if unused:
                with self._writing():
                    _figures.collect_unused(self._conn)
                self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        except ProjectFileError:
            pass

    def _copy_into(self, dst: sqlite3.Connection) -> None:
        self._fetch_rows()  # (see _writing)
        with self._reading():
            self._conn.backup(dst)

    # ================================================================ internals: loading and checking values
    def _load(self) -> None:
        """Read every stored value, checking each (JSON, UTF-8, type, choice, row shape). A bad value is left
        out and reported in `problems` by field path; nothing here raises for what a file holds."""
        self._values: dict[str, dict[str, Any]] = {}
        self._tables: dict[str, Table] = {}
        self._id_cache: dict[str, tuple[str, ...]] = {}
        self._problems: list[tuple[str, str]] = []        # field-level and file-level problems
        self._row_problems: dict[str, list[tuple[str, str]]] = {}  # row id -> (column or "", sentence)
        self._damaged: set[str] = set()
        self._snap: ProjectSnapshot | None = None
        self._redo_possible = True  # False once we know the file holds no redo steps (undone = 1)
        self._fetch_rows()  # snapshots taken before (a reload) keep every table of their own moment
        self._rows = None
        conn = self._conn
        defer = self._can_defer_rows()
        tables: list = []
        row_rows: list = []
        conn.text_factory = bytes  # decode ourselves: invalid UTF-8 is a reported problem, not a crash
        try:
            with self._reading(seconds=60):
                total = conn.execute("SELECT (SELECT count(*) FROM table_rows) + "
                                     "(SELECT count(*) FROM field_values)").fetchone()[0]
                if total > MAX_ROWS_IN_FILE:
                    raise ProjectFileError(
                        f"'{self.path.name}' holds {total:,} stored values, more than a project can have "
                        f"({MAX_ROWS_IN_FILE:,}), so it was not opened and nothing in it was read; ask whoever "
                        "sent it how it was made, and for a new copy.")
                conn.execute("BEGIN")  # one read transaction: every table of the same moment
                try:
                    meta_rows = conn.execute("SELECT key, value FROM project_meta").fetchall()
                    value_rows = conn.execute("SELECT step, field, value FROM field_values").fetchall()
                    figure_rows, digests, figure_problems = _figures.read_stored(conn)
                    if defer:  # the tables' rows and the images come later, of this moment (store/deferred.py)
                        tables = deferred.stored_tables(conn)
                        self._rows = self._row_source() if tables or digests else None
                        defer = self._rows is not None
                    if self._unchecked and not defer:  # no reader to run it later: now, before any write
                        _check_integrity(conn, self.path)
                    self._unchecked = self._defer_rows = False  # a reload reads every row at once
                    if not defer:
                        row_rows = conn.execute("SELECT step, field, row_id, position, cells FROM table_rows "
                                                "ORDER BY step, field, position, row_id").fetchall()
                    status_rows = conn.execute("SELECT code, status, note FROM section_status "
                                               "ORDER BY code").fetchall()
                    self._review, self._comments, review_problems = review.load(conn)
                    if defer and digests:
                        images = self._rows.add_query(lambda c: _figures.read_images(c, digests))
                    else:
                        images = _figures.read_images(conn, digests)
                finally:
                    if conn.in_transaction:
                        conn.execute("COMMIT")
        finally:
            conn.text_factory = str
        self._problems.extend(review_problems)
        self._figures_at = len(self._problems)  # where the figures' problems are listed (_known_problems)
        self._take_figures(_figures.StoredFigures(figure_rows, figure_problems, images))  # checked when used
        self._meta = {}
        for key, value in meta_rows:
            k, v = _decode(key), _decode(value)
            if isinstance(k, str) and isinstance(v, str):
                self._meta[k] = v
            else:
                self._problem("project", "a project detail is not readable text and was ignored")
        for step, field, raw in value_rows:
            self._load_scalar(_decode(step), _decode(field), raw)
        for (step, field), entries in itertools.groupby(row_rows, key=operator.itemgetter(0, 1)):  # (no lambda per row)
            self._load_table(step, field, list(entries))
        for step, field, key in tables if defer else ():
            self._load_table(step, field, None, key)
        self._status = {}
        for code, status, note in status_rows:
            c, s, n = _decode(code), _decode(status), _decode(note)
            if isinstance(c, str) and s in SECTION_STATUSES and isinstance(n, str):
                self._status[c] = {"status": s, "note": n}
            else:
                self._problem(f"section {c if isinstance(c, str) else '?'}",
                              "the writer's status is not readable and was ignored")

    def _problem(self, path: str, sentence: str) -> None:
        self._problems.append((path, sentence))

    def _field(self, step: Any, field: Any) -> Field | None:
        if not isinstance(step, str) or not isinstance(field, str):
            self._problem("?", "a stored field name is not readable text; the value was ignored")
            return None
        try:
            return self.forms.step(step).field(field)
        except KeyError:
            self._problem(f"{step}.{field}", "is not a field of this version of the app; its stored value is "
                          "kept in the file but not shown")
            return None

    def _load_scalar(self, step: Any, field: Any, raw: Any) -> None:
        f = self._field(step, field)
        if f is None:
            return
        if f.is_table:
            self._problem(f.path, "holds a single value where a table belongs; it was ignored (enter the rows "
                          "again to repair it)")
            self._damaged.add(f.path)
            return
        value = self._checked(f, f.path, raw)
        if value is not None:
            self._values.setdefault(f.step_id, {})[f.id] = value

    def _checked(self, f: Field, where: str, raw: Any) -> Any:
        """A stored JSON text checked against its field: the normalised value, or None after a reported problem."""
        text = _decode(raw)
        if not isinstance(text, str):
            self._problem(where, "holds bytes that are not UTF-8 text; enter the value again to repair it")
            self._damaged.add(where)
            return None
        try:
            value = _loads(text)
        except ValueError:
            self._problem(where, "holds a value that is not valid JSON; enter the value again to repair it")
            self._damaged.add(where)
            return None
        return self._checked_value(f, where, value)

    def _checked_value(self, f: Field, where: str, value: Any) -> Any:
        """`value` checked against its field; a bad one is reported at `where` and dropped."""
        return check_value(f, value, self._report_field(where))

    def _report_field(self, where: str):
        def report(sentence: str) -> None:
            self._problem(where, sentence)
            self._damaged.add(where)
        return report

    def _load_table(self, step: Any, field: Any, entries: list | None, key: Any = None) -> None:
        """A table's stored rows, kept raw (or fetched when first needed: `key` in self._rows): parsed and
        checked when first read (store.reading)."""
        f = self._field(_decode(step), _decode(field))
        if f is None:
            return
        if not f.is_table:
            self._problem(f.path, "holds table rows where a single value belongs; they were ignored")
            self._damaged.add(f.path)
            return
        if entries is None:
            self._rows.add(key)
            unread = UnreadTable(f, source=self._rows, key=key)
        else:
            unread = UnreadTable(f, entries)
        self._tables[f.path] = unread
        self._values.setdefault(f.step_id, {})[f.id] = unread

    def _read_table(self, path: str, unread: UnreadTable) -> Table:
        """Parse and check a table still unread, and take it (with its problems) into the project's state. A
        snapshot taken before keeps its UnreadTable, which gives the same rows."""
        table, problems, row_problems = unread.result()
        self._problems.extend(problems)
        self._row_problems.update(row_problems)
        step, field = path.split(".", 1)
        fields = dict(self._values.get(step, {}))  # copied: snapshots share the step's dict
        if table.ids:
            self._tables[path] = table
            fields[field] = table.rows
        else:
            del self._tables[path]
            fields.pop(field, None)
        self._values = {**self._values, step: fields}
        return table

    def _read_all(self) -> None:
        for path, table in list(self._tables.items()):
            if type(table) is UnreadTable:
                self._read_table(path, table)

    # ================================================================ internals: rows fetched after the open
    def _can_defer_rows(self) -> bool:
        """Whether the tables' rows may be fetched after the open (store/deferred.py): only where this instance
        holds the lock (so the read transaction that keeps them of the open's moment stalls nobody), from the
        file itself, and when no stored value can be over SQLite's length limit (a file smaller than the limit
        holds none: the open still refuses such a file before anything is shown)."""
        if not self._defer_rows or self.read_only or self._lock is None or self._identity is None:
            return False
        try:
            return self.path.stat().st_size <= guard.MAX_VALUE_BYTES
        except OSError:
            return False

    def _row_source(self) -> "deferred.RowSource | None":
        """A RowSource whose read transaction began inside the open's (None: read the rows now instead)."""
        check = (lambda c: _check_integrity(c, self.path)) if self._unchecked else None
        try:
            source = deferred.RowSource(self.path, lambda exc: _read_error(self.path, exc), check)
        except sqlite3.Error:
            return None
        try:
            source.start()
        except (sqlite3.Error, ProjectFileError):
            source.close()
            return None
        if _identity(self.path) != self._identity:  # not the file we opened any more: read it all here
            source.close()
            return None
        return source

    def read_rows(self, rows: int = 2000) -> bool:
        """Fetch up to `rows` more stored table rows (an idle slice after the window's first paint; ~2 ms per
        2,000 rows at large 4x; the first slice runs the integrity check when the open left it: ~25 ms at 4x).
        False when every row is in memory. DamagedFileError when the check fails (nothing was written; close
        the project), ProjectFileError if the file cannot be read any more."""
        return self._rows is not None and self._rows.read_some(rows)

    def index_rows(self, rows: int = 10_000) -> bool:
        """Build the row-id indexes of tables in memory, about `rows` rows' worth per call (idle slices after
        read_rows is done). A session's first new row (a result typed into a results sheet) checks that its id
        is new in every table of the project (_row_id_taken), which otherwise built every index in that one
        edit: ~20 ms at large 4x. True while tables remain; an edit never needs this to have run."""
        done = 0
        for table in list(self._tables.values()):
            if done >= rows:
                return True
            done += table.index_ahead()
        return False

    def _fetch_rows(self) -> None:
        """Every stored row in memory and the read transaction ended: before a write (our commit would wait for
        our own reader), a reload and at close."""
        rows = getattr(self, "_rows", None)
        if rows is not None:
            rows.read_all()

    # ================================================================ internals: edits in memory
    def _scalar(self, path: str) -> Any:
        step, field = path.split(".", 1)
        return self._values.get(step, {}).get(field)

    def _table(self, path: str) -> Table:
        table = self._tables.get(path)
        if type(table) is UnreadTable:
            table = self._read_table(path, table)
        return table or Table.empty()

    def _work_table(self, work: dict[str, Table], path: str) -> Table:
        if path not in work:
            f = self.forms.field(path)
            if not f.is_table:
                raise FieldValueError(f"{f.label} is not a table")
            work[path] = self._table(path).copy()
        return work[path]

    def _row_op(self, op: Any, table: Table) -> None:
        f = self.forms.field(op.path)
        if isinstance(op, SetCell):
            i = _row_number(f, table, op.row_id)
            cell = normalise(f.column(op.column), op.value)
            cells = dict(table.rows[i])
            if cell is None:
                cells.pop(op.column, None)
            else:
                cells[op.column] = cell
            table.set_cells(i, _ordered(f, cells))
        elif isinstance(op, SetRow):
            table.set_cells(_row_number(f, table, op.row_id), _ordered(f, normalise_row(f, op.cells or {})))
        elif isinstance(op, InsertRows):
            rows = [_ordered(f, normalise_row(f, r or {})) for r in op.rows]
            ids = list(op.row_ids) if op.row_ids is not None else [new_row_id() for _ in rows]
            if len(ids) != len(rows) or len(set(ids)) != len(ids) or any(
                    not isinstance(r, str) or not r or len(r) > 64 or self._row_id_taken(r) for r in ids):
                raise FieldValueError(f"{f.label}: the new rows need one fresh, unique id each")
            table.insert(op.index, rows, ids)
        elif isinstance(op, DeleteRows):
            for rid in op.row_ids:
                _row_number(f, table, rid)
            table.delete(op.row_ids)
        elif isinstance(op, MoveRows):
            for rid in op.row_ids:
                _row_number(f, table, rid)
            table.move(op.row_ids, op.index)

    def _row_id_taken(self, row_id: str) -> bool:
        return any(t.has_id(row_id) if type(t) is UnreadTable else t.find(row_id) is not None
                   for t in self._tables.values())

    def _replace_table(self, f: Field, value: Any, table: Table) -> None:
        if isinstance(value, list) and len(value) == len(table):
            # a window sending the whole list after one edit: rows equal to the stored ones are already checked
            rows = [old if new is old or new == old else normalise_row(f, new) for new, old in zip(value, table.rows)]
            rows = [r for r in rows if r]
            if len(rows) > MAX_ROWS_PER_TABLE:
                raise FieldValueError(f"{f.label}: a table holds at most {MAX_ROWS_PER_TABLE:,} rows")
        else:
            rows = normalise(f, value) or []  # refuses anything that is not a list of rows
        table.replace_all(rows)  # stored rows and normalise_row's are in the form's column order already

    def _index_edit(self, f: Field, index: int, column: str | None, value: Any, table: Table) -> None:
        """`table[i]` and `table[i].col` edits (kept for callers that address rows by number). A row left empty
        by such an edit is removed, as before row ids existed."""
        n = len(table)
        if index > n or (index == n and column is None and is_empty(value)):
            if index > n:
                raise FieldValueError(f"{f.label}: there is no row {index + 1} (the table has {n})")
            return
        if column is None:
            cells = {} if value is None else _ordered(f, normalise_row(f, value))
        else:
            cell = normalise(f.column(column), value)
            cells = dict(table.rows[index]) if index < n else {}
            if cell is None:
                cells.pop(column, None)
            else:
                cells[column] = cell
            cells = _ordered(f, cells)
        if index == n:
            if cells:
                table.insert(n, [cells], [new_row_id()])
        elif cells:
            table.set_cells(index, cells)
        else:
            table.delete([table.ids[index]])

    def _row_changes(self, path: str, table: Table) -> list[Change]:
        before = self._table(path)
        out = []
        order = table.index
        for rid in sorted(table.touched, key=lambda r: (order.get(r, -1), r)):  # table order; deleted first
            old, new = before.entry(rid), table.entry(rid)
            if old != new:
                out.append(("r", path, rid, old, new))
        return out

    # ================================================================ internals: writing
    def _writable(self) -> None:
        self.wait_saved()
        if self._conn is None:
            raise ProjectFileError("the project is closed.")
        if self.read_only:
            why = f" ({self.read_only_reason})" if self.read_only_reason else ""
            raise ReadOnlyError(f"'{self.path.name}' is open read-only{why}; changes are not saved.")

    @contextlib.contextmanager
    def _reading(self, seconds: float = guard.STATEMENT_SECONDS):
        self.wait_saved()
        try:
            with guard.bounded(self._conn, seconds):
                yield
        except sqlite3.Error as exc:
            raise _read_error(self.path, exc) from None
        except UnicodeDecodeError:  # SQLite's error message quoted damaged text
            raise DamagedFileError(self.path, "(it holds damaged text)") from None

    @contextlib.contextmanager
    def _writing(self, behind: bool = False):
        """One write transaction. Refuses to write when another program changed the file since we read it
        (data_version, or the file was replaced); SQLite errors (disk full, file gone) become one sentence and
        the transaction is rolled back, so nothing is half written. `behind` (and `commit_behind` set): the
        COMMIT runs on a worker thread after the block (see _commit_behind)."""
        self.wait_saved()
        # every table of the open's moment in memory and our reader gone first: our commit (or a backup) would
        # wait for it, or for a writer waiting for it
        self._fetch_rows()
        self.backup_if_due()  # the file as it was opened is backed up before anything is written to it
        self._labels = {}
        conn = self._conn
        behind = behind and self.commit_behind
        try:
            with guard.bounded(conn):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    if (conn.execute("PRAGMA data_version").fetchone()[0] != self._data_version
                            or _identity(self.path) != self._identity):
                        raise FileChangedError(
                            f"'{self.path.name}' was changed by another program since it was opened, so this "
                            "change was not saved; reload the project and make it again.")
                    yield
                    if not behind:
                        _commit(conn)
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            raise self._save_error(exc) from None
        if behind:
            self._commit_behind()

    def _save_error(self, exc: sqlite3.Error) -> ProjectFileError:
        if guard.interrupted(exc):
            return ProjectFileError(f"saving to '{self.path.name}' took too long and was stopped; nothing was "
                                    "changed.")
        return ProjectFileError(
            f"the change could not be saved to '{self.path.name}' ({exc}); check that the disk has space "
            "and that the file still exists and is writable.")

    # ---------------------------------------------------------------- commits behind the window
    def _commit_behind(self) -> None:
        """COMMIT the open transaction on a worker thread. The commit is the disk's syncs (4 per commit,
        docs/reliability.md), 1-250 ms on a busy disk, with the GIL released; meanwhile the caller updates
        memory and the window refreshes. Nothing else uses the connection until wait_saved() has joined it."""
        import _thread
        import threading
        conn, outcome, done, commit_now = self._conn, [], threading.Event(), _commit
        begun = threading.Event()

        def commit() -> None:
            failure = None
            try:
                with guard.bounded(conn):
                    begun.set()
                    commit_now(conn)
            except sqlite3.Error as exc:
                failure = exc
                try:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # SQLite rolled back already, or rolls back the hot journal at the next open
            finally:
                outcome.append(failure)  # done (saving turns False) before the window hears of it
                done.set()
                if self.on_saved is not None:
                    self.on_saved()
        self._commit = (done, outcome)
        _COMMITS[done] = self.path.resolve()
        # (threading.Thread.start() waits until the new thread runs: 0.1-5 ms on a busy machine)
        _thread.start_new_thread(commit, ())
        # Let it reach the COMMIT now (it needs the GIL for that, which this thread would otherwise keep while the
        # window refreshes, so the disk would start only after the refresh), but never wait long for a busy CPU.
        begun.wait(0.002)

    @property
    def saving(self) -> bool:
        """A change is written but its commit is not on disk yet (commit_behind)."""
        return self._commit is not None and not self._commit[1]

    def wait_saved(self) -> None:
        """Wait until the last change is on disk. If its commit failed, the transaction was rolled back: the
        project is read again from the file (memory and file agree, without that change) and `unsaved` holds
        the sentence for the user (take_unsaved)."""
        pending = self._commit
        if pending is None:
            return
        done, outcome = pending
        done.wait()
        self._commit = None
        if outcome[0] is None:
            return
        message = str(self._save_error(outcome[0]))
        self._labels = {}
        try:
            self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]
            self._load()
        except (ProjectFileError, sqlite3.Error) as exc:
            message += f" The project could not be read again either ({exc}); close it and open it again."
        self.unsaved = UnsavedChangeError(message, ChangeSet("not saved", everything=True, kind="external"))

    def take_unsaved(self) -> UnsavedChangeError | None:
        """The failure of a commit behind that wait_saved() found and nobody reported to the user yet, once."""
        failure, self.unsaved = self.unsaved, None
        return failure

    def _run(self, action: Action, audit_action: str, work: dict[str, Table], history: Any = None,
             note: str | None = None, behind: bool = False) -> None:
        """Write an action's changes in one transaction, then update the in-memory state (`behind`: while the
        commit runs on its worker thread, see _commit_behind)."""
        now = _now()
        with self._writing(behind):
            for change in action.changes:
                self._write_change(change, now, audit_action, work)
            if note:
                self._audit(now, audit_action, None, None, note)
            self._touch(now)
            if history is not None:
                history()
        self._apply_in_memory(action, work)
        self._meta = {**self._meta, "modified": now}
        if time.monotonic() - self._last_backup_at >= _backups().EVERY_SECONDS:
            self._auto_backup("timer")

    def _write_change(self, change: Change, now: str, audit_action: str, work: dict[str, Table]) -> None:
        kind = change[0]
        if kind in review.KINDS:
            review.write(self._conn, change)
            review.audit(self, now, audit_action, change)
            return
        if kind == _figures.KIND:
            _figures.write(self._conn, change)
            _figures.audit(self, now, audit_action, change)
            return
        _write_value(self._conn, change, now, change[1] in self._damaged)
        if kind == "f":
            self._audit(now, audit_action, change[1], change[2], change[3])
        elif kind == "r":
            self._audit_row(now, audit_action, *change[1:], work)
        elif kind == "s":
            self._audit(now, audit_action, change[1], (change[2] or {}).get("status"), (change[3] or {}).get("status"))

    def _audit_row(self, now, audit_action, path, rid, old, new, work) -> None:
        table = work.get(path)
        after = table.find(rid) if table is not None else None
        before = self._table(path).find(rid)
        if old is None:
            self._audit(now, audit_action, f"{path}[{after if after is not None else '?'}]", None, new[1])
        elif new is None:
            self._audit(now, audit_action, f"{path}[{before if before is not None else '?'}]", old[1], None)
        else:
            i = after if after is not None else before
            for col in self.forms.field(path).columns:
                a, b = old[1].get(col.id), new[1].get(col.id)
                if a != b:
                    self._audit(now, audit_action, f"{path}[{i}].{col.id}", a, b)
            if before is not None and after is not None and before != after:
                self._audit(now, audit_action, f"{path}[{after}]", f"row {before + 1}", f"row {after + 1}")

    def _apply_in_memory(self, action: Action, work: dict[str, Table]) -> None:
        values = dict(self._values)
        touched_steps: dict[str, dict] = {}

        def step_dict(step: str) -> dict:
            if step not in touched_steps:
                touched_steps[step] = dict(values.get(step, {}))
            return touched_steps[step]

        diffs: dict[str, list] = {}
        for change in action.changes:
            kind = change[0]
            if kind == "f":
                step, field = change[1].split(".", 1)
                d = step_dict(step)
                if change[3] is None:
                    d.pop(field, None)
                else:
                    d[field] = change[3]
                self._damaged.discard(change[1])
            elif kind == "r":
                if change[1] not in work:
                    diffs.setdefault(change[1], []).append((change[2], change[4]))
            elif kind in review.KINDS:
                review.apply_in_memory(self, change)
            elif kind == _figures.KIND:
                _figures.apply_in_memory(self, change)
            elif kind == "s":
                status = dict(self._status)
                if change[3] is None:
                    status.pop(change[1], None)
                else:
                    status[change[1]] = dict(change[3])
                self._status = status
        for path, diff in diffs.items():  # undo and redo: rebuild the table from its stored differences
            table = self._table(path).copy()
            table.apply_diff(diff)
            work = {**work, path: table}
        for path, table in work.items():
            table.touched = set()
            step, field = path.split(".", 1)
            if table.ids:
                self._tables[path] = table
                step_dict(step)[field] = table.rows
            else:
                self._tables.pop(path, None)
                self._id_cache.pop(path, None)
                step_dict(step).pop(field, None)
            if any(c[0] == "r" and c[1] == path and (c[3] is None or c[4] is None or c[3][0] != c[4][0])
                   for c in action.changes):
                self._id_cache.pop(path, None)  # the order changed: the snapshot needs new ids
            self._damaged.discard(path)
        for change in action.changes:
            if change[0] == "r":  # a rewritten row holds only checked cells: its stored damage is gone
                self._row_problems.pop(change[2], None)
        for step, d in touched_steps.items():
            if d:
                values[step] = d
            else:
                values.pop(step, None)
        self._values = values
        self._snap = None
        written = {c[1] for c in action.changes if c[0] in "fr"}
        kept = [p[0] not in written for p in self._problems]
        self._figures_at = sum(kept[:self._figures_at])
        self._problems = [p for p, keep in zip(self._problems, kept) if keep]
        self._figure_paths_written(written)

    def _audit(self, at: str, action: str, field: str | None, old: Any, new: Any) -> None:
        self._conn.execute(
            "INSERT INTO audit_log (at, user, action, field, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)",
            [at, self.user, action, field, _audit_text(old), _audit_text(new)])

    def _touch(self, now: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO project_meta (key, value) VALUES ('modified', ?)", [now])

    # ================================================================ internals: history
    def _record(self, action: Action) -> None:
        """Store the action as the newest undo step, inside the action's own transaction (dropping the redo side
        and the oldest steps)."""
        if self._redo_possible:  # (a scan of up to MAX_UNDO_STEPS rows: not on every edit)
            self._conn.execute("DELETE FROM undo_steps WHERE undone = 1")
        cur = self._conn.execute("INSERT INTO undo_steps (label, undone, changes) VALUES (?, 0, ?)",
                                 [action.label, _dumps([list(c) for c in action.changes])])
        self._conn.execute("DELETE FROM undo_steps WHERE seq <= ?", [cur.lastrowid - MAX_UNDO_STEPS])

    def _history_label(self, undone: int) -> str | None:
        if self._conn is None or self.read_only:
            return None
        if undone in self._labels:  # (known after an edit: no query while its commit is on the disk)
            return self._labels[undone]
        self.wait_saved()
        order = "DESC" if undone == 0 else "ASC"
        try:
            with guard.bounded(self._conn, 2):
                row = self._conn.execute(f"SELECT label FROM undo_steps WHERE undone = ? ORDER BY seq {order} "
                                         "LIMIT 1", [undone]).fetchone()
        except sqlite3.Error:
            return None
        self._labels[undone] = label = row[0] if row and isinstance(row[0], str) else None
        return label

    def _step(self, redo: bool) -> ChangeSet | None:
        self._writable()
        order = "ASC" if redo else "DESC"
        with self._reading():
            row = self._conn.execute(f"SELECT seq, label, changes FROM undo_steps WHERE undone = ? ORDER BY seq "
                                     f"{order} LIMIT 1", [1 if redo else 0]).fetchone()
        if row is None:
            return None
        seq, label, raw = row
        stored = self._stored_action(label, raw)
        if stored is None:
            self.clear_history()
            raise ProjectFileError("the undo history in this file is not usable (it does not match the project); "
                                   "it was cleared and nothing was changed.")
        action = stored if redo else Action(stored.label, _invert(stored.changes))
        if not self._matches(action):
            self.clear_history()
            raise ProjectFileError("the project changed since this step was recorded, so it cannot be "
                                   f"{'redone' if redo else 'undone'}; the undo history was cleared.")

        def flip():
            self._conn.execute("UPDATE undo_steps SET undone = ? WHERE seq = ?", [0 if redo else 1, seq])
        self._run(action, "redo" if redo else "undo", {}, history=flip)
        self._redo_possible = True
        return self._changeset(action, "redo" if redo else "undo")

    def _stored_action(self, label: Any, raw: Any) -> Action | None:
        """An undo step read back from the file: checked like any stored value (it could come from anyone)."""
        try:
            items = _loads(raw) if isinstance(raw, str) else None
            if not isinstance(label, str) or not isinstance(items, list) or not items:
                return None
            changes = []
            for item in items:
                kind = item[0]
                if kind == "f":
                    _, path, old, new = item
                    f = self.forms.field(path)
                    if f.is_table or any(v is not None and normalise(f, v) != v for v in (old, new)):
                        return None
                    changes.append(("f", path, old, new))
                elif kind == "r":
                    _, path, rid, old, new = item
                    f = self.forms.field(path)
                    if not f.is_table or not isinstance(rid, str):
                        return None
                    ends = []
                    for end in (old, new):
                        if end is None:
                            ends.append(None)
                            continue
                        p, cells = end
                        if isinstance(p, bool) or not isinstance(p, int) or normalise_row(f, cells) != cells:
                            return None
                        ends.append((p, _ordered(f, cells)))
                    changes.append(("r", path, rid, ends[0], ends[1]))
                elif kind == "s":
                    _, code, old, new = item
                    for end in (old, new):
                        if end is not None and (not isinstance(end, dict) or end.get("status") not in SECTION_STATUSES
                                                or not isinstance(end.get("note", ""), str)):
                            return None
                    changes.append(("s", code, old, new))
                elif kind in review.KINDS:
                    change = review.check_stored(item)
                    if change is None:
                        return None
                    changes.append(change)
                elif kind == _figures.KIND:
                    change = _figures.check_stored(self, item)
                    if change is None:
                        return None
                    changes.append(change)
                else:
                    return None
            return Action(label, tuple(changes))
        except (ValueError, TypeError, KeyError, FieldValueError):
            return None

    def _matches(self, action: Action) -> bool:
        """The project holds what each change expects to find (its `old` side)."""
        for change in action.changes:
            kind = change[0]
            if kind == "f" and self._scalar(change[1]) != change[2] and change[1] not in self._damaged:
                return False
            if kind == "r" and self._table(change[1]).entry(change[2]) != change[3]:
                return False
            if kind == "s" and (dict(self._status[change[1]]) if change[1] in self._status else None) != change[2]:
                return False
            if kind in review.KINDS and review.current(self, change) != change[2]:
                return False
            if kind == _figures.KIND and _figures.current(self, change) != change[2]:
                return False
        return True

    def _changeset(self, action: Action, kind: str) -> ChangeSet:
        fields, sections = set(), set()
        rows: dict[str, dict] = {}
        for change in action.changes:
            if change[0] == "f":
                fields.add(change[1])
            elif change[0] == "s":
                sections.add(change[1])
            elif change[0] == "r":
                _, path, rid, old, new = change
                r = rows.setdefault(path, {"changed": set(), "inserted": [], "deleted": set(), "moved": False})
                if old is None:
                    r["inserted"].append(rid)
                elif new is None:
                    r["deleted"].add(rid)
                else:
                    if old[1] != new[1]:
                        r["changed"].add(rid)
                    if old[0] != new[0]:
                        r["moved"] = True
        tables = {}
        for path, r in rows.items():
            order = self._table(path).index
            inserted = tuple(sorted(r["inserted"], key=lambda rid: order.get(rid, 0)))
            tables[path] = RowChanges(changed=frozenset(r["changed"]), inserted=inserted,
                                      deleted=frozenset(r["deleted"]), moved=r["moved"], whole=False)
        targets, commented = review.changed(action.changes)
        return ChangeSet(action.label, frozenset(fields), tables, frozenset(sections), review=targets,
                         comments=commented, figures=_figures.changed(action.changes), kind=kind)


# ==================================================================== module helpers
_COMMITS: "weakref.WeakKeyDictionary[Any, Path]" = weakref.WeakKeyDictionary()  # a commit's done event -> file


def _commit(conn: sqlite3.Connection) -> None:
    conn.execute("COMMIT")


def _join_commits(path: Path) -> None:
    """Wait for the commits behind a window on this file (any thread may call this): whatever this process opens
    shows every change its window has shown."""
    if not _COMMITS:
        return
    path = path.resolve()
    for done, target in list(_COMMITS.items()):
        if target == path:
            done.wait()


def _write_value(conn: sqlite3.Connection, change: Change, now: str, damaged: bool) -> None:
    """The SQL of one change (see Change). `damaged`: the field also holds a stored value of the wrong kind
    (a single value under a table or rows under a single field), which goes when the field is written."""
    kind = change[0]
    if kind == "f":
        _, path, old, new = change
        step, field = path.split(".", 1)
        if damaged:
            conn.execute("DELETE FROM table_rows WHERE step = ? AND field = ?", [step, field])
        if new is None:
            conn.execute("DELETE FROM field_values WHERE step = ? AND field = ?", [step, field])
        else:
            conn.execute("INSERT OR REPLACE INTO field_values (step, field, value, modified) VALUES (?, ?, ?, ?)",
                         [step, field, _dumps(new), now])
    elif kind == "r":
        _, path, rid, old, new = change
        step, field = path.split(".", 1)
        if damaged:
            conn.execute("DELETE FROM field_values WHERE step = ? AND field = ?", [step, field])
        if new is None:
            conn.execute("DELETE FROM table_rows WHERE row_id = ?", [rid])
        elif old is None:
            conn.execute("INSERT INTO table_rows (row_id, step, field, position, cells) VALUES (?, ?, ?, ?, ?)",
                         [rid, step, field, new[0], _dumps(new[1])])
        elif old[1] == new[1]:
            conn.execute("UPDATE table_rows SET position = ? WHERE row_id = ?", [new[0], rid])
        elif old[0] == new[0]:  # a cell edit: the order index (step, field, position) is left alone
            conn.execute("UPDATE table_rows SET cells = ? WHERE row_id = ?", [_dumps(new[1]), rid])
        else:
            conn.execute("UPDATE table_rows SET position = ?, cells = ? WHERE row_id = ?",
                         [new[0], _dumps(new[1]), rid])
    elif kind == "s":
        _, code, old, new = change
        if new is None:
            conn.execute("DELETE FROM section_status WHERE code = ?", [code])
        else:
            conn.execute("INSERT OR REPLACE INTO section_status (code, status, note, modified) VALUES (?, ?, ?, ?)",
                         [code, new["status"], new.get("note", ""), now])


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _row_number(f: Field, table: Table, row_id: Any) -> int:
    i = table.find(row_id) if isinstance(row_id, str) else None
    if i is None:
        raise FieldValueError(f"{f.label}: there is no row with id {row_id!r} (it may have been deleted)")
    return i


def _ordered(f: Field, cells: dict) -> dict:
    return {c.id: cells[c.id] for c in f.columns if c.id in cells}


_loads = loads_json


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _audit_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else _dumps(value)


def _default_label(forms: FormSet, edits: list) -> str:
    first = edits[0]
    more = "" if len(edits) == 1 else f" and {len(edits) - 1} more"
    if isinstance(first, ROW_OPS):
        f = forms.field(first.path)
        if isinstance(first, SetCell):
            return f"edit of {f.column(first.column).label} in {f.label}{more}"
        if isinstance(first, SetRow):
            return f"edit of a row of {f.label}{more}"
        if isinstance(first, InsertRows):
            n = len(first.rows)
            return f"insertion of {n} row{'s' if n != 1 else ''} into {f.label}{more}"
        if isinstance(first, DeleteRows):
            n = len(first.row_ids)
            return f"removal of {n} row{'s' if n != 1 else ''} from {f.label}{more}"
        return f"move of rows in {f.label}{more}"
    p = parse_path(first[0])
    f = forms.field(p.field_path)
    name = f.label
    if p.column:
        name = f"{f.column(p.column).label} (row {p.index + 1} of {f.label})"
    return f"edit of {name}{more}"


def _read_error(path: Path, exc: sqlite3.Error) -> ProjectFileError:
    if guard.interrupted(exc):
        return ProjectFileError(f"reading '{path.name}' took longer than {guard.STATEMENT_SECONDS:g} seconds and was "
                                "stopped; the file may be damaged or made to stall this app.")
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return ProjectFileError(f"'{path.name}' is busy (another program is writing to it); try again in a moment.")
    if "too big" in str(exc):
        return OversizedValueError(path, guard.MAX_VALUE_BYTES >> 20)
    return DamagedFileError(path, f"({exc})")


def _read_only_reason(path: Path) -> str | None:
    """Why edits to `path` could not be saved, checked before opening (None: it is writable)."""
    try:
        st = path.stat()
        if not os.access(path, os.W_OK) or not st.st_mode & 0o222:
            return "the file is read-only"
        folder = path.parent
        if not os.access(folder, os.W_OK) or not folder.stat().st_mode & 0o222:
            return f"its folder '{folder.name or folder}' is read-only, and saving needs to write beside the file"
        if hasattr(os, "statvfs"):
            fs = os.statvfs(folder)
            if fs.f_flag & getattr(os, "ST_RDONLY", 1):
                return "the disk it is on is mounted read-only"
            if fs.f_bavail * fs.f_frsize < 1024 * 1024:
                return "the disk it is on is full"
    except OSError as exc:
        return f"it cannot be checked for writing ({exc.strerror or exc})"
    return None


def _roll_back_hot_journal(path: Path, writable: bool) -> None:
    """After a crash mid-save a `-journal` beside the file holds the pages to restore. SQLite rolls it back on
    the first read by a connection that may write; a read-only connection cannot, and would call the file
    damaged. So connect read-write once (this runs no SQL stored in the file)."""
    journal = path.with_name(path.name + "-journal")
    try:
        hot = journal.stat().st_size > 0
    except OSError:
        return
    if not hot:
        return
    if not writable:
        raise ProjectFileError(
            f"'{path.name}' has an unfinished save from a crash that can only be rolled back where the file can be "
            f"written; copy '{path.name}' together with '{journal.name}' to a writable folder and open it there.")
    try:
        conn = guard.connect(path, read_only=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            guard.forget(conn)
            conn.close()
    except sqlite3.Error:
        pass  # the checks below say what is wrong


def _check_integrity(conn: sqlite3.Connection, path: Path, truncated: bool = False) -> None:
    """SQLite's quick_check of the file (DamagedFileError when it fails; ~25 ms at large 4x)."""
    try:
        with guard.bounded(conn, 60):
            ok = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as exc:
        if truncated and not guard.interrupted(exc) and "locked" not in str(exc):
            raise DamagedFileError(path, "(it is truncated)") from None
        raise _read_error(path, exc) from None
    if ok != "ok" and ok != b"ok":
        raise DamagedFileError(path, "(it is truncated)" if truncated else "(integrity check failed)")


def _open_checked(path: Path, version: int, read_only: bool, truncated: bool = False, integrity: bool = True
                  ) -> sqlite3.Connection:
    """A hardened connection to a file whose schema is exactly ours and that passes quick_check (`integrity`
    False: the caller runs _check_integrity before anything is written). A file SQLite cannot read is called
    damaged only here (or there), after SQLite tried under its lock (busy timeout)."""
    try:
        conn = guard.connect(path, read_only=read_only)
    except sqlite3.Error as exc:
        raise ProjectFileError(f"'{path.name}' cannot be opened ({exc}); check that it exists and may be read.") from None
    try:
        with guard.bounded(conn, 60):
            try:
                schema = read_schema(conn)
            except sqlite3.DatabaseError as exc:
                if guard.interrupted(exc) or "locked" in str(exc):
                    raise
                if not guard.unsafe_schema(exc):
                    raise DamagedFileError(path, "(it is truncated)" if truncated else f"({exc})") from None
                # Reading sqlite_master evaluates nothing, so it is safe to parse the schema trusted in order
                # to compare it; only our own older schemas (json_valid in CHECK) pass the comparison below.
                guard.forget(conn)
                conn.close()
                conn = guard.connect(path, read_only=read_only, trusted=True)
                schema = read_schema(conn)
            foreign = sorted(schema - expected_schema(version))
            missing = sorted(expected_schema(version) - schema)
            if foreign or missing:
                raise ForeignSchemaError(path, [f"{t} '{n}'" for t, n, _, _ in foreign],
                                         [f"{t} '{n}'" for t, n, _, _ in missing])
            if integrity:
                ok = conn.execute("PRAGMA quick_check").fetchone()[0]
                if ok != "ok":
                    raise DamagedFileError(path, "(it is truncated)" if truncated else "(integrity check failed)")
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise ProjectFileError(f"'{path.name}' is an SQLite database but not an ATMP Dossier project; "
                                       "open a .atmp file made by this app.")
        return conn
    except UnicodeDecodeError:
        guard.forget(conn)
        conn.close()
        raise DamagedFileError(path, "(it holds damaged text)") from None
    except sqlite3.Error as exc:
        guard.forget(conn)
        conn.close()
        if truncated and not guard.interrupted(exc) and "locked" not in str(exc):
            raise DamagedFileError(path, "(it is truncated)") from None
        raise _read_error(path, exc) from None
    except BaseException:
        guard.forget(conn)
        conn.close()
        raise


def _migrated_in_memory(conn: sqlite3.Connection) -> sqlite3.Connection:
    """An older file opened read-only: migrate a copy in memory, so it can be viewed without being changed."""
    mem = guard.harden(sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False), trusted=True)
    with guard.bounded(conn, 60):
        conn.backup(mem)
    guard.forget(conn)
    conn.close()
    migrate(mem)
    mem.execute("PRAGMA trusted_schema = OFF")
    return mem


def _build_file(path: Path, fill, replace_lock_held: bool = False) -> None:
    """Write a new database under a temp name beside `path`, then rename it into place (never a half file
    under the real name). `fill(conn)` writes the content. Disk full or any failure: the temp is removed and
    `path` is untouched."""
    tmp = tempfiles.create_temp(path)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            fill(conn)
            conn.execute("PRAGMA journal_mode = DELETE")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise ProjectFileError(f"the new copy of '{path.name}' did not read back correctly; nothing was "
                                       "replaced.")
        finally:
            conn.close()
        os.chmod(tmp, tempfiles.user_mode())
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except (sqlite3.Error, OSError) as exc:
        _remove_temp(tmp)
        raise ProjectFileError(f"'{path.name}' could not be written ({_os_reason(exc)}); nothing was replaced and "
                               "your project is unchanged.") from None
    except BaseException:
        _remove_temp(tmp)
        raise


def _remove_temp(tmp: Path) -> None:
    for p in (tmp, tmp.with_name(tmp.name + "-journal")):
        try:
            p.unlink()
        except OSError:
            pass


def _os_reason(exc: BaseException) -> str:
    text = str(exc)
    if "full" in text or getattr(exc, "errno", None) == 28:
        return "the disk is full"
    return getattr(exc, "strerror", None) or text


def _fill_new(conn: sqlite3.Connection, forms: FormSet, data: dict, ids: dict[str, list[str]], meta: dict,
              status_in: dict, now: str, imported: bool, figures: Iterable = ()) -> None:
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA journal_mode = DELETE")
    migrate(conn)
    conn.execute("BEGIN")
    conn.executemany("INSERT OR REPLACE INTO project_meta (key, value) VALUES (?, ?)", list(meta.items()))
    for step_id, fields in data.items():
        for field_id, value in fields.items():
            f = forms.step(step_id).field(field_id)
            if f.is_table:
                row_ids = ids.get(f.path) or [new_row_id() for _ in value]
                conn.executemany(
                    "INSERT INTO table_rows (row_id, step, field, position, cells) VALUES (?, ?, ?, ?, ?)",
                    [(rid, step_id, field_id, i * GAP, _dumps(row)) for i, (rid, row) in enumerate(zip(row_ids, value))])
            else:
                conn.execute("INSERT INTO field_values (step, field, value, modified) VALUES (?, ?, ?, ?)",
                             [step_id, field_id, _dumps(value), meta["modified"]])
    for code, entry in status_in.items():
        conn.execute("INSERT INTO section_status (code, status, note, modified) VALUES (?, ?, ?, ?)",
                     [code, entry["status"], entry.get("note", ""), meta["modified"]])
    _figures.insert_all(conn, figures)
    conn.execute("INSERT INTO audit_log (at, user, action, field, old_value, new_value) VALUES (?, ?, 'create', NULL, "
                 "NULL, ?)", [now, locking.user_name(), "imported from JSON" if imported else "new project"])
    conn.execute("COMMIT")


def _forms_version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT value FROM project_meta WHERE key = 'forms_version'").fetchone()
    except sqlite3.Error:
        return FORMS_VERSION  # unreadable here: _load reports what it cannot read
    return stored_version({"forms_version": row[0] if row else None})


def _migrate_forms(conn: sqlite3.Connection, forms: FormSet, path: Path | None, backup_path: Path | None) -> Path | None:
    """Bring values written with older forms to the current forms (core.form_migrations, pure functions over
    the raw values) in one transaction, after a backup copy of the file (`path`; None for an in-memory copy).
    Runs before `_load`, so a renamed field is moved, not reported as unknown. Values that do not parse are
    left for `_load` to report. Returns the backup path."""
    version = _forms_version(conn)
    if version >= FORMS_VERSION:
        return backup_path
    values: dict[str, dict[str, Any]] = {}
    row_ids: dict[tuple[str, str], list[str]] = {}
    conn.text_factory = bytes
    try:
        with guard.bounded(conn, 60):
            scalars = conn.execute("SELECT step, field, value FROM field_values").fetchall()
            rows = conn.execute("SELECT step, field, row_id, cells FROM table_rows "
                                "ORDER BY step, field, position, row_id").fetchall()
    finally:
        conn.text_factory = str
    for step, field, raw in scalars:
        try:
            values.setdefault(step.decode(), {})[field.decode()] = json.loads(raw)
        except (AttributeError, UnicodeDecodeError, ValueError):
            continue
    for step, field, rid, cells in rows:
        try:
            key, cell = (step.decode(), field.decode()), json.loads(cells)
        except (AttributeError, UnicodeDecodeError, ValueError):
            continue
        values.setdefault(key[0], {}).setdefault(key[1], []).append(cell)
        row_ids.setdefault(key, []).append(rid.decode() if isinstance(rid, bytes) else rid)
    new, applied = migrate_values(values, version)
    if path is not None and backup_path is None:
        backup_path = _backup_before_migration(path, conn, SCHEMA_VERSION)
    now = _now()
    conn.execute("BEGIN")
    try:
        for step in sorted(set(values) | set(new)):
            for field in sorted(set(values.get(step, {})) | set(new.get(step, {}))):
                old, cur = values.get(step, {}).get(field), new.get(step, {}).get(field)
                if old == cur:
                    continue
                table = (step, field) in row_ids or forms.has_field(f"{step}.{field}") and \
                    forms.field(f"{step}.{field}").is_table
                if not table:
                    conn.execute("DELETE FROM field_values WHERE step = ? AND field = ?", [step, field])
                    if cur is not None:
                        conn.execute("INSERT INTO field_values (step, field, value, modified) VALUES (?, ?, ?, ?)",
                                     [step, field, _dumps(cur), now])
                    continue
                ids = row_ids.get((step, field), [])
                cur = cur or []
                if len(ids) == len(cur):  # the same rows, changed cells: row ids stay
                    conn.executemany("UPDATE table_rows SET cells = ? WHERE row_id = ?",
                                     [(_dumps(c), rid) for rid, c in zip(ids, cur)])
                    continue
                conn.execute("DELETE FROM table_rows WHERE step = ? AND field = ?", [step, field])
                conn.executemany(
                    "INSERT INTO table_rows (row_id, step, field, position, cells) VALUES (?, ?, ?, ?, ?)",
                    [(new_row_id(), step, field, i * GAP, _dumps(c)) for i, c in enumerate(cur)])
        conn.execute("INSERT OR REPLACE INTO project_meta (key, value) VALUES ('forms_version', ?)",
                     [str(FORMS_VERSION)])
        conn.execute("INSERT INTO audit_log (at, user, action, field, old_value, new_value) VALUES "
                     "(?, ?, 'migrate forms', NULL, ?, ?)", [now, locking.user_name(), str(version), ", ".join(applied)])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return backup_path


def _backup_before_migration(path: Path, conn: sqlite3.Connection, version: int) -> Path:
    """A byte-for-byte copy of the file as it was, written under a temp name and renamed when complete (a killed
    copy never leaves a truncated file under the backup's name). We hold the lock: no one else writes."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.format{version}-backup-{stamp}{path.suffix}")
    tmp = tempfiles.create_temp(backup)
    try:
        with open(path, "rb") as src, open(tmp, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, backup)
    except OSError as exc:
        _remove_temp(tmp)
        raise ProjectFileError(f"'{path.name}' must be upgraded to this version's format, but the backup made first "
                               f"could not be written ({_os_reason(exc)}); nothing was changed.") from None
    return backup


def describe_value(f: Field, value: Any) -> str:
    return format_value(f, value)
