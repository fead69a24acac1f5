"""Snapshot -> Document for every document id: the generic builder interprets the document's definition
(resources/documents/*.yaml); the few computed sections are the hooks in `hooks` and `cat_readiness`."""
from __future__ import annotations

import contextlib

from atmp_desktop.core.definitions import HOOKS, default_definitions
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.export.builders import cat_readiness, grids, hooks, references_hooks, review_hooks  # noqa: F401  (they register their hooks)
from atmp_desktop.export.builders.generic import HOOK_IMPLS, build_definition
from atmp_desktop.export.model import Document

_missing = sorted(set(HOOKS) - set(HOOK_IMPLS))
if _missing:  # a hook declared in core but implemented nowhere would fail at the first export; fail at import
    raise ImportError(f"document hooks without an implementation: {', '.join(_missing)}")


_scopes: list[tuple[ProjectSnapshot, dict[str, Document]]] = []


def build(doc_id: str, snap: ProjectSnapshot) -> Document:
    """The document model of `doc_id` from `snap`; inside `one_export(snap)` each document is built once (the
    readiness report counts the placeholders of every other document by building them: a second build of
    every model in an export that builds them anyway)."""
    scope = next((docs for s, docs in reversed(_scopes) if s is snap), None)
    if scope is None:
        return build_definition(default_definitions().document(doc_id), snap)
    doc = scope.get(doc_id)
    if doc is None:
        doc = scope[doc_id] = build_definition(default_definitions().document(doc_id), snap)
    return doc


@contextlib.contextmanager
def one_export(snap: ProjectSnapshot):
    """Build each document of `snap` at most once while the block runs (models are not changed after they are
    built; the writers' model.finish returns a new one). The models are dropped when the block ends."""
    _scopes.append((snap, {}))
    try:
        yield
    finally:
        _scopes.pop()
