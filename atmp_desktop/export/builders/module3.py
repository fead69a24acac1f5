"""Module 3 body of data (3.2.S, 3.2.P, 3.2.A, 3.2.R): every M4Q heading of the part, in order, with the
exact codes and titles from core.sections, filled from the project; missing narrative becomes a placeholder
and non-applicable sections keep their heading with the justification.
"""
from __future__ import annotations

import re

from atmp_desktop.core.sections import has_device, is_cell_based, is_gmo
from atmp_desktop.export.builders.base import Ctx
from atmp_desktop.export.model import Document, ListBlock, Run

STEP_COLS = ["number", "name", "site", "description", "critical_parameters", "in_process_controls"]
IPC_COLS = ["number", "name", "critical_parameters", "in_process_controls", "acceptance_criteria", "hold_time"]


def _stage(stage: str):
    return lambda r: r.get("stage") in (stage, None)


def process_flow(c: Ctx, stage: str | None) -> None:
    """The process-step table as a numbered flow (a generated diagram can replace this later)."""
    steps = [r for r in c.rows("manufacturing.process_steps") if stage is None or r.get("stage") == stage]
    if not steps:
        return
    steps.sort(key=lambda r: (r.get("number") is None, r.get("number") or 0))
    c.para("Process flow:", bold=True)
    items = []
    for r in steps:
        head = f"{r.get('number', '')}. {r.get('name', '')}".strip(". ")
        tail = "; ".join(x for x in (r.get("site"), r.get("in_process_controls") and
                                     f"IPC: {r['in_process_controls']}") if x)
        items.append((Run(head, bold=True), Run(f" ({tail})" if tail else "")))
    c.add(ListBlock(tuple(items), numbered=False))
    c.figure("Flow diagram of the manufacturing process", "to be generated from the process-step table")


def _sites(c: Ctx) -> None:
    c.table("manufacturing.sites", caption="Manufacturing and testing sites")
    c.fields(["manufacturing.outsourced_activities"])


def _ds_nomenclature(c: Ctx) -> None:
    c.facts(["product.inn", "product.invented_name", "product.company_code", "product.atc_code",
             "product.atmp_type", "product.origin"], caption="Nomenclature")


def _ds_structure(c: Ctx) -> None:
    c.field("product.active_substance_description", "description of the active substance and its structure")
    if is_gmo(c.snap):
        c.facts(["product.vector_family", "product.vector_serotype", "product.transgene", "product.is_integrating",
                 "product.genome_edited"], caption="Genetic construct")
        c.table("materials.vectors", ["name", "family", "transgene", "regulatory_elements"])
        c.figure("Vector map (functional elements)")


def _ds_properties(c: Ctx) -> None:
    c.field("quality.ds_description", "general properties of the active substance")
    c.fields(["product.mode_of_action"])


def _ds_process(c: Ctx) -> None:
    c.fields(["manufacturing.process_overview", "manufacturing.batch_definition", "manufacturing.batch_scale",
              "manufacturing.batch_numbering", "manufacturing.closed_system", "manufacturing.ds_dp_continuous"],
             "description of the drug substance manufacturing process")
    process_flow(c, "DS")
    c.table("manufacturing.process_steps", STEP_COLS, "Drug substance process steps", where=_stage("DS"),
            labels={"site": "Site"})


def _materials(c: Ctx) -> None:
    snap = c.snap
    if is_cell_based(snap) or c.has("materials.cell_source"):
        c.sub("Starting materials of human or animal origin")
        c.fields(["materials.cell_source", "materials.cell_type", "materials.collection_method",
                  "materials.tissue_establishment", "materials.tissue_establishment_authorisation",
                  "materials.donor_eligibility", "materials.consent_procedure", "materials.pooled_donors",
                  "materials.pooling_strategy", "materials.xenogeneic_source_animals"],
                 "cell source, donation, procurement and testing")
        c.table("materials.donor_tests", caption="Donor testing")
    if is_gmo(snap) or c.rows("materials.vectors"):
        c.sub("Vectors and plasmids")
        c.table("materials.vectors", caption="Vectors")
        c.fields(["materials.vector_manufacturer", "materials.packaging_cell_line", "materials.aav_production_system",
                  "materials.plasmids_description", "materials.vector_control_summary", "materials.editing_reagents"])
    if c.rows("materials.cell_banks"):
        c.table("materials.cell_banks", caption="Cell banks and virus seeds")
    c.table("materials.raw_materials", caption="Raw materials and reagents")
    c.fields(["materials.raw_material_risk_assessment", "materials.tse_statement"])
    if snap.get("product.atmp_type") == "TEP" or c.has("materials.scaffold_description"):
        c.fields(["materials.scaffold_description", "materials.scaffold_supplier", "materials.scaffold_specification"],
                 "scaffold / matrix description")


