"""Validation findings: computed off the UI thread after a short pause in editing, listed in a dock.

`core.validation.validate(forms, snap)` is pure and the snapshot is immutable, so running it on a worker
thread is safe. Results from an older snapshot than the latest request are dropped.

A check is CPU-bound Python: while it runs, the window's thread shares the GIL with it, and every call Qt makes
into Python from the event loop (a slot, a model's data(), an event filter) first waits for the worker to let
go of the GIL (5-8 ms each). Building a page in idle time makes ~20 such calls per slice, so at large 4x a
check running beside the prebuilding froze the window for 100-1,000 ms with only ~10-40 ms of work on its own
thread. The window's own idle work therefore goes first (`yield_to`): a check asked for meanwhile waits until
the pages are built, then starts at once.
"""
from __future__ import annotations

import importlib
import inspect
import sys
from collections import Counter
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from atmp_desktop.core.forms import FormSet
from atmp_desktop.ui.errors import logged
from atmp_desktop.ui.logic import certainty_text, step_of_location

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

DEBOUNCE_MS = 300
CHECK_SWITCH_INTERVAL = 0.0002  # s: see _check
# "missing" is how the window shows a required field still empty: progress, not a red error (the finding keeps
# its severity for the readiness report and the CLI)
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2, "missing": 3}
SEVERITY_TEXT = {"error": "Error", "warning": "Warning", "info": "Note", "missing": "To fill"}
SEVERITY_COLOUR = {"error": "#d32f2f", "warning": "#b8860b"}  # readable on light and dark palettes
FILTERS = (  # (label, kinds shown)
    ("All findings", ("error", "warning", "info", "missing")),
    ("Problems (errors, warnings, notes)", ("error", "warning", "info")),
    ("Errors", ("error",)),
    ("Warnings", ("warning",)),
    ("Notes", ("info",)),
    ("To fill (required fields still empty)", ("missing",)),
)


def shown_kind(finding) -> str:
    """error / warning / info, or missing for a required field still to fill."""
    return "missing" if getattr(finding, "kind", "") == "missing" else finding.severity


def validation_available() -> bool:
    """Whether the checks ship with this build, without importing them (that waits for their first run)."""
    import importlib.util
    try:
        return importlib.util.find_spec("atmp_desktop.core.validation") is not None
    except (ImportError, ValueError):
        return False


def load_validate():
    """The validation function, or None while the validation module is not available."""
    try:
        module = importlib.import_module("atmp_desktop.core.validation")
    except ImportError:
        return None
    return getattr(module, "validate", None)


class _Signals(QObject):
    done = Signal(int, object, str)  # generation, findings, error text


