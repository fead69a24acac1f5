"""One page per form step: intro, fields grouped under their `group` headings, labels above editors.

Labels sit above their editors and wrap, so long regulatory labels are never clipped. The page reads
values from a snapshot (`load`) and reports edits upward; it never writes to the project itself.
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from atmp_desktop.core.forms import FormSet, Step, parse_path
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.pursuits import project_pursuits
from atmp_desktop.ui import logic
from atmp_desktop.ui.fields import FieldEditor, make_editor
from atmp_desktop.ui.style import BANNER_CSS, role


class FieldRow(QWidget):
    """A field's label and editor; the help panel finds the field of the focused widget through this."""

    def __init__(self, editor: FieldEditor, parent=None):
        super().__init__(parent)
        self.field = editor.field
        self.editor = editor
        f = editor.field
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        role(self.label, "fieldLabel")
        self.label.setBuddy(editor.focus_target())
        self.required: bool | None = None
        self.show_required(f.required)
        layout = QVBoxLayout(self)
        role(self, "plain")
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(3)
        layout.addWidget(self.label)
        layout.addWidget(editor)
        self.message: QLabel | None = None  # why typed text was not saved; made on first use
        editor.problem.connect(self.show_problem)

    def show_required(self, required: bool) -> None:
        """The label's * and tooltip: required for the procedures the project pursues (Field.required_in)."""
        if required == self.required:
            return
        self.required = required
        self.label.setText(f"{self.field.label} *" if required else self.field.label)
        if self.field.required:  # (a field never required has no tooltip to set)
            self.label.setToolTip("Required" if required else "Not required for the procedures this project pursues")

    def show_problem(self, text: str) -> None:
        if self.message is None:
            if not text:
                return
            self.message = QLabel(self)
            self.message.setWordWrap(True)
            role(self.message, "error")
            self.layout().addWidget(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))