def _critical(c: Ctx, stage: str) -> None:
    c.fields(["manufacturing.critical_steps_controls", "manufacturing.intermediate_controls_justification",
              "manufacturing.reprocessing"], None)
    if not c.table("manufacturing.process_steps", IPC_COLS, "Critical steps and in-process controls",
                   where=_stage(stage)):
        return


def _validation(c: Ctx) -> None:
    c.fields(["manufacturing.process_validation", "manufacturing.validation_batches",
              "manufacturing.aseptic_process_simulation", "manufacturing.shipping_validation"],
             "process validation and/or evaluation")


def _development(c: Ctx) -> None:
    c.fields(["manufacturing.process_development", "manufacturing.process_changed_after_pivotal",
              "manufacturing.comparability"], "manufacturing process development history")


def _characterisation(c: Ctx) -> None:
    c.table("quality.characterisation", caption="Characterisation")
    c.fields(["quality.genetic_stability", "quality.potency_assay_description"])


def _spec(path: str):
    def w(c: Ctx) -> None:
        c.table(path, caption="Specification")
    return w


def _procedures(c: Ctx) -> None:
    c.table("quality.analytical_procedures", ["test", "procedure"], "Analytical procedures")
    c.fields(["quality.potency_assay_description", "quality.rcv_testing_strategy"])


def _proc_validation(c: Ctx) -> None:
    c.table("quality.analytical_procedures", ["test", "validation_status"], "Validation status of procedures")
    c.fields(["quality.analytical_validation_summary"])


def _batches(c: Ctx) -> None:
    c.table("quality.batch_analyses", caption="Batch analyses")


def _justification(c: Ctx) -> None:
    c.field("quality.specification_justification", "justification of the specification")


def _stability(material: str, summary: bool):
    def w(c: Ctx) -> None:
        if summary:
            c.fields(["quality.stability_summary", "quality.shelf_life", "quality.storage_conditions",
                      "quality.cryopreserved"], "stability summary and conclusions")
        else:
            c.table("quality.stability_studies", ["condition", "time_points", "results"],
                    f"Stability data ({material})", where=lambda r: r.get("material") in (material, None))
    return w


def build_s(snap) -> Document:
    c = Ctx(snap, "m3-2-s", "3.2.S")
    c.ctd_part("3.2.S", {
        "3.2.S.1.1": _ds_nomenclature, "3.2.S.1.2": _ds_structure, "3.2.S.1.3": _ds_properties,
        "3.2.S.2.1": _sites, "3.2.S.2.2": _ds_process, "3.2.S.2.3": _materials,
        "3.2.S.2.4": lambda c: _critical(c, "DS"), "3.2.S.2.5": _validation, "3.2.S.2.6": _development,
        "3.2.S.3.1": _characterisation, "3.2.S.3.2": lambda c: c.field("quality.impurities", "impurities"),
        "3.2.S.4.1": _spec("quality.ds_specification"), "3.2.S.4.2": _procedures, "3.2.S.4.3": _proc_validation,
        "3.2.S.4.4": _batches, "3.2.S.4.5": _justification,
        "3.2.S.5": lambda c: c.field("quality.reference_standards", "reference standards or materials"),
        "3.2.S.6": lambda c: c.field("quality.ds_container_closure", "drug substance container closure system"),
        "3.2.S.7.1": _stability("DS", True),
        "3.2.S.7.2": lambda c: c.field("quality.stability_commitment", "post-approval stability protocol"),
        "3.2.S.7.3": _stability("DS", False),
    })
    return c.build()


