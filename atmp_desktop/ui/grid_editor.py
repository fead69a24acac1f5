"""Spreadsheet sheets for the results tables the forms mark `editor:` (docs/batch-and-stability.md).

- `batch_grid` (quality.batch_results): tests of the DS or DP specification as rows, batches as columns;
- `stability_grid` (quality.stability_results): one sheet per study, tests as rows, time points as columns.
The acceptance criterion stands beside each test (read-only). A cell is one result row (batch or study and
time point × test), typed as "91 %", "< 0.5 EU/mL" or "Conforms" and split into result, unit and result type
by core.quantity. Keys work as in a spreadsheet: arrows, Tab / Shift+Tab, Enter moves down, F2 or typing
edits, Delete clears, Ctrl+C / Ctrl+V copy and paste blocks of tab-separated cells (Excel, LibreOffice Calc).
Every edit, a pasted block or a cleared selection is ONE store action of row operations (one undo step).
The "Rows" view shows the same table in the ordinary table editor (unit, date, duplicates), with batches,
studies and tests by name.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate, QAbstractItemView, QButtonGroup, QComboBox, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QPushButton, QStackedWidget, QTableView, QVBoxLayout, QWidget,
)

from atmp_desktop.core.forms import Field
from atmp_desktop.core.quantity import HOURS_PER, Quantity, QuantityError, format_duration, parse_durations, split_result
from atmp_desktop.core.results import (BATCHES, STUDIES, SPECS, SpecTest, shown_result, spec_tests, verdict)
from atmp_desktop.store import DeleteRows, InsertRows, SetRow
from atmp_desktop.store.rows import new_row_id
from atmp_desktop.ui.fields import FieldEditor
from atmp_desktop.ui.style import role

_DISPLAY, _EDIT, _TIP, _BG = (Qt.DisplayRole.value, Qt.EditRole.value, Qt.ToolTipRole.value,
                              Qt.BackgroundRole.value)
OUT_OF_SPEC = QColor("#fde2e1")
CRITERION_BG = QColor("#f3f4f6")
MATERIALS = (("DS", "Active substance (DS)"), ("DP", "Finished product (DP)"))


@dataclass(frozen=True)
class Column:
    key: object          # batch row id, or a time point (value, unit)
    title: str
    tip: str = ""


class SheetModel(QAbstractTableModel):
    """Tests × columns; column 0 is the acceptance criterion. `cells[(test id, key)] = (row id, row)`."""
    typed = Signal(int, int, str)   # sheet row, column (>= 1), text

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tests: list[SpecTest] = []
        self.columns: list[Column] = []
        self.cells: dict[tuple, tuple[str, dict]] = {}
        self.duplicates: set[tuple] = set()
        self.read_only = False
        self.unit = ""

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.tests)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.columns) + 1

    def headerData(self, section, orientation, role=_DISPLAY):
        role = int(role) if not isinstance(role, int) else role
        if role not in (_DISPLAY, _TIP):
            return None
        if orientation == Qt.Vertical:
            if section >= len(self.tests):
                return None
            t = self.tests[section]
            return t.name if role == _DISPLAY else f"{t.name}: {t.criterion_text or 'no acceptance criterion'}"
        if section == 0:
            return "Acceptance criterion" if role == _DISPLAY else "From the specification (edit it there)"
        c = self.columns[section - 1]
        return c.title if role == _DISPLAY else (c.tip or c.title)

    def key_at(self, row: int, column: int) -> tuple:
        return (self.tests[row].id, self.columns[column - 1].key)

    def data(self, index, role=_DISPLAY):
        role = int(role) if not isinstance(role, int) else role
        if not index.isValid() or role not in (_DISPLAY, _EDIT, _TIP, _BG):
            return None
        test = self.tests[index.row()]
        if index.column() == 0:
            if role == _BG:
                return QBrush(CRITERION_BG)
            return test.criterion_text if role in (_DISPLAY, _TIP) else None
        key = self.key_at(index.row(), index.column())
        entry = self.cells.get(key)
        if entry is None:
            return "" if role in (_DISPLAY, _EDIT) else None
        row = entry[1]
        crit = test.criterion
        text = shown_result(row, crit.unit if crit else "")
        if role in (_DISPLAY, _EDIT):
            return text
        ok = verdict(row, test)
        if role == _BG:
            return QBrush(OUT_OF_SPEC) if ok is False else None
        tip = text + (f" (outside {test.criterion_text})" if ok is False else "")
        if key in self.duplicates:
            tip += "; more than one result is recorded for this cell: the Rows view shows them all"
        return tip

    def flags(self, index):
        base = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        if self.read_only or index.column() == 0:
            return base
        return base | Qt.ItemIsEditable

    def setData(self, index, value, role=Qt.EditRole):
        if role != Qt.EditRole or not index.isValid() or index.column() == 0:
            return False
        text = "" if value is None else str(value)
        if text == (self.data(index, _EDIT) or ""):
            return False
        self.typed.emit(index.row(), index.column(), text)
        return True

    def reset(self, tests, columns, cells, duplicates) -> None:
        self.beginResetModel()
        self.tests, self.columns, self.cells, self.duplicates = tests, columns, cells, duplicates
        self.endResetModel()


class SheetView(QTableView):
    """A QTableView that moves like a spreadsheet: Enter goes down (Shift+Enter up), also after typing a
    cell; Tab right, Shift+Tab left; F2 or typing edits; Delete / Backspace clear the selection."""
    clear_requested = Signal()

    def keyPressEvent(self, event):
        key = event.key()
        if self.state() != QAbstractItemView.EditingState:
            if key in (Qt.Key_Return, Qt.Key_Enter):
                self._step(-1 if event.modifiers() & Qt.ShiftModifier else 1, 0)
                return
            if key in (Qt.Key_Delete, Qt.Key_Backspace):
                self.clear_requested.emit()
                return
        super().keyPressEvent(event)

    def closeEditor(self, editor, hint):
        if hint == QAbstractItemDelegate.SubmitModelCache:  # Enter in a cell: commit, then one row down
            super().closeEditor(editor, QAbstractItemDelegate.NoHint)
            self._step(1, 0)
            return
        super().closeEditor(editor, hint)

    def _step(self, rows: int, cols: int) -> None:
        idx = self.currentIndex()
        if not idx.isValid():
            return
        r = min(max(idx.row() + rows, 0), self.model().rowCount() - 1)
        c = min(max(idx.column() + cols, 0), self.model().columnCount() - 1)
        self.setCurrentIndex(self.model().index(r, c))


def _hours(point: tuple) -> float:
    return float(point[0]) * HOURS_PER.get(point[1], 0.0)


def _point_title(point: tuple) -> str:
    value, unit = point
    if not value:
        return "Initial (0)"
    return format_duration(Quantity(value, unit))   # "1 month", "1 h"


class ResultsSheet(QWidget):
    """One kind of sheet (batches or studies). Subclasses say what the selector, columns and new rows are."""
    ops = Signal(object, str)      # row operations of one action, undo label
    message = Signal(str)

    selector_label = ""
    path = ""

    def __init__(self, field: Field, parent=None):
        super().__init__(parent)
        self.field = field
        self.snap = None
        self.model = SheetModel(self)
        self.view = SheetView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName(f"{field.label} sheet")
        self.view.setSelectionMode(QAbstractItemView.ContiguousSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectItems)
        self.view.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                  | QAbstractItemView.AnyKeyPressed)
        self.view.setTabKeyNavigation(True)
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.view.horizontalHeader().setDefaultSectionSize(110)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.view.verticalHeader().setMaximumWidth(260)
        self.view.clear_requested.connect(self.clear_cells)
        self.model.typed.connect(self._typed)
        delete = QShortcut(QKeySequence.Delete, self.view, self.clear_cells)
        delete.setContext(Qt.WidgetShortcut)

        self.selector = QComboBox(self)
        self.selector.setAccessibleName(self.selector_label)
        self.selector.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.selector.currentIndexChanged.connect(lambda _i: self._rebuild())
        self.bar = QHBoxLayout()
        self.bar.setContentsMargins(0, 0, 0, 0)
        label = QLabel(self.selector_label + ":", self)
        label.setBuddy(self.selector)
        self.bar.addWidget(label)
        self.bar.addWidget(self.selector)
        self.bar.addStretch(1)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        role(self.empty, "hint")
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self.bar)
        layout.addWidget(self.empty)
        layout.addWidget(self.view)
        self.setFocusProxy(self.view)

    # -- subclass hooks
    def choices(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def sheet(self, choice) -> tuple[list[SpecTest], list[Column], str]:
        """(tests, columns, sentence when there is nothing to show)."""
        raise NotImplementedError

    def belongs(self, row: dict, choice, keys: set) -> tuple | None:
        """The sheet key (test id, column key) of a result row on this sheet, or None."""
        raise NotImplementedError

    def new_row(self, choice, key) -> dict:
        raise NotImplementedError

    # -- loading
    def load(self, snap) -> None:
        self.snap = snap
        current = self.selector.currentData()
        choices = self.choices()
        if choices == self.__dict__.get("_choices") and current is not None:
            self._rebuild()  # the same sheets to choose from (120 studies at 4x were re-added on every edit)
            return
        self._choices = choices
        self.selector.blockSignals(True)
        self.selector.clear()
        for value, text in choices:
            self.selector.addItem(text, value)
        i = self.selector.findData(current) if current is not None else -1
        if i < 0:  # first time: the first sheet that holds results
            i = next((k for k, (value, _t) in enumerate(choices)
                      if any(self.belongs(row, value, None) for row in snap.rows(self.path))), 0)
        self.selector.setCurrentIndex(i if i >= 0 else 0)
        self.selector.blockSignals(False)
        self._rebuild()

    def _rebuild(self) -> None:
        if self.snap is None:
            return
        choice = self.selector.currentData()
        tests, columns, why = self.sheet(choice) if choice is not None else ([], [], self.nothing())
        keys = {c.key for c in columns}
        test_ids = {t.id for t in tests}
        # Which result sits in which cell depends on the results, the sheet chosen and the cells' keys only:
        # an edit of a batch, study or specification row (a renamed batch, a new criterion) leaves them as
        # they are, and scanning every result again cost ~60 ms per edit at 4x (30,000 results). The
        # snapshot keeps the same list for a table that did not change.
        results = self.snap.get(self.path)
        basis = (choice, tuple(c.key for c in columns), tuple(t.id for t in tests))
        last = self.__dict__.get("_cells_of")
        if last is not None and last[0] == basis and last[1] is results and results is not None:
            if self.model.tests == tests and why == self.empty.text():
                if self.model.columns != columns:  # a batch renamed: the same cells under new titles
                    self.model.columns = columns
                    self.model.headerDataChanged.emit(Qt.Horizontal, 1, len(columns))
                return  # nothing else this sheet shows has changed
            cells, duplicates = self.model.cells, self.model.duplicates
        else:
            cells: dict[tuple, tuple[str, dict]] = {}
            duplicates: set[tuple] = set()
            for rid, row in zip(self.snap.row_ids(self.path), self.snap.rows(self.path)):
                key = self.belongs(row, choice, keys)
                if key is None or key[0] not in test_ids:
                    continue
                if key in cells:
                    duplicates.add(key)
                else:
                    cells[key] = (rid, row)
        self._cells_of = (basis, results)
        same_tests = self.model.tests == tests  # (the sizes below depend on the tests' rows only)
        self.model.reset(tests, columns, cells, duplicates)
        self.empty.setText(why)
        self.empty.setVisible(bool(why))
        self.view.setVisible(not why)
        if same_tests and self.__dict__.get("_laid_out"):
            return  # the same tests: the sizes below stand (measuring 800 criteria took ~30 ms per edit at 4x)
        self._laid_out = True
        # the criterion column as wide as its longest criterion, at most 220 px: computed from the font, not
        # by resizeColumnToContents, which lays out every cell of the column (800 criteria at 4x)
        fm = self.view.fontMetrics()
        widest = max((fm.horizontalAdvance(t.criterion_text or "") for t in tests), default=0)
        title = self.view.horizontalHeader().fontMetrics().horizontalAdvance(str(self.model.headerData(
            0, Qt.Horizontal)))
        self.view.setColumnWidth(0, min(max(widest, title) + 2 * fm.averageCharWidth() + 4, 220))
        # every test visible without inner scrolling, up to a limit (computed, not measured)
        rows = self.view.verticalHeader().defaultSectionSize() * max(len(tests), 3)
        chrome = self.view.horizontalHeader().sizeHint().height() + \
            self.view.horizontalScrollBar().sizeHint().height() + 2 * self.view.frameWidth()
        self.view.setFixedHeight(min(max(rows + chrome, 160), 560))

    def nothing(self) -> str:
        return ""

    # -- editing: every change is one action of row operations
    def _cell_ops(self, r: int, c: int, text: str) -> list:
        key = self.model.key_at(r, c)
        entry = self.model.cells.get(key)
        text = " ".join(text.split())
        if not text:
            if entry is None:
                return []
            del self.model.cells[key]
            return [DeleteRows(self.path, [entry[0]])]
        result, unit, kind = split_result(text)
        cells = {"result": result, "unit": unit or None, "result_type": kind}
        if entry is None:
            rid = new_row_id()
            row = {**self.new_row(self.selector.currentData(), key), "test": key[0]}
            row.update({k: v for k, v in cells.items() if v})
            self.model.cells[key] = (rid, row)
            n = len(self.snap.rows(self.path)) + self._pending
            self._pending += 1
            return [InsertRows(self.path, n, [row], [rid])]
        rid, old = entry
        row = {k: v for k, v in {**old, **cells}.items() if v not in (None, "")}
        if row == old:
            return []
        self.model.cells[key] = (rid, row)
        return [SetRow(self.path, rid, row)]

    def _emit(self, ops: list, label: str, rows=None) -> None:
        if ops:
            self.ops.emit(ops, label)
        if rows:
            top, bottom = min(rows), max(rows)
            self.model.dataChanged.emit(self.model.index(top, 1), self.model.index(bottom,
                                                                                 self.model.columnCount() - 1))

    def _typed(self, r: int, c: int, text: str) -> None:
        self._pending = 0
        test, col = self.model.tests[r], self.model.columns[c - 1]
        self._emit(self._cell_ops(r, c, text), f"result of {test.name} for {col.title}", [r])

    def clear_cells(self) -> None:
        if self.model.read_only:
            return
        self._pending = 0
        ops, rows = [], []
        for idx in self.view.selectionModel().selectedIndexes() or [self.view.currentIndex()]:
            if idx.isValid() and idx.column() > 0:
                found = self._cell_ops(idx.row(), idx.column(), "")
                if found:
                    ops += found
                    rows.append(idx.row())
        self._emit(ops, f"clearing of {len(ops)} result(s) in {self.field.label}", rows)

    def paste_text(self, text: str) -> str:
        """Paste a block of tab-separated cells from the current cell on: one action. Returns a sentence
        about cells that did not fit ('' when all went in)."""
        if self.model.read_only:
            return "The project is read-only."
        from atmp_desktop.ui.clipboard import cells_of
        lines = cells_of(text)
        if not lines:
            return "The clipboard holds no text to paste."
        idx = self.view.currentIndex()
        if not idx.isValid():
            return "Click the cell where the pasted block should start."
        r0, c0 = idx.row(), max(idx.column(), 1)
        self._pending = 0
        ops, rows, outside = [], [], 0
        for i, line in enumerate(lines):
            r = r0 + i
            for j, cell in enumerate(line):
                c = c0 + j
                if r >= self.model.rowCount() or c >= self.model.columnCount():
                    outside += bool(cell.strip())
                    continue
                found = self._cell_ops(r, c, cell)
                if found:
                    ops += found
                    rows.append(r)
        self._emit(ops, f"paste of {len(lines)} row(s) into {self.field.label}", rows)
        if outside:
            return (f"{outside} pasted cell(s) fell outside the sheet (more tests or {self.outside_name()} than "
                    "it has) and were left out; add them first, then paste again.")
        return ""

    def outside_name(self) -> str:
        return "columns"

    def copy_cells(self) -> None:
        indexes = self.view.selectionModel().selectedIndexes() or [self.view.currentIndex()]
        indexes = [i for i in indexes if i.isValid()]
        if not indexes:
            return
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        from atmp_desktop.ui.clipboard import block_text
        QGuiApplication.clipboard().setText(block_text(
            [[str(self.model.data(self.model.index(r, c), _DISPLAY) or "") for c in cols] for r in rows]))

    def cut_cells(self) -> None:
        self.copy_cells()
        self.clear_cells()


class BatchSheet(ResultsSheet):
    selector_label = "Specification"
    path = "quality.batch_results"

    def choices(self):
        return list(MATERIALS)

    def nothing(self):
        return "Enter the batches first (Batches table above)."

    def sheet(self, material):
        tests = spec_tests(self.snap, material)
        columns = []
        for rid, row in zip(self.snap.row_ids(BATCHES), self.snap.rows(BATCHES)):
            if row.get("material") in (material, None):
                detail = ", ".join(str(row[k]) for k in ("process_version", "site", "date") if row.get(k))
                columns.append(Column(rid, str(row.get("batch") or "(unnamed batch)"), detail))
        if not tests:
            return [], [], (f"The {dict(MATERIALS)[material].lower()} specification has no tests yet; enter them "
                            "in its specification table, then their results here.")
        if not columns:
            return [], [], f"No batch of the {dict(MATERIALS)[material].lower()} yet: add it to Batches above."
        return tests, columns, ""

    def belongs(self, row, material, keys):
        batch = row.get("batch")
        if keys is None:  # any batch of this material
            b = self.snap.row(BATCHES, batch) if batch else None
            return (row.get("test"), batch) if b is not None and b.get("material") in (material, None) else None
        return (row.get("test"), batch) if batch in keys else None

    def new_row(self, material, key):
        return {"batch": key[1]}

    def outside_name(self):
        return "batches"


class StabilitySheet(ResultsSheet):
    selector_label = "Study"
    path = "quality.stability_results"

    def __init__(self, field, parent=None):
        super().__init__(field, parent)
        self.extra: dict[str, list[tuple]] = {}   # time points added here, before any result is typed
        self.point_edit = QLineEdit(self)
        self.point_edit.setPlaceholderText("e.g. 18 months")
        self.point_edit.setAccessibleName("Time point to add")
        self.point_edit.setMaximumWidth(160)
        self.add_point = QPushButton("Add time point", self)
        self.add_point.setAutoDefault(False)
        self.add_point.clicked.connect(self.add_time_point)
        self.point_edit.returnPressed.connect(self.add_time_point)
        self.bar.insertWidget(self.bar.count() - 1, self.point_edit)
        self.bar.insertWidget(self.bar.count() - 1, self.add_point)

    def choices(self):
        out = []
        for rid, row in zip(self.snap.row_ids(STUDIES), self.snap.rows(STUDIES)):
            bits = [str(row.get(k)) for k in ("study", "condition") if row.get(k)]
            out.append((rid, " – ".join(bits) or "(unnamed study)"))
        return out

    def nothing(self):
        return "Enter the stability studies first (Stability studies table above)."

    def _study(self, sid) -> dict:
        return self.snap.row(STUDIES, sid) or {}

    def sheet(self, sid):
        study = self._study(sid)
        tests = spec_tests(self.snap, study.get("material") if study.get("material") in SPECS else "DP")
        points = {(p["value"], p["unit"]) for p in study.get("time_points") or ()}
        points |= self._result_points(sid)
        points.update(self.extra.get(sid, ()))
        planned = {(p["value"], p["unit"]) for p in study.get("time_points") or ()}
        columns = [Column(p, _point_title(p), "planned" if p in planned else "not in the planned time points")
                   for p in sorted(points, key=_hours)]
        if not tests:
            return [], [], "The specification of this study's material has no tests yet."
        if not columns:
            return [], [], "This study has no time points yet: give its planned time points, or add one here."
        return tests, columns, ""

    def _result_points(self, sid) -> set:
        """The time points the study's results use (read from the results once per results table: an edit
        of another table leaves the snapshot's results list as it was)."""
        results = self.snap.get(self.path)
        memo = self.__dict__.get("_points_memo")
        if memo is None or memo[0] is not results or memo[1] != sid:
            found = set()
            for row in self.snap.rows(self.path):
                tp = row.get("time_point")
                if row.get("study") == sid and isinstance(tp, dict):
                    found.add((tp["value"], tp["unit"]))
            memo = self._points_memo = (results, sid, found)
        return set(memo[2])

    def belongs(self, row, sid, keys):
        tp = row.get("time_point")
        if row.get("study") != sid or not isinstance(tp, dict):
            return None
        key = (tp["value"], tp["unit"])
        return (row.get("test"), key) if keys is None or key in keys else None

    def new_row(self, sid, key):
        value, unit = key[1]  # key = (test id, time point)
        return {"study": sid, "time_point": {"value": value, "unit": unit}}

    def outside_name(self):
        return "time points"

    def add_time_point(self) -> None:
        sid = self.selector.currentData()
        text = self.point_edit.text().strip()
        if sid is None or not text:
            return
        try:
            points = parse_durations(text, default_unit="months")
        except QuantityError as exc:
            self.message.emit(str(exc))
            return
        self.extra.setdefault(sid, []).extend((p.value, p.unit) for p in points)
        self.point_edit.clear()
        self.message.emit("")
        self._rebuild()


