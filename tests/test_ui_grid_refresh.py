"""The results sheets follow edits of the tables they read (batches, specifications) without rebuilding
what those edits cannot change: a renamed batch shows its new name over the same results, a changed
criterion shows in the sheet, results typed afterwards land in the file. Assertions read the project file."""
import pytest
from PySide6.QtCore import Qt

from atmp_desktop.store import ProjectFile
from atmp_desktop.ui.grid_editor import ResultsEditor

BATCH_RESULTS, BATCHES = "quality.batch_results", "quality.batch_analyses"


pytestmark = pytest.mark.usefixtures("no_message_box")


@pytest.fixture
def window(window, sample_project):
    assert window.open_path(sample_project("car-t"))
    window.go_to_step("quality")
    return window


def stored(window):
    with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
        return p.snapshot()


def type_into_table(qtbot, editor, row, column_id, text):
    """Choose a cell of a table editor, F2, type, Enter (as a user does)."""
    col = next(i for i, c in enumerate(editor.field.columns) if c.id == column_id)
    index = editor.model.index(row, col)
    editor.view.setFocus()
    editor.view.setCurrentIndex(index)
    qtbot.keyClick(editor.view, Qt.Key_F2)
    cell = editor.view.indexWidget(index)
    assert cell is not None
    cell.selectAll()
    qtbot.keyClicks(cell, text)
    qtbot.keyClick(cell, Qt.Key_Return)


def sheet_cells(model):
    return {(model.headerData(r, Qt.Vertical), c): model.data(model.index(r, c))
            for r in range(model.rowCount()) for c in range(1, model.columnCount())}


def test_a_renamed_batch_shows_its_new_name_over_the_same_results(window, qtbot):
    sheet = window.pages["quality"].editors[BATCH_RESULTS]
    assert isinstance(sheet, ResultsEditor)
    m = sheet.sheet.model
    old = m.headerData(1, Qt.Horizontal)
    before = sheet_cells(m)
    batches = window.pages["quality"].editors[BATCHES]
    row = next(r for r in range(batches.model.rowCount()) if batches.model.rows[r].get("batch") == old)
    type_into_table(qtbot, batches, row, "batch", "NCT019-RENAMED")
    qtbot.waitUntil(lambda: m.headerData(1, Qt.Horizontal) == "NCT019-RENAMED", timeout=5000)
    assert sheet_cells(m) == before  # the same results under the new name
    snap = stored(window)
    assert any(r.get("batch") == "NCT019-RENAMED" for r in snap.rows(BATCHES))
    # a result typed into the renamed batch's column is stored against that batch
    view = sheet.sheet.view
    view.setFocus()
    view.setCurrentIndex(m.index(0, 1))
    qtbot.keyClick(view, "7")
    editor = view.indexWidget(view.currentIndex())
    qtbot.keyClicks(editor, "7 %")
    qtbot.keyClick(editor, Qt.Key_Return)

    def typed_result():
        snap = stored(window)
        bid = next(i for i, r in zip(snap.row_ids(BATCHES), snap.rows(BATCHES)) if r.get("batch") == "NCT019-RENAMED")
        return [r.get("result") for r in snap.rows(BATCH_RESULTS) if r.get("batch") == bid]
    qtbot.waitUntil(lambda: "77" in typed_result(), timeout=5000)
    assert m.data(m.index(0, 1)) == "77 %"


def test_a_changed_criterion_shows_in_the_sheet(window, qtbot):
    sheet = window.pages["quality"].editors[BATCH_RESULTS]
    sheet.sheet.selector.setCurrentIndex(sheet.sheet.selector.findData("DS"))
    m = sheet.sheet.model
    spec = window.pages["quality"].editors["quality.ds_specification"]
    crit_col = next(c.id for c in spec.field.columns if "criteri" in c.id)
    name_col = spec.field.columns[0].id
    row = 0
    test_name = spec.model.rows[row].get(name_col)
    before = m.data(m.index(next(r for r in range(m.rowCount()) if m.headerData(r, Qt.Vertical) == test_name), 0))
    type_into_table(qtbot, spec, row, crit_col, ">= 42%")  # (QTest types Latin-1 only: no "≥")
    qtbot.waitUntil(lambda: stored(window).rows("quality.ds_specification")[row].get(crit_col) == ">= 42%",
                    timeout=5000)
    sheet_row = next(r for r in range(m.rowCount()) if m.headerData(r, Qt.Vertical) == test_name)
    qtbot.waitUntil(lambda: m.data(m.index(sheet_row, 0)) != before, timeout=5000)
    assert "42" in m.data(m.index(sheet_row, 0))
