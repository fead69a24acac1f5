"""The CAT readiness report: validation findings, a CTD completeness matrix and the documents that apply.

Built from the same rule set as the live checks and `atmp-desktop validate`, so the report, the window and
the CLI never disagree.
"""
from __future__ import annotations

import re

from atmp_desktop.core.documents import DOCUMENTS
from atmp_desktop.core.forms import FormSet, default_forms
from atmp_desktop.core.project import ProjectSnapshot, field_visible
from atmp_desktop.core.sections import Heading as CtdHeading
from atmp_desktop.core.sections import all_headings, display_title, section_applicability
from atmp_desktop.core.validation import SEVERITY_ORDER, Finding, counts, section_of, validate
from atmp_desktop.core.values import is_empty
from atmp_desktop.export.builders.base import Ctx, label_of
from atmp_desktop.export.model import Document, Table

SEVERITY_LABEL = {"error": "Error", "warning": "Warning", "info": "Info"}
STATUS_LABEL = {"not_started": "Not started", "draft": "Draft", "in_review": "In review", "ready": "Ready"}
CERTAINTY_NOTE = ("Certainty of each rule's basis: [V] verified against the source, [K] domain knowledge to be "
                  "re-checked before relying on it, [U] unsure.")
MATRIX_PREFIXES = ("1.6", "3.2.S", "3.2.P", "3.2.A", "3.2.R")


def matrix_headings() -> list[CtdHeading]:
    return [h for h in all_headings() if h.code.startswith(MATRIX_PREFIXES)]


def field_counts(forms: FormSet, snap: ProjectSnapshot) -> dict[str, list[int]]:
    """CTD code -> [required filled, required, filled, fields] over visible fields that feed it directly."""
    out: dict[str, list[int]] = {}
    for f in forms.all_fields():
        codes = [c for c in f.feeds if c[:1].isdigit()]
        if not codes or not field_visible(forms, f.path, snap):
            continue
        filled = not is_empty(snap.get(f.path))
        for code in codes:
            n = out.setdefault(code, [0, 0, 0, 0])
            n[0] += int(f.required and filled)
            n[1] += int(f.required)
            n[2] += int(filled)
            n[3] += 1
    return out


def _matrix(c: Ctx, forms: FormSet, findings: list[Finding]) -> None:
    snap = c.snap
    per_section: dict[str, int] = {}
    for f in findings:
        per_section[section_of(forms, f)] = per_section.get(section_of(forms, f), 0) + 1
    fields = field_counts(forms, snap)
    rows = []
    for h in matrix_headings():
        applies = section_applicability(h.code, snap).applies
        req_filled, req, filled, total = fields.get(h.code, [0, 0, 0, 0])
        status = (snap.section_status.get(h.code) or {}).get("status", "not_started")
        rows.append((h.code, display_title(h, snap), "Yes" if applies else "No",
                     f"{req_filled}/{req}" if req else "–", f"{filled}/{total}" if total else "–",
                     STATUS_LABEL.get(status, status), str(per_section.get(h.code, 0) or "–")))
    c.add(Table(("Section", "Title", "Applies", "Required fields filled", "All fields filled", "Writer's status",
                 "Findings"), tuple(rows), caption="Completeness by CTD section", widths=(1.2, 3.2, 0.8, 1, 1, 1, 0.8)))


def _group_key(forms: FormSet, f: Finding) -> str:
    section = section_of(forms, f)
    if section:
        return section
    try:
        return "step:" + forms.step(f.step).title
    except KeyError:
        return "step:General"


def _group_title(key: str) -> str:
    if key.startswith("step:"):
        return f"Step ‘{key[5:]}’"
    titles = {h.code: h.title for h in all_headings()}
    return f"Section {key} {titles.get(key, '')}".rstrip()


def where(location: str) -> str:
    """A field path as the writer sees it: 'Manufacturing and testing sites, row 2'; CTD codes unchanged."""
    if not location or not location[0].isalpha():
        return location
    m = re.match(r"^([a-z0-9_]+\.[a-z0-9_]+)(?:\[(\d+)\])?", location)
    if not m:
        return location
    return label_of(m.group(1)) + (f", row {int(m.group(2)) + 1}" if m.group(2) is not None else "")


def _findings(c: Ctx, forms: FormSet, findings: list[Finding]) -> None:
    order = {h.code: i for i, h in enumerate(all_headings())}
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(_group_key(forms, f), []).append(f)
    for key in sorted(groups, key=lambda k: (k.startswith("step:"), order.get(k, len(order)), k)):
        c.sub(_group_title(key))
        rows = tuple((SEVERITY_LABEL[f.severity], f.rule, f.message, f"{f.basis} [{f.certainty}]",
                      where(f.location))
                     for f in sorted(groups[key], key=lambda f: (SEVERITY_ORDER[f.severity], f.rule)))
        c.add(Table(("Severity", "Rule", "Finding", "Basis [certainty]", "Where"), rows, widths=(0.9, 0.8, 4, 2.4, 1.6)))


def _value_label(path: str, value) -> str:
    from atmp_desktop.core.forms import default_forms
    return default_forms().value_label(path, value)


def _documents(c: Ctx) -> None:
    rows = []
    for spec in DOCUMENTS:
        applies = spec.applies(c.snap)
        text = spec.reason(label_of, _value_label)
        reason = text if applies else "Does not apply: it " + text[0].lower() + text[1:]
        rows.append((spec.title, "Yes" if applies else "No", reason))
    c.add(Table(("Document", "Applies", "Reason"), tuple(rows), caption="Documents for this product",
                widths=(3, 0.8, 4)))


def build(snap: ProjectSnapshot, forms: FormSet | None = None) -> Document:
    forms = forms or default_forms()
    findings = validate(forms, snap)
    n = counts(findings)
    c = Ctx(snap, "cat-readiness")
    c.heading("CAT readiness report", 1)
    c.heading("Summary", 2)
    if findings:
        c.para(f"The checks found {n['error']} error(s), {n['warning']} warning(s) and {n['info']} info finding(s), "
               f"raised by {len({f.rule for f in findings})} rule(s). Errors must be resolved before the dossier is "
               "complete; warnings need a decision; info findings are for information.")
    else:
        c.para("The checks found no errors, warnings or info findings.")
    c.add(Table(("Severity", "Findings"), tuple((SEVERITY_LABEL[s], str(n[s])) for s in ("error", "warning", "info")),
                caption="Findings by severity", widths=(2, 1)))
    c.note(CERTAINTY_NOTE)
    c.heading("Completeness matrix", 2)
    c.note("Fields are counted in the section they feed directly; ‘–’ means no form field feeds that heading.")
    _matrix(c, forms, findings)
    c.heading("Findings by section", 2)
    if findings:
        _findings(c, forms, findings)
    else:
        c.para("No findings: every rule that applies to this product is satisfied.")
    c.heading("Documents that apply to this product", 2)
    _documents(c)
    return c.build()
