"""Snapshot -> Document for every document id: the generic builder interprets the document's definition
(resources/documents/*.yaml); the few computed sections are the hooks in `hooks` and `cat_readiness`."""
from __future__ import annotations

from atmp_desktop.core.definitions import HOOKS, default_definitions
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.export.builders import cat_readiness, grids, hooks, references_hooks, review_hooks  # noqa: F401  (they register their hooks)
from atmp_desktop.export.builders.generic import HOOK_IMPLS, build_definition
from atmp_desktop.export.model import Document

_missing = sorted(set(HOOKS) - set(HOOK_IMPLS))
if _missing:  # a hook declared in core but implemented nowhere would fail at the first export; fail at import
    raise ImportError(f"document hooks without an implementation: {', '.join(_missing)}")


def build(doc_id: str, snap: ProjectSnapshot) -> Document:
    return build_definition(default_definitions().document(doc_id), snap)
