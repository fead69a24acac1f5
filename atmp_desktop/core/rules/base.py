"""The rule machinery: a Rule is data (id, severity, applies-when, basis, certainty) plus one small check.

A check receives a Ctx (the forms and the snapshot with a few read helpers) and returns hits:
(location, message). Location is a field path ("product.inn", "manufacturing.sites[1].qualified_person")
or a CTD code ("1.6.2"). The check itself returns nothing when its applies-when condition is false, so
each rule can be tested alone with a hand-built snapshot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.values import is_empty

SEVERITIES = ("error", "warning", "info")
Hit = tuple[str, str]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    applies_when: str  # plain language, shown in `atmp-desktop rules` and docs/validation.md
    check_text: str    # what the rule checks, in one line
    basis: str
    certainty: str     # V / K / U, the brief's evidence tag
    step: str = ""     # step the findings belong to when the location is not a field path
    check: Callable[["Ctx"], Iterable[Hit]] = lambda ctx: ()


RULES: list[Rule] = []


def rule(id: str, severity: str, applies_when: str, check: str, basis: str, certainty: str, step: str = ""):
    """Register the decorated function as the check of a rule."""
    assert severity in SEVERITIES, severity

    def deco(fn: Callable[["Ctx"], Iterable[Hit]]):
        RULES.append(Rule(id, severity, applies_when, check, basis, certainty, step, fn))
        return fn
    return deco


_HUMAN = re.compile(r"_+")


class Ctx:
    """Read helpers over one snapshot; labels come from the forms so messages name what the writer sees."""

    def __init__(self, forms: FormSet, snap: ProjectSnapshot):
        self.forms = forms
        self.snap = snap
        self._labels: dict[str, str] = {}

    # ---- values
    def get(self, path: str) -> Any:
        return self.snap.get(path)

    def yes(self, path: str) -> bool:
        return self.snap.get(path) is True

    def no(self, path: str) -> bool:
        return self.snap.get(path) is False

    def filled(self, path: str) -> bool:
        return not is_empty(self.snap.get(path))

    def rows(self, path: str) -> list[dict]:
        return [r for r in self.snap.rows(path) if isinstance(r, dict)]

    def text(self, path: str) -> str:
        return as_text(self.snap.get(path))

    def texts(self, *paths: str) -> str:
        return "\n".join(self.text(p) for p in paths)

    # ---- labels
    def label(self, path: str) -> str:
        """'‘Donor laboratory tests’ in step ‘Starting and raw materials’' (falls back to the id)."""
        if path not in self._labels:
            self._labels[path] = self._make_label(path)
        return self._labels[path]

    def field_label(self, path: str) -> str:
        try:
            return self.forms.field(path).label
        except KeyError:
            return _HUMAN.sub(" ", path.split(".")[-1]).capitalize()

    def empty_cells(self, table_path: str, columns: tuple[str, ...]):
        """(location, row, row index, lower-case column label) for each empty cell of `columns`."""
        for i, row in enumerate(self.rows(table_path)):
            for col in columns:
                if not row.get(col):
                    yield f"{table_path}[{i}].{col}", row, i, self.column_label(table_path, col).lower()

    def column_label(self, table_path: str, column: str) -> str:
        try:
            return self.forms.field(table_path).column(column).label
        except KeyError:
            return _HUMAN.sub(" ", column).capitalize()

    def step_title(self, step_id: str) -> str:
        try:
            return self.forms.step(step_id).title
        except KeyError:
            return _HUMAN.sub(" ", step_id).capitalize()

    def _make_label(self, path: str) -> str:
        step = path.split(".")[0]
        return f"‘{self.field_label(path)}’ (step ‘{self.step_title(step)}’)"


def as_text(value: Any) -> str:
    if is_empty(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(as_text(v) for v in value.values())
    return str(value)


def matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text or "", re.IGNORECASE) is not None


def row_matching(rows: list[dict], pattern: str, *columns: str) -> dict | None:
    for r in rows:
        if any(matches(pattern, as_text(r.get(c))) for c in columns):
            return r
    return None


def missing_topics(text: str, topics: dict[str, str]) -> list[str]:
    """Names of the topics (name -> regex) that `text` does not mention."""
    return [name for name, pattern in topics.items() if not matches(pattern, text)]


# ---------------------------------------------------------------------------- product facts
VIRAL = ("aav", "adenovirus", "gamma_retrovirus", "lentivirus", "hsv_oncolytic", "other_virus")
NON_VIRAL = ("plasmid", "mrna_non_viral", "bacterial")
CT_STAGES = ("exploratory_ct", "confirmatory_ct")


def is_gmo(c: Ctx) -> bool:
    return c.yes("product.contains_gmo")


def viral_vector(c: Ctx) -> bool:
    return c.get("product.vector_family") in VIRAL


def is_gtmp(c: Ctx) -> bool:
    return c.get("product.atmp_type") == "GTMP" or c.yes("product.gm_cells")


def cell_based(c: Ctx) -> bool:
    return c.get("product.atmp_type") in ("sCTMP", "TEP") or c.yes("product.gm_cells")


def procedures(c: Ctx) -> set[str]:
    out = set(c.get("applicant.other_procedures") or [])
    if c.get("applicant.procedure"):
        out.add(c.get("applicant.procedure"))
    return out


def is_maa(c: Ctx) -> bool:
    return str(c.get("applicant.procedure") or "").startswith("maa_") or c.get("applicant.development_stage") == "maa"


def in_clinical_trials(c: Ctx) -> bool:
    return c.get("applicant.development_stage") in CT_STAGES or c.get("applicant.procedure") == "ct_gmo"
