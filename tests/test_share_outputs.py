"""Change report, reviewer bundle, Send a Copy and the readiness report's review section (issue 13)."""
import hashlib
import json
import sqlite3
import zipfile

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader

from atmp_desktop.cli import main
from atmp_desktop.core.diff import compare
from atmp_desktop.export.bundle import check_bundle, write_bundle
from atmp_desktop.export.change_report import build_change_report, text_changes, write_change_report
from atmp_desktop.export.model import Heading, Table
from atmp_desktop.store import ProjectFile
from atmp_desktop.store.sharing import send_copy, strip_paths

SITES = "manufacturing.sites"


@pytest.fixture
def round_two(sample_project, forms):
    """A car-t project with a milestone and a round of changes, comments and a review decision after it."""
    path = sample_project("car-t")
    with ProjectFile.open(path, forms) as p:
        p.create_milestone("as sent to CMC lead")
        ids = p.snapshot().row_ids(SITES)
        p.set_value("product.invented_name", "Lumaryx-X")
        p.set_cell(SITES, ids[0], "country", "Austria")
        p.insert_rows(SITES, 1, [{"name": "Fill-finish partner BV", "country": "Belgium"}])
        p.set_review_status("section:3.2.S.2.1", "approved", "Sites confirmed", reviewer="QA reviewer")
        p.add_comment("quality.shelf_life", "Is the shelf life supported by real-time data?")
    return path


def _texts(doc):
    return [b for b in doc.blocks]


def test_change_report_has_a_summary_per_ctd_section_and_the_changes(round_two, forms):
    with ProjectFile.open(round_two, forms, read_only=True) as p:
        old, new = p.milestone_snapshot("as sent to CMC lead"), p.snapshot()
    d = compare(forms, old, new, "milestone", "now")
    doc = build_change_report(forms, d, new, old)
    heads = [b.title for b in doc.blocks if isinstance(b, Heading)]
    assert heads[:3] == ["Change report", "Summary by CTD section", "Changes by CTD section"]
    assert "3.2.S.2.1 Manufacturer(s)" in heads and "Review comments" in heads
    summary = next(b for b in doc.blocks if isinstance(b, Table) and b.id == "change-summary")
    row = next(r for r in summary.rows if r[0].startswith("3.2.S.2.1"))
    assert row[2] == "1 added, 1 changed" and row[3].startswith("Approved (QA reviewer")
    assert summary.rows[-1][0].startswith("Whole project")
    sites = [b for b in doc.blocks if isinstance(b, Table) and b.caption == "Manufacturing and testing sites"]
    assert len(sites) == 1  # shown once, under its Module 3 section
    cells = {(r[2], r[3], r[4]) for r in sites[0].rows}
    assert ("Country", "Germany", "Austria") in cells and ("Country", "", "Belgium") in cells
    comments = next(b for b in doc.blocks if isinstance(b, Table) and b.caption == "Review comments")
    assert comments.rows[0][1] == "open (new)" and "real-time data" in comments.rows[0][4]


def test_long_narrative_shows_the_changed_passages(forms):
    old = " ".join(f"word{i}" for i in range(100))
    new = old.replace("word50", "CHANGED") + " appended."
    runs = text_changes(old, new)
    deleted = [r.text for r in runs if r.italic]
    added = [r.text for r in runs if r.bold]
    assert deleted == ["[word50] "] and [a.strip() for a in added] == ["CHANGED", "appended."]
    assert runs[0].text.startswith("…") and "word10 " not in "".join(r.text for r in runs)


def test_change_report_renders_in_word_and_pdf(round_two, forms, tmp_path):
    with ProjectFile.open(round_two, forms, read_only=True) as p:
        old, new = p.milestone_snapshot("as sent to CMC lead"), p.snapshot()
    d = compare(forms, old, new, "milestone 'as sent to CMC lead'", "now")
    paths = write_change_report(forms, d, new, tmp_path / "changes", old=old)
    assert [p.name for p in paths] == ["changes.docx", "changes.pdf"]
    text = "\n".join(page.extract_text() for page in PdfReader(paths[1]).pages)
    assert "Summary by CTD section" in text and "Austria" in text and "Lumaryx-X" in text
    assert "DRAFT" not in text
    word = "\n".join(p.text for p in WordDocument(paths[0]).paragraphs)
    assert "Changes by CTD section" in word


def test_change_report_command(round_two, tmp_path, capsys):
    assert main(["change-report", f"{round_two}@as sent to CMC lead", str(round_two),
                 "--out", str(tmp_path / "cr")]) == 0
    assert (tmp_path / "cr.pdf").stat().st_size > 1000 and (tmp_path / "cr.docx").exists()


