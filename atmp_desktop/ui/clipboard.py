"""Edit ▸ Cut, Copy, Paste, Select All: the menu acts on the focused editor.

Text boxes handle the keys themselves (Qt gives them the shortcut first); the menu entries reach them too, and
in a table they copy or paste cells as tab-separated text, the way spreadsheets exchange them.
"""
from __future__ import annotations

from PySide6.QtWidgets import QApplication, QStackedWidget, QWidget


def _table_of(widget: QWidget | None):
    from atmp_desktop.ui.grid_editor import ResultsEditor
    from atmp_desktop.ui.table_editor import TableEditor
    while widget is not None and not isinstance(widget, (TableEditor, ResultsEditor)):
        widget = widget.parentWidget()
    stack = widget.parentWidget() if isinstance(widget, TableEditor) else None
    if isinstance(stack, QStackedWidget) and isinstance(stack.parentWidget(), ResultsEditor):
        return stack.parentWidget()  # the Rows view of a results sheet: its editor decides
    return widget


def act(window, command: str) -> None:
    """Run `command` (cut, copy, paste, selectAll) on the focused widget of `window`."""
    focused = QApplication.focusWidget()
    table = _table_of(focused)
    if table is not None and focused is table.view:
        {"cut": table.cut_cells, "copy": table.copy_cells, "paste": table.paste,
         "selectAll": table.view.selectAll}[command]()
        return
    method = getattr(focused, command, None)
    if callable(method):
        method()
        return
    window.status.showMessage("Click into a field first: Cut, Copy, Paste and Select All act on the field you "
                              "are in.", 5000)


def cells_of(text: str) -> list[list[str]]:
    """Rows of cells of a block copied from a spreadsheet: tab-separated, one row per line, and a cell that
    holds a line break, a tab or a quote comes quoted as Excel and LibreOffice Calc write it ("a\nb" with
    doubled inner quotes). Trailing empty lines are dropped."""
    import csv
    import io
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if '"' in text:
        rows = list(csv.reader(io.StringIO(text), delimiter="\t", quotechar='"', strict=False))
    else:
        rows = [line.split("\t") for line in text.split("\n")]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return rows


def block_text(rows: list[list[str]]) -> str:
    """The clipboard text of a block of cells, as spreadsheets write it (cells_of reads it back): a cell with a
    line break, a tab or a quote is quoted with its quotes doubled."""
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in '\t\n"') else text
    return "\n".join("\t".join(cell(c) for c in row) for row in rows)
