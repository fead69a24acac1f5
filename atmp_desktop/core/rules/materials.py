"""Brief §8.4: starting materials and donors."""
from __future__ import annotations

from atmp_desktop.core.rules.base import DOSSIER, NON_VIRAL, Ctx, as_text, is_gtmp, row_matching, rule, viral_vector

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
      "Dir. 2004/23/EC; Dir. 2006/17/EC Annex I and II", "V", step="materials", pursued=DOSSIER)
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
      "Dir. 2006/17/EC Annex I §2.1.1 and Annex II", "K", step="materials", pursued=DOSSIER)
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


LABEL_ITEMS = (("autologous_use", "the statement ‘For autologous use only’"),
               ("patient_identifier", "a unique patient identifier"))


@rule("DON-03", "error", "the cells are autologous",
      "the label carries ‘for autologous use only’ and a unique patient identifier (as answered in the form), and the "
      "chain of identity is described", "Reg. (EC) No 1394/2007 Art. 11 and Annex III", "K", step="traceability",
      pursued=DOSSIER)
def don_03(c: Ctx):
    if c.get("product.origin") != "autologous":
        return
    ticked = c.get("traceability.autologous_label_items") or []
    missing = [what for value, what in LABEL_ITEMS if value not in ticked]
    if missing:
        yield ("traceability.autologous_label_items",
               f"The label of an autologous product must carry {' and '.join(missing)}: put it on the label, "
               f"describe it in {c.label('traceability.autologous_labelling')} and tick it in "
               f"{c.label('traceability.autologous_label_items')}.")
    if not c.filled("traceability.chain_of_identity"):
        yield ("traceability.chain_of_identity",
               f"Describe the chain of identity from collection to administration in "
               f"{c.label('traceability.chain_of_identity')}.")


@rule("DON-04", "error", "cells from several donors are pooled",
      "the pooling strategy is described and each pooled donation stays traceable to its donor (as answered in the "
      "form)", "Dir. 2001/83/EC Annex I Part IV §3.3.2.1(b)", "K", step="materials", pursued=DOSSIER)
def don_04(c: Ctx):
    if not c.yes("materials.pooled_donors"):
        return
    if not c.filled("materials.pooling_strategy"):
        yield ("materials.pooling_strategy",
               f"Pooled donations need a pooling strategy: fill in {c.label('materials.pooling_strategy')}.")
    if not c.yes("materials.pooled_donations_traceable"):
        yield ("materials.pooled_donations_traceable",
               "Each donation in a pool must stay traceable to its donor: explain how in "
               f"{c.label('materials.pooling_strategy')} and answer yes in "
               f"{c.label('materials.pooled_donations_traceable')}.")


XENO = (("materials.xenogeneic_source_animals", "the source animals (species, origin, age and husbandry)"),
        ("materials.xenogeneic_infectious_testing",
         "the infectious-agent testing of the animals, including vertically transmitted agents"),
        ("materials.xenogeneic_facility", "the facility housing the animals and its suitability"))


@rule("DON-05", "error", "the cells or tissues are xenogeneic",
      "source animals and husbandry, infectious-agent testing and facility suitability each have their answer",
      "Dir. 2001/83/EC Annex I Part IV §3.3.2.1; EMEA/CHMP/CPWP/83508/2009", "K", step="materials",
      pursued=DOSSIER)
def don_05(c: Ctx):
    if c.get("product.origin") != "xenogeneic":
        return
    for path, what in XENO:
        if not c.filled(path):
            yield (path, f"A xenogeneic product must describe {what}: fill in {c.label(path)}.")


def _banks(c: Ctx, *types: str) -> bool:
    return any(r.get("bank_type") in types for r in c.rows("materials.cell_banks"))


@rule("MAT-01", "error", "a gene therapy uses a viral vector",
      "the vector (master virus seed or plasmids) and the packaging-cell master cell bank are described as starting "
      "materials", "Dir. 2001/83/EC Annex I Part IV §3.2.1", "V", step="materials", pursued=DOSSIER)
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
      "Dir. 2001/83/EC Annex I Part IV §3.2.1.4", "V", step="materials", pursued=DOSSIER)
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
      "EMA/CAT/GTWP/671639/2008 Rev.1", "V", step="materials", pursued=DOSSIER)
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


BIOLOGICAL = ("human", "animal")
FEEDER_BANKS = ("feeder_mcb", "feeder_wcb")


