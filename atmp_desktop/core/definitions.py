"""Document definitions: the dossier structure as data (docs/documents-format.md).

One YAML file per document in `resources/documents/`. Each names its heading namespace, its heading tree
(CTD codes and titles are checked against the heading table) and, per heading, an ordered list of content
items: fields, groups, facts, tables, grids, narratives, figures, cross-references, fixed statements and
named computed hooks, each with an optional `applies_when` in the condition language of the forms.

Loading is strict, like the forms: an unknown key, a field path, column or hook that does not exist, a
cross-reference that points to its own section, a narrative printed twice in one document or a CTD heading
missing or out of order stops with `FILE: heading 'CODE': item N (kind): what is wrong`.

From the definitions comes the one placement map (`PlacementMap`): which field is printed where. The
sections dock, the readiness matrix, the help panel's "Used in", validation's section of a finding and the
applicability of sections all read it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from atmp_desktop.core.conditions import Condition, ConditionError, parse_condition
from atmp_desktop.core.figures import heading_target
from atmp_desktop.core.forms import FormSet, parse_path

NAMESPACES = ("ctd", "impd", "form", "report")
ITEM_KINDS = ("text", "note", "review", "field", "fields", "facts", "table", "summary", "grid", "narrative", "figure", "see",
              "group", "hook", "refer", "checklist")
# the documents of an application this app does not write (key, title, version, date): `refer` and `checklist`
EXTERNAL_DOCUMENTS = "clinical.external_documents"

STAGE_FIELD = "applicant.development_stage"   # what `stage:` on an item is short for
_ID = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_STEM = re.compile(r"^[a-z0-9{}][a-z0-9{}/-]*$")


@dataclass(frozen=True)
class HookSpec:
    """A computed section the generic builder cannot express as data; the export layer implements it."""
    reads: tuple[str, ...] = ()   # field paths it prints (they count as placed there)
    args: tuple[str, ...] = ()    # allowed argument names
    what: str = ""


# The named computed hooks. export/builders implements each under the same name (checked by a test and at
# the first build). Keep this list short: everything that is not a real computation belongs in the YAML.
HOOKS: dict[str, HookSpec] = {
    "process_flow": HookSpec(("manufacturing.process_steps",), ("stage", "only"),
                             "the process steps as a numbered flow with sites and IPCs, and the generated "
                             "diagram of the whole process (only: diagram = the diagram of the stage's steps)"),
    "excipient_controls": HookSpec(("quality.dp_composition",), ("kind",),
                                   "3.2.P.4.2-4.4 from the composition: monograph statements for compendial "
                                   "excipients, a named placeholder for the others"),
    "snif_a_items": HookSpec(("gmo.snif_member_state", "gmo.snif_notification_number",
                              "gmo.snif_acknowledgement_date", "gmo.snif_project_title", "gmo.snif_release_period",
                              "applicant.company_name", "gmo.gmo_identity", "gmo.snif_other_notifications",
                              "gmo.part_b_release", "gmo.snif_a_general", "gmo.era_step6_overall",
                              "product.vector_family", "product.gm_cells", "quality.genetic_stability"),
                             (), "SNIF Part 1 section A items 1-7 (verified sub-items)"),
    "batch_grid": HookSpec(("quality.batch_analyses", "quality.batch_results"), ("material",),
                           "the batches and the tests-by-batches grid (criteria from the specification)"),
    "stability_grids": HookSpec(("quality.stability_studies", "quality.stability_results"), ("material",),
                                "per study its design and a tests-by-time-points grid with the criteria"),
    "stability_claim": HookSpec(("quality.stability_results",), ("material",),
                                "the claimed shelf life with the results that support it, and in-use data"),
    "readiness_summary": HookSpec((), (), "counts of findings by severity"),
    "readiness_matrix": HookSpec((), (), "completeness by CTD section from the placement map"),
    "readiness_findings": HookSpec((), (), "findings grouped by section"),
    "readiness_documents": HookSpec((), (), "which documents apply and why"),
    "readiness_review": HookSpec((), (), "review status of steps and CTD sections, open review comments"),
    "readiness_references": HookSpec(("references.glossary", "references.literature"), (),
                                     "citations without a literature entry, uncited entries, glossary rows to check"),
}


# Document-level lists: the definition key, the columns its table must have, and the printed title.
MATTER_COLUMNS = {"abbreviations": ("abbreviation", "expansion"),
                  "references": ("key", "authors", "title", "source", "year", "identifier")}
MATTER_TITLES = {"abbreviations": "List of abbreviations", "references": "References"}


class DefinitionError(ValueError):
    """A document definition is malformed. The message names the file, the heading, the item and the problem."""


@dataclass(frozen=True)
class Item:
    kind: str
    where: str                        # "heading 'X': item N (kind)", for messages
    value: Any = None                 # the kind's main value: path, list of paths, text, caption, hook name
    options: dict = field(default_factory=dict)
    applies_when: Condition | None = None
    items: tuple["Item", ...] = ()    # a group's items

    def opt(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def paths(self) -> list[str]:
        """The field paths this item prints (tables as the table path; facts rows all their paths)."""
        k, v = self.kind, self.value
        if k in ("field", "narrative", "table", "summary"):
            return [v]
        if k == "fields":
            return list(v)
        if k == "facts":
            out = []
            for row in v:
                out += row["paths"]
            return out
        if k == "grid":
            return [v["table"]]
        if k == "hook":
            return list(HOOKS[v].reads)
        if k == "refer":
            return [EXTERNAL_DOCUMENTS] + ([v["section"]] if v.get("section") else [])
        if k == "checklist":
            return [p for row in v for p in ([row["record"]] if row.get("record") else [])
                    + ([EXTERNAL_DOCUMENTS] if row.get("external_key") else [])]
        if k == "group":
            return [p for i in self.items for p in i.paths()]
        return []


@dataclass(frozen=True)
class HeadingDef:
    key: str                          # CTD code, or the heading's id
    code: str                         # printed number ("3.2.S.1.1", "1.1", "A") or ""
    title: str                        # for CTD headings the table's title (qualifiers filled at build time)
    level: int
    items: tuple[Item, ...] = ()
    applies_when: Condition | None = None
    not_applicable: str = ""          # the justification printed when it does not apply
    applies_reason: str = ""
    note: str = ""                    # certainty tag such as "[U]"
    leaf: dict | None = None          # eCTD leaf: {folder, file} relative to the document's eCTD folder
    ctd: bool = False                 # a heading of the CTD table
    parent: str = ""                  # key of the enclosing heading ('' at the top)
    todo: str = ""                    # placeholder text when the heading has no items and no subheadings
    twin: str = ""                    # impd: the Module 3 heading with the same content (impd-headings.tsv)
    certainty: str = ""               # impd: V/K/U of the heading (for the writer's eyes, never printed)


@dataclass(frozen=True)
class EctdPath:
    folder: str
    file: str
    applies_when: Condition | None = None


@dataclass(frozen=True)
class Definition:
    id: str
    title: str
    namespace: str
    order: int
    source: str
    headings: tuple[HeadingDef, ...]
    ctd_code: str = ""                # the CTD section the document sits in ('' for non-CTD documents)
    basis: str = ""
    intro: str = ""                   # a note for reviewers printed before the first heading
    applies_when: Condition | None = None
    ectd: tuple[EctdPath, ...] = ()   # first whose condition holds wins; the last has none
    ectd_parts: dict = field(default_factory=dict)   # {name: {first_of: [paths], default: text}}
    summarises: tuple[str, ...] = ()  # documents this one summarises (the QOS: Module 3)
    abbreviations: str = ""           # glossary table: a list of the abbreviations the document uses
    references: str = ""              # literature table: the references its narrative cites
    impd_code: str = ""               # impd namespace: the root heading of impd-headings.tsv ("2.1")
    routes: str = ""                  # impd: the choice field naming the route (resources/impd-routes.yaml)
    ctis: dict = field(default_factory=dict)   # {part: I, placeholder: name}: where --layout ctis puts it
    route_table: dict = field(default_factory=dict)  # route value -> {print, instead, statement, certainty}
    code_map: dict = field(default_factory=dict)   # impd: Module 3 code -> the IMPD heading printing its content

    # DocumentSpec compatibility (core.documents)
    @property
    def ectd_folder(self) -> str:
        return self.ectd[-1].folder if self.ectd else ""

    @property
    def ectd_file(self) -> str:
        return self.ectd[-1].file if self.ectd else ""

    def applies(self, snap) -> bool:
        return self.applies_when is None or self.applies_when.evaluate(snap.get)

    def reason(self, label_of=lambda p: p, value_label=None) -> str:
        if self.applies_when is None:
            return "Applies to every ATMP project."
        return "Applies when " + self.applies_when.describe(label_of, value_label) + "."

    def heading(self, key: str) -> HeadingDef:
        for h in self.headings:
            if h.key == key:
                return h
        raise KeyError(f"document '{self.id}' has no heading '{key}'")

    def has_heading(self, key: str) -> bool:
        return any(h.key == key for h in self.headings)

    def children(self, key: str) -> list[HeadingDef]:
        return [h for h in self.headings if h.parent == key]

    def ancestors(self, key: str) -> list[HeadingDef]:
        out, h = [], self.heading(key)
        while h.parent:
            h = self.heading(h.parent)
            out.append(h)
        return out


@dataclass(frozen=True)
class Placement:
    doc_id: str
    heading: str      # heading key
    code: str         # printed number of the heading ('' if none)
    title: str
    namespace: str
    kind: str         # item kind that prints it


class PlacementMap:
    """Which field is printed where, derived from the definitions (replaces the forms' old `feeds`)."""

    def __init__(self, definitions: tuple[Definition, ...]):
        self._by_path: dict[str, list[Placement]] = {}
        for d in definitions:
            for h in d.headings:
                for item in _walk(h.items):
                    for path in item.paths():
                        p = parse_path(path).field_path
                        places = self._by_path.setdefault(p, [])
                        pl = Placement(d.id, h.key, h.code, h.title, d.namespace, item.kind)
                        if pl not in places:
                            places.append(pl)
            if d.routes and d.headings:  # the route and the references its sentences name: at the root heading
                paths = [d.routes] + [p for e in d.route_table.values() for t in route_texts(e)
                                      for p in _PLACEHOLDER.findall(t)]
                for path in dict.fromkeys(paths):
                    pl = Placement(d.id, d.headings[0].key, d.headings[0].code, d.headings[0].title, d.namespace,
                                   "route")
                    places = self._by_path.setdefault(parse_path(path).field_path, [])
                    if pl not in places:
                        places.append(pl)
            for kind in MATTER_COLUMNS:  # the document-level lists sit with the document's first heading
                path = getattr(d, kind)
                if path and d.headings:
                    pl = Placement(d.id, d.headings[0].key, "", MATTER_TITLES[kind], d.namespace, kind)
                    self._by_path.setdefault(parse_path(path).field_path, []).append(pl)

    def placements(self, path: str) -> list[Placement]:
        return list(self._by_path.get(parse_path(path).field_path, ()))

    def placed(self, path: str) -> bool:
        return bool(self._by_path.get(parse_path(path).field_path))

    def feeds(self, path: str) -> tuple[str, ...]:
        """The CTD codes (CTD documents) and document ids (other documents) a field is printed in, in order."""
        out: list[str] = []
        for pl in self._by_path.get(parse_path(path).field_path, ()):
            target = pl.heading if pl.namespace == "ctd" and pl.code else pl.doc_id
            if target not in out:
                out.append(target)
        return tuple(out)

    def ctd_codes(self, path: str) -> tuple[str, ...]:
        return tuple(c for c in self.feeds(path) if c[:1].isdigit())

    def fields_at(self, code: str) -> list[str]:
        """Field paths printed directly under a heading key (any document)."""
        return [p for p, places in self._by_path.items() if any(pl.heading == code for pl in places)]

    def all_paths(self) -> set[str]:
        return set(self._by_path)


def _walk(items) -> Iterator[Item]:
    for i in items:
        yield i
        yield from _walk(i.items)


@dataclass(frozen=True)
class DefinitionSet:
    definitions: tuple[Definition, ...]

    def __iter__(self):
        return iter(self.definitions)

    def document(self, doc_id: str) -> Definition:
        for d in self.definitions:
            if d.id == doc_id:
                return d
        raise KeyError(f"there is no document '{doc_id}' (known: {', '.join(d.id for d in self.definitions)})")

    @cached_property
    def placement_map(self) -> PlacementMap:
        return PlacementMap(self.definitions)

    @cached_property
    def _ctd_headings(self) -> dict[str, tuple[Definition, HeadingDef]]:
        index: dict[str, tuple[Definition, HeadingDef]] = {}
        for d in self.definitions:
            if d.namespace == "ctd":
                for h in d.headings:
                    if h.ctd:
                        index.setdefault(h.key, (d, h))  # the first, as a scan in document order finds
        return index

    def ctd_heading(self, code: str) -> tuple[Definition, HeadingDef] | None:
        # asked for every section on every edit (sections dock, applicability): an index, not a scan
        return self._ctd_headings.get(code)

    def ctd_roots(self) -> tuple[str, ...]:
        """The CTD codes the documents are rooted at, in document order ('1.6', '2.3', '3.2.S', ...)."""
        return tuple(d.ctd_code for d in self.definitions if d.namespace == "ctd" and d.ctd_code)

    def summaries(self) -> set[str]:
        return {d.id for d in self.definitions if d.summarises}


# ============================================================================ loading
def _fail(source: str, where: str, what: str) -> DefinitionError:
    return DefinitionError(f"{source}: {where}: {what}" if where else f"{source}: {what}")


def _cond(raw, source, where, forms: FormSet) -> Condition | None:
    if raw is None:
        return None
    try:
        cond = parse_condition(raw)
    except ConditionError as exc:
        raise _fail(source, where, f"'applies_when': {exc}") from None
    for ref in cond.fields():
        if not forms.has_field(ref):
            raise _fail(source, where, f"the condition refers to '{ref}', which no form defines")
        if forms.field(ref).is_table:
            raise _fail(source, where, f"the condition refers to table '{ref}'; use a scalar field")
    return cond


_ITEM_OPTIONS = {
    "text": {"style"},
    "note": set(),
    "review": set(),
    "field": {"missing", "label"},
    "fields": {"missing"},
    "facts": {"caption", "header"},
    "table": {"columns", "where", "caption", "labels", "missing", "sort", "split_by"},
    "summary": {"columns", "where", "group_by", "count", "lead", "missing"},
    "grid": {"caption", "missing"},
    "narrative": {"missing"},
    "figure": {"description", "source", "optional"},
    "see": {"document", "lead", "after"},
    "group": {"items"},
    "hook": {"args"},
    "refer": {"lead"},
    "checklist": {"caption"},
}
_CHECK_ROW_KEYS = {"item", "made_by", "sections", "record", "external_key", "basis", "certainty"}


class _Checker:
    def __init__(self, forms: FormSet, source: str):
        self.forms = forms
        self.source = source

    def fail(self, where: str, what: str) -> DefinitionError:
        return _fail(self.source, where, what)

    def scalar(self, path: Any, where: str, long_ok: bool = True) -> str:
        if not isinstance(path, str):
            raise self.fail(where, f"expected a field path, got {path!r}")
        try:
            f = self.forms.field(path)
            p = parse_path(path)
        except KeyError:
            raise self.fail(where, f"'{path}' is not a field of the forms") from None
        if p.index is not None:
            raise self.fail(where, f"'{path}': name the field, not a row")
        if f.is_table:
            raise self.fail(where, f"'{path}' is a table; use a 'table' or 'grid' item")
        if not long_ok and f.type == "long_text":
            raise self.fail(where, f"'{path}' is long narrative; use a 'narrative' item")
        return path

    def table(self, path: Any, where: str):
        if not isinstance(path, str) or not self.forms.has_field(path):
            raise self.fail(where, f"'{path}' is not a field of the forms")
        f = self.forms.field(path)
        if not f.is_table:
            raise self.fail(where, f"'{path}' is not a table")
        return f

    def column(self, tf, col: Any, where: str) -> str:
        if not isinstance(col, str) or col not in {c.id for c in tf.columns}:
            raise self.fail(where, f"table '{tf.path}' has no column {col!r} "
                                   f"(columns: {', '.join(c.id for c in tf.columns)})")
        return col

    def item(self, raw: Any, where: str) -> Item:
        if not isinstance(raw, dict) or not raw:
            raise self.fail(where, f"an item must be a mapping with one of {', '.join(ITEM_KINDS)}")
        kinds = [k for k in raw if k in ITEM_KINDS]
        if len(kinds) != 1:
            raise self.fail(where, f"an item needs exactly one of {', '.join(ITEM_KINDS)}; got {sorted(raw)}")
        kind = kinds[0]
        where = f"{where} ({kind})"
        unknown = set(raw) - {kind, "applies_when", "stage"} - _ITEM_OPTIONS[kind]
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
        value = raw[kind]
        opts = {k: v for k, v in raw.items() if k not in (kind, "applies_when", "items", "stage")}
        cond = _cond(self.staged(raw, where), self.source, where, self.forms)
        children: tuple[Item, ...] = ()
        if kind in ("text", "note", "review"):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(where, "needs the text to print")
            value = " ".join(value.split())
            if raw.get("style", "body") not in ("body", "note"):
                raise self.fail(where, "'style' must be body or note")
        elif kind == "field":
            self.scalar(value, where, long_ok=False)
        elif kind == "narrative":
            f = self.forms.field(self.scalar(value, where))
            if f.type != "long_text":
                raise self.fail(where, f"'{value}' is a {f.type} field; use a 'field' item")
        elif kind == "fields":
            if not isinstance(value, list) or not value:
                raise self.fail(where, "needs a non-empty list of field paths")
            for p in value:
                self.scalar(p, where)
        elif kind == "facts":
            if not isinstance(value, list) or not value:
                raise self.fail(where, "needs a non-empty list of rows")
            value = [self.fact_row(r, where) for r in value]
            header = raw.get("header")
            if header is not None and (not isinstance(header, list) or len(header) != 2):
                raise self.fail(where, "'header' must be a list of two column titles")
        elif kind in ("table", "summary"):
            tf = self.table(value, where)
            if kind == "summary" and not raw.get("columns"):
                raise self.fail(where, "a summary needs the 'columns' it names (the first is the item, the rest "
                                       "go in brackets)")
            if raw.get("group_by") is not None:
                self.column(tf, raw["group_by"], where)
            for c in raw.get("columns") or []:
                self.column(tf, c, where)
            for c in (raw.get("labels") or {}):
                self.column(tf, c, where)
            if raw.get("sort") is not None:
                self.column(tf, raw["sort"], where)
            if raw.get("split_by") is not None:
                self.column(tf, raw["split_by"], where)
            w = raw.get("where")
            if w is not None:
                if not isinstance(w, dict) or set(w) - {"column", "in", "not_in"} or "column" not in w \
                        or len(set(w) & {"in", "not_in"}) != 1:
                    raise self.fail(where, "'where' must be {column: C, in: [values]} or {column: C, not_in: [...]}")
                self.column(tf, w["column"], where)
                values = w.get("in", w.get("not_in"))
                if not isinstance(values, list):
                    raise self.fail(where, "'where' needs a list of values")
                col = tf.column(w["column"])
                allowed = {c.value for c in col.choices} | {None}
                bad = [v for v in values if col.choices and v not in allowed]
                if bad:
                    raise self.fail(where, f"column '{w['column']}' has no choice {bad[0]!r}")
        elif kind == "grid":
            if not isinstance(value, dict) or set(value) != {"table", "rows", "columns", "value"}:
                raise self.fail(where, "'grid' needs {table, rows, columns, value}")
            tf = self.table(value["table"], where)
            for k in ("rows", "columns", "value"):
                self.column(tf, value[k], where)
        elif kind == "figure":
            if not isinstance(value, str) or not value.strip():
                raise self.fail(where, "needs a caption")
            source = raw.get("source")
            if source is not None and source != "heading":
                if not isinstance(source, str) or not self.forms.has_field(source) or "[" in source:
                    raise self.fail(where, f"'source' is a field path or 'heading', not {source!r}")
        elif kind == "see":
            if not isinstance(value, str) or not value:
                raise self.fail(where, "needs the heading to point to")
        elif kind == "group":
            if not isinstance(value, str) or not value.strip():
                raise self.fail(where, "needs the sub-heading title")
            raw_items = raw.get("items")
            if not isinstance(raw_items, list) or not raw_items:
                raise self.fail(where, "a group needs a non-empty list of 'items'")
            children = tuple(self.item(r, f"{where}: item {n}") for n, r in enumerate(raw_items, 1))
        elif kind == "refer":
            if not isinstance(value, dict) or set(value) - {"document", "section"} or \
                    not isinstance(value.get("document"), str):
                raise self.fail(where, "'refer' needs {document: key in Documents written elsewhere, section: field}")
            self.table(EXTERNAL_DOCUMENTS, where)
            if value.get("section") is not None:
                self.scalar(value["section"], where, long_ok=False)
        elif kind == "checklist":
            if not isinstance(value, list) or not value:
                raise self.fail(where, "needs a non-empty list of rows")
            value = [self.check_row(r, f"{where}: row {n}") for n, r in enumerate(value, 1)]
        elif kind == "hook":
            if value not in HOOKS:
                raise self.fail(where, f"there is no hook '{value}' (known: {', '.join(sorted(HOOKS))})")
            args = raw.get("args") or {}
            if not isinstance(args, dict) or set(args) - set(HOOKS[value].args):
                raise self.fail(where, f"hook '{value}' takes the arguments {list(HOOKS[value].args)}")
        return Item(kind, where, value, opts, cond, children)

    def staged(self, raw: dict, where: str):
        """`stage: [exploratory_ct]` is short for a condition on the development stage (and the item's own)."""
        if "stage" not in raw:
            return raw.get("applies_when")
        stages = raw["stage"]
        known = [c.value for c in self.forms.field(STAGE_FIELD).choices]
        if not isinstance(stages, list) or not stages or any(s not in known for s in stages):
            raise self.fail(where, f"'stage' must be a list of development stages ({', '.join(known)})")
        cond = {"field": STAGE_FIELD, "in": list(stages)}
        return {"all": [raw["applies_when"], cond]} if raw.get("applies_when") is not None else cond

    def check_row(self, raw: Any, where: str) -> dict:
        """{item, made_by: <document id> | external, sections, record | external_key, basis, certainty}; the
        document and its sections are checked when every definition is loaded (_check_checklists)."""
        if not isinstance(raw, dict) or set(raw) - _CHECK_ROW_KEYS or not raw.get("item") or not raw.get("made_by"):
            raise self.fail(where, f"a checklist row is {{{', '.join(sorted(_CHECK_ROW_KEYS))}}} with item and "
                                   f"made_by; got {raw!r}")
        if raw.get("certainty") not in ("V", "K", "U"):
            raise self.fail(where, "'certainty' must be V, K or U (for the writer; never printed)")
        if raw["made_by"] == "external":
            if bool(raw.get("record")) == bool(raw.get("external_key")):
                raise self.fail(where, "an external row names where its reference is recorded: 'record' (a field) "
                                       "or 'external_key' (a key of Documents written elsewhere)")
            if raw.get("record"):
                self.scalar(raw["record"], where, long_ok=False)
            else:
                self.table(EXTERNAL_DOCUMENTS, where)
        elif raw.get("record") or raw.get("external_key"):
            raise self.fail(where, "a row made by a document of this app takes no 'record'")
        sections = raw.get("sections") or []
        if not isinstance(sections, list) or (sections and raw["made_by"] == "external"):
            raise self.fail(where, "'sections' is a list of headings of the made_by document")
        return {"item": " ".join(str(raw["item"]).split()), "made_by": raw["made_by"], "sections": list(sections),
                "record": raw.get("record") or "", "external_key": raw.get("external_key") or "",
                "basis": " ".join(str(raw.get("basis") or "").split()), "certainty": raw["certainty"]}

    def fact_row(self, raw: Any, where: str) -> dict:
        if isinstance(raw, str):
            self.scalar(raw, where)
            return {"paths": [raw], "label": "", "join": "\n", "first": False, "values": {}, "text": ""}
        if not isinstance(raw, dict) or set(raw) - {"label", "paths", "join", "first", "values", "text"}:
            raise self.fail(where, f"a facts row is a field path or {{label, paths, join, first, values, text}}; "
                                   f"got {raw!r}")
        if not raw.get("label"):
            raise self.fail(where, "a facts row with several paths needs a 'label'")
        paths = raw.get("paths") or []
        if not isinstance(paths, list) or (not paths and not raw.get("text")):
            raise self.fail(where, f"facts row '{raw['label']}' needs 'paths' or a fixed 'text'")
        for p in paths:
            self.scalar(p, where)
        return {"paths": list(paths), "label": str(raw["label"]), "join": str(raw.get("join", "\n")),
                "first": bool(raw.get("first", False)), "values": dict(raw.get("values") or {}),
                "text": str(raw.get("text", ""))}


_DOC_KEYS = {"id", "title", "namespace", "order", "ctd_code", "impd_code", "routes", "ctis", "basis", "intro",
             "applies_when", "ectd",
             "headings",
             "abbreviations", "references",
             "summarises"}
_HEADING_KEYS = {"code", "id", "number", "title", "level", "items", "applies_when", "not_applicable",
                 "applies_reason", "note", "leaf", "include", "todo"}


def _headings(raw_list, ck: _Checker, fragments: dict, base_level: int = 0) -> list[dict]:
    """Expand `include:` entries (fragments shift their levels) into a flat list of raw headings."""
    out = []
    for n, raw in enumerate(raw_list, 1):
        if not isinstance(raw, dict):
            raise ck.fail(f"heading {n}", "each heading must be a mapping")
        if "include" in raw:
            name = raw["include"]
            if name not in fragments or set(raw) - {"include", "level"} or not isinstance(raw.get("level"), int):
                raise ck.fail(f"heading {n}", f"'include' needs a known fragment ({', '.join(sorted(fragments))}) "
                                              "and the 'level' of its first heading")
            for h in fragments[name]:
                h = dict(h)
                h["level"] = h.get("level", 1) + raw["level"] - 1
                out.append(h)
            continue
        out.append(raw)
    return out


def parse_definition(raw: Any, source: str, forms: FormSet, ctd_table: dict[str, str],
                     fragments: dict | None = None, impd_table: dict[str, dict] | None = None,
                     routes_table: Any = None) -> Definition:
    ck = _Checker(forms, source)
    if not isinstance(raw, dict):
        raise ck.fail("", "the file must hold a mapping with id, title, namespace and headings")
    unknown = set(raw) - _DOC_KEYS
    if unknown:
        raise ck.fail("document", f"unknown key(s) {', '.join(sorted(unknown))}")
    doc_id = raw.get("id")
    if not isinstance(doc_id, str) or not _ID.match(doc_id):
        raise ck.fail("document", "'id' must be lowercase letters, digits and hyphens")
    if not raw.get("title"):
        raise ck.fail(f"document '{doc_id}'", "'title' is missing")
    ns = raw.get("namespace")
    if ns not in NAMESPACES:
        raise ck.fail(f"document '{doc_id}'", f"'namespace' must be one of {', '.join(NAMESPACES)}")
    if not isinstance(raw.get("order"), int):
        raise ck.fail(f"document '{doc_id}'", "'order' must be an integer")
    root = str(raw.get("ctd_code") or "")
    if ns == "ctd" and root not in ctd_table:
        raise ck.fail(f"document '{doc_id}'", f"a CTD document needs a 'ctd_code' of the heading table, got {root!r}")
    impd_table = impd_table if impd_table is not None else {}
    impd_root = str(raw.get("impd_code") or "")
    if ns == "impd":
        if impd_root not in impd_table or root:
            raise ck.fail(f"document '{doc_id}'", "an IMPD document needs an 'impd_code' of resources/impd-headings.tsv "
                                                  f"(and no ctd_code), got {impd_root!r}")
        table = {c: r["title"] for c, r in impd_table.items()}
        table_name = "IMPD heading table (resources/impd-headings.tsv)"
    else:
        table, table_name = ctd_table, "CTD heading table (resources/ctd-headings.tsv)"
    raw_heads = raw.get("headings")
    if not isinstance(raw_heads, list) or not raw_heads:
        raise ck.fail(f"document '{doc_id}'", "'headings' must be a non-empty list")
    heads: list[HeadingDef] = []
    stack: list[HeadingDef] = []
    base = (root or impd_root).count(".") if (root or impd_root) else 0
    for raw_h in _headings(raw_heads, ck, fragments or {}):
        unknown = set(raw_h) - _HEADING_KEYS
        label = raw_h.get("code") or raw_h.get("id") or raw_h.get("title") or "?"
        where = f"heading '{label}'"
        if unknown:
            raise ck.fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
        code = str(raw_h.get("code") or "")
        twin = certainty = ""
        if code:
            if code not in table:
                raise ck.fail(where, f"not a code of the {table_name}")
            title = table[code]
            if raw_h.get("title") and raw_h["title"] != title:
                raise ck.fail(where, f"title {raw_h['title']!r} differs from the heading table ({title!r})")
            if "level" in raw_h or "number" in raw_h or "id" in raw_h:
                raise ck.fail(where, "a CTD or IMPD heading takes its level, number and id from its code")
            key, number, level, is_ctd = code, code, code.count(".") - base + 1, ns != "impd"
            if ns == "impd":
                twin, certainty = impd_table[code]["twin"], impd_table[code]["certainty"]
        else:
            key = raw_h.get("id")
            if not isinstance(key, str) or not _ID.match(key):
                raise ck.fail(where, "a heading without a CTD code needs an 'id' (lowercase, digits, hyphens, dots)")
            title = raw_h.get("title")
            if not isinstance(title, str) or not title.strip():
                raise ck.fail(where, "'title' is missing")
            level = raw_h.get("level")
            if not isinstance(level, int) or level < 1:
                raise ck.fail(where, "'level' must be a positive integer")
            number, is_ctd = str(raw_h.get("number") or ""), False
        if any(h.key == key for h in heads):
            raise ck.fail(where, "the heading is listed twice")
        if stack and level > stack[-1].level + 1:
            raise ck.fail(where, f"level {level} skips a level after '{stack[-1].key}' (level {stack[-1].level})")
        if not stack and level != 1:
            raise ck.fail(where, "the first heading must have level 1")
        while stack and stack[-1].level >= level:
            stack.pop()
        parent = stack[-1].key if stack else ""
        items_raw = raw_h.get("items") or []
        if items_raw == "twin":
            items_raw = ["twin"]
        if not isinstance(items_raw, list):
            raise ck.fail(where, "'items' must be a list")
        if "twin" in items_raw and not twin:
            raise ck.fail(where, "'twin' takes the items of the Module 3 twin, and this heading has none "
                                 "(impd-headings.tsv); list its own items")
        items = tuple(Item("twin", f"{where}: item {n} (twin)") if r == "twin" else ck.item(r, f"{where}: item {n}")
                      for n, r in enumerate(items_raw, 1))
        cond = _cond(raw_h.get("applies_when"), source, where, forms)
        if cond is not None and not raw_h.get("not_applicable"):
            raise ck.fail(where, "a heading with 'applies_when' needs the 'not_applicable' justification")
        leaf = raw_h.get("leaf")
        if leaf is not None:
            if not isinstance(leaf, dict) or set(leaf) - {"folder", "file"} or "file" not in leaf or not all(
                    isinstance(v, str) and _STEM.match(v) for v in leaf.values()):
                raise ck.fail(where, "'leaf' must be {folder: lowercase-path, file: lowercase-stem}")
        h = HeadingDef(key=key, code=number, title=str(title), level=level, items=items, applies_when=cond,
                       not_applicable=" ".join(str(raw_h.get("not_applicable", "")).split()),
                       applies_reason=" ".join(str(raw_h.get("applies_reason", "")).split()),
                       note=str(raw_h.get("note", "")), leaf=leaf, ctd=is_ctd, parent=parent,
                       todo=str(raw_h.get("todo", "")), twin=twin, certainty=certainty)
        heads.append(h)
        stack.append(h)
    if ns in ("ctd", "impd"):
        top = root or impd_root
        listed = [h.key for h in heads if h.ctd or h.twin or h.key in table]
        expected = [c for c in table if c == top or c.startswith(top + ".")]
        if listed != expected:
            missing = [c for c in expected if c not in listed]
            raise ck.fail(f"document '{doc_id}'", f"{ns.upper()} headings must be every heading under {top} in table "
                          "order; " + (f"missing {', '.join(missing)}" if missing else "got them out of order"))
    ectd = _ectd(raw.get("ectd"), ck, doc_id, forms)
    parts = _ectd_parts(raw.get("ectd"), ck, doc_id)
    summarises = raw.get("summarises") or []
    if not isinstance(summarises, list):
        raise ck.fail(f"document '{doc_id}'", "'summarises' must be a list of document ids")
    matter = {}
    for key, columns in MATTER_COLUMNS.items():
        if raw.get(key) is not None:
            tf = ck.table(raw[key], f"document '{doc_id}': {key}")
            for col in columns:
                ck.column(tf, col, f"document '{doc_id}': {key}")
            matter[key] = raw[key]
    return Definition(id=doc_id, title=str(raw["title"]), namespace=ns, order=raw["order"], source=source,
                      headings=tuple(heads), ctd_code=root, basis=" ".join(str(raw.get("basis", "")).split()),
                      intro=" ".join(str(raw.get("intro", "")).split()),
                      applies_when=_cond(raw.get("applies_when"), source, f"document '{doc_id}'", forms),
                      ectd=ectd, ectd_parts=parts, summarises=tuple(summarises), impd_code=impd_root,
                      ctis=_ctis(raw.get("ctis"), ck, doc_id), **_routes(raw.get("routes"), ck, doc_id, ns, routes_table),
                      **matter)


def _ctis(raw, ck: _Checker, doc_id: str) -> dict:
    """`ctis: {part: I, placeholder: impd-quality}`: the CTIS Part I (or II) placeholder the document is uploaded
    to; --layout ctis writes it as ctis/part-i/<placeholder>.pdf."""
    if raw is None:
        return {}
    where = f"document '{doc_id}': ctis"
    if not isinstance(raw, dict) or set(raw) != {"part", "placeholder"} or raw["part"] not in ("I", "II") \
            or not isinstance(raw["placeholder"], str) or not _STEM.match(raw["placeholder"]) \
            or "/" in raw["placeholder"]:
        raise ck.fail(where, "needs {part: I or II, placeholder: lowercase-name}")
    return {"part": raw["part"], "placeholder": raw["placeholder"]}


_ROUTE_KEYS = {"print", "instead", "statement", "certainty"}
_PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")


def route_texts(entry: dict) -> list[str]:
    return [entry[k] for k in ("instead", "statement") if entry.get(k)]


def routes_file() -> Path:
    from atmp_desktop.core.paths import resources_dir
    return resources_dir() / "impd-routes.yaml"


def _routes(field_path, ck: _Checker, doc_id: str, ns: str, table: Any = None) -> dict:
    """`routes: clinical.impd_route`: each choice of the field has an entry in resources/impd-routes.yaml saying
    which parts (S, P, A) print and the sentence that replaces the others (docs/documents-format.md)."""
    if field_path is None:
        return {}
    where = f"document '{doc_id}': routes"
    if ns != "impd":
        raise ck.fail(where, "routes are for IMPD documents (namespace impd)")
    f = ck.forms.field(ck.scalar(field_path, where)) if isinstance(field_path, str) else None
    if f is None or f.type != "choice":
        raise ck.fail(where, f"'{field_path}' must be a choice field")
    if table is None:  # parse_definition called on its own: read the app's table
        from atmp_desktop.core.yaml_cache import load_yaml_files
        table = load_yaml_files([routes_file()])[0]
    if not isinstance(table, dict):
        raise ck.fail(where, "impd-routes.yaml must map each route to {print, instead, statement, certainty}")
    values = [c.value for c in f.choices]
    for v in values:
        if v not in table:
            raise ck.fail(where, f"impd-routes.yaml has no entry for '{v}' (a choice of {field_path})")
    out = {}
    for v, entry in table.items():
        w = f"{where}: impd-routes.yaml '{v}'"
        if v not in values:
            raise ck.fail(w, f"is not a choice of {field_path} ({', '.join(values)})")
        if not isinstance(entry, dict) or set(entry) - _ROUTE_KEYS or "print" not in entry:
            raise ck.fail(w, "needs {print: [S, P, A]} and may have instead, statement, certainty")
        if not isinstance(entry["print"], list) or set(entry["print"]) - {"S", "P", "A"}:
            raise ck.fail(w, "'print' is a list of the parts S, P, A")
        if entry.get("certainty") not in ("V", "K", "U"):
            raise ck.fail(w, "'certainty' must be V, K or U")
        if len(entry["print"]) < 3 and not entry.get("instead"):
            raise ck.fail(w, "a route that leaves out a part needs the 'instead' sentence")
        clean = {"print": tuple(entry["print"]), "certainty": entry["certainty"],
                 **{k: " ".join(str(entry[k]).split()) for k in ("instead", "statement") if entry.get(k)}}
        for text in route_texts(clean):
            for path in _PLACEHOLDER.findall(text):
                ck.scalar(path, w)
        out[v] = clean
    return {"routes": field_path, "route_table": out}


def _ectd(raw, ck: _Checker, doc_id: str, forms: FormSet) -> tuple[EctdPath, ...]:
    where = f"document '{doc_id}': ectd"
    if not isinstance(raw, dict) or "folder" not in raw or "file" not in raw:
        raise ck.fail(where, "needs {folder, file} (and optionally variants, parts)")
    if set(raw) - {"folder", "file", "variants", "parts"}:
        raise ck.fail(where, f"unknown key(s) {', '.join(sorted(set(raw) - {'folder', 'file', 'variants', 'parts'}))}")
    out = []
    for v in raw.get("variants") or []:
        if not isinstance(v, dict) or set(v) - {"folder", "file", "applies_when"} or "applies_when" not in v:
            raise ck.fail(where, "each variant needs {applies_when, folder, file}")
        out.append(EctdPath(str(v.get("folder", raw["folder"])), str(v.get("file", raw["file"])),
                            _cond(v["applies_when"], ck.source, where, forms)))
    out.append(EctdPath(str(raw["folder"]), str(raw["file"])))
    for p in out:
        if not _STEM.match(p.folder) or not _STEM.match(p.file):
            raise ck.fail(where, f"folder and file must be lowercase a-z, 0-9, hyphens (got {p.folder}/{p.file})")
    return tuple(out)


def _ectd_parts(raw, ck: _Checker, doc_id: str) -> dict:
    parts = (raw or {}).get("parts") or {}
    where = f"document '{doc_id}': ectd parts"
    if not isinstance(parts, dict):
        raise ck.fail(where, "must be a mapping of name -> {first_of, default}")
    for name, spec in parts.items():
        if not isinstance(spec, dict) or set(spec) - {"first_of", "default"} or not spec.get("default"):
            raise ck.fail(where, f"'{name}' needs {{first_of: [paths], default: text}}")
        for p in spec.get("first_of") or []:
            try:
                parse_path(p)
                if not ck.forms.has_field(p):
                    raise KeyError(p)
            except KeyError:
                raise ck.fail(where, f"'{name}': '{p}' is not a field of the forms") from None
    return dict(parts)


def _items_of_kind(defs: tuple[Definition, ...], kind: str) -> Iterator[tuple[Definition, HeadingDef, Item]]:
    """(definition, heading, item) for every item of `kind` in `defs`, nested items included."""
    for d in defs:
        for h in d.headings:
            for item in _walk(h.items):
                if item.kind == kind:
                    yield d, h, item


def _check_crossrefs(defs: tuple[Definition, ...]) -> None:
    by_id = {d.id: d for d in defs}
    for d, h, item in _items_of_kind(defs, "see"):
        target_doc = by_id.get(item.opt("document", d.id))
        if target_doc is None:
            raise _fail(d.source, item.where, f"there is no document '{item.opt('document')}'")
        if not target_doc.has_heading(item.value):
            raise _fail(d.source, item.where, f"document '{target_doc.id}' has no heading '{item.value}'")
        if target_doc is d and (item.value == h.key or item.value in {a.key for a in d.ancestors(h.key)}):
            raise _fail(d.source, item.where, "a cross-reference must point to another heading or document, "
                                              "not to the section it is printed in")


def _check_checklists(defs: tuple[Definition, ...]) -> None:
    by_id = {d.id: d for d in defs}
    for d, _h, item in _items_of_kind(defs, "checklist"):
        for n, row in enumerate(item.value, 1):
            if row["made_by"] == "external":
                continue
            target = by_id.get(row["made_by"])
            if target is None:
                raise _fail(d.source, f"{item.where}: row {n}", f"there is no document '{row['made_by']}'")
            for key in row["sections"]:
                if not target.has_heading(key):
                    raise _fail(d.source, f"{item.where}: row {n}", f"document '{target.id}' has no heading '{key}'")


def _check_narrative_once(defs: tuple[Definition, ...], forms: FormSet) -> None:
    """Long narrative is printed once in the CTD dossier (Modules 1.6, 2.3, 3); other places refer to it with a
    `see` item. Forms and reports (CAFs, SNIF, CAT requests) stand alone and may print it again."""
    where_printed: dict[str, str] = {}
    for d in defs:
        if d.namespace != "ctd":
            continue
        for h in d.headings:
            for item in _walk(h.items):
                if item.kind not in ("narrative", "fields"):
                    continue
                for p in item.paths():
                    if forms.field(p).type != "long_text":
                        continue
                    if p in where_printed:
                        raise _fail(d.source, item.where, f"'{p}' is already printed under {where_printed[p]}; "
                                                          "print long narrative once and refer to it with 'see'")
                    where_printed[p] = f"'{h.key}' ({d.source})"


def _check_figures_once(defs: tuple[Definition, ...]) -> None:
    """A document prints the figures of one source once (they are numbered where they are printed)."""
    for d in defs:
        seen: dict[str, str] = {}
        for h in d.headings:
            for item in _walk(h.items):
                source = item.opt("source") if item.kind == "figure" else None
                if not source:
                    continue
                key = f"heading:{h.key}" if source == "heading" else source
                if key in seen:
                    raise _fail(d.source, item.where, f"the figures of '{source}' are already printed under "
                                                      f"{seen[key]}; a document prints them once")
                seen[key] = f"'{h.key}'"


# ============================================================================ IMPD twins
_CODE = re.compile(r"(?<![\w.])(?:1\.6|2\.3|3\.2)(?:\.[A-Z0-9]+)+(?![\w])")


def impd_heading_table() -> dict[str, dict]:
    """resources/impd-headings.tsv: code -> {title, twin, certainty, note} in table order."""
    import csv

    from atmp_desktop.core.paths import resources_dir
    with open(resources_dir() / "impd-headings.tsv", encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    out = {}
    for r in csv.DictReader(lines, delimiter="\t"):
        cert = (r.get("certainty") or "").strip()
        if cert not in ("V", "K", "U"):
            raise DefinitionError(f"impd-headings.tsv: heading '{r['code']}': certainty must be V, K or U")
        out[r["code"].strip()] = {"title": r["title"].strip(), "twin": (r.get("twin") or "").strip(),
                                  "certainty": cert, "note": (r.get("note") or "").strip()}
    return out


def sentence_case(title: str) -> str:
    """'Stability Summary and Conclusions' -> 'Stability summary and conclusions' (the IMPD's own style)."""
    words = title.split(" ")
    return " ".join([words[0]] + [w if w.isupper() and len(w) > 1 else w.lower() for w in words[1:]])


class _Twins:
    """Resolves the `twin` items of one IMPD definition against the CTD definitions (when loading): an IMPD
    heading takes the items of its Module 3 twin, and of the twin's sub-headings that have no IMPD heading of
    their own as uncoded groups (2.1.S.7 collapses 3.2.S.7.1-7.3); cross-references and codes in fixed text
    are rewritten to the IMPD heading holding their target."""

    def __init__(self, d: Definition, ctd_index: dict[str, tuple[Definition, HeadingDef]]):
        self.d = d
        self.ctd = ctd_index
        self.impd_of = {h.twin: h.key for h in d.headings if h.twin}
        for code in self.impd_of:
            if code not in ctd_index:
                raise _fail(d.source, f"heading '{self.impd_of[code]}'", f"its twin {code} is in no CTD definition")

    def code(self, ctd_code: str) -> str | None:
        """The IMPD heading printing the content of a Module 3 heading: its twin, or the twin of the nearest
        enclosing heading (3.2.S.7.2 -> 2.1.S.7); None outside 3.2.S/P/A."""
        c = ctd_code
        while c:
            if c in self.impd_of:
                return self.impd_of[c]
            c = c.rsplit(".", 1)[0] if "." in c else ""
        return None

    def code_map(self) -> dict[str, str]:
        out = {}
        for code in self.ctd:
            mapped = self.code(code)
            if mapped:
                out[code] = mapped
        return out

    def text(self, value: str, where: str) -> str:
        def swap(m: re.Match) -> str:
            code = m.group(0)
            if code not in self.ctd and self.code(code) is None:
                return code  # not a heading code (a number in prose)
            mapped = self.code(code)
            if mapped is None:
                raise _fail(self.d.source, where, f"the borrowed text names {code}, which has no IMPD twin; "
                                                  "give the IMPD heading items of its own")
            return mapped
        return _CODE.sub(swap, value) if isinstance(value, str) else value

    def item(self, item: Item, src: HeadingDef, src_doc: Definition, where: str) -> Item:
        w = f"{where}: from {src.key} ({src_doc.source}) {item.where}"
        opts = {k: (self.text(v, w) if k in ("missing", "lead", "after", "caption", "description") else v)
                for k, v in item.options.items()}
        value = item.value
        if item.kind in ("text", "note", "review", "group"):
            value = self.text(value, w)
        elif item.kind == "see":
            target_doc = opts.pop("document", src_doc.id)
            target = self.ctd.get(value)
            mapped = self.code(value) if target is not None and target[0].id == target_doc else None
            if mapped is None:
                raise _fail(self.d.source, w, f"'see {value}' has no IMPD twin (impd-headings.tsv); give the IMPD "
                                              "heading items of its own")
            value = mapped
        elif item.kind == "figure" and item.opt("source") == "heading":
            opts["heading_of"] = src.key  # the figures attached to the Module 3 heading
        children = tuple(self.item(c, src, src_doc, where) for c in item.items)
        return Item(item.kind, w, value, opts, item.applies_when, children)

    def items_of(self, ctd_code: str, where: str) -> list[Item]:
        """The twin's items, then its sub-headings without an IMPD heading as groups (in Module 3 order)."""
        src_doc, src = self.ctd[ctd_code]
        out = [self.item(i, src, src_doc, where) for i in src.items]
        for child in src_doc.children(src.key):
            if child.key in self.impd_of:
                continue
            if child.applies_when is not None:
                raise _fail(self.d.source, where, f"{child.key} has its own condition and would be collapsed into "
                                                  "this heading; give the IMPD heading items of its own")
            inner = self.items_of(child.key, where)
            if inner:
                out.append(Item("group", f"{where}: {child.key}", sentence_case(child.title), {}, None, tuple(inner)))
        return out

    def resolve(self) -> Definition:
        heads = []
        for h in self.d.headings:
            where = f"heading '{h.key}'"
            items: list[Item] = []
            for i in h.items:
                items += self.items_of(h.twin, where) if i.kind == "twin" else [i]
            changes: dict[str, Any] = {"items": tuple(items)}
            if h.twin and h.applies_when is None:
                src = self.ctd[h.twin][1]
                if src.applies_when is not None:
                    changes.update(applies_when=src.applies_when,
                                   not_applicable=self.text(src.not_applicable, where),
                                   applies_reason=h.applies_reason or self.text(src.applies_reason, where))
            if h.twin and not h.todo and self.ctd[h.twin][1].todo:
                changes["todo"] = self.text(self.ctd[h.twin][1].todo, where)
            heads.append(replace(h, **changes))
        return replace(self.d, headings=tuple(heads), code_map=self.code_map())


def _resolve_twins(defs: list[Definition]) -> list[Definition]:
    ctd_index: dict[str, tuple[Definition, HeadingDef]] = {}
    for d in defs:
        if d.namespace == "ctd":
            for h in d.headings:
                if h.ctd:
                    ctd_index.setdefault(h.key, (d, h))
    return [_Twins(d, ctd_index).resolve() if d.namespace == "impd" else d for d in defs]


def ctd_title_table() -> dict[str, str]:
    from atmp_desktop.core.sections import all_headings
    return {h.code: h.title for h in all_headings()}


def load_definitions(forms: FormSet, directory: str | Path | None = None, cache: bool = False) -> DefinitionSet:
    """The document definitions of `directory` (default: the app's own), checked against `forms`; `cache`:
    read unchanged files from the JSON copy in the user's cache folder (core/yaml_cache.py)."""
    from atmp_desktop.core.paths import resources_dir
    from atmp_desktop.core.yaml_cache import YamlFileError, cache_file, load_yaml_files

    directory = Path(directory) if directory else resources_dir() / "documents"
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise DefinitionError(f"{directory}: no document definitions (*.yaml) found")
    fragment_files = sorted((directory / "fragments").glob("*.yaml"))
    try:  # the routes table is read with them (and through the same cache)
        raws = load_yaml_files(fragment_files + files + [routes_file()], cache_file(directory) if cache else None)
    except YamlFileError as exc:
        where = "fragments/" if exc.path.parent.name == "fragments" else ""
        raise DefinitionError(f"{where}{exc}") from None
    fragments: dict[str, list] = {}
    for path, frag in zip(fragment_files, raws):
        if not isinstance(frag, list):
            raise DefinitionError(f"fragments/{path.name}: a fragment is a list of headings")
        fragments[path.stem] = frag
    table = ctd_title_table()
    impd_table = impd_heading_table()
    routes = raws[-1]
    defs = [parse_definition(raw, path.name, forms, table, fragments, impd_table, routes)
            for path, raw in zip(files, raws[len(fragment_files):-1])]
    ids = [d.id for d in defs]
    for d in defs:
        if ids.count(d.id) > 1:
            raise DefinitionError(f"{d.source}: document '{d.id}': the id is used by another definition too")
        for s in d.summarises:
            if s not in ids:
                raise DefinitionError(f"{d.source}: document '{d.id}': summarises unknown document '{s}'")
    defs.sort(key=lambda d: (d.order, d.id))
    _check_crossrefs(tuple(defs))   # Module 3's own references first: a twin borrows only checked items
    defs = _resolve_twins(defs)
    _check_crossrefs(tuple(defs))
    _check_checklists(tuple(defs))
    _check_narrative_once(tuple(defs), forms)
    _check_figures_once(tuple(defs))
    return DefinitionSet(tuple(defs))


_CACHE: dict[str, DefinitionSet] = {}


def default_definitions() -> DefinitionSet:
    """The app's own definitions over the app's own forms, loaded once per process."""
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.core.paths import resources_dir

    key = str(resources_dir())
    if key not in _CACHE:
        _CACHE[key] = load_definitions(default_forms(), cache=True)
    return _CACHE[key]


def placement_map() -> PlacementMap:
    return default_definitions().placement_map


# ============================================================================ where figures are printed
# (here, not in core.figures: only the window's figure panel asks, after the first paint; the store imports
# core.figures before it, and a frozen dataclass costs that import ~4 M instructions)
@dataclass(frozen=True)
class Place:
    """Where the definitions print figures: a target and the headings whose `figure` items take it."""
    target: str
    label: str                      # the field label or the heading's code and title
    slots: tuple[tuple[str, str, str], ...]   # (document id, heading code or key, slot caption)


def figure_places(forms: FormSet, definitions) -> list[Place]:
    """Every target a figure can be attached to so that it prints (figure items with a `source`)."""
    places: dict[str, dict] = {}
    for d in definitions:
        for h in d.headings:
            stack = list(h.items)
            while stack:
                item = stack.pop(0)
                stack[:0] = list(item.items)
                if item.kind != "figure" or not item.opt("source"):
                    continue
                source = item.opt("source")
                if source == "heading":
                    target = heading_target(h.key)
                    label = f"{h.code} {h.title}".strip()
                else:
                    target = forms.field(source).path
                    label = forms.field(source).label
                p = places.setdefault(target, {"label": label, "slots": []})
                p["slots"].append((d.id, h.code or h.key, str(item.value)))
    return [Place(t, p["label"], tuple(p["slots"])) for t, p in places.items()]
