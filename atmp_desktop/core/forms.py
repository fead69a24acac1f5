"""Form definitions: the data model as data.

One YAML file per wizard step in `forms/`. Each declares its fields with type, label, help text and
regulatory basis, required flag and a visibility condition. Where a field is printed comes from the
document definitions (core.definitions, resources/documents/), not from the forms.
See docs/forms-format.md. Malformed forms fail at load with a message naming file, field and problem.
"""
from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterator

from atmp_desktop.core.conditions import Condition, ConditionError, parse_condition
from atmp_desktop.core.records import record

SCALAR_TYPES = ("text", "long_text", "choice", "multi_choice", "yes_no", "date", "integer", "quantity",
                "ref", "durations")
# ref: the stable id of a row of another table (`ref: [step.table, ...]`), e.g. a batch result's test;
# durations: a list of time points [{"value", "unit"}] with units from `units` (stability studies)
# table fields the window edits with a special editor: spreadsheet-like grids (ui/grid_editor.py), the
# process-step table with its live flow diagram (ui/flow_preview.py)
EDITORS = ("batch_grid", "stability_grid", "process_flow")
FIELD_TYPES = SCALAR_TYPES + ("table",)
CERTAINTIES = ("V", "K", "U")  # the brief's evidence tags: verified, domain knowledge, unsure
# Kinds of product that help examples and placeholders are written for (`examples:` / `placeholders:`), so a
# writer of an AAV dossier is not shown CAR-T names. ui.logic.product_profile() says which one a project is.
PROFILES = {
    "ex_vivo_gene": "genetically modified cells (ex vivo gene therapy)",
    "in_vivo_gene": "in vivo gene therapy (a vector given to the patient)",
    "cell": "somatic cell therapy",
    "tissue": "tissue-engineered product",
}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PATH = re.compile(r"^(?P<step>[a-z][a-z0-9_]*)\.(?P<field>[a-z][a-z0-9_]*)"
                   r"(?:\[(?P<index>\d+)\](?:\.(?P<column>[a-z][a-z0-9_]*))?)?$")

_STEP_KEYS = {"id", "title", "order", "intro", "applies_when", "not_applicable_reason", "required_for", "fields"}
_FIELD_KEYS = {"id", "label", "type", "help", "basis", "certainty", "required", "required_for", "visible_when",
               "choices", "units", "columns", "min", "max", "placeholder", "group", "width", "ref", "editor",
               "examples", "placeholders"}


class FormError(ValueError):
    """A form definition is malformed. The message names the file, the field and the problem."""


@record(frozen=True)
class Choice:
    value: str
    label: str


@record(frozen=True)
class Field:
    id: str
    label: str
    type: str
    step_id: str = ""
    help: str = ""
    basis: str = ""
    certainty: str = ""
    required: bool = False
    # the procedures (core.pursuits.PURSUITS) for which a required field is required; None: all of them
    required_for: frozenset[str] | None = None
    visible_when: Condition | None = None
    choices: tuple[Choice, ...] = ()
    units: tuple[str, ...] = ()
    columns: tuple["Field", ...] = ()
    min: int | None = None
    max: int | None = None
    placeholder: str = ""
    group: str = ""
    width: int = 0  # preferred column width in characters (tables); 0 = automatic
    ref: tuple[str, ...] = ()  # type ref: the table paths whose row ids it may hold
    editor: str = ""           # a table the window edits with a grid (EDITORS) instead of the table editor
    examples: tuple[tuple[str, str], ...] = ()      # (profile, example text) for the help panel
    placeholders: tuple[tuple[str, str], ...] = ()  # (profile, placeholder) instead of `placeholder`

    def required_in(self, pursuits: frozenset[str]) -> bool:
        """Required for a project that pursues `pursuits` (core.pursuits.project_pursuits)."""
        return self.required and (self.required_for is None or bool(self.required_for & pursuits))

    def example_for(self, profile: str | None) -> str:
        return dict(self.examples).get(profile or "", "")

    def placeholder_for(self, profile: str | None) -> str:
        """The placeholder fitting this kind of product (the plain one when none is written for it)."""
        return dict(self.placeholders).get(profile or "", self.placeholder)

    @property
    def path(self) -> str:
        return f"{self.step_id}.{self.id}"

    @property
    def is_table(self) -> bool:
        return self.type == "table"

    def choice_label(self, value: Any) -> str:
        for c in self.choices:
            if c.value == value:
                return c.label
        return "" if value is None else str(value)

    def column(self, column_id: str) -> "Field":
        for c in self.columns:
            if c.id == column_id:
                return c
        raise KeyError(f"{self.path} has no column '{column_id}'")


