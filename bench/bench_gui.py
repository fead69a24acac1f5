"""GUI speed: time to first paint of the main window on the car-t sample vs a bare PySide6 QMainWindow, and
step switching on the largest sample.

First paint: each run is a fresh Python process, timed from launch until the window's first paint event has
been processed (so interpreter start-up and the PySide6 import are in both numbers). Runs alternate
app / bare, 5 of each, and the medians are compared. Step switching: the time from asking for a step until
the window has repainted, over every step, first visit (page built then) and revisit.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5

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
from PySide6.QtWidgets import QApplication
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


def _sample_project(name: str, folder: Path) -> Path:
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile
    path = folder / f"{name}.atmp"
    ProjectFile.create(path, default_forms(), document=load_sample(name), overwrite=True).close()
    return path


def _largest_sample() -> str:
    import json
    from atmp_desktop.samples import load_sample, sample_names
    return max(sample_names(), key=lambda n: len(json.dumps(load_sample(n).get("data", {}))))


def first_paint() -> list[dict]:
    tmp = Path(tempfile.mkdtemp(prefix="atmp-bench-"))
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), HOME=str(tmp),
               XDG_CONFIG_HOME=str(tmp / ".config"), PYTHONPATH=str(ROOT))
    project = _sample_project("car-t", tmp)
    bare, window, loaded = [], [], []
    _time_run(BARE, [], env)  # warm the OS file cache once for both
    _time_run(APP, [str(project)], env)
    for _ in range(RUNS):
        bare.append(_time_run(BARE, [], env)[1])
        w, p = _time_run(APP, [str(project)], env)
        window.append(w)
        loaded.append(p)
    b, w, p = statistics.median(bare), statistics.median(window), statistics.median(loaded)
    return [
        {"name": "GUI first paint of the window (atmp-desktop gui car-t.atmp)", "value": round(w), "unit": "ms",
         "target": "≤ 1.5× bare",
         "detail": f"bare PySide6 QMainWindow {round(b)} ms; ratio {w / b:.2f}×; median of {RUNS} interleaved "
                   "process launches each, from launch to paint"},
        {"name": "GUI first paint with the car-t project on screen", "value": round(p), "unit": "ms",
         "target": "≤ 1.5× bare", "detail": f"ratio {p / b:.2f}× bare ({round(b)} ms); includes reading the "
                                          "project and building the first step page"},
    ]


def step_switching() -> list[dict]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.main_window import MainWindow
    from atmp_desktop.ui.settings import Settings

    make_app()
    tmp = Path(tempfile.mkdtemp(prefix="atmp-bench-"))
    name = _largest_sample()
    project = _sample_project(name, tmp)
    forms = default_forms()
    w = MainWindow(forms, Settings(QSettings(str(tmp / "s.ini"), QSettings.IniFormat)))
    w.resize(1280, 820)
    w.show()
    w.open_path(project)
    w._prebuild.stop()  # measure the worst case: the page is built on the first visit

    def switch(step_id: str) -> float:
        start = time.perf_counter()
        w.go_to_step(step_id)
        w.repaint()
        return (time.perf_counter() - start) * 1000

    order = [s.id for s in forms.steps][1:] + [forms.steps[0].id]
    first = [switch(s) for s in order]
    again = [switch(s) for s in order]
    w.close_project()
    w.close()
    return [
        {"name": f"GUI step switch, revisit ({name})", "value": round(statistics.median(again), 1), "unit": "ms",
         "target": "< 50 ms", "detail": f"median over {len(again)} steps; max {max(again):.0f} ms; pages are "
                                        "prebuilt in idle time after opening, so this is the usual case"},
        {"name": f"GUI step switch, first visit ({name})", "value": round(statistics.median(first), 1),
         "unit": "ms", "target": "< 50 ms",
         "detail": f"median over {len(first)} steps with the page built on the spot (prebuilding stopped); "
                   f"max {max(first):.0f} ms"},
    ]


def run() -> list[dict]:
    return first_paint() + step_switching()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    for row in run():
        print(f"{row['name']}: {row['value']} {row['unit']} (target {row['target']}) — {row['detail']}")
