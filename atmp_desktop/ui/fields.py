"""One editor widget per field type. Each shows a value and emits `edited(path, value)` when the user changes it.

Editors never write to the project themselves: the window does that (one edit = one transaction = one undo
step). `set_value` loads a value without emitting; `commit` emits only when the value really changed, so
focus changes and reloads never create empty undo steps. Dates and numbers are typed into plain text boxes
(an empty box is "not set"; nothing swallows keystrokes) and read on Enter or on leaving the box; what
cannot be read is shown under the field (`problem`) and never saved.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QEvent, QLocale, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLineEdit, QPlainTextEdit, QRadioButton,
    QToolButton, QWidget,
)

from atmp_desktop.core.forms import Field
from atmp_desktop.core.values import FieldValueError
from atmp_desktop.ui import logic
from atmp_desktop.ui.errors import qt_safe

EMPTY = "—"
DEBOUNCE_MS = 800  # text is saved this long after the last keystroke, or on leaving the field
INVALID_CSS = "QLineEdit { border: 1px solid #c62828; border-radius: 2px; padding: 1px; }"


class DateFormat:
    """How this user's locale writes dates: the order of day, month and year, an example and month names."""
    _cache: dict[str, "DateFormat"] = {}

    def __init__(self, locale: QLocale):
        pattern = locale.dateFormat(QLocale.ShortFormat)
        self.order = logic.date_order(pattern)
        sep = next((ch for ch in pattern if not ch.isalpha()), "/").strip() or "/"
        self.example = sep.join({"D": "15", "M": "03", "Y": "2027"}[k] for k in self.order)
        self.pattern = sep.join({"D": "DD", "M": "MM", "Y": "YYYY"}[k] for k in self.order)
        self.month_names = [locale.monthName(i) for i in range(1, 13)]
        self.decimal_point = locale.decimalPoint() or "."

    @classmethod
    def current(cls) -> "DateFormat":
        locale = QLocale()
        key = locale.name()
        if key not in cls._cache:
            cls._cache[key] = cls(locale)
        return cls._cache[key]

    def parse(self, text: str) -> str | None:
        """ISO date or None (empty); raises FieldValueError with one sentence when the text is no date."""
        value, problem = logic.parse_date(text, self.order, self.month_names, self.example)
        if problem:
            raise FieldValueError(problem)
        return value

    @property
    def placeholder(self) -> str:
        return f"YYYY-MM-DD or {self.pattern}"


def parse_amount(text: str, integer: bool, low=None, high=None):
    value, problem = logic.parse_number(text, integer, DateFormat.current().decimal_point, low, high)
    if problem:
        raise FieldValueError(problem)
    return value


def show_amount(value) -> str:
    if value is None:
        return ""
    text = str(value) if isinstance(value, int) else repr(float(value))
    return text.replace(".", DateFormat.current().decimal_point)


def date_line(parent: QWidget, label: str) -> QLineEdit:
    """A date box: type 2027-03-15 or the locale's form; empty means not set."""
    ed = QLineEdit(parent)
    ed.setAccessibleName(label)
    ed.setPlaceholderText(DateFormat.current().placeholder)
    ed.setToolTip(f"Type a date as 2027-03-15 or {DateFormat.current().example}, or pick it from the calendar.")
    return ed


_UNREADABLE = object()


class FieldEditor(QWidget):
    edited = Signal(str, object, str)  # field path, new value (None = cleared), undo label ("" = default)
    problem = Signal(str)              # why the typed text was not saved ("" once it is fine again)

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
        self._set_problem("")

    def load_from(self, snap) -> None:
        """Show this field's value in the snapshot (left alone when the editor already shows it)."""
        value = snap.get(self.field.path)
        try:
            shown = self.value()
        except FieldValueError:  # typed text that is no value (an impossible date): the file's value wins
            shown = _UNREADABLE
        if shown != value or self.problem_text:
            self.set_value(value)

    def commit(self) -> None:
        if self._loading:
            return
        try:
            current = self._read()
        except FieldValueError as exc:  # typed text that is not a value of this field: say so, save nothing
            self._set_problem(str(exc))
            return
        self._set_problem("")
        if current != self._loaded:
            self._loaded = current
            self.edited.emit(self.field.path, current, "")
        self._tidy(current)

    def _tidy(self, value: Any) -> None:
        """After a commit, show the value the way it was understood (e.g. a typed date in ISO form)."""

    def _set_problem(self, text: str) -> None:
        if text == self.__dict__.get("_problem", ""):
            return
        self._problem = text
        target = self.focus_target()
        target.setStyleSheet(INVALID_CSS if text else "")
        target.setAccessibleDescription(text)
        self.problem.emit(text)

    @property
    def problem_text(self) -> str:
        return self.__dict__.get("_problem", "")

    def set_read_only(self, read_only: bool) -> None:
        self.setEnabled(not read_only)

    def show_profile(self, profile: str | None) -> None:
        """Use the placeholder written for this kind of product (text boxes only)."""
        edit = getattr(self, "edit", None)
        if self.field.placeholders and isinstance(edit, (QLineEdit, QPlainTextEdit)):
            edit.setPlaceholderText(self.field.placeholder_for(profile))


