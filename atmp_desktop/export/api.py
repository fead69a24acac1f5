"""The export entry point used by the GUI and the CLI: build each document once, write it in each format,
check every PDF, report progress and stop between files when cancelled.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from atmp_desktop.core.documents import DocumentSpec, all_documents, applicable_documents, document
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.export import builders, leaves
from atmp_desktop.export.leaves import Leaf
from atmp_desktop.export.errors import ExportError
from atmp_desktop.export.pdf_check import check_pdf, name_problems

FORMATS = ("docx", "pdf")
LAYOUTS = ("flat", "ectd", "ctis")
MAX_NAME = 64


@dataclass
class ExportResult:
    paths: list[Path] = field(default_factory=list)
    checks: dict[Path, list[tuple[str, bool, str]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False


def slug(text: str, limit: int = 40) -> str:
    """eCTD-safe name part: lowercase a-z, 0-9 and single hyphens."""
    s = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    if len(s) > limit:  # cut at a word boundary when one is reasonably close
        cut = s[:limit + 1].rfind("-")
        s = s[:cut] if cut > limit // 2 else s[:limit]
    return s.rstrip("-") or "item"


def resolve_ids(snap: ProjectSnapshot, doc_ids: list[str]) -> list[DocumentSpec]:
    specs: list[DocumentSpec] = []
    for doc_id in doc_ids or ["all"]:
        if doc_id == "all":
            batch = applicable_documents(snap)
        else:
            try:
                batch = [document(doc_id)]
            except KeyError:
                known = ", ".join(d.id for d in all_documents())
                raise ExportError(f"There is no document '{doc_id}'; choose one of: all, {known}.") from None
        specs += [s for s in batch if s not in specs]
    return specs


def ectd_location(spec: DocumentSpec, snap: ProjectSnapshot, base: bool = False) -> tuple[str, str]:
    """(folder, file stem) of a document in the eCTD layout, from its definition: the first variant whose
    condition holds (with `base`, the unconditional last one, which leaf folders are relative to), with
    `{part}` names filled from the project (verification notes §2)."""
    path = spec.ectd[-1] if base else \
        next(p for p in spec.ectd if p.applies_when is None or p.applies_when.evaluate(snap.get))
    values = {}
    for name, part in spec.ectd_parts.items():
        found = next((snap.get(p) for p in part.get("first_of") or [] if snap.get(p)), None)
        values[name] = slug(found or part["default"], 30)
    folder = "/".join(slug(seg.format(**values), MAX_NAME) if "{" in seg else seg for seg in path.folder.split("/"))
    return folder, path.file


def ctis_location(spec: DocumentSpec) -> str | None:
    """The CTIS layout (docs/clinical-trial-definitions.md §6): ctis/part-i/<placeholder> for a document with a
    placeholder, reports/<file> for the app's own lists (readiness, CTIS contents, PSF), None for the others."""
    if spec.ctis:
        return f"ctis/part-{spec.ctis['part'].lower()}/{spec.ctis['placeholder']}"
    if spec.namespace == "report":
        return f"reports/{slug(spec.ectd_file or spec.id, MAX_NAME - 5)}"
    return None


def relative_path(spec: DocumentSpec, snap: ProjectSnapshot, layout: str, ext: str) -> Path:
    """Where a document goes: flat names, the eCTD folder tree, or the CTIS placeholders."""
    if layout == "ctis" and ctis_location(spec):
        return Path(f"{ctis_location(spec)}.{ext}")
    if layout == "flat":
        stem = spec.id if spec.ectd_file in spec.id else f"{spec.id}-{spec.ectd_file}"
        return Path(f"{slug(stem, MAX_NAME - len(ext) - 1)}.{ext}")
    folder, stem = ectd_location(spec, snap)
    return Path(folder) / f"{slug(stem, MAX_NAME - len(ext) - 1)}.{ext}"


