"""Figures in the project file: their SQL, their place in actions and undo steps (docs/figures.md).

One change kind joins the store's ("f", "r", "s", "v", "c") changes (project_file.Change):
  ("g", figure_id, old, new)     one figure; old/new = its entry (core.figures.Figure.entry) or None
so attaching, removing, re-captioning or moving a figure is one transaction and one undo step like any edit.
The image bytes are not in the change: they are kept once per content in `figure_images` (SHA-256 key),
written before the action that first uses them, and kept while a figure, an undo step or a milestone may
still need them; `collect_unused` drops the others when a file is opened.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any, Iterable

from atmp_desktop.core.changes import ChangeSet
from atmp_desktop.core.figures import (
    KINDS, MAX_ALT_CHARS, MAX_CAPTION_CHARS, MAX_FIGURES, MAX_IMAGE_BYTES, MAX_TOTAL_BYTES, Figure, FigureError,
    check_entry, check_image, check_target, clean_text, digest_of, safe_name,
)
from atmp_desktop.store.errors import ProjectFileError

KIND = "g"
GAP = 65536
_COLUMNS = ("id", "target", "position", "caption", "alt", "name", "image")


def _text(raw: Any) -> Any:
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return raw


def read_stored(conn: sqlite3.Connection) -> tuple[list[tuple], list[str], list[tuple[str, str]]]:
    """The figures' rows as stored (text as bytes), the digests of the images they name, and the problem of a
    file whose images are too large to read (then no digest is named). Small: the images are not read."""
    problems: list[tuple[str, str]] = []
    factory = conn.text_factory
    conn.text_factory = bytes
    try:
        total = conn.execute("SELECT coalesce(sum(length(data)), 0) FROM figure_images").fetchone()[0]
        rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM figures ORDER BY position, id").fetchall()
    finally:
        conn.text_factory = factory
    if total > MAX_TOTAL_BYTES * 2:   # more than any project holds: do not read it into memory
        problems.append(("figures", f"the images in the file add up to {total >> 20} MB, more than a project "
                         "holds; they were not read"))
        return rows, [], problems
    return rows, sorted({_text(r[6]) for r in rows if isinstance(_text(r[6]), str)}), problems


def read_images(conn: sqlite3.Connection, digests: Iterable[str]) -> list:
    """The stored image rows (digest, kind, data; None where there is none) of `digests`, unchecked."""
    factory = conn.text_factory
    conn.text_factory = bytes
    try:
        return [conn.execute("SELECT digest, kind, data FROM figure_images WHERE digest = ?", [d]).fetchone()
                for d in digests]
    finally:
        conn.text_factory = factory


def check_stored_figures(rows: list[tuple], image_rows: list, problems: list[tuple[str, str]]
                         ) -> tuple[dict[str, dict], dict[str, tuple[str, bytes]], list[tuple[str, str]]]:
    """(figure entries by id, images by digest, problems), every value checked. An image whose bytes do not
    match its digest, or that is not of its kind, is left out (its figures are reported)."""
    problems = list(problems)
    images: dict[str, tuple[str, bytes]] = {}
    for row in image_rows:
        checked = _checked_image(row)
        if checked is not None:
            images[checked[0]] = checked[1]
    entries: dict[str, dict] = {}
    for row in rows:
        fid = _text(row[0])
        entry = check_entry(dict(zip(_COLUMNS[1:], map(_text, row[1:]))))
        if not isinstance(fid, str) or entry is None:
            problems.append(("figures", "a figure's details are not readable; it was left out"))
            continue
        if entry["image"] not in images:
            problems.append((entry["target"], f"the image of figure '{entry['caption'] or entry['name']}' is "
                             "missing or damaged in the file; attach it again"))
            continue
        entries[fid] = entry
    return entries, images, problems


class StoredFigures:
    """A project's figures as the open read them, checked when first needed: an image's SHA-256 against its
    key, its kind and size (`check_stored_figures`). Opening a large project no longer hashes every image on
    the way to the first paint (10 images of ~2 MB: 63 M instructions under valgrind, whose CPU has no SHA
    instructions; ~1 ms on one that has them), and the window's open does not even read the images then: they
    come from `images()`, the deferred rows' read transaction (store/deferred.py), of the open's moment.
    Thread-safe (the checks' worker thread may read a snapshot's figures first); the result never changes."""
    __slots__ = ("_rows", "_images", "_problems", "_result", "_figures", "_lock")

    def __init__(self, rows: list[tuple], problems: list[tuple[str, str]], images: Any):
        self._rows, self._problems = rows, problems
        self._images = images  # the image rows, or a callable that fetches them
        self._result: tuple[dict, dict, list] | None = None
        self._figures: tuple[Figure, ...] | None = None
        self._lock = threading.Lock()

    @property
    def checked(self) -> bool:
        return self._result is not None

    def result(self) -> tuple[dict[str, dict], dict[str, tuple[str, bytes]], list[tuple[str, str]]]:
        """(entries, images, problems) as `load` gives them for the file as it was opened."""
        if self._result is None:
            with self._lock:
                if self._result is None:
                    image_rows = self._images() if callable(self._images) else self._images
                    self._result = check_stored_figures(self._rows, image_rows, self._problems)
                    self._rows = self._images = None
        return self._result

    def figures(self) -> tuple[Figure, ...]:
        if self._figures is None:
            entries, images, _ = self.result()
            self._figures = figures_of(entries, images)
        return self._figures


class LazyFigures(Sequence):
    """A snapshot's figures (a tuple of core.figures.Figure) while the open's are not checked yet: checked when
    first read (StoredFigures)."""
    __slots__ = ("_stored",)

    def __init__(self, stored: StoredFigures):
        self._stored = stored

    def __getitem__(self, i):
        return self._stored.figures()[i]

    def __len__(self) -> int:
        return len(self._stored.figures())

    def __iter__(self):
        return iter(self._stored.figures())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, LazyFigures)):
            return self._stored.figures() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other):
        return self._stored.figures() + tuple(other)

    def __repr__(self) -> str:
        return repr(self._stored.figures())


def _checked_image(row) -> tuple[str, tuple[str, bytes]] | None:
    """(digest, (kind, bytes)) of a stored image row whose bytes match its digest, else None."""
    if row is None:
        return None
    digest, kind, data = _text(row[0]), _text(row[1]), row[2]
    if not isinstance(data, bytes) or kind not in KINDS or len(data) > MAX_IMAGE_BYTES or digest != digest_of(data):
        return None
    return digest, (kind, data)


def read_image(conn: sqlite3.Connection, digest: str) -> tuple[str, bytes] | None:
    factory = conn.text_factory
    conn.text_factory = bytes
    try:
        row = conn.execute("SELECT digest, kind, data FROM figure_images WHERE digest = ?", [digest]).fetchone()
    finally:
        conn.text_factory = factory
    checked = _checked_image(row)
    return checked[1] if checked else None


def figures_of(entries: dict[str, dict], images: dict[str, tuple[str, bytes]]) -> tuple[Figure, ...]:
    out = []
    for fid, e in sorted(entries.items(), key=lambda kv: (kv[1]["position"], kv[0])):
        kind, data = images[e["image"]]
        out.append(Figure(fid, e["target"], e["caption"], e["alt"], e["name"], kind, e["image"], data,
                          e["position"]))
    return tuple(out)


def write(conn: sqlite3.Connection, change: tuple) -> None:
    _kind, fid, _old, new = change
    if new is None:
        conn.execute("DELETE FROM figures WHERE id = ?", [fid])
    else:
        conn.execute(f"INSERT OR REPLACE INTO figures ({', '.join(_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [fid] + [new[c] for c in _COLUMNS[1:]])


def store_image(conn: sqlite3.Connection, digest: str, kind: str, data: bytes) -> None:
    conn.execute("INSERT OR IGNORE INTO figure_images (digest, kind, data) VALUES (?, ?, ?)",
                 [digest, kind, sqlite3.Binary(data)])


def audit(pf, now: str, audit_action: str, change: tuple) -> None:
    _kind, fid, old, new = change
    def text(e):
        return None if e is None else f"{e['caption'] or e['name']} [{e['name']}, {e['image'][:12]}]"
    where = (new or old)["target"]
    pf._audit(now, audit_action, f"figure on {where}", text(old), text(new))


def apply_in_memory(pf, change: tuple) -> None:
    _kind, fid, _old, new = change
    entries = dict(pf._figure_entries)
    if new is None:
        entries.pop(fid, None)
    else:
        entries[fid] = dict(new)
        pf._image(new["image"])  # an undone removal brings back a figure whose image was not in memory
    pf._figure_entries = entries


def current(pf, change: tuple) -> Any:
    entry = pf._figure_entries.get(change[1])
    return dict(entry) if entry is not None else None


def check_stored(pf, item: list) -> tuple | None:
    """An undo step's figure change read back from the file, or None when it is not usable (its image must
    still be in the file)."""
    _kind, fid, old, new = item
    if not isinstance(fid, str):
        return None
    ends = []
    for end in (old, new):
        if end is None:
            ends.append(None)
            continue
        checked = check_entry(end)
        if checked is None or pf._image(checked["image"]) is None:
            return None
        ends.append(checked)
    return (KIND, fid, ends[0], ends[1])


def changed(changes: Iterable[tuple]) -> frozenset[str]:
    """The targets whose figures the changes touch (for the ChangeSet)."""
    return frozenset((c[3] or c[2] or {}).get("target", "") for c in changes if c[0] == KIND) - {""}


def has_unused(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM figure_images WHERE digest NOT IN (SELECT image FROM figures) LIMIT 1"
                        ).fetchone() is not None


def insert_all(conn: sqlite3.Connection, figures: Iterable[Figure]) -> None:
    """A new file's figures (ProjectFile.create from a document), in order."""
    for i, f in enumerate(figures):
        store_image(conn, f.digest, f.kind, f.data)
        write(conn, (KIND, f.id, None, {**f.entry, "position": (i + 1) * GAP}))


