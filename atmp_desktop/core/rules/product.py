"""Brief §8.2 (ATMP type logic) and §8.3 (GMO / environmental risk)."""
from __future__ import annotations

from atmp_desktop.core.constants import (CAF_GM_CELLS_JURISDICTIONS, CAF_GM_CELLS_SOURCE, CLASSIFICATION_DAYS,
                                         COUNTRY_CODES)
from atmp_desktop.core.rules.base import CT, MAA, MAA_CT, Ctx, addressed, as_text, is_gmo, rule

ERA_STEPS = (
    ("gmo.era_step1_hazards", "step 1, hazard identification"),
    ("gmo.era_step2_consequences", "step 2, hazard characterisation (consequences)"),
    ("gmo.era_step3_likelihood", "step 3, exposure characterisation (likelihood)"),
    ("gmo.era_step4_risk", "step 4, risk characterisation"),
    ("gmo.era_step5_management", "step 5, risk management strategies"),
    ("gmo.era_step6_overall", "step 6, overall risk evaluation and conclusion"),
)
ERA_TEXT_FIELDS = tuple(p for p, _ in ERA_STEPS) + ("gmo.hazards",)
SNIF_SECTIONS = (
    ("gmo.snif_a_general", "A general information"), ("gmo.snif_b_recipient", "B recipient or parental organism"),
    ("gmo.snif_c_modification", "C genetic modification"), ("gmo.snif_d_donor", "D donor organism / insert"),
    ("gmo.snif_e_gmo", "E the GMO"), ("gmo.snif_f_release", "F the release"),
    ("gmo.snif_g_interactions", "G interactions with the environment"),
    ("gmo.snif_h_monitoring", "H monitoring"), ("gmo.snif_i_waste", "I post-release and waste treatment"),
    ("gmo.snif_j_emergency", "J emergency response plans"),
)


# ------------------------------------------------------------------------------------------- §8.2
@rule("TYP-01", "warning", "the ATMP type is not set or is ‘unclear’",
      "suggest a CAT classification request and record its outcome and date",
      "Reg. (EC) No 1394/2007 Art. 17; EMA/CAT/99623/2009 Rev.2", "V")
def typ_01(c: Ctx):
    if c.get("product.atmp_type") not in (None, "unclear"):
        return
    yield ("product.atmp_type",
           f"The ATMP type is not settled: ask the CAT for a classification recommendation (Art. 17, free of charge, "
           f"about {CLASSIFICATION_DAYS.value} days) and record it in {c.label('product.cat_classification_outcome')}"
           f" and {c.label('product.cat_classification_date')}, then set {c.label('product.atmp_type')}.")


@rule("TYP-02", "warning", "the cells are not substantially manipulated and keep the same essential function",
      "flag that the product may not be an ATMP and recommend a classification request",
      "Reg. (EC) No 1394/2007 Art. 2(1)(c) and Annex I", "K")
def typ_02(c: Ctx):
    if not (c.no("product.substantially_manipulated") and c.yes("product.same_essential_function")):
        return
    if c.get("product.cat_classification_outcome") in ("GTMP", "sCTMP", "TEP"):
        return  # the CAT already confirmed it is an ATMP
    yield ("product.substantially_manipulated",
           f"Cells that are not substantially manipulated ({c.label('product.substantially_manipulated')}) and used "
           "for the same essential function may not be an ATMP: request a CAT classification (Art. 17) and record "
           f"the outcome in {c.label('product.cat_classification_outcome')}.")


@rule("TYP-03", "info", "the product is a somatic cell therapy with a scaffold or tissue-engineering claim",
      "a product that fits both sCTMP and TEP is classified as a TEP",
      "Reg. (EC) No 1394/2007 Art. 2(4)", "K")
def typ_03(c: Ctx):
    if c.get("product.atmp_type") != "sCTMP" or not c.filled("materials.scaffold_description"):
        return
    yield ("product.atmp_type",
           "A scaffold is described, so the product may also fit the tissue-engineered definition; a product that "
           "fits both sCTMP and TEP is classified as a TEP (Art. 2(4)). Check "
           f"{c.label('product.atmp_type')}.")


@rule("TYP-04", "info", "the active substance is genetically modified cells and the type is sCTMP or TEP",
      "a product that fits GTMP and sCTMP/TEP is classified as a GTMP",
      "Reg. (EC) No 1394/2007 Art. 2(5)", "K")
def typ_04(c: Ctx):
    if not (c.yes("product.gm_cells") and c.get("product.atmp_type") in ("sCTMP", "TEP")):
        return
    yield ("product.atmp_type",
           "Genetically modified cells make the product fit the GTMP definition too; such a product is classified as "
           f"a GTMP (Art. 2(5)). Change {c.label('product.atmp_type')} to GTMP or explain the CAT's view.")


