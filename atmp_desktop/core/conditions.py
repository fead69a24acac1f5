"""A small declarative condition language for field visibility and step/section applicability.

Conditions are plain mappings (from YAML) parsed once into objects; nothing is ever eval'ed.

    {field: product.contains_gmo, equals: true}
    {field: product.origin, in: [allogeneic, xenogeneic]}
    {field: product.vector_family, is_set: true}
    {field: applicant.procedures, contains: sme_certification}
    {all: [...]}, {any: [...]}, {not: {...}}
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from atmp_desktop.core.records import record

Getter = Callable[[str], Any]

_FIELD_OPS = ("equals", "not_equals", "in", "not_in", "is_set", "contains")


class ConditionError(ValueError):
    """A condition mapping is malformed."""


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], {})


@record(frozen=True)
class Condition:
    kind: str  # "field", "all", "any", "not"
    field: str = ""
    op: str = ""
    operand: Any = None
    parts: tuple["Condition", ...] = ()

    def evaluate(self, get: Getter) -> bool:
        if self.kind == "all":
            return all(p.evaluate(get) for p in self.parts)
        if self.kind == "any":
            return any(p.evaluate(get) for p in self.parts)
        if self.kind == "not":
            return not self.parts[0].evaluate(get)
        value = get(self.field)
        if self.op == "equals":
            return value == self.operand
        if self.op == "not_equals":
            return value != self.operand
        if self.op == "in":
            return value in self.operand
        if self.op == "not_in":
            return value not in self.operand
        if self.op == "is_set":
            return _is_set(value) == bool(self.operand)
        if self.op == "contains":
            return isinstance(value, (list, tuple)) and self.operand in value
        raise ConditionError(f"unknown operator {self.op!r}")

    def fields(self) -> set[str]:
        """Every field path the condition reads (for load-time checks and dependency tracking)."""
        if self.kind == "field":
            return {self.field}
        out: set[str] = set()
        for p in self.parts:
            out |= p.fields()
        return out

    def describe(self, label_of: Callable[[str], str] = lambda p: p,
                 value_label: Callable[[str, Any], str] | None = None) -> str:
        """Plain-language rendering, shown to writers as the reason a step or field applies.

        `value_label(path, value)` turns stored choice values into the labels writers see."""
        if self.kind in ("all", "any"):
            joiner = " and " if self.kind == "all" else " or "
            return joiner.join(p.describe(label_of, value_label) for p in self.parts)
        if self.kind == "not":
            inner = self.parts[0]
            if inner.kind == "field" and inner.op == "equals" and isinstance(inner.operand, bool):
                return f"{label_of(inner.field)} is {_show(not inner.operand)}"
            return f"not ({inner.describe(label_of, value_label)})"
        name = label_of(self.field)
        if value_label is not None and not isinstance(self.operand, bool):
            operand = self.operand
            shown = (", ".join(value_label(self.field, v) for v in operand) if isinstance(operand, (list, tuple))
                     else value_label(self.field, operand))
        else:
            shown = _show(self.operand)
        return {
            "equals": f"{name} is {shown}",
            "not_equals": f"{name} is not {shown}",
            "in": f"{name} is one of {shown}",
            "not_in": f"{name} is none of {shown}",
            "is_set": f"{name} is {'filled in' if self.operand else 'empty'}",
            "contains": f"{name} includes {shown}",
        }[self.op]


def _show(v: Any) -> str:
    if v is True:
        return "yes"
    if v is False:
        return "no"
    if isinstance(v, (list, tuple)):
        return ", ".join(_show(x) for x in v)
    return str(v)


def parse_condition(raw: Any) -> Condition:
    if not isinstance(raw, Mapping) or not raw:
        raise ConditionError(f"a condition must be a mapping, got {raw!r}")
    keys = set(raw)
    for combo in ("all", "any"):
        if combo in keys:
            if keys != {combo} or not isinstance(raw[combo], list) or not raw[combo]:
                raise ConditionError(f"'{combo}' needs a non-empty list of conditions and nothing beside it")
            return Condition(kind=combo, parts=tuple(parse_condition(p) for p in raw[combo]))
    if "not" in keys:
        if keys != {"not"}:
            raise ConditionError("'not' takes one condition and nothing beside it")
        return Condition(kind="not", parts=(parse_condition(raw["not"]),))
    if "field" not in keys:
        raise ConditionError(f"a condition needs 'field', 'all', 'any' or 'not'; got keys {sorted(keys)}")
    ops = keys - {"field"}
    if len(ops) != 1 or not ops <= set(_FIELD_OPS):
        raise ConditionError(f"a field condition needs exactly one of {', '.join(_FIELD_OPS)}; got {sorted(ops)}")
    op = ops.pop()
    operand = raw[op]
    if op in ("in", "not_in") and not isinstance(operand, list):
        raise ConditionError(f"'{op}' needs a list")
    if not isinstance(raw["field"], str) or "." not in raw["field"]:
        raise ConditionError(f"'field' must be a path like step.field, got {raw['field']!r}")
    return Condition(kind="field", field=raw["field"], op=op, operand=operand)
