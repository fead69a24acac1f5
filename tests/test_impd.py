"""The clinical-trial dossier (docs/clinical-trial-definitions.md): the `impd` namespace, its heading table with
certainty, IMPD headings that take their content from their Module 3 twins, and the loader's checks."""
from __future__ import annotations

import dataclasses

import pytest

from atmp_desktop.core.definitions import (_CODE, DefinitionError, default_definitions, impd_heading_table,
                                           load_definitions, sentence_case)
from atmp_desktop.core.forms import default_forms
from atmp_desktop.core.paths import resources_dir
from atmp_desktop.core.sections import heading_applicability
from atmp_desktop.export.builders.generic import Builder
from atmp_desktop.export.model import Heading, Placeholder, XRef
from atmp_desktop.samples import sample_names
from tests.golden import sample_snapshot
from tests.test_definitions import _copy_with  # the definitions with one line changed

DOCS = resources_dir() / "documents"


def _impd():
    return default_definitions().document("impd-q")


def _at_stage(snap, stage: str):
    values = {k: dict(v) for k, v in snap.values.items()}
    values["applicant"]["development_stage"] = stage
    return dataclasses.replace(snap, values=values)


def _reviews(doc, b, key: str) -> list[str]:
    start, end = b.spans[key]
    return [x.runs[0].text for x in doc.blocks[start:end] if getattr(x, "style", "") == "review"]


# ----------------------------------------------------------------------------- the heading table
def test_the_impd_heading_table_gives_every_heading_a_certainty_and_a_twin_rule():
    table = impd_heading_table()
    assert list(table)[:3] == ["2.1", "2.1.S", "2.1.S.1"]
    assert {r["certainty"] for r in table.values()} <= {"V", "K", "U"}
    assert table["2.1"]["certainty"] == "U"            # the "2.1." prefix of Rev. 2 is not confirmed
    assert table["2.1.S.2.2"] == {"title": "Description of manufacturing process and process controls",
                                  "twin": "3.2.S.2.2", "certainty": "V", "note": ""}
    assert table["2.1.S.7"]["twin"] == "3.2.S.7"         # one IMPD heading for 3.2.S.7.1-7.3
    assert table["2.1.A.4"]["twin"] == ""                # solvents and diluents: no Module 3 twin
    assert not any(r["twin"].startswith("3.2.R") for r in table.values())   # 3.2.R has no IMPD heading
    d = _impd()
    assert [h.key for h in d.headings] == list(table)    # the loader checks this; the definition follows it
    assert all(h.certainty == table[h.key]["certainty"] and not h.note for h in d.headings)  # never printed


def test_certainty_tags_are_never_printed_in_the_impd():
    doc = Builder(sample_snapshot("aav-gene-therapy"), _impd()).build()
    assert all(not h.note for h in doc.headings())
    assert "[K]" not in str(doc.blocks) and "[U]" not in str(doc.blocks)


# ----------------------------------------------------------------------------- twins print what Module 3 prints
def _auto_todo(b) -> bool:
    """The '[To be completed: <title> (<code>)]' a builder writes under an empty leaf heading."""
    return isinstance(b, Placeholder) and b.text.rstrip().endswith(")") and _CODE.search(b.text) is not None \
        or isinstance(b, Placeholder) and b.text.startswith("[To be completed: 2.1")


def _norm(value, codes: dict[str, str]):
    """A block as comparable data: Module 3 codes mapped to the IMPD's, headings by their sentence-case title
    (collapsed sub-headings become uncoded groups), cross-references by their target only."""
    if isinstance(value, str):
        return _CODE.sub(lambda m: codes.get(m.group(0), m.group(0)), value)
    if isinstance(value, Heading):
        return ("heading", sentence_case(value.title).casefold())
    if isinstance(value, XRef):
        return ("xref", codes.get(value.target, value.target))
    if isinstance(value, Placeholder):
        return ("todo", _norm(value.what, codes).casefold())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,) + tuple(_norm(getattr(value, f.name), codes)
                                               for f in dataclasses.fields(value) if f.name != "caption")
    if isinstance(value, (list, tuple)):
        return tuple(_norm(v, codes) for v in value)
    return value


