"""Module 2.3 Quality Overall Summary: introduction plus 2.3.S, 2.3.P, 2.3.A, 2.3.R with the M4Q headings from
core.sections, each summarising the same data Module 3 shows in full (one value, used everywhere).
"""
from __future__ import annotations

from atmp_desktop.export.builders.base import Ctx
from atmp_desktop.export.builders.module3 import process_flow
from atmp_desktop.export.model import Document


def _see(c: Ctx, code: str) -> None:
    c.note(f"Details: Module 3, section {code}.")


def _intro(c: Ctx) -> None:
    c.heading("Introduction", 2)
    c.facts(["product.invented_name", "product.inn", "product.company_code", "product.atmp_type",
             "product.pharmaceutical_form", "product.strength", "product.route", "product.indication",
             "applicant.company_name"], caption="Product at a glance")
    c.fields(["product.mode_of_action"])


def _s1(c):
    c.fields(["product.active_substance_description"], "general information on the active substance")
    _see(c, "3.2.S.1")


def _s2(c):
    c.table("manufacturing.sites", ["name", "country", "activities"], "Manufacturers")
    c.fields(["manufacturing.process_overview", "manufacturing.batch_definition"],
             "summary of the drug substance manufacturing process and controls")
    process_flow(c, "DS")
    c.fields(["materials.cell_source", "materials.plasmids_description"])
    _see(c, "3.2.S.2")


def _s3(c):
    c.table("quality.characterisation", caption="Characterisation")
    c.fields(["quality.impurities"])
    _see(c, "3.2.S.3")


def _s4(c):
    c.table("quality.ds_specification", ["test", "method", "acceptance_criterion"], "Drug substance specification")
    c.table("quality.batch_analyses", caption="Batch analyses", what="summary of batch analyses")
    c.fields(["quality.specification_justification"])
    _see(c, "3.2.S.4")


def _s7(c):
    c.fields(["quality.stability_summary", "quality.shelf_life", "quality.storage_conditions"],
             "stability summary of the drug substance")
    _see(c, "3.2.S.7")


def _p1(c):
    c.fields(["product.finished_product_description", "product.pharmaceutical_form", "product.strength"],
             "description of the drug product")
    c.table("quality.dp_composition", caption="Composition")


def _p3(c):
    c.fields(["manufacturing.batch_formula", "manufacturing.reconstitution_description"],
             "summary of the drug product manufacture")
    process_flow(c, "DP")
    _see(c, "3.2.P.3")


def _p5(c):
    c.table("quality.dp_specification", ["test", "method", "acceptance_criterion"], "Drug product specification")
    c.fields(["quality.release_strategy", "quality.release_before_sterility_result"])
    _see(c, "3.2.P.5")


def _p8(c):
    c.fields(["quality.stability_summary", "quality.shelf_life", "quality.storage_conditions",
              "quality.in_use_stability"], "stability summary of the drug product")
    _see(c, "3.2.P.8")


def build(snap) -> Document:
    c = Ctx(snap, "m2-3-qos", "2.3")
    c.ctd("2.3")
    _intro(c)
    c.fed("2.3")
    c.ctd_part("2.3.S", {
        "2.3.S.1": _s1, "2.3.S.2": _s2, "2.3.S.3": _s3, "2.3.S.4": _s4,
        "2.3.S.5": lambda c: c.field("quality.reference_standards", "reference standards or materials"),
        "2.3.S.6": lambda c: c.field("quality.ds_container_closure", "drug substance container closure"),
        "2.3.S.7": _s7,
    })
    c.ctd_part("2.3.P", {
        "2.3.P.1": _p1,
        "2.3.P.2": lambda c: c.fields(["quality.formulation_development", "manufacturing.process_development",
                                       "quality.compatibility"], "summary of pharmaceutical development"),
        "2.3.P.3": _p3,
        "2.3.P.4": lambda c: (c.table("quality.dp_composition", ["component", "quality_standard"], "Excipients"),
                              c.fields(["quality.excipients_human_animal"])),
        "2.3.P.5": _p5,
        "2.3.P.6": lambda c: c.field("quality.reference_standards", "reference standards or materials"),
        "2.3.P.7": lambda c: c.field("quality.container_closure", "container closure system"),
        "2.3.P.8": _p8,
    })
    c.ctd_part("2.3.A", {
        "2.3.A.1": lambda c: c.field("manufacturing.facilities_equipment", "facilities and equipment"),
        "2.3.A.2": lambda c: c.field("manufacturing.adventitious_agents", "adventitious agents safety evaluation"),
        "2.3.A.3": lambda c: c.field("quality.novel_excipients"),
    })
    c.ctd_part("2.3.R", {
        "2.3.R": lambda c: c.fields(["traceability.traceability_system", "traceability.device_name",
                                     "traceability.notified_body_name"], "regional information"),
    })
    return c.build()
