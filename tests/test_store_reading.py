"""Tables parsed and checked when first read (store/reading.py): the same checks, messages and values as reading
everything at open, for any reader (snapshot, rule, edit, worker thread), and of the moment the file was opened."""
import json
import sqlite3
import threading

import pytest

from atmp_desktop.store import FileChangedError, ProjectFile
from atmp_desktop.store.rows import InsertRows

TABLE = "manufacturing.process_steps"


@pytest.fixture
def path(tmp_path, template):
    p = tmp_path / "p.atmp"
    p.write_bytes(template)
    return p


def sql(path, statement, params=()):
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return conn.execute(statement, params).fetchall()
    finally:
        conn.close()


def row_ids(path, table=TABLE):
    step, field = table.split(".")
    return [r[0] for r in sql(path, "SELECT row_id FROM table_rows WHERE step = ? AND field = ? ORDER BY position",
                              (step, field))]


def set_cells(path, row_id, cells_json):
    sql(path, "UPDATE table_rows SET cells = ? WHERE row_id = ?", (cells_json, row_id))


def test_a_bad_cell_in_a_table_read_later_is_reported_with_the_same_sentence_and_never_shown(path, forms):
    ids = row_ids(path)
    set_cells(path, ids[1], '{"name": "Thaw", "stage": "no such stage"}')
    with ProjectFile.open(path, forms) as project:
        snap = project.snapshot()
        row = snap.rows(TABLE)[1]
        assert row.get("name") == "Thaw" and "stage" not in row  # the bad cell is left out, the rest kept
        [(where, sentence)] = snap.problems
        assert where == f"{TABLE}[1].stage"
        assert "'no such stage'" in sentence and "does not fit" in sentence and "repair" in sentence
        assert project.problems == snap.problems


def test_the_same_bad_value_in_many_rows_is_reported_for_each_row(path, forms):
    """A check is remembered per value while a table is read: each row still gets its own report."""
    ids = row_ids(path)
    for rid in ids[:3]:
        set_cells(path, rid, '{"name": "Step \\u202ex", "stage": "no such stage"}')
    with ProjectFile.open(path, forms) as project:
        problems = project.snapshot().problems
        assert [w for w, _ in problems if w.endswith(".stage")] == [f"{TABLE}[{i}].stage" for i in range(3)]
        assert [w for w, s in problems if "text-direction" in s] == [f"{TABLE}[{i}].name" for i in range(3)]
        rows = project.snapshot().rows(TABLE)[:3]
        assert all(r["name"] == "Step x" for r in rows)  # the control character removed in every row


def test_an_unreadable_row_in_a_table_read_first_by_an_edit_is_repaired_by_that_edit(path, forms):
    ids = row_ids(path)
    set_cells(path, ids[0], "{broken")
    with ProjectFile.open(path, forms) as project:
        project.set_cell(TABLE, ids[0], "name", "Thaw again")  # the first reader of the table is the edit
        snap = project.snapshot()
        assert snap.rows(TABLE)[0] == {"name": "Thaw again"}
        assert snap.problems == ()
    with ProjectFile.open(path, forms) as again:
        assert again.problems == () and again.snapshot().rows(TABLE)[0] == {"name": "Thaw again"}


def test_a_snapshot_taken_before_an_edit_keeps_the_rows_it_had(path, forms):
    with ProjectFile.open(path, forms) as project:
        before = project.snapshot()  # the table is not read yet
        first = row_ids(path)[0]
        project.set_cell(TABLE, first, "name", "Changed")
        assert project.snapshot().rows(TABLE)[0]["name"] == "Changed"
        assert before.rows(TABLE)[0]["name"] != "Changed"
        assert before.row_ids(TABLE) == project.snapshot().row_ids(TABLE)


