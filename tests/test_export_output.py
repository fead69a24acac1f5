"""Submission-grade output (issue 11): numbered tables and figures with lists, identifiers never split,
clean final text, reviewer notes in drafts, linearised PDFs with project dates and XMP, shared page setup."""
from __future__ import annotations

import re
import zipfile

import pikepdf
import pytest
from docx import Document as open_docx
from pypdf import PdfReader

from atmp_desktop.export import layout as L
from atmp_desktop.export import model as m
from atmp_desktop.export.docx_writer import DocxWriter
from atmp_desktop.export.pdf_check import check_pdf, passed
from atmp_desktop.export.pdf_writer import PdfWriter


def _doc(*blocks, final=False, internal=False):
    meta = m.DocMeta(doc_id="t", title="Module 3.2.P Drug Product", product="Prodükt", applicant="ACME",
                     version="1.0", status="Final" if final else "Draft", date="2026-03-02", author="A. Writer",
                     subject="Drug product, Prodükt", ctd_code="3.2.P", final=final, internal=internal)
    return m.Document(meta, list(blocks))


SPEC = m.Table(("Test", "Method", "Acceptance criterion"),
               (("Identity", "Ph. Eur. 2.7.24", "Positive"), ("Sterility", "Ph. Eur. 2.6.27", "No growth")),
               caption="Specification", id="spec")


def _numbered_doc():
    return _doc(m.Heading("3.2.P.5", "Control of Drug Product", 1),
                m.Heading("3.2.P.5.1", "Specification(s)", 2),
                m.Paragraph((m.Run("See "), m.XRef("table:spec"), m.Run(" and "), m.XRef("figure:none"),
                             m.Run("."))),
                SPEC, m.Table(("A", "B"), (("1", "2"),)),
                m.Figure("Flow diagram"),
                m.Heading("3.2.P.5.2", "Analytical Procedures", 2),
                m.Table(("A", "B"), (("3", "4"),), caption="Procedures"))


def test_tables_and_figures_are_numbered_per_section_and_missing_targets_are_warned():
    doc = m.finish(_numbered_doc())
    assert [t.full_caption for t in doc.tables()] == [
        "Table 3.2.P.5.1-1: Specification", "Table 3.2.P.5.1-2: Specification(s)",
        "Table 3.2.P.5.2-1: Procedures"]
    assert doc.figures()[0].full_caption == "Figure 3.2.P.5.1-1: Flow diagram"
    assert doc.xref_text(m.XRef("table:spec"))[0] == "Table 3.2.P.5.1-1"
    assert any("figure:none" in w for w in doc.warnings)
    assert m.finish(doc) is doc  # idempotent


def test_both_writers_print_the_same_captions_and_list_them_after_the_toc(tmp_path):
    doc = _numbered_doc()
    PdfWriter().write(doc, tmp_path / "d.pdf")
    DocxWriter().write(doc, tmp_path / "d.docx")
    reader = PdfReader(str(tmp_path / "d.pdf"))
    front = reader.pages[1].extract_text()
    assert "List of tables" in front and "List of figures" in front
    assert "Table 3.2.P.5.1-1: Specification" in front and "Figure 3.2.P.5.1-1: Flow diagram" in front
    body = "".join(p.extract_text() for p in reader.pages[2:])
    assert "Table 3.2.P.5.2-1: Procedures" in body and "See Table 3.2.P.5.1-1 and figure:none." in body
    word = open_docx(str(tmp_path / "d.docx"))
    texts = [p.text for p in word.paragraphs]
    heading_at = len(texts) - 1 - texts[::-1].index("3.2.P.5 Control of Drug Product")  # after its TOC entry
    assert texts.index("Table of contents") < texts.index("List of tables") < heading_at
    captions = [p.text for p in word.paragraphs if p.style.name == "Table Caption"]
    assert captions == ["Table 3.2.P.5.1-1: Specification", "Table 3.2.P.5.1-2: Specification(s)",
                        "Table 3.2.P.5.2-1: Procedures"]
    xml = zipfile.ZipFile(tmp_path / "d.docx").read("word/document.xml").decode()
    assert 'TOC \\h \\z \\t "Table Caption,1"' in xml and 'w:name="_Ref_t_3_2_P_5_1_1"' in xml
    assert 'w:anchor="_Ref_t_3_2_P_5_1_1"' in xml  # the cross-reference links to the caption


