"""A JSON Schema (draft 2020-12) of the interchange format, generated from the forms.

The committed copy is docs/project-format.schema.json; `python -m atmp_desktop.core.json_schema` rewrites it.
"""
from __future__ import annotations

import json
import sys

from atmp_desktop.core.figures import KINDS, MAX_ALT_CHARS, MAX_CAPTION_CHARS, MAX_FIGURES, MAX_IMAGE_BYTES, MAX_NAME_CHARS
from atmp_desktop.core.forms import Field, FormSet
from atmp_desktop.core.interchange import SECTION_STATUSES
from atmp_desktop.core.project import FORMAT_NAME, FORMAT_VERSION


def _scalar(f: Field) -> dict:
    desc = {"title": f.label}
    if f.help:
        desc["description"] = f.help
    t = f.type
    if t in ("text", "long_text"):
        return {**desc, "type": "string", "minLength": 1}
    if t == "choice":
        return {**desc, "enum": [c.value for c in f.choices]}
    if t == "multi_choice":
        return {**desc, "type": "array", "items": {"enum": [c.value for c in f.choices]}, "uniqueItems": True,
                "minItems": 1}
    if t == "yes_no":
        return {**desc, "type": "boolean"}
    if t == "date":
        return {**desc, "type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    if t == "integer":
        out = {**desc, "type": "integer"}
        if f.min is not None:
            out["minimum"] = f.min
        if f.max is not None:
            out["maximum"] = f.max
        return out
    if t == "quantity":
        return {**desc, "type": "object", "additionalProperties": False, "required": ["value", "unit"],
                "properties": {"value": {"type": "number"}, "unit": {"enum": list(f.units)}}}
    if t == "ref":
        return {**desc, "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$",
                "description": f"the row id of a row of {', '.join(f.ref)}"}
    if t == "durations":
        return {**desc, "type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["value", "unit"],
            "properties": {"value": {"type": "number", "minimum": 0}, "unit": {"enum": list(f.units)}}}}
    raise ValueError(t)


def _field(f: Field) -> dict:
    if not f.is_table:
        return _scalar(f)
    row = {"type": "object", "additionalProperties": False,
           "properties": {c.id: _scalar(c) for c in f.columns}}
    return {"title": f.label, "type": "array", "items": row, "minItems": 1}


def project_schema(forms: FormSet) -> dict:
    steps = {
        s.id: {"title": s.title, "type": "object", "additionalProperties": False,
               "properties": {f.id: _field(f) for f in s.fields}}
        for s in forms.steps
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ATMP Dossier Desktop project",
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "format_version", "data"],
        "properties": {
            "format": {"const": FORMAT_NAME},
            "format_version": {"type": "integer", "minimum": 1, "maximum": FORMAT_VERSION},
            "project": {"type": "object", "additionalProperties": False, "properties": {
                k: {"type": "string"} for k in ("uuid", "title", "created", "modified", "app_version",
                                                 "schema_version", "forms_version")}},
            "data": {"type": "object", "additionalProperties": False, "properties": steps},
            "section_status": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["status"], "additionalProperties": False,
                "properties": {"status": {"enum": list(SECTION_STATUSES)}, "note": {"type": "string"}}}},
            "row_ids": {"type": "object", "description": "stable row ids per table path, one per row, in order",
                        "additionalProperties": {"type": "array", "items": {
                            "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}},
            "figures": {"type": "array", "maxItems": MAX_FIGURES,
                        "description": "attached figures in order (format_version 2); the image as base64",
                        "items": {
                "type": "object", "additionalProperties": False, "required": ["id", "target", "data"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                    "target": {"type": "string", "description": "a field path, or 'heading:' + a CTD code or "
                                                                "heading id", "maxLength": 200},
                    "caption": {"type": "string", "maxLength": MAX_CAPTION_CHARS},
                    "alt": {"type": "string", "maxLength": MAX_ALT_CHARS},
                    "name": {"type": "string", "description": "the file name it came from",
                             "maxLength": MAX_NAME_CHARS},
                    "type": {"enum": list(KINDS)},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "data": {"type": "string", "contentEncoding": "base64",
                             "maxLength": MAX_IMAGE_BYTES * 4 // 3 + 8}}}},
        },
    }


def schema_text(forms: FormSet) -> str:
    return json.dumps(project_schema(forms), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.core.paths import app_root

    target = app_root() / "docs" / "project-format.schema.json"
    target.write_text(schema_text(default_forms()), encoding="utf-8")
    print(target, file=sys.stderr)
