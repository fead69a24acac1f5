"""Make the screenshots in docs/screenshots from the car-t sample (offscreen; run with the project venv).

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_screenshots.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent


def settle(app, ms: int = 150) -> None:
    # An event loop with a timer, not a processEvents() spin: PySide6 6.12 on Python 3.11 drops a reference
    # to None on every processEvents() call and aborts after a few thousand calls.
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    from PySide6.QtCore import QSettings
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.export_dialog import ExportDialog
    from atmp_desktop.ui.main_window import MainWindow
    from atmp_desktop.ui.settings import Settings

    app = make_app()
    forms = default_forms()
    tmp = Path(tempfile.mkdtemp(prefix="atmp-shots-"))
    settings = Settings(QSettings(str(tmp / "settings.ini"), QSettings.IniFormat))
    project = tmp / "Lumaryx CAR-T MAA.atmp"
    ProjectFile.create(project, forms, document=load_sample("car-t")).close()
    for name in ("aav-gene-therapy", "car-t"):
        extra = tmp / f"{name}-draft.atmp"
        ProjectFile.create(extra, forms, document=load_sample(name)).close()
        settings.add_recent(extra)
    settings.add_recent(project)

    w = MainWindow(forms, settings)
    w.resize(1400, 900)
    w.show()
    settle(app)
    w.grab().save(str(OUT / "start-screen.png"))

    from atmp_desktop.ui.new_project import NewProjectDialog
    new = NewProjectDialog(forms, w)
    new.title.setText("NCT-019 CAR-T MAA")
    new.set_answer("product.atmp_type", "GTMP")
    new.set_answer("product.origin", "autologous")
    new.set_answer("product.contains_gmo", True)
    new.set_answer("applicant.procedure", "maa_standard")
    new.show()
    settle(app)
    new.grab().save(str(OUT / "new-project.png"))
    new.close()

    w.open_path(project)
    w.validation.wait()
    settle(app, 600)
    for step in ("product", "manufacturing"):
        w.go_to_step(step)
        settle(app)
        w.grab().save(str(OUT / f"step-{step}.png"))

    w.go_to_step("manufacturing")
    table = w.pages["manufacturing"].editors["manufacturing.process_steps"]
    w.pages["manufacturing"].focus_field("manufacturing.process_steps[1].name")
    settle(app)
    w.pages["manufacturing"].ensureWidgetVisible(table, 10, 10)
    settle(app)
    table.grab().save(str(OUT / "table-editor.png"))

    dialog = ExportDialog(forms, w.project.snapshot(), settings, project, w)
    dialog.out_dir.setText(str(tmp / "export"))
    dialog.resize(900, 680)
    dialog.show()
    dialog.start()
    while dialog.result is None and not dialog.error:
        settle(app, 50)
    dialog.wait()
    settle(app)
    dialog.grab().save(str(OUT / "export-dialog.png"))
    dialog.close()
    sections_dock_shot(app, w)
    w.close()
    print("screenshots written to", OUT)
    return 0


def sections_dock_shot(app, w) -> None:
    """The Sections dock with a few statuses set and one required field emptied, so a section has findings."""
    from PySide6.QtCore import Qt
    dock = w.sections_dock
    w.on_edited("quality.dp_specification", None)  # an empty required field: 3.2.P.5.1 gets findings
    w.validation.request(w.snap, immediately=True)
    w.validation.wait()
    settle(app, 300)
    dock.raise_()
    w.resizeDocks([dock], [470], Qt.Vertical)
    dock.set_status("1.6.2", "ready", confirm=False)
    dock.set_status("3.2.S", "in_review", confirm=False)
    dock.set_status("3.2.P.1", "ready", confirm=False)
    dock.set_status("3.2.P.5.1", "draft", "Potency assay limits pending the PPQ data", confirm=False)
    dock.set_status("3.2.P.5.2", "in_review", confirm=False)
    settle(app, 300)
    for code in ("2.3", "3.2.S", "3.2.P.2", "3.2.P.3", "3.2.P.4"):
        dock.tree.collapseItem(dock.items[code])
    dock.select("3.2.P.5.1")
    dock.tree.scrollToItem(dock.items["1.6"])
    settle(app)
    w.grab().save(str(OUT / "sections-dock.png"))


if __name__ == "__main__":
    sys.exit(main())
