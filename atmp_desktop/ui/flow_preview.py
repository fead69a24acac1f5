"""The process-step table with a live preview of the generated process-flow diagram (export/diagram.py).

The forms mark the table `editor: process_flow`. The preview draws the same layout the PDF and Word get
(boxes for the steps in order, in-process controls with their criteria, materials added, hold points, the
DS/DP boundary), painted with QPainter, so it is sharp at any size and costs a few milliseconds. It follows
the table only: it is redrawn when the window reloads this table from an action's ChangeSet (an edit, undo,
redo, another program's change) and after the table's own edits, after a short pause in typing.

Laying the diagram out is pure Python and grows with the process (800 steps at 4x: ~90 ms), so it runs on a
pool thread and the canvas takes the result when it arrives (the window never waits for it), and only while
the editor is on screen: a page built ahead in idle time lays its diagram out when it is first shown.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from atmp_desktop.export.diagram import COLOURS, LINE, PAD, Layout, _head, flow_layout
from atmp_desktop.ui.style import role
from atmp_desktop.ui.table_editor import TableEditor
from atmp_desktop.ui.errors import logged, qt_safe

REDRAW_MS = 250


class FlowCanvas(QWidget):
    """Paints one diagram layout, scaled to the width it is given (points -> pixels)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layout_: Layout | None = None
        self.scale = 1.3
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setAccessibleName("Process flow diagram")

    def show_layout(self, layout: Layout | None) -> None:
        self.layout_ = layout
        self.updateGeometry()
        self.setFixedHeight(int((layout.height if layout else 20) * self.scale) + 4)
        self.update()

    @qt_safe(fallback=QWidget.sizeHint)
    def sizeHint(self):
        w = (self.layout_.width if self.layout_ else 200) * self.scale
        return QSize(int(w) + 4, int((self.layout_.height if self.layout_ else 20) * self.scale) + 4)

    @qt_safe()
    def paintEvent(self, event):
        lay = self.layout_
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        if lay is None:
            return
        p.setRenderHint(QPainter.Antialiasing, True)
        s = self.scale
        p.translate(2, 2)
        grey = QColor("#4a4a4a")
        # only what the scroll area shows: a dossier-scale process is thousands of boxes tall
        top, bottom = (event.rect().top() - 2) / s - 20, (event.rect().bottom() - 2) / s + 20
        for a in lay.arrows:
            if max(a.y1, a.y2) < top or min(a.y1, a.y2) > bottom:
                continue
            pen = QPen(grey, 0.8 * s)
            if a.dashed:
                pen.setStyle(Qt.DashLine)
            p.setPen(pen)
            p.drawLine(QPointF(a.x1 * s, a.y1 * s), QPointF(a.x2 * s, a.y2 * s))
            if not a.dashed:
                p.setPen(Qt.NoPen)
                p.setBrush(grey)
                p.drawPolygon(QPolygonF([QPointF(x * s, y * s) for x, y in _head(a)]))
                p.setBrush(Qt.NoBrush)
        for b in lay.boxes:
            if b.y + b.h < top or b.y > bottom:
                continue
            fill, stroke = COLOURS[b.kind]
            path = QPainterPath()
            path.addRoundedRect(QRectF(b.x * s, b.y * s, b.w * s, b.h * s), 3 * s, 3 * s)
            p.setPen(QPen(QColor(stroke), 0.8 * s))
            p.fillPath(path, QColor(fill))
            p.drawPath(path)
            p.setPen(QColor("#1a1a1a"))
            ty = b.y + PAD
            for text, bold, size in b.lines:
                f = QFont(self.font())
                f.setPixelSize(max(6, round(size * s)))
                f.setBold(bold)
                p.setFont(f)
                p.drawText(QPointF((b.x + PAD) * s, (ty + size * 0.95) * s), text)
                ty += size * LINE
        if lay.boundary:
            y, above, below = lay.boundary
            pen = QPen(QColor("#7a7a7a"), 1.0 * s)
            pen.setStyle(Qt.DashLine)
            p.setPen(pen)
            p.drawLine(QPointF(0, y * s), QPointF(lay.width * s, y * s))
            f = QFont(self.font())
            f.setPixelSize(max(6, round(9 * s)))
            f.setBold(True)
            p.setFont(f)
            p.setPen(QColor("#555555"))
            p.drawText(QPointF(2 * s, (y - 3) * s), above)
            p.drawText(QPointF(2 * s, (y + 11) * s), below)
        p.end()