def test_a_table_is_of_the_moment_of_opening_even_when_read_after_another_program_wrote(path, forms):
    """Until every row is fetched (idle slices, the first write, close) no other program can commit a change: a
    table read later is of the moment of opening; their change waits, and then our next write is refused."""
    with ProjectFile.open(path, forms, defer_rows=True) as project:
        first = row_ids(path)[0]
        other = sqlite3.connect(path, isolation_level=None, timeout=0.2)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):  # after the open, before any read
                other.execute("UPDATE table_rows SET cells = ? WHERE row_id = ?",
                              ('{"name": "Written by another program"}', first))
            while project.read_rows(50):  # the window's idle slices after its first paint
                pass
            other.execute("UPDATE table_rows SET cells = ? WHERE row_id = ?",
                          ('{"name": "Written by another program"}', first))
        finally:
            other.close()
        shown = project.snapshot().rows(TABLE)[0]["name"]
        assert shown != "Written by another program"
        with pytest.raises(FileChangedError):  # and our next write is refused, not mixed with theirs
            project.set_cell(TABLE, first, "name", "Ours")
        project.reload()
        assert project.snapshot().rows(TABLE)[0]["name"] == "Written by another program"


def test_readers_on_two_threads_get_the_same_rows_and_each_problem_once(path, forms):
    ids = row_ids(path, "quality.batch_results") or row_ids(path)
    table = "quality.batch_results" if row_ids(path, "quality.batch_results") else TABLE
    set_cells(path, ids[0], "[1, 2]")
    with ProjectFile.open(path, forms) as project:
        snap = project.snapshot()
        seen, start = [], threading.Barrier(4)

        def read():
            start.wait()
            seen.append(snap.get(table))

        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(rows is seen[0] for rows in seen) and len(seen[0]) == len(ids)
        assert [w for w, _ in snap.problems] == [f"{table}[0]"]
        assert [w for w, _ in project.problems] == [f"{table}[0]"]


def test_a_new_row_may_not_take_the_id_of_a_row_in_a_table_not_read_yet(path, forms):
    from atmp_desktop.core.values import FieldValueError
    taken = row_ids(path, "materials.raw_materials")[0]
    with ProjectFile.open(path, forms) as project:
        with pytest.raises(FieldValueError, match="fresh, unique id"):
            project.apply([InsertRows(TABLE, 0, [{"name": "New"}], [taken])])
        assert project.snapshot().rows(TABLE)[0].get("name") != "New"


def test_a_table_whose_rows_all_lack_a_readable_id_reads_as_empty(path, forms):
    step, field = TABLE.split(".")
    sql(path, "UPDATE table_rows SET row_id = CAST(X'FF' || hex(randomblob(4)) AS BLOB) "
              "WHERE step = ? AND field = ?", (step, field))
    with ProjectFile.open(path, forms) as project:
        snap = project.snapshot()
        assert not snap.is_set(TABLE)  # answered before the table is read, as reading it answers
        assert snap.get(TABLE) is None and snap.rows(TABLE) == [] and snap.row_ids(TABLE) == ()
        assert {w for w, s in snap.problems if "no readable row id" in s} == {f"{TABLE}[0]"}
        dumped = dict(snap.values["manufacturing"])  # every reader of the step's values copes
        assert dumped.get(field) in (None, [])


def test_the_backup_of_the_opened_file_is_made_before_its_first_write(path, forms):
    """Not on the way to the first paint, but before anything is written: the backup holds the file as opened."""
    from atmp_desktop.store import backups
    with ProjectFile.open(path, forms) as project:
        assert backups.list_backups(path) == []  # opening did not copy the file
        before = project.get("product.invented_name")
        project.set_value("product.invented_name", "Written after opening")
        [made] = backups.list_backups(path)
        assert made.reason == "open"
    with ProjectFile.open(made.path, forms, read_only=True) as copy:
        assert copy.get("product.invented_name") == before


def test_a_backup_on_its_worker_thread_still_holds_the_file_as_opened_when_an_edit_follows_at_once(path, forms):
    """The window starts the copy on a worker thread; an edit made while it runs waits for it, so the backup
    never holds the edit, and the edit is saved."""
    from atmp_desktop.store import backups
    with ProjectFile.open(path, forms) as project:
        before = project.get("product.invented_name")
        project.backup_if_due(background=True)
        project.set_value("product.invented_name", "Typed while the backup ran")
        assert not project.backup_running() and project.backup_error is None
        [made] = backups.list_backups(path)
        assert made.reason == "open" and project.last_backup == made.path
    with ProjectFile.open(made.path, forms, read_only=True) as copy:
        assert copy.get("product.invented_name") == before
    with ProjectFile.open(path, forms, read_only=True) as again:
        assert again.get("product.invented_name") == "Typed while the backup ran"


