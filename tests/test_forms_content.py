"""Content checks for the shipped forms (forms/*.yaml) and sample projects (resources/samples/*.json).

Other parts of the app (validation rules, exporters, GUI) are coded against the step ids, field ids, column ids
and choice values fixed below; these tests make sure the forms keep them. Nothing here reads files outside the
repository: the CTD heading codes are copied from the domain reference table.
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest

from atmp_desktop.core.forms import FormSet, load_forms
from atmp_desktop.core.interchange import check_document
from atmp_desktop.core.paths import forms_dir, samples_dir
from atmp_desktop.core.project import ProjectSnapshot, field_visible
from atmp_desktop.core.values import normalise

# --------------------------------------------------------------------------------------------------------------
# Fixed contract: step files, ids, order; field ids and types; choice values; table columns.

STEP_FILES = [
    ("01-applicant.yaml", "applicant"),
    ("02-product.yaml", "product"),
    ("03-materials.yaml", "materials"),
    ("04-manufacturing.yaml", "manufacturing"),
    ("05-quality.yaml", "quality"),
    ("06-gmo.yaml", "gmo"),
    ("07-nonclinical.yaml", "nonclinical"),
    ("08-traceability.yaml", "traceability"),
    ("09-references.yaml", "references"),
    ("10-clinical.yaml", "clinical"),
]

PROCEDURES = ["maa_standard", "maa_accelerated", "maa_conditional", "maa_exceptional", "ct_gmo",
              "atmp_classification", "sme_certification"]

FIXED_FIELDS: dict[str, dict[str, str]] = {
    "applicant": {
        "company_name": "text", "company_address": "long_text", "company_country": "text",
        "contact_name": "text", "contact_email": "text", "contact_phone": "text", "is_sme": "yes_no",
        "sme_number": "text", "sme_expiry": "date", "established_in_eea": "yes_no", "procedure": "choice",
        "other_procedures": "multi_choice", "development_stage": "choice", "hospital_exemption": "yes_no",
        "planned_submission_date": "date", "accelerated_request_date": "date",
        "conditional_justification": "long_text", "exceptional_justification": "long_text",
        "pip_reference": "text", "dossier_version": "text", "dossier_status": "choice", "author_name": "text",
    },
    "product": {
        "invented_name": "text", "inn": "text", "company_code": "text", "atmp_type": "choice",
        "is_combined": "yes_no", "has_device_non_integral": "yes_no", "origin": "choice", "contains_gmo": "yes_no",
        "gm_cells": "yes_no", "vector_family": "choice", "vector_serotype": "text", "is_integrating": "yes_no",
        "genome_edited": "yes_no", "replication_competent_by_design": "yes_no",
        "substantially_manipulated": "yes_no", "same_essential_function": "yes_no",
        "active_substance_description": "long_text", "finished_product_description": "long_text",
        "pharmaceutical_form": "text", "strength": "text", "dose": "text", "route": "text",
        "indication": "long_text", "therapeutic_area": "text", "orphan_designated": "yes_no",
        "orphan_number": "text", "prime": "yes_no", "cat_classification_outcome": "choice",
        "cat_classification_date": "date", "mode_of_action": "long_text",
    },
    "materials": {
        "cell_source": "long_text", "donor_eligibility": "long_text", "donor_tests": "table",
        "htlv_risk_area": "yes_no", "pooled_donors": "yes_no", "pooling_strategy": "long_text",
        "tissue_establishment": "text", "tissue_establishment_authorisation": "text",
        "consent_procedure": "long_text", "xenogeneic_source_animals": "long_text", "vectors": "table",
        "plasmids_description": "long_text", "cell_banks": "table", "raw_materials": "table",
        "scaffold_description": "long_text",
    },
    "manufacturing": {
        "sites": "table", "process_steps": "table", "batch_definition": "long_text", "batch_scale": "text",
        "process_validation": "long_text", "process_changed_after_pivotal": "yes_no", "comparability": "long_text",
        "aseptic_process_simulation": "long_text", "reconstitution_at_site": "yes_no",
        "reconstitution_description": "long_text", "process_development": "long_text", "closed_system": "yes_no",
        "facilities_equipment": "long_text", "adventitious_agents": "long_text",
        "intermediate_controls_justification": "long_text", "batch_formula": "long_text",
        "ds_isolated": "yes_no", "ds_stored": "yes_no", "passage_limit": "text",
    },
    "quality": {
        "characterisation": "table", "impurities": "long_text", "ds_specification": "table",
        "dp_specification": "table", "analytical_procedures": "table", "batch_analyses": "table",
        "reference_standards": "long_text", "container_closure": "long_text", "dp_composition": "table",
        "stability_studies": "table", "shelf_life": "quantity", "in_use_stability": "long_text",
        "cryopreserved": "yes_no", "storage_conditions": "text", "transport_conditions": "long_text",
        "release_before_sterility_result": "yes_no", "release_strategy": "long_text", "oos_handling": "long_text",
        "potency_assay_description": "long_text", "ds_description": "long_text",
        "excipients_human_animal": "long_text", "novel_excipients": "long_text",
        "ds_stability_summary": "long_text", "ds_shelf_life": "quantity", "ds_storage_conditions": "text",
    },
    "gmo": {
        "parental_organism": "long_text", "donor_insert": "long_text", "vector_description": "long_text",
        "modification_method": "long_text", "replication_competence": "long_text", "rcv_assay": "text",
        "rcv_sensitivity": "text", "residual_infectious_particles": "long_text", "shedding": "table",
        "era_step1_hazards": "long_text", "era_step2_consequences": "long_text",
        "era_step3_likelihood": "long_text", "era_step4_risk": "long_text", "era_step5_management": "long_text",
        "era_step6_overall": "long_text", "hazards": "table", "annex_iiia_information": "long_text",
        "part_b_consents": "table", "ppe": "long_text", "decontamination": "long_text", "waste": "long_text",
        "spills": "long_text", "accidental_exposure": "long_text", "eu_ct_number": "text",
        "member_states": "table", "ct_sites": "table",
        "snif_a_general": "long_text", "snif_b_recipient": "long_text", "snif_c_modification": "long_text",
        "snif_d_donor": "long_text", "snif_e_gmo": "long_text", "snif_f_release": "long_text",
        "snif_g_interactions": "long_text", "snif_h_monitoring": "long_text", "snif_i_waste": "long_text",
        "snif_j_emergency": "long_text", "transgene_harmful": "yes_no", "rcaav_absence_evidence": "long_text",
    },
    "nonclinical": {
        "studies": "table", "nonclinical_strategy": "long_text", "species_justification": "long_text",
        "biodistribution_summary": "long_text", "tumourigenicity_summary": "long_text",
    },
    "traceability": {
        "traceability_system": "long_text", "retention_years": "integer", "chain_of_identity": "long_text",
        "autologous_labelling": "long_text", "ltfu_plan": "long_text", "ltfu_duration_years": "integer",
        "registry": "text", "rmp_important_risks": "long_text", "device_name": "text",
        "device_function": "long_text", "device_description": "long_text", "device_conformity": "long_text",
        "device_compatibility": "long_text", "notified_body_name": "text", "notified_body_number": "text",
        "nb_certificate": "text", "combined_clinical_studies": "long_text",
    },
    "references": {"glossary": "table", "literature": "table"},
}

REQUIRED_FIXED = ["applicant.company_name", "applicant.procedure", "product.invented_name", "product.inn",
                  "product.atmp_type", "product.indication", "traceability.traceability_system"]

FIXED_CHOICES: dict[str, list[str]] = {
    "applicant.procedure": PROCEDURES,
    "applicant.other_procedures": PROCEDURES,
    "applicant.development_stage": ["exploratory_ct", "confirmatory_ct", "maa"],
    "applicant.dossier_status": ["draft", "in_review", "final"],
    "product.atmp_type": ["GTMP", "sCTMP", "TEP", "unclear"],
    "product.origin": ["autologous", "allogeneic", "xenogeneic"],
    "product.vector_family": ["none", "aav", "adenovirus", "gamma_retrovirus", "lentivirus", "hsv_oncolytic",
                              "other_virus", "plasmid", "mrna_non_viral", "bacterial"],
    "product.cat_classification_outcome": ["not_requested", "pending", "GTMP", "sCTMP", "TEP", "not_atmp"],
}

SPEC_COLUMNS = {"test": "text", "method": "text", "ph_eur_reference": "text", "acceptance_criterion": "text",
                "category": "choice"}
SPEC_CATEGORIES = ["identity", "potency", "purity", "safety", "quantity", "general"]

# table path -> {column id: type}; choice columns are listed in FIXED_COLUMN_CHOICES
FIXED_COLUMNS: dict[str, dict[str, str]] = {
    "references.glossary": {"abbreviation": "text", "expansion": "text", "note": "text"},
    "references.literature": {"key": "text", "authors": "text", "title": "text", "source": "text",
                              "year": "integer", "identifier": "text"},
    "materials.donor_tests": {"test": "text", "method": "text", "specimen": "text", "timing": "text",
                              "result_handling": "text"},
    "materials.vectors": {"name": "text", "family": "text", "transgene": "text", "regulatory_elements": "text",
                          "production_system": "text", "plasmids": "text"},
    "materials.cell_banks": {"bank_type": "choice", "name": "text", "description": "text", "testing": "text",
                             "age_limit": "text"},
    "materials.raw_materials": {"material": "text", "supplier": "text", "grade": "text",
                                "biological_origin": "choice", "ph_eur_reference": "text", "tse_risk": "choice"},
    "manufacturing.sites": {"name": "text", "address": "text", "country": "text", "activities": "text",
                            "authorisation_number": "text", "gmp_certificate_date": "date",
                            "qualified_person": "text", "containment_class": "choice", "in_eea": "yes_no",
                            "importer": "text"},
    "manufacturing.process_steps": {"number": "integer", "name": "text", "stage": "choice", "site": "text",
                                    "description": "text", "critical_parameters": "text",
                                    "in_process_controls": "text", "acceptance_criteria": "text",
                                    "hold_time": "text"},
    "quality.characterisation": {"attribute": "text", "method": "text", "result": "text"},
    "quality.ds_specification": SPEC_COLUMNS,
    "quality.dp_specification": SPEC_COLUMNS,
    "quality.analytical_procedures": {"test": "text", "procedure": "text", "validation_status": "choice"},
    "quality.batch_analyses": {"batch": "text", "material": "choice", "process_version": "text", "site": "text",
                               "scale": "text", "date": "date", "use": "multi_choice", "note": "text"},
    "quality.batch_results": {"batch": "ref", "test": "ref", "result": "text", "unit": "text",
                              "result_type": "choice", "date": "date"},
    "quality.stability_results": {"study": "ref", "time_point": "quantity", "test": "ref", "result": "text",
                                  "unit": "text", "result_type": "choice"},
    "quality.dp_composition": {"component": "text", "component_type": "choice", "function": "text",
                               "quantity": "text", "strength": "text", "quality_standard": "text",
                               "origin": "choice", "species": "text", "tse": "text"},
    "quality.stability_studies": {"study": "text", "material": "choice", "kind": "choice", "batches": "text",
                                  "container": "text", "orientation": "choice", "condition": "text",
                                  "status": "choice", "time_points": "durations", "note": "text"},
    "gmo.shedding": {"matrix": "text", "method": "text", "duration": "text", "detects": "choice", "result": "text"},
    "gmo.hazards": {"hazard": "text", "consequence": "text", "likelihood": "text", "risk": "text",
                    "management": "text"},
    "gmo.part_b_consents": {"member_state": "text", "notification_number": "text", "consent_date": "date"},
    "gmo.member_states": {"member_state": "text", "framework": "choice", "sequence": "choice"},
    "gmo.ct_sites": {"site": "text", "address": "text", "containment_level": "text", "responsible_person": "text"},
    "nonclinical.studies": {"study_type": "choice", "model": "text", "glp": "yes_no", "key_findings": "text"},
}

FIXED_COLUMN_CHOICES: dict[str, list[str]] = {
    "materials.cell_banks.bank_type": ["MCB", "WCB", "MVS", "WVS", "feeder_mcb", "feeder_wcb"],
    "quality.dp_composition.component_type": ["active_substance", "excipient", "device_part", "scaffold"],
    "quality.dp_composition.origin": ["non_biological", "human", "animal", "recombinant", "plant"],
    "materials.raw_materials.biological_origin": ["human", "animal", "recombinant", "non_biological"],
    "materials.raw_materials.tse_risk": ["negligible", "low", "medium", "high", "not_applicable"],
    "manufacturing.sites.containment_class": ["not_applicable", "class_1", "class_2", "class_3", "class_4"],
    "manufacturing.process_steps.stage": ["DS", "DP"],
    "quality.ds_specification.category": SPEC_CATEGORIES,
    "quality.dp_specification.category": SPEC_CATEGORIES,
    "quality.analytical_procedures.validation_status": ["validated", "qualified", "in_progress", "not_started"],
    "quality.stability_studies.material": ["DS", "DP"],
    "gmo.shedding.detects": ["infectious", "genomes", "both"],
    "gmo.member_states.framework": ["contained_use", "deliberate_release", "both", "case_by_case"],
    "gmo.member_states.sequence": ["before_cta", "parallel", "single_procedure"],
    "nonclinical.studies.study_type": ["pharmacology", "biodistribution", "toxicology", "tumourigenicity",
                                       "immunogenicity", "other"],
}

DEVICE_FIELDS = ["device_name", "device_function", "device_description", "device_conformity",
                 "device_compatibility", "notified_body_name", "notified_body_number", "nb_certificate",
                 "combined_clinical_studies"]

SAMPLES = ["car-t", "aav-gene-therapy", "allogeneic-cells", "autologous-tep", "combined-atmp"]


@pytest.fixture(scope="module")
def forms() -> FormSet:
    return load_forms(forms_dir())


def _all_fields_and_columns(forms: FormSet):
    for f in forms.all_fields():
        yield f.path, f
        for c in f.columns:
            yield f"{f.path}.{c.id}", c


# --------------------------------------------------------------------------------------------------------------
# Forms


def test_the_steps_load_in_order(forms):
    assert [s.id for s in forms.steps] == [sid for _, sid in STEP_FILES]
    assert [s.order for s in forms.steps] == list(range(1, len(STEP_FILES) + 1))
    assert [s.source for s in forms.steps] == [name for name, _ in STEP_FILES]
    assert sorted(p.name for p in forms_dir().glob("*.yaml")) == [name for name, _ in STEP_FILES]


@pytest.mark.parametrize("step_id", list(FIXED_FIELDS))
def test_fixed_field_ids_and_types(forms, step_id):
    step = forms.step(step_id)
    have = {f.id: f.type for f in step.fields}
    missing = sorted(set(FIXED_FIELDS[step_id]) - set(have))
    assert not missing, f"{step_id}: fixed fields missing: {missing}"
    wrong = {fid: (have[fid], t) for fid, t in FIXED_FIELDS[step_id].items() if have[fid] != t}
    assert not wrong, f"{step_id}: wrong types (have, want): {wrong}"


def test_steps_have_a_realistic_number_of_fields(forms):
    for step in forms.steps:
        if step.id == "references":  # two tables: the glossary and the literature
            assert [f.type for f in step.fields] == ["table", "table"]
            continue
        if step.id == "clinical":  # the trial and what is written elsewhere; its quality data are the earlier steps'
            assert 8 <= len(step.fields) <= 20, (step.id, len(step.fields))
            continue
        # the GMO step is the largest: ERA, SNIF, the common application forms' trial data and the questions
        # for replication-competent products (shown only to those)
        assert 15 <= len(step.fields) <= 66, (step.id, len(step.fields))


def test_required_fixed_fields(forms):
    for path in REQUIRED_FIXED:
        assert forms.field(path).required, path


@pytest.mark.parametrize("path", list(FIXED_CHOICES))
def test_fixed_choice_values(forms, path):
    assert [c.value for c in forms.field(path).choices] == FIXED_CHOICES[path]


@pytest.mark.parametrize("path", list(FIXED_COLUMNS))
def test_fixed_table_columns(forms, path):
    table = forms.field(path)
    have = {c.id: c.type for c in table.columns}
    for col, typ in FIXED_COLUMNS[path].items():
        assert col in have, f"{path}: column '{col}' missing"
        assert have[col] == typ, f"{path}.{col}: type {have[col]}, want {typ}"


@pytest.mark.parametrize("path", list(FIXED_COLUMN_CHOICES))
def test_fixed_column_choice_values(forms, path):
    table_path, col = path.rsplit(".", 1)
    assert [c.value for c in forms.field(table_path).column(col).choices] == FIXED_COLUMN_CHOICES[path]


def test_shelf_life_units(forms):
    assert forms.field("quality.shelf_life").units == ("h", "days", "months")


def test_every_field_has_label_help_basis_and_certainty(forms):
    problems = []
    for f in forms.all_fields():
        for attr in ("label", "help", "basis"):
            if len(getattr(f, attr).strip()) < (3 if attr == "label" else 10):
                problems.append(f"{f.path}: {attr} missing or too short")
        if f.certainty not in ("V", "K", "U"):
            problems.append(f"{f.path}: certainty must be V, K or U")
        if not f.group:
            problems.append(f"{f.path}: no group")
    assert not problems, "\n".join(problems)


def test_every_table_column_has_a_label(forms):
    for f in forms.all_fields():
        for c in f.columns:
            assert c.label.strip(), f"{f.path}.{c.id}"


def test_gmo_step_applies_only_to_gmo_products(forms):
    step = forms.step("gmo")
    assert step.applies_when is not None
    assert step.applies_when.fields() == {"product.contains_gmo"}
    assert step.not_applicable_reason
    get = {"product.contains_gmo": True}.get
    assert step.applies_when.evaluate(get)
    assert not step.applies_when.evaluate({"product.contains_gmo": False}.get)


@pytest.mark.parametrize("field_id", DEVICE_FIELDS)
def test_device_fields_visible_only_with_a_device(forms, field_id):
    f = forms.field(f"traceability.{field_id}")
    assert f.visible_when is not None
    assert f.visible_when.fields() == {"product.is_combined", "product.has_device_non_integral"}
    cases = [({"product.is_combined": True}, True), ({"product.has_device_non_integral": True}, True),
             ({"product.is_combined": False, "product.has_device_non_integral": False}, False), ({}, False)]
    for values, expected in cases:
        assert f.visible_when.evaluate(values.get) is expected, (field_id, values)


@pytest.mark.parametrize("path, values, expected", [
    ("product.vector_serotype", {"product.vector_family": "aav"}, True),
    ("product.vector_serotype", {"product.vector_family": "lentivirus"}, False),
    ("applicant.sme_number", {"applicant.is_sme": True}, True),
    ("applicant.sme_number", {"applicant.is_sme": False}, False),
    ("applicant.sme_expiry", {"applicant.is_sme": False}, False),
    ("applicant.accelerated_request_date", {"applicant.procedure": "maa_accelerated"}, True),
    ("applicant.accelerated_request_date", {"applicant.procedure": "maa_standard"}, False),
    ("applicant.conditional_justification", {"applicant.procedure": "maa_conditional"}, True),
    ("applicant.exceptional_justification", {"applicant.procedure": "maa_exceptional"}, True),
    ("applicant.exceptional_justification", {"applicant.procedure": "maa_conditional"}, False),
    ("materials.donor_tests", {"product.origin": "allogeneic"}, True),
    ("materials.donor_tests", {"product.origin": "autologous", "product.substantially_manipulated": True}, True),
    ("materials.donor_tests", {"product.origin": "autologous", "quality.cryopreserved": True}, True),
    ("materials.donor_tests", {"product.origin": "autologous", "product.substantially_manipulated": False,
                               "quality.cryopreserved": False}, False),
    ("materials.xenogeneic_source_animals", {"product.origin": "xenogeneic"}, True),
    ("materials.xenogeneic_source_animals", {"product.origin": "autologous"}, False),
    ("materials.scaffold_description", {"product.atmp_type": "TEP"}, True),
    ("materials.scaffold_description", {"product.atmp_type": "sCTMP", "product.is_combined": True}, True),
    ("materials.scaffold_description", {"product.atmp_type": "GTMP", "product.is_combined": False}, False),
    ("gmo.rcaav_absence_evidence", {"product.vector_family": "aav"}, True),
    ("gmo.rcaav_absence_evidence", {"product.vector_family": "lentivirus"}, False),
    ("gmo.residual_infectious_particles", {"product.gm_cells": True}, True),
    ("manufacturing.comparability", {"manufacturing.process_changed_after_pivotal": True}, True),
    ("manufacturing.comparability", {"manufacturing.process_changed_after_pivotal": False}, False),
    ("traceability.autologous_labelling", {"product.origin": "autologous"}, True),
    ("traceability.autologous_labelling", {"product.origin": "allogeneic"}, False),
])
def test_visibility_conditions(forms, path, values, expected):
    cond = forms.field(path).visible_when
    assert cond is not None, path
    assert cond.evaluate(values.get) is expected


def test_multi_choice_of_procedures_matches_procedure(forms):
    one = forms.field("applicant.procedure")
    many = forms.field("applicant.other_procedures")
    assert [c.value for c in one.choices] == [c.value for c in many.choices]


# --------------------------------------------------------------------------------------------------------------
# Samples


def _sample_path(name: str) -> Path:
    return samples_dir() / f"{name}.json"


def _load(name: str) -> dict:
    return json.loads(_sample_path(name).read_text(encoding="utf-8"))


def test_the_five_samples_exist():
    assert sorted(p.stem for p in samples_dir().glob("*.json")) == sorted(SAMPLES)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_shape(name):
    doc = _load(name)
    # row ids keep the links of batch and stability results to their batches, studies and specification rows
    # three samples carry attached figures (docs/figures.md), which makes them format version 2
    has_figures = name in ("aav-gene-therapy", "car-t", "allogeneic-cells")
    assert set(doc) == {"format", "format_version", "project", "data", "section_status", "row_ids"} | (
        {"figures"} if has_figures else set())
    assert doc["format"] == "atmp-dossier-project"
    assert doc["format_version"] == (2 if has_figures else 1)
    meta = doc["project"]
    assert set(meta) == {"uuid", "title", "created", "modified", "forms_version"}
    from atmp_desktop.core.form_migrations import FORMS_VERSION
    assert meta["forms_version"] == str(FORMS_VERSION)  # samples are kept at the current forms
    assert uuid.UUID(meta["uuid"]).version == 4
    assert " – " in meta["title"]
    for key in ("created", "modified"):
        assert re.match(r"^2026-\d\d-\d\dT\d\d:\d\d:\d\dZ$", meta[key]), (key, meta[key])
        datetime.strptime(meta[key], "%Y-%m-%dT%H:%M:%SZ")
    assert meta["created"] <= meta["modified"]
    assert doc["section_status"] == {}


def test_sample_uuids_are_unique():
    ids = [_load(n)["project"]["uuid"] for n in SAMPLES]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_validates_against_forms(forms, name):
    doc = _load(name)
    problems, _ = check_document(forms, doc)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_values_are_canonical(forms, name):
    """Every stored value is already in its normalised shape (no unknown fields, no empty strings)."""
    doc = _load(name)
    errors = []
    for step_id, fields in doc["data"].items():
        for field_id, value in fields.items():
            path = f"{step_id}.{field_id}"
            if not forms.has_field(path):
                errors.append(f"{path}: unknown field")
                continue
            try:
                norm = normalise(forms.field(path), value)
            except ValueError as exc:
                errors.append(f"{path}: {exc}")
                continue
            if norm != value:
                errors.append(f"{path}: not canonical (stored {value!r}, canonical {norm!r})")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_fills_every_visible_field(forms, name):
    """Samples are complete: every field that is visible for the product is filled (a multi-choice may be left
    empty, meaning "none"), and nothing hidden is filled."""
    doc = _load(name)
    snap = ProjectSnapshot(meta=doc["project"], values=doc["data"])
    empty, hidden = [], []
    for f in forms.all_fields():
        visible = field_visible(forms, f.path, snap)
        if visible and not snap.is_set(f.path) and f.type != "multi_choice":
            empty.append(f.path)
        if snap.is_set(f.path) and not visible:
            hidden.append(f.path)
    assert not empty, f"{name}: visible but empty: {empty}"
    assert not hidden, f"{name}: filled but hidden: {hidden}"


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_tables_are_deep_and_consistent(name):
    data = _load(name)["data"]
    man, qual = data["manufacturing"], data["quality"]
    assert 2 <= len(man["sites"]) <= 5
    assert 6 <= len(man["process_steps"]) <= 10
    site_names = {s["name"] for s in man["sites"]}
    for i, row in enumerate(man["process_steps"]):
        assert row["site"] in site_names, f"process_steps[{i}].site {row['site']!r} is not a site name"
        assert row["number"] == i + 1
    assert 8 <= len(qual["dp_specification"]) <= 14
    for row in qual["dp_specification"]:
        assert row.get("method"), row
    assert 3 <= len(qual["batch_analyses"]) <= 6
    assert 3 <= len(qual["stability_studies"]) <= 5
    assert len(qual["batch_results"]) >= 60 and len(qual["stability_results"]) >= 20  # results as data
    assert 5 <= len(data["materials"]["raw_materials"]) <= 10
    assert 3 <= len(data["nonclinical"]["studies"]) <= 6
    if data["product"].get("contains_gmo"):
        assert 4 <= len(data["gmo"]["hazards"]) <= 6
        for letter in "abcdefghij":
            assert any(k.startswith(f"snif_{letter}_") for k in data["gmo"]), f"SNIF {letter.upper()} missing"
    assert data["traceability"]["retention_years"] >= 30


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_dates_are_real_dates(forms, name):
    data = _load(name)["data"]
    for f in forms.all_fields():
        value = data.get(f.step_id, {}).get(f.id)
        if value is None:
            continue
        if f.type == "date":
            date.fromisoformat(value)
        for c in f.columns:
            if c.type == "date":
                for row in value:
                    if c.id in row:
                        date.fromisoformat(row[c.id])


@pytest.mark.parametrize("name, expected", [
    ("car-t", {"atmp_type": "GTMP", "origin": "autologous", "contains_gmo": True, "gm_cells": True,
               "vector_family": "lentivirus", "is_integrating": True}),
    ("aav-gene-therapy", {"atmp_type": "GTMP", "contains_gmo": True, "gm_cells": False, "vector_family": "aav",
                          "is_integrating": False}),
    ("allogeneic-cells", {"atmp_type": "sCTMP", "origin": "allogeneic", "contains_gmo": False}),
    ("autologous-tep", {"atmp_type": "TEP", "origin": "autologous", "contains_gmo": False}),
    ("combined-atmp", {"atmp_type": "TEP", "is_combined": True, "contains_gmo": False}),
])
def test_sample_product_profiles(name, expected):
    product = _load(name)["data"]["product"]
    for key, value in expected.items():
        assert product.get(key) == value, (name, key, product.get(key))


def test_aav_sample_has_a_serotype():
    assert re.match(r"^AAV\d", _load("aav-gene-therapy")["data"]["product"]["vector_serotype"])


def test_allogeneic_sample_donor_tests_cover_the_minimum_set():
    tests = " ".join(r["test"] for r in _load("allogeneic-cells")["data"]["materials"]["donor_tests"]).lower()
    for marker in ("hiv", "hbsag", "anti-hbc", "hcv", "syphilis"):
        assert marker in tests, marker


def test_combined_sample_has_notified_body_data():
    t = _load("combined-atmp")["data"]["traceability"]
    assert t["notified_body_name"]
    assert re.fullmatch(r"\d{4}", t["notified_body_number"])
    assert t["nb_certificate"]


def test_car_t_is_the_largest_sample():
    def size(name):  # the generated result grids depend on the number of time points, not on richness
        q = dict(_load(name)["data"]["quality"])
        q.pop("batch_results", None)
        q.pop("stability_results", None)
        return len(json.dumps({**_load(name)["data"], "quality": q}, ensure_ascii=False))
    sizes = {n: size(n) for n in SAMPLES}
    assert max(sizes, key=sizes.get) == "car-t"
