"""The help panel: guidance for the focused field with its regulatory basis, certainty and where it goes."""
from __future__ import annotations

from PySide6.QtWidgets import QTextBrowser

from atmp_desktop.core.forms import Field, Step
from atmp_desktop.core.pursuits import ALL, project_pursuits
from atmp_desktop.ui.logic import certainty_text


def escape(text: str) -> str:
    """html.escape's result (importing html reads its table of 2,000 entities: ~2 ms of the launch)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&#x27;"))


# no fixed text colours: the palette's own (light or dark) stays readable; the certainty colours are mid tones
_PLACEHOLDER = ("<p><i>Click into a field to see what to write there, the regulatory basis, how certain that "
                "basis is and which dossier sections use the answer.</i></p>")
CERTAINTY_COLOUR = {"V": "#43a047", "K": "#1e88e5", "U": "#ef6c00"}


def used_in(path: str, applicable: set[str] | None = None) -> list[str]:
    """Where the field is printed, from the document definitions: '3.2.S.2.2 Description of ... (Module
    3.2.S Drug Substance)' for CTD headings, 'Document title › 1.1 Heading' for forms and reports.
    `applicable`: only documents with these ids (those that apply to the project)."""
    from atmp_desktop.core.definitions import default_definitions, placement_map
    defs = default_definitions()
    out = []
    for pl in placement_map().placements(path):
        if applicable is not None and pl.doc_id not in applicable:
            continue
        doc = defs.document(pl.doc_id)
        heading = f"{pl.code} {pl.title}".strip()
        if not pl.code:  # this app's own sub-heading: name the numbered heading it sits under
            coded = next((a for a in doc.ancestors(pl.heading) if a.code), None)
            if coded is not None:
                heading = f"{coded.code} {coded.title} › {pl.title}"
        text = f"{heading} ({doc.title})" if pl.namespace == "ctd" else f"{doc.title} › {heading}"
        if pl.namespace == "impd" and doc.has_heading(pl.heading) and doc.heading(pl.heading).certainty in "KU":
            text += f" [{doc.heading(pl.heading).certainty}]"  # how sure the IMPD heading is (impd-headings.tsv)
        if text not in out:
            out.append(text)
    return out


def field_help_html(field: Field, snap=None) -> str:
    """The help of a field; with the project's snapshot, examples fit the kind of product and "Used in" lists
    only documents that apply to it."""
    from atmp_desktop.core.forms import PROFILES
    from atmp_desktop.ui.logic import product_profile
    profile = product_profile(snap) if snap is not None else None
    parts = [f"<h3 style='margin-bottom:4px'>{escape(field.label)}</h3>"]
    if field.required and (snap is None or field.required_in(project_pursuits(snap.get))):
        parts.append("<p style='margin-top:0'><i>Required</i></p>")
    if field.help:
        parts.append(f"<p>{escape(field.help)}</p>")
    example = field.example_for(profile)
    if example:
        parts.append(f"<p><b>Example:</b> {escape(example)}</p>")
    elif field.examples and profile is None:  # the kind of product is not known yet: one of each
        items = "".join(f"<li><i>{escape(PROFILES[k])}:</i> {escape(t)}</li>" for k, t in field.examples)
        parts.append(f"<p style='margin-bottom:0'><b>Examples:</b></p><ul style='margin-top:2px'>{items}</ul>")
    if field.basis:
        parts.append(f"<p><b>Basis:</b> {escape(field.basis)}</p>")
    if field.certainty:
        colour = CERTAINTY_COLOUR.get(field.certainty)
        parts.append(f"<p><b>Certainty:</b> <span style='color:{colour}'>[{field.certainty}] "
                     f"{escape(certainty_text(field.certainty))}</span></p>")
    applicable = None
    if snap is not None:
        from atmp_desktop.core.documents import applicable_documents
        applicable = {d.id for d in applicable_documents(snap)}
    places = used_in(field.path, applicable)
    if places:
        items = "".join(f"<li>{escape(p)}</li>" for p in places)
        parts.append(f"<p style='margin-bottom:0'><b>Used in:</b></p><ul style='margin-top:2px'>{items}</ul>")
    elif applicable is not None and used_in(field.path):
        parts.append("<p><b>Used in:</b> no document that applies to this product.</p>")
    if field.is_table:
        cols = "".join(f"<li><b>{escape(c.label)}</b>{': ' + escape(c.help) if c.help else ''}</li>"
                       for c in field.columns)
        parts.append(f"<p style='margin-bottom:0'><b>Columns:</b></p><ul style='margin-top:2px'>{cols}</ul>"
                     "<p><i>Paste rows copied from a spreadsheet with Ctrl+V; Ctrl+C copies the selected "
                     "cells; Delete clears them.</i></p>")
    return "".join(parts)


def step_help_html(step: Step, snap=None, feeds: bool = True) -> str:
    """What the step is for; with `feeds`, also which dossier parts it feeds (needs the document definitions)."""
    fed = _step_feeds(step, snap) if feeds else []
    pursuits = project_pursuits(snap.get) if snap is not None else ALL
    required = sum(1 for f in step.fields if f.required_in(pursuits))
    parts = [f"<h3 style='margin-bottom:4px'>{escape(step.title)}</h3>"]
    if step.intro:
        parts.append(f"<p>{escape(step.intro)}</p>")
    parts.append(f"<p>{len(step.fields)} fields, {required} of them required (marked *). Fields that do not "
                 "apply to your product are hidden and appear when an answer makes them relevant.</p>")
    if fed:
        items = "".join(f"<li>{escape(c)}</li>" for c in fed[:14])
        more = f"<li>… and {len(fed) - 14} more</li>" if len(fed) > 14 else ""
        parts.append(f"<p style='margin-bottom:0'><b>This step feeds:</b></p><ul style='margin-top:2px'>"
                     f"{items}{more}</ul>")
    parts.append(_PLACEHOLDER)
    return "".join(parts)


def _step_feeds(step: Step, snap=None) -> list[str]:
    from atmp_desktop.core.definitions import default_definitions, placement_map
    defs = default_definitions()
    applicable = None
    if snap is not None:
        from atmp_desktop.core.documents import applicable_documents
        applicable = {d.id for d in applicable_documents(snap)}
    feeds: list[str] = []
    for f in step.fields:
        for pl in placement_map().placements(f.path):
            if applicable is not None and pl.doc_id not in applicable:
                continue
            doc = defs.document(pl.doc_id)
            title = (f"{pl.code} {pl.title}" if pl.namespace == "ctd" and pl.code else doc.title)
            if title not in feeds:
                feeds.append(title)
    return feeds


def _context(snap) -> tuple:
    """What a field's help depends on besides the field: the kind of product and the documents that apply.
    Worked out again only when a field it reads has another value: every edit asked for it twice (the change,
    then the focus coming back), ~0.3 ms of a 4.6 ms table-cell edit at 4x, for an answer that changes only
    when the product's type or a document's condition does."""
    if snap is None:
        return ()
    from atmp_desktop.core.documents import all_documents
    docs = all_documents()
    memo = _CONTEXT_MEMO.get("last")
    if memo is None or memo[0] is not docs:
        from atmp_desktop.ui.logic import PROFILE_FIELDS
        reads = set(PROFILE_FIELDS)
        for d in docs:
            if d.applies_when is not None:
                reads |= d.applies_when.fields()
        memo = (docs, tuple(sorted(reads)), None, None)
    values = [snap.get(p) for p in memo[1]]
    if memo[2] is not None and memo[2] == values:
        return memo[3]
    from atmp_desktop.ui.logic import product_profile
    context = product_profile(snap), frozenset(d.id for d in docs if d.applies(snap))
    _CONTEXT_MEMO["last"] = (docs, memo[1], values, context)
    return context


_CONTEXT_MEMO: dict = {}  # "last": (the documents, the fields their conditions and the profile read, their
# values, the context they gave)


class HelpPanel(QTextBrowser):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Field help")
        self.setOpenExternalLinks(False)
        self.setMinimumWidth(240)
        self.field: Field | None = None
        self.snap = None
        # a launch: the step's help goes on screen without "This step feeds", which needs the document
        # definitions (~20 ms to load); MainWindow.documents_ready() adds it on the turn after the first paint
        self.feeds_later = False
        self.setHtml(_PLACEHOLDER)

    def show_field(self, field: Field | None, snap=None) -> None:
        """Show a field's help; shown again only when the field or what its help depends on changes (the
        kind of product, the documents that apply)."""
        key = (field, _context(snap))
        if key == self.__dict__.get("_key"):
            return
        self._key = key
        self.field, self.snap = field, snap
        self.setHtml(field_help_html(field, snap) if field else _PLACEHOLDER)

    def show_step(self, step: Step, snap=None) -> None:
        """Before a field has focus: what the step is for and which dossier parts it feeds."""
        self.field = None
        self._key = None
        self.setHtml(step_help_html(step, snap, feeds=not self.feeds_later))
