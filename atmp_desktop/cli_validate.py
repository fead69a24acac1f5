"""`atmp-desktop validate PROJECT` and `atmp-desktop rules`: validation findings and the rule list.

validate exits 1 when any error-level finding exists, 0 otherwise, 2 when the file cannot be read.
"""
from __future__ import annotations

import json
import sys

from atmp_desktop import cli

SEVERITY_WORD = {"error": "ERROR", "warning": "WARNING", "info": "INFO"}


def add_commands(sub) -> None:
    p = sub.add_parser("validate", help="check a project against the EU/CAT rule set (exit 1 when errors are found)")
    p.add_argument("project")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--export", metavar="DIR",
                   help="also check the documents exported to DIR (CTD-01/02/05 on the files, CTD-06 Module 1 "
                        "checklist)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("rules", help="list every validation rule with severity, applies-when and basis")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="markdown prints the tables of docs/validation.md (where rules apply, rules, constants)")
    p.set_defaults(func=cmd_rules)


def cmd_validate(args) -> int:
    from atmp_desktop.core.validation import has_errors, validate
    snap = cli.snapshot_of(args.project)
    forms = cli._forms()
    findings = validate(forms, snap)
    if args.export:
        from pathlib import Path

        from atmp_desktop.export.export_check import check_export
        findings += check_export(forms, snap, Path(args.export))
    if args.format == "json":
        sys.stdout.write(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(format_text(forms, snap.title, findings))
    return cli.EXIT_PROBLEMS if has_errors(findings) else cli.EXIT_OK


def format_text(forms, title: str, findings) -> str:
    """Findings grouped by wizard step (in form order), errors first within a step."""
    from atmp_desktop.core.validation import SEVERITY_ORDER, counts
    n = counts(findings)
    lines = [f"{title}: {n['error']} error(s), {n['warning']} warning(s), {n['info']} info"]
    order = {s.id: i for i, s in enumerate(forms.steps)}
    groups: dict[str, list] = {}
    for f in findings:
        groups.setdefault(f.step, []).append(f)
    for step in sorted(groups, key=lambda s: order.get(s, len(order))):
        try:
            heading = forms.step(step).title
        except KeyError:
            heading = "Exported files and general"
        lines += ["", f"== {heading}"]
        for f in sorted(groups[step], key=lambda f: (SEVERITY_ORDER[f.severity], f.rule)):
            lines.append(f"  {SEVERITY_WORD[f.severity]:<8}{f.rule:<8} {f.location}")
            lines.append(f"          {f.message}")
            if f.link and f.link != f.location:
                lines.append(f"          Open: {f.link}")
            lines.append(f"          Basis: {f.basis} [{f.certainty}]")
    if not findings:
        lines += ["", "No findings."]
    return "\n".join(lines) + "\n"


def cmd_rules(args) -> int:
    from atmp_desktop.core.rules.catalogue import severity_text
    from atmp_desktop.core.validation import all_rules
    rules = all_rules()
    if args.format == "json":
        rows = [{"rule": r.id, "severity": r.severity, "applies_when": r.applies_when, "check": r.check_text,
                 "basis": r.basis, "certainty": r.certainty, "pursued": sorted(r.pursued)} for r in rules]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return cli.EXIT_OK
    if args.format == "markdown":
        blocks = docs_blocks(cli._forms())
        sys.stdout.write(blocks["applicability"] + "\n" + blocks["rules"])
        return cli.EXIT_OK
    for r in rules:
        milder = f" ({severity_text(r).split(' (', 1)[1]}" if r.severity_by_stage else ""
        print(f"{r.id:<8}{SEVERITY_WORD[r.severity]:<8}[{r.certainty}] applies when {r.applies_when}: {r.check_text}"
              f"{milder}.")
        print(f"{'':16}Basis: {r.basis}")
    return cli.EXIT_OK


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def docs_blocks(forms) -> dict[str, str]:
    """The generated blocks of docs/validation.md by name (`<!-- generated:NAME:begin -->`)."""
    from atmp_desktop.core.rules.catalogue import markdown_applicability
    return {"applicability": markdown_applicability(forms), "rules": markdown_tables()}


def markdown_tables() -> str:
    """The rule table and the constants table, as pasted into docs/validation.md."""
    from atmp_desktop.core.constants import ALL_CONSTANTS
    from atmp_desktop.core.rules.catalogue import pursued_text, severity_text
    from atmp_desktop.core.validation import all_rules
    lines = ["| Rule | Severity | For | Applies when | Checks | Basis | Certainty |", "|---|---|---|---|---|---|---|"]
    for r in all_rules():
        lines.append(f"| {r.id} | {severity_text(r)} | {pursued_text(r)} | {_cell(r.applies_when)} | {_cell(r.check_text)} "
                     f"| {_cell(r.basis)} | {r.certainty} |")
    lines += ["", "| Constant | Value | Meaning | Source | Certainty |", "|---|---|---|---|---|"]
    for name, c in ALL_CONSTANTS.items():
        lines.append(f"| `{name}` | {c.value} {c.unit} | {_cell(c.meaning)} | {_cell(c.source)} | {c.certainty} |")
    return "\n".join(lines) + "\n"
