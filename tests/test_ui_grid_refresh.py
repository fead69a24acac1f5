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


def test_an_edit_of_a_batch_keeps_the_sheets_current_cell_and_shows_results_changed_elsewhere(window, qtbot):
    """The sheet is refreshed in place (no model reset) when its tests and cells' places are unchanged: the
    cell the user stands on stays current; a result changed in the Rows view shows in the sheet."""
    ed = window.pages["quality"].editors[BATCH_RESULTS]
    m, view = ed.sheet.model, ed.sheet.view
    r, c = next((r, c) for r in range(m.rowCount()) for c in range(1, m.columnCount()) if m.data(m.index(r, c)))
    view.setCurrentIndex(m.index(r, c))
    batches = window.pages["quality"].editors[BATCHES]
    type_into_table(qtbot, batches, 0, "note", "a note the sheet does not show")
    qtbot.waitUntil(lambda: stored(window).rows(BATCHES)[0].get("note") == "a note the sheet does not show",
                    timeout=5000)
    assert (view.currentIndex().row(), view.currentIndex().column()) == (r, c)
    # the same result, changed in the Rows view of the same table: the sheet shows it when chosen again
    rid = m.cells[m.key_at(r, c)][0]
    ed.modes.button(1).click()
    rows = ed.rows
    row = list(rows.model.ids).index(rid)
    type_into_table(qtbot, rows, row, "result", "12.5")
    qtbot.waitUntil(lambda: stored(window).row(BATCH_RESULTS, rid).get("result") == "12.5", timeout=5000)
    window._after_change(window.project.undo())  # the window's undo path reloads the sheet's table
    window._after_change(window.project.redo())
    ed.modes.button(0).click()
    assert m.data(m.index(r, c)).startswith("12.5")


def test_results_typed_into_empty_cells_are_added_at_the_end_in_the_order_typed(window, qtbot):
    """The sheet is not reloaded after its own edits; results typed one after another into empty cells are
    each appended after the last row of the table (not in front of the ones typed before)."""
    batches = window.pages["quality"].editors[BATCHES]
    batches.add_row()
    type_into_table(qtbot, batches, batches.model.rowCount() - 1, "batch", "NEW-BATCH-1")  # a column of empty cells
    ed = window.pages["quality"].editors[BATCH_RESULTS]
    m, view = ed.sheet.model, ed.sheet.view
    qtbot.waitUntil(lambda: m.headerData(m.columnCount() - 1, Qt.Horizontal) == "NEW-BATCH-1", timeout=5000)
    empty = [(r, m.columnCount() - 1) for r in range(m.rowCount())]
    assert len(empty) >= 3 and not any(m.data(m.index(r, c)) for r, c in empty)
    for k, (r, c) in enumerate(empty[:3]):
        view.setFocus()
        view.setCurrentIndex(m.index(r, c))
        qtbot.keyClick(view, Qt.Key_F2)
        cell = view.indexWidget(view.currentIndex())
        qtbot.keyClicks(cell, f"{k + 1}1 %")
        qtbot.keyClick(cell, Qt.Key_Return)
    qtbot.waitUntil(lambda: "31" in [row.get("result") for row in stored(window).rows(BATCH_RESULTS)], timeout=5000)
    results = stored(window).rows(BATCH_RESULTS)
    assert [row.get("result") for row in results[-3:]] == ["11", "21", "31"]
    assert [m.data(m.index(r, c)) for r, c in empty[:3]] == ["11 %", "21 %", "31 %"]


def test_the_stability_sheet_shows_each_studys_results_and_time_points(window, qtbot):
    """Each study's sheet (read from one pass over that study's results) holds exactly its results, under
    their time points."""
    ed = window.pages["quality"].editors["quality.stability_results"]
    snap = stored(window)
    for sid in snap.row_ids("quality.stability_studies"):
        ed.sheet.selector.setCurrentIndex(ed.sheet.selector.findData(sid))
        m = ed.sheet.model
        shown = {m.cells[m.key_at(r, c)][0] for r in range(m.rowCount()) for c in range(1, m.columnCount())
                 if m.key_at(r, c) in m.cells}
        own = {rid for rid, row in zip(snap.row_ids("quality.stability_results"), snap.rows("quality.stability_results"))
               if row.get("study") == sid and isinstance(row.get("time_point"), dict)}
        dup_rows = {rid for rid in own - shown
                    if (snap.row("quality.stability_results", rid).get("test"),
                        tuple(snap.row("quality.stability_results", rid)["time_point"].values())) in m.duplicates}
        assert shown | dup_rows == own, sid
        for rid in shown:
            tp = snap.row("quality.stability_results", rid)["time_point"]
            assert (tp["value"], tp["unit"]) in {col.key for col in m.columns}