def _twin_blocks(code: str, m3: dict, codes: dict[str, str], mapped: set[str]) -> list:
    """What Module 3 prints for `code` and its sub-headings that have no IMPD heading of their own."""
    doc_def, builder, doc = m3[code]
    start, end = builder.spans[code]
    out = [b for b in doc.blocks[start:end] if not _auto_todo(b)]
    if not heading_applicability(doc_def, doc_def.heading(code), builder.snap).applies:
        return out  # its justification; the IMPD heading prints the same and nothing of its sub-headings
    for child in doc_def.children(code):
        if child.key in mapped:
            continue
        inner = _twin_blocks(child.key, m3, codes, mapped)
        if inner:
            out += [Heading("", child.title, 0)] + inner
    return out


@pytest.mark.parametrize("sample", sample_names())
def test_every_impd_heading_with_a_twin_prints_what_its_twin_prints(sample):
    snap = _at_stage(sample_snapshot(sample), "maa")  # the stage hints are the IMPD's own (tested below)
    d = _impd()
    m3 = {}
    for doc_id in ("m3-2-s", "m3-2-p", "m3-2-a"):
        md = default_definitions().document(doc_id)
        b = Builder(snap, md)
        doc = b.build()
        for h in md.headings:
            m3[h.key] = (md, b, doc)
    ib = Builder(snap, d)
    idoc = ib.build()
    mapped = {h.twin for h in d.headings if h.twin}
    compared = 0
    for h in d.headings:
        if not h.twin:
            continue
        if h.key == "2.1.P.1":
            continue  # not by twin (3.2.P.1 refers to 3.2.R); see test below
        start, end = ib.spans[h.key]
        mine = [b for b in idoc.blocks[start:end] if not _auto_todo(b)]
        twin = _twin_blocks(h.twin, m3, d.code_map, mapped)
        assert _norm(mine, d.code_map) == _norm(twin, d.code_map), f"{sample} {h.key} differs from {h.twin}"
        compared += 1
    assert compared >= 55


def test_collapsed_stability_sections_print_each_twin_as_a_group():
    snap = sample_snapshot("car-t")
    b = Builder(snap, _impd())
    doc = b.build()
    start, end = b.spans["2.1.P.8"]
    level = _impd().heading("2.1.P.8").level
    heads = [(x.title, x.level) for x in doc.blocks[start:end] if isinstance(x, Heading)]
    assert [t for t, n in heads if n == level + 1] == [
        "Stability summary and conclusion", "Post-approval stability protocol and stability commitment",
        "Stability data"]
    studies = heads[heads.index(("Stability data", level + 1)) + 1:]
    assert studies and all(n == level + 2 for _, n in studies)   # the study headings sit below the group


def test_borrowed_cross_references_point_to_the_impd_headings():
    snap = sample_snapshot("car-t")
    b = Builder(snap, _impd())
    doc = b.build()
    refs = [r for blk in doc.blocks for r in getattr(blk, "runs", ()) if isinstance(r, XRef) and not r.soft]
    assert refs and all(r.target.startswith("2.1.") and not r.document for r in refs)
    assert all(doc.find_heading(r.target) is not None for r in refs)   # every one resolves in the IMPD itself
    start, end = b.spans["2.1.P.3.3"]
    assert any(isinstance(r, XRef) and r.target == "2.1.S.2.2"
               for blk in doc.blocks[start:end] for r in getattr(blk, "runs", ()))


def test_module3_codes_the_writer_typed_in_narrative_are_an_export_warning_in_the_impd():
    doc = Builder(sample_snapshot("aav-gene-therapy"), _impd()).build()
    warning = next(w for w in doc.warnings if "names Module 3 section(s)" in w)
    assert "3.2.S.7.3 (here 2.1.S.7)" in warning   # a collapsed section names the IMPD heading holding it
    assert not any("Module 3 section" in w for w in Builder(sample_snapshot("aav-gene-therapy"),
                                                            default_definitions().document("m3-2-s")).build().warnings)


def test_a_heading_inherits_its_twins_condition_with_the_justification_rewritten():
    h = _impd().heading("2.1.S.4")
    assert h.applies_when is not None
    assert "(2.1.P.5)" in h.not_applicable and "3.2." not in h.not_applicable


def test_impd_placements_are_recorded_under_the_impd_document_not_the_ctd_codes():
    pm = default_definitions().placement_map
    places = pm.placements("quality.impurities")
    assert {(p.doc_id, p.heading, p.namespace) for p in places} >= {("m3-2-s", "3.2.S.3.2", "ctd"),
                                                                     ("impd-q", "2.1.S.3.2", "impd")}
    assert pm.ctd_codes("quality.impurities") == ("3.2.S.3.2",)


