"""The main window driven through real widgets; every assertion reads the project file, not widget state."""
import json
import socket
import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from atmp_desktop.store import ProjectFile
from atmp_desktop.store.locking import lock_path
from atmp_desktop.ui.app import make_app
from atmp_desktop.ui.main_window import MainWindow


def stored(path, forms):
    with ProjectFile.open(path, forms, read_only=True) as p:
        return p.snapshot()


def editor(window, path):
    step = path.split(".")[0]
    window.go_to_step(step)
    return window.pages[step].editors[path]


def type_text(qtbot, ed, text):
    ed.edit.setFocus()
    ed.edit.clear()
    qtbot.keyClicks(ed.edit, text)
    ed.edit.editingFinished.emit()


# ---------------------------------------------------------------------------------------------- editing
def test_edits_on_several_steps_are_in_the_file_after_reopening(window, empty_project, forms, qtbot):
    assert window.open_path(empty_project)
    type_text(qtbot, editor(window, "product.invented_name"), "Lumacel")
    atmp = editor(window, "product.atmp_type")
    atmp.combo.setCurrentIndex(atmp.combo.findData("sCTMP"))
    editor(window, "product.contains_gmo").buttons[False].click()
    life = editor(window, "quality.shelf_life")
    life.unit.setCurrentText("months")
    type_text(qtbot, life, "24")
    type_text(qtbot, editor(window, "traceability.retention_years"), "30")
    procs = editor(window, "applicant.other_procedures")
    procs.boxes["sme_certification"].setChecked(True)
    desc = editor(window, "product.mode_of_action")
    desc.edit.setPlainText("Binds CD19.")
    desc.edit.focus_lost.emit()
    window.close_project()

    snap = stored(empty_project, forms)
    assert snap.get("product.invented_name") == "Lumacel"
    assert snap.get("product.atmp_type") == "sCTMP"
    assert snap.get("product.contains_gmo") is False
    assert snap.get("quality.shelf_life") == {"value": 24, "unit": "months"}
    assert snap.get("traceability.retention_years") == 30
    assert snap.get("applicant.other_procedures") == ["sme_certification"]
    assert snap.get("product.mode_of_action") == "Binds CD19."

    assert window.open_path(empty_project)  # and the widgets show it again
    assert window.pages[window.current_step] is not None
    assert editor(window, "product.invented_name").value() == "Lumacel"


def test_long_text_is_saved_after_a_pause_in_typing(window, empty_project, forms, qtbot):
    window.open_path(empty_project)
    ed = editor(window, "product.mode_of_action")
    ed.edit.setFocus()
    qtbot.keyClicks(ed.edit, "Autologous T cells")
    qtbot.waitUntil(lambda: stored(empty_project, forms).get("product.mode_of_action") == "Autologous T cells",
                    timeout=3000)


def test_clearing_a_date_and_a_number_removes_the_value(window, empty_project, forms, qtbot):
    window.open_path(empty_project)
    date = editor(window, "applicant.planned_submission_date")
    type_text(qtbot, date, "2027-03-01")
    assert stored(empty_project, forms).get("applicant.planned_submission_date") == "2027-03-01"
    date.clear()
    assert stored(empty_project, forms).get("applicant.planned_submission_date") is None


def test_yes_no_not_answered_is_distinct_from_no(window, empty_project, forms):
    window.open_path(empty_project)
    ed = editor(window, "product.orphan_designated")
    ed.buttons[False].click()
    assert stored(empty_project, forms).get("product.orphan_designated") is False
    ed.buttons[None].click()
    assert stored(empty_project, forms).get("product.orphan_designated") is None


def test_undo_and_redo_survive_page_changes_and_jump_back(window, empty_project, forms, qtbot):
    window.open_path(empty_project)
    type_text(qtbot, editor(window, "product.invented_name"), "Lumacel")
    assert window.act_undo.text() == "&Undo edit of Invented name (or product identifier)"
    window.go_to_step("quality")
    window.act_undo.trigger()
    assert stored(empty_project, forms).get("product.invented_name") is None
    assert window.current_step == "product"
    assert window.pages["product"].editors["product.invented_name"].value() is None
    assert window.act_redo.isEnabled() and "Invented name" in window.act_redo.text()
    window.go_to_step("applicant")
    window.act_redo.trigger()
    assert stored(empty_project, forms).get("product.invented_name") == "Lumacel"
    assert window.current_step == "product"
    assert window.pages["product"].editors["product.invented_name"].value() == "Lumacel"


