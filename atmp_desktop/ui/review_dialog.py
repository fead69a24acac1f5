"""Review status of a step or CTD section, threaded review comments on a field, and the Send a Copy dialog."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QMessageBox, QPlainTextEdit, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
)

from atmp_desktop.core.review import REVIEW_STATES, STATE_LABELS, section_target, step_target, threads
from atmp_desktop.core.sections import all_headings


class ReviewStatusDialog(QDialog):
    """Draft / in review / approved, with reviewer and comment, for one step or one CTD section."""

    def __init__(self, forms, snap, target: str | None, sections: bool = False, parent=None):
        super().__init__(parent)
        self.forms, self.snap = forms, snap
        self.setWindowTitle("Review status")
        self.resize(620, 360)
        layout = QVBoxLayout(self)
        intro = QLabel("Record the review of a step or a CTD section. When approved content changes later, it goes "
                       "back to “In review” by itself and the window says so.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.target = QComboBox(self)
        if sections:
            for h in all_headings():
                if h.code[:1] in "123":
                    self.target.addItem(f"{h.code} {h.title}", section_target(h.code))
        else:
            for s in forms.steps:
                self.target.addItem(s.title, step_target(s.id))
        if target is not None and self.target.findData(target) >= 0:
            self.target.setCurrentIndex(self.target.findData(target))
        form.addRow("Step or section:" if not sections else "CTD section:", self.target)
        self.status = QComboBox(self)
        for s in REVIEW_STATES:
            self.status.addItem(STATE_LABELS[s], s)
        form.addRow("Status:", self.status)
        self.reviewer = QLineEdit(self)
        form.addRow("Reviewer:", self.reviewer)
        self.comment = QPlainTextEdit(self)
        self.comment.setPlaceholderText("What was checked, against what, and anything to follow up")
        form.addRow("Comment:", self.comment)
        self.current = QLabel(self)
        self.current.setWordWrap(True)
        form.addRow("Now:", self.current)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText("&Record")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.target.currentIndexChanged.connect(self._load)
        self._load()

    def _load(self) -> None:
        entry = self.snap.review.get(self.target.currentData())
        if entry:
            self.status.setCurrentIndex(self.status.findData(entry["status"]))
            self.reviewer.setText(entry["reviewer"])
            self.current.setText(f"{STATE_LABELS[entry['status']]} by {entry['reviewer']} on {entry['at'][:10]}"
                                 + (f": {entry['comment']}" if entry["comment"] else ""))
        else:
            self.status.setCurrentIndex(self.status.findData("approved"))
            self.current.setText("No review recorded yet.")

    def result_values(self) -> tuple[str, str, str, str]:
        return (self.target.currentData(), self.status.currentData(), self.reviewer.text().strip() or None,
                self.comment.toPlainText().strip())


class CommentsDialog(QDialog):
    """The review comment threads on one field: read, add, reply, resolve or reopen."""

    def __init__(self, window, path: str):
        super().__init__(window)
        self.w, self.path = window, path
        f = window.forms.field(path)
        self.setWindowTitle(f"Comments on {f.label}")
        self.resize(760, 520)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{f.label}</b> ({window.forms.step(f.step_id).title}). Comments travel with the "
                                "project file and are listed in the change report.", self))
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Comment threads")
        self.tree.setHeaderLabels(["Comment", "Author", "Date", "State"])
        self.tree.setColumnWidth(0, 440)
        self.tree.setWordWrap(True)
        layout.addWidget(self.tree, 1)
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText("Write a comment, or select a thread and reply")
        self.text.setMaximumHeight(90)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        writable = not window.project.read_only
        self.add_button = self._button(row, "&Add Comment", self.add, writable)
        self.reply_button = self._button(row, "&Reply", self.reply, writable)
        self.resolve_button = self._button(row, "Re&solve / Reopen", self.toggle, writable)
        row.addStretch(1)
        self._button(row, "Close", self.accept, True)
        layout.addLayout(row)
        self.reload()

    def _button(self, layout, text, slot, enabled) -> QPushButton:
        b = QPushButton(text, self)
        b.clicked.connect(slot)
        b.setEnabled(enabled)
        layout.addWidget(b)
        return b

    def reload(self) -> None:
        self.tree.clear()
        for t in threads(self.w.project.snapshot().comments, self.path):
            top = QTreeWidgetItem([t.first["body"], t.first["author"], t.first["at"][:10],
                                   "Resolved" if t.resolved else "Open"])
            top.setData(0, Qt.UserRole, t.id)
            for r in t.replies:
                child = QTreeWidgetItem([r["body"], r["author"], r["at"][:10], ""])
                child.setData(0, Qt.UserRole, t.id)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)

    def _run(self, action) -> None:
        from atmp_desktop.ui.share_menu import _apply
        _apply(self.w, action, "Comments")
        self.text.clear()
        self.reload()

    def add(self, body: str | None = None) -> None:
        body = body if isinstance(body, str) else self.text.toPlainText()
        if body.strip():
            self._run(lambda: self.w.project.add_comment(self.path, body))

    def reply(self, body: str | None = None) -> None:
        item = self.tree.currentItem()
        body = body if isinstance(body, str) else self.text.toPlainText()
        if item is None or not body.strip():
            QMessageBox.information(self, "Reply", "Select a thread and write the reply first.")
            return
        self._run(lambda: self.w.project.add_comment(self.path, body, parent=item.data(0, Qt.UserRole)))

    def toggle(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        tid = item.data(0, Qt.UserRole)
        resolved = next(t.resolved for t in threads(self.w.project.snapshot().comments) if t.id == tid)
        self._run(lambda: self.w.project.resolve_comment(tid, resolved=not resolved))


class SendCopyDialog(QDialog):
    def __init__(self, window, project_path: Path):
        super().__init__(window)
        self.setWindowTitle("Send a Copy")
        self.resize(640, 260)
        layout = QVBoxLayout(self)
        intro = QLabel("Writes a clean copy to e-mail or share: no lock, no undo history, no local paths, compacted "
                       "so deleted text does not travel. A milestone “sent as …” is made here and in the copy, so "
                       "the copy that comes back can be merged from exactly this point.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.path = QLineEdit(str(project_path.with_name(f"{project_path.stem}-copy.atmp")), self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("Copy:", row)
        self.remove_names = QCheckBox("Replace user names in the audit log with “user 1”, “user 2”, …", self)
        form.addRow("", self.remove_names)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText("&Write Copy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Send a Copy", self.path.text(), "ATMP projects (*.atmp)")
        if path:
            self.path.setText(path if path.endswith(".atmp") else path + ".atmp")

    def values(self) -> tuple[Path, bool]:
        return Path(self.path.text()), self.remove_names.isChecked()

