"""The process-flow diagram generated from the process-step table: every sample, vectors in the PDF, native
shapes in Word, text never under 9 pt."""

import pytest

from atmp_desktop.export.diagram import FONT_SIZE, MAX_HEIGHT, SMALL, draw_on, flow_layout, flow_parts
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


def test_vector_drawing_and_word_shapes():
    lay = flow_layout([{"number": 1, "name": "Expand", "hold_time": "≤ 4 h"}, {"number": 2, "name": "Fill"}])
    import io
    from pypdf import PdfReader
    from reportlab.pdfgen.canvas import Canvas
    from atmp_desktop.export.layout import FONT, register_fonts
    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(lay.width, lay.height))
    draw_on(c, lay, FONT, FONT + "-Bold")
    c.save()
    page = PdfReader(buf).pages[0]
    assert all(t in page.extract_text() for b in lay.boxes for t, _, _ in b.lines) and not page.images
    from lxml import etree
    from atmp_desktop.export.ooxml import flow_diagram_run
    xml, next_id = flow_diagram_run(lay, 7, "Flow diagram", "Steps & holds")
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
          "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
          "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
          "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"}
    run = etree.fromstring(xml.replace("<w:r>", f'<w:r xmlns:w="{ns["w"]}">', 1))
    shapes = run.findall(".//wps:wsp", ns)
    assert len(shapes) == len(lay.boxes) + len(lay.arrows) and next_id == 7 + 1 + len(shapes)
    ids = [int(e.get("id")) for e in run.iter() if e.tag.endswith("}cNvPr") or e.tag.endswith("}docPr")]
    assert sorted(ids) == list(range(7, next_id))   # unique in the document
    assert run.find(".//wp:docPr", ns).get("descr") == "Steps & holds"
    texts = ["".join(p.itertext()) for p in run.iterfind(".//w:txbxContent/w:p", ns)]
    assert texts == [t for b in lay.boxes for t, _, _ in b.lines]   # each line as laid out, never re-wrapped
    sizes = {int(e.get(f"{{{ns['w']}}}val")) for e in run.iterfind(".//w:sz", ns)}
    assert min(sizes) >= 18   # 9 pt or more, as in the PDF
    heads = run.findall(".//a:tailEnd", ns)
    assert len(heads) == len([a for a in lay.arrows if not a.dashed])
    ext = run.find(".//wp:extent", ns)
    assert (int(ext.get("cx")), int(ext.get("cy"))) == (round(lay.width * 12700), round(lay.height * 12700))


def test_the_diagram_reaches_both_writers(tmp_path):
    from atmp_desktop.export.api import export_documents
    from pypdf import PdfReader
    import zipfile
    snap = sample_snapshot("car-t")
    res = export_documents(snap, ["m3-2-s"], tmp_path, formats=("docx", "pdf"))
    pdf = PdfReader(next(p for p in res.paths if p.suffix == ".pdf"))
    page = next(p for p in pdf.pages if "Flow diagram of the manufacturing process" in p.extract_text()
                and "Receipt of apheresis" in p.extract_text())
    assert not page.images  # vectors and text, not a picture
    z = zipfile.ZipFile(next(p for p in res.paths if p.suffix == ".docx"))
    body = z.read("word/document.xml").decode("utf-8")
    parts = flow_parts(snap.rows("manufacturing.process_steps"))
    # in Word too: one group of native shapes per part, its text editable, no picture of it
    assert body.count("<wpg:wgp>") == len(parts) and "Receipt of apheresis" in body
    import docx
    assert docx.Document(z.filename)   # python-docx reads the file back
    media = [n for n in z.namelist() if n.startswith("word/media/")]
    assert len(media) == len([f for f in snap.figures if f.target in ("materials.vectors", "materials.cell_banks")])


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


def test_flow_parts_are_laid_out_once_per_set_of_steps_and_follow_every_drawn_column():
    steps = [dict(r) for r in sample_snapshot("car-t").rows("manufacturing.process_steps")]
    first = flow_parts(steps)
    assert flow_parts(steps)[0] is first[0]          # the same steps again: laid out once
    steps[0]["materials"] = "Anticoagulant ACD-A"    # any drawn column edited: laid out anew
    again = flow_parts(steps)
    assert again[0] is not first[0]
    assert any("ACD-A" in t for b in again[0].boxes for t, _, _ in b.lines)
