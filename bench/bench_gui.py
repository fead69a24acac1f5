"""The window at scale, in child processes run by bench/run.py (offscreen Qt, settings in a temp folder):

- `launch bare` / `launch app PROJECT`: a fresh Python process from start until the first paint that shows
  the project (the app runs exactly what `atmp-desktop gui PROJECT` runs; the peer is a bare PySide6
  QMainWindow launched the same way). The parent times it and pairs app with bare run by run.
- `window PROJECT`: every step's first visit (pages built on the spot: prebuilding stopped) and revisits,
  from the click on the step in the navigator until the window has repainted (a first visit shows the
  fields that fill the window; the time until the rest of the page is built and painted, and the longest
  event-loop turn meanwhile, are reported beside it as whole_ms / turn_max_ms); then scalar edits (type into a text field, press Enter)
  and table-cell edits (double-click a cell of the largest table on screen, type, press Enter), each timed
  from the key press (what was typed, the scrolled table and the open cell editor already painted, as a user
  sees them before pressing it) until the store has written the change and the window has refreshed and
  painted what changed (see _painted), with the main thread's CPU time beside it (wall - CPU is the machine's
  other work, or the window's thread waiting); the commit's disk syncs run behind the window, so the time
  from the key press until the status bar says the change is on disk is reported beside it (*_saved_*), and
  the next edit starts after that (_saved); the whole distribution of each in *_wall_ms / *_cpu_ms (p10 ...
  max, edits over 10 ms); then results typed into the batch results sheet (the largest table's own editor);
  and the disk's commit floor in the same folder (commit_floor),
  and the calls Python makes into Qt for one edit (atmp_desktop.ui.qt_calls: the window refreshes only what
  the change set names; 2,351 calls per scalar edit and 2,698 per cell edit on car-t before it did).
- `freeze PROJECT`: the longest time the event loop did not turn after the project is on screen, while the
  window prebuilds the other pages and the checks run (a 5 ms timer's late arrivals), with the main thread's
  CPU time in that gap (wall time includes the time the machine gave to other processes).

    python bench/bench_gui.py window|freeze PROJECT.atmp
"""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Clock, emit, pct, rss_mb  # noqa: E402

_FIRST_PAINT = r"""
import os, sys
from PySide6.QtCore import QObject, QEvent
class FirstPaint(QObject):
    # prints at the first paint, and exits at the first paint with the project on screen
    def __init__(self, window=None):
        super().__init__()
        self.window, self.seen = window, False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Paint:
            if not self.seen:
                self.seen = True
                print("painted", flush=True)
            if self.window is None or getattr(self.window, "project", None) is not None:
                print("project", flush=True)
                os._exit(0)  # stop right here: the first paint is what we time
        return False
"""

BARE = _FIRST_PAINT + r"""
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1280, 820)
f = FirstPaint()
w.installEventFilter(f)
w.show()
app.exec()
"""

APP = _FIRST_PAINT + r"""
from atmp_desktop.ui import app as app_module
from atmp_desktop.ui import main_window
original_init = main_window.MainWindow.__init__
def init(self, *a, **k):
    original_init(self, *a, **k)
    self._bench_filter = FirstPaint(self)
    self.installEventFilter(self._bench_filter)
main_window.MainWindow.__init__ = init
sys.exit(app_module.run_gui(sys.argv[1]))   # exactly what `atmp-desktop gui PROJECT` runs
"""


_COMPILED = False


def launch_command(kind: str, project: str | None = None) -> list[str]:
    """The command of one launch (run it with common.run_child(..., stop_at='project')). The app's modules are
    compiled to bytecode first, once: an installed app has its .pyc files (pip compiles at install, the frozen
    build ships them, `make run` writes them on the first run), while a checkout run with
    PYTHONDONTWRITEBYTECODE=1 would compile ~60 modules on every launch (~200 ms of CPU) and time the compiler."""
    global _COMPILED
    if kind == "app" and not _COMPILED:
        import compileall
        compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "atmp_desktop"), quiet=1)
        _COMPILED = True
    return [sys.executable, "-c", BARE] if kind == "bare" else [sys.executable, "-c", APP, project]