@rule("TYP-05", "error", "the hospital exemption is selected for a marketing authorisation application",
      "the hospital exemption is national, not an EMA procedure; no MAA dossier is built",
      "Dir. 2001/83/EC Art. 3(7) (inserted by Art. 28 of Reg. (EC) No 1394/2007)", "V", step="applicant", pursued=MAA)
def typ_05(c: Ctx):
    if not c.yes("applicant.hospital_exemption"):
        return
    yield ("applicant.hospital_exemption",
           "The hospital exemption is authorised nationally, not by the EMA, so it cannot be combined with a "
           f"marketing authorisation application: answer no in {c.label('applicant.hospital_exemption')} or change "
           f"{c.label('applicant.procedure')}.")


# ------------------------------------------------------------------------------------------- §8.3
@rule("GMO-01", "error", "the product contains or consists of a GMO",
      "Module 1.6.2 holds an ERA per Annex II of Dir. 2001/18/EC and the Annex III(A) technical information",
      "Reg. (EC) No 726/2004 Art. 6(2); EMEA/CHMP/BWP/473191/2006", "V", step="gmo", pursued=MAA_CT)
def gmo_01(c: Ctx):
    if not is_gmo(c):
        return
    if not any(c.filled(p) for p in ERA_TEXT_FIELDS):
        yield ("1.6.2", "The product is a GMO but no environmental risk assessment is written: fill in the six ERA "
                        f"steps from {c.label('gmo.era_step1_hazards')} onwards (Module 1.6.2).",
               "gmo.era_step1_hazards")
    if not c.filled("gmo.annex_iiia_information"):
        yield ("gmo.annex_iiia_information",
               f"Add the Annex III(A) technical information in {c.label('gmo.annex_iiia_information')}; "
               "Module 1.6.2 needs it with the ERA.")


@rule("GMO-02", "warning", "it is not answered whether the product contains a GMO",
      "Module 1.6.1 (no GMO, justified absence of ERA) or 1.6.2 can only be written once the question is answered",
      "EU Module 1 eCTD specification v3.0.4 (1.6.1/1.6.2)", "K", step="product", pursued=MAA_CT)
def gmo_02(c: Ctx):
    if c.get("product.contains_gmo") is not None:
        return
    yield ("product.contains_gmo",
           f"Answer {c.label('product.contains_gmo')}: with ‘no’, Module 1.6.1 states why no ERA is needed; with "
           "‘yes’, Module 1.6.2 needs a full ERA.")


@rule("GMO-03", "warning", "the active substance is genetically modified cells",
      "decide whether the finished product is a GMO, supported by RCV and residual infectious-particle data",
      "EMA/CAT/GTWP/671639/2008 Rev.1; GM-cells common application form v5", "V", step="product", pursued=MAA_CT)
def gmo_03(c: Ctx):
    if not c.yes("product.gm_cells"):
        return
    gmo = c.get("product.contains_gmo")
    if gmo is None:
        yield ("product.contains_gmo",
               "Genetically modified cells may or may not be a GMO as finished product: decide and answer "
               f"{c.label('product.contains_gmo')}, based on replication-competent virus and residual vector data.")
    elif gmo is False:
        yield ("product.contains_gmo",
               "You state that the genetically modified cells are not a GMO: support this in the quality data with "
               "replication-competent virus and residual infectious-particle results, and check the view of each "
               "target Member State.")
    else:
        for path in ("gmo.rcv_assay", "gmo.residual_infectious_particles"):
            if not c.filled(path):
                yield (path, f"Fill in {c.label(path)}; it is the evidence on which the GMO status of the "
                             "modified cells is decided.")


@rule("GMO-04", "warning", "the product is a GMO in clinical development",
      "for each target Member State record the GMO framework and the sequence with the CTA (verify currency)",
      "COM(2020) 261; Member-State GMO requirements (brief S22)", "U", step="gmo", pursued=CT)
def gmo_04(c: Ctx):
    if not is_gmo(c):
        return
    rows = c.rows("gmo.member_states")
    if not rows:
        yield ("gmo.member_states",
               f"List each target Member State in {c.label('gmo.member_states')} with its GMO framework (contained "
               "use, deliberate release, both or case by case) and when to file it relative to the CTA; national "
               "rules change, so verify them before filing.")
    for loc, r, i, col in c.empty_cells("gmo.member_states", ("framework", "sequence")):
        yield loc, f"Member State {r.get('member_state') or i + 1}: state the {col} (verify it is current)."


@rule("GMO-05", "error", "a clinical trial Member State uses the deliberate-release framework",
      "the SNIF (Part 1, sections A to J) is complete",
      "Council Decision 2002/813/EC; Dir. 2001/18/EC Part B", "V", step="gmo", pursued=CT)
def gmo_05(c: Ctx):
    if not is_gmo(c):
        return
    if not any(r.get("framework") in ("deliberate_release", "both") for r in c.rows("gmo.member_states")):
        return
    for path, name in SNIF_SECTIONS:
        if not c.filled(path):
            yield (path, f"A Member State uses the deliberate-release route, so the SNIF needs section {name}: fill in "
                         f"{c.label(path)}.")


