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
