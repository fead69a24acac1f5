"""'New project': the questions that shape the dossier, asked before the file is created.

Required answers are required (the button stays disabled and says what is missing); gene therapies are asked
whether they are given in vivo or ex vivo, and a question that does not apply (the origin of cells for an in
vivo gene therapy) says so instead of asking. The dialog is reused when the save dialog is cancelled, so the
answers are still there.
"""
from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QDialogButtonBox, QLabel, QLineEdit, QRadioButton, QVBoxLayout, QWidget,
)

from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import FORMAT_NAME, FORMAT_VERSION, ProjectSnapshot
from atmp_desktop.ui import logic
from atmp_desktop.ui.fields import FieldEditor, make_editor
from atmp_desktop.ui.step_page import FieldRow
from atmp_desktop.ui.style import role
from atmp_desktop.ui.errors import qt_safe

# The answers that decide which steps, fields, documents and checks apply, in the order asked.
SHAPING_FIELDS = ("product.atmp_type", "product.gm_cells", "product.origin", "product.contains_gmo",
                  "product.is_combined", "applicant.procedure")
# every question here must be answered (yes/no included: "not answered" is a fine state later, not here)
MUST_ANSWER = frozenset(SHAPING_FIELDS)
GENE_THERAPY = "GTMP"


class InVivoQuestion(QWidget):
    """For gene therapies: given in vivo (a vector) or ex vivo (modified cells); stored as product.gm_cells."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        label = QLabel("How is the gene therapy given? *", self)
        role(label, "fieldLabel")
        self.in_vivo = QRadioButton("&In vivo: a vector given to the patient (e.g. AAV, adenovirus, plasmid)", self)
        self.ex_vivo = QRadioButton("E&x vivo: cells genetically modified outside the body, then given "
                                    "(e.g. CAR-T, transduced CD34+ cells)", self)
        self.group = QButtonGroup(self)
        for b in (self.in_vivo, self.ex_vivo):
            b.setAccessibleName(f"How is the gene therapy given: {b.text().replace('&', '').split(':')[0]}")
            self.group.addButton(b)
        label.setBuddy(self.in_vivo)
        layout.addWidget(label)
        layout.addWidget(self.in_vivo)
        layout.addWidget(self.ex_vivo)

    def value(self):
        """product.gm_cells: True for ex vivo, False for in vivo, None while unanswered."""
        if self.ex_vivo.isChecked():
            return True
        if self.in_vivo.isChecked():
            return False
        return None

    def set_value(self, value) -> None:
        if value is not None:
            (self.ex_vivo if value else self.in_vivo).setChecked(True)


class NewProjectDialog(QDialog):
    def __init__(self, forms: FormSet, parent=None):
        super().__init__(parent)
        self.forms = forms
        self.setWindowTitle("New project")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        intro = QLabel("These answers decide which steps, documents and checks apply. You can change them "
                       "later in the Product and Applicant steps. Next you choose where to save the file.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        title_label = QLabel("Project &title *", self)
        role(title_label, "fieldLabel")
        self.title = QLineEdit(self)
        self.title.setAccessibleName("Project title")
        self.title.setPlaceholderText("e.g. product code and procedure, such as “LX-201 marketing authorisation”")
        title_label.setBuddy(self.title)
        layout.addWidget(title_label)
        layout.addWidget(self.title)
        self.editors: dict[str, FieldEditor] = {}
        self.rows: dict[str, QWidget] = {}
        self.in_vivo: InVivoQuestion | None = None
        for path in SHAPING_FIELDS:
            if not forms.has_field(path):
                continue
            if path == "product.gm_cells":
                self.in_vivo = InVivoQuestion(self)
                self.in_vivo.group.buttonToggled.connect(lambda *_: self._update())
                self.rows[path] = self.in_vivo
                layout.addWidget(self.in_vivo)
                continue
            editor = make_editor(forms.field(path), self)
            editor.edited.connect(lambda *_: self._update())
            self.editors[path] = editor
            row = FieldRow(editor, self)
            if path in MUST_ANSWER and not row.label.text().endswith("*"):
                row.label.setText(row.label.text() + " *")
            self.rows[path] = row
            layout.addWidget(row)
        self.origin_na = QLabel("Origin of cells or tissues: not applicable. An in vivo gene therapy is a vector, "
                                "not cells of a patient, donor or animal.", self)
        self.origin_na.setWordWrap(True)
        role(self.origin_na, "hint")
        layout.addWidget(self.origin_na)
        self.missing = QLabel(self)
        self.missing.setWordWrap(True)
        role(self.missing, "hint")
        layout.addStretch(1)
        layout.addWidget(self.missing)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.ok = self.buttons.button(QDialogButtonBox.Ok)
        self.ok.setText("&Choose where to save…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.title.textChanged.connect(lambda _t: self._update())
        self._update()

    # ------------------------------------------------------------------ answers
    def set_answer(self, path: str, value) -> None:
        if path == "product.gm_cells" and self.in_vivo is not None:
            self.in_vivo.set_value(value)
        else:
            self.editors[path].set_value(value)
        self._update()

    def answers(self) -> dict[str, object]:
        """The answers to the questions that apply (field path -> value; None while unanswered)."""
        raw = {path: editor.value() for path, editor in self.editors.items()}
        if self.in_vivo is not None:
            raw["product.gm_cells"] = self.in_vivo.value()
        snap = _snapshot(raw)
        return {p: v for p, v in raw.items() if self._applies(p, snap)}

    def _applies(self, path: str, snap: ProjectSnapshot) -> bool:
        if path == "product.gm_cells":
            return snap.get("product.atmp_type") == GENE_THERAPY
        return logic.field_visible(self.forms.field(path), snap)

    def missing_answers(self) -> list[str]:
        missing = [] if self.title.text().strip() else ["the project title"]
        for path, value in self.answers().items():
            if path in MUST_ANSWER and value is None:
                missing.append("how the gene therapy is given" if path == "product.gm_cells"
                               else self.forms.field(path).label.lower())
        return missing

    def _update(self) -> None:
        raw = {path: editor.value() for path, editor in self.editors.items()}
        if self.in_vivo is not None:
            raw["product.gm_cells"] = self.in_vivo.value()
        snap = _snapshot(raw)
        for path, row in self.rows.items():
            row.setVisible(self._applies(path, snap))
        self.origin_na.setVisible("product.origin" in self.rows and not self._applies("product.origin", snap))
        missing = self.missing_answers()
        self.ok.setEnabled(not missing)
        self.missing.setText("Still to answer: " + ", ".join(missing) + "." if missing else "")

    @qt_safe()
    def accept(self) -> None:
        if self.missing_answers():  # Enter in a field presses the default button even when it is disabled
            self._update()
            return
        super().accept()

    def document(self) -> dict:
        """The JSON interchange document ProjectFile.create fills the new file from."""
        data: dict[str, dict] = {}
        for path, value in self.answers().items():
            if value is not None:
                step, field = path.split(".", 1)
                data.setdefault(step, {})[field] = value
        doc = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "data": data}
        if self.title.text().strip():
            doc["project"] = {"title": self.title.text().strip()}
        return doc


def _snapshot(answers: dict[str, object]) -> ProjectSnapshot:
    values: dict[str, dict] = {}
    for path, value in answers.items():
        if value is not None:
            step, field = path.split(".", 1)
            values.setdefault(step, {})[field] = value
    return ProjectSnapshot(meta={}, values=values)
