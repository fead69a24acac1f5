"""PDF writer: version, embedded fonts only, outline ≤ 4 levels without skips, TOC links, page X of Y,
watermark, determinism, hostile text and over-tall table cells."""
from __future__ import annotations

from pypdf import PdfReader

from atmp_desktop.export import builders
from atmp_desktop.export import model as m
from atmp_desktop.export.pdf_check import check_pdf, passed
from atmp_desktop.export.pdf_writer import PdfWriter
from tests.test_export_data import hand_snapshot

META = m.DocMeta("m3-2-s", "Test document", "Prodükt µ", "R&D <GmbH>", "1.0", "Draft", "2026-03-02")


def _doc(*blocks, final=False):
    meta = META if not final else m.DocMeta(**{**META.__dict__, "final": True, "status": "Final"})
    return m.Document(meta, list(blocks))


def _fonts(reader):
    names = set()
    for page in reader.pages:
        for f in page["/Resources"].get("/Font", {}).values():
            names.add(str(f.get_object()["/BaseFont"]))
    return names


def _outline_titles(items, depth=0, out=None):
    out = [] if out is None else out
    for it in items:
        if isinstance(it, list):
            _outline_titles(it, depth + 1, out)
        else:
            out.append((depth, it.title))
    return out


def test_module3_pdf_passes_every_check_and_uses_only_dejavu(tmp_path):
    path = tmp_path / "s.pdf"
    PdfWriter().write(builders.build("m3-2-s", hand_snapshot()), path)
    assert path.read_bytes()[:8] == b"%PDF-1.7"
    checks = check_pdf(path)
    assert passed(checks), checks
    reader = PdfReader(str(path))
    fonts = _fonts(reader)
    assert fonts and all("DejaVuSans" in f for f in fonts), fonts
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"
    info = reader.metadata
    assert info.title == "Module 3.2.S Drug Substance" and info.author == "Jürgen Müller"
    assert info.creator.startswith("ATMP Dossier Desktop")


def test_outline_clamps_to_four_levels_and_never_skips(tmp_path):
    hs = [m.Heading("1", "One", 1), m.Heading("1.1.1", "Deep skip", 3), m.Heading("1.1.1.1.1.1", "Six", 6),
          m.Heading("2", "Two", 1)]
    path = tmp_path / "o.pdf"
    PdfWriter().write(_doc(*hs), path)
    titles = _outline_titles(PdfReader(str(path)).outline)
    assert [d for d, _ in titles] == [0, 1, 2, 0]
    assert check_pdf(path)[3][1]  # outline depth rule


def test_toc_has_links_and_page_numbers(tmp_path):
    path = tmp_path / "t.pdf"
    PdfWriter().write(builders.build("m3-2-a", hand_snapshot()), path)
    reader = PdfReader(str(path))
    toc_page = reader.pages[1]
    text = toc_page.extract_text()
    assert "3.2.A.2 Adventitious Agents Safety Evaluation" in text
    links = [a.get_object() for a in toc_page.get("/Annots", [])]
    assert len(links) >= 4 and all(a["/Subtype"] == "/Link" for a in links)
    n = len(reader.pages)
    assert f"Page 1 of {n}" in reader.pages[0].extract_text()
    assert f"Page {n} of {n}" in reader.pages[-1].extract_text()


def test_draft_watermark_follows_status_and_can_be_forced(tmp_path):
    body = (m.Heading("1", "Body", 1), m.Paragraph.of("text"))
    draft, final, forced = tmp_path / "d.pdf", tmp_path / "f.pdf", tmp_path / "x.pdf"
    PdfWriter().write(_doc(*body), draft)
    PdfWriter().write(_doc(*body, final=True), final)
    PdfWriter(watermark=True).write(_doc(*body, final=True), forced)
    def watermarked(path):
        page = PdfReader(str(path)).pages[2]
        return any("draft-watermark" in name for name in page["/Resources"].get("/XObject", {}))

    assert watermarked(draft) and watermarked(forced) and not watermarked(final)
    # drawn as glyph outlines: no stray D/R/A/F/T letters in the text layer, and check-pdf agrees
    draft_text = PdfReader(str(draft)).pages[2].extract_text()
    assert "DRAFT" not in draft_text.replace("Version 1.0 - DRAFT", "")
    assert not [w for w in draft_text.split() if w in tuple("DRAFT")]
    rules = {rule: (ok, detail) for rule, ok, detail in check_pdf(draft)}
    assert rules["no watermark text"][0]
    assert rules["linearised (fast web view)"][0]