# ----------------------------------------------------------------------------- in-process window figures
def _window(tmp: Path):
    from PySide6.QtCore import QSettings
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.main_window import MainWindow
    from atmp_desktop.ui.settings import Settings
    app = make_app()
    w = MainWindow(default_forms(), Settings(QSettings(str(tmp / "settings.ini"), QSettings.IniFormat)))
    w.resize(1280, 820)
    w.show()
    app.processEvents()
    return app, w


def _settle(app, w, limit: float = 120.0) -> None:
    """Let debounced checks and queued work finish, so the next figure is not another's leftovers."""
    end = time.perf_counter() + limit
    while time.perf_counter() < end:
        app.processEvents()
        v = w.validation
        if not v.busy and not v._timer.isActive():
            break
        time.sleep(0.005)
    app.processEvents()


def _shown(app, w) -> None:
    """A step switch is on screen: events processed and the whole window repainted (a switch changes most
    of it: page, navigator, help, Back/Next)."""
    app.processEvents()
    w.repaint()


def _painted(app) -> None:
    """An edit is on screen: its events processed and what it changed painted. Qt paints the regions the
    edit marked dirty (QWidget.update) while processing events; the second turn takes the paints that a
    layout change of the first one posted. No forced repaint of the whole 1280x820 window, which no edit
    causes (it cost ~4-6 ms per edit at 4x, more than the refresh itself)."""
    app.processEvents()
    app.processEvents()


def _typed(app, idle_ms: float = 30.0) -> None:
    """What the user typed is on screen and the window is idle, as it is when a person presses Enter: typing a
    value takes a person hundreds of ms, and the event loop does the window's pending work meanwhile. Opening a
    cell editor on a page just switched to leaves a chain of layout requests (the editor's parent, its table, the
    field row, the page: one posted by each one handled), which two turns of the loop do not finish; timed
    from the Enter, the first edit after a step switch paid for them (8.5 against 3.5 ms of CPU at large 4x,
    and 4.1 against 4.3 once the loop had idled first: bench/notes-editp99.md)."""
    end = time.perf_counter() + idle_ms / 1e3
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)
    _painted(app)


def _saved(app, w, start: float) -> float:
    """The time from `start` (an edit's key press) until the window says the change is on disk (the commit runs
    behind the window; the status bar says "Saving…" until it is done), in ms. The next edit starts after it:
    nobody types a value faster than a commit, and an edit made during one would first wait for it."""
    while w.saved_label.text() != "All changes are saved automatically":
        if time.perf_counter() - start > 60:
            raise RuntimeError(f"the window never said the change was saved ({w.saved_label.text()!r})")
        app.processEvents()
        time.sleep(0.0002)
    return (time.perf_counter() - start) * 1e3


