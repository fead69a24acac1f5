"""The shared document model: heading keys, outline clamping, landscape segmentation, OOXML helpers."""
from __future__ import annotations

import docx
from docx.oxml.ns import qn

from atmp_desktop.export import model as m
from atmp_desktop.export import ooxml

WIDE = m.Table(tuple("abcdef"), (tuple("123456"),))
NARROW = m.Table(("a", "b"), (("1", "2"),))


def test_heading_keys_are_stable_unique_and_word_safe():
    a, b = m.Heading("3.2.S.1", "General Information", 2), m.Heading("3.2.S.1.1", "Nomenclature", 3)
    assert a.key == m.Heading("3.2.S.1", "General Information", 2).key
    assert a.key != b.key
    long = m.Heading("", "A very long heading title " * 5, 1)
    for k in (a.key, b.key, long.key):
        assert len(k) <= 40 and k[0].isalpha() and all(c.isalnum() or c == "_" for c in k)


def test_outline_levels_clamp_and_never_skip():
    hs = [m.Heading("", t, lvl) for t, lvl in (("a", 1), ("b", 3), ("c", 6), ("d", 2), ("e", 1), ("f", 5))]
    assert m.outline_levels(hs) == [0, 1, 2, 1, 0, 1]


def test_wide_table_takes_its_headings_along_and_neighbours_share_pages():
    h1, h2, p = m.Heading("1", "A", 1), m.Heading("1.1", "B", 2), m.Paragraph.of("x")
    segs = m.orientation_segments([p, h1, h2, WIDE, m.Heading("", "sub", 3), WIDE, NARROW, p])
    assert [(wide, len(blocks)) for wide, blocks in segs] == [(False, 1), (True, 5), (False, 2)]
    assert segs[1][1][0] is h1


def test_narrow_table_ends_a_landscape_run():
    segs = m.orientation_segments([WIDE, m.Paragraph.of("x"), NARROW, WIDE])
    assert [w for w, _ in segs] == [True, False, True]


def test_trpr_flags_inserted_in_schema_order():
    d = docx.Document()
    row = d.add_table(rows=1, cols=1).rows[0]
    ooxml.set_repeat_header(row)
    ooxml.set_cant_split(row)  # added second, must still come first
    ooxml.set_repeat_header(row)  # idempotent
    assert [c.tag for c in row._tr.trPr] == [qn("w:cantSplit"), qn("w:tblHeader")]


def test_field_and_bookmark_xml():
    d = docx.Document()
    p = d.add_paragraph("Heading text")
    ooxml.add_bookmark(p, "h_x", 7)
    ooxml.add_field(p, "PAGE", "1")
    tags = [c.tag.split("}")[1] for c in p._p]
    assert tags[0] == "bookmarkStart" and "bookmarkEnd" in tags
    xml = p._p.xml
    assert 'w:fldCharType="begin"' in xml and "<w:instrText xml:space=\"preserve\"> PAGE </w:instrText>" in xml


def test_repeated_headings_get_distinct_keys():
    meta = m.DocMeta("x", "T", "P", "A", "1", "Draft", "2026-01-01")
    same = m.Heading("", "Hazard table", 2)
    doc = m.Document(meta, [same, m.Heading("1", "Other", 1), same])
    keys = doc.heading_keys()
    assert keys[0] == same.key and len(set(keys)) == 3 and all(len(k) <= 40 for k in keys)


def test_overlong_heading_text_is_shortened():
    h = m.Heading("3.2.S", "x " * 1000, 1, "[U]")
    assert len(h.text) <= m.MAX_HEADING_CHARS + 4 and h.text.endswith("… [U]")