def biological_materials(c: Ctx) -> list[tuple[str, str, str]]:
    """(location, name, origin) of every material of human or animal origin, wherever the forms have it entered:
    raw materials, components of the finished product (excipients, scaffolds, device parts; not the active
    cells, which donor testing covers), the scaffold, the device part and feeder or support cell banks."""
    out = []
    for i, r in enumerate(c.rows("materials.raw_materials")):
        if r.get("biological_origin") in BIOLOGICAL:
            out.append((f"materials.raw_materials[{i}]", as_text(r.get("material")) or f"Raw material {i + 1}",
                        r["biological_origin"]))
    for i, r in enumerate(c.rows("quality.dp_composition")):
        if r.get("origin") in BIOLOGICAL and r.get("component_type") != "active_substance":
            out.append((f"quality.dp_composition[{i}]", as_text(r.get("component")) or f"Component {i + 1}",
                        r["origin"]))
    if c.get("materials.scaffold_origin") in BIOLOGICAL:
        out.append(("materials.scaffold_origin", "The scaffold or matrix", c.get("materials.scaffold_origin")))
    if c.get("traceability.device_biological_origin") in BIOLOGICAL:
        out.append(("traceability.device_biological_origin", "The device part",
                    c.get("traceability.device_biological_origin")))
    for i, r in enumerate(c.rows("materials.cell_banks")):
        if r.get("bank_type") in FEEDER_BANKS:
            out.append((f"materials.cell_banks[{i}]", as_text(r.get("name")) or f"Feeder cell bank {i + 1}",
                        "human or animal"))
    return out


@rule("MAT-04", "warning",
      "a material of human or animal origin is used (raw material, excipient or other component, scaffold, device "
      "part, feeder or support cells)",
      "each such material has its TSE/viral-safety statement and quality standard where it is entered, and 3.2.A.2 "
      "(adventitious agents, TSE statement) is written", "ICH M4Q(R1) 3.2.A.2; Ph. Eur. 5.2.8, 5.2.12; "
      "Reg. (EU) No 722/2012 (devices)", "K", step="materials", pursued=DOSSIER)
def mat_04(c: Ctx):
    found = biological_materials(c)
    if not found:
        return
    for loc, name, origin in found:
        of = f"{name} is of {origin} origin"
        if loc.startswith("materials.raw_materials"):
            row = c.get_row(loc)
            if not row.get("tse_risk"):
                yield (f"{loc}.tse_risk", f"{of}: state its TSE/viral-safety assessment in "
                                          f"{c.label('materials.raw_materials')}.")
            if not row.get("ph_eur_reference"):
                yield (f"{loc}.ph_eur_reference",
                       f"{name}: cite the quality standard in {c.label('materials.raw_materials')} (e.g. Ph. Eur. "
                       "5.2.12 for raw materials of biological origin).")
        elif loc.startswith("quality.dp_composition"):
            row = c.get_row(loc)
            if not row.get("tse"):
                yield (f"{loc}.tse", f"{of}: state its TSE/viral-safety information in the composition "
                                     f"({c.label('quality.dp_composition')}).")
            if row.get("component_type") == "excipient":
                if not c.yes("quality.has_human_animal_excipients"):
                    yield ("quality.has_human_animal_excipients",
                           f"{of}: answer yes in {c.label('quality.has_human_animal_excipients')} so that "
                           "3.2.P.4.5 describes it.")
                elif not c.filled("quality.excipients_human_animal"):
                    yield ("quality.excipients_human_animal",
                           f"{of}: describe it in {c.label('quality.excipients_human_animal')} (3.2.P.4.5).")
        elif loc == "traceability.device_biological_origin" and not c.filled("traceability.device_tse"):
            yield ("traceability.device_tse",
                   f"{of}: give its TSE safety (Reg. (EU) No 722/2012) in {c.label('traceability.device_tse')}.")
        elif loc.startswith("materials.cell_banks") and not c.get_row(loc).get("testing"):
            yield (f"{loc}.testing", f"{name} (feeder or support cells) needs its adventitious-agent testing in "
                                     f"{c.label('materials.cell_banks')}.")
    names = ", ".join(dict.fromkeys(n for _, n, _ in found))
    for path in ("manufacturing.adventitious_agents", "materials.tse_statement"):
        if not c.filled(path):
            yield (path, f"Materials of human or animal origin are used ({names}): summarise their TSE and "
                         f"viral safety in {c.label(path)} (3.2.A.2).")
