"""Milestones, review status and review comments in the project file (issue 13), on the shipped samples."""
import sqlite3

import pytest

from atmp_desktop.store import ProjectFile, ProjectFileError
from atmp_desktop.store.protocol import ProjectStore

SITES = "manufacturing.sites"


@pytest.fixture
def car_t(sample_project, forms):
    with ProjectFile.open(sample_project("car-t"), forms) as p:
        yield p


def test_project_file_is_a_project_store(car_t):
    assert isinstance(car_t, ProjectStore)
    missing = [n for n in dir(ProjectStore) if not n.startswith("_") and not hasattr(car_t, n)]
    assert missing == []


def test_milestone_is_listed_with_date_author_and_counts(car_t):
    m = car_t.create_milestone("as sent to CMC lead 2027-01-10", note="first round")
    [listed] = car_t.milestones()
    assert listed == m and listed.author == car_t.user and listed.kind == "manual"
    snap = car_t.snapshot()
    assert listed.counts["rows"] == sum(len(v) for s in snap.values.values() for v in s.values() if isinstance(v, list))
    assert listed.counts["fields"] > 100 and listed.created.endswith("Z")
    assert car_t.audit_entries(1)[0]["action"] == "milestone"
    assert car_t.undo_label != "milestone"  # no content changed: not an undo step


def test_milestone_opens_read_only_as_it_was(car_t):
    name_then = car_t.get("product.invented_name")
    m = car_t.create_milestone("round 1")
    car_t.set_value("product.invented_name", "Renamed")
    old = car_t.milestone_snapshot("round 1")
    assert old.get("product.invented_name") == name_then
    assert old.row_ids(SITES) == car_t.snapshot().row_ids(SITES)
    assert car_t.find_milestone(m.id[:8]) == m
    with pytest.raises(ProjectFileError, match="no milestone 'nope'"):
        car_t.find_milestone("nope")



def test_a_milestone_holds_the_projects_document_and_leaves_the_project_as_it_was(car_t):
    """The milestone serialises the snapshot's own rows (no copy): its content is still exactly the interchange
    document, and the open project keeps what the document leaves out (an empty row)."""
    from atmp_desktop.core.project import to_document
    from atmp_desktop.store.milestones import encode
    car_t.insert_rows(SITES, 1, [{}])
    snap = car_t.snapshot()
    rows = [dict(r) for r in snap.rows(SITES)]
    m = car_t.create_milestone("with a blank row")
    assert snap.rows(SITES) == rows and car_t.snapshot().rows(SITES) == rows and {} in rows
    copied = {"format": "atmp-milestone", "format_version": 1, "document": to_document(snap, images=False),
              "review": {k: dict(v) for k, v in sorted(snap.review.items())}, "comments": []}
    assert encode(copied)[1] == m.digest
    assert len(car_t.milestone_snapshot(m).rows(SITES)) == len(rows) - 1

def test_restore_is_one_undoable_action_after_an_automatic_milestone(car_t):
    ids = car_t.snapshot().row_ids(SITES)
    m = car_t.create_milestone("baseline")
    car_t.set_value("product.invented_name", "Renamed")
    car_t.move_rows(SITES, [ids[-1]], 0)
    car_t.delete_rows(SITES, [ids[0]])
    cs = car_t.restore_milestone(m)
    snap = car_t.snapshot()
    assert snap.row_ids(SITES) == ids and snap.get("product.invented_name") != "Renamed"
    assert cs.label == "restore of milestone 'baseline'" and "product.invented_name" in cs.fields
    names = [x.name for x in car_t.milestones()]
    assert names == ["baseline", "before restoring 'baseline'"]
    assert car_t.milestone_snapshot(names[1]).get("product.invented_name") == "Renamed"
    assert car_t.audit_entries(1)[0]["new_value"].startswith("restored milestone 'baseline'")
    car_t.undo()
    assert car_t.get("product.invented_name") == "Renamed" and ids[0] not in car_t.snapshot().row_ids(SITES)


