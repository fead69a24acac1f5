"""core.quantity: the one parser of numbers, quantities and acceptance criteria (format-then-parse round trips)."""
import math

import pytest
from hypothesis import given, settings, strategies as st

from atmp_desktop.core.quantity import (Criterion, Quantity, QuantityError, find_quantities, format_criterion,
                                        format_durations, format_number, format_quantity, hours, normalise_unit,
                                        parse_criterion, parse_durations, parse_number, parse_quantity,
                                        result_type, split_result)


@pytest.mark.parametrize("text, value", [
    ("79,000", 79000), ("79 000", 79000), ("79\u202f000", 79000), ("1,234,567.5", 1234567.5), ("1,5", 1.5),
    ("1 × 10⁶", 1e6), ("1x10^6", 1e6), ("1*10^6", 1e6), ("1·10⁶", 1e6), ("10⁶", 1e6), ("1E6", 1e6),
    ("1e+06", 1e6), ("7.9 × 10⁴", 79000), ("3.16 × 10⁵", 316000), ("−3", -3), ("2.5 × 10⁻³", 0.0025), (".5", 0.5),
])
def test_numbers_as_writers_type_them(text, value):
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["", "abc", "1 2 3", "12 months", "1e999"])
def test_not_a_number_is_one_sentence(text):
    with pytest.raises(QuantityError) as exc:
        parse_number(text)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("text, low, high, unit", [
    ("≥ 70 %", 70, None, "%"), (">= 70%", 70, None, "%"), ("NLT 70%", 70, None, "%"),
    ("not less than 70 %", 70, None, "%"), ("at least 70 %", 70, None, "%"),
    ("≤ 5.0 EU/mL", None, 5.0, "EU/mL"), ("NMT 5.0 EU/ml", None, 5.0, "EU/mL"), ("< 10 CFU/mL", None, 10, "CFU/mL"),
    ("7.9 × 10⁴ to 3.16 × 10⁵", 79000, 316000, ""), ("7.9 × 10⁴ to 3.16 × 10⁵ PFU/mL", 79000, 316000, "PFU/mL"),
    ("70–130 %", 70, 130, "%"), ("70 % to 130 %", 70, 130, "%"), ("between 6.8 and 7.8", 6.8, 7.8, ""),
    ("6.8 - 7.8", 6.8, 7.8, ""), ("7.4 ± 0.4", 7.0, 7.8, ""), ("≥ 70 % and ≤ 95 %", 70, 95, "%"),
    ("≥ 79,000 cells", 79000, None, "cells"), ("≥ 79 000 cells", 79000, None, "cells"),
    ("1 to 5 × 10⁶ cells", 1e6, 5e6, "cells"), ("1 × 10⁶ – 6 × 10⁷ cells/mL", 1e6, 6e7, "cells/mL"),
    ("0.5–5.0 copies/cell", 0.5, 5.0, "copies/cell"), ("≥ 1.0 × 10⁸ CAR+ viable T cells", 1e8, None, "CAR+ viable T cells"),
    ("≥ 500 pg/mL per 10⁵ CAR+ cells", 500, None, "pg/mL per 10⁵ CAR+ cells"),
    ("up to 4 mL of 1 × 10⁶ PFU/mL", None, 4, "mL"), ("≥ 1 × 10⁶ TU/mL (infectious titre)", 1e6, None, "TU/mL"),
])
def test_numeric_criteria(text, low, high, unit):
    c = parse_criterion(text)
    assert c is not None, text
    assert (c.low, c.high, c.unit) == (pytest.approx(low) if low is not None else None,
                                       pytest.approx(high) if high is not None else None, unit)


def test_up_to_keeps_the_concentration_as_detail():
    c = parse_criterion("up to 4 mL of 1 × 10⁶ PFU/mL")
    assert c.detail == Quantity(1e6, "PFU/mL")


@pytest.mark.parametrize("text", ["Conforms", "Complies with reference", "No growth", "Negative", "Sterile",
                                  "Report result", "Consistent with CAR-T phenotype", "7.4", "", "≈ 5 mL"])
def test_text_criteria_are_left_alone(text):
    assert parse_criterion(text) is None


@pytest.mark.parametrize("crit, result, verdict", [
    ("≥ 70 %", "69 %", False), ("≥ 70 %", "70 %", True), ("> 70 %", "70 %", False), ("≥ 70 %", "91", True),
    ("≤ 5.0 EU/mL", "< 0.5 EU/mL", True), ("≤ 5.0 EU/mL", "6 EU/mL", False), ("≤ 5.0 EU/ml", "5.0 EU/mL", True),
    ("7.9 × 10⁴ to 3.16 × 10⁵", "79,000", True), ("7.9 × 10⁴ to 3.16 × 10⁵", "78 999", False),
    ("7.9 × 10⁴ to 3.16 × 10⁵", "3.2 × 10⁵", False), ("≥ 70 %", "< 10 %", False), ("≥ 70 %", "> 50 %", None),
    ("≥ 70 %", "75 cells", None),  # another unit: not judged
])
def test_judging_a_result(crit, result, verdict):
    assert parse_criterion(crit).judge(parse_quantity(result)) is verdict


