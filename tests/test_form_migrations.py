"""Field migrations between forms versions: pure functions, applied on JSON import and on project open."""
from __future__ import annotations

import copy
import json
import sqlite3

from atmp_desktop.core.form_migrations import FORMS_VERSION, migrate_document, migrate_values
from atmp_desktop.core.forms import default_forms
from atmp_desktop.store import ProjectFile

OLD_COMPOSITION = [
    {"component": "Autologous chondrocytes", "function": "Active substance", "quantity": "2 × 10⁷ cells"},
    {"component": "ChondroMatrix membrane", "function": "Integral medical device (cell carrier)"},
    {"component": "Collagen hydrogel", "function": "Dermal matrix (additional substance)"},
    {"component": "Human albumin", "function": "Stabiliser", "quality_standard": "Ph. Eur. 0255"},
]
V1 = {"format": "atmp-dossier-project", "format_version": 1, "project": {"title": "Old project"},
      "data": {"quality": {"dp_composition": OLD_COMPOSITION},
               "product": {"inn": "chondrocel", "atmp_type": "TEP"}}}


def test_composition_rows_get_their_type_and_the_input_is_left_alone():
    values = {"quality": {"dp_composition": copy.deepcopy(OLD_COMPOSITION)}}
    before = copy.deepcopy(values)
    new, applied = migrate_values(values, 1)
    assert values == before and applied == ["0002_composition_types", "0003_ds_isolated_stored",
                                            "0004_cell_age_limit", "0005_batch_and_stability_data",
                                            "0006_excipient_answers"]
    assert [r["component_type"] for r in new["quality"]["dp_composition"]] == [
        "active_substance", "device_part", "scaffold", "excipient"]
    assert migrate_values(new, FORMS_VERSION) == (new, [])


def test_json_of_older_forms_is_migrated_on_import(tmp_path):
    doc = migrate_document(copy.deepcopy(V1))
    assert doc["project"]["forms_version"] == str(FORMS_VERSION)
    with ProjectFile.create(tmp_path / "old.atmp", default_forms(), document=copy.deepcopy(V1)) as pf:
        snap = pf.snapshot()
    assert snap.meta["forms_version"] == str(FORMS_VERSION)
    assert snap.rows("quality.dp_composition")[3]["component_type"] == "excipient"


def test_json_of_newer_forms_is_refused_in_one_sentence(tmp_path):
    doc = copy.deepcopy(V1)
    doc["project"]["forms_version"] = str(FORMS_VERSION + 1)
    import pytest
    from atmp_desktop.store.errors import ProjectFileError
    with pytest.raises(ProjectFileError, match="newer than the forms of this app"):
        ProjectFile.create(tmp_path / "new.atmp", default_forms(), document=doc)
    assert not (tmp_path / "new.atmp").exists()


def test_continuous_process_splits_into_isolated_and_stored():
    tested = {"manufacturing": {"ds_dp_continuous": True}, "quality": {"ds_specification": [{"test": "Sterility"}]}}
    assert migrate_values(tested, 2)[0]["manufacturing"] == {"ds_isolated": True, "ds_stored": False}
    untested = {"manufacturing": {"ds_dp_continuous": True}}
    assert migrate_values(untested, 2)[0]["manufacturing"] == {"ds_isolated": False}
    stored = {"manufacturing": {"ds_dp_continuous": False}}
    assert migrate_values(stored, 2)[0]["manufacturing"] == {"ds_isolated": True, "ds_stored": True}


def test_cell_age_limit_goes_to_the_producer_bank_of_a_gene_therapy_or_to_the_products_own_process():
    gtmp = {"product": {"gm_cells": True}, "materials": {"cell_age_limit": "WCB + 8 passages", "cell_banks": [
        {"bank_type": "MCB", "name": "HEK293T MCB"}, {"bank_type": "WCB", "name": "HEK293T WCB"}]}}
    banks = migrate_values(gtmp, 3)[0]["materials"]["cell_banks"]
    assert [b.get("age_limit") for b in banks] == [None, "WCB + 8 passages"]
    cells = {"product": {"atmp_type": "sCTMP"}, "materials": {"cell_age_limit": "passage 4"}}
    new = migrate_values(cells, 3)[0]
    assert new["manufacturing"]["passage_limit"] == "passage 4" and "cell_age_limit" not in new["materials"]