def _caf_in_use(c: Ctx) -> bool:
    return is_gmo(c)


@rule("GMO-06", "error", "the GM-cells common application form is used for cells modified with retro/lentiviral vectors",
      "evidence of no replication-competent virus and negligible residual infectious particles",
      "Common application form for human cells genetically modified, v5 (Nov 2021), NOTE 1", "V", step="gmo", pursued=CT)
def gmo_06(c: Ctx):
    if not (_caf_in_use(c) and c.yes("product.gm_cells")
            and c.get("product.vector_family") in ("gamma_retrovirus", "lentivirus")):
        return
    for path, what in (("gmo.rcv_assay", "that no replication-competent virus can form"),
                       ("gmo.residual_infectious_particles", "that residual infectious particles are negligible")):
        if not c.filled(path):
            yield (path, f"The GM-cells application form requires evidence {what}: fill in {c.label(path)}.")


@rule("GMO-07", "error", "the AAV common application form is used (AAV vector, not modified cells)",
      "evidence of no rcAAV formation and a non-harmful transgene for the streamlined ERA",
      "Common application form for AAV clinical vectors, II.2.2 (brief S19, S22)", "K", step="gmo", pursued=CT)
def gmo_07(c: Ctx):
    if not (_caf_in_use(c) and c.get("product.vector_family") == "aav" and not c.yes("product.gm_cells")):
        return
    if not c.filled("gmo.rcaav_absence_evidence"):
        yield ("gmo.rcaav_absence_evidence",
               f"Describe the evidence that no replication-competent AAV forms in {c.label('gmo.rcaav_absence_evidence')}.")
    if c.get("gmo.transgene_harmful") is not False:
        yield ("gmo.transgene_harmful",
               "The streamlined AAV form needs a transgene that is not harmful: answer no in "
               f"{c.label('gmo.transgene_harmful')} with a justification, or use a full ERA.")


def _country_code(name: str) -> str:
    key = name.strip().lower()
    return COUNTRY_CODES.get(key, key.upper())


@rule("GMO-08", "warning", "the GM-cells common application form is used",
      "each target Member State accepts the form (v5 endorsement list)",
      CAF_GM_CELLS_SOURCE, "V", step="gmo", pursued=CT)
def gmo_08(c: Ctx):
    if not (_caf_in_use(c) and c.yes("product.gm_cells")):
        return
    for i, r in enumerate(c.rows("gmo.member_states")):
        ms = as_text(r.get("member_state")).strip()
        if ms and _country_code(ms) not in CAF_GM_CELLS_JURISDICTIONS:
            yield (f"gmo.member_states[{i}].member_state",
                   f"{ms} in {c.label('gmo.member_states')} is not among the jurisdictions that endorse the GM-cells "
                   "common application form v5; use that Member State's national form.")


@rule("GMO-09", "warning", "the product contains or consists of a GMO",
      "all six Annex II ERA steps are addressed in order, with shedding data (matrix, duration, assay, infectivity)",
      "Dir. 2001/18/EC Annex II as amended by Dir. (EU) 2018/350", "V", step="gmo", pursued=MAA_CT)
def gmo_09(c: Ctx):
    if not is_gmo(c):
        return
    for path, name in ERA_STEPS:
        if not c.filled(path):
            yield (path, f"The ERA must address {name}: fill in {c.label(path)}.")
    rows = c.rows("gmo.shedding")
    if not rows:
        yield ("gmo.shedding", f"Cite shedding data in {c.label('gmo.shedding')}: matrix, assay, duration and whether "
                               "it detects infectious particles or genomes.")
    for loc, _r, i, col in c.empty_cells("gmo.shedding", ("matrix", "method", "duration", "detects")):
        yield loc, f"Shedding row {i + 1}: add the {col}."


@rule("GMO-10", "error", "the product is a GMO that is replication-competent by design (e.g. oncolytic virus)",
      "the ERA answers transmission to contacts and survival in the environment (in a section that has content), "
      "and precautions for patients and for staff are given",
      "Dir. 2001/83/EC Annex I Part IV §5.2; Dir. 2001/18/EC Annex II; CHMP/GTWP/607698/08", "K", step="gmo",
      pursued=MAA_CT)
def gmo_10(c: Ctx):
    if not (c.yes("product.replication_competent_by_design") and is_gmo(c)):
        return
    yield from addressed(c, "gmo.transmission_to_contacts", "gmo.transmission_to_contacts_where",
                         "transmission of the virus to close contacts (household, carers, staff)")
    yield from addressed(c, "gmo.environmental_survival", "gmo.environmental_survival_where",
                         "survival and spread of the virus in the environment")
    for path, who in (("gmo.patient_precautions", "patients and their contacts"), ("gmo.ppe", "healthcare staff")):
        if not c.filled(path):
            yield (path, f"A virus that replicates needs precautions for {who}: fill in {c.label(path)}.")