def test_same_document_gives_identical_bytes(tmp_path):
    doc = builders.build("m3-2-p", hand_snapshot())
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    PdfWriter().write(doc, a)
    PdfWriter().write(builders.build("m3-2-p", hand_snapshot()), b)
    assert a.read_bytes() == b.read_bytes()


def test_markup_and_unicode_render(tmp_path):
    text = "<10 CFU/mL & R&D </b> µg ≥ ± 37 °C αβγ Zażółć gęślą jaźń Größe"
    path = tmp_path / "u.pdf"
    PdfWriter().write(_doc(m.Heading("1", "Ünïcode <tag>", 1), m.Paragraph.of(text),
                           m.Table(("a&b", "<c>"), ((text, "x"),))), path)
    flat = " ".join("\n".join(p.extract_text() for p in PdfReader(str(path)).pages).split())
    assert text in flat and "Ünïcode <tag>" in flat


def test_control_characters_removed_and_reported(tmp_path):
    path = tmp_path / "c.pdf"
    warnings = PdfWriter().write(_doc(m.Heading("1", "Sec", 1), m.Paragraph.of("bad\x00\x07text")), path)
    assert any("control character" in w for w in warnings)
    assert "badtext" in PdfReader(str(path)).pages[2].extract_text()


def test_cell_taller_than_a_page_does_not_abort(tmp_path):
    huge = " ".join(f"word{i}" for i in range(9000))
    path = tmp_path / "big.pdf"
    PdfWriter().write(_doc(m.Heading("1", "Big", 1), m.Table(("Test", "Result"), (("T", huge), ("U", "ok")))),
                      path)
    reader = PdfReader(str(path))
    assert len(reader.pages) > 4
    flat = "".join(p.extract_text() for p in reader.pages)
    assert "word8999" in flat
    assert passed(check_pdf(path))


def test_wide_table_goes_on_a_landscape_page(tmp_path):
    cols = tuple(f"Col {i}" for i in range(8))
    path = tmp_path / "w.pdf"
    PdfWriter().write(_doc(m.Heading("1", "Wide", 1), m.Paragraph.of("before"),
                           m.Table(cols, (tuple("v" for _ in cols),)), m.Paragraph.of("after")), path)
    reader = PdfReader(str(path))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    wide = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert len(wide) == 1 and "Col 7" in reader.pages[wide[0]].extract_text()
    assert sizes[-1][0] < sizes[-1][1]  # back to portrait after the table


def test_layout_error_falls_back_and_names_the_section(tmp_path, monkeypatch):
    from reportlab.platypus.doctemplate import LayoutError
    writer = PdfWriter()
    real = writer._build
    calls = []

    def flaky(doc, path, wm, clean, chunk):
        calls.append(chunk)
        if len(calls) == 1:
            clean.section = "3.2.S.4.1 Specification"
            raise LayoutError("Flowable <LongTable> too large on page 5")
        return real(doc, path, wm, clean, chunk)
    monkeypatch.setattr(writer, "_build", flaky)
    warnings = writer.write(builders.build("m3-2-s", hand_snapshot()), tmp_path / "l.pdf")
    assert calls == [1200, 300]
    assert any("3.2.S.4.1 Specification" in w and "split" in w for w in warnings)
    assert passed(check_pdf(tmp_path / "l.pdf"))


def test_repeated_and_overlong_headings_all_reach_the_outline(tmp_path):
    path = tmp_path / "h.pdf"
    PdfWriter().write(_doc(m.Heading("1", "Same", 1), m.Heading("1", "Same", 1),
                           m.Heading("2", "long " * 2000, 1), m.Paragraph.of("x")), path)
    titles = [t for _, t in _outline_titles(PdfReader(str(path)).outline)]
    assert titles[:2] == ["1 Same", "1 Same"] and titles[2].endswith("…") and len(titles) == 3


def test_layout_that_never_fits_is_an_export_error_naming_the_section(tmp_path, monkeypatch):
    import pytest
    from reportlab.platypus.doctemplate import LayoutError
    from atmp_desktop.export.errors import ExportError
    writer = PdfWriter()

    def never(doc, path, wm, clean, chunk):
        clean.section = "3.2.P.5.1 Specification(s)"
        raise LayoutError("too large")
    monkeypatch.setattr(writer, "_build", never)
    with pytest.raises(ExportError, match=r"3\.2\.P\.5\.1 Specification\(s\)"):
        writer.write(builders.build("m3-2-p", hand_snapshot()), tmp_path / "x.pdf", label="drug-product.pdf")
