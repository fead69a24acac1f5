"""Sharing at dossier scale, in one child process per project and round (run by bench/run.py): make a
milestone, compare it with the project, prepare and take a merge of a colleague's copy.

The project file is copied, a milestone made, and the copy sent to a colleague; each side then edits a cell
of the same row (one conflict), the colleague adds 50 result rows, and our side moves 100 rows of the biggest
table. Figures: wall and CPU time (this thread) of each of the four operations, in seconds; compare and
prepare change nothing, so each is run REPEAT times and the median taken (the first run beside it).

    python bench/bench_share.py PROJECT.atmp
"""
from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Clock, emit  # noqa: E402

OPERATIONS = ("milestone", "diff", "prepare", "apply")
REPEAT = 3   # runs of each read-only operation (compare, prepare): the median is the figure


def measure(project: Path) -> dict:
    from atmp_desktop.core.diff import compare
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.store import MoveRows, ProjectFile, SetCell
    from atmp_desktop.store.merging import prepare_merge
    forms = default_forms()
    out: dict = {}

    def timed(name, fn, repeat=1):
        """The figure of one run; of a read-only operation, the median of `repeat` runs (a single 1x run's CPU
        time swung 0.68-1.13 s between rounds with what the other core ran), the first run's beside it."""
        walls, cpus = [], []
        for _ in range(repeat):
            with Clock() as c:
                value = fn()
            walls.append(c.wall / 1e3)
            cpus.append(c.cpu / 1e3)
        out[f"{name}_s"], out[f"{name}_cpu_s"] = statistics.median(walls), statistics.median(cpus)
        if repeat > 1:
            out[f"{name}_first_s"] = walls[0]
        return value

    with tempfile.TemporaryDirectory() as tmp:
        mine, theirs = Path(tmp) / "mine.atmp", Path(tmp) / "theirs.atmp"
        shutil.copy(project, mine)
        p = ProjectFile.open(mine, forms)
        milestone = timed("milestone", lambda: p.create_milestone("as sent"))
        p.close()
        shutil.copy(mine, theirs)
        with ProjectFile.open(theirs, forms) as c:
            rid = c.snapshot().row_ids("manufacturing.sites")[0]
            c.set_cell("manufacturing.sites", rid, "country", "Austria")
            c.insert_rows("quality.batch_results", 0, [{"result": str(i)} for i in range(50)])
        p = ProjectFile.open(mine, forms)
        try:
            snap = p.snapshot()
            big = max(snap.table_ids, key=lambda k: len(snap.table_ids[k]))
            ids = snap.row_ids(big)
            p.apply([SetCell("manufacturing.sites", rid, "country", "Belgium")] +
                    [MoveRows(big, [ids[-1 - i]], i) for i in range(min(100, len(ids) // 2))], "reorder")
            timed("diff", lambda: compare(forms, p.milestone_snapshot(milestone), p.snapshot()), REPEAT)
            plan = timed("prepare", lambda: prepare_merge(p, theirs), REPEAT)
            timed("apply", lambda: plan.apply(plan.result.decide_all("theirs")))
            out["table_rows"] = sum(len(v) for v in snap.table_ids.values())
        finally:
            p.close()
    return out


if __name__ == "__main__":
    emit(measure(Path(sys.argv[1])))
