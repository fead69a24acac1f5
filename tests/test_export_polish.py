"""Export review fixes: no fed data silently dropped, hidden fields not printed, readable column widths, no
false JavaScript alarm from compressed page content."""
from __future__ import annotations

import re

import pytest
from reportlab.pdfgen import canvas

from atmp_desktop.core.forms import default_forms
from atmp_desktop.core.project import effective_snapshot
from atmp_desktop.export import builders
from atmp_desktop.export.builders.base import fmt
from atmp_desktop.export.model import Heading, ListBlock, Paragraph, Placeholder, Table
from atmp_desktop.export.pdf_check import check_pdf
from atmp_desktop.store import ProjectFile


@pytest.fixture
def sample_snapshot(sample_project, forms):
    def make(name):
        pf = ProjectFile.open(sample_project(name), forms, read_only=True)
        try:
            return effective_snapshot(forms, pf.snapshot())
        finally:
            pf.close()
    return make


def _text(doc) -> str:
    out = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            out.append("".join(getattr(r, "text", "") for r in b.runs))
        elif isinstance(b, Table):
            out += [c for row in b.rows for c in row]
        elif isinstance(b, ListBlock):
            out += ["".join(getattr(r, "text", "") for r in item) for item in b.items]
        elif isinstance(b, (Heading, Placeholder)):
            out.append(b.text)
    return re.sub(r"\s+", " ", " ".join(out))


def _doc_for(code: str) -> str | None:
    if code == "1.6.1":
        return "m1-6-era"
    if code == "2.3" or code.startswith("2.3."):
        return "m2-3-qos"
    if code.startswith("3.2.") and code[4] in "SPAR":
        return "m3-2-" + code[4].lower()
    return None


@pytest.mark.parametrize("sample", ["car-t", "combined-atmp"])
def test_every_filled_field_feeding_module3_qos_or_non_gmo_era_is_in_the_document(sample, sample_snapshot):
    forms = default_forms()
    snap = sample_snapshot(sample)
    texts: dict[str, str] = {}
    missing = []
    for f in forms.all_fields():
        if f.type == "table" or not snap.is_set(f.path):
            continue
        for code in f.feeds:
            doc_id = _doc_for(code)
            if doc_id is None:
                continue
            if doc_id not in texts:
                texts[doc_id] = _text(builders.build(doc_id, snap))
            value = re.sub(r"\s+", " ", fmt(f, snap.get(f.path)))
            if value not in texts[doc_id]:
                missing.append(f"{f.path} -> {code}")
    assert not missing


def test_a_field_fed_to_two_sections_is_written_once_and_cross_referenced(sample_snapshot):
    snap = sample_snapshot("car-t")
    doc = builders.build("m3-2-s", snap)
    text = _text(doc)
    transport = fmt(None, snap.get("materials.starting_material_transport"))
    assert text.count(transport[:80]) == 1
    refs = [b for b in doc.blocks if isinstance(b, Paragraph) and b.runs[0].text.startswith("Transport of starting")]
    assert len(refs) == 2 and any(type(r).__name__ == "XRef" for b in refs for r in b.runs)


def test_hidden_fields_are_not_listed_as_to_be_completed(sample_snapshot):
    snap = sample_snapshot("car-t")  # lentiviral: no AAV serotype
    doc = builders.build("m3-2-s", snap)
    labels = [row[0] for b in doc.blocks if isinstance(b, Table) for row in b.rows]
    assert "AAV serotype / capsid" not in labels
    assert "Vector or gene-transfer system" in labels


def test_content_sized_columns_keep_a_number_column_narrow():
    from atmp_desktop.export.layout import plan_table
    t = Table(("No.", "Step", "Description"), (("1", "Harvest", "Two washes in electrolyte solution " * 3),))
    w = plan_table(t).widths
    assert w[0] < w[1] < w[2]
    w = plan_table(Table(("A", "B"), (("x", "y"),), widths=(2, 3))).widths
    assert w[1] / w[0] == pytest.approx(1.5)


def test_js_bytes_inside_page_content_are_no_javascript(tmp_path):
    path = tmp_path / "clean.pdf"
    c = canvas.Canvas(str(path), pageCompression=0, invariant=1)
    c.drawString(72, 720, "/JS /JavaScript appear here only as printed text")
    c.showPage()
    c.save()
    assert {rule: ok for rule, ok, _ in check_pdf(path)}["no JavaScript"]


def test_a_heading_with_its_note_moves_to_the_landscape_page_of_its_wide_table():
    from atmp_desktop.export.model import orientation_segments
    wide = Table(tuple("abcdef"), (tuple("123456"),))
    note = Paragraph(Paragraph.of("How to read it.").runs, style="note")
    blocks = [Heading("", "Intro", 1), Paragraph.of("text"), Heading("", "Matrix", 2), note, wide]
    segments = orientation_segments(blocks)
    assert [len(b) for _, b in segments] == [2, 3]
    assert segments[1][0] and segments[1][1][0].title == "Matrix"


def test_readiness_summary_reads_well_without_findings(monkeypatch):
    from atmp_desktop.export.builders import cat_readiness
    from tests.test_export_data import hand_snapshot
    monkeypatch.setattr(cat_readiness, "validate", lambda forms, snap: [])
    text = _text(cat_readiness.build(hand_snapshot()))
    assert "The checks found no errors, warnings or info findings." in text
    assert "0 rule(s)" not in text


def test_column_widths_fill_the_line_and_give_each_column_its_longest_word():
    from atmp_desktop.export import layout as L
    t = Table(("Member State", "Framework", "Sequence with the CTA"),
              (("Netherlands", "Deliberate release (Dir. 2001/18/EC Part B)", "Parallel, not linked"),))
    plan = L.plan_table(t)
    assert sum(plan.widths) == pytest.approx(L.frame_width(plan.landscape))
    assert plan.widths[0] >= L.text_width("Netherlands", plan.size) + 2 * L.CELL_PAD
