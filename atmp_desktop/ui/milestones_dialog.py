"""Review > Milestones…: the project's named snapshots with date, author and counts; make one, compare one with
the project now, restore one (one undoable action), export one as a project file. And the reviewer bundle
dialog, which writes the zip on a worker thread."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView,
    QInputDialog, QLabel, QLineEdit, QMessageBox, QProgressBar, QPushButton, QTableWidget, QTableWidgetItem,
    QVBoxLayout,
)

from atmp_desktop.store import ProjectFileError
from atmp_desktop.ui.errors import logged

COLUMNS = ("Name", "Date (UTC)", "Author", "Kind", "Fields", "Rows", "Open comments", "Approved")


class MilestonesDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.setWindowTitle(f"Milestones of {window.project.path.name}")
        self.resize(980, 460)
        layout = QVBoxLayout(self)
        intro = QLabel("A milestone keeps the project as it is now, inside the file: make one before each round "
                       "(“as sent to CMC lead”, “as submitted”, “Day 120 responses”). Restoring one is a single "
                       "action that Edit ▸ Undo takes back; the state before it is kept as a milestone too.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)  # two selected: compare them
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.setAccessibleName("Milestones")
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        read_only = window.project.read_only
        self.new_button = self._button(buttons, "&New Milestone…", self.new, enabled=not read_only)
        self.compare_button = self._button(buttons, "&Compare with Now", self.compare)
        self.open_button = self._button(buttons, "&Open Read-Only", self.open_read_only)
        self.restore_button = self._button(buttons, "&Restore…", self.restore, enabled=not read_only)
        self.export_button = self._button(buttons, "&Export as Project…", self.export)
        buttons.addStretch(1)
        self._button(buttons, "Close", self.accept)
        layout.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._selection)
        self.table.doubleClicked.connect(lambda _i: self.compare())
        self.reload()

    def _button(self, layout, text, slot, enabled=True) -> QPushButton:
        b = QPushButton(text, self)
        b.clicked.connect(slot)
        b.setEnabled(enabled)
        layout.addWidget(b)
        return b

    def reload(self) -> None:
        try:
            self.items = list(reversed(self.w.project.milestones()))  # newest first
        except ProjectFileError as exc:
            QMessageBox.warning(self, "Milestones", str(exc))
            self.items = []
        self.table.setRowCount(len(self.items))
        for r, m in enumerate(self.items):
            c = m.counts
            values = (m.name, m.created[:16].replace("T", " "), m.author, "automatic" if m.kind == "auto" else "made",
                      str(c.get("fields", 0)), str(c.get("rows", 0)), str(c.get("comments", 0)),
                      str(c.get("approved", 0)))
            for col, v in enumerate(values):
                item = QTableWidgetItem(v)
                if col >= 4:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if col == 0 and m.note:
                    item.setToolTip(m.note)
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        if self.items:
            self.table.selectRow(0)
        self._selection()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()] if len(rows) == 1 else None

    def selected_all(self) -> list:
        """The selected milestones, oldest first."""
        rows = sorted(r.row() for r in self.table.selectionModel().selectedRows())
        return [self.items[r] for r in reversed(rows)]

    def _selection(self) -> None:
        n = len(self.table.selectionModel().selectedRows())
        self.compare_button.setText("&Compare the Two" if n == 2 else "&Compare with Now")
        self.compare_button.setEnabled(n in (1, 2))
        for b in (self.export_button, self.open_button):
            b.setEnabled(n == 1)
        self.restore_button.setEnabled(n == 1 and not self.w.project.read_only)

    def new(self, name: str | None = None) -> None:
        if name is None or not isinstance(name, str):
            name, ok = QInputDialog.getText(self, "New milestone", "Name of the milestone, e.g. "
                                            "“as sent to CMC lead 2027-01-10”:")
            if not ok:
                return
        try:
            self.w.project.create_milestone(name)
        except ProjectFileError as exc:
            QMessageBox.warning(self, "New milestone", str(exc))
            return
        self.w.status.showMessage(f"Milestone '{name.strip()}' made.", 5000)
        self.reload()

    def compare(self) -> None:
        """The selected milestone against the project now, or the two selected milestones (older first)."""
        chosen = self.selected_all()
        if len(chosen) not in (1, 2):
            return
        from atmp_desktop.core.diff import compare
        from atmp_desktop.ui.share_menu import show_compare
        try:
            snaps = [self.w.project.milestone_snapshot(m) for m in chosen]
        except ProjectFileError as exc:
            QMessageBox.warning(self, "Compare", str(exc))
            return
        labels = [f"milestone '{m.name}' ({m.created[:10]})" for m in chosen]
        if len(chosen) == 1:
            snaps.append(self.w.project.snapshot())
            labels.append(f"{self.w.project.path.name} (open now)")
        d = compare(self.w.forms, snaps[0], snaps[1], labels[0], labels[1])
        show_compare(self.w, d, old=snaps[0], new=snaps[1])

    def open_read_only(self) -> None:
        """The milestone in a window of its own, read-only (a copy in the app's data folder; the project itself
        is not touched)."""
        m = self.selected()
        if m is None:
            return
        from atmp_desktop.ui.main_window import MainWindow
        folder = Path.home() / ".local" / "share" / "atmp-desktop" / "milestones"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in m.name)[:50].strip("-") or "milestone"
            target = folder / f"{self.w.project.path.stem[:40]} @ {safe}.atmp"
            self.w.project.export_milestone(m, target, overwrite=True)
        except (ProjectFileError, OSError) as exc:
            QMessageBox.warning(self, "Open milestone", str(exc))
            return
        other = MainWindow(self.w.forms, self.w.settings)
        other.show()
        if other.open_path(target, read_only=True):
            other.setWindowTitle(f"Milestone '{m.name}' of {self.w.project.path.name} (read-only)")
            self.w.__dict__.setdefault("_milestone_windows", []).append(other)
        return other

    def restore(self, confirm: bool = True) -> None:
        m = self.selected()
        if m is None:
            return
        if confirm and QMessageBox.question(
                self, "Restore milestone",
                f"Make the project hold what it held at '{m.name}' ({m.created[:10]})?\n\nThe present state is kept "
                "as a milestone first, and Edit ▸ Undo takes the restore back.") != QMessageBox.Yes:
            return
        from atmp_desktop.ui.share_menu import _apply
        change = _apply(self.w, lambda: self.w.project.restore_milestone(m), "Restore milestone")
        self.w.status.showMessage(f"Restored '{m.name}'." if change is not None else
                                  "The project already holds that milestone; nothing changed.", 8000)
        self.reload()

    def export(self, target: str | None = None) -> None:
        m = self.selected()
        if m is None:
            return
        if not target:
            stem = "".join(ch if ch.isalnum() or ch in "-_ " else "-" for ch in m.name).strip().replace(" ", "-")
            target, _ = QFileDialog.getSaveFileName(self, "Export milestone as a project",
                                                    str(self.w.project.path.with_name(f"{stem[:60]}.atmp")),
                                                    "ATMP projects (*.atmp)")
            if not target:
                return
        target = Path(target)
        if target.suffix != ".atmp":
            target = target.with_suffix(".atmp")
        try:
            self.w.project.export_milestone(m, target, overwrite=target.exists())
        except ProjectFileError as exc:
            QMessageBox.warning(self, "Export milestone", str(exc))
            return
        self.w.status.showMessage(f"Milestone '{m.name}' written to {target.name}.", 8000)


# ---------------------------------------------------------------------------------------------- bundle
class _BundleWorker(QObject):
    done = Signal(object, str)
    progress = Signal(int, int, str)

    def __init__(self, forms, snap, since, since_label, now_label, out):
        super().__init__()
        self.args = (forms, snap, since, since_label, out, now_label)

    def run(self) -> None:
        from atmp_desktop.export.bundle import write_bundle
        from atmp_desktop.export.errors import ExportError
        forms, snap, since, since_label, out, now_label = self.args
        try:
            res = write_bundle(forms, snap, since, since_label, out, now_label=now_label,
                               progress=lambda a, b, t: self.progress.emit(a, b, t))
        except ExportError as exc:
            self.done.emit(None, str(exc))
            return
        except Exception as exc:  # the worker must always report back
            logged()
            self.done.emit(None, f"the bundle could not be written ({type(exc).__name__}: {exc}).")
            return
        self.done.emit(res, "")


class BundleDialog(QDialog):
    """Choose the milestone the change report starts from and where the zip goes; written on a worker."""

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.setWindowTitle("Reviewer bundle")
        self.resize(620, 240)
        layout = QVBoxLayout(self)
        intro = QLabel("One zip for a review round: every document that applies as PDF and Word, the readiness "
                       "report, the change report since a milestone, and a manifest with SHA-256 checksums.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.since = QComboBox(self)
        try:
            self.milestones = list(reversed(window.project.milestones()))
        except ProjectFileError:
            self.milestones = []
        for m in self.milestones:
            self.since.addItem(f"{m.name} ({m.created[:10]})", m.id)
        form.addRow("Changes since:", self.since)
        default = window.project.path.with_name(f"{window.project.path.stem}-review.zip")
        self.out = QLineEdit(str(default), self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        form.addRow("Bundle file:", row)
        layout.addLayout(form)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.message = QLabel("" if self.milestones else
                              "This project has no milestone yet: make one first (Review ▸ Milestones).", self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel, self)
        self.write_button = self.buttons.addButton("&Write Bundle", QDialogButtonBox.AcceptRole)
        self.write_button.setEnabled(bool(self.milestones))
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.thread: QThread | None = None
        self.result = None

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Reviewer bundle", self.out.text(), "Zip files (*.zip)")
        if path:
            self.out.setText(path if path.endswith(".zip") else path + ".zip")

    def start(self) -> None:
        m = self.milestones[self.since.currentIndex()]
        try:
            since = self.w.project.milestone_snapshot(m)
        except ProjectFileError as exc:
            self.message.setText(str(exc))
            return
        snap = self.w.project.snapshot()
        self.write_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.thread = QThread(self)
        self.worker = _BundleWorker(self.w.forms, snap, since, f"milestone '{m.name}' ({m.created[:10]})",
                                    f"{self.w.project.path.name} as of {snap.meta.get('modified', '')[:10]}",
                                    Path(self.out.text()))
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self._progress)
        self.worker.done.connect(self._done)
        self.thread.start()

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.message.setText(text)

    def _done(self, result, error: str) -> None:
        self.thread.quit()
        self.thread.wait()
        self.progress.setVisible(False)
        self.result = result
        if result is None:
            self.message.setText(error)
            self.write_button.setEnabled(True)
            return
        failed = f" {len(result.failed_checks)} PDF check(s) failed." if result.failed_checks else ""
        self.w.status.showMessage(f"Reviewer bundle written: {result.path.name} ({len(result.files)} files).{failed}",
                                  10000)
        self.accept()
