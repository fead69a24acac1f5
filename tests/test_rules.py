"""Every rule fires on a snapshot that lacks what it checks and stays silent once the gap is filled."""
from __future__ import annotations

import pytest

from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.quantity import hours, parse_durations
from atmp_desktop.core.rules.consistency import stated_amounts
from atmp_desktop.core.validation import all_rules, rule_by_id, run_rule, validate


def tp(text):
    """Structured time points, as the store holds them."""
    return [{"value": p.value, "unit": p.unit} for p in parse_durations(text)]


def S(status=None, **steps) -> ProjectSnapshot:
    return ProjectSnapshot(meta={}, values=steps, section_status=status or {})


def with_results(viability: str, endotoxin: str, stability_viability: str = "88") -> ProjectSnapshot:
    """Batches, studies and results linked to specification rows by row id, as the store holds them."""
    quality = {
        "dp_specification": [{"test": "Viability", "acceptance_criterion": "≥ 70 %"},
                             {"test": "Endotoxin", "acceptance_criterion": "≤ 5.0 EU/mL"},
                             {"test": "Sterility", "acceptance_criterion": "No growth"}],
        "batch_analyses": [{"batch": "24-0117", "material": "DP"}],
        "batch_results": [{"batch": "b1", "test": "t1", "result": viability, "unit": "%"},
                          {"batch": "b1", "test": "t2", "result": endotoxin},
                          {"batch": "b1", "test": "t3", "result": "Growth", "result_type": "text"}],
        "stability_studies": [{"study": "STB-01", "material": "DP"}],
        "stability_results": [{"study": "s1", "time_point": {"value": 12, "unit": "months"}, "test": "t1",
                               "result": stability_viability, "unit": "%"}],
    }
    ids = {"quality.dp_specification": ("t1", "t2", "t3"), "quality.batch_analyses": ("b1",),
           "quality.batch_results": ("r1", "r2", "r3"), "quality.stability_studies": ("s1",),
           "quality.stability_results": ("x1",)}
    return ProjectSnapshot(meta={}, values={"quality": quality}, table_ids=ids)


GMO_CT = {"contains_gmo": True}
CT = {"development_stage": "exploratory_ct"}
ERA_FULL = {f"era_step{i}_{n}": f"Step {i} text" for i, n in
            enumerate(["hazards", "consequences", "likelihood", "risk", "management", "overall"], 1)}
SNIF_FULL = {f"snif_{x}": "text" for x in ["a_general", "b_recipient", "c_modification", "d_donor", "e_gmo",
                                            "f_release", "g_interactions", "h_monitoring", "i_waste", "j_emergency"]}
DONOR_TESTS = [{"test": "Anti-HIV-1,2"}, {"test": "HBsAg"}, {"test": "Anti-HBc"}, {"test": "Anti-HCV-Ab"},
               {"test": "Syphilis (TPHA)"}]
CELL_SPEC = [{"test": "Identity (CD3+ phenotype)", "category": "identity"}, {"test": "Viability"},
             {"test": "Viable cell count"}, {"test": "Purity (residual non-target cells)", "category": "purity"},
             {"test": "Sterility (Ph. Eur. 2.6.27)"}, {"test": "Mycoplasma"}, {"test": "Endotoxin"}]
SITE_FULL = {"name": "Site A", "authorisation_number": "MIA-1", "qualified_person": "Dr Q",
             "gmp_certificate_date": "2025-01-01"}
DEVICE_FULL = {"device_description": "d", "device_function": "f", "device_compatibility": "c",
               "device_conformity": "GSPR checklist", "notified_body_name": "NB", "notified_body_number": "0123",
               "nb_certificate": "Certificate 123 of 2025"}