def _clear_button(parent: QWidget, label: str, slot) -> QToolButton:
    b = QToolButton(parent)
    b.setText("Clear")
    b.setToolTip(f"Clear {label}")
    b.setAccessibleName(f"Clear {label}")
    b.setFocusPolicy(Qt.TabFocus)
    b.clicked.connect(slot)
    return b


class _TextBox(FieldEditor):
    """A field typed into a text box (`self.edit`): empty or blank text is no value."""

    def _text(self) -> str:
        raise NotImplementedError

    def _read(self):
        text = self._text()
        return text if text.strip() else None

    def focus_target(self):
        return self.edit

    def set_read_only(self, read_only):
        self.edit.setReadOnly(read_only)


class TextEditor(_TextBox):
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

    def _text(self) -> str:
        return self.edit.text()

    def _write(self, value):
        self.edit.setText("" if value is None else str(value))


class _PlainText(QPlainTextEdit):
    focus_lost = Signal()

    @qt_safe()
    def focusOutEvent(self, event):
        super().focusOutEvent(event)
        self.focus_lost.emit()


class LongTextEditor(_TextBox):
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

    def _text(self) -> str:
        return self.edit.toPlainText()

    def _write(self, value):
        self.edit.setPlainText("" if value is None else str(value))


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

    def add_go_to(self, slot) -> None:
        """For a choice whose values are field paths ('where the data are'): a button that opens the chosen
        field (`slot(path)`)."""
        self.go_to_button = b = QToolButton(self)
        b.setText("Go to")
        b.setToolTip("Open the field chosen here")
        b.setAccessibleName(f"Go to the field chosen for {self.field.label}")
        b.setFocusPolicy(Qt.TabFocus)
        b.clicked.connect(lambda: self.combo.currentData() and slot(self.combo.currentData()))
        b.setEnabled(self.combo.currentData() is not None)
        self.combo.currentIndexChanged.connect(lambda _i: b.setEnabled(self.combo.currentData() is not None))
        self.layout().insertWidget(1, b)

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
            b.installEventFilter(self)
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
        return self.group.checkedButton() or self.buttons[None]

    @qt_safe(False)
    def eventFilter(self, obj, event):
        # Tab into the group lands on the checked answer (Qt would land on the first button, "Yes")
        if event.type() == QEvent.FocusIn and event.reason() in (Qt.TabFocusReason, Qt.BacktabFocusReason):
            checked = self.group.checkedButton()
            if checked is not None and checked is not obj:
                reason = event.reason()
                QTimer.singleShot(0, lambda: checked.setFocus(reason) if obj.hasFocus() else None)
        return False


class DateEditor(FieldEditor):
    """A date typed as text (ISO or the locale's form) with a calendar pop-up and Clear."""

    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.edit = date_line(self, field.label)
        self.edit.setMinimumWidth(150)
        self.edit.setMaximumWidth(220)
        self.edit.editingFinished.connect(self.commit)
        self.calendar_button = QToolButton(self)
        self.calendar_button.setText("Calendar")
        self.calendar_button.setToolTip(f"Pick {field.label} from a calendar")
        self.calendar_button.setAccessibleName(f"Calendar for {field.label}")
        self.calendar_button.setFocusPolicy(Qt.TabFocus)
        self.calendar_button.setPopupMode(QToolButton.InstantPopup)
        self._menu = None  # a QMenu holding a QCalendarWidget, made on first use
        self.calendar_button.pressed.connect(self._ensure_calendar)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        row.addWidget(self.calendar_button)
        row.addWidget(_clear_button(self, field.label, self.clear))
        row.addStretch(1)
        self.setFocusProxy(self.edit)

    def _ensure_calendar(self) -> None:
        """The calendar is built on first use: most date fields are never opened with it (and naming its classes
        makes PySide build their enum types)."""
        if self._menu is None:
            from PySide6.QtWidgets import QCalendarWidget, QMenu, QWidgetAction
            self._menu = QMenu(self.calendar_button)
            self.calendar = QCalendarWidget(self._menu)
            self.calendar.setGridVisible(True)
            action = QWidgetAction(self._menu)
            action.setDefaultWidget(self.calendar)
            self._menu.addAction(action)
            self.calendar.clicked.connect(self.pick)
            self._menu.aboutToShow.connect(self._calendar_to_value)
            self.calendar_button.setMenu(self._menu)

    def _calendar_to_value(self) -> None:
        try:
            value = self._read()
        except FieldValueError:
            value = None
        d = QDate.fromString(value, "yyyy-MM-dd") if value else QDate.currentDate()
        self.calendar.setSelectedDate(d)
        self.calendar.setCurrentPage(d.year(), d.month())

    def pick(self, d: QDate) -> None:
        self.edit.setText(d.toString("yyyy-MM-dd"))
        if self._menu is not None:
            self._menu.hide()
        self.commit()

    def clear(self):
        self.edit.clear()
        self.commit()

    def _read(self):
        return DateFormat.current().parse(self.edit.text())

    def _write(self, value):
        self.edit.setText(value or "")

    def _tidy(self, value):
        shown = value or ""
        if self.edit.text() != shown:
            self.edit.setText(shown)

    def focus_target(self):
        return self.edit

    def set_read_only(self, read_only):
        self.edit.setReadOnly(read_only)
        self.calendar_button.setEnabled(not read_only)


