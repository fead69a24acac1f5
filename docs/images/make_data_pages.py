"""Page images of the dossier data in the exports (issue 12): a batch grid, a stability grid, an attached figure
and the process-flow diagram of two samples, from the PDF (pdftoppm) and from the .docx converted by
LibreOffice headless. Needs poppler-utils and LibreOffice (both in .ci/run).

    .venv/bin/python docs/images/make_data_pages.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent

# (image name, sample, document, texts that must all be on the page; the first page holding them is drawn)
PAGES = [
    ("export-pdf-batch-grid", "car-t", "m3-2-p", ("Table 3.2.P.5.4-2", "NCT019-")),
    ("export-pdf-stability-grid", "car-t", "m3-2-p", ("Table 3.2.P.8.3-1",)),
    ("export-pdf-figure-svg-aav", "aav-gene-therapy", "m3-2-s", ("Figure 3.2.S.1.2-1", "ITR")),
    ("export-pdf-figure-png-car-t", "car-t", "m3-2-a", ("Figure 3.2.A.1-1",)),
    ("export-pdf-flow-diagram-car-t-1", "car-t", "m3-2-s", ("part 1 of", "Receipt of apheresis")),
    ("export-pdf-flow-diagram-car-t-2", "car-t", "m3-2-s", ("part 2 of",)),
    ("export-pdf-flow-diagram-aav", "aav-gene-therapy", "m3-2-s", ("part 1 of",)),
    ("export-pdf-flow-diagram-qos-car-t", "car-t", "m2-3-qos", ("Figure 2.3.S.2-1",)),
]
WORD = [  # (image name, sample, document, text on the page of the converted .docx)
    ("export-docx-lo-flow-diagram-car-t", "car-t", "m3-2-s", ("part 1 of",)),
    ("export-docx-lo-figure-svg-car-t", "car-t", "m3-2-s", ("Figure 3.2.S.1.2-1",)),
]


def _page_of(pdf: Path, texts) -> int:
    from pypdf import PdfReader
    for n, page in enumerate(PdfReader(pdf).pages, 1):
        text = page.extract_text() or ""
        if any(k in text for k in ("Contents", "List of tables", "List of figures")):
            continue   # the table of contents and the lists name every caption too
        if all(t in text for t in texts):
            return n
    raise SystemExit(f"no page of {pdf.name} holds {texts}")


def _render(pdf: Path, page: int, name: str) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(OUT / name)], check=True)
    print("wrote", OUT / f"{name}.png", f"({pdf.name} page {page})")


def main() -> int:
    from atmp_desktop.export.api import export_documents
    from tests.golden import sample_snapshot
    tmp = Path(tempfile.mkdtemp(prefix="atmp-data-pages-"))
    made: dict[tuple[str, str], dict[str, Path]] = {}

    def files(sample: str, doc: str) -> dict[str, Path]:
        if (sample, doc) not in made:
            res = export_documents(sample_snapshot(sample), [doc], tmp / sample, formats=("docx", "pdf"))
            made[(sample, doc)] = {p.suffix: p for p in res.paths}
        return made[(sample, doc)]

    for name, sample, doc, texts in PAGES:
        pdf = files(sample, doc)[".pdf"]
        _render(pdf, _page_of(pdf, texts), name)
    for name, sample, doc, texts in WORD:
        docx = files(sample, doc)[".docx"]
        conv = tmp / "lo" / sample
        conv.mkdir(parents=True, exist_ok=True)
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/lo-profile", "--convert-to",
                        "pdf", "--outdir", str(conv), str(docx)], check=True, capture_output=True)
        pdf = conv / (docx.stem + ".pdf")
        _render(pdf, _page_of(pdf, texts), name)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
