"""The allocator tuning (atmp_desktop/allocator.py): on glibc, an edit of a large table reuses freed memory
instead of taking fresh pages from the system, and the window tunes once its project is on screen."""
import subprocess
import sys

import pytest

from atmp_desktop import allocator

_EDITS = r"""
import resource, sys
from atmp_desktop import allocator
if sys.argv[1] == "tune":
    assert allocator.tune()
from atmp_desktop.store.rows import Table
n = 30000  # the batch results of the large project at 4x
cur = Table([f"r{i:08x}" for i in range(n)], [i * 1024 for i in range(n)], [{"a": i} for i in range(n)])
cur.index
for i in range(120):  # what a result typed into the results sheet does to its table: copy, append, drop the old
    if i == 20:
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t = cur.copy()
    t.insert(len(t), [{"a": 1}], [f"x{i}"])
    cur = t
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start) / 100)
"""


def _faults_per_edit(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", _EDITS, mode], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return float(out.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator is what is tuned")
def test_edits_of_a_large_table_take_no_fresh_pages_once_tuned():
    tuned = _faults_per_edit("tune")
    untuned = _faults_per_edit("as-is")
    assert tuned < 5, (tuned, untuned)  # glibc as it starts: ~140 page faults per edit (fresh 240 KB lists)


def test_the_window_tunes_once_its_project_is_on_screen(sample_project, monkeypatch, qtbot):
    from atmp_desktop.ui import main_window
    calls = []
    monkeypatch.setattr(allocator, "tune", lambda: calls.append(True) or True)
    w = main_window.MainWindow()
    qtbot.addWidget(w)
    w.show()
    assert w.open_path(str(sample_project("car-t")))
    assert calls == []  # not while opening: the first paint does not wait for ctypes
    qtbot.waitUntil(lambda: calls == [True], timeout=5000)
    w.close_project()
