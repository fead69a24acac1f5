"""The benchmark's large generated project (bench/make_large.py) is a real project of the sizes issue 14 asks
for: it imports through the public JSON import, validates with only the out-of-specification results it was
given, and exports in both formats (not timed: speed lives in `make bench`)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from make_large import SIZES, counts, expected_oos, make_document, make_project  # noqa: E402


def test_large_project_imports_validates_and_exports_both_formats(tmp_path, forms):
    from atmp_desktop.core.validation import validate
    from atmp_desktop.export.api import export_documents
    from atmp_desktop.export.pdf_check import passed
    from atmp_desktop.store import ProjectFile
    doc = make_document(1)
    n = counts(doc)
    assert n["words"] >= 20_000
    assert n["quality.batch_results"] == 300 * 25 and n["quality.stability_results"] == 30 * 12 * 20
    path = make_project(tmp_path / "large.atmp", 1)
    with ProjectFile.open(path, forms, read_only=True) as pf:
        snap = pf.snapshot()
    for table, rows in SIZES.items():  # what was generated is what the file holds
        assert len(snap.rows(table)) == rows, table
    assert len(snap.rows("quality.batch_results")) == 7500 and len(snap.rows("quality.stability_results")) == 7200
    errors = [f for f in validate(forms, snap) if f.severity == "error"]
    # every result links to its batch or study and its test by row id, and only the planted OOS results fail
    assert [f.rule for f in errors] == ["QC-20"] * expected_oos(doc) and expected_oos(doc) > 0
    assert n["figures"] == 10 and len(snap.figures) == 10
    assert {f.kind for f in snap.figures} == {"png", "jpeg", "svg"}
    res = export_documents(snap, ["m3-2-s", "m3-2-a"], tmp_path / "out", formats=("docx", "pdf"))
    assert {p.suffix for p in res.paths} == {".docx", ".pdf"}
    assert all(passed(c) for c in res.checks.values())  # incl. the SVG charts' text at 9 pt or more
    assert not [w for w in res.warnings if "figure" in w.lower() or "svg" in w.lower()]
    import zipfile
    docx = {p.stem[:6]: p for p in res.paths if p.suffix == ".docx"}
    body = zipfile.ZipFile(docx["m3-2-s"]).read("word/document.xml").decode("utf-8")
    ds_batches = [r["batch"] for r in doc["data"]["quality"]["batch_analyses"] if r["material"] == "DS"]
    assert all(b in body for b in ds_batches)  # the 3.2.S.4.4 batch grid shows every drug-substance batch
    # every figure prints, in Word as a picture (PNG and JPEG as they are) under its caption, in the PDF too
    media = [z.read(i) for p in docx.values() for z in [zipfile.ZipFile(p)] for i in z.namelist()
             if i.startswith("word/media/")]
    words = "".join(zipfile.ZipFile(p).read("word/document.xml").decode("utf-8") for p in docx.values())
    from pypdf import PdfReader
    pdf_text = "".join(page.extract_text() for p in res.paths if p.suffix == ".pdf"
                       for page in PdfReader(str(p)).pages)
    for f in snap.figures:
        assert f.caption in words and " ".join(f.caption.split()[:4]) in pdf_text, f.id
        if f.kind != "svg":
            assert f.data in media, f.id


def test_bench_growth_pairs_the_runs_of_the_same_round():
    """make bench's growth 4x/1x is the median of each round's ratio: a round slowed by the other core's load
    slows both projects' runs of that round, and must not decide the verdict."""
    import pytest
    import run
    ops = ("milestone", "diff", "prepare", "apply")

    def rounds(values):
        return [{**{f"{k}{s}": v for k in ops for s in ("_s", "_cpu_s")}, "load": 1.0} for v in values]
    raw = {"share": {"1x": rounds([1.0, 1.5, 1.0]), "4x": rounds([4.4, 4.5, 4.6])}}
    rows = {r["id"]: r for r in run.rows_of(raw, {}, ["1x", "4x"])}
    assert rows["share_prepare"]["growth"]["wall"] == pytest.approx(4.4)   # medians alone: 4.5 / 1.0
    assert rows["share_prepare"]["values"]["4x"]["wall"] == pytest.approx(4.5)
