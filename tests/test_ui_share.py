"""The Review menu in the window: milestones, compare view, merge conflict view, review status in the navigator
and the sections dock, comments, imports and Send a Copy. Every assertion reads the project file."""
import shutil

import docx
import openpyxl
import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from atmp_desktop.store import ProjectFile
from atmp_desktop.ui import share_menu

SITES = "manufacturing.sites"


def stored(path, forms):
    with ProjectFile.open(path, forms, read_only=True) as p:
        return p.snapshot()


@pytest.fixture
def opened(window, sample_project):
    path = sample_project("car-t")
    assert window.open_path(path)
    return path


def test_review_menu_is_there_and_follows_read_only(window, opened, sample_project):
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("&Review") == titles.index("&Help") - 1
    assert window.act_send_copy in window.menuBar().actions()[0].menu().actions()
    assert window.act_merge.isEnabled() and window.act_milestones.isEnabled()
    window.close_project()
    assert window.open_path(sample_project("aav-gene-therapy"), read_only=True)
    assert not window.act_merge.isEnabled() and window.act_compare.isEnabled()


def test_review_status_shows_in_navigator_and_resets_when_content_changes(window, opened, forms, monkeypatch, qtbot):
    from atmp_desktop.ui.review_dialog import ReviewStatusDialog
    window.go_to_step("product")

    def run(dlg):
        dlg.status.setCurrentIndex(dlg.status.findData("approved"))
        dlg.reviewer.setText("QA Jane")
        dlg.comment.setPlainText("Checked against the classification letter")
        return QDialog.Accepted
    monkeypatch.setattr(ReviewStatusDialog, "exec", run)
    window.act_review_step.trigger()
    assert stored(opened, forms).review["step:product"]["reviewer"] == "QA Jane"
    item = window.navigator._items["product"]
    assert "✔ Approved" in item.text()
    ed = window.pages["product"].editors["product.invented_name"]
    ed.edit.setFocus()
    ed.edit.clear()
    qtbot.keyClicks(ed.edit, "Renamed")
    ed.edit.editingFinished.emit()
    assert stored(opened, forms).review["step:product"]["status"] == "in_review"
    assert "back to in review" in window.status.currentMessage()
    assert "In review" in item.text() and "Approved" not in item.text()


def test_section_review_is_shown_in_the_sections_dock(window, opened, forms, monkeypatch):
    from atmp_desktop.ui.review_dialog import ReviewStatusDialog
    window.sections_dock.show()
    window.sections_dock.raise_()

    def run(dlg):
        dlg.target.setCurrentIndex(dlg.target.findData("section:3.2.S.2.1"))
        dlg.reviewer.setText("CMC lead")
        return QDialog.Accepted
    monkeypatch.setattr(ReviewStatusDialog, "exec", run)
    window.act_review_section.trigger()
    assert stored(opened, forms).review["section:3.2.S.2.1"]["status"] == "approved"
    window.sections_dock._ensure_current()
    from atmp_desktop.ui.sections_dock import COL_REVIEW
    assert window.sections_dock.items["3.2.S.2.1"].text(COL_REVIEW) == "✔ Approved (CMC lead)"


def test_milestone_dialog_makes_compares_and_restores(window, opened, forms, qtbot):
    from atmp_desktop.ui.milestones_dialog import MilestonesDialog
    dlg = MilestonesDialog(window)
    qtbot.addWidget(dlg)
    dlg.new("as sent to CMC lead")
    assert dlg.table.rowCount() == 1 and dlg.table.item(0, 0).text() == "as sent to CMC lead"
    window.project.set_value("product.invented_name", "Changed later")
    dlg.compare()
    view = window._compare_view
    qtbot.addWidget(view)
    texts = _tree_texts(view.tree)
    assert any("Invented name" in t and "changed" in t for t in texts)
    dlg.restore(confirm=False)
    assert stored(opened, forms).get("product.invented_name") != "Changed later"
    window.go_to_step("product")
    assert window.pages["product"].editors["product.invented_name"].edit.text() != "Changed later"
    assert dlg.table.rowCount() == 2  # the automatic one before the restore
    window.undo()
    assert stored(opened, forms).get("product.invented_name") == "Changed later"


def _tree_texts(tree):
    out = []

    def walk(item):
        out.append(" | ".join(item.text(c) for c in range(tree.columnCount())))
        for i in range(item.childCount()):
            walk(item.child(i))
    for i in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(i))
    return out


