"""Materials by origin wherever they are entered: MAT-04 reads raw materials, components of the finished
product (excipients, scaffolds, device parts), the scaffold and device fields and feeder or support cells."""
from __future__ import annotations

from atmp_desktop.core.validation import rule_by_id, run_rule, validate
from tests.test_rules import S

MEMBRANE = "Resorbable bilayer membrane of porcine collagen types I and III."


def _mat04(forms, snap):
    return {f.location for f in run_rule(rule_by_id("MAT-04"), forms, snap)}


def test_a_porcine_membrane_entered_as_the_scaffold_triggers_mat_04(forms):
    """Issue 15: the membrane was entered where the forms direct (scaffold fields) and MAT-04 stayed silent."""
    snap = S(product={"atmp_type": "TEP", "is_combined": True},
             materials={"scaffold_description": MEMBRANE, "scaffold_origin": "animal"})
    assert _mat04(forms, snap) == {"manufacturing.adventitious_agents", "materials.tse_statement"}
    synthetic = S(product={"atmp_type": "TEP"},
                  materials={"scaffold_description": "Polyester mesh", "scaffold_origin": "non_biological"})
    assert _mat04(forms, synthetic) == set()


def test_a_device_part_of_animal_origin_needs_its_tse_safety(forms):
    snap = S(product={"is_combined": True}, traceability={"device_biological_origin": "animal"},
             manufacturing={"adventitious_agents": "x"}, materials={"tse_statement": "x"})
    [f] = run_rule(rule_by_id("MAT-04"), forms, snap)
    assert f.location == "traceability.device_tse" and "722/2012" in f.message
    snap.values["traceability"]["device_tse"] = "Porcine skin from EU-inspected slaughterhouses; NaOH treatment."
    assert run_rule(rule_by_id("MAT-04"), forms, snap) == []


def test_a_device_part_in_the_composition_is_read_too(forms):
    snap = S(quality={"dp_composition": [{"component": "Porcine collagen membrane", "component_type": "device_part",
                                           "origin": "animal"}]})
    assert "quality.dp_composition[0].tse" in _mat04(forms, snap)


def test_an_excipient_of_human_origin_needs_3_2_p_4_5(forms):
    snap = S(quality={"dp_composition": [{"component": "Human albumin", "component_type": "excipient",
                                           "origin": "human", "tse": "Ph. Eur. 0255; plasma master file"}]},
             manufacturing={"adventitious_agents": "x"}, materials={"tse_statement": "x"})
    [f] = run_rule(rule_by_id("MAT-04"), forms, snap)
    assert f.location == "quality.has_human_animal_excipients"
    snap.values["quality"]["has_human_animal_excipients"] = True
    [f] = run_rule(rule_by_id("MAT-04"), forms, snap)
    assert f.location == "quality.excipients_human_animal"
    snap.values["quality"]["excipients_human_animal"] = "Human albumin 20 %: EU-authorised, plasma master file."
    assert run_rule(rule_by_id("MAT-04"), forms, snap) == []


def test_none_typed_into_the_excipient_texts_becomes_a_no():
    """Forms migration 0006: "None." answers no (3.2.P.4.5/4.6 and 3.2.A.3 then do not apply), other text yes."""
    from atmp_desktop.core.form_migrations import migrate_values
    values = {"quality": {"excipients_human_animal": "None in the finished product.",
                          "novel_excipients": "Hyaluronan hydrogel used for the first time."}}
    out, applied = migrate_values(values, 5)
    assert applied == ["0006_excipient_answers"]
    assert out["quality"]["has_human_animal_excipients"] is False and out["quality"]["has_novel_excipients"] is True
    assert out["quality"]["excipients_human_animal"] == "None in the finished product."  # kept, hidden


def test_the_active_cells_are_left_to_the_donor_rules(forms):
    snap = S(quality={"dp_composition": [{"component": "Autologous chondrocytes", "component_type": "active_substance",
                                           "origin": "human"}]})
    assert _mat04(forms, snap) == set()


def test_feeder_cells_count_as_biological_material(forms):
    snap = S(product={"origin": "autologous", "atmp_type": "TEP"},
             materials={"support_cells": True, "cell_banks": [{"bank_type": "feeder_mcb", "name": "3T3-J2 MCB"}]})
    assert _mat04(forms, snap) == {"materials.cell_banks[0].testing", "manufacturing.adventitious_agents",
                                   "materials.tse_statement"}


