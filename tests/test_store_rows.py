"""Row-level storage: stable row ids, row operations, row-level change sets and undo kept in the file."""
import json
import sqlite3

import pytest

from atmp_desktop.core.forms import load_forms
from atmp_desktop.core.project import to_document
from atmp_desktop.core.values import FieldValueError
from atmp_desktop.store import DeleteRows, InsertRows, MoveRows, ProjectFile, SetCell
from tests.conftest import DATA

SITES = "manufacturing.sites"
BATCHES = "quality.batch_analyses"


@pytest.fixture(scope="module")
def mini():
    return load_forms(DATA / "forms-mini")


@pytest.fixture
def project(tmp_path, mini):
    p = ProjectFile.create(tmp_path / "p.atmp", mini)
    p.insert_rows(SITES, 0, [{"name": f"Site {c}"} for c in "ABCD"])
    yield p
    p.close()


def rows_in_file(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT row_id, position, cells FROM table_rows ORDER BY position").fetchall()
    finally:
        conn.close()


def names(project):
    return [r.get("name") for r in project.snapshot().rows(SITES)]


def test_snapshot_row_ids_align_with_rows_and_rows_stay_plain(project):
    snap = project.snapshot()
    ids = snap.row_ids(SITES)
    assert len(ids) == 4 and len(set(ids)) == 4
    assert snap.rows(SITES)[2] == {"name": "Site C"}  # rules and exporters read plain dicts
    assert snap.row(SITES, ids[2]) == {"name": "Site C"} and snap.row_index(SITES, ids[2]) == 2
    assert [r[0] for r in rows_in_file(project.path)] == list(ids)


def test_a_cell_edit_writes_that_row_only(project):
    before = {rid: (pos, cells) for rid, pos, cells in rows_in_file(project.path)}
    rid = project.snapshot().row_ids(SITES)[1]
    cs = project.set_cell(SITES, rid, "country", "AT")
    after = {rid: (pos, cells) for rid, pos, cells in rows_in_file(project.path)}
    assert [k for k in after if after[k] != before[k]] == [rid]
    rc = cs.tables[SITES]
    assert (rc.changed, rc.inserted, rc.deleted, rc.moved, rc.whole) == (frozenset({rid}), (), frozenset(), False, False)
    assert project.get(f"{SITES}[1]") == {"name": "Site B", "country": "AT"}


def test_insert_delete_and_move_keep_identities(project):
    ids = project.snapshot().row_ids(SITES)
    cs = project.insert_rows(SITES, 1, [{"name": "New 1"}, {}])
    new = cs.tables[SITES].inserted
    assert len(new) == 2 and names(project) == ["Site A", "New 1", None, "Site B", "Site C", "Site D"]
    assert project.snapshot().row_ids(SITES)[1:3] == new  # a blank row stays until the user removes it
    cs = project.delete_rows(SITES, [ids[0], new[1]])
    assert cs.tables[SITES].deleted == {ids[0], new[1]}
    positions = dict((r[0], r[1]) for r in rows_in_file(project.path))
    cs = project.move_rows(SITES, [ids[3]], 0)  # D to the top: only D's position changes
    assert cs.tables[SITES].moved and not cs.tables[SITES].changed
    assert names(project) == ["Site D", "New 1", "Site B", "Site C"]
    moved = {k: v for k, v in dict((r[0], r[1]) for r in rows_in_file(project.path)).items() if positions[k] != v}
    assert list(moved) == [ids[3]]
    assert project.snapshot().row_ids(SITES) == (ids[3], new[0], ids[1], ids[2])


def test_many_moves_into_one_gap_renumber_and_keep_order(project):
    ids = list(project.snapshot().row_ids(SITES))
    for _ in range(40):  # always between the first two rows: gaps run out, the table is renumbered
        project.move_rows(SITES, [project.snapshot().row_ids(SITES)[-1]], 1)
    order = list(project.snapshot().row_ids(SITES))
    assert sorted(order) == sorted(ids)
    file_order = [r[0] for r in rows_in_file(project.path)]
    assert file_order == order
    project.close()
    with ProjectFile.open(project.path, project.forms) as again:
        assert list(again.snapshot().row_ids(SITES)) == order


def test_whole_table_replace_keeps_ids_of_unchanged_and_edited_rows(project):
    ids = project.snapshot().row_ids(SITES)
    rows = project.snapshot().rows(SITES)
    new_rows = [rows[0], {"name": "Site B2"}, rows[2], {"name": "Inserted"}, rows[3]]
    cs = project.set_value(SITES, new_rows)
    snap = project.snapshot()
    assert snap.rows(SITES) == new_rows
    got = snap.row_ids(SITES)
    assert (got[0], got[1], got[2], got[4]) == (ids[0], ids[1], ids[2], ids[3])
    assert cs.tables[SITES].changed == {ids[1]} and cs.tables[SITES].inserted == (got[3],)


def test_index_paths_still_work(project):
    project.set_value(f"{SITES}[0].country", "DE")
    project.set_value(f"{SITES}[4].name", "Appended")
    assert names(project)[-1] == "Appended"
    project.set_value(f"{SITES}[4].name", None)  # emptying a row by its number removes it, as before
    assert len(project.snapshot().rows(SITES)) == 4


def test_bad_row_operations_are_refused_and_change_nothing(project):
    before = project.snapshot()
    for op in [SetCell(SITES, "no-such-id", "name", "x"), DeleteRows(SITES, ["no-such-id"]),
               SetCell(SITES, before.row_ids(SITES)[0], "gmp_date", "31/02/2025"),
               InsertRows(SITES, 0, [{"colour": "red"}]),
               InsertRows(SITES, 0, [{"name": "dup"}], row_ids=[before.row_ids(SITES)[0]])]:
        with pytest.raises(FieldValueError):
            project.apply([op])
    assert project.snapshot() == before
    with pytest.raises(FieldValueError, match="list of rows"):
        project.set_value(SITES, {})  # `set ... sites '{}'` used to delete every row


def test_one_action_of_several_row_ops_is_one_undo_step(project):
    ids = project.snapshot().row_ids(SITES)
    before = project.snapshot().rows(SITES)
    project.apply([SetCell(SITES, ids[0], "country", "FR"), DeleteRows(SITES, [ids[1]]),
                   MoveRows(SITES, [ids[3]], 0), InsertRows(SITES, 2, [{"name": "X"}])], label="reorganise sites")
    assert project.undo_label == "reorganise sites"
    cs = project.undo()
    assert project.snapshot().rows(SITES) == before and project.snapshot().row_ids(SITES) == ids
    assert cs.kind == "undo" and ids[1] in cs.tables[SITES].inserted
    project.redo()
    assert names(project) == ["Site D", "Site A", "X", "Site C"]


def test_undo_history_lives_in_the_file_and_survives_a_restart(project, mini):
    rid = project.snapshot().row_ids(SITES)[0]
    project.set_cell(SITES, rid, "name", "Renamed")
    project.set_value("product.invented_name", "Lumacel")
    path = project.path
    project.close()
    with ProjectFile.open(path, mini) as again:
        assert again.undo_label == "edit of Invented name"
        again.undo()
        again.undo()
        assert again.get(f"{SITES}[0].name") == "Site A" and again.get("product.invented_name") is None
        assert again.redo_label == "edit of Site name in Manufacturing sites"


def test_undo_refuses_when_the_project_no_longer_matches(project, mini):
    project.set_value("product.invented_name", "A")
    path = project.path
    project.close()
    conn = sqlite3.connect(path)  # another program changes the value behind the history's back
    conn.execute("""UPDATE field_values SET value = '"B"' WHERE field = 'invented_name'""")
    conn.commit()
    conn.close()
    with ProjectFile.open(path, mini) as again:
        with pytest.raises(Exception, match="cannot be undone"):
            again.undo()
        assert again.get("product.invented_name") == "B" and again.undo_label is None


def test_save_as_and_dump_keep_row_identities(project, tmp_path, mini):
    ids = project.snapshot().row_ids(SITES)
    copy = project.save_as(tmp_path / "copy.atmp")
    try:
        assert copy.snapshot().row_ids(SITES) == ids
        doc = to_document(copy.snapshot())
        assert doc["row_ids"][SITES] == list(ids)
        again = ProjectFile.create(tmp_path / "again.atmp", mini, document=json.loads(json.dumps(doc)))
        assert again.snapshot().row_ids(SITES) == ids
        again.close()
    finally:
        copy.close()


def test_old_files_get_row_ids(tmp_path, mini):
    import shutil
    path = tmp_path / "old.atmp"
    shutil.copy(DATA / "format1.atmp", path)
    with ProjectFile.open(path, mini) as project:
        ids = project.snapshot().row_ids(SITES)
        assert len(ids) == len(project.snapshot().rows(SITES)) >= 1
        project.set_cell(SITES, ids[0], "country", "NL")
        assert project.get(f"{SITES}[0].country") == "NL"


def test_undo_history_is_bounded(project, monkeypatch):
    monkeypatch.setattr("atmp_desktop.store.project_file.MAX_UNDO_STEPS", 5)
    for i in range(12):
        project.set_value("product.invented_name", f"N{i}")
    conn = sqlite3.connect(project.path)
    assert conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0] == 5
    conn.close()
    for _ in range(5):
        project.undo()
    assert project.undo() is None and project.get("product.invented_name") == "N6"


