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
from itertools import compress
from operator import attrgetter, is_not

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
from atmp_desktop.ui.errors import qt_safe

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


_KEY = attrgetter("key")


def _same_keys(a: list[Column], b: list[Column]) -> bool:
    """The same columns' keys in the same order (compared in C: 400 columns per sheet at 4x)."""
    return a is b or (len(a) == len(b) and list(map(_KEY, a)) == list(map(_KEY, b)))


class SheetModel(QAbstractTableModel):
    """Tests × columns; column 0 is the acceptance criterion. `cells[(test id, key)] = (row id, row)`."""
    typed = Signal(int, int, str)   # sheet row, column (>= 1), text

    def __init__(self, parent=None):
        super().__init__(parent)
        self.tests: list[SpecTest] = []
        self.columns: list[Column] = []
        self._cells: dict[tuple, tuple[str, dict]] = {}
        self._duplicates: set[tuple] = set()
        self._source = None   # makes (cells, duplicates) when first asked for (see set_cells)
        self.read_only = False
        self.unit = ""

    @qt_safe(0)
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.tests)

    @qt_safe(0)
    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.columns) + 1

    @qt_safe(fallback=QAbstractTableModel.headerData)
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

    @qt_safe()
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

    @qt_safe(fallback=QAbstractTableModel.flags)
    def flags(self, index):
        base = Qt.ItemIsEnabled | Qt.ItemIsSelectable
        if self.read_only or index.column() == 0:
            return base
        return base | Qt.ItemIsEditable

    @qt_safe(False)
    def setData(self, index, value, role=Qt.EditRole):
        if role != Qt.EditRole or not index.isValid() or index.column() == 0:
            return False
        text = "" if value is None else str(value)
        if text == (self.data(index, _EDIT) or ""):
            return False
        self.typed.emit(index.row(), index.column(), text)
        return True

    @property
    def cells(self) -> dict[tuple, tuple[str, dict]]:
        if self._source is not None:
            self._cells, self._duplicates = self._source()
            self._source = None
        return self._cells

    @property
    def duplicates(self) -> set[tuple]:
        self.cells  # noqa: B018 (made together)
        return self._duplicates

    def set_cells(self, source) -> None:
        """`source()` gives the cells; it is called when a cell is first asked for: a sheet below the visible
        part of its page reads no result until it is scrolled into view or used (an index of 30,000 results
        at 4x is the largest part of building a sheet)."""
        self._source = source
        self._cells, self._duplicates = {}, set()

    def reset(self, tests, columns, source) -> None:
        self.beginResetModel()
        self.tests, self.columns = tests, columns
        self.set_cells(source)
        self.endResetModel()


