"""The named computed hooks of the document definitions (core.definitions.HOOKS): the few sections that
really compute. Everything else is data in resources/documents/."""
from __future__ import annotations

import re

from atmp_desktop.export.builders.generic import Builder, and_list, hook
from atmp_desktop.export.diagram import flow_parts
from atmp_desktop.export.model import Figure, ListBlock, Run, Table


@hook("process_flow")
def process_flow(b: Builder, stage: str | None = None, only: str | None = None) -> None:
    """The process-step table as a numbered flow and the generated diagram of the whole process (export.diagram);
    `only: diagram` (the QOS): the diagram of the stage's steps alone, without the list."""
    steps = [r for r in b.rows("manufacturing.process_steps") if stage is None or r.get("stage") in (stage, None)]
    if not steps:
        return
    if only == "diagram":
        parts = flow_parts(steps)
        what = {"DS": "active substance", "DP": "finished product"}.get(stage or "", "manufacturing")
        for n, part in enumerate(parts, 1):
            more = f" (part {n} of {len(parts)})" if len(parts) > 1 else ""
            b.add(Figure(f"Flow diagram of the {what} process" + more, diagram=part))
        return
    steps.sort(key=lambda r: (r.get("number") is None, r.get("number") or 0))
    b.para("Process flow:", bold=True)
    items = []
    for r in steps:
        head = f"{r.get('number', '')}. {r.get('name', '')}".strip(". ")
        tail = "; ".join(x for x in (r.get("site"), r.get("in_process_controls") and
                                     f"IPC: {r['in_process_controls']}") if x)
        items.append((Run(head, bold=True), Run(f" ({tail})" if tail else "")))
    b.add(ListBlock(tuple(items), numbered=False))
    # the whole process with the DS/DP boundary, generated from the process-step table (export.diagram)
    parts = flow_parts(b.rows("manufacturing.process_steps"))
    for n, part in enumerate(parts, 1):
        more = f" (part {n} of {len(parts)})" if len(parts) > 1 else ""
        b.add(Figure("Flow diagram of the manufacturing process" + more, diagram=part))


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


@hook("excipient_controls")
def excipient_controls(b: Builder, kind: str) -> None:
    """3.2.P.4.2-4.4 from the composition: compendial excipients need only a statement; others are left as
    placeholders naming them. Only rows typed Excipient count (not the active substance, a device part or a
    scaffold)."""
    rows = [r for r in b.rows("quality.dp_composition") if r.get("component_type") == "excipient"]
    if not rows:
        b.todo(f"{kind} for the excipients (list them in the drug product composition, 3.2.P.1)")
        return
    names = [str(r.get("component", "")) for r in rows]
    compendial = [n for n, r in zip(names, rows) if _COMPENDIAL.search(str(r.get("quality_standard", "")))]
    others = [n for n in names if n not in compendial]
    if compendial:
        b.para(_EXCIPIENT_TEXT[kind].format(names=and_list(compendial)))
    if others:
        b.todo(f"{kind} for the non-compendial excipient(s) {', '.join(others)}")


def _gmo_kind(b: Builder) -> str:
    if b.snap.is_yes("product.gm_cells"):
        return "animal (mammal): genetically modified human cells"
    family = b.snap.get("product.vector_family")
    return {"aav": "DNA virus", "adenovirus": "DNA virus", "hsv_oncolytic": "DNA virus",
            "lentivirus": "RNA virus", "gamma_retrovirus": "RNA virus", "bacterial": "bacterium",
            "plasmid": "other (plasmid DNA)"}.get(family, "")


@hook("snif_a_items")
def snif_a_items(b: Builder) -> None:
    """SNIF Part 1 section A, items 1-7 (verified sub-items), from this notification's own fields."""
    t = b.text
    rows = (
        ("1(a) Member State of notification", t("gmo.snif_member_state")),
        ("1(b) Notification number", t("gmo.snif_notification_number")),
        ("1(c) Date of acknowledgement of notification", t("gmo.snif_acknowledgement_date")),
        ("1(d) Title of the project", t("gmo.snif_project_title")),
        ("1(e) Proposed period of release", t("gmo.snif_release_period")),
        ("2. Notifier", t("applicant.company_name")),
        ("3(a) Type of GMO", _gmo_kind(b)),
        ("3(b) Identity of the GMO", t("gmo.gmo_identity")),
        ("3(c) Genetic stability (Annex IIIA II.A(10))", t("quality.genetic_stability")),
        ("4.–6. Same release planned elsewhere in the Community; same GMO notified elsewhere in the Community; "
         "same GMO notified outside the Community", t("gmo.snif_other_notifications")),
        ("7. Summary of the potential environmental impact", t("gmo.era_step6_overall")),
    )
    b.add(Table(("Item", "Entry"), tuple((k, v or "[To be completed]") for k, v in rows), "Sub-items 1 to 7",
                widths=(2, 3)))
    if b.has("gmo.snif_a_general"):
        b.para(t("gmo.snif_a_general"))
    if b.has("gmo.part_b_release"):
        b.para(f"Earlier releases under Part B of Directive 2001/18/EC: {t('gmo.part_b_release')}.")
