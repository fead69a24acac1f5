"""A working day: open cell editors are kept, failed opens keep the project, honest status, search, help,
the Edit menu, keyboard paths and the export folder. Assertions read the project file where data is involved."""
import re

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QApplication, QFileDialog, QMessageBox, QRadioButton

from atmp_desktop.core.paths import resources_dir
from atmp_desktop.store import ProjectFile
from atmp_desktop.ui.search import search


def stored(path, forms):
    with ProjectFile.open(path, forms, read_only=True) as p:
        return p.snapshot()


def open_cell_editor(qtbot, window, text="Leiden Cell Factory"):
    """Start typing into the first cell of the sites table and leave the editor open."""
    window.go_to_step("manufacturing")
    t = window.pages["manufacturing"].editors["manufacturing.sites"]
    qtbot.mouseClick(t.add_button, Qt.LeftButton)
    idx = t.model.index(0, 0)
    t.view.setCurrentIndex(idx)
    t.view.setFocus()
    qtbot.keyClicks(t.view, text[0])
    qtbot.keyClicks(t.view.indexWidget(idx), text[1:])
    assert t.view.state() == QAbstractItemView.EditingState
    return t


@pytest.fixture
def opened(window, empty_project):
    assert window.open_path(empty_project)
    window.activateWindow()
    return window


# ------------------------------------------------------------------------------------ open cell editors
@pytest.mark.parametrize("how", ["quit", "close", "step switch", "save as", "undo"])
def test_an_open_cell_editor_is_committed_first(opened, empty_project, forms, qtbot, tmp_path, monkeypatch, how):
    window = opened
    open_cell_editor(qtbot, window)
    path = empty_project
    if how == "quit":
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Q, Qt.ControlModifier)
    elif how == "close":
        window.act_close.trigger()
    elif how == "step switch":
        window.go_to_step("quality")
    elif how == "save as":
        path = tmp_path / "copy.atmp"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
        window.act_save_as.trigger()
        window.close_project()
    elif how == "undo":  # the cell is written, then undone: one clean undo step
        window.act_undo.trigger()
        assert stored(path, forms).rows("manufacturing.sites") == []
        return
    assert stored(path, forms).rows("manufacturing.sites") == [{"name": "Leiden Cell Factory"}]


# ------------------------------------------------------------------------------------ files
def test_a_failed_open_leaves_the_current_project_open(opened, empty_project, tmp_path, monkeypatch, qtbot):
    bad = tmp_path / "not-a-project.atmp"
    bad.write_bytes(b"hello, this is not SQLite" * 40)
    before = bad.read_bytes()
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: None)
    assert not opened.open_path(bad)
    assert opened.project is not None and opened.project.path == empty_project
    assert opened.stack.currentIndex() == 1  # still the workspace, not the start screen
    assert bad.read_bytes() == before


def test_ctrl_s_says_that_everything_is_saved(opened, qtbot):
    qtbot.waitUntil(lambda: bool(opened.act_save.shortcuts()), timeout=3000)
    opened.navigator.setFocus()
    qtbot.keyClick(opened.navigator, Qt.Key_S, Qt.ControlModifier)
    assert "All changes are saved" in opened.status.currentMessage()


def test_the_status_bar_only_promises_what_is_true(window, empty_project, forms, qtbot, monkeypatch):
    assert window.saved_label.text() == ""  # start screen: nothing to save
    window.open_path(empty_project)
    assert window.saved_label.text() == "All changes are saved automatically"
    window.go_to_step("applicant")
    box = window.pages["applicant"].editors["applicant.planned_submission_date"].edit
    box.setFocus()
    qtbot.keyClicks(box, "31/02/2025")
    qtbot.keyClick(box, Qt.Key_Return)
    assert window.saved_label.text().startswith("Not saved:")
    qtbot.keyClick(box, Qt.Key_A, Qt.ControlModifier)
    qtbot.keyClicks(box, "2025-02-28")
    qtbot.keyClick(box, Qt.Key_Return)
    # "saved" only once the commit is on disk (it runs behind the window: "Saving…" until then)
    text = window.saved_label.text()
    assert text == "Saving…" or (text == "All changes are saved automatically" and not window.project.saving)
    qtbot.waitUntil(lambda: window.saved_label.text() == "All changes are saved automatically", timeout=5000)
    window.close_project()
    assert window.saved_label.text() == ""
    window.open_path(empty_project, read_only=True)
    assert window.saved_label.text().startswith("Read-only")


