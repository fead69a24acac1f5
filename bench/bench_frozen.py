"""The frozen app (PyInstaller onedir, `make dist`): its size on disk and how fast it starts, beside the same
code run from the virtual environment. Skipped when dist/atmp-desktop has not been built.

Start: each run a fresh process; `--version` (the interpreter and CLI start) and the window opening the car-t
sample up to its first paint with the project on screen (ATMP_DESKTOP_QUIT_AFTER_OPEN ends it there, once the
document definitions have loaded on the turn after).
Frozen and venv runs alternate, 5 each; medians and their ratio are reported.
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
FROZEN = ROOT / "dist" / "atmp-desktop" / "atmp-desktop"
RUNS = 5


def _size(folder: Path) -> tuple[float, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]  # as `du` counts
    return sum(p.stat().st_size for p in files) / 1e6, len(files)


def _time(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=120)
    return (time.perf_counter() - start) * 1000


def _pair(frozen: list[str], venv: list[str], env: dict) -> tuple[float, float]:
    a, b = [], []
    for _ in range(RUNS):
        a.append(_time(frozen, env))
        b.append(_time(venv, env))
    return statistics.median(a), statistics.median(b)


def run() -> list[dict]:
    if not FROZEN.exists():
        return [{"name": "frozen app (make dist)", "value": "not built", "unit": "", "target": "",
                 "detail": "run `make dist` first"}]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
    mb, n = _size(FROZEN.parent)
    rows = [{"name": "frozen app size (dist/atmp-desktop, onedir)", "value": f"{mb:.0f}", "unit": "MB",
             "target": "< 300 MB", "detail": f"{n} files; PySide6/Qt is about 100 MB of it"}]
    fv, vv = _pair([str(FROZEN), "--version"], [sys.executable, "-m", "atmp_desktop", "--version"], env)
    rows.append({"name": "frozen app start: --version", "value": f"{fv:.0f}", "unit": "ms", "target": "< 1 s",
                 "detail": f"venv {vv:.0f} ms; ratio {fv / vv:.2f}× (the PyInstaller bootloader starts itself twice "
                           f"on Linux and loads its own libpython); median of {RUNS} interleaved launches each"})
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "car-t.atmp"
        subprocess.run([str(FROZEN), "new", str(project), "--sample", "car-t"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        genv = {**env, "ATMP_DESKTOP_QUIT_AFTER_OPEN": "1", "HOME": tmp}
        fg, vg = _pair([str(FROZEN), "gui", str(project)], [sys.executable, "-m", "atmp_desktop", "gui", str(project)],
                       genv)
    rows.append({"name": "frozen app start: window with car-t open", "value": f"{fg:.0f}", "unit": "ms",
                 "target": "≤ 1.5× venv",
                 "detail": f"venv {vg:.0f} ms; ratio {fg / vg:.2f}×; launch to first paint with the project, "
                           f"offscreen; median of {RUNS} interleaved launches each"})
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
