"""`ProjectStore`: what the window and the command line need from wherever a project is kept.

`ProjectFile` (one SQLite file on the user's disk) is the only implementation today. A server-backed store
for teams (PostgreSQL, several writers at once) would implement the same methods, so the window, the CLI,
compare, merge and the reviewer bundle work on it unchanged. Rules every implementation keeps:

- one user action = one transaction = one undo step, returning a ChangeSet (None when nothing changed);
- `snapshot()` is an immutable ProjectSnapshot, cheap to call after every edit;
- errors are ProjectFileError with one sentence a user can act on;
- with `commit_behind` set (the window), an action returns before it is durable: `saving` says so, `on_saved`
  is called (on any thread) when it is, `wait_saved()` waits for it, and a commit that failed leaves the project
  as the store holds it with the sentence in `take_unsaved()` (an UnsavedChangeError, once);
- watching for changes is polling: `changed_on_disk()` says another writer changed the project since we read
  it, and `reload()` returns the ChangeSet(everything=True, kind="external") the window refreshes from (a server
  store would answer from its change feed instead of a file's data_version).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Protocol, runtime_checkable

from atmp_desktop.core.changes import ChangeSet
from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import ProjectSnapshot


@runtime_checkable
class ProjectStore(Protocol):
    path: Path
    forms: FormSet
    read_only: bool
    read_only_reason: str | None   # why it opened read-only when editing was asked for (a banner says it)
    backup_path: Path | None       # the copy made before an older file was upgraded
    user: str
    commit_behind: bool            # actions return before their commit is durable (the window sets it)
    on_saved: Any                  # called when a commit behind is durable or failed, on the commit's thread

    # ------------------------------------------------------------ open, read
    @classmethod
    def open(cls, path: str | Path, forms: FormSet, read_only: bool = False, break_lock: bool = False,
             defer_rows: bool = False) -> "ProjectStore": ...

    def close(self) -> None: ...

    def meta(self) -> dict[str, str]: ...

    def snapshot(self) -> ProjectSnapshot: ...

    @property
    def problems(self) -> tuple[tuple[str, str], ...]: ...

    def audit_entries(self, limit: int | None = None) -> list[dict]: ...

    # ------------------------------------------------------------ change: one action each
    def apply(self, edits: Iterable[Any], label: str | None = None) -> ChangeSet | None: ...

    def run_action(self, edits: Iterable[Any] = (), label: str | None = None, extra: Iterable[tuple] = (),
                   audit_action: str = "edit", note: str | None = None) -> ChangeSet | None: ...

    def set_value(self, path: str, value: Any, label: str | None = None) -> ChangeSet | None: ...

    def set_cell(self, path: str, row_id: str, column: str, value: Any, label: str | None = None
                 ) -> ChangeSet | None: ...

    def insert_rows(self, path: str, index: int, rows: list[dict], label: str | None = None) -> ChangeSet | None: ...

    def delete_rows(self, path: str, row_ids: Iterable[str], label: str | None = None) -> ChangeSet | None: ...

    def move_rows(self, path: str, row_ids: Iterable[str], index: int, label: str | None = None
                  ) -> ChangeSet | None: ...

    def set_section_status(self, code: str, status: str, note: str = "") -> ChangeSet | None: ...

    def save_as(self, target: str | Path) -> "ProjectStore": ...

    def undo(self) -> ChangeSet | None: ...

    def redo(self) -> ChangeSet | None: ...

    @property
    def undo_label(self) -> str | None: ...

    @property
    def redo_label(self) -> str | None: ...

    # ------------------------------------------------------------ milestones
    def milestones(self) -> list: ...

    def find_milestone(self, ref: str) -> Any: ...

    def create_milestone(self, name: str, note: str = "", kind: str = "manual") -> Any: ...

    def milestone_snapshot(self, ref: Any) -> ProjectSnapshot: ...

    def restore_milestone(self, ref: Any) -> ChangeSet | None: ...

    def export_milestone(self, ref: Any, target: str | Path, overwrite: bool = False) -> Path: ...

    # ------------------------------------------------------------ review
    def set_review_status(self, target: str, status: str, comment: str = "", reviewer: str | None = None
                          ) -> ChangeSet | None: ...

    def add_comment(self, path: str, body: str, parent: str = "", row_id: str = "") -> ChangeSet | None: ...

    def resolve_comment(self, comment_id: str, resolved: bool = True) -> ChangeSet | None: ...

    def comments(self, path: str | None = None) -> list[dict]: ...

    def review_status(self, target: str) -> dict | None: ...

    # ------------------------------------------------------------ figures (store/figures.py, docs/figures.md)
    def attach_figure(self, target: str, data: bytes, caption: str = "", alt: str = "", name: str = "",
                      label: str | None = None) -> ChangeSet: ...

    def edit_figure(self, figure_id: str, caption: str | None = None, alt: str | None = None,
                    target: str | None = None) -> ChangeSet | None: ...

    def remove_figure(self, figure_id: str) -> ChangeSet | None: ...

    def move_figure(self, figure_id: str, offset: int) -> ChangeSet | None: ...

    # ------------------------------------------------------------ backups (File > Backups)
    def backups(self) -> list: ...

    def backup_if_due(self, background: bool = False) -> None: ...

    def read_rows(self, rows: int = 2000) -> bool: ...  # idle slices after an open with defer_rows (True: more)

    def index_rows(self, rows: int = 10_000) -> bool: ...  # then the row-id lookups a first new row needs (True: more)

    # ------------------------------------------------------------ watch for changes
    def changed_on_disk(self) -> bool: ...

    def reload(self) -> ChangeSet: ...

    # ------------------------------------------------------------ commits behind the window
    @property
    def saving(self) -> bool: ...

    def wait_saved(self) -> None: ...

    def take_unsaved(self) -> Any: ...
