"""Getting work back: a clean copy of a file we refuse to open, and restoring a backup.

`clean_copy` reads the values of a file with a foreign schema (planted triggers, views, extra tables) without
letting anything of that schema run: it reads only real tables with our names and plain columns (no views,
virtual tables or generated columns), with a progress handler bounding every statement, and passes every value
through the same strict checks as a JSON import into a fresh file that we create. Values that do not fit are
left out and reported by field path.
"""
from __future__ import annotations

import base64
import datetime as _dt
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atmp_desktop.core.figures import MAX_FIGURES, check_figures, to_json
from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.interchange import SECTION_STATUSES, check_document
from atmp_desktop.core.project import FORMAT_NAME, FORMAT_VERSION
from atmp_desktop.core.values import loads_json
from atmp_desktop.store import backups as _backups
from atmp_desktop.store import guard, locking
from atmp_desktop.store.errors import ProjectFileError
from atmp_desktop.store.header import SQLITE_MAGIC

_COLUMNS = {
    "project_meta": ("key", "value"),
    "field_values": ("step", "field", "value"),
    "table_rows": ("step", "field", "position", "cells"),
    "section_status": ("code", "status", "note"),
    "figures": ("id", "target", "position", "caption", "alt", "name", "image"),
    "figure_images": ("digest", "kind", "data"),
}
_LIMITS = {"figures": MAX_FIGURES + 1, "figure_images": MAX_FIGURES + 1}


@dataclass
class CleanCopyReport:
    target: Path
    copied: int = 0                                   # values copied
    problems: list[str] = field(default_factory=list)  # what was left out, by field path, one sentence each


def clean_copy(source: str | Path, target: str | Path, forms: FormSet) -> CleanCopyReport:
    """Copy the values of `source` into a new project `target` through strict typed checks. `source` is only
    read. Raises ProjectFileError when `source` is not an SQLite file or `target` exists."""
    from atmp_desktop.store.project_file import ProjectFile
    source, target = Path(source), Path(target)
    try:
        with open(source, "rb") as fh:
            if fh.read(16) != SQLITE_MAGIC:
                raise ProjectFileError(f"'{source.name}' is not an SQLite database, so there is nothing to copy.")
    except OSError as exc:
        raise ProjectFileError(f"'{source.name}' cannot be read ({exc.strerror or exc}).") from None
    if target.exists():
        raise ProjectFileError(f"'{target}' already exists; choose a new name for the clean copy.")
    report = CleanCopyReport(target)
    raw = _read_raw(source, report)
    doc, ids = _document(forms, raw, report)
    figure_problems, figures = check_figures(forms, doc)
    if figure_problems:  # keep the figures that pass, name the others
        report.problems += [p.replace("$.figures", "figures", 1) for p in figure_problems]
        doc["figures"] = to_json(figures)
    problems, _ = check_document(forms, doc)
    for _ in range(100):  # drop each value the strict check refuses, say so, and check again
        if not problems:
            break
        for problem in problems:
            report.problems.append(problem.replace("$.data.", "", 1))
            _drop(doc, problem)
        again, _ = check_document(forms, doc)
        if again == problems:
            raise ProjectFileError("the clean copy could not be made: " + problems[0])
        problems = again
    doc["row_ids"] = {p: v for p, v in ids.items() if _row_count(doc, p) == len(v)}
    report.copied = sum(len(v) if isinstance(v, list) else 1 for s in doc["data"].values() for v in s.values())
    ProjectFile.create(target, forms, document=doc).close()
    return report


