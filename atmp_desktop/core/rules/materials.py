"""Brief §8.4: starting materials and donors."""
from __future__ import annotations

from atmp_desktop.core.rules.base import NON_VIRAL, Ctx, as_text, is_gtmp, matches, row_matching, rule, viral_vector

DONOR_TESTS = (  # (name, regex on the test column) per Dir. 2006/17/EC Annex II §1.1
    ("anti-HIV-1,2", r"hiv"),
    ("HBsAg", r"hbs\s*ag|hepatitis b surface"),
    ("anti-HBc", r"hbc|hepatitis b core"),
    ("anti-HCV-Ab", r"hcv|hepatitis c"),
    ("syphilis (e.g. TPHA/VDRL algorithm)", r"syphilis|treponem|tpha|vdrl|rpr"),
)
HTLV = ("anti-HTLV-I", r"htlv")


def _missing_donor_tests(c: Ctx, with_htlv: bool) -> list[str]:
    rows = c.rows("materials.donor_tests")
    wanted = list(DONOR_TESTS) + ([HTLV] if with_htlv else [])
    return [name for name, pattern in wanted if row_matching(rows, pattern, "test") is None]


@rule("DON-01", "error", "the cells or tissues are allogeneic",
      "donor eligibility, the mandatory donor tests, laboratory, consent and tissue-establishment authorisation",
      "Dir. 2004/23/EC; Dir. 2006/17/EC Annex I and II", "V", step="materials")
def don_01(c: Ctx):
    if c.get("product.origin") != "allogeneic":
        return
    for path in ("materials.donor_eligibility", "materials.consent_procedure",
                 "materials.tissue_establishment_authorisation"):
        if not c.filled(path):
            yield (path, f"Allogeneic donation needs {c.label(path)} (Dir. 2004/23/EC / 2006/17/EC): fill it in.")
    missing = _missing_donor_tests(c, with_htlv=c.yes("materials.htlv_risk_area"))
    if missing:
        yield ("materials.donor_tests",
               f"Add the mandatory donor tests to {c.label('materials.donor_tests')}: {', '.join(missing)}.")
    if row_matching(c.rows("materials.donor_tests"), r"hbc|hepatitis b core", "test") and \
            not c.filled("materials.anti_hbc_handling"):
        yield ("materials.anti_hbc_handling",
               f"State how anti-HBc positive / HBsAg negative donors are handled in {c.label('materials.anti_hbc_handling')}.")


def _cultured(c: Ctx) -> bool:
    return row_matching(c.rows("manufacturing.process_steps"), r"cultur|expan", "name", "description") is not None


@rule("DON-02", "warning", "the cells are autologous and cryopreserved or cultured",
      "the minimum donor test set is applied and the handling of reactive donations is stated",
      "Dir. 2006/17/EC Annex I §2.1.1 and Annex II", "K", step="materials")
def don_02(c: Ctx):
    if c.get("product.origin") != "autologous" or not (c.yes("quality.cryopreserved") or _cultured(c)):
        return
    missing = _missing_donor_tests(c, with_htlv=False)
    if missing:
        yield ("materials.donor_tests",
               "Autologous material that is cryopreserved or cultured is tested like a donation: add "
               f"{', '.join(missing)} to {c.label('materials.donor_tests')}.")
    if not c.filled("materials.positive_result_handling"):
        yield ("materials.positive_result_handling",
               f"Describe how reactive autologous donations are handled (e.g. segregated storage) in "
               f"{c.label('materials.positive_result_handling')}.")


@rule("DON-03", "error", "the cells are autologous",
      "labelling ‘for autologous use only’ with a unique patient identifier, and a chain-of-identity description",
      "Reg. (EC) No 1394/2007 Art. 11 and Annex III", "K", step="traceability")
def don_03(c: Ctx):
    if c.get("product.origin") != "autologous":
        return
    label = c.text("traceability.autologous_labelling")
    if not matches(r"autologous use", label):
        yield ("traceability.autologous_labelling",
               f"State in {c.label('traceability.autologous_labelling')} that the label reads ‘For autologous use "
               "only’ and carries a unique patient identifier.")
    if not c.filled("traceability.chain_of_identity"):
        yield ("traceability.chain_of_identity",
               f"Describe the chain of identity from collection to administration in "
               f"{c.label('traceability.chain_of_identity')}.")


@rule("DON-04", "error", "cells from several donors are pooled",
      "the pooling strategy and the traceability of each donation are described",
      "Dir. 2001/83/EC Annex I Part IV §3.3.2.1(b)", "K", step="materials")
def don_04(c: Ctx):
    if not c.yes("materials.pooled_donors"):
        return
    text = c.text("materials.pooling_strategy")
    if not text:
        yield ("materials.pooling_strategy",
               f"Pooled donations need a pooling strategy: fill in {c.label('materials.pooling_strategy')}.")
    elif not matches(r"trac", text + c.text("traceability.traceability_system")):
        yield ("materials.pooling_strategy",
               f"Explain in {c.label('materials.pooling_strategy')} how each pooled donation stays traceable.")


