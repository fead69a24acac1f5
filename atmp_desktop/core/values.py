"""Typed field values: checking, normalising and parsing them from text.

Value shapes (the same in the project file, the JSON interchange and the project snapshot):
  text, long_text, choice  -> str          multi_choice -> list[str]
  yes_no                   -> bool         date         -> "YYYY-MM-DD"
  integer                  -> int          quantity     -> {"value": float|int, "unit": str}
  ref                      -> str (a row id of a table named by the field's `ref`)
  durations                -> list of {"value": float|int, "unit": str} (time points, in order written)
  table                    -> list of rows, each {column_id: scalar value}
Empty values (None, "", [], {}) mean "not filled in" and are stored as absent.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from typing import Any

from atmp_desktop.core.forms import Field
from atmp_desktop.core.patterns import lazy_compile

# XML 1.0 cannot hold these (nor can UTF-8 hold lone surrogates); strip them at the door so every
# export stays valid and SQLite never sees an unencodable string.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff"  # (a character class's ranges)
# Bidirectional embedding, override and isolate controls make text display in another order than it is
# stored ("gnp.exe" shown as "exe.png"): text that lies. Removed at the door and reported (`door_notes`).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI = lazy_compile("[\u202a-\u202e\u2066-\u2069]")
# both in one pass over the text (every stored text is checked when a project opens: at large 4x the narratives
# are ~2 MB, and two passes cost 2-3x one); the control characters alone are never searched for (compiling
# that class, with its 2,048 surrogates, was ~4 M instructions of the launch)
_STRIP = re.compile(f"[{_CONTROL}{_BIDI.pattern[1:-1]}]")
MAX_TEXT_CHARS = 1_000_000   # a long narrative is a few hundred thousand characters
MAX_JSON_DEPTH = 32          # a project document nests 6 deep; deeper input is refused, not recursed into


class FieldValueError(ValueError):
    """A value does not fit its field. The message says what is expected."""


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def json_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars). copy.deepcopy's memo of every object copied
    made the project dump grow faster than the project (to_document at 4x: 0.43 s, 6.3x the 1x time)."""
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    if isinstance(value, Mapping):  # the snapshot's read-only mappings too
        return {k: json_copy(v) for k, v in value.items()}
    return value


# the characters of _STRIP that a text of code points up to U+00FF can hold, as bytes
_STRIP_LATIN1 = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])


def strip_control(text: str) -> str:
    """`text` without the characters XML cannot hold and without bidirectional controls (_STRIP)."""
    try:  # most texts are Latin-1 (ASCII, °, µ): a byte scan instead of the regular expression's, 8x faster
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return _STRIP.sub("", text)
    if len(raw.translate(None, _STRIP_LATIN1)) == len(raw):
        return text
    return _STRIP.sub("", text)


def door_notes(field: Field, value: Any) -> list[str]:
    """What the door changed in `value` besides its shape, for the user to be told (bidi controls removed)."""
    found = sorted({f"U+{ord(ch):04X}" for ch in _texts(value) for ch in _BIDI.findall(ch)})
    if not found:
        return []
    return [f"{field.label}: invisible text-direction control characters ({', '.join(found)}) were removed, "
            "because they make text display in a different order than it is written"]


def _texts(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)


def loads_json(text: str) -> Any:
    """json.loads for input from outside: a leading byte-order mark is ignored; NaN, Infinity and numbers too
    large for a float, and nesting deeper than MAX_JSON_DEPTH, raise ValueError with one sentence."""
    if text.startswith("\ufeff"):
        text = text[1:]
    depth = 0
    in_string = escaped = False
    # a JSON string (a stored text) nests nothing; a long narrative is not scanned for brackets
    opening = 0 if text[:1] == '"' else text.count("[") + text.count("{")
    for ch in text if opening > MAX_JSON_DEPTH else "":  # scanned only when it could be deep
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"it nests deeper than {MAX_JSON_DEPTH} levels, which no project value does")
        elif ch in "]}":
            depth -= 1
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"it is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ValueError(f"it nests deeper than {MAX_JSON_DEPTH} levels") from None


def _refuse_constant(name: str):
    raise ValueError(f"it holds {name}, which is not a number a project can store")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


# one decoder for every call (json.loads with hooks builds a new decoder each time: a third of the cost of
# reading 60,000 table rows when a project opens)
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _range(field: Field) -> str:
    if field.min is not None and field.max is not None:
        return f"must be between {field.min} and {field.max}"
    if field.min is not None:
        return f"must be at least {field.min}"
    return f"must be at most {field.max}"