IDS = ("DE-BW-03-MIA-2019/0088", "NCT01922014/5", "Replication-competent lentivirus")


def _words(text: str) -> set[str]:
    return set(text.split())


def test_identifiers_are_never_split_inside_a_token(tmp_path):
    rows = tuple((f"Site {i}", IDS[i % 3], "Manufacture, testing and batch release " * 2, "Class 2",
                  "12 June 2025") for i in range(6))
    t = m.Table(("Site", "Authorisation no.", "Activities", "GMO class", "GMP certificate date"), rows)
    plan = L.plan_table(t)
    assert plan.size >= L.MIN_PT and not plan.splits
    PdfWriter().write(_doc(m.Heading("3.2.P.3.1", "Manufacturer(s)", 1), t), tmp_path / "t.pdf")
    text = "".join(p.extract_text() for p in PdfReader(str(tmp_path / "t.pdf")).pages[2:])
    lines = [ln.strip() for ln in text.splitlines()]
    # a token appears whole, or broken only right after one of its hyphens or slashes
    for ident in IDS:
        for word in ident.split():
            if word in _words(text):
                continue
            cut = [i + 1 for i, ch in enumerate(word) if ch in "-/"]
            assert any(any(ln.endswith(word[:c]) for ln in lines) for c in cut), word
    assert not re.search(r"NCT019\S*\n2014", text)


def test_a_table_too_wide_for_portrait_turns_landscape_before_going_below_9_pt():
    long_id = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    t = m.Table(("a", "b", "c", "d"), ((long_id, long_id, long_id, "x"),))
    plan = L.plan_table(t)
    assert plan.landscape and plan.size >= L.MIN_PT
    assert t.wide


def test_word_and_pdf_share_page_size_and_margins(tmp_path):
    doc = _doc(m.Heading("1", "Body", 1), m.Paragraph.of("text"))
    DocxWriter().write(doc, tmp_path / "d.docx")
    PdfWriter().write(doc, tmp_path / "d.pdf")
    sec = open_docx(str(tmp_path / "d.docx")).sections[0]
    emu = 12700
    assert abs(sec.left_margin / emu - L.MARGIN_LEFT) < 0.1 and abs(sec.right_margin / emu - L.MARGIN_RIGHT) < 0.1
    assert abs(sec.top_margin / emu - L.MARGIN_TOP) < 0.1 and abs(sec.page_width / emu - L.PAGE_W) < 0.1
    box = PdfReader(str(tmp_path / "d.pdf")).pages[2].mediabox
    assert float(box.width) == pytest.approx(L.PAGE_W, abs=0.1)


def test_check_pdf_reports_small_text_and_keeps_superscripts_apart(tmp_path):
    from reportlab.pdfgen import canvas
    path = tmp_path / "small.pdf"
    PdfWriter().write(_doc(m.Heading("1", "Body", 1), m.Paragraph((m.Run("10"), m.Run("8", sup=True),
                                                                   m.Run(" cells"),))), path)
    rules = {rule: (ok, detail) for rule, ok, detail in check_pdf(path)}
    assert rules["text at least 9 pt"][0] and "sub/superscripts from" in rules["text at least 9 pt"][1]
    bad = tmp_path / "bad.pdf"
    c = canvas.Canvas(str(bad))
    c.setFont("Helvetica", 7)
    c.drawString(72, 720, "fine print")
    c.saveState()
    c.scale(3, 3)
    c.setFont("Helvetica", 20)
    c.drawString(20, 20, "WATERMARK")  # 60 pt effective
    c.restoreState()
    c.showPage()
    c.save()
    rules = {rule: (ok, detail) for rule, ok, detail in check_pdf(bad)}
    assert not rules["text at least 9 pt"][0] and "smallest text 7 pt" in rules["text at least 9 pt"][1]
    assert not rules["no watermark text"][0]
    assert not rules["linearised (fast web view)"][0]


