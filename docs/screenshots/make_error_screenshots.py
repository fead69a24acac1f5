"""Screenshots of what the user sees when the app hits a bug of its own (ui/errors.py), offscreen, at 1920x1080
and 1366x768: a typed edit whose write fails inside the store (injected once), the sentence in the status bar
and the non-modal box over the window (composed from the window's and the box's grabs); and the notice of the
launch after a hard crash.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_error_screenshots.py
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from make_data_screenshots import OUT, SIZES, settle  # (this folder; it puts the checkout on sys.path)


def over_window(w, box):
    """The window's grab with the box on it, centred as a window manager would place it (offscreen has none)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QPainter
    shot = w.grab()
    painter = QPainter(shot)
    painter.drawPixmap(QPoint((shot.width() - box.width()) // 2, (shot.height() - box.height()) // 2), box.grab())
    painter.end()
    return shot


def main() -> int:
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMessageBox
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile
    from atmp_desktop.ui import errors
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.main_window import MainWindow
    from atmp_desktop.ui.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="atmp-shots-"))
    os.environ["HOME"] = str(tmp / "home")  # this run's logs and backups stay out of the user's folders
    os.environ.pop("XDG_DATA_HOME", None)
    app = make_app()
    errors.install()
    forms = default_forms()
    real_audit = ProjectFile._audit
    for width, height in SIZES:
        project = tmp / f"Lumaryx CAR-T MAA {width}.atmp"
        ProjectFile.create(project, forms, document=load_sample("car-t")).close()
        w = MainWindow(forms, Settings(QSettings(str(tmp / f"s{width}.ini"), QSettings.IniFormat)))
        w.resize(width, height)
        w.show()
        settle(app)
        w.open_path(project)
        w.validation.wait()
        settle(app, 600)
        w.go_to_step("product")
        settle(app, 300)
        failed = []

        def audit_once(self, *args, **kwargs):  # a bug in the store, once
            if not failed:
                failed.append(1)
                raise RuntimeError("injected fault for the screenshot")
            return real_audit(self, *args, **kwargs)
        ProjectFile._audit = audit_once
        errors._State.box_at = float("-inf")
        box = w.pages["product"].editors["product.invented_name"].edit
        box.setFocus()
        box.selectAll()
        QTest.keyClicks(box, "Lumaryx Cell")
        QTest.keyClick(box, Qt.Key_Return)
        settle(app, 400)
        ProjectFile._audit = real_audit
        notice = next(b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox) and b.isVisible())
        over_window(w, notice).save(str(OUT / f"error-notice-{width}.png"))
        notice.close()
        settle(app)
        # the next launch after a hard crash: its notice once the project is on screen
        w.statusBar().clearMessage()
        notice = errors._box(w, errors.crash_sentence())
        settle(app, 300)
        over_window(w, notice).save(str(OUT / f"crash-notice-{width}.png"))
        notice.close()
        w.close()
        settle(app)
    print("error notice screenshots written to", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