def export_documents(snap: ProjectSnapshot, doc_ids: list[str], out_dir: Path, formats=("docx", "pdf"),
                     template: Path | None = None, layout: str = "flat",
                     progress: Callable[[int, int, str], None] | None = None,
                     should_cancel: Callable[[], bool] | None = None, watermark: bool | None = None,
                     workers: int = 1) -> ExportResult:
    """Write the documents; raises ExportError for problems the user can fix (nothing written then).
    `workers` > 1 (or 0: one per processor) writes the files in that many forked processes when that is safe
    (see `worker_count`); the files are the same bytes either way."""
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.core.project import effective_snapshot

    snap = effective_snapshot(default_forms(), snap)  # what the writer cannot see is not exported either
    formats = tuple(dict.fromkeys(formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ExportError(f"Unknown format '{(bad or [''])[0]}'; use docx, pdf or both.")
    if layout not in LAYOUTS:
        raise ExportError(f"Unknown layout '{layout}'; use flat, ectd or ctis.")
    specs = resolve_ids(snap, doc_ids)
    if template is not None and "docx" in formats:
        from atmp_desktop.export.docx_writer import open_template
        open_template(Path(template))  # lint the template before writing anything
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"Cannot create the output folder '{out_dir}' ({exc.strerror}); choose another folder.") \
            from None
    with builders.one_export(snap):
        return _export(snap, specs, out_dir, formats, template, layout, progress, should_cancel, watermark, workers)


def _export(snap, specs, out_dir, formats, template, layout, progress, should_cancel, watermark,
            workers: int = 1) -> ExportResult:
    from atmp_desktop.export.docx_writer import DocxWriter
    from atmp_desktop.export.pdf_writer import PdfWriter

    writers = {"docx": DocxWriter(template), "pdf": PdfWriter(watermark)}
    result = ExportResult()
    files: list[Leaf] = []
    for spec in specs:
        doc = builders.build(spec.id, snap)
        result.warnings += doc.warnings
        if layout == "ctis" and ctis_location(spec) is None:
            result.warnings.append(f"{spec.title}: no CTIS placeholder (a marketing-authorisation document); not "
                                   "written in the CTIS layout. Export it with the flat or eCTD layout.")
            continue
        if layout == "ectd":
            files += leaves.cut(spec, doc, snap, ectd_location(spec, snap, base=True)[0],
                                ectd_location(spec, snap)[1], whole=ectd_location(spec, snap)[0])
        else:
            files.append(Leaf(spec.id, relative_path(spec, snap, layout, "x").as_posix()[:-2], spec.ctd_code, doc))
    result.warnings += leaves.link(files)
    if "pdf" in formats:
        result.warnings += glyph_warnings(snap)
    jobs: list[tuple[Leaf, str, Path]] = []
    for leaf in files:
        for fmt in formats:
            # eCTD: the Word sources sit in their own word/ tree mirroring the PDFs, outside the submission
            rel = f"word/{leaf.rel}" if layout == "ectd" and fmt == "docx" else leaf.rel
            jobs.append((leaf, fmt, out_dir / f"{rel}.{fmt}"))
    n = worker_count(workers, len(jobs))
    written = _write_parallel(jobs, writers, snap, result, n, progress, should_cancel) if n > 1 else \
        _write_serial(jobs, writers, snap, result, progress, should_cancel)
    if result.cancelled:
        return result
    if layout == "ectd":
        result.warnings += name_problems([p.relative_to(out_dir).as_posix() for p, _, _ in written])
    if layout in ("ectd", "ctis"):
        result.paths += write_manifest(out_dir, written)
    if progress is not None:
        progress(len(jobs), len(jobs), "Done")
    return result


def _write_serial(jobs, writers, snap, result: ExportResult, progress, should_cancel) -> list:
    written: list[tuple[Path, Leaf, str]] = []
    for done, (leaf, fmt, target) in enumerate(jobs):
        if should_cancel is not None and should_cancel():
            result.cancelled = True
            return written
        if progress is not None:
            progress(done, len(jobs), f"Writing {leaf.doc.meta.title} ({fmt.upper()})")
        result.warnings += _write(writers[fmt], leaf.doc, target, snap)
        result.paths.append(target)
        written.append((target, leaf, fmt))
        if fmt == "pdf":
            result.checks[target] = check_pdf(target)
    return written


# ---------------------------------------------------------------------------- files written in parallel
# The document models are built once in the exporting process; forked workers inherit them (no pickling, no
# second build) and each writes and checks whole files. Fork is safe only in a process that runs no other
# thread (the window exports on a worker thread, so it writes in turn); the files are the same bytes.
_FORKED: dict = {}   # what the workers of the running export inherit: jobs, writers, snapshot


def worker_count(requested: int, jobs: int) -> int:
    """How many processes write the files: `requested` (0 = one per processor the process may use), at most
    one per file, and 1 where forking is not safe (not Linux, or other threads running)."""
    import multiprocessing
    import sys
    import threading
    if requested == 1 or jobs < 2:
        return 1
    # fork only on Linux: macOS offers it but its system libraries are not fork-safe (Python spawns there)
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods() \
            or threading.active_count() > 1:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(requested or cpus, jobs, 8))