def test_snapshot_after_an_edit_is_cheap_and_earlier_snapshots_keep_their_rows(project):
    first = project.snapshot()
    assert project.snapshot() is first  # cached until something changes
    rid = first.row_ids(SITES)[0]
    project.set_cell(SITES, rid, "name", "Changed")
    second = project.snapshot()
    assert first.rows(SITES)[0] == {"name": "Site A"} and second.rows(SITES)[0] == {"name": "Changed"}
    assert second.rows(SITES)[1] is first.rows(SITES)[1]  # unchanged rows are shared, not copied
    assert project.values([SITES + "[0].name", "product.invented_name"]) == {
        SITES + "[0].name": "Changed", "product.invented_name": None}


def test_new_files_get_the_users_permissions(tmp_path, mini):
    import os
    old = os.umask(0o022)
    try:
        with ProjectFile.create(tmp_path / "perm.atmp", mini) as p:
            assert (p.path.stat().st_mode & 0o777) == 0o644
    finally:
        os.umask(old)


def test_undo_of_a_pasted_block_restores_the_table_exactly_and_redo_brings_it_back(project):
    """A block paste (cells of existing rows replaced, new rows inserted in the middle and at the end) is one
    undo step; undo gives back the same rows, ids, order and stored positions, redo the pasted table."""
    from atmp_desktop.store import SetRow
    project.insert_rows(SITES, 4, [{"name": f"Site {i}", "country": "DE"} for i in range(200)])
    snap = project.snapshot()
    before_rows, before_ids, before_file = snap.rows(SITES), snap.row_ids(SITES), rows_in_file(project.path)
    ids = before_ids
    ops = [SetRow(SITES, ids[50 + i], {"name": f"Pasted {i}", "country": "FR"}) for i in range(10)]
    ops += [InsertRows(SITES, 120, [{"name": f"New {i}"} for i in range(10)])]
    ops += [InsertRows(SITES, len(ids) + 10, [{"name": "Last"}])]
    project.apply(ops, label="paste into Manufacturing sites")
    pasted_rows, pasted_ids = project.snapshot().rows(SITES), project.snapshot().row_ids(SITES)
    assert len(pasted_rows) == len(before_rows) + 11 and pasted_rows[120] == {"name": "New 0"}
    project.undo()
    assert project.snapshot().rows(SITES) == before_rows and project.snapshot().row_ids(SITES) == before_ids
    assert rows_in_file(project.path) == before_file
    project.redo()
    assert project.snapshot().rows(SITES) == pasted_rows and project.snapshot().row_ids(SITES) == pasted_ids