class SheetView(QTableView):
    """A QTableView that moves like a spreadsheet: Enter goes down (Shift+Enter up), also after typing a
    cell; Tab right, Shift+Tab left; F2 or typing edits; Delete / Backspace clear the selection."""
    clear_requested = Signal()

    @qt_safe()
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

    @qt_safe()
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

    reads: tuple[str, ...] = ()   # the tables the sheet shows besides the results (see _sources)

    def cells_of(self, choice) -> tuple[dict, set]:
        """The results on sheet `choice`: ({(test id, column key): (row id, row)}, keys of cells holding more
        than one result, of which the first in table order is shown)."""
        raise NotImplementedError

    def has_results(self, choice) -> bool:
        raise NotImplementedError

    def new_row(self, choice, key) -> dict:
        raise NotImplementedError

    # -- loading
    def load(self, snap) -> None:
        self.snap = snap
        self._inserted = 0  # results typed into new cells since this snapshot (see _cell_ops)
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
            i = next((k for k, (value, _t) in enumerate(choices) if self.has_results(value)), 0)
        self.selector.setCurrentIndex(i if i >= 0 else 0)
        self.selector.blockSignals(False)
        self._rebuild()

    def _sources(self) -> tuple:
        """What the sheet on screen is made of: the results list and the lists of the tables it reads. The
        snapshot hands out the same list object for a table an action did not touch, so comparing them by
        identity tells in microseconds whether anything this sheet shows may have changed."""
        return (self.snap.get(self.path), *(self.snap.get(p) for p in self.reads))

    def _rebuild(self) -> None:
        if self.snap is None:
            return
        choice = self.selector.currentData()
        sources = self._sources()
        last = self.__dict__.get("_built")
        if last is not None and last[0] == choice and len(last[1]) == len(sources) and \
                all(a is b for a, b in zip(last[1], sources)):
            return  # an edit of a table this sheet reads, in a way that changes nothing it shows
        self._built = (choice, sources)
        tests, columns, why = self.sheet(choice) if choice is not None else ([], [], self.nothing())
        shown = choice is not None and not why
        cells_key = (choice, sources[0]) if shown else None  # the cells depend on these only
        last_key = self.__dict__.get("_cells_key")
        same_cells = cells_key is not None and last_key is not None and last_key[0] == cells_key[0] and \
            last_key[1] is cells_key[1]
        self._cells_key = cells_key
        source = (lambda: self.cells_of(choice)) if shown else (lambda: ({}, set()))
        m = self.model
        if why == self.empty.text() and tests is m.tests and _same_keys(columns, m.columns):
            # the same tests and cells' keys: no reset (it would drop the current cell and selection); show
            # what changed in place: the cells (results edited elsewhere, undo) and the titles (a renamed batch)
            changed = columns is not m.columns and columns != m.columns  # (compared in C, by identity first)
            m.columns = columns
            if changed:  # repainted, not re-measured: headerDataChanged made the header measure its first and
                # last 100 sections again (~500 calls of headerData per edit of a batch); widths are set here
                self.view.horizontalHeader().viewport().update()
            if not same_cells:
                m.set_cells(source)
                if tests and columns:
                    m.dataChanged.emit(m.index(0, 1), m.index(len(tests) - 1, len(columns)))
            return
        same_tests = m.tests == tests  # (the sizes below depend on the tests' rows only)
        m.reset(tests, columns, source)
        self.empty.setText(why)
        self.empty.setVisible(bool(why))
        self.view.setVisible(not why)
        if same_tests and self.__dict__.get("_laid_out"):
            return  # the same tests: the sizes below stand (measuring 800 criteria took ~30 ms per edit at 4x)
        self._laid_out = True
        # the criterion column as wide as its longest criterion, at most 220 px: computed from the font, not
        # by resizeColumnToContents, which lays out every cell of the column (800 criteria at 4x)
        fm = self.view.fontMetrics()
        pad = 2 * fm.averageCharWidth() + 4
        widest = self.view.horizontalHeader().fontMetrics().horizontalAdvance(str(self.model.headerData(
            0, Qt.Horizontal)))
        for text in {t.criterion_text for t in tests}:
            if widest + pad >= 220:
                break  # as wide as it may be: the other criteria need not be measured
            widest = max(widest, fm.horizontalAdvance(text))
        self.view.setColumnWidth(0, min(widest + pad, 220))
        # every test visible without inner scrolling, up to a limit (computed, not measured)
        rows = self.view.verticalHeader().defaultSectionSize() * max(len(tests), 3)
        chrome = self.view.horizontalHeader().sizeHint().height() + \
            self.view.horizontalScrollBar().sizeHint().height() + 2 * self.view.frameWidth()
        self.view.setFixedHeight(min(max(rows + chrome, 160), 560))

    def _tests(self, material) -> list[SpecTest]:
        """The tests of a specification, the same list object while that specification table is unchanged
        (so an edit elsewhere is told from a changed specification by identity, not by comparing 800 tests)."""
        table = SPECS.get(material or "DP", SPECS["DP"])
        source = self.snap.get(table)
        memo = self.__dict__.setdefault("_tests_memo", {})
        hit = memo.get(table)
        if hit is None or hit[0] is not source:
            hit = memo[table] = (source, spec_tests(self.snap, material))
        return hit[1]

    def _results(self) -> tuple[list, tuple]:
        """The results rows and their ids, as the snapshot holds them (no copies)."""
        return self.snap.get(self.path) or [], self.snap.table_ids.get(self.path, ())

    def _forget_cells(self) -> None:
        """The cells were changed here ahead of the store: the next load reads them from the snapshot again
        (after a refused write that is the only place the truth is)."""
        self._built = self._cells_key = None
        self.__dict__.pop("_index_memo", None)

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
            self._forget_cells()
            del self.model.cells[key]
            return [DeleteRows(self.path, [entry[0]])]
        result, unit, kind = split_result(text)
        cells = {"result": result, "unit": unit or None, "result_type": kind}
        if entry is None:
            rid = new_row_id()
            row = {**self.new_row(self.selector.currentData(), key), "test": key[0]}
            row.update({k: v for k, v in cells.items() if v})
            self._forget_cells()
            self.model.cells[key] = (rid, row)
            # appended: the sheet is not reloaded after its own edits, so count what it added since (the
            # store clamps the index to the table, so a count ahead of deleted rows still appends)
            n = len(self._results()[0]) + self._inserted
            self._inserted += 1
            return [InsertRows(self.path, n, [row], [rid])]
        rid, old = entry
        row = {k: v for k, v in {**old, **cells}.items() if v not in (None, "")}
        if row == old:
            return []
        self._forget_cells()
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
        test, col = self.model.tests[r], self.model.columns[c - 1]
        self._emit(self._cell_ops(r, c, text), f"result of {test.name} for {col.title}", [r])

    def clear_cells(self) -> None:
        if self.model.read_only:
            return
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

    reads = (BATCHES, *SPECS.values())

    def sheet(self, material):
        tests = self._tests(material)
        columns = self._batch_columns(material)
        if not tests:
            return [], [], (f"The {dict(MATERIALS)[material].lower()} specification has no tests yet; enter them "
                            "in its specification table, then their results here.")
        if not columns:
            return [], [], f"No batch of the {dict(MATERIALS)[material].lower()} yet: add it to Batches above."
        return tests, columns, ""

    def _batch_columns(self, material) -> list[Column]:
        """The batches of `material` (or of none) as columns, in table order. An edit of a batch replaces that
        row's object only (the snapshot shares the others), so the columns of the last call are patched where
        rows are not the same objects any more, found in C: walking all batches in Python on every edit of the
        Batches table was 0.65 ms of a 4.6 ms cell edit at 4x (1,200 batches). Rows added, removed, moved or
        moved to another material, and edits of many rows at once, walk the table again."""
        batches = self.snap.get(BATCHES) or []
        ids = self.snap.table_ids.get(BATCHES, ())
        memo = self.__dict__.setdefault("_material_columns", {})  # material -> (rows, ids, columns, where)
        last = memo.get(material)
        if last is not None:
            rows, row_ids, columns, where = last
            if rows is batches:
                return columns
            if len(rows) == len(batches) and (row_ids is ids or tuple(row_ids) == tuple(ids)):
                changed = list(compress(range(len(batches)), map(is_not, batches, rows)))
                patched = self._patch_columns(material, columns, where, changed, batches, ids)
                if patched is not None:
                    memo[material] = (batches, ids, patched, where)
                    return patched
        columns, where = [], []
        for rid, row in zip(ids, batches):
            if row.get("material") in (material, None):
                where.append(len(columns))
                columns.append(self._column(rid, row))
            else:
                where.append(-1)
        memo[material] = (batches, ids, columns, where)
        made = self.__dict__.setdefault("_columns_memo", {})
        if len(made) > 2 * len(batches) + 16:  # forget the batches that are gone
            self._columns_memo = {rid: made[rid] for rid in ids if rid in made}
        return columns

    def _patch_columns(self, material, columns, where, changed, batches, ids) -> list[Column] | None:
        """`columns` with the batches at `changed` shown as they are now; None when that is not a patch (a batch
        joined or left this material's sheet, or too many changed to be worth it)."""
        if len(changed) > 64:
            return None
        patched = None
        for i in changed:
            row = batches[i]
            if (row.get("material") in (material, None)) != (where[i] >= 0):
                return None
            if where[i] >= 0:
                if patched is None:
                    patched = list(columns)
                patched[where[i]] = self._column(ids[i], row)
        return columns if patched is None else patched

    def _column(self, rid: str, row: dict) -> Column:
        """A batch's column, the same object while its row is (so unchanged titles compare by identity)."""
        made = self.__dict__.setdefault("_columns_memo", {})  # batch id -> (its row, its column)
        hit = made.get(rid)
        if hit is None or hit[0] is not row:  # a batch row an edit replaced: its title again
            detail = ", ".join(str(row[k]) for k in ("process_version", "site", "date") if row.get(k))
            hit = made[rid] = (row, Column(rid, str(row.get("batch") or "(unnamed batch)"), detail))
        return hit[1]

    def _index(self) -> tuple[dict, set]:
        """Every result by (test id, batch id), both specifications at once, once per results list: built with
        comprehensions (30,000 results at 4x in a few milliseconds, not a Python loop per sheet shown)."""
        rows, ids = self._results()
        memo = self.__dict__.get("_index_memo")
        if memo is not None and memo[0] is rows:
            return memo[1]
        keys = [(r.get("test"), r.get("batch")) for r in rows]
        cells = dict(zip(reversed(keys), zip(reversed(ids), reversed(rows))))  # the first in table order wins
        duplicates: set = set()
        if len(cells) < len(keys):
            from collections import Counter
            duplicates = {k for k, n in Counter(keys).items() if n > 1}
        self._index_memo = (rows, (cells, duplicates))
        return cells, duplicates

    def cells_of(self, material):
        return self._index()  # keyed by batch id: the other specification's cells are never looked up

    def has_results(self, material):
        batches = {rid for rid, row in zip(self.snap.table_ids.get(BATCHES, ()), self.snap.get(BATCHES) or [])
                   if row.get("material") in (material, None)}
        return any(r.get("batch") in batches for r in self._results()[0])  # (stops at the first)

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

    reads = (STUDIES, *SPECS.values())

    def choices(self):
        studies = self.snap.get(STUDIES)
        memo = self.__dict__.get("_choices_memo")
        if memo is not None and memo[0] is studies:
            return memo[1]
        out = []
        for rid, row in zip(self.snap.table_ids.get(STUDIES, ()), studies or []):
            bits = [str(row.get(k)) for k in ("study", "condition") if row.get(k)]
            out.append((rid, " – ".join(bits) or "(unnamed study)"))
        self._choices_memo = (studies, out)
        return out

    def nothing(self):
        return "Enter the stability studies first (Stability studies table above)."

    def _study(self, sid) -> dict:
        return self.snap.row(STUDIES, sid) or {}

    def sheet(self, sid):
        study = self._study(sid)
        tests = self._tests(study.get("material") if study.get("material") in SPECS else "DP")
        planned = {(p["value"], p["unit"]) for p in study.get("time_points") or ()}
        points = planned | self._study_index(sid)[2]
        points.update(self.extra.get(sid, ()))
        columns = [Column(p, _point_title(p), "planned" if p in planned else "not in the planned time points")
                   for p in sorted(points, key=_hours)]
        if not tests:
            return [], [], "The specification of this study's material has no tests yet."
        if not columns:
            return [], [], "This study has no time points yet: give its planned time points, or add one here."
        return tests, columns, ""

    def _study_index(self, sid) -> tuple[dict, set, set]:
        """The results of one study: (cells by (test id, time point), duplicated cells, time points used),
        once per results list and study (one pass picks the study's rows, then only those are read)."""
        rows, ids = self._results()
        memo = self.__dict__.get("_index_memo")
        if memo is not None and memo[0] is rows and memo[1] == sid:
            return memo[2]
        cells: dict = {}
        duplicates: set = set()
        points: set = set()
        for i in [i for i, r in enumerate(rows) if r.get("study") == sid]:
            row = rows[i]
            tp = row.get("time_point")
            if not isinstance(tp, dict):
                continue
            point = (tp["value"], tp["unit"])
            points.add(point)
            key = (row.get("test"), point)
            if key in cells:
                duplicates.add(key)
            else:
                cells[key] = (ids[i], row)
        self._index_memo = (rows, sid, (cells, duplicates, points))
        return cells, duplicates, points

    def cells_of(self, sid):
        cells, duplicates, _points = self._study_index(sid)
        return cells, duplicates

    def has_results(self, sid):
        rows, _ids = self._results()
        if self.__dict__.get("_studies_with_results") is None and any(r.get("study") == sid for r in rows):
            return True  # (the first study asked for usually has results: found without reading them all)
        memo = self.__dict__.get("_studies_with_results")
        if memo is None or memo[0] is not rows:
            memo = self._studies_with_results = (rows, {r.get("study") for r in rows})
        return sid in memo[1]

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
        self._built = None  # new columns, though no table changed
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
        self.modes.idClicked.connect(self._show_mode)
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
        self._stale: set[int] = set()   # the views (0 sheet, 1 rows) not yet showing the last snapshot

    def _show_mode(self, i: int) -> None:
        self.stack.setCurrentIndex(i)
        self._fresh_view(i)

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
        built when the editor is shown or used. Of the sheet and the rows view only the one on screen follows
        at once; the other when it is chosen."""
        self._snap = snap
        self._stale = {0, 1}
        if self.isVisible():
            self._fresh_view(self.stack.currentIndex())

    def _fresh_view(self, i: int) -> None:
        if i in self._stale and self._snap is not None:
            self._stale.discard(i)
            if i == 0:
                self.sheet.load(self._snap)
            else:
                self.rows.load_from(self._snap)

    def fresh(self) -> None:
        """Bring the sheet and the rows up to the last snapshot given (before anything reads or edits them)."""
        for i in (0, 1):
            self._fresh_view(i)

    @qt_safe()
    def showEvent(self, event) -> None:
        self._fresh_view(self.stack.currentIndex())
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
        self._fresh_view(self.stack.currentIndex())
        return self.sheet.view

    def set_read_only(self, read_only):
        self.sheet.model.read_only = read_only
        self.rows.set_read_only(read_only)

    # -- the Edit menu (ui/clipboard.py)
    def paste(self) -> None:
        self._fresh_view(self.stack.currentIndex())
        if self.stack.currentIndex() == 1:
            self.rows.paste()
            return
        self.show_message(self.sheet.paste_text(QGuiApplication.clipboard().text()))

    def paste_text(self, text: str) -> str:
        self._fresh_view(self.stack.currentIndex())
        return self.sheet.paste_text(text) if self.stack.currentIndex() == 0 else self.rows.paste_text(text)

    def copy_cells(self) -> None:
        (self.sheet if self.stack.currentIndex() == 0 else self.rows).copy_cells()

    def cut_cells(self) -> None:
        (self.sheet if self.stack.currentIndex() == 0 else self.rows).cut_cells()

    def select_cell(self, row: int, column_id: str | None) -> None:
        self.modes.button(1).setChecked(True)
        self._show_mode(1)
        self.rows.select_cell(row, column_id)