def _check(generation, validate, forms, snap, signals, latest: Callable[[], int] = lambda: 0) -> None:
    """On the worker thread: the findings of one snapshot, reported to the window's thread by a queued signal.

    While it runs, the GIL changes hands every CHECK_SWITCH_INTERVAL s instead of Python's 5 ms when the window's
    thread asks for it: each call Qt makes into Python during an edit (a key event, a model's data(), a slot)
    otherwise waited up to 5-12 ms for the check (an edit at large 4x took 34 ms at p90 and up to 116-195 ms
    with a check running, 3-7 ms without; bench/notes-editp99.md). With the window idle nothing asks, so the
    check pays nothing. A check whose snapshot is no longer the latest (an edit came) stops after its rule."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(CHECK_SWITCH_INTERVAL)
    try:
        if "stop" in inspect.signature(validate).parameters:
            findings = list(validate(forms, snap, stop=lambda: latest() != generation))
        else:
            findings = list(validate(forms, snap))
        signals.done.emit(generation, findings, "")
    except Exception as exc:  # a broken rule must not take the window down
        logged()
        signals.done.emit(generation, [], f"The checks could not run ({type(exc).__name__}: {exc}).")
    finally:
        sys.setswitchinterval(interval)


class ValidationRunner(QObject):
    """Debounces requests and runs validation on a worker thread; emits `updated(findings, error)`."""
    updated = Signal(object, str)

    def __init__(self, forms: FormSet, parent=None):
        super().__init__(parent)
        self.forms = forms
        self._snap = None
        self._generation = 0
        # Parentless, kept alive by each job too: a check still running when the window goes away (a script
        # that ends with the window open, an interpreter shutting down) emits into a live object instead of one
        # Qt deleted with its parent ("Signal source has been deleted" from the pool thread).
        self._signals = _Signals()
        self._signals.done.connect(self._done)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)
        # A Python worker thread, not a QThreadPool: in a long session a check queued on the pool sometimes
        # never ran (pool.activeThreadCount() 1, its thread asleep in QWaitCondition, run() never entered; gdb
        # in the UI test session, depending on when garbage collection ran), and the findings never came.
        # (made for the first check, after the debounce: importing concurrent.futures is ~3 ms of start-up)
        self._worker: ThreadPoolExecutor | None = None
        self._future: Future | None = None
        self.busy = False
        # while this says the window has idle-time work of its own (prebuilding pages), checks wait for it
        self.yield_to: Callable[[], bool] | None = None
        self._waiting = False  # a check asked for is waiting for the window's idle work (resume() starts it)

    def request(self, snap, immediately: bool = False) -> None:
        self._snap = snap
        self._generation += 1
        self._waiting = False
        if immediately:
            self._timer.stop()
            self._start()
        else:
            self._timer.start()

    def _start(self) -> None:
        if self.yield_to is not None and self.yield_to():
            self._waiting = True
            self._timer.start()  # still pending (pending() says so); resume() starts it when the window is idle
            return
        self._waiting = False
        validate = load_validate()
        if validate is None or self._snap is None:
            self.updated.emit([], "")
            return
        self.busy = True
        if self._worker is None:
            from concurrent.futures import ThreadPoolExecutor
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checks")
        self._future = self._worker.submit(_check, self._generation, validate, self.forms, self._snap, self._signals,
                                           lambda: self._generation)

    def _done(self, generation: int, findings: list, error: str) -> None:
        if generation != self._generation:
            return  # the user edited again meanwhile; a newer run is on its way
        self.busy = False
        self.updated.emit(findings, error)

    def resume(self) -> None:
        """The window's idle work is done: a check that was waiting for it starts now."""
        if self._waiting:
            self._timer.stop()
            self._start()

    def cancel(self) -> None:
        """Forget the checks asked for (the project is closing): none still waiting starts, and the result of one
        running now is dropped."""
        self._timer.stop()
        self._waiting = False
        self._snap = None
        self._generation += 1
        self.wait()
        self.busy = False

    def pending(self) -> bool:
        """A check is waiting for the user to pause, or running: the findings shown may be about to change."""
        return self.busy or self._timer.isActive()

    def wait(self) -> None:
        """Block until the last check started has finished (its result still arrives through the event loop)."""
        if self._future is not None:
            self._future.exception()  # waits; a check's own errors are reported by the check itself


def counts_by_step(forms: FormSet, findings) -> dict[str, dict[str, int]]:
    out: dict[str, Counter] = {}
    for f in findings:
        step = getattr(f, "step", "") or step_of_location(forms, f.location)
        if step:
            out.setdefault(step, Counter())[shown_kind(f)] += 1
    return {k: dict(v) for k, v in out.items()}


