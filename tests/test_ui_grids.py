"""The results sheets in the real window: tests × batches and tests × time points, typed and pasted like a
spreadsheet, each paste one undo step; ref columns of the row view show names, never row ids. Assertions
read the project file."""
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication, QComboBox

from atmp_desktop.core.results import spec_test
from atmp_desktop.store import ProjectFile
from atmp_desktop.ui.grid_editor import ResultsEditor

BATCH_RESULTS, STAB_RESULTS = "quality.batch_results", "quality.stability_results"


pytestmark = pytest.mark.usefixtures("no_message_box")


@pytest.fixture
def window(window, sample_project):
    assert window.open_path(sample_project("car-t"))
    window.go_to_step("quality")
    return window


def stored(window, path):
    with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
        snap = p.snapshot()
        return snap, list(zip(snap.row_ids(path), snap.rows(path)))


def sheet_of(window, path) -> ResultsEditor:
    ed = window.pages["quality"].editors[path]
    assert isinstance(ed, ResultsEditor)
    return ed


def results_for(window, batch_name):
    snap, rows = stored(window, BATCH_RESULTS)
    bid = next(i for i, r in zip(snap.row_ids("quality.batch_analyses"), snap.rows("quality.batch_analyses"))
               if r["batch"] == batch_name)
    return {spec_test(snap, r["test"]).name: (r.get("result"), r.get("unit"), r.get("result_type"))
            for _, r in rows if r["batch"] == bid}


def new_batch(window, qtbot, name="NCT019-990001"):
    t = window.pages["quality"].editors["quality.batch_analyses"]
    n = t.model.rowCount()
    t.add_button.click()
    t.model.setData(t.model.index(n, 0), name)
    qtbot.waitUntil(lambda: any(r.get("batch") == name for _, r in stored(window, "quality.batch_analyses")[1]))
    return name


def test_batch_sheet_shows_tests_by_batches_with_criteria(window):
    ed = sheet_of(window, BATCH_RESULTS)
    m = ed.sheet.model
    assert ed.sheet.selector.currentData() in ("DS", "DP")
    assert m.headerData(0, Qt.Horizontal) == "Acceptance criterion"
    headers = [m.headerData(c, Qt.Horizontal) for c in range(1, m.columnCount())]
    assert all(h.startswith("NCT") for h in headers)  # batch names, not row ids
    tests = [m.headerData(r, Qt.Vertical) for r in range(m.rowCount())]
    assert "Viability" in tests and m.data(m.index(tests.index("Viability"), 0)) == "≥ 80%"


def test_typing_a_cell_then_enter_moves_down_and_stores_one_result(window, qtbot):
    name = new_batch(window, qtbot)
    ed = sheet_of(window, BATCH_RESULTS)
    ed.sheet.selector.setCurrentIndex(ed.sheet.selector.findData("DS"))
    m, view = ed.sheet.model, ed.sheet.view
    col = next(c for c in range(1, m.columnCount()) if m.headerData(c, Qt.Horizontal) == name)
    row = next(r for r in range(m.rowCount()) if m.headerData(r, Qt.Vertical) == "Viability")
    view.setFocus()
    view.setCurrentIndex(m.index(row, col))
    qtbot.keyClick(view, "9")             # typing starts the edit, as in a spreadsheet
    editor = view.indexWidget(view.currentIndex())
    assert editor is not None and editor.text() == "9"
    qtbot.keyClicks(editor, "1 %")
    qtbot.keyClick(editor, Qt.Key_Return)
    qtbot.waitUntil(lambda: results_for(window, name).get("Viability") == ("91", "%", "numeric"))
    assert view.currentIndex().row() == row + 1 and view.currentIndex().column() == col
    assert window.act_undo.text().startswith("&Undo result of Viability for " + name)


def test_a_pasted_block_is_one_undo_step(window, qtbot):
    name = new_batch(window, qtbot, "NCT019-990002")
    ed = sheet_of(window, BATCH_RESULTS)
    ed.sheet.selector.setCurrentIndex(ed.sheet.selector.findData("DS"))
    m, view = ed.sheet.model, ed.sheet.view
    col = next(c for c in range(1, m.columnCount()) if m.headerData(c, Qt.Horizontal) == name)
    tests = [m.headerData(r, Qt.Vertical) for r in range(m.rowCount())]
    view.setFocus()
    view.setCurrentIndex(m.index(0, col))
    QApplication.clipboard().setText("1.2 × 10⁹\r\n88 %\r\n96 %\r\n")  # a column copied from Excel
    window.act_paste.trigger() if hasattr(window, "act_paste") else ed.paste()
    qtbot.waitUntil(lambda: len(results_for(window, name)) == 3)
    got = results_for(window, name)
    assert got[tests[1]] == ("88", "%", "numeric") and got[tests[0]][2] == "numeric"
    window.undo()
    assert results_for(window, name) == {}   # the whole block in one step
    window.redo()
    assert len(results_for(window, name)) == 3


