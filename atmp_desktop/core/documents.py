"""The dossier documents the app produces, and which of them apply to a product.

One registry shared by the exporters (what to build), the GUI (what to offer, with the reason when not)
and validation (the readiness report lists what applies).
"""
from __future__ import annotations

from dataclasses import dataclass

from atmp_desktop.core.conditions import Condition, parse_condition
from atmp_desktop.core.project import ProjectSnapshot


@dataclass(frozen=True)
class DocumentSpec:
    id: str
    title: str
    ctd_code: str          # CTD section the document sits in ("" for non-CTD documents)
    ectd_folder: str       # folder in the eCTD layout (lowercase, hyphens)
    ectd_file: str         # file stem in the eCTD layout
    applies_when: Condition | None = None
    basis: str = ""

    def applies(self, snap: ProjectSnapshot) -> bool:
        return self.applies_when is None or self.applies_when.evaluate(snap.get)

    def reason(self, label_of=lambda p: p, value_label=None) -> str:
        if self.applies_when is None:
            return "Applies to every ATMP project."
        return "Applies when " + self.applies_when.describe(label_of, value_label) + "."


def _c(raw: dict) -> Condition:
    return parse_condition(raw)


_GMO = {"field": "product.contains_gmo", "equals": True}

DOCUMENTS: tuple[DocumentSpec, ...] = (
    DocumentSpec("m1-6-era", "Module 1.6 Environmental Risk Assessment", "1.6", "m1/eu/16-environrisk", "environrisk",
                 basis="EU M1 eCTD specification; Art. 6(2) Reg. (EC) No 726/2004; EMEA/CHMP/BWP/473191/2006"),
    DocumentSpec("m2-3-qos", "Module 2.3 Quality Overall Summary", "2.3", "m2/23-qos", "quality-overall-summary",
                 basis="ICH M4Q(R1)"),
    DocumentSpec("m3-2-s", "Module 3.2.S Drug Substance", "3.2.S", "m3/32-body-data/32s-drug-sub", "drug-substance",
                 basis="ICH M4Q(R1); Dir. 2001/83/EC Annex I Part IV §3"),
    DocumentSpec("m3-2-p", "Module 3.2.P Drug Product", "3.2.P", "m3/32-body-data/32p-drug-prod", "drug-product",
                 basis="ICH M4Q(R1); Dir. 2001/83/EC Annex I Part IV §3"),
    DocumentSpec("m3-2-a", "Module 3.2.A Appendices", "3.2.A", "m3/32-body-data/32a-app", "appendices",
                 basis="ICH M4Q(R1)"),
    DocumentSpec("m3-2-r", "Module 3.2.R Regional Information", "3.2.R", "m3/32-body-data/32r-reg-info",
                 "regional-information", basis="ICH M4Q(R1); EU Notice to Applicants Vol. 2B"),
    DocumentSpec("gmo-caf-aav", "Common application form: investigational products containing AAV vectors", "",
                 "gmo", "caf-aav",
                 _c({"all": [_GMO, {"field": "product.vector_family", "equals": "aav"},
                             {"not": {"field": "product.gm_cells", "equals": True}}]}),
                 basis="EC/Member States common application form for AAV clinical vectors [U on numbering]"),
    DocumentSpec("gmo-caf-cells", "Common application form: human cells genetically modified", "", "gmo",
                 "caf-gm-cells", _c({"all": [_GMO, {"field": "product.gm_cells", "equals": True}]}),
                 basis="EC/Member States common application form for GM human cells, v5 (Nov 2021)"),
    DocumentSpec("gmo-snif", "Summary Notification Information Format (SNIF), Part 1", "", "gmo", "snif",
                 _c(_GMO), basis="Council Decision 2002/813/EC; Dir. 2001/18/EC Part B"),
    DocumentSpec("cat-classification", "ATMP classification request (Art. 17)", "", "cat", "classification-request",
                 basis="Art. 17 Reg. (EC) No 1394/2007; EMA/CAT/99623/2009 Rev.2"),
    DocumentSpec("sme-certification", "SME certification application summary (Art. 18)", "", "cat",
                 "sme-certification", _c({"field": "applicant.is_sme", "equals": True}),
                 basis="Art. 18 Reg. (EC) No 1394/2007; Reg. (EC) No 668/2009; EMA/CAT/486831/2008/corr"),
    DocumentSpec("cat-readiness", "CAT readiness report", "", "reports", "cat-readiness",
                 basis="Validation rules of this app (brief §8)"),
)


def document(doc_id: str) -> DocumentSpec:
    for d in DOCUMENTS:
        if d.id == doc_id:
            return d
    raise KeyError(f"there is no document '{doc_id}' (known: {', '.join(d.id for d in DOCUMENTS)})")


def applicable_documents(snap: ProjectSnapshot) -> list[DocumentSpec]:
    return [d for d in DOCUMENTS if d.applies(snap)]
