"""Qt-free decisions the window shows: what applies, what is visible, how complete a step is.

Kept apart from the widgets so they are cheap to test and fast to recompute on every edit.
"""
from __future__ import annotations

from dataclasses import dataclass

from atmp_desktop.core.forms import Field, FormSet, Step
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
