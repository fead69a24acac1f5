"""Brief §8.5: quality control and characterisation."""
from __future__ import annotations

from atmp_desktop.core.constants import HOURS_PER_UNIT, STERILITY_INCUBATION_DAYS
from atmp_desktop.core.rules.base import (DOSSIER, MAA, Ctx, addressed, as_text, cell_based, matches, row_matching,
                                          rule, viral_vector)
from atmp_desktop.core.results import (BATCH_RESULTS, BATCHES, STABILITY_RESULTS, STUDIES, shown_result, spec_test,
                                       verdict)

DP_SPEC, DS_SPEC, CHAR = "quality.dp_specification", "quality.ds_specification", "quality.characterisation"


def _spec_has(c: Ctx, pattern: str, *tables: str, category: str = "") -> bool:
    for table in tables or (DP_SPEC, DS_SPEC):
        for r in c.rows(table):
            if (category and r.get("category") == category) or matches(pattern, f"{r.get('test', '')} {r.get('method', '')}"):
                return True
    return False


def _char_has(c: Ctx, pattern: str) -> bool:
    return row_matching(c.rows(CHAR), pattern, "attribute", "method", "result") is not None


POTENCY = r"potency|cytotox|killing|bioassay|biological activity|enzym\w* activity"


@rule("QC-01", "error", "always",
      "a quantitative, mode-of-action-linked potency assay is in the drug product specification (and the drug "
      "substance specification when the substance is isolated before formulation)",
      "Dir. 2001/83/EC Annex I Part IV; EMA/CAT/22473/2025; EMA/CAT/80183/2014", "V", step="quality", pursued=DOSSIER,
      severity_by_stage={"exploratory_ct": "warning"})  # first in human: a surrogate, semi-quantitative measure
def qc_01(c: Ctx):                                      # may do (impd-notes §2.3, K/U)
    if not _spec_has(c, POTENCY, DP_SPEC, category="potency"):
        yield (DP_SPEC, f"Add a potency test to {c.label(DP_SPEC)} (category ‘potency’).")
    separate_ds = c.rows(DS_SPEC) and c.get("manufacturing.ds_isolated") is not False \
        and c.get("manufacturing.ds_stored") is not False
    if separate_ds and not _spec_has(c, POTENCY, DS_SPEC, category="potency"):
        yield (DS_SPEC, "The active substance is isolated before formulation and has its own specification: add a "
                        f"potency test to {c.label(DS_SPEC)}.")
    if not c.filled("quality.potency_assay_description"):
        yield ("quality.potency_assay_description",
               f"Explain in {c.label('quality.potency_assay_description')} how the potency assay is quantitative "
               "and linked to the mode of action.")


RCV = r"\brc[rla]\b|rcaav|replication[- ]competent|\brca\b"


@rule("QC-02", "error", "a viral vector is designed to be replication-incompetent",
      "a replication-competent virus test (RCR/RCL/rcAAV/RCA) is specified or the control strategy justified",
      "Dir. 2001/83/EC Annex I Part IV §3.2.2(c)", "K", step="quality", pursued=DOSSIER)
def qc_02(c: Ctx):
    if not viral_vector(c) or c.yes("product.replication_competent_by_design"):
        return
    if _spec_has(c, RCV, DP_SPEC, DS_SPEC) or c.filled("gmo.rcv_assay"):
        return
    yield (DP_SPEC, f"Add a replication-competent virus test (RCR, RCL, rcAAV or RCA) to {c.label(DP_SPEC)}, or "
                    "justify where in the control strategy it is tested (e.g. on the vector lot).")


@rule("QC-03", "error", "genetically modified cells with an integrating vector",
      "vector copy number specification, transduction efficiency and integration-site analysis",
      "EMA/CAT/GTWP/671639/2008 Rev.1", "K", step="quality", pursued=DOSSIER)
def qc_03(c: Ctx):
    if not (c.yes("product.gm_cells") and c.yes("product.is_integrating")):
        return
    if not _spec_has(c, r"\bvcn\b|vector copy|copies per cell|copy number"):
        yield (DP_SPEC, f"Add a vector copy number (VCN) test to {c.label(DP_SPEC)}.")
    if not (_spec_has(c, r"transduc|car[+ ]|transgene expression|expression") or _char_has(c, r"transduc")):
        yield (DP_SPEC, f"Add transduction efficiency (e.g. % transgene-expressing cells) to {c.label(DP_SPEC)}.")
    if not _char_has(c, r"integration[- ]site|insertion site|\bisa\b|lam-pcr"):
        yield (CHAR, f"Add integration-site analysis to {c.label(CHAR)}.")


