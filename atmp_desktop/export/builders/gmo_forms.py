"""GMO documents for clinical trials: the two common application forms (AAV vectors; GM human cells) and the
SNIF Part 1 (Council Decision 2002/813/EC). Certainty tags from the brief stay visible: numbering or titles
not checked against the official templates are marked [U].
"""
from __future__ import annotations

from atmp_desktop.export.builders.base import Ctx
from atmp_desktop.export.builders.era import era_steps, hazard_table
from atmp_desktop.export.model import Document

SPONSOR = ["applicant.company_name", "applicant.company_address", "applicant.contact_name",
           "applicant.contact_email", "applicant.contact_phone"]


def _sponsor(c: Ctx) -> None:
    c.facts(SPONSOR, caption="Sponsor")


def _delegate(c: Ctx) -> None:
    c.field("gmo.submission_delegate", "applicant to whom the sponsor has entrusted the submission "
                                       "(or state 'not applicable')")


def _trial(c: Ctx) -> None:
    c.facts(["gmo.eu_ct_number", "gmo.ct_title", "gmo.ct_principal_investigator", "gmo.ct_objective",
             "product.indication", "gmo.ct_start_date", "gmo.ct_end_date", "gmo.ct_participants"],
            caption="Clinical trial")
    c.table("gmo.member_states", caption="Member States and GMO procedures",
            what="other EEA Member States where an application for the same product is made")


def _sites(c: Ctx) -> None:
    c.table("gmo.ct_sites", caption="Sites handling the GMO",
            what="sites (name, address, containment level, person responsible per Annex V Dir. 2009/41/EC)")


def _risk_management(c: Ctx) -> None:
    c.fields(["gmo.ppe", "gmo.decontamination", "gmo.waste", "gmo.spills", "gmo.accidental_exposure",
              "gmo.patient_precautions"], "control and risk management measures")


def build_caf_aav(snap) -> Document:
    c = Ctx(snap, "gmo-caf-aav")
    c.note("Structure of the common application form for investigational medicinal products for human use that "
           "contain or consist of AAV clinical vectors. Sections I-III.3 as transposed (Arrêté 25/01/2022) "
           "[secondary]; later numbering [U] - check against the EC Word template before submission.")
    c.heading("Administrative information", 1, "I.")
    c.heading("Identification of the sponsor", 2, "1.1")
    _sponsor(c)
    c.heading("Identification of the applicant to whom the sponsor has entrusted the submission, if any", 2, "1.2")
    _delegate(c)
    c.heading("Identification of the manufacturer of the clinical vector (name, manufacturing site)", 2, "1.3")
    c.fields(["materials.vector_manufacturer"])
    c.table("manufacturing.sites", ["name", "address", "country", "activities"], "Manufacturing sites")
    c.heading("Information relating to the investigational medicinal product", 1, "II.")
    c.heading("Description of the production system", 2, "2.1")
    c.fields(["materials.aav_production_system", "materials.packaging_cell_line", "materials.plasmids_description",
              "materials.host_bacteria"], "production system (ITR construct, rep/cap, helper functions, cells)")
    c.heading("Demonstration of the absence of formation of replication-competent virus", 2, "2.2")
    c.fields(["gmo.rcaav_absence_evidence", "gmo.replication_competence", "gmo.rcv_assay", "gmo.rcv_sensitivity"],
             "evidence that replication-competent AAV is not formed")
    c.heading("Functional map of the clinical vector", 2, "2.3")
    c.fields(["gmo.vector_description", "product.vector_serotype"], "vector description")
    c.figure("Functional map of the clinical vector")
    c.heading("Molecular characterisation of the clinical vector", 2, "2.4")
    c.table("quality.characterisation", caption="Characterisation")
    c.fields(["quality.genetic_stability"])
    c.heading("Description of the insert", 2, "2.5")
    c.fields(["gmo.donor_insert", "product.transgene", "gmo.transgene_harmful"], "description of the insert")
    c.heading("Biodistribution and shedding", 2, "2.6")
    c.fields(["nonclinical.biodistribution_summary", "nonclinical.shedding_nonclinical"])
    c.table("gmo.shedding", caption="Shedding", what="shedding data")
    c.heading("Information relating to the clinical trial", 1, "III.")
    c.heading("General information on the trial", 2, "3.1")
    _trial(c)
    c.heading("Sites where the trial will take place", 2, "3.2")
    _sites(c)
    c.heading("Storage of the clinical vector at the clinical site", 2, "3.3")
    c.fields(["gmo.gmo_transport"], "storage at the site and whether the dose is prepared in the hospital pharmacy")
    c.heading("Preparation, administration and transport", 2, "3.4", "[U]")
    c.fields(["manufacturing.reconstitution_description", "traceability.therapeutic_procedure"],
             "preparation and administration of the clinical vector")
    c.heading("Decontamination and waste treatment", 2, "3.5", "[U]")
    c.fields(["gmo.decontamination", "gmo.waste", "gmo.spills"], "decontamination and waste treatment")
    c.heading("Control measures to minimise accidental exposure of healthcare staff", 2, "3.6")
    c.fields(["gmo.ppe", "gmo.accidental_exposure", "gmo.patient_precautions"], "control measures")
    c.heading("Environmental risk assessment", 1, "IV.", "[U]")
    era_steps(c, 2)
    c.heading("Hazard table", 2)
    hazard_table(c)
    return c.build()


