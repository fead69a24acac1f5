"""Export-level checks (issue 15): CTD-01/CTD-02/CTD-05 on the files written and the CTD-06 Module 1 checklist,
through `check_export` (the export dialog) and `atmp-desktop validate PROJECT --export DIR`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.validation import all_rules
from atmp_desktop.export.export_check import check_export, folder_codes, read_export, title_matches
from tests.test_validation_severity import sample

MAA = {"applicant": {"procedure": "maa_standard", "development_stage": "maa"}}


def write_docx(path: Path, headings: list[tuple[int, str]]) -> Path:
    import docx
    d = docx.Document()
    for level, text in headings:
        d.add_heading(text, level=level)
        d.add_paragraph("Text.")
    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))
    return path


S_GOOD = [(1, "3.2.S Drug Substance (x, Site A)"), (2, "3.2.S.1 General Information (x, Site A)"),
          (3, "3.2.S.1.1 Nomenclature"), (3, "3.2.S.1.2 Structure")]


def findings(forms, folder, snap=None, rule=None):
    out = check_export(forms, snap or ProjectSnapshot({}, MAA), folder)
    return [f for f in out if rule is None or f.rule == rule]


def test_every_export_rule_has_a_firing_and_a_silent_case():
    assert sorted(r.id for r in all_rules() if r.on == "export") == sorted(EXPORT_CASES)


def _ctd_01_fire(tmp):
    write_docx(tmp / "m3-2-s-drug-substance.docx", [(1, "3.2.S Drug Substance (x, A)"),
                                                    (2, "3.2.S.1 General Informations and more (x, A)")])


def _ctd_02_fire(tmp):
    write_docx(tmp / "m3-2-s-drug-substance.docx", [(1, "3.2.S Drug Substance (x, A)"),
                                                    (3, "3.2.S.2.2 Description of Manufacturing Process and "
                                                        "Process Controls")])


def _ctd_05_fire(tmp):
    write_docx(tmp / "m2-3-qos-quality-overall-summary.docx", [(1, "2.3.1 General Information")])


EXPORT_CASES = {
    "CTD-01": (_ctd_01_fire, lambda tmp: write_docx(tmp / "m3-2-s-drug-substance.docx", S_GOOD)),
    "CTD-02": (_ctd_02_fire, lambda tmp: write_docx(tmp / "m3-2-s-drug-substance.docx", S_GOOD)),
    "CTD-05": (_ctd_05_fire, lambda tmp: write_docx(tmp / "m3-2-s-drug-substance.docx", S_GOOD)),
    "CTD-06": (lambda tmp: write_docx(tmp / "m3-2-s-drug-substance.docx", S_GOOD), None),
}


@pytest.mark.parametrize("rule_id", sorted(EXPORT_CASES))
def test_export_rule_fires(forms, tmp_path, rule_id):
    EXPORT_CASES[rule_id][0](tmp_path)
    got = findings(forms, tmp_path, rule=rule_id)
    assert got and all(f.message.endswith(".") for f in got)


@pytest.mark.parametrize("rule_id", sorted(EXPORT_CASES))
def test_export_rule_silent(forms, tmp_path, rule_id):
    if rule_id == "CTD-06":  # the checklist concerns an MAA: a classification request alone has none
        write_docx(tmp_path / "m3-2-s-drug-substance.docx", S_GOOD)
        snap = ProjectSnapshot({}, {"applicant": {"procedure": "atmp_classification"}})
        assert findings(forms, tmp_path, snap, rule="CTD-06") == []
        return
    EXPORT_CASES[rule_id][1](tmp_path)
    got = [f for f in findings(forms, tmp_path, rule=rule_id) if "none of the exported files" not in f.message]
    assert got == []


def test_titles_tolerate_spelling_plurals_and_qualifiers():
    assert title_matches("3.2.S.3", "Characterization (vector X, Site B)")
    assert title_matches("3.2.P.5.1", "Specifications")
    assert title_matches("3.2.S.7.1", "Stability Summary and Conclusion")
    assert title_matches("3.2.A.3", "Novel Excipients")
    assert not title_matches("3.2.S.4", "Drug substance control")


def test_order_skipped_parent_and_level_are_reported(forms, tmp_path):
    write_docx(tmp_path / "m3-2-s-drug-substance.docx", [
        (1, "3.2.S Drug Substance (x, A)"), (2, "3.2.S.2 Manufacture (x, A)"), (2, "3.2.S.1 General Information (x, A)"),
        (2, "3.2.S.1.1 Nomenclature")])
    msgs = [f.message for f in findings(forms, tmp_path, rule="CTD-02")]
    assert any("CTD order" in m for m in msgs) and any("3.2.S.1.1 is at heading level 2" in m for m in msgs)


def test_a_section_missing_from_the_export_is_reported(forms, tmp_path):
    write_docx(tmp_path / "m3-2-s-drug-substance.docx", S_GOOD)
    missing = {f.location for f in findings(forms, tmp_path, rule="CTD-02") if "none of the exported" in f.message}
    assert {"3.2.S.1.3", "3.2.S.2.2", "3.2.S.7.3"} <= missing


def test_forms_and_reports_keep_their_own_numbers(forms, tmp_path):
    """The GMO application form's '2.3 Method of genetic modification' is not CTD 2.3."""
    write_docx(tmp_path / "gmo-caf-cells-caf-gm-cells.docx", [(1, "2.3 Method of genetic modification")])
    assert [f for f in findings(forms, tmp_path) if f.rule != "CTD-06"] == []


