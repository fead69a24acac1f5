"""Milestones: named snapshots of the project kept inside its own file.

A milestone is made in one action ("as sent to CMC lead 2027-01-10"), listed with date, author and counts,
opened read-only (as a snapshot), restored as one undoable action, and exported as a project file of its
own. One is made automatically before a merge and before a restore, so both can be taken back even after the
undo history is gone. Milestone ids are UUIDs every copy of the file keeps: two copies of a project find
their last common milestone by id and digest, the base of a three-way merge.

The content is the interchange document (core.project.to_document, with row ids) plus review status and
comments, as zlib-compressed JSON. It is checked like any received input when read back.
"""
from __future__ import annotations

import datetime as _dt
import json
import sqlite3
import zlib
from pathlib import Path
from typing import Any

from atmp_desktop.core.changes import ChangeSet
from atmp_desktop.core.figures import check_figures, to_json
from atmp_desktop.core.interchange import check_document, check_row_ids
from atmp_desktop.core.project import ProjectSnapshot, to_document
from atmp_desktop.core.records import record
from atmp_desktop.core.review import check_comment, check_review
from atmp_desktop.core.values import loads_json, strip_control
from atmp_desktop.store.bulk import no_gc_passes
from atmp_desktop.store.errors import ProjectFileError

ENVELOPE = "atmp-milestone"
ENVELOPE_VERSION = 1
KINDS = ("manual", "auto")
MAX_NAME_CHARS = 200
MAX_CONTENT_BYTES = 256 * 1024 * 1024   # uncompressed; a large real project is a few tens of MB
_COLUMNS = ("id", "name", "created", "author", "kind", "note", "counts", "digest")


@record(frozen=True)
class Milestone:
    id: str
    name: str
    created: str        # UTC, ISO 8601
    author: str
    kind: str           # manual / auto (made before a merge or a restore, or by Send a Copy)
    note: str
    counts: dict        # {"fields": filled fields, "rows": table rows, "comments": open comments, "approved": n}
    digest: str         # SHA-256 of the content: the same milestone in two copies has the same digest

    @property
    def date(self) -> str:
        return self.created[:10]

    def describe(self) -> str:
        c = self.counts
        return (f"{self.name} ({self.created[:16].replace('T', ' ')} UTC, {self.author}; {c.get('fields', 0)} fields, "
                f"{c.get('rows', 0)} rows)")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def envelope(snap: ProjectSnapshot) -> dict:
    # figures by SHA-256 only: their images stay in the file's figure_images (kept while a milestone uses them);
    # not a copy of the values: the envelope is serialised at once (encode) and never changed
    return {"format": ENVELOPE, "format_version": ENVELOPE_VERSION,
            "document": to_document(snap, images=False, copy=False),
            "review": {k: dict(v) for k, v in sorted(snap.review.items())},
            "comments": sorted((dict(c) for c in snap.comments), key=lambda c: (c["at"], c["id"]))}


def counts_of(snap: ProjectSnapshot) -> dict:
    fields = rows = 0
    for step in snap.values.values():
        for value in step.values():
            if isinstance(value, list):
                rows += sum(1 for r in value if r)
            else:
                fields += 1
    return {"fields": fields, "rows": rows,
            "comments": sum(1 for c in snap.comments if not c["parent"] and c["state"] == "open"),
            "approved": sum(1 for v in snap.review.values() if v["status"] == "approved")}


def _sha256(raw: bytes) -> str:
    import hashlib  # not at import: the window's launch imports this module (ProjectFile's base) but makes no milestone
    return hashlib.sha256(raw).hexdigest()


