"""A rule applies by what the project pursues: main procedure, parallel procedures and stage together."""
from __future__ import annotations

import pytest

from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.pursuits import ALL, pursuits_of
from atmp_desktop.core.rules.catalogue import applicability_rows, family_cell
from atmp_desktop.core.validation import all_rules, rule_by_id, run_rule
from tests.test_rules import CASES, S

CHOICES = [("procedure", v) for v in ("maa_standard", "maa_accelerated", "maa_conditional", "maa_exceptional",
                                      "ct_gmo", "atmp_classification", "sme_certification")] + \
          [("stage", v) for v in ("exploratory_ct", "confirmatory_ct", "maa")]


def with_choice(snap: ProjectSnapshot, kind: str, value: str) -> ProjectSnapshot:
    values = {k: dict(v) for k, v in snap.values.items()}
    values["applicant"] = {"procedure": value} if kind == "procedure" else {"development_stage": value}
    return ProjectSnapshot(meta={}, values=values, section_status=snap.section_status, table_ids=snap.table_ids)


def test_every_procedure_and_stage_choice_is_mapped(forms):
    chosen = {(k, c.value) for k, path in (("procedure", "applicant.procedure"),
                                          ("stage", "applicant.development_stage"))
              for c in forms.field(path).choices}
    assert chosen == set(CHOICES)
    assert len(applicability_rows(forms)) == len(CHOICES)


@pytest.mark.parametrize("kind, value", CHOICES)
def test_rules_outside_a_procedure_stay_silent(forms, kind, value):
    """Each rule's firing case, moved to a procedure the rule does not concern, stays silent."""
    pursuits = pursuits_of([value] if kind == "procedure" else [], value if kind == "stage" else None)
    for rule in all_rules():
        if rule.concerns(pursuits) or rule.on != "project":
            continue
        fire, _ = CASES[rule.id]
        assert run_rule(rule, forms, with_choice(fire, kind, value)) == [], (rule.id, value)


@pytest.mark.parametrize("kind, value", CHOICES)
def test_rules_of_a_procedure_still_fire(forms, kind, value):
    """Each rule the procedure concerns fires on its case when the case needs nothing of the applicant step."""
    pursuits = pursuits_of([value] if kind == "procedure" else [], value if kind == "stage" else None)
    for rule in all_rules():
        if rule.on != "project":
            continue
        fire, _ = CASES[rule.id]
        if rule.concerns(pursuits) and "applicant" not in fire.values:
            assert run_rule(rule, forms, with_choice(fire, kind, value)), (rule.id, value)


def test_the_table_cells_match_the_rules(forms):
    for _kind, _label, pursuits in applicability_rows(forms):
        for family in {r.family for r in all_rules()}:
            members = [r for r in all_rules() if r.family == family]
            cell = family_cell(family, pursuits)
            on = [r for r in members if r.concerns(pursuits)]
            assert (cell == "all") == (len(on) == len(members)) and (cell == "–") == (not on)


def test_a_project_without_procedure_or_stage_is_checked_for_everything():
    assert pursuits_of([], None) == ALL


def test_parallel_procedures_add_their_rules():
    assert pursuits_of(["maa_standard", "ct_gmo"], "maa") == {"maa", "ct"}
    assert pursuits_of(["atmp_classification"], "exploratory_ct") == {"classification", "ct"}


AAV_GMO = {"contains_gmo": True, "vector_family": "aav", "gm_cells": False, "atmp_type": "GTMP"}


def test_gmo_07_fires_for_an_maa_with_a_parallel_trial_gmo_application(forms):
    """Issue 15: standard MAA + a clinical-trial GMO application among other_procedures: the AAV form applies."""
    parallel = S(applicant={"procedure": "maa_standard", "other_procedures": ["ct_gmo"], "development_stage": "maa"},
                 product=AAV_GMO)
    assert {f.location for f in run_rule(rule_by_id("GMO-07"), forms, parallel)} == {
        "gmo.rcaav_absence_evidence", "gmo.transgene_harmful"}
    only_maa = S(applicant={"procedure": "maa_standard", "development_stage": "maa"}, product=AAV_GMO)
    assert run_rule(rule_by_id("GMO-07"), forms, only_maa) == []


@pytest.mark.parametrize("rule_id", ["GMO-04", "GMO-05", "GMO-06", "GMO-08", "GMP-02"])
def test_trial_rules_follow_a_parallel_trial_gmo_application(forms, rule_id):
    fire, _ = CASES[rule_id]
    values = {k: dict(v) for k, v in fire.values.items()}
    values["applicant"] = {"procedure": "maa_standard", "other_procedures": ["ct_gmo"], "development_stage": "maa"}
    assert run_rule(rule_by_id(rule_id), forms, ProjectSnapshot({}, values))
    values["applicant"] = {"procedure": "maa_standard", "development_stage": "maa"}
    assert run_rule(rule_by_id(rule_id), forms, ProjectSnapshot({}, values)) == []


def test_maa_rules_follow_a_parallel_maa(forms):
    """A certification request with an MAA planned in parallel gets the MAA rules (PIP, process validation)."""
    snap = S(applicant={"procedure": "sme_certification", "other_procedures": ["maa_standard"]})
    assert run_rule(rule_by_id("PRO-05"), forms, snap)
    alone = S(applicant={"procedure": "sme_certification"})
    assert run_rule(rule_by_id("PRO-05"), forms, alone) == []


def _required_steps(forms, values) -> set[str]:
    snap = ProjectSnapshot(meta={}, values=values, section_status={}, table_ids={})
    return {f.location.split(".")[0] for f in run_rule(rule_by_id("REQ-01"), forms, snap)}


def test_required_fields_follow_what_the_project_pursues(forms):
    """A classification request is not told its Module 3 fields are missing; a marketing authorisation is."""
    product = {"atmp_type": "sCTMP", "origin": "allogeneic"}
    classification = _required_steps(forms, {"applicant": {"procedure": "atmp_classification"}, "product": product})
    assert {"applicant", "product", "materials"} <= classification  # the request describes cells and materials
    assert not classification & {"manufacturing", "quality", "nonclinical", "traceability"}
    snap = ProjectSnapshot(meta={}, values={"applicant": {"procedure": "atmp_classification"}, "product": product},
                           section_status={}, table_ids={})
    materials = {f.location for f in run_rule(rule_by_id("REQ-01"), forms, snap) if f.location.startswith("materials.")}
    assert materials == {"materials.cell_source"}  # donor tests or raw materials are for the dossiers
    maa = _required_steps(forms, {"applicant": {"procedure": "atmp_classification",
                                                "other_procedures": ["maa_standard"]}, "product": product})
    assert {"manufacturing", "quality", "nonclinical", "traceability"} <= maa
    nothing_chosen = _required_steps(forms, {"product": product})
    assert nothing_chosen == maa  # a project that has chosen no procedure yet is checked for all
    trial = {f.location for f in run_rule(rule_by_id("REQ-01"), forms, ProjectSnapshot(
        meta={}, values={"applicant": {"development_stage": "exploratory_ct"}, "product": product},
        section_status={}, table_ids={}))}
    assert "quality.dp_specification" in trial and "traceability.rmp_important_risks" not in trial  # no RMP yet