def test_a_pasted_two_dimensional_block_and_cells_beyond_the_sheet(window, qtbot):
    ed = sheet_of(window, STAB_RESULTS)
    m, view = ed.sheet.model, ed.sheet.view
    ed.sheet.point_edit.setText("48 months")
    ed.sheet.add_point.click()
    col = next(c for c in range(1, m.columnCount()) if m.headerData(c, Qt.Horizontal) == "48 months")
    last = m.rowCount() - 2
    view.setCurrentIndex(m.index(last, col))
    before = len(stored(window, STAB_RESULTS)[1])
    problem = ed.sheet.paste_text("Conforms\textra\nNo growth\tmore\nbeyond\n")
    assert "fell outside the sheet" in problem
    qtbot.waitUntil(lambda: len(stored(window, STAB_RESULTS)[1]) == before + 2)
    snap, rows = stored(window, STAB_RESULTS)
    new = [r for _, r in rows if r["time_point"] == {"value": 48, "unit": "months"}]
    assert sorted(r["result"] for r in new) == ["Conforms", "No growth"]


def test_delete_clears_the_selected_results_in_one_step(window, qtbot):
    ed = sheet_of(window, BATCH_RESULTS)
    m, view = ed.sheet.model, ed.sheet.view
    filled = [(r, c) for r in range(m.rowCount()) for c in range(1, m.columnCount()) if m.data(m.index(r, c))]
    (r, c) = filled[0]
    view.setFocus()
    view.setCurrentIndex(m.index(r, c))
    view.selectionModel().select(m.index(r + 1, c), QItemSelectionModel.Select)
    expected = sum(1 for rr in (r, r + 1) if m.data(m.index(rr, c)))
    before = len(stored(window, BATCH_RESULTS)[1])
    qtbot.keyClick(view, Qt.Key_Delete)
    qtbot.waitUntil(lambda: len(stored(window, BATCH_RESULTS)[1]) == before - expected)
    window.undo()
    assert len(stored(window, BATCH_RESULTS)[1]) == before


def test_keyboard_moves_like_a_spreadsheet(window, qtbot):
    ed = sheet_of(window, BATCH_RESULTS)
    m, view = ed.sheet.model, ed.sheet.view
    view.setFocus()
    view.setCurrentIndex(m.index(0, 1))
    qtbot.keyClick(view, Qt.Key_Tab)
    assert view.currentIndex().column() == 2
    qtbot.keyClick(view, Qt.Key_Right)
    assert view.currentIndex().column() == 3
    qtbot.keyClick(view, Qt.Key_Return)
    assert view.currentIndex().row() == 1
    qtbot.keyClick(view, Qt.Key_Return, Qt.ShiftModifier)
    assert view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key_F2)  # (F2 is not the Sections dock's note key outside its tree)
    assert view.state() == view.State.EditingState
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Escape)
    assert view.state() != view.State.EditingState


def test_a_renamed_test_shows_its_new_name_in_the_sheet(window, qtbot):
    ed = sheet_of(window, BATCH_RESULTS)
    material = ed.sheet.selector.currentData()
    spec = window.pages["quality"].editors[f"quality.{material.lower()}_specification"]
    first = spec.model.rows[0]["test"]
    spec.model.setData(spec.model.index(0, 0), first + " (renamed)")
    qtbot.waitUntil(lambda: ed.sheet.model.headerData(0, Qt.Vertical) == first + " (renamed)")


def test_out_of_specification_cells_are_marked(window, qtbot):
    name = new_batch(window, qtbot, "NCT019-990003")
    ed = sheet_of(window, BATCH_RESULTS)
    ed.sheet.selector.setCurrentIndex(ed.sheet.selector.findData("DS"))
    m = ed.sheet.model
    col = next(c for c in range(1, m.columnCount()) if m.headerData(c, Qt.Horizontal) == name)
    row = next(r for r in range(m.rowCount()) if m.headerData(r, Qt.Vertical) == "Viability")
    ed.sheet.view.setCurrentIndex(m.index(row, col))
    ed.sheet.paste_text("60 %")
    qtbot.waitUntil(lambda: results_for(window, name).get("Viability") == ("60", "%", "numeric"))
    assert m.data(m.index(row, col), Qt.BackgroundRole) is not None
    assert "outside ≥ 80%" in m.data(m.index(row, col), Qt.ToolTipRole)


