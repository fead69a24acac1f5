"""Typed field values: checking, normalising and parsing them from text.

Value shapes (the same in the project file, the JSON interchange and the project snapshot):
  text, long_text, choice  -> str          multi_choice -> list[str]
  yes_no                   -> bool         date         -> "YYYY-MM-DD"
  integer                  -> int          quantity     -> {"value": float|int, "unit": str}
  table                    -> list of rows, each {column_id: scalar value}
Empty values (None, "", [], {}) mean "not filled in" and are stored as absent.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any

from atmp_desktop.core.forms import Field

# XML 1.0 cannot hold these (nor can UTF-8 hold lone surrogates); strip them at the door so every
# export stays valid and SQLite never sees an unencodable string.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


class FieldValueError(ValueError):
    """A value does not fit its field. The message says what is expected."""


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def strip_control(text: str) -> str:
    return _CONTROL.sub("", text)


def normalise(field: Field, value: Any) -> Any:
    """Return the canonical value for `field`, or None when empty. Raises FieldValueError naming the problem."""
    if is_empty(value):
        return None
    t = field.type
    name = field.label
    if t in ("text", "long_text"):
        if not isinstance(value, str):
            raise FieldValueError(f"{name}: expected text, got {type(value).__name__}")
        value = strip_control(value)
        if t == "text":
            value = value.replace("\r", " ").replace("\n", " ")
        return value if value.strip() else None
    if t == "choice":
        allowed = [c.value for c in field.choices]
        if value not in allowed:
            raise FieldValueError(f"{name}: '{value}' is not one of {', '.join(allowed)}")
        return value
    if t == "multi_choice":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise FieldValueError(f"{name}: expected a list of choices")
        allowed = [c.value for c in field.choices]
        bad = [v for v in value if v not in allowed]
        if bad:
            raise FieldValueError(f"{name}: '{bad[0]}' is not one of {', '.join(allowed)}")
        # keep the form's order so the stored value does not depend on click order
        return [c for c in allowed if c in value] or None
    if t == "yes_no":
        if not isinstance(value, bool):
            raise FieldValueError(f"{name}: expected yes or no")
        return value
    if t == "date":
        if isinstance(value, (_dt.date,)):
            return value.isoformat()
        if not isinstance(value, str):
            raise FieldValueError(f"{name}: expected a date as YYYY-MM-DD")
        try:
            return _dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise FieldValueError(f"{name}: '{value}' is not a date; write it as YYYY-MM-DD") from None
    if t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise FieldValueError(f"{name}: expected a whole number")
        if field.min is not None and value < field.min:
            raise FieldValueError(f"{name}: {value} is below the minimum {field.min}")
        if field.max is not None and value > field.max:
            raise FieldValueError(f"{name}: {value} is above the maximum {field.max}")
        return value
    if t == "quantity":
        if not isinstance(value, dict) or set(value) != {"value", "unit"}:
            raise FieldValueError(f"{name}: expected a number with a unit ({', '.join(field.units)})")
        num, unit = value["value"], value["unit"]
        if isinstance(num, bool) or not isinstance(num, (int, float)):
            raise FieldValueError(f"{name}: the amount must be a number")
        if unit not in field.units:
            raise FieldValueError(f"{name}: unit '{unit}' is not one of {', '.join(field.units)}")
        if isinstance(num, float) and num.is_integer():
            num = int(num)
        return {"value": num, "unit": unit}
    if t == "table":
        if not isinstance(value, list):
            raise FieldValueError(f"{name}: expected a list of rows")
        rows = [normalise_row(field, r) for r in value]
        return [r for r in rows if r] or None
    raise FieldValueError(f"{name}: unknown field type {t}")


def normalise_row(table: Field, row: Any) -> dict:
    if not isinstance(row, dict):
        raise FieldValueError(f"{table.label}: each row must be an object of column values")
    known = {c.id for c in table.columns}
    unknown = set(row) - known
    if unknown:
        raise FieldValueError(f"{table.label}: unknown column(s) {', '.join(sorted(unknown))}")
    out = {}
    for col in table.columns:
        v = normalise(col, row.get(col.id))
        if v is not None:
            out[col.id] = v
    return out


_TRUE = {"yes", "y", "true", "1", "ja", "oui"}
_FALSE = {"no", "n", "false", "0", "nein", "non"}
_QTY = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(.+?)\s*$")


def parse_text(field: Field, text: str) -> Any:
    """Parse a value typed as text (CLI `set`, spreadsheet paste) into the field's shape, then normalise."""
    text = text.strip()
    if text == "":
        return None
    t = field.type
    if t in ("text", "long_text", "date"):
        return normalise(field, text)
    if t == "choice":
        for c in field.choices:
            if text == c.value or text.lower() == c.label.lower() or text.lower() == c.value.lower():
                return c.value
        return normalise(field, text)
    if t == "multi_choice":
        if text.startswith("["):
            return normalise(field, _json(field, text))
        parts = [p.strip() for p in re.split(r"[;,]", text) if p.strip()]
        return normalise(field, [parse_text_choice(field, p) for p in parts])
    if t == "yes_no":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise FieldValueError(f"{field.label}: write yes or no, not '{text}'")
    if t == "integer":
        try:
            return normalise(field, int(text.replace(" ", "")))
        except ValueError:
            raise FieldValueError(f"{field.label}: '{text}' is not a whole number") from None
    if t == "quantity":
        if text.startswith("{"):
            return normalise(field, _json(field, text))
        m = _QTY.match(text)
        if not m:
            raise FieldValueError(f"{field.label}: write an amount and a unit, e.g. '12 {field.units[0]}'")
        num = float(m.group(1).replace(",", "."))
        return normalise(field, {"value": num, "unit": m.group(2)})
    if t == "table":
        return normalise(field, _json(field, text))
    raise FieldValueError(f"{field.label}: unknown field type {t}")


def parse_text_choice(field: Field, text: str) -> str:
    for c in field.choices:
        if text == c.value or text.lower() in (c.label.lower(), c.value.lower()):
            return c.value
    return text


def _json(field: Field, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FieldValueError(f"{field.label}: not valid JSON ({exc.msg})") from None


def format_value(field: Field, value: Any) -> str:
    """Plain-text rendering for documents, tables and the CLI."""
    if is_empty(value):
        return ""
    t = field.type
    if t == "choice":
        return field.choice_label(value)
    if t == "multi_choice":
        return "; ".join(field.choice_label(v) for v in value)
    if t == "yes_no":
        return "Yes" if value else "No"
    if t == "date":
        try:
            return _dt.date.fromisoformat(value).strftime("%d %B %Y").lstrip("0")
        except ValueError:
            return str(value)
    if t == "quantity":
        num = value["value"]
        shown = f"{num:g}" if isinstance(num, float) else str(num)
        return f"{shown} {value['unit']}"
    if t == "table":
        return f"{len(value)} row(s)"
    return str(value)
