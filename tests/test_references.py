"""Abbreviations and references (issue 11): the glossary and literature tables of step `references`, the list
of abbreviations a document uses after its TOC, citations [ref:key] in narrative that become numbered links to
the document's reference list, the export warning for an unknown key, the ATMP starter set."""
import re
import zipfile
from dataclasses import replace

import pikepdf
import pytest
from pypdf import PdfReader

from atmp_desktop.core.definitions import DefinitionError, load_definitions
from atmp_desktop.core.glossary import GLOSSARY, LITERATURE, glossary_problems, starter_entries, starter_rows
from atmp_desktop.core.markup import Cite, parse
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.export import builders, leaves
from atmp_desktop.export import model as m
from atmp_desktop.export.api import export_documents
from atmp_desktop.export.plaintext import render
from atmp_desktop.store import ProjectFile
from tests.golden import sample_snapshot


def with_data(snap: ProjectSnapshot, **steps) -> ProjectSnapshot:
    values = {k: dict(v) for k, v in snap.values.items()}
    for step, fields in steps.items():
        values.setdefault(step, {}).update(fields)
    return ProjectSnapshot(snap.meta, values, snap.section_status, table_ids=dict(snap.table_ids))


def doc_of(snap, doc_id="m3-2-s") -> m.Document:
    return m.finish(builders.build(doc_id, snap))


def matter(doc, role):
    i = next(i for i, b in enumerate(doc.blocks) if isinstance(b, m.Heading) and b.role == role)
    return i, doc.blocks[i + 1]


# ----------------------------------------------------------------------------- markup
def test_citations_parse_with_one_or_several_keys_and_can_be_escaped():
    (para,) = parse("as advised [ref:ema-gtmp] and [ref: a1; EMA/CAT/80183/2014 ] but \\[ref:not-this]")
    cites = [s for s in para.spans if isinstance(s, Cite)]
    assert [c.keys for c in cites] == [("ema-gtmp",), ("a1", "EMA/CAT/80183/2014")]
    assert para.spans[-1].text.endswith("but [ref:not-this]")
    (para,) = parse("[ref:] and [reference] stay text")
    assert not any(isinstance(s, Cite) for s in para.spans)


# ----------------------------------------------------------------------------- abbreviations
def test_a_document_lists_only_the_abbreviations_its_text_uses_after_the_toc():
    snap = with_data(sample_snapshot("car-t"), references={"glossary": [
        {"abbreviation": "VCN", "expansion": "vector copy number"},
        {"abbreviation": "MCB", "expansion": "master cell bank"},
        {"abbreviation": "ZZQ", "expansion": "never used anywhere"},
        {"abbreviation": "cat", "expansion": "lower case does not match CAT"},
        {"abbreviation": "VCN", "expansion": "a second expansion is ignored"}]})
    doc = doc_of(snap)
    i, table = matter(doc, "abbreviations")
    assert table.header == ("Abbreviation", "Expansion") and not table.number  # not content: not numbered
    assert table.rows == (("MCB", "master cell bank"), ("VCN", "vector copy number"))
    first = next(k for k, b in enumerate(doc.blocks) if isinstance(b, m.Heading) and not b.role)
    assert i < first and isinstance(doc.blocks[i + 2], m.PageBreak)  # before the body, on its own page
    assert "List of abbreviations" not in [t.caption for t in doc.tables()]


def test_whole_words_case_and_plurals():
    doc = m.Document(m.DocMeta("d", "Doc", "P", "A", "1", "Draft", "2026-01-01"),
                     [m.Heading("", "Body", 1), m.Paragraph.of("Two MCBs, 5 × 10^12 vg/mL; the CART-1 batch; "
                                                              "Ph. Eur. 2.6.27; CD34+ cells; ACAR.")],
                     glossary=(("MCB", "master cell bank"), ("vg", "vector genomes"), ("CAR", "chimeric antigen "
                               "receptor"), ("Ph. Eur.", "European Pharmacopoeia"), ("CD", "cluster of "
                               "differentiation"), ("VG", "upper case is another abbreviation")))
    assert [a for a, _ in m.used_abbreviations(doc)] == ["CD", "MCB", "Ph. Eur.", "vg"]


def test_no_glossary_or_no_match_means_no_list(forms):
    snap = with_data(sample_snapshot("car-t"), references={"glossary": [{"abbreviation": "ZZQ", "expansion": "x"}]})
    doc = doc_of(snap)
    assert not any(isinstance(b, m.Heading) and b.role for b in doc.blocks[:5])


# ----------------------------------------------------------------------------- references
LIT = [{"key": "b-second", "authors": "Author B", "title": "Second", "source": "J Test", "year": 2020,
        "identifier": "https://doi.org/10.1000/xyz123"},
       {"key": "a-first", "authors": "European Medicines Agency", "title": "A guideline", "source": "EMA",
        "year": 2018, "identifier": "EMA/CAT/80183/2014"},
       {"key": "never", "title": "Not cited"}]


def cited_snapshot(text):
    base = sample_snapshot("car-t")
    own = base.rows(LITERATURE)  # the sample's own citations keep their entries
    return with_data(base, references={"literature": LIT + own, "glossary": base.rows(GLOSSARY)},
                     product={"mode_of_action": text})


