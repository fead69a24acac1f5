"""The project's glossary and literature (step `references`): the ATMP starter glossary a writer can adopt in
one action, and checks the readiness report and the export share.

The starter set is data (`resources/glossary/atmp-starter.yaml`), each entry with the certainty of its
expansion; adopting it adds only the abbreviations the project does not have yet (the writer's own rows are
never changed), with the certainty tag and note in the row's "Note for the writer" column, which is never
printed in submission text.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

GLOSSARY = "references.glossary"
LITERATURE = "references.literature"
CERTAINTIES = ("V", "K", "U")


@dataclass(frozen=True)
class StarterEntry:
    abbreviation: str
    expansion: str
    certainty: str = "V"
    note: str = ""

    def row(self) -> dict:
        """The glossary row this entry adds; the note carries the certainty unless it is verified."""
        row = {"abbreviation": self.abbreviation, "expansion": self.expansion}
        if self.certainty != "V" or self.note:
            row["note"] = f"[{self.certainty}] {self.note}".strip()
        return row


class GlossaryError(ValueError):
    """The starter glossary file is malformed (a packaging error, named with the entry)."""


@lru_cache(maxsize=1)
def starter_entries() -> tuple[StarterEntry, ...]:
    from atmp_desktop.core.paths import resources_dir
    from atmp_desktop.core.yaml_cache import cache_file, load_yaml_files

    path = resources_dir() / "glossary" / "atmp-starter.yaml"
    # through the JSON copy of the parsed YAML (core/yaml_cache.py): PyYAML took ~30 ms of the References
    # page's build, the longest pause after a large project opened
    raw = load_yaml_files([path], cache_file(path.parent))[0] or {}
    out: list[StarterEntry] = []
    for n, e in enumerate(raw.get("entries") or [], 1):
        if not isinstance(e, dict) or set(e) - {"abbreviation", "expansion", "certainty", "note"} or \
                not all(isinstance(e.get(k), str) and e[k].strip() for k in ("abbreviation", "expansion")) or \
                e.get("certainty", "V") not in CERTAINTIES or not isinstance(e.get("note", ""), str):
            raise GlossaryError(f"{path.name}: entry {n} needs abbreviation and expansion (text), certainty V/K/U "
                                f"and an optional note")
        out.append(StarterEntry(e["abbreviation"].strip(), e["expansion"].strip(), e.get("certainty", "V"),
                                " ".join(e.get("note", "").split())))
    abbreviations = [e.abbreviation for e in out]
    dup = next((a for a in abbreviations if abbreviations.count(a) > 1), None)
    if dup:
        raise GlossaryError(f"{path.name}: the abbreviation '{dup}' is listed twice")
    return tuple(out)


def starter_rows(existing: list[dict]) -> list[dict]:
    """The starter rows the glossary lacks (an abbreviation the writer already has, in any case, is kept)."""
    have = {str(r.get("abbreviation") or "").strip().casefold() for r in existing}
    return [e.row() for e in starter_entries() if e.abbreviation.casefold() not in have]


def glossary_problems(rows: list[dict]) -> list[str]:
    """Sentences about glossary rows no list can print well: an abbreviation without expansion, one listed
    twice with different expansions (the first is printed)."""
    out: list[str] = []
    seen: dict[str, str] = {}
    for i, r in enumerate(rows):
        abbr = " ".join(str(r.get("abbreviation") or "").split())
        expansion = " ".join(str(r.get("expansion") or "").split())
        if not abbr:
            continue
        if not expansion:
            out.append(f"The abbreviation '{abbr}' (glossary row {i + 1}) has no expansion, so no list prints it; "
                       f"add the expansion or delete the row.")
        elif abbr in seen and seen[abbr] != expansion:
            out.append(f"The abbreviation '{abbr}' is in the glossary twice ('{seen[abbr]}' and '{expansion}'); "
                       f"the first is printed. Keep one.")
        else:
            seen.setdefault(abbr, expansion)
    return out
