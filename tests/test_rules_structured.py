"""No rule searches narrative text: the rules that used to look for keywords (GMO-10, DON-03/04/05, QC-10,
QC-11, LTF-02, DEV-03, CTD-03) read the structured answer the form asks for and check that the section the
answer points to has content."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from atmp_desktop.core import rules as rules_pkg
from atmp_desktop.core.interchange import check_document
from atmp_desktop.core.paths import samples_dir
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.rules import base
from atmp_desktop.core.validation import all_rules, rule_by_id, run_rule, validate
from tests.test_rules import CASES, S

RULE_DIR = Path(rules_pkg.__file__).parent
# CON-01 (INN spelling) and CON-07 (placeholders in ready sections) read every text on purpose: they check how a
# text is written, not whether it covers a topic.
WHOLE_TEXT_RULES = {"con_01", "con_07"}


def _narrative_paths(forms) -> set[str]:
    return {f.path for f in forms.all_fields() if f.type == "long_text"}


def _narrative_values(forms, snap: ProjectSnapshot) -> list[str]:
    out = []
    for f in forms.all_fields():
        value = snap.get(f.path)
        if f.type == "long_text" and isinstance(value, str) and value.strip():
            out.append(value.strip())
        if f.is_table and isinstance(value, list):
            long_cols = [c.id for c in f.columns if c.type == "long_text"]
            out += [str(r.get(c)).strip() for r in value if isinstance(r, dict) for c in long_cols if r.get(c)]
    return out


def test_no_rule_calls_a_text_search_on_a_narrative_field(forms):
    """Static: no rule function passes a long_text field to c.text()/c.texts() (the way to search it)."""
    narrative = _narrative_paths(forms)
    offenders = []
    for path in RULE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            if fn.name in WHOLE_TEXT_RULES:
                continue
            for call in [n for n in ast.walk(fn) if isinstance(n, ast.Call)]:
                name = getattr(call.func, "attr", getattr(call.func, "id", ""))
                if name in ("text", "texts"):
                    for arg in call.args:
                        if isinstance(arg, ast.Constant) and arg.value in narrative:
                            offenders.append(f"{path.name}:{fn.name} reads {arg.value}")
                if name == "text_cells":
                    offenders.append(f"{path.name}:{fn.name} scans every text")
    assert offenders == []


def _snapshots(forms):
    for fire, silent in CASES.values():
        yield fire
        yield silent
    for p in sorted(samples_dir().glob("*.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        _, data = check_document(forms, doc)
        yield ProjectSnapshot(meta={}, values=data, section_status=doc.get("section_status", {}))


def test_no_rule_matches_words_in_narrative_at_run_time(forms, monkeypatch):
    """Dynamic: every text a rule hands to a pattern search, over every case and sample, is a short value
    (a test name, a material, a certificate number), never the narrative of a long_text field."""
    searched: list[str] = []
    real_matches = base.matches

    def spy(pattern, text):
        searched.append(text or "")
        return real_matches(pattern, text)
    for mod in (base, *(getattr(rules_pkg, m) for m in ("completeness", "consistency", "materials", "procedure",
                                                          "product", "quality"))):
        if hasattr(mod, "matches"):
            monkeypatch.setattr(mod, "matches", spy)
    offenders = set()
    for snap in _snapshots(forms):
        searched.clear()
        validate(forms, snap)
        narrative = _narrative_values(forms, snap)
        for text in searched:
            for n in narrative:
                if len(n) >= 12 and n in text:
                    offenders.add(n[:60])
    assert offenders == set()


def test_every_pointer_names_sections_that_exist(forms):
    """Each 'where is it written' choice lists field paths of this app, which the check reads for content."""
    pointers = [f for f in forms.all_fields() if f.id.endswith(("_where", "_data")) and f.type == "choice"]
    assert len(pointers) >= 6
    for f in pointers:
        for choice in f.choices:
            assert forms.has_field(choice.value), (f.path, choice.value)
            assert forms.field(choice.value).type in ("long_text", "table"), (f.path, choice.value)


# ----------------------------------------------------------------------------- the structured answers
def test_gmo_10_a_bare_close_contacts_in_the_conclusion_no_longer_passes(forms):
    """Issue 15: 'close contacts' in the ERA conclusion satisfied the keyword check."""
    fire, silent = CASES["GMO-10"]
    assert {f.location for f in run_rule(rule_by_id("GMO-10"), forms, fire)} >= {
        "gmo.transmission_to_contacts", "gmo.environmental_survival", "gmo.patient_precautions"}
    assert run_rule(rule_by_id("GMO-10"), forms, silent) == []


def test_gmo_10_pointing_to_an_empty_era_step_fires(forms):
    _, silent = CASES["GMO-10"]
    values = {k: dict(v) for k, v in silent.values.items()}
    values["gmo"]["era_step3_likelihood"] = ""
    [f] = run_rule(rule_by_id("GMO-10"), forms, ProjectSnapshot({}, values))
    assert f.location == "gmo.transmission_to_contacts_where" and "empty" in f.message
    assert forms.field("gmo.era_step3_likelihood").label in f.message


def test_gmo_10_not_yet_addressed_says_what_to_do(forms):
    snap = S(product={"contains_gmo": True, "replication_competent_by_design": True},
             gmo={"transmission_to_contacts": "no", "environmental_survival": "not_relevant",
                  "environmental_survival_where": "gmo.waste", "waste": "Autoclaved.", "ppe": "x",
                  "patient_precautions": "x"})
    [f] = run_rule(rule_by_id("GMO-10"), forms, snap)
    assert f.location == "gmo.transmission_to_contacts" and "not addressed yet" in f.message


def test_dev_03_membrane_in_3_2_p_7_no_longer_passes(forms):
    """Issue 15: DEV-03 passed when 'membrane' appeared anywhere in 3.2.P.7."""
    fire, silent = CASES["DEV-03"]
    assert {f.location for f in run_rule(rule_by_id("DEV-03"), forms, fire)} == {
        "quality.dp_composition", "traceability.device_compatibility_data"}
    assert run_rule(rule_by_id("DEV-03"), forms, silent) == []


def test_dev_03_device_compatibility_data_must_point_to_content(forms):
    _, silent = CASES["DEV-03"]
    values = {k: dict(v) for k, v in silent.values.items()}
    values["traceability"]["device_compatibility_data"] = "manufacturing.process_validation"
    [f] = run_rule(rule_by_id("DEV-03"), forms, ProjectSnapshot({}, values))
    assert f.location == "traceability.device_compatibility_data" and "empty" in f.message


def test_the_3_2_p_definition_refers_combined_products_to_3_2_r():
    """DEV-03's cross-reference half is made by the document definitions: 3.2.P.1 points to 3.2.R."""
    from atmp_desktop.core.definitions import default_definitions
    heads = {h.code: h for h in default_definitions().document("m3-2-p").headings if h.code}
    text = json.dumps([repr(i) for i in heads["3.2.P.1"].items])
    assert "3.2.R" in text and "m3-2-r" in text


