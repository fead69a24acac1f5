"""Screenshots of the sharing and review features (issue 13), offscreen, at 1920x1080 and 1366x768:
the review status in the navigator and the sections dock, the compare view and the merge conflict view.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_share_screenshots.py
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent
SIZES = ((1920, 1080), (1366, 768))
SITES, STEPS = "manufacturing.sites", "manufacturing.process_steps"


def settle(app, ms: int = 150) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def colleague_edits(path: Path, forms) -> None:
    from atmp_desktop.store import ProjectFile
    with ProjectFile.open(path, forms) as t:
        ids = t.snapshot().row_ids(SITES)
        t.set_value("product.invented_name", "Lumaryx Cell")
        t.set_value("quality.shelf_life", {"value": 9, "unit": "months"})
        t.set_cell(SITES, ids[0], "qualified_person", "Dr. Anna Weber")
        t.set_cell(SITES, ids[0], "gmp_certificate_date", "2026-02-11")
        t.set_cell(SITES, ids[1], "activities", "Vector manufacture and release testing")
        t.insert_rows(SITES, 2, [{"name": "Cryoport EMEA B.V. – Hoofddorp", "country": "Netherlands",
                                  "activities": "Storage and distribution", "in_eea": True}])
        t.move_rows(STEPS, [t.snapshot().row_ids(STEPS)[0]], 3)
        t.set_value("product.company_code", "NCT-019-B")
        t.add_comment("quality.shelf_life", "9 months is what the 3 PPQ batches support; 12 needs the 2027 data.")


def my_edits(w) -> None:
    p = w.project
    ids = p.snapshot().row_ids(SITES)
    p.set_value("product.invented_name", "Lumaryx-X")
    p.set_value("quality.shelf_life", {"value": 10, "unit": "months"})
    p.set_cell(SITES, ids[0], "qualified_person", "Dr. Jonas Brandt")
    p.set_cell(SITES, ids[0], "gmp_certificate_date", "2026-01-20")
    p.delete_rows(SITES, [ids[1]])


def main() -> int:
    from PySide6.QtCore import QSettings, Qt
    from atmp_desktop.core.diff import compare
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile
    from atmp_desktop.store.merging import prepare_merge
    from atmp_desktop.ui import share_menu
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.main_window import MainWindow
    from atmp_desktop.ui.merge_view import MergeDialog
    from atmp_desktop.ui.settings import Settings

    app = make_app()
    forms = default_forms()
    tmp = Path(tempfile.mkdtemp(prefix="atmp-share-shots-"))
    settings = Settings(QSettings(str(tmp / "settings.ini"), QSettings.IniFormat))
    project = tmp / "Lumaryx CAR-T MAA.atmp"
    ProjectFile.create(project, forms, document=load_sample("car-t")).close()
    with ProjectFile.open(project, forms) as p:
        p.create_milestone("as sent to CMC lead 2027-01-10")
    shutil.copy(project, tmp / "Lumaryx CAR-T MAA (CMC lead).atmp")
    theirs = tmp / "Lumaryx CAR-T MAA (CMC lead).atmp"
    colleague_edits(theirs, forms)

    w = MainWindow(forms, settings)
    w.show()
    w.open_path(project)
    w.validation.wait()
    my_edits(w)
    p = w.project
    p.set_review_status("step:applicant", "approved", "Checked against the pre-submission meeting minutes",
                        reviewer="Regulatory lead")
    p.set_review_status("step:product", "approved", "Classification confirmed by CAT", reviewer="QA reviewer")
    p.set_review_status("step:materials", "in_review", "Donor testing table sent to QA", reviewer="QA reviewer")
    p.set_review_status("step:manufacturing", "approved", "", reviewer="CMC lead")
    p.set_review_status("section:3.2.S.2.1", "approved", "Sites and QPs confirmed", reviewer="CMC lead")
    p.set_review_status("section:3.2.S.2.2", "in_review", "", reviewer="CMC lead")
    ids = p.snapshot().row_ids(SITES)
    notice = p.set_cell(SITES, ids[0], "activities", "Manufacture, testing and release of active substance and finished "
               "product").notice  # changes manufacturing after approval: it goes back to in review by itself
    share_menu.after_change(w)
    w._reload_everything()
    w.go_to_step("manufacturing")
    dock = w.sections_dock
    dock.show()
    dock.raise_()
    settle(app, 400)
    for width, height in SIZES:
        w.resize(width, height)
        w.resizeDocks([dock], [int(height * 0.38)], Qt.Vertical)
        settle(app, 300)
        for code in ("1.6", "2.3", "3.2.P", "3.2.A", "3.2.R"):
            if code in dock.items:
                dock.tree.collapseItem(dock.items[code])
        dock.select("3.2.S.2.1")
        dock.tree.scrollToItem(dock.items["3.2.S"])
        w.status.showMessage(notice, 60000)
        settle(app, 300)
        w.grab().save(str(OUT / f"review-status-{width}.png"))

    with ProjectFile.open(theirs, forms, read_only=True) as t:
        other = t.snapshot()
    mine = w.project.snapshot()
    d = compare(forms, mine, other, f"{project.name} (open now)", f"{theirs.name} (saved by the CMC lead)")
    share_menu.show_compare(w, d, old=mine, new=other)
    view = w._compare_view
    for width, height in SIZES:
        view.resize(width, height)
        settle(app, 300)
        tree = view.tree
        for i in range(tree.topLevelItemCount()):
            if tree.topLevelItem(i).text(0).startswith("Step: Manufacture"):
                item = tree.topLevelItem(i).child(0)
                tree.setCurrentItem(item.child(0) if item.childCount() else item)
        settle(app)
        view.grab().save(str(OUT / f"compare-view-{width}.png"))
    view.close()

    plan = prepare_merge(w.project, theirs)
    dlg = MergeDialog(forms, plan, w)
    dlg.show()
    dlg.decide({c.id: "theirs" for c in plan.conflicts if c.path == "product.invented_name"
                or c.column == "qualified_person"})
    dlg.decide({c.id: "mine" for c in plan.conflicts if c.path == "quality.shelf_life"})
    for width, height in SIZES:
        dlg.resize(width, height)
        settle(app, 300)
        cell = next((c for c in plan.conflicts if c.kind == "cell"), None)
        if cell is not None:
            dlg.tree.setCurrentItem(dlg._items[cell.id])
        settle(app)
        dlg.grab().save(str(OUT / f"merge-conflicts-{width}.png"))
    dlg.close()
    w.close()
    print("screenshots written to", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
