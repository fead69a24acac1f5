"""The help panel: guidance for the focused field with its regulatory basis, certainty and where it goes."""
from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QTextBrowser

from atmp_desktop.core.forms import Field, Step
from atmp_desktop.ui.logic import certainty_text

_PLACEHOLDER = ("<p style='color:#666'>Click into a field to see what to write there, the regulatory basis, "
                "how certain that basis is and which dossier sections use the answer.</p>")


def used_in(path: str) -> list[str]:
    """Where the field is printed, from the document definitions: '3.2.S.2.2 Description of ... (Module
    3.2.S Drug Substance)' for CTD headings, 'Document title › 1.1 Heading' for forms and reports."""
    from atmp_desktop.core.definitions import default_definitions, placement_map
    defs = default_definitions()
    out = []
    for pl in placement_map().placements(path):
        doc = defs.document(pl.doc_id)
        heading = f"{pl.code} {pl.title}".strip()
        if not pl.code:  # this app's own sub-heading: name the numbered heading it sits under
            coded = next((a for a in doc.ancestors(pl.heading) if a.code), None)
            if coded is not None:
                heading = f"{coded.code} {coded.title} › {pl.title}"
        text = f"{heading} ({doc.title})" if pl.namespace == "ctd" else f"{doc.title} › {heading}"
        if text not in out:
            out.append(text)
    return out


def field_help_html(field: Field) -> str:
    parts = [f"<h3 style='margin-bottom:4px'>{escape(field.label)}</h3>"]
    if field.required:
        parts.append("<p style='margin-top:0;color:#555'><i>Required</i></p>")
    if field.help:
        parts.append(f"<p>{escape(field.help)}</p>")
    if field.basis:
        parts.append(f"<p><b>Basis:</b> {escape(field.basis)}</p>")
    if field.certainty:
        colour = {"V": "#2e7d32", "K": "#1d5fa8", "U": "#b35c00"}.get(field.certainty, "#333")
        parts.append(f"<p><b>Certainty:</b> <span style='color:{colour}'>[{field.certainty}] "
                     f"{escape(certainty_text(field.certainty))}</span></p>")
    places = used_in(field.path)
    if places:
        items = "".join(f"<li>{escape(p)}</li>" for p in places)
        parts.append(f"<p style='margin-bottom:0'><b>Used in:</b></p><ul style='margin-top:2px'>{items}</ul>")
    if field.is_table:
        cols = "".join(f"<li><b>{escape(c.label)}</b>{': ' + escape(c.help) if c.help else ''}</li>"
                       for c in field.columns)
        parts.append(f"<p style='margin-bottom:0'><b>Columns:</b></p><ul style='margin-top:2px'>{cols}</ul>"
                     "<p style='color:#555'>Paste rows copied from a spreadsheet with Ctrl+V; "
                     "Delete clears the selected cells.</p>")
    return "".join(parts)


def step_help_html(step: Step) -> str:
    from atmp_desktop.core.definitions import default_definitions, placement_map
    defs = default_definitions()
    feeds: list[str] = []
    for f in step.fields:
        for pl in placement_map().placements(f.path):
            doc = defs.document(pl.doc_id)
            title = (f"{pl.code} {pl.title}" if pl.namespace == "ctd" and pl.code else doc.title)
            if title not in feeds:
                feeds.append(title)
    required = sum(1 for f in step.fields if f.required)
    parts = [f"<h3 style='margin-bottom:4px'>{escape(step.title)}</h3>"]
    if step.intro:
        parts.append(f"<p>{escape(step.intro)}</p>")
    parts.append(f"<p>{len(step.fields)} fields, {required} of them required (marked *). Fields that do not "
                 "apply to your product are hidden and appear when an answer makes them relevant.</p>")
    if feeds:
        items = "".join(f"<li>{escape(c)}</li>" for c in feeds[:14])
        more = f"<li>… and {len(feeds) - 14} more</li>" if len(feeds) > 14 else ""
        parts.append(f"<p style='margin-bottom:0'><b>This step feeds:</b></p><ul style='margin-top:2px'>"
                     f"{items}{more}</ul>")
    parts.append(_PLACEHOLDER)
    return "".join(parts)


class HelpPanel(QTextBrowser):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Field help")
        self.setOpenExternalLinks(False)
        self.setMinimumWidth(240)
        self.field: Field | None = None
        self.setHtml(_PLACEHOLDER)

    def show_field(self, field: Field | None) -> None:
        if field is self.field:
            return
        self.field = field
        self.setHtml(field_help_html(field) if field else _PLACEHOLDER)

    def show_step(self, step: Step) -> None:
        """Before a field has focus: what the step is for and which dossier parts it feeds."""
        self.field = None
        self.setHtml(step_help_html(step))