def test_bundle_holds_documents_reports_and_a_checked_manifest(round_two, forms, tmp_path, capsys):
    out = tmp_path / "review-round-2.zip"
    assert main(["bundle", str(round_two), "--since", "as sent to CMC lead", "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifest.json"))
        sums = z.read("SHA256SUMS").decode()
        first = manifest["files"][0]
        assert hashlib.sha256(z.read(first["file"])).hexdigest() == first["sha256"]
    assert {"change-report.pdf", "change-report.docx", "pdf/cat-readiness.pdf", "word/cat-readiness.docx",
            "pdf/m3-2-s-drug-substance.pdf", "word/m3-2-s-drug-substance.docx", "README.txt"} <= names
    assert {e["file"] for e in manifest["files"]} == names - {"manifest.json", "SHA256SUMS", "README.txt"}
    assert f"{first['sha256']}  {first['file']}" in sums
    assert manifest["changes_since"].startswith("milestone 'as sent to CMC lead'")
    assert manifest["summary"]["rows_added"] == 1
    assert check_bundle(out) == []
    with zipfile.ZipFile(out, "a") as z:
        z.writestr("extra.txt", "planted")
    assert check_bundle(out) == ["extra.txt is not in the manifest"]
    assert main(["bundle", str(round_two), "--since", "nope", "--out", str(tmp_path / "x.zip")]) == 2
    assert not (tmp_path / "x.zip").exists()


def test_bundle_refuses_a_non_zip_name(round_two, forms, tmp_path):
    from atmp_desktop.export.errors import ExportError
    with ProjectFile.open(round_two, forms, read_only=True) as p:
        with pytest.raises(ExportError, match=r"\.zip"):
            write_bundle(forms, p.snapshot(), p.snapshot(), "now", tmp_path / "bundle.pdf")


def test_readiness_report_shows_review_status_and_open_comments(round_two, forms):
    from atmp_desktop.export import builders
    with ProjectFile.open(round_two, forms, read_only=True) as p:
        doc = builders.build("cat-readiness", p.snapshot())
    tables = {b.caption: b for b in doc.blocks if isinstance(b, Table)}
    [row] = tables["Review status"].rows
    assert row[0].startswith("Section 3.2.S.2.1") and row[1] == "Approved" and row[2] == "QA reviewer"
    assert "real-time data" in tables["Open review comments"].rows[0][3]


# ------------------------------------------------------------------ Send a Copy
def test_send_a_copy_is_clean_and_shares_a_milestone(round_two, forms, tmp_path):
    with ProjectFile.open(round_two, forms) as p:
        p.create_milestone("internal", note="draft kept at /home/jane/Documents/dossier/car-t.atmp")
        p.set_value("product.company_code", "SECRET-OLD")
        p.set_value("product.company_code", "NCT-019")   # the old value lives in history and free pages
        sent = send_copy(p, tmp_path / "for-consultant.atmp", remove_names=True)
        mine = {m.id for m in p.milestones()}
        user = p.user
    copy = tmp_path / "for-consultant.atmp"
    assert not (tmp_path / "for-consultant.atmp.lock").exists()
    assert sent.names_removed >= 1 and sent.paths_removed == 1
    raw = sqlite3.connect(copy)
    assert raw.execute("SELECT count(*) FROM undo_steps").fetchone()[0] == 0
    users = {r[0] for r in raw.execute("SELECT user FROM audit_log")}
    assert users and all(u.startswith("user ") for u in users) and user not in users
    assert raw.execute("SELECT count(*) FROM audit_log WHERE new_value LIKE '%SECRET-OLD%'").fetchone()[0] == 1
    raw.close()
    assert b"/home/jane" not in copy.read_bytes()
    with ProjectFile.open(copy, forms, read_only=True) as c:
        names = [m.name for m in c.milestones()]
        assert names[-1] == sent.milestone and {m.id for m in c.milestones()} <= mine
        assert c.milestones()[-2].note == "draft kept at car-t.atmp"
        assert c.undo_label is None and c.snapshot().review  # review status travels


def test_sent_copy_comes_back_and_merges_from_the_shared_milestone(round_two, forms, tmp_path):
    from atmp_desktop.store.merging import prepare_merge
    with ProjectFile.open(round_two, forms) as p:
        send_copy(p, tmp_path / "sent.atmp")
    with ProjectFile.open(tmp_path / "sent.atmp", forms) as c:
        c.set_value("product.company_code", "FROM-CONSULTANT")
    with ProjectFile.open(round_two, forms) as p:
        plan = prepare_merge(p, tmp_path / "sent.atmp")
        assert plan.result.base_label.startswith("milestone 'sent as 'sent.atmp'")
        assert plan.conflicts == [] and plan.result.taken == ["Company code: FROM-CONSULTANT"]


def test_send_copy_command(round_two, tmp_path, capsys):
    assert main(["send-copy", str(round_two), "--out", str(tmp_path / "c.atmp"), "--remove-names"]) == 0
    assert "user name(s) replaced" in capsys.readouterr().out
    assert main(["send-copy", str(round_two), "--out", str(tmp_path / "c.atmp")]) == 2


def test_paths_are_stripped_to_file_names():
    assert strip_paths("from /home/jane/x/draft.docx and C:\\Users\\Jane\\a.xlsx") == \
        ("from draft.docx and a.xlsx", 2)
    assert strip_paths("3.2.S/P and 1/2 dose") == ("3.2.S/P and 1/2 dose", 0)