def test_rows_view_shows_names_and_edits_refs_with_a_combo(window, qtbot):
    ed = sheet_of(window, BATCH_RESULTS)
    ed.modes.button(1).click()
    t = ed.rows
    texts = {t.model.data(t.model.index(0, c)) for c in range(2)}
    snap = window.project.snapshot()
    assert not texts & set(snap.row_ids("quality.batch_analyses")) and not texts & set(
        snap.row_ids("quality.ds_specification") + snap.row_ids("quality.dp_specification"))
    idx = t.model.index(0, 0)
    combo = t.view.itemDelegate().createEditor(t.view.viewport(), None, idx)
    assert isinstance(combo, QComboBox) and combo.count() == len(snap.rows("quality.batch_analyses")) + 1
    target = combo.itemData(2)
    combo.setCurrentIndex(2)
    t.view.itemDelegate().setModelData(combo, t.model, idx)
    qtbot.waitUntil(lambda: stored(window, BATCH_RESULTS)[1][0][1]["batch"] == target)


def test_the_plain_table_editor_shows_ref_names_for_any_ref_column(window, forms):
    from atmp_desktop.ui.table_editor import TableEditor
    t = TableEditor(forms.field(STAB_RESULTS))
    t.load_from(window.project.snapshot())
    snap = window.project.snapshot()
    shown = t.model.data(t.model.index(0, 0))
    assert shown.startswith("STB-") and shown not in snap.row_ids("quality.stability_studies")
    assert "(DP)" in t.model.data(t.model.index(0, 2)) or "(DS)" in t.model.data(t.model.index(0, 2))


def test_a_block_from_excel_with_quoted_cells_pastes_cell_by_cell(window, qtbot):
    """Excel and Calc quote a cell that holds a line break or a quote ("a""b"); such a cell is one cell."""
    name = new_batch(window, qtbot, "NCT019-990004")
    ed = sheet_of(window, BATCH_RESULTS)
    ed.sheet.selector.setCurrentIndex(ed.sheet.selector.findData("DS"))
    m, view = ed.sheet.model, ed.sheet.view
    col = next(c for c in range(1, m.columnCount()) if m.headerData(c, Qt.Horizontal) == name)
    tests = [m.headerData(r, Qt.Vertical) for r in range(m.rowCount())]
    view.setCurrentIndex(m.index(0, col))
    assert ed.sheet.paste_text('"Conforms\r\n(visual)"\r\n"""slightly"" turbid"\r\n91 %\r\n') == ""
    qtbot.waitUntil(lambda: len(results_for(window, name)) == 3)
    got = results_for(window, name)
    assert got[tests[0]][0] == "Conforms (visual)" and got[tests[1]][0] == '"slightly" turbid'
    assert got[tests[2]] == ("91", "%", "numeric")


def test_copied_cells_read_back_as_the_same_cells():
    from atmp_desktop.ui.clipboard import block_text, cells_of
    rows = [["a", "two\nlines", 'say "x"'], ["", "tab\there", "plain"]]
    assert cells_of(block_text(rows)) == rows
    assert cells_of("1\t2\r\n3\t4\r\n\r\n") == [["1", "2"], ["3", "4"]]


@pytest.mark.parametrize("sample", ["car-t", "aav-gene-therapy", "allogeneic-cells", "autologous-tep",
                                    "combined-atmp"])