def test_a_failed_backup_on_its_worker_thread_is_reported_and_the_work_goes_on(path, forms, monkeypatch):
    from atmp_desktop.store import backups

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(backups, "make_backup", full_disk)
    with ProjectFile.open(path, forms) as project:
        project.backup_if_due(background=True)
        project.set_value("product.invented_name", "Saved anyway")
        assert "could not be written" in project.backup_error and "unchanged" in project.backup_error
    with ProjectFile.open(path, forms, read_only=True) as again:
        assert again.get("product.invented_name") == "Saved anyway"


def test_a_project_opened_and_closed_without_an_edit_is_still_backed_up(path, forms):
    from atmp_desktop.store import backups
    ProjectFile.open(path, forms).close()
    assert [b.reason for b in backups.list_backups(path)] == ["open"]
    ProjectFile.open(path, forms).close()  # nothing changed since that backup: no second copy
    assert len(backups.list_backups(path)) == 1
    ProjectFile.open(path, forms, read_only=True).close()
    assert len(backups.list_backups(path)) == 1


def test_the_window_backs_up_the_opened_file_once_it_is_on_screen(window, path, qtbot):
    from atmp_desktop.store import backups
    assert window.open_path(path)
    qtbot.waitUntil(lambda: backups.list_backups(path) != [], timeout=40_000)  # when the window is idle
    assert [b.reason for b in backups.list_backups(path)] == ["open"]


def test_whether_a_table_is_filled_is_the_same_before_and_after_it_is_read(path, forms):
    ids = row_ids(path)
    for rid in ids:
        set_cells(path, rid, "not json")  # rows shown empty still count: the table has rows to repair
    with ProjectFile.open(path, forms) as project:
        before = project.snapshot().is_set(TABLE)
        assert before is True and project.snapshot().rows(TABLE) == [{}] * len(ids)
        assert project.snapshot().is_set(TABLE) is True


def test_a_stored_text_loses_its_control_and_text_direction_characters_in_any_mix(path, forms):
    mixed = "A\x00b\u202ec\x1fd\u2066e\x7ff\u2069g\ufffeh"
    sql(path, "UPDATE field_values SET value = ? WHERE step = 'product' AND field = 'inn'",
        (json.dumps(mixed),))
    with ProjectFile.open(path, forms) as project:
        assert project.get("product.inn") == "Abcdefgh"
        assert [s for w, s in project.problems if w == "product.inn"] == [
            "held invisible text-direction characters, which are not shown"]


def test_every_character_xml_or_the_reading_order_forbids_is_removed_and_no_other():
    """Text of any width (ASCII, Latin-1, beyond: Python keeps each differently), the forbidden character first,
    in the middle or last."""
    from atmp_desktop.core.values import strip_control
    forbidden = {*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f, *range(0xd800, 0xe000), 0xfffe,
                 0xffff, *range(0x202a, 0x202f), *range(0x2066, 0x206a)}
    for c in [*range(0x0, 0x3000), *range(0xd7f0, 0xe010), *range(0xfff0, 0x10000), 0x1f600]:
        ch = chr(c)
        for around in ("ab", "aµ", "a\u2013", "a\U0001f600"):  # ASCII, Latin-1, two and four bytes a character
            text = ch + around + ch + around[::-1] + ch
            want = text.replace(ch, "") if c in forbidden else text
            assert strip_control(text) == want, hex(c)


def test_a_long_latin1_narrative_keeps_every_character_but_the_forbidden(path, forms):
    text = ("Vials are stored at \u2264 -150 \u00b0C; 2.0 \u00b5g/mL.\n\n" * 3000).replace("\u2264", "<=")
    sql(path, "UPDATE field_values SET value = ? WHERE step = 'product' AND field = 'inn'", (json.dumps(text),))
    with ProjectFile.open(path, forms) as project:
        assert project.get("product.inn") == text.replace("\n", " ")  # a one-line text field
    damaged = text[:5000] + "\x0b\x7f" + text[5000:]
    sql(path, "UPDATE field_values SET value = ? WHERE step = 'product' AND field = 'inn'", (json.dumps(damaged),))
    with ProjectFile.open(path, forms) as project:
        assert project.get("product.inn") == text.replace("\n", " ")
