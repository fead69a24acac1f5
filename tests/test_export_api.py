"""export_documents and the CLI: ids, formats, layouts, progress, cancel, checks, errors, determinism."""
from __future__ import annotations

import json
import re

import pytest
from reportlab.pdfgen.canvas import Canvas

from atmp_desktop.cli import main
from atmp_desktop.core.documents import DOCUMENTS, applicable_documents
from atmp_desktop.export.api import export_documents
from atmp_desktop.export.errors import ExportError
from atmp_desktop.export.pdf_check import check_pdf, passed
from tests.test_export_data import CAR_T, META, hand_snapshot

ECTD_NAME = re.compile(r"^[a-z0-9-]+(\.(pdf|docx))?$")


def test_all_expands_to_applicable_documents_and_every_pdf_passes(tmp_path):
    snap = hand_snapshot()
    res = export_documents(snap, ["all"], tmp_path, formats=("pdf",))
    assert len(res.paths) == len(applicable_documents(snap))
    assert not any("caf-aav" in p.name for p in res.paths)  # GM cells: the AAV form does not apply
    assert res.checks and all(passed(c) for c in res.checks.values())


def test_ectd_layout_folders_and_names(tmp_path):
    res = export_documents(hand_snapshot(), ["m1-6-era", "m2-3-qos", "m3-2-s", "m3-2-p", "gmo-snif"], tmp_path,
                           formats=("pdf",), layout="ectd")
    rel = [p.relative_to(tmp_path).as_posix() for p in res.paths if p.suffix == ".pdf"]
    assert rel[0] == "m1/eu/16-environrisk/162-gmo/gmo.pdf"
    assert rel[1] == "m2/23-qos/introduction.pdf"  # the QOS as its recommended files, one per leaf
    assert "m2/23-qos/drug-substance.pdf" in rel
    assert any(r.startswith("m3/32-body-data/32s-drug-sub/lumacabtagene-autoleucel-nordlicht") and
               r.endswith("/32s1-gen-info/nomenclature.pdf") for r in rel)
    assert "m3/32-body-data/32p-drug-prod/lumacel/32p1-desc-comp/description-and-composition.pdf" in rel
    assert rel[-1] == "gmo/snif.pdf"
    for r in rel:
        assert all(ECTD_NAME.match(part) and len(part) <= 64 for part in r.split("/")), r
    non_gmo = export_documents(hand_snapshot(product={"contains_gmo": False, "gm_cells": False}), ["m1-6-era"],
                               tmp_path / "n", formats=("pdf",), layout="ectd")
    assert non_gmo.paths[0].as_posix().endswith("m1/eu/16-environrisk/161-nongmo/nongmo.pdf")


def test_long_names_are_cut_to_64_characters(tmp_path):
    snap = hand_snapshot(product={"inn": "x" * 120 + " Ä ß"})
    res = export_documents(snap, ["m3-2-s"], tmp_path, formats=("pdf",), layout="ectd")
    assert all(len(part) <= 64 for p in res.paths for part in p.relative_to(tmp_path).parts)


def test_progress_and_cancel_between_files(tmp_path):
    seen = []
    res = export_documents(hand_snapshot(), ["m3-2-a", "m3-2-r"], tmp_path, progress=lambda d, t, msg:
                           seen.append((d, t)))
    assert seen[0] == (0, 4) and seen[-1] == (4, 4) and len(res.paths) == 4
    calls = {"n": 0}

    def cancel_after_one():
        calls["n"] += 1
        return calls["n"] > 1
    res = export_documents(hand_snapshot(), ["m3-2-a", "m3-2-r"], tmp_path / "c", should_cancel=cancel_after_one)
    assert res.cancelled and len(res.paths) == 1 and res.paths[0].exists()
    assert not list((tmp_path / "c").glob(".~*"))


def test_user_errors_are_export_errors(tmp_path):
    with pytest.raises(ExportError, match="no document 'm9'"):
        export_documents(hand_snapshot(), ["m9"], tmp_path)
    with pytest.raises(ExportError, match="Unknown format"):
        export_documents(hand_snapshot(), ["m3-2-a"], tmp_path, formats=("odt",))
    with pytest.raises(ExportError, match="does not exist"):
        export_documents(hand_snapshot(), ["m3-2-a"], tmp_path / "o", template=tmp_path / "missing.docx")
    assert not (tmp_path / "o").exists()  # nothing written when the template is refused


def test_export_twice_is_byte_identical(tmp_path):
    a = export_documents(hand_snapshot(), ["m3-2-s", "gmo-snif"], tmp_path / "a")
    b = export_documents(hand_snapshot(), ["m3-2-s", "gmo-snif"], tmp_path / "b")
    for pa, pb in zip(a.paths, b.paths):
        assert pa.read_bytes() == pb.read_bytes(), pa.name


