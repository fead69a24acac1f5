"""Give three samples real figures (run once; the samples keep the result): `python -m tests.data.make_sample_figures`.

- aav-gene-therapy: an SVG map of the AAV5-HLP2-hG6PCco vector genome (attached to Vectors): vectors in the PDF;
- car-t: an SVG map of the LV-CD19.BBz transfer vector (attached to Vectors) and a PNG of the Garching facility
  with material and personnel flow (attached to heading 3.2.A.1);
- allogeneic-cells: a PNG cell-bank genealogy (attached to Cell banks).
The drawings are made here from the samples' own facts, so they can be regenerated and reviewed as code.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

from atmp_desktop.core.figures import check_image, digest_of, to_json, Figure
from atmp_desktop.core.paths import fonts_dir, samples_dir

FONT = "DejaVu Sans, sans-serif"


def _svg(width: int, height: int, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}">\n{body}\n</svg>\n').encode()


def _linear_map(title: str, elements: list[tuple[str, int, str, str]], scale_note: str, total: str) -> bytes:
    """A linear vector-genome map: elements (label, length in bp, fill, row label below)."""
    width, left, right, y = 620, 20, 600, 100
    span = right - left
    bp = sum(e[1] for e in elements)
    parts = [f'<text x="{width / 2}" y="22" font-size="15" font-weight="bold" text-anchor="middle">{title}</text>',
             f'<text x="{width / 2}" y="42" font-size="12.5" text-anchor="middle" fill="#444444">{total}</text>',
             f'<line x1="{left}" y1="{y + 17}" x2="{right}" y2="{y + 17}" stroke="#333333" stroke-width="1.5"/>']
    x = float(left)
    for i, (label, length, fill, below) in enumerate(elements):
        w = span * length / bp
        name = label.rstrip(">")
        if label.endswith(">"):  # a coding or promoter element: an arrow in its direction
            parts.append(f'<path d="M{x:.1f},{y} h{w - 10:.1f} l10,17 l-10,17 h-{w - 10:.1f} z" fill="{fill}" '
                         'stroke="#222222" stroke-width="1"/>')
        else:
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="34" fill="{fill}" stroke="#222222" '
                         'stroke-width="1"/>')
        cx = x + w / 2
        parts.append(f'<text x="{cx:.1f}" y="{y - 8 - 17 * (i % 2)}" font-size="12.5" '
                     f'text-anchor="middle">{name}</text>')
        if below:
            parts.append(f'<text x="{cx:.1f}" y="{y + 52 + 17 * (i % 2)}" font-size="12" text-anchor="middle" '
                         f'fill="#555555">{below}</text>')
        x += w
    parts.append(f'<text x="{left}" y="196" font-size="12" fill="#444444">{scale_note}</text>')
    return _svg(width, 210, "\n".join(p for p in parts if p))


def aav_map() -> bytes:
    return _linear_map(
        "AAV5-HLP2-hG6PCco vector genome (single-stranded)",
        [("5' ITR", 145, "#c9d7e8", "AAV2"), ("HLP2 promoter>", 360, "#f6d7a7", ""),
         ("SV40 intron", 100, "#e8e8e8", ""), ("hG6PCco cDNA>", 1074, "#b9e0c2", "1,074 bp"),
         ("polyA", 120, "#e8e8e8", ""), ("3' ITR", 145, "#c9d7e8", "AAV2")],
        "Not to scale. HLP2 = ApoE enhancer + hAAT promoter. Capsid: AAV5 (pRep2Cap5).",
        "4.3 kb single-stranded DNA genome; produced by triple transfection of HEK293 cells")


def lentiviral_map() -> bytes:
    return _linear_map(
        "LV-CD19.BBz transfer vector (3rd-generation SIN lentivirus)",
        [("5' LTR", 180, "#c9d7e8", "R-U5"), ("ψ / RRE", 900, "#e8e8e8", ""), ("cPPT", 120, "#e8e8e8", ""),
         ("EF-1α>", 1200, "#f6d7a7", "promoter"), ("anti-CD19 CAR>", 1480, "#b9e0c2", "scFv-CD8α-4-1BB-CD3ζ"),
         ("WPRE", 590, "#e8e8e8", ""), ("3' ΔU3 LTR", 235, "#c9d7e8", "SIN")],
        "VSV-G pseudotyped; the packaging plasmids pGAG-POL, pREV and pVSV-G are not in the vector.",
        "Provirus LTR to LTR about 4.7 kb; transgene FMC63 scFv anti-CD19 CAR")


def _png(draw, size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageDraw, ImageFont
    img = Image.new("RGB", size, "white")
    g = ImageDraw.Draw(img)
    fonts = {k: ImageFont.truetype(str(fonts_dir() / f), s) for k, (f, s) in {
        "title": ("DejaVuSans-Bold.ttf", 44), "text": ("DejaVuSans.ttf", 36), "small": ("DejaVuSans.ttf", 32),
        "bold": ("DejaVuSans-Bold.ttf", 36)}.items()}
    draw(g, fonts)
    buf = io.BytesIO()
    img.quantize(colors=32).save(buf, "PNG", optimize=True, dpi=(300, 300))
    return buf.getvalue()


def _arrow(g, xy, colour, width=6, dashed=False):
    (x1, y1), (x2, y2) = xy
    if dashed:
        n = int(max(abs(x2 - x1), abs(y2 - y1)) // 30)
        for i in range(0, n, 2):
            a, b = i / n, min(1, (i + 1) / n)
            g.line([(x1 + (x2 - x1) * a, y1 + (y2 - y1) * a), (x1 + (x2 - x1) * b, y1 + (y2 - y1) * b)],
                   fill=colour, width=width)
    else:
        g.line([(x1, y1), (x2, y2)], fill=colour, width=width)
    import math
    ang = math.atan2(y2 - y1, x2 - x1)
    head = [(x2, y2), (x2 - 30 * math.cos(ang - 0.4), y2 - 30 * math.sin(ang - 0.4)),
            (x2 - 30 * math.cos(ang + 0.4), y2 - 30 * math.sin(ang + 0.4))]
    g.polygon(head, fill=colour)


def facility_flow() -> bytes:
    """Garching clean-room suite: grades, airlocks, material (blue) and personnel (red dashed) flow."""
    def draw(g, f):
        g.text((60, 30), "Garching clean-room suite 2 (schematic, not to scale)", font=f["title"],
               fill="#1a1a1a")
        rooms = [((60, 140, 560, 560), "#eef3f8", "Grade D corridor\nand QC sampling"),
                 ((600, 140, 1100, 560), "#e3ecd9", "Grade C\nprocessing room\n(cell selection,\nactivation)"),
                 ((1140, 140, 1740, 560), "#f9e6d6", "Grade B room\nwith Grade A\nisolator (LV\ntransduction, fill)"),
                 ((60, 640, 560, 1000), "#f2f2f2", "Gowning 1\n(D to C)"),
                 ((600, 640, 1100, 1000), "#f2f2f2", "Material airlock\n(MAL, VHP)"),
                 ((1140, 640, 1740, 1000), "#f2f2f2", "Gowning 2 (C to B)\nand de-gowning")]
        for (x1, y1, x2, y2), fill, label in rooms:
            g.rectangle((x1, y1, x2, y2), fill=fill, outline="#333333", width=5)
            g.multiline_text((x1 + 30, y1 + 30), label, font=f["text"], fill="#1a1a1a", spacing=10)
        _arrow(g, ((300, 500), (780, 500)), "#1f4e9a")     # corridor -> grade C
        _arrow(g, ((1000, 940), (1000, 600)), "#1f4e9a")   # material airlock -> grade C
        _arrow(g, ((880, 520), (1460, 520)), "#1f4e9a")    # grade C -> grade B (isolator)
        _arrow(g, ((1500, 540), (1500, 1060)), "#1f4e9a")  # filled product out through the exit airlock
        _arrow(g, ((480, 940), (480, 580)), "#b3261e", dashed=True)    # gowning 1 -> corridor and grade C
        _arrow(g, ((1400, 940), (1400, 580)), "#b3261e", dashed=True)  # gowning 2 -> grade B
        _arrow(g, ((1680, 580), (1680, 940)), "#b3261e", dashed=True)  # exit through de-gowning
        g.line([(60, 1150), (130, 1150)], fill="#1f4e9a", width=8)
        g.text((150, 1128), "Material and product flow", font=f["small"], fill="#1a1a1a")
        for i in range(0, 70, 20):
            g.line([(760 + i, 1150), (770 + i, 1150)], fill="#b3261e", width=8)
        g.text((850, 1128), "Personnel flow (entry and exit)", font=f["small"], fill="#1a1a1a")
    return _png(draw, (1800, 1220))


def cell_bank_genealogy() -> bytes:
    """Donor pool -> MCB -> WCBs -> production, with passages (allogeneic MSC)."""
    def draw(g, f):
        g.text((60, 30), "Cell bank genealogy: BST-MSC (bone-marrow MSC, 6 donors)", font=f["title"], fill="#1a1a1a")
        boxes = {
            "donors": ((60, 150, 560, 330), "#f2f2f2", "6 screened donors\nbone marrow aspirates"),
            "mcb": ((700, 150, 1200, 330), "#dbe7f3", "BST-MSC-MCB-01\npassage 1, 600 vials"),
            "wcb3": ((1340, 60, 1840, 240), "#e3ecd9", "BST-MSC-WCB-03\nMCB vial 41, p2"),
            "wcb4": ((1340, 260, 1840, 440), "#eeeeee", "BST-MSC-WCB-04\nMCB vial 88, p2\n(qualified reserve)"),
            "ds": ((1340, 560, 1840, 740), "#f9e6d6", "Active substance\nharvest at p4-p5"),
            "dp": ((700, 560, 1200, 740), "#f9e6d6", "Finished product\n(cryopreserved bags)"),
        }
        for (x1, y1, x2, y2), fill, label in boxes.values():
            g.rounded_rectangle((x1, y1, x2, y2), radius=18, fill=fill, outline="#333333", width=5)
            g.multiline_text((x1 + 24, y1 + 24), label, font=f["text"], fill="#1a1a1a", spacing=8)
        _arrow(g, ((560, 240), (700, 240)), "#333333")
        _arrow(g, ((1200, 220), (1340, 150)), "#333333")
        _arrow(g, ((1200, 260), (1340, 350)), "#333333")
        _arrow(g, ((1590, 240), (1590, 560)), "#333333")
        _arrow(g, ((1340, 650), (1200, 650)), "#333333")
        g.text((60, 800), "Pooled at passage 1; cumulative population doublings <= 15 at harvest (passage limit).",
               font=f["small"], fill="#444444")
    return _png(draw, (1900, 880))


def figure(fid: str, target: str, caption: str, alt: str, name: str, data: bytes) -> Figure:
    info = check_image(data, name)
    return Figure(fid, target, caption, alt, name, info.kind, digest_of(data), data)


FIGURES = {
    "aav-gene-therapy": lambda: [
        figure("fig-aav-vector-map", "materials.vectors", "Map of the AAV5-HLP2-hG6PCco vector genome",
               "Linear map from 5' ITR to 3' ITR: HLP2 promoter, SV40 intron, codon-optimised human G6PC cDNA "
               "(1,074 bp) and synthetic polyA; 4.3 kb in all.", "aav5-hlp2-g6pc-map.svg", aav_map())],
    "car-t": lambda: [
        figure("fig-lv-map", "materials.vectors", "Map of the LV-CD19.BBz transfer vector",
               "Linear map of the self-inactivating lentiviral provirus: 5' LTR, packaging signal and RRE, cPPT, "
               "EF-1 alpha promoter, anti-CD19 CAR, WPRE and the delta-U3 3' LTR.", "lv-cd19-bbz-map.svg",
               lentiviral_map()),
        figure("fig-garching-flow", "heading:3.2.A.1", "Clean-room suite 2 at Garching: material and personnel flow",
               "Plan of six rooms: grade D corridor, grade C processing room, grade B room with grade A isolator, "
               "two gowning rooms and a material airlock; arrows show one-way material and personnel flow.",
               "garching-suite-2-flow.png", facility_flow())],
    "allogeneic-cells": lambda: [
        figure("fig-msc-genealogy", "materials.cell_banks", "Genealogy of the BST-MSC cell banks",
               "Six donors pooled into the master cell bank BST-MSC-MCB-01; working cell banks WCB-03 and WCB-04 "
               "from MCB vials 41 and 88; WCB-03 feeds active substance and finished product.",
               "bst-msc-genealogy.png", cell_bank_genealogy())],
}


def main() -> None:
    for name, make in FIGURES.items():
        path = Path(samples_dir()) / f"{name}.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        figs = make()
        doc["figures"] = to_json(figs)
        doc["format_version"] = 2
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(name, [(f.name, len(f.data)) for f in figs])


if __name__ == "__main__":
    main()