def normalise(field: Field, value: Any) -> Any:
    """Return the canonical value for `field`, or None when empty. Raises FieldValueError naming the problem.

    None clears any field; a table takes only a list of rows (or None / [] to clear), so a stray scalar or
    object never silently deletes every row."""
    t = field.type
    name = field.label
    if t == "table" and value is not None and not isinstance(value, list):
        raise FieldValueError(f"{name}: expected a list of rows (JSON [...]); to remove every row, clear the table")
    if is_empty(value):
        return None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise FieldValueError(f"{name}: {value} is not a number a project can store")
    if t in ("text", "long_text"):
        if not isinstance(value, str):
            raise FieldValueError(f"{name}: expected text, got {type(value).__name__}")
        if len(value) > MAX_TEXT_CHARS:
            raise FieldValueError(f"{name}: the text is {len(value):,} characters long; at most "
                                  f"{MAX_TEXT_CHARS:,} fit in one field")
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
        if (field.min is not None and value < field.min) or (field.max is not None and value > field.max):
            raise FieldValueError(f"{name}: {value} is out of range; it {_range(field)}")
        return value
    if t == "quantity":
        if not isinstance(value, dict) or set(value) != {"value", "unit"}:
            raise FieldValueError(f"{name}: expected a number with a unit ({', '.join(field.units)})")
        num, unit = value["value"], value["unit"]
        if isinstance(num, bool) or not isinstance(num, (int, float)) or num != num or num in (
                float("inf"), float("-inf")):
            raise FieldValueError(f"{name}: the amount must be a number")
        # amounts (durations, shelf lives, volumes) cannot be negative unless the form says so with `min`
        low = field.min if field.min is not None else 0
        if num < low or (field.max is not None and num > field.max):
            if field.min is None and field.max is None:
                raise FieldValueError(f"{name}: {num:g} is negative; the amount must be 0 or more")
            raise FieldValueError(f"{name}: {num:g} is out of range; the amount {_range(field)}")
        if unit not in field.units:
            raise FieldValueError(f"{name}: unit '{unit}' is not one of {', '.join(field.units)}")
        if isinstance(num, float) and num.is_integer():
            num = int(num)
        return {"value": num, "unit": unit}
    if t == "ref":
        if not isinstance(value, str) or not 0 < len(value) <= 64 or not set(value) <= _ROW_ID_CHARS:
            raise FieldValueError(f"{name}: expected the id of a row (letters, digits, - and _)")
        return value
    if t == "durations":
        if not isinstance(value, list):
            raise FieldValueError(f"{name}: expected a list of time points such as 0, 3, 6 months")
        out = []
        for point in value:
            if not isinstance(point, dict) or set(point) != {"value", "unit"}:
                raise FieldValueError(f"{name}: each time point needs a value and a unit ({', '.join(field.units)})")
            num, unit = point["value"], point["unit"]
            if isinstance(num, bool) or not isinstance(num, (int, float)) or not num == num or num < 0 \
                    or num in (float("inf"),):
                raise FieldValueError(f"{name}: a time point must be a number of 0 or more")
            if unit not in field.units:
                raise FieldValueError(f"{name}: unit '{unit}' is not one of {', '.join(field.units)}")
            out.append({"value": int(num) if isinstance(num, float) and num.is_integer() else num, "unit": unit})
        return out or None
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


# cell values whose check a reader of a whole table remembers: immutable, and they repeat (units, results,
# batch names: 11,600 distinct values in 331,000 cells of the large 4x project)
MEMO_TYPES = frozenset({str, int, float, bool})


def in_column_order(table: Field, cells: dict, orders: dict) -> dict:
    """`cells` (a row's known columns) with its keys in the table's column order, as normalise_row gives them.
    `orders` remembers the column order of each key order met (a table's rows share one or two)."""
    keys = tuple(cells)
    order = orders.get(keys)
    if order is None:
        order = orders[keys] = tuple(c.id for c in table.columns if c.id in cells)
    return cells if order == keys else {k: cells[k] for k in order}


_ROW_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_TRUE = {"yes", "y", "true", "1", "ja", "oui"}
_FALSE = {"no", "n", "false", "0", "nein", "non"}
_QTY = lazy_compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(.+?)\s*$")


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
            number = int(text.replace(" ", "").replace("\u2212", "-"))
        except ValueError:
            hint = f"; it {_range(field)}" if field.min is not None or field.max is not None else ""
            raise FieldValueError(f"{field.label}: '{text}' is not a whole number{hint}") from None
        return normalise(field, number)
    if t == "quantity":
        if text.startswith("{"):
            return normalise(field, _json(field, text))
        m = _QTY.match(text)
        if not m:
            raise FieldValueError(f"{field.label}: write an amount and a unit, e.g. '12 {field.units[0]}'")
        num = float(m.group(1).replace(",", "."))
        return normalise(field, {"value": num, "unit": m.group(2)})
    if t == "ref":
        return normalise(field, text)
    if t == "durations":
        if text.startswith("["):
            return normalise(field, _json(field, text))
        from atmp_desktop.core.quantity import QuantityError, parse_durations
        try:
            points = parse_durations(text, field.units[0] if len(field.units) == 1 else None)
        except QuantityError as exc:
            raise FieldValueError(f"{field.label}: {exc}") from None
        return normalise(field, [{"value": p.value, "unit": p.unit} for p in points])
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
        value = loads_json(text)
    except ValueError as exc:
        raise FieldValueError(f"{field.label}: the value cannot be used: {exc}") from None
    if value is None:
        raise FieldValueError(f"{field.label}: the value is JSON null; to clear the field, clear it explicitly")
    return value


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
    if t == "durations":
        from atmp_desktop.core.quantity import Quantity, format_durations
        return format_durations([Quantity(p["value"], p["unit"]) for p in value])
    if t == "table":
        return f"{len(value)} row(s)"
    return str(value)
