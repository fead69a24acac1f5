"""Batch and stability results as data: grids in 3.2.S.4.4 / 3.2.P.5.4 / 3.2.P.8.3, the claim in 3.2.P.8.1,
linked to specification rows by row id, through the store and both writers."""
import json

import pytest

from atmp_desktop.core.definitions import default_definitions
from atmp_desktop.core.forms import default_forms
from atmp_desktop.core.project import effective_snapshot
from atmp_desktop.export.builders.generic import Builder
from atmp_desktop.export.model import Table
from atmp_desktop.samples import load_sample, sample_names
from atmp_desktop.store import ProjectFile, SetCell
from tests.golden import sample_snapshot


def _tables(doc_id: str, snap) -> list[Table]:
    return [b for b in Builder(snap, default_definitions().document(doc_id)).build().blocks if isinstance(b, Table)]


@pytest.mark.parametrize("sample", sample_names())
def test_every_sample_prints_its_batch_and_stability_grids(sample):
    snap = sample_snapshot(sample)
    tables = _tables("m3-2-p", snap)
    grid = [t for t in tables if t.caption.startswith("Batch analysis results")]
    assert grid and grid[0].header[:2] == ("Test", "Acceptance criterion")
    spec = {r["test"]: r.get("acceptance_criterion", "") for r in snap.rows("quality.dp_specification")}
    for row in grid[0].rows:
        assert spec[row[0]] == row[1]  # the criterion beside each test is the specification's own
        assert all(cell for cell in row[2:])
    stability = [t for t in tables if t.caption.startswith("Stability results")]
    assert stability, sample
    assert all(len(t.header) <= 8 for t in grid + stability)  # column groups of at most six results


def test_renaming_a_test_keeps_its_results_and_criteria_follow_the_specification(tmp_path):
    forms = default_forms()
    src = tmp_path / "p.json"
    src.write_text(json.dumps(load_sample("car-t"), ensure_ascii=False), encoding="utf-8")
    with ProjectFile.create(tmp_path / "p.atmp", forms, document=json.loads(src.read_text())) as pf:
        snap = pf.snapshot()
        tid = snap.row_ids("quality.dp_specification")[4]
        assert snap.rows("quality.dp_specification")[4]["test"].startswith("Viability")
        pf.apply([SetCell("quality.dp_specification", tid, "test", "Viability (7-AAD)"),
                  SetCell("quality.dp_specification", tid, "acceptance_criterion", "≥ 95 %")], "rename")
        snap = effective_snapshot(forms, pf.snapshot())
    grid = next(t for t in _tables("m3-2-p", snap) if t.caption.startswith("Batch analysis results"))
    row = next(r for r in grid.rows if r[0] == "Viability (7-AAD)")
    assert row[1] == "≥ 95 %" and row[2:] == ("89 %", "92 %", "91 %", "94 %", "88 %", "86 %")
    from atmp_desktop.core.validation import validate
    oos = [f for f in validate(forms, snap) if f.rule == "QC-20"]
    assert len(oos) >= 6 and any("Viability (7-AAD) is 89 %" in f.message for f in oos)


def test_more_batches_than_fit_split_into_column_groups_with_the_test_repeated():
    snap = sample_snapshot("car-t")
    q = dict(snap.values["quality"])
    ids = dict(snap.table_ids)
    batches, bids = list(q["batch_analyses"]), list(ids["quality.batch_analyses"])
    results = list(q["batch_results"])
    for n in range(8):  # 14 batches
        batches.append({"batch": f"EXTRA-{n}", "material": "DP"})
        bids.append(f"extra-{n}")
        results += [dict(r, batch=f"extra-{n}") for r in q["batch_results"] if r["batch"] == bids[0]]
    q.update(batch_analyses=batches, batch_results=results)
    ids.update({"quality.batch_analyses": tuple(bids), "quality.batch_results": tuple(f"r{i}" for i in
                                                                                     range(len(results)))})
    from dataclasses import replace
    big = replace(snap, values={**snap.values, "quality": q}, table_ids=ids)
    grids = [t for t in _tables("m3-2-p", big) if t.caption.startswith("Batch analysis results")]
    assert [len(t.header) - 2 for t in grids] == [5, 5, 4]
    assert all(t.header[:2] == ("Test", "Acceptance criterion") and t.wide for t in grids)
    assert grids[0].caption.endswith("(1 of 3)")


def test_grids_reach_both_writers(tmp_path):
    from atmp_desktop.export.api import export_documents
    from pypdf import PdfReader
    import docx
    snap = sample_snapshot("aav-gene-therapy")
    res = export_documents(snap, ["m3-2-p"], tmp_path, formats=("docx", "pdf"))
    pdf = next(p for p in res.paths if p.suffix == ".pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Batch analysis results" in text and "Stability results" in text
    word = docx.Document(next(p for p in res.paths if p.suffix == ".docx"))
    headers = [t.rows[0].cells[0].text for t in word.tables]
    assert headers.count("Test") >= 2