def encode(env: dict) -> tuple[bytes, str]:
    text = json.dumps(env, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    raw = text.encode("utf-8")
    return zlib.compress(raw, 6), _sha256(raw)


def decode(blob: Any) -> tuple[dict, str]:
    """(envelope, digest) from stored content; ValueError with one sentence when it is not usable."""
    if not isinstance(blob, (bytes, bytearray)):
        raise ValueError("its content is not stored data")
    d = zlib.decompressobj()
    try:
        raw = d.decompress(bytes(blob), MAX_CONTENT_BYTES)
    except zlib.error:
        raise ValueError("its content is damaged") from None
    if d.unconsumed_tail:
        raise ValueError("its content is larger than any project")
    try:
        env = loads_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("its content is not readable") from None
    if not isinstance(env, dict) or env.get("format") != ENVELOPE or not isinstance(env.get("document"), dict):
        raise ValueError("its content is not a milestone")
    if not isinstance(env.get("format_version"), int) or env["format_version"] > ENVELOPE_VERSION:
        raise ValueError("it was made by a newer version of this app")
    return env, _sha256(raw)


def snapshot_of(forms, env: dict, images=None) -> tuple[ProjectSnapshot, list[str]]:
    """The snapshot a milestone holds and the problems met reading it (values that no longer fit the forms
    are left out and named, as for any stored value). `images(digest)` gives the images of its figures."""
    doc = env["document"]
    problems, data = check_document(forms, doc, images=images)
    figures = check_figures(forms, doc, images=images)[1]
    id_problems, ids = check_row_ids(doc, data)
    problems += id_problems
    review = {}
    for target, entry in (env.get("review") or {}).items() if isinstance(env.get("review"), dict) else ():
        checked = check_review(entry)
        if isinstance(target, str) and checked is not None:
            review[target] = checked
    comments = tuple(c for c in (check_comment(c) for c in env.get("comments") or ()
                                 if isinstance(env.get("comments"), list)) if c is not None)
    status = {}
    raw_status = doc.get("section_status")
    for code, entry in (raw_status.items() if isinstance(raw_status, dict) else ()):
        if isinstance(entry, dict) and isinstance(entry.get("status"), str) and isinstance(entry.get("note", ""), str):
            status[code] = {"status": entry["status"], "note": entry.get("note", "")}
    meta = {k: v for k, v in (doc.get("project") or {}).items() if isinstance(v, str)} \
        if isinstance(doc.get("project"), dict) else {}
    table_ids = {path: tuple(v) for path, v in ids.items()}
    return (ProjectSnapshot(meta=meta, values=data, section_status=status, table_ids=table_ids,
                            problems=tuple(("milestone", p) for p in problems), review=review, comments=comments,
                            figures=tuple(figures)),
            problems)


class MilestoneMixin:
    """Milestones of an open ProjectFile (see the module docstring)."""

    def milestones(self) -> list[Milestone]:
        """Every milestone in the file, oldest first. One that cannot be read is left out (and named in
        `milestone_problems`)."""
        with self._reading():
            self._conn.text_factory = bytes
            try:
                rows = self._conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM milestones ORDER BY created, rowid"
                                          ).fetchall()
            finally:
                self._conn.text_factory = str
        out: list[Milestone] = []
        self.milestone_problems = []
        for row in rows:
            m = _milestone(row)
            if m is None:
                self.milestone_problems.append("a milestone's details are not readable; it was left out")
            else:
                out.append(m)
        return out

    def find_milestone(self, ref: str) -> Milestone:
        """A milestone by id, by the start of its id, or by name (the newest of that name)."""
        ms = self.milestones()
        ref = str(ref).strip()
        for m in ms:
            if m.id == ref:
                return m
        named = [m for m in ms if m.name == ref] or [m for m in ms if m.name.lower() == ref.lower()]
        if named:
            return named[-1]
        prefixed = [m for m in ms if len(ref) >= 6 and m.id.startswith(ref)]
        if len(prefixed) == 1:
            return prefixed[0]
        names = ", ".join(f"'{m.name}'" for m in ms[-5:]) or "none yet"
        raise ProjectFileError(f"'{self.path.name}' has no milestone '{ref}' (latest: {names}).")

    def milestone_content(self, ref: str | Milestone) -> tuple[Milestone, dict]:
        m = ref if isinstance(ref, Milestone) else self.find_milestone(ref)
        with self._reading():
            row = self._conn.execute("SELECT content FROM milestones WHERE id = ?", [m.id]).fetchone()
        if row is None:
            raise ProjectFileError(f"the milestone '{m.name}' is no longer in '{self.path.name}'.")
        try:
            env, digest = decode(row[0])
        except ValueError as exc:
            raise ProjectFileError(f"the milestone '{m.name}' cannot be read: {exc}.") from None
        if digest != m.digest:
            raise ProjectFileError(f"the milestone '{m.name}' does not match its checksum; it was changed outside "
                                   "this app and cannot be used.")
        return m, env

    def milestone_snapshot(self, ref: str | Milestone) -> ProjectSnapshot:
        """The project as it was at the milestone, read-only (values that no longer fit are in `problems`)."""
        with no_gc_passes():  # the whole project from JSON: no reference cycles (store/bulk.py)
            _m, env = self.milestone_content(ref)
            return snapshot_of(self.forms, env, self._image)[0]

    def create_milestone(self, name: str, note: str = "", kind: str = "manual") -> Milestone:
        """Keep the project as it is now under `name`: one action, audited (not an undo step: it changes no
        content)."""
        self._writable()
        name = strip_control(str(name)).strip()
        if not name:
            raise ProjectFileError("a milestone needs a name, e.g. 'as sent to CMC lead'.")
        if len(name) > MAX_NAME_CHARS:
            raise ProjectFileError(f"a milestone name has at most {MAX_NAME_CHARS} characters.")
        import uuid  # (not imported on the way to the first paint)
        with no_gc_passes():  # the whole project as JSON: no reference cycles (store/bulk.py)
            snap = self.snapshot()
            blob, digest = encode(envelope(snap))
            m = Milestone(str(uuid.uuid4()), name, _now(), self.user, kind if kind in KINDS else "manual",
                          strip_control(str(note)).strip()[:2000], counts_of(snap), digest)
            with self._writing():
                self._insert_milestone(m, blob)
                self._audit(m.created, "milestone", None, None, f"milestone '{name}' ({kind})")
        return m

    def _insert_milestone(self, m: Milestone, blob: bytes) -> None:
        self._conn.execute(f"INSERT INTO milestones ({', '.join(_COLUMNS)}, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [m.id, m.name, m.created, m.author, m.kind, m.note, json.dumps(m.counts), m.digest,
                            sqlite3.Binary(blob)])

    def restore_milestone(self, ref: str | Milestone) -> ChangeSet | None:
        """Make the project hold what the milestone holds: one undoable action. The current state is kept as an
        automatic milestone first ('before restoring ...'), so it can be got back even without undo."""
        with no_gc_passes():  # whole-project work that makes no reference cycles (store/bulk.py)
            return self._restore(ref)

    def _restore(self, ref: str | Milestone) -> ChangeSet | None:
        from atmp_desktop.store.converge import edits_toward, section_changes
        m, env = self.milestone_content(ref)
        target, problems = snapshot_of(self.forms, env, self._image)
        if problems:
            raise ProjectFileError(f"the milestone '{m.name}' holds values this version cannot use "
                                   f"({problems[0]}); it was not restored. Export it as a project file to look "
                                   "at it.")
        edits = edits_toward(self, target)
        extra = section_changes(self, target) + self.figure_changes_toward(target.figures)
        if not edits and not extra:
            return None
        self.create_milestone(f"before restoring '{m.name}'", kind="auto")
        return self.run_action(edits, label=f"restore of milestone '{m.name}'", extra=extra, audit_action="restore",
                               note=f"restored milestone '{m.name}' of {m.created[:10]} by {m.author}")

    def export_milestone(self, ref: str | Milestone, target: str | Path, overwrite: bool = False) -> Path:
        """A project file of its own holding the project as it was at the milestone, with that milestone and
        the ones before it (so the copy and this file keep a common base for a later merge)."""
        from atmp_desktop.store.project_file import ProjectFile
        m, env = self.milestone_content(ref)
        target = Path(target)
        snap, problems = snapshot_of(self.forms, env, self._image)
        if problems:
            raise ProjectFileError(f"the milestone '{m.name}' holds values this version cannot use ({problems[0]}).")
        doc = dict(env["document"])
        if snap.figures:
            doc["figures"] = to_json(snap.figures, images=True)
        doc["project"] = {**(doc.get("project") or {}), "title": self.meta().get("title", target.stem)}
        with self._reading():
            rows = self._conn.execute(f"SELECT {', '.join(_COLUMNS)}, content FROM milestones "
                                      "ORDER BY created, rowid").fetchall()
        ids = [r[0] for r in rows]
        earlier = rows[:ids.index(m.id) + 1] if m.id in ids else []
        out = ProjectFile.create(target, self.forms, document=doc, overwrite=overwrite)
        try:
            with out._writing():
                for row in earlier:
                    copied = _milestone(row[:-1])
                    if copied is not None:
                        out._insert_milestone(copied, bytes(row[-1]))
                out.run_review_changes(env)
                out._audit(_now(), "milestone", None, None, f"exported from milestone '{m.name}' of "
                           f"'{self.path.name}'")
        finally:
            out.close()
        return target

    def run_review_changes(self, env: dict) -> None:
        """Inside a write: put a milestone's review status and comments into this (new) file."""
        from atmp_desktop.store import review
        snap, _ = snapshot_of(self.forms, env)
        for target, entry in snap.review.items():
            change = ("v", target, None, dict(entry))
            review.write(self._conn, change)
            review.apply_in_memory(self, change)
        for c in snap.comments:
            change = ("c", c["id"], None, dict(c))
            review.write(self._conn, change)
            review.apply_in_memory(self, change)
        self._snap = None


def _milestone(row) -> Milestone | None:
    from atmp_desktop.store.project_file import _decode
    values = [_decode(v) for v in row]
    if not all(isinstance(v, str) for v in values):
        return None
    mid, name, created, author, kind, note, counts, digest = values
    try:
        c = loads_json(counts)
    except ValueError:
        c = None
    if not isinstance(c, dict) or not all(isinstance(v, int) for v in c.values()) or kind not in KINDS \
            or not mid or len(digest) != 64:
        return None
    return Milestone(mid, name[:MAX_NAME_CHARS], created, author, kind, note, c, digest)
