"""One builder per document id: `build(snap) -> Document`. Builders never know the output format."""
from __future__ import annotations

import importlib
from typing import Callable

from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.export.model import Document

# document id -> (module, function) inside atmp_desktop.export.builders
_REGISTRY: dict[str, tuple[str, str]] = {
    "m1-6-era": ("era", "build"),
    "m2-3-qos": ("qos", "build"),
    "m3-2-s": ("module3", "build_s"),
    "m3-2-p": ("module3", "build_p"),
    "m3-2-a": ("module3", "build_a"),
    "m3-2-r": ("module3", "build_r"),
    "gmo-caf-aav": ("gmo_forms", "build_caf_aav"),
    "gmo-caf-cells": ("gmo_forms", "build_caf_cells"),
    "gmo-snif": ("gmo_forms", "build_snif"),
    "cat-classification": ("cat_forms", "build_classification"),
    "sme-certification": ("cat_forms", "build_sme"),
    "cat-readiness": ("cat_readiness", "build"),  # written by the validation feature; placeholder if absent
}


def _readiness_placeholder(snap: ProjectSnapshot) -> Document:
    from atmp_desktop.export.builders.base import Ctx
    c = Ctx(snap, "cat-readiness")
    c.heading("CAT readiness report", 1)
    c.note("The readiness checks are not available in this build of the app.")
    c.todo("run the validation checks and attach their report")
    return c.build()


def builder_for(doc_id: str) -> Callable[[ProjectSnapshot], Document]:
    module, func = _REGISTRY[doc_id]
    try:
        mod = importlib.import_module(f"atmp_desktop.export.builders.{module}")
    except ModuleNotFoundError as exc:
        if doc_id == "cat-readiness" and exc.name and exc.name.endswith("cat_readiness"):
            return _readiness_placeholder
        raise
    return getattr(mod, func)


def build(doc_id: str, snap: ProjectSnapshot) -> Document:
    return builder_for(doc_id)(snap)