def test_the_impd_applies_at_trial_stages_only():
    d = _impd()
    assert d.applies(sample_snapshot("autologous-tep"))            # confirmatory trial
    assert not d.applies(sample_snapshot("car-t"))                 # MAA


# ----------------------------------------------------------------------------- stage hints
def test_the_same_sample_at_each_stage_gives_the_hints_of_that_stage():
    base = sample_snapshot("aav-gene-therapy")
    seen = {}
    for stage in ("exploratory_ct", "confirmatory_ct", "maa"):
        b = Builder(_at_stage(base, stage), _impd())
        doc = b.build()
        seen[stage] = {k: _reviews(doc, b, k) for k in ("2.1.S.2.5", "2.1.S.3.1", "2.1.S.4.3", "2.1.P.5.1",
                                                        "2.1.S.7", "2.1.P.8", "2.1.S.2.6")}
    explo, confirm, maa = seen["exploratory_ct"], seen["confirmatory_ct"], seen["maa"]
    assert explo["2.1.S.2.5"] == ["Exploratory trial: full process validation is not expected; show that the "
                                  "critical safety steps (aseptic processing, sterility assurance, viral safety) "
                                  "are under control. [K/U]"]
    assert confirm["2.1.S.3.1"] == ["Confirmatory trial: a quantitative, validated potency assay is expected. [K/U]"]
    for stage, hints in seen.items():
        others = {"exploratory_ct": "Confirmatory trial", "confirmatory_ct": "Exploratory trial"}.get(stage)
        texts = [t for ts in hints.values() for t in ts]
        assert not others or not any(t.startswith(others) for t in texts), stage
    assert all(len(v) == 1 for k, v in explo.items() if k != "2.1.S.2.6")
    assert explo["2.1.S.2.6"] == confirm["2.1.S.2.6"] and explo["2.1.S.2.6"][0].startswith("Comparability")
    assert not any(maa.values())            # at the MAA stage the IMPD (which does not apply) has no hints
    # the certainty tags are in the reviewer notes only (left out of final documents), never in submission text
    final = Builder(_at_stage(base, "exploratory_ct"), _impd()).build()
    assert all("[K" not in getattr(r, "text", "") for blk in final.blocks if getattr(blk, "style", "") != "review"
               for r in getattr(blk, "runs", ()))


def test_the_trial_profile_of_the_aav_sample_is_a_golden_text():
    from tests.golden import REFERENCE, TRIAL_PROFILES
    assert "aav-exploratory-ct" in TRIAL_PROFILES
    text = (REFERENCE / "aav-exploratory-ct" / "impd-q.txt").read_text(encoding="utf-8")
    assert "2025-500318-27-00" in text and "VTX-201 placebo" in text and "(review) Exploratory trial" in text


# ----------------------------------------------------------------------------- routes (simplified IMPD)
# Annex I G 1.2 Table 1: which quality parts are written in full for each route
TABLE_1 = {"full": "SPA", "authorised_within_smpc": "", "authorised_outside_smpc": "", "authorised_modified": "PA",
           "other_form_authorised": "PA", "substance_authorised_same_maker": "PA",
           "substance_authorised_other_maker": "SPA", "earlier_cta": ""}
REFS = {"authorised_product": "Glybera EU/1/12/791/001 (uniQure)", "smpc_version": "SmPC of 2025-03-14",
        "previous_submission": "2024-500111-12-00 of 2024-06-01"}


def _with(snap, **clinical):
    values = {k: dict(v) for k, v in snap.values.items()}
    values["clinical"].update(clinical)
    return dataclasses.replace(snap, values=values)


