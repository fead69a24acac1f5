"""A regulatory writer's working day in the real window (2026-12-02; docs/reliability.md "A working day in the
window"): a morning on a sample project through key clicks and mouse clicks on the real widgets, odd clipboard
content, imports, a milestone and a comparison, exports from the Export dialog, and the files a colleague
sends. Every test fails on a Python exception (pytest-qt) and on a Qt warning (QWidget::, QLayout, QObject::
...) printed while it ran; values are checked in the project file read afresh."""
from __future__ import annotations

import time
import warnings

import pytest
from PySide6.QtCore import QPoint, QTimer, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox, QPushButton, QStyle

from atmp_desktop.store import ProjectFile
from tests import reliability_kinds as kinds
from tests import soak

QT_WARNINGS = ("QWidget::", "QLayout", "QObject::", "QPainter::", "QAbstractItemView", "QHeaderView",
               "QSortFilterProxyModel", "QTextCursor", "QFont", "Cannot ", "Traceback")


@pytest.fixture(autouse=True)
def no_warnings(qtlog, capfd):
    """A Qt warning or a traceback printed during the test fails it, with the text."""
    yield
    out, err = capfd.readouterr()
    printed = [line for line in err.splitlines() if any(w in line for w in QT_WARNINGS)]
    logged = [r.message for r in qtlog.records if any(w in r.message for w in QT_WARNINGS)]
    assert not printed and not logged, "\n".join(printed + logged)


def stored(path, forms):
    with ProjectFile.open(path, forms, read_only=True) as p:
        return p.snapshot()


def new_from_sample(tmp_path, name, filename=None):
    """`atmp-desktop new X.atmp --sample NAME`, as the user would run it."""
    path = tmp_path / (filename or f"{name}.atmp")
    from atmp_desktop.cli import main
    assert main(["new", str(path), "--sample", name]) == 0
    return path


def ctrl(widget, key, extra=Qt.NoModifier):
    QTest.keyClick(widget, key, Qt.ControlModifier | extra)


def retype(box, text, finish=Qt.Key_Return):
    soak.retype(box, text, finish)
    pace()


def editor(window, path):
    step = path.split(".")[0]
    click_step(window, step)
    page = window.page(step)
    QTest.qWait(20)  # a person looks before clicking: the page has painted
    ed = page.editors[path]
    page.ensureWidgetVisible(ed, 10, 10)
    return ed


def activate(window):
    """The offscreen platform leaves a closed drop-down list "active"; a window manager gives activation back
    to the main window, as this does (tests/soak.py does the same)."""
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            QApplication.setActiveWindow(window)


def click_step(window, step):
    activate(window)
    nav = window.navigator
    ids = [s.id for s in window.forms.steps]
    item = nav.item(ids.index(step))
    nav.scrollToItem(item)
    QTest.mouseClick(nav.viewport(), Qt.LeftButton, Qt.NoModifier, nav.visualItemRect(item).center())
    assert window.current_step == step


def pace():
    """Between two inputs of a person the event loop runs (posted events, deferred deletes): QTest sends its
    events at once, so each helper lets it run, or a click lands on a cell editor Qt has closed but not yet
    deleted (QAbstractItemView::commitData warns)."""
    QTest.qWait(1)


def click_cell(t, r, c):
    activate(t.window())
    idx = t.model.index(r, c)
    t.view.scrollTo(idx)
    QTest.mouseClick(t.view.viewport(), Qt.LeftButton, Qt.NoModifier, t.view.visualRect(idx).center())
    pace()


def type_cell(t, r, c, text):
    click_cell(t, r, c)
    QTest.keyClicks(t.view, text[0])
    box = t.view.indexWidget(t.model.index(r, c))
    assert box is not None, "typing into a cell opened no editor"
    QTest.keyClicks(box, text[1:])
    QTest.keyClick(box, Qt.Key_Return)
    pace()