@rule("QC-04", "error", "the product is genome-edited",
      "on- and off-target editing are characterised and editing efficiency is specified",
      "EMA/CAT/GTWP/671639/2008 Rev.1 (covers genome editing)", "V", step="quality", pursued=DOSSIER)
def qc_04(c: Ctx):
    if not c.yes("product.genome_edited"):
        return
    if not _char_has(c, r"off[- ]target"):
        yield (CHAR, f"Characterise off-target editing in {c.label(CHAR)}.")
    if not _char_has(c, r"on[- ]target|editing efficiency|indel"):
        yield (CHAR, f"Characterise on-target editing (e.g. indel profile) in {c.label(CHAR)}.")
    if not _spec_has(c, r"edit|indel|knock"):
        yield (DP_SPEC, f"Add an editing-efficiency test to {c.label(DP_SPEC)}.")


@rule("QC-05", "error", "the product is a plasmid",
      "plasmid topology (supercoiled, open circular, linear) is quantified over the shelf life",
      "Dir. 2001/83/EC Annex I Part IV §3.2.2(d)", "K", step="quality", pursued=DOSSIER)
def qc_05(c: Ctx):
    if c.get("product.vector_family") != "plasmid":
        return
    topo = r"supercoil|topolog|open[- ]circular|isoform|\bccc\b"
    if not (_spec_has(c, topo) or _char_has(c, topo)):
        yield (DP_SPEC, f"Quantify plasmid topology forms (supercoiled / open circular / linear) in {c.label(DP_SPEC)}.")
    if row_matching(c.rows("quality.stability_studies"), topo, "note", "condition") is None:
        yield ("quality.stability_studies",
               f"Show plasmid topology over the shelf life in {c.label('quality.stability_studies')}.")


CELL_TESTS = (  # (what, regex on test/method, category that also counts)
    ("identity", r"identit|phenotyp|marker", "identity"),
    ("viability", r"viab", ""),
    ("cell count or dose", r"count|cell number|dose|total.*cells|cells per|cells/", "quantity"),
    ("purity / impurities (non-target cells)", r"purit|impurit|non-target|residual|contaminat", "purity"),
    ("sterility", r"steril|microbiolog|bacterial and fungal|2\.6\.27|2\.6\.1\b", ""),
    ("mycoplasma", r"mycoplasm", ""),
    ("endotoxin", r"endotox|lal\b", ""),
)


@rule("QC-06", "error", "the product is cell-based",
      "identity, viability, cell count/dose, purity, sterility, mycoplasma and endotoxin in the DP specification",
      "Dir. 2001/83/EC Annex I Part IV §3.3.2.3; Ph. Eur. 2.6.1, 2.6.27, 2.6.7, 2.6.14, 2.7.29", "K", step="quality", pursued=DOSSIER)
def qc_06(c: Ctx):
    if not cell_based(c):
        return
    missing = [what for what, pattern, cat in CELL_TESTS if not _spec_has(c, pattern, DP_SPEC, category=cat)]
    if missing:
        yield (DP_SPEC, f"A cell-based drug product specification needs: {', '.join(missing)}. Add them to "
                        f"{c.label(DP_SPEC)}.")


def shelf_life_hours(c: Ctx) -> float | None:
    q = c.get("quality.shelf_life")
    if not isinstance(q, dict) or q.get("unit") not in HOURS_PER_UNIT:
        return None
    return float(q["value"]) * HOURS_PER_UNIT[q["unit"]]


@rule("QC-07", "error",
      f"the shelf life is under {STERILITY_INCUBATION_DAYS.value} days or the product is released before the "
      "sterility result", "an alternative sterility approach, post-release OOS handling and QP release procedure",
      "EudraLex Vol. 4 Part IV §11 (GMP for ATMPs)", "V", step="quality", pursued=DOSSIER)