def test_citations_are_numbered_in_order_of_first_use_and_link_to_the_list():
    snap = cited_snapshot("First [ref:a-first], then [ref:B-SECOND, a-first] and again [ref:a-first].")
    doc = doc_of(snap)
    para = next(b for b in doc.blocks if isinstance(b, m.Paragraph) and any(isinstance(r, m.Cite) for r in b.runs))
    cites = [r for r in para.runs if isinstance(r, m.Cite)]
    assert [doc.citation(c) for c in cites] == [[("1", "_Ref_r_1")], [("2", "_Ref_r_2"), ("1", "_Ref_r_1")],
                                                [("1", "_Ref_r_1")]]
    _, refs = matter(doc, "references")
    assert refs is doc.blocks[-1] and refs.numbered and refs.anchors[:2] == ("_Ref_r_1", "_Ref_r_2")
    assert [r.text for (r,) in refs.items][:2] == [
        "European Medicines Agency. A guideline. EMA; 2018. EMA/CAT/80183/2014.",
        "Author B. Second. J Test; 2020. doi:10.1000/xyz123."]
    assert "First [1], then [2, 1] and again [1]." in render(doc)
    assert not doc.warnings


def test_an_unknown_key_prints_as_written_and_is_an_export_warning_naming_it_and_its_section():
    doc = doc_of(cited_snapshot("See [ref:missing-key] and [ref:a-first]."))
    para = next(b for b in doc.blocks if isinstance(b, m.Paragraph) and any(isinstance(r, m.Cite) for r in b.runs))
    assert [doc.citation(r) for r in para.runs if isinstance(r, m.Cite)] == [[("missing-key", None)],
                                                                            [("1", "_Ref_r_1")]]
    (w,) = [w for w in doc.warnings if "citation" in w]
    assert "'missing-key' (3.2.S.1.3 General Properties" in w and "literature table" in w


def test_a_final_document_prints_no_certainty_tags_in_its_lists():
    base = sample_snapshot("car-t")
    snap = with_data(base, applicant={"dossier_status": "final"},
                     references={"glossary": [{"abbreviation": "VCN", "expansion": "vector copy number [K]",
                                               "note": "[U] check"}]})
    _, table = matter(doc_of(snap), "abbreviations")
    assert table.rows == (("VCN", "vector copy number"),)


def _export(tmp_path, snap, fmt, layout="flat", ids=("m3-2-s",)):
    return export_documents(snap, list(ids), tmp_path, formats=(fmt,), layout=layout)


def test_pdf_has_the_list_after_the_toc_and_citation_links_to_the_entries(tmp_path):
    snap = cited_snapshot("Shown before [ref:a-first] and [ref:b-second].")
    res = _export(tmp_path, snap, "pdf")
    (pdf,) = res.paths
    assert all(ok for _, ok, _ in res.checks[pdf])
    reader = PdfReader(str(pdf))
    pages = [p.extract_text() for p in reader.pages]
    toc = next(i for i, t in enumerate(pages) if "Table of contents" in t)
    abbr = next(i for i, t in enumerate(pages) if t.lstrip().splitlines()[1:2] and "List of abbreviations\n" in t
                and i > toc)
    assert "VCN" in pages[abbr] and "vector copy number" in pages[abbr]
    last = pages[-1] + pages[-2]
    assert "References" in last and "doi:10.1000/xyz123" in last
    with pikepdf.open(pdf) as p:
        dests = {str(k).lstrip("/"): v for k, v in _named_dests(p)}
        assert {"_Ref_r_1", "_Ref_r_2"} <= set(dests)
        targets = [a.Dest[0].objgen for page in p.pages for a in page.get("/Annots", [])
                   if a.get("/Subtype") == "/Link" and "/Dest" in a]
        for key in ("_Ref_r_1", "_Ref_r_2"):  # the citations link to the page of their entry
            assert targets.count(dests[key][0].objgen) >= 1


def _named_dests(pdf):
    names = pdf.Root.get("/Names", {}).get("/Dests")
    if names is not None:
        from pikepdf import NameTree
        return list(NameTree(names).items())
    return list(pdf.Root.get("/Dests", {}).items())


def test_word_links_citations_to_bookmarked_entries_numbered_as_text(tmp_path):
    res = _export(tmp_path, cited_snapshot("Shown before [ref:a-first] and [ref:b-second]."), "docx")
    xml = zipfile.ZipFile(res.paths[0]).read("word/document.xml").decode("utf-8")
    assert 'w:anchor="_Ref_r_1"' in xml and 'w:anchor="_Ref_r_2"' in xml
    assert 'w:name="_Ref_r_1"' in xml and 'w:name="_Ref_r_2"' in xml
    assert xml.index("List of abbreviations") < xml.index("3.2.S.1 General Information")
    entry = xml[xml.index('w:name="_Ref_r_2"') - 1500:xml.index('w:name="_Ref_r_2"') + 1500]
    assert "2.</w:t>" in entry or "2.\t" in entry or re.search(r">2\.<", entry)


