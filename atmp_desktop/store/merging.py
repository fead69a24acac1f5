"""Comparing and merging a colleague's copy of the open project: finding the common base, taking the merge.

A received file goes through the store's gate first: it is opened read-only (the schema check refuses
anything this version did not create, nothing in it runs, it is never written). It must be a copy of the
same project (same project UUID).

The base of the three-way merge is the most recent state both copies share:
- the last common milestone (same id and digest in both files: Send a Copy and Export Milestone make one), or
- the last common audit point: the undo history in each file records every action with row-level
  differences, so copies of one file share the first steps of it. Undoing each side's later steps from its
  current state gives the state at that point; it is used only when both sides arrive at the same state.
Whichever of the two is closer to both sides (fewer differences) is used.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from atmp_desktop.core import diff as _diff
from atmp_desktop.core.merge import MINE, THEIRS, MergeResult, merge
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.store.bulk import no_gc_passes
from atmp_desktop.store.errors import ProjectFileError


def open_other(pf, path: str | Path):
    """A colleague's copy of `pf`'s project, opened read-only through the store's checks."""
    from atmp_desktop.store.project_file import ProjectFile
    path = Path(path)
    if pf is not None and path.exists() and path.resolve() == Path(pf.path).resolve():
        raise ProjectFileError(f"'{path.name}' is the project that is open; choose the copy you received.")
    other = ProjectFile.open(path, pf.forms, read_only=True)
    if pf is not None and other.meta().get("uuid") != pf.meta().get("uuid"):
        other.close()
        raise ProjectFileError(f"'{path.name}' is a different project (its project identity differs from "
                               f"'{Path(pf.path).name}'); only copies of the same project can be compared or merged.")
    return other


# ---------------------------------------------------------------------------------------------- the base
def common_milestone(a, b):
    """The newest milestone both files hold unchanged (same id and digest), or None."""
    theirs = {m.id: m for m in b.milestones()}
    common = [m for m in a.milestones() if m.id in theirs and theirs[m.id].digest == m.digest]
    return common[-1] if common else None


def _steps(pf) -> list[tuple[int, str, int, str]]:
    with pf._reading():
        rows = pf._conn.execute("SELECT seq, label, undone, changes FROM undo_steps ORDER BY seq").fetchall()
    return [r for r in rows if isinstance(r[0], int) and isinstance(r[1], str) and r[2] in (0, 1)
            and isinstance(r[3], str)]


def _common_seq(a: list, b: list) -> int | None:
    """The last undo step both histories hold identically (contiguous from where both begin)."""
    if not a or not b:
        return None
    sb = {seq: (label, raw) for seq, label, _u, raw in b}
    lo = max(a[0][0], b[0][0])
    k = None
    for seq, label, _u, raw in a:
        if seq < lo:
            continue
        if sb.get(seq) != (label, raw):
            break
        k = seq
    return k


def _state_at(pf, steps: list, k: int) -> ProjectSnapshot | None:
    """`pf`'s project as it was right after undo step `k`, replayed in memory from the current state; None when
    the history does not match the file."""
    applied = [s for s in steps if s[2] == 0]
    undone = [s for s in steps if s[2] == 1]
    if applied and undone and applied[-1][0] > undone[0][0]:
        return None
    a = applied[-1][0] if applied else 0
    if k <= a:
        todo = [(s, True) for s in reversed(applied) if s[0] > k]
    else:
        todo = [(s, False) for s in undone if s[0] <= k]
    state = _Replay(pf)
    from atmp_desktop.store.project_file import _invert
    for (seq, label, _u, raw), backwards in todo:
        action = pf._stored_action(label, raw)
        if action is None:
            return None
        changes = _invert(action.changes) if backwards else action.changes
        if not state.apply(changes):
            return None
    return state.snapshot()


class _Replay:
    """A copy of an open project's state that stored changes are applied to (never written)."""

    def __init__(self, pf):
        self.pf = pf
        pf._read_all()  # every table parsed: the replay copies them all
        self.values = {s: dict(v) for s, v in pf._values.items()}
        self.tables = {p: t.copy() for p, t in pf._tables.items()}
        self.status = {k: dict(v) for k, v in pf._status.items()}
        self.review = {k: dict(v) for k, v in pf._review.items()}
        self.comments = {k: dict(v) for k, v in pf._comments.items()}

    def apply(self, changes) -> bool:
        from atmp_desktop.store.rows import Table
        diffs: dict[str, list] = {}
        for c in changes:
            kind = c[0]
            if kind == "f":
                step, fid = c[1].split(".", 1)
                if self.values.get(step, {}).get(fid) != c[2]:
                    return False
                if c[3] is None:
                    self.values.get(step, {}).pop(fid, None)
                else:
                    self.values.setdefault(step, {})[fid] = c[3]
            elif kind == "r":
                table = self.tables.get(c[1]) or Table.empty()
                if table.entry(c[2]) != c[3]:
                    return False
                self.tables[c[1]] = table
                diffs.setdefault(c[1], []).append((c[2], c[4]))
            else:
                store = {"s": self.status, "v": self.review, "c": self.comments}.get(kind)
                if store is None or store.get(c[1]) != c[2]:
                    return False
                if c[3] is None:
                    store.pop(c[1], None)
                else:
                    store[c[1]] = dict(c[3])
        for path, diff in diffs.items():
            table = self.tables[path].copy()
            table.apply_diff(diff)
            self.tables[path] = table
        return True

    def snapshot(self) -> ProjectSnapshot:
        values = {s: dict(v) for s, v in self.values.items()}
        ids = {}
        for path, t in self.tables.items():
            step, fid = path.split(".", 1)
            if t.ids:
                values.setdefault(step, {})[fid] = list(t.rows)
                ids[path] = tuple(t.ids)
            else:
                values.get(step, {}).pop(fid, None)
        return ProjectSnapshot(meta=self.pf.meta(), values={s: v for s, v in values.items() if v},
                               section_status=self.status, table_ids=ids, review=self.review,
                               comments=tuple(self.comments.values()))


