"""What a project pursues: the kinds of procedure its main procedure, its parallel procedures
(applicant.other_procedures) and its development stage turn on.

Rules name the kinds they concern (core.rules.base.rule(pursued=...)); form steps and fields name the kinds
their required fields are required for (`required_for:` in forms/*.yaml), so a project that only asks for an
ATMP classification is not told that its Module 3 fields are missing. A project that has chosen no procedure
and no stage yet pursues them all.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

PURSUITS = {
    "maa": "marketing authorisation application",
    "ct": "clinical trial (incl. its GMO application)",
    "classification": "ATMP classification request (Art. 17)",
    "certification": "SME certification of quality/non-clinical data (Art. 18)",
}
ALL = frozenset(PURSUITS)
PROCEDURE_PURSUIT = {"maa_standard": "maa", "maa_accelerated": "maa", "maa_conditional": "maa",
                     "maa_exceptional": "maa", "ct_gmo": "ct", "atmp_classification": "classification",
                     "sme_certification": "certification"}
STAGE_PURSUIT = {"exploratory_ct": "ct", "confirmatory_ct": "ct", "maa": "maa"}
# the fields whose values decide what a project pursues (an edit of one changes what is required where)
PURSUIT_FIELDS = frozenset({"applicant.procedure", "applicant.other_procedures", "applicant.development_stage"})


def procedures(get: Callable[[str], Any]) -> set[str]:
    """Every procedure the project pursues: the main one and the parallel ones (`get`: a snapshot's get)."""
    other = get("applicant.other_procedures")
    out = {p for p in other if isinstance(p, str)} if isinstance(other, list) else set()
    if isinstance(get("applicant.procedure"), str):
        out.add(get("applicant.procedure"))
    return out


def pursuits_of(procs: Iterable[str], stage: str | None) -> frozenset[str]:
    """The kinds of procedure a project pursues; a project that has chosen none yet is checked for all."""
    out = {PROCEDURE_PURSUIT[p] for p in procs if p in PROCEDURE_PURSUIT}
    if stage in STAGE_PURSUIT:
        out.add(STAGE_PURSUIT[stage])
    return frozenset(out) or ALL


def project_pursuits(get: Callable[[str], Any]) -> frozenset[str]:
    """What the project behind `get` (a snapshot's get) pursues."""
    return pursuits_of(procedures(get), get("applicant.development_stage"))
