"""Give the sample projects structured batch and stability results (issue 12), once, in place.

    python -m tests.data.make_sample_results

The samples' own earlier free-text results ("Viability 91%; VCN 2.1; sterile") are used where a number
names a specification test; the other cells get a plausible in-specification value from the criterion.
Row ids are written for the tables that results link to. Run on samples still at forms version < 5.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from atmp_desktop.core.form_migrations import migrate_document
from atmp_desktop.core.quantity import (Quantity, find_quantities, format_number, hours, parse_criterion,
                                        result_type)

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
STABILITY_TESTS = re.compile(r"viab|potenc|titre|titer|genome|count|dose|steril|appearance|aggreg|infectiv|"
                             r"full|phenotyp|identity|IDO|attach|index|layer|histolog", re.I)


def _nice(v: float) -> float:
    return float(f"{v:.3g}")


def _value(crit, k: float) -> float:
    """An in-specification value; k in [0, 1) moves it within the range."""
    if crit.low is not None and crit.high is not None:
        return _nice(crit.low + (crit.high - crit.low) * (0.35 + 0.3 * k))
    if crit.low is not None:
        if crit.unit == "%" and crit.low < 100:
            return _nice(crit.low + (100 - crit.low) * (0.45 + 0.4 * k))
        return _nice(crit.low * (1.4 + 0.8 * k))
    return _nice(crit.high * (0.15 + 0.35 * k))


def _text(test: str) -> str:
    t = test.lower()
    if "steril" in t:
        return "No growth"
    if re.search(r"mycoplasma|replication|rc[lra]\b|rcaav|adventitious|virus", t):
        return "Not detected"
    return "Conforms"


ALIASES = (("vcn", r"copy number|\bvcn\b"), ("ifn", r"ifn"), ("lysis", r"cytotox|lysis"), ("dose", r"\bdose\b"),
           ("vg", r"genome|\bvg\b|titre|titer"), ("potency", r"potency|activity"), ("full", r"full|empty"),
           ("aggregates", r"aggreg"), ("viability", r"viab"), ("ido", r"\bido\b"), ("cells/cm", r"density|cells/cm"),
           ("attachment", r"attach"), ("index", r"index"), ("layers", r"layer|stratif"), ("p63", r"p63"))


def _from_note(note: str, test: str, crit) -> str | None:
    """A number of the sample's earlier free-text results that names this test ("VCN 2.1" -> vector copy
    number), used when it meets the criterion."""
    if crit is None:
        return None
    for seg in re.split(r"[;,]", note or ""):
        low = seg.lower()
        if not any(key in low and re.search(pattern, test, re.I) for key, pattern in ALIASES):
            continue
        for q, _, _ in find_quantities(seg):
            if crit.judge(Quantity(q.value, crit.unit)):
                return format_number(q.value)
    return None


def _cell(test_row: dict, k: float, note: str = "", drift: float = 0.0) -> dict:
    name, crit_text = str(test_row.get("test", "")), str(test_row.get("acceptance_criterion", ""))
    crit = parse_criterion(crit_text)
    if crit is None:
        text = _text(name)
        return {"result": text, "result_type": result_type(text)}
    shown = _from_note(note, name, crit)
    if shown is None or drift:
        v = _value(crit, k)
        if drift and crit.low is not None:
            span = (crit.high - crit.low) if crit.high is not None else v - crit.low
            v = _nice(max(crit.low * 1.02 if crit.low > 0 else crit.low, v - span * drift))
        shown = format_number(v)
    out = {"result": shown, "result_type": "numeric"}
    if crit.unit:
        out["unit"] = crit.unit
    return out


def _ids(data: dict, row_ids: dict, path: str, prefix: str) -> list[str]:
    step, field = path.split(".")
    rows = data.get(step, {}).get(field) or []
    ids = row_ids.get(path) or [f"{prefix}-{i + 1:02d}" for i in range(len(rows))]
    row_ids[path] = ids
    return ids


def enrich(doc: dict) -> dict:
    doc = migrate_document(doc)
    data = doc["data"]
    q = data["quality"]
    row_ids = doc.setdefault("row_ids", {})
    ds_ids = _ids(data, row_ids, "quality.ds_specification", "ds-test")
    dp_ids = _ids(data, row_ids, "quality.dp_specification", "dp-test")
    batch_ids = _ids(data, row_ids, "quality.batch_analyses", "batch")
    study_ids = _ids(data, row_ids, "quality.stability_studies", "study")
    sites = (data.get("manufacturing") or {}).get("sites") or []
    site = next((s.get("name") for s in sites if "manufactur" in str(s.get("activities", "")).lower()),
                sites[0].get("name") if sites else None)
    scale = str((data.get("manufacturing") or {}).get("batch_scale") or "").split(";")[0].strip()[:40]
    results = []
    for n, (bid, batch) in enumerate(zip(batch_ids, q["batch_analyses"])):
        note = str(batch.get("note", ""))
        m = re.search(r"\(\s*(?:process|Process)\s+([A-Z0-9]+)\s*\)|process\s+([A-Z0-9])\b", note)
        if "Results:" in note:  # the sample's free-text results are now the grid's values
            kept = note.split("Results:")[0].strip()
            if kept:
                batch["note"] = kept
            else:
                batch.pop("note", None)
        batch.setdefault("process_version", (m.group(1) or m.group(2)) if m else "Commercial")
        if site:
            batch.setdefault("site", site)
        if scale:
            batch.setdefault("scale", scale)
        if not q.get("ds_specification"):
            batch.setdefault("material", "DP")  # blank = both: the same lots give the DS and DP results
        for tid, test in zip(dp_ids, q.get("dp_specification") or []):
            results.append({"batch": bid, "test": tid, **_cell(test, (n * 0.37) % 1, note),
                            "date": batch.get("date")})
        for tid, test in zip(ds_ids, q.get("ds_specification") or []):
            results.append({"batch": bid, "test": tid, **_cell(test, (n * 0.29 + 0.1) % 1, note),
                            "date": batch.get("date")})
    q["batch_results"] = [{k: v for k, v in r.items() if v not in (None, "")} for r in results]
    stab_batches = [b["batch"] for b in q["batch_analyses"] if "stability" in (b.get("use") or [])] or \
        [b["batch"] for b in q["batch_analyses"][-3:]]
    stab = []
    for n, (sid, study) in enumerate(zip(study_ids, q["stability_studies"])):
        material = study.get("material") or "DP"
        study.setdefault("study", f"STB-{material}-{n + 1:02d}")
        study.setdefault("batches", ", ".join(stab_batches[:3]))
        study.setdefault("status", "ongoing" if study.get("kind") == "long_term" else "completed")
        spec, ids = (q.get("ds_specification"), ds_ids) if material == "DS" and q.get("ds_specification") \
            else (q.get("dp_specification") or [], dp_ids)
        tests = [(tid, t) for tid, t in zip(ids, spec) if STABILITY_TESTS.search(str(t.get("test", "")))][:6]
        points = sorted(study.get("time_points") or [], key=lambda p: hours(Quantity(p["value"], p["unit"])))
        done = points  # the pulls made so far (an ongoing study adds later time points)
        for j, p in enumerate(done):
            for tid, t in tests:
                if "steril" in str(t.get("test", "")).lower() and 0 < j < len(done) - 1:
                    continue  # sterility at the start and end only
                drift = 0.04 * j / max(1, len(done) - 1)
                stab.append({"study": sid, "time_point": {"value": p["value"], "unit": p["unit"]}, "test": tid,
                             **{k: v for k, v in _cell(t, 0.5, drift=drift).items()}})
    q["stability_results"] = stab
    return doc


def main() -> None:
    for path in sorted(SAMPLES.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if int(str(doc.get("project", {}).get("forms_version", 1))) >= 5:
            print(f"{path.name}: already structured")
            continue
        doc = enrich(doc)
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        q = doc["data"]["quality"]
        print(f"{path.name}: {len(q['batch_results'])} batch results, {len(q['stability_results'])} stability results")


if __name__ == "__main__":
    main()
