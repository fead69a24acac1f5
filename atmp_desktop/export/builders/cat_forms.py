"""CAT procedures: the Art. 17 classification request (request form + briefing document) and the Art. 18 SME
certification application summary. Verified wording is reproduced; parts not checked against the current
EMA templates are marked [U] (verification notes §6 and §7).
"""
from __future__ import annotations

from atmp_desktop.export.builders.base import Ctx
from atmp_desktop.export.builders.module3 import process_flow
from atmp_desktop.export.model import Document, Table

PREAMBLE = ("The applicant presents hereafter its understanding of the regulatory definition of the product under "
            "development. The document addresses scientific, legal, regulatory and medical aspects supporting or not "
            "the applicability of the pharmaceutical framework for the development and evaluation of the product. "
            "The applicant discusses potentially overlapping aspects relevant to medical devices or cosmetics, human "
            "tissues and cells, blood products, borderline medical use or other issues as appropriate.")
CLASSES = {"GTMP": "Gene therapy", "sCTMP": "Somatic cell therapy", "TEP": "Tissue engineered"}
TODO = "[To be completed]"


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p) or TODO


def build_classification(snap) -> Document:
    c = Ctx(snap, "cat-classification")
    c.note("Scientific recommendation on classification of ATMPs (Art. 17 Reg. (EC) No 1394/2007). EMA asks for the "
           "form in Word format; all fields marked * are mandatory.")
    c.heading("Request form", 1)
    c.heading("Information on the Request *", 2)
    t = c.text
    atmp_class = CLASSES.get(c.value("product.atmp_type"), "")
    combined = "Combined" if c.yes("product.is_combined") else ("Not combined" if c.has("product.is_combined")
                                                                else "")
    rows = (
        ("1. Company developing the product (applicant)", _join(t("applicant.company_name"),
                                                                t("applicant.company_address"))),
        ("2. Person authorised to communicate on behalf of the applicant",
         _join(t("applicant.contact_name"), t("applicant.contact_email"), t("applicant.contact_phone"))),
        ("3. Proposed product invented name or identifier",
         _join(t("product.invented_name") or t("product.company_code"))),
        ("4. Short descriptor (or name when available) of the proposed active substance",
         _join(t("product.inn"), t("product.active_substance_description"))),
        ("5. Brief description of the proposed finished product",
         _join(t("product.finished_product_description"), t("traceability.device_name"))),
        ("6. Proposed indication", _join(t("product.indication"))),
        ("7. Proposed advanced therapy medicinal product classification",
         " / ".join(x for x in (atmp_class, combined) if x) or TODO),
    )
    c.add(Table(("Field", "Entry"), rows, "Information on the Request", widths=(2, 3)))
    c.heading("Proposed Summary for Public Release", 2)
    c.add(Table(("Field", "Entry"), (
        ("Product description", _join(t("product.public_summary") or t("product.finished_product_description"))),
        ("Therapeutic area", _join(t("product.therapeutic_area"))),
        ("Outcome of the scientific recommendation", "(completed by the CAT)"),
        ("Date", "(completed by the CAT)"),
    ), "Proposed Summary for Public Release", widths=(2, 3)))
    c.heading("Briefing document", 1)
    c.para(PREAMBLE)
    c.heading("Scientific aspects", 2, "1.")
    c.heading("Active substance", 3, "1.1")
    c.para("Description of active substance (including starting materials, when relevant) *", bold=True)
    c.fields(["product.active_substance_description", "materials.cell_source", "gmo.vector_description"],
             "description of the active substance and starting materials")
    c.para("Description of any additional substances (e.g. structural components such as scaffolds, matrices, "
           "biomaterials, biomolecules and/or other components)", bold=True)
    c.fields(["materials.scaffold_description"], "additional substances, or 'none'")
    c.para("Description of medical device or active implantable medical device (when applicable)", bold=True)
    if c.yes("product.is_combined") or c.yes("product.has_device_non_integral"):
        c.fields(["traceability.device_name", "traceability.device_description", "traceability.device_function",
                  "traceability.device_manufacturer"], "the medical device")
    else:
        c.note("Not applicable: the product contains no medical device.")
    c.heading("Finished product", 3, "", "[U: numbering]")
    c.fields(["product.finished_product_description", "product.pharmaceutical_form", "product.route",
              "product.dose"], "finished product: composition, mode of administration, pharmaceutical form")
    c.table("quality.dp_composition", caption="Qualitative and quantitative composition",
            what="qualitative and quantitative composition")
    c.heading("Mechanism of action and proposed use", 3, "", "[U: numbering]")
    c.fields(["product.mode_of_action", "product.indication"], "claimed mechanism of action and proposed use")
    c.heading("Summary of the status of development", 3, "", "[U: numbering]")
    c.fields(["applicant.development_stage", "nonclinical.nonclinical_strategy"], "status of development")
    c.heading("Proposed classification and justification", 2, "", "[U: section not verified]")
    c.fields(["product.atmp_type", "product.atmp_type_justification", "product.substantially_manipulated",
              "product.same_essential_function", "product.is_combined"], "the applicant's proposed classification")
    return c.build()