# rule id -> (snapshot where it must fire, snapshot where it must stay silent)
CASES: dict[str, tuple[ProjectSnapshot, ProjectSnapshot]] = {
    "TYP-01": (S(product={"atmp_type": "unclear"}), S(product={"atmp_type": "GTMP"})),
    "TYP-02": (S(product={"substantially_manipulated": False, "same_essential_function": True}),
               S(product={"substantially_manipulated": True, "same_essential_function": True})),
    "TYP-03": (S(product={"atmp_type": "sCTMP"}, materials={"scaffold_description": "collagen"}),
               S(product={"atmp_type": "TEP"}, materials={"scaffold_description": "collagen"})),
    "TYP-04": (S(product={"gm_cells": True, "atmp_type": "sCTMP"}), S(product={"gm_cells": True, "atmp_type": "GTMP"})),
    "TYP-05": (S(applicant={"hospital_exemption": True, "procedure": "maa_standard"}),
               S(applicant={"hospital_exemption": True, "procedure": "atmp_classification"})),
    "GMO-01": (S(product=GMO_CT), S(product=GMO_CT, gmo={**ERA_FULL, "annex_iiia_information": "x"})),
    "GMO-02": (S(), S(product={"contains_gmo": False})),
    "GMO-03": (S(product={"gm_cells": True}),
               S(product={"gm_cells": True, "contains_gmo": True},
                 gmo={"rcv_assay": "RCL by co-culture", "residual_infectious_particles": "below LOD"})),
    "GMO-04": (S(product=GMO_CT, applicant=CT),
               S(product=GMO_CT, applicant=CT,
                 gmo={"member_states": [{"member_state": "DE", "framework": "contained_use", "sequence": "parallel"}]})),
    "GMO-05": (S(product=GMO_CT, gmo={"member_states": [{"member_state": "ES", "framework": "deliberate_release"}]}),
               S(product=GMO_CT, gmo={"member_states": [{"member_state": "ES", "framework": "deliberate_release"}],
                                      **SNIF_FULL})),
    "GMO-06": (S(product={**GMO_CT, "gm_cells": True, "vector_family": "lentivirus"}, applicant=CT),
               S(product={**GMO_CT, "gm_cells": True, "vector_family": "lentivirus"}, applicant=CT,
                 gmo={"rcv_assay": "RCL", "residual_infectious_particles": "negligible"})),
    "GMO-07": (S(product={**GMO_CT, "vector_family": "aav"}, applicant=CT),
               S(product={**GMO_CT, "vector_family": "aav"}, applicant=CT,
                 gmo={"rcaav_absence_evidence": "no rep/cap homology", "transgene_harmful": False})),
    "GMO-08": (S(product={**GMO_CT, "gm_cells": True}, applicant=CT, gmo={"member_states": [{"member_state": "Poland"}]}),
               S(product={**GMO_CT, "gm_cells": True}, applicant=CT, gmo={"member_states": [{"member_state": "Germany"}]})),
    "GMO-09": (S(product=GMO_CT),
               S(product=GMO_CT, gmo={**ERA_FULL, "shedding": [
                   {"matrix": "urine", "method": "qPCR", "duration": "28 days", "detects": "genomes"}]})),
    # the keyword version passed on a bare "close contacts" in the ERA conclusion (issue 15)
    "GMO-10": (S(product={**GMO_CT, "replication_competent_by_design": True},
                 gmo={"era_step6_overall": "Risk to close contacts and the environment is negligible.",
                      "ppe": "Gloves and gowns; patient precautions for dressings."}),
               S(product={**GMO_CT, "replication_competent_by_design": True},
                 gmo={**ERA_FULL, "transmission_to_contacts": "yes",
                      "transmission_to_contacts_where": "gmo.era_step3_likelihood",
                      "environmental_survival": "yes", "environmental_survival_where": "gmo.era_step2_consequences",
                      "ppe": "Gloves, gown, eye protection.", "patient_precautions": "Cover the injection site."})),
    "DON-01": (S(product={"origin": "allogeneic"}),
               S(product={"origin": "allogeneic"},
                 materials={"donor_eligibility": "x", "consent_procedure": "x", "tissue_establishment_authorisation": "TE-1",
                            "donor_tests": DONOR_TESTS, "anti_hbc_handling": "NAT for HBV DNA"})),
    "DON-02": (S(product={"origin": "autologous"}, quality={"cryopreserved": True}),
               S(product={"origin": "autologous"}, quality={"cryopreserved": True},
                 materials={"donor_tests": DONOR_TESTS, "positive_result_handling": "segregated storage"})),
    "DON-03": (S(product={"origin": "autologous"},
                 traceability={"autologous_labelling": "For autologous use only; patient ID", "chain_of_identity": "x"}),
               S(product={"origin": "autologous"},
                 traceability={"autologous_label_items": ["autologous_use", "patient_identifier"],
                               "chain_of_identity": "x"})),
    "DON-04": (S(materials={"pooled_donors": True, "pooling_strategy": "Each donation is traceable by ISBT 128 code."}),
               S(materials={"pooled_donors": True, "pooling_strategy": "Five donors per pool.",
                            "pooled_donations_traceable": True})),
    "DON-05": (S(product={"origin": "xenogeneic"},
                 materials={"xenogeneic_source_animals": "Pigs bred in a designated pathogen-free facility; "
                                                         "husbandry records; tested for PERV."}),
               S(product={"origin": "xenogeneic"},
                 materials={"xenogeneic_source_animals": "Göttingen minipigs, closed herd.",
                            "xenogeneic_infectious_testing": "PERV, PCMV, HEV by PCR.",
                            "xenogeneic_facility": "Designated pathogen-free barrier unit."})),
    "MAT-01": (S(product={"atmp_type": "GTMP", "vector_family": "aav"}),
               S(product={"atmp_type": "GTMP", "vector_family": "aav"},
                 materials={"vectors": [{"name": "AAV9-X"}], "plasmids_description": "three plasmids",
                            "cell_banks": [{"bank_type": "MCB", "name": "HEK293 MCB"}]})),
    "MAT-02": (S(product={"vector_family": "plasmid"}),
               S(product={"vector_family": "plasmid"},
                 materials={"plasmids_description": "pX in E. coli", "cell_banks": [{"bank_type": "MCB"}]})),
    "MAT-03": (S(product={"gm_cells": True}),
               S(product={"gm_cells": True},
                 materials={"vectors": [{"name": "LV", "transgene": "CAR", "production_system": "HEK293T"}]})),
    "MAT-04": (S(materials={"raw_materials": [{"material": "Human AB serum", "biological_origin": "human"}]}),
               S(materials={"raw_materials": [{"material": "Human AB serum", "biological_origin": "human",
                                               "tse_risk": "low", "ph_eur_reference": "5.2.12"}],
                            "tse_statement": "EU donors, NAT-tested"},
                 manufacturing={"adventitious_agents": "x"})),
    "QC-01": (S(), S(quality={"dp_specification": [{"test": "Potency (IFN-γ release)", "category": "potency"}],
                              "potency_assay_description": "quantitative, MoA-linked"})),
    "QC-02": (S(product={"vector_family": "lentivirus"}),
              S(product={"vector_family": "lentivirus"}, quality={"dp_specification": [{"test": "RCL"}]})),
    "QC-03": (S(product={"gm_cells": True, "is_integrating": True}),
              S(product={"gm_cells": True, "is_integrating": True},
                quality={"dp_specification": [{"test": "VCN"}, {"test": "Transduction efficiency"}],
                         "characterisation": [{"attribute": "Integration site analysis"}]})),
    "QC-04": (S(product={"genome_edited": True}),
              S(product={"genome_edited": True},
                quality={"characterisation": [{"attribute": "Off-target editing"}, {"attribute": "On-target indels"}],
                         "dp_specification": [{"test": "Editing efficiency"}]})),
    "QC-05": (S(product={"vector_family": "plasmid"}),
              S(product={"vector_family": "plasmid"},
                quality={"dp_specification": [{"test": "Supercoiled content"}],
                         "stability_studies": [{"material": "DP", "note": "supercoiled ≥ 80 %"}]})),
    "QC-06": (S(product={"atmp_type": "sCTMP"}), S(product={"atmp_type": "sCTMP"}, quality={"dp_specification": CELL_SPEC})),
    "QC-07": (S(quality={"shelf_life": {"value": 48, "unit": "h"}}),
              S(quality={"shelf_life": {"value": 48, "unit": "h"}, "release_strategy": "x", "oos_handling": "x"})),
    "QC-08": (S(quality={"release_before_sterility_result": True}),
              S(quality={"release_before_sterility_result": True},
                manufacturing={"intermediate_controls_justification": "x"})),
    "QC-09": (S(), S(quality={"reference_standards": "in-house reference"})),
    "QC-10": (S(product={"atmp_type": "TEP"}, quality={"characterisation": [{"attribute": "Extracellular matrix"}]}),
              S(product={"atmp_type": "TEP"}, quality={"characterisation": [{"attribute": "Extracellular matrix"}],
                                                       "structure_characterised": "yes",
                                                       "structure_characterised_where": "quality.characterisation"})),
    "QC-11": (S(quality={"cryopreserved": True, "in_use_stability": "6 h post-thaw",
                         "container_closure": "Container closure integrity shown at -150 °C."}),
              S(quality={"cryopreserved": True, "in_use_stability": "6 h post-thaw",
                         "container_closure": "EVA bag, helium leak test after storage at ≤ −150 °C.",
                         "post_thaw_stability": "yes", "post_thaw_stability_where": "quality.in_use_stability",
                         "cci_at_storage": "yes", "cci_at_storage_where": "quality.container_closure"})),
    "QC-12": (S(applicant={"procedure": "maa_standard"},
                quality={"analytical_procedures": [{"test": "Potency", "validation_status": "qualified"}],
                         "dp_specification": [{"test": "Potency (IFN-γ)"}]}),
              S(applicant={"procedure": "maa_standard"}, manufacturing={"process_validation": "3 PPQ batches"},
                quality={"analytical_procedures": [{"test": "Potency", "validation_status": "validated"}]})),
    "QC-14": (S(applicant={"development_stage": "confirmatory_ct"},
                quality={"analytical_procedures": [{"test": "Potency (cytotoxicity)", "validation_status": "qualified"}],
                         "dp_specification": [{"test": "Potency", "category": "potency"}]}),
              S(applicant={"development_stage": "confirmatory_ct"},
                quality={"analytical_procedures": [{"test": "Potency (cytotoxicity)", "validation_status": "validated"}],
                         "dp_specification": [{"test": "Potency", "category": "potency"}]})),
    "QC-13": (S(manufacturing={"process_changed_after_pivotal": True}),
              S(manufacturing={"process_changed_after_pivotal": True, "comparability": "x"})),
    "DEV-01": (S(product={"is_combined": True}), S(product={"is_combined": True}, traceability=DEVICE_FULL)),
    "DEV-02": (S(product={"is_combined": True}),
               S(product={"is_combined": True}, traceability={"nb_certificate": "Certificate 123"})),
    # the keyword version passed when "membrane" appeared anywhere in 3.2.P.7 (issue 15)
    "DEV-03": (S(product={"is_combined": True}, quality={"container_closure": "Membrane in a sterile blister."}),
               S(product={"is_combined": True},
                 quality={"dp_composition": [{"component": "Collagen membrane", "component_type": "device_part"}],
                          "compatibility": "Viability ≥ 85 % after 48 h on the membrane."},
                 traceability={"device_compatibility_data": "quality.compatibility"})),
    "DEV-04": (S(product={"has_device_non_integral": True}),
               S(product={"has_device_non_integral": True},
                 traceability={"device_description": "x", "device_compatibility": "x"})),
    "DEV-05": (S(product={"is_combined": True}),
               S(product={"is_combined": True}, traceability={"combined_clinical_studies": "x"})),
    "TRC-01": (S(), S(traceability={"traceability_system": "x"})),
    "TRC-02": (S(traceability={"retention_years": 15}), S(traceability={"retention_years": 30})),
    "LTF-01": (S(product={"atmp_type": "GTMP"}),
               S(product={"atmp_type": "GTMP"}, traceability={"ltfu_plan": "x", "ltfu_duration_years": 15})),
    "LTF-02": (S(product={"is_integrating": True}, traceability={"rmp_important_risks": "Insertional oncogenesis"}),
               S(product={"is_integrating": True},
                 traceability={"rmp_important_risks": "Potential: secondary malignancy (insertional oncogenesis).",
                               "rmp_insertional_oncogenesis": "potential", "ltfu_plan": "15 years, annual blood"})),
    "PRO-01": (S(applicant={"procedure": "maa_conditional"}),
               S(applicant={"procedure": "maa_conditional", "conditional_justification": "x"})),
    "PRO-02": (S(applicant={"procedure": "maa_exceptional"}),
               S(applicant={"procedure": "maa_exceptional", "exceptional_justification": "x"})),
    "PRO-03": (S(applicant={"procedure": "maa_accelerated", "accelerated_request_date": "2027-01-01",
                            "planned_submission_date": "2027-01-20"}),
               S(applicant={"procedure": "maa_accelerated", "accelerated_request_date": "2026-10-01",
                            "planned_submission_date": "2027-01-20"})),
    "PRO-04": (S(product={"orphan_designated": True}), S(product={"orphan_designated": True, "orphan_number": "EU/3/25/1"})),
    "PRO-05": (S(applicant={"procedure": "maa_standard"}),
               S(applicant={"procedure": "maa_standard", "pip_reference": "P/0001/2025"})),
    "SME-01": (S(applicant={"is_sme": True, "sme_number": "S1", "sme_expiry": "2027-01-01",
                            "planned_submission_date": "2027-06-01"}),
               S(applicant={"is_sme": True, "sme_number": "S1", "sme_expiry": "2028-01-01",
                            "planned_submission_date": "2027-06-01"})),
    "SME-02": (S(applicant={"procedure": "sme_certification"}),
               S(applicant={"procedure": "sme_certification", "is_sme": True, "established_in_eea": True})),
    "GMP-01": (S(manufacturing={"sites": [{"name": "Site A"}]}), S(manufacturing={"sites": [SITE_FULL]})),
    "GMP-02": (S(applicant=CT),
               S(applicant=CT, quality={"dp_specification": [{"test": "x"}]},
                 manufacturing={"process_steps": [{"name": "x"}], "batch_definition": "x"})),
    "GMP-03": (S(product=GMO_CT, manufacturing={"sites": [{"name": "A"}]}),
               S(product=GMO_CT, manufacturing={"sites": [{"name": "A", "containment_class": "class_2"}]})),
    "GMP-04": (S(manufacturing={"reconstitution_at_site": True}),
               S(manufacturing={"reconstitution_at_site": True, "reconstitution_description": "x"})),
    "CTD-03": (S(), S(manufacturing={"ds_isolated": True, "ds_stored": False})),
    "CTD-04": (S(manufacturing={"process_steps": [{"stage": "DS", "site": "A"}, {"stage": "DS", "site": "B"}]}),
               S(manufacturing={"process_steps": [{"stage": "DS", "site": "A"}, {"stage": "DP", "site": "B"}]})),
    "REQ-01": (S(), S(product={"inn": "x"})),  # silence checked at product.inn below
    "CON-01": (S(product={"inn": "zelmacabtagene autoleucel"},
                 gmo={"vector_description": "Vector used to make zelma-cabtagene."}),
               S(product={"inn": "zelmacabtagene autoleucel"},
                 gmo={"vector_description": "Vector used to make Zelmacabtagene autoleucel."})),
    "CON-02": (S(manufacturing={"sites": [{"name": "Site A"}], "process_steps": [{"name": "Fill", "site": "Site B"}]}),
               S(manufacturing={"sites": [{"name": "Site A"}], "process_steps": [{"name": "Fill", "site": "site a"}]})),
    "CON-03": (S(manufacturing={"sites": [{"name": "A"}], "process_steps": [{"site": "A"}]}),
               S(manufacturing={"sites": [{"name": "A", "authorisation_number": "M1"}], "process_steps": [{"site": "A"}]})),
    "CON-04": (S(quality={"dp_specification": [{"test": "Sterility"}]}),
               S(quality={"dp_specification": [{"test": "Sterility"}], "analytical_procedures": [{"test": "sterility"}]})),
    "QC-20": (with_results("69", "6.2 EU/mL", "65"), with_results("91", "< 0.5", "88")),
    "CON-05": (S(quality={"shelf_life": {"value": 12, "unit": "months"},
                          "stability_studies": [{"material": "DP", "time_points": tp("0, 3, 6 months")}]}),
               S(quality={"shelf_life": {"value": 12, "unit": "months"},
                          "stability_studies": [{"material": "DP", "time_points": tp("0, 3, 6, 12 months")}]})),
    "CON-06": (S(product={"strength": "2.0 × 10^8 CAR+ viable T cells"},
                 quality={"dp_specification": [{"test": "Viable cell count",
                                                "acceptance_criterion": "0.5–1.5 × 10^8 viable cells"}]}),
               S(product={"strength": "2.0 × 10^8 CAR+ viable T cells"},
                 quality={"dp_specification": [{"test": "Viable cell count",
                                                "acceptance_criterion": "1.0–2.5 × 10^8 viable cells"}]})),
    "CON-07": (S({"3.2.S.1.1": {"status": "ready", "note": ""}}, product={"inn": "[To be completed: INN]"}),
               S({"3.2.S.1.1": {"status": "draft", "note": ""}}, product={"inn": "[To be completed: INN]"})),
}


