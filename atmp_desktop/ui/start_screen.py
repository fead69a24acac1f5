"""The start screen: new project, open, recent projects and the shipped samples."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget,
)

from atmp_desktop import APP_NAME
from atmp_desktop.ui.style import role
from atmp_desktop.ui.errors import qt_safe

# USER_ROLE, written as its value: importing the Qt namespace costs ~15 ms before the first paint.
USER_ROLE = 0x0100


class StartScreen(QWidget):
    new_requested = Signal()
    open_requested = Signal()
    recent_chosen = Signal(str)
    sample_chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("startScreen")
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(14)
        outer.addLayout(column, 6)
        outer.addStretch(1)

        title = QLabel(APP_NAME, self)
        role(title, "startTitle")
        sub = QLabel("Write the quality, GMO and CAT parts of an EU ATMP dossier offline. Everything you type "
                     "is saved at once in one project file (.atmp) that you can copy and e-mail.", self)
        sub.setWordWrap(True)
        role(sub, "startSubtitle")
        column.addStretch(1)
        column.addWidget(title)
        column.addWidget(sub)

        buttons = QHBoxLayout()
        self.new_button = QPushButton("&New project…", self)
        self.new_button.setObjectName("primaryButton")
        self.new_button.clicked.connect(self.new_requested)
        self.open_button = QPushButton("&Open project…", self)
        self.open_button.clicked.connect(self.open_requested)
        for b in (self.new_button, self.open_button):
            b.setMinimumHeight(34)
            b.setMinimumWidth(150)
            buttons.addWidget(b)
        buttons.addStretch(1)
        column.addLayout(buttons)

        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        recent_label = QLabel("&Recent projects", self)
        samples_label = QLabel("&Sample projects (opens an editable copy)", self)
        for lab in (recent_label, samples_label):
            role(lab, "sectionLabel")
            lab.setWordWrap(True)
        self.recent = QListWidget(self)
        self.recent.setAccessibleName("Recent projects")
        self.recent.itemActivated.connect(lambda it: self.recent_chosen.emit(it.data(USER_ROLE)))
        self.samples = QListWidget(self)
        self.samples.setAccessibleName("Sample projects")
        self.samples.itemActivated.connect(lambda it: self.sample_chosen.emit(it.data(USER_ROLE)))
        for lst in (self.recent, self.samples):
            lst.setWordWrap(True)
            lst.setSpacing(3)
            lst.setMaximumHeight(380)
        recent_label.setBuddy(self.recent)
        samples_label.setBuddy(self.samples)
        self.no_recent = QLabel("No recent projects yet.", self)
        role(self.no_recent, "hint")
        grid.addWidget(recent_label, 0, 0)
        grid.addWidget(samples_label, 0, 1)
        grid.addWidget(self.recent, 1, 0)
        grid.addWidget(self.samples, 1, 1)
        grid.addWidget(self.no_recent, 2, 0)
        column.addLayout(grid, 3)
        hint = QLabel("Double-click or press Enter to open. Samples are realistic example projects for "
                      "exploring the app; changes go to a copy, never to the sample.", self)
        hint.setWordWrap(True)
        role(hint, "hint")
        column.addWidget(hint)
        column.addStretch(1)
        self._samples_loaded = False  # the sample titles are read when the start screen is really on screen

    @qt_safe()
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._samples_loaded:  # before it paints; a window opened with a project never shows this
            self.load_samples()

    def finish_setup(self) -> None:
        """Called by the main window once it has painted (see MainWindow._after_first_paint)."""
        from PySide6.QtCore import Qt
        for lst in (self.recent, self.samples):  # wrapped items never need a horizontal scroll bar
            lst.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(f"{Path(p).name}\n{Path(p).parent}", self.recent)
            item.setData(USER_ROLE, p)
            item.setToolTip(p)
        self.no_recent.setVisible(not paths)

    def load_samples(self) -> None:
        from atmp_desktop.samples import sample_names, sample_title
        self._samples_loaded = True
        self.samples.clear()
        for name in sample_names():
            try:
                title = sample_title(name)
            except (OSError, ValueError):
                continue  # a broken sample file must not hide the others
            item = QListWidgetItem(f"{title}\n{name}", self.samples)
            item.setData(USER_ROLE, name)
