"""The samples' clinical-trial data (the `clinical` step, docs/clinical-trial-definitions.md); run once from the
repository root: `python tests/data/make_sample_trials.py` (a sample that has them already is left alone).

Only the sample for which the step applies gets data: autologous-tep is in a confirmatory trial (the others are
at the MAA stage; tests/data/trial-aav-exploratory.json is the AAV sample in an exploratory trial). Its Module 3
texts do not change: the clinical step is printed only by the IMPD and the CTIS Part I list."""
import json
import sys
from pathlib import Path

sys.path.insert(0, ".")
from atmp_desktop.core.paths import samples_dir  # noqa: E402

TRIALS = {
    "autologous-tep": {
        "eu_ct_number": "2025-500642-18-00",
        "trial_title": "A randomised, controlled, phase III study of Dermaven against split-thickness skin grafts in "
                       "deep partial- and full-thickness burns",
        "imps": [{"name": "Dermaven (ARM-SK1)", "role": "test",
                  "composition_note": "Autologous keratinocytes and fibroblasts in a collagen hydrogel",
                  "manufacturer": "Aurelia Regenerative Medicine S.r.l. – Modena"}],
        "impd_route": "full",
        "external_documents": [
            {"key": "ib", "title": "Investigator's Brochure, Dermaven", "version": "3.1", "date": "2025-05-12"},
            {"key": "sa", "title": "CAT/SAWP scientific advice on the phase III design", "version": "final",
             "date": "2024-11-28"}],
        "label_text": "For clinical trial use only. Dermaven (ARM-SK1) living tissue equivalent. Patient ID and "
                      "biopsy number. Store at 15–25 °C; do not refrigerate; use within 48 hours of release.",
        "qp_declaration": "Batch certification at the Modena site; no third-country manufacture",
        "ib_nonclinical_section": "5",
        "ib_clinical_section": "6",
        "risk_benefit": "Dermaven is made from the patient's own cells, so rejection and donor-derived infection "
                        "are not expected. The non-clinical studies in nude mice showed no tumour formation and "
                        "the phase II data (IB section 6) showed graft take comparable to autografts with a "
                        "smaller donor-site wound. The main risks are graft loss through infection and the "
                        "biopsy procedure; the protocol excludes patients with uncontrolled wound infection and "
                        "provides a split-thickness autograft as rescue. The expected benefit outweighs these "
                        "risks for patients with deep burns of 30-75% TBSA.",
    },
}


def main() -> int:
    for name, values in TRIALS.items():
        path = Path(samples_dir()) / f"{name}.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        have = doc["data"].setdefault("clinical", {})
        if all(k in have for k in values):
            continue
        for k, v in values.items():
            have.setdefault(k, v)
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{name}: clinical data added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
