"""Export commands as a user runs them, for bench/run.py: every applicable document of a project to .docx and
to .pdf with the CLI (`atmp-desktop export PROJECT --out DIR --format docx|pdf`, one cold process each, which
builds the document models once and writes the files in one forked worker process per processor: the CPU
figure counts the workers too), and the peer: LibreOffice converting our .docx files of the same project to
PDF (`soffice --headless --convert-to pdf`, its own profile folder, warmed once). The parent times each
process (wall, CPU of it and its children, peak RSS from wait4) and counts the pages of both PDFs.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def export_command(project: str, out: Path, fmt: str) -> list[str]:
    return [sys.executable, "-m", "atmp_desktop", "export", str(project), "--out", str(out), "--format", fmt]


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_command(docx_dir: Path, out: Path, profile: Path) -> list[str]:
    docs = sorted(str(p) for p in docx_dir.glob("*.docx"))
    return [soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
            "--outdir", str(out)] + docs


def warm_libreoffice(profile: Path, sample_docx: Path, work: Path) -> None:
    """The first start of a new LibreOffice profile builds it (tens of seconds): not part of a conversion."""
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work / "lo-warm"), str(sample_docx)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=600, check=False)


def pages(folder: Path) -> int:
    from pypdf import PdfReader
    return sum(len(PdfReader(str(p)).pages) for p in folder.rglob("*.pdf"))


def files(folder: Path, suffix: str) -> int:
    return len(list(folder.rglob(f"*{suffix}")))