class _Signals(QObject):
    done = Signal(int, object)  # generation, Layout or None


def _lay_out(generation: int, rows: list[dict], signals: _Signals) -> None:
    """flow_layout on the worker thread. The rows are the editor's copies (stored() copies each row), so nothing
    the main thread changes is read here; the signal object is parentless and kept alive by the call, so a
    layout that ends after its editor was deleted emits into a live object."""
    try:
        layout = flow_layout(rows) if rows else None
    except Exception:  # a row the layout cannot read: no preview rather than a thread that dies loudly
        logged()
        layout = None
    signals.done.emit(generation, layout)


# A Python worker thread, not a QThreadPool: a job queued on a QThreadPool was seen never to start (the findings
# check, ui/findings.py). concurrent.futures joins its worker when the interpreter ends.
_WORKER: ThreadPoolExecutor | None = None
_LAST: Future | None = None


def _submit(*args) -> None:
    global _WORKER, _LAST
    if _WORKER is None:
        _WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flow-layout")
    _LAST = _WORKER.submit(_lay_out, *args)


def wait_for_layouts() -> None:
    """Let a diagram layout still running finish (before the window goes away)."""
    if _LAST is not None:
        _LAST.exception()


class ProcessStepsEditor(TableEditor):
    """The process-step table editor with the diagram below it (hidden with one click)."""

    def __init__(self, field, parent=None):
        super().__init__(field, parent)
        self.canvas = FlowCanvas(self)
        self.scroll = QScrollArea(self)
        self.scroll.setWidget(self.canvas)
        self.scroll.setWidgetResizable(False)
        self.scroll.setMinimumHeight(340)
        self.scroll.setMaximumHeight(520)
        self.scroll.setAlignment(Qt.AlignHCenter)
        self.toggle = QPushButton("Hide flow diagram", self)
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setAutoDefault(False)
        self.toggle.setToolTip("The diagram printed in 3.2.S.2.2, 3.2.P.3.3 and 2.3, drawn from this table")
        self.toggle.toggled.connect(self._toggled)
        self.caption = QLabel("Flow diagram as exported (steps in order; in-process controls right; materials "
                              "added and hold points left; the DS/DP boundary dashed)", self)
        self.caption.setWordWrap(True)
        role(self.caption, "hint")
        box = QVBoxLayout()
        box.setContentsMargins(0, 6, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.toggle, 0, Qt.AlignLeft)
        box.addWidget(self.caption)
        box.addWidget(self.scroll)
        self.layout().addLayout(box)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        self.redraws = 0   # how often the diagram was drawn (tests: it follows this table only)
        self._generation = 0
        self._drawn = None       # the rows the canvas shows (or is being laid out for)
        self._dirty = False      # the table changed while the editor was hidden
        self._signals = _Signals()
        self._signals.done.connect(self._laid_out)
        self.row_edits.connect(lambda *_a: self._timer.start())

    def _toggled(self, shown: bool) -> None:
        self.toggle.setText("Hide flow diagram" if shown else "Show flow diagram")
        self.scroll.setVisible(shown)
        self.caption.setVisible(shown)
        if shown:
            self._drawn = None  # (hidden meanwhile: the canvas may be behind the table)
            self.redraw()

    def load_from(self, snap) -> None:
        super().load_from(snap)
        self._timer.start()

    @qt_safe()
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._timer.start()

    def redraw(self) -> None:
        if not self.toggle.isChecked():
            return
        if not self.isVisible():
            self._dirty = True  # laid out when shown
            return
        self._dirty = False
        rows = self.model.stored() or []
        if rows == self._drawn:
            return  # (a reload that changed nothing in this table)
        self._drawn = rows
        self._generation += 1
        _submit(self._generation, rows, self._signals)

    def _laid_out(self, generation: int, layout) -> None:
        if generation != self._generation:
            return  # the table changed again meanwhile: a newer layout is on its way
        self.canvas.show_layout(layout)
        self.canvas.resize(self.canvas.sizeHint())
        self.redraws += 1