@pytest.mark.parametrize("route", list(TABLE_1))
def test_each_route_prints_the_parts_table_1_says_and_the_replacement_with_its_reference(route):
    d = _impd()
    assert set(d.route_table) == set(TABLE_1)           # every choice of the field has a route
    snap = _with(sample_snapshot("aav-exploratory-ct"), impd_route=route, **REFS)
    b = Builder(snap, d)
    doc = b.build()
    assert [h.code for h in doc.headings() if h.code] == [h.code for h in d.headings]   # TOC stable across routes
    full = Builder(_with(snap, impd_route="full"), d)
    full_doc = full.build()
    for part in "SPA":
        key = f"2.1.{part}"
        start, end = b.spans[key]
        child = "2.1.S.1.1" if part == "S" else "2.1.P.3.3" if part == "P" else "2.1.A.2"
        mine = doc.blocks[b.spans[child][0]:b.spans[child][1]]
        if part in TABLE_1[route]:
            theirs = full_doc.blocks[full.spans[child][0]:full.spans[child][1]]
            assert mine == theirs, (route, part)
        else:
            sentence = " ".join(r.text for blk in doc.blocks[start:end] for r in getattr(blk, "runs", ()))
            assert d.route_table[route]["instead"].split("{")[0].strip()[:30] in sentence
            refs = [v for k, v in REFS.items() if "{clinical." + k + "}" in d.route_table[route]["instead"]]
            assert refs and all(r in sentence for r in refs), (route, part, sentence)
            assert [getattr(x, "runs", [None])[0].text for x in mine] == [f"Not submitted: see {key}."]
    if d.route_table[route].get("statement"):
        start, end = b.spans["2.1"]
        text = " ".join(r.text for blk in doc.blocks[start:end] for r in getattr(blk, "runs", ()))
        assert REFS["authorised_product"] in text and REFS["smpc_version"] in text


def test_a_route_reference_not_entered_is_a_placeholder_naming_the_field():
    snap = _with(sample_snapshot("aav-exploratory-ct"), impd_route="earlier_cta")
    b = Builder(snap, _impd())
    doc = b.build()
    start, end = b.spans["2.1.S"]
    blocks = doc.blocks[start:end]
    assert "the earlier submission […]" in blocks[0].runs[0].text
    assert [x.what for x in blocks if isinstance(x, Placeholder)] == ["Earlier submission referred to"]


def test_the_route_and_its_references_are_placed_in_the_impd():
    pm = default_definitions().placement_map
    for path in ("clinical.impd_route", "clinical.authorised_product", "clinical.smpc_version",
                 "clinical.previous_submission"):
        assert ("impd-q", "2.1") in {(p.doc_id, p.heading) for p in pm.placements(path)}, path


# ----------------------------------------------------------------------------- refer and checklist
def _doc(doc_id, snap):
    b = Builder(snap, default_definitions().document(doc_id))
    return b, b.build()


def _texts(doc, b, key):
    start, end = b.spans[key]
    out = []
    for blk in doc.blocks[start:end]:
        if isinstance(blk, Placeholder):
            out.append(blk.text)
        elif hasattr(blk, "rows"):
            out += [" | ".join(r) for r in blk.rows]
        else:
            out.append("".join(getattr(r, "text", "") for r in getattr(blk, "runs", ())))
    return out


def test_refer_names_the_external_document_with_version_date_and_section():
    snap = sample_snapshot("aav-exploratory-ct")
    b, doc = _doc("impd-se", snap)
    assert _texts(doc, b, "impd-se-2-2")[0] == (
        "The non-clinical pharmacology, pharmacokinetics (biodistribution) and toxicology data are given in "
        "Investigator's Brochure, VTX-201 (version 2.0, 15 January 2025), section 4.")
    # no IB recorded: a placeholder says what to enter; no section: the reference without it and a placeholder
    no_ib = _with(snap, external_documents=[r for r in snap.get("clinical.external_documents") if r["key"] != "ib"])
    b, doc = _doc("impd-se", no_ib)
    assert _texts(doc, b, "impd-se-2-2")[0] == ("[To be completed: the document 'ib' in Documents written elsewhere "
                                                "(title, version, date)]")
    b, doc = _doc("impd-se", _with(snap, ib_nonclinical_section=None))
    texts = _texts(doc, b, "impd-se-2-2")
    assert texts[0].endswith("(version 2.0, 15 January 2025).") and texts[1] == (
        "[To be completed: IB section with the non-clinical data]")