def build_sme(snap) -> Document:
    c = Ctx(snap, "sme-certification")
    c.note("Application summary for certification of quality and non-clinical data for SMEs (Art. 18 Reg. (EC) No "
           "1394/2007; Reg. (EC) No 668/2009), structured after the CAT guideline on minimum data "
           "EMA/CAT/486831/2008/corr. Section-by-section minimum-data flags of the guideline are [U].")
    c.heading("Applicant and eligibility", 1)
    c.facts(["applicant.company_name", "applicant.company_address", "applicant.company_country",
             "applicant.established_in_eea", "applicant.sme_category", "applicant.sme_number",
             "applicant.sme_expiry", "applicant.certification_scope", "applicant.previous_certifications"],
            caption="Applicant")
    c.heading("The product and its intended use", 1)
    c.facts(["product.invented_name", "product.inn", "product.atmp_type", "product.route", "product.indication",
             "applicant.development_stage"], caption="Product")
    c.fields(["product.active_substance_description", "product.finished_product_description"],
             "description of the active substance and finished product")
    c.heading("Quality data (Module 3)", 1)
    c.heading("Drug substance: manufacture", 2, "3.2.S.2")
    c.table("manufacturing.sites", ["name", "country", "activities"], "Manufacturers")
    process_flow(c, None)
    c.table("materials.raw_materials", ["material", "grade", "biological_origin"], "Starting and raw materials")
    c.heading("Characterisation", 2, "3.2.S.3")
    c.table("quality.characterisation", caption="Characterisation")
    c.heading("Control: specifications and analytical procedures", 2, "3.2.S.4 / 3.2.P.5")
    c.table("quality.ds_specification", ["test", "method", "acceptance_criterion"], "Drug substance specification")
    c.table("quality.dp_specification", ["test", "method", "acceptance_criterion"], "Drug product specification")
    c.table("quality.analytical_procedures", caption="Analytical procedures")
    c.heading("Batch data", 2, "3.2.S.4.4 / 3.2.P.5.4")
    c.table("quality.batch_analyses", caption="Batch analyses")
    c.heading("Stability", 2, "3.2.S.7 / 3.2.P.8")
    c.fields(["quality.stability_summary", "quality.shelf_life", "quality.storage_conditions"], "stability data")
    c.heading("Non-clinical data (Module 4)", 1)
    if c.value("applicant.certification_scope") == "quality":
        c.note("Not part of this application: certification of quality data only was requested.")
    else:
        c.table("nonclinical.studies", ["study_type", "model", "glp", "key_findings"], "Non-clinical studies",
                what="non-clinical studies (proof of concept, biodistribution, toxicology)")
        c.fields(["nonclinical.pharmacology_summary", "nonclinical.biodistribution_summary",
                  "nonclinical.toxicology_summary", "nonclinical.tumourigenicity_summary",
                  "nonclinical.integrated_conclusion"])
    return c.build()