def test_a_sheet_below_the_visible_part_of_the_page_reads_its_results_when_scrolled_to(window, qtbot):
    """Built on the page's first show, the sheet reads no result until it is on screen; scrolled to, it shows
    every stored result of its batches in the right cell."""
    window.resize(1280, 820)   # wide enough that the sheet shows result columns beside the criteria
    page = window.pages["quality"]
    page.verticalScrollBar().setValue(0)
    ed = page.editors[BATCH_RESULTS]
    qtbot.wait(50)
    assert ed.sheet.model._source is not None   # not read yet: the sheet is below the visible part
    page.focus_field(BATCH_RESULTS)
    qtbot.waitUntil(lambda: ed.sheet.model._source is None, timeout=5000)   # painted: read
    m = ed.sheet.model
    snap = stored(window)
    names = dict(zip(snap.row_ids(BATCHES), (r.get("batch") for r in snap.rows(BATCHES))))
    tests = {r: m.tests[r].id for r in range(m.rowCount())}
    for rid, row in zip(snap.row_ids(BATCH_RESULTS), snap.rows(BATCH_RESULTS)):
        cols = [c for c in range(1, m.columnCount()) if m.columns[c - 1].key == row.get("batch")]
        rows = [r for r, t in tests.items() if t == row.get("test")]
        if cols and rows:
            assert m.data(m.index(rows[0], cols[0])).startswith(str(row["result"])), (names[row["batch"]], row)


def shown_batches(ed, material):
    """The batch columns the window's sheet shows for a specification: (batch id, title, detail)."""
    ed.sheet.selector.setCurrentIndex(ed.sheet.selector.findData(material))
    return [(c.key, c.title, c.tip) for c in ed.sheet.model.columns]


def file_batches(window, material):
    """The same, read from the project file: every batch of that material (or of none), in table order."""
    snap = stored(window)
    out = []
    for rid, row in zip(snap.row_ids(BATCHES), snap.rows(BATCHES)):
        if row.get("material") in (material, None):
            detail = ", ".join(str(row[k]) for k in ("process_version", "site", "date") if row.get(k))
            out.append((rid, str(row.get("batch") or "(unnamed batch)"), detail))
    return out


def test_batch_edits_change_only_their_columns_and_the_sheets_follow_the_file(window, qtbot):
    """A renamed batch changes its own column only (the other columns are not made again); a batch moved to
    the other specification, a batch added, a batch removed and an undo each leave both sheets showing exactly
    the batches the file holds."""
    from atmp_desktop.store import DeleteRows, SetCell
    ed = window.pages["quality"].editors[BATCH_RESULTS]
    batches = window.pages["quality"].editors[BATCHES]
    material = ed.sheet.selector.currentData()
    before = list(ed.sheet.model.columns)
    assert len(before) >= 2
    row = next(r for r in range(batches.model.rowCount())
               if batches.model.rows[r].get("material") in (material, None) and batches.model.ids[r] == before[1].key)
    type_into_table(qtbot, batches, row, "batch", "RENAMED-2")
    qtbot.waitUntil(lambda: ed.sheet.model.columns[1].title == "RENAMED-2", timeout=5000)
    after = ed.sheet.model.columns
    assert [a is b for a, b in zip(after, before)] == [i != 1 for i in range(len(before))]
    assert shown_batches(ed, material) == file_batches(window, material)

    other = next(m for m, _t in ed.sheet.choices() if m != material)
    moved = before[0].key
    window.on_row_edits(BATCHES, [SetCell(BATCHES, moved, "material", other)], "move a batch")
    window.project.wait_saved()
    for m in (material, other):
        assert shown_batches(ed, m) == file_batches(window, m)
    assert moved not in [k for k, _t, _d in shown_batches(ed, material)]
    assert moved in [k for k, _t, _d in shown_batches(ed, other)]

    ed.sheet.selector.setCurrentIndex(ed.sheet.selector.findData(material))
    batches.add_row()
    type_into_table(qtbot, batches, batches.model.rowCount() - 1, "batch", "ADDED-1")
    qtbot.waitUntil(lambda: "ADDED-1" in [c.title for c in ed.sheet.model.columns], timeout=5000)
    assert shown_batches(ed, material) == file_batches(window, material)
    window.on_row_edits(BATCHES, [DeleteRows(BATCHES, [before[-1].key])], "remove a batch")
    window.project.wait_saved()
    for m in (material, other):
        assert shown_batches(ed, m) == file_batches(window, m)
    window.undo()  # the removed batch comes back
    window.project.wait_saved()
    for m in (material, other):
        assert shown_batches(ed, m) == file_batches(window, m)
    assert before[-1].key in [k for k, _t, _d in shown_batches(ed, material)]