# ------------------------------------------------------------------------------------ search
def test_search_finds_labels_values_ctd_codes_and_cells(forms, sample_project):
    snap = stored(sample_project("car-t"), forms)
    assert any(h.path == "product.inn" and h.matched == "label" for h in search(forms, snap, "INN"))
    inn = snap.get("product.inn")
    assert any(h.path == "product.inn" and h.matched == "value" for h in search(forms, snap, inn.split()[0]))
    assert any(h.matched == "CTD code" for h in search(forms, snap, "3.2.P.5"))
    site = snap.rows("manufacturing.sites")[0]["name"]
    hits = search(forms, snap, site)
    assert any(h.path == "manufacturing.sites[0].name" for h in hits)
    assert search(forms, snap, "zzqx-nothing") == []


def test_ctrl_f_jumps_to_the_field_or_cell(window, sample_project, forms, qtbot):
    window.open_path(sample_project("car-t"))
    qtbot.waitUntil(lambda: bool(window.act_find.shortcuts()), timeout=3000)
    window.navigator.setFocus()
    qtbot.keyClick(window.navigator, Qt.Key_F, Qt.ControlModifier)
    dialog = window._search
    assert dialog.isVisible()
    site = window.snap.rows("manufacturing.sites")[0]["name"]
    word = max((w for w in site.split() if w.isascii()), key=len)  # QTest types ASCII only
    qtbot.keyClicks(dialog.query, word)
    dialog.run()
    items = [dialog.results.topLevelItem(i) for i in range(dialog.results.topLevelItemCount())]
    cell = next(i for i in items if i.data(0, Qt.UserRole).startswith("manufacturing.sites["))
    dialog.results.setCurrentItem(cell)
    dialog.results.setFocus()
    qtbot.keyClick(dialog.results, Qt.Key_Return)
    assert window.current_step == "manufacturing"
    table = window.pages["manufacturing"].editors["manufacturing.sites"]
    assert word in table.model.rows[table.view.currentIndex().row()]["name"]
    dialog.query.clear()
    qtbot.keyClicks(dialog.query, "shelf life")
    dialog.run()
    assert dialog.results.topLevelItemCount() > 0
    qtbot.keyClick(dialog.query, Qt.Key_Return)
    assert window.current_step == "quality"


# ------------------------------------------------------------------------------------ help
def test_f1_opens_the_offline_guide_at_the_current_step(opened, qtbot):
    qtbot.waitUntil(lambda: bool(opened.act_guide.shortcuts()), timeout=3000)
    opened.go_to_step("quality")
    opened.navigator.setFocus()
    qtbot.keyClick(opened.navigator, Qt.Key_F1)
    guide = opened._guide
    assert guide.isVisible()
    assert "Quality control" in guide.browser.toPlainText()
    assert guide.browser.verticalScrollBar().value() > 0  # scrolled to the step's topic
    assert any(a.text() == "&User Guide" for m in opened.menuBar().findChildren(type(opened.view_menu))
               for a in m.actions())


def test_the_guide_has_a_topic_for_every_step(forms):
    html = (resources_dir() / "guide" / "index.html").read_text(encoding="utf-8")
    for step in forms.steps:
        assert f'name="{step.id}"' in html, step.id


# ------------------------------------------------------------------------------------ menus and keyboard
def test_every_menu_item_has_a_mnemonic(opened):
    opened._fill_recent_menu()
    for menu in [opened.menuBar()] + opened.menuBar().findChildren(type(opened.view_menu)):
        for act in menu.actions():
            if act.isSeparator() or not act.isEnabled() and act.text() == "No recent projects":
                continue
            assert "&" in act.text(), act.text()


def test_edit_menu_copy_and_paste_act_on_the_focused_field(opened, forms, qtbot):
    opened.go_to_step("product")
    name = opened.pages["product"].editors["product.invented_name"].edit
    other = opened.pages["product"].editors["product.company_code"].edit
    name.setFocus()
    qtbot.keyClicks(name, "Lumacel")
    opened.act_select_all.trigger()
    opened.act_copy.trigger()
    assert QApplication.clipboard().text() == "Lumacel"
    other.setFocus()
    opened.act_paste.trigger()
    qtbot.keyClick(other, Qt.Key_Return)
    assert stored(opened.project.path, forms).get("product.company_code") == "Lumacel"


