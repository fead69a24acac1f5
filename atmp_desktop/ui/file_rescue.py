"""Getting work back when a file cannot simply be opened: File > Backups, a clean copy of a file with a foreign
schema, the backups of a damaged file, and a lock that another computer left behind.

Every path here leaves the refused file byte-for-byte as it was: a clean copy and a restore "as a new file"
write a new file; replacing a project with a backup is asked first, backs the current file up (a damaged one is
kept beside it), and the current project stays open when anything fails.
"""
from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog, QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox, QPushButton, QVBoxLayout,
)

FILE_FILTER = "ATMP projects (*.atmp)"
REASONS = {"open": "when the project was opened", "timer": "while editing (every 10 minutes)",
           "migration": "before the file was upgraded", "restore": "before a backup was restored over it",
           "manual": "made on request"}


def describe_backup(backup, today: _dt.date | None = None) -> str:
    """'Today 13:40 — when the project was opened (1.2 MB)'."""
    today = today or _dt.date.today()
    day = backup.taken.date()
    when = ("Today" if day == today else "Yesterday" if day == today - _dt.timedelta(days=1)
            else f"{day:%a %d %b %Y}")
    size = f"{backup.size / 1e6:.1f} MB" if backup.size >= 100_000 else f"{max(1, backup.size // 1000)} kB"
    return f"{when} {backup.taken:%H:%M:%S} — {REASONS.get(backup.reason, backup.reason)} ({size})"