def test_every_result_of_every_sample_has_its_cell_in_a_sheet(qtbot, forms, sample_project, sample):
    """Across the DS and DP sheets (batches) and the sheet of each study, every stored result is in a cell."""
    with ProjectFile.open(sample_project(sample), forms, read_only=True) as p:
        snap = p.snapshot()
    for path, choices in ((BATCH_RESULTS, lambda s: ["DS", "DP"]),
                          (STAB_RESULTS, lambda s: s.row_ids("quality.stability_studies"))):
        ed = ResultsEditor(forms.field(path))
        qtbot.addWidget(ed)
        ed.load_from(snap)
        assert ed.sheet.model.rowCount() == 0   # hidden: remembered, built when shown
        ed.show()
        shown = set()
        for choice in choices(snap):
            ed.sheet.selector.setCurrentIndex(ed.sheet.selector.findData(choice))
            m = ed.sheet.model
            on_screen = {m.key_at(r, c) for r in range(m.rowCount()) for c in range(1, m.columnCount())}
            shown |= {m.cells[k][0] for k in on_screen if k in m.cells}
            dup = m.duplicates & on_screen   # a second result of one cell: listed in the Rows view
            shown |= {rid for rid, row in zip(snap.row_ids(path), snap.rows(path)) if _cell_key(path, row) in dup}
        stored = set(snap.row_ids(path))
        assert stored, (sample, path)
        missing = stored - shown
        assert not missing, (sample, path, [snap.row(path, r) for r in list(missing)[:3]])


def _cell_key(path, row):
    if path == BATCH_RESULTS:
        return row.get("test"), row.get("batch")
    tp = row.get("time_point") or {}
    return row.get("test"), (tp.get("value"), tp.get("unit"))


def test_a_working_session_on_the_batch_sheet_matches_the_file(window, qtbot):
    """A seeded run of 60 user actions on the DS batch sheet (click a cell and type, paste a block through
    Edit > Paste, select and Delete, Edit > Undo), checked against a mirror of what the file must hold."""
    import random

    from atmp_desktop.core.quantity import split_result
    rng = random.Random(12)
    ed = sheet_of(window, BATCH_RESULTS)
    sheet, view = ed.sheet, ed.sheet.view
    sheet.selector.setCurrentIndex(sheet.selector.findData("DS"))
    m = sheet.model
    keys = {(r, c): m.key_at(r, c) for r in range(m.rowCount()) for c in range(1, m.columnCount())}
    wanted = set(keys.values())

    def in_file():
        _snap, rows = stored(window, BATCH_RESULTS)
        return {(r["test"], r["batch"]): (r.get("result"), r.get("unit"), r.get("result_type"))
                for _, r in rows if (r.get("test"), r.get("batch")) in wanted}

    def expect(text):
        result, unit, kind = split_result(text)
        return (result, unit or None, kind)

    mirror, history = in_file(), []
    values = ("Conforms", "91 %", "88.5 %", "< 0.5 EU/mL", "2.6", "Not detected", "No growth", "0.75 %")

    def click(r, c):
        idx = m.index(r, c)
        window.pages["quality"].ensureWidgetVisible(ed, 10, 10)
        view.scrollTo(idx)
        qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(idx).center())
        assert view.currentIndex() == idx

    for step in range(60):
        action = rng.choice(("type", "type", "paste", "delete", "undo"))
        r, c = rng.randrange(m.rowCount()), rng.randrange(1, m.columnCount())
        before = dict(mirror)
        if action == "type":
            text = rng.choice(values)
            click(r, c)
            if (m.data(m.index(r, c)) or "") == text:
                continue
            qtbot.keyClicks(view, text[0])                    # typing opens the cell's editor,
            qtbot.keyClicks(QApplication.focusWidget(), text[1:])   # which takes the keys that follow
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Return)
            mirror[keys[(r, c)]] = expect(text)
        elif action == "paste":
            block = [[rng.choice(values) for _ in range(rng.randint(1, 3))] for _ in range(rng.randint(1, 3))]
            click(r, c)
            QApplication.clipboard().setText("\r\n".join("\t".join(row) for row in block) + "\r\n")
            window.act_paste.trigger()
            for i, row in enumerate(block):
                for j, text in enumerate(row):
                    if (r + i, c + j) in keys:
                        mirror[keys[(r + i, c + j)]] = expect(text)
        elif action == "delete":
            click(r, c)
            if keys[(r, c)] not in mirror:
                continue
            qtbot.keyClick(view, Qt.Key_Delete)
            mirror.pop(keys[(r, c)])
        else:
            if not history:
                continue
            window.undo()
            mirror = history.pop()
            assert in_file() == mirror, f"step {step}: undo"
            continue
        # the event loop runs between two user actions (Qt delivers the Return's commit queued; QTest sends
        # the next click at once, which a person cannot do)
        qtbot.wait(1)
        if mirror != before:
            history.append(before)
        if step % 10 == 0 or step == 59:
            qtbot.waitUntil(lambda: in_file() == mirror, timeout=3000)
    assert in_file() == mirror