def test_undo_keyboard_shortcut(window, empty_project, forms, qtbot):
    window.open_path(empty_project)
    type_text(qtbot, editor(window, "product.invented_name"), "X1")
    window.navigator.setFocus()
    qtbot.keyClick(window.navigator, Qt.Key_Z, Qt.ControlModifier)
    assert stored(empty_project, forms).get("product.invented_name") is None
    qtbot.keyClick(window.navigator, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert stored(empty_project, forms).get("product.invented_name") == "X1"


# ---------------------------------------------------------------------------------------------- structure
def test_hidden_fields_follow_their_driving_field_live(window, empty_project):
    window.open_path(empty_project)
    window.go_to_step("product")
    page = window.pages["product"]
    assert page.rows["product.orphan_number"].isHidden()
    page.editors["product.orphan_designated"].buttons[True].click()
    assert not page.rows["product.orphan_number"].isHidden()
    page.editors["product.orphan_designated"].buttons[False].click()
    assert page.rows["product.orphan_number"].isHidden()


def test_gmo_step_is_greyed_with_its_reason_until_the_product_contains_a_gmo(window, empty_project):
    window.open_path(empty_project)
    assert "Not applicable" in window.navigator.item_text("gmo")
    window.go_to_step("applicant")
    assert "Only" in window.navigator._items["gmo"].toolTip() or "Applies" in window.navigator._items["gmo"].toolTip()
    # Next skips the step that does not apply
    window.go_to_step("quality")
    window.step_by(1)
    assert window.current_step == "nonclinical"
    editor(window, "product.contains_gmo").buttons[True].click()
    assert "Not applicable" not in window.navigator.item_text("gmo")
    window.go_to_step("quality")
    window.step_by(1)
    assert window.current_step == "gmo"
    assert window.pages["gmo"].banner.isHidden()


def test_navigator_counts_required_fields(window, empty_project, qtbot):
    window.open_path(empty_project)
    before = window.navigator.item_text("product")
    assert "0 of " in before
    type_text(qtbot, editor(window, "product.invented_name"), "Lumacel")
    assert "1 of " in window.navigator.item_text("product")


def test_help_panel_shows_the_focused_fields_basis_and_certainty(window, empty_project, qtbot):
    window.open_path(empty_project)
    ed = editor(window, "product.atmp_type")
    ed.combo.setFocus()
    qtbot.waitUntil(lambda: window.help.field is not None and window.help.field.id == "atmp_type")
    text = window.help.toPlainText()
    assert "1394/2007" in text and "Verified" in text and "3.2.S.1.1" in text


# ---------------------------------------------------------------------------------------------- files
def test_new_project_asks_the_shaping_questions_then_creates_the_file(window, tmp_path, forms, monkeypatch):
    from atmp_desktop.ui import new_project

    def answer(dialog):
        dialog.title.setText("NCT-019 MAA")
        dialog.set_answer("product.atmp_type", "GTMP")
        dialog.set_answer("product.origin", "autologous")
        dialog.set_answer("product.contains_gmo", True)
        dialog.set_answer("product.is_combined", False)
        dialog.set_answer("applicant.procedure", "maa_conditional")
        return QDialog.Accepted

    target = tmp_path / "nct019"
    monkeypatch.setattr(new_project.NewProjectDialog, "exec", answer)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), FILE_FILTER))
    assert window.new_project()
    path = target.with_suffix(".atmp")
    assert window.project.path == path
    snap = stored_while_open(window)
    assert snap.get("product.atmp_type") == "GTMP"
    assert snap.get("product.origin") == "autologous"
    assert snap.get("product.contains_gmo") is True
    assert snap.get("product.is_combined") is False
    assert snap.get("applicant.procedure") == "maa_conditional"
    assert snap.title == "NCT-019 MAA"
    assert "Not applicable" not in window.navigator.item_text("gmo")
    assert window.windowTitle().startswith("nct019.atmp")


FILE_FILTER = "ATMP projects (*.atmp)"


def stored_while_open(window):
    window.project.wait_saved()  # another program sees a change once its commit is on disk
    conn = sqlite3.connect(window.project.path)
    try:
        values = {}
        for step, field, value in conn.execute("SELECT step, field, value FROM field_values"):
            values.setdefault(step, {})[field] = json.loads(value)
        title = conn.execute("SELECT value FROM project_meta WHERE key='title'").fetchone()[0]
    finally:
        conn.close()
    from atmp_desktop.core.project import ProjectSnapshot
    return ProjectSnapshot(meta={"title": title}, values=values)


