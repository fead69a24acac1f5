"""The CTD section map: heading codes and canonical titles (ICH M4Q(R1), EU M1) and which apply.

The same map drives the exporters (heading sequence), validation (completeness matrix, CTD-01/02) and
the GUI. Titles are stored bare; M4Q qualifiers such as "(name, manufacturer)" are part of the stored
title as in the reference table and can be filled in by `display_title`.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from atmp_desktop.core.paths import resources_dir
from atmp_desktop.core.project import ProjectSnapshot


@dataclass(frozen=True)
class Heading:
    code: str
    title: str
    note: str = ""

    @property
    def level(self) -> int:
        """1 for '3.2', 2 for '3.2.S', ... (number of dots)."""
        return self.code.count(".")

    def parent_code(self) -> str | None:
        return self.code.rsplit(".", 1)[0] if "." in self.code else None


@lru_cache(maxsize=1)
def all_headings() -> tuple[Heading, ...]:
    with open(resources_dir() / "ctd-headings.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return tuple(Heading(r["code"].strip(), r["title"].strip(), (r.get("note") or "").strip()) for r in rows)


def heading(code: str) -> Heading:
    for h in all_headings():
        if h.code == code:
            return h
    raise KeyError(f"'{code}' is not a known CTD heading")


def headings_under(prefix: str) -> list[Heading]:
    """The heading `prefix` and every heading below it, in CTD order."""
    return [h for h in all_headings() if h.code == prefix or h.code.startswith(prefix + ".")]


def display_title(h: Heading, snap: ProjectSnapshot | None = None) -> str:
    """Fill the M4Q qualifier, e.g. 'Drug Substance (name, manufacturer)' -> 'Drug Substance (lentiviral ..., Site)'."""
    if snap is None or "(name" not in h.title:
        return h.title
    name = snap.get("product.inn") or snap.get("product.invented_name") or "name"
    form = snap.get("product.pharmaceutical_form") or "dosage form"
    sites = snap.rows("manufacturing.sites")
    maker = sites[0].get("name", "manufacturer") if sites else "manufacturer"
    filled = (h.title.replace("(name, dosage form, manufacturer)", f"({name}, {form}, {maker})")
              .replace("(name, manufacturer)", f"({name}, {maker})")
              .replace("(name, dosage form)", f"({name}, {form})"))
    return filled


# ----------------------------------------------------------------------------- product facts
def is_gmo(snap: ProjectSnapshot) -> bool:
    return snap.is_yes("product.contains_gmo")


def is_cell_based(snap: ProjectSnapshot) -> bool:
    return snap.get("product.atmp_type") in ("sCTMP", "TEP") or snap.is_yes("product.gm_cells")


def has_device(snap: ProjectSnapshot) -> bool:
    return snap.is_yes("product.is_combined") or snap.is_yes("product.has_device_non_integral")


@dataclass(frozen=True)
class Applicability:
    applies: bool
    reason: str  # why it applies, or the justification written into the dossier when it does not


def section_applicability(code: str, snap: ProjectSnapshot) -> Applicability:
    """Whether a CTD section applies to this product; non-applicable sections are kept with this justification."""
    gmo = is_gmo(snap)
    if code == "1.6.1":
        return Applicability(not gmo, "The product contains or consists of GMOs; the ERA is given in 1.6.2." if gmo
                             else "The product does not contain or consist of GMOs.")
    if code == "1.6.2":
        return Applicability(gmo, "The product contains or consists of GMOs (Art. 6(2) Reg. (EC) No 726/2004)." if gmo
                             else "Not applicable: the product does not contain or consist of GMOs; see 1.6.1.")
    if code in ("3.2.A.3", "2.3.A.3"):
        novel = snap.is_set("quality.novel_excipients")
        return Applicability(novel, "Novel excipients are used." if novel else
                             "Not applicable: the drug product contains no novel excipients.")
    if code == "3.2.P.4.6":
        novel = snap.is_set("quality.novel_excipients")
        return Applicability(novel, "Novel excipients are used; details in 3.2.A.3." if novel else
                             "Not applicable: the drug product contains no novel excipients.")
    if code == "3.2.P.4.5":
        has = snap.is_set("quality.excipients_human_animal")
        return Applicability(has, "Excipients of human or animal origin are used." if has else
                             "Not applicable: no excipients of human or animal origin are used.")
    return Applicability(True, "Applies to all ATMPs (Dir. 2001/83/EC Annex I Part IV).")
