"""GUI speed: start-up against a bare PySide6 window, step switching, freezes after opening, edits through the
window and Qt calls per edit, on the car-t sample and the generated large project (bench/make_large.py) at 1x
and 4x.

Start-up: each run is a fresh Python process, timed from launch until the first paint (window) and until the
first paint with the project on screen, exactly what `atmp-desktop gui PROJECT` runs; runs alternate with a
bare PySide6 QMainWindow launched the same way, RUNS of each, and medians are compared.
In-process figures (one window, offscreen, 1366x768): step switch = ask for a step until repainted; freeze =
the longest gap between 5 ms timer ticks in the 3 s after opening (prebuilding pages in slices, first checks);
edits = a committed value until the window has refreshed (p50/p99 of 100); Qt calls = calls from Python into
Qt during one edit (atmp_desktop.ui.qt_calls).
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
RUNS = 5
EDITS = 100
# measured before the change-set refresh (the window refreshed every page and the whole Sections dock)
QT_CALLS_BEFORE = {"scalar": 2351, "cell": 2698}

_FIRST_PAINT = r"""
import os, sys
from PySide6.QtCore import QObject, QEvent
class FirstPaint(QObject):
    # prints when the window first paints, and again at the first paint with the project on screen
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


def _time_run(code: str, args: list[str], env: dict) -> tuple[float, float]:
    """(ms to the first paint, ms to the first paint showing the project) for one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    marks = {}
    for line in proc.stdout:
        marks.setdefault(line.strip(), (time.perf_counter() - start) * 1000)
        if "project" in marks:
            break
    proc.wait(timeout=120)
    if "project" not in marks:
        raise RuntimeError(f"no paint event: {proc.stderr.read().strip()[-300:]}")
    return marks.get("painted", marks["project"]), marks["project"]


def _workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="atmp-bench-gui-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))


def _sample_project(name: str, folder: Path) -> Path:
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile
    path = folder / f"{name}.atmp"
    ProjectFile.create(path, default_forms(), document=load_sample(name), overwrite=True).close()
    return path


def _large_project(scale: int, folder: Path) -> Path:
    from bench.make_large import make_project
    return make_project(folder / f"large-{scale}x.atmp", scale)


def startup(projects: dict[str, Path], tmp: Path) -> list[dict]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), HOME=str(tmp),
               XDG_CONFIG_HOME=str(tmp / ".config"), XDG_DATA_HOME=str(tmp / ".local/share"), PYTHONPATH=str(ROOT))
    _time_run(BARE, [], env)  # warm the OS file cache once for both
    for path in projects.values():
        _time_run(APP, [str(path)], env)
    bare: list[float] = []
    window: dict[str, list[float]] = {k: [] for k in projects}
    loaded: dict[str, list[float]] = {k: [] for k in projects}
    for _ in range(RUNS):
        for name, path in projects.items():  # interleaved: bare, app, bare, app ...
            bare.append(_time_run(BARE, [], env)[1])
            w, p = _time_run(APP, [str(path)], env)
            window[name].append(w)
            loaded[name].append(p)
    b = statistics.median(bare)
    first = next(iter(projects))
    w = statistics.median(window[first])
    rows = [{"name": f"GUI first paint of the window ({first})", "value": round(w), "unit": "ms",
             "target": "≤ 1.5× bare", "ratio": round(w / b, 2),
             "detail": f"bare PySide6 QMainWindow {round(b)} ms; ratio {w / b:.2f}×; median of {RUNS} interleaved "
                       "process launches each, from launch to paint"}]
    for name in projects:
        p = statistics.median(loaded[name])
        rows.append({"name": f"GUI project on screen ({name})", "value": round(p), "unit": "ms",
                     "target": "≤ 2.0× bare", "ratio": round(p / b, 2),
                     "detail": f"ratio {p / b:.2f}× a bare QMainWindow ({round(b)} ms) launched the same way; "
                               "from launch to the first paint with the project's first step on screen"})
    return rows


class _Window:
    """One offscreen window at laptop size with a copy of `path` open (prebuilding off unless asked)."""

    def __init__(self, path: Path, tmp: Path, prebuild: bool = False):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QSettings
        from atmp_desktop.core.forms import default_forms
        from atmp_desktop.ui.app import make_app
        from atmp_desktop.ui.main_window import MainWindow
        from atmp_desktop.ui.settings import Settings
        self.app = make_app()
        self.forms = default_forms()
        copy = tmp / f"copy-{time.perf_counter_ns()}-{path.name}"
        shutil.copy(path, copy)
        self.w = MainWindow(self.forms, Settings(QSettings(str(tmp / f"s-{copy.stem}.ini"), QSettings.IniFormat)))
        self.w.resize(1366, 768)
        self.w.show()
        self.opened_ms = _ms(lambda: (self.w.open_path(copy), self.w.repaint()))
        if not prebuild:
            self.w._prebuild.stop()

    def close(self) -> None:
        self.w.validation.wait()
        self.w.close_project()
        self.w.close()
        self.w.deleteLater()


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _wait(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def steps(name: str, path: Path, tmp: Path) -> list[dict]:
    win = _Window(path, tmp)
    w = win.w

    def switch(step_id: str) -> float:
        return _ms(lambda: (w.go_to_step(step_id), w.repaint()))
    order = [s.id for s in win.forms.steps][1:] + [win.forms.steps[0].id]
    first = {s: switch(s) for s in order}
    again = [switch(s) for _ in range(3) for s in order]
    heaviest = max(first, key=first.get)
    win.close()
    return [
        {"name": f"GUI step switch after first build ({name})", "value": round(statistics.median(again), 1),
         "unit": "ms", "target": "< 50 ms", "detail": f"median of {len(again)} switches; max {max(again):.0f} ms"},
        {"name": f"GUI first build of the heaviest step ({name})", "value": round(first[heaviest]), "unit": "ms",
         "target": "< 200 ms", "detail": f"step '{heaviest}', built on the spot (prebuilding stopped); median "
                                          f"first build {statistics.median(first.values()):.0f} ms"},
    ]


def freeze(name: str, path: Path, tmp: Path) -> dict:
    from PySide6.QtCore import QTimer
    win = _Window(path, tmp, prebuild=True)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    _wait(3000)
    timer.stop()
    gaps = [(b - a) * 1000 for a, b in zip(ticks, ticks[1:])]
    built = len(win.w.pages)
    win.close()
    return {"name": f"GUI longest freeze in the 3 s after opening ({name})", "value": round(max(gaps)),
            "unit": "ms", "target": "< 100 ms",
            "detail": f"longest gap between 5 ms timer ticks while pages are prebuilt in slices and the first "
                      f"checks run; {built} of {len(win.forms.steps)} pages built by then; opening took "
                      f"{win.opened_ms:.0f} ms"}


def edits(name: str, path: Path, tmp: Path) -> list[dict]:
    from atmp_desktop.ui.qt_calls import QtCallCounter
    win = _Window(path, tmp)
    w = win.w
    w.sections_dock.show()
    w.go_to_step("product")
    scalar = w.pages["product"].editors["product.invented_name"]
    times, calls = [], []
    for i in range(EDITS):
        scalar.edit.setText(f"Name {i}")
        with QtCallCounter() as counter:
            times.append(_ms(scalar.commit))
        calls.append(counter.calls)
    w.go_to_step("quality")
    table = w.pages["quality"].editors["quality.batch_analyses"]
    rows = table.model.rowCount()
    cell_times, cell_calls = [], []
    for i in range(EDITS):
        index = table.model.index(i % max(rows, 1), 0)
        with QtCallCounter() as counter:
            cell_times.append(_ms(lambda: table.model.setData(index, f"B-{i}")))
        cell_calls.append(counter.calls)
    win.close()

    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]
    out = []
    for kind, t, c, what in (("scalar", times, calls, "a text field"),
                             ("cell", cell_times, cell_calls, f"a cell of the batch table ({rows} rows)")):
        out.append({"name": f"GUI {kind} edit through the window, p50 / p99 ({name})",
                    "value": f"{pct(t, .5):.1f} / {pct(t, .99):.1f}", "unit": "ms", "target": "p99 < 10 ms",
                    "detail": f"{EDITS} edits of {what}: write, change-set refresh of editors, navigator and "
                              "Sections dock (shown); the findings follow after their debounce"})
        out.append({"name": f"GUI Qt calls per {kind} edit ({name})", "value": round(statistics.median(c)),
                    "unit": "calls", "target": "only what the change set names",
                    "detail": f"median; {QT_CALLS_BEFORE[kind]:,} before the change-set refresh (car-t: every "
                              "page and the whole Sections dock refreshed per edit)"})
    return out


def run() -> list[dict]:
    tmp = _workdir()
    projects = {"car-t": _sample_project("car-t", tmp), "large 1x": _large_project(1, tmp),
                "large 4x": _large_project(4, tmp)}
    rows = startup(projects, tmp)
    for name, path in projects.items():
        rows += steps(name, path, tmp)
        rows.append(freeze(name, path, tmp))
        rows += edits(name, path, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}) — {row['detail']}")
