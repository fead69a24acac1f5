"""The "Add the ATMP starter set" button under the glossary table (step References and abbreviations).

One click = one action = one undo step: the starter abbreviations the glossary lacks are appended (the writer's
own rows are never changed); entries whose expansion varies carry their certainty tag and a note in the "Note
for the writer" column, which is never printed in the dossier. Installed by `decorate(window, page)` when the
window builds a step page.
"""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from atmp_desktop.core.glossary import GLOSSARY, starter_entries, starter_rows
from atmp_desktop.store.rows import InsertRows, new_row_id


def decorate(w, page) -> None:
    """Add the button below the glossary editor of the References page (other pages are left alone)."""
    editor = page.editors.get(GLOSSARY)
    if editor is None:
        return
    row = editor.parentWidget()
    bar = QWidget(row)
    layout = QHBoxLayout(bar)
    layout.setContentsMargins(0, 2, 0, 0)
    button = QPushButton(f"Add the ATMP starter set ({len(starter_entries())} terms)", bar)
    button.setObjectName("glossary_starter")
    button.setToolTip("Adds the common ATMP abbreviations the glossary does not have yet (one undo step). "
                      "Entries whose expansion varies get a note to check; documents list only the "
                      "abbreviations they use.")
    button.clicked.connect(lambda: adopt(w))
    layout.addWidget(button)
    layout.addStretch(1)
    row.layout().addWidget(bar)
    page.glossary_starter = button


def adopt(w) -> int:
    """Append the missing starter entries to the glossary; returns how many were added."""
    if w.project is None:
        return 0
    if w.project.read_only:
        w.status.showMessage("The project is open read-only; the glossary was not changed.", 6000)
        return 0
    existing = w.snap.rows(GLOSSARY) if w.snap is not None else []
    rows = starter_rows(existing)
    if not rows:
        w.status.showMessage("The glossary already holds every abbreviation of the ATMP starter set.", 6000)
        return 0
    edit = InsertRows(GLOSSARY, len(existing), rows, [new_row_id() for _ in rows])
    w.on_row_edits(GLOSSARY, [edit], f"Add {len(rows)} ATMP starter abbreviations")
    checks = sum(1 for r in rows if r.get("note"))
    w.status.showMessage(f"Added {len(rows)} abbreviations to the glossary ({checks} with a note to check); "
                         f"Undo removes them again.", 8000)
    return len(rows)
