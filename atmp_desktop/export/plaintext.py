"""A third, plain-text rendering of the document model: the golden reference texts of tests/reference/.

Headings with their codes (`## 3.2.S.1.1 Nomenclature`, one `#` per level), paragraphs, placeholders, lists,
tables as `| a | b |` rows, figures as `[Figure: caption]` and cross-references as `-> target`. Like
novelWriter's reference files, the text shows every change of output in review; it is not a format for users.
"""
from __future__ import annotations

import textwrap

from atmp_desktop.export import model as m


def _inline(runs, doc: m.Document) -> str:
    out = []
    for r in runs:
        if isinstance(r, m.Cite):  # "[1, 2]" as the reference list numbers them (an unknown key as written)
            out.append("[" + ", ".join(n for n, _ in doc.citation(r)) + "]")
        elif isinstance(r, m.XRef) and r.soft:  # a reference typed in narrative: marked only where it links
            out.append(r.text + (f" [-> {r.target}]" if doc.xref_text(r)[1] else ""))
        elif isinstance(r, m.XRef):
            where = f"{r.document}:" if r.document else ""
            target = None if r.document else doc.find_heading(r.target)
            out.append(f"{r.text or (target.text if target else r.target)} [-> {where}{r.target}]")
        else:
            out.append(r.text)
    return "".join(out)


def _wrap(text: str, indent: str = "") -> list[str]:
    lines = []
    rest = " " * len(indent)
    for part in text.split("\n"):
        lines += textwrap.wrap(part, 110, initial_indent=indent, subsequent_indent=rest,
                               break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]
        indent = rest
    return lines


def render(doc: m.Document) -> str:
    doc = m.finish(doc)  # numbered tables and figures, reviewer notes, as both writers print them
    lines = [f"= {doc.meta.title}", f"  Product: {doc.meta.product} | Applicant: {doc.meta.applicant} | "
             f"Version {doc.meta.version} | {doc.meta.status} | {doc.meta.display_date}"]
    if doc.meta.basis:
        lines.append(f"  Basis: {doc.meta.basis}")
    for b in doc.blocks:
        if isinstance(b, m.Heading):
            lines += ["", f"{'#' * b.level} {b.text}"]
        elif isinstance(b, m.Paragraph):
            lead = {"note": "  (note) ", "review": "  (review) "}.get(b.style, "")
            lines += _wrap(_inline(b.runs, doc), lead)
        elif isinstance(b, m.Placeholder):
            lines.append(b.text)
        elif isinstance(b, m.ListBlock):
            for n, item in enumerate(b.items, 1):
                lines += _wrap(_inline(item, doc), f"  {n}. " if b.numbered else "  - ")
        elif isinstance(b, m.Table):
            if b.caption or b.number:
                lines.append(f"  {b.label}: {b.caption}" if b.number else f"  Table: {b.caption}")
            lines.append("  | " + " | ".join(b.header) + " |")
            for row in b.rows:
                lines.append("  | " + " | ".join(c.replace("\n", " / ") for c in row) + " |")
        elif isinstance(b, m.Figure):
            lines.append(f"  [{b.label if b.number else 'Figure'}: {b.caption}"
                         f"{' - ' + b.description if b.description else ''}]")
            if b.data:
                lines.append(f"  (attached {b.kind.upper()} image, {len(b.data):,} bytes"
                             f"{'; alt text: ' + b.alt if b.alt else ''})")
            if b.diagram is not None:
                kinds = [x.kind for x in b.diagram.boxes]
                added = f", {kinds.count('material')} with materials added" if "material" in kinds else ""
                lines.append(f"  (generated diagram: {kinds.count('step')} steps, {kinds.count('ipc')} in-process "
                             f"controls, {kinds.count('hold')} hold times{added}"
                             f"{', DS/DP boundary' if b.diagram.boundary else ''})")
        elif isinstance(b, m.PageBreak):
            lines.append("  ----")
        else:  # a block a later helper adds: its fallback text, so the reference still shows it
            fallback = getattr(b, "fallback", None)
            lines.append(f"  [{type(b).__name__}] {fallback() if callable(fallback) else ''}".rstrip())
    return "\n".join(lines).rstrip() + "\n"
