"""Numbered migrations of the project *values* when fields are renamed, moved or split (cf. Vorta's
store/migrations.py for the schema). The forms version a project was written with is recorded in its
metadata (`forms_version`; files and JSON without it are version 1).

Each migration is a pure function `values -> values` over `{step: {field: value}}` (tables: lists of row
dicts); it never sees SQL or files. The store applies them when a project is opened (ProjectFile.open, in one
transaction, after its backup) and the JSON import applies them before checking a document
(core.interchange.check_document). Add a migration by appending to MIGRATIONS; never edit a released one.
"""
from __future__ import annotations

import copy
import re
from typing import Any, Callable

Values = dict[str, dict[str, Any]]

_DEVICE = re.compile(r"\bdevice\b", re.I)
_SCAFFOLD = re.compile(r"matrix|scaffold|carrier|mesh|membrane|support", re.I)


def _m2_composition_types(values: Values) -> Values:
    """dp_composition rows get a `component_type` (active substance, excipient, device part, scaffold), so the
    excipient sections list excipients only. Inferred from the old free-text function."""
    rows = values.get("quality", {}).get("dp_composition")
    if not isinstance(rows, list):
        return values
    for row in rows:
        if not isinstance(row, dict) or row.get("component_type"):
            continue
        text = f"{row.get('function', '')} {row.get('component', '')}"
        function = str(row.get("function", ""))
        if re.search(r"active substance|active ingredient", function, re.I):
            row["component_type"] = "active_substance"
        elif _DEVICE.search(text):
            row["component_type"] = "device_part"
        elif _SCAFFOLD.search(function):
            row["component_type"] = "scaffold"
        else:
            row["component_type"] = "excipient"
    return values


MIGRATIONS: list[tuple[str, Callable[[Values], Values]]] = [
    ("0002_composition_types", _m2_composition_types),
]
FORMS_VERSION = len(MIGRATIONS) + 1  # version 1 = the forms before any migration


def stored_version(meta: dict) -> int:
    try:
        return max(1, int(str((meta or {}).get("forms_version") or 1)))
    except ValueError:
        return 1


def migrate_values(values: Values, from_version: int) -> tuple[Values, list[str]]:
    """The values brought from `from_version` to FORMS_VERSION, and the names of the migrations applied.
    The input is not changed."""
    if from_version >= FORMS_VERSION:
        return values, []
    out = copy.deepcopy({k: dict(v) for k, v in values.items()})
    applied = []
    for number in range(from_version + 1, FORMS_VERSION + 1):
        name, func = MIGRATIONS[number - 2]
        out = func(out)
        applied.append(name)
    return out, applied


def migrate_document(doc: Any) -> Any:
    """A JSON interchange document with its data brought to the current forms version (a copy)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        return doc
    project = doc.get("project") if isinstance(doc.get("project"), dict) else {}
    version = stored_version(project)
    if version >= FORMS_VERSION:
        return doc
    data = {k: v for k, v in doc["data"].items() if isinstance(v, dict)}
    migrated, _ = migrate_values(data, version)
    out = dict(doc)
    out["data"] = {**doc["data"], **migrated}
    out["project"] = {**project, "forms_version": str(FORMS_VERSION)}
    return out
