"""The side navigator: every step with its completeness, its findings and whether it applies."""
from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QListWidget, QListWidgetItem, QStyledItemDelegate, QStyleOptionViewItem,
)

from atmp_desktop.core.forms import FormSet
from atmp_desktop.ui.logic import StepState
from atmp_desktop.ui.errors import qt_safe

_PAD, _ICON = 6, 14
COLOURS = {
    "complete": "#2e7d32",   # all required filled
    "partial": "#ef8f00",    # something missing
    "error": "#c62828",      # findings of severity error
    "empty": "#9e9e9e",      # nothing required filled yet
    "na": "#cfcfcf",         # does not apply
}
_MARKS: dict[tuple[str, float], QPixmap] = {}


def status_mark(kind: str, ratio: float = 2.0) -> QPixmap:
    """A step's status mark (a dot, a ring where the step does not apply), drawn at twice its 14x14 size and
    scaled smoothly to a screen of `ratio` device pixels per pixel: exactly what an icon made of the 2x image
    draws (QIcon.paint; tests/test_ui_navigator.py compares them pixel by pixel). Not a QIcon: naming QIcon makes
    PySide build its 157 enum members (~11 M instructions) before the launch's first paint."""
    key = (kind, ratio)
    if key not in _MARKS:
        if ratio != 2.0:
            pm = status_mark(kind)
            size = QSize(_ICON, _ICON) * ratio  # (rounded as Qt rounds it)
            if pm.width() > size.width() or pm.height() > size.height():
                size = pm.size().scaled(size, Qt.KeepAspectRatio)
            else:
                size = pm.size()
            if size != pm.size():
                pm = pm.scaled(size, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
            else:
                pm = QPixmap(pm)
            pm.setDevicePixelRatio(ratio)
        else:
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
        _MARKS[key] = pm
    return _MARKS[key]


def findings_text(counts: dict[str, int]) -> str:
    parts = []
    for sev, word in (("error", "error"), ("warning", "warning"), ("info", "note")):
        n = counts.get(sev, 0)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return ", ".join(parts)


REVIEW_WORDS = {"approved": "✔ Approved", "in_review": "In review", "draft": "Review: draft"}
SUMMARY_ROLE = Qt.UserRole + 1
STATUS_ROLE = Qt.UserRole + 2  # the kind of the step's status mark (see status_mark)


class StepDelegate(QStyledItemDelegate):
    """Paints a step as a bold, wrapping title over a summary line; heights follow the wrapped title."""

    def _title_font(self, option) -> QFont:
        f = QFont(option.font)
        f.setBold(True)
        return f

    def _text_width(self) -> int:
        view = self.parent()
        width = view.viewport_width if view.viewport_width is not None else view.viewport().width()
        return max(width - _ICON - 4 * _PAD, 80)

    @qt_safe(fallback=QStyledItemDelegate.sizeHint)
    def sizeHint(self, option, index):
        title, summary = index.data(Qt.DisplayRole).split("\n", 1) if "\n" in index.data(Qt.DisplayRole) \
            else (index.data(Qt.DisplayRole), "")
        w = self._text_width()
        t = QFontMetrics(self._title_font(option)).boundingRect(QRect(0, 0, w, 10000), Qt.TextWordWrap, title)
        s = QFontMetrics(option.font).boundingRect(QRect(0, 0, w, 10000), Qt.TextWordWrap, summary)
        return QSize(w, t.height() + s.height() + 3 * _PAD)

    _background_only = False

    @qt_safe(fallback=QStyledItemDelegate.initStyleOption)
    def initStyleOption(self, option, index):
        super().initStyleOption(option, index)
        if self._background_only:  # the style draws the item's background and selection, paint() the rest
            option.text = ""
            if index.data(STATUS_ROLE):  # the mark's place, as an icon has it (Fusion shades a selection there flat)
                option.features |= QStyleOptionViewItem.ViewItemFeature.HasDecoration

    @qt_safe()
    def paint(self, painter, option, index):
        # the base class draws the background through the style (QStyle::CE_ItemViewItem) with the text and
        # icon left out by initStyleOption; asking for the style or its State flags from Python here would make
        # PySide build QStyle's eleven enums (~6 ms) before the window's first paint
        self._background_only = True
        try:
            super().paint(painter, option, index)
        finally:
            self._background_only = False
        self.initStyleOption(option, index)
        text = index.data(Qt.DisplayRole) or ""  # option.text has the newline replaced by U+2028
        title, summary = text.split("\n", 1) if "\n" in text else (text, "")
        r = option.rect
        view = self.parent()
        kind = index.data(STATUS_ROLE)
        if kind:  # (the view's ratio: asking the painter for its device would wrap the viewport, see resizeEvent)
            painter.drawPixmap(QRect(r.left() + _PAD, r.top() + _PAD + 2, _ICON, _ICON),
                               status_mark(kind, view.devicePixelRatioF()))
        selected = view.selectionModel().isSelected(index)  # what the view's State_Selected says
        enabled_colour = option.palette.color(QPalette.HighlightedText if selected else QPalette.Text)
        fg = index.data(Qt.ForegroundRole)  # a QColor (see _show)
        colour = fg if fg is not None and not selected else enabled_colour
        x = r.left() + _ICON + 2 * _PAD
        w = r.width() - _ICON - 3 * _PAD
        painter.save()
        painter.setPen(colour)
        painter.setFont(self._title_font(option))
        tr = painter.boundingRect(QRect(x, r.top() + _PAD, w, 10000), Qt.TextWordWrap, title)
        painter.drawText(QRect(x, r.top() + _PAD, w, tr.height()), Qt.TextWordWrap, title)
        plain = QFont(option.font)
        plain.setBold(False)
        painter.setFont(plain)
        if not selected and fg is None:
            from atmp_desktop.ui.style import muted
            painter.setPen(muted(option.palette))
        painter.drawText(QRect(x, r.top() + _PAD + tr.height() + 2, w, r.bottom() - tr.bottom()),
                         Qt.TextWordWrap, summary)
        painter.restore()


class Navigator(QListWidget):
    step_chosen = Signal(str)
    tab_out = Signal()  # Tab pressed: the window moves to the first field of the step

    viewport_width: int | None = None  # the viewport's width, from its resize events (see resizeEvent)

    @qt_safe()
    def resizeEvent(self, event) -> None:
        # a scroll area's resizeEvent is its viewport's: remember the width here, because asking Python for
        # viewport() the first time wraps a plain QWidget, which makes PySide realise every QWidget subclass
        # (~60 classes with their enums, ~7 ms of a launch before the first paint)
        self.viewport_width = event.size().width()
        super().resizeEvent(event)

    @qt_safe(fallback=QListWidget.focusNextPrevChild)
    def focusNextPrevChild(self, next_: bool) -> bool:
        # the pages are built after the navigator, so Qt's focus chain would go elsewhere
        if next_:
            self.tab_out.emit()
            return True
        return super().focusNextPrevChild(next_)

    def __init__(self, forms: FormSet, parent=None):
        super().__init__(parent)
        self.forms = forms
        self.setAccessibleName("Steps")
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setWordWrap(True)
        self.setIconSize(QSize(14, 14))
        self.setSpacing(1)
        self.setItemDelegate(StepDelegate(self))
        self.setUniformItemSizes(False)
        self.setMinimumWidth(230)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # titles wrap instead
        self.setTextElideMode(Qt.ElideNone)
        self.setResizeMode(QListWidget.Adjust)  # re-wrap item text when the splitter moves
        self._items: dict[str, QListWidgetItem] = {}
        self._states: dict[str, StepState] = {}
        self._findings: dict[str, dict[str, int]] = {}
        self._shown: dict[str, tuple] = {}   # step id -> (text, icon kind, tooltip) on screen
        for i, step in enumerate(forms.steps, start=1):
            # (not QListWidgetItem(text, self): choosing between that and (icon, text, self) makes PySide
            # build QIcon's enums)
            item = QListWidgetItem(self)
            item.setText(f"{i}. {step.title}")
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
        """Show the state of the steps in `states` (all or some); an item is touched only when what it shows
        changes, so an edit costs a handful of Qt calls instead of a repaint of every step."""
        self._states.update(states)
        self._findings = findings
        for i, step in enumerate(self.forms.steps, start=1):
            if step.id in states:
                self._show(i, step)

    def update_findings(self, findings: dict[str, dict[str, int]]) -> None:
        self._findings = findings
        for i, step in enumerate(self.forms.steps, start=1):
            if step.id in self._states:
                self._show(i, step)

    def _show(self, number: int, step) -> None:
        item = self._items[step.id]
        st = self._states[step.id]
        counts = self._findings.get(step.id, {})
        second = st.summary
        ftext = findings_text(counts) if st.applies else ""
        if ftext:
            second += " · " + ftext
        review = getattr(self, "_review", {}).get(step.id)
        if review:
            second += " · " + REVIEW_WORDS[review]
        text = f"{number}. {step.title}\n{second}"
        if not st.applies:
            kind, tip = "na", f"Does not apply: {st.reason}"
        else:
            kind = ("error" if counts.get("error") else "complete" if st.complete
                    else "empty" if st.filled == 0 else "partial")
            tip = f"{step.title}: {second}"
        shown = (text, kind, tip)
        if self._shown.get(step.id) == shown:
            return
        self._shown[step.id] = shown
        item.setText(text)
        item.setToolTip(tip)
        if kind == "na":
            from atmp_desktop.ui.style import muted
            # a colour, not a QBrush: the first QBrush made from Python makes PySide realise QGradient and
            # QImage with their enums (~3 ms of a launch before its first paint)
            item.setData(Qt.ForegroundRole, muted(self.palette()))
        else:
            item.setData(Qt.ForegroundRole, None)
        item.setData(STATUS_ROLE, kind)
        item.setData(Qt.AccessibleTextRole, text.replace("\n", ", "))

    def update_review(self, review: dict[str, str]) -> None:
        """Show each step's review status (step id -> draft / in_review / approved) after its summary."""
        if review == getattr(self, "_review", {}):
            return
        self._review = dict(review)
        for i, step in enumerate(self.forms.steps, start=1):
            if step.id in self._states:
                self._show(i, step)

    def states(self) -> dict[str, StepState]:
        return dict(self._states)

    def reset_states(self) -> None:
        self._states.clear()
        self._shown.clear()
