"""The reviewer bundle: one zip for a review round.

  pdf/…              every document that applies, as PDF (each checked like any export)
  word/…             the same documents as Word files
  change-report.pdf / .docx   what changed since the chosen milestone
  manifest.json      project, milestone, app version, and every file with its size and SHA-256
  SHA256SUMS         the same checksums in the format `sha256sum -c` reads
  README.txt         what is in the bundle and how to check it

The readiness report is one of the documents (reports/cat-readiness). The zip is written under a temp name
and renamed when complete.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from atmp_desktop import __version__
from atmp_desktop.core.diff import compare
from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.export.errors import ExportError

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"


@dataclass
class BundleResult:
    path: Path
    files: list[dict] = field(default_factory=list)    # manifest entries
    warnings: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    cancelled: bool = False


def write_bundle(forms: FormSet, snap: ProjectSnapshot, since: ProjectSnapshot, since_label: str, out: Path,
                 now_label: str = "the project now", progress: Callable[[int, int, str], None] | None = None,
                 should_cancel: Callable[[], bool] | None = None) -> BundleResult:
    from atmp_desktop.export.api import export_documents
    from atmp_desktop.export.change_report import write_change_report
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise ExportError(f"a reviewer bundle is a .zip file; use '{out.with_suffix('.zip').name}'.")
    if not out.parent.is_dir():
        raise ExportError(f"the folder '{out.parent}' does not exist; choose another place for the bundle.")
    result = BundleResult(out)
    work = Path(tempfile.mkdtemp(prefix=".~bundle-", dir=out.parent))
    try:
        docs = export_documents(snap, ["all"], work / "docs", formats=("docx", "pdf"), progress=progress,
                                should_cancel=should_cancel)
        if docs.cancelled:
            result.cancelled = True
            return result
        result.warnings += docs.warnings
        result.failed_checks += [f"{p.name}: {name} ({detail})" for p, checks in docs.checks.items()
                                 for name, ok, detail in checks if not ok]
        members: list[tuple[str, Path]] = []
        for p in docs.paths:
            members.append((f"{'pdf' if p.suffix == '.pdf' else 'word'}/{p.relative_to(work / 'docs').as_posix()}", p))
        d = compare(forms, since, snap, since_label, now_label)
        if progress is not None:
            progress(len(docs.paths), len(docs.paths) + 1, "Writing the change report")
        for p in write_change_report(forms, d, snap, work / "change-report", old=since):
            members.append((p.name, p))
        entries = []
        for name, p in sorted(members):
            data = p.read_bytes()
            entries.append({"file": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
        manifest = {
            "format": "atmp-dossier-review-bundle", "format_version": 1, "app_version": __version__,
            "project": {"title": snap.title, "uuid": snap.meta.get("uuid", ""), "modified": snap.meta.get("modified", "")},
            "changes_since": since_label, "summary": d.summary(), "files": entries,
        }
        sums = "".join(f"{e['sha256']}  {e['file']}\n" for e in entries)
        readme = _readme(snap, since_label, entries)
        tmp = out.with_name(f".~{out.name}")
        date = _zip_date(snap)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for name, p in sorted(members):
                info = zipfile.ZipInfo(name, date_time=date)
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, p.read_bytes())
            for name, text in ((MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"),
                               (SUMS, sums), ("README.txt", readme)):
                info = zipfile.ZipInfo(name, date_time=date)
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, text.encode("utf-8"))
        os.replace(tmp, out)
        result.files = entries
        return result
    except OSError as exc:
        out.with_name(f".~{out.name}").unlink(missing_ok=True)
        raise ExportError(f"the bundle '{out.name}' could not be written ({exc.strerror or exc}); check the folder "
                          "is writable and has space.") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _zip_date(snap: ProjectSnapshot) -> tuple[int, int, int, int, int, int]:
    stamp = str(snap.meta.get("modified") or "")
    try:
        return (int(stamp[0:4]), int(stamp[5:7]), int(stamp[8:10]), int(stamp[11:13]), int(stamp[14:16]),
                int(stamp[17:19]))
    except ValueError:
        return (2000, 1, 1, 0, 0, 0)


def _readme(snap: ProjectSnapshot, since_label: str, entries: list[dict]) -> str:
    return (f"Reviewer bundle: {snap.title}\n\n"
            f"pdf/     the dossier documents as PDF ({sum(1 for e in entries if e['file'].startswith('pdf/'))} files),"
            " including the readiness report\n"
            f"word/    the same documents as Word files\n"
            f"change-report.pdf / .docx   what changed since {since_label}\n"
            f"{MANIFEST}   every file with its size and SHA-256\n"
            f"{SUMS}     check the files with: sha256sum -c {SUMS}\n\n"
            "Made by ATMP Dossier Desktop " + __version__ + ". Send comments back in the project file (review "
            "comments) or to the writer.\n")


def check_bundle(path: Path) -> list[str]:
    """Problems of a bundle: files whose checksum does not match the manifest, files missing or extra."""
    problems = []
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read(MANIFEST))
        listed = {e["file"]: e for e in manifest["files"]}
        names = set(z.namelist()) - {MANIFEST, SUMS, "README.txt"}
        for name in sorted(names - set(listed)):
            problems.append(f"{name} is not in the manifest")
        for name, e in listed.items():
            if name not in names:
                problems.append(f"{name} is missing")
            elif hashlib.sha256(z.read(name)).hexdigest() != e["sha256"]:
                problems.append(f"{name} does not match its checksum")
    return problems