def _read_raw(source: Path, report: CleanCopyReport) -> dict[str, list[tuple]]:
    # trusted=True only lets SQLite parse a schema it would refuse; nothing below evaluates stored SQL: we read
    # plain columns of real tables only, and the deadline stops anything that takes too long.
    try:
        conn = guard.connect(source, read_only=True, trusted=True)
    except sqlite3.Error as exc:
        raise ProjectFileError(f"'{source.name}' cannot be read ({exc}).") from None
    out: dict[str, list[tuple]] = {}
    try:
        with guard.bounded(conn, 60):
            try:
                objects = {n: (t, sql or "") for t, n, sql in
                           conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()}
            except sqlite3.DatabaseError as exc:
                raise ProjectFileError(f"'{source.name}' is too damaged to copy anything from ({exc}).") from None
            for table, columns in _COLUMNS.items():
                kind, sql = objects.get(table, ("", ""))
                if kind != "table" or not sql.upper().lstrip().startswith("CREATE TABLE"):
                    if table in ("field_values", "table_rows"):
                        report.problems.append(f"{table} is not a plain table in '{source.name}' ({kind or 'missing'}); "
                                               "nothing was copied from it")
                    continue
                info = conn.execute(f"PRAGMA table_xinfo({table})").fetchall()
                plain = {r[1] for r in info if r[6] == 0}  # hidden 0: an ordinary stored column
                if not set(columns) <= plain:
                    report.problems.append(f"{table} in '{source.name}' lacks plain columns "
                                           f"{', '.join(sorted(set(columns) - plain))}; nothing was copied from it")
                    continue
                has_id = "row_id" in plain and table == "table_rows"
                cols = ", ".join(f'"{c}"' for c in columns + (("row_id",) if has_id else ()))
                order = " ORDER BY step, field, position" if table == "table_rows" else \
                    " ORDER BY position" if table == "figures" else ""
                limit = _LIMITS.get(table, 1000001)
                conn.text_factory = bytes
                try:
                    out[table] = conn.execute(f'SELECT {cols} FROM "{table}"{order} LIMIT {limit}').fetchall()
                except sqlite3.Error as exc:
                    if "too big" in str(exc):  # one oversized value: the table row by row, without it
                        out[table] = _rows_but_oversized(conn, table, cols, order, limit, source, report)
                    else:
                        report.problems.append(f"{table} could not be read ({exc}); nothing was copied from it")
                finally:
                    conn.text_factory = str
    except sqlite3.Error as exc:
        raise ProjectFileError(f"'{source.name}' could not be read ({exc}); nothing was copied.") from None
    finally:
        guard.forget(conn)
        conn.close()
    return out


def _rows_but_oversized(conn, table: str, cols: str, order: str, limit: int, source: Path,
                        report: CleanCopyReport) -> list[tuple]:
    """The rows of `table` one by one, leaving out (and naming) those holding a value larger than the
    connection's length limit, which stops a read of the whole table."""
    try:
        rowids = [r[0] for r in conn.execute(f'SELECT rowid FROM "{table}"{order} LIMIT {limit}')]
    except sqlite3.Error as exc:
        report.problems.append(f"{table} could not be read ({exc}); nothing was copied from it")
        return []
    rows = []
    for rowid in rowids:
        try:
            rows += conn.execute(f'SELECT {cols} FROM "{table}" WHERE rowid = ?', [rowid]).fetchall()
        except sqlite3.Error:
            report.problems.append(f"{_where(conn, table, rowid)}: its value in '{source.name}' is larger than "
                                   f"{guard.MAX_VALUE_BYTES >> 20} MB, more than any field can hold; left out")
    return rows


def _where(conn, table: str, rowid: int) -> str:
    """The field path of a row of the values or rows table (its table and rowid otherwise)."""
    try:
        step, field_ = conn.execute(f'SELECT step, field FROM "{table}" WHERE rowid = ?', [rowid]).fetchone()
        return ".".join(x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x) for x in (step, field_))
    except (sqlite3.Error, TypeError, ValueError):  # no such columns, or a value too big there too
        return f"{table} row {rowid}"


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value if isinstance(value, str) else None


def _json(value: Any) -> tuple[bool, Any]:
    text = _text(value)
    if text is None:
        return False, None
    try:
        return True, loads_json(text)
    except ValueError:
        return False, None


