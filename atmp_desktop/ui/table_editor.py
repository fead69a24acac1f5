"""The table field editor: rows in a QTableView with typed cell editors, row commands and spreadsheet paste.

Every change is written as row operations on the store's stable row ids (a cell edit writes that one cell,
a move changes positions only), in one transaction and one undo step with a readable label ("paste into
Manufacturing sites"). A freshly added blank row lives only in the view (it has no id) until a cell in it is
filled; a row whose last cell is cleared is removed from the file and stays on screen as such a blank row.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QFontMetrics, QGuiApplication, QKeySequence, QRegion, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QStyledItemDelegate,
    QTableView, QVBoxLayout,
)

from atmp_desktop.core.forms import Field
from atmp_desktop.core.refs import ref_choices, ref_for_text, ref_label
from atmp_desktop.core.values import FieldValueError, format_value, normalise, parse_text
from atmp_desktop.store import DeleteRows, InsertRows, MoveRows, SetCell, SetRow
from atmp_desktop.store.rows import new_row_id
from atmp_desktop.ui.fields import EMPTY, DateFormat, FieldEditor, date_line
from atmp_desktop.ui.style import role
from atmp_desktop.ui.errors import qt_safe

_DISPLAY, _EDIT, _TIP = Qt.DisplayRole.value, Qt.EditRole.value, Qt.ToolTipRole.value


class RowsModel(QAbstractTableModel):
    """The rows of one table field and their store ids (None: a blank row shown only here). A typed cell is
    reported through `cell_changed(row, column id)`, a value that does not fit through `error`."""
    cell_changed = Signal(int, str)
    error = Signal(str)

    def __init__(self, field: Field, parent=None):
        super().__init__(parent)
        self.field = field
        self.rows: list[dict] = []
        self.ids: list[str | None] = []
        self.read_only = False
        self.snap = None  # the snapshot the rows came from: ref columns show the referenced rows by name

    @qt_safe(0)
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    @qt_safe(0)
    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.field.columns)

    @qt_safe(fallback=QAbstractTableModel.headerData)
    def headerData(self, section, orientation, role=_DISPLAY):
        role = int(role) if not isinstance(role, int) else role
        if role not in (_DISPLAY, _TIP):
            return None  # Qt asks for many roles per paint; answer the rest cheaply
        if orientation != Qt.Horizontal:
            return str(section + 1) if role == _DISPLAY else None
        col = self.field.columns[section]
        if role == _DISPLAY:
            return col.label + (" *" if col.required else "")
        return col.help or col.label

    @qt_safe()
    def data(self, index, role=_DISPLAY):
        role = int(role) if not isinstance(role, int) else role
        if role not in (_DISPLAY, _EDIT, _TIP) or not index.isValid():
            return None
        col = self.field.columns[index.column()]
        value = self.rows[index.row()].get(col.id)
        if role == _EDIT:
            return value
        text = ref_label(self.snap, col, value) if col.type == "ref" and self.snap is not None \
            else format_value(col, value)
        return text if role == _DISPLAY else (text or col.label)

    @qt_safe(fallback=QAbstractTableModel.flags)
    def flags(self, index):
        base = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        return base if self.read_only else base | Qt.ItemIsEditable

    @qt_safe(False)
    def setData(self, index, value, role=Qt.EditRole):
        if role != Qt.EditRole or not index.isValid():
            return False
        col = self.field.columns[index.column()]
        try:
            if isinstance(value, str) and col.type == "date":
                new = DateFormat.current().parse(value)  # ISO or the locale's form, never a guessed date
            else:
                new = parse_text(col, value) if isinstance(value, str) else normalise(col, value)
        except FieldValueError as exc:
            self.error.emit(f"Row {index.row() + 1}: {exc}")
            return False
        r = index.row()
        if self.rows[r].get(col.id) == new:
            return False
        row = dict(self.rows[r])  # rows are shared with the snapshot: replace, never change in place
        if new is None:
            row.pop(col.id, None)
        else:
            row[col.id] = new
        self.rows[r] = row
        self.dataChanged.emit(index, index)
        self.cell_changed.emit(r, col.id)
        return True

    # -- row operations used by the editor
    def load(self, rows: list[dict], ids) -> None:
        self.beginResetModel()
        self.rows = list(rows)  # cell dicts are replaced, never changed in place, so they can be shared
        self.ids = list(ids) if ids else [None] * len(self.rows)
        self.endResetModel()

    def stored(self) -> list[dict] | None:
        """What is in the project: the non-empty rows, in order."""
        return [dict(r) for r in self.rows if r] or None

    def shows(self, rows: list[dict], ids) -> bool:
        """Whether the stored rows of this model are exactly `rows` with `ids` (no copies made). Compared as
        whole lists: the comparison runs in C and skips rows that are the very same objects as the
        snapshot's, so an unchanged 30,000-row table is checked in well under a millisecond (a Python loop
        over the rows took ~25 ms, on every edit of a table this one refers to)."""
        if len(self.ids) == len(ids) and self.rows == rows and tuple(self.ids) == tuple(ids):
            return True
        kept = [i for i, rid in enumerate(self.ids) if rid is not None]
        return (len(kept) == len(rows) and tuple(self.ids[i] for i in kept) == tuple(ids)
                and [self.rows[i] for i in kept] == rows)

    def stored_index(self, view_row: int) -> int:
        """Where a view row sits among the stored rows (blank view-only rows do not count)."""
        return sum(1 for rid in self.ids[:view_row] if rid is not None)


class CellDelegate(QStyledItemDelegate):
    """Typed editors inside cells: drop-downs for choices and yes/no; dates, numbers and amounts are typed as
    text and read the way the column expects (a problem is shown under the table, the cell is unchanged)."""

    def __init__(self, field: Field, parent=None):
        super().__init__(parent)
        self.field = field

    def _col(self, index) -> Field:
        return self.field.columns[index.column()]

    @qt_safe()
    def createEditor(self, parent, option, index):
        col = self._col(index)
        if col.type in ("choice", "yes_no"):
            box = QComboBox(parent)
            box.addItem(EMPTY, None)
            if col.type == "choice":
                for c in col.choices:
                    box.addItem(c.label, c.value)
            else:
                box.addItem("Yes", True)
                box.addItem("No", False)
            box.setAccessibleName(col.label)
            return box
        if col.type == "ref":  # the referenced rows by name, never their ids
            box = QComboBox(parent)
            box.addItem(EMPTY, None)
            snap = index.model().snap
            for rid, label in (ref_choices(snap, col) if snap is not None else []):
                box.addItem(label, rid)
            box.setAccessibleName(col.label)
            return box
        if col.type == "date":
            return date_line(parent, col.label)
        ed = QLineEdit(parent)  # numbers, amounts and text: typed, read the way the column expects
        ed.setAccessibleName(col.label)
        return ed

    @qt_safe()
    def setEditorData(self, editor, index):
        col = self._col(index)
        value = index.data(Qt.EditRole)
        if isinstance(editor, QComboBox):
            i = editor.findData(value) if value is not None else 0
            editor.setCurrentIndex(max(i, 0))
        else:
            if col.type == "multi_choice" and value:
                editor.setText("; ".join(col.choice_label(v) for v in value))
            elif col.type in ("quantity", "durations") and value:  # "0, 3, 6 months" reads back the same
                editor.setText(format_value(col, value))
            else:
                editor.setText("" if value is None else str(value))

    @qt_safe()
    def setModelData(self, editor, model, index):
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.EditRole)
        else:
            model.setData(index, editor.text(), Qt.EditRole)


class RowsView(QTableView):
    """A QTableView whose cell edits repaint only what they change. Qt's item view repaints its whole viewport
    whenever it gains the focus (an active view draws its selection in other colours), and the focus comes
    back to the view from its cell editor at the end of every cell edit: at car-t the glossary's 27 rows of
    wrapped text took 5.5 ms of a cell edit's 10 ms of CPU. Then only the current cell, the selection and the
    frame are repainted (the closed editor's area is repainted by Qt as it goes)."""
    _closing_editor = False

    @qt_safe()
    def closeEditor(self, editor, hint):
        self._closing_editor = True
        try:
            super().closeEditor(editor, hint)
        finally:
            self._closing_editor = False

    @qt_safe()
    def focusInEvent(self, event):
        current = self.currentIndex()
        if not self._closing_editor or not current.isValid():
            super().focusInEvent(event)
            return
        # what QAbstractItemView::focusInEvent does for a valid current cell, with a smaller repaint
        self.setAttribute(Qt.WA_InputMethodEnabled, bool(current.flags() & Qt.ItemIsEditable))
        viewport = self.viewport()
        viewport.update(self.visualRect(current))
        viewport.update(self.visualRegionForSelection(self.selectionModel().selection()))
        self.update(QRegion(self.rect()).subtracted(QRegion(viewport.geometry())))
        event.accept()


class TableEditor(FieldEditor):
    """Rows editor for a table field. `row_edits(path, operations, label)` carries the store's row operations
    of one user action (SetCell, InsertRows, DeleteRows, MoveRows, SetRow)."""
    row_edits = Signal(str, object, str)

    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.model = RowsModel(field, self)
        self.depends_on = tuple(dict.fromkeys(r for c in field.columns for r in c.ref))  # names shown in refs
        self.view = RowsView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(CellDelegate(field, self.view))
        self.view.setAccessibleName(field.label)
        self.view.setSelectionBehavior(QAbstractItemView.SelectItems)
        self.view.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                  | QAbstractItemView.AnyKeyPressed)
        self.view.setTabKeyNavigation(False)  # Tab leaves the table, arrows move between cells
        self.view.setAlternatingRowColors(True)
        # Uniform row heights: nothing measures rows, so a table of thousands of rows builds and scrolls as
        # fast as one of ten. Tables with long text show two wrapped lines; the tooltip has the whole cell.
        lines = 2 if any(c.type == "long_text" for c in field.columns) else 1
        self.view.setWordWrap(lines > 1)
        self.view.setTextElideMode(Qt.ElideRight)
        rows_header = self.view.verticalHeader()
        rows_header.setSectionResizeMode(QHeaderView.Fixed)
        rows_header.setDefaultSectionSize(QFontMetrics(self.view.font()).lineSpacing() * lines + 10)
        self._size_columns()
        self._fit_height()
        self.model.cell_changed.connect(self._cell_written)
        self.model.error.connect(self.show_error)
        self.model.modelReset.connect(self._fit_height)  # covers load() and paste
        self.model.rowsInserted.connect(self._fit_height)
        self.model.rowsRemoved.connect(self._fit_height)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        role(self.message, "error")
        self.message.hide()

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        self.add_button = self._button("Add row", "Add an empty row at the end", self.add_row)
        self.remove_button = self._button("Remove row", "Remove the selected rows", self.remove_rows)
        self.up_button = self._button("Move up", "Move the selected row up", lambda: self.move_row(-1))
        self.down_button = self._button("Move down", "Move the selected row down", lambda: self.move_row(1))
        self.paste_button = self._button("Paste", "Paste cells copied from a spreadsheet (Ctrl+V)", self.paste)
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button, self.paste_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        hint = QLabel(f"{len(field.columns)} columns. Double-click or start typing to edit a cell; Ctrl+V pastes "
                      "rows copied from a spreadsheet; Delete clears the selected cells.", self)
        hint.setWordWrap(True)
        role(hint, "hint")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(buttons)
        layout.addWidget(self.view)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        self.setFocusProxy(self.view)

        # Ctrl+C / Ctrl+X / Ctrl+V reach the table through the window's Edit menu (ui/clipboard.py); a
        # shortcut of its own here would make the keys ambiguous and neither would fire
        delete = QShortcut(QKeySequence.Delete, self.view, self.clear_cells)
        delete.setContext(Qt.WidgetShortcut)

    def _button(self, text, tip, slot) -> QPushButton:
        b = QPushButton(text, self)
        b.setToolTip(tip)
        b.setAccessibleName(f"{text} ({self.field.label})")
        b.setAutoDefault(False)
        b.clicked.connect(slot)
        return b

    def _size_columns(self) -> None:
        fm = QFontMetrics(self.view.font())
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.Interactive)
        for i, col in enumerate(self.field.columns):
            chars = col.width or (24 if col.type == "long_text" else 14 if col.type in ("text", "choice") else 11)
            width = max(fm.horizontalAdvance("x" * chars), fm.horizontalAdvance(col.label + " *") + 24)
            header.resizeSection(i, min(width, 360))

    def _fit_height(self, *args) -> None:
        """Show every row up to a limit, so short tables need no inner scrolling (computed, not measured)."""
        n = self.model.rowCount()
        if n == self.__dict__.get("_fitted_rows"):
            return
        self._fitted_rows = n
        row = self.view.verticalHeader().defaultSectionSize()
        header = self.view.horizontalHeader().sizeHint().height()
        scroll = self.view.horizontalScrollBar().sizeHint().height()
        self.view.setFixedHeight(min(max(header + row * max(n, 3) + scroll + 2 * self.view.frameWidth(), 120), 460))

    # -- FieldEditor
    def commit(self) -> None:
        """Write a cell still being edited (before Quit, Close, a step switch, Save As or Undo); every other
        change of a table is written when it is made."""
        editor = self.view.indexWidget(self.view.currentIndex())
        if editor is not None and self.view.state() == QAbstractItemView.EditingState:
            delegate = self.view.itemDelegate()
            delegate.commitData.emit(editor)
            delegate.closeEditor.emit(editor, QStyledItemDelegate.NoHint)

    def _read(self):
        return self.model.stored()

    def _write(self, value):
        self.model.load(list(value or []), None)
        self.message.hide()

    def load_from(self, snap) -> None:
        path = self.field.path
        rows, ids = snap.rows(path), snap.row_ids(path)
        self.model.snap = snap
        if self.depends_on:
            self.view.viewport().update()  # a renamed batch or test shows its new name
        if not self.model.shows(rows, ids):
            self._loading = True
            try:
                self.model.load(rows, ids)
            finally:
                self._loading = False
            self.message.hide()

    def set_value(self, value) -> None:
        self._write(value)

    def focus_target(self):
        return self.view

    def set_read_only(self, read_only):
        self.model.read_only = read_only
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button, self.paste_button):
            b.setEnabled(not read_only)

    def _send(self, ops: list, label: str) -> None:
        if ops and not self._loading:
            self.row_edits.emit(self.field.path, ops, label)

    def _cell_written(self, r: int, column: str) -> None:
        col = self.field.column(column)
        self._send(self._row_ops(r, column), f"edit of {col.label} (row {r + 1} of {self.field.label})")

    def _row_ops(self, r: int, column: str | None = None) -> list:
        """The operations that store view row `r` as it is now (`column`: only that cell changed)."""
        path, rid, row = self.field.path, self.model.ids[r], self.model.rows[r]
        if rid is None:
            if not row:
                return []
            rid = self.model.ids[r] = new_row_id()
            return [InsertRows(path, self.model.stored_index(r), [dict(row)], [rid])]
        if not row:  # its last cell was cleared: the row leaves the file, the blank stays on screen
            self.model.ids[r] = None
            return [DeleteRows(path, [rid])]
        if column is not None:
            return [SetCell(path, rid, column, row.get(column))]
        return [SetRow(path, rid, dict(row))]

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- row commands
    def _current_row(self) -> int:
        idx = self.view.currentIndex()
        return idx.row() if idx.isValid() else -1

    def add_row(self) -> None:
        n = self.model.rowCount()
        self.model.beginInsertRows(QModelIndex(), n, n)
        self.model.rows.append({})
        self.model.ids.append(None)
        self.model.endInsertRows()
        self.view.setCurrentIndex(self.model.index(n, 0))
        self.view.setFocus()

    def remove_rows(self) -> None:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()} or
                      ({self._current_row()} - {-1}), reverse=True)
        if not rows:
            self.show_error("Select a row to remove first.")
            return
        gone = [self.model.ids[r] for r in rows if self.model.ids[r] is not None]
        for r in rows:
            self.model.beginRemoveRows(QModelIndex(), r, r)
            del self.model.rows[r]
            del self.model.ids[r]
            self.model.endRemoveRows()
        what = f"row {rows[-1] + 1}" if len(rows) == 1 else f"{len(rows)} rows"
        self._send([DeleteRows(self.field.path, gone[::-1])] if gone else [],
                   f"removal of {what} from {self.field.label}")

    def move_row(self, delta: int) -> None:
        r = self._current_row()
        target = r + delta
        if r < 0 or not 0 <= target < self.model.rowCount():
            return
        m = self.model
        was = m.stored_index(r)
        m.rows[r], m.rows[target] = m.rows[target], m.rows[r]
        m.ids[r], m.ids[target] = m.ids[target], m.ids[r]
        m.dataChanged.emit(m.index(min(r, target), 0), m.index(max(r, target), m.columnCount() - 1))
        self.view.setCurrentIndex(m.index(target, max(self.view.currentIndex().column(), 0)))
        rid = m.ids[target]
        if rid is not None and m.stored_index(target) != was:  # positions change, cells are not rewritten
            # (a stored row moved past a blank on-screen row keeps its place in the file: nothing to undo)
            self._send([MoveRows(self.field.path, [rid], m.stored_index(target))],
                       f"move of row {r + 1} in {self.field.label}")

    def clear_cells(self) -> None:
        if self.model.read_only:
            return
        by_row: dict[int, list[str]] = {}
        for idx in self.view.selectionModel().selectedIndexes():
            col = self.field.columns[idx.column()]
            if col.id in self.model.rows[idx.row()]:
                by_row.setdefault(idx.row(), []).append(col.id)
        if not by_row:
            return
        ops = []
        for r, columns in sorted(by_row.items()):
            self.model.rows[r] = {k: v for k, v in self.model.rows[r].items() if k not in columns}
            ops += self._row_ops(r)
        self.model.dataChanged.emit(self.model.index(min(by_row), 0),
                                    self.model.index(max(by_row), self.model.columnCount() - 1))
        cleared = sum(len(c) for c in by_row.values())
        self._send(ops, f"clearing of {cleared} cell(s) in {self.field.label}")

    def copy_cells(self) -> None:
        """Copy the selected cells as tab-separated text (rows by line), as spreadsheets do."""
        indexes = self.view.selectionModel().selectedIndexes() or (
            [self.view.currentIndex()] if self.view.currentIndex().isValid() else [])
        if not indexes:
            return
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        chosen = {(i.row(), i.column()) for i in indexes}
        lines = []
        for r in rows:
            cells = []
            for c in cols:
                col = self.field.columns[c]
                value = self.model.rows[r].get(col.id) if (r, c) in chosen else None
                cells.append(_cell_text(col, value, self.model.snap))
            lines.append(cells)
        from atmp_desktop.ui.clipboard import block_text
        QGuiApplication.clipboard().setText(block_text(lines))

    def cut_cells(self) -> None:
        self.copy_cells()
        self.clear_cells()

    def paste(self) -> None:
        """Paste tab-separated text (as copied from Excel or LibreOffice) from the current cell on."""
        if self.model.read_only:
            return
        text = QGuiApplication.clipboard().text()
        problems = self.paste_text(text)
        self.show_error(problems)

    def paste_text(self, text: str) -> str:
        """Returns a description of the cells that could not be pasted ('' when all went in)."""
        from atmp_desktop.ui.clipboard import cells_of
        lines = cells_of(text)
        if not lines:
            return "The clipboard holds no text to paste."
        idx = self.view.currentIndex()
        start_row = idx.row() if idx.isValid() else self.model.rowCount()
        start_col = idx.column() if idx.isValid() else 0
        ncols = len(self.field.columns)
        problems: list[str] = []
        m = self.model
        first_new = m.rowCount()
        touched: list[int] = []
        for i, line in enumerate(lines):
            r = start_row + i
            while r >= len(m.rows):
                m.rows.append({})
                m.ids.append(None)
            row = dict(m.rows[r])
            for j, cell in enumerate(line):
                c = start_col + j
                if c >= ncols:
                    if cell.strip():
                        problems.append(f"row {r + 1}: '{cell.strip()[:30]}' is beyond the last column")
                    continue
                col = self.field.columns[c]
                try:
                    value = self._ref_value(col, cell) if col.type == "ref" else parse_text(col, cell)
                except FieldValueError as exc:
                    problems.append(f"row {r + 1}: {exc}")
                    continue
                if value is None:
                    row.pop(col.id, None)
                else:
                    row[col.id] = value
            if row != m.rows[r]:
                m.rows[r] = row
                touched.append(r)
        if m.rowCount() > first_new:  # tell the view about the rows the paste added
            added = m.rowCount() - first_new
            new_rows, new_ids = m.rows[first_new:], m.ids[first_new:]
            del m.rows[first_new:], m.ids[first_new:]
            m.beginInsertRows(QModelIndex(), first_new, first_new + added - 1)
            m.rows += new_rows
            m.ids += new_ids
            m.endInsertRows()
        if touched:
            m.dataChanged.emit(m.index(min(touched), 0), m.index(max(touched), m.columnCount() - 1))
        ops = [op for r in touched for op in self._row_ops(r)]
        self.view.setCurrentIndex(m.index(start_row, start_col))
        self._send(ops, f"paste into {self.field.label}")
        if not problems:
            return ""
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        return f"{len(problems)} cell(s) could not be pasted and were left unchanged: {shown}."

    def _ref_value(self, col: Field, text: str):
        """A pasted name (or id) in a ref column as the id of the row it names."""
        if not text.strip():
            return None
        rid = ref_for_text(self.model.snap, col, text) if self.model.snap is not None else None
        if rid is None:
            raise FieldValueError(f"{col.label}: no single row is named '{text.strip()[:40]}'")
        return rid

    def select_cell(self, row: int, column_id: str | None) -> None:
        col = 0
        if column_id:
            col = next((i for i, c in enumerate(self.field.columns) if c.id == column_id), 0)
        if 0 <= row < self.model.rowCount():
            idx = self.model.index(row, col)
            self.view.setCurrentIndex(idx)
            self.view.scrollTo(idx)
        self.view.setFocus()


def _cell_text(col: Field, value, snap=None) -> str:
    """A cell as text that paste_text reads back as the same value."""
    if value is None:
        return ""
    if col.type == "ref" and snap is not None:
        return ref_label(snap, col, value)
    if col.type == "multi_choice":
        return "; ".join(col.choice_label(v) for v in value)
    if col.type == "yes_no":
        return "yes" if value else "no"
    if col.type in ("choice", "quantity", "durations"):
        return format_value(col, value)
    return str(value).replace("\t", " ").replace("\n", " ")