def test_cancelled_new_project_creates_nothing(window, tmp_path, monkeypatch):
    from atmp_desktop.ui import new_project
    monkeypatch.setattr(new_project.NewProjectDialog, "exec", lambda self: QDialog.Rejected)
    assert not window.new_project()
    assert list(tmp_path.glob("*.atmp")) == []


def test_locked_project_offers_read_only(window, empty_project, forms, monkeypatch):
    lock_path(empty_project).write_text(json.dumps(
        {"host": "another-" + socket.gethostname(), "pid": 1, "user": "maria", "since": "2026-11-25T09:00:00"}))
    shown = {}

    def click_read_only(box):
        shown["text"] = box.text()
        button = next(b for b in box.buttons() if "Read-Only" in b.text())
        button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click_read_only)
    assert window.open_path(empty_project)
    assert "maria" in shown["text"]
    assert window.project.read_only
    assert "[read-only]" in window.windowTitle()
    ed = editor(window, "product.invented_name")
    assert ed.edit.isReadOnly()
    window.on_edited("product.invented_name", "sneaky", "")
    assert stored(empty_project, forms).get("product.invented_name") is None
    assert not window.act_undo.isEnabled()


def test_locked_project_cancel_leaves_the_start_screen(window, empty_project, monkeypatch):
    lock_path(empty_project).write_text(json.dumps({"host": "elsewhere", "pid": 1, "user": "maria"}))
    monkeypatch.setattr(QMessageBox, "exec", lambda box: 0)
    assert not window.open_path(empty_project)
    assert window.project is None
    assert window.stack.currentWidget() is window.start


def test_unreadable_file_gets_a_clear_message(window, tmp_path, monkeypatch):
    bad = tmp_path / "notes.atmp"
    bad.write_text("this is not a project")
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: messages.append(text))
    assert not window.open_path(bad)
    assert len(messages) == 1
    assert "notes.atmp" in messages[0] and "Traceback" not in messages[0]
    assert "\n" not in messages[0] and messages[0].rstrip().endswith(".")
    assert window.project is None


def test_recent_files_are_remembered_and_missing_ones_dropped(window, empty_project, tmp_path, forms, settings):
    other = tmp_path / "other.atmp"
    ProjectFile.create(other, forms).close()
    window.open_path(empty_project)
    window.open_path(other)
    assert settings.recent_files()[:2] == [str(other.resolve()), str(empty_project.resolve())]
    window.open_path(empty_project)
    other.unlink()
    window.close_project()
    assert settings.recent_files() == [str(empty_project.resolve())]
    window._fill_recent_menu()
    names = [a.text() for a in window.recent_menu.actions()]
    assert any("dossier.atmp" in n for n in names)
    assert window.start.recent.count() == 1


def test_save_as_continues_in_the_copy(window, empty_project, tmp_path, forms, monkeypatch, qtbot):
    window.open_path(empty_project)
    type_text(qtbot, editor(window, "product.invented_name"), "Lumacel")
    copy = tmp_path / "copy.atmp"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(copy), FILE_FILTER))
    window.save_as()
    assert window.project.path == copy
    type_text(qtbot, editor(window, "product.inn"), "lumacel-leucel")
    window.close_project()
    assert stored(copy, forms).get("product.invented_name") == "Lumacel"
    assert stored(copy, forms).get("product.inn") == "lumacel-leucel"
    assert stored(empty_project, forms).get("product.inn") is None


def test_window_geometry_is_restored(qtbot, forms, settings):
    make_app()
    w = MainWindow(forms, settings)
    qtbot.addWidget(w)
    w.resize(700, 500)
    w.show()
    w.close()
    w2 = MainWindow(forms, settings)
    qtbot.addWidget(w2)
    assert (w2.width(), w2.height()) == (700, 500)


def test_about_names_versions_and_the_lgpl(window, monkeypatch):
    texts = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: texts.append(box.text()) or 0)
    window.about()
    assert "LGPL" in texts[0] and "PySide6" in texts[0] and "DejaVu" in texts[0] and "python-docx" in texts[0]


def test_widgets_have_accessible_names(window, empty_project):
    window.open_path(empty_project)
    page = window.page("manufacturing")
    for path, ed in page.editors.items():
        assert ed.focus_target().accessibleName(), path
    assert QApplication.instance() is not None


def test_old_format_file_is_upgraded_and_the_user_told_about_the_backup(window, tmp_path, forms, monkeypatch):
    import shutil
    from tests.conftest import DATA
    old = tmp_path / "old.atmp"
    shutil.copy(DATA / "format1.atmp", old)
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))
    assert window.open_path(old)
    assert len(told) == 1 and "copy of the original" in told[0]
    backups = [p for p in tmp_path.iterdir() if "backup" in p.name]
    assert len(backups) == 1 and backups[0].name in told[0]
    assert editor(window, "product.invented_name").value() == "Oldcel"