def _downgrade(path):
    """Make a project file look written by forms version 1 (no types, the old DS and cell-age fields)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM project_meta WHERE key = 'forms_version'")
        conn.execute("UPDATE table_rows SET cells = json_remove(cells, '$.component_type') "
                     "WHERE step = 'quality' AND field = 'dp_composition'")
        conn.execute("INSERT INTO field_values (step, field, value, modified) VALUES "
                     "('materials', 'cell_age_limit', '\"passage 4\"', '2026-01-01T00:00:00Z'), "
                     "('manufacturing', 'ds_dp_continuous', 'false', '2026-01-01T00:00:00Z')")
    conn.close()


def test_a_project_file_of_older_forms_is_migrated_on_open_with_a_backup(tmp_path):
    path = tmp_path / "p.atmp"
    ProjectFile.create(path, default_forms(), document=copy.deepcopy(V1)).close()
    _downgrade(path)
    original = path.read_bytes()
    with ProjectFile.open(path, default_forms(), read_only=True) as ro:  # read-only: in memory, file untouched
        snap = ro.snapshot()
        assert snap.rows("quality.dp_composition")[1]["component_type"] == "device_part"
        assert snap.get("manufacturing.passage_limit") == "passage 4"  # moved, not reported as unknown
        assert snap.get("manufacturing.ds_stored") is True and not snap.problems
    assert path.read_bytes() == original
    with ProjectFile.open(path, default_forms()) as pf:
        assert pf.backup_path is not None and pf.backup_path.read_bytes() == original
        assert pf.meta()["forms_version"] == str(FORMS_VERSION)
        assert [r["component_type"] for r in pf.snapshot().rows("quality.dp_composition")][:2] == [
            "active_substance", "device_part"]
        assert pf.audit_entries(limit=1)[0]["action"] == "migrate forms"
    with ProjectFile.open(path, default_forms()) as again:  # already current: no second backup, no entry
        assert again.backup_path is None
        assert again.audit_entries(limit=1)[0]["action"] == "migrate forms"
    assert json.loads(json.dumps(V1))  # the fixture itself was not changed


def test_free_text_batch_and_stability_results_are_kept_in_a_note():
    from atmp_desktop.core.form_migrations import migrate_values
    old = {"quality": {
        "batch_analyses": [{"batch": "24-0117", "date": "2024-01-22", "use": "PPQ-1 (patient), stability",
                            "results": "Viability 91%; CAR+ 48%; sterile"}],
        "stability_studies": [
            {"material": "DP", "condition": "≤ −150 °C (long term)", "time_points": "0, 3, 6, 12 months",
             "results": "Within specification at 12 months"},
            {"material": "DP", "condition": "Transport simulation", "time_points": "0 and end",
             "results": "No change"},
            {"material": "DP", "condition": "Post-thaw, 15–25 °C", "time_points": "0, 30, 60 min"}]}}
    new, applied = migrate_values(old, 4)
    assert applied == ["0005_batch_and_stability_data", "0006_excipient_answers"]
    batch = new["quality"]["batch_analyses"][0]
    assert batch["use"] == ["ppq", "stability"] and "results" not in batch
    assert "PPQ-1 (patient), stability" in batch["note"] and "Viability 91%; CAR+ 48%; sterile" in batch["note"]
    long_term, transport, thaw = new["quality"]["stability_studies"]
    assert long_term["time_points"] == [{"value": v, "unit": "months"} for v in (0, 3, 6, 12)]
    assert long_term["kind"] == "long_term" and long_term["note"] == "Within specification at 12 months"
    assert "time_points" not in transport and "0 and end" in transport["note"] and "No change" in transport["note"]
    assert thaw["kind"] == "post_thaw" and thaw["time_points"][-1] == {"value": 60, "unit": "min"}
    assert old["quality"]["batch_analyses"][0]["results"]  # the input is left alone
