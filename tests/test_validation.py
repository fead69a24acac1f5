"""Validation end to end: incomplete projects give the matching rule ids, the CLI exit codes and JSON, and the
CAT readiness report built from the same findings."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from atmp_desktop import cli
from atmp_desktop.core.interchange import check_document
from atmp_desktop.core.project import ProjectSnapshot, to_document
from atmp_desktop.core.validation import Finding, counts, has_errors, rule_by_id, run_rule, validate

DATA = Path(__file__).parent / "data"


def snapshot_from_json(forms, path: Path) -> ProjectSnapshot:
    doc = json.loads(path.read_text(encoding="utf-8"))
    problems, data = check_document(forms, doc)
    assert problems == []
    return ProjectSnapshot(meta=doc.get("project", {}), values=data, section_status=doc.get("section_status", {}))


def _dummy(f):
    return {"text": f"{f.label} described.", "long_text": f"{f.label} described.", "date": "2026-01-01",
            "yes_no": False, "choice": f.choices[0].value if f.choices else None,
            "multi_choice": [f.choices[0].value] if f.choices else None,
            "integer": max(f.min or 0, 30), "quantity": {"value": 1, "unit": f.units[0]} if f.units else None,
            "table": [{c.id: _dummy(c) for c in f.columns}] if f.columns else None}[f.type]


def complete_snapshot(forms, overlay: dict) -> ProjectSnapshot:
    """Every required field filled with a plain value, then `overlay` (what the rules look at) on top."""
    values = {s.id: {} for s in forms.steps}
    for _ in range(3):  # filling a field can make more fields visible
        for step, fields in overlay.items():
            values[step].update(fields)
        snap = ProjectSnapshot(meta={"title": "Complete"}, values=values)
        for f in run_rule(rule_by_id("REQ-01"), forms, snap):
            if "[" not in f.location:
                step, fid = f.location.split(".")
                values[step][fid] = _dummy(forms.field(f.location))
    return ProjectSnapshot(meta={"title": "Complete"}, values=values)


SITE = {"name": "Fictional Site", "authorisation_number": "MIA-1", "qualified_person": "Dr Q",
        "gmp_certificate_date": "2025-01-01"}
CLEAN = {
    "applicant": {"procedure": "atmp_classification"},
    "product": {"atmp_type": "sCTMP", "contains_gmo": False, "origin": "allogeneic", "substantially_manipulated": True},
    "materials": {"donor_eligibility": "x", "consent_procedure": "x", "tissue_establishment_authorisation": "TE-1",
                  "anti_hbc_handling": "x",
                  "donor_tests": [{"test": t} for t in ("anti-HIV-1,2", "HBsAg", "anti-HBc", "anti-HCV", "syphilis")]},
    "manufacturing": {"sites": [SITE], "process_steps": [{"number": 1, "name": "Fill", "stage": "DP",
                                                          "site": "Fictional Site"}]},
    "quality": {"dp_specification": [{"test": t, "category": c} for t, c in (
        ("Potency", "potency"), ("Identity", "identity"), ("Viability", "general"), ("Viable cell count", "quantity"),
        ("Purity", "purity"), ("Sterility", "safety"), ("Mycoplasma", "safety"), ("Endotoxin", "safety"))],
        "potency_assay_description": "quantitative", "shelf_life": {"value": 24, "unit": "months"},
        "stability_studies": [{"material": "DP", "time_points": "0, 12, 24 months"}], "cryopreserved": False},
    "traceability": {"traceability_system": "x", "retention_years": 30},
}


# ----------------------------------------------------------------------------- incomplete projects
@pytest.mark.parametrize("name, expected", [
    ("incomplete-gmo-no-era", {"GMO-01", "GMO-09", "GMO-04"}),
    ("incomplete-allogeneic-no-donor-tests", {"DON-01"}),
    ("incomplete-combined-no-nb", {"DEV-01", "DEV-02", "DEV-05", "DON-03"}),
])
def test_incomplete_projects_give_the_matching_rules(forms, name, expected):
    findings = validate(forms, snapshot_from_json(forms, DATA / f"{name}.json"))
    assert expected <= {f.rule for f in findings}
    assert has_errors(findings)


def test_gmo_without_era_points_at_module_1_6_2(forms):
    findings = validate(forms, snapshot_from_json(forms, DATA / "incomplete-gmo-no-era.json"))
    assert any(f.rule == "GMO-01" and f.location == "1.6.2" and f.step == "gmo" for f in findings)
    assert {f.location for f in findings if f.rule == "GMO-09"} >= {"gmo.era_step1_hazards", "gmo.era_step6_overall",
                                                                    "gmo.shedding"}


def test_allogeneic_without_tests_lists_each_mandatory_test(forms):
    findings = validate(forms, snapshot_from_json(forms, DATA / "incomplete-allogeneic-no-donor-tests.json"))
    [msg] = [f.message for f in findings if f.rule == "DON-01" and f.location == "materials.donor_tests"]
    for test in ("anti-HIV-1,2", "HBsAg", "anti-HBc", "anti-HCV-Ab", "syphilis"):
        assert test in msg


def test_a_complete_project_has_no_errors(forms):
    findings = validate(forms, complete_snapshot(forms, CLEAN))
    assert [f for f in findings if f.severity == "error"] == []


def test_non_gmo_project_has_no_gmo_step_findings(forms):
    findings = validate(forms, complete_snapshot(forms, CLEAN))
    assert not [f for f in findings if f.step == "gmo"]


def test_findings_are_frozen_and_serialisable(forms):
    [f] = run_rule(rule_by_id("TRC-02"), forms, ProjectSnapshot(meta={}, values={}))
    assert isinstance(f, Finding)
    assert set(f.to_dict()) == {"rule", "severity", "message", "basis", "location", "step", "certainty", "kind",
                                "link"}
    assert f.kind == "problem" and f.link == "traceability.retention_years"
    with pytest.raises(AttributeError):
        f.rule = "X"  # type: ignore[misc]


def test_an_empty_required_field_stays_an_error_marked_as_still_to_fill(forms):
    findings = validate(forms, ProjectSnapshot(meta={}, values={}))
    missing = [f for f in findings if f.rule == "REQ-01"]
    assert missing and all(f.severity == "error" and f.kind == "missing" for f in missing)
    # a specific error that replaces REQ-01 on an empty required field is still a field to fill ...
    assert [f.kind for f in findings if f.location == "traceability.traceability_system"] == ["missing"]
    # ... everything else is a problem
    required = {f.path for f in forms.all_fields() if f.required}
    assert all(f.kind == "problem" for f in findings if f.rule != "REQ-01" and f.location not in required)


def test_a_finding_on_a_ctd_section_links_to_a_field(forms):
    f = [f for f in validate(forms, ProjectSnapshot({}, {"product": {"contains_gmo": True}})) if f.location == "1.6.2"]
    assert f and all(x.link == "gmo.era_step1_hazards" and x.step == "gmo" for x in f)
    fields = [f for f in validate(forms, ProjectSnapshot({}, {})) if f.location and "." in f.location]
    assert all(forms.has_field(x.link.split("[")[0]) for x in fields if x.link)


# ----------------------------------------------------------------------------- CLI
def _project(tmp_path, forms, snap_or_json) -> str:
    from atmp_desktop.store import ProjectFile
    doc = json.loads(snap_or_json.read_text()) if isinstance(snap_or_json, Path) else to_document(snap_or_json)
    path = tmp_path / "p.atmp"
    ProjectFile.create(path, forms, document=doc).close()
    return str(path)


def test_cli_validate_json_and_exit_1_on_errors(tmp_path, forms, capsys):
    path = _project(tmp_path, forms, DATA / "incomplete-combined-no-nb.json")
    assert cli.main(["validate", path, "--format", "json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"rule", "severity", "message", "basis", "location"} <= set(rows[0])
    assert "DEV-01" in {r["rule"] for r in rows}


def test_cli_validate_text_groups_by_step(tmp_path, forms, capsys):
    path = _project(tmp_path, forms, DATA / "incomplete-combined-no-nb.json")
    assert cli.main(["validate", path]) == 1
    out = capsys.readouterr().out
    assert "== Traceability, follow-up and devices" in out or "== " + forms.step("traceability").title in out
    assert "ERROR   DEV-01" in out and "Basis: " in out and "[K]" in out


def test_cli_validate_exit_0_without_errors(tmp_path, forms, capsys):
    path = _project(tmp_path, forms, complete_snapshot(forms, CLEAN))
    assert cli.main(["validate", path]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_cli_validate_exit_2_on_unreadable_file(tmp_path, capsys):
    bad = tmp_path / "bad.atmp"
    bad.write_text("not a project")
    assert cli.main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("atmp-desktop: ") and "Traceback" not in err
    assert cli.main(["validate", str(tmp_path / "missing.atmp")]) == 2


def test_cli_rules_lists_every_rule(capsys):
    from atmp_desktop.core.validation import all_rules
    assert cli.main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["rule"] for r in rows] == [r.id for r in all_rules()]
    assert all(r["applies_when"] and r["basis"] and r["certainty"] in "VKU" for r in rows)
    assert cli.main(["rules"]) == 0
    assert "GMO-01  ERROR   [V] applies when" in capsys.readouterr().out


# ----------------------------------------------------------------------------- readiness report
def test_readiness_report_summarises_the_findings(forms):
    from atmp_desktop.export.builders.cat_readiness import build
    from atmp_desktop.export.model import Heading, Table
    snap = snapshot_from_json(forms, DATA / "incomplete-combined-no-nb.json")
    n = counts(validate(forms, snap))
    doc = build(snap)
    titles = [b.title for b in doc.blocks if isinstance(b, Heading)]
    assert titles[:3] == ["CAT readiness report", "Summary", "Completeness matrix"] or "Summary" in titles
    tables = {b.caption: b for b in doc.blocks if isinstance(b, Table) and b.caption}
    assert dict(tables["Findings by severity"].rows) == {"Error": str(n["error"]), "Warning": str(n["warning"]),
                                                         "Info": str(n["info"])}
    matrix = {r[0]: r for r in tables["Completeness by CTD section"].rows}
    assert matrix["1.6.1"][2] == "Yes" and matrix["1.6.2"][2] == "No"
    docs = {r[0]: r for r in tables["Documents for this product"].rows}
    assert docs["Module 3.2.P Drug Product"][1] == "Yes"
    assert docs["Summary Notification Information Format (SNIF), Part 1"][1] == "No"
    finding_rows = [r for b in doc.blocks if isinstance(b, Table) and b.header[:2] == ("Severity", "Rule")
                    for r in b.rows]
    assert any(r[1] == "DEV-01" and r[3].endswith("[K]") for r in finding_rows)


def test_readiness_report_matrix_reflects_the_writers_status(forms):
    from atmp_desktop.export.builders.cat_readiness import build
    from atmp_desktop.export.model import Table
    snap = complete_snapshot(forms, CLEAN)
    snap = ProjectSnapshot(meta=snap.meta, values=snap.values, section_status={"3.2.P.5.1": {"status": "ready"}})
    doc = build(snap)
    [matrix] = [b for b in doc.blocks if isinstance(b, Table) and b.caption == "Completeness by CTD section"]
    row = {r[0]: r for r in matrix.rows}["3.2.P.5.1"]
    assert row[6] == "Ready"
    filled, total = row[4].split("/")
    assert int(filled) >= 1 and int(total) >= int(filled)


def test_docs_generated_tables_are_current(forms):
    """docs/validation.md carries the generated tables; when they drift this test rewrites them (commit the
    result) and fails once, so the committed page always matches the code."""
    import re
    from atmp_desktop.cli_validate import docs_blocks
    path = Path(__file__).parents[1] / "docs" / "validation.md"
    text = path.read_text(encoding="utf-8")
    fresh = text
    for name, block in docs_blocks(forms).items():
        pattern = re.compile(rf"(<!-- generated:{name}:begin -->\n).*?(<!-- generated:{name}:end -->)", re.S)
        assert pattern.search(fresh), f"docs/validation.md lacks the generated:{name} markers"
        fresh = pattern.sub(lambda m: m.group(1) + block + m.group(2), fresh)
    if fresh != text:
        path.write_text(fresh, encoding="utf-8")
        pytest.fail("docs/validation.md was out of date and has been regenerated: review and commit it")


def test_values_of_hidden_fields_do_not_drive_rules(forms):
    """An origin typed before the product became an in vivo AAV therapy is hidden, so no donor rules fire."""
    from atmp_desktop.core.project import ProjectSnapshot
    from atmp_desktop.core.validation import validate
    product = {"invented_name": "X", "inn": "x", "atmp_type": "GTMP", "contains_gmo": True,
               "gm_cells": False, "vector_family": "aav", "origin": "allogeneic"}
    rules = {f.rule for f in validate(forms, ProjectSnapshot({}, {"product": product}))}
    assert "DON-01" not in rules
    product["gm_cells"] = True  # ex vivo modified cells: origin is visible again and matters
    rules = {f.rule for f in validate(forms, ProjectSnapshot({}, {"product": product}))}
    assert "DON-01" in rules
