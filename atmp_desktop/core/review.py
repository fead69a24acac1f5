"""Review status and review comments: what a reviewer records about a step or a CTD section, as plain data.

Targets are 'step:<step id>' or 'section:<CTD code>'. Each has a status (draft / in review / approved), the
reviewer, the date and a comment. When content under an approved target changes, the target goes back to
in review in the same action (so one undo brings the approval back) and the change says so.

Comments are threaded notes on a field (or one row of a table): the first comment of a thread carries its
state (open / resolved); replies name it as `parent`. They travel with the project file.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from atmp_desktop.core.feeds import ctd_sections, with_parents
from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.records import record

REVIEW_STATES = ("draft", "in_review", "approved")
STATE_LABELS = {"draft": "Draft", "in_review": "In review", "approved": "Approved"}
COMMENT_STATES = ("open", "resolved")
MAX_COMMENT_CHARS = 20_000
_REVIEW_KEYS = ("status", "reviewer", "at", "comment")
_COMMENT_KEYS = ("id", "path", "row_id", "parent", "author", "at", "body", "state", "resolved_by", "resolved_at")


def step_target(step_id: str) -> str:
    return f"step:{step_id}"


def section_target(code: str) -> str:
    return f"section:{code}"


def target_label(forms: FormSet, target: str, titled: bool = True) -> str:
    kind, _, key = target.partition(":")
    if kind == "step":
        try:
            return f"step {forms.step(key).title}"
        except KeyError:
            return f"step {key}"
    from atmp_desktop.core.sections import heading
    if not titled:
        return f"section {key}"
    try:
        return f"section {key} {heading(key).title}"
    except KeyError:
        return f"section {key}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def affected_targets(forms: FormSet, paths: Iterable[str]) -> list[str]:
    """Every review target whose content includes one of the field paths: the field's step, the CTD sections
    it feeds and the sections above them (an approval of 3.2.S covers 3.2.S.2.2)."""
    out: list[str] = []
    for path in paths:
        try:
            f = forms.field(path)
        except KeyError:
            continue
        for t in [step_target(f.step_id)] + [section_target(c) for c in with_parents(ctd_sections(forms, f.path))]:
            if t not in out:
                out.append(t)
    return out


def reset_entry(old: Mapping[str, str], user: str, now: str, why: str) -> dict:
    """The status an approved target gets when its content changes: back to in review, saying why."""
    return {"status": "in_review", "reviewer": old.get("reviewer", ""), "at": now,
            "comment": f"Back to review: {why} by {user} after approval on {old.get('at', '')[:10]}."}


def check_review(entry: Any) -> dict | None:
    """A stored or received review entry, or None when it is not one (never raises)."""
    if not isinstance(entry, dict) or entry.get("status") not in REVIEW_STATES:
        return None
    out = {}
    for k in _REVIEW_KEYS:
        v = entry.get(k, "")
        if not isinstance(v, str) or len(v) > MAX_COMMENT_CHARS:
            return None
        out[k] = v
    return out


def check_comment(entry: Any) -> dict | None:
    if not isinstance(entry, dict):
        return None
    out = {}
    for k in _COMMENT_KEYS:
        v = entry.get(k, "")
        if not isinstance(v, str) or len(v) > MAX_COMMENT_CHARS:
            return None
        out[k] = v
    if not out["id"] or not out["path"] or out["state"] not in COMMENT_STATES or not out["body"].strip():
        return None
    return out


@record(frozen=True)
class Thread:
    """A review comment with its replies, in date order."""
    first: Mapping[str, str]
    replies: tuple[Mapping[str, str], ...]

    @property
    def id(self) -> str:
        return self.first["id"]

    @property
    def path(self) -> str:
        return self.first["path"]

    @property
    def resolved(self) -> bool:
        return self.first["state"] == "resolved"

    @property
    def comments(self) -> tuple[Mapping[str, str], ...]:
        return (self.first, *self.replies)


def threads(comments: Iterable[Mapping[str, str]], path: str | None = None) -> list[Thread]:
    """Comments grouped into threads (oldest first); only those on `path` when given. A reply whose first
    comment is missing becomes a thread of its own."""
    items = sorted(comments, key=lambda c: (c["at"], c["id"]))
    firsts = {c["id"]: c for c in items if not c["parent"]}
    replies: dict[str, list] = {}
    out_firsts = list(firsts.values())
    for c in items:
        if c["parent"]:
            if c["parent"] in firsts:
                replies.setdefault(c["parent"], []).append(c)
            else:
                out_firsts.append(c)
    out = [Thread(f, tuple(replies.get(f["id"], ()))) for f in sorted(out_firsts, key=lambda c: (c["at"], c["id"]))]
    return [t for t in out if path is None or t.path == path]
