"""The shipped samples validate with exactly the findings recorded here.

A finding listed here that is a genuine gap of the sample is intended: the samples show what the checks do.
Change this table only together with the sample or the rule, never to make a test pass.
"""
from __future__ import annotations

import json

import pytest

from atmp_desktop.core.interchange import check_document
from atmp_desktop.core.paths import samples_dir
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.validation import validate

EXPECTED: dict[str, set[str]] = {
    # The shipped samples are complete dossiers: every rule stays silent. The deliberately incomplete
    # projects in tests/data/incomplete-*.json show the rules firing.
    "car-t": set(),
    "aav-gene-therapy": set(),
    "allogeneic-cells": set(),
    "autologous-tep": set(),
    "combined-atmp": set(),
}


def _snap(forms, name: str) -> ProjectSnapshot:
    path = samples_dir() / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"sample {name} is not shipped yet")
    doc = json.loads(path.read_text(encoding="utf-8"))
    problems, data = check_document(forms, doc)
    assert problems == []
    return ProjectSnapshot(meta=doc.get("project", {}), values=data, section_status=doc.get("section_status", {}))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_findings(forms, name):
    findings = validate(forms, _snap(forms, name))
    assert {f.rule for f in findings} == EXPECTED[name], [(f.rule, f.location) for f in findings]


def test_every_shipped_sample_is_recorded():
    shipped = {p.stem for p in samples_dir().glob("*.json")}
    assert shipped <= set(EXPECTED), f"record the expected findings of {sorted(shipped - set(EXPECTED))}"


def test_car_t_readiness_report_builds(forms):
    from atmp_desktop.export.builders.cat_readiness import build
    doc = build(_snap(forms, "car-t"))
    assert doc.meta.doc_id == "cat-readiness" and len(doc.blocks) > 5