def test_each_ectd_leaf_numbers_its_own_references(tmp_path):
    from atmp_desktop.core.documents import document
    from atmp_desktop.export.api import ectd_location
    snap = cited_snapshot("Mode [ref:b-second].")
    spec = document("m3-2-s")
    files = {f.code: f.doc for f in leaves.cut(spec, builders.build("m3-2-s", snap), snap,
                                                ectd_location(spec, snap, base=True)[0], ectd_location(spec, snap)[1])}
    whole = doc_of(snap)
    _, all_refs = matter(whole, "references")
    assert [r.text[:8] for (r,) in all_refs.items] == ["Author B", "European", "European"]  # 1, 2, 3 in the file
    for code, first in (("3.2.S.1.3", "Author B"), ("3.2.S.2.3", "European Directorate")):
        d = files[code]
        i, refs = matter(d, "references")
        assert d.blocks[i].level == 2 and refs.anchors[0] == "_Ref_r_1"  # each leaf file starts at [1]
        assert refs.items[0][0].text.startswith(first)
        cite = next(r for b in d.blocks if isinstance(b, m.Paragraph) for r in b.runs if isinstance(r, m.Cite))
        assert d.citation(cite)[0] == ("1", "_Ref_r_1")
        assert matter(d, "abbreviations")[0] < i  # the leaf's abbreviations close it, before the references
    assert not any(isinstance(b, m.Heading) and b.role == "references" for b in files["3.2.S.1.1"].blocks)
    assert sum(isinstance(b, m.Heading) and b.role == "abbreviations" for b in files["3.2.S.1.1"].blocks) == 1


# ----------------------------------------------------------------------------- definitions
def test_a_definition_naming_a_table_without_the_columns_fails_at_load(tmp_path, forms):
    import shutil
    from atmp_desktop.core.paths import resources_dir
    shutil.copytree(resources_dir() / "documents", tmp_path / "documents")
    f = tmp_path / "documents" / "m3-2-r.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("abbreviations: references.glossary",
                                                       "abbreviations: references.literature"), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"m3-2-r.yaml: document 'm3-2-r': abbreviations: table "
                                              r"'references.literature' has no column 'abbreviation'"):
        load_definitions(forms, tmp_path / "documents")


# ----------------------------------------------------------------------------- starter set and readiness
def test_the_starter_set_adds_only_what_is_missing_with_honest_notes():
    entries = {e.abbreviation: e for e in starter_entries()}
    for abbr in ("ATMP", "CAT", "CHMP", "CTD", "GMO", "ERA", "AAV", "LV", "VCN", "RCL", "RCR", "MCB", "WCB", "DS",
                 "DP", "QP", "GMP", "IPC", "PPQ", "TSE", "SNIF", "vg", "TU", "MOI", "PBMC", "CAR"):
        assert abbr in entries, abbr
    assert entries["CHMP"].expansion == "Committee for Medicinal Products for Human Use"
    assert entries["RCL"].expansion == "replication-competent lentivirus"
    rows = starter_rows([{"abbreviation": "atmp", "expansion": "my own"}])
    assert not any(r["abbreviation"] == "ATMP" for r in rows) and len(rows) == len(entries) - 1
    by = {r["abbreviation"]: r for r in rows}
    assert by["PPQ"]["note"].startswith("[K] ") and "note" not in by["VCN"]
    assert starter_rows(rows + [{"abbreviation": "ATMP"}]) == []


def test_glossary_problems_name_the_row():
    problems = glossary_problems([{"abbreviation": "LV", "expansion": "lentiviral vector"},
                                  {"abbreviation": "LV", "expansion": "lentivirus"}, {"abbreviation": "QC"}])
    assert "'LV' is in the glossary twice" in problems[0] and "'QC' (glossary row 3) has no expansion" in problems[1]


def test_the_readiness_report_lists_unknown_citations_uncited_entries_and_notes():
    snap = with_data(cited_snapshot("See [ref:nobody-has-this]."),
                     references={"literature": LIT, "glossary": [{"abbreviation": "LV", "expansion": "lentiviral "
                                                                  "vector", "note": "[K] check"}]})
    text = render(builders.build("cat-readiness", snap))
    section = text[text.index("## Abbreviations and references"):text.index("## Dossier and procedure")]
    assert "| Mode of action | nobody-has-this | not in the literature table" in section
    assert "| never | Not cited |" in section and "| LV | lentiviral vector | [K] check |" in section


def test_the_window_button_adopts_the_starter_set_in_one_undo_step(window, empty_project, qtbot):
    assert window.open_path(empty_project)
    window.go_to_step("references")
    page = window.pages["references"]
    page.glossary_starter.click()

    def stored():
        with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
            return p.snapshot().rows(GLOSSARY)
    qtbot.waitUntil(lambda: len(stored()) == len(starter_entries()))
    assert window.act_undo.text().startswith("&Undo Add")
    page.glossary_starter.click()  # nothing missing: nothing written
    assert len(stored()) == len(starter_entries())
    window.undo()
    qtbot.waitUntil(lambda: stored() == [])
