"""How much of the QOS is Module 3 copied verbatim, per sample (docs/documents-format.md, issue 10).

A QOS text unit is a paragraph, a list item or a table cell (headings, the title block and notes are not
counted). A unit is verbatim when its text, whitespace-normalised, occurs in the sample's Module 3 documents
(3.2.S, 3.2.P, 3.2.A, 3.2.R). The share is verbatim characters / all characters. Run:
`python -m tests.qos_verbatim`.
"""
from __future__ import annotations

import re

from atmp_desktop.export import builders
from atmp_desktop.export.model import ListBlock, Paragraph, Table
from atmp_desktop.samples import sample_names

MODULE3 = ("m3-2-s", "m3-2-p", "m3-2-a", "m3-2-r")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def units(doc) -> list[str]:
    out = []
    for b in doc.blocks:
        if isinstance(b, Paragraph) and b.style != "note":
            out.append("".join(getattr(r, "text", "") for r in b.runs))
        elif isinstance(b, ListBlock):
            out += ["".join(getattr(r, "text", "") for r in item) for item in b.items]
        elif isinstance(b, Table):
            out += [c for row in b.rows for c in row]
    return [u for u in (_norm(x) for x in out) if u]


def verbatim_share(build, snap) -> float:
    m3 = " ".join(" ".join(units(build(d, snap))) for d in MODULE3)
    qos = units(build("m2-3-qos", snap))
    total = sum(len(u) for u in qos)
    copied = sum(len(u) for u in qos if u in m3)
    return copied / total if total else 0.0


def main(build=builders.build, snapshot=None) -> dict[str, float]:
    if snapshot is None:
        from tests.golden import sample_snapshot as snapshot
    out = {name: verbatim_share(build, snapshot(name)) for name in sample_names()}
    for name, share in out.items():
        print(f"{name:20} {share:6.1%}")
    return out


if __name__ == "__main__":
    main()