def qc_07(c: Ctx):
    hours = shelf_life_hours(c)
    short = hours is not None and hours < STERILITY_INCUBATION_DAYS.value * 24
    if not (short or c.yes("quality.release_before_sterility_result")):
        return
    why = "the shelf life is shorter than the 14-day sterility test" if short else \
        "the product is released before the sterility result"
    if not c.filled("quality.release_strategy"):
        yield ("quality.release_strategy",
               f"Because {why}, describe the alternative sterility approach (rapid method or testing of an "
               f"intermediate) and the QP release procedure in {c.label('quality.release_strategy')}.")
    if not c.filled("quality.oos_handling"):
        yield ("quality.oos_handling",
               f"Because {why}, define what happens if a test fails after release in {c.label('quality.oos_handling')}.")


@rule("QC-08", "warning", "some tests can only be done on intermediates (or the product is released before "
      "the sterility result)", "a justification for testing intermediates instead of the finished product",
      "Dir. 2001/83/EC Annex I Part IV §3.3.2.3(c)", "K", step="manufacturing", pursued=DOSSIER)
def qc_08(c: Ctx):
    on_intermediate = row_matching(c.rows(DP_SPEC), r"intermediat|in-process|pre-formulation|before formulation",
                                   "test", "method", "acceptance_criterion") is not None
    if not (on_intermediate or c.yes("quality.release_before_sterility_result")):
        return
    if not c.filled("manufacturing.intermediate_controls_justification"):
        yield ("manufacturing.intermediate_controls_justification",
               "Some release tests are done on an intermediate: justify this in "
               f"{c.label('manufacturing.intermediate_controls_justification')}.")


@rule("QC-09", "warning", "always", "reference standards or materials are documented and characterised "
      "(3.2.S.5 / 3.2.P.6)", "Dir. 2001/83/EC Annex I Part IV §3.3.2.6", "K", step="quality", pursued=DOSSIER)
def qc_09(c: Ctx):
    if not c.filled("quality.reference_standards"):
        yield ("quality.reference_standards",
               f"Describe the reference standards or materials and how they are characterised in "
               f"{c.label('quality.reference_standards')}.")


@rule("QC-10", "warning", "the product is tissue-engineered or has a scaffold",
      "the structural and functional organisation and the extracellular matrix are characterised (answered, in a "
      "section that has content) and the scaffold has its controls", "Dir. 2001/83/EC Annex I Part IV §3.3.2.3(a)",
      "K", step="quality", pursued=DOSSIER)
def qc_10(c: Ctx):
    scaffold = c.filled("materials.scaffold_description")
    if not (c.get("product.atmp_type") == "TEP" or scaffold):
        return
    yield from addressed(c, "quality.structure_characterised", "quality.structure_characterised_where",
                         "the characterisation of the structural and functional organisation and the extracellular "
                         "matrix")
    if scaffold and not c.filled("materials.scaffold_specification"):
        yield ("materials.scaffold_specification",
               f"Give the controls of the scaffold or matrix (specification, tests, supplier qualification) in "
               f"{c.label('materials.scaffold_specification')}.")


@rule("QC-11", "error", "the product is cryopreserved",
      "post-thaw (in-use) stability and container closure integrity at the storage temperature are shown "
      "(answered, in sections that have content)", "ICH Q5C; EMA/CAT/22473/2025 (stability of ATMPs)", "K",
      step="quality", pursued=DOSSIER)
def qc_11(c: Ctx):
    if not c.yes("quality.cryopreserved"):
        return
    yield from addressed(c, "quality.post_thaw_stability", "quality.post_thaw_stability_where",
                         "post-thaw (in-use) stability", allowed=("yes",))
    yield from addressed(c, "quality.cci_at_storage", "quality.cci_at_storage_where",
                         "container closure integrity at the storage temperature", allowed=("yes",))


@rule("QC-12", "error", "the dossier is a marketing authorisation application",
      "process validation data and validated (not only qualified) analytical procedures for release tests",
      "ICH M4Q(R1) 3.2.S.2.5/3.2.P.3.5; EMA/CAT/22473/2025", "U", step="quality", pursued=MAA)
def qc_12(c: Ctx):
    if not c.filled("manufacturing.process_validation"):
        yield ("manufacturing.process_validation",
               f"A marketing authorisation needs process validation data: fill in {c.label('manufacturing.process_validation')}.")
    from atmp_desktop.core.rules.consistency import _keywords
    release = [_keywords(r.get("test")) for t in (DP_SPEC, DS_SPEC) for r in c.rows(t)]
    for i, r in enumerate(c.rows("quality.analytical_procedures")):
        words = _keywords(r.get("test"))
        for_release = any(words & w for w in release) and not matches(r"characteri[sz]", as_text(r.get("test")))
        if for_release and r.get("validation_status") != "validated":
            yield (f"quality.analytical_procedures[{i}].validation_status",
                   f"Analytical procedure ‘{r.get('test') or i + 1}’ is not validated "
                   f"({r.get('validation_status') or 'status not given'}) in "
                   f"{c.label('quality.analytical_procedures')}; a marketing authorisation needs validation, not "
                   "only qualification.")