def test_pdf_is_linearised_with_project_dates_and_xmp(tmp_path):
    path = tmp_path / "d.pdf"
    PdfWriter().write(_doc(m.Heading("1", "Body", 1), m.Paragraph.of("text")), path)
    with pikepdf.open(path) as pdf:
        assert pdf.is_linearized
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20260302")
        xmp = pdf.open_metadata()
        assert xmp["dc:title"] == "Module 3.2.P Drug Product"
        assert xmp["dc:description"] == "Drug product, Prodükt"
        assert xmp["xmp:CreateDate"].startswith("2026-03-02")
    rules = {rule: detail for rule, ok, detail in check_pdf(path) if ok}
    assert "linearised (fast web view)" in rules and "smallest text 9 pt" in rules["text at least 9 pt"]
    again = tmp_path / "e.pdf"
    PdfWriter().write(_doc(m.Heading("1", "Body", 1), m.Paragraph.of("text")), again)
    assert path.read_bytes() == again.read_bytes()


def _noted(final):
    return _doc(m.Heading("2.1", "Recipient cells", 1, note="[U]"),
                m.Paragraph((m.Run("Numbering from II onwards is [U] - check against the EC Word template."),),
                            style="note"),
                m.Paragraph.of("The cells are autologous T cells [K]."),
                m.Placeholder("donor eligibility"), final=final)


def test_final_documents_print_no_internal_notes_and_warn_about_placeholders(tmp_path):
    doc = m.finish(_noted(final=True))
    assert not doc.review_notes
    assert any("final but still holds 1 placeholder" in w for w in doc.warnings)
    PdfWriter().write(_noted(final=True), tmp_path / "f.pdf")
    DocxWriter().write(_noted(final=True), tmp_path / "f.docx")
    text = "".join(p.extract_text() for p in PdfReader(str(tmp_path / "f.pdf")).pages)
    assert "[U]" not in text and "[K]" not in text and "check against" not in text
    assert "The cells are autologous T cells." in text
    checks = check_pdf(tmp_path / "f.pdf")
    assert ("no internal notes in a final document", True, "none") in checks and passed(checks)
    word = "\n".join(p.text for p in open_docx(str(tmp_path / "f.docx")).paragraphs)
    assert "[U]" not in word and "check against" not in word
    assert "word/comments.xml" not in zipfile.ZipFile(tmp_path / "f.docx").namelist()


def test_drafts_carry_reviewer_notes_as_word_comments_and_a_pdf_appendix(tmp_path):
    PdfWriter().write(_noted(final=False), tmp_path / "d.pdf")
    DocxWriter().write(_noted(final=False), tmp_path / "d.docx")
    reader = PdfReader(str(tmp_path / "d.pdf"))
    last = " ".join(reader.pages[-1].extract_text().split())
    assert "Notes for reviewers" in last and "check against the EC Word template" in last
    body = reader.pages[2].extract_text()
    assert "2.1 Recipient cells" in body and "check against" not in body
    assert all("/Annots" not in p or all(a.get_object()["/Subtype"] == "/Link" for a in p["/Annots"])
               for p in reader.pages)  # no PDF annotations besides links
    comments = zipfile.ZipFile(tmp_path / "d.docx").read("word/comments.xml").decode()
    assert "check against the EC Word template" in comments and "[U] unsure" in comments
    word = "\n".join(p.text for p in open_docx(str(tmp_path / "d.docx")).paragraphs)
    assert "check against" not in word and "2.1 Recipient cells\n" in word + "\n"


def test_internal_reports_keep_their_certainty_notes():
    doc = m.finish(_doc(m.Heading("", "Summary", 1, note="[U]"), m.Paragraph.of("Rule basis [V]"),
                        final=True, internal=True))
    assert doc.headings()[0].note == "[U]" and "[V]" in m._plain(doc.blocks[1].runs)


def _sample(sample_project, forms, name):
    from atmp_desktop.store import ProjectFile
    with ProjectFile.open(sample_project(name), forms, read_only=True) as pf:
        return pf.snapshot()