def history_base(a, b) -> ProjectSnapshot | None:
    """The state at the last undo step both files share, when both histories lead back to the same state."""
    sa, sb = _steps(a), _steps(b)
    k = _common_seq(sa, sb)
    if k is None:
        return None
    base_a, base_b = _state_at(a, sa, k), _state_at(b, sb, k)
    if base_a is None or base_b is None:
        return None
    same = _diff.compare(a.forms, base_a, base_b)
    return base_a if same.content_empty and not same.section_status else None


def _distance(forms, base: ProjectSnapshot, *others: ProjectSnapshot) -> int:
    total = 0
    for o in others:
        s = _diff.compare(forms, base, o).summary()
        total += sum(v for k, v in s.items() if k.startswith(("fields_", "rows_")))
    return total


def find_base(mine, theirs) -> tuple[ProjectSnapshot | None, str]:
    """(base snapshot, what it is in words); (None, why) when the copies share no known state."""
    candidates = []
    m = common_milestone(mine, theirs)
    if m is not None:
        candidates.append((mine.milestone_snapshot(m), f"milestone '{m.name}' of {m.created[:10]}"))
    h = history_base(mine, theirs)
    if h is not None:
        candidates.append((h, "the last change both copies share (their common history)"))
    if not candidates:
        return None, ("the two copies share no milestone and no history (the copy was made before either was "
                      "last changed, or its history was removed)")
    if len(candidates) == 1:
        return candidates[0]
    mine_snap, theirs_snap = mine.snapshot(), theirs.snapshot()
    return min(candidates, key=lambda c: _distance(mine.forms, c[0], mine_snap, theirs_snap))


# ---------------------------------------------------------------------------------------------- merging
@dataclass
class MergePlan:
    """A prepared merge of `theirs_path` into the open project `pf`: decide the conflicts, then `apply`."""
    pf: Any
    theirs_path: Path
    theirs: ProjectSnapshot
    theirs_author: str
    base: ProjectSnapshot
    result: MergeResult

    @property
    def conflicts(self):
        return self.result.conflicts

    def apply(self, decisions: Mapping[str, str] | None = None):
        """Take the merge into the open project as one undoable, audited action (a milestone of the state
        before it is made first). Undecided conflicts keep mine. Returns the ChangeSet, or None when the copy
        brought nothing new."""
        with no_gc_passes():  # whole-project work that makes no reference cycles (store/bulk.py)
            return self._apply(dict(decisions or {}))

    def _apply(self, decisions: dict[str, str]):
        from atmp_desktop.store.converge import edits_toward, section_changes
        pf = self.pf
        merged = self.result.result(decisions)
        edits = edits_toward(pf, merged)
        extra = section_changes(pf, merged) + _changes("v", pf._review, merged.review) + \
            _changes("c", pf._comments, {c["id"]: c for c in merged.comments})
        if not edits and not extra:
            return None
        name = self.theirs_path.name
        pf.create_milestone(f"before merging '{name}'", kind="auto")
        n_theirs = sum(1 for c in self.conflicts if decisions.get(c.id) == THEIRS)
        n_open = len(self.result.unresolved(decisions))
        note = (f"merged '{name}' (changed by {self.theirs_author}) into this file, done by {pf.user}; base: "
                f"{self.result.base_label}; {len(self.result.taken)} change(s) taken from it; "
                f"{len(self.conflicts)} conflict(s): {n_theirs} decided for theirs, "
                f"{len(self.conflicts) - n_theirs - n_open} for mine, {n_open} left as mine")
        cs = pf.run_action(edits, label=f"merge of '{name}'", extra=extra, audit_action="merge", note=note)
        return replace(cs, everything=True) if cs is not None else None


def _changes(kind: str, have: Mapping, want: Mapping) -> list[tuple]:
    out = []
    for key in sorted(set(have) | set(want)):
        old = dict(have[key]) if key in have else None
        new = dict(want[key]) if key in want else None
        if old != new:
            out.append((kind, key, old, new))
    return out


def last_author(pf) -> str:
    for entry in pf.audit_entries(50):
        if entry.get("action") not in ("milestone",) and entry.get("user"):
            return str(entry["user"])
    return "unknown"


def prepare_merge(pf, theirs_path: str | Path) -> MergePlan:
    """Open the colleague's copy, find the common base and work out the merge (nothing is written)."""
    with no_gc_passes():  # whole-project work that makes no reference cycles (store/bulk.py)
        return _prepare(pf, Path(theirs_path))


def _prepare(pf, theirs_path: Path) -> MergePlan:
    other = open_other(pf, theirs_path)
    try:
        base, label = find_base(pf, other)
        if base is None:
            raise ProjectFileError(f"'{theirs_path.name}' cannot be merged: {label}. Compare the two instead "
                                   "(Review > Compare), or ask for a copy made with File > Send a Copy.")
        theirs = other.snapshot()
        author = last_author(other)
    finally:
        other.close()
    result = merge(pf.forms, base, pf.snapshot(), theirs, base_label=label)
    return MergePlan(pf, theirs_path, theirs, author, base, result)


__all__ = ["MINE", "THEIRS", "MergePlan", "find_base", "open_other", "prepare_merge"]
