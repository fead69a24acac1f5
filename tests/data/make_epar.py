# Run: python tests/data/make_epar.py (rewrites tests/data/epar-*.json)
"""Writes tests/data/epar-*.json: public-EPAR-like facts of six kinds of authorised ATMP, entered as a writer
would (fictional names, realistic facts)."""
import json
from pathlib import Path

SITE_EU = {"name": "Nordlicht Cell Therapeutics GmbH", "country": "Germany", "in_eea": True,
           "activities": "Manufacture, QC, batch certification", "authorisation_number": "DE-BY-04-MIA-2021-0117",
           "gmp_certificate_date": "2025-03-11", "qualified_person": "Dr. Eva Brandt"}


def doc(title, data):
    return {"format": "atmp-dossier-project", "format_version": 1, "project": {"title": title}, "data": data,
            "section_status": {}}


CAR_T = doc("EPAR-like: autologous anti-CD19 CAR-T, lentiviral (tessacabtagene autoleucel)", {
    "applicant": {"company_name": "Fictional CAR-T GmbH", "procedure": "maa_standard", "development_stage": "maa"},
    "product": {"invented_name": "Tessavia", "inn": "tessacabtagene autoleucel", "atmp_type": "GTMP",
                "origin": "autologous", "gm_cells": True, "contains_gmo": False, "vector_family": "lentivirus",
                "is_integrating": True, "substantially_manipulated": True,
                "strength": "1.2 × 10⁶ – 6.0 × 10⁷ CAR-positive viable T cells/mL",
                "dose": "0.6–6.0 × 10⁸ CAR-positive viable T cells (single dose)"},
    "materials": {"cell_source": "Autologous leukapheresis material.", "donor_tests": []},
    "quality": {"cryopreserved": True,
                "dp_specification": [{"test": "CAR+ viable T-cell dose", "category": "quantity",
                                      "acceptance_criterion": "0.6–6.0 × 10⁸ CAR+ viable T cells per dose"}]},
    "traceability": {"rmp_important_risks": "Important potential risks: secondary malignancy of T-cell origin."},
})

AAV = doc("EPAR-like: in vivo AAV9 gene therapy for SMA with a paediatric trial GMO application in parallel", {
    "applicant": {"company_name": "Fictional Gene Therapies BV", "procedure": "maa_standard",
                  "other_procedures": ["ct_gmo"], "development_stage": "maa"},
    "product": {"invented_name": "Motonexa", "inn": "brenasemnogene abeparvovec", "atmp_type": "GTMP",
                "contains_gmo": True, "gm_cells": False, "vector_family": "aav", "vector_serotype": "AAV9",
                "is_integrating": False, "replication_competent_by_design": False,
                "dose": "1.1 × 10¹⁴ vg/kg body weight, single intravenous infusion",
                "strength": "2.0 × 10¹³ vg/mL"},
    "quality": {"dp_specification": [{"test": "Vector genome titre", "category": "quantity",
                                      "acceptance_criterion": "1.6–2.4 × 10¹³ vg/mL"}]},
    "gmo": {"gmo_identity": "AAV9 vector carrying a codon-optimised SMN1 cDNA."},
})

ONCOLYTIC = doc("EPAR-like: oncolytic HSV-1 for melanoma, US-made with an EU importer", {
    "applicant": {"company_name": "Fictional Oncolytics Europe BV", "procedure": "maa_standard",
                  "development_stage": "maa"},
    "product": {"invented_name": "Oncoryx", "inn": "oncorimogene herpavec", "atmp_type": "GTMP",
                "contains_gmo": True, "gm_cells": False, "vector_family": "hsv_oncolytic",
                "replication_competent_by_design": True, "is_integrating": False,
                "strength": "1 × 10⁶ PFU/mL (initial dose) and 1 × 10⁸ PFU/mL (subsequent doses)",
                "dose": "up to 4 mL of 1 × 10⁶ PFU/mL by intralesional injection"},
    "quality": {"dp_specification": [
        {"test": "Infectious titre (initial-dose strength)", "category": "quantity", "strength": "10⁶ PFU/mL",
         "acceptance_criterion": "0.8–1.25 × 10⁶ PFU/mL"},
        {"test": "Infectious titre (subsequent-dose strength)", "category": "quantity", "strength": "10⁸ PFU/mL",
         "acceptance_criterion": "0.8–1.25 × 10⁸ PFU/mL"}]},
    "gmo": {"era_step6_overall": "The risk to close contacts and to the environment is negligible."},
    "manufacturing": {
        "sites": [{"name": "Fictional Oncolytics Inc.", "country": "United States", "in_eea": False,
                   "importer": "Fictional Oncolytics Europe BV", "activities": "Drug substance and product manufacture",
                   "gmp_certificate_date": "2024-09-18"},
                  {"name": "Fictional Oncolytics Europe BV", "country": "Netherlands", "in_eea": True,
                   "activities": "Import, EU batch certification", "authorisation_number": "NL-MIA-118734",
                   "gmp_certificate_date": "2025-02-03", "qualified_person": "Drs. J. de Vries"}],
        "process_steps": [{"number": 1, "name": "Virus production", "stage": "DS", "site": "Fictional Oncolytics Inc."},
                          {"number": 2, "name": "Fill and finish", "stage": "DP", "site": "Fictional Oncolytics Inc."}]},
})