def test_every_source_is_named_in_the_3_2_a_2_message(forms):
    snap = S(product={"is_combined": True},
             materials={"raw_materials": [{"material": "Fetal bovine serum", "biological_origin": "animal",
                                           "tse_risk": "low", "ph_eur_reference": "5.2.12"}],
                        "scaffold_origin": "animal", "scaffold_description": MEMBRANE},
             traceability={"device_biological_origin": "animal", "device_tse": "x"})
    [msg] = [f.message for f in validate(forms, snap) if f.rule == "MAT-04" and f.location == "materials.tse_statement"]
    assert "Fetal bovine serum" in msg and "scaffold" in msg and "device" in msg



def test_each_raw_material_and_component_is_judged_by_its_own_row(forms):
    """MAT-04 reads each material's row back by its location (one filtering of the table per check run, not
    one per material): the statement asked for is the one missing on that row, in tables of many rows."""
    raw = [{"material": f"Serum {i}", "biological_origin": "animal", "tse_risk": "low" if i % 3 else None,
            "ph_eur_reference": "5.2.12" if i % 2 else None} for i in range(12)]
    raw.insert(5, {"material": "Sodium chloride", "biological_origin": "non_biological"})
    parts = [{"component": "Collagen sponge", "component_type": "scaffold", "origin": "animal", "tse": "x"},
             {"component": "Gelatin", "component_type": "scaffold", "origin": "animal"}]
    snap = S(materials={"raw_materials": raw}, quality={"dp_composition": parts},
             manufacturing={"adventitious_agents": "x"})
    at = [i for i, r in enumerate(raw) if r.get("biological_origin") == "animal"]
    expected = ({f"materials.raw_materials[{i}].tse_risk" for i in at if not raw[i].get("tse_risk")} |
                {f"materials.raw_materials[{i}].ph_eur_reference" for i in at if not raw[i].get("ph_eur_reference")} |
                {"quality.dp_composition[1].tse", "materials.tse_statement"})
    assert _mat04(forms, snap) == expected
    assert "materials.raw_materials[5].tse_risk" not in expected and "materials.raw_materials[7].tse_risk" in expected

# ----------------------------------------------------------------------------- import and third countries
def test_a_us_site_recognised_by_its_country_needs_no_eu_authorisation(forms):
    """Issue 15: no EU manufacturing authorisation or QP is demanded of a third-country site; its EU importer is."""
    eu = {"name": "EU Importer BV", "country": "Netherlands", "authorisation_number": "NL-MIA-1",
          "qualified_person": "Dr Q", "gmp_certificate_date": "2025-01-01"}
    us = {"name": "US Lab Inc.", "country": "United States", "importer": "EU Importer BV",
          "gmp_certificate_date": "2024-05-01"}
    snap = S(manufacturing={"sites": [eu, us], "process_steps": [{"name": "Testing", "site": "US Lab Inc."}]})
    assert [f.location for f in validate(forms, snap) if f.rule in ("GMP-01", "CON-03")] == []
    no_importer = S(manufacturing={"sites": [eu, {**us, "importer": ""}]})
    assert [f.location for f in validate(forms, no_importer) if f.rule == "GMP-01"] == [
        "manufacturing.sites[1].importer"]


def test_an_importer_without_its_authorisation_is_reported_for_the_import(forms):
    eu = {"name": "EU Importer BV", "country": "NL", "qualified_person": "Dr Q", "gmp_certificate_date": "2025-01-01"}
    us = {"name": "US Lab Inc.", "country": "USA", "importer": "EU Importer BV", "gmp_certificate_date": "2024-05-01"}
    snap = S(manufacturing={"sites": [eu, us], "process_steps": [{"name": "Testing", "site": "US Lab Inc."}]})
    locs = {(f.rule, f.location) for f in validate(forms, snap) if f.rule in ("GMP-01", "CON-03")}
    assert locs == {("GMP-01", "manufacturing.sites[0].authorisation_number"),
                    ("CON-03", "manufacturing.sites[0].authorisation_number")}


def test_an_unknown_or_empty_country_is_asked_for_its_authorisation(forms):
    from atmp_desktop.core.rules.base import third_country
    assert not third_country({"country": ""}) and not third_country({"country": "Germany"})
    assert not third_country({"country": "DE"}) and third_country({"country": "Switzerland"})
    assert third_country({"country": "Germany", "in_eea": False}) and not third_country({"country": "USA",
                                                                                         "in_eea": True})
