"""The readiness report's glossary and literature section (hook `readiness_references`): citations whose key
the literature table lacks (by field), entries no narrative cites, and glossary rows to check (the writer's
notes, the certainty of adopted starter entries, abbreviations without expansion or listed twice)."""
from __future__ import annotations

from atmp_desktop.core import markup
from atmp_desktop.core.forms import default_forms
from atmp_desktop.core.glossary import GLOSSARY, LITERATURE, glossary_problems
from atmp_desktop.export.builders.base import label_of
from atmp_desktop.export.builders.generic import Builder, hook
from atmp_desktop.export.model import Table


def citations(snap) -> list[tuple[str, str]]:
    """(field path, key) of every citation in the project's narrative fields, in form order."""
    out: list[tuple[str, str]] = []
    for f in default_forms().all_fields():
        if f.type != "long_text":
            continue
        text = snap.get(f.path)
        if not isinstance(text, str) or "[" not in text:
            continue
        for block in markup.parse(text):
            items = (block.spans,) if isinstance(block, markup.Para) else block.items
            for spans in items:
                out += [(f.path, k) for s in spans if isinstance(s, markup.Cite) for k in s.keys]
    return out


@hook("readiness_references")
def references(c: Builder) -> None:
    glossary = c.rows(GLOSSARY)
    literature = c.rows(LITERATURE)
    known = {str(r.get("key") or "").strip().casefold(): r for r in literature if r.get("key")}
    cited = citations(c.snap)
    unknown = [(path, key) for path, key in cited if key.casefold() not in known]
    used = {k.casefold() for _, k in cited}
    c.para(f"The glossary holds {len(glossary)} abbreviation(s); each document lists those it uses after its "
           f"table of contents. The literature table holds {len(literature)} entr{'y' if len(literature) == 1 else 'ies'}; "
           f"the narrative cites {len(used & set(known))} of them ({len(cited)} citation(s)).")
    if unknown:
        c.add(Table(("Field", "Key", "What to do"),
                    tuple((label_of(path), key, "not in the literature table: add the entry or correct the key")
                          for path, key in dict.fromkeys(unknown)),
                    caption="Citations without a literature entry", widths=(3, 2, 4)))
    uncited = [r for k, r in known.items() if k not in used]
    if uncited:
        c.add(Table(("Key", "Title"), tuple((str(r.get("key")), c.cell(LITERATURE, r, "title") or "–")
                                            for r in uncited),
                    caption="Literature entries no narrative cites (not printed)", widths=(1, 3)))
    check = [r for r in glossary if str(r.get("note") or "").strip()]
    if check:
        c.add(Table(("Abbreviation", "Expansion", "Note for the writer"),
                    tuple((str(r.get("abbreviation") or ""), str(r.get("expansion") or ""), str(r["note"]))
                          for r in check),
                    caption="Glossary entries to check", widths=(1, 2, 3)))
    for sentence in glossary_problems(glossary):
        c.para(sentence)
