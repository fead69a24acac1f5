"""The process-flow diagram generated from the process-step table: every sample, vectors in the PDF, a
300 dpi picture in Word, text never under 9 pt."""
import io

import pytest

from atmp_desktop.export.diagram import FONT_SIZE, MAX_HEIGHT, SMALL, flow_layout, flow_parts, to_drawing, to_png
from atmp_desktop.samples import sample_names
from tests.golden import sample_snapshot


@pytest.mark.parametrize("sample", sample_names())
def test_every_sample_gets_its_diagram(sample):
    steps = sample_snapshot(sample).rows("manufacturing.process_steps")
    parts = flow_parts(steps)
    boxes = [b for p in parts for b in p.boxes]
    assert len([b for b in boxes if b.kind == "step"]) == len(steps)
    assert len([b for b in boxes if b.kind == "ipc"]) == len([s for s in steps if s.get("in_process_controls")])
    assert all(p.height <= MAX_HEIGHT for p in parts)
    stages = [s.get("stage") for s in sorted(steps, key=lambda r: r.get("number") or 0)]
    has_boundary = any(a == "DS" and b == "DP" for a, b in zip(stages, stages[1:]))
    assert any(p.boundary for p in parts) == has_boundary
    first = sorted(steps, key=lambda r: r.get("number") or 0)[0]
    assert first["name"] in " ".join(t for t, _, _ in parts[0].boxes[0].lines)


def test_steps_in_order_with_their_controls_and_hold_times():
    steps = [{"number": 2, "name": "Fill", "stage": "DP", "in_process_controls": "Volume", "acceptance_criteria": "± 5 %"},
             {"number": 1, "name": "Expand", "stage": "DS", "hold_time": "≤ 24 h at 2–8 °C"},
             {"number": 3, "name": "Freeze", "stage": "DP", "hold_time": "Not applicable"}]
    lay = flow_layout(steps)
    steps_boxes = [b for b in lay.boxes if b.kind == "step"]
    assert [b.lines[0][0] for b in steps_boxes] == ["1. Expand", "2. Fill", "3. Freeze"]
    assert [b.y for b in steps_boxes] == sorted(b.y for b in steps_boxes)
    ipc = next(b for b in lay.boxes if b.kind == "ipc")
    assert "IPC: Volume" in ipc.lines[0][0] and any("± 5 %" in t for t, _, _ in ipc.lines)
    assert [" ".join(t for t, _, _ in b.lines) for b in lay.boxes if b.kind == "hold"] == ["Hold: ≤ 24 h at 2–8 °C"]
    assert lay.boundary and steps_boxes[0].y < lay.boundary[0] < steps_boxes[1].y
    assert min(s for b in lay.boxes for _, _, s in b.lines) >= 9 and min(SMALL, FONT_SIZE) >= 9


def test_vector_drawing_and_300_dpi_png():
    lay = flow_layout([{"number": 1, "name": "Expand"}, {"number": 2, "name": "Fill"}])
    d = to_drawing(lay, "Helvetica", "Helvetica-Bold")
    assert (d.width, d.height) == (lay.width, lay.height) and len(d.contents) >= 4
    from PIL import Image
    img = Image.open(io.BytesIO(to_png(lay, 300)))
    assert img.size[0] >= lay.width / 72 * 300 and round(img.info["dpi"][0]) == 300


def test_the_diagram_reaches_both_writers(tmp_path):
    from atmp_desktop.export.api import export_documents
    from pypdf import PdfReader
    import docx
    snap = sample_snapshot("car-t")
    res = export_documents(snap, ["m3-2-s"], tmp_path, formats=("docx", "pdf"))
    pdf = PdfReader(next(p for p in res.paths if p.suffix == ".pdf"))
    page = next(p for p in pdf.pages if "Flow diagram of the manufacturing process" in p.extract_text()
                and "Receipt of apheresis" in p.extract_text())
    assert not page.images  # vectors and text, not a picture
    word = docx.Document(next(p for p in res.paths if p.suffix == ".docx"))
    shapes = list(word.inline_shapes)
    assert shapes
    from PIL import Image
    blip = shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    img = Image.open(io.BytesIO(word.part.related_parts[blip].blob))
    inches = shapes[0].width / 914400
    assert img.size[0] / inches >= 299  # at least 300 dpi at the printed size


