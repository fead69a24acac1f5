"""A large generated project for the benchmarks (issue 14), built through the public JSON import from the
car-t sample: at 1x 60 sites, 200 process steps, 400 specification rows (200 DS, 200 DP), 300 batches with 25
results each, 30 stability studies with 12 time points and 20 tests, 200 raw materials and 20k words of
narrative; 2x and 4x multiply every count. Rows are varied copies of the sample's rows, with realistic
identifiers (authorisation numbers, batch numbers, Ph. Eur. references) so table layout is exercised as in a
real dossier; results meet their acceptance criteria (numbers inside numeric limits, 'Conforms' for text
criteria) except about one in 500, an out-of-specification result as a late-stage product has a few of.

    python bench/make_large.py OUT.atmp [--scale 1|2|4]

Figures: the project format has no figures yet (the dossier-data issue adds them); the 10 figures of the
target are left out until it does. The generated process-flow diagram (200 steps at 1x) is drawn in every
export that shows the process.
"""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# rows per table at 1x
SIZES = {
    "manufacturing.sites": 60,
    "manufacturing.process_steps": 200,
    "quality.ds_specification": 200,
    "quality.dp_specification": 200,
    "quality.batch_analyses": 300,
    "quality.stability_studies": 30,
    "materials.raw_materials": 200,
}
RESULTS_PER_BATCH = 25
TIME_POINTS, STABILITY_TESTS = 12, 20
NARRATIVE_WORDS = 20_000
COUNTRIES = ("Germany", "Netherlands", "France", "Belgium", "Italy", "Spain", "Austria", "Ireland")


def _section(path: str) -> tuple[str, str]:
    step, _, name = path.partition(".")
    return step, name


def _vary_site(row: dict, i: int, n: int) -> dict:
    r = dict(row)
    country = COUNTRIES[i % len(COUNTRIES)]
    if i >= n:  # the sample's own sites keep their names: the process steps name them
        r["name"] = f"{row.get('name', 'Site')} ({i // n + 1})"
    r["country"] = country
    r["address"] = f"Industriestraße {i + 3}, {10000 + 37 * i} {country} City"
    r["authorisation_number"] = f"DE-BW-{i % 90 + 10:02d}-MIA-{2015 + i % 10}/{i:04d}"
    return r


def _vary_step(row: dict, i: int, n: int) -> dict:
    r = dict(row)
    r["number"] = i + 1
    r["name"] = f"{row.get('name', 'Step')} ({i + 1})"
    r["description"] = (str(row.get("description", "")) + f" Run-specific parameters for step {i + 1} are "
                        "recorded in the batch record.").strip()
    return r


def _vary_spec(row: dict, i: int, n: int) -> dict:
    r = dict(row)
    if i >= n:  # the test keeps its criterion, so its name stays the sample's, numbered
        r["test"] = f"{row.get('test', 'Test')} ({i // n + 1})"
    r["ph_eur_reference"] = f"Ph. Eur. 2.{6 + i % 3}.{i % 40 + 1}"
    return r


def _vary_batch(row: dict, i: int, n: int) -> dict:
    r = dict(row)
    r["material"] = "DS" if i % 3 == 2 else "DP"  # one batch in three is a drug-substance batch
    r["batch"] = f"NCT01922014/{i + 1}-LOT-{2020 + i % 6}-{i:05d}"
    r["use"] = (["clinical"], ["ppq"], ["stability"], ["clinical", "stability"])[i % 4]
    r["note"] = f"Manufactured in campaign {i // 12 + 1}; batch record reviewed."
    return r


MONTHS = [0, 1, 2, 3, 6, 9, 12, 18, 24, 36, 48, 60][:TIME_POINTS]


def _vary_stability(row: dict, i: int, n: int) -> dict:
    r = dict(row)
    r["study"] = f"STB-{2021 + i % 5}-{i:03d}"
    r["condition"] = f"≤ -150 °C (vapour phase of liquid nitrogen), study STB-{2021 + i % 5}-{i:03d}"
    r["time_points"] = [{"value": m, "unit": "months"} for m in MONTHS]
    r["note"] = "All results within specification; no trend."
    return r


