"""Formatted narrative: core.markup parses the stored text once; both writers get runs and links."""
import pytest
from hypothesis import given, settings, strategies as st

from atmp_desktop.core.markup import ListItems, Para, Ref, Span, parse, plain_text, to_markup
from atmp_desktop.export import model as m
from atmp_desktop.export.narrative import narrative_blocks


def spans(text):
    (block,) = parse(text)
    return block.spans


def test_emphasis_and_scripts():
    assert spans("**Bold** and *italic*, 5 × 10^12^ vg/mL in CO~2~") == (
        Span("Bold", bold=True), Span(" and "), Span("italic", italic=True), Span(", 5 × 10"),
        Span("12", sup=True), Span(" vg/mL in CO"), Span("2", sub=True))


def test_nested_bold_italic():
    assert spans("***both***") == (Span("both", bold=True, italic=True),)
    assert spans("*a **b** c*") == (Span("a ", italic=True), Span("b", bold=True, italic=True),
                                    Span(" c", italic=True))


@pytest.mark.parametrize("plain", [
    "1 × 10^8 cells at ~5 mL", "p < 0.05* (one-sided)", "5 * 3 = 15", "a^b c^d", "CD34+ * selected",
    "Use ~ for approximately", "* not a list because there is no space after?*", "**", "^", "~~",
])
def test_plain_text_written_before_markup_reads_the_same(plain):
    assert plain_text(plain) == plain or plain.startswith("* ")


def test_old_plain_text_paragraphs_stay_paragraphs():
    blocks = parse("First paragraph\nwith a line break.\n\nSecond one.")
    assert blocks == [Para((Span("First paragraph\nwith a line break."),)), Para((Span("Second one."),))]


def test_lists():
    blocks = parse("Steps:\n- thaw\n- wash **twice**\n\n1. count\n2) release")
    assert blocks[0] == Para((Span("Steps:"),))
    assert blocks[1] == ListItems(((Span("thaw"),), (Span("wash "), Span("twice", bold=True))), numbered=False)
    assert blocks[2] == ListItems(((Span("count"),), (Span("release"),)), numbered=True)


def test_references_to_sections_tables_and_figures():
    s = spans("see 3.2.S.2.3 and Table 3.2.P.5.1-1, Figure 3.2.S.2.2-1; not 24-0117 or v3.2.1")
    refs = [x for x in s if isinstance(x, Ref)]
    assert [r.target for r in refs] == ["3.2.S.2.3", "table-number:3.2.P.5.1-1", "figure-number:3.2.S.2.2-1"]
    assert plain_text("see 3.2.S.2.3") == "see 3.2.S.2.3"


def test_escapes():
    assert spans(r"\*not italic\* and 2\^3\^") == (Span("*not italic* and 2^3^"),)


def test_nothing_executable_passes_through():
    text = '<script>alert(1)</script> <b>x</b> &amp;'
    assert plain_text(text) == text  # stays literal text; writers escape it


markup_text = st.lists(st.sampled_from(list("ab 1.*^~\\-\n[") + ["**", "- ", "1. ", "3.2.S.2.3", "\n\n", "[ref:k1]",
                                                                 "[ref:a, b]", "ref:x]"]),
                       max_size=30).map("".join)


@settings(max_examples=400)
@given(markup_text)
def test_to_markup_round_trips(text):
    blocks = parse(text)
    assert parse(to_markup(blocks)) == blocks


def test_model_blocks_and_soft_links():
    blocks = narrative_blocks("See 3.2.S.2.2 for **details**.\n\n- one\n- two", label="Process")
    assert blocks[0] == m.Paragraph((m.Run("Process: ", bold=True), m.Run("See "),
                                     m.XRef("3.2.S.2.2", "3.2.S.2.2", soft=True), m.Run(" for "),
                                     m.Run("details", bold=True), m.Run(".")))
    assert isinstance(blocks[1], m.ListBlock) and len(blocks[1].items) == 2
    meta = m.DocMeta("d", "Doc", "P", "A", "1", "Draft", "2026-01-01")
    doc = m.finish(m.Document(meta, [m.Heading("3.2.S.2.2", "Description", 2)] + blocks))
    assert doc.xref_text(blocks[0].runs[2])[1] == doc.headings()[0].key  # linked to the heading
    other = m.finish(m.Document(meta, list(narrative_blocks("see 3.2.P.5.1"))))
    assert other.warnings == [] and other.xref_text(other.blocks[0].runs[1]) == ("3.2.P.5.1", None)


def test_table_number_reference_resolves_after_numbering():
    meta = m.DocMeta("d", "Doc", "P", "A", "1", "Draft", "2026-01-01")
    blocks = [m.Heading("3.2.P.5.1", "Specification", 2), m.Table(("a",), (("1",),), caption="Spec")]
    blocks += narrative_blocks("as in Table 3.2.P.5.1-1")
    doc = m.finish(m.Document(meta, blocks))
    ref = doc.blocks[-1].runs[1]
    assert doc.xref_text(ref) == ("Table 3.2.P.5.1-1", m.caption_key(doc.blocks[1]))


words = st.text(alphabet="abc,1", min_size=1, max_size=4)  # "1. " would start a list
styled = st.tuples(words, st.booleans(), st.booleans(), st.booleans())


@settings(max_examples=400)
@given(st.lists(styled, min_size=1, max_size=8))
def test_editor_spans_survive_markup(parts):
    """What the rich-text editor holds (words with bold/italic/superscript) comes back from its markup."""
    from atmp_desktop.core.markup import _merge, spans_markup
    # formatting changes at word boundaries, as an editor's user applies it
    spans = _merge([Span(t + ("" if n == len(parts) - 1 else " "), bold=b, italic=i, sup=s)
                    for n, (t, b, i, s) in enumerate(parts)])
    spans = parse(spans_markup(spans))[0].spans  # whitespace takes the emphasis its neighbours share
    assert parse(spans_markup(spans))[0].spans == spans


def test_one_line_starting_with_a_number_is_a_sentence():
    text = "1. Final CSR of study 03 by 2029. 2. Annual reports."
    assert parse(text) == [Para((Span(text),))]
    assert isinstance(parse("1. a\n2. b")[0], ListItems)


def test_nested_emphasis_and_styled_spaces_round_trip():
    """Found by the window's formatting session: bold inside italic opened at the same place, and a space
    typed in another style between two italic words (its markers close before the spaces); found by
    hypothesis: a one-line '1.' sentence with an indented second line."""
    from atmp_desktop.core.markup import Para, Span
    bold_in_italic = [Para((Span("a", bold=True, italic=True), Span(" y", italic=True)))]
    assert to_markup(bold_in_italic) == "***a** y*" and parse("***a** y*") == bold_in_italic
    spaced = [Para((Span("x ", italic=True), Span(" ", sup=True), Span("10", italic=True)))]
    assert parse(to_markup(spaced)) == [Para((Span("x", italic=True), Span("  "), Span("10", italic=True)))]
    assert parse("1. a\n a") == [Para((Span("1. a\n a"),))] and to_markup(parse("1. a\n a")) == "1. a\n a"
    assert parse("***both***") == [Para((Span("both", bold=True, italic=True),))]   # unchanged
    assert parse("*a***b**") == [Para((Span("a", italic=True), Span("b", bold=True)))]
