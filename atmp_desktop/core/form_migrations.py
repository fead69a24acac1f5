"""Numbered migrations of the project *values* when fields are renamed, moved or split (cf. Vorta's
store/migrations.py for the schema). The forms version a project was written with is recorded in its
metadata (`forms_version`; files and JSON without it are version 1).

Each migration is a pure function `values -> values` over `{step: {field: value}}` (tables: lists of row
dicts); it never sees SQL or files. The store applies them when a project is opened (ProjectFile.open, in one
transaction, after its backup) and the JSON import applies them before checking a document
(core.interchange.check_document). Add a migration by appending to MIGRATIONS; never edit a released one.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from atmp_desktop.core.patterns import lazy_compile
from atmp_desktop.core.values import json_copy

Values = dict[str, dict[str, Any]]

_DEVICE = lazy_compile(r"\bdevice\b", re.I)
_SCAFFOLD = lazy_compile(r"matrix|scaffold|carrier|mesh|membrane|support", re.I)


def _m2_composition_types(values: Values) -> Values:
    """dp_composition rows get a `component_type` (active substance, excipient, device part, scaffold), so the
    excipient sections list excipients only. Inferred from the old free-text function."""
    rows = values.get("quality", {}).get("dp_composition")
    if not isinstance(rows, list):
        return values
    for row in rows:
        if not isinstance(row, dict) or row.get("component_type"):
            continue
        text = f"{row.get('function', '')} {row.get('component', '')}"
        function = str(row.get("function", ""))
        if re.search(r"active substance|active ingredient", function, re.I):
            row["component_type"] = "active_substance"
        elif _DEVICE.search(text):
            row["component_type"] = "device_part"
        elif _SCAFFOLD.search(function):
            row["component_type"] = "scaffold"
        else:
            row["component_type"] = "excipient"
    return values


def _m3_ds_isolated_stored(values: Values) -> Values:
    """`manufacturing.ds_dp_continuous` ("not isolated or stored") splits into `ds_isolated` (3.2.S.4 applies)
    and `ds_stored` (3.2.S.6/3.2.S.7 apply). A continuous process whose active substance has its own
    specification was isolated and tested but not stored."""
    manufacturing = values.get("manufacturing") or {}
    if "ds_dp_continuous" not in manufacturing:
        return values
    continuous = manufacturing.pop("ds_dp_continuous")
    if continuous is True:
        isolated = bool((values.get("quality") or {}).get("ds_specification"))
        manufacturing["ds_isolated"] = isolated
        if isolated:
            manufacturing["ds_stored"] = False
    elif continuous is False:
        manufacturing["ds_isolated"] = True
        manufacturing["ds_stored"] = True
    values["manufacturing"] = manufacturing
    return values


def _m4_cell_age_limit(values: Values) -> Values:
    """`materials.cell_age_limit` mixed the limit of a vector producer cell bank with that of the product's own
    cells. For a gene therapy (vector made from a bank) it becomes the `age_limit` of the bank rows that have
    none; for cell products the limit of the product's own process (`manufacturing.passage_limit`)."""
    materials = values.get("materials") or {}
    if "cell_age_limit" not in materials:
        return values
    limit = materials.pop("cell_age_limit")
    product = values.get("product") or {}
    gene_therapy = product.get("gm_cells") is True or product.get("atmp_type") == "GTMP"
    banks = materials.get("cell_banks") if isinstance(materials.get("cell_banks"), list) else []
    if gene_therapy:
        targets = [r for r in banks if isinstance(r, dict) and r.get("bank_type") in ("WCB", "MCB")
                   and not r.get("age_limit")]
        wcb = [r for r in targets if r.get("bank_type") == "WCB"] or targets[:1]
        if wcb:
            wcb[0]["age_limit"] = limit
        else:
            materials["cell_banks"] = banks + [{"bank_type": "MCB", "age_limit": limit}]
    else:
        values.setdefault("manufacturing", {}).setdefault("passage_limit", limit)
    values["materials"] = materials
    return values


_USES = (("clinical", r"clinic|phase|pivotal|trial|study"), ("ppq", r"\bppq|validation|process perf"),
         ("stability", r"stabil"), ("comparability", r"comparab"), ("development", r"develop|engineering|\bdev\b"),
         ("nonclinical", r"non-?clinical|tox|animal|gl[pP]"))


_STUDY_KINDS = (("long_term", r"long[- ]term|real[- ]time"), ("supportive", r"supportive"),
                ("post_thaw", r"thaw"), ("in_use", r"in[- ]use|dilut|infusion"),
                ("transport", r"transport simulation|shipping|shipper|ista"), ("accelerated", r"accelerat"),
                ("stress", r"excursion|stress|forced|freeze-thaw|photo"),
                ("hold", r"hold|before formulation|harvest"), ("long_term", r"≤|<|°c"))


