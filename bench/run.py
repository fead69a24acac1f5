"""Run every bench/bench_*.py and write the results to docs/benchmarks.md and bench/results.json.

Each bench module exposes `run() -> list[dict]` with keys: name, value, unit, target (text), detail (text).
Benchmarks measure; they never fail the build. Targets live here, not in unit tests.
`BENCH_ONLY=bench_export,bench_gui` runs only those modules and keeps the other modules' last results from
bench/results.json. Notes that belong with the numbers (profiles before and after a fix) live in
bench/notes-*.md and are appended to docs/benchmarks.md.
"""
from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    rows: list[dict] = []
    only = {x.strip() for x in os.environ.get("BENCH_ONLY", "").split(",") if x.strip()}
    results = ROOT / "bench" / "results.json"
    previous = json.loads(results.read_text(encoding="utf-8")).get("rows", []) if only and results.is_file() else []
    for path in sorted((ROOT / "bench").glob("bench_*.py")):
        if only and path.stem not in only:
            rows += [r for r in previous if r.get("bench") == path.name]
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"running {path.name} ...", flush=True)
        for row in module.run():
            row.setdefault("bench", path.name)
            rows.append(row)
            print(f"  {row['name']}: {row['value']} {row['unit']} (target {row.get('target', '-')})", flush=True)
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {_dt.date.today().isoformat()}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}.",
        "Numbers are medians of repeated runs unless the detail says otherwise.",
        "",
        "| benchmark | result | target | detail | script |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['name']} | {r['value']} {r['unit']} | {r.get('target', '')} | {r.get('detail', '')} | "
                     f"`bench/{r['bench']}` |")
    for notes in sorted((ROOT / "bench").glob("notes-*.md")):
        lines += ["", notes.read_text(encoding="utf-8").rstrip()]
    target = ROOT / "docs" / "benchmarks.md"
    kept = _kept_sections(target)  # the soak figures `make soak` wrote
    target.write_text("\n".join(lines) + "\n" + ("\n" + kept + "\n" if kept else ""), encoding="utf-8")
    machine = {"machine": platform.machine(), "cores": os.cpu_count(), "python": platform.python_version(),
               "system": platform.system()}
    results.write_text(json.dumps({"date": _dt.date.today().isoformat(), "machine": machine, "rows": rows},
                                  indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("wrote docs/benchmarks.md and bench/results.json")
    return 0


def _kept_sections(target: Path) -> str:
    """Sections other make targets write (`make soak`: between <!-- soak:begin --> and <!-- soak:end -->)."""
    if not target.exists():
        return ""
    text = target.read_text(encoding="utf-8")
    begin, end = "<!-- soak:begin -->", "<!-- soak:end -->"
    if begin in text and end in text:
        return text[text.index(begin):text.index(end) + len(end)]
    return ""


if __name__ == "__main__":
    sys.exit(main())
