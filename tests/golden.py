"""Golden reference texts: every document of every sample as plain text (export.plaintext) in tests/reference/.

Regenerate after an intended change of output with `make reference` (this module), then review the diff:
it shows every change a writer would see. tests/test_golden.py compares.
"""
from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

from atmp_desktop.core.documents import all_documents
from atmp_desktop.core.figures import check_figures
from atmp_desktop.core.forms import default_forms
from atmp_desktop.core.interchange import check_document, check_row_ids
from atmp_desktop.core.project import ProjectSnapshot, effective_snapshot
from atmp_desktop.export import builders
from atmp_desktop.export.plaintext import render
from atmp_desktop.samples import load_sample, sample_names

REFERENCE = Path(__file__).resolve().parent / "reference"
DATA = Path(__file__).resolve().parent / "data"

# A sample in another profile: (the sample, the JSON whose step values replace the sample's) and the documents
# whose golden texts it adds (the others equal the sample's). The five samples' own texts stay as they are.
TRIAL_PROFILES = {"aav-exploratory-ct": ("aav-gene-therapy", DATA / "trial-aav-exploratory.json")}
TRIAL_DOCUMENTS = ("impd-q", "impd-se", "ctis-part-i", "psf")


@lru_cache(maxsize=None)
def sample_snapshot(name: str) -> ProjectSnapshot:
    """A sample as the export sees it: the JSON checked and migrated like an import, hidden values removed."""
    if name in TRIAL_PROFILES:
        base, overlay = TRIAL_PROFILES[name]
        doc = json.loads(json.dumps(load_sample(base)))
        for step, values in json.loads(overlay.read_text(encoding="utf-8"))["data"].items():
            doc["data"].setdefault(step, {}).update(values)
        return _snapshot_of(doc)
    return _snapshot_of(load_sample(name))


def _snapshot_of(doc: dict) -> ProjectSnapshot:
    forms = default_forms()
    problems, data = check_document(forms, doc)
    assert not problems, problems
    id_problems, ids = check_row_ids(doc, data)  # results link to batches, studies and tests by row id
    assert not id_problems, id_problems
    figure_problems, figures = check_figures(forms, doc)  # figures carry their images (base64)
    assert not figure_problems, figure_problems
    return effective_snapshot(forms, ProjectSnapshot(doc.get("project") or {}, data,
                                                     doc.get("section_status") or {},
                                                     table_ids={k: tuple(v) for k, v in ids.items()},
                                                     figures=tuple(figures)))


def reference_texts() -> dict[Path, str]:
    out = {}
    for name in sample_names():
        snap = sample_snapshot(name)
        for d in all_documents():
            out[REFERENCE / name / f"{d.id}.txt"] = render(builders.build(d.id, snap))
    for name in TRIAL_PROFILES:
        snap = sample_snapshot(name)
        for doc_id in TRIAL_DOCUMENTS:
            out[REFERENCE / name / f"{doc_id}.txt"] = render(builders.build(doc_id, snap))
    return out


def write() -> int:
    texts = reference_texts()
    for old in REFERENCE.glob("*/*.txt"):
        if old not in texts:
            old.unlink()
    changed = 0
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed += 1
    print(f"{len(texts)} reference texts, {changed} changed, in {REFERENCE}")
    return 0


if __name__ == "__main__":
    sys.exit(write())
