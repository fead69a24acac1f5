"""Compare and three-way merge of copies of one project (issue 13), on the shipped samples."""
import json
import shutil

import pytest

from atmp_desktop.cli import main
from atmp_desktop.core.diff import compare, to_text
from atmp_desktop.core.merge import MINE, THEIRS
from atmp_desktop.store import ProjectFile, ProjectFileError
from atmp_desktop.store.merging import find_base, prepare_merge

SITES = "manufacturing.sites"
STEPS = "manufacturing.process_steps"


@pytest.fixture
def copies(sample_project, forms, tmp_path):
    """Mine and a colleague's plain copy of one car-t project (as e-mailed: the file copied)."""
    mine = sample_project("car-t", "mine.atmp")
    with ProjectFile.open(mine, forms) as p:
        p.set_value("product.inn", "shared starting point")  # some common history
    theirs = tmp_path / "theirs.atmp"
    shutil.copy(mine, theirs)
    return mine, theirs


# ------------------------------------------------------------------ compare
def test_reordered_table_is_one_order_change_not_a_change_per_row(sample_project, forms):
    with ProjectFile.open(sample_project("aav-gene-therapy"), forms) as p:
        before = p.snapshot()
        ids = before.row_ids(STEPS)
        assert len(ids) >= 5
        for i, rid in enumerate(reversed(ids)):           # reverse the whole table, one move at a time
            p.move_rows(STEPS, [rid], i)
        p.move_rows(SITES, [before.row_ids(SITES)[-1]], 0)  # one row to the top
        d = compare(forms, before, p.snapshot())
    by_path = {t.path: t for t in d.tables}
    assert by_path[STEPS].rows == () and len(by_path[STEPS].moved) == len(ids) - 1
    assert by_path[SITES].rows == () and by_path[SITES].moved == (before.row_ids(SITES)[-1],)
    assert d.fields == [] and "order changed (1 row moved)" in to_text(forms, d)


def test_rows_are_matched_by_id_field_by_field(sample_project, forms):
    with ProjectFile.open(sample_project("car-t"), forms) as p:
        before = p.snapshot()
        ids = before.row_ids(SITES)
        p.set_cell(SITES, ids[1], "country", "France")
        p.delete_rows(SITES, [ids[0]])
        p.insert_rows(SITES, 0, [{"name": "Fill-finish partner", "country": "Belgium"}])
        p.set_value("product.invented_name", "Renamed")
        p.set_value("product.company_code", None)
        d = compare(forms, before, p.snapshot(), "A", "B")
    [t] = d.tables
    kinds = {r.kind: r for r in t.rows}
    assert set(kinds) == {"added", "removed", "changed"}
    assert kinds["changed"].row_id == ids[1] and [c.column for c in kinds["changed"].cells] == ["country"]
    assert kinds["changed"].cells[0].new_text == "France"
    assert kinds["removed"].row_id == ids[0] and kinds["added"].title.startswith("Fill-finish partner")
    fields = {f.path: f.kind for f in d.fields}
    assert fields == {"product.invented_name": "changed", "product.company_code": "removed"}
    sections = d.by_section()
    assert "3.2.S.2.1" in sections and any(c.path == SITES for c in sections["3.2.S.2.1"])
    assert list(d.by_step()) == ["product", "manufacturing"]
    assert d.to_json()["summary"]["rows_added"] == 1


def test_identical_snapshots_have_no_differences(sample_project, forms):
    with ProjectFile.open(sample_project("combined-atmp"), forms, read_only=True) as p:
        d = compare(forms, p.snapshot(), p.snapshot())
    assert d.empty and "No differences." in to_text(forms, d)


