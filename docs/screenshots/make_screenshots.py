"""Make the screenshots in docs/screenshots from the car-t sample (offscreen; run with the project venv).

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_screenshots.py
    .venv/bin/python docs/screenshots/make_screenshots.py --laptop

`--laptop` makes the window as it opens on a 1366x768 screen (an offscreen screen of that size, so the window
fits itself to it as on a laptop): at 100 %, at 125 % scaling (QT_SCALE_FACTOR=1.25) and with a dark palette,
plus File > Backups and the questions for a hostile file and a lock left by another computer. Each variant runs
in a process of its own (the scale factor and the screen are fixed when the application starts).
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


LAPTOP = {"width": 1366, "height": 768}
VARIANTS = {  # name: (file suffix, environment)
    "1366": ("1366", {}),
    "125": ("1366-125", {"QT_SCALE_FACTOR": "1.25"}),
    "dark": ("1366-dark", {"ATMP_SHOTS_DARK": "1"}),
}


def laptop() -> int:
    """Run each variant in its own process on an offscreen 1366x768 screen."""
    import json
    import subprocess
    tmp = Path(tempfile.mkdtemp(prefix="atmp-shots-"))
    config = tmp / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, **LAPTOP, "logicalDpi": 96,
                                               "logicalBaseDpi": 96, "dpr": 1}]}))
    for name, (_suffix, env) in VARIANTS.items():
        child = {**os.environ, **env, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
        subprocess.run([sys.executable, __file__, "--variant", name], env=child, check=True)
    return 0


def dark_palette():
    """A dark system palette as KDE's Breeze Dark or GNOME's Adwaita-dark give (the colours users have)."""
    from PySide6.QtGui import QColor, QPalette
    pal = QPalette()
    for role, colour in ((QPalette.Window, "#2b2b2b"), (QPalette.WindowText, "#e6e6e6"), (QPalette.Base, "#1e1e1e"),
                         (QPalette.AlternateBase, "#2f2f2f"), (QPalette.Text, "#e6e6e6"),
                         (QPalette.Button, "#353535"), (QPalette.ButtonText, "#e6e6e6"),
                         (QPalette.Highlight, "#3d6fb4"), (QPalette.HighlightedText, "#ffffff"),
                         (QPalette.ToolTipBase, "#3a3a3a"), (QPalette.ToolTipText, "#e6e6e6"),
                         (QPalette.PlaceholderText, "#9a9a9a"), (QPalette.Link, "#8ab4f8"),
                         (QPalette.Mid, "#4a4a4a"), (QPalette.Dark, "#202020"), (QPalette.Light, "#4f4f4f")):
        pal.setColor(role, QColor(colour))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        pal.setColor(QPalette.Disabled, role, QColor("#7a7a7a"))
    return pal


def variant(name: str) -> int:
    """One laptop variant: the window fitted to the screen on the product step, Find, File > Backups and two
    questions (a hostile file, a lock left by another computer)."""
    import json

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile
    from atmp_desktop.store.locking import lock_path
    from atmp_desktop.ui import file_rescue
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.main_window import MainWindow
    from atmp_desktop.ui.settings import Settings

    suffix = VARIANTS[name][0]
    tmp = Path(tempfile.mkdtemp(prefix="atmp-shots-"))
    os.environ["XDG_DATA_HOME"] = str(tmp / "data")  # backups of these copies stay out of the user's folder
    app = make_app()
    if os.environ.get("ATMP_SHOTS_DARK"):
        app.setPalette(dark_palette())
    forms = default_forms()
    settings = Settings(QSettings(str(tmp / "settings.ini"), QSettings.IniFormat))
    project = tmp / "Lumaryx CAR-T MAA.atmp"
    ProjectFile.create(project, forms, document=load_sample("car-t")).close()
    w = MainWindow(forms, settings)
    w.show()
    settle(app)
    w.open_path(project)
    w.validation.wait()
    settle(app, 800)
    w.go_to_step("product")
    settle(app, 300)
    w.grab().save(str(OUT / f"window-{suffix}.png"))
    w.go_to_step("quality")
    w.pages["quality"].focus_field("quality.cci_at_storage_where")
    settle(app, 300)
    w.grab().save(str(OUT / f"step-quality-{suffix}.png"))
    if name != "1366":
        w.close()
        return 0

    w.find()
    w._search.query.setText("potency")
    settle(app, 400)
    w._search.grab().save(str(OUT / f"search-{suffix}.png"))
    w._search.close()
    w.project.make_backup("manual")

    def grab_dialog(filename: str):
        def shoot():
            box = QApplication.activeModalWidget()
            if box is not None:
                box.grab().save(str(OUT / filename))
                box.reject()
        QTimer.singleShot(400, shoot)

    grab_dialog(f"backups-{suffix}.png")
    file_rescue.show_backups(w)
    hostile = tmp / "from-a-partner.atmp"
    ProjectFile.create(hostile, forms, document=load_sample("aav-gene-therapy")).close()
    import sqlite3
    conn = sqlite3.connect(hostile)
    conn.execute("CREATE TRIGGER keep_old AFTER UPDATE ON field_values BEGIN SELECT 1; END")
    conn.commit()
    conn.close()
    grab_dialog(f"clean-copy-question-{suffix}.png")
    w.open_path(hostile)
    locked = tmp / "shared-drive copy.atmp"
    ProjectFile.create(locked, forms, document=load_sample("car-t")).close()
    lock_path(locked).write_text(json.dumps({"host": "LAB-PC-07", "pid": 4242, "token": "t", "user": "maria",
                                             "since": "2026-11-30T17:42:10"}))
    grab_dialog(f"lock-question-{suffix}.png")
    w.open_path(locked)
    w.close()
    print("laptop screenshots written to", OUT)
    return 0


if __name__ == "__main__":
    if "--laptop" in sys.argv:
        sys.exit(laptop())
    if "--variant" in sys.argv:
        sys.exit(variant(sys.argv[sys.argv.index("--variant") + 1]))
    sys.exit(main())