def window(project: Path, tmp: Path, edits: int = 200) -> dict:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    app, w = _window(tmp)
    out: dict = {}
    w._start_prebuild = lambda: None  # the worst case: every page is built when first visited
    with Clock() as c:
        w.open_path(project)
        w._prebuild.stop()  # (windows that start prebuilding while opening)
        _shown(app, w)
    out["open_ms"], out["open_cpu_ms"] = c.wall, c.cpu
    _settle(app, w)
    steps = [s.id for s in w.forms.steps]
    first_shown = w.current_step

    def switch(step_id: str) -> Clock:
        with Clock() as k:
            w.navigator.setCurrentItem(w.navigator._items[step_id])  # what a click on the step does
            _shown(app, w)
        return k

    def rest(step_id: str) -> tuple[Clock, float]:
        """A page first shown as the fields that fill the window gets the rest in slices after it paints:
        the time until it is whole and painted, and the longest event-loop turn meanwhile."""
        longest = 0.0
        with Clock() as k:
            end = time.perf_counter() + 60
            while not w.pages[step_id].complete and time.perf_counter() < end:
                t = time.perf_counter()
                app.processEvents()
                longest = max(longest, (time.perf_counter() - t) * 1e3)
            _shown(app, w)
        return k, longest

    first, whole = {}, {}
    for s in steps[1:] + steps[:1]:
        if s == first_shown:
            continue  # built while opening
        first[s] = switch(s)
        whole[s] = rest(s)
    again: dict[str, list[Clock]] = {s: [] for s in steps}
    for _ in range(3):
        for s in steps:
            again[s].append(switch(s))
    heaviest = max(first, key=lambda s: first[s].wall)
    out["first_visit"] = {s: {"ms": k.wall, "cpu_ms": k.cpu, "whole_ms": k.wall + whole[s][0].wall,
                              "whole_cpu_ms": k.cpu + whole[s][0].cpu, "turn_max_ms": whole[s][1]}
                          for s, k in first.items()}
    out["heaviest_step"] = heaviest
    out["heaviest_first_ms"], out["heaviest_first_cpu_ms"] = first[heaviest].wall, first[heaviest].cpu
    out["heaviest_whole_ms"] = out["first_visit"][heaviest]["whole_ms"]
    out["first_visit_turn_max_ms"] = max(v["turn_max_ms"] for v in out["first_visit"].values())
    revisit = {s: statistics.median(k.wall for k in ks) for s, ks in again.items()}
    revisit_cpu = {s: statistics.median(k.cpu for k in ks) for s, ks in again.items()}
    worst = max(revisit, key=revisit.get)
    out["revisit_max_ms"], out["revisit_max_step"], out["revisit_max_cpu_ms"] = revisit[worst], worst, \
        revisit_cpu[worst]
    out["heaviest_revisit_ms"], out["heaviest_revisit_cpu_ms"] = revisit[heaviest], revisit_cpu[heaviest]
    _settle(app, w)

    # scalar edits: type into text fields of the first step, press Enter
    from atmp_desktop.ui.fields import TextEditor
    page = w.page(steps[0])
    w.go_to_step(steps[0])
    texts = [e for e in page.editors.values() if isinstance(e, TextEditor)][:8]
    from atmp_desktop.ui.qt_calls import QtCallCounter
    wall, cpu, calls, saved = [], [], [], []
    for i in range(edits):
        editor = texts[i % len(texts)]
        editor.edit.setFocus()
        editor.edit.setText(f"Bench value {i}")
        _typed(app)  # what the user typed is on screen before the Enter
        with Clock() as k:
            QTest.keyClick(editor.edit, Qt.Key_Return)
            _painted(app)
        wall.append(k.wall)
        cpu.append(k.cpu)
        saved.append(_saved(app, w, k._w))
        if i % 20 == 0:  # counted apart: the counter's profiler hook slows the edit it counts
            editor.edit.setText(f"Bench count {i}")
            with QtCallCounter() as counter:
                editor.commit()
            calls.append(counter.calls)
            _saved(app, w, time.perf_counter())
    out["scalar_qt_calls"] = statistics.median(calls)
    out["scalar_fields"] = [e.field.path for e in texts]
    out["scalar_p50_ms"], out["scalar_p99_ms"] = pct(wall, 0.5), pct(wall, 0.99)
    out["scalar_cpu_p50_ms"], out["scalar_cpu_p99_ms"] = pct(cpu, 0.5), pct(cpu, 0.99)
    out["scalar_saved_p50_ms"], out["scalar_saved_p99_ms"] = pct(saved, 0.5), pct(saved, 0.99)
    out["scalar_wall_ms"], out["scalar_cpu_ms"] = _spread(wall), _spread(cpu)
    _settle(app, w)

    # table-cell edits: the largest table of any step, a text column; edit, type, Enter
    from atmp_desktop.ui.table_editor import TableEditor
    snap = w.project.snapshot()
    tables = [(len(snap.row_ids(p)), p, s) for s in steps for p, e in w.page(s).editors.items()
              if isinstance(e, TableEditor)]
    n, path, step = max(tables)
    w.go_to_step(step)
    editor = w.page(step).editors[path]
    col = next(i for i, c in enumerate(editor.field.columns) if c.type in ("text", "long_text"))
    view = editor.view
    wall, cpu, calls, saved = [], [], [], []
    for i in range(edits):
        index = editor.model.index((i * 7919) % n, col)
        view.scrollTo(index)
        view.setCurrentIndex(index)
        view.edit(index)
        cell = view.indexWidget(index)
        if cell is None:
            raise RuntimeError(f"no cell editor opened in {path}")
        cell.setText(f"cell {i}") if hasattr(cell, "setText") else cell.setPlainText(f"cell {i}")
        _typed(app)  # the scrolled table, the open cell editor and the typed text are on screen first
        with Clock() as k:
            QTest.keyClick(cell, Qt.Key_Return)
            _painted(app)
        wall.append(k.wall)
        cpu.append(k.cpu)
        saved.append(_saved(app, w, k._w))
        if i % 20 == 0:
            with QtCallCounter() as counter:
                editor.model.setData(editor.model.index((i * 31) % n, col), f"counted {i}")
            calls.append(counter.calls)
            _saved(app, w, time.perf_counter())
    out["cell_qt_calls"] = statistics.median(calls)
    written = w.project.snapshot().rows(path)[((edits - 1) * 7919) % n].get(editor.field.columns[col].id)
    if written != f"cell {edits - 1}":
        raise RuntimeError(f"the window did not write the cell edits of {path} (found {written!r})")
    out.update(commit_floor(project.parent))
    out["cell_table"], out["cell_table_rows"] = path, n
    out["cell_p50_ms"], out["cell_p99_ms"] = pct(wall, 0.5), pct(wall, 0.99)
    out["cell_cpu_p50_ms"], out["cell_cpu_p99_ms"] = pct(cpu, 0.5), pct(cpu, 0.99)
    out["cell_saved_p50_ms"], out["cell_saved_p99_ms"] = pct(saved, 0.5), pct(saved, 0.99)
    out["cell_wall_ms"], out["cell_cpu_ms"] = _spread(wall), _spread(cpu)
    _settle(app, w)
    out.update(_sheet_edits(app, w, edits // 2))
    out["rss_mb"] = rss_mb()
    _settle(app, w)
    w.close_project()
    w.close()
    return out


def _spread(values) -> dict:
    """The whole distribution in a few numbers: p10 p50 p90 p95 p99 max and how many over 10 ms."""
    return {**{f"p{round(q * 100)}": round(pct(values, q), 2) for q in (0.1, 0.5, 0.9, 0.95, 0.99)},
            "max": round(max(values), 2), "over_10ms": sum(1 for v in values if v > 10)}


def _sheet_edits(app, w, edits: int) -> dict:
    """Results typed into the batch results sheet (tests as rows, batches as columns; the store's largest
    table behind it): double-click a cell, type '9x %', Enter; timed like the cell edits."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    path = "quality.batch_results"
    step = path.split(".", 1)[0]
    editor = w.page(step).editors.get(path)
    sheet = getattr(editor, "sheet", None)
    if sheet is None:
        return {}
    w.go_to_step(step)
    view, model = sheet.view, sheet.model
    rows, cols = model.rowCount(), model.columnCount()
    if rows < 1 or cols < 2:
        return {}
    wall, cpu = [], []
    for i in range(edits):
        index = model.index((i * 7) % rows, 1 + (i * 3) % (cols - 1))
        view.scrollTo(index)
        view.setCurrentIndex(index)
        view.edit(index)
        cell = view.indexWidget(index)
        if cell is None:
            raise RuntimeError("no cell editor opened in the batch results sheet")
        cell.setText(f"{90 + i % 10} %")
        _typed(app)
        with Clock() as k:
            QTest.keyClick(cell, Qt.Key_Return)
            _painted(app)
        wall.append(k.wall)
        cpu.append(k.cpu)
        _saved(app, w, k._w)
    return {"sheet_rows": len(w.project.snapshot().row_ids(path)),
            "sheet_p50_ms": pct(wall, 0.5), "sheet_p99_ms": pct(wall, 0.99),
            "sheet_cpu_p50_ms": pct(cpu, 0.5), "sheet_cpu_p99_ms": pct(cpu, 0.99)}


def commit_floor(folder: Path, n: int = 200) -> dict:
    """The disk's own floor under every edit: the smallest SQLite commit in the project's folder with the
    store's journal settings (rollback journal, synchronous=FULL: the journal is created, synced, the
    database synced, the journal deleted), one integer updated per commit. Wall time of each commit; the
    CPU time of this thread beside it."""
    import sqlite3
    probe = folder / "commit-probe.db"
    conn = sqlite3.connect(probe, isolation_level=None)
    wall, cpu = [], []
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (0)")
        for i in range(n):
            t, c = time.perf_counter(), time.thread_time()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE t SET x = ?", (i,))
            conn.execute("COMMIT")
            wall.append((time.perf_counter() - t) * 1e3)
            cpu.append((time.thread_time() - c) * 1e3)
    finally:
        conn.close()
        probe.unlink()
    return {"commit_floor_p50_ms": pct(wall, 0.5), "commit_floor_p99_ms": pct(wall, 0.99),
            "commit_floor_cpu_p99_ms": pct(cpu, 0.99)}


def freeze(project: Path, tmp: Path, interval_ms: int = 5) -> dict:
    """The longest late arrival of a 5 ms timer from the project's first paint until prebuilding, the fetching
    of the stored rows (with the integrity check) and the checks are done (plus half a second)."""
    from PySide6.QtCore import Qt, QTimer
    app, w = _window(tmp)
    w.open_path(project)
    _shown(app, w)
    gaps: list[tuple[float, float, int]] = []  # (wall ms, main-thread CPU ms, pages built in the gap)
    state = {"t": time.perf_counter(), "c": time.thread_time(), "pages": len(w.pages), "done": None}
    start = time.perf_counter()

    def tick():
        now, cpu, pages = time.perf_counter(), time.thread_time(), len(w.pages)
        gaps.append(((now - state["t"]) * 1e3 - interval_ms, (cpu - state["c"]) * 1e3, pages - state["pages"]))
        state.update(t=now, c=cpu, pages=pages)
        idle = (not w._prebuild.isActive() and not w._rows.isActive() and not w.validation.busy
                and not w.validation._timer.isActive())
        if idle and state["done"] is None:
            state["done"] = now
        elif not idle:
            state["done"] = None
        if state["done"] is not None and now - state["done"] > 0.5 or now - start > 180:
            app.quit()

    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.setInterval(interval_ms)
    timer.timeout.connect(tick)
    timer.start()
    app.exec()
    timer.stop()
    longest = max(gaps, key=lambda g: g[0])
    out = {"freeze_ms": longest[0], "freeze_cpu_ms": longest[1], "freeze_pages_built": longest[2],
           "freeze_cpu_max_ms": max(g[1] for g in gaps), "gaps_over_100ms": sum(1 for g in gaps if g[0] > 100),
           "settled_s": (state["done"] or time.perf_counter()) - start, "pages": len(w.pages),
           "rss_mb": rss_mb()}
    w.close_project()
    w.close()
    return out


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    mode, project = sys.argv[1], Path(sys.argv[2])
    tmp = Path(tempfile.mkdtemp(prefix="bench-gui-"))
    try:
        copy = tmp / project.name  # edits change the file: every round starts from the same project
        shutil.copyfile(project, copy)
        emit(window(copy, tmp) if mode == "window" else freeze(copy, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
