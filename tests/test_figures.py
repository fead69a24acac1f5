"""Figures: images checked by decoding, stored once per content in the project file, undoable, carried by the
JSON interchange, clean copies, Send a Copy, milestones and diff, and printed by both writers (SVG as vectors
in the PDF, a >= 300 dpi picture in Word)."""
from __future__ import annotations

import base64
import copy
import io
import json
import sqlite3
import zipfile

import pytest
from PIL import Image

from atmp_desktop.core.diff import compare
from atmp_desktop.core.definitions import default_definitions, figure_places
from atmp_desktop.core.figures import MAX_IMAGE_BYTES, FigureError, check_figures, check_image
from atmp_desktop.core.project import to_document
from atmp_desktop.samples import load_sample
from atmp_desktop.store import ProjectFile, ProjectFileError
from atmp_desktop.store.errors import ForeignSchemaError
from atmp_desktop.store.recovery import clean_copy
from atmp_desktop.store.sharing import send_copy

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">'
       b'<rect x="10" y="10" width="380" height="180" fill="#cde" stroke="#000"/>'
       b'<text x="30" y="100" font-family="Arial" font-size="16">pAAV-CMV-GFP</text></svg>')


def png(w=320, h=200, colour="red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(buf, "PNG")
    return buf.getvalue()


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (200, 120), "blue").save(buf, "JPEG")
    return buf.getvalue()


def one_sentence(text: str) -> None:
    assert text and "\n" not in text and "Traceback" not in text and text.rstrip().endswith("."), text


def image_rows(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM figure_images").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def project(tmp_path, forms):
    pf = ProjectFile.create(tmp_path / "p.atmp", forms, document=load_sample("autologous-tep"))  # no figures
    yield pf
    pf.close()


# ------------------------------------------------------------------ checking images
def test_png_jpeg_and_svg_are_accepted_with_their_size():
    assert check_image(png(320, 200)).kind == "png" and check_image(png(320, 200)).width == 320
    assert check_image(jpeg()).kind == "jpeg"
    info = check_image(SVG)
    assert info.kind == "svg" and (info.width, info.height) == (300.0, 150.0)  # 400 x 200 px = 300 x 150 pt


@pytest.mark.parametrize("data, words", [
    (png()[:300], "damaged"),                                             # truncated: does not decode
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "damaged"),                    # PNG signature, garbage after
    (b"GIF89a" + b"\x00" * 50, "not a PNG, JPEG or SVG"),                 # wrong type
    (b"%PDF-1.7\n...", "not a PNG, JPEG or SVG"),
    (b"PK\x03\x04 a word file", "not a PNG, JPEG or SVG"),
    (b"", "empty"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect", "not readable SVG"),
    (b"<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY a 'b'>]><svg xmlns='http://www.w3.org/2000/svg'/>", "DTD"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:x='http://www.w3.org/1999/xlink' width='9' height='9'>"
     b"<image x:href='file:///etc/passwd' width='9' height='9'/></svg>", "refers to another file"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' width='9' height='9'><script>alert(1)</script></svg>", "<script>"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' width='9' height='9' onload='x()'/>", "event handlers"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><rect width='5' height='5'/></svg>", "no size"),
    (b"<?xml version='1.0'?><html><svg/></html>", "not an SVG"),
])
def test_a_bad_image_is_refused_in_one_sentence(data, words):
    with pytest.raises(FigureError) as err:
        check_image(data, "map.png")
    one_sentence(str(err.value))
    assert words in str(err.value)


def test_an_oversized_image_is_refused_before_it_is_decoded():
    with pytest.raises(FigureError) as err:
        check_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_IMAGE_BYTES, "huge.png")
    one_sentence(str(err.value))
    assert f"at most {MAX_IMAGE_BYTES >> 20} MB" in str(err.value)


def test_a_decompression_bomb_is_refused():
    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, "PNG")  # 81 megapixels in a small file
    assert len(buf.getvalue()) < MAX_IMAGE_BYTES
    with pytest.raises(FigureError) as err:
        check_image(buf.getvalue(), "bomb.png")
    one_sentence(str(err.value))