def test_a_new_edit_after_undo_drops_the_redo_side_also_for_steps_undone_before_a_restart(project, mini):
    project.set_value("product.invented_name", "A")
    project.set_value("product.invented_name", "B")
    project.undo()
    path = project.path
    project.close()
    with ProjectFile.open(path, mini) as again:
        assert again.redo_label == "edit of Invented name"
        again.set_value("product.invented_name", "C")
        assert again.redo_label is None and again.redo() is None
        again.undo()
        assert again.redo_label == "edit of Invented name"
        again.set_value("product.invented_name", "D")
        assert again.redo_label is None
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM undo_steps WHERE undone = 1").fetchone()[0] == 0
    conn.close()


def test_table_differences_applied_row_by_row_give_the_order_a_full_sort_gives():
    """Table.apply_diff (undo/redo of row operations) against the reference: every row set or removed, then
    the table sorted by (position, id)."""
    import random
    from atmp_desktop.store.rows import Table
    rnd = random.Random(14)
    for trial in range(300):
        n = rnd.randrange(0, 40)
        positions = sorted(rnd.sample(range(0, 400), n))
        ids = [f"r{rnd.randrange(10**6):06d}" for _ in range(n)]
        ids = list(dict.fromkeys(ids))[:n]
        positions = positions[:len(ids)]
        table = Table(ids, positions, [{"v": i} for i in range(len(ids))])
        original = (list(table.ids), list(table.pos), list(table.rows))
        diffs = []
        for _ in range(rnd.randrange(1, 12)):
            roll = rnd.random()
            rid = rnd.choice(ids) if ids and roll < 0.6 else f"n{rnd.randrange(10**6):06d}"
            if roll < 0.25:
                diffs.append((rid, None))
            elif roll < 0.45 and rid in ids:
                diffs.append((rid, (table.pos[ids.index(rid)], {"v": "cells"})))
            else:
                diffs.append((rid, (rnd.randrange(0, 400), {"v": trial})))
        current = {rid: (p, r) for rid, p, r in zip(*original[:2], original[2])}
        for rid, new in diffs:
            if new is None:
                current.pop(rid, None)
            else:
                current[rid] = new
        expected = sorted(current.items(), key=lambda kv: (kv[1][0], kv[0]))
        copy = table.copy()
        copy.apply_diff(diffs)
        assert list(zip(copy.ids, copy.pos, copy.rows)) == [(k, v[0], v[1]) for k, v in expected], trial
        assert (table.ids, table.pos, table.rows) == original  # the table copied from is unchanged
        assert copy.index == {rid: i for i, rid in enumerate(copy.ids)}


