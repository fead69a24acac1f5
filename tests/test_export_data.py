"""Hand-built project snapshots for the export tests (no project file needed), plus sanity tests of them."""
from __future__ import annotations

import copy

from atmp_desktop.core.project import ProjectSnapshot

META = {"uuid": "0000-test", "title": "Export test project", "created": "2026-03-01T09:00:00Z",
        "modified": "2026-03-02T10:30:00Z"}

CAR_T = {
    "applicant": {"company_name": "Nordlicht Cell Therapeutics GmbH", "company_address": "Hauptstraße 1\n10115 Berlin",
                  "company_country": "Germany", "contact_name": "Dr. Zofia Wójcik", "is_sme": True,
                  "sme_number": "SME-1234", "procedure": "maa_standard", "dossier_version": "1.2",
                  "dossier_status": "draft", "author_name": "Jürgen Müller"},
    "product": {"invented_name": "Lumacel", "inn": "lumacabtagene autoleucel", "company_code": "NL-CAR19",
                "atmp_type": "GTMP", "origin": "autologous", "contains_gmo": True, "gm_cells": True,
                "vector_family": "lentivirus", "is_integrating": True,
                "active_substance_description": "Autologous CD3+ T cells transduced with a lentiviral vector "
                                                "encoding an anti-CD19 CAR (4-1BB/CD3ζ).",
                "finished_product_description": "Cell suspension for infusion, 1–5 × 10⁸ CAR+ T cells.",
                "pharmaceutical_form": "Dispersion for infusion", "route": "Intravenous use",
                "indication": "Relapsed or refractory B-cell ALL in patients ≥ 18 years.",
                "mode_of_action": "CAR-mediated killing of CD19+ cells."},
    "materials": {"cell_source": "Leukapheresis from the patient (R&D site), ≤ 24 h at 2–8 °C.",
                  "donor_tests": [{"test": "HIV-1/2", "method": "NAT", "specimen": "plasma", "timing": "≤ 30 days"}],
                  "vectors": [{"name": "LV-CD19-BBz", "family": "lentivirus", "transgene": "anti-CD19 CAR"}],
                  "raw_materials": [{"material": "IL-2", "supplier": "Acme", "grade": "GMP",
                                     "biological_origin": "recombinant"}]},
    "manufacturing": {
        "sites": [{"name": "Nordlicht GMP Facility", "address": "Berlin", "country": "Germany",
                   "activities": "DS and DP manufacture, QC, batch release", "authorisation_number": "DE-BE-0001",
                   "qualified_person": "Dr. Anna Łukasiewicz", "containment_class": "class_2"}],
        "process_steps": [
            {"number": 1, "name": "T-cell selection", "stage": "DS", "site": "Nordlicht GMP Facility",
             "critical_parameters": "Bead ratio 3:1", "in_process_controls": "Viability ≥ 80 %"},
            {"number": 2, "name": "Transduction", "stage": "DS", "critical_parameters": "MOI 5 ± 1"},
            {"number": 3, "name": "Formulation and cryopreservation", "stage": "DP",
             "acceptance_criteria": "Endotoxin <10 EU/mL"}],
        "batch_definition": "One batch = one patient's leukapheresis."},
    "quality": {"characterisation": [{"attribute": "Identity", "method": "Flow cytometry", "result": "CAR+ ≥ 20 %"}],
                "ds_specification": [{"test": "Sterility", "method": "Ph. Eur. 2.6.27", "acceptance_criterion":
                                      "No growth", "category": "safety"}],
                "dp_specification": [{"test": "Mycoplasma", "method": "NAT", "acceptance_criterion": "Negative",
                                      "category": "safety"},
                                     {"test": "Bioburden", "method": "Ph. Eur. 2.6.12",
                                      "acceptance_criterion": "<10 CFU/mL", "category": "safety"}],
                "batch_analyses": [{"batch": "LOT-001", "date": "2025-11-02", "use": "clinical",
                                    "results": "Complies"}],
                "stability_studies": [{"material": "DP", "condition": "≤ −150 °C", "time_points": "0, 3, 6 months",
                                       "results": "Complies"}],
                "shelf_life": {"value": 12, "unit": "months"}},
    "gmo": {"era_step1_hazards": "Replication-competent lentivirus (RCL) formation.",
            "hazards": [{"hazard": "RCL", "consequence": "low", "likelihood": "negligible", "risk": "negligible",
                         "management": "RCL testing"}]},
    "nonclinical": {"studies": [{"study_type": "biodistribution", "model": "NSG mice", "glp": True,
                                 "key_findings": "No off-target persistence."}]},
}


def hand_snapshot(values: dict | None = None, **changes) -> ProjectSnapshot:
    """A CAR-T-like snapshot; `changes` like product={"contains_gmo": False} merge into the steps."""
    data = copy.deepcopy(values if values is not None else CAR_T)
    for step, fields in changes.items():
        data.setdefault(step, {}).update(fields)
    clean = {s: {k: v for k, v in f.items() if v not in (None, "", [], {})} for s, f in data.items()}
    return ProjectSnapshot(meta=dict(META), values=clean)


def test_hand_snapshot_reads_like_a_project():
    snap = hand_snapshot()
    assert snap.get("product.invented_name") == "Lumacel"
    assert snap.rows("manufacturing.process_steps")[1]["name"] == "Transduction"
    assert hand_snapshot(product={"contains_gmo": False}).is_yes("product.contains_gmo") is False