def test_opening_a_sample_makes_an_editable_copy(window, forms):
    assert window.open_sample("car-t")
    path = window.project.path
    assert path.name == "car-t.atmp" and "samples" in str(path.parent)
    editor(window, "product.company_code").edit.setText("EDITED")
    editor(window, "product.company_code").edit.editingFinished.emit()
    window.close_project()
    assert stored(path, forms).get("product.company_code") == "EDITED"
    from atmp_desktop.samples import load_sample
    assert load_sample("car-t")["data"]["product"].get("company_code") != "EDITED"


def test_run_gui_opens_the_project_given_on_the_command_line(empty_project, monkeypatch, qtbot):
    from atmp_desktop.ui import app as app_module
    from atmp_desktop.ui import main_window
    seen = {}
    original = main_window.MainWindow.open_path

    def spy(self, path, read_only=False):
        seen["window"] = self
        return original(self, path, read_only)

    monkeypatch.setattr(main_window.MainWindow, "open_path", spy)
    monkeypatch.setattr(QApplication, "exec", lambda self=None: 0)
    assert app_module.run_gui(str(empty_project)) == 0
    qtbot.waitUntil(lambda: "window" in seen and seen["window"].project is not None)  # opened after first paint
    w = seen["window"]
    assert w.project is not None and w.project.path == empty_project
    w.close()
    assert w.project is None


def test_keyboard_only_tab_moves_through_fields_in_form_order(window, empty_project, qtbot):
    window.open_path(empty_project)
    window.activateWindow()
    first = editor(window, "product.invented_name").edit
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    qtbot.keyClick(first, Qt.Key_Tab)
    qtbot.waitUntil(lambda: editor(window, "product.inn").edit.hasFocus())
    qtbot.keyClicks(QApplication.focusWidget(), "lumacel-leucel")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)  # leaving the field saves it
    with ProjectFile.open(empty_project, window.forms, read_only=True) as p:
        assert p.snapshot().get("product.inn") == "lumacel-leucel"


def test_read_only_tables_cannot_be_edited_or_pasted_into(window, empty_project, forms, monkeypatch):
    from atmp_desktop.store import ProjectFile as PF
    with PF.open(empty_project, forms) as p:
        p.set_value("manufacturing.sites[0].name", "Site A")
    window.open_path(empty_project, read_only=True)
    t = editor(window, "manufacturing.sites")
    assert not (t.model.flags(t.model.index(0, 0)) & Qt.ItemIsEditable)
    assert not t.add_button.isEnabled() and not t.paste_button.isEnabled()
    QApplication.clipboard().setText("x\ty")
    t.paste()
    assert stored(empty_project, forms).rows("manufacturing.sites") == [{"name": "Site A"}]


def test_empty_date_calendar_opens_on_the_current_month(window, empty_project):
    from PySide6.QtCore import QDate
    window.open_path(empty_project)
    date = editor(window, "applicant.planned_submission_date")
    date._ensure_calendar()
    date._menu.aboutToShow.emit()  # what a click on Calendar does before the pop-up shows
    today = QDate.currentDate()
    assert (date.calendar.yearShown(), date.calendar.monthShown()) == (today.year(), today.month())


def test_a_failed_write_is_explained_and_the_field_shows_the_stored_value(window, empty_project, qtbot,
                                                                          monkeypatch):
    window.open_path(empty_project)
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: messages.append(text))

    def disk_full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    # the write fails deep in the store, as a full disk would; the store turns it into one sentence
    monkeypatch.setattr("atmp_desktop.store.project_file._write_value", disk_full)
    ed = editor(window, "product.invented_name")
    type_text(qtbot, ed, "Lumacel")
    assert len(messages) == 1 and "disk is full" in messages[0] and "dossier.atmp" in messages[0]
    assert ed.value() is None  # the box shows what is really in the file


def test_menu_shortcuts_are_bound_once_the_window_has_painted(window, qtbot):
    # bound right after the first paint (key conversion is kept off the first-paint path)
    qtbot.waitUntil(lambda: bool(window.act_open.shortcuts()), timeout=3000)
    assert QKeySequence("Ctrl+O") in window.act_open.shortcuts()
    assert QKeySequence("Ctrl+Q") in window.act_quit.shortcuts()
    assert {QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")} <= set(window.act_redo.shortcuts())
    assert window.act_undo.shortcutContext() == Qt.ApplicationShortcut
