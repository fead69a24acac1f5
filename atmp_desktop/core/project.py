"""The project snapshot: an immutable, format-free view of one project that exporters and rules read.

Exporters and validation take a snapshot, never the database (data flows forms -> file -> model -> writers).
"""
from __future__ import annotations

from dataclasses import field, replace
from typing import Any, Mapping

from atmp_desktop.core.forms import FormSet, parse_path
from atmp_desktop.core.records import record
from atmp_desktop.core.values import is_empty, json_copy

FORMAT_NAME = "atmp-dossier-project"
FORMAT_VERSION = 2            # the newest this app reads and writes
FIGURES_FORMAT_VERSION = 2    # documents with figures; documents without them are written as version 1


@record(frozen=True)
class ProjectSnapshot:
    meta: Mapping[str, Any]
    values: Mapping[str, Mapping[str, Any]]  # step id -> field id -> value (tables: list of row dicts)
    section_status: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # CTD code -> {status, note}
    # table field path -> the store's stable row ids, aligned with the rows in `values` (empty for snapshots
    # not made by the store, e.g. from a JSON document).
    table_ids: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # stored values that could not be used (bad JSON, wrong type, unknown choice ...): (field path, sentence).
    # Such values are left out of `values`; the window shows them as damaged, the CLI and export report them.
    problems: tuple[tuple[str, str], ...] = ()
    # review status of steps and CTD sections: target ('step:<id>', 'section:<code>') -> {status, reviewer, at,
    # comment} (core.review); review comments on fields, each a dict (core.review.threads groups them)
    review: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    comments: tuple[Mapping[str, str], ...] = ()
    # figures attached to fields and headings, in order (core.figures.Figure, image bytes included)
    figures: tuple = ()
    # table path -> {row id: position}, built on first use: a snapshot never changes, and rules and exports
    # look rows up by id tens of thousands of times (a result row names its batch and its test)
    _positions: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def get(self, path: str, default: Any = None) -> Any:
        p = parse_path(path)
        value = self.values.get(p.step, {}).get(p.field)
        if p.index is not None:
            if not isinstance(value, list) or p.index >= len(value):
                return default
            value = value[p.index]
            if p.column is not None:
                value = value.get(p.column)
        return default if is_empty(value) else value

    def is_set(self, path: str) -> bool:
        p = parse_path(path)
        if p.index is None:
            answer = getattr(self.values.get(p.step), "is_set", None)
            if answer is not None:  # the store's step values say whether a table has rows without reading it
                return answer(p.field)
        return not is_empty(self.get(path))

    def rows(self, path: str) -> list[dict]:
        value = self.get(path)
        return list(value) if isinstance(value, list) else []

    def row_ids(self, path: str) -> tuple[str, ...]:
        """The stable ids of the rows of table `path`, in table order (same length as `rows(path)`)."""
        return tuple(self.table_ids.get(path, ()))

    def row_index(self, path: str, row_id: str) -> int | None:
        positions = self._positions.get(path)
        if positions is None:
            positions = {}
            for i, rid in enumerate(self.table_ids.get(path, ())):
                positions.setdefault(rid, i)
            self._positions[path] = positions
        return positions.get(row_id)

    def row(self, path: str, row_id: str) -> dict | None:
        i = self.row_index(path, row_id)
        if i is None:
            return None
        rows = self.get(path)
        return rows[i] if isinstance(rows, list) and i < len(rows) else None

    def is_yes(self, path: str) -> bool:
        return self.get(path) is True

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or "Untitled project")


def step_applies(forms: FormSet, step_id: str, snap: ProjectSnapshot) -> bool:
    step = forms.step(step_id)
    return step.applies_when is None or step.applies_when.evaluate(snap.get)


def field_visible(forms: FormSet, path: str, snap: ProjectSnapshot) -> bool:
    f = forms.field(path)
    return step_applies(forms, f.step_id, snap) and (f.visible_when is None or f.visible_when.evaluate(snap.get))


def to_document(snap: ProjectSnapshot, images: bool = True, copy: bool = True) -> dict:
    """The JSON interchange document (stable key order is applied by the serialiser). Empty rows are left out
    (an import drops them too); `row_ids` keeps row identities across dump and import. Figures carry their
    image as base64 (`images=False`: by SHA-256 only, for milestones that keep the image in the file).
    `copy=False`: rows and values are the snapshot's own objects, not copies, for a caller that only
    serialises the document (a milestone: copying a large 4x project was a fifth of the work)."""
    data = {k: json_copy(dict(v)) if copy else dict(v) for k, v in snap.values.items() if v}
    row_ids: dict[str, list[str]] = {}
    for step_id, fields in data.items():
        for field_id, value in list(fields.items()):
            if not isinstance(value, list):
                continue
            path = f"{step_id}.{field_id}"
            ids = snap.table_ids.get(path, ())
            kept = [(i, row) for i, row in enumerate(value) if row]
            fields[field_id] = [row for _, row in kept]
            if len(ids) == len(value):
                row_ids[path] = [ids[i] for i, _ in kept]
            if not kept:
                del fields[field_id]
    doc = {
        "format": FORMAT_NAME,
        "format_version": 1,
        "project": dict(snap.meta),
        "data": {k: v for k, v in data.items() if v},
        "section_status": {k: dict(v) for k, v in snap.section_status.items()},
    }
    if row_ids:
        doc["row_ids"] = {k: v for k, v in sorted(row_ids.items()) if v}
    if snap.figures:
        from atmp_desktop.core.figures import to_json
        doc["format_version"] = FIGURES_FORMAT_VERSION  # an app that knows no figures says "update the app"
        doc["figures"] = to_json(snap.figures, images=images)
    return doc


def effective_snapshot(forms: FormSet, snap: ProjectSnapshot) -> ProjectSnapshot:
    """The snapshot without values the writer cannot see: fields hidden by `visible_when` and steps that do
    not apply. A value left behind after an answer changed (say, an origin entered before the product was
    marked an in vivo gene therapy) must not drive checks or documents."""
    values = {step: dict(fields) for step, fields in snap.values.items()}
    for _ in range(5):  # conditions may read fields that are themselves hidden: repeat until stable
        current = replace(snap, values=values)
        hidden = [(f.step_id, f.id) for f in forms.all_fields()
                  if f.id in values.get(f.step_id, {}) and not field_visible(forms, f.path, current)]
        if not hidden:
            return current
        for step_id, field_id in hidden:
            del values[step_id][field_id]
    return replace(snap, values=values)
