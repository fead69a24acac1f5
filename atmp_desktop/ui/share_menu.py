"""The Review menu and File > Send a Copy: milestones, compare, merge, review status, comments, reviewer bundle
and bringing existing work in. Installed into the main window with `install(window)`; every action goes
through the project store and the window refreshes from the ChangeSet it returns (`after_change`)."""
from __future__ import annotations

from pathlib import Path

# the dialogs, QThread and QEventLoop are named at use (`QtWidgets.QMessageBox`): PySide builds a class's enum
# types when it is first named, and the menus are built before the window's first paint
from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication

from atmp_desktop.core.review import STATE_LABELS, section_target, step_target



def install(w) -> None:
    """Add File > Send a Copy… and the Review menu (before Help) to the main window `w`."""
    bar = w.menuBar()
    file_menu = bar.actions()[0].menu()
    anchor = next((a for a in file_menu.actions() if a.text().startswith("&Export")), None)
    w.act_send_copy = w._action(file_menu, "Sen&d a Copy…", lambda: send_copy(w), (),
                                "A clean copy for e-mail: no lock, no history, no local paths")
    if anchor is not None:
        file_menu.removeAction(w.act_send_copy)
        file_menu.insertAction(anchor, w.act_send_copy)
    help_action = bar.actions()[-1]
    m = w.review_menu = bar.addMenu("&Review")
    bar.insertMenu(help_action, m)
    w.act_milestones = w._action(m, "&Milestones…", lambda: milestones(w), ("Ctrl+Shift+M",),
                                 "Named snapshots of the project: make, compare, restore, export")
    w.act_compare = w._action(m, "&Compare with a Milestone or Copy…", lambda: compare(w), ("Ctrl+Shift+D",))
    w.act_merge = w._action(m, "Merge a Colleague's &Copy…", lambda: merge(w), (),
                            "Three-way merge of a copy of this project that someone else edited")
    m.addSeparator()
    w.act_review_step = w._action(m, "Review &Status of This Step…", lambda: review_status(w), ("Ctrl+Shift+R",))
    w.act_review_section = w._action(m, "Review Status of a CTD S&ection…", lambda: review_status(w, section=True))
    w.act_comments = w._action(m, "Comments on This &Field…", lambda: comments(w), ("Ctrl+Alt+M",),
                               "Threaded review comments on the field that has the focus")
    m.addSeparator()
    w.act_bundle = w._action(m, "Reviewer &Bundle…", lambda: bundle(w), (),
                             "One zip for a review round: PDFs, Word files, readiness and change report")
    m.addSeparator()
    w.act_import_docx = w._action(m, "Import &Word Draft…", lambda: import_docx(w), (),
                                  "Narrative from a .docx whose headings carry CTD codes")
    w.act_import_table = w._action(m, "Import &Table from Excel or CSV…", lambda: import_table(w), ())
    w._share_actions = [w.act_send_copy, w.act_milestones, w.act_compare, w.act_merge, w.act_review_step,
                        w.act_review_section, w.act_comments, w.act_bundle, w.act_import_docx, w.act_import_table]
    w.last_field_path = None
    QApplication.instance().focusChanged.connect(lambda _o, new: _remember_field(w, new))


def _remember_field(w, widget) -> None:
    from atmp_desktop.ui.step_page import FieldRow
    while widget is not None and not isinstance(widget, FieldRow):
        widget = widget.parentWidget()
    if widget is not None and widget.window() is w:
        w.last_field_path = widget.field.path


def update_actions(w) -> None:
    """Enable what needs an open project; what writes needs it writable."""
    has = w.project is not None
    writable = has and not w.project.read_only
    for act in getattr(w, "_share_actions", ()):
        needs_write = act in (w.act_merge, w.act_review_step, w.act_review_section, w.act_comments,
                              w.act_import_docx, w.act_import_table)
        act.setEnabled(writable if needs_write else has)


