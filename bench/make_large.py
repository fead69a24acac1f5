"""A large generated project for the benchmarks (issue 14), built through the public JSON import from the
car-t sample: at 1x 60 sites, 200 process steps, 400 specification rows (200 DS, 200 DP), 300 batches with 25
results each, 30 stability studies with 12 time points and 20 tests, 200 raw materials and 20k words of
narrative; 2x and 4x multiply every count. Rows are varied copies of the sample's rows, with realistic
identifiers (authorisation numbers, batch numbers, Ph. Eur. references) so table layout is exercised as in a
real dossier; results meet their acceptance criteria (numbers inside numeric limits, 'Conforms' for text
criteria) except about one in 500, an out-of-specification result as a late-stage product has a few of.

    python bench/make_large.py OUT.atmp [--scale 1|2|4]

Figures: 10 at every scale (`large_figures`), attached through the JSON 'figures' list to places the dossier
prints: the sample's vector map (SVG) and facility flow (PNG), three facility photographs (JPEG, 1.5-2.1 MP), a
gel and a flow-cytometry plot (PNG, ~1 MP) on Vectors, SVG charts on Vectors and Cell banks. The generated
process-flow diagram (200 steps at 1x) is drawn in every export that shows the process.
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


# ---------------------------------------------------------------------------- figures
# Ten figures as a late-stage dossier carries them, attached through the JSON 'figures' list (docs/figures.md)
# to places the dossier prints: the sample's two (vector map SVG, facility flow PNG) plus photographs of the
# facility (JPEG, 1.2-2 MP, as a camera writes them), a gel and a flow-cytometry plot (PNG, ~1 MP) and SVG
# charts. Drawn deterministically (seeded noise), so every run makes the same files.
FIGURE_COUNT = 10


def _photo(size: tuple[int, int], seed: int, walls: str, accents: list[tuple[tuple[int, int, int, int], str]]):
    """A photograph-like image: a lit room (gradient), objects, blur and sensor noise."""
    import random
    from PIL import Image, ImageDraw, ImageFilter
    w, h = size
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    img = Image.blend(Image.new("RGB", size, walls), img, 0.35)
    g = ImageDraw.Draw(img)
    g.polygon([(0, h), (w, h), (int(w * 0.8), int(h * 0.7)), (int(w * 0.2), int(h * 0.7))], fill="#9a9d9f")
    for (x1, y1, x2, y2), colour in accents:
        g.rounded_rectangle((x1 * w // 100, y1 * h // 100, x2 * w // 100, y2 * h // 100), radius=w // 80,
                            fill=colour, outline="#3a3a3a", width=max(2, w // 400))
    img = img.filter(ImageFilter.GaussianBlur(w / 600))
    noise = Image.frombytes("L", size, random.Random(seed).randbytes(w * h)).convert("RGB")
    return Image.blend(img, noise, 0.08)


def _encoded(img, fmt: str, dpi: int) -> bytes:
    import io
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.save(buf, "JPEG", quality=88, dpi=(dpi, dpi))
    else:
        img.save(buf, "PNG", dpi=(dpi, dpi), compress_level=6)
    return buf.getvalue()


def _gel(seed: int) -> bytes:
    """An agarose gel photograph (restriction analysis of the transfer plasmid), greyscale PNG."""
    import random
    from PIL import Image, ImageDraw, ImageFilter
    w, h = 1200, 900
    rnd = random.Random(seed)
    img = Image.new("L", (w, h), 28)
    g = ImageDraw.Draw(img)
    for lane in range(10):
        x = 90 + lane * 108
        g.rectangle((x, 60, x + 70, 80), fill=70)  # the well
        for _ in range(3 + lane % 4):
            y = rnd.randint(140, 820)
            g.rectangle((x, y, x + 70, y + 9), fill=rnd.randint(150, 250))
    img = img.filter(ImageFilter.GaussianBlur(3))
    noise = Image.frombytes("L", (w, h), rnd.randbytes(w * h))
    return _encoded(Image.blend(img, noise, 0.06), "PNG", 300)


def _cytometry(seed: int) -> bytes:
    """A flow-cytometry dot plot (CD3 against CAR detection reagent), RGB PNG."""
    import random
    from PIL import Image, ImageDraw
    w, h = 1100, 1000
    rnd = random.Random(seed)
    img = Image.new("RGB", (w, h), "white")
    g = ImageDraw.Draw(img)
    g.rectangle((120, 40, 1060, 900), outline="#222222", width=4)
    g.line([(590, 40), (590, 900)], fill="#555555", width=3)
    g.line([(120, 470), (1060, 470)], fill="#555555", width=3)
    for cx, cy, spread, n, colour in ((380, 700, 90, 9000, "#1f4e9a"), (820, 250, 110, 14000, "#b3261e"),
                                      (820, 700, 80, 4000, "#2f6f3e")):
        for _ in range(n):
            x, y = int(rnd.gauss(cx, spread)), int(rnd.gauss(cy, spread))
            if 124 < x < 1056 and 44 < y < 896:
                g.point((x, y), fill=colour)
    return _encoded(img, "PNG", 300)


def _svg(width: int, height: int, body: str) -> bytes:
    """An SVG whose user unit prints as one point (its size in px, 4/3 of the points)."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="{width * 4 // 3}" '
            f'height="{height * 4 // 3}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, sans-serif">\n'
            f'{body}\n</svg>\n').encode()


