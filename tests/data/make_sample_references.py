"""The samples' glossary, literature and citations (issue 11); run once from the repository root:
`python tests/data/make_sample_references.py` (a sample that has them already is left alone)."""
import json, sys
sys.path.insert(0, ".")
from atmp_desktop.core.glossary import starter_entries

ST = {e.abbreviation: e.row() for e in starter_entries()}

def g(*abbrs, own=()):
    rows = [ST[a] for a in abbrs]
    rows += [dict(zip(("abbreviation", "expansion", "note"), o)) if len(o) == 3 else
             dict(zip(("abbreviation", "expansion"), o)) for o in own]
    return rows

EMA_CAT = "European Medicines Agency, Committee for Advanced Therapies"
EMA_CHMP = "European Medicines Agency, Committee for Medicinal Products for Human Use"
LIT = {
 "ema-gtmp": dict(authors=EMA_CAT, title="Guideline on the quality, non-clinical and clinical aspects of gene therapy medicinal products",
                  source="European Medicines Agency", year=2018, identifier="EMA/CAT/80183/2014"),
 "ema-gm-cells": dict(authors=EMA_CAT, title="Guideline on quality, non-clinical and clinical aspects of medicinal products containing genetically modified cells, Rev. 1",
                      source="European Medicines Agency", year=2021, identifier="EMA/CAT/GTWP/671639/2008 Rev. 1"),
 "ema-cell-based": dict(authors=EMA_CHMP, title="Guideline on human cell-based medicinal products",
                        source="European Medicines Agency", year=2008, identifier="EMEA/CHMP/410869/2006"),
 "ema-risk-based": dict(authors=EMA_CAT, title="Guideline on the risk-based approach according to Annex I, part IV of Directive 2001/83/EC applied to advanced therapy medicinal products",
                        source="European Medicines Agency", year=2013, identifier="EMA/CAT/CPWP/686637/2011"),
 "ema-gmo-era": dict(authors=EMA_CHMP, title="Guideline on environmental risk assessments for medicinal products consisting of, or containing, genetically modified organisms (GMOs)",
                     source="European Medicines Agency", year=2007, identifier="EMEA/CHMP/BWP/473191/2006-Corr"),
 "gmp-atmp": dict(authors="European Commission", title="EudraLex Volume 4, Part IV: Guidelines on Good Manufacturing Practice specific to Advanced Therapy Medicinal Products",
                  source="European Commission", year=2017, identifier="C(2017) 7694 final"),
 "ph-eur-5-2-12": dict(authors="European Directorate for the Quality of Medicines & HealthCare", title="Raw materials of biological origin for the production of cell-based and gene therapy medicinal products (general chapter 5.2.12)",
                       source="European Pharmacopoeia", identifier="Ph. Eur. 5.2.12"),
 "ph-eur-2-6-27": dict(authors="European Directorate for the Quality of Medicines & HealthCare", title="Microbiological examination of cell-based preparations (general chapter 2.6.27)",
                       source="European Pharmacopoeia", identifier="Ph. Eur. 2.6.27"),
 "ema-tse": dict(authors="European Medicines Agency", title="Note for guidance on minimising the risk of transmitting animal spongiform encephalopathy agents via human and veterinary medicinal products",
                 source="European Medicines Agency", year=2011, identifier="EMA/410/01 rev.3"),
 "maude-2018": dict(authors="Maude SL, Laetsch TW, Buechner J, et al.", title="Tisagenlecleucel in children and young adults with B-cell lymphoblastic leukemia",
                    source="N Engl J Med", year=2018, identifier="10.1056/NEJMoa1709866"),
}

def lit(*keys, own=()):
    return [dict(key=k, **LIT[k]) for k in keys] + list(own)

