"""Writing what the importers planned (core.import_docx, core.import_table): each import is one undoable action
with an audit entry naming the file (its name only, never its local path)."""
from __future__ import annotations

from pathlib import Path

from atmp_desktop.core.changes import ChangeSet
from atmp_desktop.core.import_docx import Proposal, edits_for
from atmp_desktop.store.rows import DeleteRows, InsertRows


def import_narrative(pf, proposals: list[Proposal], source: str | Path) -> ChangeSet | None:
    """Write the ticked proposals of a Word draft import."""
    edits = edits_for(proposals)
    if not edits:
        return None
    name = Path(source).name
    codes = ", ".join(p.section.code for p in proposals if p.chosen and p.path)
    return pf.run_action(edits, label=f"import of {name}", audit_action="import",
                         note=f"imported {len(edits)} section(s) from the Word draft '{name}' ({codes})")


def import_rows(pf, table_path: str, rows: list[dict], source: str | Path, replace: bool = False
                ) -> ChangeSet | None:
    """Append `rows` to the table (or, with `replace`, put them in place of its rows)."""
    if not rows and not replace:
        return None
    current = pf.snapshot().row_ids(table_path)
    edits = []
    if replace and current:
        edits.append(DeleteRows(table_path, tuple(current)))
    edits.append(InsertRows(table_path, 0 if replace else len(current), [dict(r) for r in rows]))
    name = Path(source).name
    label = pf.forms.field(table_path).label
    return pf.run_action(edits, label=f"import of {len(rows)} row(s) into {label}", audit_action="import",
                         note=f"{'replaced the rows of' if replace and current else 'added'} {label} with {len(rows)} "
                              f"row(s) from '{name}'")
