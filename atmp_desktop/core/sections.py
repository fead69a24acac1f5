"""The CTD section map: heading codes and canonical titles (ICH M4Q(R1), EU M1) and which apply.

The heading table is the reference the document definitions are checked against (core.definitions);
which headings apply to a product comes from those definitions. Titles are stored bare; M4Q qualifiers such as "(name, manufacturer)" are part of the stored
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


# the answers display_title reads (the window redraws those titles only when one of them changes)
TITLE_FIELDS = frozenset({"product.inn", "product.invented_name", "product.pharmaceutical_form",
                          "manufacturing.sites"})


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


# ----------------------------------------------------------------------------- applicability
@dataclass(frozen=True)
class Applicability:
    applies: bool
    reason: str  # why it applies, or the justification written into the dossier when it does not
    inherited_from: str = ""  # the enclosing heading whose justification covers this one


def heading_applicability(definition, h, snap: ProjectSnapshot) -> Applicability:
    """A heading of a document definition applies when its own and its parents' conditions hold; a heading
    under a non-applicable parent carries a pointer to that parent's justification."""
    for anc in definition.ancestors(h.key):
        if anc.applies_when is not None and not anc.applies_when.evaluate(snap.get):
            return Applicability(False, anc.not_applicable, anc.key)
    if h.applies_when is not None and not h.applies_when.evaluate(snap.get):
        return Applicability(False, h.not_applicable)
    return Applicability(True, h.applies_reason or DEFAULT_APPLIES)


def section_applicability(code: str, snap: ProjectSnapshot) -> Applicability:
    """Whether a CTD section applies to this product, from the document definitions (docs/documents-format.md);
    non-applicable sections are kept with the justification of their heading."""
    from atmp_desktop.core.definitions import default_definitions

    found = default_definitions().ctd_heading(code)
    if found is None:
        return Applicability(True, DEFAULT_APPLIES)
    definition, h = found
    return heading_applicability(definition, h, snap)


DEFAULT_APPLIES = "Applies to all ATMPs (Dir. 2001/83/EC Annex I Part IV)."
