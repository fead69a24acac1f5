"""'New project': the questions that shape the dossier, asked before the file is created."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout

from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import FORMAT_NAME, FORMAT_VERSION
from atmp_desktop.ui.fields import FieldEditor, make_editor
from atmp_desktop.ui.step_page import FieldRow
from atmp_desktop.ui.style import role

# The answers that decide which steps, fields, documents and checks apply.
SHAPING_FIELDS = ("product.atmp_type", "product.origin", "product.contains_gmo", "product.is_combined",
                  "applicant.procedure")


class NewProjectDialog(QDialog):
    def __init__(self, forms: FormSet, parent=None):
        super().__init__(parent)
        self.forms = forms
        self.setWindowTitle("New project")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        intro = QLabel("These answers decide which steps, documents and checks apply. You can change them "
                       "later in the Product and Applicant steps. Next you choose where to save the file.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        title_label = QLabel("Project &title", self)
        role(title_label, "fieldLabel")
        self.title = QLineEdit(self)
        self.title.setAccessibleName("Project title")
        self.title.setPlaceholderText("e.g. NCT-019 CAR-T MAA")
        title_label.setBuddy(self.title)
        layout.addWidget(title_label)
        layout.addWidget(self.title)
        self.editors: dict[str, FieldEditor] = {}
        for path in SHAPING_FIELDS:
            if not forms.has_field(path):
                continue
            editor = make_editor(forms.field(path), self)
            self.editors[path] = editor
            layout.addWidget(FieldRow(editor, self))
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText("&Choose where to save…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addStretch(1)
        layout.addWidget(buttons)

    def set_answer(self, path: str, value) -> None:
        self.editors[path].set_value(value)

    def document(self) -> dict:
        """The JSON interchange document ProjectFile.create fills the new file from."""
        data: dict[str, dict] = {}
        for path, editor in self.editors.items():
            value = editor.value()
            if value is not None:
                step, field = path.split(".", 1)
                data.setdefault(step, {})[field] = value
        doc = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "data": data}
        if self.title.text().strip():
            doc["project"] = {"title": self.title.text().strip()}
        return doc
