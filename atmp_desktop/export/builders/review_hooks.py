"""The readiness report's review section (hook `readiness_review`): the review status of every step and CTD
section that has one, and the review comments still open, so the report shows what a reviewer has signed off."""
from __future__ import annotations

from atmp_desktop.core.forms import default_forms
from atmp_desktop.core.review import STATE_LABELS, capital, target_label, threads
from atmp_desktop.core.sections import all_headings
from atmp_desktop.export.builders.generic import Builder, hook
from atmp_desktop.export.model import Table


def _order(target: str) -> tuple:
    kind, _, key = target.partition(":")
    if kind == "step":
        steps = [s.id for s in default_forms().steps]
        return (0, steps.index(key) if key in steps else 99, key)
    codes = [h.code for h in all_headings()]
    return (1, codes.index(key) if key in codes else 9999, key)


@hook("readiness_review")
def review(c: Builder) -> None:
    forms = default_forms()
    entries = sorted(c.snap.review.items(), key=lambda kv: _order(kv[0]))
    if not entries:
        c.para("No step or CTD section has a review status yet (Review > Review Status in the window).")
    else:
        approved = sum(1 for _, e in entries if e["status"] == "approved")
        c.para(f"{approved} of {len(entries)} reviewed step(s) and section(s) approved; "
               f"{sum(1 for _, e in entries if e['status'] == 'in_review')} in review.")
        rows = tuple((capital(target_label(forms, t)), STATE_LABELS[e["status"]], e["reviewer"], e["at"][:10],
                      e["comment"]) for t, e in entries)
        c.add(Table(("Step or section", "Status", "Reviewer", "Date", "Comment"), rows, caption="Review status",
                    widths=(3, 1.2, 1.4, 1.1, 3.5)))
    open_threads = [t for t in threads(c.snap.comments) if not t.resolved]
    if open_threads:
        rows = []
        for t in open_threads:
            try:
                label = forms.field(t.path).label
            except KeyError:
                label = t.path
            last = t.comments[-1]
            rows.append((label, t.first["author"], t.first["at"][:10], t.first["body"],
                         f"{len(t.replies)} repl{'y' if len(t.replies) == 1 else 'ies'}, last by {last['author']}"
                         if t.replies else ""))
        c.add(Table(("Field", "Author", "Date", "Open comment", "Replies"), tuple(rows),
                    caption="Open review comments", widths=(2.5, 1.2, 1.1, 4, 1.8)))
