"""Property-based: arbitrary text, markup characters and control characters go through both writers and the
builders without a crash; what XML can hold survives, what it cannot is removed and reported."""
from __future__ import annotations

import zipfile

import docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from atmp_desktop.export import builders
from atmp_desktop.export import model as m
from atmp_desktop.export.docx_writer import DocxWriter
from atmp_desktop.export.pdf_writer import PdfWriter
from tests.test_export_data import hand_snapshot

MARKUP = st.sampled_from(["<", ">", "&", "</b>", "<para>", "&amp;", "]]>", "\"", "'", "<br/>", "\x00", "\x07",
                          "\x1b", "\ufffe", "\r\n", "\t", "µ", "≥", "±", "°", "αβγ", "ż", "ß", "10⁸", "\u200b"])
TEXT = st.lists(st.one_of(st.text(max_size=30), MARKUP), max_size=12).map("".join)
META = m.DocMeta("m3-2-s", "Prop", "P", "A", "1", "Draft", "2026-01-01")
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _doc(text: str) -> m.Document:
    return m.Document(META, [
        m.Heading("1", text or "x", 1),
        m.Paragraph((m.Run(text, bold=True), m.Run(text, sup=True), m.XRef("1", text))),
        m.Placeholder(text),
        m.Table((text, "b"), ((text, text),), caption=text),
        m.ListBlock(((m.Run(text),),), numbered=True),
        m.Figure(text),
    ])


@FAST
@given(TEXT)
def test_any_text_through_both_writers(tmp_path, text):
    pdf, word = tmp_path / "p.pdf", tmp_path / "w.docx"
    warn_pdf = PdfWriter().write(_doc(text), pdf)
    warn_docx = DocxWriter().write(_doc(text), word)
    assert PdfReader(str(pdf)).pages
    assert docx.Document(str(word)).paragraphs
    # the characters XML cannot hold, plus DEL, which is invisible junk in a dossier
    has_control = any(ord(c) < 32 and c not in "\t\n\r" or c in "\x7f\ufffe\uffff" or 0xD800 <= ord(c) <= 0xDFFF
                      for c in text)
    assert bool(warn_pdf) == has_control and bool(warn_docx) == has_control
    with zipfile.ZipFile(word) as z:
        assert b"\x00" not in z.read("word/document.xml")


@FAST
@given(TEXT, TEXT)
def test_any_field_value_through_a_builder(tmp_path, name, narrative):
    # 3.2.A is small but puts the INN in headings, the site in a table and the narrative in a paragraph
    snap = hand_snapshot(product={"invented_name": name or None, "inn": name or None},
                         manufacturing={"sites": [{"name": name or "s", "address": narrative}],
                                        "facilities_equipment": narrative or None})
    doc = builders.build("m3-2-a", snap)
    PdfWriter().write(doc, tmp_path / "a.pdf")
    DocxWriter().write(doc, tmp_path / "a.docx")
