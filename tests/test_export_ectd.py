"""`--layout ectd`: one PDF per leaf in the ICH eCTD v3.2.2 Appendix 4 folders, relative links between leaves
that resolve, Word sources in a word/ tree, a manifest; `check-pdf DIR` checks all of it (issue 11)."""
import csv
import json

import pikepdf
import pytest

from atmp_desktop.cli import main
from atmp_desktop.export.api import export_documents
from atmp_desktop.export.pdf_check import check_tree, name_problems, passed
from atmp_desktop.samples import sample_names
from atmp_desktop.store import ProjectFile


def _snap(sample_project, forms, name):
    with ProjectFile.open(sample_project(name), forms, read_only=True) as pf:
        return pf.snapshot()


def test_every_leaf_of_every_sample_passes_the_tree_check(sample_project, forms, tmp_path):
    for name in sample_names():
        out = tmp_path / name
        res = export_documents(_snap(sample_project, forms, name), ["all"], out, formats=("pdf",), layout="ectd")
        per_file, tree = check_tree(out)
        failed = {str(p.relative_to(out)): [r for r, ok, _ in c if not ok] for p, c in per_file.items()
                  if not passed(c)}
        assert not failed, (name, failed)
        assert passed(tree), (name, tree)
        assert len(per_file) >= 20 and all(p in per_file for p in res.paths if p.suffix == ".pdf")
        final = [c for c in per_file.values() if any(r == "no internal notes in a final document" for r, _, _ in c)]
        if name == "allogeneic-cells":  # the final sample: every leaf is checked for internal notes
            assert len(final) >= 20


def test_leaves_sit_in_the_appendix_4_folders_with_their_stems(sample_project, forms, tmp_path):
    out = tmp_path / "o"
    export_documents(_snap(sample_project, forms, "car-t"), ["m3-2-s", "m3-2-p", "m2-3-qos", "m1-6-era"], out,
                     formats=("pdf", "docx"), layout="ectd")
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*"))
    pdfs = [f for f in files if f.endswith(".pdf")]
    s = "m3/32-body-data/32s-drug-sub/nordacabtagene-autoleucel-nordlicht-cell-therapeutics/"
    for leaf in ("32s1-gen-info/nomenclature", "32s2-manuf/manuf-process-and-controls",
                 "32s4-contr-drug-sub/32s41-spec/specification", "32s5-ref-stand/reference-standards"):
        assert f"{s}{leaf}.pdf" in pdfs, leaf
    assert any(f.startswith("m3/32-body-data/32p-drug-prod/lumaryx/32p5-contr-drug-prod/32p51-spec/")
               for f in pdfs)
    assert {f"m2/23-qos/{x}.pdf" for x in ("introduction", "drug-substance", "drug-product")} <= set(pdfs)
    assert "m1/eu/16-environrisk/162-gmo/gmo.pdf" in pdfs and not any("161-nongmo" in f for f in pdfs)
    assert not any("32s7-stab" in f for f in pdfs)  # car-t stores no drug substance: 3.2.S.7 does not apply
    assert not name_problems(pdfs)
    # Word sources only in word/, mirroring the PDFs
    docx = [f for f in files if f.endswith(".docx")]
    assert docx and all(f.startswith("word/") for f in docx)
    assert {f[len("word/"):-len(".docx")] for f in docx} == {f[:-len(".pdf")] for f in pdfs}
    # each leaf starts with its own heading, has its own bookmarks and properties
    leaf = out / f"{s}32s1-gen-info/nomenclature.pdf"
    with pikepdf.open(leaf) as pdf:
        assert str(pdf.docinfo["/Title"]) == "3.2.S.1.1 Nomenclature"
        assert [str(o.title) for o in pdf.open_outline().root] == ["3.2.S.1.1 Nomenclature"]
    # the manifest: file, CTD section, leaf title, size, MD5
    rows = list(csv.DictReader((out / "manifest.csv").open(encoding="utf-8")))
    row = next(r for r in rows if r["file"] == f"{s}32s1-gen-info/nomenclature.pdf")
    assert row["ctd_section"] == "3.2.S.1.1" and row["leaf_title"] == "3.2.S.1.1 Nomenclature"
    assert int(row["size"]) == leaf.stat().st_size and len(row["md5"]) == 32
    assert len(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]) == len(rows)


def test_links_between_leaves_are_relative_and_the_tree_check_finds_a_broken_one(sample_project, forms,
                                                                               tmp_path, capsys):
    out = tmp_path / "o"
    export_documents(_snap(sample_project, forms, "car-t"), ["m3-2-s", "m2-3-qos"], out, formats=("pdf",),
                     layout="ectd")
    _, tree = check_tree(out)
    links = dict((r, d) for r, _, d in tree)["links between leaves resolve"]
    assert int(links.split()[0]) >= 5  # the QOS points into Module 3, leaves point at each other
    assert main(["check-pdf", str(out)]) == 0
    capsys.readouterr()
    victim = next(out.rglob("32s1-gen-info/nomenclature.pdf"))
    victim.unlink()
    assert main(["check-pdf", str(out)]) == 1
    text = capsys.readouterr().out
    assert "FAIL\tlinks between leaves resolve" in text and "no such file" in text
    assert "FAIL\tmanifest lists every file" in text


@pytest.mark.parametrize("bad", ["Drug_Substance.pdf", "a" * 70 + ".pdf"])
def test_names_outside_the_ectd_rules_are_reported(bad):
    assert name_problems([f"m3/{bad}"])
    assert name_problems(["m3/" + "/".join(["abcdefghij"] * 17) + "/x.pdf"])  # longer than 180
