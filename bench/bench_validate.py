"""Validation speed: validate() runs live in the window on every (debounced) edit.

Measures the median of 50 runs of `validate(forms, snapshot)` on the largest sample (car-t). Target < 200 ms.
"""
from __future__ import annotations

import statistics
import time

RUNS = 50


def _snapshot(name: str):
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.core.interchange import check_document
    from atmp_desktop.core.project import ProjectSnapshot
    from atmp_desktop.samples import load_sample
    doc = load_sample(name)
    _, data = check_document(default_forms(), doc)
    return ProjectSnapshot(meta=doc.get("project", {}), values=data, section_status=doc.get("section_status", {}))


def run() -> list[dict]:
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.core.validation import validate
    forms = default_forms()
    try:
        snap, source = _snapshot("car-t"), "sample car-t"
    except KeyError:
        from atmp_desktop.core.project import ProjectSnapshot
        snap, source = ProjectSnapshot(meta={}, values={}), "empty project (car-t sample not found)"
    validate(forms, snap)  # warm caches (labels, regexes)
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        findings = validate(forms, snap)
        times.append((time.perf_counter() - t0) * 1000)
    rows = [{"name": "validate() on the car-t sample", "value": round(statistics.median(times), 2), "unit": "ms",
             "target": "< 200 ms",
             "detail": f"median of {RUNS} runs on {source}; {len(findings)} findings; max {max(times):.1f} ms"}]
    rows.append(_readiness(snap, source))
    return rows


def _readiness(snap, source: str) -> dict:
    """Building the CAT readiness report model (validation + completeness matrix), without writing files."""
    from atmp_desktop.export.builders.cat_readiness import build
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        build(snap)
        times.append((time.perf_counter() - t0) * 1000)
    return {"name": "CAT readiness report model on the car-t sample", "value": round(statistics.median(times), 2),
            "unit": "ms", "target": "< 1000 ms", "detail": f"median of 10 builds on {source}; no file writing"}


if __name__ == "__main__":
    for row in run():
        print(row)