def _composition(c: Ctx) -> None:
    c.fields(["product.finished_product_description", "product.pharmaceutical_form", "product.strength",
              "product.dose", "product.route"], "description of the drug product")
    c.table("quality.dp_composition", caption="Composition of the drug product")
    c.fields(["quality.container_closure"])
    if has_device(c.snap):
        c.fields(["traceability.device_name", "traceability.device_function", "traceability.device_description"],
                 "the medical device component (combined ATMP)")


def _dp_process(c: Ctx) -> None:
    c.fields(["manufacturing.process_overview", "manufacturing.reconstitution_at_site",
              "manufacturing.reconstitution_description"], "description of the drug product manufacturing process")
    process_flow(c, "DP")
    c.table("manufacturing.process_steps", STEP_COLS, "Drug product process steps", where=_stage("DP"),
            labels={"site": "Site"})


def build_p(snap) -> Document:
    c = Ctx(snap, "m3-2-p", "3.2.P")
    c.ctd_part("3.2.P", {
        "3.2.P.1": _composition,
        "3.2.P.2.1.1": lambda c: c.xref("3.2.P.1", "The active substance is described in "),
        "3.2.P.2.1.2": lambda c: c.table("quality.dp_composition", ["component", "function", "quality_standard"],
                                         "Excipients"),
        "3.2.P.2.2.1": lambda c: c.field("quality.formulation_development", "formulation development"),
        "3.2.P.2.2.2": lambda c: c.field("quality.overages", "overages"),
        "3.2.P.2.2.3": lambda c: c.fields(["quality.potency_assay_description"],
                                          "physicochemical and biological properties"),
        "3.2.P.2.3": _development,
        "3.2.P.2.4": lambda c: c.field("quality.container_closure", "container closure development"),
        "3.2.P.2.5": lambda c: c.field("quality.microbiological_attributes", "microbiological attributes"),
        "3.2.P.2.6": lambda c: c.fields(["quality.compatibility", "quality.in_use_stability"], "compatibility"),
        "3.2.P.3.1": _sites,
        "3.2.P.3.2": lambda c: c.fields(["manufacturing.batch_formula", "manufacturing.batch_scale"],
                                        "batch formula"),
        "3.2.P.3.3": _dp_process, "3.2.P.3.4": lambda c: _critical(c, "DP"), "3.2.P.3.5": _validation,
        "3.2.P.4.1": lambda c: c.table("quality.dp_composition", ["component", "function", "quality_standard"],
                                       "Excipient quality standards", "excipients in the composition (3.2.P.1)",
                                       where=_is_excipient),
        "3.2.P.4.2": _excipient_controls("analytical procedures"),
        "3.2.P.4.3": _excipient_controls("validation of the analytical procedures"),
        "3.2.P.4.4": _excipient_controls("justification of the specifications"),
        "3.2.P.4.5": lambda c: c.field("quality.excipients_human_animal"),
        "3.2.P.4.6": lambda c: c.field("quality.novel_excipients"),
        "3.2.P.5.1": _spec("quality.dp_specification"),
        "3.2.P.5.2": _procedures, "3.2.P.5.3": _proc_validation, "3.2.P.5.4": _batches,
        "3.2.P.5.5": lambda c: c.field("quality.impurities", "characterisation of impurities"),
        "3.2.P.5.6": lambda c: c.fields(["quality.specification_justification", "quality.release_strategy",
                                         "quality.release_before_sterility_result", "quality.oos_handling"],
                                        "justification of specification(s)"),
        "3.2.P.6": lambda c: c.field("quality.reference_standards", "reference standards or materials"),
        "3.2.P.7": lambda c: c.field("quality.container_closure", "container closure system"),
        "3.2.P.8.1": lambda c: c.fields(["quality.stability_summary", "quality.shelf_life",
                                         "quality.storage_conditions", "quality.in_use_stability",
                                         "quality.transport_conditions"], "stability summary and conclusion"),
        "3.2.P.8.2": lambda c: c.field("quality.stability_commitment", "post-approval stability protocol"),
        "3.2.P.8.3": _stability("DP", False),
    })
    return c.build()