@rule("QC-14", "warning", "the project is in clinical trials and its specification has a potency test",
      "the analytical procedure of the potency test is validated (a confirmatory trial expects a validated, "
      "quantitative potency assay; for an exploratory trial a qualified one is a hint, not a gap)",
      "EMA/CAT/22473/2025 (quality of investigational ATMPs: phase-appropriate requirements)", "U", step="quality",
      pursued=frozenset({"ct"}), severity_by_stage={"exploratory_ct": "info"})
def qc_14(c: Ctx):
    if "maa" in c.pursuits or not _spec_has(c, POTENCY, DP_SPEC, DS_SPEC, category="potency"):
        return  # (a marketing authorisation asks the same of every release procedure: QC-12)
    stage = "an exploratory" if c.get("applicant.development_stage") == "exploratory_ct" else "a confirmatory"
    for i, r in enumerate(c.rows("quality.analytical_procedures")):
        status = r.get("validation_status")
        if matches(POTENCY, as_text(r.get("test"))) and status != "validated":
            shown = c.forms.field("quality.analytical_procedures").column("validation_status").choice_label(status)
            yield (f"quality.analytical_procedures[{i}].validation_status",
                   f"The potency assay ‘{r.get('test')}’ is {shown.lower() if status else 'of unknown validation status'}"
                   f" in {c.label('quality.analytical_procedures')}; for {stage} trial "
                   + ("a qualified assay may do, with its validation planned before the pivotal trial."
                      if stage == "an exploratory" else "a validated, quantitative potency assay is expected."))


@rule("QC-13", "error", "the process changed after the pivotal clinical trial",
      "a comparability section (3.2.S.2.6 / 3.2.P.2.3)", "Dir. 2001/83/EC Annex I Part IV §5.1(b); EMA comparability Q&A",
      "K", step="manufacturing", pursued=DOSSIER)
def qc_13(c: Ctx):
    if c.yes("manufacturing.process_changed_after_pivotal") and not c.filled("manufacturing.comparability"):
        yield ("manufacturing.comparability",
               f"The process changed after the pivotal trial: describe the comparability exercise in "
               f"{c.label('manufacturing.comparability')}.")


@rule("QC-20", "error", "batch or stability results are entered",
      "every numeric result meets its numeric acceptance criterion (text criteria and text results are left "
      "alone); an out-of-specification result names the batch or study, the test and both values",
      "ICH Q6B; ICH M4Q(R1) 3.2.S.4.4, 3.2.P.5.4, 3.2.P.8.3; EudraLex Vol. 4 Part IV §11.5", "K", step="quality",
      pursued=DOSSIER)
def qc_20(c: Ctx):
    snap = c.snap
    for i, row in enumerate(c.rows(BATCH_RESULTS)):
        test = spec_test(snap, row.get("test"))
        if verdict(row, test) is False:
            batch = snap.row(BATCHES, row.get("batch")) or {}
            yield (f"{BATCH_RESULTS}[{i}].result",
                   f"Batch {batch.get('batch') or '(unnamed)'}: {test.name} is {shown_result(row)}, outside its "
                   f"acceptance criterion ‘{test.criterion_text}’; correct the result in {c.label(BATCH_RESULTS)}, or "
                   "record the out-of-specification investigation in the batch note.")
    for i, row in enumerate(c.rows(STABILITY_RESULTS)):
        test = spec_test(snap, row.get("test"))
        if verdict(row, test) is False:
            study = snap.row(STUDIES, row.get("study")) or {}
            tp = row.get("time_point") or {}
            when = f" at {tp.get('value')} {tp.get('unit')}" if tp else ""
            yield (f"{STABILITY_RESULTS}[{i}].result",
                   f"Stability study {study.get('study') or study.get('condition') or '(unnamed)'}{when}: "
                   f"{test.name} is {shown_result(row)}, outside its acceptance criterion "
                   f"‘{test.criterion_text}’ in {c.label(STABILITY_RESULTS)}; the shelf life claimed must be "
                   "supported by results within specification.")
