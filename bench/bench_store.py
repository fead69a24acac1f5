"""The store and the checks at scale, in one child process per project (run by bench/run.py):

- open + first snapshot (cold), validate() and the dump of the whole project;
- table-cell edits through the public API (`set_cell` on the largest table, then `snapshot()` as the window
  does): p50 / p99 of wall and CPU time over 500 edits, and the process's RSS after them;
- 100 whole-table writes of one changed cell (`set_value` with the row list: the path of a caller that sends
  whole tables; the store writes the changed row only);
- `--undo N`: the memory held after N further cell edits (tracemalloc: Python heap growth; and RSS growth),
  and the time of one undo read back from the file.

    python bench/bench_store.py PROJECT.atmp [--edits 500] [--undo 10000]
"""
from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Clock, emit, pct, rss_mb  # noqa: E402


def _largest_table(snap, forms) -> tuple[str, str]:
    path = max(snap.table_ids, key=lambda p: len(snap.table_ids[p]))
    col = next(c for c in forms.field(path).columns if c.type in ("text", "long_text"))
    return path, col.id


def measure(project: Path, edits: int, undo: int) -> dict:
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.core.interchange import dumps
    from atmp_desktop.core.project import to_document
    from atmp_desktop.core.validation import validate
    from atmp_desktop.store import ProjectFile
    forms = default_forms()
    out: dict = {}
    with Clock() as c:
        pf = ProjectFile.open(project, forms)
        snap = pf.snapshot()
    out["open_ms"], out["open_cpu_ms"] = c.wall, c.cpu
    try:
        validate(forms, snap)  # warm the rule set's caches
        runs = []
        for _ in range(5):
            with Clock() as c:
                findings = validate(forms, snap)
            runs.append(c)
        out["validate_ms"] = statistics.median(r.wall for r in runs)
        out["validate_cpu_ms"] = statistics.median(r.cpu for r in runs)
        out["findings"] = len(findings)
        with Clock() as c:
            dumps(to_document(snap))
        out["dump_ms"], out["dump_cpu_ms"] = c.wall, c.cpu

        path, col = _largest_table(snap, forms)
        ids = snap.row_ids(path)
        out["table"], out["table_rows"] = path, len(ids)
        gc.collect()
        rss0 = rss_mb()
        wall, cpu = [], []
        for i in range(edits):
            with Clock() as c:
                pf.set_cell(path, ids[(i * 7919) % len(ids)], col, f"value {i}")
                pf.snapshot()
            wall.append(c.wall)
            cpu.append(c.cpu)
        out["cell_p50_ms"], out["cell_p99_ms"] = pct(wall, 0.5), pct(wall, 0.99)
        out["cell_cpu_p50_ms"], out["cell_cpu_p99_ms"] = pct(cpu, 0.5), pct(cpu, 0.99)
        gc.collect()
        out["rss_before_edits_mb"], out["rss_after_edits_mb"] = rss0, rss_mb()
        out["edits"] = edits

        whole = []
        for i in range(100):
            rows = list(pf.snapshot().rows(path))
            j = (i * 31) % len(rows)
            rows[j] = {**rows[j], col: f"whole {i}"}
            with Clock() as c:
                pf.set_value(path, rows)
                pf.snapshot()
            whole.append(c.wall)
        out["whole_p50_ms"], out["whole_p99_ms"] = pct(whole, 0.5), pct(whole, 0.99)
        if undo:
            out.update(_undo_memory(pf, path, col, ids, undo))
    finally:
        pf.close()
    out.update(_disk_floor(project.parent, edits))
    return out


def _disk_floor(folder: Path, n: int) -> dict:
    """The peer of a cell edit: a bare SQLite one-row UPDATE committed in the same journal mode (rollback
    journal, synchronous FULL) on the same disk. Its time is what the disk's fsyncs cost, which no store can
    go below without giving up durability."""
    import sqlite3
    conn = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [("x" * 60,)] * 1000)
    wall = []
    for i in range(n):
        with Clock() as c:
            conn.execute("BEGIN")
            conn.execute("UPDATE t SET v = ? WHERE id = ?", (f"value {i}", i % 1000 + 1))
            conn.execute("COMMIT")
        wall.append(c.wall)
    conn.close()
    return {"floor_p50_ms": pct(wall, 0.5), "floor_p99_ms": pct(wall, 0.99)}


def _undo_memory(pf, path: str, col: str, ids, n: int) -> dict:
    gc.collect()
    rss0 = rss_mb()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t, c = time.perf_counter(), time.process_time()
    for i in range(n):
        pf.set_cell(path, ids[i % len(ids)], col, f"edit {i}")
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    gc.collect()
    held = (tracemalloc.get_traced_memory()[0] - base) / 1e6
    tracemalloc.stop()
    rss = rss_mb() - rss0
    undos = []
    for _ in range(100):
        with Clock() as k:
            pf.undo()
        undos.append(k.wall)
    return {"undo_edits": n, "undo_heap_mb": held, "undo_rss_mb": rss, "undo_edits_s": elapsed,
            "undo_edits_cpu_s": cpu,
            "undo_ms": statistics.median(undos)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project")
    ap.add_argument("--edits", type=int, default=500)
    ap.add_argument("--undo", type=int, default=0)
    args = ap.parse_args()
    # edits change the file: measure a copy, so every round starts from the same project
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        copy = Path(tmp) / Path(args.project).name
        shutil.copyfile(args.project, copy)
        emit(measure(copy, args.edits, args.undo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
