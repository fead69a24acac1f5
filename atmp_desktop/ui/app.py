"""Entry point of the window: `run_gui(path_or_None) -> exit code` (called by `atmp-desktop gui`)."""
from __future__ import annotations

import sys

from atmp_desktop import APP_NAME, __version__

STYLE = """
QLabel#stepTitle { font-size: 17pt; font-weight: 600; }
QLabel#stepIntro { color: #4a4a4a; font-size: 10pt; }
QLabel#startTitle { font-size: 22pt; font-weight: 600; }
QLabel#startSubtitle { font-size: 11pt; }
QLabel#sectionLabel { font-weight: 600; }
QLabel#hint { color: #5a5a5a; }
QLabel#fieldLabel { font-weight: 600; }
QLabel#notApplicable { background: #fff4d6; border: 1px solid #e0c06a; border-radius: 4px; padding: 8px; color: #4d3b00; }
QGroupBox#fieldGroup { font-weight: 600; border: 1px solid palette(midlight); border-radius: 6px; margin-top: 14px; padding-top: 6px; }
QGroupBox#fieldGroup::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
QGroupBox#fieldGroup QWidget { font-weight: normal; }
QGroupBox#fieldGroup QLabel#fieldLabel { font-weight: 600; }
QListWidget::item { padding: 5px 4px; }
"""


def make_app(argv: list[str] | None = None):
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("atmp-desktop")
    app.setStyle("Fusion")  # the same look on every platform; honours the palette in dark mode
    app.setStyleSheet(STYLE)
    return app


def run_gui(path: str | None = None) -> int:
    app = make_app()
    from atmp_desktop.core.forms import FormError, default_forms
    from PySide6.QtWidgets import QMessageBox
    try:
        forms = default_forms()
    except FormError as exc:
        QMessageBox.critical(None, APP_NAME, f"The form definitions are broken and the app cannot start: {exc}")
        return 2
    from atmp_desktop.ui.main_window import MainWindow
    window = MainWindow(forms)
    window.show()
    if path:
        window.open_path(path)
    return app.exec()