def test_the_json_document_is_a_copy_the_snapshot_does_not_share(project):
    # a caller that edits the dumped document (merge, import preview) must not change the snapshot it came from
    snap = project.snapshot()
    doc = to_document(snap)
    doc["data"]["manufacturing"]["sites"][0]["name"] = "Changed"
    doc["data"]["manufacturing"]["sites"].append({"name": "Extra"})
    assert [r["name"] for r in snap.get(SITES)] == ["Site A", "Site B", "Site C", "Site D"]
    assert [r["name"] for r in to_document(snap)["data"]["manufacturing"]["sites"]] == \
        ["Site A", "Site B", "Site C", "Site D"]


def test_the_row_index_stays_true_through_appends_inserts_deletes_and_moves_of_copies():
    """Table.index (row id -> row number) after every kind of edit, of a table and of copies that share its
    lists and index: always what a fresh count of the ids gives, and a copy's edits never show in the table it
    was copied from (an append grows the index in place instead of building it again: a results sheet's typed
    result at large 4x was ~3 ms of building the index of 30,000 rows)."""
    import random
    from atmp_desktop.store.rows import Table
    rnd = random.Random(2026)
    for trial in range(200):
        n = rnd.randrange(0, 30)
        base = Table([f"r{i}" for i in range(n)], [i * 10 for i in range(n)], [{"v": i} for i in range(n)])
        if rnd.random() < 0.7:
            base.index  # built before the copies share it (as a snapshot's table usually has)
        tables, frozen = [base], []
        serial = 0
        for _ in range(rnd.randrange(1, 15)):
            t = rnd.choice(tables)
            roll = rnd.random()
            if roll < 0.2:  # a copy: one of the two goes on being edited, the other must not change from now on
                c = t.copy()
                kept, edited = (t, c) if rnd.random() < 0.5 else (c, t)
                frozen.append((kept, list(kept.ids), dict(kept.index), list(kept.pos), list(kept.rows)))
                tables[tables.index(t)] = edited
                continue
            serial += 1
            new = [f"n{trial}-{serial}-{k}" for k in range(rnd.randrange(1, 4))]
            if roll < 0.55:
                t.insert(len(t), [{"v": rid} for rid in new], new)  # appended
            elif roll < 0.7:
                t.insert(rnd.randrange(0, len(t) + 1), [{"v": rid} for rid in new], new)
            elif roll < 0.85 and len(t):
                t.delete(rnd.sample(t.ids, rnd.randrange(1, min(3, len(t)) + 1)))
            elif len(t):
                t.move(rnd.sample(t.ids, 1), rnd.randrange(0, len(t)))
            if rnd.random() < 0.5:
                t.index  # sometimes read between edits, sometimes not
        for t in tables:
            assert t.index == {rid: i for i, rid in enumerate(t.ids)}, trial
            assert all(t.find(rid) == i for i, rid in enumerate(t.ids))
        for t, ids, index, pos, rows in frozen:
            assert t.ids == ids and t.index == index and t.pos == pos and t.rows == rows, trial


def test_the_idle_slices_look_up_every_tables_row_ids_before_the_first_new_row(sample_project, forms, monkeypatch):
    """A new row's id is checked against every table of the project. The window's idle slices after the open
    (read_rows, then index_rows) build those lookups in bounded slices, so that the session's first new row (a
    result typed into a results sheet) builds none of them inside the edit (~20 ms at large 4x)."""
    from atmp_desktop.store import ProjectFile
    from atmp_desktop.store.rows import Table
    path = sample_project("car-t")
    with ProjectFile.open(path, forms) as p:
        assert p.snapshot().rows(SITES)  # a page shows this table: it is parsed before the idle slices
        while p.read_rows(100):
            pass
        slices = 1
        while p.index_rows(100):
            slices += 1
        assert slices >= 3  # car-t's 396 rows in slices of about 100: never all in one go
        assert not p.index_rows(100)
        assert p.snapshot().rows(BATCHES)  # parsed after the slices (as the checks do, on their own thread)
        built = []
        index = Table.index
        monkeypatch.setattr(Table, "index", property(lambda t: (built.append(len(t.ids)) if t._index is None
                                                                else None) or index.fget(t)))
        before = len(p.snapshot().rows(SITES))
        p.insert_rows(SITES, before, [{"name": "Site E"}])
        assert len(p.snapshot().rows(SITES)) == before + 1
        assert built == []
        p.insert_rows(BATCHES, 10**6, [{"batch": "B-NEW"}])
        assert built == []