class StepPage(QScrollArea):
    edited = Signal(str, object, str)
    row_edits = Signal(str, object, str)  # table path, row operations, undo label
    problem = Signal(str, str)  # field path, why its typed text is not saved ("" when fixed)
    go_to = Signal(str)  # a field path to open (a "where the data are" choice's Go to)

    def __init__(self, forms: FormSet, step: Step, parent=None, build: bool = True):
        """`build=False`: only the heading now; the fields follow through `build()` (in slices)."""
        super().__init__(parent)
        self.forms = forms
        self.step = step
        self.editors: dict[str, FieldEditor] = {}
        self.rows: dict[str, FieldRow] = {}
        self._read_only = False
        self._applies: bool | None = None           # what the page shows now, so a refresh touches only
        self._visible: dict[str, bool] = {}         # the widgets whose state really changes
        self._group_shown: dict[str, bool] = {}
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        body = QWidget(self)
        body.setObjectName("stepBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(20, 16, 20, 20)
        layout.setSpacing(10)

        title = QLabel(step.title, body)
        role(title, "stepTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        if step.intro:
            intro = QLabel(step.intro, body)
            intro.setWordWrap(True)
            role(intro, "stepIntro")
            layout.addWidget(intro)
        self.banner = QLabel(body)
        self.banner.setWordWrap(True)
        self.banner.setObjectName("notApplicable")
        self.banner.setStyleSheet(BANNER_CSS)
        self.banner.hide()
        layout.addWidget(self.banner)

        self.form_area = QWidget(body)
        self._form_layout = QVBoxLayout(self.form_area)
        self._form_layout.setContentsMargins(0, 0, 0, 0)
        self._form_layout.setSpacing(12)
        self.groups: dict[str, QGroupBox] = {}
        self._unbuilt = list(step.fields)  # fields whose editors are still to make (see build)
        layout.addWidget(self.form_area)
        layout.addStretch(1)
        self.setWidget(body)
        if build:
            self.build()

    # ------------------------------------------------------------------ building
    @property
    def complete(self) -> bool:
        return not self._unbuilt

    def build(self, snap: ProjectSnapshot | None = None, budget_ms: float | None = None,
              fill_height: int | None = None, shown=None) -> bool:
        """Make the editors of the remaining fields, showing their values in `snap`; with `budget_ms`, stop
        after about that long so idle-time prebuilding never freezes the window (a big table's editor is the
        largest single piece); with `fill_height`, stop once the rows built that show (`shown(field)`) are
        at least that many pixels tall (the first screen of a launch). Returns whether the page is complete."""
        start = time.perf_counter()
        height = 0
        while self._unbuilt:
            f = self._unbuilt.pop(0)
            editor = self._add_field(f)
            if snap is not None:
                editor.load_from(snap)
            if budget_ms is not None and (time.perf_counter() - start) * 1000 >= budget_ms:
                break
            if fill_height is not None and (shown is None or shown(f)):
                height += self.rows[f.path].sizeHint().height()
                if height >= fill_height:
                    break
        return self.complete

    def _add_field(self, f) -> FieldEditor:
        container = self._group(f.group, self._form_layout)
        editor = make_editor(f, container)
        editor.edited.connect(self.edited)
        if f.is_table:
            editor.row_edits.connect(self.row_edits)
        editor.problem.connect(lambda text, path=f.path: self.problem.emit(path, text))
        if f.type == "choice" and f.choices and all(self.forms.has_field(c.value) for c in f.choices):
            editor.add_go_to(self.go_to.emit)
        row = FieldRow(editor, container)
        container.layout().addWidget(row)
        self.editors[f.path] = editor
        self.rows[f.path] = row
        return editor

    def _group(self, name: str, parent_layout: QVBoxLayout) -> QGroupBox:
        key = name or ""
        if key not in self.groups:
            box = QGroupBox(name, self.form_area)
            role(box, "groupTitle")  # the title is bold; the rows inside reset to plain
            inner = QVBoxLayout(box)
            inner.setContentsMargins(12, 8 if name else 4, 12, 8)
            inner.setSpacing(2)
            parent_layout.addWidget(box)
            self.groups[key] = box
        return self.groups[key]

    # ------------------------------------------------------------------ data
    def load(self, snap: ProjectSnapshot) -> None:
        for editor in self.editors.values():
            editor.load_from(snap)
        self.refresh_state(snap)

    def load_fields(self, snap: ProjectSnapshot, paths, keep: str | None = None) -> None:
        """Show the stored value of these fields; an editor already showing it is left alone, and so is
        `keep` (the editor the edit came from: reloading it would move the cursor while the user types)."""
        paths = list(paths)
        for path in paths:
            editor = self.editors.get(path)
            if editor is not None and path != keep:
                editor.load_from(snap)
        for editor in self.editors.values():  # editors that show other tables' rows (ref columns, result sheets)
            deps = getattr(editor, "depends_on", ())
            if deps and editor.field.path not in paths and any(p in deps for p in paths):
                editor.load_from(snap)

    def refresh_state(self, snap: ProjectSnapshot, paths=None, applicability: bool = True,
                      added: bool = False) -> None:
        """Re-evaluate the step's applicability and the visibility of fields (`paths`: only those fields,
        None: all; `added`: their rows were just added to this page on screen, see _to_show). Widgets are
        touched only where something changes."""
        if applicability:
            applies = logic.step_applies(self.step, snap)
            if applies != self._applies:
                self._applies = applies
                if applies:
                    self.banner.hide()
                else:
                    self.banner.setText("This step does not apply to this product: "
                                        + logic.not_applicable_reason(self.forms, self.step)
                                        + " You can still read what is stored here.")
                    self.banner.show()
                self.form_area.setEnabled(applies)
        groups = set()
        pursuits = project_pursuits(snap.get)
        for path in self.rows if paths is None else paths:
            row = self.rows.get(path)
            if row is None:
                continue
            if row.field.required_for is not None:
                row.show_required(row.field.required_in(pursuits))
            visible = logic.field_visible(row.field, snap)
            if self._visible.get(path) != visible:
                self._visible[path] = visible
                if not visible or _to_show(row, added):  # (a row built under a page not shown yet is not hidden,
                    row.setVisible(visible)              # and shows with it: setVisible(True) cost ~0.5 ms a row)
                groups.add(row.field.group or "")
        for name in groups:
            shown = any(self._visible.get(r.field.path) for r in self.rows.values() if (r.field.group or "") == name)
            if self._group_shown.get(name) != shown:
                self._group_shown[name] = shown
                if not shown or _to_show(self.groups[name], added):
                    self.groups[name].setVisible(shown)

    def is_field_shown(self, path: str) -> bool:
        return bool(self._visible.get(path, True))

    def show_profile(self, profile: str | None) -> None:
        for editor in self.editors.values():
            if editor.field.placeholders:
                editor.show_profile(profile)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for editor in self.editors.values():
            editor.set_read_only(read_only)

    def commit_all(self) -> None:
        """Write out text still waiting for its debounce timer (before undo, page change, close)."""
        for editor in self.editors.values():
            editor.commit()

    # ------------------------------------------------------------------ navigation
    def focus_field(self, location: str) -> bool:
        try:
            p = parse_path(location)
        except KeyError:
            return False
        row = self.rows.get(p.field_path)
        if row is None:
            return False
        if not self.is_field_shown(p.field_path):
            return False
        self.ensureWidgetVisible(row, 20, 60)
        editor = row.editor
        if p.index is not None and hasattr(editor, "select_cell"):
            editor.select_cell(p.index, p.column)
        else:
            editor.focus_target().setFocus(Qt.OtherFocusReason)
        return True

    def first_field_widget(self):
        for path, row in self.rows.items():
            if self.is_field_shown(path):
                return row.editor.focus_target()
        return None


def _to_show(widget: QWidget, added: bool) -> bool:
    """Whether a widget that is to show needs setVisible(True). Not when it was just added to a page on screen
    (`added`) and nobody hid it: Qt shows it on the next turn, with everything else the slice added, in one
    layout pass (QLayout queues the show of a widget added under a visible parent); setVisible(True) on each
    laid the page out once per row (the rest of a first screen, ~15 rows a slice)."""
    return widget.isHidden() and (not added or widget.testAttribute(Qt.WA_WState_ExplicitShowHide))