class IntegerEditor(FieldEditor):
    """A whole number typed as text; an empty box means not set."""

    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(field.label)
        self.edit.setPlaceholderText("Not set")
        self.edit.setMinimumWidth(110)
        self.edit.setMaximumWidth(160)
        self.edit.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        if field.min is not None or field.max is not None:
            low = field.min if field.min is not None else "…"
            high = field.max if field.max is not None else "…"
            self.edit.setToolTip(f"A whole number from {low} to {high}.")
        self.edit.editingFinished.connect(self.commit)
        _with_clear(self, self.edit, field.label, self.clear)

    def clear(self):
        self.edit.clear()
        self.commit()

    def _read(self):
        return parse_amount(self.edit.text(), True, self.field.min, self.field.max)

    def _write(self, value):
        self.edit.setText("" if value is None else str(int(value)))

    def _tidy(self, value):
        shown = "" if value is None else str(value)
        if self.edit.text() != shown:
            self.edit.setText(shown)

    def focus_target(self):
        return self.edit

    def set_read_only(self, read_only):
        self.edit.setReadOnly(read_only)


class QuantityEditor(FieldEditor):
    """An amount typed as text (the locale's decimal point or a point) and a unit."""

    def __init__(self, field: Field, parent=None):
        super().__init__(field, parent)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(f"{field.label}: amount")
        self.edit.setPlaceholderText("Not set")
        self.edit.setMinimumWidth(110)
        self.edit.setMaximumWidth(160)
        self.edit.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.unit = QComboBox(self)
        self.unit.setAccessibleName(f"{field.label}: unit")
        self.unit.addItems(list(field.units))
        self.edit.editingFinished.connect(self.commit)
        self.unit.currentIndexChanged.connect(lambda _i: self.commit())
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        row.addWidget(self.unit)
        row.addWidget(_clear_button(self, field.label, self.clear))
        row.addStretch(1)
        self.setFocusProxy(self.edit)

    def clear(self):
        self.edit.clear()
        self.commit()

    def _read(self):
        amount = parse_amount(self.edit.text(), False)
        if amount is None:
            return None
        return {"value": amount, "unit": self.unit.currentText()}

    def _write(self, value):
        if not value:
            self.edit.setText("")
            return
        self.edit.setText(show_amount(value["value"]))
        i = self.unit.findText(value["unit"])
        self.unit.setCurrentIndex(max(i, 0))

    def _tidy(self, value):
        shown = show_amount(value["value"]) if value else ""
        if self.edit.text() != shown:
            self.edit.setText(shown)

    def focus_target(self):
        return self.edit

    def set_read_only(self, read_only):
        self.edit.setReadOnly(read_only)
        self.unit.setEnabled(not read_only)


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
    if field.editor in ("batch_grid", "stability_grid"):  # results tables: spreadsheet sheets (ui/grid_editor.py)
        from atmp_desktop.ui.grid_editor import ResultsEditor
        return ResultsEditor(field, parent)
    if field.editor == "process_flow":  # the process steps with the live flow diagram (ui/flow_preview.py)
        from atmp_desktop.ui.flow_preview import ProcessStepsEditor
        return ProcessStepsEditor(field, parent)
    if field.type == "long_text":  # formatted narrative (ui/rich_text.py, docs/narrative-format.md)
        from atmp_desktop.ui.rich_text import RichTextEditor
        return RichTextEditor(field, parent)
    if field.is_table:
        from atmp_desktop.ui.table_editor import TableEditor
        return TableEditor(field, parent)
    return EDITORS[field.type](field, parent)
