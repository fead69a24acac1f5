"""The JSON interchange document: checking it against the forms and putting it in a stable order.

Shape (docs/project-format.md): {"format", "format_version", "project": {...}, "data": {step: {field: value}},
"section_status": {code: {"status", "note"}}}.
"""
from __future__ import annotations

import json
from typing import Any

from atmp_desktop.core.form_migrations import FORMS_VERSION, migrate_document, stored_version
from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import FORMAT_NAME, FORMAT_VERSION
from atmp_desktop.core.values import MEMO_TYPES, FieldValueError, in_column_order, normalise

META_KEYS = ("uuid", "title", "created", "modified")
SECTION_STATUSES = ("not_started", "draft", "in_review", "ready")


def check_document(forms: FormSet, doc: Any, images=None) -> tuple[list[str], dict]:
    """Return (problems, normalised data). Each problem names its JSON path. Nothing is written.

    Data written with older forms is first brought to the current forms (core.form_migrations). Figures are
    checked too (core.figures.check_figures gives them; `images` resolves figures stored by digest only)."""
    problems: list[str] = []
    data_out: dict[str, dict[str, Any]] = {}
    if not isinstance(doc, dict):
        return ["$: the file must hold a JSON object"], {}
    if isinstance(doc.get("project"), dict) and stored_version(doc["project"]) > FORMS_VERSION:
        return [f"$.project.forms_version: {doc['project']['forms_version']} is newer than the forms of this app "
                f"({FORMS_VERSION}); update the app"], {}
    doc = migrate_document(doc)
    if doc.get("format") != FORMAT_NAME:
        problems.append(f"$.format: expected \"{FORMAT_NAME}\", got {json.dumps(doc.get('format'))}")
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("$.format_version: expected a positive integer")
    elif version > FORMAT_VERSION:
        problems.append(f"$.format_version: {version} is newer than this app understands ({FORMAT_VERSION}); update the app")
    extra = set(doc) - {"format", "format_version", "project", "data", "section_status", "row_ids", "figures"}
    for key in sorted(extra):
        problems.append(f"$.{key}: unknown key")
    project = doc.get("project", {})
    if not isinstance(project, dict):
        problems.append("$.project: expected an object")
    else:
        for key, value in project.items():
            if key not in META_KEYS + ("app_version", "schema_version", "forms_version"):
                problems.append(f"$.project.{key}: unknown key")
            elif key in META_KEYS and not isinstance(value, str):
                problems.append(f"$.project.{key}: expected a string")
    data = doc.get("data", {})
    if not isinstance(data, dict):
        problems.append("$.data: expected an object of steps")
        data = {}
    step_ids = {s.id for s in forms.steps}
    for step_id, fields in data.items():
        if step_id not in step_ids:
            problems.append(f"$.data.{step_id}: no such step (known: {', '.join(sorted(step_ids))})")
            continue
        if not isinstance(fields, dict):
            problems.append(f"$.data.{step_id}: expected an object of fields")
            continue
        step = forms.step(step_id)
        for field_id, value in fields.items():
            where = f"$.data.{step_id}.{field_id}"
            try:
                f = step.field(field_id)
            except KeyError:
                problems.append(f"{where}: no such field in step '{step_id}'")
                continue
            problems.extend(_check_value(f, value, where, data_out))
    status = doc.get("section_status", {})
    if not isinstance(status, dict):
        problems.append("$.section_status: expected an object")
    else:
        for code, entry in status.items():
            if not isinstance(entry, dict) or entry.get("status") not in SECTION_STATUSES:
                problems.append(f"$.section_status.{code}: expected {{\"status\": one of {', '.join(SECTION_STATUSES)}}}")
    if "figures" in doc:
        from atmp_desktop.core.figures import check_figures
        problems.extend(check_figures(forms, doc, images=images)[0])
    return problems, data_out