@pytest.mark.parametrize("text, parts", [
    ("91 %", ("91", "%", "numeric")), ("< 0.5 EU/ml", ("< 0.5", "EU/mL", "numeric")),
    ("2,350 pg/mL", ("2,350", "pg/mL", "numeric")), ("1.2 × 10⁹ cells", ("1.2 × 10⁹", "cells", "numeric")),
    ("Conforms", ("Conforms", "", "conforms")), ("No growth", ("No growth", "", "conforms")),
    ("CD3+ CAR+ cells identified", ("CD3+ CAR+ cells identified", "", "text")), ("5.0", ("5.0", "", "numeric")),
])
def test_a_typed_result_splits_into_number_unit_and_type(text, parts):
    assert split_result(text) == parts
    assert result_type(text) == parts[2]


def test_units_have_one_spelling():
    assert normalise_unit("EU/ml") == "EU/mL"
    assert normalise_unit("ug") == normalise_unit("μg") == normalise_unit("µg") == "µg"
    assert normalise_unit("hours") == "h" and normalise_unit("Months") == "months"
    assert normalise_unit("cm2") == "cm²"


def test_time_points():
    pts = parse_durations("0, 3, 6, 9, 12, 18, 24 months")
    assert [p.value for p in pts] == [0, 3, 6, 9, 12, 18, 24] and {p.unit for p in pts} == {"months"}
    assert format_durations(pts) == "0, 3, 6, 9, 12, 18, 24 months"
    mixed = parse_durations("T0, 2 h, 6 h, 1 day")
    assert [hours(p) for p in mixed] == [0, 2, 6, 24]
    assert parse_durations("0/30/60/90 min")[-1] == Quantity(90, "min")
    with pytest.raises(QuantityError):
        parse_durations("0, 3, 6")
    with pytest.raises(QuantityError):
        parse_durations("0, 3 mL")


def test_quantities_in_free_text():
    found = [q for q, _, _ in find_quantities("viability 91%, CAR+ 48%, IFN-γ 2,350 pg/mL; batch 24-0117")]
    assert Quantity(91, "%") in found and Quantity(2350, "pg/mL") in found
    assert all(q.value != 117 for q in found)


# ----------------------------------------------------------------------------- property tests
finite = st.floats(min_value=-1e30, max_value=1e30, allow_nan=False, allow_infinity=False).filter(
    lambda v: v == 0 or abs(v) > 1e-30)
positive = st.floats(min_value=1e-9, max_value=1e18, allow_nan=False, allow_infinity=False)
units = st.sampled_from(["", "%", "EU/mL", "PFU/mL", "cells/mL", "vg/mL", "CFU/mL", "pg/mL", "copies/cell",
                         "mL", "µg", "CAR+ viable T cells", "TU/mL", "°C"])


@settings(max_examples=300)
@given(finite, st.sampled_from([",", " ", "\u202f", ""]))
def test_number_round_trip(value, grouping):
    assert parse_number(format_number(value, grouping)) == value


@settings(max_examples=200)
@given(positive, units, st.sampled_from(["", "<", "≤", ">", "≥"]))
def test_quantity_round_trip(value, unit, qualifier):
    q = Quantity(value, unit, qualifier)
    assert parse_quantity(format_quantity(q)) == q


@settings(max_examples=300)
@given(positive, positive, units, st.booleans(), st.booleans(), st.sampled_from(["low", "high", "both"]))
def test_criterion_round_trip(a, b, unit, low_inc, high_inc, kind):
    low, high = sorted((a, b))
    if kind == "low":
        c = Criterion(low, None, unit, low_inclusive=low_inc)
    elif kind == "high":
        c = Criterion(None, high, unit, high_inclusive=high_inc)
    else:
        if low == high:
            low_inc = high_inc = True
        c = Criterion(low, high, unit, low_inc, high_inc)
    parsed = parse_criterion(format_criterion(c))
    assert parsed == c, format_criterion(c)


@settings(max_examples=200)
@given(positive, positive, units)
def test_judging_agrees_with_arithmetic(limit, value, unit):
    c = parse_criterion(f"≥ {format_number(limit)} {unit}".strip())
    assert c.judge(Quantity(value, unit)) is (value >= limit)
    assert math.isfinite(value)
