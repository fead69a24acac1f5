"""The `.atmp` project file: one SQLite database per project, used as an application file format.

- fixed `PRAGMA application_id`, `user_version` = schema version, rollback journal (no -wal/-shm files
  beside a file users copy and e-mail), foreign keys on;
- every user action is one transaction, one audit entry per changed value, one undo step;
- new files are built in a temp file and moved into place; Save As uses the SQLite backup API;
- files that are not ours, newer, truncated or damaged are refused before SQLite touches them.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import getpass
import json
import os
import shutil
import sqlite3
import tempfile
import uuid as _uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from sqlite_utils import Database

from atmp_desktop import __version__
from atmp_desktop.core.changes import ChangeSet, RowChanges
from atmp_desktop.core.forms import Field, FormSet, parse_path
from atmp_desktop.core.interchange import SECTION_STATUSES, check_document
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.values import FieldValueError, format_value, is_empty, normalise
from atmp_desktop.store import locking
from atmp_desktop.store.errors import ProjectFileError, ReadOnlyError
from atmp_desktop.store.header import APPLICATION_ID, check_header
from atmp_desktop.store.migrations import SCHEMA_VERSION, migrate

EXTENSION = ".atmp"
SECTION_PREFIX = "section:"  # undo entries for a CTD section's status use this pseudo-path


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass(frozen=True)
class Change:
    """One field's value before and after an action (tables: the whole row list)."""
    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Action:
    """One undo step: the changes of one user action."""
    label: str
    changes: tuple[Change, ...]