def test_restore_of_a_reordered_table_rewrites_few_rows(car_t):
    path = "manufacturing.process_steps"
    ids = car_t.snapshot().row_ids(path)
    assert len(ids) >= 4
    m = car_t.create_milestone("before reorder")
    car_t.move_rows(path, [ids[0]], len(ids))   # first row to the end: one row moved
    cs = car_t.restore_milestone(m)
    assert car_t.snapshot().row_ids(path) == ids
    conn = sqlite3.connect(car_t.path)
    [(changes,)] = conn.execute("SELECT changes FROM undo_steps ORDER BY seq DESC LIMIT 1").fetchall()
    conn.close()
    assert changes.count('"r"') == 1 and cs.tables[path].moved


def test_exported_milestone_is_a_project_of_its_own(car_t, tmp_path, forms):
    m = car_t.create_milestone("as submitted")
    car_t.set_value("product.invented_name", "Later")
    car_t.create_milestone("later")
    out = car_t.export_milestone(m, tmp_path / "as-submitted.atmp")
    with ProjectFile.open(out, forms, read_only=True) as copy:
        assert copy.meta()["uuid"] == car_t.meta()["uuid"]
        assert copy.get("product.invented_name") != "Later"
        assert [x.name for x in copy.milestones()] == ["as submitted"]
        assert copy.milestones()[0].digest == m.digest
        assert copy.snapshot().row_ids(SITES) == car_t.snapshot().row_ids(SITES)


def test_a_tampered_milestone_is_refused_in_one_sentence(car_t):
    import zlib

    from atmp_desktop.store.milestones import decode
    m = car_t.create_milestone("x")
    conn = sqlite3.connect(car_t.path)
    [(blob,)] = conn.execute("SELECT content FROM milestones").fetchall()
    env, _ = decode(blob)
    env["document"]["data"]["product"]["invented_name"] = "Forged"
    conn.execute("UPDATE milestones SET content = ? WHERE id = ?", [zlib.compress(str(env).encode()), m.id])
    conn.execute("INSERT INTO milestones SELECT 'y', 'y', created, author, kind, note, counts, digest, "
                 "x'789c8b368c050001d300ea' FROM milestones")
    conn.commit()
    conn.close()
    car_t.reload()
    with pytest.raises(ProjectFileError, match="'x' cannot be read: its content is not readable"):
        car_t.milestone_snapshot(m.id)  # str(env) is not JSON
    conn = sqlite3.connect(car_t.path)
    import json
    conn.execute("UPDATE milestones SET content = ? WHERE id = ?", [zlib.compress(json.dumps(env).encode()), m.id])
    conn.commit()
    conn.close()
    with pytest.raises(ProjectFileError, match="does not match its checksum"):
        car_t.milestone_snapshot(m.id)
    with pytest.raises(ProjectFileError, match="'y' cannot be read: its content is not a milestone"):
        car_t.milestone_snapshot("y")


def test_milestone_name_is_required(car_t):
    with pytest.raises(ProjectFileError, match="needs a name"):
        car_t.create_milestone("  ")


# ------------------------------------------------------------------ review status
def test_review_status_is_recorded_audited_and_undoable(car_t):
    cs = car_t.set_review_status("section:3.2.S.2", "approved", "Checked against batch records", reviewer="QA Jane")
    assert cs.review == {"section:3.2.S.2"}
    entry = car_t.snapshot().review["section:3.2.S.2"]
    assert entry["status"] == "approved" and entry["reviewer"] == "QA Jane" and entry["comment"].startswith("Checked")
    assert car_t.audit_entries(1)[0]["field"] == "review section:3.2.S.2"
    car_t.undo()
    assert "section:3.2.S.2" not in car_t.snapshot().review
    with pytest.raises(ProjectFileError):
        car_t.set_review_status("step:nonsense", "approved")
    with pytest.raises(ProjectFileError):
        car_t.set_review_status("step:product", "finished")


