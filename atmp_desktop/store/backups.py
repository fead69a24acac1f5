"""Rotating backups of project files in the user's data folder (never beside the project).

A backup is made with the SQLite backup API (a consistent copy even while the project is open), written under
a temp name and renamed when complete. Kept: the last 5, one a day for 7 days, one a week for 4 weeks.
Each project file has its own folder, named after the file and a hash of its full path; `source.json` there
records the path and the project uuid, so backups are found even when the project itself cannot be read.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from atmp_desktop.core.paths import user_data_dir
from atmp_desktop.store import guard, tempfiles

KEEP_LAST, KEEP_DAYS, KEEP_WEEKS = 5, 7, 4
EVERY_SECONDS = 600  # a backup every 10 minutes of editing
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6}(?:-\d{6})?)-(?P<reason>[a-z]+)\.atmp$")


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: _dt.datetime      # local time
    reason: str              # open / timer / migration / restore / manual
    size: int

    @property
    def label(self) -> str:
        return f"{self.taken:%Y-%m-%d %H:%M:%S} ({self.reason}, {self.size / 1e6:.1f} MB)"


def backups_root() -> Path:
    return user_data_dir() / "backups"


def folder_for(project: Path) -> Path:
    project = Path(project).resolve()
    digest = hashlib.sha1(str(project).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return backups_root() / f"{project.stem[:40]}-{digest}"


def list_backups(project: Path) -> list[Backup]:
    """The backups of `project`, newest first (its own folder, else any folder recording the same uuid)."""
    folder = folder_for(project)
    return _scan(folder)


def _scan(folder: Path) -> list[Backup]:
    out = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return out
    for p in entries:
        m = _NAME.match(p.name)
        if not m:
            continue
        stamp = m.group("stamp")
        fmt = "%Y%m%d-%H%M%S-%f" if stamp.count("-") == 2 else "%Y%m%d-%H%M%S"
        try:
            taken = _dt.datetime.strptime(stamp, fmt)
            size = p.stat().st_size
        except (ValueError, OSError):
            continue
        out.append(Backup(p, taken, m.group("reason"), size))
    return sorted(out, key=lambda b: b.taken, reverse=True)


def make_backup(conn: sqlite3.Connection, project: Path, reason: str, uuid: str | None = None,
                now: _dt.datetime | None = None) -> Path:
    """Copy the open database `conn` of `project` into its backup folder, then rotate. Raises OSError or
    sqlite3.Error (the caller decides whether that is worth telling the user)."""
    folder = folder_for(project)
    folder.mkdir(parents=True, exist_ok=True)
    tempfiles.cleanup(folder)
    now = now or _dt.datetime.now()
    target = folder / f"{Path(project).stem}-{now:%Y%m%d-%H%M%S-%f}-{reason}.atmp"
    tmp = tempfiles.create_temp(target)
    try:
        dst = sqlite3.connect(tmp)
        try:
            with guard.bounded(conn, 300):
                conn.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    rotate(folder, now)
    return target


def rotate(folder: Path, now: _dt.datetime | None = None) -> list[Path]:
    """Keep the last KEEP_LAST, the newest of each of the last KEEP_DAYS days and of the last KEEP_WEEKS weeks;
    migration and restore backups are kept too (they hold a file as it was before we changed it)."""
    now = now or _dt.datetime.now()
    found = _scan(folder)
    keep = {b.path for b in found[:KEEP_LAST]}
    keep |= {b.path for b in found if b.reason in ("migration", "restore")}
    days: set = set()
    weeks: set = set()
    for b in found:  # newest first, so the first seen of a day or week is its newest
        day = b.taken.date()
        if (now.date() - day).days < KEEP_DAYS and day not in days:
            days.add(day)
            keep.add(b.path)
        week = day.isocalendar()[:2]
        if (now.date() - day).days < KEEP_WEEKS * 7 and week not in weeks:
            weeks.add(week)
            keep.add(b.path)
    removed = []
    for b in found:
        if b.path not in keep:
            try:
                b.path.unlink()
                removed.append(b.path)
            except OSError:
                pass
    return removed


def last_backed_up(project: Path) -> str | None:
    """The project's `modified` time at its newest backup (so an unchanged project is not backed up again)."""
    try:
        return json.loads((folder_for(project) / "source.json").read_text(encoding="utf-8")).get("modified")
    except (OSError, ValueError, AttributeError):
        return None


def note_backed_up(project: Path, uuid: str | None, modified: str | None) -> None:
    source = folder_for(project) / "source.json"
    info = {"path": str(Path(project).resolve()), "uuid": uuid, "modified": modified}
    tmp = tempfiles.temp_path(source)
    tmp.write_text(json.dumps(info), encoding="utf-8")
    tmp.replace(source)