def test_compare_view_groups_by_step_and_section_and_writes_a_report(window, opened, forms, tmp_path, qtbot):
    other = tmp_path / "colleague.atmp"
    shutil.copy(opened, other)
    with ProjectFile.open(other, forms) as p:
        ids = p.snapshot().row_ids(SITES)
        p.set_cell(SITES, ids[0], "country", "Austria")
        p.move_rows("manufacturing.process_steps", [p.snapshot().row_ids("manufacturing.process_steps")[0]], 3)
    share_menu.compare(window, str(other))
    view = window._compare_view
    qtbot.addWidget(view)
    texts = _tree_texts(view.tree)
    assert any(t.startswith("Step: Manufacture") for t in texts)
    assert any("Order changed: 1 row(s) moved" in t for t in texts)
    assert any(t.startswith("Country | Germany | Austria") for t in texts)  # from the open project to the copy
    view.by_section.setChecked(True)
    assert any(t.startswith("3.2.S.2.1 Manufacturer(s)") for t in _tree_texts(view.tree))
    view.filter.setText("austria")
    assert all("Order changed" not in t for t in _tree_texts(view.tree))
    paths = view.write_report(str(tmp_path / "changes"))
    assert [p.suffix for p in paths] == [".docx", ".pdf"]


def test_merge_conflict_view_decides_per_row_and_merges(window, opened, forms, tmp_path, monkeypatch, qtbot):
    theirs = tmp_path / "theirs.atmp"
    window.project.set_value("product.inn", "common point")
    window.project.close()  # copy the file as a colleague would get it
    shutil.copy(opened, theirs)
    window.close_project()
    assert window.open_path(opened)
    with ProjectFile.open(theirs, forms) as t:
        rid = t.snapshot().row_ids(SITES)[0]
        t.set_cell(SITES, rid, "name", "Their site name")
        t.set_cell(SITES, rid, "country", "Italy")
        t.set_value("product.invented_name", "Their name")
        t.set_value("product.company_code", "T-42")
    window.project.set_cell(SITES, rid, "name", "My site name")
    window.project.set_cell(SITES, rid, "country", "Spain")
    window.project.set_value("product.invented_name", "My name")
    from atmp_desktop.ui.merge_view import CONFLICT_ROLE, IDS_ROLE, MergeDialog

    def run(dlg):
        tree = dlg.tree
        step = next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
                    if tree.topLevelItem(i).text(0).startswith("Step: Manufacture"))
        row = step.child(0)
        assert len(row.data(0, IDS_ROLE)) == 2  # a row's two cell conflicts decided together
        tree.setCurrentItem(row)
        row.setSelected(True)
        dlg.theirs_button.click()
        leaf = row.child(0)
        tree.setCurrentItem(leaf)
        assert dlg.theirs_text.toPlainText() in ("Their site name", "Italy")
        assert "Company code: T-42" in [dlg.taken.item(i).text() for i in range(dlg.taken.count())]
        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)  # 1 left: keep mine
        dlg._accept()
        assert leaf.data(0, CONFLICT_ROLE)
        return dlg.result()
    monkeypatch.setattr(MergeDialog, "exec", run)
    share_menu.merge(window, str(theirs))
    snap = stored(opened, forms)
    assert snap.row(SITES, rid)["name"] == "Their site name" and snap.row(SITES, rid)["country"] == "Italy"
    assert snap.get("product.invented_name") == "My name" and snap.get("product.company_code") == "T-42"
    window.go_to_step("product")
    assert window.pages["product"].editors["product.company_code"].edit.text() == "T-42"
    assert "Merged 'theirs.atmp'" in window.status.currentMessage()
    assert window.project.undo_label == "merge of 'theirs.atmp'"


def test_comments_dialog_adds_replies_and_resolves(window, opened, forms, qtbot):
    from atmp_desktop.ui.review_dialog import CommentsDialog
    dlg = CommentsDialog(window, "quality.shelf_life")
    qtbot.addWidget(dlg)
    dlg.add("Is 12 months supported by real-time data?")
    dlg.tree.setCurrentItem(dlg.tree.topLevelItem(0))
    dlg.reply("Yes: three batches at 12 months.")
    dlg.tree.setCurrentItem(dlg.tree.topLevelItem(0))
    dlg.toggle()
    [thread] = __import__("atmp_desktop.core.review", fromlist=["threads"]).threads(stored(opened, forms).comments)
    assert thread.resolved and len(thread.replies) == 1
    assert dlg.tree.topLevelItem(0).text(3) == "Resolved"