def test_changing_approved_content_puts_it_back_in_review_and_says_so(car_t, forms):
    from atmp_desktop.core.feeds import ctd_sections
    path = next(f.path for f in forms.step("manufacturing").fields
                if not f.is_table and any(c.startswith("3.2.S.2") for c in ctd_sections(forms, f.path)))
    car_t.set_review_status("step:manufacturing", "approved")
    car_t.set_review_status("section:3.2.S", "approved")
    car_t.set_review_status("step:product", "approved")
    cs = car_t.set_value(path, "A new description of the process")
    review = car_t.snapshot().review
    assert review["step:manufacturing"]["status"] == "in_review"
    assert review["section:3.2.S"]["status"] == "in_review"       # a parent section of what it feeds
    assert review["step:product"]["status"] == "approved"         # not touched
    assert "back to in review" in cs.notice and "Step Manufacture and process controls and section 3.2.S were approved" in cs.notice
    assert "after approval" in review["step:manufacturing"]["comment"]
    car_t.undo()  # one undo brings the value and the approvals back
    assert car_t.snapshot().review["step:manufacturing"]["status"] == "approved"
    cs = car_t.set_value(path, "Again")
    assert cs.notice


def test_review_status_survives_reopening(car_t, forms):
    car_t.set_review_status("step:product", "in_review", "please check the INN")
    path = car_t.path
    car_t.close()
    with ProjectFile.open(path, forms, read_only=True) as p:
        assert p.snapshot().review["step:product"]["comment"] == "please check the INN"


# ------------------------------------------------------------------ comments
def test_threaded_comments_travel_with_the_file(car_t, forms, tmp_path):
    car_t.add_comment("product.inn", "Is this the proposed INN or the USAN?")
    [first] = car_t.comments("product.inn")
    car_t.add_comment("product.inn", "Proposed INN, see WHO list 128.", parent=first["id"])
    car_t.resolve_comment(first["id"])
    copy = car_t.save_as(tmp_path / "sent.atmp")
    copy.close()
    from atmp_desktop.core.review import threads
    with ProjectFile.open(tmp_path / "sent.atmp", forms, read_only=True) as p:
        [thread] = threads(p.snapshot().comments, "product.inn")
        assert thread.resolved and len(thread.replies) == 1
        assert thread.replies[0]["body"].startswith("Proposed INN")
        assert thread.first["resolved_by"] == p.user


def test_comment_actions_are_undoable_and_checked(car_t):
    car_t.add_comment("quality.shelf_life", "Supported by 12-month data?")
    assert car_t.undo_label.startswith("comment on")
    car_t.undo()
    assert car_t.comments() == []
    with pytest.raises(ProjectFileError, match="empty"):
        car_t.add_comment("quality.shelf_life", "   ")


def test_unreadable_review_rows_are_reported_not_fatal(car_t, forms):
    path = car_t.path
    car_t.close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO review_status VALUES ('step:product', 'bogus', 'x', 'y', 'z')")
    conn.execute("INSERT INTO review_comments VALUES ('c1', 'product.inn', '', '', 'a', 'b', '', 'open', '', '')")
    conn.commit()
    conn.close()
    with ProjectFile.open(path, forms, read_only=True) as p:
        assert p.snapshot().review == {} and p.snapshot().comments == ()
        assert any("review" in where for where, _ in p.problems)


def test_window_and_cli_use_only_the_project_store_protocol():
    """Every attribute the window and the CLI read on an open project is part of ProjectStore, so another
    store (a server) can stand in for ProjectFile without touching them."""
    import ast
    from pathlib import Path

    import atmp_desktop
    root = Path(atmp_desktop.__file__).parent
    allowed = {n for n in dir(ProjectStore) if not n.startswith("_")} | set(ProjectStore.__annotations__)
    used: dict[str, str] = {}
    for path in [*(root / "ui").glob("*.py"), *root.glob("cli*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and not node.attr.startswith("__"):
                owner = node.value
                name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) \
                    else None
                if name in ("project", "pf"):
                    used.setdefault(node.attr, path.name)
    assert {a: f for a, f in used.items() if a not in allowed} == {}