def _check_value(f, value: Any, where: str, out: dict) -> list[str]:
    if f.is_table and isinstance(value, list):
        problems, rows = _check_rows(f, value, where)
        if problems:
            return problems
        norm = rows or None
    else:
        try:
            norm = normalise(f, value)
        except FieldValueError as exc:
            return [f"{where}: {exc}"]
    if norm is not None:
        out.setdefault(f.step_id, {})[f.id] = norm
    return []


def _check_rows(f, rows: list, where: str) -> tuple[list[str], list[dict]]:
    """(a problem per bad row or cell, the rows as normalise() gives them: non-empty, normalised cells in
    column order, empty rows left out). One pass: each cell is normalised once, not checked first and then
    normalised again with the table (half of reading a milestone of a large project)."""
    columns = {c.id: c for c in f.columns}
    orders: dict[tuple, tuple] = {}
    checked: dict[tuple, tuple] = {}  # (column, type, value) -> (normalised, problem): as parse_table
    problems: list[str] = []
    out: list[dict] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(f"{where}[{i}]: expected an object of column values")
            continue
        cells = {}
        for col_id, cell in row.items():
            col = columns.get(col_id)
            if col is None:
                problems.append(f"{where}[{i}].{col_id}: no such column")
                continue
            kind = type(cell)
            if kind in MEMO_TYPES:
                key = (col_id, kind, cell)
                hit = checked.get(key)
                if hit is None:
                    hit = checked[key] = _normalised(col, cell)
            else:
                hit = _normalised(col, cell)
            v, problem = hit
            if problem is not None:
                problems.append(f"{where}[{i}].{col_id}: {problem}")
            elif v is not None:
                cells[col_id] = v
        if cells:
            out.append(in_column_order(f, cells, orders))
    return problems, out


def _normalised(col, value: Any) -> tuple[Any, str | None]:
    try:
        return normalise(col, value), None
    except FieldValueError as exc:
        return None, str(exc)


_ROW_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def check_row_ids(doc: Any, data: dict) -> tuple[list[str], dict[str, list[str]]]:
    """The optional `row_ids` of a document ({table path: [id per row]}), checked against the normalised data.

    Ids keep row identities across dump and import (two copies of a project share them). Each problem names
    its JSON path; nothing is written."""
    raw = doc.get("row_ids", {}) if isinstance(doc, dict) else {}
    if not isinstance(raw, dict):
        return ["$.row_ids: expected an object of table paths"], {}
    problems: list[str] = []
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for path, ids in raw.items():
        where = f"$.row_ids.{path}"
        step_id, _, field_id = str(path).partition(".")
        rows = (data.get(step_id) or {}).get(field_id)
        if not isinstance(ids, list) or not all(isinstance(i, str) and 0 < len(i) <= 64
                                                and set(i) <= _ROW_ID_CHARS for i in ids):
            problems.append(f"{where}: expected a list of row ids (letters, digits, - and _)")
        elif not isinstance(rows, list) or len(rows) != len(ids):
            problems.append(f"{where}: {len(ids)} ids for {len(rows) if isinstance(rows, list) else 0} rows")
        elif len(set(ids)) != len(ids) or seen & set(ids):
            problems.append(f"{where}: a row id appears twice")
        else:
            seen.update(ids)
            out[str(path)] = list(ids)
    return problems, out


def ordered_data(forms: FormSet, data: dict) -> dict:
    """Steps, fields and table columns in form order, so dumps are stable and diffable."""
    out: dict[str, dict] = {}
    for step in forms.steps:
        values = data.get(step.id) or {}
        ordered: dict[str, Any] = {}
        for f in step.fields:
            if f.id not in values:
                continue
            v = values[f.id]
            if f.is_table:
                v = [{c.id: row[c.id] for c in f.columns if c.id in row} for row in v]
            ordered[f.id] = v
        if ordered:
            out[step.id] = ordered
    return out


def dumps(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
