"""The CAT readiness report's computed sections (hooks of resources/documents/cat-readiness.yaml): findings,
the CTD completeness matrix and the documents that apply.

Built from the same rule set as the live checks and `atmp-desktop validate`, so the report, the window and
the CLI never disagree; the matrix counts fields where the document definitions print them.
"""
from __future__ import annotations

import re

from atmp_desktop.core.definitions import default_definitions, placement_map
from atmp_desktop.core.documents import all_documents
from atmp_desktop.core.forms import FormSet, default_forms
from atmp_desktop.core.project import ProjectSnapshot, field_visible
from atmp_desktop.core.sections import Heading as CtdHeading
from atmp_desktop.core.sections import all_headings, display_title, section_applicability
from atmp_desktop.core.validation import SEVERITY_ORDER, Finding, counts, section_of, validate
from atmp_desktop.core.values import is_empty
from atmp_desktop.export.builders.base import label_of
from atmp_desktop.export.builders.generic import Builder, hook
from atmp_desktop.export.model import Heading, Table

SEVERITY_LABEL = {"error": "Error", "warning": "Warning", "info": "Info"}
STATUS_LABEL = {"not_started": "Not started", "draft": "Draft", "in_review": "In review", "ready": "Ready"}
CERTAINTY_NOTE = ("Certainty of each rule's basis: [V] verified against the source, [K] domain knowledge to be "
                  "re-checked before relying on it, [U] unsure.")


def matrix_prefixes() -> tuple[str, ...]:
    """The CTD documents' roots, without the summaries (the QOS repeats Module 3 and would count twice)."""
    defs = default_definitions()
    return tuple(d.ctd_code for d in defs if d.namespace == "ctd" and d.ctd_code and not d.summarises)


def matrix_headings() -> list[CtdHeading]:
    prefixes = matrix_prefixes()
    return [h for h in all_headings() if any(h.code == p or h.code.startswith(p + ".") for p in prefixes)]


def field_counts(forms: FormSet, snap: ProjectSnapshot) -> dict[str, list[int]]:
    """CTD code -> [required filled, required, filled, fields] over visible fields printed directly under it."""
    out: dict[str, list[int]] = {}
    pmap = placement_map()
    for f in forms.all_fields():
        codes = list(pmap.ctd_codes(f.path))
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


def _matrix(c: Builder, forms: FormSet, findings: list[Finding]) -> None:
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


def _findings(c: Builder, forms: FormSet, findings: list[Finding]) -> None:
    order = {h.code: i for i, h in enumerate(all_headings())}
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(_group_key(forms, f), []).append(f)
    for key in sorted(groups, key=lambda k: (k.startswith("step:"), order.get(k, len(order)), k)):
        c.add(Heading("", _group_title(key), c.level + 1))
        rows = tuple((SEVERITY_LABEL[f.severity], f.rule, f.message, f"{f.basis} [{f.certainty}]",
                      where(f.location))
                     for f in sorted(groups[key], key=lambda f: (SEVERITY_ORDER[f.severity], f.rule)))
        c.add(Table(("Severity", "Rule", "Finding", "Basis [certainty]", "Where"), rows, widths=(0.9, 0.8, 4, 2.4, 1.6)))


def _value_label(path: str, value) -> str:
    from atmp_desktop.core.forms import default_forms
    return default_forms().value_label(path, value)


def _documents(c: Builder) -> None:
    rows = []
    for spec in all_documents():
        applies = spec.applies(c.snap)
        text = spec.reason(label_of, _value_label)
        reason = text if applies else "Does not apply: it " + text[0].lower() + text[1:]
        rows.append((spec.title, "Yes" if applies else "No", reason))
    c.add(Table(("Document", "Applies", "Reason"), tuple(rows), caption="Documents for this product",
                widths=(3, 0.8, 4)))


def _checked(c: Builder) -> tuple[FormSet, list[Finding]]:
    """The findings are computed once per report and shared by its hooks."""
    cached = getattr(c, "_readiness", None)
    if cached is None:
        forms = default_forms()
        cached = c._readiness = (forms, validate(forms, c.snap))
    return cached


@hook("readiness_summary")
def summary(c: Builder) -> None:
    _, findings = _checked(c)
    n = counts(findings)
    if findings:
        c.para(f"The checks found {n['error']} error(s), {n['warning']} warning(s) and {n['info']} info finding(s), "
               f"raised by {len({f.rule for f in findings})} rule(s). Errors must be resolved before the dossier is "
               "complete; warnings need a decision; info findings are for information.")
    else:
        c.para("The checks found no errors, warnings or info findings.")
    c.add(Table(("Severity", "Findings"), tuple((SEVERITY_LABEL[s], str(n[s])) for s in ("error", "warning", "info")),
                caption="Findings by severity", widths=(2, 1)))
    c.note(CERTAINTY_NOTE)


@hook("readiness_matrix")
def matrix(c: Builder) -> None:
    forms, findings = _checked(c)
    _matrix(c, forms, findings)


@hook("readiness_findings")
def findings_by_section(c: Builder) -> None:
    forms, findings = _checked(c)
    if findings:
        _findings(c, forms, findings)
    else:
        c.para("No findings: every rule that applies to this product is satisfied.")


@hook("readiness_documents")
def documents(c: Builder) -> None:
    _documents(c)


def build(snap: ProjectSnapshot):
    """The report for a snapshot (the same as `builders.build("cat-readiness", snap)`)."""
    from atmp_desktop.export.builders.generic import build_definition
    return build_definition(default_definitions().document("cat-readiness"), snap)
