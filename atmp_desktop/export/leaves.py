"""eCTD leaves: one file per leaf heading of a document definition (`leaf: {folder, file}`), at the ICH eCTD
v3.2.2 Appendix 4 folders and recommended stems, and the cross-references between files.

A document is built and finished (numbered) once as a whole, then cut at its leaf headings, so a table keeps
its number ("Table 3.2.P.5.1-1") in its leaf file. A leaf is its heading and everything below it up to the next
heading of the same or a higher level; headings above the leaves (3.2.S, 3.2.S.1) are the folders and are not
repeated, but text standing under them goes with the next leaf. A leaf heading that does not apply to the
product writes no file (its absence is justified where the definitions say). A document without leaf headings
is one file. Cross-references that land in another file become relative file links (`Document.links`).
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace

from atmp_desktop.core.definitions import default_definitions
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.sections import section_applicability
from atmp_desktop.export import model as m


@dataclass
class Leaf:
    doc_id: str          # the document it was cut from
    rel: str             # path without extension, relative to the output folder (posix)
    code: str            # CTD section of the leaf ("" for a whole non-CTD document)
    doc: m.Document
    aliases: tuple[tuple[str, str], ...] = ()  # (code, text) of folder-level headings that land on this leaf


def _applies(code: str, snap: ProjectSnapshot) -> bool:
    try:
        return section_applicability(code, snap).applies
    except (KeyError, ValueError):
        return True


def cut(spec, doc: m.Document, snap: ProjectSnapshot, folder: str, stem: str, whole: str = "") -> list[Leaf]:
    """The leaf files of a document in the eCTD layout: leaf folders are relative to `folder` (the document's
    base eCTD folder); a document without leaves is one file `whole`/`stem` (its variant folder)."""
    doc = m.finish(doc)
    try:
        heads = default_definitions().document(spec.id).headings
    except KeyError:
        heads = ()
    # a leaf heading is found by its printed code, or by its title when it has none (2.3 "Introduction")
    leaves = {h.code or f"title:{h.title}": h.leaf for h in heads if h.leaf}
    if not leaves:
        return [Leaf(spec.id, posixpath.join(whole or folder, stem), doc.meta.ctd_code, doc)]
    body = m.strip_matter(doc.blocks)  # each leaf file gets the abbreviations and references it uses
    parts: dict[str, tuple[m.Heading, list]] = {}
    aliases: dict[str, list[tuple[str, str]]] = {}
    current, level, pending = None, 0, []
    skip = object()
    for b in body:
        if isinstance(b, m.Heading):
            leaf = leaves.get(b.code or f"title:{b.title}")
            if leaf is not None:
                level = b.level
                if not _applies(b.code, snap):
                    current, pending = skip, []
                    continue
                current = posixpath.join(folder, leaf.get("folder", ""), leaf["file"])
                head, blocks = parts.setdefault(current, (b, []))
                if any(not isinstance(x, m.Heading) for x in pending):
                    blocks.extend(pending)  # text under a folder-level heading goes with the next leaf
                else:  # a reference to a folder-level heading (3.2.S.1) lands on its first leaf
                    aliases.setdefault(current, []).extend((x.code, x.text) for x in pending if x.code)
                pending = []
                blocks.append(b)
                continue
            if current is not None and b.level <= level:
                current = None
        if current is skip:
            continue
        if current is None:
            pending.append(b)
        else:
            parts[current][1].append(b)
    if pending and parts and any(not isinstance(x, m.Heading) for x in pending):
        parts[next(reversed(parts))][1].extend(pending)
    out = []
    for rel, (head, blocks) in parts.items():
        base = min(b.level for b in blocks if isinstance(b, m.Heading))
        blocks = [replace(b, level=b.level - base + 1) if isinstance(b, m.Heading) else b for b in blocks]
        sections = {b.text for b in blocks if isinstance(b, m.Heading)}
        meta = replace(doc.meta, doc_id=f"{spec.id}/{head.code}", title=head.text, ctd_code=head.code,
                       subject=f"{doc.meta.title}: {head.text}", front_matter=False)
        leaf_doc = m.add_matter(m.Document(meta, blocks, [], finished=True,
                                           review_notes=[n for n in doc.review_notes if n[0] in sections],
                                           glossary=doc.glossary, literature=doc.literature), level=2)
        out.append(Leaf(spec.id, rel, head.code, leaf_doc, tuple(aliases.get(rel, ()))))
    return out


def _targets(leaf: Leaf):
    d = leaf.doc
    for h, key in zip(d.headings(), d.heading_keys()):
        for t in (h.code, h.key):
            if t:
                yield t, key, h.text
    first = d.heading_keys()[0] if d.headings() else ""
    for code, text in leaf.aliases:
        yield code, first, text
    for b in d.blocks:
        if isinstance(b, (m.Table, m.Figure)) and b.id and b.number:
            yield f"{'table' if isinstance(b, m.Table) else 'figure'}:{b.id}", m.caption_key(b), b.label


def _refs(doc: m.Document):
    for b in doc.blocks:
        runs = b.runs if isinstance(b, m.Paragraph) else [r for i in b.items for r in i] \
            if isinstance(b, m.ListBlock) else ()
        for r in runs:
            if isinstance(r, m.XRef):
                yield r


def link(leaves: list[Leaf]) -> list[str]:
    """Point every cross-reference that is not in its own file at the file and bookmark that hold it; returns
    warnings for references to another document that is not exported."""
    index: dict[str, dict[str, tuple[str, str, str]]] = {}
    for leaf in leaves:
        targets = index.setdefault(leaf.doc_id, {})
        for target, key, text in _targets(leaf):
            targets.setdefault(target, (leaf.rel, key, text))
    warnings = []
    for leaf in leaves:
        here = posixpath.dirname(leaf.rel)
        for ref in _refs(leaf.doc):
            if not ref.document and leaf.doc.xref_text(ref)[1] is not None:
                continue  # in this file
            found = index.get(ref.document or leaf.doc_id, {}).get(ref.target)
            if found is None:
                if ref.document and ref.document not in index:
                    continue  # the other document is not part of this export: its text names the target
                if ref.document:
                    warnings.append(f"{leaf.doc.meta.title}: the cross-reference to {ref.target} in "
                                    f"{ref.document} finds no such heading, table or figure there.")
                continue
            rel, key, text = found
            leaf.doc.links[(ref.document, ref.target)] = (posixpath.relpath(rel, here or "."), key, text)
    return list(dict.fromkeys(warnings))