def _project(tmp_path):
    doc = {"format": "atmp-dossier-project", "format_version": 1, "project": META, "data": CAR_T}
    src = tmp_path / "p.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    target = tmp_path / "p.atmp"
    assert main(["new", str(target), "--from-json", str(src)]) == 0
    return target


def test_cli_documents_export_and_check(tmp_path, capsys):
    project = _project(tmp_path)
    capsys.readouterr()
    assert main(["documents", str(project)]) == 0
    out = capsys.readouterr().out
    assert "gmo-caf-aav\t" in out and "does not apply" in out and "sme-certification" in out
    assert main(["export", str(project), "--out", str(tmp_path / "o"), "--format", "pdf", "--document",
                 "m3-2-a"]) == 0
    out = capsys.readouterr().out
    assert "m3-2-a-appendices.pdf\tcheck-pdf: all checks passed" in out
    assert main(["check-pdf", str(tmp_path / "o" / "m3-2-a-appendices.pdf")]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS\t") == 9 and "FAIL" not in out
    assert "PASS\tlinearised (fast web view)" in out and "smallest text 9 pt" in out
    # several ids after one --document, and --document repeated
    assert main(["export", str(project), "--out", str(tmp_path / "two"), "--format", "docx", "--document",
                 "m3-2-a", "m3-2-r", "--document", "m1-6-era"]) == 0
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == [
        "m1-6-era-environrisk.docx", "m3-2-a-appendices.docx", "m3-2-r-regional-information.docx"]


def test_cli_errors_are_one_sentence(tmp_path, capsys):
    project = _project(tmp_path)
    capsys.readouterr()
    assert main(["export", str(project), "--out", str(tmp_path / "o"), "--document", "zz"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("atmp-desktop: There is no document 'zz'") and "Traceback" not in err
    assert main(["check-pdf", str(tmp_path / "nothing.pdf")]) == 2
    (tmp_path / "junk.pdf").write_bytes(b"not a pdf at all")
    assert main(["check-pdf", str(tmp_path / "junk.pdf")]) in (1, 2)


def test_checker_fails_a_base14_pdf_with_javascript_and_old_version(tmp_path, capsys):
    bad = tmp_path / "bad.pdf"
    c = Canvas(str(bad), pdfVersion=(1, 3))
    c.setFont("Helvetica", 12)
    c.drawString(100, 700, "hello")
    c.bookmarkPage("p1")
    c.addOutlineEntry("One", "p1", 0)
    c.save()
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject
    w = PdfWriter(clone_from=str(bad))
    w.root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")})
    js = tmp_path / "js.pdf"
    with open(js, "wb") as fh:
        w.write(fh)
    results = {rule: ok for rule, ok, _ in check_pdf(bad)}
    assert not results["version 1.4-1.7"] and not results["fonts embedded"]
    assert not results["opens on bookmarks (/PageMode /UseOutlines)"]
    assert not {rule: ok for rule, ok, _ in check_pdf(js)}["no JavaScript"]
    enc = PdfWriter(clone_from=str(bad))
    enc.encrypt("pw")
    encp = tmp_path / "enc.pdf"
    with open(encp, "wb") as fh:
        enc.write(fh)
    assert not {rule: ok for rule, ok, _ in check_pdf(encp)}["no encryption"]
    assert main(["check-pdf", str(bad)]) == 1
    assert "FAIL\tfonts embedded\tnot embedded: /Helvetica" in capsys.readouterr().out


def test_every_registered_document_builds(tmp_path):
    ids = [d.id for d in DOCUMENTS]
    res = export_documents(hand_snapshot(), ids, tmp_path, formats=("docx",))
    assert len(res.paths) == len(ids) and all(p.stat().st_size > 5000 for p in res.paths)


def test_unwritable_output_folder_is_one_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="Cannot create the output folder"):
        export_documents(hand_snapshot(), ["m3-2-a"], blocker / "out")


def test_control_characters_reported_with_the_final_file_name(tmp_path):
    res = export_documents(hand_snapshot(quality={"impurities": None}, product={"inn": "luma\x07cel"}),
                           ["m3-2-a"], tmp_path)
    assert any(w.startswith("m3-2-a-appendices.pdf: removed 2 control character") and "(lumacel," in w
               for w in res.warnings)
    assert any(w.startswith("m3-2-a-appendices.docx: removed") for w in res.warnings)


def test_checker_follows_type0_descendant_fonts():
    import pikepdf
    from atmp_desktop.export.pdf_check import _font_embedded

    def type0(embedded: bool):
        desc = pikepdf.Dictionary(FontName=pikepdf.Name("/X"))
        if embedded:
            desc.FontFile2 = 0
        cid = pikepdf.Dictionary(Subtype=pikepdf.Name("/CIDFontType2"), FontDescriptor=desc)
        return pikepdf.Dictionary(Subtype=pikepdf.Name("/Type0"), DescendantFonts=pikepdf.Array([cid]))
    assert _font_embedded(type0(True)) and not _font_embedded(type0(False))


def test_word_comments_are_dated_like_the_document_not_now(tmp_path):
    """python-docx stamps comments with now(); two exports a second apart then differed byte for byte."""
    import re
    import zipfile
    result = export_documents(hand_snapshot(), ["gmo-snif"], tmp_path)
    docx = next(p for p in result.paths if p.suffix == ".docx")
    with zipfile.ZipFile(docx) as z:
        comments = z.read("word/comments.xml").decode()
        core = z.read("docProps/core.xml").decode()
    dates = set(re.findall(r'w:date="([^"]+)"', comments))
    modified = re.search(r"<dcterms:modified[^>]*>([^<]+)<", core).group(1)
    assert dates and dates == {modified}


def test_files_written_in_parallel_are_the_serial_bytes(tmp_path):
    """`export --jobs 2` forks two writers after building the models once: the same files, byte for byte, the
    same check-pdf results and warnings, in the same order, as one process writing them in turn."""
    import subprocess
    import sys
    from atmp_desktop.samples import load_sample
    from atmp_desktop.export.api import worker_count
    src = tmp_path / "car-t.json"
    src.write_text(json.dumps(load_sample("car-t")), encoding="utf-8")
    assert main(["new", str(tmp_path / "car-t.atmp"), "--from-json", str(src)]) == 0
    out = {}
    for jobs in ("1", "2"):
        run = subprocess.run([sys.executable, "-m", "atmp_desktop", "export", str(tmp_path / "car-t.atmp"), "--out",
                              str(tmp_path / jobs), "--layout", "ectd", "--document", "m3-2-s", "m3-2-a", "gmo-snif",
                              "cat-readiness", "--jobs", jobs], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        out[jobs] = run.stdout.replace(str(tmp_path / jobs), "OUT"), run.stderr
    assert out["1"] == out["2"] and "check-pdf: all checks passed" in out["1"][0]
    files = sorted(p.relative_to(tmp_path / "1") for p in (tmp_path / "1").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "2") for p in (tmp_path / "2").rglob("*") if p.is_file())
    assert len(files) > 8 and all((tmp_path / "1" / f).read_bytes() == (tmp_path / "2" / f).read_bytes()
                                  for f in files)
    assert worker_count(2, 1) == 1 and worker_count(1, 9) == 1


def test_parallel_writers_cancel_between_files_and_never_fork_beside_other_threads(tmp_path, monkeypatch):
    import threading
    from atmp_desktop.export.api import worker_count
    gate = threading.Event()
    t = threading.Thread(target=gate.wait)
    t.start()
    try:
        assert worker_count(2, 9) == 1   # a thread running (the window's export worker): written in turn
    finally:
        gate.set()
        t.join()
    monkeypatch.setattr(threading, "active_count", lambda: 1)   # as in the command-line export
    assert worker_count(2, 9) == 2
    calls = {"n": 0}

    def cancel_soon():   # the user presses Cancel while the second file is being written
        calls["n"] += 1
        return calls["n"] > 2
    res = export_documents(hand_snapshot(), ["m3-2-a", "m3-2-r", "m3-2-s", "gmo-snif"], tmp_path / "c",
                           should_cancel=cancel_soon, workers=2)
    # the two files started before the cancel are finished, none of the other six is started
    assert res.cancelled and len(res.paths) == 2 and all(p.exists() for p in res.paths)
    assert len([p for p in (tmp_path / "c").rglob("*") if p.is_file()]) == 2
    assert not list((tmp_path / "c").glob(".~*"))   # no half-written file


def test_checker_reads_the_file_once_and_finds_javascript_packed_in_object_streams(tmp_path):
    """check-pdf reads every rule with qpdf: an encrypted file (even one that opens without a password) fails,
    and a link's JavaScript action packed, compressed, into an object stream is found."""
    import pikepdf
    for user in ("u", ""):
        pdf = pikepdf.new()
        pdf.add_blank_page()
        pdf.save(tmp_path / f"enc{user}.pdf", encryption=pikepdf.Encryption(user=user, owner="o"))
        assert ("no encryption", False, "encrypted") in check_pdf(tmp_path / f"enc{user}.pdf")
    pdf = pikepdf.new()
    pdf.add_blank_page()
    action = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    link = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, A=action))
    pdf.pages[0].obj.Annots = pikepdf.Array([link])
    pdf.save(tmp_path / "js.pdf", object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert b"/JS" not in (tmp_path / "js.pdf").read_bytes()   # only inside the compressed object stream
    assert ("no JavaScript", False, "JavaScript found") in check_pdf(tmp_path / "js.pdf")
