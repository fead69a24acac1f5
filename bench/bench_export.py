"""Export speed: every document of the largest sample (car-t), per format; median of 3 runs. Target < 2 s."""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

RUNS = 3


def _snapshot():
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample, sample_names
    from atmp_desktop.store import ProjectFile
    name = "car-t" if "car-t" in sample_names() else sample_names()[0]
    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
    path = folder / f"{name}.atmp"
    ProjectFile.create(path, default_forms(), document=load_sample(name)).close()
    with ProjectFile.open(path, default_forms(), read_only=True) as pf:
        return name, pf.snapshot()


def run() -> list[dict]:
    from atmp_desktop.core.documents import DOCUMENTS
    from atmp_desktop.export.api import export_documents
    name, snap = _snapshot()
    ids = [d.id for d in DOCUMENTS]
    rows = []
    for fmt in ("docx", "pdf"):
        times = []
        pages = 0
        for _ in range(RUNS):
            out = Path(tempfile.mkdtemp(prefix=f"bench-{fmt}-"))
            start = time.perf_counter()
            result = export_documents(snap, ids, out, formats=(fmt,))
            times.append(time.perf_counter() - start)
            pages = len(result.paths)
        rows.append({
            "name": f"export all documents of '{name}' as {fmt.upper()}",
            "value": round(statistics.median(times), 2), "unit": "s", "target": "< 2 s per format",
            "detail": f"{pages} files incl. {'PDF self-check' if fmt == 'pdf' else 'zip normalisation'}; "
                      f"median of {RUNS}",
        })
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
