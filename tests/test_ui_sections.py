"""The Sections dock: the writer's status per CTD section, set in the window and found in the project file."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from atmp_desktop.core.validation import Finding
from atmp_desktop.store import ProjectFile
from atmp_desktop.ui import findings as findings_module
from atmp_desktop.ui.sections_dock import COL_FIELDS, COL_FINDINGS, COL_NOTE, COL_SECTION


def stored(path, forms):
    with ProjectFile.open(path, forms, read_only=True) as p:
        return p.snapshot(), p.audit_entries()


def inn_missing(forms, snap):
    if snap.is_set("product.inn"):
        return []
    return [Finding("REQ-01", "error", "INN or common name is required.", "ICH M4Q 3.2.S.1.1", "product.inn",
                    "product", "K"),
            Finding("REQ-02", "error", "Another problem with the INN.", "ICH M4Q 3.2.S.1.1", "product.inn",
                    "product", "K")]


def wait_for_findings(window, qtbot):
    qtbot.waitUntil(lambda: not window.validation.busy and not window.validation._timer.isActive(), timeout=5000)
    window.validation.wait()
    qtbot.wait(20)


def choose(dock, code, label):
    combo = dock.combos[code]
    combo.setCurrentIndex(combo.findText(label))


def test_status_chosen_in_the_dock_is_in_the_file_and_audited(window, sample_project, forms):
    path = sample_project("car-t")
    assert window.open_path(path)
    dock = window.sections_dock
    assert not dock.isHidden()
    choose(dock, "3.2.S.2.1", "In review")
    snap, audit = stored(path, forms)
    assert snap.section_status["3.2.S.2.1"]["status"] == "in_review"
    entry = audit[0]
    assert (entry["action"], entry["field"], entry["new_value"]) == ("section status", "3.2.S.2.1", "in_review")
    assert "3.2.S.2.1 marked in review" in window.status.currentMessage()


def test_note_typed_in_the_dock_is_kept_with_the_status(window, sample_project, forms):
    path = sample_project("car-t")
    window.open_path(path)
    dock = window.sections_dock
    choose(dock, "3.2.S.1", "Draft")
    dock.items["3.2.S.1"].setText(COL_NOTE, "Waiting for the INN from WHO")  # what the cell editor commits
    snap, _ = stored(path, forms)
    assert snap.section_status["3.2.S.1"] == {"status": "draft", "note": "Waiting for the INN from WHO"}
    window.close_project()
    window.open_path(path)  # shown again after reopening
    assert window.sections_dock.combos["3.2.S.1"].currentText() == "Draft"
    assert window.sections_dock.items["3.2.S.1"].text(COL_NOTE) == "Waiting for the INN from WHO"


def test_marking_ready_with_errors_asks_first(window, empty_project, forms, qtbot, monkeypatch):
    monkeypatch.setattr(findings_module, "load_validate", lambda: inn_missing)
    window.open_path(empty_project)
    wait_for_findings(window, qtbot)
    dock = window.sections_dock
    assert dock.items["3.2.S.1.1"].text(COL_FINDINGS) == "2 errors"
    asked = []

    def answer(reply):
        def question(parent, title, text, *a):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.No))
    choose(dock, "3.2.S.1.1", "Ready")
    assert asked and asked[0].startswith("3.2.S.1.1 still has 2 errors and ")
    assert "empty required field" in asked[0] and asked[0].endswith("mark it ready anyway?")
    assert "3.2.S.1.1" not in stored(empty_project, forms)[0].section_status
    assert dock.combos["3.2.S.1.1"].currentText() == "Not started"  # the choice is taken back

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.Yes))
    choose(dock, "3.2.S.1.1", "Ready")
    assert stored(empty_project, forms)[0].section_status["3.2.S.1.1"]["status"] == "ready"


def test_marking_ready_without_problems_does_not_ask(window, sample_project, forms, monkeypatch):
    path = sample_project("car-t")
    window.open_path(path)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("asked although nothing is missing"))
    dock = window.sections_dock
    assert not dock.facts["3.2.S.2.1"].required_empty and not dock.facts["3.2.S.2.1"].findings.get("error")
    choose(dock, "3.2.S.2.1", "Ready")
    assert stored(path, forms)[0].section_status["3.2.S.2.1"]["status"] == "ready"


def test_read_only_project_shows_statuses_but_cannot_change_them(window, empty_project, forms):
    with ProjectFile.open(empty_project, forms) as p:
        p.set_section_status("3.2.P.5.1", "draft", "specs pending")
    window.open_path(empty_project, read_only=True)
    dock = window.sections_dock
    assert dock.combos["3.2.P.5.1"].currentText() == "Draft"
    assert dock.items["3.2.P.5.1"].text(COL_NOTE) == "specs pending"
    assert not any(c.isEnabled() for c in dock.combos.values())
    assert "Read-only" in dock.summary.text()
    assert not dock.set_status("3.2.P.5.1", "ready", confirm=False)
    dock.edit_note(dock.items["3.2.P.5.1"])
    assert dock.tree.state() != dock.tree.State.EditingState
    assert stored(empty_project, forms)[0].section_status["3.2.P.5.1"] == {"status": "draft", "note": "specs pending"}


def test_double_click_goes_to_the_first_field_feeding_the_section(window, sample_project, qtbot):
    window.open_path(sample_project("car-t"))
    window.activateWindow()
    dock = window.sections_dock
    dock.tree.itemActivated.emit(dock.items["3.2.P.5.1"], COL_SECTION)
    assert window.current_step == "quality"

    def focused_field():
        from atmp_desktop.ui.step_page import FieldRow
        w = QApplication.focusWidget()
        while w is not None and not isinstance(w, FieldRow):
            w = w.parentWidget()
        return w.field if w is not None else None

    qtbot.waitUntil(lambda: focused_field() is not None, timeout=2000)
    from atmp_desktop.core.definitions import placement_map
    assert "3.2.P.5.1" in placement_map().feeds(focused_field().path)
    assert not window.pages["quality"].rows[focused_field().path].isHidden()


def test_sections_that_do_not_apply_are_greyed_with_the_reason(window, sample_project):
    window.open_path(sample_project("car-t"))  # a GMO product: 1.6.1 (non-GMO ERA) does not apply
    item = window.sections_dock.items["1.6.1"]
    assert "Does not apply" in item.toolTip(COL_SECTION)
    assert "GMO" in item.toolTip(COL_SECTION)
    assert item.foreground(COL_SECTION).color().name() == "#9a9a9a"
    assert "Does not apply" not in window.sections_dock.items["1.6.2"].toolTip(COL_SECTION)


def test_field_counts_follow_edits(window, empty_project, qtbot):
    window.open_path(empty_project)
    dock = window.sections_dock
    before = dock.items["3.2.S.1.1"].text(COL_FIELDS)
    filled, total = map(int, before.split("/"))
    window.go_to_step("product")
    window.on_edited("product.inn", "lumacel-leucel")
    assert dock.items["3.2.S.1.1"].text(COL_FIELDS) == f"{filled + 1}/{total}"


def test_view_menu_toggles_the_dock(window, empty_project):
    window.open_path(empty_project)
    act = window.act_sections
    assert act in window.view_menu.actions() and act.text() == "CTD &Sections"
    assert act.shortcut() == QKeySequence("Ctrl+Shift+C")
    others = [a for a in window.findChildren(QAction) if a is not act]
    assert not any(act.shortcut() in a.shortcuts() for a in others)  # Ctrl+Shift+S stays Save As
    act.trigger()
    assert window.sections_dock.isHidden()
    act.trigger()
    assert not window.sections_dock.isHidden()


def test_status_of_a_project_opened_later_is_not_mixed_up(window, sample_project, empty_project):
    window.open_path(sample_project("car-t"))
    choose(window.sections_dock, "3.2.R", "Draft")
    window.close_project()
    assert window.sections_dock.isHidden()
    window.open_path(empty_project)
    assert window.sections_dock.combos["3.2.R"].currentText() == "Not started"


def test_scrolling_over_the_list_does_not_change_statuses(window, sample_project, forms, qtbot):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    path = sample_project("car-t")
    window.open_path(path)
    combo = window.sections_dock.combos["3.2.S.1"]
    centre = QPointF(combo.rect().center())
    event = QWheelEvent(centre, combo.mapToGlobal(centre), QPoint(0, 0), QPoint(0, -120), Qt.NoButton,
                        Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(combo, event)
    assert combo.currentText() == "Not started"
    assert "3.2.S.1" not in stored(path, forms)[0].section_status


def test_note_typed_into_the_cell_editor_is_saved(window, sample_project, forms, qtbot):
    path = sample_project("car-t")
    window.open_path(path)
    window.activateWindow()
    dock = window.sections_dock
    dock.raise_()
    step = window.current_step
    dock.tree.itemActivated.emit(dock.items["3.2.P.5.1"], COL_NOTE)  # double-click on the Note cell
    assert window.current_step == step  # edits the note instead of jumping
    qtbot.waitUntil(lambda: dock.tree.state() == dock.tree.State.EditingState, timeout=2000)
    editor = QApplication.focusWidget()
    qtbot.keyClicks(editor, "Potency limits pending")
    qtbot.keyClick(editor, Qt.Key_Return)
    qtbot.waitUntil(lambda: dock.tree.state() != dock.tree.State.EditingState, timeout=2000)  # commit is queued
    assert stored(path, forms)[0].section_status["3.2.P.5.1"] == {"status": "not_started",
                                                                  "note": "Potency limits pending"}


def test_a_status_change_is_undone_from_the_edit_menu(window, sample_project, forms, qtbot):
    path = sample_project("car-t")
    assert window.open_path(path)
    dock = window.sections_dock
    choose(dock, "3.2.S.2.1", "In review")
    assert window.act_undo.text() == "&Undo status of section 3.2.S.2.1"
    window.act_undo.trigger()
    assert "3.2.S.2.1" not in stored(path, forms)[0].section_status
    assert dock.combos["3.2.S.2.1"].currentText() == "Not started"
    window.act_redo.trigger()
    assert stored(path, forms)[0].section_status["3.2.S.2.1"]["status"] == "in_review"
