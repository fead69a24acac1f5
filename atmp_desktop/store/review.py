"""Review status and review comments in the project file: their SQL, their place in actions and undo steps.

Two change kinds join the store's ("f", "r", "s") changes (project_file.Change), so a review action is one
transaction and one undo step like any edit, and an approval reset rides in the edit that caused it:
  ("v", target, old, new)        review status of 'step:<id>' / 'section:<code>'; old/new = entry dict or None
  ("c", comment_id, old, new)    one review comment; old/new = comment dict or None
Values are checked when read (core.review.check_*): a file from anyone may hold anything.
"""
from __future__ import annotations

import datetime as _dt
import os
import sqlite3
from typing import Any, Iterable

from atmp_desktop.core.changes import ChangeSet
from atmp_desktop.core.review import (
    COMMENT_STATES, MAX_COMMENT_CHARS, REVIEW_STATES, STATE_LABELS, affected_targets, check_comment, check_review,
    reset_entry, target_label,
)
from atmp_desktop.core.values import strip_control
from atmp_desktop.store.errors import ProjectFileError

KINDS = ("v", "c")
_COMMENT_COLUMNS = ("id", "path", "row_id", "parent", "author", "at", "body", "state", "resolved_by", "resolved_at")


def _text(raw: Any) -> Any:
    from atmp_desktop.store.project_file import _decode  # stored text: invalid UTF-8 becomes None
    return _decode(raw)


def load(conn: sqlite3.Connection) -> tuple[dict, dict, list[tuple[str, str]]]:
    """(review status by target, comments by id, problems) read from the file, every value checked."""
    problems: list[tuple[str, str]] = []
    conn.text_factory = bytes
    try:
        status_rows = conn.execute("SELECT target, status, reviewer, at, comment FROM review_status").fetchall()
        comment_rows = conn.execute(f"SELECT {', '.join(_COMMENT_COLUMNS)} FROM review_comments").fetchall()
    finally:
        conn.text_factory = str
    review: dict[str, dict] = {}
    for target, *rest in status_rows:
        t = _text(target)
        entry = check_review(dict(zip(("status", "reviewer", "at", "comment"), map(_text, rest))))
        if isinstance(t, str) and entry is not None:
            review[t] = entry
        else:
            problems.append((f"review {t if isinstance(t, str) else '?'}", "the review status is not readable and "
                             "was ignored"))
    comments: dict[str, dict] = {}
    for row in comment_rows:
        entry = check_comment(dict(zip(_COMMENT_COLUMNS, map(_text, row))))
        if entry is None:
            problems.append(("review comments", "a review comment is not readable and was ignored"))
        else:
            comments[entry["id"]] = entry
    return review, comments, problems


def write(conn: sqlite3.Connection, change: tuple) -> None:
    kind, key, _old, new = change
    if kind == "v":
        if new is None:
            conn.execute("DELETE FROM review_status WHERE target = ?", [key])
        else:
            conn.execute("INSERT OR REPLACE INTO review_status (target, status, reviewer, at, comment) "
                         "VALUES (?, ?, ?, ?, ?)", [key, new["status"], new["reviewer"], new["at"], new["comment"]])
    else:
        if new is None:
            conn.execute("DELETE FROM review_comments WHERE id = ?", [key])
        else:
            conn.execute(f"INSERT OR REPLACE INTO review_comments ({', '.join(_COMMENT_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(_COMMENT_COLUMNS))})", [new[c] for c in _COMMENT_COLUMNS])


def audit(pf, now: str, audit_action: str, change: tuple) -> None:
    kind, key, old, new = change
    if kind == "v":
        pf._audit(now, audit_action, f"review {key}", (old or {}).get("status"), (new or {}).get("status"))
    else:
        what = (new or old or {})
        old_text = None if old is None else f"{old['state']}: {old['body']}"
        new_text = None if new is None else f"{new['state']}: {new['body']}"
        pf._audit(now, audit_action, f"comment on {what.get('path', '?')}", old_text, new_text)


def apply_in_memory(pf, change: tuple) -> None:
    kind, key, _old, new = change
    store = dict(pf._review if kind == "v" else pf._comments)
    if new is None:
        store.pop(key, None)
    else:
        store[key] = dict(new)
    if kind == "v":
        pf._review = store
    else:
        pf._comments = store


def current(pf, change: tuple) -> Any:
    kind, key = change[0], change[1]
    entry = (pf._review if kind == "v" else pf._comments).get(key)
    return dict(entry) if entry is not None else None


def check_stored(item: list) -> tuple | None:
    """An undo step's review change read back from the file, or None when it is not usable."""
    kind, key, old, new = item
    check = check_review if kind == "v" else check_comment
    if not isinstance(key, str):
        return None
    ends = []
    for end in (old, new):
        if end is None:
            ends.append(None)
            continue
        checked = check(end)
        if checked is None:
            return None
        ends.append(checked)
    return (kind, key, ends[0], ends[1])


def changed(changes: Iterable[tuple]) -> tuple[frozenset[str], frozenset[str]]:
    """(review targets, commented field paths) the changes touch: what a ChangeSet names."""
    targets, paths = set(), set()
    for c in changes:
        if c[0] == "v":
            targets.add(c[1])
        elif c[0] == "c":
            paths.add((c[3] or c[2] or {}).get("path", ""))
    return frozenset(targets), frozenset(paths - {""})


