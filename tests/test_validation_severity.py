"""Severity discipline: an empty required field or table is an error wherever it is required, whatever else
fires; a warning never hides an error."""
from __future__ import annotations

import copy
import json

import pytest

from atmp_desktop.core.interchange import check_document
from atmp_desktop.core.paths import samples_dir
from atmp_desktop.core.project import ProjectSnapshot, effective_snapshot, field_visible, step_applies
from atmp_desktop.core.validation import has_errors, validate

SAMPLES = sorted(p.stem for p in samples_dir().glob("*.json"))


def sample(forms, name: str) -> ProjectSnapshot:
    doc = json.loads((samples_dir() / f"{name}.json").read_text(encoding="utf-8"))
    problems, data = check_document(forms, doc)
    assert problems == []
    return ProjectSnapshot(meta=doc.get("project", {}), values=data, section_status=doc.get("section_status", {}))


def emptied(snap: ProjectSnapshot, path: str) -> ProjectSnapshot:
    values = copy.deepcopy(snap.values)
    step, fid = path.split(".")
    values.setdefault(step, {})[fid] = [] if isinstance(values.get(step, {}).get(fid), list) else None
    return ProjectSnapshot(meta=snap.meta, values=values, section_status=snap.section_status)


def required_where_visible(forms, snap: ProjectSnapshot, tables: bool) -> list[str]:
    out = []
    for step in forms.steps:
        if not step_applies(forms, step.id, snap):
            continue
        for f in step.fields:
            if f.required and f.is_table == tables and (f.visible_when is None or field_visible(forms, f.path, snap)):
                out.append(f.path)
    return out


def _cases(forms, tables: bool):
    """(sample, path) once per required field: the first sample in which it is visible."""
    seen = {}
    for name in SAMPLES:
        snap = sample(forms, name)
        for path in required_where_visible(forms, snap, tables):
            seen.setdefault(path, name)
    return seen


def test_every_required_table_left_empty_is_an_error(forms):
    cases = _cases(forms, tables=True)
    required_tables = {f.path for f in forms.all_fields() if f.required and f.is_table}
    assert required_tables <= set(cases), f"no sample shows {sorted(required_tables - set(cases))}"
    missed = []
    for path, name in sorted(cases.items()):
        snap = emptied(sample(forms, name), path)
        if path not in required_where_visible(forms, effective_snapshot(forms, snap), tables=True):
            continue  # emptying it hid it (a table cannot hide itself; guard anyway)
        errors = [f for f in validate(forms, snap) if f.severity == "error" and f.location == path]
        if not errors:
            missed.append((name, path))
    assert missed == []


def test_every_required_field_left_empty_is_an_error(forms):
    missed = []
    for path, name in sorted(_cases(forms, tables=False).items()):
        snap = emptied(sample(forms, name), path)
        if path not in required_where_visible(forms, effective_snapshot(forms, snap), tables=False):
            continue  # the field hid itself (e.g. a yes/no that shows its own follow-up)
        if not [f for f in validate(forms, snap) if f.severity == "error" and f.location == path]:
            missed.append((name, path))
    assert missed == []


def test_an_empty_donor_test_table_is_not_downgraded_to_a_warning(forms):
    """Issue 15: autologous, cryopreserved: REQ-01's error must not give way to DON-02's warning."""
    snap = emptied(sample(forms, "car-t"), "materials.donor_tests")
    findings = [f for f in validate(forms, snap) if f.location == "materials.donor_tests"]
    assert {(f.rule, f.severity) for f in findings} >= {("REQ-01", "error"), ("DON-02", "warning")}
    assert has_errors(validate(forms, snap))


def test_cli_exits_1_when_only_a_required_table_is_empty(tmp_path, forms, capsys):
    from atmp_desktop import cli
    from atmp_desktop.core.project import to_document
    from atmp_desktop.store import ProjectFile
    path = tmp_path / "p.atmp"
    ProjectFile.create(path, forms, document=to_document(emptied(sample(forms, "car-t"), "materials.donor_tests")))\
        .close()
    assert cli.main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "ERROR   REQ-01" in out and "WARNING DON-02" in out


def test_a_specific_error_still_replaces_the_generic_required_finding(forms):
    snap = emptied(sample(forms, "car-t"), "traceability.traceability_system")
    at = [f.rule for f in validate(forms, snap) if f.location == "traceability.traceability_system"]
    assert at == ["TRC-01"]


@pytest.mark.parametrize("name", SAMPLES)
def test_no_warning_shares_a_location_with_a_hidden_error(forms, name):
    """Whatever is emptied, every location with a warning that REQ-01 also reports keeps an error."""
    snap = sample(forms, name)
    for path in required_where_visible(forms, snap, tables=True)[:4]:
        findings = validate(forms, emptied(snap, path))
        warned = {f.location for f in findings if f.severity == "warning"}
        errored = {f.location for f in findings if f.severity == "error"}
        assert path in errored or path not in warned
