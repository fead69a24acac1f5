"""Module 1.6 Environmental Risk Assessment: 1.6.1 (non-GMO: ERA or justified absence) or 1.6.2 (GMO: the six
Annex II steps, hazard table, Annex IIIA information, Part B consents, shedding). Both headings are kept; the
one that does not apply carries its justification (core.sections.section_applicability).
"""
from __future__ import annotations

from atmp_desktop.export.builders.base import Ctx
from atmp_desktop.export.model import Document

# Directive 2001/18/EC Annex II C.2: original wording, and the EFSA-aligned wording after (EU) 2018/350 [U]
ERA_STEPS = (
    ("era_step1_hazards", "Identification of characteristics which may cause adverse effects",
     "problem formulation including hazard identification"),
    ("era_step2_consequences", "Evaluation of the potential consequences of each adverse effect, if it occurs",
     "hazard characterisation"),
    ("era_step3_likelihood", "Evaluation of the likelihood of the occurrence of each identified potential adverse "
                             "effect", "exposure characterisation"),
    ("era_step4_risk", "Estimation of the risk posed by each identified characteristic of the GMO(s)",
     "risk characterisation"),
    ("era_step5_management", "Application of management strategies for risks from the deliberate release or "
                             "marketing of GMO(s)", "risk management strategies"),
    ("era_step6_overall", "Determination of the overall risk of the GMO(s)",
     "overall risk evaluation and conclusions"),
)


def era_steps(c: Ctx, level: int) -> None:
    c.note("Step titles follow Directive 2001/18/EC Annex II C.2; the wording after Commission Directive (EU) "
           "2018/350 (EFSA-aligned) is given in brackets [U: exact amended wording to be verified].")
    for i, (field, title, amended) in enumerate(ERA_STEPS, 1):
        c.heading(f"Step {i}: {title} ({amended})", level)
        c.field(f"gmo.{field}", f"ERA step {i}: {title.lower()}")


def hazard_table(c: Ctx) -> None:
    c.table("gmo.hazards", caption="Hazards, consequences, likelihood, risk and risk management",
            what="hazard table (hazard, consequence, likelihood, risk, management)")


def build(snap) -> Document:
    c = Ctx(snap, "m1-6-era", "1.6")
    c.ctd("1.6")
    c.ctd("1.6.1")
    if not c.not_applicable("1.6.1"):
        c.para("The product does not contain or consist of genetically modified organisms. An environmental risk "
               "assessment under Directive 2001/18/EC is therefore not required; the applicant justifies the "
               "absence of an ERA below (Art. 8(3)(ca) Dir. 2001/83/EC; EMEA/CHMP/SWP/4447/00) [K].")
        c.fields(["product.active_substance_description", "product.origin", "materials.cell_source"],
                 "description of the active substance")
        c.field("product.non_gmo_era", "justification of the absence of environmental risk (e.g. cells do not "
                "survive or replicate outside the patient; no release of GMOs or infectious material)")
        c.fed("1.6.1")
    c.ctd("1.6.2")
    if c.not_applicable("1.6.2"):
        return c.build()
    c.para("Environmental risk assessment according to Art. 6(2) of Regulation (EC) No 726/2004 and Annex II of "
           "Directive 2001/18/EC, following EMEA/CHMP/BWP/473191/2006.")
    c.heading("Identity and characteristics of the GMO", 3)
    c.fields(["gmo.gmo_identity", "gmo.parental_organism", "gmo.vector_description", "gmo.donor_insert",
              "gmo.modification_method", "gmo.transgene_harmful"], "identity and characterisation of the GMO")
    c.heading("Environmental risk assessment (Directive 2001/18/EC Annex II)", 3)
    era_steps(c, 4)
    c.heading("Hazard table", 4)
    hazard_table(c)
    c.heading("Technical information (Directive 2001/18/EC Annex IIIA)", 3)
    c.fields(["gmo.annex_iiia_information", "gmo.replication_competence", "gmo.rcv_assay", "gmo.rcv_sensitivity",
              "gmo.residual_infectious_particles", "gmo.rcaav_absence_evidence"],
             "Annex IIIA technical information")
    c.heading("Shedding data", 3)
    c.table("gmo.shedding", caption="Shedding", what="shedding data (matrix, method, duration, result)")
    c.fields(["nonclinical.shedding_nonclinical", "nonclinical.biodistribution_summary"])
    c.heading("Risk management measures", 3)
    c.fields(["gmo.ppe", "gmo.decontamination", "gmo.waste", "gmo.spills", "gmo.accidental_exposure",
              "gmo.patient_precautions"], "risk management measures")
    c.heading("Part B consents and results of research and development releases", 3)
    if c.yes("gmo.part_b_release") or c.rows("gmo.part_b_consents"):
        c.table("gmo.part_b_consents", caption="Part B written consents",
                what="copies of Part B consents (Member State, notification number, date)")
        c.field("gmo.rd_release_results", "results of research and development releases")
    else:
        c.note("No deliberate release under Part B of Directive 2001/18/EC has been notified for this GMO.")
    return c.build()