SAMPLES = {
 "car-t": dict(
   glossary=g("ATMP", "CAR", "CAT", "CTD", "DMSO", "DP", "DS", "ERA", "GMO", "GMP", "IPC", "LV", "MCB", "MOI", "NAT",
              "PBMC", "Ph. Eur.", "QP", "qPCR", "RCL", "SNIF", "TU", "VCN", "WCB",
              own=[("CRS", "cytokine release syndrome"),
                   ("ICANS", "immune effector cell-associated neurotoxicity syndrome"),
                   ("EVA", "ethylene vinyl acetate", "[K] bag material as named by the supplier; check the bag's datasheet")]),
   literature=lit("ema-gm-cells", "gmp-atmp", "ph-eur-5-2-12", "ph-eur-2-6-27", "ema-gmo-era", "maude-2018",
                  own=[dict(key="ncd-rep-0112", authors="Nordlicht Cell Therapeutics GmbH",
                            title="Integration-site analysis of nordacabtagene autoleucel (fictional sample report)",
                            source="Study report", year=2024, identifier="NCT-REP-0112")]),
   cite={"materials.raw_material_risk_assessment": [("Ph. Eur. 5.2.12 and GMP Part IV §2.3.1", "Ph. Eur. 5.2.12 [ref:ph-eur-5-2-12] and GMP Part IV §2.3.1 [ref:gmp-atmp]")],
         "nonclinical.nonclinical_waivers": [("the GM-cells guideline;", "the GM-cells guideline [ref:ema-gm-cells];"),
                                             ("integration-site analysis.", "integration-site analysis [ref:ncd-rep-0112].")],
         "quality.release_strategy": [("(Ph. Eur. 2.6.27, shown", "(Ph. Eur. 2.6.27 [ref:ph-eur-2-6-27], shown")],
         "gmo.era_step6_overall": [("is negligible.", "is negligible [ref:ema-gmo-era].")],
         "product.mode_of_action": [("long-term persistence of the CAR-T cells in vivo.", "long-term persistence of the CAR-T cells in vivo, as described for the anti-CD19 CAR-T cells of the same costimulatory design [ref:maude-2018].")]}),
 "aav-gene-therapy": dict(
   glossary=g("AAV", "ATMP", "CAT", "CTD", "DP", "DS", "ERA", "GMO", "GMP", "HEK", "IPC", "ITR", "MCB", "PCR", "Ph. Eur.",
              "PPQ", "QP", "qPCR", "rcAAV", "SNIF", "vg", "WCB",
              own=[("PEI", "polyethylenimine"), ("G6Pase", "glucose-6-phosphatase")]),
   literature=lit("ema-gtmp", "ph-eur-5-2-12", "ema-gmo-era", "gmp-atmp",
                  own=[dict(key="vct-tox-021", authors="Vectoris Therapeutics",
                            title="12-month GLP toxicity and tumourigenicity study in wild-type mice (fictional sample report)",
                            source="Study report", year=2023, identifier="VCT-TOX-021")]),
   cite={"materials.raw_material_risk_assessment": [("per Ph. Eur. 5.2.12", "per Ph. Eur. 5.2.12 [ref:ph-eur-5-2-12]")],
         "nonclinical.nonclinical_strategy": [("over 12 months.", "over 12 months [ref:vct-tox-021]."),
                                              ("the AAV guideline", "the gene therapy guideline [ref:ema-gtmp]")],
         "nonclinical.reproductive_toxicity": [("gene therapy.", "gene therapy [ref:ema-gtmp].")],
         "gmo.era_step6_overall": [("is negligible.", "is negligible [ref:ema-gmo-era].")]}),
 "allogeneic-cells": dict(
   glossary=g("ATMP", "CAT", "CTD", "DP", "DS", "GMP", "GvHD", "HLA", "MCB", "MSC", "Ph. Eur.", "PPQ", "QP", "sCTMP",
              "TSE", "WCB", own=[("IDO", "indoleamine 2,3-dioxygenase")]),
   literature=lit("ema-cell-based", "ema-risk-based", "ema-tse"),
   cite={"nonclinical.nonclinical_strategy": [("guideline and the risk-based approach.", "guideline [ref:ema-cell-based] and the risk-based approach [ref:ema-risk-based].")],
         "materials.tse_statement": [("EMA/410/01 rev.3", "EMA/410/01 rev.3 [ref:ema-tse]")]}),
 "autologous-tep": dict(
   glossary=g("ATMP", "CAT", "CTD", "DP", "DS", "GMP", "IPC", "Ph. Eur.", "QP", "TEP", "TSE"),
   literature=lit("ema-cell-based", "ema-risk-based"),
   cite={"nonclinical.nonclinical_strategy": [("the risk-based approach.", "the risk-based approach [ref:ema-risk-based].")]}),
 "combined-atmp": dict(
   glossary=g("ATMP", "cATMP", "CAT", "CTD", "DP", "DS", "GMP", "Ph. Eur.", "QP", "TEP", "TSE",
              own=[("GSPR", "general safety and performance requirements")]),
   literature=lit("ema-cell-based",
                  own=[dict(key="mdr", authors="European Parliament and Council",
                            title="Regulation (EU) 2017/745 on medical devices", source="Official Journal of the European Union",
                            year=2017, identifier="Regulation (EU) 2017/745")]),
   cite={"traceability.device_conformity": [("Reg. (EU) 2017/745 as", "Reg. (EU) 2017/745 [ref:mdr] as")],
         "nonclinical.nonclinical_strategy": [("(from the device technical documentation).", "(from the device technical documentation), following the guideline on human cell-based medicinal products [ref:ema-cell-based].")]},
   ),
}

for name, spec in SAMPLES.items():
    path = f"resources/samples/{name}.json"
    doc = json.load(open(path, encoding="utf-8"))
    data = doc["data"]
    if "references" in data:
        continue  # already done
    data["references"] = {"glossary": spec["glossary"], "literature": spec["literature"]}
    for p, reps in spec["cite"].items():
        st, f = p.split(".")
        for old, new in reps:
            assert old in data[st][f], (name, p, old)
            data[st][f] = data[st][f].replace(old, new, 1)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    print(name, len(spec["glossary"]), len(spec["literature"]))
