"""Edit > Figures…: attach PNG, JPEG or SVG images to the fields and headings the documents print figures
for (core.definitions.figure_places), with caption and alt text; move and remove them (docs/figures.md).

Every change is one action of the project file (one undo step, Edit > Undo or the panel's Undo button). A
file that cannot be used (not an image, damaged, too large, an SVG with scripts or outside references) is
refused in one sentence and nothing is stored. The panel is not modal: it follows the project when the window
undoes, redoes or reloads (`refresh`).
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QMessageBox, QPlainTextEdit, QPushButton, QSizePolicy, QVBoxLayout,
)

from atmp_desktop.core.definitions import default_definitions, figure_places
from atmp_desktop.core.figures import KIND_LABELS, MAX_IMAGE_BYTES, check_image
from atmp_desktop.ui.style import role
from atmp_desktop.ui.errors import qt_safe

FILTER = "Images (*.png *.jpg *.jpeg *.svg);;All files (*)"
THUMB = QSize(360, 240)


def _slot_name(defs, doc_id: str, code: str) -> str:
    """'3.2.S.1.2' for a CTD section; a form's own section number with the form's name ('section 2.3 of the
    common application form for AAV vectors'), which a CTD number alone would misname."""
    doc = defs.document(doc_id)
    if doc.namespace == "ctd":
        return code
    title = doc.title.replace("Common application form: investigational products containing ", "GMO form for ") \
        .replace("Common application form: ", "GMO form for ")
    return f"section {code} of the {title}" if code else f"the {title}"


def thumbnail(kind: str, data: bytes, size: QSize = THUMB) -> QPixmap:
    """A preview of the image (SVG through QtSvg), scaled to fit `size`."""
    if kind == "svg":
        from PySide6.QtSvg import QSvgRenderer
        renderer = QSvgRenderer(QByteArray(data))
        natural = renderer.defaultSize()
        if not renderer.isValid() or natural.isEmpty():
            return QPixmap()
        target = natural.scaled(size, Qt.KeepAspectRatio)
        image = QImage(target, QImage.Format_ARGB32)
        image.fill(Qt.white)
        p = QPainter(image)
        renderer.render(p)
        p.end()
        return QPixmap.fromImage(image)
    image = QImage.fromData(data)
    if image.isNull():
        return QPixmap()
    return QPixmap.fromImage(image.scaled(size, Qt.KeepAspectRatio, Qt.SmoothTransformation))


class FigurePanel(QDialog):
    def __init__(self, window, target: str | None = None):
        super().__init__(window)
        self.window_ = window
        self.project = window.project
        self.setWindowTitle("Figures")
        self.setModal(False)
        defs = default_definitions()
        self.places = figure_places(window.forms, defs)
        self.place = QComboBox(self)
        self.place.setAccessibleName("Attached to")
        for p in self.places:
            where = ", ".join(dict.fromkeys(_slot_name(defs, doc, code) for doc, code, _cap in p.slots))
            self.place.addItem(f"{p.label} (printed in {where})", p.target)
        self.place.currentIndexChanged.connect(lambda _i: self.refresh())
        self.list = QListWidget(self)
        self.list.setAccessibleName("Figures attached here")
        self.list.currentRowChanged.connect(lambda _r: self._show_current())
        self.preview = QLabel(self)
        self.preview.setMinimumSize(THUMB)
        self.preview.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored)  # the pixmap never grows the panel
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setFrameShape(QLabel.StyledPanel)
        self.details = QLabel(self)
        role(self.details, "hint")
        self.caption = QLineEdit(self)
        self.caption.setAccessibleName("Caption")
        self.caption.setPlaceholderText("e.g. Map of the LV-CD19.BBz transfer vector")
        self.caption.editingFinished.connect(self._save_caption)
        self.alt = QPlainTextEdit(self)
        self.alt.setAccessibleName("Alt text")
        self.alt.setPlaceholderText("What the figure shows, for readers who cannot see it (Word's alt text)")
        self.alt.setMaximumHeight(80)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        role(self.message, "error")
        self.message.hide()

        self.attach_button = self._button("Attach image…", self.attach_dialog)
        self.replace_label = QLabel(f"PNG, JPEG or SVG, at most {MAX_IMAGE_BYTES >> 20} MB", self)
        role(self.replace_label, "hint")
        self.save_alt_button = self._button("Save alt text", self._save_alt)
        self.up_button = self._button("Move up", lambda: self._move(-1))
        self.down_button = self._button("Move down", lambda: self._move(1))
        self.remove_button = self._button("Remove", self.remove_current)
        self.undo_button = self._button("Undo", self._undo)
        close = self._button("Close", self.close)

        top = QFormLayout()
        top.addRow("Attached to:", self.place)
        side = QVBoxLayout()
        side.addWidget(self.list)
        row = QHBoxLayout()
        for b in (self.up_button, self.down_button, self.remove_button):
            row.addWidget(b)
        side.addLayout(row)
        side.addWidget(self.attach_button)
        side.addWidget(self.replace_label)
        right = QVBoxLayout()
        right.addWidget(self.preview, 1)   # the preview takes the height; caption and alt text keep theirs
        right.addWidget(self.details)
        form = QFormLayout()
        form.addRow("Caption:", self.caption)
        form.addRow("Alt text:", self.alt)
        right.addLayout(form)
        right.addWidget(self.save_alt_button, 0, Qt.AlignRight)
        body = QHBoxLayout()
        body.addLayout(side, 1)
        body.addLayout(right, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(body)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        if target is not None and self.place.findData(target) >= 0:
            self.place.setCurrentIndex(self.place.findData(target))
        self.refresh()

    def _button(self, text, slot) -> QPushButton:
        b = QPushButton(text, self)
        b.setAutoDefault(False)
        b.clicked.connect(slot)
        return b

    # ------------------------------------------------------------------ showing
    @property
    def target(self) -> str | None:
        return self.place.currentData()

    def figures(self):
        project = self.window_.project
        return [] if project is None else [f for f in project.snapshot().figures if f.target == self.target]

    def refresh(self) -> None:
        """Show the project's figures at the chosen place (after any change, undo or reload)."""
        current = self.list.currentItem().data(Qt.UserRole) if self.list.currentItem() else None
        self.list.blockSignals(True)
        self.list.clear()
        for f in self.figures():
            item = QListWidgetItem(f"{f.caption or '(no caption)'} — {f.name or KIND_LABELS[f.kind]}")
            item.setData(Qt.UserRole, f.id)
            self.list.addItem(item)
            if f.id == current:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        read_only = self.window_.project is None or self.window_.project.read_only
        for b in (self.attach_button, self.remove_button, self.up_button, self.down_button, self.save_alt_button):
            b.setEnabled(not read_only)
        self.undo_button.setEnabled(bool(self.window_.project and self.window_.project.undo_label))
        self._show_current()

    def current(self):
        item = self.list.currentItem()
        fid = item.data(Qt.UserRole) if item else None
        return next((f for f in self.figures() if f.id == fid), None)

    def _show_current(self) -> None:
        f = self.current()
        self.caption.setEnabled(f is not None)
        self.alt.setEnabled(f is not None)
        if f is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("No figure attached here yet: Attach image…")
            self.details.setText("")
            self.caption.setText("")
            self.alt.setPlainText("")
            return
        self.preview.setPixmap(thumbnail(f.kind, f.data, self._preview_size()))
        info = check_image(f.data)
        self.details.setText(f"{KIND_LABELS[f.kind]}, {info.size_text}, {len(f.data) / 1024:,.0f} KB"
                             + (" — stays vector graphics in the PDF" if f.kind == "svg" else "")
                             + ". Numbered in the export (Figure <section>-n).")
        if self.caption.text() != f.caption:
            self.caption.setText(f.caption)
        if self.alt.toPlainText() != f.alt:
            self.alt.setPlainText(f.alt)

    def _preview_size(self) -> QSize:
        """The preview fills its frame (at least the thumbnail size): a vector map must be readable."""
        room = self.preview.contentsRect().size() - QSize(16, 16)
        return room.expandedTo(THUMB)

    @qt_safe()
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        f = self.current()
        if f is not None:
            self.preview.setPixmap(thumbnail(f.kind, f.data, self._preview_size()))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # ------------------------------------------------------------------ actions (one undo step each)
    def _done(self, change) -> None:
        if change is not None:
            self.window_._after_change(change)
        self.refresh()

    def _run(self, action) -> None:
        from atmp_desktop.store import ProjectFileError
        try:
            change = action()
        except ProjectFileError as exc:
            self._say(str(exc))
            return
        self._say("")
        self._done(change)

    def attach_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Attach an image", str(Path.home()), FILTER)
        if path:
            self.attach_file(path)

    def attach_file(self, path: str | Path) -> None:
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_IMAGE_BYTES:
                self._say(f"'{path.name}' is {size / 1048576:.1f} MB; an image may be at most "
                          f"{MAX_IMAGE_BYTES >> 20} MB (save it smaller, or as SVG or JPEG).")
                return
            data = path.read_bytes()
        except OSError as exc:
            self._say(f"'{path.name}' cannot be read ({exc.strerror or exc}).")
            return
        caption = path.stem.replace("_", " ").replace("-", " ")
        self._run(lambda: self.window_.project.attach_figure(self.target, data, caption=caption, name=path.name))
        if self.list.count():
            self.list.setCurrentRow(self.list.count() - 1)
            self.caption.setFocus()
            self.caption.selectAll()

    def _save_caption(self) -> None:
        f = self.current()
        if f is not None and self.caption.text().strip() != f.caption:
            self._run(lambda: self.window_.project.edit_figure(f.id, caption=self.caption.text()))

    def _save_alt(self) -> None:
        f = self.current()
        if f is not None and self.alt.toPlainText().strip() != f.alt:
            self._run(lambda: self.window_.project.edit_figure(f.id, alt=self.alt.toPlainText()))

    def _move(self, offset: int) -> None:
        f = self.current()
        if f is not None:
            self._run(lambda: self.window_.project.move_figure(f.id, offset))

    def remove_current(self) -> None:
        f = self.current()
        if f is None:
            return
        answer = QMessageBox.question(self, "Remove figure", f"Remove the figure '{f.caption or f.name}'? "
                                      "Edit > Undo brings it back.")
        if answer == QMessageBox.Yes:
            self._run(lambda: self.window_.project.remove_figure(f.id))

    def _undo(self) -> None:
        self.window_.undo()
        self.refresh()


def _focused_field(window) -> str | None:
    from PySide6.QtWidgets import QApplication

    from atmp_desktop.ui.step_page import FieldRow
    w = QApplication.focusWidget()
    while w is not None and not isinstance(w, FieldRow):
        w = w.parentWidget()
    return w.field.path if w is not None else None


def open_panel(window) -> FigurePanel | None:
    """Edit > Figures…: the panel for the field in focus when it is a figure place, else the first place."""
    if window.project is None:
        window.status.showMessage("Open a project first: figures belong to a project.", 5000)
        return None
    target = _focused_field(window)
    panel = getattr(window, "_figure_panel", None)
    if panel is None or panel.project is not window.project:
        if panel is not None:
            panel.close()
        panel = FigurePanel(window, target)
        window._figure_panel = panel
    elif target and panel.place.findData(target) >= 0:
        panel.place.setCurrentIndex(panel.place.findData(target))
    panel.refresh()
    panel.show()
    panel.raise_()
    return panel
