"""Run every bench/bench_*.py and write the results to docs/benchmarks.md.

Each bench module exposes `run() -> list[dict]` with keys: name, value, unit, target (text), detail (text).
Benchmarks measure; they never fail the build. Targets live here, not in unit tests.
"""
from __future__ import annotations

import datetime as _dt
import importlib.util
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    rows: list[dict] = []
    for path in sorted((ROOT / "bench").glob("bench_*.py")):
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
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("wrote docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