def after_change(w, change=None) -> None:
    """After any action: say what the change set notices (an approval reset) and show review status."""
    if w.project is None or (change is not None and not (change.review or change.notice or change.everything)):
        return
    snap = w.project.snapshot()
    review = {t.split(":", 1)[1]: e["status"] for t, e in snap.review.items() if t.startswith("step:")}
    w.navigator.update_review(review)
    if change is not None and change.review and hasattr(w.sections_dock, "refresh"):
        codes = frozenset(t.split(":", 1)[1] for t in change.review if t.startswith("section:"))
        if codes:
            w.sections_dock.refresh(snap, w.findings, paths=(), sections=codes)
    if change is not None and change.notice:
        w.status.showMessage(change.notice, 10000)


def _apply(w, run, what: str):
    """Run a store action and refresh the window from its ChangeSet; store errors become one message."""
    from atmp_desktop.store import ProjectFileError
    w._commit_pending()
    try:
        change = run()
    except ProjectFileError as exc:
        QtWidgets.QMessageBox.warning(w, what, str(exc))
        return None
    if change is not None:
        w._after_change(change)
    return change


class _Job(QObject):
    done = Signal()

    def __init__(self, fn):
        super().__init__()
        self.fn, self.result, self.error = fn, None, None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # handed back to the window's thread and raised there
            self.error = exc
        self.done.emit()


def busy(w, text: str, fn):
    """Run `fn` (reading only) on a worker thread behind a modal busy dialog, so a large project's compare or
    merge does not freeze the window; returns its result or raises its error in the window's thread."""
    dialog = QtWidgets.QProgressDialog(text, None, 0, 0, w)
    dialog.setWindowTitle("Please wait")
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(400)
    dialog.setCancelButton(None)
    thread = QtCore.QThread(w)
    job = _Job(fn)
    job.moveToThread(thread)
    loop = QtCore.QEventLoop()
    job.done.connect(loop.quit)
    thread.started.connect(job.run)
    thread.start()
    loop.exec()
    thread.quit()
    thread.wait()
    dialog.close()
    dialog.deleteLater()
    if job.error is not None:
        raise job.error
    return job.result


# ------------------------------------------------------------------------------------------------ actions
def milestones(w) -> None:
    if w.project is None:
        return
    from atmp_desktop.ui.milestones_dialog import MilestonesDialog
    w._commit_pending()
    MilestonesDialog(w).exec()


def compare(w, other: str | None = None) -> None:
    """Compare the open project with a milestone (chosen in the Milestones dialog) or another copy."""
    if w.project is None:
        return
    from atmp_desktop.core.diff import compare as diff
    from atmp_desktop.store import ProjectFileError
    from atmp_desktop.store.merging import open_other
    w._commit_pending()
    if other is None:
        other, _ = QtWidgets.QFileDialog.getOpenFileName(w, "Compare with another copy of this project",
                                                         str(w.project.path.parent), "ATMP projects (*.atmp)")
        if not other:
            return
    mine = w.project.snapshot()  # from the open project to the copy: what the copy has that is different

    def work():
        with open_other(w.project, other) as theirs:
            snap, label = theirs.snapshot(), f"{Path(other).name} (saved {theirs.meta().get('modified', '')[:10]})"
        return snap, diff(w.forms, mine, snap, f"{w.project.path.name} (open now)", label)
    try:
        snap, d = busy(w, f"Reading and comparing {Path(other).name}…", work)
    except ProjectFileError as exc:
        QtWidgets.QMessageBox.warning(w, "Compare", str(exc))
        return
    show_compare(w, d, new=snap, old=mine)


def show_compare(w, d, old=None, new=None) -> None:
    from atmp_desktop.ui.compare_view import CompareView
    view = CompareView(w.forms, d, new if new is not None else w.project.snapshot(), old, w)
    view.go_to_field.connect(w.go_to_field)
    w._compare_view = view
    view.show()


