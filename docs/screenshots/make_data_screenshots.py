"""Screenshots of the dossier-data editors (issue 12), offscreen, at 1920x1080 and 1366x768: the batch sheet
(tests x batches), a stability sheet (tests x time points), the process-step table with its live flow
diagram, the rich-text editor and the Figures panel.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_data_screenshots.py
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
SIZES = ((1920, 1080), (1366, 768))


def settle(app, ms: int = 150) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def show_field(app, w, step: str, path: str, dy: int = 0):
    """Go to the step and scroll so the field's editor starts near the top of the page."""
    w.go_to_step(step)
    settle(app, 300)
    page = w.pages[step]
    ed = page.editors[path]
    top = ed.mapTo(page.widget(), ed.rect().topLeft()).y()
    page.verticalScrollBar().setValue(max(0, top - 60 + dy))
    settle(app, 300)
    return ed


def main() -> int:
    from PySide6.QtCore import QSettings
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.figure_panel import open_panel
    from atmp_desktop.ui.main_window import MainWindow
    from atmp_desktop.ui.settings import Settings

    app = make_app()
    forms = default_forms()
    tmp = Path(tempfile.mkdtemp(prefix="atmp-data-shots-"))
    settings = Settings(QSettings(str(tmp / "settings.ini"), QSettings.IniFormat))
    project = tmp / "Lumaryx CAR-T MAA.atmp"
    ProjectFile.create(project, forms, document=load_sample("car-t")).close()
    w = MainWindow(forms, settings)
    w.show()
    w.open_path(project)
    w.validation.wait()
    settle(app, 600)
    for width, height in SIZES:
        w.resize(width, height)
        settle(app, 400)
        ed = show_field(app, w, "quality", "quality.batch_results")
        sheet = ed.sheet
        sheet.selector.setCurrentIndex(sheet.selector.findData("DP"))
        sheet.view.setCurrentIndex(sheet.model.index(2, 2))
        settle(app)
        w.grab().save(str(OUT / f"batch-sheet-{width}.png"))

        ed = show_field(app, w, "quality", "quality.stability_results")
        ed.sheet.view.setCurrentIndex(ed.sheet.model.index(1, 3))
        settle(app)
        w.grab().save(str(OUT / f"stability-sheet-{width}.png"))

        ed = show_field(app, w, "manufacturing", "manufacturing.process_steps", dy=160)
        settle(app, 500)  # the preview redraws after a short pause
        w.grab().save(str(OUT / f"flow-preview-{width}.png"))

        ed = show_field(app, w, "product", "product.mode_of_action")
        ed.edit.setFocus()
        settle(app)
        w.grab().save(str(OUT / f"rich-text-{width}.png"))

    w.resize(*SIZES[0])
    panel = open_panel(w)
    panel.place.setCurrentIndex(max(0, panel.place.findData(w.project.snapshot().figures[0].target)))
    for width, height in SIZES:
        panel.resize(min(1100, width - 100), min(760, height - 60))
        settle(app, 300)
        panel.grab().save(str(OUT / f"figures-panel-{width}.png"))
    panel.close()
    w.close()
    print("screenshots written to", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
