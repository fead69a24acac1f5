"""The change report: what changed between two snapshots of a project, for reviewers, as a document model that
the existing Word and PDF writers render (python-docx cannot write tracked changes; this report is how a
reviewer sees them, grouped the way the dossier is read).

1. a summary table per CTD section (fields changed, rows added/removed/changed, tables reordered, review
   status now), plus the changes that feed no CTD section;
2. the changes under each CTD section: field, before, after; table rows by identity with the changed cells;
   long narrative as the changed passages in context (deleted text in [brackets, italic], added text bold);
3. writer status and review status changes;
4. every review comment thread in the later snapshot (open or resolved, new since the earlier one marked).
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from atmp_desktop.core.diff import OTHER, Diff, FieldChange, TableChange, section_title
from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.review import STATE_LABELS, capital, section_target, threads
from atmp_desktop.export.model import DocMeta, Document, Heading, Paragraph, Run, Table

DOC_ID = "change-report"
TEXT_LIMIT = 600          # characters of a short value shown in a table cell
CONTEXT_WORDS = 12        # words kept around a change in a long narrative


def build_change_report(forms: FormSet, d: Diff, new: ProjectSnapshot, old: ProjectSnapshot | None = None
                        ) -> Document:
    product = new.get("product.invented_name") or new.get("product.inn") or new.title
    date = str(new.meta.get("modified") or new.meta.get("created") or "")[:10]
    meta = DocMeta(doc_id=DOC_ID, title="Change report", product=str(product),
                   applicant=str(new.get("applicant.company_name") or "[applicant not entered]"),
                   version=str(new.get("applicant.dossier_version") or "0.1"), status="For review", date=date,
                   author=str(new.get("applicant.author_name") or ""), subject=f"Changes to {product}",
                   basis="Compared field by field and row by row; table rows matched by their identity.",
                   internal=True)
    doc = Document(meta)
    b = doc.blocks
    b.append(Heading("", "Change report", 1))
    b.append(Paragraph((Run("From: ", bold=True), Run(d.old_label))))
    b.append(Paragraph((Run("To: ", bold=True), Run(d.new_label))))
    s = d.summary()
    n_fields = s["fields_added"] + s["fields_removed"] + s["fields_changed"]
    b.append(Paragraph.of(
        "No content changed." if d.content_empty else
        f"{n_fields} field(s) changed ({s['fields_added']} filled in, {s['fields_removed']} emptied, "
        f"{s['fields_changed']} changed); table rows: {s['rows_added']} added, {s['rows_removed']} removed, "
        f"{s['rows_changed']} changed; {s['tables_reordered']} table(s) reordered. "
        f"{len(d.review)} review status change(s), {len(d.comments)} comment change(s)."))

    by_section = d.by_section()
    b.append(Heading("", "Summary by CTD section", 2))
    if by_section:
        b.append(_summary_table(by_section, new, d))
    else:
        b.append(_note("No field or table changed."))

    if by_section:
        b.append(Heading("", "Changes by CTD section", 2))
        b.append(_note("Deleted text is shown [in brackets, in italics], added text in bold. A field printed in "
                       "several sections is shown in full under its Module 3 section (or its first) and named under "
                       "the others."))
        for code, changes in by_section.items():
            b.append(Heading("", section_title(code), 3))
            for c in changes:
                home = primary_section(c)
                if home == code:
                    b.extend(_change_blocks(forms, c))
                else:
                    b.append(Paragraph((Run(f"{c.label}: ", bold=True),
                                        Run(f"{_what(c)}; shown under {home}."))))

    if d.section_status or d.review:
        b.append(Heading("", "Status changes", 2))
        rows = [(section_title(st.key), "writer status", st.old, st.new, st.new_note if st.new_note != st.old_note else "")
                for st in d.section_status]
        rows += [(capital(st.label), "review", st.old, st.new, st.new_note if st.new_note != st.old_note else "")
                 for st in d.review]
        b.append(Table(("Step or section", "Status", "Before", "After", "Comment"), tuple(rows),
                       caption="Writer and review status changes",
                       widths=(34, 14, 12, 12, 28)))

    all_threads = threads(new.comments)
    b.append(Heading("", "Review comments", 2))
    if not all_threads:
        b.append(_note("There are no review comments."))
    else:
        old_ids = {c["id"] for c in old.comments} if old is not None else set()
        rows = []
        for t in all_threads:
            label = _label(forms, t.path)
            for c in t.comments:
                state = ("resolved" if t.resolved else "open") if c is t.first else "reply"
                new_mark = " (new)" if c["id"] not in old_ids and old is not None else ""
                rows.append((label if c is t.first else "", f"{state}{new_mark}", c["author"], c["at"][:10],
                             _short(c["body"])))
        opened = sum(1 for t in all_threads if not t.resolved)
        b.append(Paragraph.of(f"{len(all_threads)} thread(s): {opened} open, {len(all_threads) - opened} resolved."))
        b.append(Table(("Field", "State", "Author", "Date", "Comment"), tuple(rows), caption="Review comments",
                       widths=(26, 12, 12, 12, 38)))
    return doc


def _note(text: str) -> Paragraph:
    return Paragraph((Run(text),), style="note")


def _label(forms: FormSet, path: str) -> str:
    try:
        f = forms.field(path)
        return f"{f.label} ({forms.step(f.step_id).title})"
    except KeyError:
        return path


def primary_section(c: FieldChange | TableChange) -> str:
    """Where a change is shown in full: its first Module 3 section, else its first section (OTHER if none)."""
    return next((code for code in c.sections if code.startswith("3.")), c.sections[0] if c.sections else OTHER)


def _rows_text(added: int, removed: int, changed: int, reordered: int) -> str:
    parts = [f"{n} {k}" for k, n in (("added", added), ("removed", removed), ("changed", changed)) if n]
    if reordered:
        parts.append(f"{reordered} table(s) reordered")
    return ", ".join(parts) or "–"


def _summary_table(by_section: dict, new: ProjectSnapshot, d: Diff) -> Table:
    rows = []
    for code, changes in by_section.items():
        fields = sum(1 for c in changes if isinstance(c, FieldChange))
        tables = [c for c in changes if isinstance(c, TableChange)]
        counts = [sum(t.count(k) for t in tables) for k in ("added", "removed", "changed")]
        review = new.review.get(section_target(code)) if code != OTHER else None
        status = f"{STATE_LABELS[review['status']]} ({review['reviewer']}, {review['at'][:10]})" if review else "–"
        rows.append((section_title(code), str(fields) if fields else "–",
                     _rows_text(*counts, sum(1 for t in tables if t.reordered)), status))
    s = d.summary()
    rows.append(("Whole project (each change once)",
                 str(s["fields_added"] + s["fields_removed"] + s["fields_changed"]),
                 _rows_text(s["rows_added"], s["rows_removed"], s["rows_changed"], s["tables_reordered"]), ""))
    return Table(("CTD section", "Fields changed", "Table rows", "Review status now"), tuple(rows),
                 caption="Changes per CTD section", id="change-summary", widths=(44, 12, 26, 18))


def _short(text: str, limit: int = TEXT_LIMIT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + f"… ({len(text) - limit} more characters)"


def _change_blocks(forms: FormSet, c: FieldChange | TableChange) -> list:
    if isinstance(c, FieldChange):
        f = forms.field(c.path)
        if f.type == "long_text" and c.kind == "changed" and (len(c.old_text) > 200 or len(c.new_text) > 200):
            return [Paragraph((Run(f"{c.label}: ", bold=True), Run("changed passages"))),
                    Paragraph(tuple(text_changes(c.old_text, c.new_text)))]
        what = {"added": "filled in", "removed": "emptied", "changed": "changed"}[c.kind]
        return [Table(("Field", "Before", "After"),
                      ((f"{c.label} ({what})", _short(c.old_text) or "(empty)", _short(c.new_text) or "(empty)"),),
                      caption=c.label, widths=(34, 33, 33))]
    out = [Paragraph((Run(f"{c.label}: ", bold=True), Run(_what(c) + ".")))]
    rows = []
    for r in c.rows:
        pos = r.old_position if r.kind == "removed" else r.new_position
        for i, cell in enumerate(r.cells):
            rows.append((f"{pos}: {r.title}" if i == 0 else "", r.kind if i == 0 else "", cell.label,
                         _short(cell.old_text) or ("" if r.kind == "added" else "(empty)"),
                         _short(cell.new_text) or ("" if r.kind == "removed" else "(empty)")))
    if rows:
        out.append(Table(("Row", "Change", "Column", "Before", "After"), tuple(rows), caption=c.label,
                         widths=(22, 10, 16, 26, 26)))
    return out


def _what(c: FieldChange | TableChange) -> str:
    if isinstance(c, FieldChange):
        return {"added": "filled in", "removed": "emptied", "changed": "changed"}[c.kind]
    parts = [f"{n} row(s) {k}" for k, n in (("added", c.count("added")), ("removed", c.count("removed")),
                                             ("changed", c.count("changed"))) if n]
    if c.moved:
        parts.append(f"order changed ({len(c.moved)} row(s) moved)")
    return "; ".join(parts)


_WORD = re.compile(r"\S+\s*")


def text_changes(old: str, new: str, context: int = CONTEXT_WORDS) -> list[Run]:
    """The changed passages of a long text as runs: unchanged words around each change ("…" where text is
    skipped), deleted words as "[italic]", inserted words bold."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    runs: list[Run] = []
    ops = difflib.SequenceMatcher(None, [w.rstrip() for w in a], [w.rstrip() for w in b],
                                  autojunk=False).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        if op == "equal":
            words = b[j1:j2]  # the new text's spacing
            first, last = n == 0, n == len(ops) - 1
            if len(words) > 2 * context or (first and len(words) > context) or (last and len(words) > context):
                head = [] if first else words[:context]
                tail = [] if last else words[-context:]
                text = "".join(head) + ("… " if head or tail else "…") + "".join(tail)
                runs.append(Run(text if not first else "…" + "".join(tail)))
            else:
                runs.append(Run("".join(words)))
            continue
        if i2 > i1:
            runs.append(Run("[" + "".join(a[i1:i2]).rstrip() + "] ", italic=True))
        if j2 > j1:
            runs.append(Run("".join(b[j1:j2]), bold=True))
    return runs or [Run("(no visible change: only spacing differs)")]


def write_change_report(forms: FormSet, d: Diff, new: ProjectSnapshot, out_stem: Path,
                        formats=("docx", "pdf"), old: ProjectSnapshot | None = None) -> list[Path]:
    """Write `out_stem`.docx / .pdf (each through a temp name) and return the paths; PDFs are checked."""
    from atmp_desktop.export.api import _write
    from atmp_desktop.export.docx_writer import DocxWriter
    from atmp_desktop.export.pdf_writer import PdfWriter
    doc = build_change_report(forms, d, new, old)
    out = []
    for fmt in formats:
        writer = DocxWriter() if fmt == "docx" else PdfWriter(watermark=False)
        target = Path(f"{out_stem}.{fmt}")
        _write(writer, doc, target, new)
        out.append(target)
    return out
