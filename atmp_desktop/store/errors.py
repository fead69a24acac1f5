"""Errors the store raises. Each message is one sentence a user can act on."""
from __future__ import annotations

from pathlib import Path


class ProjectFileError(Exception):
    """The project file cannot be opened or written. The file is left unchanged."""


class ProjectLockedError(ProjectFileError):
    """Another instance has the project open (see `holder`). `can_break` is True when the user may break the
    lock (a lock from another computer, or one that cannot be read): only they know whether it is dead."""

    def __init__(self, message: str, holder: dict, can_break: bool = True):
        super().__init__(message)
        self.holder = holder
        self.can_break = can_break


class ReadOnlyError(ProjectFileError):
    """A write was attempted on a project opened read-only."""


class FileChangedError(ProjectFileError):
    """Another program wrote to (or replaced) the file since we read it; nothing was written. Call
    `ProjectFile.reload()` and let the user make the change again."""


class UnsavedChangeError(ProjectFileError):
    """A change the window already showed could not be committed to the file (its commit runs on a worker thread:
    `ProjectFile.commit_behind`). The transaction was rolled back and the project re-read from the file, so
    memory and file agree again; `change` (a ChangeSet naming everything) is what the window reloads from."""

    def __init__(self, message: str, change):
        super().__init__(message)
        self.change = change


class DamagedFileError(ProjectFileError):
    """SQLite itself cannot read the file (quick_check failed or the database is malformed). The message offers
    the backups of this project."""

    def __init__(self, path: Path, detail: str = ""):
        self.path = Path(path)
        from atmp_desktop.store.backups import list_backups  # lazy: backups imports the store
        try:
            found = list_backups(self.path)
        except Exception:  # listing backups must never hide the real problem
            found = []
        offer = (f"restore one of its {len(found)} backups (atmp-desktop backups '{self.path.name}' lists them; "
                 "in the window: File > Backups)" if found else
                 "restore it from a backup or ask the sender for a new copy")
        what = "truncated or damaged" if "truncated" in detail else "damaged"
        super().__init__(f"'{self.path.name}' is {what} and cannot be read {detail}; {offer}.".replace("  ", " "))
        self.backups = found


class ForeignSchemaError(ProjectFileError):
    """The file holds database objects this version does not create (or lacks some it does): tables, views,
    triggers or indexes put there by another program. It is not opened, so nothing in it runs; a clean copy
    (store.clean_copy) reads its values through strict checks into a fresh file."""

    def __init__(self, path: Path, foreign: list[str], missing: list[str]):
        self.path = Path(path)
        self.foreign, self.missing = foreign, missing
        what = ", ".join((foreign or missing)[:3]) + (" ..." if len(foreign or missing) > 3 else "")
        kind = "contains database objects this app did not create" if foreign else "lacks parts of a project file"
        super().__init__(
            f"'{self.path.name}' {kind} ({what}), so it is not opened and nothing in it can run; make a clean copy "
            f"(atmp-desktop clean-copy '{self.path.name}' --to NEW.atmp, or Make a clean copy in the window) to "
            "work with its values.")


class OversizedValueError(ProjectFileError):
    """One stored value is larger than any project field can hold (a careless tool, or a file made to exhaust
    memory). The file is not opened; a clean copy (store.clean_copy) keeps everything else."""

    def __init__(self, path: Path, limit_mb: int):
        self.path = Path(path)
        self.problem = f"holds a value larger than {limit_mb} MB, more than any project field can hold"
        super().__init__(
            f"'{self.path.name}' {self.problem}, so it is not opened; make a clean copy (atmp-desktop clean-copy "
            f"'{self.path.name}' --to NEW.atmp, or Make a clean copy in the window) to keep everything else.")