def _cost(job) -> int:
    """A rough cost of writing a file (table cells, paragraphs, figures): the largest files start first so
    that the workers finish together."""
    from atmp_desktop.export import model as m
    leaf, fmt, _target = job
    cost = 0
    for b in leaf.doc.blocks:
        if isinstance(b, m.Table):
            cost += len(b.rows) * max(1, len(b.header))
        elif isinstance(b, m.Figure):
            cost += 400
        else:
            cost += 10
    return cost * (3 if fmt == "pdf" else 2)


def _before_forking(jobs) -> None:
    """Load once here what every worker would load for itself (the workers share these pages)."""
    from atmp_desktop.export import model as m
    if any(fmt == "docx" and isinstance(b, m.Figure) and b.kind == "svg" for leaf, fmt, _ in jobs
           for b in leaf.doc.blocks):
        try:
            import cairosvg  # noqa: F401  (0.2 s to import: Word's PNG of an SVG figure)
        except (ImportError, OSError):
            pass   # the writer reports it per figure


def _forked_job(i: int):
    leaf, fmt, target = _FORKED["jobs"][i]
    warnings = _write(_FORKED["writers"][fmt], leaf.doc, target, _FORKED["snap"])
    return warnings, (check_pdf(target) if fmt == "pdf" else None)


def _write_parallel(jobs, writers, snap, result: ExportResult, n: int, progress, should_cancel) -> list:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool
    order = sorted(range(len(jobs)), key=lambda i: -_cost(jobs[i]))
    outcome: dict[int, tuple] = {}
    _before_forking(jobs)
    _FORKED.update(jobs=jobs, writers=writers, snap=snap)
    pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"))
    waiting = list(order)
    pending: dict = {}
    try:
        # At most n files in flight, each started only after a cancel check: the executor would otherwise queue
        # n + 1 jobs to its workers at once, and those can no longer be cancelled (a cancelled export went on
        # writing files the user had stopped).
        while (waiting and not result.cancelled) or pending:
            while waiting and len(pending) < n and not result.cancelled:
                if should_cancel is not None and should_cancel():
                    result.cancelled = True
                    break
                i = waiting.pop(0)
                pending[pool.submit(_forked_job, i)] = i
            if progress is not None and pending:
                leaf, fmt, _t = jobs[min(pending.values())]
                progress(len(outcome), len(jobs), f"Writing {leaf.doc.meta.title} ({fmt.upper()})")
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                outcome[pending.pop(future)] = future.result()  # an ExportError of a worker is raised here
    except BrokenProcessPool:  # a worker died (killed, out of memory): write what is left here, in turn
        for i in order:
            if i not in outcome and not (result.cancelled and i in waiting):   # never start what was cancelled
                leaf, fmt, target = jobs[i]
                outcome[i] = (_write(writers[fmt], leaf.doc, target, snap),
                              check_pdf(target) if fmt == "pdf" else None)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _FORKED.clear()
    written: list[tuple[Path, Leaf, str]] = []
    for i in sorted(outcome):   # in the order a serial export lists them
        leaf, fmt, target = jobs[i]
        warnings, checks = outcome[i]
        result.warnings += warnings
        result.paths.append(target)
        written.append((target, leaf, fmt))
        if checks is not None:
            result.checks[target] = checks
    return written


