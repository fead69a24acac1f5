"""One quantity parser: every rule that reads a number from text uses core.quantity (issue 15: CON-06 read
'79,000' as 79.0 and took 4 as the concentration in 'up to 4 mL of 1 × 10⁶ PFU/mL')."""
from __future__ import annotations

import ast
from pathlib import Path

from atmp_desktop.core import rules as rules_pkg
from atmp_desktop.core.validation import rule_by_id, run_rule
from tests.test_rules import S


def con_06(forms, strength, test, criterion):
    snap = S(product={"strength": strength},
             quality={"dp_specification": [{"test": test, "category": "quantity", "acceptance_criterion": criterion}]})
    return run_rule(rule_by_id("CON-06"), forms, snap)


def test_thousands_separators_are_read_as_thousands(forms):
    assert con_06(forms, "79,000 viable cells/cm²", "Viable cell density", "≥ 7.0 × 10⁴ viable cells/cm²") == []
    assert con_06(forms, "79 000 viable cells/cm²", "Viable cell density", "≥ 7.0 × 10⁴ viable cells/cm²") == []
    [f] = con_06(forms, "69,000 viable cells/cm²", "Viable cell density", "≥ 7.0 × 10⁴ viable cells/cm²")
    assert "69,000 cells per cm²" in f.message


def test_volume_of_a_concentration_is_not_the_concentration(forms):
    """An oncolytic virus: 'up to 4 mL of 1 × 10⁶ PFU/mL' states 4 mL of a 10⁶ PFU/mL suspension."""
    assert con_06(forms, "up to 4 mL of 1 × 10⁶ PFU/mL", "Infectious titre", "0.8–1.25 × 10⁶ PFU/mL") == []
    [f] = con_06(forms, "up to 4 mL of 1 × 10⁸ PFU/mL", "Infectious titre", "0.8–1.25 × 10⁶ PFU/mL")
    assert "1 × 10⁸ PFU per mL" in f.message


def test_all_the_ways_to_write_a_power_of_ten(forms):
    for written in ("1 × 10⁶", "1x10^6", "1E6", "1.0 × 10^6", "1,000,000"):
        assert con_06(forms, f"{written} PFU/mL", "Infectious titre", "0.8–1.25 × 10⁶ PFU/mL") == [], written


def test_criteria_with_ranges_and_limits(forms):
    assert con_06(forms, "1.2 × 10⁵ PFU/mL", "Infectious titre", "7.9 × 10⁴ to 3.16 × 10⁵ PFU/mL") == []
    assert con_06(forms, "5 × 10⁵ PFU/mL", "Infectious titre", "7.9 × 10⁴ to 3.16 × 10⁵ PFU/mL")
    assert con_06(forms, "2 × 10¹³ vg/mL", "Vector genome titre", "≥ 1 × 10¹² vg/mL") == []


def test_an_unreadable_criterion_is_left_alone_not_guessed(forms):
    assert con_06(forms, "2 × 10⁸ viable cells", "Viable cell count", "Report result") == []


def test_no_rule_module_has_its_own_number_pattern():
    """Regular expressions for numbers live in core/quantity.py only (a row index '[3]' is not a number)."""
    offenders = []
    for path in Path(rules_pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\\d" in node.value \
                    and node.value != r"\[\d+\]\.\w+$":
                offenders.append(f"{path.name}: {node.value!r}")
    assert offenders == []


def test_con_05_reads_time_points_with_the_same_parser(forms):
    from atmp_desktop.core.quantity import parse_durations
    tp = lambda text: [{"value": q.value, "unit": q.unit} for q in parse_durations(text)]  # noqa: E731
    snap = S(quality={"shelf_life": {"value": 14, "unit": "days"},
                      "stability_studies": [{"material": "DP", "time_points": tp("day 0, 7, 14")}]})
    assert run_rule(rule_by_id("CON-05"), forms, snap) == []
    short = S(quality={"shelf_life": {"value": 14, "unit": "days"},
                       "stability_studies": [{"material": "DP", "time_points": tp("day 0, 3, 7")}]})
    [f] = run_rule(rule_by_id("CON-05"), forms, short)
    assert "7 days" in f.message