OOS_EVERY = 499  # about one result in 500 is out of specification


def _conforming(criterion: str, n: int) -> tuple[str, str, str]:
    """(result, unit, result_type) for result number n of a test: inside a numeric criterion (outside for
    every OOS_EVERY-th), 'Conforms' for a text one."""
    from atmp_desktop.core.quantity import format_number, parse_criterion
    crit = parse_criterion(criterion)
    if crit is None or (crit.low is None and crit.high is None):
        return "Conforms", "", "conforms"
    f = (n * 37 % 100) / 100  # spread the results over the allowed range
    low, high = crit.low, crit.high
    if n % OOS_EVERY == OOS_EVERY - 1:
        value = (low * 0.8 if low else -1.0) if low is not None else high * 1.3 + 1
    elif low is not None and high is not None:
        value = low + (high - low) * (0.2 + 0.6 * f)
    elif low is not None:
        value = low * (1.05 + 0.2 * f) if low > 0 else low + 1 + f
    else:
        value = high * (0.2 + 0.6 * f)
    value = float(f"{value:.3g}")
    return format_number(value, scientific=abs(value) >= 1e5), crit.unit, "numeric"


def _results(data: dict, row_ids: dict) -> None:
    """RESULTS_PER_BATCH results per batch (against the specification of its material) and TIME_POINTS x
    STABILITY_TESTS per study, linked by row id."""
    q = data["quality"]
    specs = {m: list(zip(row_ids[f"quality.{m.lower()}_specification"], q[f"{m.lower()}_specification"]))
             for m in ("DS", "DP")}
    n = 0
    batch_results = []
    # a batch is tested against the specification of its material and process version: the same
    # RESULTS_PER_BATCH tests for every batch of one version, as in a real dossier (the tests-by-batches grid
    # then grows with the batches, not with batches x tests)
    versions = sorted({str(b.get("process_version") or "") for b in q["batch_analyses"]})
    for i, (bid, batch) in enumerate(zip(row_ids["quality.batch_analyses"], q["batch_analyses"])):
        spec = specs[batch.get("material") or "DP"]
        first = versions.index(str(batch.get("process_version") or "")) * RESULTS_PER_BATCH
        for k in range(RESULTS_PER_BATCH):
            test, row = spec[(first + k) % len(spec)]
            result, unit, kind = _conforming(row.get("acceptance_criterion", ""), n)
            batch_results.append({"batch": bid, "test": test, "result": result, "unit": unit,
                                  "result_type": kind})
            n += 1
    stability_results = []
    for i, (sid, study) in enumerate(zip(row_ids["quality.stability_studies"], q["stability_studies"])):
        spec = specs[study.get("material") or "DP"]
        for m in MONTHS:
            for k in range(STABILITY_TESTS):
                test, row = spec[(i * STABILITY_TESTS + k) % len(spec)]
                result, unit, kind = _conforming(row.get("acceptance_criterion", ""), n)
                stability_results.append({"study": sid, "time_point": {"value": m, "unit": "months"},
                                          "test": test, "result": result, "unit": unit, "result_type": kind})
                n += 1
    q["batch_results"], q["stability_results"] = batch_results, stability_results


def expected_oos(doc: dict) -> int:
    """How many generated results are out of specification (QC-20 must find exactly these)."""
    from atmp_desktop.core.quantity import Quantity, parse_criterion, parse_quantity
    q, ids = doc["data"]["quality"], doc["row_ids"]
    criteria = {rid: parse_criterion(row.get("acceptance_criterion", ""))
                for m in ("ds", "dp") for rid, row in zip(ids[f"quality.{m}_specification"], q[f"{m}_specification"])}
    out = 0
    for r in q["batch_results"] + q["stability_results"]:
        if r["result_type"] == "numeric":
            crit, v = criteria[r["test"]], parse_quantity(r["result"])
            out += crit.judge(Quantity(v.value, r["unit"] or crit.unit, v.qualifier)) is False
    return out