def test_word_draft_import_preview_fills_empty_fields_only(window, empty_project, forms, tmp_path, qtbot):
    assert window.open_path(empty_project)
    window.project.set_value("quality.stability_summary", "Already written by the CMC lead.")
    d = docx.Document()
    d.add_heading("3.2.S.2.2 Description of Manufacturing Process and Process Controls", 2)
    d.add_paragraph("The process starts with leukapheresis at the clinical site.")
    d.add_heading("3.2.P.8.1 Stability Summary and Conclusions", 2)
    d.add_paragraph("Stable for 12 months at ≤ −150 °C.")
    d.add_heading("Notes without a code", 2)
    d.add_paragraph("This stays part of 3.2.P.8.1.")
    d.save(tmp_path / "draft.docx")
    from atmp_desktop.ui.import_dialogs import DocxImportDialog
    dlg = DocxImportDialog(window, tmp_path / "draft.docx")
    qtbot.addWidget(dlg)
    assert dlg.ok and dlg.table.rowCount() == 2
    assert dlg.boxes[0].isChecked() and not dlg.boxes[1].isChecked()   # the filled field is not replaced
    assert "REPLACES" in dlg.table.item(1, 3).text()
    dlg.apply()
    snap = stored(empty_project, forms)
    assert snap.get("manufacturing.process_overview").startswith("The process starts with leukapheresis")
    assert snap.get("quality.stability_summary") == "Already written by the CMC lead."
    entry = window.project.audit_entries(1)[0]
    assert entry["action"] == "import" and "'draft.docx'" in entry["new_value"] and str(tmp_path) not in entry["new_value"]
    window.undo()
    assert stored(empty_project, forms).get("manufacturing.process_overview") is None


def test_xlsx_import_maps_columns_and_names_bad_rows(window, opened, forms, tmp_path, qtbot):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Site", "Street address", "Country", "EEA?", "GMP cert. date", "Ignored"])
    ws.append(["Fill-finish partner BV", "Kanaalweg 1, Leiden", "Netherlands", "yes", "2025-03-01", "x"])
    ws.append(["QC lab GmbH", "Hauptstr. 2", "Germany", "maybe", "2025-04-01", "y"])
    wb.save(tmp_path / "sites.xlsx")
    before = len(stored(opened, forms).rows(SITES))
    from atmp_desktop.ui.import_dialogs import TableImportDialog
    dlg = TableImportDialog(window, tmp_path / "sites.xlsx")
    qtbot.addWidget(dlg)
    assert dlg.target.currentData() == SITES
    m = dlg.mapping()
    assert (m["name"], m["address"], m["country"], m["in_eea"]) == (0, 1, 2, 3)
    dlg.set_mapping("gmp_certificate_date", 4)
    assert len(dlg.converted.rows) == 1 and dlg.converted.problems[0][0] == 3   # row 3: 'maybe'
    assert "Row 3:" in dlg.problems.item(0).text()
    dlg.apply()
    rows = stored(opened, forms).rows(SITES)
    assert len(rows) == before + 1
    assert rows[-1] == {**rows[-1], "name": "Fill-finish partner BV", "in_eea": True,
                        "gmp_certificate_date": "2025-03-01"}
    assert window.project.undo_label.startswith("import of 1 row(s)")


def test_two_milestones_compared_and_one_opened_read_only(window, opened, forms, qtbot):
    from atmp_desktop.ui.milestones_dialog import MilestonesDialog
    dlg = MilestonesDialog(window)
    qtbot.addWidget(dlg)
    dlg.new("round 1")
    window.project.set_value("product.company_code", "ROUND-2")
    dlg.new("round 2")
    dlg.table.selectAll()
    assert dlg.compare_button.text() == "&Compare the Two" and not dlg.restore_button.isEnabled()
    dlg.compare()
    view = window._compare_view
    qtbot.addWidget(view)
    assert "milestone 'round 1'" in view.d.old_label and "milestone 'round 2'" in view.d.new_label
    assert [c.path for c in view.d.fields] == ["product.company_code"]
    dlg.table.selectRow(1)  # the older one (newest first)
    other = dlg.open_read_only()
    qtbot.addWidget(other)
    assert other.project.read_only and other.project.get("product.company_code") != "ROUND-2"
    assert other.project.path != window.project.path
    other.close_project()
    assert stored(opened, forms).get("product.company_code") == "ROUND-2"