def undo_key(window):
    window.navigator.setFocus()
    ctrl(window.navigator, Qt.Key_Z)


def redo_key(window):
    window.navigator.setFocus()
    ctrl(window.navigator, Qt.Key_Z, Qt.ShiftModifier)


def settle(window, qtbot):
    """Wait for the commit behind the window and the checks, as a person pausing would."""
    window._saved(wait=True)
    QTest.qWait(1)


# ------------------------------------------------------------------------------------------ the morning
def test_a_morning_on_the_car_t_sample(window, forms, qtbot, tmp_path, no_message_box):
    path = new_from_sample(tmp_path, "car-t")
    window.resize(1366, 768)
    assert window.open_path(path)
    # through every step with Next, and back with Back
    first = window.current_step
    seen = [first]
    for _ in range(len(forms.steps)):
        if not window.next_button.isEnabled():
            break
        QTest.mouseClick(window.next_button, Qt.LeftButton)
        seen.append(window.current_step)
    assert len(set(seen)) == len(seen) >= 5
    while window.back_button.isEnabled():
        QTest.mouseClick(window.back_button, Qt.LeftButton)
    assert window.current_step == forms.steps[0].id

    # text, long text, choice, date, number
    retype(editor(window, "product.invented_name").edit, "Leukocel 2")
    box = editor(window, "product.mode_of_action").edit
    QTest.mouseClick(box.viewport(), Qt.LeftButton)
    ctrl(box, Qt.Key_A)
    QTest.keyClicks(box, "Binds CD19 and kills B cells.")
    QTest.keyClick(box, Qt.Key_Return)
    QTest.keyClicks(box, "Second paragraph.")
    QTest.keyClick(box, Qt.Key_Tab)
    retype(editor(window, "applicant.planned_submission_date").edit, "2027-03-15")
    retype(editor(window, "traceability.retention_years").edit, "30")
    retype(editor(window, "manufacturing.manufacturing_duration").edit, "12")
    combo = editor(window, "applicant.dossier_status").combo
    QTest.mouseClick(combo, Qt.LeftButton)
    QTest.keyClick(combo.view(), Qt.Key_Down)
    QTest.keyClick(combo.view(), Qt.Key_Down)
    QTest.keyClick(combo.view(), Qt.Key_Return)
    status = combo.currentData()

    # a table: add, type, move, delete
    t = editor(window, "manufacturing.sites")
    n = t.model.rowCount()
    QTest.mouseClick(t.add_button, Qt.LeftButton)
    click_cell(t, n, 0)
    type_cell(t, n, 0, "Leiden Cell Factory")
    click_cell(t, n, 0)
    QTest.mouseClick(t.up_button, Qt.LeftButton)
    settle(window, qtbot)
    rows = stored(path, forms).rows("manufacturing.sites")
    assert rows[n - 1]["name"] == "Leiden Cell Factory" and len(rows) == n + 1
    click_cell(t, n - 1, 0)
    QTest.mouseClick(t.remove_button, Qt.LeftButton)
    settle(window, qtbot)
    assert len(stored(path, forms).rows("manufacturing.sites")) == n

    # undo across steps: the row comes back, then goes again
    click_step(window, "product")
    undo_key(window)
    settle(window, qtbot)
    assert len(stored(path, forms).rows("manufacturing.sites")) == n + 1
    redo_key(window)
    settle(window, qtbot)
    assert len(stored(path, forms).rows("manufacturing.sites")) == n

    window.close()
    snap = stored(path, forms)
    assert snap.get("product.invented_name") == "Leukocel 2"
    assert snap.get("product.mode_of_action") == "Binds CD19 and kills B cells.\n\nSecond paragraph."
    assert snap.get("applicant.planned_submission_date") == "2027-03-15"
    assert snap.get("traceability.retention_years") == 30
    assert snap.get("manufacturing.manufacturing_duration")["value"] == 12
    assert snap.get("applicant.dossier_status") == status