# ------------------------------------------------------------------ the project file
def test_attach_is_one_undo_step_and_survives_a_restart(project, forms):
    cs = project.attach_figure("materials.vectors", png(), caption="Vector map", alt="red box",
                               name="/home/alice/secret/map.png")
    assert cs.figures == {"materials.vectors"}
    (fig,) = project.snapshot().figures
    assert (fig.caption, fig.alt, fig.name, fig.kind) == ("Vector map", "red box", "map.png", "png")  # no folder
    assert project.undo_label == "attachment of figure 'Vector map'"
    project.undo()
    assert project.snapshot().figures == ()
    project.redo()
    assert [f.caption for f in project.snapshot().figures] == ["Vector map"]
    path = project.path
    project.close()
    with ProjectFile.open(path, forms) as again:
        (fig2,) = again.snapshot().figures
        assert fig2.data == fig.data and fig2.id == fig.id
        again.undo()  # the history lives in the file
        assert again.snapshot().figures == ()


def test_the_same_image_is_stored_once(project):
    data = png()
    project.attach_figure("materials.vectors", data, caption="one")
    project.attach_figure("heading:3.2.A.1", data, caption="two")
    assert len(project.snapshot().figures) == 2
    assert image_rows(project.path) == 1


def test_caption_alt_and_removal_are_undoable(project):
    project.attach_figure("materials.vectors", png(), caption="Old")
    fid = project.snapshot().figures[0].id
    project.edit_figure(fid, caption="New", alt="alt text")
    assert project.snapshot().figures[0].caption == "New"
    project.undo()
    assert project.snapshot().figures[0].caption == "Old"
    project.remove_figure(fid)
    assert project.snapshot().figures == ()
    project.undo()
    assert project.snapshot().figures[0].caption == "Old"


def test_figures_move_within_their_target(project):
    for c in ("a", "b", "c"):
        project.attach_figure("materials.vectors", png(colour=c == "a" and "red" or c == "b" and "blue" or "green"),
                              caption=c)
    ids = [f.id for f in project.snapshot().figures]
    project.move_figure(ids[2], -1)
    assert [f.caption for f in project.snapshot().figures] == ["a", "c", "b"]
    project.undo()
    assert [f.caption for f in project.snapshot().figures] == ["a", "b", "c"]


def test_bad_figures_are_refused_and_nothing_is_written(project):
    before = project.path.read_bytes()
    for target, data in (("materials.vectors", b"GIF89a...."), ("no.such_field", png()), ("heading:", png())):
        with pytest.raises(ProjectFileError) as err:
            project.attach_figure(target, data)
        one_sentence(str(err.value))
    assert project.snapshot().figures == () and project.path.read_bytes() == before


def test_unused_images_go_when_no_undo_step_or_milestone_needs_them(project, forms):
    project.attach_figure("materials.vectors", png(), caption="x")
    fid = project.snapshot().figures[0].id
    project.remove_figure(fid)
    path = project.path
    project.close()
    assert image_rows(path) == 1
    with ProjectFile.open(path, forms) as p:  # the undo history still needs it
        assert image_rows(path) == 1
        p.undo()
        assert len(p.snapshot().figures) == 1
        p.remove_figure(fid)
        p.clear_history()
    with ProjectFile.open(path, forms):
        assert image_rows(path) == 0


def test_a_damaged_image_in_the_file_is_reported_not_raised(project, forms):
    project.attach_figure("materials.vectors", png(), caption="Map")
    path = project.path
    project.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE figure_images SET data = X'89504E470D0A1A0A0000'")
    conn.commit()
    conn.close()
    with ProjectFile.open(path, forms) as p:
        assert p.snapshot().figures == ()
        assert any("missing or damaged" in s for _, s in p.problems)


def test_a_file_whose_figure_tables_were_tampered_with_is_refused(project, forms):
    path = project.path
    project.close()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TRIGGER evil AFTER INSERT ON figures BEGIN DELETE FROM field_values; END")
    conn.commit()
    conn.close()
    with pytest.raises(ForeignSchemaError):
        ProjectFile.open(path, forms)


# ------------------------------------------------------------------ interchange, copies, milestones, diff
def test_json_round_trip_keeps_figures_byte_for_byte(project, tmp_path, forms):
    project.attach_figure("materials.vectors", SVG, caption="Map", alt="a map", name="map.svg")
    project.attach_figure("heading:3.2.A.1", jpeg(), caption="Plan")
    doc = json.loads(json.dumps(to_document(project.snapshot())))
    assert doc["format_version"] == 2 and [f["type"] for f in doc["figures"]] == ["svg", "jpeg"]
    with ProjectFile.create(tmp_path / "copy.atmp", forms, document=doc) as copy_:
        assert to_document(copy_.snapshot()) == doc
        assert [f.data for f in copy_.snapshot().figures] == [f.data for f in project.snapshot().figures]