def test_at_least_fifty_rules_with_unique_ids():
    ids = [r.id for r in all_rules()]
    assert len(ids) >= 50 and len(ids) == len(set(ids))


def test_every_rule_has_a_case():
    """Project rules here; the export rules (CTD-01/02/05/06) in tests/test_validate_export.py."""
    assert sorted(r.id for r in all_rules() if r.on == "project") == sorted(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires(forms, rule_id):
    fire, _ = CASES[rule_id]
    findings = run_rule(rule_by_id(rule_id), forms, fire)
    assert findings, f"{rule_id} did not fire"
    for f in findings:
        assert f.severity == rule_by_id(rule_id).severity and f.basis and f.message.endswith((".", ")"))
        assert f.certainty in ("V", "K", "U")
        assert "Traceback" not in f.message and "could not be run" not in f.message


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_silent(forms, rule_id):
    _, silent = CASES[rule_id]
    findings = run_rule(rule_by_id(rule_id), forms, silent)
    if rule_id == "REQ-01":
        findings = [f for f in findings if f.location == "product.inn"]
    assert findings == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_finding_names_and_links_its_field(forms, rule_id):
    """Each finding links to a field of the forms (the window opens it) and names that field (its label, as the
    writer sees it) or the CTD section; the message is a sentence that says what to do."""
    import re
    fire, _ = CASES[rule_id]
    for f in run_rule(rule_by_id(rule_id), forms, fire):
        base = f.link.split("[")[0]
        assert f.link and forms.has_field(base), (rule_id, f.location)
        assert forms.field(base).label in f.message or re.search(r"\b\d\.\d", f.message), (rule_id, f.message)
        assert f.step == base.split(".")[0] or not f.location or not f.location[0].isalpha()


def test_messages_name_the_form_labels(forms):
    f = run_rule(rule_by_id("TRC-01"), forms, S())[0]
    assert f.location == "traceability.traceability_system" and f.step == "traceability"
    assert forms.field("traceability.traceability_system").label in f.message
    assert forms.step("traceability").title in f.message


def test_table_cell_location_points_at_the_row(forms):
    snap = S(manufacturing={"sites": [SITE_FULL, {"name": "Site B", "authorisation_number": "M2",
                                                  "gmp_certificate_date": "2025-01-01"}]})
    [f] = run_rule(rule_by_id("GMP-01"), forms, snap)
    assert f.location == "manufacturing.sites[1].qualified_person" and "Site B" in f.message


def test_don_01_names_only_the_missing_tests(forms):
    snap = S(product={"origin": "allogeneic"}, materials={"donor_tests": DONOR_TESTS[:3], "htlv_risk_area": True})
    msg = [f.message for f in run_rule(rule_by_id("DON-01"), forms, snap) if f.location == "materials.donor_tests"][0]
    assert "anti-HCV-Ab" in msg and "syphilis" in msg and "HTLV" in msg and "HBsAg," not in msg


def test_req_skips_steps_that_do_not_apply_and_hidden_fields(forms):
    no_gmo = validate(forms, S(product={"contains_gmo": False}, applicant={"is_sme": False}))
    assert not [f for f in no_gmo if f.rule == "REQ-01" and f.step == "gmo"]
    assert not [f for f in no_gmo if f.location == "applicant.sme_number"]
    gmo = validate(forms, S(product={"contains_gmo": True}))
    assert [f for f in gmo if f.step == "gmo"]


def test_specific_rule_replaces_the_generic_required_finding(forms):
    findings = validate(forms, S())
    at = [f.rule for f in findings if f.location == "traceability.traceability_system"]
    assert at == ["TRC-01"]


def test_qc_01_asks_for_ds_potency_only_when_the_substance_is_isolated(forms):
    quality = {"dp_specification": [{"test": "Potency", "category": "potency"}], "potency_assay_description": "x",
               "ds_specification": [{"test": "Viable cell count"}, {"test": "CAR expression"}]}
    isolated = run_rule(rule_by_id("QC-01"), forms, S(quality=quality))
    assert [f.location for f in isolated] == ["quality.ds_specification"]
    continuous = S(quality=quality, manufacturing={"ds_isolated": True, "ds_stored": False})
    assert run_rule(rule_by_id("QC-01"), forms, continuous) == []


def test_qc_12_needs_validation_only_for_release_tests(forms):
    snap = S(applicant={"procedure": "maa_standard"}, manufacturing={"process_validation": "x"},
             quality={"dp_specification": [{"test": "Vector copy number"}],
                      "analytical_procedures": [{"test": "VCN by ddPCR", "validation_status": "in_progress"},
                                                {"test": "Integration-site analysis (characterisation)",
                                                 "validation_status": "qualified"}]})
    [f] = run_rule(rule_by_id("QC-12"), forms, snap)
    assert f.location == "quality.analytical_procedures[0].validation_status"


def test_con_04_accepts_reworded_names_acronyms_and_compendial_methods(forms):
    snap = S(quality={"dp_specification": [{"test": "Potency – IFN-γ release"}, {"test": "Replication-competent lentivirus"},
                                           {"test": "Bacterial endotoxins", "ph_eur_reference": "2.6.14"},
                                           {"test": "Residual CD19+ cells"}],
                      "analytical_procedures": [{"test": "IFN-γ release potency"}, {"test": "RCL (VSV-G qPCR)"}]})
    assert [f.location for f in run_rule(rule_by_id("CON-04"), forms, snap)] == ["quality.dp_specification[3].test"]


def test_con_06_per_ml_strength_is_compared_with_the_dose_not_the_concentration(forms):
    snap = S(product={"strength": "1.2 × 10⁶ – 6.0 × 10⁷ viable T cells/mL",
                      "dose": "0.6–6.0 × 10⁸ CAR-positive viable T cells (single dose)"},
             quality={"dp_specification": [{"test": "CAR+ viable T-cell dose", "category": "quantity",
                                            "acceptance_criterion": "0.6–6.0 × 10⁸ CAR+ viable T cells per dose"}]})
    assert run_rule(rule_by_id("CON-06"), forms, snap) == []
    wrong = S(product={"dose": "1–8 × 10⁸ viable T cells"}, quality=snap.values["quality"])
    [f] = run_rule(rule_by_id("CON-06"), forms, wrong)
    assert "1 × 10⁸ to 8 × 10⁸ cells" in f.message and "0.6–6.0 × 10⁸" in f.message


def test_con_06_explains_a_unit_mismatch(forms):
    snap = S(product={"strength": "2 × 10^8 viable cells"},
             quality={"dp_specification": [{"test": "Vector genome titre", "acceptance_criterion": "≥ 1 × 10^12 vg/mL"}]})
    [f] = run_rule(rule_by_id("CON-06"), forms, snap)
    assert "cells" in f.message and "vector genomes" in f.message


def test_con_01_ignores_descriptive_names_and_inflections(forms):
    descriptive = S(product={"inn": "autologous cultured chondrocytes on porcine collagen membrane"},
                    materials={"cell_source": "Chondrocytes are culture-expanded; membranes are sourced from pigs."})
    assert run_rule(rule_by_id("CON-01"), forms, descriptive) == []
    inflected = S(product={"inn": "tisagenlecleucel"}, gmo={"vector_description": "Tisagenlecleucel's vector."})
    assert run_rule(rule_by_id("CON-01"), forms, inflected) == []
    typo = S(product={"inn": "tisagenlecleucel"}, gmo={"vector_description": "Tisagenlecluecel vector."})
    [f] = run_rule(rule_by_id("CON-01"), forms, typo)
    assert f.location == "gmo.vector_description" and "Tisagenlecluecel" in f.message



def test_con_01_reads_typed_table_text_but_not_row_references_or_codes(forms):
    """A misspelt INN in a table's text column is found; row references, choice codes and dates are values the
    forms give (a row id may happen to look like a word), so they are never reported as a spelling of it."""
    inn = {"inn": "tisagenlecleucel"}
    typed = S(product=inn, quality={"batch_results": [{"batch": "b1", "test": "t1", "result": "Tisagenlecluecel"}]})
    [f] = run_rule(rule_by_id("CON-01"), forms, typed)
    assert f.location == "quality.batch_results[0].result"
    ids = S(product=inn, quality={"batch_results": [{"batch": "tisagenlecluecel", "test": "tisagenleclucel",
                                                     "result": "97", "result_type": "numeric"}]},
            applicant={"development_stage": "tisagenlecleucl"})
    assert run_rule(rule_by_id("CON-01"), forms, ids) == []

def test_con_06_different_bases_are_not_compared(forms):
    snap = S(quality={"dp_composition": [{"component": "Chondrocytes", "function": "Active substance",
                                          "quantity": "1–2 × 10⁷ cells per implant"}],
                      "dp_specification": [{"test": "Viable cell density", "category": "quantity",
                                            "acceptance_criterion": "0.5–1.0 × 10⁶ viable cells/cm²"}]})
    assert run_rule(rule_by_id("CON-06"), forms, snap) == []


def test_con_05_shelf_life_in_hours_against_hour_time_points(forms):
    ok = S(quality={"shelf_life": {"value": 72, "unit": "h"},
                    "stability_studies": [{"material": "DP", "time_points": tp("0, 24, 72 h")}]})
    short = S(quality={"shelf_life": {"value": 4, "unit": "days"},
                       "stability_studies": [{"material": "DP", "time_points": tp("0, 24, 72 h")},
                                             {"material": "DS", "time_points": tp("0, 6, 12 months")}]})
    assert run_rule(rule_by_id("CON-05"), forms, ok) == []
    [f] = run_rule(rule_by_id("CON-05"), forms, short)
    assert "3 days" in f.message


@pytest.mark.parametrize("text, expected", [
    ("0, 3, 6, 12 months", 8766.0), ("0 h, 24 h, 72 h", 72.0), ("day 0, 7, 14", 336.0),
    ("T0, 1 month, 3 months", 2191.5), ("0/6/12 M", 8766.0), ("1 year", 8766.0), ("2 weeks", 336.0),
])
def test_parse_time_points(text, expected):
    assert max(hours(p) for p in parse_durations(text)) == pytest.approx(expected)


@pytest.mark.parametrize("text, expected", [
    ("1.0–2.5 × 10^8 viable CAR+ T cells", [(1e8, 2.5e8, "cells", "total")]),
    ("1.2 × 10⁶ – 6.0 × 10⁷ viable T cells/mL", [(1.2e6, 6e7, "cells", "per mL")]),
    ("0.5–1.0 × 10⁶ viable cells/cm²", [(5e5, 1e6, "cells", "per cm²")]),
    ("≤ 5% of viable CD45+ cells", []),
    ("≥ 1.0 × 10⁸ cells", [(1e8, 1e8, "cells", "total")]),
    ("2 x 10^13 vg/kg", [(2e13, 2e13, "vector genomes", "per kg")]),
    ("5e6 cells/kg", [(5e6, 5e6, "cells", "per kg")]),
    ("79,000 cells/cm²", [(79000, 79000, "cells", "per cm²")]),
    ("79 000 cells/cm²", [(79000, 79000, "cells", "per cm²")]),
    ("1 × 10⁶ PFU/mL", [(1e6, 1e6, "PFU", "per mL")]),
    ("1x10^6 PFU/mL", [(1e6, 1e6, "PFU", "per mL")]),
    ("1E6 PFU/mL", [(1e6, 1e6, "PFU", "per mL")]),
    ("1.0 × 10^6 PFU/mL", [(1e6, 1e6, "PFU", "per mL")]),
    ("7.9 × 10⁴ to 3.16 × 10⁵ PFU/mL", [(7.9e4, 3.16e5, "PFU", "per mL")]),
    ("up to 4 mL of 1 × 10⁶ PFU/mL", [(4, 4, "mL", "total"), (1e6, 1e6, "PFU", "per mL")]),
    ("1.5 × 10⁸ viable cells per bag", [(1.5e8, 1.5e8, "cells", "total")]),
])
def test_stated_amounts(text, expected):
    got = stated_amounts(text)
    assert [(k, b) for _, _, k, b in got] == [(k, b) for _, _, k, b in expected]
    for (lo, hi, _, _), (elo, ehi, _, _) in zip(got, expected):
        assert lo == pytest.approx(elo) and hi == pytest.approx(ehi)


def test_a_broken_rule_becomes_a_finding_not_a_crash(forms, monkeypatch):
    from atmp_desktop.core.rules.base import Rule

    def boom(ctx):
        raise ValueError("bad")
    [f] = run_rule(Rule("X-01", "error", "always", "x", "basis", "K", "", boom), forms, S())
    assert f.severity == "info" and "could not be run" in f.message


def _value_strategy(st, f):
    text = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=30)
    scalar = {
        "text": text, "long_text": text, "date": st.dates().map(lambda d: d.isoformat()), "yes_no": st.booleans(),
        "integer": st.integers(-5, 100),
        "choice": st.sampled_from([c.value for c in f.choices] or [""]),
        "multi_choice": st.lists(st.sampled_from([c.value for c in f.choices] or [""]), max_size=3),
        "quantity": st.builds(lambda v, u: {"value": v, "unit": u}, st.integers(0, 400),
                              st.sampled_from(list(f.units) or ["h"])),
        "ref": st.sampled_from(["r1", "t1", "b1", "gone"]),
        "durations": st.lists(st.builds(lambda v, u: {"value": v, "unit": u}, st.integers(0, 400),
                                        st.sampled_from(list(f.units) or ["h"])), max_size=4),
    }
    if f.type == "table":
        return st.lists(st.fixed_dictionaries({}, optional={c.id: _value_strategy(st, c) for c in f.columns}),
                        max_size=3)
    return scalar[f.type]


