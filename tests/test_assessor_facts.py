"""Facts are printed where an assessor looks (issue 10): each test is a defect seen in earlier exports."""
from __future__ import annotations

from collections import Counter

from atmp_desktop.core.definitions import default_definitions
from atmp_desktop.export.builders.generic import Builder
from atmp_desktop.export.model import Paragraph, Placeholder, XRef
from tests.golden import sample_snapshot
from tests.test_definitions import _span_text
from tests.test_export_data import hand_snapshot

CTD_DOSSIER = ("m1-6-era", "m2-3-qos", "m3-2-s", "m3-2-p", "m3-2-a", "m3-2-r")


def sections(doc_id: str, snap) -> dict[str, str]:
    """heading key -> the text printed directly under it."""
    b = Builder(snap, default_definitions().document(doc_id))
    doc = b.build()
    return {key: _span_text(doc, start, end) for key, (start, end) in b.spans.items()}


def test_device_data_is_under_the_device_headings_not_under_traceability():
    snap = sample_snapshot("combined-atmp")
    r = sections("m3-2-r", snap)
    for path in ("traceability.device_class", "traceability.notified_body_name", "traceability.nb_certificate",
                 "traceability.device_manufacturer"):
        value = str(snap.get(path))
        assert value in r["r-device"], path
        assert value not in r["r-traceability"], path
    p = sections("m3-2-p", snap)
    assert str(snap.get("traceability.device_name")) in p["3.2.P.1"]


def test_the_vector_producer_cell_age_is_not_the_products_own_passage_limit():
    snap = sample_snapshot("car-t")
    s = sections("m3-2-s", snap)
    bank_limit = next(r["age_limit"] for r in snap.rows("materials.cell_banks") if r.get("age_limit"))
    assert "HEK293T" in bank_limit and bank_limit in s["3.2.S.2.3"] and bank_limit not in s["3.2.S.2.2"]
    assert snap.get("manufacturing.passage_limit") in s["3.2.S.2.2"]


def test_the_drug_substance_has_its_own_shelf_life_storage_and_container():
    snap = sample_snapshot("aav-gene-therapy")  # the vector bulk is stored
    s = sections("m3-2-s", snap)
    assert "36 months" in s["3.2.S.7.1"] and "24 months" not in s["3.2.S.7.1"]  # 24 months is the product's
    assert "EVA/PE" in s["3.2.S.6"]
    p = sections("m3-2-p", snap)
    assert "24 months" in p["3.2.P.8.1"]


def test_a_drug_substance_not_stored_or_not_isolated_carries_the_justification_never_a_placeholder():
    stored_not = sections("m3-2-s", sample_snapshot("car-t"))  # tested as the harvest, formulated at once
    for code in ("3.2.S.6", "3.2.S.7", "3.2.S.7.1", "3.2.S.7.2", "3.2.S.7.3"):
        assert "Not applicable" in stored_not[code] and "[To be completed" not in stored_not[code], code
    assert "Not applicable" not in stored_not["3.2.S.4.1"]
    not_isolated = sections("m3-2-s", hand_snapshot(manufacturing={"ds_isolated": False}))
    for code in ("3.2.S.4", "3.2.S.4.1", "3.2.S.4.5", "3.2.S.6", "3.2.S.7.3"):
        assert "Not applicable" in not_isolated[code] and "[To be completed" not in not_isolated[code], code
    qos = sections("m2-3-qos", hand_snapshot(manufacturing={"ds_isolated": False}))
    assert "not isolated" in qos["2.3.S.4"]


def test_feeder_cells_of_an_autologous_product_have_their_bank():
    snap = hand_snapshot(product={"atmp_type": "TEP", "origin": "autologous", "gm_cells": False,
                                  "contains_gmo": False, "vector_family": "none"},
                         materials={"support_cells": True, "cell_banks": [
                             {"bank_type": "feeder_wcb", "name": "3T3-J2 WCB-04", "age_limit": "WCB + 5 passages",
                              "description": "lethally irradiated (60 Gy) murine 3T3-J2 fibroblasts"}]})
    s = sections("m3-2-s", snap)
    assert "3T3-J2 WCB-04" in s["3.2.S.2.3"] and "Feeder / support cells – working bank" in s["3.2.S.2.3"]