def test_qc_11_integrity_words_in_the_container_text_no_longer_pass(forms):
    fire, silent = CASES["QC-11"]
    assert {f.location for f in run_rule(rule_by_id("QC-11"), forms, fire)} == {
        "quality.post_thaw_stability", "quality.cci_at_storage"}
    assert run_rule(rule_by_id("QC-11"), forms, silent) == []


def test_qc_11_not_relevant_is_not_an_answer_for_a_frozen_product(forms):
    _, silent = CASES["QC-11"]
    values = {k: dict(v) for k, v in silent.values.items()}
    values["quality"]["cci_at_storage"] = "no"
    [f] = run_rule(rule_by_id("QC-11"), forms, ProjectSnapshot({}, values))
    assert f.location == "quality.cci_at_storage"


def test_ltf_02_the_word_in_the_risk_list_no_longer_passes(forms):
    fire, silent = CASES["LTF-02"]
    assert [f.location for f in run_rule(rule_by_id("LTF-02"), forms, fire)] == [
        "traceability.rmp_insertional_oncogenesis"]
    assert run_rule(rule_by_id("LTF-02"), forms, silent) == []


@pytest.mark.parametrize("rule_id", ["DON-03", "DON-04", "DON-05", "QC-10"])
def test_keyword_texts_no_longer_satisfy(forms, rule_id):
    """The firing cases hold the wording that used to satisfy the keyword search."""
    fire, silent = CASES[rule_id]
    assert run_rule(rule_by_id(rule_id), forms, fire)
    assert run_rule(rule_by_id(rule_id), forms, silent) == []


def test_ctd_03_reads_the_answers_not_the_description(forms):
    worded = S(quality={"ds_description": "Not applicable: the active substance is not stored."})
    assert run_rule(rule_by_id("CTD-03"), forms, worded)
    answered = S(manufacturing={"ds_isolated": True, "ds_stored": False})
    assert run_rule(rule_by_id("CTD-03"), forms, answered) == []


def test_the_structured_questions_are_printed_for_the_writer(forms):
    """The answers appear in the readiness report next to the section they point to."""
    from atmp_desktop.export import builders
    from atmp_desktop.export.plaintext import render
    from tests.test_validation_severity import sample
    text = render(builders.build("cat-readiness", sample(forms, "car-t")))
    assert "Questions an assessor asks" in text
    assert "Post-thaw stability (QC-11)" in text and "In-use / post-thaw stability (3.2.P.8.1)" in text


def test_all_rules_are_registered_once():
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids))