def test_no_rule_breaks_on_arbitrary_values(forms):
    """The window validates half-typed projects: whatever the values, every rule must run to the end."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    fields = list(forms.all_fields())
    values = st.fixed_dictionaries({}, optional={f.path: _value_strategy(st, f) for f in fields})

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(values)
    def check(flat):
        data: dict = {}
        for path, v in flat.items():
            step, fid = path.split(".")
            data.setdefault(step, {})[fid] = v
        findings = validate(forms, S(**data))
        assert not [f for f in findings if "could not be run" in f.message]
    check()


US_LAB = {"name": "Keystone Viral Safety Inc.", "country": "United States", "in_eea": False,
          "gmp_certificate_date": "2025-03-14"}


def test_a_third_country_site_needs_an_eu_importer_not_an_eu_authorisation(forms):
    with_importer = S(manufacturing={"sites": [SITE_FULL, {**US_LAB, "importer": "site a"}]})
    assert run_rule(rule_by_id("GMP-01"), forms, with_importer) == []
    [f] = run_rule(rule_by_id("GMP-01"), forms, S(manufacturing={"sites": [SITE_FULL, US_LAB]}))
    assert f.location == "manufacturing.sites[1].importer" and "EU importer" in f.message
    # 'In the EU/EEA' unanswered: the country decides (a US site is not asked for an EU authorisation) ...
    [g] = run_rule(rule_by_id("GMP-01"), forms, S(manufacturing={"sites": [{**US_LAB, "in_eea": None}]}))
    assert g.location == "manufacturing.sites[0].importer"
    # ... and a site with neither answer nor country counts as EU/EEA: the authorisation and QP are asked for
    [g, h] = run_rule(rule_by_id("GMP-01"), forms,
                      S(manufacturing={"sites": [{**US_LAB, "in_eea": None, "country": "", "importer": None}]}))
    assert {g.location, h.location} == {"manufacturing.sites[0].authorisation_number",
                                        "manufacturing.sites[0].qualified_person"}


def test_a_step_at_a_third_country_site_is_covered_by_its_importers_authorisation(forms):
    steps = [{"name": "rcAAV release test", "site": US_LAB["name"]}]
    covered = S(manufacturing={"sites": [SITE_FULL, {**US_LAB, "importer": "Site A"}], "process_steps": steps})
    assert run_rule(rule_by_id("CON-03"), forms, covered) == []
    importer_without = S(manufacturing={"sites": [{"name": "Site A"}, {**US_LAB, "importer": "Site A"}],
                                        "process_steps": steps})
    [f] = run_rule(rule_by_id("CON-03"), forms, importer_without)
    assert f.location == "manufacturing.sites[0].authorisation_number" and "imports" in f.message


def test_qc_20_names_batch_test_and_values(forms):
    hits = run_rule(rule_by_id("QC-20"), forms, with_results("69", "79,000 EU/mL"))
    texts = [f.message for f in hits]
    assert any("Batch 24-0117" in t and "Viability is 69 %" in t and "≥ 70 %" in t for t in texts)
    assert any("Endotoxin is 79,000 EU/mL" in t for t in texts)
    assert not any("Sterility" in t for t in texts)  # a text criterion is left alone
    assert {f.location for f in hits} >= {"quality.batch_results[0].result", "quality.batch_results[1].result"}
    # a renamed test keeps its results: the link is the row id, not the name
    snap = with_results("69", "1")
    snap.values["quality"]["dp_specification"][0]["test"] = "Viability (post-thaw)"
    assert any("Viability (post-thaw) is 69 %" in f.message for f in run_rule(rule_by_id("QC-20"), forms, snap))


def _at(snap, stage=None, procedures=()):
    values = {k: dict(v) for k, v in snap.values.items()}
    values["applicant"] = {"development_stage": stage, "other_procedures": list(procedures)}
    return ProjectSnapshot(meta={}, values=values, section_status={})


def test_a_rule_is_milder_at_an_exploratory_trial_unless_a_marketing_authorisation_is_pursued(forms):
    """Phase-appropriate expectations (severity_by_stage): QC-01 without a potency test is a warning first in
    human and an error for a confirmatory trial; QC-14 (potency assay only qualified) an info, then a warning.
    A project that also pursues a marketing authorisation or a certification gets the full severity."""
    no_potency, qualified = CASES["QC-01"][0], CASES["QC-14"][0]
    severities = lambda rule, snap: {f.severity for f in run_rule(rule_by_id(rule), forms, snap)}
    assert severities("QC-01", _at(no_potency, "exploratory_ct")) == {"warning"}
    assert severities("QC-01", _at(no_potency, "confirmatory_ct")) == {"error"}
    assert severities("QC-01", _at(no_potency, "exploratory_ct", ["sme_certification"])) == {"error"}
    assert severities("QC-14", _at(qualified, "exploratory_ct")) == {"info"}
    assert severities("QC-14", _at(qualified, "confirmatory_ct")) == {"warning"}
    [f] = run_rule(rule_by_id("QC-14"), forms, _at(qualified, "exploratory_ct"))
    assert "qualified (fit for purpose)" in f.message and "exploratory trial" in f.message
    # with a marketing authorisation in parallel QC-12 says it (every release procedure validated), QC-14 not
    assert run_rule(rule_by_id("QC-14"), forms, _at(qualified, "confirmatory_ct", ["maa_standard"])) == []