def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    uri = f"file:{path.as_posix()}?mode={'ro' if read_only else 'rw'}"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class ProjectFile:
    """An open project. Create with `create()` or `open()`; always `close()` (or use `with`)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, forms: FormSet, read_only: bool, lock: Path | None,
                 backup_path: Path | None = None):
        self.path = path
        self.forms = forms
        self.read_only = read_only
        self.backup_path = backup_path  # set when opening migrated an older file
        self._conn = conn
        self._db = Database(conn)
        self._lock = lock
        self._undo: list[Action] = []
        self._redo: list[Action] = []
        self.user = _user()

    # ---------------------------------------------------------------- opening and creating
    @classmethod
    def open(cls, path: str | Path, forms: FormSet, read_only: bool = False) -> "ProjectFile":
        path = Path(path)
        header = check_header(path, SCHEMA_VERSION)
        try:
            probe = _connect(path, read_only=True)
            try:
                ok = probe.execute("PRAGMA quick_check").fetchone()[0]
                tables = {r[0] for r in probe.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            finally:
                probe.close()
        except sqlite3.DatabaseError as exc:
            raise ProjectFileError(f"'{path.name}' is damaged and cannot be read ({exc}); restore it from a backup.") from None
        if ok != "ok" or "project_meta" not in tables:
            raise ProjectFileError(f"'{path.name}' is damaged (integrity check failed); restore it from a backup.")
        if read_only and header.user_version < SCHEMA_VERSION:
            raise ProjectFileError(
                f"'{path.name}' uses an older file format and must be upgraded before it can be viewed; "
                "open it for editing once (a backup is made first).")
        lock = None if read_only else locking.acquire(path)
        backup_path = None
        try:
            conn = _connect(path, read_only)
            if not read_only:
                conn.execute("PRAGMA journal_mode = DELETE")
                if header.user_version < SCHEMA_VERSION:
                    backup_path = _backup_before_migration(path, header.user_version)
                    migrate(conn)
        except (sqlite3.Error, OSError) as exc:
            if lock:
                locking.release(lock)
            raise ProjectFileError(f"'{path.name}' cannot be opened for editing ({exc}); check that the file and "
                                   "its folder are writable, or open it read-only.") from None
        except BaseException:
            if lock:
                locking.release(lock)
            raise
        return cls(path, conn, forms, read_only, lock, backup_path)

    @classmethod
    def create(cls, path: str | Path, forms: FormSet, document: dict | None = None,
               title: str | None = None, overwrite: bool = False) -> "ProjectFile":
        """Create a new project, optionally filled from a JSON interchange document.

        The document is checked first; when it has problems nothing is created and ProjectFileError lists them.
        The file is built as a temp file in the target folder and moved into place.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise ProjectFileError(f"'{path}' already exists; choose another name or delete it first.")
        if not path.parent.is_dir():
            raise ProjectFileError(f"the folder '{path.parent}' does not exist.")
        data: dict = {}
        meta_in: dict = {}
        status_in: dict = {}
        if document is not None:
            problems, data = check_document(forms, document)
            if problems:
                raise ProjectFileError("the JSON cannot be imported; nothing was created:\n  " + "\n  ".join(problems))
            meta_in = document.get("project") or {}
            status_in = document.get("section_status") or {}
        now = _now()
        meta = {
            "uuid": meta_in.get("uuid") or str(_uuid.uuid4()),
            "title": meta_in.get("title") or title or path.stem,
            "created": meta_in.get("created") or now,
            "modified": meta_in.get("modified") or now,
            "app_version": __version__,
            "schema_version": str(SCHEMA_VERSION),
        }
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=EXTENSION, dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("PRAGMA journal_mode = DELETE")
                migrate(conn)
                db = Database(conn)
                with db.atomic():
                    db["project_meta"].insert_all([{"key": k, "value": v} for k, v in meta.items()],
                                                  replace=True)
                    for step_id, fields in data.items():
                        for field_id, value in fields.items():
                            _write_value(db, forms.step(step_id).field(field_id), value, meta["modified"])
                    for code, entry in status_in.items():
                        db["section_status"].insert({"code": code, "status": entry["status"],
                                                     "note": entry.get("note", ""), "modified": meta["modified"]})
                    db["audit_log"].insert({"at": now, "user": _user(), "action": "create",
                                            "field": None, "old_value": None,
                                            "new_value": "imported from JSON" if document else "new project"})
            finally:
                conn.close()
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return cls.open(path, forms)

    def close(self) -> None:
        if self._conn is not None:
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
        return {r["key"]: r["value"] for r in self._db.query("SELECT key, value FROM project_meta")}

    def snapshot(self) -> ProjectSnapshot:
        values: dict[str, dict[str, Any]] = {}
        for r in self._db.query("SELECT step, field, value FROM field_values"):
            values.setdefault(r["step"], {})[r["field"]] = json.loads(r["value"])
        for r in self._db.query("SELECT step, field, cells FROM table_rows ORDER BY step, field, position"):
            values.setdefault(r["step"], {}).setdefault(r["field"], []).append(json.loads(r["cells"]))
        status = {r["code"]: {"status": r["status"], "note": r["note"]}
                  for r in self._db.query("SELECT code, status, note FROM section_status ORDER BY code")}
        meta = self.meta()
        ordered_meta = {k: meta[k] for k in ("uuid", "title", "created", "modified") if k in meta}
        ordered_meta.update({k: meta[k] for k in ("app_version", "schema_version") if k in meta})
        return ProjectSnapshot(meta=ordered_meta, values=values, section_status=status)

    def get(self, path: str) -> Any:
        return self.snapshot().get(path)

    def _current(self, f: Field) -> Any:
        if f.is_table:
            rows = [json.loads(r["cells"]) for r in self._db.query(
                "SELECT cells FROM table_rows WHERE step = ? AND field = ? ORDER BY position", [f.step_id, f.id])]
            return rows or None
        row = list(self._db.query("SELECT value FROM field_values WHERE step = ? AND field = ?", [f.step_id, f.id]))
        return json.loads(row[0]["value"]) if row else None

    def audit_entries(self, limit: int | None = None) -> list[dict]:
        sql = "SELECT id, at, user, action, field, old_value, new_value FROM audit_log ORDER BY id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return list(self._db.query(sql))

    # ---------------------------------------------------------------- writing
    def set_value(self, path: str, value: Any, label: str | None = None) -> ChangeSet | None:
        """Set one field or one table cell. One transaction, audited, one undo step."""
        return self.apply([(path, value)], label)

    def apply(self, edits: Iterable[tuple[str, Any]], label: str | None = None) -> ChangeSet | None:
        """Apply several edits as one user action. Returns what changed, or None if nothing did."""
        self._writable()
        edits = list(edits)
        changes: list[Change] = []
        pending: dict[str, Any] = {}
        for path, value in edits:
            p = parse_path(path)
            f = self.forms.field(p.field_path)
            base = pending.get(f.path, self._current(f))
            if p.index is not None:
                new = _with_cell(f, base, p.index, p.column, value)
            else:
                new = normalise(f, value)
            pending[f.path] = new
        for fpath, new in pending.items():
            old = self._current(self.forms.field(fpath))
            if old != new:
                changes.append(Change(fpath, old, new))
        if not changes:
            return None
        if label is None:
            label = _default_label(self.forms, edits)
        action = Action(label, tuple(changes))
        self._commit(action, forward=True, audit_action="edit")
        self._undo.append(action)
        self._redo.clear()
        return self._changeset(action, "edit")

    def set_section_status(self, code: str, status: str, note: str = "") -> ChangeSet | None:
        """Set a CTD section's writer status and note: one transaction, audited, one undo step."""
        self._writable()
        if status not in SECTION_STATUSES:
            raise ProjectFileError(f"status must be one of {', '.join(SECTION_STATUSES)}")
        rows = list(self._db.query("SELECT status, note FROM section_status WHERE code = ?", [code]))
        old = {"status": rows[0]["status"], "note": rows[0]["note"]} if rows else None
        new = {"status": status, "note": note}
        if old == new:
            return None
        label = f"status of section {code}" if not old or old["status"] != status else f"note on section {code}"
        action = Action(label, (Change(SECTION_PREFIX + code, old, new),))
        self._commit(action, forward=True, audit_action="section status")
        self._undo.append(action)
        self._redo.clear()
        return self._changeset(action, "edit")

    def set_title(self, title: str) -> None:
        self._writable()
        now = _now()
        with self._saving(), self._db.atomic():
            old = self.meta().get("title")
            self._db["project_meta"].insert({"key": "title", "value": title}, replace=True)
            self._audit(now, "rename project", None, old, title)
            self._touch(now)

    # ---------------------------------------------------------------- undo / redo
    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def undo(self) -> ChangeSet | None:
        if not self._undo:
            return None
        self._writable()
        action = self._undo.pop()
        self._commit(action, forward=False, audit_action="undo")
        self._redo.append(action)
        return self._changeset(action, "undo")

    def redo(self) -> ChangeSet | None:
        if not self._redo:
            return None
        self._writable()
        action = self._redo.pop()
        self._commit(action, forward=True, audit_action="redo")
        self._undo.append(action)
        return self._changeset(action, "redo")

    # ---------------------------------------------------------------- save as
    def save_as(self, target: str | Path) -> "ProjectFile":
        """Copy the project to `target` with the SQLite backup API and return it opened (this one is closed)."""
        target = Path(target)
        if target.resolve() == self.path.resolve():
            return self
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=EXTENSION, dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            dst = sqlite3.connect(tmp)
            try:
                self._conn.backup(dst)
            finally:
                dst.close()
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        forms, undo, redo = self.forms, self._undo, self._redo
        self.close()
        copy = ProjectFile.open(target, forms)
        copy._undo, copy._redo = undo, redo  # the copy holds the same values, so the history still applies
        return copy

    # ---------------------------------------------------------------- internals
    def _changeset(self, action: Action, kind: str) -> ChangeSet:
        fields, tables, sections = set(), {}, set()
        for ch in action.changes:
            if ch.path.startswith(SECTION_PREFIX):
                sections.add(ch.path[len(SECTION_PREFIX):])
            elif self.forms.field(ch.path).is_table:
                tables[ch.path] = RowChanges(whole=True)
            else:
                fields.add(ch.path)
        return ChangeSet(action.label, frozenset(fields), tables, frozenset(sections), kind=kind)

    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(f"'{self.path.name}' is open read-only; changes are not saved.")
        if self._conn is None:
            raise ProjectFileError("the project is closed.")

    def _commit(self, action: Action, forward: bool, audit_action: str) -> None:
        now = _now()
        with self._saving(), self._db.atomic():
            for ch in action.changes:
                old, new = (ch.old, ch.new) if forward else (ch.new, ch.old)
                if ch.path.startswith(SECTION_PREFIX):
                    self._write_section_status(ch.path[len(SECTION_PREFIX):], old, new, now, audit_action)
                    continue
                f = self.forms.field(ch.path)
                _write_value(self._db, f, new, now)
                for where, before, after in _audit_diff(f, old, new):
                    self._audit(now, audit_action, where, before, after)
            self._touch(now)

    def _write_section_status(self, code: str, old: dict | None, new: dict | None, now: str, action: str) -> None:
        if new is None:
            self._db.execute("DELETE FROM section_status WHERE code = ?", [code])
        else:
            self._db["section_status"].insert({"code": code, **new, "modified": now}, replace=True)
        before, after = (old or {}).get("status"), (new or {}).get("status")
        self._audit(now, action if action != "edit" else "section status", code, before, after)

    @contextlib.contextmanager
    def _saving(self):
        """SQLite errors while writing (disk full, file deleted or made read-only) become one sentence."""
        try:
            yield
        except sqlite3.Error as exc:
            raise ProjectFileError(
                f"the change could not be saved to '{self.path.name}' ({exc}); check that the disk has space "
                "and that the file still exists and is writable.") from None

    def _audit(self, at: str, action: str, field: str | None, old: Any, new: Any) -> None:
        self._db["audit_log"].insert({
            "at": at, "user": self.user, "action": action, "field": field,
            "old_value": None if old is None else (old if isinstance(old, str) else json.dumps(old, ensure_ascii=False)),
            "new_value": None if new is None else (new if isinstance(new, str) else json.dumps(new, ensure_ascii=False)),
        })

    def _touch(self, now: str) -> None:
        self._db["project_meta"].insert({"key": "modified", "value": now}, replace=True)


