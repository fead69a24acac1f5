"""What the benchmark scripts share: the projects they measure, child processes timed by the kernel's own
accounting, percentiles and memory figures.

Every measurement runs in a fresh child process (a user's cold start; memory of one measurement never leaks
into the next), and `bench/run.py` interleaves the children of all projects and of the peers, round after
round, so a change in the machine's load hits every column alike. A child prints its figures as one line
`BENCH-RESULT {json}`; the parent adds wall time, CPU time (user + system, from wait4) and peak RSS.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

# the projects of issue 14's table: the car-t sample and the large generated project at 1x, 2x and 4x
PROJECTS = ("car-t", "1x", "2x", "4x")
RESULT_MARK = "BENCH-RESULT "


def scale_of(name: str) -> int | None:
    return None if name == "car-t" else int(name.rstrip("x"))


def make_projects(folder: Path, names=PROJECTS) -> dict[str, dict]:
    """Create each project through the public JSON import, in a child process each; returns {name: {path,
    import_s, table_rows, words, bytes}}. Not in this process: a child's peak RSS (ru_maxrss from wait4)
    starts from the RSS of the process that started it, and the 4x document alone is 150 MB."""
    out = {}
    for name in names:
        path = folder / f"{name}.atmp"
        run = run_child([sys.executable, str(Path(__file__).resolve()), "make", name, str(path)])
        out[name] = {"path": str(path), **run["result"], "bytes": path.stat().st_size}
    return out


def _make_one(name: str, path: Path) -> dict:
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile
    from make_large import counts, make_document
    scale = scale_of(name)
    doc = load_sample("car-t") if scale is None else make_document(scale)
    t = time.perf_counter()
    ProjectFile.create(path, default_forms(), document=doc, overwrite=True).close()
    return {"import_s": time.perf_counter() - t, **counts(doc)}


def child_env(home: Path) -> dict:
    """The environment of a child: offscreen Qt, its own settings folder, this checkout first on the path."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), HOME=str(home),
               XDG_CONFIG_HOME=str(home / ".config"), PYTHONPATH=str(ROOT))
    env.pop("PYTHONSTARTUP", None)
    return env


def run_child(cmd: list[str], env: dict | None = None, timeout: float = 1800, stop_at: str | None = None
              ) -> dict:
    """Run one child process: {'wall': s, 'cpu': s (user+sys of it and its waited-for children),
    'rss_mb': peak, 'result': its BENCH-RESULT dict or {}, 'marks': {line: s since start}, 'load': 1-min load
    average when it started}. `stop_at`: a line after which the child is not waited for any longer (its
    first paint)."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    errors = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a chatty child never blocks
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, env=env, cwd=ROOT, text=True)
    result: dict = {}
    marks: dict[str, float] = {}
    for line in proc.stdout:
        line = line.rstrip("\n")
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK):])
        elif line and len(marks) < 50:
            marks.setdefault(line.strip(), time.perf_counter() - start)
        if stop_at and stop_at in marks:
            break
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = status  # reaped here; keeps Popen from waiting again
    proc.stdout.close()
    errors.seek(0)
    err = errors.read()
    errors.close()
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1) and not (stop_at and stop_at in marks):
        raise RuntimeError(f"{' '.join(map(str, cmd[:6]))} ... ended with {code}: {err.strip()[-600:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "result": result, "marks": marks, "load": load, "code": code,
            "read_mb": usage.ru_inblock * 512 / 1e6, "major_faults": usage.ru_majflt}  # from disk, not the cache


def emit(result: dict) -> None:
    """A child's figures, for run_child."""
    print(RESULT_MARK + json.dumps(result), flush=True)


def pct(values, q: float) -> float:
    """The q-quantile (nearest rank) of values; 0.5 = median, 0.99 = p99."""
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))]


def rss_mb() -> float:
    """This process's resident memory now (VmRSS), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Wall and CPU time (this thread) of a block, in ms: `with Clock() as c: ...; c.wall, c.cpu`."""

    def __enter__(self):
        self._w, self._c = time.perf_counter(), time.thread_time()
        return self

    def __exit__(self, *exc):
        self.wall = (time.perf_counter() - self._w) * 1e3
        self.cpu = (time.thread_time() - self._c) * 1e3
        return False


if __name__ == "__main__":  # python bench/common.py make NAME PATH: one project of make_projects
    if sys.argv[1:2] == ["make"]:
        emit(_make_one(sys.argv[2], Path(sys.argv[3])))