class ResultsEditor(FieldEditor):
    """The field editor of a results table: the sheet, or the same rows in the table editor ("Rows")."""
    row_edits = Signal(str, object, str)

    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        from atmp_desktop.ui.table_editor import TableEditor
        self.sheet = (StabilitySheet if field.editor == "stability_grid" else BatchSheet)(field, self)
        self.rows = TableEditor(field, self)
        self.depends_on = tuple(dict.fromkeys(
            (BATCHES, STUDIES, *SPECS.values(), *self.rows.depends_on)))
        self.sheet.ops.connect(lambda ops, label: self._send(ops, label))
        self.sheet.message.connect(self.show_message)
        self.rows.row_edits.connect(self.row_edits)
        self.rows.problem.connect(self.problem)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.sheet)
        self.stack.addWidget(self.rows)
        switch = QHBoxLayout()
        switch.setContentsMargins(0, 0, 0, 0)
        self.modes = QButtonGroup(self)
        for i, (text, tip) in enumerate((("Sheet", "Tests as rows, " + ("time points" if field.editor ==
                                          "stability_grid" else "batches") + " as columns"),
                                         ("Rows", "One row per result, with unit and date"))):
            b = QPushButton(text, self)
            b.setCheckable(True)
            b.setChecked(i == 0)
            b.setToolTip(tip)
            b.setAccessibleName(f"{text} view of {field.label}")
            b.setAutoDefault(False)
            self.modes.addButton(b, i)
            switch.addWidget(b)
        switch.addStretch(1)
        self.modes.idClicked.connect(self.stack.setCurrentIndex)
        self.hint = QLabel("Type a result (\"91 %\", \"< 0.5 EU/mL\", \"Conforms\"), or paste a block copied from "
                           "Excel or LibreOffice Calc with Ctrl+V; Enter moves down, Tab right, F2 edits, Delete "
                           "clears. Red cells are outside their acceptance criterion.", self)
        self.hint.setWordWrap(True)
        role(self.hint, "hint")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        role(self.message, "error")
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(switch)
        layout.addWidget(self.stack)
        layout.addWidget(self.hint)
        layout.addWidget(self.message)
        self.setFocusProxy(self.sheet)
        self._snap = None
        self._stale = False

    @property
    def view(self):
        """The view the Edit menu's clipboard commands act on."""
        return self.sheet.view if self.stack.currentIndex() == 0 else self.rows.view

    def _send(self, ops, label) -> None:
        if ops and not self._loading:
            self.row_edits.emit(self.field.path, ops, label)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- FieldEditor
    def _read(self):
        return self._snap.get(self.field.path) if self._snap is not None else None

    def _write(self, value):
        pass

    def load_from(self, snap) -> None:
        """Show `snap`; while the editor is hidden (a page built ahead, another step on screen) only remember
        it: building a sheet of a dossier-scale results table takes a long slice (30k results at 4x), so it is
        built when the editor is shown or used."""
        self._snap = snap
        self._stale = True
        if self.isVisible():
            self.fresh()

    def fresh(self) -> None:
        """Bring the sheet and the rows up to the last snapshot given (before anything reads or edits them)."""
        if self._stale and self._snap is not None:
            self._stale = False
            self.sheet.load(self._snap)
            self.rows.load_from(self._snap)

    def showEvent(self, event) -> None:
        self.fresh()
        super().showEvent(event)

    def commit(self) -> None:
        for view in (self.sheet.view, self.rows.view):
            editor = view.indexWidget(view.currentIndex())
            if editor is not None and view.state() == QAbstractItemView.EditingState:
                delegate = view.itemDelegate()
                delegate.commitData.emit(editor)
                delegate.closeEditor.emit(editor, QAbstractItemDelegate.NoHint)
        self.rows.commit()

    def focus_target(self):
        self.fresh()
        return self.sheet.view

    def set_read_only(self, read_only):
        self.sheet.model.read_only = read_only
        self.rows.set_read_only(read_only)

    # -- the Edit menu (ui/clipboard.py)
    def paste(self) -> None:
        self.fresh()
        if self.stack.currentIndex() == 1:
            self.rows.paste()
            return
        self.show_message(self.sheet.paste_text(QGuiApplication.clipboard().text()))

    def paste_text(self, text: str) -> str:
        self.fresh()
        return self.sheet.paste_text(text) if self.stack.currentIndex() == 0 else self.rows.paste_text(text)

    def copy_cells(self) -> None:
        (self.sheet if self.stack.currentIndex() == 0 else self.rows).copy_cells()

    def cut_cells(self) -> None:
        (self.sheet if self.stack.currentIndex() == 0 else self.rows).cut_cells()

    def select_cell(self, row: int, column_id: str | None) -> None:
        self.fresh()
        self.modes.button(1).setChecked(True)
        self.stack.setCurrentIndex(1)
        self.rows.select_cell(row, column_id)