def _write_value(db: Database, f: Field, value: Any, now: str) -> None:
    if f.is_table:
        db.execute("DELETE FROM table_rows WHERE step = ? AND field = ?", [f.step_id, f.id])
        if value:
            db["table_rows"].insert_all([
                {"step": f.step_id, "field": f.id, "position": i, "cells": json.dumps(row, ensure_ascii=False)}
                for i, row in enumerate(value)])
        return
    if is_empty(value):
        db.execute("DELETE FROM field_values WHERE step = ? AND field = ?", [f.step_id, f.id])
    else:
        db["field_values"].insert({"step": f.step_id, "field": f.id, "value": json.dumps(value, ensure_ascii=False),
                                   "modified": now}, replace=True)


def _with_cell(f: Field, rows: Any, index: int, column: str | None, value: Any) -> list | None:
    rows = [dict(r) for r in (rows or [])]
    if column is None:  # replace or append a whole row
        row = {} if value is None else value
        if index == len(rows):
            rows.append(row)
        elif index < len(rows):
            rows[index] = row
        else:
            raise FieldValueError(f"{f.label}: there is no row {index + 1} (the table has {len(rows)})")
        return normalise(f, [r for r in rows if r]) if rows else None
    if index > len(rows):
        raise FieldValueError(f"{f.label}: there is no row {index + 1} (the table has {len(rows)})")
    if index == len(rows):
        rows.append({})
    col = f.column(column)
    cell = normalise(col, value)
    if cell is None:
        rows[index].pop(column, None)
    else:
        rows[index][column] = cell
    return [r for r in rows if r] or None


def _audit_diff(f: Field, old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """Audit entries for one change: per cell for tables of equal length, per field otherwise."""
    if f.is_table and old and new and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            for col in f.columns:
                if a.get(col.id) != b.get(col.id):
                    out.append((f"{f.path}[{i}].{col.id}", a.get(col.id), b.get(col.id)))
        return out or [(f.path, old, new)]
    return [(f.path, old, new)]


def _default_label(forms: FormSet, edits: list[tuple[str, Any]]) -> str:
    p = parse_path(edits[0][0])
    f = forms.field(p.field_path)
    name = f.label
    if p.column:
        name = f"{f.column(p.column).label} (row {p.index + 1} of {f.label})"
    return f"edit of {name}" if len(edits) == 1 else f"edit of {name} and {len(edits) - 1} more"


def _backup_before_migration(path: Path, version: int) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.format{version}-backup-{stamp}{path.suffix}")
    shutil.copy2(path, backup)
    return backup


def describe_value(f: Field, value: Any) -> str:
    return format_value(f, value)