def with_resets(pf, changes: list[tuple], label: str, now: str) -> tuple[list[tuple], str]:
    """The changes plus, for every approved step or section whose content they change, a reset to in review;
    and the sentence that tells the user (empty when nothing was approved)."""
    paths = {c[1] for c in changes if c[0] in ("f", "r")}
    explicit = {c[1] for c in changes if c[0] == "v"}
    resets = []
    for target in affected_targets(pf.forms, paths):
        old = pf._review.get(target)
        if target in explicit or old is None or old["status"] != "approved":
            continue
        resets.append(("v", target, dict(old), reset_entry(old, pf.user, now, label)))
    if not resets:
        return changes, ""
    names = [target_label(pf.forms, c[1], titled=False) for c in resets]
    if len(names) > 3:
        shown = ", ".join(names[:3]) + f" and {len(names) - 3} more"
    else:
        shown = " and ".join(names) if len(names) < 3 else f"{names[0]}, {names[1]} and {names[2]}"
    verb = "was" if len(names) == 1 else "were"
    return changes + resets, f"{shown[0].upper()}{shown[1:]} {verb} approved; this change put {'it' if len(names) == 1 else 'them'} back to in review."


# ==================================================================== the actions (mixed into ProjectFile)
def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _clean(text: Any, what: str, limit: int = MAX_COMMENT_CHARS) -> str:
    if not isinstance(text, str):
        raise ProjectFileError(f"the {what} must be text.")
    text = strip_control(text).strip()
    if len(text) > limit:
        raise ProjectFileError(f"the {what} is longer than {limit:,} characters; shorten it.")
    return text


class ReviewMixin:
    """Review status and comments of an open ProjectFile (each call one action, audited, one undo step)."""

    def review_status(self, target: str) -> dict | None:
        entry = self._review.get(target)
        return dict(entry) if entry is not None else None

    def set_review_status(self, target: str, status: str, comment: str = "", reviewer: str | None = None
                          ) -> ChangeSet | None:
        """Set the review status of 'step:<id>' or 'section:<code>'."""
        self._check_target(target)
        if status not in REVIEW_STATES:
            raise ProjectFileError(f"a review status is one of {', '.join(REVIEW_STATES)}, not '{status}'.")
        old = self.review_status(target)
        new = {"status": status, "reviewer": _clean(reviewer if reviewer is not None else self.user, "reviewer name",
                                                    200) or self.user,
               "at": _now(), "comment": _clean(comment, "review comment")}
        if old is not None and all(old[k] == new[k] for k in ("status", "reviewer", "comment")):
            return None
        label = f"review status of {target_label(self.forms, target)}: {STATE_LABELS[status].lower()}"
        return self.run_action(label=label, extra=[("v", target, old, new)], audit_action="review")

    def comments(self, path: str | None = None) -> list[dict]:
        return sorted((dict(c) for c in self._comments.values() if path is None or c["path"] == path),
                      key=lambda c: (c["at"], c["id"]))

    def add_comment(self, path: str, body: str, parent: str = "", row_id: str = "") -> ChangeSet | None:
        """A new review comment on the field `path` (and a row of it), or a reply to the thread `parent`."""
        f = self.forms.field(path)
        body = _clean(body, "comment")
        if not body:
            raise ProjectFileError("the comment is empty; write what the writer should look at.")
        if parent:
            first = self._comments.get(parent)
            if first is None:
                raise ProjectFileError("the comment being answered no longer exists.")
            if first["parent"]:
                parent = first["parent"]
            path, row_id = self._comments[parent]["path"], self._comments[parent]["row_id"]
        entry = {"id": os.urandom(8).hex(), "path": f.path if not parent else path, "row_id": row_id or "",
                 "parent": parent, "author": self.user, "at": _now(), "body": body, "state": "open",
                 "resolved_by": "", "resolved_at": ""}
        label = f"{'reply to a comment' if parent else 'comment'} on {f.label}"
        return self.run_action(label=label, extra=[("c", entry["id"], None, entry)], audit_action="comment")

    def resolve_comment(self, comment_id: str, resolved: bool = True) -> ChangeSet | None:
        """Mark a comment's thread resolved (or open again)."""
        entry = self._comments.get(comment_id)
        if entry is None:
            raise ProjectFileError("that comment no longer exists.")
        if entry["parent"] and entry["parent"] in self._comments:
            entry = self._comments[entry["parent"]]
        state = "resolved" if resolved else "open"
        if state not in COMMENT_STATES or entry["state"] == state:
            return None
        new = {**entry, "state": state, "resolved_by": self.user if resolved else "",
               "resolved_at": _now() if resolved else ""}
        label = f"{'resolution' if resolved else 'reopening'} of a comment on {self.forms.field(entry['path']).label}"
        return self.run_action(label=label, extra=[("c", entry["id"], dict(entry), new)], audit_action="comment")

    def _check_target(self, target: str) -> None:
        kind, _, key = str(target).partition(":")
        if kind == "step":
            try:
                self.forms.step(key)
                return
            except KeyError:
                pass
        elif kind == "section" and key[:1].isdigit() and len(key) <= 40:
            return
        raise ProjectFileError(f"'{target}' is not a step or CTD section that can be reviewed.")