class FindingsDock(QDockWidget):
    activated = Signal(object)  # Finding

    def __init__(self, forms: FormSet, parent=None):
        super().__init__("Findings", parent)
        self.setObjectName("findingsDock")
        self.forms = forms
        self.findings: list = []
        self.error: str | None = None  # None: nothing shown yet
        self.progress: tuple[int, int] | None = None  # required fields (filled, visible)
        self.checking = False  # a project is open and its first check has not reported yet
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 6)
        top = QHBoxLayout()
        self.summary = QLabel("Checks run while you edit.", body)
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        kind_label = QLabel("&Show:", body)
        self.kind_filter = QComboBox(body)
        self.kind_filter.setAccessibleName("Show findings of kind")
        for text, _kinds in FILTERS:
            self.kind_filter.addItem(text)
        kind_label.setBuddy(self.kind_filter)
        step_label = QLabel("S&tep:", body)
        self.step_filter = QComboBox(body)
        self.step_filter.setAccessibleName("Show findings of step")
        self.step_filter.addItem("All steps", None)
        for step in forms.steps:
            self.step_filter.addItem(step.title, step.id)
        self.step_filter.addItem("The dossier as a whole", "")
        step_label.setBuddy(self.step_filter)
        for w in (kind_label, self.kind_filter, step_label, self.step_filter):
            top.addWidget(w)
        self.kind_filter.currentIndexChanged.connect(lambda _i: self._filter())
        self.step_filter.currentIndexChanged.connect(lambda _i: self._filter())
        layout.addLayout(top)
        self.tree = QTreeWidget(body)
        self.tree.setAccessibleName("Findings")
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setHeaderLabels(["Kind", "Finding", "Where", "Rule", "Basis"])
        header = self.tree.header()
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setStretchLastSection(False)
        for col, width in ((0, 80), (2, 200), (3, 70), (4, 220)):
            self.tree.setColumnWidth(col, width)
        self.tree.itemActivated.connect(self._activate)
        layout.addWidget(self.tree)
        self.setWidget(body)

    def _where(self, location: str) -> str:
        if self.forms.has_field(location):
            from atmp_desktop.core.forms import parse_path
            p = parse_path(location)
            f = self.forms.field(location)
            step = self.forms.step(p.step).title
            if p.index is not None:
                col = f" › {f.column(p.column).label}" if p.column else ""
                return f"{step} › {f.label} row {p.index + 1}{col}"
            return f"{step} › {f.label}"
        return location

    def _step_of(self, finding) -> str:
        return getattr(finding, "step", "") or step_of_location(self.forms, finding.location)

    def expect_findings(self) -> None:
        """A project has opened: until its first check reports, say so instead of "every check passed"."""
        self.checking = True
        self._summarise()

    def show_findings(self, findings, error: str | None = "") -> None:
        self.checking = False
        self.error = error
        error = error or ""
        self.findings = sorted(findings, key=lambda f: (SEVERITY_ORDER.get(shown_kind(f), 4), f.rule, f.location))
        self.tree.clear()
        items = []
        for f in self.findings:
            kind = shown_kind(f)
            cert = f" [{f.certainty}]" if getattr(f, "certainty", "") else ""
            item = QTreeWidgetItem([SEVERITY_TEXT.get(kind, kind), f.message, self._where(f.location), f.rule,
                                    f.basis + cert])
            item.setToolTip(1, f.message)
            item.setToolTip(2, item.text(2))
            item.setToolTip(4, f.basis + (f"\nCertainty: {certainty_text(f.certainty)}" if cert else ""))
            item.setData(0, Qt.UserRole, f)
            if kind in ("error", "warning"):
                item.setForeground(0, QBrush(QColor(SEVERITY_COLOUR[kind])))
            items.append(item)
        self.tree.addTopLevelItems(items)
        self._filter()
        self._summarise()

    def set_progress(self, filled: int, required: int) -> None:
        if self.progress != (filled, required):
            self.progress = (filled, required)
            self._summarise()

    def _summarise(self) -> None:
        counts = Counter(shown_kind(f) for f in self.findings)
        problems = sum(counts[k] for k in ("error", "warning", "info"))
        progress = ""
        if self.progress is not None:
            filled, required = self.progress
            progress = f"{filled} of {required} required fields filled. "
        if self.error:
            text = self.error
        elif self.checking and validation_available():
            text = progress + "Checking the project…"
        elif not validation_available():
            text = progress + "The checks are not available in this build."
        elif not problems:
            text = progress + ("No problems found." if counts.get("missing") else "No findings: every check passed.")
        else:
            parts = [f"{counts[s]} {SEVERITY_TEXT[s].lower()}{'s' if counts[s] != 1 else ''}"
                     for s in ("error", "warning", "info") if counts.get(s)]
            text = progress + ", ".join(parts) + ". Double-click a finding to go to its field."
        self.summary.setText(text)
        self.setWindowTitle(f"Findings ({problems})")

    def _filter(self) -> None:
        kinds = FILTERS[max(self.kind_filter.currentIndex(), 0)][1]
        step = self.step_filter.currentData()
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            f = item.data(0, Qt.UserRole)
            shown = shown_kind(f) in kinds and (step is None or self._step_of(f) == step)
            if item.isHidden() == shown:
                item.setHidden(not shown)

    def show_kind(self, label_start: str) -> None:
        """Choose the filter whose label starts with `label_start` ("Errors", "To fill" ...)."""
        for i, (text, _kinds) in enumerate(FILTERS):
            if text.startswith(label_start):
                self.kind_filter.setCurrentIndex(i)
                return

    def visible_findings(self) -> list:
        return [self.tree.topLevelItem(i).data(0, Qt.UserRole) for i in range(self.tree.topLevelItemCount())
                if not self.tree.topLevelItem(i).isHidden()]

    def _activate(self, item, _column=0) -> None:
        self.activated.emit(item.data(0, Qt.UserRole))