def collect_unused(conn: sqlite3.Connection) -> int:
    """Drop images no figure, undo step or milestone refers to (inside the caller's transaction). Cheap when
    every image is in use: milestones are only read when an image is unused by the figures."""
    from atmp_desktop.store.milestones import decode
    unused = [r[0] for r in conn.execute("SELECT digest FROM figure_images WHERE digest NOT IN "
                                         "(SELECT image FROM figures)").fetchall()]
    if not unused:
        return 0
    keep = {d for d in unused if conn.execute("SELECT 1 FROM undo_steps WHERE instr(changes, ?) > 0 LIMIT 1",
                                               [d]).fetchone()}
    rest = [d for d in unused if d not in keep]
    if rest:
        for (blob,) in conn.execute("SELECT content FROM milestones").fetchall():
            try:
                env, _ = decode(blob)
            except ValueError:
                continue
            used = {f.get("sha256") for f in env["document"].get("figures") or () if isinstance(f, dict)}
            keep |= used & set(rest)
    gone = [d for d in unused if d not in keep]
    conn.executemany("DELETE FROM figure_images WHERE digest = ?", [(d,) for d in gone])
    return len(gone)


def new_id() -> str:
    return os.urandom(8).hex()


# ==================================================================== the actions (mixed into ProjectFile)
class FigureMixin:
    """Figures of an open ProjectFile (each call one action, audited, one undo step)."""
    # the open's figures until their first use checks them (StoredFigures); then _entries_now/_images_now,
    # and _figure_problems (ProjectFile._known_problems lists them where the open found them)
    _stored_figures: StoredFigures | None = None
    _figures_written: frozenset = frozenset()  # paths written meanwhile: their problems are gone (as for values)

    def _take_figures(self, stored: StoredFigures | None) -> None:
        """The project's figures as the open read them (ProjectFile._load): checked on first use."""
        self._stored_figures, self._figures_written = stored, frozenset()
        self._entries_now, self._images_now, self._figure_problems = {}, {}, []

    def _checked_figures(self) -> None:
        stored = self._stored_figures
        if stored is not None:
            entries, images, problems = stored.result()
            self._entries_now, self._images_now = entries, images
            self._figure_problems = [p for p in problems if p[0] not in self._figures_written]
            self._stored_figures = None

    @property
    def _figure_entries(self) -> dict[str, dict]:
        self._checked_figures()
        return self._entries_now

    @_figure_entries.setter
    def _figure_entries(self, entries: dict[str, dict]) -> None:
        self._checked_figures()
        self._entries_now = entries

    @property
    def _images(self) -> dict[str, tuple[str, bytes]]:
        self._checked_figures()
        return self._images_now

    @_images.setter
    def _images(self, images: dict[str, tuple[str, bytes]]) -> None:
        self._checked_figures()
        self._images_now = images

    def _snapshot_figures(self) -> Any:
        """The figures for a new snapshot: a tuple, or LazyFigures while the open's are not checked yet."""
        stored = self._stored_figures
        if stored is not None and stored.checked:
            self._checked_figures()
        if self._stored_figures is not None:
            return LazyFigures(self._stored_figures)
        return figures_of(self._entries_now, self._images_now)

    def _pending_figure_problems(self) -> Any:
        """A callable giving the open's figure problems while they are not checked yet, else None."""
        stored, written = self._stored_figures, self._figures_written
        if stored is None:
            return None
        return lambda: [p for p in stored.result()[2] if p[0] not in written]

    def _figure_paths_written(self, written: set[str]) -> None:
        """Paths an action wrote: their stored problems are gone, as ProjectFile drops those of values."""
        if self._stored_figures is not None:
            self._figures_written = self._figures_written | written
        else:
            self._figure_problems = [p for p in self._figure_problems if p[0] not in written]

    def figures(self, target: str | None = None) -> list[Figure]:
        return [f for f in self.snapshot().figures if target is None or f.target == target]

    def image(self, digest: str) -> tuple[str, bytes] | None:
        """(kind, bytes) of a stored image, or None."""
        return self._image(digest)

    def _image(self, digest: str) -> tuple[str, bytes] | None:
        got = self._images.get(digest)
        if got is None and self._conn is not None:
            with self._reading():
                got = read_image(self._conn, digest)
            if got is not None:
                self._images = {**self._images, digest: got}
        return got

    def attach_figure(self, target: str, data: bytes, caption: str = "", alt: str = "", name: str = "",
                      label: str | None = None) -> ChangeSet:
        """Attach an image to a field path or 'heading:<key>'. FigureError (one sentence) when the image or a
        detail cannot be used; nothing is written then. The ChangeSet names the target in `figures`."""
        self._writable()
        try:
            target = check_target(self.forms, target)
            caption = clean_text(caption, "caption", MAX_CAPTION_CHARS)
            alt = clean_text(alt, "alt text", MAX_ALT_CHARS)
            name = safe_name(name)
        except FigureError as exc:
            raise ProjectFileError(str(exc)) from None
        if len(self._figure_entries) >= MAX_FIGURES:
            raise ProjectFileError(f"a project holds at most {MAX_FIGURES} figures; remove one first.")
        try:
            info = check_image(data, name)
        except FigureError as exc:
            raise ProjectFileError(str(exc)) from None
        data = bytes(data)
        digest = digest_of(data)
        if self._image(digest) is None:
            with self._reading():
                held = self._conn.execute("SELECT coalesce(sum(length(data)), 0) FROM figure_images").fetchone()[0]
            if held + len(data) > MAX_TOTAL_BYTES:
                raise ProjectFileError(f"the project's images would exceed {MAX_TOTAL_BYTES >> 20} MB; remove "
                                       "figures you no longer need or attach smaller files.")
            with self._writing():
                store_image(self._conn, digest, info.kind, data)
            self._images = {**self._images, digest: (info.kind, data)}
        last = max((e["position"] for e in self._figure_entries.values()), default=-GAP)
        entry = {"target": target, "position": last + GAP, "caption": caption, "alt": alt, "name": name,
                 "image": digest}
        what = caption or name or "figure"
        return self.run_action(label=label or f"attachment of figure '{what}'",
                               extra=[(KIND, new_id(), None, entry)], audit_action="figure")

    def edit_figure(self, figure_id: str, caption: str | None = None, alt: str | None = None,
                    target: str | None = None) -> ChangeSet | None:
        """Change a figure's caption, alt text or target (None keeps it): one undo step."""
        self._writable()
        old = self._figure_entries.get(figure_id)
        if old is None:
            raise ProjectFileError("that figure is no longer in the project.")
        new = dict(old)
        try:
            if caption is not None:
                new["caption"] = clean_text(caption, "caption", MAX_CAPTION_CHARS)
            if alt is not None:
                new["alt"] = clean_text(alt, "alt text", MAX_ALT_CHARS)
            if target is not None:
                new["target"] = check_target(self.forms, target)
        except FigureError as exc:
            raise ProjectFileError(str(exc)) from None
        if new == old:
            return None
        what = "caption" if new["caption"] != old["caption"] else "alt text" if new["alt"] != old["alt"] else "place"
        return self.run_action(label=f"{what} of figure '{new['caption'] or new['name']}'",
                               extra=[(KIND, figure_id, dict(old), new)], audit_action="figure")

    def remove_figure(self, figure_id: str) -> ChangeSet | None:
        self._writable()
        old = self._figure_entries.get(figure_id)
        if old is None:
            return None
        return self.run_action(label=f"removal of figure '{old['caption'] or old['name']}'",
                               extra=[(KIND, figure_id, dict(old), None)], audit_action="figure")

    def move_figure(self, figure_id: str, offset: int) -> ChangeSet | None:
        """Move a figure up (-1) or down (+1) among the figures of its target."""
        self._writable()
        old = self._figure_entries.get(figure_id)
        if old is None:
            return None
        same = sorted(((e["position"], fid) for fid, e in self._figure_entries.items()
                       if e["target"] == old["target"]))
        ids = [fid for _p, fid in same]
        i = ids.index(figure_id)
        j = i + offset
        if offset == 0 or not 0 <= j < len(ids):
            return None
        other = ids[j]
        a, b = dict(old), dict(self._figure_entries[other])
        a["position"], b["position"] = b["position"], a["position"]
        return self.run_action(label=f"move of figure '{old['caption'] or old['name']}'",
                               extra=[(KIND, figure_id, dict(old), a),
                                      (KIND, other, dict(self._figure_entries[other]), b)], audit_action="figure")

    def figure_changes_toward(self, figures: Iterable[Figure]) -> list[tuple]:
        """("g", ...) changes that make this project hold exactly `figures` (restore a milestone). Their
        images must already be in the file (a milestone's are kept)."""
        want = {f.id: {**f.entry, "position": (i + 1) * GAP} for i, f in enumerate(figures)}
        for f in figures:
            if self._image(f.digest) is None:
                with self._writing():
                    store_image(self._conn, f.digest, f.kind, f.data)
                self._images = {**self._images, f.digest: (f.kind, f.data)}
        out = []
        for fid in sorted(set(self._figure_entries) | set(want)):
            old, new = self._figure_entries.get(fid), want.get(fid)
            if old != new:
                out.append((KIND, fid, dict(old) if old else None, new))
        return out