def test_the_ctis_checklist_says_what_is_written_here_provided_elsewhere_or_still_to_provide():
    snap = sample_snapshot("aav-exploratory-ct")
    b, doc = _doc("ctis-part-i", snap)
    rows = _texts(doc, b, "ctis-contents")
    assert "G. IMPD, quality part | Written by this app: Investigational Medicinal Product Dossier, quality part " \
           "(impd-quality.pdf) | Annex I G" in rows
    assert "E. Investigator's Brochure | Provided elsewhere: Investigator's Brochure, VTX-201 (version 2.0, " \
           "15 January 2025) | Annex I E" in rows
    assert "B. Cover letter | [To be provided] | Annex I B" in rows
    assert "J. Label text | Written by this app: CTIS Part I application, contents (ctis-part-i-contents.pdf), " \
           "Label text (Annex I J) | Annex I J; Annex VI" in rows
    assert not any("[K]" in r or "[V]" in r for r in rows)                # certainty stays for the writer
    # at the MAA stage the IMPD does not apply: the row says so instead of naming a file that is not written
    b, doc = _doc("ctis-part-i", _at_stage(snap, "maa"))
    assert any(r.startswith("G. IMPD, quality part | [To be provided] (Investigational Medicinal Product Dossier, "
                            "quality part does not apply") for r in _texts(doc, b, "ctis-contents"))


def test_the_psf_points_at_the_impd_headings_and_is_internal():
    snap = sample_snapshot("aav-exploratory-ct")
    b, doc = _doc("psf", snap)
    rows = _texts(doc, b, "psf")
    assert any(r.startswith("Stability data | Written by this app: Investigational Medicinal Product Dossier, "
                            "quality part (impd-quality.pdf), 2.1.S.7, 2.1.P.8") for r in rows)
    assert "Clinical trial authorisation | Provided elsewhere: 2025-500318-27-00 | GMP Part IV" in rows
    assert doc.meta.internal


def _load_error(folder) -> str:
    """The sentence loading the definitions in `folder` fails with."""
    with pytest.raises(DefinitionError) as exc:
        load_definitions(default_forms(), folder)
    return str(exc.value)


@pytest.mark.parametrize("name, old, new, message", [
    ("psf.yaml", "made_by: impd-q, sections: [2.1.S.7, 2.1.P.8]", "made_by: impd-x, sections: [2.1.S.7, 2.1.P.8]",
     "psf.yaml: heading 'psf': item 2 (checklist): row 4: there is no document 'impd-x'"),
    ("psf.yaml", "made_by: impd-q, sections: [2.1.S.7, 2.1.P.8]", "made_by: impd-q, sections: [2.1.S.7, 3.2.P.8]",
     "psf.yaml: heading 'psf': item 2 (checklist): row 4: document 'impd-q' has no heading '3.2.P.8'"),
    ("psf.yaml", "record: clinical.eu_ct_number,", "",
     "psf.yaml: heading 'psf': item 2 (checklist): row 7: an external row names where its reference is recorded"),
    ("psf.yaml", "basis: GMP Part IV, certainty: K}\n", "basis: GMP Part IV}\n",
     "psf.yaml: heading 'psf': item 2 (checklist): row 1: 'certainty' must be V, K or U"),
    ("impd-se.yaml", "section: clinical.ib_nonclinical_section}", "section: clinical.ib_section}",
     "impd-se.yaml: heading 'impd-se-2-2': item 1 (refer): 'clinical.ib_section' is not a field of the forms"),
])
def test_a_malformed_refer_or_checklist_fails_at_load(tmp_path, name, old, new, message):
    assert message in _load_error(_copy_with(tmp_path, name, old, new))


