"""Batch and stability results as grids (tests × batches, tests × time points) and the stability claim,
as document-definition hooks. Results are linked to specification rows by row id (core.results), so the
acceptance criterion printed beside each test is the specification's own.

A grid wider than MAX_COLUMNS result columns is split into several tables by column groups, each repeating
the test and criterion columns; the writers put tables of more than five columns on landscape pages.
"""
from __future__ import annotations

from atmp_desktop.core.quantity import HOURS_PER, Quantity, format_duration, format_durations, hours
from atmp_desktop.core.results import (BATCH_RESULTS, BATCHES, SPECS, STABILITY_RESULTS, STUDIES, shown_result,
                                       spec_test, spec_tests, verdict)
from atmp_desktop.export.builders.base import field_of
from atmp_desktop.export.builders.generic import Builder, and_list, hook
from atmp_desktop.export.model import Heading, ListBlock, Paragraph, Run, Table

MAX_COLUMNS = 6   # result columns per table; more go to a continuation table with the test column repeated
MISSING = "–"     # not tested / no result (yet)


def _groups(keys: list, size: int = MAX_COLUMNS) -> list[list]:
    """Column groups of at most `size`, as even as possible (8 -> 4 + 4, not 6 + 2)."""
    if not keys:
        return [[]]
    n = -(-len(keys) // size)
    step = -(-len(keys) // n)
    return [keys[i:i + step] for i in range(0, len(keys), step)]


def _grid_tables(b: Builder, caption: str, tests, columns: list[tuple[str, str]], cell) -> None:
    """Tables of tests (rows, with the acceptance criterion) by `columns` ((key, header)), in column groups."""
    groups = _groups(columns)
    for n, group in enumerate(groups, 1):
        header = ("Test", "Acceptance criterion") + tuple(h for _, h in group)
        body = tuple((t.name, t.criterion_text) + tuple(cell(t, k) or MISSING for k, _ in group) for t in tests)
        part = f" ({n} of {len(groups)})" if len(groups) > 1 else ""
        b.add(Table(header, body, caption=caption + part, widths=(3, 3) + (2,) * len(group)))


def _unit(test) -> str:
    crit = test.criterion
    return crit.unit if crit is not None else ""


def _rows_table(b: Builder, path: str, rows: list[dict], columns: list[str], caption: str) -> None:
    """A plain table of some rows; a column no row fills is left out."""
    fields = {c.id: c for c in field_of(path).columns}
    cols = columns[:1] + [c for c in columns[1:] if any(r.get(c) not in (None, "", []) for r in rows)]
    b.add(Table(tuple(fields[c].label for c in cols), tuple(tuple(b.cell(path, r, c) for c in cols) for r in rows),
                caption=caption))


def _material_rows(b: Builder, path: str, material: str) -> list[tuple[str, dict]]:
    return [(i, r) for i, r in zip(b.snap.row_ids(path), b.rows(path))
            if r.get("material") in (material, None)]


@hook("batch_grid")
def batch_grid(b: Builder, material: str = "DP") -> None:
    """3.2.S.4.4 / 3.2.P.5.4: the batches table and the tests-by-batches grid of the DS or DP specification."""
    snap = b.snap
    batches = _material_rows(b, BATCHES, material)
    if not batches:
        b.todo(f"batch analyses of the {'active substance' if material == 'DS' else 'finished product'} "
               "(add the batches and their results)")
        return
    _rows_table(b, BATCHES, [r for _, r in batches], ["batch", "process_version", "site", "scale", "date", "use"],
                "Batches analysed")
    results: dict[tuple[str, str], dict] = {}
    for r in b.rows(BATCH_RESULTS):
        results[(r.get("batch"), r.get("test"))] = r
    spec = SPECS[material]
    tests = [t for t in spec_tests(snap, material) if any((bid, t.id) in results for bid, _ in batches)]
    if tests:
        columns = [(bid, str(r.get("batch") or "?")) for bid, r in batches
                   if any((bid, t.id) in results for t in tests)]
        _grid_tables(b, "Batch analysis results", tests, columns,
                     lambda t, bid: shown_result(results.get((bid, t.id), {}), _unit(t)))
        failed = [(t, row) for t in tests for bid, _ in batches
                  if (row := results.get((bid, t.id))) and verdict(row, t) is False]
        if failed:
            b.para(f"{len(failed)} result(s) are outside the acceptance criteria; the investigations are "
                   "described in the batch notes below.")
    elif snap.rows(spec):
        b.todo("the results of the batches against the specification (batch results grid)")
    notes = [(r.get("batch"), r.get("note")) for _, r in batches if r.get("note")]
    if notes:
        b.add(Paragraph((Run("Notes on the batches:", bold=True),)))
        b.add(ListBlock(tuple((Run(f"{batch}: ", bold=True), Run(str(note))) for batch, note in notes)))


def _points(study: dict, results: list[dict]) -> list[Quantity]:
    """Planned time points and those with results, in time order, each once."""
    seen: dict[float, Quantity] = {}
    for p in list(study.get("time_points") or []) + [r.get("time_point") for r in results if r.get("time_point")]:
        if isinstance(p, dict) and p.get("unit") in HOURS_PER:
            q = Quantity(p["value"], p["unit"])
            seen.setdefault(hours(q), q)
    return [seen[k] for k in sorted(seen)]


def _study_name(study: dict) -> str:
    return str(study.get("study") or study.get("condition") or "Stability study")


def _study_facts(b: Builder, study: dict) -> str:
    parts = []
    for col, label in (("kind", "Type"), ("batches", "Batches"), ("container", "Container"),
                       ("orientation", "Orientation"), ("condition", "Condition"), ("status", "Status")):
        if study.get(col):
            parts.append(f"{label}: {b.cell(STUDIES, study, col)}")
    if study.get("time_points"):
        parts.append(f"Planned time points: {b.cell(STUDIES, study, 'time_points')}")
    return "; ".join(parts) + "." if parts else ""


@hook("stability_grids")
def stability_grids(b: Builder, material: str = "DP") -> None:
    """3.2.S.7.3 / 3.2.P.8.3: per study its design and a tests-by-time-points grid with the criteria."""
    snap = b.snap
    studies = _material_rows(b, STUDIES, material)
    if not studies:
        b.todo(f"stability data of the {'active substance' if material == 'DS' else 'finished product'}")
        return
    by_study: dict[str, list[dict]] = {}
    for r in b.rows(STABILITY_RESULTS):
        by_study.setdefault(r.get("study"), []).append(r)
    for sid, study in studies:
        b.add(Heading("", _study_name(study), b.level + 1))
        facts = _study_facts(b, study)
        if facts:
            b.para(facts)
        rows = by_study.get(sid, [])
        points = _points(study, rows)
        cells = {(r.get("test"), hours(Quantity(r["time_point"]["value"], r["time_point"]["unit"]))): r
                 for r in rows if isinstance(r.get("time_point"), dict)
                 and r["time_point"].get("unit") in HOURS_PER}
        test_ids = list(dict.fromkeys(r.get("test") for r in rows))
        tests = [t for t in (spec_test(snap, i) for i in test_ids) if t is not None]
        if tests and points:
            _grid_tables(b, f"Stability results: {_study_name(study)}", tests,
                         [(hours(p), format_duration(p)) for p in points],
                         lambda t, h: shown_result(cells.get((t.id, h), {}), _unit(t)))
        else:
            b.para("No results are reported yet" + (f" (planned: {format_durations(points)})." if points else "."))
        if study.get("note"):
            b.para(f"Conclusion: {study['note']}")


def _claim_support(b: Builder, material: str) -> tuple[list[str], float, int, int]:
    """(batches, longest time point in hours with results, results, out-of-specification results) of the
    long-term and supportive studies of `material`."""
    snap = b.snap
    studies = {sid: s for sid, s in _material_rows(b, STUDIES, material)
               if s.get("kind") in ("long_term", "supportive", None)}
    batches: list[str] = []
    longest, count, failed = 0.0, 0, 0
    for s in studies.values():
        batches += [x.strip() for x in str(s.get("batches") or "").split(",") if x.strip()]
    for r in b.rows(STABILITY_RESULTS):
        if r.get("study") not in studies or not isinstance(r.get("time_point"), dict):
            continue
        tp = r["time_point"]
        if tp.get("unit") not in HOURS_PER:
            continue
        count += 1
        longest = max(longest, hours(Quantity(tp["value"], tp["unit"])))
        if verdict(r, spec_test(snap, r.get("test"))) is False:
            failed += 1
    return list(dict.fromkeys(batches)), longest, count, failed


def _show(h: float) -> str:
    for unit in ("months", "weeks", "days", "h", "min"):
        v = h / HOURS_PER[unit]
        if v >= 1 and abs(v - round(v)) < 1e-6:
            return format_duration(Quantity(int(round(v)), unit))
    return format_duration(Quantity(round(h, 2), "h"))


@hook("stability_claim")
def stability_claim(b: Builder, material: str = "DP") -> None:
    """3.2.S.7.1 / 3.2.P.8.1: the claimed shelf life and storage with the data that support it."""
    life_path = "quality.shelf_life" if material == "DP" else "quality.ds_shelf_life"
    life = b.snap.get(life_path)
    batches, longest, count, failed = _claim_support(b, material)
    if not isinstance(life, dict) or not count:
        return
    claim = f"The proposed shelf life of {b.text(life_path)}"
    who = f"batch{'es' if len(batches) != 1 else ''} {and_list(batches)}" if batches else "the batches on study"
    hours_claimed = float(life["value"]) * HOURS_PER.get(life["unit"], 0)
    covered = longest + 1e-6 >= hours_claimed
    text = (f"{claim} is supported by {count} long-term result(s) of {who} up to {_show(longest)}"
            + (", with no result outside its acceptance criterion." if not failed else
               f"; {failed} result(s) are outside the acceptance criteria (see the stability data)."))
    if not covered:
        text += (f" The data do not yet cover the full shelf life; it is proposed on the basis of the "
                 f"{_show(longest)} data and the ongoing studies.")
    b.para(text)
    if material == "DP":
        in_use = [(sid, s) for sid, s in _material_rows(b, STUDIES, "DP") if s.get("kind") in ("in_use", "post_thaw")]
        for sid, s in in_use:
            rows = [r for r in b.rows(STABILITY_RESULTS) if r.get("study") == sid]
            pts = _points(s, rows)
            tested = [p for p in pts if any(isinstance(r.get("time_point"), dict) and
                                               hours(Quantity(r["time_point"]["value"], r["time_point"]["unit"]))
                                               == hours(p) for r in rows)]
            if tested:
                bad = sum(1 for r in rows if verdict(r, spec_test(b.snap, r.get("test"))) is False)
                b.para(f"{b.cell(STUDIES, s, 'kind')} stability ({_study_name(s)}): results up to "
                       f"{format_duration(tested[-1])} " + ("with no result outside its criterion." if not bad else
                                                          f"with {bad} result(s) outside the criteria."))
