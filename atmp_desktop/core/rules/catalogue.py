"""The rule catalogue as text: which procedures and stages turn on which rules (docs/validation.md).

Generated from the rules' own declarations (`pursued=`), so the table cannot drift from the code; a test
rewrites the generated blocks of docs/validation.md when they differ.
"""
from __future__ import annotations

from atmp_desktop.core.pursuits import PROCEDURE_PURSUIT, PURSUITS, STAGE_PURSUIT, pursuits_of
from atmp_desktop.core.rules.base import RULES

SERIES = ("CTD", "TYP", "GMO", "DON", "MAT", "QC", "DEV", "TRC", "LTF", "PRO", "SME", "GMP", "REQ", "CON")


def applicability_rows(forms) -> list[tuple[str, str, frozenset[str]]]:
    """(kind 'procedure'|'stage', choice label, pursuits) for every procedure and stage a project can choose."""
    out = []
    for kind, path, table in (("procedure", "applicant.procedure", PROCEDURE_PURSUIT),
                              ("stage", "applicant.development_stage", STAGE_PURSUIT)):
        for choice in forms.field(path).choices:
            assert choice.value in table, f"{path} choice {choice.value} has no pursuit"
            procs, stage = ([choice.value], None) if kind == "procedure" else ([], choice.value)
            out.append((kind, choice.label, pursuits_of(procs, stage)))
    return out


def _compress(numbers: list[int]) -> str:
    """[1, 2, 3, 9, 10] -> '01–03, 09–10'."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]:02d}" if len(r) == 1 else f"{r[0]:02d}–{r[-1]:02d}" for r in runs)


def family_cell(family: str, pursuits: frozenset[str]) -> str:
    rules = [r for r in RULES if r.family == family]
    on = [r for r in rules if r.concerns(pursuits)]
    if len(on) == len(rules):
        return "all"
    if not on:
        return "–"
    return _compress([int(r.id.split("-")[1]) for r in on])


def markdown_applicability(forms) -> str:
    head = "| Chosen as | " + " | ".join(SERIES) + " |"
    lines = [head, "|---|" + "---|" * len(SERIES)]
    for kind, label, pursuits in applicability_rows(forms):
        cells = " | ".join(family_cell(f, pursuits) for f in SERIES)
        lines.append(f"| {kind}: {label} | {cells} |")
    return "\n".join(lines) + "\n"


SHORT = {"maa": "MAA", "ct": "CT", "classification": "classification", "certification": "certification"}
STAGE_SHORT = {"exploratory_ct": "exploratory CT", "confirmatory_ct": "confirmatory CT"}


def severity_text(rule) -> str:
    """'error' or 'error (exploratory CT: warning)' for a rule milder at a trial stage (Rule.severity_by_stage)."""
    if not rule.severity_by_stage:
        return rule.severity
    return f"{rule.severity} ({', '.join(f'{STAGE_SHORT[s]}: {v}' for s, v in rule.severity_by_stage)})"


def pursued_text(rule) -> str:
    """'MAA, CT' for the procedure kinds a rule concerns, 'all' when it concerns every one."""
    if set(rule.pursued) == set(PURSUITS):
        return "all"
    return ", ".join(SHORT[p] for p in PURSUITS if p in rule.pursued)
