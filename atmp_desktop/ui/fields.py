"""One editor widget per field type. Each shows a value and emits `edited(path, value)` when the user changes it.

Editors never write to the project themselves: the window does that (one edit = one transaction = one undo
step). `set_value` loads a value without emitting; `commit` emits only when the value really changed, so
focus changes and reloads never create empty undo steps.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox, QButtonGroup, QCheckBox, QComboBox, QDateEdit, QDoubleSpinBox, QGridLayout, QHBoxLayout,
    QLineEdit, QPlainTextEdit, QRadioButton, QSpinBox, QToolButton, QWidget,
)

from atmp_desktop.core.forms import Field

EMPTY = "—"
_NO_DATE = QDate(1900, 1, 1)  # the date editor's "not set" sentinel (shown as its special text)
DEBOUNCE_MS = 800  # long text is saved this long after the last keystroke, or on leaving the field


class _CalendarOpensToday(QObject):
    """An empty date shows the minimum date internally; open its calendar pop-up on this month instead."""

    def __init__(self, edit: QDateEdit):
        super().__init__(edit)
        self.edit = edit

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Show and self.edit.date() == self.edit.minimumDate():
            today = QDate.currentDate()
            obj.setCurrentPage(today.year(), today.month())
        return False


def date_edit(parent: QWidget, label: str) -> QDateEdit:
    """A date box with a calendar pop-up whose lowest date means 'not set'."""
    ed = QDateEdit(parent)
    ed.setAccessibleName(label)
    ed.setCalendarPopup(True)
    ed.setDisplayFormat("yyyy-MM-dd")
    ed.setMinimumDate(_NO_DATE)
    ed.setSpecialValueText("Not set")  # shown when the date equals the minimum
    ed.calendarWidget().installEventFilter(_CalendarOpensToday(ed))
    return ed


class FieldEditor(QWidget):
    edited = Signal(str, object, str)  # field path, new value (None = cleared), undo label ("" = default)

    def __init__(self, field: Field, parent: QWidget | None = None):
        super().__init__(parent)
        self.field = field
        self._loaded: Any = None
        self._loading = False
        self.setAccessibleName(field.label)

    # -- to implement per type
    def _read(self) -> Any:
        raise NotImplementedError

    def _write(self, value: Any) -> None:
        raise NotImplementedError

    def focus_target(self) -> QWidget:
        return self

    # -- shared behaviour
    def value(self) -> Any:
        return self._read()

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            self._write(value)
        finally:
            self._loading = False
        self._loaded = self._read()

    def commit(self) -> None:
        if self._loading:
            return
        current = self._read()
        if current != self._loaded:
            self._loaded = current
            self.edited.emit(self.field.path, current, "")

    def set_read_only(self, read_only: bool) -> None:
        self.setEnabled(not read_only)


def _clear_button(parent: QWidget, label: str, slot) -> QToolButton:
    b = QToolButton(parent)
    b.setText("Clear")
    b.setToolTip(f"Clear {label}")
    b.setAccessibleName(f"Clear {label}")
    b.setFocusPolicy(Qt.TabFocus)
    b.clicked.connect(slot)
    return b


class TextEditor(FieldEditor):
    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(field.label)
        self.edit.setPlaceholderText(field.placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.editingFinished.connect(self.commit)
        self._timer = _debouncer(self, self.commit)
        self.edit.textEdited.connect(lambda _t: self._timer.start())
        _single(self, self.edit)

    def _read(self):
        text = self.edit.text()
        return text if text.strip() else None

    def _write(self, value):
        self.edit.setText("" if value is None else str(value))

    def focus_target(self):
        return self.edit

    def set_read_only(self, read_only):
        self.edit.setReadOnly(read_only)


class _PlainText(QPlainTextEdit):
    focus_lost = Signal()

    def focusOutEvent(self, event):
        super().focusOutEvent(event)
        self.focus_lost.emit()


class LongTextEditor(FieldEditor):
    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.edit = _PlainText(self)
        self.edit.setAccessibleName(field.label)
        self.edit.setPlaceholderText(field.placeholder)
        self.edit.setTabChangesFocus(True)  # keyboard users leave the box with Tab
        self.edit.setMinimumHeight(90)
        self.edit.setMaximumHeight(180)
        self._timer = _debouncer(self, self.commit)
        self.edit.textChanged.connect(lambda: None if self._loading else self._timer.start())
        self.edit.focus_lost.connect(self.commit)
        _single(self, self.edit)

    def _read(self):
        text = self.edit.toPlainText()
        return text if text.strip() else None

    def _write(self, value):
        self.edit.setPlainText("" if value is None else str(value))

    def focus_target(self):
        return self.edit

    def set_read_only(self, read_only):
        self.edit.setReadOnly(read_only)


class ChoiceEditor(FieldEditor):
    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.combo = QComboBox(self)
        self.combo.setAccessibleName(field.label)
        self.combo.addItem(EMPTY, None)
        for c in field.choices:
            self.combo.addItem(c.label, c.value)
        self.combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)  # long choice labels are never cut
        self.combo.currentIndexChanged.connect(lambda _i: self.commit())
        _single(self, self.combo, stretch=False)

    def _read(self):
        return self.combo.currentData()

    def _write(self, value):
        i = self.combo.findData(value) if value is not None else 0
        self.combo.setCurrentIndex(max(i, 0))

    def focus_target(self):
        return self.combo


class MultiChoiceEditor(FieldEditor):
    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        per_col = (len(field.choices) + 1) // 2
        for i, c in enumerate(field.choices):
            box = QCheckBox(c.label, self)
            box.setAccessibleName(f"{field.label}: {c.label}")
            box.toggled.connect(lambda _on: self.commit())
            grid.addWidget(box, i % per_col, i // per_col)
            self.boxes[c.value] = box

    def _read(self):
        chosen = [v for v, b in self.boxes.items() if b.isChecked()]
        return chosen or None

    def _write(self, value):
        for v, b in self.boxes.items():
            b.setChecked(bool(value) and v in value)

    def focus_target(self):
        return next(iter(self.boxes.values()))


class YesNoEditor(FieldEditor):
    """Yes / No / Not answered: 'not answered' is a real state, distinct from No."""

    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        self.buttons = {}
        for value, text in ((True, "Yes"), (False, "No"), (None, "Not answered")):
            b = QRadioButton(text, self)
            b.setAccessibleName(f"{field.label}: {text}")
            self.group.addButton(b)
            self.buttons[value] = b
            row.addWidget(b)
        row.addStretch(1)
        self.group.buttonToggled.connect(lambda _b, on: on and self.commit())

    def _read(self):
        for value, b in self.buttons.items():
            if b.isChecked():
                return value
        return None

    def _write(self, value):
        self.buttons[value if value in (True, False) else None].setChecked(True)

    def focus_target(self):
        return self.buttons[True]


class DateEditor(FieldEditor):
    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.edit = date_edit(self, field.label)
        self.edit.setMinimumWidth(130)
        self.edit.editingFinished.connect(self.commit)
        self._timer = _debouncer(self, self.commit)
        self.edit.dateChanged.connect(lambda _d: None if self._loading else self._timer.start())
        self.edit.calendarWidget().clicked.connect(lambda _d: self.commit())
        _with_clear(self, self.edit, field.label, self.clear)

    def clear(self):
        self.edit.setDate(_NO_DATE)
        self.commit()

    def _read(self):
        d = self.edit.date()
        return None if d == _NO_DATE else d.toString("yyyy-MM-dd")

    def _write(self, value):
        d = QDate.fromString(value, "yyyy-MM-dd") if value else _NO_DATE
        self.edit.setDate(d if d.isValid() else _NO_DATE)

    def focus_target(self):
        return self.edit


class IntegerEditor(FieldEditor):
    """A spin box whose lowest position (one below the field minimum) means 'not set'."""

    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.spin = QSpinBox(self)
        self.spin.setAccessibleName(field.label)
        low = field.min if field.min is not None else 0
        self._none = low - 1
        self.spin.setRange(self._none, field.max if field.max is not None else 2_000_000_000)
        self.spin.setSpecialValueText("Not set")
        self.spin.setMinimumWidth(110)
        self.spin.setCorrectionMode(QAbstractSpinBox.CorrectToNearestValue)
        self.spin.editingFinished.connect(self.commit)
        self._timer = _debouncer(self, self.commit)
        self.spin.valueChanged.connect(lambda _v: None if self._loading else self._timer.start())
        _with_clear(self, self.spin, field.label, self.clear)

    def clear(self):
        self.spin.setValue(self._none)
        self.commit()

    def _read(self):
        v = self.spin.value()
        return None if v == self._none else v

    def _write(self, value):
        self.spin.setValue(self._none if value is None else int(value))

    def focus_target(self):
        return self.spin


class QuantityEditor(FieldEditor):
    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.spin = QDoubleSpinBox(self)
        self.spin.setAccessibleName(f"{field.label}: amount")
        self.spin.setDecimals(2)
        self.spin.setRange(-1, 1_000_000_000)
        self.spin.setSpecialValueText("Not set")
        self.spin.setMinimumWidth(120)
        self.unit = QComboBox(self)
        self.unit.setAccessibleName(f"{field.label}: unit")
        self.unit.addItems(list(field.units))
        self.spin.editingFinished.connect(self.commit)
        self._timer = _debouncer(self, self.commit)
        self.spin.valueChanged.connect(lambda _v: None if self._loading else self._timer.start())
        self.unit.currentIndexChanged.connect(lambda _i: self.commit())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.spin)
        row.addWidget(self.unit)
        row.addWidget(_clear_button(self, field.label, self.clear))
        row.addStretch(1)

    def clear(self):
        self.spin.setValue(-1)
        self.commit()

    def _read(self):
        v = self.spin.value()
        if v < 0:
            return None
        return {"value": int(v) if float(v).is_integer() else v, "unit": self.unit.currentText()}

    def _write(self, value):
        if not value:
            self.spin.setValue(-1)
            return
        self.spin.setValue(float(value["value"]))
        i = self.unit.findText(value["unit"])
        self.unit.setCurrentIndex(max(i, 0))

    def focus_target(self):
        return self.spin


def _debouncer(parent, slot) -> QTimer:
    t = QTimer(parent)
    t.setSingleShot(True)
    t.setInterval(DEBOUNCE_MS)
    t.timeout.connect(slot)
    return t


def _single(owner: QWidget, widget: QWidget, stretch: bool = True) -> None:
    row = QHBoxLayout(owner)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget, 1 if stretch else 0)
    if not stretch:
        row.addStretch(1)
    owner.setFocusProxy(widget)


def _with_clear(owner: QWidget, widget: QWidget, label: str, slot) -> None:
    row = QHBoxLayout(owner)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(widget)
    row.addWidget(_clear_button(owner, label, slot))
    row.addStretch(1)
    owner.setFocusProxy(widget)


EDITORS = {
    "text": TextEditor, "long_text": LongTextEditor, "choice": ChoiceEditor, "multi_choice": MultiChoiceEditor,
    "yes_no": YesNoEditor, "date": DateEditor, "integer": IntegerEditor, "quantity": QuantityEditor,
}


def make_editor(field: Field, parent: QWidget | None = None) -> FieldEditor:
    if field.is_table:
        from atmp_desktop.ui.table_editor import TableEditor
        return TableEditor(field, parent)
    return EDITORS[field.type](field, parent)
