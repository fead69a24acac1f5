"""Projects entered from public-EPAR-like facts (tests/data/epar-*.json, written by tests/data/make_epar.py;
fictional names, realistic facts): each defect of issue 15 as a writer met it."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from atmp_desktop.core.interchange import check_document
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.validation import has_errors, validate

DATA = Path(__file__).parent / "data"
NAMES = ("car-t", "aav", "oncolytic", "tep", "combined", "allogeneic")


def project(forms, name: str, **changes) -> ProjectSnapshot:
    doc = json.loads((DATA / f"epar-{name}.json").read_text(encoding="utf-8"))
    problems, data = check_document(forms, doc)
    assert problems == []
    data = copy.deepcopy(data)
    for path, value in changes.items():
        step, fid = path.split("__")
        data.setdefault(step, {})[fid] = value
    return ProjectSnapshot(meta=doc["project"], values=data)


def at(findings, rule):
    return {f.location for f in findings if f.rule == rule}


def test_the_projects_are_what_the_generator_writes(tmp_path):
    """tests/data/make_epar.py is the source of the committed JSON files."""
    import runpy
    runpy.run_path(str(DATA / "make_epar.py"), run_name="make_epar")["write"](tmp_path)
    for name in NAMES:
        assert (tmp_path / f"epar-{name}.json").read_text(encoding="utf-8") == \
            (DATA / f"epar-{name}.json").read_text(encoding="utf-8"), f"run: python tests/data/make_epar.py ({name})"


@pytest.mark.parametrize("name", NAMES)
def test_every_project_imports_and_validates(forms, name):
    findings = validate(forms, project(forms, name))
    assert findings and not [f for f in findings if "could not be run" in f.message]


def test_car_t_an_empty_donor_test_table_stays_an_error(forms):
    """REQ-01's error no longer gives way to DON-02's warning (autologous, cryopreserved)."""
    findings = validate(forms, project(forms, "car-t"))
    donor = {(f.rule, f.severity) for f in findings if f.location == "materials.donor_tests"}
    assert donor == {("REQ-01", "error"), ("DON-02", "warning")} and has_errors(findings)


def test_car_t_the_malignancy_wording_does_not_answer_ltf_02(forms):
    findings = validate(forms, project(forms, "car-t"))
    assert at(findings, "LTF-02") == {"traceability.rmp_insertional_oncogenesis"}
    answered = project(forms, "car-t", traceability__rmp_insertional_oncogenesis="potential",
                       traceability__ltfu_plan="15 years; annual blood count and clonality testing.")
    assert at(validate(forms, answered), "LTF-02") == set()


def test_car_t_dose_and_specification_agree(forms):
    assert at(validate(forms, project(forms, "car-t")), "CON-06") == set()


def test_aav_the_parallel_trial_gmo_application_turns_on_the_aav_form_rules(forms):
    """Standard MAA + a clinical-trial GMO application among the other procedures: GMO-07 fires."""
    findings = validate(forms, project(forms, "aav"))
    assert at(findings, "GMO-07") == {"gmo.rcaav_absence_evidence", "gmo.transgene_harmful"}
    assert "gmo.member_states" in at(findings, "GMO-04")
    only_maa = project(forms, "aav", applicant__other_procedures=[])
    assert at(validate(forms, only_maa), "GMO-07") == at(validate(forms, only_maa), "GMO-04") == set()


def test_aav_vector_genomes_per_ml_agree(forms):
    assert at(validate(forms, project(forms, "aav")), "CON-06") == set()


def test_oncolytic_a_bare_close_contacts_in_the_conclusion_does_not_answer_gmo_10(forms):
    findings = validate(forms, project(forms, "oncolytic"))
    assert at(findings, "GMO-10") >= {"gmo.transmission_to_contacts", "gmo.environmental_survival"}


def test_oncolytic_volume_and_concentration_are_read_apart(forms):
    """'up to 4 mL of 1 × 10⁶ PFU/mL': 4 mL is the volume, 10⁶ PFU/mL the concentration; two strengths, two
    specification rows."""
    assert at(validate(forms, project(forms, "oncolytic")), "CON-06") == set()
    wrong = project(forms, "oncolytic", product__dose="up to 4 mL of 1 × 10⁷ PFU/mL by intralesional injection")
    assert at(validate(forms, wrong), "CON-06")


def test_oncolytic_a_us_site_needs_no_eu_authorisation_of_its_own(forms):
    findings = validate(forms, project(forms, "oncolytic"))
    assert not [f for f in findings if f.rule in ("GMP-01", "CON-03")]
    snap = project(forms, "oncolytic")
    sites = copy.deepcopy(snap.values["manufacturing"]["sites"])
    sites[0]["importer"] = ""
    no_importer = project(forms, "oncolytic", manufacturing__sites=sites,
                          manufacturing__process_steps=snap.values["manufacturing"]["process_steps"])
    assert "manufacturing.sites[0].importer" in at(validate(forms, no_importer), "GMP-01")


def test_tep_thousands_separators_in_the_strength(forms):
    """'79,000 – 316,000 cells/cm²' against '7.9 × 10⁴ to 3.16 × 10⁵ viable cells/cm²'."""
    assert at(validate(forms, project(forms, "tep")), "CON-06") == set()
    wrong = project(forms, "tep", product__strength="79 – 316 cells/cm²")
    assert at(validate(forms, wrong), "CON-06")


def test_tep_no_long_term_follow_up_plan_is_demanded(forms):
    """No LTF rule concerns a non-genetically modified TEP, and the plan is no longer a required field."""
    findings = validate(forms, project(forms, "tep"))
    assert not [f for f in findings if f.location.startswith("traceability.ltfu")]


def test_tep_a_human_fibrin_scaffold_counts_as_biological_material(forms):
    findings = validate(forms, project(forms, "tep"))
    assert at(findings, "MAT-04") == {"manufacturing.adventitious_agents", "materials.tse_statement"}


def test_combined_the_membrane_in_the_scaffold_and_device_fields_triggers_mat_04(forms):
    findings = validate(forms, project(forms, "combined"))
    assert at(findings, "MAT-04") == {"traceability.device_tse", "manufacturing.adventitious_agents",
                                      "materials.tse_statement"}


def test_combined_membrane_in_3_2_p_7_does_not_satisfy_dev_03(forms):
    findings = validate(forms, project(forms, "combined"))
    assert at(findings, "DEV-03") == {"quality.dp_composition", "traceability.device_compatibility_data"}
    fixed = project(forms, "combined", quality__dp_composition=[
        {"component": "ChondroMatrix membrane", "component_type": "device_part", "origin": "animal",
         "tse": "Porcine; NaOH-treated"}],
        quality__compatibility="Attachment ≥ 80 % at 24 h, viability ≥ 80 % at 96 h on the membrane.",
        traceability__device_compatibility_data="quality.compatibility")
    assert at(validate(forms, fixed), "DEV-03") == set()


def test_allogeneic_a_us_testing_laboratory_works_under_the_eu_site(forms):
    findings = validate(forms, project(forms, "allogeneic"))
    assert not [f for f in findings if f.rule in ("GMP-01", "CON-03")]
    assert not [f for f in findings if f.location.startswith("traceability.ltfu")]