def merge(w, path: str | None = None) -> None:
    if w.project is None or w.project.read_only:
        return
    from atmp_desktop.store import ProjectFileError
    from atmp_desktop.store.merging import prepare_merge
    w._commit_pending()
    if path is None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(w, "Merge a colleague's copy of this project",
                                                        str(w.project.path.parent), "ATMP projects (*.atmp)")
        if not path:
            return
    try:
        plan = busy(w, f"Reading {Path(path).name} and finding the common base…", lambda: prepare_merge(w.project, path))
    except ProjectFileError as exc:
        QtWidgets.QMessageBox.warning(w, "Merge", str(exc))
        return
    from atmp_desktop.ui.merge_view import MergeDialog
    dlg = MergeDialog(w.forms, plan, w)
    w._merge_dialog = dlg
    if dlg.exec():
        change = _apply(w, lambda: plan.apply(dlg.decisions()), "Merge")
        if change is None and not plan.result.taken and not plan.conflicts:
            w.status.showMessage(f"'{Path(path).name}' brings nothing new.", 6000)
        elif change is not None:
            w.status.showMessage(f"Merged '{Path(path).name}': {len(plan.result.taken)} change(s) taken, "
                                 f"{len(plan.conflicts)} conflict(s) decided. Edit ▸ Undo takes it back.", 10000)


def review_status(w, section: bool = False) -> None:
    if w.project is None or w.project.read_only:
        return
    from atmp_desktop.ui.review_dialog import ReviewStatusDialog
    if section:
        code = _current_section(w)
        target = section_target(code) if code else None
    else:
        target = step_target(w.current_step) if w.current_step else None
    dlg = ReviewStatusDialog(w.forms, w.project.snapshot(), target, sections=section, parent=w)
    if dlg.exec():
        t, status, reviewer, comment = dlg.result_values()
        _apply(w, lambda: w.project.set_review_status(t, status, comment, reviewer=reviewer), "Review status")
        w.status.showMessage(f"Review status recorded: {STATE_LABELS[status]}.", 5000)


def _current_section(w) -> str | None:
    tree = getattr(w.sections_dock, "tree", None)
    item = tree.currentItem() if tree is not None else None
    from atmp_desktop.ui.sections_dock import CODE_ROLE
    return item.data(0, CODE_ROLE) if item is not None else None


def comments(w, path: str | None = None) -> None:
    if w.project is None:
        return
    from atmp_desktop.ui.review_dialog import CommentsDialog
    path = path or w.last_field_path
    if path is None and w.current_step:
        path = w.forms.step(w.current_step).fields[0].path
    if path is None:
        return
    dlg = CommentsDialog(w, path)
    w._comments_dialog = dlg
    dlg.exec()


def send_copy(w) -> None:
    if w.project is None:
        return
    from atmp_desktop.ui.review_dialog import SendCopyDialog
    w._commit_pending()
    dlg = SendCopyDialog(w, w.project.path)
    if not dlg.exec():
        return
    target, remove = dlg.values()
    from atmp_desktop.store import ProjectFileError
    from atmp_desktop.store.sharing import send_copy as write
    try:
        sent = write(w.project, target, remove_names=remove)
    except ProjectFileError as exc:
        QtWidgets.QMessageBox.warning(w, "Send a Copy", str(exc))
        return
    w.status.showMessage(f"Copy written: {sent.path.name} — no lock, no history, no local paths"
                         + (", no user names" if remove else "") + f". Milestone: {sent.milestone}.", 12000)


def bundle(w) -> None:
    if w.project is None:
        return
    from atmp_desktop.ui.milestones_dialog import BundleDialog
    w._commit_pending()
    BundleDialog(w).exec()


def import_docx(w) -> None:
    _import(w, "Import a Word draft", "Word documents (*.docx)", "DocxImportDialog")


def import_table(w) -> None:
    _import(w, "Import a table", "Spreadsheets (*.xlsx *.csv)", "TableImportDialog")


def _import(w, title: str, filter_: str, dialog: str) -> None:
    """Choose the file, then the preview dialog (it writes one undoable action when accepted)."""
    if w.project is None or w.project.read_only:
        return
    path, _ = QtWidgets.QFileDialog.getOpenFileName(w, title, str(w.project.path.parent), filter_)
    if path:
        from atmp_desktop.ui import import_dialogs
        dlg = getattr(import_dialogs, dialog)(w, path)
        if dlg.ok:
            w._import_dialog = dlg
            dlg.exec()