def test_edit_menu_copies_and_pastes_table_cells(opened, forms, qtbot):
    opened.go_to_step("manufacturing")
    t = opened.pages["manufacturing"].editors["manufacturing.sites"]
    QApplication.clipboard().setText("Site A\tAddress A\nSite B\tAddress B")
    t.view.setFocus()
    opened.act_paste.trigger()
    rows = stored(opened.project.path, forms).rows("manufacturing.sites")
    assert [r["name"] for r in rows] == ["Site A", "Site B"]
    t.view.setFocus()
    opened.act_select_all.trigger()
    opened.act_copy.trigger()
    assert QApplication.clipboard().text().splitlines()[1].startswith("Site B\tAddress B")
    t.view.setCurrentIndex(t.model.index(1, 0))
    t.view.selectionModel().clearSelection()
    t.view.selectionModel().select(t.model.index(1, 0), QItemSelectionModel.Select)
    opened.act_cut.trigger()
    assert QApplication.clipboard().text() == "Site B"
    assert stored(opened.project.path, forms).rows("manufacturing.sites")[1] == {"address": "Address B"}


def test_tab_from_the_navigator_goes_to_the_first_field(opened, qtbot):
    opened.go_to_step("product")
    opened.navigator.setFocus()
    qtbot.keyClick(opened.navigator, Qt.Key_Tab)
    assert QApplication.focusWidget() is opened.pages["product"].first_field_widget()


def test_tab_into_a_yes_no_question_lands_on_the_checked_answer(opened, qtbot):
    opened.go_to_step("product")
    page = opened.pages["product"]
    gmo = page.editors["product.contains_gmo"]
    gmo.buttons[False].click()
    paths = list(page.rows)
    before = page.editors[paths[paths.index("product.contains_gmo") - 1]]
    while not page.is_field_shown(before.field.path):
        paths.remove(before.field.path)
        before = page.editors[paths[paths.index("product.contains_gmo") - 1]]
    target = before.focus_target()
    target.setFocus()
    qtbot.keyClick(target, Qt.Key_Tab)
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QRadioButton))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is gmo.buttons[False])


# ------------------------------------------------------------------------------------ export folder
def test_export_defaults_beside_the_project_and_asks_before_replacing(opened, forms, qtbot, monkeypatch, tmp_path):
    from atmp_desktop.ui.export_dialog import ExportDialog
    monkeypatch.chdir(tmp_path / "..")
    d = ExportDialog(forms, opened.snap, opened.settings, opened.project.path, opened)
    qtbot.addWidget(d)
    assert d.out_dir.text() == str(opened.project.path.parent / "dossier-export")
    out = opened.project.path.parent / "dossier-export"
    existing = out / "cat-readiness.docx"
    out.mkdir()
    existing.write_bytes(b"edited by the writer")
    assert existing in d.existing_files(out, ["cat-readiness"], ("docx",))
    asked = []

    def answer(box):
        asked.append(box.text())
        box.clickedButton = lambda: next(b for b in box.buttons() if b.text() == "&New Folder")
        return 0
    monkeypatch.setattr(QMessageBox, "exec", answer)
    target = d._target_folder(out, ["cat-readiness"], ("docx",))
    assert asked and "would replace" in asked[0]
    assert target != out and re.search(r"dossier-export-\d{4}-\d\d-\d\d$", target.name)
    assert existing.read_bytes() == b"edited by the writer"


def test_alt_e_presses_export_in_the_export_dialog(opened, forms, qtbot):
    from atmp_desktop.ui.export_dialog import ExportDialog
    d = ExportDialog(forms, opened.snap, opened.settings, opened.project.path, opened)
    qtbot.addWidget(d)
    assert d.export_button.text() == "&Export"
    texts = [w.text() for w in d.findChildren(QAction)] + [b.text() for b in d.findChildren(type(d.export_button))]
    assert sum(1 for t in texts if "&E" in t or "&e" in t) == 1  # no other Alt+E in the dialog


