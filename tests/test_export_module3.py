"""Module 3 documents: every M4Q heading in order with exact codes/titles, and entered values in both outputs."""
from __future__ import annotations

import docx
import pytest
from pypdf import PdfReader

from atmp_desktop.core.sections import display_title, headings_under
from atmp_desktop.export import builders
from atmp_desktop.export.api import export_documents
from atmp_desktop.export.model import Placeholder
from tests.test_export_data import hand_snapshot

PARTS = {"m3-2-s": "3.2.S", "m3-2-p": "3.2.P", "m3-2-a": "3.2.A", "m3-2-r": "3.2.R"}
VARIANTS = {
    "gtmp-gmo": {},
    "sctmp": {"product": {"atmp_type": "sCTMP", "contains_gmo": False, "gm_cells": False, "vector_family": "none"}},
    "tep-novel-excipient": {"product": {"atmp_type": "TEP", "contains_gmo": False},
                            "quality": {"has_novel_excipients": True,
                                        "novel_excipients": "Hyaluronan-based hydrogel (novel)."}},
}


def coded(doc):
    return [(h.code, h.title) for h in doc.headings() if h.code]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("doc_id", sorted(PARTS))
def test_heading_sequence_equals_m4q_table(doc_id, variant):
    snap = hand_snapshot(**VARIANTS[variant])
    doc = builders.build(doc_id, snap)
    expected = [(h.code, display_title(h, snap)) for h in headings_under(PARTS[doc_id])]
    assert coded(doc) == expected


def test_sample_projects_keep_every_heading(sample_project):
    from atmp_desktop.samples import sample_names
    from atmp_desktop.store import ProjectFile
    from atmp_desktop.core.forms import default_forms
    names = sample_names()
    if not names:
        pytest.skip("no sample projects shipped yet")
    for name in names:
        with ProjectFile.open(sample_project(name), default_forms(), read_only=True) as pf:
            snap = pf.snapshot()
        for doc_id, prefix in PARTS.items():
            assert [c for c, _ in coded(builders.build(doc_id, snap))] == [h.code for h in headings_under(prefix)], \
                (name, doc_id)


def test_not_applicable_section_kept_with_justification():
    doc = builders.build("m3-2-p", hand_snapshot())
    blocks = doc.blocks
    i = next(i for i, b in enumerate(blocks) if getattr(b, "code", None) == "3.2.P.4.6")
    assert "no novel excipients" in blocks[i + 1].runs[0].text
    snap = hand_snapshot(quality={"has_novel_excipients": True, "novel_excipients": "PEG-hydrogel X"})
    appendix = builders.build("m3-2-a", snap)
    texts = [r.text for b in appendix.blocks if hasattr(b, "runs") for r in b.runs if hasattr(r, "text")]
    assert "PEG-hydrogel X" in texts  # printed once, in 3.2.A.3; 3.2.P.4.6 points there
    refs = [r for b in builders.build("m3-2-p", snap).blocks if hasattr(b, "runs") for r in b.runs
            if type(r).__name__ == "XRef"]
    assert any(r.target == "3.2.A.3" and r.document == "m3-2-a" for r in refs)


def test_missing_narrative_becomes_placeholder():
    doc = builders.build("m3-2-s", hand_snapshot(quality={"impurities": None}))
    todo = [b.text for b in doc.blocks if isinstance(b, Placeholder)]
    assert "[To be completed: impurities]" in todo
    filled = builders.build("m3-2-s", hand_snapshot(quality={"impurities": "Residual beads < 100 per 10⁶ cells."}))
    assert "[To be completed: impurities]" not in [b.text for b in filled.blocks if isinstance(b, Placeholder)]


def _docx_text(path):
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _pdf_text(path):
    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