@pytest.mark.parametrize("sample", sample_names())
def test_every_sample_draws_the_materials_added_at_its_steps_in_full(sample):
    steps = sample_snapshot(sample).rows("manufacturing.process_steps")
    named = [s for s in steps if s.get("materials")]
    assert named, "each sample names the materials added at its steps"
    boxes = [b for p in flow_parts(steps) for b in p.boxes if b.kind == "material"]
    assert len(boxes) == len(named)
    drawn = sorted("".join("".join(t for t, _, _ in b.lines).split()) for b in boxes)   # (lines break at "-")
    assert drawn == sorted("".join(("Added: " + s["materials"]).split()) for s in named)  # no ellipsis


def test_materials_sit_left_of_their_step_above_its_hold_point_and_none_draws_nothing():
    lay = flow_layout([{"number": 1, "name": "Seed", "materials": "Medium, IL-7, IL-15", "hold_time": "≤ 4 h"},
                       {"number": 2, "name": "Expand", "materials": "None"}])
    step = next(b for b in lay.boxes if b.kind == "step")
    (mat,) = [b for b in lay.boxes if b.kind == "material"]
    (hold,) = [b for b in lay.boxes if b.kind == "hold"]
    assert mat.x + mat.w <= step.x and mat.y + mat.h <= hold.y and step.y <= mat.y <= step.y + step.h
    arrow = next(a for a in lay.arrows if a.x1 == mat.x + mat.w)
    assert not arrow.dashed and arrow.x2 == step.x   # solid: the material goes into the step


def test_the_qos_places_the_diagram_of_each_stage_where_the_flow_slot_is():
    from atmp_desktop.export import model as m
    from atmp_desktop.export.builders import build
    doc = build("m2-3-qos", sample_snapshot("car-t"))
    figures = [(b.caption, b) for b in doc.blocks if isinstance(b, m.Figure) and b.diagram is not None]
    captions = [c for c, _ in figures]
    assert any("active substance" in c for c in captions) and any("finished product" in c for c in captions)
    steps = sample_snapshot("car-t").rows("manufacturing.process_steps")
    ds = [b for c, f in figures if "active substance" in c for b in f.diagram.boxes if b.kind == "step"]
    assert len(ds) == len([s for s in steps if s.get("stage") in ("DS", None)])


def test_the_png_of_a_part_is_drawn_once_per_export_and_is_a_palette_image():
    from PIL import Image
    parts = flow_parts(sample_snapshot("car-t").rows("manufacturing.process_steps"))
    to_png.cache_clear()
    for _document in range(3):   # 3.2.S.2.2, 3.2.P.3.3 and the SME request draw the same parts
        for part in parts:
            to_png(part, 300)
    info = to_png.cache_info()
    assert (info.misses, info.hits) == (len(parts), 2 * len(parts)) and info.maxsize >= 512
    assert Image.open(io.BytesIO(to_png(parts[0], 300))).mode == "P"


def test_flow_parts_are_laid_out_once_per_set_of_steps_and_follow_every_drawn_column():
    steps = [dict(r) for r in sample_snapshot("car-t").rows("manufacturing.process_steps")]
    first = flow_parts(steps)
    assert flow_parts(steps)[0] is first[0]          # the same steps again: laid out once
    steps[0]["materials"] = "Anticoagulant ACD-A"    # any drawn column edited: laid out anew
    again = flow_parts(steps)
    assert again[0] is not first[0]
    assert any("ACD-A" in t for b in again[0].boxes for t, _, _ in b.lines)
