"""What one change set can change on screen besides the changed fields' own editors (Qt-free): the fields
whose visibility and the steps whose applicability read a changed field.

Apart from ui/logic.py because only an edit needs it: its two frozen dataclasses cost a launch ~8 M
instructions of compiled methods before the first paint, which shows no edit.
"""
from __future__ import annotations

from dataclasses import dataclass

from atmp_desktop.core.forms import FormSet, parse_path
from atmp_desktop.core.pursuits import PURSUIT_FIELDS


@dataclass(frozen=True)
class Dependencies:
    """Which conditions read which fields, so an edit re-evaluates only the conditions it can change."""
    fields: dict[str, frozenset[str]]   # field path read -> fields whose visible_when (or required_for) reads it
    steps: dict[str, frozenset[str]]    # field path read -> steps whose applies_when reads it


def _read_paths(condition) -> set[str]:
    out = set()
    for p in condition.fields():
        try:
            out.add(parse_path(p).field_path)
        except KeyError:
            out.add(p)
    return out


_DEPENDENCIES: dict[int, tuple[FormSet, Dependencies]] = {}


def dependencies(forms: FormSet) -> Dependencies:
    """Built once per form set (the forms are immutable)."""
    cached = _DEPENDENCIES.get(id(forms))
    if cached is not None and cached[0] is forms:
        return cached[1]
    fields: dict[str, set[str]] = {}
    steps: dict[str, set[str]] = {}
    for f in forms.all_fields():
        if f.visible_when is not None:
            for p in _read_paths(f.visible_when):
                fields.setdefault(p, set()).add(f.path)
        if f.required and f.required_for is not None:  # required or not with the procedures pursued
            for p in PURSUIT_FIELDS:
                fields.setdefault(p, set()).add(f.path)
    for s in forms.steps:
        if s.applies_when is not None:
            for p in _read_paths(s.applies_when):
                steps.setdefault(p, set()).add(s.id)
    deps = Dependencies({k: frozenset(v) for k, v in fields.items()}, {k: frozenset(v) for k, v in steps.items()})
    _DEPENDENCIES[id(forms)] = (forms, deps)
    return deps


@dataclass(frozen=True)
class Affected:
    """What one change set can change on screen besides the changed fields' own editors."""
    paths: frozenset[str]        # the changed fields and tables
    visibility: frozenset[str]   # fields whose visible_when reads a changed field
    applicability: frozenset[str]  # steps whose applies_when reads a changed field

    @property
    def steps(self) -> frozenset[str]:
        """Steps whose completeness or look can change."""
        return frozenset(p.split(".", 1)[0] for p in self.paths | self.visibility) | self.applicability


def affected(forms: FormSet, paths) -> Affected:
    deps = dependencies(forms)
    paths = frozenset(paths)
    visibility: set[str] = set()
    steps: set[str] = set()
    for p in paths:
        visibility |= deps.fields.get(p, frozenset())
        steps |= deps.steps.get(p, frozenset())
    return Affected(paths, frozenset(visibility), frozenset(steps))
