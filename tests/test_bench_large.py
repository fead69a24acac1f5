"""The benchmark's large generated project (bench/make_large.py) is a real project: it imports through the
public JSON import, validates, and exports in both formats (not timed: speed lives in `make bench`)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from make_large import SIZES, counts, make_document, make_project  # noqa: E402


def test_large_project_imports_validates_and_exports_both_formats(tmp_path, forms):
    from atmp_desktop.core.validation import validate
    from atmp_desktop.export.api import export_documents
    from atmp_desktop.export.pdf_check import passed
    from atmp_desktop.store import ProjectFile
    doc = make_document(1)
    n = counts(doc)
    assert n["table_rows"] >= sum(SIZES.values()) and n["words"] >= 20_000
    path = make_project(tmp_path / "large.atmp", 1)
    with ProjectFile.open(path, forms, read_only=True) as pf:
        snap = pf.snapshot()
    assert len(snap.rows("quality.batch_analyses")) == SIZES["quality.batch_analyses"]
    assert not [f for f in validate(forms, snap) if f.severity == "error" and "row" in f.message.lower()]
    res = export_documents(snap, ["m3-2-s"], tmp_path / "out", formats=("docx", "pdf"))
    assert {p.suffix for p in res.paths} == {".docx", ".pdf"}
    assert all(passed(c) for c in res.checks.values())
