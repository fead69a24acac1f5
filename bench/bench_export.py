"""Export speed, growth and memory (issue 14): every document of car-t and of the large generated project at
1x and 4x (bench/make_large.py), to .docx and to .pdf, each in its own process (cold, as a user runs it), with
LibreOffice converting our .docx of the same project as the peer in the same run. Runs are interleaved
(docx, pdf, LibreOffice, docx, pdf, ...) and medians reported; peak RSS per export from wait4().

Targets (2-core machine, large 1x): .docx within 5 s and .pdf within 5 s, our PDF at least 3x faster than
LibreOffice, growth 1x -> 4x at most 4.5x, peak RSS of any export under 400 MB at 4x.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_EXPORT_RUNS", "3"))
SCALES = (1, 4)


def _project(name: str, folder: Path) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from make_large import make_project
    if name == "car-t":
        from atmp_desktop.core.forms import default_forms
        from atmp_desktop.samples import load_sample
        from atmp_desktop.store import ProjectFile
        path = folder / "car-t.atmp"
        ProjectFile.create(path, default_forms(), document=load_sample("car-t"), overwrite=True).close()
        return path
    return make_project(folder / f"{name}.atmp", int(name[:-1]))


def _timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1 = a check failed; still a full export
        raise RuntimeError(f"{' '.join(cmd)} failed")
    return wall, usage.ru_maxrss / 1024


def _export(project: Path, out: Path, fmt: str) -> list[str]:
    return [sys.executable, "-m", "atmp_desktop", "export", str(project), "--out", str(out), "--format", fmt]


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _pages(folder: Path) -> int:
    from pypdf import PdfReader
    return sum(len(PdfReader(str(p)).pages) for p in folder.rglob("*.pdf"))


def measure(name: str, work: Path) -> dict:
    project = _project(name, work)
    times: dict[str, list[float]] = {"docx": [], "pdf": [], "lo": []}
    rss: dict[str, float] = {"docx": 0.0, "pdf": 0.0}
    soffice = _soffice()
    lo_profile = work / "lo-profile"
    docx_dir = work / f"{name}-docx"
    _timed(_export(project, docx_dir, "docx"))  # the .docx LibreOffice converts
    docs = sorted(str(p) for p in docx_dir.glob("*.docx"))
    for run in range(RUNS):
        for fmt in ("docx", "pdf"):
            out = work / f"{name}-{fmt}-{run}"
            wall, peak = _timed(_export(project, out, fmt))
            times[fmt].append(wall)
            rss[fmt] = max(rss[fmt], peak)
        if soffice:
            out = work / f"{name}-lo-{run}"
            wall, _ = _timed([soffice, f"-env:UserInstallation=file://{lo_profile}", "--headless",
                              "--convert-to", "pdf", "--outdir", str(out)] + docs)
            times["lo"].append(wall)
    ours_pages = _pages(work / f"{name}-pdf-0")
    lo_pages = _pages(work / f"{name}-lo-0") if soffice else 0
    med = {k: statistics.median(v) if v else None for k, v in times.items()}
    return {"name": name, "median": med, "rss": rss, "pages": ours_pages, "lo_pages": lo_pages,
            "files": len(docs)}


def run() -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    results = {name: measure(name, work) for name in ["car-t"] + [f"{s}x" for s in SCALES]}
    rows = []
    for name, r in results.items():
        med = r["median"]
        label = "car-t sample" if name == "car-t" else f"large project {name}"
        target = "< 5 s at 1x" if name == "1x" else ""
        rows.append({"name": f"export all documents of the {label} as DOCX", "value": round(med["docx"], 2),
                     "unit": "s", "target": target,
                     "detail": f"{r['files']} files; peak RSS {r['rss']['docx']:.0f} MB; median of {RUNS} "
                               f"interleaved process runs"})
        ratio = f"; LibreOffice converting our .docx: {med['lo']:.2f} s, {r['lo_pages']} pages " \
                f"(ours {med['lo'] / med['pdf']:.1f}x faster)" if med["lo"] else "; LibreOffice not installed"
        rows.append({"name": f"export all documents of the {label} as PDF", "value": round(med["pdf"], 2),
                     "unit": "s", "target": (target + "; ≥ 3x faster than LibreOffice").lstrip("; "),
                     "detail": f"{r['pages']} pages incl. the PDF self-check; peak RSS {r['rss']['pdf']:.0f} MB"
                               f"{ratio}; median of {RUNS}"})
    if "1x" in results and "4x" in results:
        for fmt in ("docx", "pdf"):
            growth = results["4x"]["median"][fmt] / results["1x"]["median"][fmt]
            rows.append({"name": f"growth of the {fmt.upper()} export, large 1x -> 4x", "value": round(growth, 2),
                         "unit": "x", "target": "≤ 4.5x",
                         "detail": f"{results['1x']['median'][fmt]:.2f} s -> {results['4x']['median'][fmt]:.2f} s"})
        peak = max(results["4x"]["rss"].values())
        rows.append({"name": "peak RSS of any export at 4x", "value": round(peak), "unit": "MB", "target": "< 400 MB",
                     "detail": f"docx {results['4x']['rss']['docx']:.0f} MB, pdf {results['4x']['rss']['pdf']:.0f} MB"})
    shutil.rmtree(work, ignore_errors=True)
    return rows


if __name__ == "__main__":
    for r in run():
        print(r)
