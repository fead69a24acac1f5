"""REQ-01: required fields of every applicable step (steps and fields hidden by their conditions are skipped), for
the procedures the project pursues (a field's `required_for`)."""
from __future__ import annotations

from atmp_desktop.core.project import field_visible, step_applies
from atmp_desktop.core.rules.base import Ctx, rule
from atmp_desktop.core.values import is_empty


@rule("REQ-01", "error", "a required field is visible in a step that applies to this product",
      "every required field (and required table column) is filled in",
      "The form definitions (forms/*.yaml), each field citing its own basis", "V")
def req_01(c: Ctx):
    for step in c.forms.steps:
        if not step_applies(c.forms, step.id, c.snap):
            continue
        for f in step.fields:
            if f.visible_when is not None and not field_visible(c.forms, f.path, c.snap):
                continue
            value = c.snap.get(f.path)
            if f.required_in(c.pursuits) and is_empty(value):
                what = "add at least one row to" if f.is_table else "fill in"
                yield (f.path, f"Required: {what} ‘{f.label}’ in step ‘{step.title}’.")
            if f.is_table and isinstance(value, list):
                yield from _required_cells(f, step.title, value, c.pursuits)


def _required_cells(table, step_title: str, rows: list, pursuits: frozenset[str]):
    required = [col for col in table.columns if col.required_in(pursuits)]
    for i, row in enumerate(rows):
        for col in required:
            if isinstance(row, dict) and is_empty(row.get(col.id)):
                yield (f"{table.path}[{i}].{col.id}",
                       f"Required: fill in ‘{col.label}’ in row {i + 1} of ‘{table.label}’ (step ‘{step_title}’).")
