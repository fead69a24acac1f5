"""Validation: run the rule set (brief §8, REQ-, CON-) over a project snapshot and return findings.

`validate(forms, snap)` is pure and fast (no Qt, no files): the GUI calls it on every (debounced) edit,
the CLI prints it, the CAT readiness report summarises it. Rules live in `core/rules/`, numbers in
`core/constants.py`. See docs/validation.md.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Callable

from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import ProjectSnapshot, effective_snapshot
from atmp_desktop.core.rules import RULES, Ctx, Rule

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_FIELD_PATH = re.compile(r"^[a-z][a-z0-9_]*\.[a-z]")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # "error" | "warning" | "info"
    message: str
    basis: str
    location: str  # a field path like "product.inn" / "manufacturing.sites[1].authorisation_number", or a CTD code
    step: str = ""  # step id the finding belongs to ("" if none)
    certainty: str = ""  # V / K / U
    kind: str = "problem"  # "missing": a required field still to fill (the window shows it as progress)
    link: str = ""  # the field to open for this finding: the location itself, or the field a CTD-code finding names

    def to_dict(self) -> dict:
        return asdict(self)


# Rules whose findings say only that something required is still empty: severity stays (an empty required
# field is an error for submission), but the window presents them as "to fill", apart from contradictions.
MISSING_RULES = frozenset({"REQ-01"})


def all_rules() -> list[Rule]:
    return list(RULES)


def rule_by_id(rule_id: str) -> Rule:
    for r in RULES:
        if r.id == rule_id:
            return r
    raise KeyError(f"there is no rule '{rule_id}'")


def is_field_path(location: str) -> bool:
    return bool(_FIELD_PATH.match(location))


def _step_of(location: str, rule: Rule) -> str:
    return location.split(".", 1)[0] if is_field_path(location) else rule.step


def run_rule(rule: Rule, forms: FormSet, snap: ProjectSnapshot, ctx: Ctx | None = None) -> list[Finding]:
    ctx = ctx or Ctx(forms, snap)
    if rule.on != "project" or not rule.concerns(ctx.pursuits):
        return []  # about exported files (export_check), or a procedure this project does not pursue
    try:
        hits = list(rule.check(ctx))
    except Exception as exc:  # a rule bug must not take the window down; say which rule could not run
        return [Finding(rule.id, "info", f"This check could not be run ({type(exc).__name__}: {exc}); please "
                        "report it.", rule.basis, "", rule.step, rule.certainty)]
    kind = "missing" if rule.id in MISSING_RULES else "problem"
    severity = rule.severity_for(ctx.stage, ctx.pursuits)
    out = []
    for hit in hits:
        location, message = hit[0], hit[1]
        link = hit[2] if len(hit) > 2 else _link_of(location)
        step = _step_of(location, rule) or (link.split(".", 1)[0] if is_field_path(link) else "")
        out.append(Finding(rule.id, severity, message, rule.basis, location, step, rule.certainty, kind, link))
    return out


def _link_of(location: str) -> str:
    """The field to open: a field path as it is; for a CTD code the first field printed in that section."""
    if not location or is_field_path(location):
        return location
    from atmp_desktop.core.definitions import placement_map
    fields = placement_map().fields_at(location)
    return fields[0] if fields else ""


def validate(forms: FormSet, snap: ProjectSnapshot, stop: Callable[[], bool] | None = None) -> list[Finding]:
    """Every finding for this snapshot, in rule order. Values of hidden fields are not checked. `stop`: asked
    between rules; when it says True the findings are not wanted any more (the window's project changed since)
    and what was found so far is returned."""
    snap = effective_snapshot(forms, snap)
    ctx = Ctx(forms, snap)
    out: list[Finding] = []
    for rule in RULES:
        if stop is not None and stop():
            return out  # unfinished: nobody reads it
        out.extend(run_rule(rule, forms, snap, ctx))
    # A specific error says more than "Required" about the same empty field: it replaces REQ-01 there. A
    # specific warning or info does not: an empty required field stays an error whatever else fires.
    specific_errors = {f.location for f in out if f.rule != "REQ-01" and f.severity == "error"}
    required_empty = {f.location for f in out if f.rule == "REQ-01"}
    return [replace(f, kind="missing") if f.rule != "REQ-01" and f.location in required_empty and
            f.severity == "error" else f  # still only a field to fill, said more precisely
            for f in out if f.rule != "REQ-01" or f.location not in specific_errors]


def counts(findings: list[Finding]) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        out[f.severity] += 1
    return out


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def section_of(forms: FormSet, finding: Finding) -> str:
    """The CTD section a finding belongs to: its own code, or the first CTD heading that prints the field
    ('' if none)."""
    loc = finding.location
    if loc and not is_field_path(loc):
        return loc
    if not loc:
        return ""
    from atmp_desktop.core.definitions import placement_map
    path = re.sub(r"\[\d+\].*$", "", loc)
    if not forms.has_field(path):
        return ""
    codes = placement_map().ctd_codes(path)
    return codes[0] if codes else ""