# ------------------------------------------------------------------------------------ row-level table writes
def test_a_cell_edit_writes_that_row_and_keeps_every_row_id(opened, forms, qtbot):
    window = opened
    window.go_to_step("manufacturing")
    t = window.pages["manufacturing"].editors["manufacturing.sites"]
    QApplication.clipboard().setText("Site A\nSite B\nSite C")
    t.view.setFocus()
    window.act_paste.trigger()
    before = window.project.snapshot().row_ids("manufacturing.sites")
    assert len(before) == 3
    t.model.setData(t.model.index(1, 0), "Site B2")
    snap = window.project.snapshot()
    assert snap.row_ids("manufacturing.sites") == before
    assert [r["name"] for r in snap.rows("manufacturing.sites")] == ["Site A", "Site B2", "Site C"]
    assert window.act_undo.text().startswith("&Undo edit of")
    t.view.setCurrentIndex(t.model.index(2, 0))
    qtbot.mouseClick(t.up_button, Qt.LeftButton)
    snap = stored(window.project.path, forms)
    assert [r["name"] for r in snap.rows("manufacturing.sites")] == ["Site A", "Site C", "Site B2"]
    assert snap.row_ids("manufacturing.sites") == (before[0], before[2], before[1])
    window.act_undo.trigger()  # the move, then the edit
    window.act_undo.trigger()
    assert [r["name"] for r in t.model.rows] == ["Site A", "Site B", "Site C"]
    assert tuple(t.model.ids) == before


def test_a_row_emptied_by_delete_leaves_the_file_but_stays_on_screen(opened, forms, qtbot):
    window = opened
    window.go_to_step("manufacturing")
    t = window.pages["manufacturing"].editors["manufacturing.sites"]
    QApplication.clipboard().setText("Site A\nSite B")
    t.view.setFocus()
    window.act_paste.trigger()
    t.view.setCurrentIndex(t.model.index(0, 0))
    qtbot.keyClick(t.view, Qt.Key_Delete)
    assert [r["name"] for r in stored(window.project.path, forms).rows("manufacturing.sites")] == ["Site B"]
    assert t.model.rowCount() == 2
    t.model.setData(t.model.index(0, 0), "Site A again")  # typing into the blank row stores it in place
    assert [r["name"] for r in stored(window.project.path, forms).rows("manufacturing.sites")] == \
        ["Site A again", "Site B"]


# ------------------------------------------------------------------------------------ file state
def test_a_file_that_cannot_be_written_opens_read_only_with_the_reason(window, empty_project, qtbot):
    empty_project.chmod(0o444)  # the store checks the mode bits too, so this holds even for root
    assert window.open_path(empty_project)
    assert window.project.read_only
    assert not window.file_banner.isHidden()
    assert "the file is read-only" in window.file_banner_text.text()
    assert window.saved_label.text().startswith("Read-only")


def test_the_read_only_banner_names_the_reason_before_anything_is_typed(window, empty_project, forms, monkeypatch):
    from atmp_desktop.store import project_file
    monkeypatch.setattr(project_file, "_read_only_reason", lambda path: "the disk it is on is full")
    assert window.open_path(empty_project)
    assert window.project.read_only and not window.file_banner.isHidden()
    assert "the disk it is on is full" in window.file_banner_text.text()
    assert not window.file_banner_button.isHidden()  # Save a Copy…
    editor = window.pages[window.current_step].first_field_widget()
    assert editor.isReadOnly() if hasattr(editor, "isReadOnly") else not editor.isEnabled()


def test_a_change_made_by_another_program_is_shown(opened, forms, qtbot):
    import json
    import sqlite3
    window = opened
    window.go_to_step("product")
    ed = window.pages["product"].editors["product.invented_name"]
    conn = sqlite3.connect(window.project.path)  # another program writing to the file
    with conn:
        conn.execute("INSERT OR REPLACE INTO field_values (step, field, value, modified) VALUES (?, ?, ?, ?)",
                     ("product", "invented_name", json.dumps("Changed elsewhere"), "2026-12-01T10:00:00Z"))
    conn.close()
    assert window.check_file()
    assert ed.value() == "Changed elsewhere"
    assert "changed by another program" in window.file_banner_text.text()