@rule("DON-05", "error", "the cells or tissues are xenogeneic",
      "source animals, husbandry, infectious-agent testing and facility suitability are described",
      "Dir. 2001/83/EC Annex I Part IV §3.3.2.1", "K", step="materials")
def don_05(c: Ctx):
    if c.get("product.origin") != "xenogeneic":
        return
    text = c.text("materials.xenogeneic_source_animals")
    if not text:
        yield ("materials.xenogeneic_source_animals",
               f"Describe the source animals in {c.label('materials.xenogeneic_source_animals')}: origin, husbandry, "
               "infectious-agent testing and facility.")
        return
    topics = {"husbandry": r"husband|hous|breed|herd|colony", "infectious-agent testing": r"test|screen|pathogen|virus",
              "facility suitability": r"facilit|designated|barrier|pathogen-free|spf"}
    gaps = [t for t, p in topics.items() if not matches(p, text)]
    if gaps:
        yield ("materials.xenogeneic_source_animals",
               f"Add to {c.label('materials.xenogeneic_source_animals')}: {', '.join(gaps)}.")


def _banks(c: Ctx, *types: str) -> bool:
    return any(r.get("bank_type") in types for r in c.rows("materials.cell_banks"))


@rule("MAT-01", "error", "a gene therapy uses a viral vector",
      "the vector (master virus seed or plasmids) and the packaging-cell master cell bank are described as starting "
      "materials", "Dir. 2001/83/EC Annex I Part IV §3.2.1", "V", step="materials")
def mat_01(c: Ctx):
    if not (viral_vector(c) and is_gtmp(c)):
        return
    vectors = c.rows("materials.vectors")
    if not vectors:
        yield ("materials.vectors", f"Describe the viral vector in {c.label('materials.vectors')}.")
    has_plasmids = c.filled("materials.plasmids_description") or any(r.get("plasmids") for r in vectors)
    if not (_banks(c, "MVS", "WVS") or has_plasmids):
        yield ("materials.cell_banks",
               f"Describe the master virus seed in {c.label('materials.cell_banks')} or the plasmids in "
               f"{c.label('materials.plasmids_description')}; they are starting materials of the vector.")
    if not _banks(c, "MCB"):
        yield ("materials.cell_banks",
               f"Add the packaging or producer cells' master cell bank (MCB) to {c.label('materials.cell_banks')}.")


@rule("MAT-02", "error", "a gene therapy uses plasmid, non-viral (mRNA) or bacterial gene transfer",
      "the plasmid, host bacteria and master cell bank of the recombinant microbial cells are described",
      "Dir. 2001/83/EC Annex I Part IV §3.2.1.4", "V", step="materials")
def mat_02(c: Ctx):
    if c.get("product.vector_family") not in NON_VIRAL:
        return
    if not c.filled("materials.plasmids_description"):
        yield ("materials.plasmids_description",
               f"Describe the plasmid(s) and host bacteria in {c.label('materials.plasmids_description')}.")
    if not _banks(c, "MCB"):
        yield ("materials.cell_banks",
               f"Add the master cell bank of the recombinant bacteria to {c.label('materials.cell_banks')}.")


@rule("MAT-03", "warning", "the active substance is genetically modified cells",
      "the vector is described at active-substance depth (production, characterisation, controls)",
      "EMA/CAT/GTWP/671639/2008 Rev.1", "V", step="materials")
def mat_03(c: Ctx):
    if not c.yes("product.gm_cells"):
        return
    vectors = c.rows("materials.vectors")
    if not vectors:
        yield ("materials.vectors",
               f"Describe the vector used to modify the cells in {c.label('materials.vectors')}, as deeply as an "
               "active substance (production, characterisation, specification, stability).")
    for loc, r, i, col in c.empty_cells("materials.vectors", ("transgene", "production_system")):
        yield loc, f"Vector {r.get('name') or i + 1}: add the {col}."


@rule("MAT-04", "warning", "a raw material is of human or animal origin",
      "TSE and viral-safety information (3.2.A.2) with reference to Ph. Eur. 5.2.12",
      "ICH M4Q(R1) 3.2.A.2; Ph. Eur. 5.2.12", "K", step="materials")
def mat_04(c: Ctx):
    rows = c.rows("materials.raw_materials")
    bio = [(i, r) for i, r in enumerate(rows) if r.get("biological_origin") in ("human", "animal")]
    if not bio:
        return
    for i, r in bio:
        if not r.get("tse_risk"):
            yield (f"materials.raw_materials[{i}].tse_risk",
                   f"{as_text(r.get('material')) or f'Raw material {i + 1}'} is of {r['biological_origin']} origin: "
                   "state its TSE/viral-safety assessment.")
        if not r.get("ph_eur_reference"):
            yield (f"materials.raw_materials[{i}].ph_eur_reference",
                   f"{as_text(r.get('material')) or f'Raw material {i + 1}'}: cite the quality standard "
                   "(e.g. Ph. Eur. 5.2.12 for raw materials of biological origin).")
    if not c.filled("manufacturing.adventitious_agents"):
        yield ("manufacturing.adventitious_agents",
               "Materials of human or animal origin are used: summarise the adventitious-agent safety evaluation in "
               f"{c.label('manufacturing.adventitious_agents')} (3.2.A.2).")