def glyph_warnings(snap: ProjectSnapshot, limit: int = 8) -> list[str]:
    """Characters no bundled font can draw, by field: the PDF shows their code ("[U+1D6FC]") instead of a
    box, and the writer is told where they are (Word keeps them; its fonts may have them)."""
    from atmp_desktop.export.layout import missing_glyphs
    found: dict[str, list[str]] = {}

    def scan(path: str, value) -> None:
        if isinstance(value, str):
            if not value.isascii():
                for ch in missing_glyphs(value):
                    chars = found.setdefault(path, [])
                    if ch not in chars:
                        chars.append(ch)
        elif isinstance(value, list):
            for i, row in enumerate(value):
                for col, cell in (row.items() if isinstance(row, dict) else ()):
                    # most cells are ASCII text or numbers: no call for them (15,000 rows at large 1x)
                    if not (isinstance(cell, str) and cell.isascii()) and isinstance(cell, (str, list, dict)):
                        scan(f"{path}[{i}].{col}", cell)
        elif isinstance(value, dict):
            for v in value.values():
                scan(path, v)

    for step, fields in snap.values.items():
        for name, value in fields.items():
            scan(f"{step}.{name}", value)
    out = []
    for path, chars in list(found.items())[:limit]:
        shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in chars[:4])
        out.append(f"{path} holds {shown}, which the bundled PDF font cannot print; the PDF shows the character "
                   f"code instead (for example [U+{ord(chars[0]):04X}]). Use a common character or check the "
                   f"text.")
    if len(found) > limit:
        out.append(f"{len(found) - limit} more field(s) hold characters the bundled PDF font cannot print.")
    return out


MANIFEST_FIELDS = ("file", "format", "ctd_section", "leaf_title", "size", "md5")


def write_manifest(out_dir: Path, written) -> list[Path]:
    """manifest.csv and manifest.json beside the tree: one row per file for the publisher's import."""
    import csv
    import hashlib
    import io
    import json
    rows = []
    for path, leaf, fmt in sorted(written, key=lambda w: w[0].relative_to(out_dir).as_posix()):
        data = path.read_bytes()
        rows.append({"file": path.relative_to(out_dir).as_posix(), "format": fmt, "ctd_section": leaf.code,
                     "leaf_title": leaf.doc.meta.title, "size": len(data), "md5": hashlib.md5(data).hexdigest()})
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    out = []
    for name, text in (("manifest.csv", buf.getvalue()),
                       ("manifest.json", json.dumps({"files": rows}, indent=1, ensure_ascii=False) + "\n")):
        target = out_dir / name
        tmp = target.with_name(f".~{name}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
        out.append(target)
    return out


def _write(writer, doc, target: Path, snap: ProjectSnapshot) -> list[str]:
    """Write through a temporary name so a failed or cancelled export never leaves half a file."""
    tmp = target.with_name(f".~{target.name}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".docx":
            warnings = writer.write(doc, tmp, str(snap.meta.get("created", "")), str(snap.meta.get("modified", "")),
                                    label=target.name)
        else:
            warnings = writer.write(doc, tmp, label=target.name)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"Cannot write '{target}' ({exc.strerror or exc}); check the folder is writable and the "
                          f"file is not open in another program.") from None
    return warnings