TEP = doc("EPAR-like: autologous limbal stem-cell sheet on fibrin (holoclar-like)", {
    "applicant": {"company_name": "Fictional Regenerative Srl", "procedure": "maa_conditional",
                  "development_stage": "maa", "conditional_justification": "Unmet need in limbal stem-cell deficiency."},
    "product": {"invented_name": "Limbacel", "inn": "ex vivo expanded autologous human corneal epithelial cells "
                "containing stem cells", "atmp_type": "TEP", "origin": "autologous", "contains_gmo": False,
                "gm_cells": False, "is_combined": False, "substantially_manipulated": True,
                "strength": "79,000 – 316,000 cells/cm²"},
    "materials": {"scaffold_description": "Fibrin support made from human plasma-derived fibrinogen and thrombin.",
                  "scaffold_origin": "human"},
    "quality": {"dp_specification": [{"test": "Viable cells per cm²", "category": "quantity",
                                      "acceptance_criterion": "7.9 × 10⁴ to 3.16 × 10⁵ viable cells/cm²"}]},
    "traceability": {},
})

COMBINED = doc("EPAR-like: autologous chondrocytes on a porcine collagen membrane (combined ATMP)", {
    "applicant": {"company_name": "Fictional Cartilage ApS", "procedure": "maa_standard", "development_stage": "maa"},
    "product": {"invented_name": "Chondrivex", "inn": "matrix-applied characterised autologous cultured "
                "chondrocytes", "atmp_type": "TEP", "origin": "autologous", "is_combined": True,
                "contains_gmo": False, "gm_cells": False, "substantially_manipulated": True},
    "materials": {"scaffold_description": "Resorbable porcine collagen type I/III membrane (CE-marked device).",
                  "scaffold_origin": "animal"},
    "quality": {"container_closure": "The seeded membrane is held in a sterile polypropylene container."},
    "traceability": {"device_name": "ChondroMatrix membrane", "device_biological_origin": "animal"},
})

ALLOGENEIC = doc("EPAR-like: allogeneic expanded adipose-derived stem cells, US testing laboratory", {
    "applicant": {"company_name": "Fictional Stromal Therapies SL", "procedure": "maa_standard",
                  "development_stage": "maa"},
    "product": {"invented_name": "Fistulex", "inn": "adipostrocel", "atmp_type": "sCTMP", "origin": "allogeneic",
                "contains_gmo": False, "gm_cells": False, "substantially_manipulated": True,
                "strength": "5 × 10⁶ cells/mL", "dose": "120 × 10⁶ cells (24 mL) as a single dose"},
    "materials": {"donor_eligibility": "Healthy adult donors undergoing lipoaspiration.",
                  "consent_procedure": "Written informed consent under Dir. 2004/23/EC.",
                  "tissue_establishment_authorisation": "ES-TE-0042",
                  "anti_hbc_handling": "Anti-HBc positive, HBsAg negative donors are excluded.",
                  "donor_tests": [{"test": t} for t in ("Anti-HIV-1,2", "HBsAg", "Anti-HBc", "Anti-HCV-Ab",
                                                        "Syphilis (TPHA)")]},
    "manufacturing": {"sites": [
        {"name": "Fictional Stromal Therapies SL", "country": "Spain", "in_eea": True,
         "activities": "Manufacture, QC, batch certification", "authorisation_number": "ES-MIA-2019-0311",
         "gmp_certificate_date": "2025-04-22", "qualified_person": "Dra. L. Ortega"},
        {"name": "Fictional BioTesting LLC", "country": "United States", "in_eea": False,
         "importer": "Fictional Stromal Therapies SL", "activities": "Mycoplasma and adventitious virus testing",
         "gmp_certificate_date": "2024-11-05"}],
        "process_steps": [{"number": 1, "name": "Expansion", "stage": "DS", "site": "Fictional Stromal Therapies SL"}]},
    "quality": {"dp_specification": [{"test": "Viable cell count", "category": "quantity",
                                      "acceptance_criterion": "100–140 × 10⁶ viable cells"}]},
})

PROJECTS = {"car-t": CAR_T, "aav": AAV, "oncolytic": ONCOLYTIC, "tep": TEP, "combined": COMBINED,
            "allogeneic": ALLOGENEIC}


def write(out: Path) -> None:
    for name, d in PROJECTS.items():
        (out / f"epar-{name}.json").write_text(json.dumps(d, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write(Path(__file__).parent)
