"""core.quantity, the parts the rules add: what a unit counts (unit_kind), the amounts of a dose or strength
text (amounts) and time points with a leading unit ("day 0, 7, 14")."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atmp_desktop.core.quantity import amounts, format_number, hours, parse_durations, unit_kind


@pytest.mark.parametrize("unit, expected", [
    ("CAR+ viable T cells per dose", ("cells", "total")),
    ("viable cells/cm2", ("cells", "per cm²")),
    ("vg/kg", ("vector genomes", "per kg")),
    ("vector genomes/mL", ("vector genomes", "per mL")),
    ("PFU/ml", ("PFU", "per mL")),
    ("TU/mL", ("transducing units", "per mL")),
    ("CCID50/mL", ("infectious units", "per mL")),
    ("spheroids per cm²", ("cells", "per cm²")),
    ("mL", ("mL", "total")),
    ("cells per implant", ("cells", "total")),
    ("%", None), ("EU/mL", None), ("", None),
])
def test_unit_kind(unit, expected):
    assert unit_kind(unit) == expected


UNITS = ["cells", "viable cells/mL", "vg/kg", "PFU/mL", "CAR+ T cells per dose", "mL"]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.floats(min_value=1e-2, max_value=1e16, allow_nan=False, allow_infinity=False), st.sampled_from(UNITS))
def test_a_formatted_amount_reads_back(value, unit):
    [(low, high, read_unit)] = amounts(f"{format_number(value)} {unit}")
    assert low == high == pytest.approx(value, rel=1e-12)
    assert unit_kind(read_unit) == unit_kind(unit)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.floats(min_value=1, max_value=1e12), st.floats(min_value=1.01, max_value=100), st.sampled_from(UNITS))
def test_a_formatted_range_reads_back(low, factor, unit):
    high = low * factor
    [(lo, hi, read_unit)] = amounts(f"{format_number(low)} to {format_number(high)} {unit}")
    assert lo == pytest.approx(low, rel=1e-12) and hi == pytest.approx(high, rel=1e-12)


def test_a_dose_with_a_volume_and_a_concentration():
    assert amounts("up to 4 mL of 1 × 10⁶ PFU/mL") == [(4.0, 4.0, "mL"), (1e6, 1e6, "PFU/mL")]


def test_clauses_in_brackets_are_read_separately():
    assert [u for _, _, u in amounts("2.0 × 10¹³ vector genomes/mL (1.0 × 10¹⁴ vg per vial)")] == [
        "vector genomes/mL", "vg per vial"]


@pytest.mark.parametrize("text, last", [("day 0, 7, 14", 14 * 24), ("Day 0, day 7, day 14", 14 * 24),
                                         ("0, 3, 6 months", 6 * 730.5), ("week 0, 2, 4", 4 * 168)])
def test_a_unit_before_the_time_points(text, last):
    assert max(hours(q) for q in parse_durations(text)) == pytest.approx(last)