def test_readiness_verdict_says_ready_only_when_nothing_is_missing(sample_project, forms):
    from dataclasses import replace as dc_replace

    from atmp_desktop.core.project import ProjectSnapshot
    from atmp_desktop.export.builders import cat_readiness as cr
    snap = _sample(sample_project, forms, "car-t")
    by_section, by_doc, where = cr.placeholders(snap)
    assert sum(by_doc.values()) >= 1 and all(where[d] for d in by_doc)
    text = cr.verdict(snap, 0, by_section, by_doc)
    assert text.startswith("Verdict: not ready") and "placeholder(s)" in text
    # every applicable section marked ready, but one of them still holds a placeholder: named in the verdict
    all_ready = {code: {"status": "ready"} for code in cr._applicable(snap)}
    ready = ProjectSnapshot(meta=snap.meta, values=snap.values, section_status=all_ready)
    assert "not marked ready" not in cr.verdict(ready, 0, by_section, by_doc)
    assert "marked ready still hold placeholders: 3.2.P.1 (2)" in cr.verdict(ready, 0, {"3.2.P.1": 2}, {"x": 2})
    assert cr.verdict(ready, 0, {}, {}).startswith("Verdict: ready.")
    assert cr.verdict(ready, 1, {}, {}).startswith("Verdict: not ready: 1 error(s)")
    # a dossier "In review" whose sections are not started is called inconsistent
    assert cr.status_consistency(snap).startswith("Inconsistent status")
    assert cr.status_consistency(ready).startswith("Dossier status")


def test_readiness_report_shows_the_verdict_and_placeholders_by_document(sample_project, forms):
    from atmp_desktop.export import builders
    doc = m.finish(builders.build("cat-readiness", _sample(sample_project, forms, "car-t")))
    first = next(b for b in doc.blocks if isinstance(b, m.Paragraph))
    assert m._plain(first.runs).startswith("Verdict: ") and first.runs[0].bold
    captions = [t.caption for t in doc.tables()]
    assert "Placeholders by document" in captions
    matrix = next(t for t in doc.tables() if t.caption == "Completeness by CTD section")
    assert "Placeholders" in matrix.header


EU_TEXT = ("".join(chr(c) for c in range(0xA1, 0x180) if chr(c).isprintable() and c != 0xAD)  # Latin-1, Ext-A
           + "".join(chr(c) for c in range(0x391, 0x3CA) if chr(c).isalpha())                 # Greek
           + "".join(chr(c) for c in range(0x401, 0x460) if chr(c).isalpha())                 # Cyrillic
           + "ȘșȚț€‰™←→↑↓↔≤≥≠≈±×÷√∞∑∆µ°′″‘’‚“”„–—…•·ℓ℃Å⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻₀₁₂₃₄₅₆₇₈₉₊₋")


def test_bundled_fonts_cover_what_a_writer_types_in_an_eu_dossier():
    assert L.missing_glyphs(EU_TEXT) == []
    assert L.missing_glyphs("a 𝛼 b") == ["𝛼"]


def test_missing_glyphs_are_reported_by_field_and_non_bmp_text_extracts(tmp_path):
    from atmp_desktop.export.api import export_documents
    from tests.test_export_data import hand_snapshot
    snap = hand_snapshot(product={"inn": "lumacabtagene 𝛼-variant", "invented_name": "Lumacel 𐌀"})
    res = export_documents(snap, ["m3-2-s"], tmp_path, formats=("pdf",))
    warning = next(w for w in res.warnings if w.startswith("product.inn holds"))
    assert "'𝛼' (U+1D6FC)" in warning and "[U+1D6FC]" in warning
    assert not any(w.startswith("product.invented_name") for w in res.warnings)  # 𐌀 (U+10300) is in DejaVu
    pdf = next(p for p in res.paths if p.suffix == ".pdf")
    text = "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "[U+1D6FC]" in text and "\x00" not in text
    assert "Lumacel 𐌀" in text  # outside the BMP, and copied out correctly (ToUnicode as UTF-16)
    assert passed(check_pdf(pdf))