def test_diff_command_text_json_and_exit_codes(copies, forms, capsys):
    mine, theirs = copies
    assert main(["diff", str(mine), str(theirs)]) == 0
    with ProjectFile.open(theirs, forms) as p:
        p.set_value("quality.shelf_life", {"value": 18, "unit": "months"})
    capsys.readouterr()
    assert main(["diff", str(mine), str(theirs), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [f["path"] for f in out["fields"]] == ["quality.shelf_life"] and out["summary"]["fields_changed"] == 1
    assert main(["diff", str(mine), str(theirs)]) == 1
    assert "Shelf life" in capsys.readouterr().out


def test_diff_of_two_milestones_and_refusal_of_another_project(sample_project, forms, capsys):
    path = sample_project("car-t")
    with ProjectFile.open(path, forms) as p:
        p.create_milestone("round 1")
        p.set_value("product.invented_name", "Round two name")
        p.create_milestone("round 2")
    capsys.readouterr()
    assert main(["diff", f"{path}@round 1", f"{path}@round 2"]) == 1
    out = capsys.readouterr().out
    assert "milestone 'round 1'" in out and "'Round two name'" in out
    other = sample_project("aav-gene-therapy", "other.atmp")  # another project
    assert main(["diff", str(path), str(other)]) == 2
    assert "different project" in capsys.readouterr().err
    assert main(["diff", f"{path}@nope", str(path)]) == 2
    assert "no milestone 'nope'" in capsys.readouterr().err


# ------------------------------------------------------------------ merge
def test_changes_made_on_one_side_are_taken_without_conflicts(copies, forms):
    mine, theirs = copies
    with ProjectFile.open(theirs, forms) as t:
        ids = t.snapshot().row_ids(SITES)
        t.set_value("product.company_code", "THEIRS-7")
        t.set_cell(SITES, ids[0], "country", "Austria")                 # a cell mine does not touch
        t.insert_rows(SITES, 2, [{"name": "New QC lab", "country": "Ireland"}])
        t.delete_rows(SITES, [ids[-1]])
        t.move_rows(STEPS, [t.snapshot().row_ids(STEPS)[0]], 3)
        t.add_comment("product.inn", "Please confirm with WHO")
        t.set_review_status("step:quality", "approved", "ok", reviewer="QA")
    with ProjectFile.open(mine, forms) as m:
        m.set_value("product.invented_name", "Mine only")
        m.set_cell(SITES, ids[0], "name", "Renamed site")                # same row, another cell
        plan = prepare_merge(m, theirs)
        assert plan.conflicts == []
        assert "common history" in plan.result.base_label
        cs = plan.apply()
        snap = m.snapshot()
        row = snap.row(SITES, ids[0])
        assert row["name"] == "Renamed site" and row["country"] == "Austria"
        assert snap.get("product.invented_name") == "Mine only" and snap.get("product.company_code") == "THEIRS-7"
        assert ids[-1] not in snap.row_ids(SITES)
        names = [r.get("name") for r in snap.rows(SITES)]
        assert names.index("New QC lab") == 2
        with ProjectFile.open(theirs, forms, read_only=True) as t:
            assert snap.row_ids(STEPS) == t.snapshot().row_ids(STEPS)
        assert [c["body"] for c in snap.comments] == ["Please confirm with WHO"]
        assert snap.review["step:quality"]["status"] == "approved"
        assert cs.everything and cs.label == "merge of 'theirs.atmp'"
        note = m.audit_entries(1)[0]
        assert note["action"] == "merge" and "merged 'theirs.atmp'" in note["new_value"] and m.user in note["new_value"]
        assert m.milestones()[-1].name == "before merging 'theirs.atmp'"
        m.undo()  # the merge is one undo step
        assert m.get("product.company_code") != "THEIRS-7" and m.snapshot().row(SITES, ids[0])["country"] != "Austria"


def test_conflicts_are_listed_and_decided_per_field_row_or_step(copies, forms):
    mine, theirs = copies
    with ProjectFile.open(theirs, forms) as t:
        ids = t.snapshot().row_ids(SITES)
        t.set_value("product.invented_name", "Theirs name")
        t.set_value("quality.shelf_life", {"value": 6, "unit": "months"})
        t.set_cell(SITES, ids[0], "name", "Theirs site")
        t.set_cell(SITES, ids[1], "country", "Denmark")                   # edited there ...
    with ProjectFile.open(mine, forms) as m:
        m.set_value("product.invented_name", "Mine name")
        m.set_value("quality.shelf_life", {"value": 9, "unit": "months"})
        m.set_cell(SITES, ids[0], "name", "Mine site")
        m.delete_rows(SITES, [ids[1]])                                    # ... deleted here
        plan = prepare_merge(m, theirs)
        kinds = sorted((c.kind, c.path) for c in plan.conflicts)
        assert kinds == [("cell", SITES), ("field", "product.invented_name"), ("field", "quality.shelf_life"),
                         ("row", SITES)]
        field = next(c for c in plan.conflicts if c.path == "product.invented_name")
        assert (field.mine, field.theirs) == ("Mine name", "Theirs name") and field.base != field.mine
        row = next(c for c in plan.conflicts if c.kind == "row")
        assert row.mine == "(row deleted)" and "Denmark" in row.theirs
        decisions = plan.result.decide_step("manufacturing", THEIRS)       # per step: both site conflicts
        decisions[field.id] = THEIRS                                       # per field
        assert [c.path for c in plan.result.unresolved(decisions)] == ["quality.shelf_life"]
        plan.apply(decisions)
        snap = m.snapshot()
        assert snap.get("product.invented_name") == "Theirs name"
        assert snap.get("quality.shelf_life") == {"value": 9, "unit": "months"}   # undecided keeps mine
        assert snap.row(SITES, ids[0])["name"] == "Theirs site"
        assert snap.row(SITES, ids[1])["country"] == "Denmark"                     # the row is back
        assert "1 left as mine" in m.audit_entries(1)[0]["new_value"]


def test_per_row_decision_takes_all_cells_of_the_row(copies, forms):
    mine, theirs = copies
    with ProjectFile.open(theirs, forms) as t:
        rid = t.snapshot().row_ids(SITES)[0]
        t.set_cell(SITES, rid, "name", "T name")
        t.set_cell(SITES, rid, "country", "Italy")
    with ProjectFile.open(mine, forms) as m:
        m.set_cell(SITES, rid, "name", "M name")
        m.set_cell(SITES, rid, "country", "Spain")
        plan = prepare_merge(m, theirs)
        [key] = {c.row_key for c in plan.conflicts}
        plan.apply(plan.result.decide_row(key, THEIRS))
        assert m.snapshot().row(SITES, rid) == {**m.snapshot().row(SITES, rid), "name": "T name", "country": "Italy"}


def test_base_is_the_common_milestone_when_history_is_gone(copies, forms):
    mine, theirs = copies
    with ProjectFile.open(mine, forms) as m:
        m.create_milestone("sent to consultant")
    shutil.copy(mine, theirs)
    with ProjectFile.open(theirs, forms) as t:
        t.clear_history()
        t.set_value("product.company_code", "C-1")
    with ProjectFile.open(mine, forms) as m, ProjectFile.open(theirs, forms, read_only=True) as t:
        base, label = find_base(m, t)
        assert label.startswith("milestone 'sent to consultant'")
        assert prepare_merge(m, theirs).result.taken == ["Company code: C-1"]


def test_copies_without_a_common_state_or_of_another_project_are_refused(sample_project, forms, tmp_path):
    mine = sample_project("car-t", "mine.atmp")
    other = sample_project("aav-gene-therapy", "other.atmp")
    with ProjectFile.open(mine, forms) as m:
        with pytest.raises(ProjectFileError, match="different project"):
            prepare_merge(m, other)
        with pytest.raises(ProjectFileError, match="is the project that is open"):
            prepare_merge(m, mine)
    shutil.copy(mine, tmp_path / "copy.atmp")  # no history, no milestone yet: nothing in common is known
    with ProjectFile.open(mine, forms) as m:
        with pytest.raises(ProjectFileError, match="share no milestone and no history"):
            prepare_merge(m, tmp_path / "copy.atmp")


def test_merge_command_reports_conflicts_and_exits_non_zero(copies, forms, tmp_path, capsys):
    mine, theirs = copies
    with ProjectFile.open(theirs, forms) as t:
        t.set_value("product.invented_name", "T")
        t.set_value("product.company_code", "T-1")
    with ProjectFile.open(mine, forms) as m:
        m.set_value("product.invented_name", "M")
    before = mine.read_bytes(), theirs.read_bytes()
    out = tmp_path / "merged.atmp"
    assert main(["merge", str(mine), str(theirs), "--out", str(out)]) == 1
    text = capsys.readouterr().out
    assert "Conflicts: 1 (1 still open" in text and "mine:   M" in text and "theirs: T" in text
    assert (mine.read_bytes(), theirs.read_bytes()) == before          # both inputs unchanged
    with ProjectFile.open(out, forms, read_only=True) as r:
        assert r.get("product.invented_name") == "M" and r.get("product.company_code") == "T-1"
    assert main(["merge", str(mine), str(theirs), "--out", str(out)]) == 2  # exists
    capsys.readouterr()
    assert main(["merge", str(mine), str(theirs), "--out", str(out), "--force", "--prefer", "theirs",
                 "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["unresolved"] == 0 and report["conflicts"][0]["decision"] == "theirs"
    with ProjectFile.open(out, forms, read_only=True) as r:
        assert r.get("product.invented_name") == "T"


def test_merge_puts_approved_steps_back_in_review(copies, forms):
    mine, theirs = copies
    with ProjectFile.open(theirs, forms) as t:
        t.set_value("product.company_code", "T-2")
    with ProjectFile.open(mine, forms) as m:
        m.set_review_status("step:product", "approved")
        cs = prepare_merge(m, theirs).apply()
        assert m.snapshot().review["step:product"]["status"] == "in_review"
        assert "back to in review" in cs.notice
    assert MINE == "mine"



def test_rows_added_by_theirs_are_inserted_where_they_go_and_the_other_rows_are_not_rewritten(copies, forms):
    """Taking 40 rows a colleague put at the top of a table (plus runs in the middle and at the end) writes
    those rows only: the merge's undo step and the audit trail hold the 45 added rows, not the whole table
    (appending them and moving each to its place renumbered and rewrote every row)."""
    mine, theirs = copies
    with ProjectFile.open(theirs, forms) as t:
        before = t.snapshot().row_ids(STEPS)
        t.insert_rows(STEPS, 0, [{"name": f"Top {i}"} for i in range(40)])
        t.insert_rows(STEPS, 41, [{"name": f"Middle {i}"} for i in range(3)])
        t.insert_rows(STEPS, len(t.snapshot().row_ids(STEPS)), [{"name": "Last 0"}, {"name": "Last 1"}])
        want = t.snapshot().row_ids(STEPS)
    with ProjectFile.open(mine, forms) as m:
        audit_before = len(m.audit_entries(100000))
        plan = prepare_merge(m, theirs)
        assert plan.conflicts == []
        plan.apply()
        assert m.snapshot().row_ids(STEPS) == want and set(before) < set(want)
        assert [r.get("name") for r in m.snapshot().rows(STEPS)[:2]] == ["Top 0", "Top 1"]
        added = [e for e in m.audit_entries(100000)[:len(m.audit_entries(100000)) - audit_before]
                 if e["action"] == "merge" and e["field"]]
        assert len(added) == 45 and all(e["old_value"] in (None, "") for e in added)
    import sqlite3
    conn = sqlite3.connect(mine)
    [(changes,)] = conn.execute("SELECT changes FROM undo_steps ORDER BY seq DESC LIMIT 1").fetchall()
    conn.close()
    assert changes.count('"r"') == 45

def test_rows_added_by_theirs_go_behind_the_row_they_followed():
    from atmp_desktop.core.merge import _order
    keep = set("abcdXYZ")
    assert _order(list("abcd"), list("aXYbcZd"), MINE, keep) == list("aXYbcZd")
    assert _order(list("dcba"), list("XabYcd"), MINE, keep) == list("XdcbYa")   # mine's order, theirs' rows
    assert _order(list("abcd"), list("ab"), MINE, set("abcd")) == list("abcd")


def test_a_hostile_copy_is_refused_by_the_gate_and_left_unchanged(copies, forms, capsys, tmp_path):
    import sqlite3
    mine, theirs = copies
    conn = sqlite3.connect(theirs)
    conn.execute("CREATE TRIGGER planted AFTER INSERT ON audit_log BEGIN DELETE FROM field_values; END")
    conn.commit()
    conn.close()
    before = theirs.read_bytes()
    assert main(["diff", str(mine), str(theirs)]) == 2
    assert main(["merge", str(mine), str(theirs), "--out", str(tmp_path / "m.atmp")]) == 2
    err = capsys.readouterr().err
    assert "theirs.atmp" in err and "Traceback" not in err
    assert theirs.read_bytes() == before and not (tmp_path / "m.atmp").exists()
    with ProjectFile.open(mine, forms) as m:
        with pytest.raises(ProjectFileError):
            prepare_merge(m, theirs)
    (tmp_path / "junk.atmp").write_bytes(b"PK\x03\x04 not a project")
    assert main(["diff", str(mine), str(tmp_path / "junk.atmp")]) == 2