def _line_chart(title: str, unit: str, series: list[tuple[str, str, list[float]]], xs: list[int],
                low: float, high: float) -> bytes:
    """A trend chart (e.g. stability or batch results) with its acceptance limits, as SVG (10 pt text)."""
    width, height, left, top, right, bottom = 450, 300, 52, 34, 440, 250
    span = high - low
    sx = (right - left) / (max(xs) or 1)

    def py(v):
        return bottom - (v - low) / span * (bottom - top)
    parts = [f'<text x="{width / 2}" y="16" font-size="11" font-weight="bold" text-anchor="middle">{title}</text>',
             f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" '
             'stroke="#333333"/>']
    for k in range(5):
        v = low + span * k / 4
        parts.append(f'<text x="{left - 4}" y="{py(v) + 4:.1f}" font-size="10" text-anchor="end">{v:g}</text>')
    for x in xs:
        parts.append(f'<text x="{left + x * sx:.1f}" y="{bottom + 14}" font-size="10" '
                     f'text-anchor="middle">{x}</text>')
    parts.append(f'<text x="{(left + right) / 2}" y="{bottom + 30}" font-size="10" text-anchor="middle">'
                 f'months at storage condition; {unit}</text>')
    for i, (label, colour, values) in enumerate(series):
        pts = " ".join(f"{left + x * sx:.1f},{py(v):.1f}" for x, v in zip(xs, values))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        parts += [f'<circle cx="{left + x * sx:.1f}" cy="{py(v):.1f}" r="2.5" fill="{colour}"/>'
                  for x, v in zip(xs, values)]
        parts.append(f'<text x="{left + 6 + 120 * i}" y="{height - 6}" font-size="10" fill="{colour}">{label}</text>')
    return _svg(width, height, "\n".join(parts))


def _genealogy_chart() -> bytes:
    """Cell bank genealogy as SVG boxes and arrows (10 pt text)."""
    boxes = [(10, 40, "Donor material (apheresis)"), (160, 40, "Master cell bank MCB-01"),
             (310, 10, "WCB-03 (p2)"), (310, 70, "WCB-04 (p2, reserve)"), (310, 140, "Production (p4-p5)")]
    parts = []
    for x, y, label in boxes:
        parts.append(f'<rect x="{x}" y="{y}" width="135" height="40" rx="5" fill="#e5ebf2" stroke="#1f3a5f"/>')
        parts.append(f'<text x="{x + 67}" y="{y + 24}" font-size="10" text-anchor="middle">{label}</text>')
    for x1, y1, x2, y2 in ((145, 60, 160, 60), (295, 55, 310, 30), (295, 65, 310, 90), (377, 50, 377, 70),
                           (377, 110, 377, 140)):
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#4a4a4a" stroke-width="1.2"/>')
    return _svg(450, 190, "\n".join(parts))