@record(frozen=True)
class Step:
    id: str
    title: str
    order: int
    fields: tuple[Field, ...]
    intro: str = ""
    applies_when: Condition | None = None
    not_applicable_reason: str = ""
    source: str = ""

    def field(self, field_id: str) -> Field:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(f"step '{self.id}' has no field '{field_id}'")


@record(frozen=True)
class FieldPath:
    step: str
    field: str
    index: int | None = None
    column: str | None = None

    @property
    def field_path(self) -> str:
        return f"{self.step}.{self.field}"


@lru_cache(maxsize=16384)  # pure, and rules and exports read the same paths per row
def parse_path(path: str) -> FieldPath:
    m = _PATH.match(path.strip())
    if not m:
        raise KeyError(f"'{path}' is not a field path; use step.field or step.table[row].column")
    idx = m.group("index")
    return FieldPath(m.group("step"), m.group("field"), int(idx) if idx is not None else None, m.group("column"))


@record(frozen=True)
class FormSet:
    steps: tuple[Step, ...]
    directory: str = ""

    @cached_property
    def _fields(self) -> dict[str, Field]:
        return {f.path: f for s in self.steps for f in s.fields}

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(f"there is no step '{step_id}'")

    def field(self, path: str) -> Field:
        p = parse_path(path)
        try:
            return self._fields[p.field_path]
        except KeyError:
            raise KeyError(f"there is no field '{p.field_path}'") from None

    def has_field(self, path: str) -> bool:
        try:
            return parse_path(path).field_path in self._fields
        except KeyError:
            return False

    def all_fields(self) -> Iterator[Field]:
        for s in self.steps:
            yield from s.fields

    def value_label(self, path: str, value: Any) -> str:
        """The label a writer sees for a stored value (choice labels; yes/no)."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        try:
            f = self.field(path)
        except KeyError:
            return str(value)
        return f.choice_label(value) if f.choices else str(value)

    def label(self, path: str) -> str:
        """Human label of a field path, e.g. 'Product and classification › ATMP type'."""
        try:
            return self.field(path).label
        except KeyError:
            return path


def _fail(source: str, where: str, what: str) -> FormError:
    return FormError(f"{source}: {where}: {what}")


def _parse_choices(raw: Any, source: str, where: str) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(source, where, "'choices' must be a non-empty list")
    out: list[Choice] = []
    for item in raw:
        if isinstance(item, str):
            out.append(Choice(item, item))
        elif isinstance(item, dict) and set(item) <= {"value", "label"} and "value" in item:
            if any(isinstance(item.get(k), bool) for k in ("value", "label")):
                # YAML reads an unquoted yes/no/on/off as a boolean: the writer would see "True"
                raise _fail(source, where, f"quote the choice {item!r}: YAML reads yes/no/on/off as true/false")
            out.append(Choice(str(item["value"]), str(item.get("label", item["value"]))))
        else:
            raise _fail(source, where, f"each choice must be a string or {{value, label}}, got {item!r}")
    values = [c.value for c in out]
    if len(values) != len(set(values)):
        raise _fail(source, where, "choice values must be unique")
    return tuple(out)


def _required_for(raw: dict, source: str, where: str, inherited: frozenset[str] | None = None):
    """`required_for: [maa, ct, ...]`: the procedures a required field is required for (a field's own list
    replaces its step's)."""
    from atmp_desktop.core.pursuits import PURSUITS
    value = raw.get("required_for")
    if value is None:
        return inherited
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(source, where, f"'required_for' must be a list of procedures ({', '.join(PURSUITS)})")
    unknown = sorted(set(value) - set(PURSUITS))
    if unknown:
        raise _fail(source, where, f"'required_for': unknown procedure(s) {', '.join(unknown)}; use "
                                   f"{', '.join(PURSUITS)}")
    return frozenset(value)


def _parse_field(raw: Any, step_id: str, source: str, in_table: bool = False,
                 required_for: frozenset[str] | None = None) -> Field:
    if not isinstance(raw, dict):
        raise _fail(source, "fields", f"each field must be a mapping, got {raw!r}")
    fid = raw.get("id")
    where = f"field '{fid}'" if fid else "a field without id"
    unknown = set(raw) - _FIELD_KEYS
    if "feeds" in unknown:
        raise _fail(source, where, "'feeds' is no longer used: where a field is printed is set in the document "
                                   "definitions (resources/documents/, docs/documents-format.md)")
    if unknown:
        raise _fail(source, where, f"unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(fid, str) or not _ID.match(fid):
        raise _fail(source, where, "'id' must be lower_snake_case")
    if not raw.get("label"):
        raise _fail(source, where, "'label' is missing")
    ftype = raw.get("type")
    allowed = SCALAR_TYPES if in_table else FIELD_TYPES
    if ftype not in allowed:
        raise _fail(source, where, f"'type' must be one of {', '.join(allowed)}; got {ftype!r}")
    certainty = raw.get("certainty", "")
    if certainty and certainty not in CERTAINTIES:
        raise _fail(source, where, f"'certainty' must be one of V, K, U; got {certainty!r}")
    choices: tuple[Choice, ...] = ()
    if ftype in ("choice", "multi_choice"):
        choices = _parse_choices(raw.get("choices"), source, where)
    elif "choices" in raw:
        raise _fail(source, where, f"'choices' only applies to choice fields, not {ftype}")
    units: tuple[str, ...] = ()
    if ftype in ("quantity", "durations"):
        units = tuple(raw.get("units") or ())
        if not units or not all(isinstance(u, str) and u for u in units):
            raise _fail(source, where, f"a {ftype} field needs a non-empty list of 'units'")
        if ftype == "durations":
            from atmp_desktop.core.quantity import HOURS_PER
            bad = [u for u in units if u not in HOURS_PER]
            if bad:
                raise _fail(source, where, f"'{bad[0]}' is not a unit of time ({', '.join(HOURS_PER)})")
    ref: tuple[str, ...] = ()
    if ftype == "ref":
        ref = tuple(raw.get("ref") or ())
        if not ref or not all(isinstance(r, str) and _PATH.match(r) for r in ref):
            raise _fail(source, where, "a ref column needs 'ref': a list of table paths (step.table)")
    elif "ref" in raw:
        raise _fail(source, where, "'ref' only applies to ref columns")
    editor = str(raw.get("editor") or "")
    if editor and (ftype != "table" or editor not in EDITORS):
        raise _fail(source, where, f"'editor' applies to tables and must be one of {', '.join(EDITORS)}")
    columns: tuple[Field, ...] = ()
    if ftype == "table":
        raw_cols = raw.get("columns")
        if not isinstance(raw_cols, list) or not raw_cols:
            raise _fail(source, where, "a table needs a non-empty list of 'columns'")
        columns = tuple(_parse_field(c, step_id, source, in_table=True,
                                     required_for=_required_for(raw, source, where, required_for))
                        for c in raw_cols)
        ids = [c.id for c in columns]
        if len(ids) != len(set(ids)):
            raise _fail(source, where, "column ids must be unique")
    visible_when = None
    if raw.get("visible_when") is not None:
        if in_table:
            raise _fail(source, where, "table columns cannot have 'visible_when'")
        try:
            visible_when = parse_condition(raw["visible_when"])
        except ConditionError as exc:
            raise _fail(source, where, f"'visible_when': {exc}") from None
    for bound in ("min", "max"):
        if bound in raw and not isinstance(raw[bound], int):
            raise _fail(source, where, f"'{bound}' must be an integer")
    examples = _by_profile(raw, "examples", source, where)
    placeholders = _by_profile(raw, "placeholders", source, where)
    return Field(
        id=fid, label=str(raw["label"]), type=ftype, step_id=step_id,
        help=str(raw.get("help", "")).strip(), basis=str(raw.get("basis", "")).strip(), certainty=certainty,
        required=bool(raw.get("required", False)), required_for=_required_for(raw, source, where, required_for),
        visible_when=visible_when,
        choices=choices, units=units, columns=columns, min=raw.get("min"), max=raw.get("max"),
        placeholder=str(raw.get("placeholder", "")), group=str(raw.get("group", "")),
        width=int(raw.get("width", 0) or 0), ref=ref, editor=editor, examples=examples,
        placeholders=placeholders,
    )


def _by_profile(raw: dict, key: str, source: str, where: str) -> tuple[tuple[str, str], ...]:
    value = raw.get(key)
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise _fail(source, where, f"'{key}' must map kinds of product ({', '.join(PROFILES)}) to text")
    unknown = set(value) - set(PROFILES)
    if unknown:
        raise _fail(source, where, f"'{key}': unknown kind(s) of product {', '.join(sorted(map(str, unknown)))}; "
                                   f"use {', '.join(PROFILES)}")
    if not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise _fail(source, where, f"'{key}': every entry must be a non-empty text")
    return tuple((k, " ".join(str(v).split())) for k, v in value.items())


def parse_step(raw: Any, source: str) -> Step:
    if not isinstance(raw, dict):
        raise FormError(f"{source}: the file must hold a mapping with id, title and fields")
    unknown = set(raw) - _STEP_KEYS
    if unknown:
        raise _fail(source, "step", f"unknown key(s) {', '.join(sorted(unknown))}")
    sid = raw.get("id")
    if not isinstance(sid, str) or not _ID.match(sid):
        raise _fail(source, "step", "'id' must be lower_snake_case")
    if not raw.get("title"):
        raise _fail(source, f"step '{sid}'", "'title' is missing")
    if not isinstance(raw.get("order"), int):
        raise _fail(source, f"step '{sid}'", "'order' must be an integer")
    raw_fields = raw.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise _fail(source, f"step '{sid}'", "'fields' must be a non-empty list")
    required_for = _required_for(raw, source, f"step '{sid}'")
    fields = tuple(_parse_field(f, sid, source, required_for=required_for) for f in raw_fields)
    ids = [f.id for f in fields]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise _fail(source, f"field '{dupes[0]}'", "the id is used twice in this step")
    applies = None
    if raw.get("applies_when") is not None:
        try:
            applies = parse_condition(raw["applies_when"])
        except ConditionError as exc:
            raise _fail(source, f"step '{sid}'", f"'applies_when': {exc}") from None
    return Step(id=sid, title=str(raw["title"]), order=raw["order"], fields=fields,
                intro=str(raw.get("intro", "")).strip(), applies_when=applies,
                not_applicable_reason=str(raw.get("not_applicable_reason", "")).strip(), source=source)


def _check_references(forms: FormSet) -> None:
    """Every condition must name an existing field; a step's own fields may not hide the step."""
    for step in forms.steps:
        for f in step.fields:
            for col in f.columns:
                for target in col.ref:
                    if not forms.has_field(target) or not forms.field(target).is_table:
                        raise _fail(step.source, f"field '{f.id}' column '{col.id}'",
                                    f"'ref' names '{target}', which is not a table of the forms")
        conds = [(f"step '{step.id}'", step.applies_when)] + [(f"field '{f.id}'", f.visible_when) for f in step.fields]
        for where, cond in conds:
            if cond is None:
                continue
            for ref in cond.fields():
                if not forms.has_field(ref):
                    raise _fail(step.source, where, f"the condition refers to '{ref}', which no form defines")
                if forms.field(ref).is_table:
                    raise _fail(step.source, where, f"the condition refers to table '{ref}'; use a scalar field")


def load_forms(directory: str | Path | None = None, cache: bool = False) -> FormSet:
    """The forms of `directory` (default: the app's own), checked; `cache`: read unchanged files from the
    JSON copy in the user's cache folder (core/yaml_cache.py) instead of parsing their YAML again."""
    from atmp_desktop.core.paths import forms_dir
    from atmp_desktop.core.yaml_cache import YamlFileError, cache_file, load_yaml_files

    directory = Path(directory) if directory else forms_dir()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise FormError(f"{directory}: no form files (*.yaml) found")
    try:
        raws = load_yaml_files(files, cache_file(directory) if cache else None)
    except YamlFileError as exc:
        raise FormError(str(exc)) from None
    steps: list[Step] = [parse_step(raw, path.name) for path, raw in zip(files, raws)]
    ids = [s.id for s in steps]
    for s in steps:
        if ids.count(s.id) > 1:
            raise FormError(f"{s.source}: step '{s.id}': the step id is used by another form file too")
    forms = FormSet(steps=tuple(sorted(steps, key=lambda s: (s.order, s.id))), directory=str(directory))
    _check_references(forms)
    return forms


_CACHE: dict[str, FormSet] = {}


def default_forms() -> FormSet:
    """The app's own forms, loaded once per process: from the user's cache when the form files and this code
    are exactly those they were checked from (core/yaml_cache.py, `load_checked`), else read and checked."""
    from atmp_desktop.core.paths import forms_dir

    key = str(forms_dir())
    if key not in _CACHE:
        _CACHE[key] = _checked_forms(Path(key))
    return _CACHE[key]


def _checked_forms(directory: Path) -> FormSet:
    import sys

    from atmp_desktop.core import conditions, yaml_cache
    target = yaml_cache.checked_file(directory, "forms")
    if target is None:
        return load_forms(directory, cache=True)
    try:
        stamp = yaml_cache.checked_stamp(sorted(directory.glob("*.yaml")), (sys.modules[__name__], conditions))
    except OSError:
        return load_forms(directory, cache=True)  # which says what cannot be read
    if stamp is None:  # a file changed just now: checked, no copy kept (yaml_cache.SETTLED_NS)
        return load_forms(directory, cache=True)
    forms = yaml_cache.load_checked(target, stamp, (FormSet, Step, Field, Choice, conditions.Condition))
    if isinstance(forms, FormSet) and forms.directory == str(directory):
        return forms
    forms = load_forms(directory, cache=True)
    yaml_cache.save_checked(target, stamp, forms)
    return forms
