"""Every document of every sample equals its golden reference text (tests/reference/, `make reference`)."""
from __future__ import annotations

import difflib

from tests.golden import REFERENCE, reference_texts


def test_every_document_of_every_sample_matches_its_reference_text():
    texts = reference_texts()
    assert len(texts) >= 5 * 12
    problems = []
    for path, text in texts.items():
        rel = path.relative_to(REFERENCE)
        if not path.is_file():
            problems.append(f"{rel}: no reference text")
            continue
        want = path.read_text(encoding="utf-8")
        if want != text:
            diff = difflib.unified_diff(want.splitlines(), text.splitlines(), "reference", "built", n=1, lineterm="")
            problems.append(f"{rel}:\n" + "\n".join(list(diff)[:30]))
    stale = [p.relative_to(REFERENCE) for p in REFERENCE.glob("*/*.txt") if p not in texts]
    assert not problems and not stale, ("output changed; review it and run `make reference`:\n"
                                        + "\n\n".join(problems[:6]) + (f"\nstale: {stale}" if stale else ""))