def _note(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _m5_batch_and_stability_data(values: Values) -> Values:
    """Batches and stability studies become structured (issue 12). Nothing is dropped: the free-text
    "Key results" of a batch and "Results and conclusion" of a study go to the row's note; a batch's free-text
    use becomes use choices (the words stay in the note); a study's time points are parsed ("0, 3, 6 months",
    "0, 30, 60 min"), and kept in the note when they cannot be."""
    from atmp_desktop.core.quantity import QuantityError, parse_durations

    quality = values.get("quality") or {}
    for row in quality.get("batch_analyses") or []:
        if not isinstance(row, dict):
            continue
        use = row.get("use")
        if isinstance(use, str):
            chosen = [value for value, pattern in _USES if re.search(pattern, use, re.I)]
            row["use"] = chosen or None
            if row["use"] is None:
                del row["use"]
            use_note = f"Use: {use.strip().rstrip('.')}." if use.strip() else ""
        else:
            use_note = ""
        results = row.pop("results", None)
        results_note = f"Results: {str(results).strip()}" if isinstance(results, str) and results.strip() else ""
        note = _note(use_note, results_note)
        if note:
            row["note"] = note
    for row in quality.get("stability_studies") or []:
        if not isinstance(row, dict):
            continue
        notes = []
        points = row.get("time_points")
        if isinstance(points, str):
            try:
                parsed = parse_durations(points)
                row["time_points"] = [{"value": p.value, "unit": p.unit} for p in parsed] or None
            except QuantityError:
                row["time_points"] = None
            if row["time_points"] is None:
                del row["time_points"]
                notes.append(f"Time points: {points.strip()}.")
        results = row.pop("results", None)
        if isinstance(results, str) and results.strip():
            notes.append(results.strip())
        if notes:
            row["note"] = _note(*notes)
        text = str(row.get("condition", "")).lower()
        kind = next((k for k, pattern in _STUDY_KINDS if re.search(pattern, text)), None)
        if kind and "kind" not in row:
            row["kind"] = kind
    return values


_NONE = lazy_compile(r"^\s*(none|no|nil|not applicable|n/?a)\b", re.I)


def _m6_excipient_answers(values: Values) -> Values:
    """"None." typed into the excipient narratives becomes a no (issue 15: answers, not words): the texts
    `excipients_human_animal` and `novel_excipients` get a yes/no question each (`has_human_animal_excipients`,
    `has_novel_excipients`) that decides whether 3.2.P.4.5 / 3.2.P.4.6 and 3.2.A.3 apply. A "None ..." text
    answers no and is kept (hidden behind the no, never lost); any other text answers yes."""
    quality = values.get("quality") or {}
    for text_id, answer_id in (("excipients_human_animal", "has_human_animal_excipients"),
                               ("novel_excipients", "has_novel_excipients")):
        text = quality.get(text_id)
        if answer_id in quality or not isinstance(text, str) or not text.strip():
            continue
        quality[answer_id] = not _NONE.match(text)
    if quality:
        values["quality"] = quality
    return values


MIGRATIONS: list[tuple[str, Callable[[Values], Values]]] = [
    ("0002_composition_types", _m2_composition_types),
    ("0003_ds_isolated_stored", _m3_ds_isolated_stored),
    ("0004_cell_age_limit", _m4_cell_age_limit),
    ("0005_batch_and_stability_data", _m5_batch_and_stability_data),
    ("0006_excipient_answers", _m6_excipient_answers),
]
FORMS_VERSION = len(MIGRATIONS) + 1  # version 1 = the forms before any migration


def stored_version(meta: dict) -> int:
    try:
        return max(1, int(str((meta or {}).get("forms_version") or 1)))
    except ValueError:
        return 1


def migrate_values(values: Values, from_version: int) -> tuple[Values, list[str]]:
    """The values brought from `from_version` to FORMS_VERSION, and the names of the migrations applied.
    The input is not changed."""
    if from_version >= FORMS_VERSION:
        return values, []
    out = {k: json_copy(dict(v)) for k, v in values.items()}
    applied = []
    for number in range(from_version + 1, FORMS_VERSION + 1):
        name, func = MIGRATIONS[number - 2]
        out = func(out)
        applied.append(name)
    return out, applied


def migrate_document(doc: Any) -> Any:
    """A JSON interchange document with its data brought to the current forms version (a copy)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        return doc
    project = doc.get("project") if isinstance(doc.get("project"), dict) else {}
    version = stored_version(project)
    if version >= FORMS_VERSION:
        return doc
    data = {k: v for k, v in doc["data"].items() if isinstance(v, dict)}
    migrated, _ = migrate_values(data, version)
    out = dict(doc)
    out["data"] = {**doc["data"], **migrated}
    out["project"] = {**project, "forms_version": str(FORMS_VERSION)}
    return out