def build_caf_cells(snap) -> Document:
    c = Ctx(snap, "gmo-caf-cells")
    c.note("Common application form for clinical research with human cells genetically modified, v5 (November "
           "2021). Section I as transposed [secondary]; section numbering from II onwards is [U] - check against "
           "the EC Word template. Accompany with the SNIF when submitted under Directive 2001/18/EC.")
    c.heading("Administrative information", 1, "I.")
    c.heading("Identification of the sponsor", 2, "1.1")
    _sponsor(c)
    c.heading("Identification of the applicant to whom the sponsor entrusted the submission, if any", 2, "1.2")
    _delegate(c)
    c.heading("Information on the clinical trial", 2, "1.3")
    _trial(c)
    c.heading("Characterisation of the genetically modified cells", 1, "II.", "[U]")
    c.heading("Recipient cells", 2, "2.1", "[U]")
    c.fields(["materials.cell_type", "materials.cell_source", "product.origin"], "recipient cells")
    c.heading("Parental virus and vector", 2, "2.2", "[U]")
    c.fields(["gmo.parental_organism", "gmo.vector_description", "materials.packaging_cell_line",
              "materials.plasmids_description"], "parental virus, vector, packaging system and plasmids")
    c.table("materials.vectors", caption="Vectors")
    c.figure("Map of the vector")
    c.heading("Method of genetic modification", 2, "2.3", "[U]")
    c.fields(["gmo.modification_method", "product.editing_tool", "materials.editing_reagents"],
             "method of modification")
    c.heading("Absence of replication-competent virus", 2, "2.4", "[U]")
    c.fields(["gmo.replication_competence", "gmo.rcv_assay", "gmo.rcv_sensitivity"],
             "RCR/RCL test method, sensitivity and results")
    c.heading("Residual infectious vector particles", 2, "2.5", "[U]")
    c.field("gmo.residual_infectious_particles", "clearance of residual infectious vector particles")
    c.heading("Clinical trial information", 1, "III.", "[U]")
    c.heading("Sites", 2, "3.1", "[U]")
    _sites(c)
    c.heading("Storage, transport, preparation and administration", 2, "3.2", "[U]")
    c.fields(["gmo.gmo_transport", "manufacturing.reconstitution_description"],
             "storage, transport, preparation and administration")
    c.heading("Environmental risk assessment", 1, "IV.", "[U]")
    era_steps(c, 2)
    c.heading("Hazard table", 2)
    hazard_table(c)
    c.heading("Risk management", 1, "V.", "[U]")
    _risk_management(c)
    return c.build()


