"""File > Send a Copy: a clean copy of the open project for e-mail.

The copy
- is a fresh, compacted database (backup API, then VACUUM): no free pages holding deleted text, no journal, no lock;
- has no undo history (the recipient's Edit > Undo must not take back the sender's edits, and old values
  must not travel in it);
- has no local paths: absolute paths in the audit log, milestone notes and project details are replaced by
  the file name;
- optionally has no user names in the audit log and as milestone authors ("user 1", "user 2", … in order of
  first appearance); review status and comment authors are kept, since reviewers need to know who said what;
- and shares a milestone with the open project ("sent as 'NAME' on DATE"), made in both files, so the copy
  that comes back can be merged three-way from that point.
The copy is built under a temp name, checked (quick_check, then opened through the store's gate) and only
then renamed into place.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from atmp_desktop.store import figures, locking, tempfiles
from atmp_desktop.store.errors import ProjectFileError

# absolute paths: /home/…, /Users/…, C:\…, \\server\share\…, ~/…
_PATH = re.compile(r"(?:(?<![\w.])/(?:home|Users|mnt|media|tmp|var|srv|opt|root|Volumes|private)/[^\s'\",;]+"
                   r"|\b[A-Za-z]:\\[^\s'\",;]+|\\\\[^\s'\",;\\]+\\[^\s'\",;]+|~/[^\s'\",;]+)")


@dataclass
class SentCopy:
    path: Path
    milestone: str
    names_removed: int
    paths_removed: int


def strip_paths(text: str) -> tuple[str, int]:
    """`text` with every absolute path replaced by its last part (the file name)."""
    n = 0

    def repl(m):
        nonlocal n
        n += 1
        return re.split(r"[\\/]", m.group(0).rstrip("\\/"))[-1] or "[path removed]"
    return _PATH.sub(repl, text), n


def send_copy(pf, target: str | Path, remove_names: bool = False) -> SentCopy:
    """Write the clean copy of `pf` to `target` (see the module docstring). `target` must not be open anywhere
    (its lock is taken while it is written) and must not be the project itself."""
    target = Path(target)
    if target.suffix != ".atmp":
        raise ProjectFileError(f"project files end in .atmp; use '{target.with_suffix('.atmp').name}'.")
    if target.exists() and target.resolve() == Path(pf.path).resolve():
        raise ProjectFileError("the copy must be a new file, not the project that is open.")
    if not target.parent.is_dir():
        raise ProjectFileError(f"the folder '{target.parent}' does not exist.")
    date = _dt.date.today().isoformat()
    name = f"sent as '{target.name}' on {date}"
    if not pf.read_only:
        pf.create_milestone(name, kind="auto")
    lock = locking.acquire(target)
    tmp = tempfiles.create_temp(target)
    try:
        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            with pf._reading(seconds=120):
                pf._conn.backup(dst)
        finally:
            dst.close()
        names, paths = _clean(tmp, remove_names)
        os.chmod(tmp, tempfiles.user_mode())
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as exc:
        for p in (tmp, tmp.with_name(tmp.name + "-journal")):
            p.unlink(missing_ok=True)
        raise ProjectFileError(f"the copy '{target.name}' could not be written ({exc}); nothing was replaced.") \
            from None
    finally:
        locking.release(lock)
    from atmp_desktop.store.project_file import ProjectFile
    ProjectFile.open(target, pf.forms, read_only=True).close()  # it passes our own gate
    return SentCopy(target, name if not pf.read_only else "", names, paths)


def _clean(path: Path, remove_names: bool) -> tuple[int, int]:
    """Scrub our own freshly made copy (trusted: we just wrote it). Returns (names replaced, paths removed)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA trusted_schema = ON")  # our own copy, just checked by the gate it came through
        conn.execute("BEGIN")
        conn.execute("DELETE FROM undo_steps")
        figures.collect_unused(conn)  # images only the sender's undo history still needed do not travel
        paths = 0
        for table, key, cols in (("audit_log", "id", ("old_value", "new_value")), ("milestones", "id", ("note",)),
                                 ("project_meta", "key", ("value",))):
            for row in conn.execute(f"SELECT {key}, {', '.join(cols)} FROM {table}").fetchall():
                new = []
                changed = False
                for v in row[1:]:
                    if isinstance(v, str):
                        s, n = strip_paths(v)
                        paths += n
                        changed |= n > 0
                        new.append(s)
                    else:
                        new.append(v)
                if changed:
                    if table == "audit_log":
                        _without_audit_triggers(conn, lambda: conn.execute(
                            "UPDATE audit_log SET old_value = ?, new_value = ? WHERE id = ?", [*new, row[0]]))
                    else:
                        conn.execute(f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in cols)} WHERE {key} = ?",
                                     [*new, row[0]])
        names = 0
        if remove_names:
            seen: dict[str, str] = {}
            users = [r[0] for r in conn.execute("SELECT user FROM audit_log ORDER BY id").fetchall()] + \
                [r[0] for r in conn.execute("SELECT author FROM milestones ORDER BY created").fetchall()]
            for u in users:
                if u not in seen:
                    seen[u] = f"user {len(seen) + 1}"
            if seen:
                def rename():
                    for u, alias in seen.items():
                        conn.execute("UPDATE audit_log SET user = ? WHERE user = ?", [alias, u])
                _without_audit_triggers(conn, rename)
                for u, alias in seen.items():
                    conn.execute("UPDATE milestones SET author = ? WHERE author = ?", [alias, u])
                names = len(seen)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("VACUUM")  # no free page keeps deleted text
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("the copy did not read back correctly")
        return names, paths
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def _without_audit_triggers(conn: sqlite3.Connection, work) -> None:
    """The audit log refuses changes (triggers); a clean copy may rewrite it. The triggers are dropped and made
    again from their own stored text, so the copy's schema stays exactly ours."""
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
                            ).fetchall()
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    work()
    for _name, sql in triggers:
        conn.execute(sql)