def test_a_document_without_figures_stays_format_version_1(project):
    assert "figures" not in to_document(project.snapshot())
    assert to_document(project.snapshot())["format_version"] == 1


@pytest.mark.parametrize("damage, words", [
    (lambda f: f.update(data=f["data"][:-8] + "!!!!!!!!"), "not valid base64"),
    (lambda f: f.update(sha256="0" * 64), "does not match its sha256"),
    (lambda f: f.update(data=base64.b64encode(b"GIF89a....").decode()), "not a PNG, JPEG or SVG"),
    (lambda f: f.update(target="nowhere"), "neither"),
    (lambda f: f.update(colour="red"), "unknown key"),
])
def test_a_bad_figure_in_json_is_refused_naming_where(project, tmp_path, forms, damage, words):
    project.attach_figure("materials.vectors", png(), caption="Map")
    doc = to_document(project.snapshot())
    damage(doc["figures"][0])
    with pytest.raises(ProjectFileError) as err:
        ProjectFile.create(tmp_path / "bad.atmp", forms, document=doc)
    assert "$.figures[0]" in str(err.value) and words in str(err.value)
    assert not (tmp_path / "bad.atmp").exists()


def test_clean_copy_carries_the_figures(project, tmp_path, forms):
    project.attach_figure("materials.vectors", SVG, caption="Map", alt="alt")
    project.attach_figure("heading:3.2.A.1", png(), caption="Plan")
    path = project.path
    project.close()
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIEW planted AS SELECT 1")
    conn.commit()
    conn.close()
    report = clean_copy(path, tmp_path / "clean.atmp", forms)
    with ProjectFile.open(tmp_path / "clean.atmp", forms) as clean:
        assert [(f.caption, f.alt, f.kind) for f in clean.snapshot().figures] == [("Map", "alt", "svg"),
                                                                                   ("Plan", "", "png")]
    assert not any("figures" in p for p in report.problems)


def test_clean_copy_leaves_out_a_bad_image_and_says_so(project, tmp_path, forms):
    project.attach_figure("materials.vectors", png(), caption="Map")
    path = project.path
    project.close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE figure_images SET data = X'89504E470D0A1A0A00'")
    conn.execute("CREATE VIEW planted AS SELECT 1")
    conn.commit()
    conn.close()
    report = clean_copy(path, tmp_path / "clean.atmp", forms)
    with ProjectFile.open(tmp_path / "clean.atmp", forms) as clean:
        assert clean.snapshot().figures == ()
    assert any(p.startswith("figures[0]") and "damaged" in p for p in report.problems)


def test_send_a_copy_carries_figures_but_not_removed_ones(project, tmp_path, forms):
    project.attach_figure("materials.vectors", png(colour="red"), caption="Kept")
    project.attach_figure("materials.vectors", png(colour="blue"), caption="Removed")
    project.remove_figure(project.snapshot().figures[1].id)
    sent = send_copy(project, tmp_path / "sent.atmp")
    with ProjectFile.open(sent.path, forms) as copy_:
        assert [f.caption for f in copy_.snapshot().figures] == ["Kept"]
    # the milestone Send a Copy made holds only the kept figure, so only its image travels
    assert image_rows(sent.path) == 1


def test_milestones_keep_restore_and_export_figures(project, tmp_path, forms):
    project.attach_figure("materials.vectors", SVG, caption="Map v1")
    project.create_milestone("with map")
    fid = project.snapshot().figures[0].id
    project.edit_figure(fid, caption="Map v2")
    project.attach_figure("heading:3.2.A.1", png(), caption="Plan")
    old = project.milestone_snapshot("with map")
    assert [f.caption for f in old.figures] == ["Map v1"]
    d = compare(forms, old, project.snapshot())
    assert {(c.kind, c.caption) for c in d.figures} == {("changed", "Map v2"), ("added", "Plan")}
    assert not d.empty and d.summary()["figures"] == 2
    project.restore_milestone("with map")
    assert [f.caption for f in project.snapshot().figures] == ["Map v1"]
    project.undo()
    assert [f.caption for f in project.snapshot().figures] == ["Map v2", "Plan"]
    out = project.export_milestone("with map", tmp_path / "exported.atmp")
    with ProjectFile.open(out, forms) as exported:
        assert [(f.caption, f.data) for f in exported.snapshot().figures] == [("Map v1", SVG)]