def _gmo_kind(snap) -> str:
    if snap.is_yes("product.gm_cells"):
        return "animal (mammal): genetically modified human cells"
    family = snap.get("product.vector_family")
    return {"aav": "DNA virus", "adenovirus": "DNA virus", "hsv_oncolytic": "DNA virus",
            "lentivirus": "RNA virus", "gamma_retrovirus": "RNA virus", "bacterial": "bacterium",
            "plasmid": "other (plasmid DNA)"}.get(family, "")


SNIF_SECTIONS = (
    ("B", "Information relating to the recipient or (when appropriate) parental organisms from which the GMO is "
          "derived", "snif_b_recipient", ["gmo.parental_organism"],
     "characterisation, name, distribution, habitat, detection, pathogenicity, reproduction, survival, "
     "dissemination [U: sub-items]"),
    ("C", "Information relating to the genetic modification", "snif_c_modification",
     ["gmo.modification_method", "gmo.vector_description"],
     "type and intended outcome of the modification, vector, insert composition [U: sub-items]"),
    ("D", "Information on the organism(s) from which the insert is derived (donor)", "snif_d_donor",
     ["gmo.donor_insert"], "donor type, name, pathogenicity, natural genetic exchange [U: sub-items]"),
    ("E", "Information relating to the genetically modified organism", "snif_e_gmo",
     ["gmo.replication_competence", "gmo.transgene_harmful"],
     "changed traits, genetic stability, pathogenicity, detection and identification [U: sub-items]"),
    ("F", "Information relating to the release", "snif_f_release", ["gmo.eu_ct_number"],
     "purpose, site, quantities, duration, measures against spread [U: sub-items]"),
    ("G", "Interactions of the GMO with the environment and potential impact on the environment, if "
          "significantly different from the recipient or parent organism", "snif_g_interactions",
     ["nonclinical.shedding_nonclinical"], "interactions, shedding, transfer of genetic material [U: sub-items]"),
    ("H", "Information relating to monitoring", "snif_h_monitoring", [], "monitoring methods, area, duration"),
    ("I", "Information on post-release and waste treatment", "snif_i_waste", ["gmo.waste"],
     "post-release treatment and waste"),
    ("J", "Information on emergency response plans", "snif_j_emergency", ["gmo.spills", "gmo.accidental_exposure"],
     "emergency response plans"),
)


def build_snif(snap) -> Document:
    c = Ctx(snap, "gmo-snif")
    c.note("Summary Notification Information Format, Part 1 (GMOs other than higher plants), Council Decision "
           "2002/813/EC. Section titles A-J and the A sub-items are verified; sub-items of B-J are [U]. Since "
           "3 October 2022 the SNIF is submitted via the Commission's E-Submission Food Chain Platform.")
    c.heading("General information", 1, "A.")
    rows = (
        ("1(a) Member State of notification", c.text("gmo.snif_member_state")),
        ("1(b) Notification number", c.text("gmo.snif_notification_number")),
        ("1(c) Date of acknowledgement of notification", c.text("gmo.snif_acknowledgement_date")),
        ("1(d) Title of the project", c.text("gmo.snif_project_title")),
        ("1(e) Proposed period of release", c.text("gmo.snif_release_period")),
        ("2. Notifier", c.text("applicant.company_name")),
        ("3(a) Type of GMO", _gmo_kind(snap)),
        ("3(b) Identity of the GMO", c.text("gmo.gmo_identity")),
        ("3(c) Genetic stability (Annex IIIA II.A(10))", c.text("quality.genetic_stability")),
        ("4.–6. Same release planned elsewhere in the Community; same GMO notified elsewhere in the Community; "
         "same GMO notified outside the Community", c.text("gmo.snif_other_notifications")),
        ("7. Summary of the potential environmental impact", c.text("gmo.era_step6_overall")),
    )
    from atmp_desktop.export.model import Table
    c.add(Table(("Item", "Entry"), tuple((k, v or "[To be completed]") for k, v in rows), "Sub-items 1 to 7",
                widths=(2, 3)))
    c.fields(["gmo.snif_a_general"])
    for letter, title, field, extra, what in SNIF_SECTIONS:
        c.heading(title, 1, f"{letter}.")
        if not c.field(f"gmo.{field}", what):
            c.fields(extra)
    return c.build()
