"""Entry point of the window: `run_gui(path_or_None) -> exit code` (called by `atmp-desktop gui`)."""
from __future__ import annotations

import sys

from atmp_desktop import APP_NAME, __version__


def make_app(argv: list[str] | None = None):
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("atmp-desktop")
    app.setStyle("Fusion")  # the same look on every platform; honours the palette in dark mode
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