def _document(forms: FormSet, raw: dict[str, list[tuple]], report: CleanCopyReport) -> tuple[dict, dict]:
    meta = {}
    for key, value in raw.get("project_meta", []):
        k, v = _text(key), _text(value)
        if k in ("uuid", "title", "created", "modified") and v is not None:
            meta[k] = v
    data: dict[str, dict[str, Any]] = {}
    fields = {f.path: f for f in forms.all_fields()}
    for step, fld, value in raw.get("field_values", []):
        path = f"{_text(step)}.{_text(fld)}"
        f = fields.get(path)
        ok, v = _json(value)
        if f is None or f.is_table:
            report.problems.append(f"{path}: not a field of this version; left out")
        elif not ok:
            report.problems.append(f"{path}: the stored value is not readable JSON text; left out")
        else:
            data.setdefault(f.step_id, {})[f.id] = v
    ids: dict[str, list[str]] = {}
    for entry in raw.get("table_rows", []):
        step, fld, _position, cells = entry[:4]
        path = f"{_text(step)}.{_text(fld)}"
        f = fields.get(path)
        ok, v = _json(cells)
        if f is None or not f.is_table:
            report.problems.append(f"{path}: not a table of this version; a row was left out")
            continue
        if not ok or not isinstance(v, dict):
            report.problems.append(f"{path}: a row is not readable; it was left out")
            continue
        if not v:
            continue
        data.setdefault(f.step_id, {}).setdefault(f.id, []).append(v)
        rid = _text(entry[4]) if len(entry) > 4 else None
        ids.setdefault(path, []).append(rid or "")
    status = {}
    for code, st, note in raw.get("section_status", []):
        c, s, n = _text(code), _text(st), _text(note)
        if c and s in SECTION_STATUSES:
            status[c] = {"status": s, "note": n or ""}
    ids = {p: v for p, v in ids.items() if all(v) and len(set(v)) == len(v)}
    doc = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "project": meta, "data": data,
           "section_status": status}
    figures = _figures(raw)
    if figures:
        doc["figures"] = figures
    return doc, ids


def _figures(raw: dict[str, list[tuple]]) -> list[dict]:
    """The figures of a refused file as interchange entries (checked by the caller like any import)."""
    images = {}
    for digest, kind, data in raw.get("figure_images", []):
        if isinstance(data, bytes) and _text(digest):
            images[_text(digest)] = data
    out = []
    for fid, target, _position, caption, alt, name, image in raw.get("figures", []):
        data = images.get(_text(image) or "")
        if data is None:
            continue
        out.append({"id": _text(fid) or "", "target": _text(target) or "", "caption": _text(caption) or "",
                    "alt": _text(alt) or "", "name": _text(name) or "",
                    "data": base64.b64encode(data).decode("ascii")})
    return out


def _row_count(doc: dict, path: str) -> int:
    step, _, fld = path.partition(".")
    rows = doc["data"].get(step, {}).get(fld)
    return len(rows) if isinstance(rows, list) else -1


def _drop(doc: dict, problem: str) -> None:
    """Remove the value a check_document problem names (`$.data.step.field[...]...: sentence`)."""
    where = problem.split(":", 1)[0]
    if not where.startswith("$.data."):
        if where.startswith("$.project"):
            doc["project"] = {}
        elif where.startswith("$.section_status"):
            doc["section_status"] = {}
        return
    path = where[len("$.data."):]
    step, _, rest = path.partition(".")
    fld = rest.split("[", 1)[0].split(".", 1)[0]
    values = doc["data"].get(step, {})
    if "[" in rest:
        index = int(rest.split("[", 1)[1].split("]", 1)[0])
        rows = values.get(fld)
        column = rest.split("].", 1)[1] if "]." in rest else None
        if isinstance(rows, list) and index < len(rows):
            if column and isinstance(rows[index], dict):
                rows[index].pop(column, None)
            else:
                rows[index] = {}
        return
    values.pop(fld, None)


def restore_backup(backup: str | Path, target: str | Path, forms: FormSet) -> Path:
    """Restore `backup` as `target`. The backup is checked first (it must open as a project); a `target` open in
    another window is never replaced; the current `target`, if it is a readable project, is backed up first
    (so a restore can itself be undone). Returns `target`."""
    from atmp_desktop.store.project_file import ProjectFile, _build_file
    backup, target = Path(backup), Path(target)
    if target.exists() and backup.resolve() == target.resolve():
        raise ProjectFileError("a backup cannot be restored onto itself; choose another target file.")
    with ProjectFile.open(backup, forms, read_only=True) as source:
        lock = locking.acquire(target, shared_in_process=False)
        try:
            if target.exists():
                try:
                    with ProjectFile.open(target, forms, read_only=True) as current:
                        _backups.make_backup(current._conn, target, "restore", current.meta().get("uuid"),
                                             _dt.datetime.now())
                except ProjectFileError:
                    pass  # the current file is unreadable: nothing worth keeping
            _build_file(target, source._copy_into)
        finally:
            locking.release(lock)
    return target
