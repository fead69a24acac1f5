"""Export review fixes: narrative printed once, hidden fields not printed, readable column widths, no false
JavaScript alarm from compressed page content."""
from __future__ import annotations

import re

import pytest
from reportlab.pdfgen import canvas

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


def test_long_narrative_is_printed_once_and_referred_to_elsewhere(sample_snapshot):
    snap = sample_snapshot("car-t")
    text = " ".join(_text(builders.build(d, snap)) for d in ("m3-2-s", "m3-2-p", "m2-3-qos", "m1-6-era"))
    container = fmt(None, snap.get("quality.container_closure"))
    assert text.count(container[:80]) == 1  # was three times in 3.2.P (P.1, P.2.4, P.7)
    p = builders.build("m3-2-p", snap)
    refs = [r for b in p.blocks if isinstance(b, Paragraph) for r in b.runs if type(r).__name__ == "XRef"]
    assert any(r.target == "3.2.P.7" for r in refs)  # 3.2.P.2.4 points to it


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
