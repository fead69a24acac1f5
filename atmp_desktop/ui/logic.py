"""Qt-free decisions the window shows: what applies, what is visible, how complete a step is.

Kept apart from the widgets so they are cheap to test and fast to recompute on every edit.
"""
from __future__ import annotations

import datetime as _dt
import re

from atmp_desktop.core.forms import Field, FormSet, Step
from atmp_desktop.core.patterns import lazy_compile
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.pursuits import project_pursuits
from atmp_desktop.core.records import record

CERTAINTY_TEXT = {
    "V": "Verified",
    "K": "Domain knowledge",
    "U": "Unverified — check before relying on it",
}


@record(frozen=True)
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
        return f"{self.filled} of {self.required} required filled"

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
    pursuits = project_pursuits(snap.get)
    required = [f for f in step.fields if f.required_in(pursuits) and field_visible(f, snap)]
    filled = sum(1 for f in required if snap.is_set(f.path))
    return StepState(step.id, applies, "" if applies else not_applicable_reason(forms, step),
                     len(required), filled)


def product_profile(snap: ProjectSnapshot | None) -> str | None:
    """Which kind of product the help examples and placeholders should fit (core.forms.PROFILES), or None
    while the ATMP type is not chosen."""
    if snap is None:
        return None
    atmp, gm_cells = snap.get("product.atmp_type"), snap.get("product.gm_cells")
    if gm_cells is True:
        return "ex_vivo_gene"
    if atmp == "GTMP":
        return "in_vivo_gene" if gm_cells is False else None
    return {"sCTMP": "cell", "TEP": "tissue"}.get(atmp)


PROFILE_FIELDS = frozenset({"product.atmp_type", "product.gm_cells"})  # what product_profile reads


def certainty_text(code: str) -> str:
    return CERTAINTY_TEXT.get(code, "")


def step_of_location(forms: FormSet, location: str) -> str:
    """The step a finding's location belongs to ('' for CTD codes and unknown paths)."""
    if forms.has_field(location):
        return location.split(".", 1)[0]
    return ""


# ----------------------------------------------------------------------------- typed dates and numbers
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_ISO = lazy_compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_BASIC = lazy_compile(r"^(\d{4})(\d{2})(\d{2})$")


def date_order(pattern: str) -> str:
    """'DMY', 'MDY' or 'YMD' from a date pattern such as Qt's 'dd/MM/yyyy' or 'M/d/yy'."""
    found = sorted((pattern.find(ch), key) for ch, key in (("d", "D"), ("M", "M"), ("y", "Y")) if ch in pattern)
    order = "".join(key for _pos, key in found)
    return order if sorted(order) == ["D", "M", "Y"] else "DMY"


def _month(token: str, names) -> int | None:
    low = token.lower().rstrip(".")
    if len(low) < 3:
        return None
    for names_list in (names, _MONTHS):
        for i, name in enumerate(names_list, start=1):
            if name and name.lower().startswith(low):
                return i
    return None


def parse_date(text: str, order: str = "DMY", month_names=(), example: str = "15/03/2027") -> tuple[str | None, str]:
    """A typed date as (ISO date, "") or (None, one sentence saying what is wrong); empty text is (None, "").

    Accepts 2027-03-15, 20270315, the locale's numeric order (15/03/2027, 03/15/2027, 15.03.2027) and month
    names (15 March 2027). Years need four digits: a guessed century would save a date nobody typed."""
    t = text.strip()
    if not t:
        return None, ""
    m = _ISO.match(t) or _ISO_BASIC.match(t)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        tokens = [x for x in re.split(r"[\s/.\-,]+", t) if x]
        if len(tokens) != 3:
            return None, f"“{t}” is not a date; type it as 2027-03-15 or {example}."
        words = [x for x in tokens if not x.isdigit()]
        if len(words) > 1 or (words and _month(words[0], month_names) is None):
            return None, f"“{t}” is not a date; type it as 2027-03-15 or {example}."
        if words:
            mo = _month(words[0], month_names)
            numbers = [x for x in tokens if x.isdigit()]
            years = [x for x in numbers if len(x) == 4]
            if len(years) != 1:
                return None, f"“{t}”: write the year with four digits, e.g. 15 March 2027."
            y = int(years[0])
            d = int(next(x for x in numbers if x is not years[0]))
        else:
            if len(tokens[0]) == 4:
                use = "YMD"
            else:
                use = order
            parts = dict(zip(use, tokens))
            if len(parts["Y"]) != 4:
                return None, f"“{t}”: write the year with four digits, e.g. {example}."
            y, mo, d = int(parts["Y"]), int(parts["M"]), int(parts["D"])
    if not 1 <= mo <= 12:
        return None, f"“{t}” is not a date: there is no month {mo}."
    try:
        return _dt.date(y, mo, d).isoformat(), ""
    except ValueError:
        import calendar
        last = calendar.monthrange(y, mo)[1]
        return None, f"“{t}” is not a date: {_MONTHS[mo - 1].capitalize()} {y} has {last} days."


def parse_number(text: str, integer: bool, decimal_point: str = ".", low=None, high=None) -> tuple[object, str]:
    """A typed number as (value, "") or (None, one sentence); empty text is (None, "")."""
    t = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not t:
        return None, ""
    if decimal_point != "." and not integer:
        t = t.replace(decimal_point, ".")
    if integer:
        if not re.fullmatch(r"[-+]?\d+", t):
            return None, f"“{text.strip()}” is not a whole number; type digits only, e.g. 12."
        value: object = int(t)
    else:
        if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", t):
            sep = "a point" if decimal_point == "." else f"“{decimal_point}” or a point"
            return None, f"“{text.strip()}” is not a number; type digits with {sep} for decimals, e.g. 12{decimal_point}5."
        value = float(t)
        if value.is_integer():
            value = int(value)
    if low is not None and value < low:
        return None, f"{value} is below the lowest allowed value, {low}."
    if high is not None and value > high:
        return None, f"{value} is above the highest allowed value, {high}."
    return value, ""