def _vary_material(row: dict, i: int, n: int) -> dict:
    r = dict(row)
    r["material"] = f"{row.get('material', 'Material')} (lot series {i + 1})"
    r["ph_eur_reference"] = f"Ph. Eur. {5 + i % 3}.{i % 20 + 1} / USP <{1000 + i}>"
    return r


VARY = {"manufacturing.sites": _vary_site, "manufacturing.process_steps": _vary_step,
        "quality.ds_specification": _vary_spec, "quality.dp_specification": _vary_spec,
        "quality.batch_analyses": _vary_batch, "quality.stability_studies": _vary_stability,
        "materials.raw_materials": _vary_material}


def _narrative_fields(forms, data: dict) -> list[tuple[str, str]]:
    out = []
    for f in forms.all_fields():
        if f.type != "long_text":
            continue
        step, name = _section(f.path)
        value = data.get(step, {}).get(name)
        if isinstance(value, str) and len(value.split()) >= 20:
            out.append((step, name))
    return out


def make_document(scale: int = 1) -> dict:
    """The large project as an interchange document (the format of `atmp-desktop dump`)."""
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.samples import load_sample
    doc = copy.deepcopy(load_sample("car-t"))
    data = doc["data"]
    for path, n in SIZES.items():
        step, name = _section(path)
        rows = data.get(step, {}).get(name) or []
        if not rows:
            continue
        vary = VARY[path]
        data[step][name] = [vary({k: v for k, v in rows[i % len(rows)].items() if k != "id"}, i, len(rows))
                            for i in range(n * scale)]
        doc.setdefault("row_ids", {})[path] = [f"{name[:8]}-{i}" for i in range(n * scale)]
    doc["row_ids"] = {p: ids for p, ids in doc.get("row_ids", {}).items() if p in SIZES}
    _results(data, doc["row_ids"])
    fields = _narrative_fields(default_forms(), data)
    have = sum(len(str(data[s][n]).split()) for s, n in fields)
    target = NARRATIVE_WORDS * scale
    k = 0
    while have < target and fields:  # grow the long narratives in turn, paragraph by paragraph
        step, name = fields[k % len(fields)]
        para = str(data[step][name]).split("\n\n")[0]
        data[step][name] = f"{data[step][name]}\n\n{para} (Continued, part {k // len(fields) + 2}.)"
        have += len(para.split()) + 3  # "(Continued, part N.)"
        k += 1
    doc["project"] = dict(doc.get("project", {}), title=f"Large generated project {scale}x")
    return doc


def make_project(path: Path, scale: int = 1) -> Path:
    """Create the .atmp through the public import (ProjectFile.create, as `atmp-desktop new --from-json`)."""
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.store import ProjectFile
    path = Path(path)
    ProjectFile.create(path, default_forms(), document=make_document(scale), overwrite=True).close()
    return path


def counts(doc: dict) -> dict[str, int]:
    """Table rows, words of narrative (long-text fields) and the sizes issue 14 asks for."""
    from atmp_desktop.core.forms import default_forms
    data = doc["data"]
    rows = sum(len(v) for s in data.values() if isinstance(s, dict) for v in s.values() if isinstance(v, list))
    words = sum(len(str(data.get(s, {}).get(n) or "").split()) for s, n in
                (_section(f.path) for f in default_forms().all_fields() if f.type == "long_text"))
    q = data.get("quality", {})
    sizes = {path: len(data.get(_section(path)[0], {}).get(_section(path)[1]) or []) for path in SIZES}
    return {"table_rows": rows, "words": words, **sizes,
            "quality.batch_results": len(q.get("batch_results") or []),
            "quality.stability_results": len(q.get("stability_results") or [])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args()
    path = make_project(Path(args.out), args.scale)
    print(path, counts(make_document(args.scale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
