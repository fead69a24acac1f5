"""The table editor: rows, typed cells, spreadsheet paste; assertions read the project file."""
import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from atmp_desktop.store import ProjectFile


@pytest.fixture
def window(window, empty_project):
    """The main window with a new, empty project open."""
    assert window.open_path(empty_project)
    return window


def rows(window, path):
    with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
        return p.snapshot().rows(path)


def table(window, path):
    step = path.split(".")[0]
    window.go_to_step(step)
    return window.pages[step].editors[path]


def test_add_row_and_type_into_a_cell(window, qtbot):
    t = table(window, "manufacturing.sites")
    t.add_button.click()
    assert rows(window, "manufacturing.sites") == []  # an empty row is not stored
    idx = t.model.index(0, 0)
    t.view.setCurrentIndex(idx)
    t.view.edit(idx)
    editor = t.view.indexWidget(idx)
    qtbot.keyClicks(editor, "Leiden Cell Factory")
    qtbot.keyClick(editor, Qt.Key_Return)  # the view commits the editor on the next event loop turn
    qtbot.waitUntil(lambda: rows(window, "manufacturing.sites") == [{"name": "Leiden Cell Factory"}])
    assert window.act_undo.text() == f"&Undo edit of {t.field.columns[0].label} (row 1 of {t.field.label})"


def test_typed_cell_editors_for_choice_date_and_integer(window):
    t = table(window, "manufacturing.sites")
    t.add_button.click()
    delegate = t.view.itemDelegate()
    cols = [c.id for c in t.field.columns]

    def edit(col_id, setter):
        idx = t.model.index(0, cols.index(col_id))
        ed = delegate.createEditor(t.view.viewport(), None, idx)
        delegate.setEditorData(ed, idx)
        setter(ed)
        delegate.setModelData(ed, t.model, idx)
        return ed

    ed = edit("containment_class", lambda e: e.setCurrentIndex(e.findData("class_2")))
    assert isinstance(ed, QComboBox) and ed.itemText(0) == "—"
    ed = edit("gmp_certificate_date", lambda e: e.setText("30/06/2025"))  # the C locale writes day first
    assert isinstance(ed, QLineEdit)
    stored = rows(window, "manufacturing.sites")[0]
    assert stored == {"containment_class": "class_2", "gmp_certificate_date": "2025-06-30"}

    steps = table(window, "manufacturing.process_steps")
    steps.add_button.click()
    d = steps.view.itemDelegate()
    idx = steps.model.index(0, 0)
    box = d.createEditor(steps.view.viewport(), None, idx)
    box.setText("3")
    d.setModelData(box, steps.model, idx)
    assert rows(window, "manufacturing.process_steps") == [{"number": 3}]


def test_paste_from_a_spreadsheet_fills_rows_and_columns(window, qtbot):
    t = table(window, "manufacturing.sites")
    QApplication.clipboard().setText("a\tb\nc\td")
    t.view.setFocus()
    qtbot.keyClick(t.view, Qt.Key_V, Qt.ControlModifier)
    assert rows(window, "manufacturing.sites") == [{"name": "a", "address": "b"}, {"name": "c", "address": "d"}]
    assert window.act_undo.text() == f"&Undo paste into {t.field.label}"
    window.act_undo.trigger()  # the whole paste is one undo step
    assert rows(window, "manufacturing.sites") == []
    assert t.model.rowCount() == 0


def test_paste_at_the_current_cell_overwrites_and_extends(window):
    t = table(window, "manufacturing.sites")
    t.paste_text("A\tA-addr\nB\tB-addr")
    t.view.setCurrentIndex(t.model.index(1, 1))
    t.paste_text("new-addr\tNL\nC-addr\tDE")
    assert rows(window, "manufacturing.sites") == [
        {"name": "A", "address": "A-addr"},
        {"name": "B", "address": "new-addr", "country": "NL"},
        {"address": "C-addr", "country": "DE"},
    ]


def test_paste_parses_typed_columns_and_reports_bad_cells(window):
    t = table(window, "manufacturing.process_steps")
    t.view.setCurrentIndex(t.model.index(-1, -1))
    problems = t.paste_text("1\tThaw\tDS\nseven\tExpand\tDP\n3\tFill\tnot-a-stage")
    assert rows(window, "manufacturing.process_steps") == [
        {"number": 1, "name": "Thaw", "stage": "DS"},
        {"name": "Expand", "stage": "DP"},
        {"number": 3, "name": "Fill"},
    ]
    assert "2 cell(s) could not be pasted" in problems
    assert "row 2" in problems and "seven" in problems and "row 3" in problems


def test_paste_button_shows_problems_under_the_table(window):
    t = table(window, "manufacturing.process_steps")
    QApplication.clipboard().setText("x\ty\tz\tq\tw\te\tr\tt\tu\tv\tbeyond")  # 10 columns, then one more
    t.paste_button.click()
    assert not t.message.isHidden()
    assert "beyond the last column" in t.message.text()


