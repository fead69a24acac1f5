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
from atmp_desktop.core.pursuits import ALL, STAGE_PURSUIT
from atmp_desktop.core.pursuits import procedures as _procedures, project_pursuits
from atmp_desktop.core.values import is_empty

SEVERITIES = ("error", "warning", "info")
Hit = tuple[str, ...]  # (location, message) or (location, message, field to open)


# ---------------------------------------------------------------------------- what the project pursues
# A rule names the kinds of procedure (core.pursuits.PURSUITS) it concerns; it runs when the project pursues any
# of them, through its main procedure, a parallel procedure (applicant.other_procedures) or its development
# stage. Product facts (type, vector, materials) are then checked by the rule itself.
MAA, CT, CERT = frozenset({"maa"}), frozenset({"ct"}), frozenset({"certification"})
ASSESSED_AS_MAA = MAA | CERT           # where a trial stage's milder severity does not apply
MAA_CT = MAA | CT                      # the product is made and used: sites, GMO handling, follow-up
DOSSIER = MAA | CT | CERT              # Module 3 quality data are assessed (IMPD, certification)


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
    pursued: frozenset[str] = ALL  # the kinds of procedure (PURSUITS) the rule concerns
    on: str = "project"            # "project": run by validate(); "export": on exported files (export_check)
    # (development stage, severity): a milder severity while a trial project is at that stage (phase-appropriate
    # expectations, impd-notes §2.3: hints that never block an export)
    severity_by_stage: tuple[tuple[str, str], ...] = ()

    @property
    def family(self) -> str:
        return self.id.split("-")[0]

    def concerns(self, pursuits: frozenset[str]) -> bool:
        """True when the project pursues at least one procedure this rule is about."""
        return bool(self.pursued & pursuits)

    def severity_for(self, stage: Any, pursuits: frozenset[str]) -> str:
        """The severity for this project: the stage's own while it pursues no marketing authorisation or SME
        certification (both are assessed against the standards of a marketing authorisation)."""
        if self.severity_by_stage and not pursuits & ASSESSED_AS_MAA:
            return dict(self.severity_by_stage).get(stage, self.severity)
        return self.severity


RULES: list[Rule] = []


def rule(id: str, severity: str, applies_when: str, check: str, basis: str, certainty: str, step: str = "",
         pursued: Iterable[str] = ALL, on: str = "project", severity_by_stage: dict[str, str] | None = None):
    """Register the decorated function as the check of a rule that concerns the `pursued` procedures. A rule
    `on="export"` is only declared here (catalogue, docs); export/export_check.py checks the files.
    `severity_by_stage` ({"exploratory_ct": "info"}) makes a rule milder at a clinical-trial stage."""
    assert severity in SEVERITIES, severity
    assert on in ("project", "export"), on
    pursued = frozenset(pursued)
    assert pursued and pursued <= ALL, pursued
    by_stage = tuple((severity_by_stage or {}).items())
    assert all(STAGE_PURSUIT.get(s) == "ct" and v in SEVERITIES for s, v in by_stage), by_stage

    def deco(fn: Callable[["Ctx"], Iterable[Hit]]):
        RULES.append(Rule(id, severity, applies_when, check, basis, certainty, step, fn, pursued, on, by_stage))
        return fn
    return deco


_HUMAN = re.compile(r"_+")


class Ctx:
    """Read helpers over one snapshot; labels come from the forms so messages name what the writer sees."""

    def __init__(self, forms: FormSet, snap: ProjectSnapshot):
        self.forms = forms
        self.snap = snap
        self._labels: dict[str, str] = {}
        self._row_lists: dict[str, list[dict]] = {}  # get_row's tables, filtered once per check run
        self.pursuits = project_pursuits(snap.get)
        self.stage = snap.get("applicant.development_stage")

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

    def get_row(self, location: str) -> dict:
        """The row a location like 'materials.raw_materials[2]' names ({} when there is none)."""
        table, _, rest = location.partition("[")
        rows = self._row_lists.get(table)
        if rows is None:  # a rule asks for many rows of one table: filtering it per row was quadratic
            rows = self._row_lists[table] = self.rows(table)
        i = int(rest.split("]")[0]) if rest else -1
        return rows[i] if 0 <= i < len(rows) else {}

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


# ---------------------------------------------------------------------------- an assessor's questions
# A rule never looks for words in narrative. Where a CAT assessor asks whether a topic is covered, the form
# asks the same question (yes / not yet / not relevant) and where the answer is written (a choice whose values
# are field paths); the rule checks the answer and that the section pointed to has content.
COVERED = ("yes", "not_relevant")


def pointed_to(c: Ctx, where: str, topic: str) -> Iterable[Hit]:
    """Hits when the pointer `where` names no section, or a section that is empty (or hidden)."""
    target = c.get(where)
    if not target:
        yield (where, f"Say in {c.label(where)} where {topic} is written.")
    elif not c.forms.has_field(str(target)) or not c.filled(str(target)):
        yield (where, f"{c.label(where)} points to {c.label(str(target))}, which is empty: write {topic} there "
                      "or point to the section that holds it.")


def addressed(c: Ctx, question: str, where: str, topic: str, allowed: tuple[str, ...] = COVERED) -> Iterable[Hit]:
    """Hits for a question answered yes / not yet / not relevant with a pointer to where the answer is written."""
    answer = c.get(question)
    if answer is None:
        yield (question, f"Answer {c.label(question)} ({topic}) and say in {c.label(where)} where it is written.")
    elif answer not in allowed:
        yield (question, f"{topic[0].upper()}{topic[1:]} is not addressed yet: write it (e.g. in the section "
                         f"{c.label(where)} offers) and then answer {c.label(question)}.")
    else:
        yield from pointed_to(c, where, topic)


# ---------------------------------------------------------------------------- product facts
VIRAL = ("aav", "adenovirus", "gamma_retrovirus", "lentivirus", "hsv_oncolytic", "other_virus")
NON_VIRAL = ("plasmid", "mrna_non_viral", "bacterial")
CT_STAGES = ("exploratory_ct", "confirmatory_ct")


def third_country(site: dict) -> bool:
    """A site outside the EU/EEA: answered so in its 'In the EU/EEA' column, or, when that is unanswered, a country
    that is not an EU/EEA state (name or code). An unknown or empty country counts as EU/EEA, so its
    authorisation is asked for rather than silently excused."""
    from atmp_desktop.core.constants import COUNTRY_CODES
    if isinstance(site.get("in_eea"), bool):
        return not site["in_eea"]
    country = " ".join(as_text(site.get("country")).split()).lower()
    if not country:
        return False
    return country not in COUNTRY_CODES and country.upper() not in COUNTRY_CODES.values()


def is_gmo(c: Ctx) -> bool:
    return c.yes("product.contains_gmo")


def viral_vector(c: Ctx) -> bool:
    return c.get("product.vector_family") in VIRAL


def is_gtmp(c: Ctx) -> bool:
    return c.get("product.atmp_type") == "GTMP" or c.yes("product.gm_cells")


def cell_based(c: Ctx) -> bool:
    return c.get("product.atmp_type") in ("sCTMP", "TEP") or c.yes("product.gm_cells")


def procedures(c: Ctx) -> set[str]:
    """Every procedure the project pursues: the main one and the parallel ones."""
    return _procedures(c.get)


def is_maa(c: Ctx) -> bool:
    return "maa" in c.pursuits


def in_clinical_trials(c: Ctx) -> bool:
    """A trial stage, or a GMO application for a trial as the main or a parallel procedure."""
    return "ct" in c.pursuits
