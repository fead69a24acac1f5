"""The dossier documents the app produces, and which of them apply to a product.

One registry shared by the exporters (what to build), the GUI (what to offer, with the reason when not)
and validation (the readiness report lists what applies). It is the list of document definitions
(`resources/documents/*.yaml`, core.definitions): adding a document is adding a file there.
"""
from __future__ import annotations

from atmp_desktop.core.definitions import Definition, default_definitions
from atmp_desktop.core.project import ProjectSnapshot

DocumentSpec = Definition  # one name per concept: a document is its definition


def all_documents() -> tuple[Definition, ...]:
    return default_definitions().definitions


def __getattr__(name: str):
    # `DOCUMENTS` is loaded on first use, so importing this module does not parse YAML before the window paints
    if name == "DOCUMENTS":
        return all_documents()
    raise AttributeError(name)


def document(doc_id: str) -> Definition:
    return default_definitions().document(doc_id)


def applicable_documents(snap: ProjectSnapshot) -> list[Definition]:
    return [d for d in all_documents() if d.applies(snap)]