# ----------------------------------------------------------------------------- checked at load
def test_a_borrowed_see_without_an_impd_twin_fails_at_load_naming_the_item(tmp_path):
    # 3.2.P.1 refers to 3.2.R (device conformity), which has no IMPD heading
    folder = _copy_with(tmp_path, "impd-q.yaml", "  - code: 2.1.P.1 ", "  - {code: 2.1.P.1, items: twin}\n  - code: x")
    text = (folder / "impd-q.yaml").read_text(encoding="utf-8")
    start = text.index("  - code: x")
    end = text.index("  - {code: 2.1.P.2,")
    (folder / "impd-q.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    msg = _load_error(folder)
    assert msg.startswith("impd-q.yaml: heading '2.1.P.1': from 3.2.P.1 (m3-2-p.yaml)")
    assert "item 4 (group): item 2 (see)" in msg and "'see 3.2.R' has no IMPD twin" in msg


@pytest.mark.parametrize("name, old, new, message", [
    ("impd-q.yaml", "  - {code: 2.1.S.5, items: twin}\n", "",
     "impd-q.yaml: document 'impd-q': IMPD headings must be every heading under 2.1 in table order; missing 2.1.S.5"),
    ("impd-q.yaml", "  - {code: 2.1.S.5, items: twin}\n", "  - {code: 2.1.S.5, title: Standards, items: twin}\n",
     "impd-q.yaml: heading '2.1.S.5': title 'Standards' differs from the heading table"),
    ("impd-q.yaml", "  - {code: 2.1.S.5, items: twin}\n", "  - {code: 2.1.S.9, items: twin}\n",
     "impd-q.yaml: heading '2.1.S.9': not a code of the IMPD heading table (resources/impd-headings.tsv)"),
    ("impd-q.yaml", "  - code: 2.1.A.4               # no Module 3 twin\n    items:\n",
     "  - code: 2.1.A.4\n    items:\n      - twin\n",
     "impd-q.yaml: heading '2.1.A.4': 'twin' takes the items of the Module 3 twin, and this heading has none"),
    ("impd-q.yaml", 'impd_code: "2.1"', 'impd_code: "2.2"', "an IMPD document needs an 'impd_code'"),
    ("impd-q.yaml", "routes: clinical.impd_route", "routes: clinical.trial_title",
     "impd-q.yaml: document 'impd-q': routes: 'clinical.trial_title' must be a choice field"),
    ("impd-q.yaml", "        stage: [exploratory_ct]\n", "        stage: [phase_1]\n",
     "impd-q.yaml: heading '2.1.S.2.5': item 2 (review): 'stage' must be a list of development stages "
     "(exploratory_ct, confirmatory_ct, maa)"),
    # a fixed text borrowed from Module 3 that names a heading without IMPD twin
    ("m3-2-s.yaml", "        missing: impurities\n", "        missing: impurities (see 3.2.R)\n",
     "impd-q.yaml: heading '2.1.S.3.2': from 3.2.S.3.2 (m3-2-s.yaml) heading '3.2.S.3.2': item 1 (narrative): "
     "the borrowed text names 3.2.R, which has no IMPD twin"),
])
def test_a_malformed_impd_definition_fails_at_load(tmp_path, name, old, new, message):
    assert message in _load_error(_copy_with(tmp_path, name, old, new))


def test_hook_texts_name_the_impd_headings():
    """excipient_controls says 'see 3.2.P.4.1' in Module 3; in the IMPD the same sentence names 2.1.P.4.1."""
    snap = sample_snapshot("car-t")
    text = str(Builder(snap, _impd()).build().blocks)
    m3 = str(Builder(snap, default_definitions().document("m3-2-p")).build().blocks)
    assert "3.2.P.4.1" in m3 and "(see 2.1.P.4.1)" in text and "3.2.P.4.1" not in text


# ----------------------------------------------------------------------------- --layout ctis
def test_the_ctis_layout_writes_each_document_at_its_placeholder_with_a_manifest(tmp_path):
    import json

    from atmp_desktop.export.api import export_documents
    snap = sample_snapshot("aav-exploratory-ct")
    result = export_documents(snap, ["impd-se", "ctis-part-i", "m3-2-a"], tmp_path, formats=("pdf", "docx"),
                              layout="ctis")
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["ctis/part-i/impd-safety-efficacy.docx", "ctis/part-i/impd-safety-efficacy.pdf",
                     "manifest.csv", "manifest.json", "reports/ctis-part-i-contents.docx",
                     "reports/ctis-part-i-contents.pdf"]
    assert any("Module 3.2.A Appendices: no CTIS placeholder" in w for w in result.warnings)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert {r["file"] for r in manifest} == set(files) - {"manifest.csv", "manifest.json"}
    assert all(r["md5"] and r["size"] > 1000 for r in manifest)
    assert all(ok for checks in result.checks.values() for _, ok, _ in checks)   # check-pdf passes


def test_impd_documents_name_their_ctis_placeholder():
    assert _impd().ctis == {"part": "I", "placeholder": "impd-quality"}
    assert default_definitions().document("impd-se").ctis["placeholder"] == "impd-safety-efficacy"


def test_the_help_panel_names_the_impd_heading_with_its_certainty():
    from atmp_desktop.ui.help_panel import used_in
    places = used_in("quality.impurities")
    assert "3.2.S.3.2 Impurities (Module 3.2.S Drug Substance)" in places
    assert "Investigational Medicinal Product Dossier, quality part › 2.1.S.3.2 Impurities" in places   # [V]: no tag
    assert "Investigational Medicinal Product Dossier, quality part › 2.1.P.5.5 Characterisation of impurities" \
           not in places
    assert any(p.endswith("› 2.1.P.5.1 Specification(s) [K]") for p in used_in("quality.dp_specification"))