def test_a_damaged_file_is_a_finding_not_a_crash(forms, tmp_path):
    (tmp_path / "m3-2-s-drug-substance.docx").write_bytes(b"PK not really a zip")
    [f] = findings(forms, tmp_path, rule="CTD-01")
    assert "could not be read" in f.message


def test_a_missing_or_empty_folder_says_so(forms, tmp_path):
    [f] = findings(forms, tmp_path / "nowhere")
    assert "does not exist" in f.message
    [f] = findings(forms, tmp_path)
    assert "holds no exported documents" in f.message


def test_folder_codes_of_ectd_paths():
    assert folder_codes("m3/32-body-data/32s-drug-sub/x-y/32s4-contr-drug-sub/32s41-spec/specification") == {
        "3.2", "3.2.S", "3.2.S.4", "3.2.S.4.1"}
    assert folder_codes("m1/eu/16-environrisk/161-nongmo/nongmo") >= {"1.6", "1.6.1"}
    assert "1.10" in folder_codes("m1/eu/110-paediatrics/x")


def _ectd_tree(tmp_path, rows, headings):
    for r in rows:
        write_docx(tmp_path / "word" / (r["file"].rsplit(".", 1)[0] + ".docx"), headings[r["file"]])
    (tmp_path / "manifest.json").write_text(json.dumps({"files": rows}), encoding="utf-8")


def test_an_ectd_leaf_out_of_its_appendix_4_place_is_reported(forms, tmp_path):
    rel = "m3/32-body-data/32s-drug-sub/x-y/32s1-gen-info/Nomenclature_v1.pdf"
    _ectd_tree(tmp_path, [{"file": rel, "format": "pdf", "ctd_section": "3.2.S.1.1"}],
               {rel: [(1, "3.2.S.1.1 Nomenclature")]})
    msgs = [f.message for f in findings(forms, tmp_path, rule="CTD-01")]
    assert any("may hold only a-z" in m for m in msgs)
    assert any("eCTD place of that section" in m and "32s1-gen-info/nomenclature" in m for m in msgs)


def test_an_ectd_leaf_finds_its_parents_in_its_folders(forms, tmp_path):
    rel = "m3/32-body-data/32s-drug-sub/x-y/32s1-gen-info/nomenclature.pdf"
    _ectd_tree(tmp_path, [{"file": rel, "format": "pdf", "ctd_section": "3.2.S.1.1"}],
               {rel: [(1, "3.2.S.1.1 Nomenclature")]})
    layout, files = read_export(tmp_path)
    assert layout == "ectd" and files[0].headings == [(1, "3.2.S.1.1 Nomenclature")]
    got = [f for f in findings(forms, tmp_path) if f.rule in ("CTD-01", "CTD-02") and f.location == "3.2.S.1.1"]
    assert got == []


# ----------------------------------------------------------------------------- real exports
@pytest.fixture(scope="module")
def flat_export(tmp_path_factory):
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.export.api import export_documents
    out = tmp_path_factory.mktemp("flat")
    snap = sample(default_forms(), "combined-atmp")
    export_documents(snap, ["m1-6-era", "m2-3-qos", "m3-2-s", "m3-2-p", "m3-2-a", "m3-2-r", "gmo-snif"], out,
                     formats=("docx",))
    return snap, out


def test_the_flat_export_of_a_sample_passes_the_ctd_checks(forms, flat_export):
    snap, out = flat_export
    problems = [(f.rule, f.location, f.message) for f in check_export(forms, snap, out) if f.rule != "CTD-06"]
    assert problems == []


def test_the_module_1_checklist_follows_the_project(forms, flat_export):
    snap, out = flat_export
    codes = [f.location for f in check_export(forms, snap, out) if f.rule == "CTD-06"]
    assert codes[:3] == ["1.0", "1.2", "1.3.1"] and "1.10" in codes and "1.5.5" not in codes
    conditional = ProjectSnapshot({}, {**snap.values, "applicant": {**snap.values["applicant"],
                                                                    "procedure": "maa_conditional"}})
    assert "1.5.5" in [f.location for f in check_export(forms, conditional, out) if f.rule == "CTD-06"]
    assert {f.severity for f in check_export(forms, snap, out) if f.rule == "CTD-06"} == {"info"}


def test_cli_validate_with_export_adds_the_file_checks(forms, flat_export, tmp_path, capsys):
    from atmp_desktop import cli
    from atmp_desktop.core.project import to_document
    from atmp_desktop.store import ProjectFile
    snap, out = flat_export
    path = tmp_path / "p.atmp"
    ProjectFile.create(path, forms, document=to_document(snap)).close()
    assert cli.main(["validate", str(path), "--export", str(out), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["rule"] for r in rows} == {"CTD-06"}
    broken = tmp_path / "broken"
    _ctd_02_fire(broken)
    assert cli.main(["validate", str(path), "--export", str(broken)]) == 1
    assert "ERROR   CTD-02" in capsys.readouterr().out


def test_the_ectd_export_of_a_sample_passes_the_ctd_checks(forms, tmp_path):
    from atmp_desktop.export.api import export_documents
    snap = sample(forms, "combined-atmp")
    export_documents(snap, ["m3-2-p"], tmp_path, formats=("docx", "pdf"), layout="ectd")
    problems = [(f.rule, f.location) for f in check_export(forms, snap, tmp_path) if f.rule != "CTD-06"]
    assert problems == []