# ------------------------------------------------------------------------------------------ the clipboard
ODD = ["x" * 5000, "Zellen 🧬🧪 naïve ≥ 10⁶/kg", "خلايا تائية CAR", "עברית mixed with English", "a\tb inside",
       "two\nlines", 'quote " inside', "  padded  ", "=SUM(A1:A3)", "\u00a0nbsp\u00a0"]


def paste_into(window, t, r, c, text):
    QGuiApplication.clipboard().setText(text)
    click_cell(t, r, c)
    ctrl(t.view, Qt.Key_V)
    pace()


def spreadsheet(rows):
    from atmp_desktop.ui.clipboard import block_text
    return block_text(rows)


def test_odd_cells_pasted_from_a_spreadsheet_come_back_as_pasted(window, forms, qtbot, tmp_path, no_message_box):
    path = new_from_sample(tmp_path, "aav-gene-therapy")
    assert window.open_path(path)
    t = editor(window, "references.glossary")
    n = t.model.rowCount()
    QTest.mouseClick(t.add_button, Qt.LeftButton)
    pace()
    block = [[f"AB{i}", odd, f"note {i}"] for i, odd in enumerate(ODD)]
    paste_into(window, t, n, 0, spreadsheet(block))
    assert t.message.isHidden() or not t.message.text(), t.message.text()
    window.close()
    rows = stored(path, forms).rows("references.glossary")[n:]
    from atmp_desktop.core.values import normalise
    expansion = forms.field("references.glossary").columns[1]  # one line: a line break reads as a space
    assert [(r["abbreviation"], r["expansion"], r["note"]) for r in rows] == \
        [(a, normalise(expansion, b.strip()), c) for a, b, c in block]  # cells are trimmed


def test_ten_thousand_rows_pasted_are_one_undo_step(window, forms, qtbot, tmp_path, no_message_box):
    path = new_from_sample(tmp_path, "aav-gene-therapy")
    assert window.open_path(path)
    t = editor(window, "quality.batch_analyses")
    before = stored(path, forms).rows("quality.batch_analyses")
    n = len(before)
    QTest.mouseClick(t.add_button, Qt.LeftButton)
    pace()
    block = [[f"B{i:05d}", "", f"v{i % 3}", "Leiden", "", "2026-01-02", "", f"é 🧬 {i}"] for i in range(10_000)]
    started = time.perf_counter()
    paste_into(window, t, n, 0, spreadsheet(block))
    pasted = time.perf_counter() - started
    assert not t.message.text(), t.message.text()
    window._saved(wait=True)
    assert len(stored(path, forms).rows("quality.batch_analyses")) == n + 10_000
    undo_key(window)
    window._saved(wait=True)
    assert stored(path, forms).rows("quality.batch_analyses") == before
    redo_key(window)
    window.close()
    rows = stored(path, forms).rows("quality.batch_analyses")
    assert len(rows) == n + 10_000 and rows[-1]["note"] == "é 🧬 9999" and rows[n]["date"] == "2026-01-02"
    print(f"10,000 rows pasted in {pasted:.2f} s")


# ------------------------------------------------------------------------------------------ imports
def answer_dialog(handle, kind=QDialog, timeout_s=20.0):
    """Run `handle(dialog)` on the next modal dialog of `kind` to open, as the user answering it would."""
    deadline = time.monotonic() + timeout_s
    seen = []

    def poll():
        d = QApplication.activeModalWidget()
        if isinstance(d, kind) and d.isVisible():
            seen.append(d)
            handle(d)
        elif time.monotonic() < deadline:
            QTimer.singleShot(20, poll)
    QTimer.singleShot(0, poll)
    return seen