def test_samples_carry_valid_figures(forms):
    counts = {}
    for name in ("aav-gene-therapy", "car-t", "allogeneic-cells"):
        problems, figs = check_figures(forms, load_sample(name))
        assert not problems
        counts[name] = sorted(f.kind for f in figs)
    assert counts == {"aav-gene-therapy": ["svg"], "car-t": ["png", "svg"], "allogeneic-cells": ["png"]}


def test_every_figure_place_is_printed_somewhere(forms):
    places = {p.target: p for p in figure_places(forms, default_definitions())}
    assert {"materials.vectors", "materials.cell_banks", "heading:3.2.A.1"} <= set(places)
    assert ("m3-2-s", "3.2.S.1.2", "Vector map (functional elements)") in places["materials.vectors"].slots


def test_the_same_source_twice_in_a_document_is_refused(forms, tmp_path):
    from atmp_desktop.core.definitions import DefinitionError, load_definitions
    from atmp_desktop.core.paths import resources_dir
    import shutil
    folder = tmp_path / "documents"
    shutil.copytree(resources_dir() / "documents", folder)
    text = (folder / "m3-2-a.yaml").read_text(encoding="utf-8")
    text = text.replace("        source: heading\n", "        source: materials.vectors\n", 1)
    text = text.replace("        caption: Sites and containment\n",
                        "        caption: Sites and containment\n      - figure: Again\n"
                        "        source: materials.vectors\n", 1)
    (folder / "m3-2-a.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match="already printed"):
        load_definitions(forms, folder)


# ------------------------------------------------------------------ both writers
def test_pdf_keeps_the_svg_as_vectors_and_word_embeds_it_at_300_dpi(tmp_path):
    import docx
    from pypdf import PdfReader

    from atmp_desktop.export.api import export_documents
    from tests.golden import sample_snapshot
    snap = sample_snapshot("aav-gene-therapy")
    res = export_documents(snap, ["m3-2-s"], tmp_path, formats=("docx", "pdf"))
    assert not [w for w in res.warnings if "figure" in w.lower()]
    pdf = PdfReader(next(p for p in res.paths if p.suffix == ".pdf"))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Figure 3.2.S.1.2-1: Map of the AAV5-HLP2-hG6PCco vector genome" in text  # caption and list of figures
    page = next(p for p in pdf.pages if "hG6PCco cDNA" in p.extract_text())
    assert not page.images  # the SVG is vector graphics and real text, not a picture
    word = docx.Document(next(p for p in res.paths if p.suffix == ".docx"))
    shape = next(s for s in word.inline_shapes if "G6PC" in (s._inline.docPr.get("descr") or ""))
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    img = Image.open(io.BytesIO(word.part.related_parts[blip].blob))
    assert img.format == "PNG" and img.size[0] / (shape.width / 914400) >= 299
    assert abs(shape.width / 12700 - 465) < 2  # the SVG's own width (620 px = 465 pt), as in the PDF


def test_a_png_figure_prints_in_both_writers_under_its_heading(tmp_path):
    import docx
    from pypdf import PdfReader

    from atmp_desktop.export.api import export_documents
    from tests.golden import sample_snapshot
    snap = sample_snapshot("car-t")
    res = export_documents(snap, ["m3-2-a"], tmp_path, formats=("docx", "pdf"))
    pdf = PdfReader(next(p for p in res.paths if p.suffix == ".pdf"))
    pages = [p for p in pdf.pages if "Figure 3.2.A.1-1: Clean-room suite 2" in p.extract_text()]
    assert len(pages) == 2  # the list of figures and the figure itself, as a picture
    assert [len(p.images) for p in pages] == [0, 1]
    word = docx.Document(next(p for p in res.paths if p.suffix == ".docx"))
    assert any("Figure 3.2.A.1-1" in p.text for p in word.paragraphs)
    assert len(word.inline_shapes) == 1


def test_an_svg_with_small_text_is_warned_about(tmp_path, forms):
    from dataclasses import replace

    from atmp_desktop.core.figures import Figure, digest_of
    from atmp_desktop.export import builders
    from tests.golden import sample_snapshot
    tiny = SVG.replace(b'font-size="16"', b'font-size="6"')
    snap = replace(sample_snapshot("aav-gene-therapy"),
                   figures=(Figure("f1", "materials.vectors", "Tiny", "", "t.svg", "svg", digest_of(tiny), tiny),))
    doc = builders.build("m3-2-s", snap)
    assert any("prints at 4.5 pt" in w for w in doc.warnings)