def test_several_strengths_get_a_composition_and_a_specification_each():
    composition = [{"component": "MSC", "component_type": "active_substance", "strength": "75 × 10⁶ cells",
                    "quantity": "75 × 10⁶ cells"},
                   {"component": "MSC", "component_type": "active_substance", "strength": "150 × 10⁶ cells",
                    "quantity": "150 × 10⁶ cells"},
                   {"component": "Albumin", "component_type": "excipient", "quantity": "5%"}]
    spec = [{"test": "Viable cells", "acceptance_criterion": "68–83 × 10⁶", "strength": "75 × 10⁶ cells"},
            {"test": "Viable cells", "acceptance_criterion": "135–165 × 10⁶", "strength": "150 × 10⁶ cells"},
            {"test": "Sterility", "acceptance_criterion": "No growth"}]
    doc = Builder(hand_snapshot(quality={"dp_composition": composition, "dp_specification": spec}),
                  default_definitions().document("m3-2-p")).build()
    tables = {t.caption: [r[0] for r in t.rows] for t in doc.tables()}
    assert tables["Composition of the drug product: 75 × 10⁶ cells"] == ["MSC", "Albumin"]
    assert tables["Composition of the drug product: 150 × 10⁶ cells"] == ["MSC", "Albumin"]
    assert tables["Specification: 150 × 10⁶ cells"] == ["Viable cells", "Sterility"]


def test_cross_references_never_point_to_the_section_they_are_printed_in():
    for sample in ("car-t", "combined-atmp", "aav-gene-therapy"):
        snap = sample_snapshot(sample)
        for d in default_definitions():
            b = Builder(snap, d)
            doc = b.build()
            for key, (start, end) in b.spans.items():
                own = {key} | {a.key for a in d.ancestors(key)}
                for block in doc.blocks[start:end]:
                    for r in getattr(block, "runs", ()):
                        if isinstance(r, XRef) and not r.document and not r.soft:  # soft = the writer's own words
                            assert r.target not in own, (sample, d.id, key)


def test_long_narrative_is_printed_once_in_the_ctd_dossier():
    for sample in ("car-t", "aav-gene-therapy", "allogeneic-cells", "autologous-tep", "combined-atmp"):
        snap = sample_snapshot(sample)
        counts = Counter()
        for doc_id in CTD_DOSSIER:
            doc = Builder(snap, default_definitions().document(doc_id)).build()
            for b in doc.blocks:
                if isinstance(b, Paragraph):
                    text = "".join(getattr(r, "text", "") for r in b.runs)
                    if len(text) >= 200:
                        counts[text] += 1
        assert [t[:60] for t, n in counts.items() if n > 1] == [], sample
        assert len(counts) > 40


def test_no_visible_field_is_printed_as_an_unplaced_label_value_line():
    """Every 'Label: value' paragraph comes from a `fields` item of its heading (no catch-all at the end)."""
    snap = sample_snapshot("car-t")
    for d in default_definitions():
        b = Builder(snap, d)
        doc = b.build()
        for key, (start, end) in b.spans.items():
            h = d.heading(key)
            labelled = {p for i in h.items for p in _all_paths(i) if i.kind == "fields" or i.items}
            for block in doc.blocks[start:end]:
                if isinstance(block, Paragraph) and len(block.runs) == 2 and block.runs[0].bold:
                    from atmp_desktop.export.builders.base import label_of
                    assert any(block.runs[0].text == label_of(p) + ": " for p in labelled), (d.id, key, block)
        assert not any(isinstance(x, Placeholder) and "see" in x.what for x in doc.blocks)


def _all_paths(item):
    out = list(item.paths())
    for child in item.items:
        out += _all_paths(child)
    return out