def large_figures(sample_figures: list[dict]) -> list[dict]:
    """FIGURE_COUNT figures as JSON entries: the sample's own, then generated ones on printed places."""
    import base64
    import hashlib
    months = [0, 3, 6, 9, 12, 18, 24]
    made = [
        ("fig-isolator-photo", "heading:3.2.A.1", "Grade B processing room with the grade A isolator",
         "Photograph of the grade B room: the grade A isolator with glove ports in the centre, pass-through "
         "hatch on the right.", "isolator-room.jpg",
         _encoded(_photo((1600, 1200), 1, "#dfe6ea", [((20, 30, 70, 75), "#c8ced3"), ((72, 40, 92, 80), "#b0b8be"),
                                                       ((30, 40, 40, 52), "#5b6770"), ((48, 40, 58, 52), "#5b6770")]),
                  "JPEG", 240)),
        ("fig-ln2-photo", "heading:3.2.A.1", "Vapour-phase liquid nitrogen storage of the finished product",
         "Photograph of four vapour-phase liquid nitrogen freezers with their monitoring panels.", "ln2-store.jpg",
         _encoded(_photo((1920, 1080), 2, "#e8ecef", [((8, 35, 26, 85), "#9fb3c2"), ((30, 35, 48, 85), "#9fb3c2"),
                                                       ((52, 35, 70, 85), "#9fb3c2"), ((74, 35, 92, 85), "#9fb3c2")]),
                  "JPEG", 240)),
        ("fig-airlock-photo", "heading:3.2.A.1", "Material airlock with vaporised hydrogen peroxide cycle",
         "Photograph of the material airlock: stainless-steel shelves, the VHP generator and the interlocked "
         "doors.", "material-airlock.jpg",
         _encoded(_photo((1400, 1050), 3, "#d9e0e4", [((10, 25, 45, 80), "#c0c7cc"), ((55, 20, 90, 85), "#aab3b9")]),
                  "JPEG", 200)),
        ("fig-gel", "materials.vectors", "Restriction analysis of the transfer plasmid (agarose gel)",
         "Agarose gel, ten lanes: size marker and EcoRI, BamHI and XhoI digests of three plasmid lots.",
         "plasmid-restriction-gel.png", _gel(4)),
        ("fig-car-expression", "materials.vectors", "CAR expression of transduced T cells (flow cytometry)",
         "Dot plot of CD3 against the CAR detection reagent: CAR-positive T cells in the upper right quadrant.",
         "car-expression-dotplot.png", _cytometry(5)),
        ("fig-vcn-trend", "materials.vectors", "Vector copy number of the PPQ batches",
         "Line chart of vector copy number per cell in three PPQ batches over 24 months; all between 1 and 5.",
         "vcn-trend.svg", _line_chart("Vector copy number per transduced cell", "copies/cell",
                                      [("PPQ-1", "#1f4e9a", [2.1, 2.2, 2.0, 2.3, 2.2, 2.1, 2.2]),
                                       ("PPQ-2", "#b3261e", [2.8, 2.7, 2.9, 2.8, 2.8, 2.7, 2.9]),
                                       ("PPQ-3", "#2f6f3e", [1.9, 2.0, 1.9, 2.0, 2.1, 2.0, 1.9])], months, 0, 5)),
        ("fig-viability-trend", "materials.cell_banks", "Viability of the cell bank lots after thawing",
         "Line chart of post-thaw viability of the master and working cell banks over 24 months; all above "
         "80 %.", "cell-bank-viability.svg",
         _line_chart("Post-thaw viability of the cell banks", "viable cells %",
                     [("MCB-01", "#1f4e9a", [95, 94, 94, 93, 93, 92, 92]),
                      ("WCB-03", "#b3261e", [93, 93, 92, 92, 91, 91, 90])], months, 70, 100)),
        ("fig-cell-bank-genealogy", "materials.cell_banks", "Cell bank genealogy",
         "Boxes and arrows: donor material to master cell bank MCB-01, working cell banks WCB-03 and WCB-04, "
         "production at passage 4 to 5.", "cell-bank-genealogy.svg", _genealogy_chart()),
    ]
    out = list(sample_figures)[:FIGURE_COUNT]
    for fid, target, caption, alt, name, data in made[:FIGURE_COUNT - len(out)]:
        out.append({"id": fid, "target": target, "caption": caption, "alt": alt, "name": name,
                    "type": {"jpg": "jpeg"}.get(name.rsplit(".", 1)[1], name.rsplit(".", 1)[1]),
                    "sha256": hashlib.sha256(data).hexdigest(), "data": base64.b64encode(data).decode("ascii")})
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
    doc["figures"] = large_figures(doc.get("figures") or [])
    doc["format_version"] = max(2, int(doc.get("format_version") or 1))
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
    return {"table_rows": rows, "words": words, **sizes, "figures": len(doc.get("figures") or []),
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