def build_a(snap) -> Document:
    c = Ctx(snap, "m3-2-a", "3.2.A")
    c.ctd_part("3.2.A", {
        "3.2.A.1": lambda c: (c.fields(["manufacturing.facilities_equipment", "manufacturing.closed_system",
                                        "manufacturing.gmo_containment_measures"], "facilities and equipment"),
                              c.table("manufacturing.sites", ["name", "country", "activities", "containment_class"],
                                      "Sites and containment")),
        "3.2.A.2": lambda c: (c.field("manufacturing.adventitious_agents", "adventitious agents safety evaluation"),
                              c.table("materials.raw_materials", ["material", "biological_origin", "tse_risk"],
                                      "Materials of biological origin",
                                      where=lambda r: r.get("biological_origin") in ("human", "animal")),
                              c.fields(["materials.tse_statement"])),
        "3.2.A.3": lambda c: c.field("quality.novel_excipients"),
    })
    return c.build()


def build_r(snap) -> Document:
    c = Ctx(snap, "m3-2-r", "3.2.R")
    c.ctd("3.2.R")
    c.note("EU regional information (Notice to Applicants Vol. 2B); the sub-headings below are this app's "
           "grouping, not M4Q headings [K].")
    c.heading("Process validation scheme and batch information", 2)
    c.fields(["manufacturing.process_validation", "manufacturing.validation_batches"], "process validation scheme")
    c.heading("Medical device", 2)
    if has_device(c.snap):
        c.fields(["traceability.device_name", "traceability.device_conformity", "traceability.notified_body_name",
                  "traceability.notified_body_number", "traceability.nb_certificate"],
                 "device conformity information (combined ATMP)")
    else:
        c.note("Not applicable: the product contains no medical device.")
    c.heading("Certificates of suitability (TSE)", 2)
    c.fields(["materials.tse_statement"], "TSE certificates of suitability")
    c.heading("Traceability", 2)
    c.fields(["traceability.traceability_system", "traceability.retention_years", "traceability.chain_of_identity",
              "traceability.coding_system", "traceability.traceability_scope", "traceability.hospital_traceability",
              "traceability.traceability_continuity"], "traceability system (Art. 15 Reg. (EC) No 1394/2007)")
    c.fed("3.2.R")
    return c.build()


# ----------------------------------------------------------------------------- 3.2.P.4 excipients
_COMPENDIAL = re.compile(r"Ph\.?\s?Eur|USP|JP\b|pharmacop", re.I)
_EXCIPIENT_TEXT = {
    "analytical procedures": "The excipients {names} are of pharmacopoeial quality and are tested with the "
                             "analytical procedures of their monographs (see 3.2.P.4.1).",
    "validation of the analytical procedures": "The procedures for {names} are those of the pharmacopoeial "
                                               "monographs; they are used as described there and need no further "
                                               "validation.",
    "justification of the specifications": "The specifications of {names} are those of their pharmacopoeial "
                                           "monographs.",
}


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "; ".join(names[:-1]) + " and " + names[-1]


def _is_excipient(row: dict) -> bool:
    return "active" not in str(row.get("function", "")).lower()


def _excipient_controls(kind: str):
    """3.2.P.4.2-4.4 written from the composition: compendial excipients need only a statement; others are
    left as placeholders naming them."""
    def build(c: Ctx) -> None:
        rows = [r for r in c.rows("quality.dp_composition") if _is_excipient(r)]
        if not rows:
            c.todo(f"{kind} for the excipients (list them in the drug product composition, 3.2.P.1)")
            return
        compendial = [str(r.get("component", "")) for r in rows if _COMPENDIAL.search(str(r.get("quality_standard", "")))]
        others = [str(r.get("component", "")) for r in rows if str(r.get("component", "")) not in compendial]
        if compendial:
            c.para(_EXCIPIENT_TEXT[kind].format(names=_and_list(compendial)))
        if others:
            c.todo(f"{kind} for the non-compendial excipient(s) {', '.join(others)}")
    return build
