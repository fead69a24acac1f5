"""What one user action changed: the change set the window refreshes from (cf. Anki's `OpChanges`).

Every write of the store (`ProjectFile.apply`, `undo`, `redo`, `set_section_status`, and any later action such
as a merge or a restore) returns a `ChangeSet`, or None when nothing changed. The window updates only what a
change set names: the editors of those fields and tables, the navigator counts of their steps and the
section-dock rows of their CTD sections. `everything` asks for a full reload (restore, merge, a file changed
under us by another program).
"""
from __future__ import annotations

from dataclasses import field
from typing import Mapping

from atmp_desktop.core.records import record


@record(frozen=True)
class RowChanges:
    """What changed inside one table. Row ids are the store's stable ids; `whole` means reload the table."""
    changed: frozenset[str] = frozenset()    # rows whose cells changed
    inserted: tuple[str, ...] = ()           # new rows, in table order
    deleted: frozenset[str] = frozenset()    # removed rows
    moved: bool = False                      # the order of rows changed
    whole: bool = True                       # replaced wholesale (no row-level detail)


@record(frozen=True)
class ChangeSet:
    label: str                                              # the undo step's name ("edit of Shelf life")
    fields: frozenset[str] = frozenset()                    # scalar field paths ("quality.shelf_life")
    tables: Mapping[str, RowChanges] = field(default_factory=dict)  # table field path -> row changes
    sections: frozenset[str] = frozenset()                  # CTD codes whose writer status or note changed
    meta: bool = False                                      # project title or other metadata
    review: frozenset[str] = frozenset()                    # review targets whose status changed (core.review)
    comments: frozenset[str] = frozenset()                  # field paths whose review comments changed
    figures: frozenset[str] = frozenset()                   # targets (field path / 'heading:<key>') whose figures changed
    notice: str = ""                                        # a sentence for the user (approvals reset by it)
    everything: bool = False                                # reload the whole window
    kind: str = "edit"                                      # edit / undo / redo / external

    @property
    def paths(self) -> frozenset[str]:
        """Every field path (scalar or table) this change touched."""
        return self.fields | frozenset(self.tables)

    @property
    def steps(self) -> frozenset[str]:
        return frozenset(p.split(".", 1)[0] for p in self.paths)

    def first_path(self) -> str | None:
        """The field to show the user after an undo or redo (the first one the action named)."""
        for p in sorted(self.paths):
            return p
        return None
