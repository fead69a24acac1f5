"""Qt-free decisions the window shows: what applies, what is visible, how complete a step is.

Kept apart from the widgets so they are cheap to test and fast to recompute on every edit.
"""
from __future__ import annotations

from dataclasses import dataclass

from atmp_desktop.core.forms import Field, FormSet, Step, parse_path
from atmp_desktop.core.project import ProjectSnapshot

CERTAINTY_TEXT = {
    "V": "Verified",
    "K": "Domain knowledge",
    "U": "Unverified — check before relying on it",
}


@dataclass(frozen=True)
class StepState:
    step_id: str
    applies: bool
    reason: str            # why the step does not apply ("" when it does)
    required: int          # visible required fields
    filled: int            # of those, filled in

    @property
    def summary(self) -> str:
        if not self.applies:
            return "Not applicable"
        if self.required == 0:
            return "No required fields"
        return f"{self.filled}/{self.required} required filled"

    @property
    def complete(self) -> bool:
        return self.applies and self.filled >= self.required


def step_applies(step: Step, snap: ProjectSnapshot) -> bool:
    return step.applies_when is None or step.applies_when.evaluate(snap.get)


def not_applicable_reason(forms: FormSet, step: Step) -> str:
    if step.not_applicable_reason:
        return step.not_applicable_reason
    if step.applies_when is not None:
        return "Applies only when " + step.applies_when.describe(forms.label, forms.value_label) + "."
    return ""


def field_visible(field: Field, snap: ProjectSnapshot) -> bool:
    return field.visible_when is None or field.visible_when.evaluate(snap.get)


def step_state(forms: FormSet, step: Step, snap: ProjectSnapshot) -> StepState:
    applies = step_applies(step, snap)
    required = [f for f in step.fields if f.required and field_visible(f, snap)]
    filled = sum(1 for f in required if snap.is_set(f.path))
    return StepState(step.id, applies, "" if applies else not_applicable_reason(forms, step),
                     len(required), filled)


def certainty_text(code: str) -> str:
    return CERTAINTY_TEXT.get(code, "")


def step_of_location(forms: FormSet, location: str) -> str:
    """The step a finding's location belongs to ('' for CTD codes and unknown paths)."""
    if forms.has_field(location):
        return location.split(".", 1)[0]
    return ""


# ----------------------------------------------------------------------------- what an edit can affect
@dataclass(frozen=True)
class Dependencies:
    """Which conditions read which fields, so an edit re-evaluates only the conditions it can change."""
    fields: dict[str, frozenset[str]]   # field path read -> fields whose visible_when reads it
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
