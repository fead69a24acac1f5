"""Ref columns (a cell holding the row id of a row of another table) in words, for the window.

A batch result's `test` holds the id of a specification row; the window shows "Viability (DS)" and offers
the rows of the referenced tables by name, never the raw id. No Qt, no SQL.
"""
from __future__ import annotations

from atmp_desktop.core.forms import Field, FormSet
from atmp_desktop.core.project import ProjectSnapshot

_SHORT = {"quality.ds_specification": "DS", "quality.dp_specification": "DP"}


def _name(table: Field | None, row: dict) -> str:
    """The first filled text column names the row (test, batch, study id ...); without the forms, the first
    filled text cell (the store keeps cells in column order)."""
    columns = [c.id for c in table.columns if c.type in ("text", "long_text")] if table is not None else list(row)
    for cid in columns:
        value = row.get(cid)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:80]
    return "(unnamed row)"


def _table(forms: FormSet | None, path: str) -> Field | None:
    return forms.field(path) if forms is not None and forms.has_field(path) else None


def _suffix(forms: FormSet | None, col: Field, path: str) -> str:
    if len(col.ref) < 2:
        return ""
    table = _table(forms, path)
    return f" ({_SHORT.get(path) or (table.label if table is not None else path.split('.', 1)[-1])})"


def ref_choices(snap: ProjectSnapshot, col: Field, forms: FormSet | None = None) -> list[tuple[str, str]]:
    """(row id, label) of every row the ref column may point to, in table order. With several tables the
    label names the table ("Viability (DS)")."""
    out = []
    for path in col.ref:
        table, suffix = _table(forms, path), _suffix(forms, col, path)
        for rid, row in zip(snap.row_ids(path), snap.rows(path)):
            out.append((rid, _name(table, row) + suffix))
    return out


def ref_label(snap: ProjectSnapshot, col: Field, row_id: str | None, forms: FormSet | None = None) -> str:
    """The referenced row in words; '(deleted row)' when it no longer exists, '' for no reference."""
    if not row_id:
        return ""
    for path in col.ref:
        row = snap.row(path, row_id)
        if row is not None:
            return _name(_table(forms, path), row) + _suffix(forms, col, path)
    return "(deleted row)"


def ref_for_text(snap: ProjectSnapshot, col: Field, text: str, forms: FormSet | None = None) -> str | None:
    """The row id a pasted or typed name stands for (exact label, then the name alone, case-insensitive;
    a row id is accepted as it is), or None when no single row matches."""
    text = " ".join(str(text or "").split())
    if not text:
        return None
    choices = ref_choices(snap, col, forms)
    if any(rid == text for rid, _ in choices):
        return text
    for match in (lambda label: label.lower() == text.lower(),
                  lambda label: label.rsplit(" (", 1)[0].lower() == text.lower()):
        found = [rid for rid, label in choices if match(label)]
        if len(found) == 1:
            return found[0]
    return None