def test_entered_values_appear_in_both_outputs(tmp_path):
    snap = hand_snapshot(quality={"impurities": "Residual Dynabeads® <100 per 3×10⁶ cells; R&D lot ±5 %"})
    res = export_documents(snap, ["m3-2-s", "m3-2-p"], tmp_path)
    by_name = {p.name: p for p in res.paths}
    values = ["lumacabtagene autoleucel", "Nordlicht GMP Facility", "DE-BE-0001", "Transduction",
              "Residual Dynabeads® <100 per 3×10⁶ cells; R&D lot ±5 %", "Dr. Anna Łukasiewicz"]
    for reader in (_docx_text, _pdf_text):
        text = reader(by_name["m3-2-s-drug-substance." + ("docx" if reader is _docx_text else "pdf")])
        flat = " ".join(text.split())
        for v in values:
            assert v in flat, (reader.__name__, v)
    for reader, ext in ((_docx_text, "docx"), (_pdf_text, "pdf")):
        flat = " ".join(reader(by_name["m3-2-p-drug-product." + ext]).split())
        assert "<10 CFU/mL" in flat and "Bioburden" in flat


def test_process_steps_feed_the_process_flow():
    doc = builders.build("m3-2-s", hand_snapshot())
    from atmp_desktop.export.model import ListBlock
    flows = [b for b in doc.blocks if isinstance(b, ListBlock)]
    names = [item[0].text for b in flows for item in b.items]
    assert "1. T-cell selection" in names and "2. Transduction" in names
    assert not any("Formulation" in n for n in names)  # a DP step stays out of 3.2.S


def _sample_snapshots(sample_project):
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import sample_names
    from atmp_desktop.store import ProjectFile
    for name in sample_names():
        with ProjectFile.open(sample_project(name), default_forms(), read_only=True) as pf:
            yield name, pf.snapshot()


def test_every_sample_exports_in_both_formats_with_its_values(sample_project, tmp_path):
    from atmp_desktop.export.pdf_check import passed
    found = False
    for name, snap in _sample_snapshots(sample_project):
        found = True
        res = export_documents(snap, ["all"], tmp_path / name, formats=("pdf",))
        assert res.checks and all(passed(c) for c in res.checks.values()), name
        words = export_documents(snap, ["m3-2-s"], tmp_path / name, formats=("docx",))
        inn = snap.get("product.inn") or snap.get("product.invented_name")
        for path in res.paths + words.paths:
            if "m3-2-s" in path.name:
                text = " ".join((_pdf_text if path.suffix == ".pdf" else _docx_text)(path).split())
                assert inn in text, (name, path.name)
    if not found:
        pytest.skip("no sample projects shipped yet")


def _section_texts(doc, code):
    """Texts of paragraphs and placeholders between heading `code` and the next heading."""
    out, inside = [], False
    for b in doc.blocks:
        if getattr(b, "code", None):
            inside = b.code == code
            continue
        if inside and isinstance(b, Placeholder):
            out.append(b.text)
        elif inside and hasattr(b, "runs"):
            out.append("".join(getattr(r, "text", "") for r in b.runs))
    return out


def test_excipient_controls_are_written_from_the_composition():
    composition = [{"component": "Lumacel cells", "component_type": "active_substance", "function": "Active"},
                   {"component": "DMSO", "component_type": "excipient", "function": "Cryoprotectant",
                    "quality_standard": "Ph. Eur. 2.1"},
                   {"component": "Albumin", "component_type": "excipient", "function": "Stabiliser",
                    "quality_standard": "Ph. Eur. 0255"},
                   {"component": "Gel X", "component_type": "excipient", "function": "Carrier",
                    "quality_standard": "In-house"},
                   {"component": "Collagen membrane", "component_type": "scaffold", "function": "Carrier",
                    "quality_standard": "Ph. Eur. 2.1"}]
    doc = builders.build("m3-2-p", hand_snapshot(quality={"dp_composition": composition}))
    procedures = _section_texts(doc, "3.2.P.4.2")
    assert any("DMSO and Albumin are of pharmacopoeial quality" in t for t in procedures)
    assert "[To be completed: analytical procedures for the non-compendial excipient(s) Gel X]" in procedures
    assert not any("Lumacel cells" in t for t in procedures)  # the active substance is not an excipient
    assert not any("Collagen membrane" in t for t in procedures)  # nor is a scaffold
    i = next(i for i, b in enumerate(doc.blocks) if getattr(b, "code", None) == "3.2.P.2.1.2")
    assert [row[0] for row in doc.blocks[i + 1].rows] == ["DMSO", "Albumin", "Gel X"]  # excipients only
