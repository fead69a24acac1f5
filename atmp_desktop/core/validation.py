"""Validation: run the rule set (brief §8, REQ-, CON-) over a project snapshot and return findings.

`validate(forms, snap)` is pure and fast (no Qt, no files): the GUI calls it on every (debounced) edit,
the CLI prints it, the CAT readiness report summarises it. Rules live in `core/rules/`, numbers in
`core/constants.py`. See docs/validation.md.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

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
    try:
        hits = list(rule.check(ctx))
    except Exception as exc:  # a rule bug must not take the window down; say which rule could not run
        return [Finding(rule.id, "info", f"This check could not be run ({type(exc).__name__}: {exc}); please "
                        "report it.", rule.basis, "", rule.step, rule.certainty)]
    kind = "missing" if rule.id in MISSING_RULES else "problem"
    return [Finding(rule.id, rule.severity, message, rule.basis, location, _step_of(location, rule), rule.certainty,
                    kind) for location, message in hits]


def validate(forms: FormSet, snap: ProjectSnapshot) -> list[Finding]:
    """Every finding for this snapshot, in rule order. Values of hidden fields are not checked."""
    snap = effective_snapshot(forms, snap)
    ctx = Ctx(forms, snap)
    out: list[Finding] = []
    for rule in RULES:
        out.extend(run_rule(rule, forms, snap, ctx))
    # a specific rule's message says more than "Required": keep one finding per location
    specific = {f.location for f in out if f.rule != "REQ-01"}
    return [f for f in out if f.rule != "REQ-01" or f.location not in specific]


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
