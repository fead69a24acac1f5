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
from atmp_desktop.core.pursuits import project_pursuits
from atmp_desktop.core.sections import Heading as CtdHeading
from atmp_desktop.core.sections import all_headings, display_title, section_applicability
from atmp_desktop.core.validation import SEVERITY_ORDER, Finding, counts, section_of, validate
from atmp_desktop.core.values import is_empty
from atmp_desktop.export.builders.base import STATUS_LABELS, label_of
from atmp_desktop.export.builders.generic import Builder, hook
from atmp_desktop.export.model import Heading, Paragraph, Placeholder, Run, Table

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
    pursuits = project_pursuits(snap.get)
    for f in forms.all_fields():
        codes = list(pmap.ctd_codes(f.path))
        if not codes or not field_visible(forms, f.path, snap):
            continue
        filled = not is_empty(snap.get(f.path))
        for code in codes:
            n = out.setdefault(code, [0, 0, 0, 0])
            n[0] += int(f.required_in(pursuits) and filled)
            n[1] += int(f.required_in(pursuits))
            n[2] += int(filled)
            n[3] += 1
    return out


def placeholders(snap: ProjectSnapshot) -> tuple[dict[str, int], dict[str, int], dict[str, list[str]]]:
    """What the exported documents still lack, counted in the documents themselves (not from field counts):
    (placeholders per CTD section, per document title, section codes per document title)."""
    from atmp_desktop.core.documents import applicable_documents
    from atmp_desktop.export import builders
    by_section: dict[str, int] = {}
    by_doc: dict[str, int] = {}
    where_: dict[str, list[str]] = {}
    for spec in applicable_documents(snap):
        if spec.id == "cat-readiness":
            continue
        doc = builders.build(spec.id, snap)
        code = ""
        for b in doc.blocks:
            if isinstance(b, Heading):
                code = b.code.rstrip(".") or code
            elif isinstance(b, Placeholder):
                by_doc[spec.title] = by_doc.get(spec.title, 0) + 1
                if code and code[:1].isdigit():
                    by_section[code] = by_section.get(code, 0) + 1
                codes = where_.setdefault(spec.title, [])
                if code and code not in codes:
                    codes.append(code)
    return by_section, by_doc, where_


def _status(snap: ProjectSnapshot, code: str) -> str:
    return (snap.section_status.get(code) or {}).get("status", "not_started")


def _applicable(snap: ProjectSnapshot) -> list[str]:
    return [h.code for h in matrix_headings() if section_applicability(h.code, snap).applies]


def verdict(snap: ProjectSnapshot, errors: int, by_section: dict[str, int], by_doc: dict[str, int]) -> str:
    """One line that says "ready" only with no errors, no placeholders anywhere and every applicable section
    marked ready; otherwise it names what stands in the way, worst first."""
    applicable = _applicable(snap)
    ready = [code for code in applicable if _status(snap, code) == "ready"]
    false_ready = [code for code in ready if by_section.get(code)]
    total = sum(by_doc.values())
    reasons = []
    if errors:
        reasons.append(f"{errors} error(s) to resolve")
    if false_ready:
        reasons.append("section(s) marked ready still hold placeholders: "
                       + ", ".join(f"{c} ({by_section[c]})" for c in false_ready[:6])
                       + (" ..." if len(false_ready) > 6 else ""))
    if total:
        reasons.append(f"{total} placeholder(s) in {len(by_doc)} document(s)")
    if len(ready) < len(applicable):
        reasons.append(f"{len(applicable) - len(ready)} of {len(applicable)} applicable sections not marked ready")
    if not reasons:
        return "Verdict: ready. No errors, no placeholders, and every applicable section is marked ready."
    return "Verdict: not ready: " + "; ".join(reasons) + "."


