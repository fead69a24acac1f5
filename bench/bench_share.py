"""Sharing at dossier scale: make a milestone, compare it with the project, prepare and take a merge of a
colleague's copy, on the car-t sample and the large generated project at 1x and 4x (bench/make_large.py).

The copy is the project file copied after a milestone; each side then edits a cell of the same row (one
conflict), the colleague adds 50 result rows and one side moves 100 rows of the biggest table. Medians of 3.
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RUNS = 3


def _timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _case(folder: Path, name: str, scale: int | None) -> dict[str, list[float]]:
    from atmp_desktop.core.diff import compare
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import MoveRows, ProjectFile, SetCell
    from atmp_desktop.store.merging import prepare_merge
    sys.path.insert(0, str(ROOT / "bench"))
    from make_large import make_document
    forms = default_forms()
    times: dict[str, list[float]] = {"milestone": [], "diff": [], "prepare": [], "apply": []}
    doc = make_document(scale) if scale else load_sample("car-t")
    for run in range(RUNS):
        mine, theirs = folder / f"{name}-{run}.atmp", folder / f"{name}-{run}-theirs.atmp"
        p = ProjectFile.create(mine, forms, document=doc)
        t, m = _timed(lambda: p.create_milestone("as sent"))
        times["milestone"].append(t)
        p.close()
        shutil.copy(mine, theirs)
        with ProjectFile.open(theirs, forms) as c:
            snap = c.snapshot()
            rid = snap.row_ids("manufacturing.sites")[0]
            c.set_cell("manufacturing.sites", rid, "country", "Austria")
            c.insert_rows("quality.batch_results", 0, [{"result": str(i)} for i in range(50)])
        p = ProjectFile.open(mine, forms)
        snap = p.snapshot()
        big = max(snap.table_ids, key=lambda k: len(snap.table_ids[k]))
        ids = snap.row_ids(big)
        p.apply([SetCell("manufacturing.sites", rid, "country", "Belgium")] +
                [MoveRows(big, [ids[-1 - i]], i) for i in range(min(100, len(ids) // 2))], "reorder")
        t, _ = _timed(lambda: compare(forms, p.milestone_snapshot(m), p.snapshot()))
        times["diff"].append(t)
        t, plan = _timed(lambda: prepare_merge(p, theirs))
        times["prepare"].append(t)
        t, _ = _timed(lambda: plan.apply(plan.result.decide_all("theirs")))
        times["apply"].append(t)
        p.close()
    rows = sum(len(v) for v in snap.table_ids.values())
    times["rows"] = [rows]
    return times


def run() -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, scale, target in (("car-t", None, 1.0), ("large 1x", 1, 5.0), ("large 4x", 4, 20.0)):
            t = _case(Path(tmp), name.replace(" ", "-"), scale)
            med = {k: statistics.median(v) for k, v in t.items() if k != "rows"}
            detail = (f"{t['rows'][0]:,} table rows; milestone {med['milestone']:.2f} s, compare milestone with now "
                      f"{med['diff']:.2f} s, take the merge {med['apply']:.2f} s; median of {RUNS}")
            out.append({"name": f"prepare a three-way merge, {name}", "value": f"{med['prepare']:.2f}", "unit": "s",
                        "target": f"< {target:g} s", "detail": detail})
    return out


if __name__ == "__main__":
    for r in run():
        print(r)