def choose_file(monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def test_a_table_imported_from_excel_through_the_menu(window, forms, qtbot, tmp_path, monkeypatch, no_message_box):
    openpyxl = pytest.importorskip("openpyxl")
    import datetime
    path = new_from_sample(tmp_path, "car-t")
    assert window.open_path(path)
    before = stored(path, forms).rows("manufacturing.sites")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Sites ✓"
    ws.append(["Name", "Address", "Country", "Activities", "GMP certificate date"])
    ws.append(["Zellwerk 🧬 GmbH", "Hauptstraße 1\nBerlin", "Germany", "QC testing", datetime.date(2025, 4, 1)])
    ws.append(["مختبر", "Cairo", "Egypt", "x" * 3000, datetime.datetime(2024, 1, 31, 0, 0)])
    ws.append([None, None, None, None, None])
    ws.append([12345, 6.5, True, "=A2", "not a date"])
    xlsx = tmp_path / "sites from Ana ü.xlsx"
    book.save(xlsx)
    choose_file(monkeypatch, xlsx)
    shown = []

    def import_it(d):
        shown.append((d.count.text(), [d.problems.item(i).text() for i in range(d.problems.count())],
                      d.target.currentData()))
        d.target.setCurrentIndex(d.target.findData("manufacturing.sites"))
        QTest.mouseClick(d.import_button, Qt.LeftButton)
    answer_dialog(import_it)
    window.act_import_table.trigger()
    assert shown, "no import dialog"
    # the row Excel shows as row 5 (a blank row 4 above it) is named as row 5, where the writer will look
    assert shown[0][1] == ["Row 5: GMP certificate date: 'not a date' is not a date; write it as YYYY-MM-DD"]
    window.close()
    rows = stored(path, forms).rows("manufacturing.sites")
    added = rows[len(before):]
    assert rows[:len(before)] == before
    assert added[0]["name"] == "Zellwerk 🧬 GmbH" and added[0]["gmp_certificate_date"] == "2025-04-01"
    assert added[1]["name"] == "مختبر" and added[1]["gmp_certificate_date"] == "2024-01-31"
    assert len(added) == 2


def test_a_word_draft_imported_through_the_menu(window, forms, qtbot, tmp_path, monkeypatch, no_message_box):
    import docx
    path = new_from_sample(tmp_path, "car-t")
    assert window.open_path(path)
    d = docx.Document()
    d.add_heading("3.2.S.2.2 Description of Manufacturing Process and Process Controls", level=2)
    d.add_paragraph("Cells are thawed 🧊 and washed.")
    d.add_paragraph("خطوة second paragraph.")
    d.add_heading("3.2.P.8 Stability", level=2)
    d.add_paragraph("Stable for 12 months at ≤ −150 °C.")
    draft = tmp_path / "draft v3 (Ana).docx"
    d.save(draft)
    choose_file(monkeypatch, draft)
    shown = []

    def import_it(dlg):
        shown.append([(p.path, p.action) for p in dlg.proposals])
        for box in dlg.boxes:
            if box.isEnabled() and not box.isChecked():
                box.setFocus()
                QTest.keyClick(box, Qt.Key_Space)  # tick it: replace the sample's text
        answer_dialog(lambda m: QTest.mouseClick(m.button(QMessageBox.Yes), Qt.LeftButton), QMessageBox)
        QTest.mouseClick(dlg.import_button, Qt.LeftButton)
    answer_dialog(import_it, kind=QDialog)
    window.act_import_docx.trigger()
    assert shown, "no import dialog"
    window.close()
    snap = stored(path, forms)
    chosen = [p for p, action in shown[0] if action in ("fill", "replace")]
    assert chosen
    texts = [snap.get(p) for p in chosen]
    assert texts == ["Cells are thawed 🧊 and washed.\n\nخطوة second paragraph."], texts


# ------------------------------------------------------------------------------------------ milestone, compare, export
def milestones_dialog(window, handle):
    """Review ▸ Milestones… from the menu, `handle(dialog)` run while it is open (it is modal)."""
    from atmp_desktop.ui.milestones_dialog import MilestonesDialog
    seen = answer_dialog(handle, MilestonesDialog)
    window.act_milestones.trigger()
    assert seen, "no Milestones dialog"
    return seen[0]


def test_milestone_edits_compare_and_export_through_the_window(window, forms, qtbot, tmp_path, no_message_box):
    import docx
    from PySide6.QtWidgets import QInputDialog
    path = new_from_sample(tmp_path, "car-t")
    window.resize(1366, 768)
    assert window.open_path(path)
    name_box = []

    def name_it(box):
        # a modal box is shown before the platform activates it (asynchronous, here as under a window
        # manager): keys typed before then go to the window that still has focus, so wait as a person does
        qtbot.waitUntil(box.isActiveWindow, timeout=5000)
        line = box.focusWidget()
        name_box.append((type(line).__name__, box.geometry(), box.screen().availableGeometry()))
        QTest.keyClicks(line, "as sent to CMC lead ")
        QGuiApplication.clipboard().setText("✓ 🧬")  # QTest types ASCII only (aborts on more): the rest is pasted
        ctrl(line, Qt.Key_V)
        QTest.keyClick(line, Qt.Key_Return)

    def make_one(d):
        answer_dialog(name_it, QInputDialog)
        QTest.mouseClick(d.new_button, Qt.LeftButton)
        assert d.table.rowCount() == 1 and d.table.item(0, 0).text() == "as sent to CMC lead ✓ 🧬"
        QTest.keyClick(d, Qt.Key_Escape)
    milestones_dialog(window, make_one)
    assert name_box, "the name box never opened"
    kind, where, screen = name_box[0]
    assert kind == "QLineEdit" and screen.contains(where), name_box  # typed into, on the screen
    with ProjectFile.open(path, forms, read_only=True) as p:
        assert [m.name for m in p.milestones()] == ["as sent to CMC lead ✓ 🧬"]

    # the day's edits: fields and cells typed
    before = stored(path, forms)
    retype(editor(window, "product.invented_name").edit, "Leukocel 3")
    retype(editor(window, "traceability.retention_years").edit, "31")
    t = editor(window, "manufacturing.sites")
    old_site = t.model.index(0, 0).data()
    type_cell(t, 0, 0, "Leiden Cell Factory B.V.")
    settle(window, qtbot)

    # compare with the milestone: the view names what changed, from the milestone to now
    views = []

    def compare(d):
        QTest.mouseClick(d.table.viewport(), Qt.LeftButton, Qt.NoModifier,
                         d.table.visualRect(d.table.model().index(0, 0)).center())
        QTest.mouseClick(d.compare_button, Qt.LeftButton)
        views.append(window._compare_view)
        QTest.mouseClick(_button(d, "Close"), Qt.LeftButton)
    milestones_dialog(window, compare)
    view = views[0]
    qtbot.waitExposed(view)
    texts = tree_texts(view.tree)
    assert any("Invented name" in t and "Leukocel 3" in t for t in texts), texts
    assert any("31" in t for t in texts), texts
    assert any(old_site in t and "Leiden Cell Factory B.V." in t for t in texts), texts
    assert view.summary.text().startswith("2 field(s) changed"), view.summary.text()
    QTest.keyClick(view, Qt.Key_Escape)

    # export the quality document as Word through the Export dialog
    out = tmp_path / "export ü"
    results = []

    def export(d):
        qtbot.waitUntil(d.isActiveWindow, timeout=5000)
        QGuiApplication.clipboard().setText(str(out))  # a folder path is pasted (QTest types ASCII only)
        QTest.mouseClick(d.out_dir, Qt.LeftButton)
        ctrl(d.out_dir, Qt.Key_A)
        ctrl(d.out_dir, Qt.Key_V)
        assert d.out_dir.text() == str(out)
        QTest.mouseClick(_button(d, "Select &none"), Qt.LeftButton)
        item = next(d.documents.item(i) for i in range(d.documents.count())
                    if d.documents.item(i).data(Qt.UserRole) == "m3-2-s")
        d.documents.scrollToItem(item)
        rect = d.documents.visualItemRect(item)
        QTest.mouseClick(d.documents.viewport(), Qt.LeftButton, Qt.NoModifier,
                         rect.topLeft() + QPoint(d.documents.style().pixelMetric(QStyle.PM_IndicatorWidth) // 2 + 4,
                                                 rect.height() // 2))
        if d.pdf.isChecked():
            QTest.mouseClick(d.pdf, Qt.LeftButton)
        if not d.word.isChecked():
            QTest.mouseClick(d.word, Qt.LeftButton)
        assert d.selected_ids() == ["m3-2-s"] and d.formats() == ("docx",)
        QTest.mouseClick(d.export_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: d.result is not None or bool(d.error), timeout=120_000)
        d.wait()
        results.append((d.error, d.result, d.status.text()))
        QTest.mouseClick(d.cancel_button, Qt.LeftButton)  # now "Close"
    from atmp_desktop.ui.export_dialog import ExportDialog
    answer_dialog(export, ExportDialog)
    window.act_export.trigger()
    assert results, "no Export dialog"
    error, result, status = results[0]
    assert not error and "1 file(s) written" in status, (error, status)
    written = [p for p in result.paths if p.suffix == ".docx"]
    assert len(written) == 1 and written[0].parent == out
    word = docx.Document(written[0])
    text = "\n".join([p.text for p in word.paragraphs]
                     + [cell.text for table in word.tables for row in table.rows for cell in row.cells])
    assert "Leukocel 3" in text and "Leiden Cell Factory B.V." in text

    window.close()
    snap = stored(path, forms)
    assert snap.get("product.invented_name") == "Leukocel 3" and snap.get("traceability.retention_years") == 31
    assert snap.rows("manufacturing.sites")[0]["name"] == "Leiden Cell Factory B.V."
    with ProjectFile.open(path, forms, read_only=True) as p:
        kept = p.milestone_snapshot(p.milestones()[0])
    assert kept.get("product.invented_name") == before.get("product.invented_name") != "Leukocel 3"
    assert kept.rows("manufacturing.sites")[0]["name"] == old_site


def tree_texts(tree):
    """Every line of a tree, its columns joined."""
    out, todo = [], [tree.topLevelItem(i) for i in reversed(range(tree.topLevelItemCount()))]
    while todo:
        item = todo.pop()
        out.append(" | ".join(item.text(c) for c in range(tree.columnCount())))
        todo += [item.child(i) for i in reversed(range(item.childCount()))]
    return out


def _button(dialog, text):
    return next(b for b in dialog.findChildren(QPushButton) if b.text() == text)


# ------------------------------------------------------------------------------------------ files others made
def fingerprint(path):
    """The bytes of a file (a folder: its listing; a link: where it points), to show nothing changed."""
    import hashlib
    if path.is_symlink():
        return "link", str(path.readlink())
    if path.is_dir():
        return "folder", sorted(p.name for p in path.iterdir())
    return "file", hashlib.sha256(path.read_bytes()).hexdigest()


def dismiss_boxes(shown):
    """Every message box that opens is read and dismissed with Esc, as a person who does not want the way out
    it offers; its title and text are kept in `shown`. Returns a function that stops the watching."""
    stop = []

    def poll():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible() and not getattr(box, "_dismissed", False):
            box._dismissed = True
            shown.append((box.windowTitle(), box.text(), box.informativeText()))
            QTest.keyClick(box, Qt.Key_Escape)
        if not stop:
            QTimer.singleShot(10, poll)
    QTimer.singleShot(0, poll)
    return lambda: stop.append(True)


def open_from_the_menu(window, monkeypatch, path):
    """File ▸ Open…, the file chosen in the file dialog."""
    choose_file(monkeypatch, path)
    window.act_open.trigger()


REFUSED = sorted([(k, e) for k, (e, _) in kinds.BROKEN.items() if e in ("refused", "locked")]
                 + [(k, e) for k, (e, _) in kinds.HOSTILE.items() if e in ("foreign", "refused")])


def test_files_others_made_are_refused_in_one_sentence_and_left_intact(window, forms, qtbot, tmp_path,
                                                                        monkeypatch, template):
    from atmp_desktop.store import project_file
    monkeypatch.setattr(project_file, "MAX_ROWS_IN_FILE", 20_000)  # the same check on a smaller row bomb
    window.resize(1366, 768)
    failures = []
    for kind, expect in REFUSED:
        folder = tmp_path / kind
        folder.mkdir()
        path = folder / "from Ana ü.atmp"
        path.write_bytes(template)
        damage = (kinds.BROKEN.get(kind) or kinds.HOSTILE[kind])[1]
        damage(path)
        before = fingerprint(path)
        shown = []
        stop = dismiss_boxes(shown)
        open_from_the_menu(window, monkeypatch, path)
        QTest.qWait(20)
        stop()
        texts = [" ".join(t for t in box[1:] if t) for box in shown]
        problem = ("no message" if not shown else f"{len(shown)} messages" if len(shown) > 1
                   else "file changed" if fingerprint(path) != before
                   else "opened" if window.project is not None
                   else "file not named" if path.name not in shown[0][1]
                   else "not one sentence" if shown[0][1].count(". ") or not shown[0][1].endswith(".")
                   else "unexpected" if any(w in texts[0].lower() for w in ("unexpected", "traceback", "went wrong"))
                   else "")
        if problem:
            failures.append((kind, problem, texts))
        assert window.stack.currentWidget() is window.start, kind  # the window is where it was
    assert not failures, "\n".join(map(str, failures))
    # and the window still works: a good project opens from the menu and takes an edit
    good = new_from_sample(tmp_path, "car-t")
    open_from_the_menu(window, monkeypatch, good)
    assert window.project is not None and window.project.path == good
    retype(editor(window, "product.invented_name").edit, "After the odd files")
    window.close()
    assert stored(good, forms).get("product.invented_name") == "After the odd files"


def click_through_every_step(window):
    while window.next_button.isEnabled():
        QTest.mouseClick(window.next_button, Qt.LeftButton)
        QTest.qWait(1)


def test_a_read_only_file_and_one_locked_by_a_colleague_are_read_and_left_intact(window, forms, qtbot, tmp_path,
                                                                               monkeypatch):
    import json
    import socket
    from atmp_desktop.store.locking import lock_path
    read_only = new_from_sample(tmp_path, "car-t", "read-only ü.atmp")
    read_only.chmod(0o444)  # the store checks the mode bits too, so this holds even for root
    locked = new_from_sample(tmp_path, "aav-gene-therapy", "held by maria.atmp")
    lock_path(locked).write_text(json.dumps({"host": "another-" + socket.gethostname(), "pid": 1, "user": "maria",
                                             "since": "2026-12-02T08:00:00"}))
    before = {p: fingerprint(p) for p in (read_only, locked, lock_path(locked))}

    open_from_the_menu(window, monkeypatch, read_only)
    assert window.project.read_only and "the file is read-only" in window.file_banner_text.text()
    click_through_every_step(window)
    assert editor(window, "product.invented_name").edit.isReadOnly()
    window.close_project()

    shown = []

    def read_only_please(box):
        shown.append(box.text())
        QTest.mouseClick(next(b for b in box.buttons() if "Read-Only" in b.text()), Qt.LeftButton)
    answer_dialog(read_only_please, QMessageBox)
    open_from_the_menu(window, monkeypatch, locked)
    assert shown and "maria" in shown[0]
    assert window.project.read_only and window.project.path == locked
    click_through_every_step(window)
    window.close_project()
    assert {p: fingerprint(p) for p in before} == before  # not a byte written, the colleague's lock kept