def status_consistency(snap: ProjectSnapshot) -> str | None:
    """The dossier status must not claim more than its sections: "In review" or "Final" with sections not
    started or in draft is said in one sentence."""
    dossier = snap.get("applicant.dossier_status") or "draft"
    applicable = _applicable(snap)
    if not applicable:
        return None
    tally: dict[str, int] = {}
    for code in applicable:
        tally[_status(snap, code)] = tally.get(_status(snap, code), 0) + 1
    summary_ = ", ".join(f"{n} {STATUS_LABEL.get(k, k).lower()}" for k, n in sorted(tally.items(),
                                                                                    key=lambda kv: -kv[1]))
    behind = tally.get("not_started", 0) + tally.get("draft", 0)
    label = STATUS_LABELS.get(dossier, str(dossier))
    if dossier in ("in_review", "final") and behind:
        return (f"Inconsistent status: the dossier is ‘{label}’ but {behind} of {len(applicable)} applicable "
                f"sections are not started or in draft ({summary_}); set the section statuses in the sections "
                f"panel, or the dossier status back to draft.")
    return f"Dossier status: {label}; applicable sections: {summary_}."


def _matrix(c: Builder, forms: FormSet, findings: list[Finding]) -> None:
    snap = c.snap
    per_section: dict[str, int] = {}
    for f in findings:
        per_section[section_of(forms, f)] = per_section.get(section_of(forms, f), 0) + 1
    fields = field_counts(forms, snap)
    by_section = _placeholders(c)[0]
    rows = []
    for h in matrix_headings():
        applies = section_applicability(h.code, snap).applies
        req_filled, req, filled, total = fields.get(h.code, [0, 0, 0, 0])
        status = (snap.section_status.get(h.code) or {}).get("status", "not_started")
        rows.append((h.code, display_title(h, snap), "Yes" if applies else "No",
                     f"{req_filled}/{req}" if req else "–", f"{filled}/{total}" if total else "–",
                     str(by_section.get(h.code, 0) or "–") if applies else "–",
                     STATUS_LABEL.get(status, status), str(per_section.get(h.code, 0) or "–")))
    c.add(Table(("Section", "Title", "Applies", "Required fields filled", "All fields filled", "Placeholders",
                 "Writer's status", "Findings"), tuple(rows), caption="Completeness by CTD section",
                widths=(1.2, 3.2, 0.8, 1, 1, 1, 1, 0.8)))


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


def _placeholders(c: Builder):
    cached = getattr(c, "_readiness_todo", None)
    if cached is None:
        cached = c._readiness_todo = placeholders(c.snap)
    return cached


@hook("readiness_summary")
def summary(c: Builder) -> None:
    _, findings = _checked(c)
    n = counts(findings)
    by_section, by_doc, where_ = _placeholders(c)
    c.add(Paragraph((Run(verdict(c.snap, n["error"], by_section, by_doc), bold=True),)))
    if findings:
        c.para(f"The checks found {n['error']} error(s), {n['warning']} warning(s) and {n['info']} info finding(s), "
               f"raised by {len({f.rule for f in findings})} rule(s). Errors must be resolved before the dossier is "
               "complete; warnings need a decision; info findings are for information.")
    else:
        c.para("The checks found no errors, warnings or info findings.")
    total = sum(by_doc.values())
    c.para(f"The exported documents hold {total} placeholder(s) ‘[To be completed]’ in {len(by_doc)} document(s)."
           if total else "The exported documents hold no placeholders.")
    consistency = status_consistency(c.snap)
    if consistency:
        c.para(consistency)
    c.add(Table(("Severity", "Findings"), tuple((SEVERITY_LABEL[s], str(n[s])) for s in ("error", "warning", "info")),
                caption="Findings by severity", widths=(2, 1)))
    if by_doc:
        rows = tuple((title, str(k), ", ".join(where_.get(title, [])[:8])
                      + (" ..." if len(where_.get(title, [])) > 8 else "") or "–") for title, k in by_doc.items())
        c.add(Table(("Document", "Placeholders", "Sections"), rows, caption="Placeholders by document",
                    widths=(3, 1, 4)))
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
