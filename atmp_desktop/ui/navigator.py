"""The side navigator: every step with its completeness, its findings and whether it applies."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from atmp_desktop.core.forms import FormSet
from atmp_desktop.ui.logic import StepState

COLOURS = {
    "complete": "#2e7d32",   # all required filled
    "partial": "#ef8f00",    # something missing
    "error": "#c62828",      # findings of severity error
    "empty": "#9e9e9e",      # nothing required filled yet
    "na": "#cfcfcf",         # does not apply
}
_ICONS: dict[str, QIcon] = {}


def status_icon(kind: str) -> QIcon:
    if kind not in _ICONS:
        pm = QPixmap(28, 28)
        pm.setDevicePixelRatio(2.0)
        pm.fill(Qt.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.Antialiasing)
        colour = QColor(COLOURS[kind])
        p.setBrush(colour)
        p.setPen(colour.darker(120))
        if kind == "na":
            p.setBrush(Qt.NoBrush)
        p.drawEllipse(2, 2, 10, 10)
        p.end()
        _ICONS[kind] = QIcon(pm)
    return _ICONS[kind]


def findings_text(counts: dict[str, int]) -> str:
    parts = []
    for sev, word in (("error", "error"), ("warning", "warning"), ("info", "note")):
        n = counts.get(sev, 0)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return ", ".join(parts)


class Navigator(QListWidget):
    step_chosen = Signal(str)

    def __init__(self, forms: FormSet, parent=None):
        super().__init__(parent)
        self.forms = forms
        self.setAccessibleName("Steps")
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setWordWrap(True)
        self.setIconSize(QSize(14, 14))
        self.setSpacing(2)
        self.setUniformItemSizes(False)
        self.setMinimumWidth(230)
        self._items: dict[str, QListWidgetItem] = {}
        for i, step in enumerate(forms.steps, start=1):
            item = QListWidgetItem(f"{i}. {step.title}", self)
            item.setData(Qt.UserRole, step.id)
            self._items[step.id] = item
        self.currentItemChanged.connect(self._changed)

    def _changed(self, current, _previous):
        if current is not None:
            self.step_chosen.emit(current.data(Qt.UserRole))

    def select_step(self, step_id: str) -> None:
        item = self._items.get(step_id)
        if item is not None and self.currentItem() is not item:
            self.blockSignals(True)
            self.setCurrentItem(item)
            self.blockSignals(False)

    def item_text(self, step_id: str) -> str:
        return self._items[step_id].text()

    def update_states(self, states: dict[str, StepState], findings: dict[str, dict[str, int]]) -> None:
        grey = self.palette().color(QPalette.Disabled, QPalette.Text)
        normal = self.palette().color(QPalette.Active, QPalette.Text)
        for i, step in enumerate(self.forms.steps, start=1):
            item = self._items[step.id]
            st = states[step.id]
            counts = findings.get(step.id, {})
            second = st.summary
            ftext = findings_text(counts) if st.applies else ""
            if ftext:
                second += " · " + ftext
            text = f"{i}. {step.title}\n{second}"
            if item.text() != text:
                item.setText(text)
            if not st.applies:
                kind = "na"
                item.setToolTip(f"Does not apply: {st.reason}")
                item.setForeground(QBrush(grey))
            else:
                kind = ("error" if counts.get("error") else "complete" if st.complete
                        else "empty" if st.filled == 0 else "partial")
                item.setToolTip(f"{step.title}: {second}")
                item.setForeground(QBrush(normal))
            item.setIcon(status_icon(kind))
            item.setData(Qt.AccessibleTextRole, text.replace("\n", ", "))
