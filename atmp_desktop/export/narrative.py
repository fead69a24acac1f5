"""Formatted narrative into the document model: core.markup blocks -> Paragraph / ListBlock with runs.

The markup is parsed once here; both writers only see runs (bold, italic, sub/superscript) and soft
cross-references (linked when the document holds the target, else printed as written) and citations.
"""
from __future__ import annotations

from atmp_desktop.core import markup
from atmp_desktop.export.model import Cite, ListBlock, Paragraph, Run, XRef


def _runs(spans) -> tuple:
    out = []
    for s in spans:
        if isinstance(s, markup.Ref):
            out.append(XRef(s.target, s.text, soft=True))
        elif isinstance(s, markup.Cite):
            out.append(Cite(s.keys, s.text))
        else:
            out.append(Run(s.text, bold=s.bold, italic=s.italic, sub=s.sub, sup=s.sup))
    return tuple(out)


def narrative_blocks(text: str, label: str = "") -> list:
    """The blocks of a stored narrative; with `label`, a bold "Label: " leads the first paragraph."""
    blocks: list = []
    for b in markup.parse(text):
        if isinstance(b, markup.Para):
            blocks.append(Paragraph(_runs(b.spans)))
        else:
            blocks.append(ListBlock(tuple(_runs(item) for item in b.items), numbered=b.numbered))
    if label:
        lead = Run(label + ": ", bold=True)
        if blocks and isinstance(blocks[0], Paragraph):
            blocks[0] = Paragraph((lead,) + blocks[0].runs, blocks[0].style)
        else:
            blocks.insert(0, Paragraph((Run(label, bold=True),)))
    return blocks