def test_remove_and_move_rows(window):
    t = table(window, "manufacturing.sites")
    t.paste_text("one\ntwo\nthree")
    t.view.setCurrentIndex(t.model.index(2, 0))
    t.move_row(-1)
    assert [r["name"] for r in rows(window, "manufacturing.sites")] == ["one", "three", "two"]
    t.view.selectionModel().clearSelection()
    t.view.setCurrentIndex(t.model.index(0, 0))
    t.remove_rows()
    assert [r["name"] for r in rows(window, "manufacturing.sites")] == ["three", "two"]
    window.act_undo.trigger()
    assert [r["name"] for r in rows(window, "manufacturing.sites")] == ["one", "three", "two"]


def test_bad_cell_text_is_reported_not_saved(window):
    t = table(window, "manufacturing.process_steps")
    t.add_button.click()
    assert not t.model.setData(t.model.index(0, 0), "twelve")
    assert "twelve" in t.message.text()
    assert rows(window, "manufacturing.process_steps") == []


def test_finding_on_a_table_cell_selects_that_cell(window):
    from atmp_desktop.core.validation import Finding
    t = table(window, "manufacturing.sites")
    t.paste_text("one\ttown\ntwo\tcity")
    window.go_to_step("applicant")
    window.go_to_finding(Finding(rule="T-1", severity="error", message="m", basis="b",
                                 location="manufacturing.sites[1].address", step="manufacturing"))
    assert window.current_step == "manufacturing"
    idx = t.view.currentIndex()
    assert (idx.row(), t.field.columns[idx.column()].id) == (1, "address")


def test_moving_a_row_past_a_blank_row_records_no_undo_step(window, qtbot):
    """Found by the window soak (seed 2, action 16,318): a row emptied on screen (its last cell cleared: it
    left the file, the blank stays), a stored row moved past that blank (its place in the file does not
    change), then Ctrl+Z. The move used to be stored as an undo step that changed nothing visible (the row got
    a new position number between its neighbours), so Ctrl+Z took back that empty step, not the edit before."""
    path = "manufacturing.process_steps"
    t = table(window, path)
    assert t.paste_text("1\tThaw\n2\tSpin\n3\tWash\n4\tFill") == ""  # an empty table pastes from its first cell
    t.view.selectionModel().select(  # clear both cells of "Spin": it leaves the file, a blank row stays
        QItemSelection(t.model.index(1, 0), t.model.index(1, 1)), QItemSelectionModel.ClearAndSelect)
    t.clear_cells()
    assert [r.get("name") for r in t.model.rows] == ["Thaw", None, "Wash", "Fill"]
    assert [r["name"] for r in rows(window, path)] == ["Thaw", "Wash", "Fill"]
    t.view.selectionModel().clearSelection()
    t.view.setCurrentIndex(t.model.index(3, 1))
    t.model.setData(t.model.index(3, 1), "Fill and finish")  # the last edit before the move
    assert [r["name"] for r in rows(window, path)] == ["Thaw", "Wash", "Fill and finish"]
    edit_label = window.project.undo_label
    t.view.setCurrentIndex(t.model.index(2, 1))
    qtbot.mouseClick(t.up_button, Qt.LeftButton)  # "Wash" above the blank row: still second in the file
    assert [r.get("name") for r in t.model.rows] == ["Thaw", "Wash", None, "Fill and finish"]
    assert [r["name"] for r in rows(window, path)] == ["Thaw", "Wash", "Fill and finish"]
    assert window.project.undo_label == edit_label
    window.navigator.setFocus()
    qtbot.keyClick(window.navigator, Qt.Key_Z, Qt.ControlModifier)  # takes back the edit, not an empty move
    assert [r["name"] for r in rows(window, path)] == ["Thaw", "Wash", "Fill"]
    assert [r.get("name") for r in t.model.rows] == ["Thaw", "Wash", "Fill"]


def test_store_move_to_the_same_place_changes_nothing(window):
    path = "manufacturing.process_steps"
    pf = window.project
    pf.insert_rows(path, 0, [{"name": "a"}, {"name": "x"}, {"name": "b"}, {"name": "c"}])
    pf.delete_rows(path, [pf.snapshot().row_ids(path)[1]])  # uneven positions: a 0, b 2, c 3 gaps
    label, ids = pf.undo_label, pf.snapshot().row_ids(path)
    assert pf.move_rows(path, [ids[1]], 1) is None  # "b" at its own place
    assert pf.move_rows(path, ids[1:], 1) is None  # "b" and "c" together where they are
    assert pf.move_rows(path, [ids[2]], 9) is None  # the last row to the end
    assert pf.undo_label == label
    assert pf.move_rows(path, [ids[2]], 0) is not None
    assert [r["name"] for r in pf.snapshot().rows(path)] == ["c", "a", "b"]
