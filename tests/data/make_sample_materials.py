"""Materials added per process step in the five samples (run once; the samples keep the result):
`python -m tests.data.make_sample_materials`. Taken from each sample's own step descriptions and raw materials."""
from __future__ import annotations

import json
from pathlib import Path

from atmp_desktop.core.paths import samples_dir

MATERIALS = {
    "aav-gene-therapy": {1: "WCB vial RVV-293S-WCB-05; chemically defined medium",
                         2: "Plasmids pITR-HLP2-G6PCco, pRep2Cap5, pHelper-Ad5; PEI",
                         3: "Polysorbate 20 (0.5%); endonuclease", 5: "Elution buffer pH 2.8; neutralisation buffer",
                         7: "Formulation buffer (PBS, 0.001% poloxamer 188)", 8: "Formulation buffer"},
    "car-t": {2: "CD4 and CD8 microbeads", 3: "Serum-free medium, 3% human AB serum, IL-7, IL-15, anti-CD3/CD28 "
                                            "nanomatrix",
              4: "LV-CD19.BBz", 5: "Culture medium (exchanges days 4 and 6)", 6: "Electrolyte solution, 0.5% HSA",
              7: "Cryomedium: 10% DMSO, 2.5% HSA"},
    "allogeneic-cells": {1: "WCB vials BST-MSC-WCB-03; α-MEM with 5% platelet lysate", 2: "α-MEM with 5% platelet lysate",
                         3: "Recombinant protease; α-MEM with 5% platelet lysate", 4: "Recombinant protease",
                         5: "Electrolyte solution, 1% HSA", 6: "Electrolyte solution, 5% HSA, 10% DMSO"},
    "autologous-tep": {1: "Dispase", 2: "Trypsin; collagenase", 3: "Serum-free keratinocyte medium, rhEGF",
                       4: "DMEM/F12, 5% platelet lysate", 5: "Collagen type I; polyester mesh carrier",
                       8: "Transport medium (25 mL)"},
    "combined-atmp": {2: "Collagenase", 3: "DMEM/F12, 10% autologous serum", 4: "Recombinant protease",
                      6: "ChondroMatrix CM-45 membrane (20 cm²)", 8: "Transport medium (30 mL)"},
}


def main() -> None:
    for name, by_step in MATERIALS.items():
        path = Path(samples_dir()) / f"{name}.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        steps = doc["data"]["manufacturing"]["process_steps"]
        for row in steps:
            added = by_step.get(row.get("number"))
            if added:
                cells = list(row.items())
                at = next((i + 1 for i, (k, _) in enumerate(cells) if k == "description"), len(cells))
                row.clear()
                row.update(dict(cells[:at] + [("materials", added)] + [c for c in cells[at:] if c[0] != "materials"]))
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(name, sum(1 for r in steps if r.get("materials")), "steps with materials")


if __name__ == "__main__":
    main()
