"""Non-Module-3 documents: ERA, QOS, GMO forms, SNIF, CAT classification, SME certification, readiness."""
from __future__ import annotations

from atmp_desktop.core.sections import display_title, headings_under
from atmp_desktop.export import builders
from atmp_desktop.export.model import Paragraph, Placeholder, Table
from tests.test_export_data import hand_snapshot

NON_GMO = {"product": {"contains_gmo": False, "gm_cells": False, "atmp_type": "sCTMP", "vector_family": "none"}}


def texts(doc):
    out = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            out.append("".join(getattr(r, "text", "") for r in b.runs))
        elif isinstance(b, Placeholder):
            out.append(b.text)
        elif isinstance(b, Table):
            out += [" | ".join(r) for r in b.rows]
    return "\n".join(out)


def heads(doc):
    return [h.text for h in doc.headings()]


def test_every_document_opens_with_title_block_metadata():
    for doc_id in ("m1-6-era", "gmo-snif", "cat-classification", "sme-certification", "cat-readiness"):
        doc = builders.build(doc_id, hand_snapshot())
        block = dict(doc.title_block())
        assert block["Product"] == "Lumacel" and block["Applicant"] == "Nordlicht Cell Therapeutics GmbH"
        assert block["Version"] == "1.2" and block["Status"] == "Draft" and block["Date"] == "2 March 2026"  # EU date style


def test_era_gmo_has_six_steps_hazards_and_keeps_161_with_justification():
    doc = builders.build("m1-6-era", hand_snapshot())
    h = heads(doc)
    assert h[:3] == ["1.6 Environmental Risk Assessment", "1.6.1 Non-GMO", "1.6.2 GMO"]
    assert sum(x.startswith("Step ") for x in h) == 6
    t = texts(doc)
    assert "Replication-competent lentivirus (RCL) formation." in t
    assert "RCL | low | negligible | negligible | RCL testing" in t
    assert "The product contains or consists of GMOs; the ERA is given in 1.6.2." in t


def test_era_non_gmo_justifies_absence_and_keeps_162():
    doc = builders.build("m1-6-era", hand_snapshot(**NON_GMO))
    assert "1.6.2 GMO" in heads(doc) and not any(x.startswith("Step ") for x in heads(doc))
    t = texts(doc)
    assert "does not contain or consist of genetically modified organisms" in t
    assert "Not applicable: the product does not contain or consist of GMOs; see 1.6.1." in t


def test_qos_follows_the_23_headings():
    snap = hand_snapshot()
    doc = builders.build("m2-3-qos", snap)
    coded = [(h.code, h.title) for h in doc.headings() if h.code]
    assert coded == [(h.code, display_title(h, snap)) for h in headings_under("2.3")]
    assert "Sterility" in texts(doc)


def test_caf_aav_structure_and_uncertain_numbering_marked():
    snap = hand_snapshot(product={"vector_family": "aav", "gm_cells": False},
                         gmo={"rcaav_absence_evidence": "No rep/cap recombination detected (LOD 1 in 10⁸)."})
    doc = builders.build("gmo-caf-aav", snap)
    h = heads(doc)
    for expected in ("I. Administrative information", "1.3 Identification of the manufacturer of the clinical "
                     "vector (name, manufacturing site)", "II. Information relating to the investigational "
                     "medicinal product", "2.6 Biodistribution and shedding", "3.2 Sites where the trial will take "
                     "place", "3.4 Preparation, administration and transport [U]"):
        assert expected in h
    assert "No rep/cap recombination detected (LOD 1 in 10⁸)." in texts(doc)


def test_caf_cells_marks_numbering_unsure():
    h = heads(builders.build("gmo-caf-cells", hand_snapshot()))
    assert "1.1 Identification of the sponsor" in h
    assert all(x.endswith("[U]") for x in h if x[:3] in ("II.", "2.1", "2.5", "IV.", "V. "))


def test_snif_has_sections_a_to_j_and_verified_a_items():
    doc = builders.build("gmo-snif", hand_snapshot(gmo={"snif_d_donor": "Human CD19 scFv (Homo sapiens)."}))
    letters = [x.split(".")[0] for x in heads(doc)]
    assert letters == list("ABCDEFGHIJ")
    t = texts(doc)
    assert "2. Notifier | Nordlicht Cell Therapeutics GmbH" in t
    assert "3(a) Type of GMO | animal (mammal): genetically modified human cells" in t
    assert "Human CD19 scFv (Homo sapiens)." in t
    assert "[To be completed: monitoring methods, area, duration]" in t


def test_snif_a_items_come_from_this_notification_not_earlier_consents():
    snap = hand_snapshot(gmo={"snif_member_state": "Germany", "snif_notification_number": "B/DE/26/PEI5120",
                              "snif_acknowledgement_date": "2026-09-15",
                              "part_b_consents": [{"member_state": "Netherlands", "notification_number": "B/NL/22/004"}]})
    t = texts(builders.build("gmo-snif", snap))
    assert "1(a) Member State of notification | Germany" in t
    assert "1(b) Notification number | B/DE/26/PEI5120" in t
    assert "1(c) Date of acknowledgement of notification | 15 September 2026" in t
    assert "| B/NL/22/004" not in t  # an earlier consent is not this notification
    t_empty = texts(builders.build("gmo-snif", hand_snapshot()))
    assert "1(d) Title of the project | [To be completed]" in t_empty


def test_classification_request_fields_and_verbatim_preamble():
    doc = builders.build("cat-classification", hand_snapshot())
    t = texts(doc)
    for n in range(1, 8):
        assert f"\n{n}. " in "\n" + t
    assert "7. Proposed advanced therapy medicinal product classification | Gene therapy" in t
    assert "The applicant presents hereafter its understanding of the regulatory definition of the product " \
           "under development." in t
    assert "Information on the Request *" in heads(doc) and "Proposed Summary for Public Release" in heads(doc)
    assert "1.1 Active substance" in heads(doc)
    assert any("[U" in x for x in heads(doc))


def test_sme_certification_summary_uses_quality_and_nonclinical_data():
    doc = builders.build("sme-certification", hand_snapshot())
    t = texts(doc)
    assert "EMA/CAT/486831/2008/corr" in t and "SME-1234" in t and "Sterility" in t and "NSG mice" in t
    quality_only = builders.build("sme-certification",
                                  hand_snapshot(applicant={"certification_scope": "quality"}))
    assert "NSG mice" not in texts(quality_only)


def test_readiness_report_is_built_from_its_definition():
    doc = builders.build("cat-readiness", hand_snapshot())
    assert doc.meta.doc_id == "cat-readiness"
    assert [h.title for h in doc.headings() if h.level <= 2][:5] == [
        "CAT readiness report", "Summary", "Completeness matrix", "Findings by section",
        "Documents that apply to this product"]


def test_title_page_names_the_regulatory_basis(tmp_path):
    from pypdf import PdfReader
    import docx
    from atmp_desktop.export.api import export_documents
    res = export_documents(hand_snapshot(), ["gmo-snif"], tmp_path)
    pdf = next(p for p in res.paths if p.suffix == ".pdf")
    word = next(p for p in res.paths if p.suffix == ".docx")
    assert "Basis: Council Decision 2002/813/EC" in PdfReader(str(pdf)).pages[0].extract_text()
    assert any(p.text.startswith("Basis: Council Decision 2002/813/EC") for p in docx.Document(str(word)).paragraphs)