class BackupsDialog(QDialog):
    """The backups of one project file, newest first: open one read-only, restore it as a new file, or put it
    in place of the project (asked first). `damaged`: the project itself cannot be read."""

    def __init__(self, window, project_path: Path, backups: list, damaged: bool = False):
        super().__init__(window)
        self.window_ = window
        self.project_path = Path(project_path)
        self.backups = list(backups)
        self.damaged = damaged
        self.setWindowTitle(f"Backups of {self.project_path.name}")
        self.setMinimumSize(560, 340)
        col = QVBoxLayout(self)
        intro = QLabel(self)
        intro.setWordWrap(True)
        intro.setText(
            (f"“{self.project_path.name}” is damaged and cannot be read. " if damaged else "") +
            "Backups are made when a project is opened and every 10 minutes of editing, and kept in your user "
            "data folder (the last 5, one a day for a week, one a week for a month). Newest first:")
        col.addWidget(intro)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Backups")
        for b in self.backups:
            item = QListWidgetItem(describe_backup(b), self.list)
            item.setToolTip(str(b.path))
        if self.backups:
            self.list.setCurrentRow(0)
        else:
            QListWidgetItem("No backups of this project yet.", self.list).setFlags(Qt.NoItemFlags)
        intro.setBuddy(self.list)
        col.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.open_button = QPushButton("&Open Read-Only", self)
        self.open_button.setToolTip("Look at the backup without changing anything; Save As makes it editable")
        self.new_button = QPushButton("Restore as &New File…", self)
        self.replace_button = QPushButton(f"&Replace “{_short(self.project_path.name)}”…", self)
        self.close_button = QPushButton("Close", self)
        self.open_button.clicked.connect(self.open_read_only)
        self.new_button.clicked.connect(self.restore_as_new)
        self.replace_button.clicked.connect(self.replace)
        self.close_button.clicked.connect(self.reject)
        for b in (self.open_button, self.new_button, self.replace_button):
            b.setAutoDefault(False)
            b.setEnabled(bool(self.backups))
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.close_button)
        col.addLayout(row)
        (self.new_button if damaged else self.open_button).setDefault(bool(self.backups))
        self.list.itemDoubleClicked.connect(lambda _i: self.open_read_only())

    def chosen(self):
        i = self.list.currentRow()
        return self.backups[i] if 0 <= i < len(self.backups) else None

    def open_read_only(self) -> None:
        b = self.chosen()
        if b is not None and self.window_.open_path(b.path, read_only=True):
            self.accept()

    def restore_as_new(self) -> None:
        b = self.chosen()
        if b is None:
            return
        folder = _writable_folder(self.project_path, self.window_.settings)
        suggested = folder / f"{self.project_path.stem}-restored-{b.taken:%Y%m%d-%H%M}.atmp"
        path, _ = QFileDialog.getSaveFileName(self, "Restore backup as", str(suggested), FILE_FILTER)
        if not path:
            return
        target = Path(path)
        if target.suffix != ".atmp":
            target = target.with_suffix(".atmp")
        if restore(self.window_, b, target):
            self.accept()

    def replace(self) -> None:
        b = self.chosen()
        if b is None:
            return
        name = self.project_path.name
        aside = _damaged_name(self.project_path)
        box = QMessageBox(QMessageBox.Question, "Replace with backup?",
                          f"Replace “{name}” with the backup of {b.taken:%Y-%m-%d %H:%M}?", parent=self)
        box.setInformativeText(
            f"The damaged file is kept beside it as “{aside.name}”." if self.damaged
            else f"“{name}” as it is now is backed up first, so you can go back to it from this list.")
        yes = box.addButton("&Replace", QMessageBox.DestructiveRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(QMessageBox.Cancel)
        box.exec()
        if box.clickedButton() is not yes:
            return
        if self.damaged:
            try:
                shutil.copy2(self.project_path, aside)
            except OSError as exc:
                QMessageBox.critical(self, "Backup not restored",
                                     f"“{name}” could not be kept aside before the restore "
                                     f"({exc.strerror or exc}); nothing was changed. Restore as a new file instead.")
                return
        if restore(self.window_, b, self.project_path):
            self.accept()


def restore(window, backup, target: Path) -> bool:
    """Restore `backup` as `target` and open it. When `target` is the open project it is closed first and, if
    the restore fails, opened again as it was."""
    from atmp_desktop.store import ProjectFileError
    from atmp_desktop.store.recovery import restore_backup
    current = window.project
    reopen = current is not None and _same_file(current.path, target)
    read_only = reopen and current.read_only
    if reopen and not window.close_project():
        return False
    try:
        with _busy():
            restore_backup(backup.path, target, window.forms)
    except (ProjectFileError, OSError) as exc:
        text = (_sentence(str(exc)) if isinstance(exc, ProjectFileError) else
                f"“{target.name}” could not be written ({exc.strerror or exc}); choose another folder.")
        QMessageBox.critical(window, "Backup not restored", text + " Nothing was changed.")
        if reopen:
            window.open_path(target, read_only=read_only)
        return False
    if not window.open_path(target):
        return False
    window.status.showMessage(f"Restored the backup of {backup.taken:%Y-%m-%d %H:%M} as “{target.name}”.", 8000)
    return True


def show_backups(window) -> None:
    """File > Backups… for the open project."""
    if window.project is None:
        return
    window._commit_pending()
    dialog = BackupsDialog(window, window.project.path, window.project.backups())
    window._backups_dialog = dialog
    dialog.exec()


# ---------------------------------------------------------------------------------- refused files
def offer_backups(window, path: Path, exc) -> bool:
    """A damaged file: one sentence, and its backups when it has any."""
    found = list(getattr(exc, "backups", []) or [])
    if not found:
        QMessageBox.critical(window, "Cannot open project",
                             f"“{path.name}” is damaged and cannot be read, and this computer holds no backup of "
                             "it; ask the sender for a new copy.")
        return False
    box = QMessageBox(QMessageBox.Critical, "Cannot open project",
                      f"“{path.name}” is damaged and cannot be read; {len(found)} backup(s) of it can be restored.",
                      parent=window)
    box.setInformativeText("The damaged file is not changed unless you choose to replace it.")
    show = box.addButton("Show &Backups…", QMessageBox.AcceptRole)
    box.addButton(QMessageBox.Cancel)
    box.setDefaultButton(show)
    box.exec()
    if box.clickedButton() is not show:
        return False
    dialog = BackupsDialog(window, path, found, damaged=True)
    window._backups_dialog = dialog
    return dialog.exec() == QDialog.Accepted


def offer_clean_copy(window, path: Path, exc) -> bool:
    """A file with database objects we did not create, or a value larger than a field can hold: offer to copy
    its values into a new project."""
    from atmp_desktop.store import ProjectFileError
    from atmp_desktop.store.recovery import clean_copy
    from atmp_desktop.store.tempfiles import temp_path
    box = QMessageBox(QMessageBox.Warning, "Project not opened", f"“{path.name}” {_refused_because(exc)}.",
                      parent=window)
    box.setInformativeText("A clean copy reads only its values, checks each one and writes them into a new "
                           f"project file; “{path.name}” itself is not changed.")
    copy = box.addButton("Make a &Clean Copy…", QMessageBox.AcceptRole)
    box.addButton(QMessageBox.Cancel)
    box.setDefaultButton(copy)
    box.exec()
    if box.clickedButton() is not copy:
        return False
    folder = _writable_folder(path, window.settings)
    chosen, _ = QFileDialog.getSaveFileName(window, "Save the clean copy as", str(folder / f"{path.stem}-clean.atmp"),
                                            FILE_FILTER)
    if not chosen:
        return False
    target = Path(chosen)
    if target.suffix != ".atmp":
        target = target.with_suffix(".atmp")
    if _same_file(target, path):
        QMessageBox.critical(window, "No clean copy made", "The clean copy needs a new name; the original is kept "
                             "as it is.")
        return False
    held = _held(window, target) if target.exists() else ""
    if held:
        QMessageBox.critical(window, "No clean copy made", f"“{target.name}” is open in {held}, so it is not "
                             "replaced; choose another name for the clean copy.")
        return False
    tmp = temp_path(target)  # written aside and renamed: a file the user agreed to replace is replaced whole
    try:
        with _busy():
            report = clean_copy(path, tmp, window.forms)
        tmp.replace(target)
    except ProjectFileError as exc:
        tmp.unlink(missing_ok=True)
        QMessageBox.critical(window, "No clean copy made", _sentence(str(exc)))
        return False
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        QMessageBox.critical(window, "No clean copy made", f"“{target.name}” could not be written "
                             f"({exc.strerror or exc}); choose a folder you can write to.")
        return False
    if not window.open_path(target):
        return False
    if report.problems:
        box = QMessageBox(QMessageBox.Information, "Clean copy made",
                          f"The clean copy “{target.name}” holds {report.copied} value(s); {len(report.problems)} "
                          "could not be used and were left out.", parent=window)
        box.setInformativeText("Check those fields against the original's sender (Details lists them).")
        box.setDetailedText("\n".join(report.problems[:500]))
        box.exec()
    else:
        window.status.showMessage(f"Clean copy “{target.name}”: all {report.copied} value(s) copied.", 8000)
    return True


def _refused_because(exc) -> str:
    problem = getattr(exc, "problem", None)  # OversizedValueError
    if problem:
        return f"{problem}, so it was not opened"
    what = ", ".join((exc.foreign or exc.missing)[:3]) + (" …" if len(exc.foreign or exc.missing) > 3 else "")
    kind = "contains database objects this app did not create" if exc.foreign else "lacks parts of a project file"
    return f"{kind} ({what}), so it was not opened and nothing in it has run"


def offer_lock(window, path: Path, exc) -> str:
    """A project another window holds: open read-only, or (a lock of another computer, or an unreadable one)
    break the lock after a clear question. Returns 'read-only', 'break' or '' (cancelled)."""
    who = _holder_text(exc.holder or {})
    box = QMessageBox(QMessageBox.Warning, "Project already open",
                      f"“{path.name}” is already open for editing by {who}.", parent=window)
    box.setInformativeText("You can open it read-only to look at it" + (
        ", or, if you know that window is closed (say that computer crashed), break its lock." if exc.can_break
        else ", or cancel and close the other window first."))
    ro = box.addButton("Open &Read-Only", QMessageBox.AcceptRole)
    brk = box.addButton("&Break the Lock…", QMessageBox.DestructiveRole) if exc.can_break else None
    box.addButton(QMessageBox.Cancel)
    box.setDefaultButton(ro)
    box.exec()
    if box.clickedButton() is ro:
        return "read-only"
    if brk is None or box.clickedButton() is not brk:
        return ""
    sure = QMessageBox(QMessageBox.Warning, "Break the lock?",
                       f"Break the lock of {who} and open “{path.name}” for editing?", parent=window)
    sure.setInformativeText("Do this only if that window is surely closed. If it is still open, you would both "
                            "change the same file and one of you would lose work.")
    yes = sure.addButton("&Break Lock and Open", QMessageBox.DestructiveRole)
    sure.addButton(QMessageBox.Cancel)
    sure.setDefaultButton(QMessageBox.Cancel)
    sure.exec()
    return "break" if sure.clickedButton() is yes else ""


# ---------------------------------------------------------------------------------- helpers
class _busy:
    """A wait cursor while a copy of a large project is written (seconds for a dossier-scale file)."""

    def __enter__(self):
        from PySide6.QtWidgets import QApplication
        QApplication.setOverrideCursor(Qt.WaitCursor)

    def __exit__(self, *exc):
        from PySide6.QtWidgets import QApplication
        QApplication.restoreOverrideCursor()


def _holder_text(holder: dict) -> str:
    """'maria on LAB-PC-07 since 30 Nov 2026 17:42' (the lock's ISO time made readable)."""
    from atmp_desktop.store import locking
    if not holder:
        return "another window"
    text = locking.describe(holder)
    since = holder.get("since")
    if isinstance(since, str):
        try:
            text = text.replace(since, f"{_dt.datetime.fromisoformat(since):%d %b %Y %H:%M}")
        except ValueError:
            pass
    return text


def _writable_folder(path: Path, settings) -> Path:
    import os
    folder = Path(path).resolve().parent
    if os.access(folder, os.W_OK) and "backups" not in folder.parts[-2:]:
        return folder
    return Path(settings.folder()) if settings is not None else Path.home()


def _damaged_name(path: Path) -> Path:
    return path.with_name(f"{path.name}.damaged-{_dt.datetime.now():%Y%m%d-%H%M%S}")


def _held(window, path: Path) -> str:
    from atmp_desktop.ui.main_window import _held_elsewhere
    if window.project is not None and _same_file(path, window.project.path):
        return "this window"
    return _held_elsewhere(path)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _short(name: str, limit: int = 28) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text
