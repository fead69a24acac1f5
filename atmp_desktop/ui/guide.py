"""The offline user guide (Help ▸ User Guide, F1): resources/guide/index.html in a QTextBrowser, opened at the
topic of the current step (each step id is an anchor), with a button for the system browser."""
from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout

from atmp_desktop.core.paths import resources_dir


def guide_path():
    return resources_dir() / "guide" / "index.html"


class GuideWindow(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("User guide")
        self.resize(760, 620)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setAccessibleName("User guide")
        self.browser.setOpenExternalLinks(False)
        self.browser.setSource(QUrl.fromLocalFile(str(guide_path())))
        layout.addWidget(self.browser, 1)
        buttons = QHBoxLayout()
        contents = QPushButton("&Contents", self)
        contents.clicked.connect(lambda: self.show_topic("top"))
        external = QPushButton("Open in &Browser", self)
        external.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(guide_path()))))
        close = QPushButton("&Close", self)
        close.clicked.connect(self.hide)
        for b in (contents, external):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)

    def show_topic(self, anchor: str | None) -> None:
        if anchor in (None, "", "top"):
            self.browser.scrollToAnchor("start")
            self.browser.verticalScrollBar().setValue(0)
        else:
            self.browser.scrollToAnchor(anchor)
        self.show()
        self.raise_()
        self.activateWindow()
