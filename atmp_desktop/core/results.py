"""Batch and stability results as data: the links between result rows, batches, studies and specification
rows (by row id), and what a result says against its acceptance criterion. Shared by the rules, the export
grids and the window's grid editors; no Qt, no SQL.
"""
from __future__ import annotations

from dataclasses import dataclass

from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.quantity import (Criterion, Quantity, QuantityError, normalise_unit, parse_criterion,
                                        parse_quantity, result_type)

BATCHES, BATCH_RESULTS = "quality.batch_analyses", "quality.batch_results"
STUDIES, STABILITY_RESULTS = "quality.stability_studies", "quality.stability_results"
SPECS = {"DS": "quality.ds_specification", "DP": "quality.dp_specification"}


@dataclass(frozen=True)
class SpecTest:
    id: str
    table: str          # the specification table path
    row: dict

    @property
    def name(self) -> str:
        return str(self.row.get("test") or "(unnamed test)")

    @property
    def criterion_text(self) -> str:
        return str(self.row.get("acceptance_criterion") or "")

    @property
    def criterion(self) -> Criterion | None:
        return parse_criterion(self.criterion_text)


def spec_test(snap: ProjectSnapshot, test_id: str | None) -> SpecTest | None:
    """The specification row a result refers to (either specification), or None if it was deleted."""
    if not test_id:
        return None
    for table in SPECS.values():
        row = snap.row(table, test_id)
        if row is not None:
            return SpecTest(test_id, table, row)
    return None


def spec_tests(snap: ProjectSnapshot, material: str | None) -> list[SpecTest]:
    """The tests of the DS or DP specification (DP when the material is not given), in table order."""
    table = SPECS.get(material or "DP", SPECS["DP"])
    return [SpecTest(i, table, r) for i, r in zip(snap.row_ids(table), snap.rows(table))]


def result_quantity(row: dict) -> Quantity | None:
    """A numeric result row as a quantity ("< 0.5" + "EU/mL"), or None for text and conforms results."""
    text = str(row.get("result") or "").strip()
    kind = row.get("result_type") or result_type(text)
    if kind != "numeric" or not text:
        return None
    try:
        q = parse_quantity(text)
    except QuantityError:
        return None
    unit = normalise_unit(str(row.get("unit") or "")) or q.unit
    return Quantity(q.value, unit, q.qualifier)


def verdict(row: dict, test: SpecTest | None) -> bool | None:
    """True / False when a numeric result meets / fails a numeric criterion; None when it cannot be told
    (text criterion or result, another unit, a limit result that may or may not meet it)."""
    if test is None:
        return None
    crit = test.criterion
    q = result_quantity(row)
    if crit is None or q is None:
        return None
    if not q.unit:
        q = Quantity(q.value, crit.unit, q.qualifier)  # a bare number is in the criterion's unit
    return crit.judge(q)


def shown_result(row: dict, criterion_unit: str = "") -> str:
    """The result as printed in a grid cell: "91 %", "< 0.5 EU/mL", "Conforms". A long unit that the
    acceptance criterion beside it already names ("CAR+ viable T cells per dose") is not repeated."""
    text = str(row.get("result") or "").strip()
    unit = str(row.get("unit") or "").strip()
    if not unit or text.endswith(unit) or (len(unit) > 5 and normalise_unit(unit) == criterion_unit):
        return text
    return f"{text} {unit}"
