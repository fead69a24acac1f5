"""Table rows fetched after the open (store/deferred.py, `ProjectFile.open(..., defer_rows=True)`, what the window
does): whatever reads a table first and whenever (a snapshot, an edit, idle slices, a worker thread, after close),
the project is exactly what an open that reads every row at once gives: the same values, row ids, problems and
sentences, of the moment of opening."""
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest

from atmp_desktop.samples import load_sample, sample_names
from atmp_desktop.store import ProjectFile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from make_large import make_project  # noqa: E402

SCALES = (1, 4) if os.environ.get("ATMP_STRESS") else (1,)  # 4x: ~10 s more (make stress)


def whole(snap):
    """Everything a reader of the snapshot can see, as plain data."""
    return {
        "meta": dict(snap.meta),
        "values": {step: dict(fields) for step, fields in snap.values.items()},
        "table_ids": dict(snap.table_ids),
        "problems": tuple(snap.problems),
        "status": dict(snap.section_status),
        "figures": tuple(snap.figures),
        "images": [(f.id, f.digest, f.kind, f.data) for f in snap.figures],  # (Figure compares without bytes)
    }


def eager(path, forms):
    with ProjectFile.open(path, forms) as pf:
        assert pf._rows is None
        return whole(pf.snapshot())


@pytest.fixture(scope="module")
def projects(tmp_path_factory, forms):
    """{name: bytes of the project file}: every shipped sample and the benchmark's generated project."""
    folder = tmp_path_factory.mktemp("deferred")
    out = {}
    for name in sample_names():
        path = folder / f"{name}.atmp"
        ProjectFile.create(path, forms, document=load_sample(name)).close()
        out[name] = path.read_bytes()
    for scale in SCALES:
        out[f"large-{scale}x"] = make_project(folder / f"large{scale}.atmp", scale).read_bytes()
    return out


def copy_of(projects, name, tmp_path):
    path = tmp_path / f"{name}.atmp"
    path.write_bytes(projects[name])
    return path


def read_by_slices(pf, rows):
    while pf.read_rows(rows):  # (a slice returns at once while another thread fetches)
        time.sleep(0.0005)
    assert pf._rows.finished


NAMES = [*sample_names(), *(f"large-{s}x" for s in SCALES)]


def test_both_opens_give_the_figures_of_the_document_the_project_was_made_from(projects, tmp_path, forms):
    """Images checked when first used still are the imported ones, bytes and all, in the document's order."""
    import base64
    from atmp_desktop.core.figures import digest_of
    from make_large import make_document
    for name in NAMES:
        path = copy_of(projects, name, tmp_path)
        doc = make_document(int(name[6:-1])) if name.startswith("large-") else load_sample(name)
        want = [(f["id"], f["target"], f["sha256"], base64.b64decode(f["data"])) for f in doc.get("figures") or ()]
        for defer in (False, True):
            with ProjectFile.open(path, forms, defer_rows=defer) as pf:
                got = [(f.id, f.target, f.digest, f.data) for f in pf.snapshot().figures]
            assert got == want, (name, defer)
            assert all(digest_of(data) == digest for _i, _t, digest, data in got)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("order", ["snapshot", "problems first", "figures first", "slices", "edit first",
                                   "after close"])
def test_a_deferred_open_gives_the_same_project_as_reading_every_row_at_once(projects, name, order, tmp_path,
                                                                              forms):
    path = copy_of(projects, name, tmp_path)
    expected = eager(path, forms)
    pf = ProjectFile.open(path, forms, defer_rows=True)
    try:
        assert pf._rows is not None and not pf._rows.finished  # nothing fetched at the open
        first = pf.snapshot()
        if order == "problems first":
            assert tuple(first.problems) == expected["problems"]
        elif order == "figures first":
            assert [(f.id, f.digest, f.kind, f.data) for f in first.figures] == expected["images"]
        elif order == "slices":
            read_by_slices(pf, 7)  # small slices: tables fetched across many slices
        elif order == "edit first":
            pf.set_value("product.company_code", "DEFERRED-1")  # a write fetches every row first
            assert pf._rows.finished
        elif order == "after close":
            pf.close()  # a snapshot outlives its project
        got = whole(first)
    finally:
        pf.close()
    assert got == expected
    if order == "edit first":
        again = eager(path, forms)
        assert again["values"]["product"]["company_code"] == "DEFERRED-1"
        assert {k: v for k, v in again["values"].items() if k != "product"} == \
            {k: v for k, v in expected["values"].items() if k != "product"}


def test_a_damaged_file_gives_the_same_problems_and_values_deferred(projects, tmp_path, forms):
    path = copy_of(projects, "car-t", tmp_path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        ids = [r[0] for r in conn.execute("SELECT row_id FROM table_rows ORDER BY step, field, position")]
        conn.execute("UPDATE table_rows SET cells = '{broken' WHERE row_id = ?", [ids[0]])
        conn.execute("""UPDATE table_rows SET cells = '{"no_such_column": 1}' WHERE row_id = ?""", [ids[3]])
        conn.execute("UPDATE table_rows SET cells = CAST(x'7b22ff22' AS TEXT) WHERE row_id = ?", [ids[5]])
        conn.execute("UPDATE table_rows SET row_id = x'ff00' WHERE row_id = ?", [ids[7]])   # unreadable id
        conn.execute("UPDATE table_rows SET row_id = x'6869' WHERE row_id = ?", [ids[9]])   # a blob id: 'hi'
        conn.execute("UPDATE table_rows SET position = 'x' WHERE row_id = ?", [ids[11]])    # a damaged position
        conn.execute("INSERT INTO table_rows VALUES ('r1', 'product', 'not_a_field', 0, '{}')")
        conn.execute("INSERT INTO table_rows VALUES ('r2', 'product', 'inn', 0, '{}')")     # rows on a scalar
        conn.execute("INSERT INTO table_rows VALUES ('r3', x'ff', 'sites', 0, '{}')")      # unreadable step
        # a table whose only row has an unreadable id: not set, and [] when read
        conn.execute("DELETE FROM table_rows WHERE step = 'manufacturing' AND field = 'sites' AND row_id <> ?",
                     [ids[0]])
    finally:
        conn.close()
    expected = eager(path, forms)
    assert len(expected["problems"]) >= 8
    with ProjectFile.open(path, forms, defer_rows=True) as pf:
        snap = pf.snapshot()
        is_set = {f.path: snap.is_set(f.path) for s in forms.steps for f in s.fields if f.is_table}
        got = whole(snap)
    with ProjectFile.open(path, forms) as pf:
        snap = pf.snapshot()
        assert is_set == {f.path: snap.is_set(f.path) for s in forms.steps for f in s.fields if f.is_table}
    assert got == expected


def damaged_figures(projects, tmp_path):
    """car-t with its PNG's bytes changed (no longer its SHA-256), a figure whose image is not in the file, an
    image stored as a kind no figure may have, and a figure whose details are not readable."""
    path = copy_of(projects, "car-t", tmp_path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        digest, data = conn.execute("SELECT digest, data FROM figure_images WHERE kind = 'png'").fetchone()
        conn.execute("UPDATE figure_images SET data = ? WHERE digest = ?",
                     [data[:200] + bytes([data[200] ^ 1]) + data[201:], digest])
        gif = "b" * 64
        conn.execute("INSERT INTO figure_images VALUES (?, 'gif', x'474946383961')", [gif])
        for fid, target, image in (("fig-missing", "materials.vectors", "a" * 64),
                                   ("fig-gif", "heading:3.2.A.1", gif), ("fig-bad", "x" * 300, "c" * 64)):
            conn.execute("INSERT INTO figures VALUES (?, ?, 9000000, 'A caption', '', 'f.png', ?)",
                         [fid, target, image])
    finally:
        conn.close()
    return path


def test_damaged_figure_images_give_the_same_figures_and_problems_deferred(projects, tmp_path, forms):
    path = damaged_figures(projects, tmp_path)
    expected = eager(path, forms)
    assert [f.id for f in expected["figures"]] == ["fig-lv-map"]  # the damaged PNG and the others left out
    figure_problems = [p for p in expected["problems"] if "figure" in p[1]]
    assert figure_problems == [
        ("heading:3.2.A.1", "the image of figure 'Clean-room suite 2 at Garching: material and personnel "
                            "flow' is missing or damaged in the file; attach it again"),
        ("figures", "a figure's details are not readable; it was left out"),  # in order: fig-bad, -gif, -missing
        ("heading:3.2.A.1", "the image of figure 'A caption' is missing or damaged in the file; attach it again"),
        ("materials.vectors", "the image of figure 'A caption' is missing or damaged in the file; attach it again"),
    ]
    damaged = path.read_bytes()
    for order in ("snapshot", "problems first", "figures first", "slices", "edit first", "after close"):
        path.write_bytes(damaged)  # (the edit writes)
        with ProjectFile.open(path, forms, defer_rows=True) as pf:
            snap = pf.snapshot()
            if order == "problems first":
                assert tuple(snap.problems) == expected["problems"]
            elif order == "figures first":
                assert tuple(snap.figures) == expected["figures"]
            elif order == "slices":
                read_by_slices(pf, 3)
            elif order == "edit first":
                pf.set_value("product.company_code", "DEFERRED-1")
            elif order == "after close":
                pf.close()
            assert whole(snap) == expected, order
            assert pf.problems == expected["problems"] or order == "after close"


def but_the_time(snap):
    seen = whole(snap)
    del seen["meta"]["modified"]
    return seen


def test_figure_actions_and_writes_on_a_deferred_project_do_what_they_do_on_an_eager_one(projects, tmp_path,
                                                                                        forms):
    """Removing a figure and undoing it, and writing the field a damaged figure is attached to (its problem
    is then gone, as a written value's is), before anything has checked the figures."""
    results = []
    for defer in (False, True):
        (tmp_path / f"deferred-{defer}").mkdir()
        path = damaged_figures(projects, tmp_path / f"deferred-{defer}")
        with ProjectFile.open(path, forms, defer_rows=defer) as pf:
            pf.remove_figure("fig-lv-map")
            removed = but_the_time(pf.snapshot())
            pf.undo()
            back = but_the_time(pf.snapshot())
        with ProjectFile.open(path, forms, defer_rows=defer) as pf:
            before = pf.snapshot()
            pf.set_value("materials.vectors", [{**before.rows("materials.vectors")[0], "name": "LV-2"}])
            written = but_the_time(pf.snapshot())
            assert whole(before)["problems"] != written["problems"]
        results.append((removed, back, written))
    assert results[0] == results[1]
    removed, back, written = results[1]
    assert removed["figures"] == () and [f.id for f in back["figures"]] == ["fig-lv-map"]
    assert not any(p[0] == "materials.vectors" for p in written["problems"])


def test_threads_reading_while_the_window_fetches_slices_get_the_same_rows(projects, tmp_path, forms):
    name = f"large-{SCALES[-1]}x"
    path = copy_of(projects, name, tmp_path)
    expected = eager(path, forms)
    with ProjectFile.open(path, forms, defer_rows=True) as pf:
        snap = pf.snapshot()
        seen, start = [], threading.Barrier(3)

        def read():  # the checks' worker thread
            start.wait()
            seen.append(whole(snap))

        threads = [threading.Thread(target=read) for _ in range(2)]
        for t in threads:
            t.start()
        start.wait()
        read_by_slices(pf, 500)  # the window's idle slices meanwhile
        for t in threads:
            t.join()
        assert seen == [expected, expected]


def test_other_programs_commit_only_after_every_row_is_fetched_and_the_next_write_then_refuses(
        projects, tmp_path, forms):
    from atmp_desktop.store import FileChangedError
    path = copy_of(projects, "car-t", tmp_path)
    with ProjectFile.open(path, forms, defer_rows=True) as pf:
        other = sqlite3.connect(path, isolation_level=None, timeout=0.1)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("""UPDATE field_values SET value = '"Theirs"' WHERE field = 'inn'""")
            assert pf.snapshot().get("product.inn") != "Theirs"
            read_by_slices(pf, 1000)
            other.execute("""UPDATE field_values SET value = '"Theirs"' WHERE field = 'inn'""")
        finally:
            other.close()
        with pytest.raises(FileChangedError):
            pf.set_value("product.inn", "Ours")


def test_read_only_and_large_files_read_every_row_at_open(projects, tmp_path, forms, monkeypatch):
    from atmp_desktop.store import guard
    path = copy_of(projects, "car-t", tmp_path)
    with ProjectFile.open(path, forms, read_only=True, defer_rows=True) as pf:
        assert pf._rows is None  # nobody's lock is ours: no read transaction holds up the file's writer
    monkeypatch.setattr(guard, "MAX_VALUE_BYTES", path.stat().st_size - 1)
    with ProjectFile.open(path, forms, defer_rows=True) as pf:
        assert pf._rows is None  # a value could be over the length limit: refused at the open, as before


# ------------------------------------------------------------------ the integrity check after the first paint
def damaged_copy(projects, tmp_path, forms):
    """A copy of car-t whose scalars read but whose quick_check fails (a page of table rows with its b-tree
    header zeroed), and the sentence an open that checks first gives for it."""
    from atmp_desktop.store import DamagedFileError
    data = projects["car-t"]
    page = int.from_bytes(data[16:18], "big")
    path = tmp_path / "damaged.atmp"
    for n in range(len(data) // page - 1, 1, -1):
        bad = bytearray(data)
        bad[n * page:n * page + 12] = bytes(12)
        path.write_bytes(bytes(bad))
        try:
            ProjectFile.open(path, forms, read_only=True).close()  # read-only: no backup of the trials
            continue
        except DamagedFileError as exc:
            if "integrity check failed" not in str(exc):
                continue
            sentence = str(exc)
        try:
            ProjectFile.open(path, forms, defer_rows=True).close()  # the open itself reads nothing damaged
        except DamagedFileError:
            continue
        path.write_bytes(bytes(bad))
        return path, sentence
    raise AssertionError("no page whose damage only quick_check finds")


def test_a_damaged_file_is_refused_unchanged_by_the_check_after_the_open(projects, tmp_path, forms):
    from atmp_desktop.store import DamagedFileError
    path, sentence = damaged_copy(projects, tmp_path, forms)
    before = path.read_bytes()
    pf = ProjectFile.open(path, forms, defer_rows=True)
    try:
        assert pf._rows is not None and not pf._rows.finished
        with pytest.raises(DamagedFileError) as first:
            while pf.read_rows(2000):  # the window's idle slices: the first starts the check on its thread
                time.sleep(0.001)
        assert str(first.value) == sentence
        with pytest.raises(DamagedFileError):  # nothing is written after that, nor before it passed
            pf.set_value("product.company_code", "NEVER")
        assert pf.backups() == []  # and a damaged file is not made a backup
    finally:
        pf.close()
    assert path.read_bytes() == before


def test_a_write_before_the_first_slice_runs_the_check_first(projects, tmp_path, forms):
    from atmp_desktop.store import DamagedFileError
    path, sentence = damaged_copy(projects, tmp_path, forms)
    before = path.read_bytes()
    pf = ProjectFile.open(path, forms, defer_rows=True)
    try:
        with pytest.raises(DamagedFileError) as refused:
            pf.set_value("product.company_code", "NEVER")
        assert str(refused.value) == sentence
    finally:
        pf.close()
    assert path.read_bytes() == before


def test_the_window_closes_a_file_that_fails_the_check_after_its_first_paint(projects, tmp_path, forms, window,
                                                                              qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    path, _ = damaged_copy(projects, tmp_path, forms)
    before = path.read_bytes()
    said = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: said.append(text))
    window.open_path(path)
    qtbot.waitUntil(lambda: window.project is None and bool(said), timeout=10_000)
    assert said == [f"“{path.name}” is damaged and cannot be read, and this computer holds no backup of it; ask "
                    "the sender for a new copy."]
    assert path.read_bytes() == before


def test_the_window_says_so_once_when_the_file_cannot_be_read_while_it_fetches_rows(projects, tmp_path, window,
                                                                                    qtbot, monkeypatch):
    """The file gone unreadable between the first paint and the last idle slice (a removed disk): one sentence,
    the slices stop, the project stays open with what it shows."""
    from PySide6.QtWidgets import QMessageBox
    from atmp_desktop.store import ProjectFileError
    path = copy_of(projects, "large-1x", tmp_path)
    said = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: said.append((title, text)))
    assert window.open_path(path)

    def unreadable(rows=2000):
        raise ProjectFileError(f"'{path.name}' could not be read any more (disk I/O error)")
    monkeypatch.setattr(window.project, "read_rows", unreadable)
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert said == [("Cannot read project", f"'{path.name}' could not be read any more (disk I/O error)")]
    assert not window._rows.isActive()
    assert window.project is not None


def test_the_stored_tables_are_found_by_seeks_as_a_scan_of_every_row_finds_them(projects, tmp_path):
    """Names stored as text, as blobs, as text that is not UTF-8, empty, and sorting next to each other."""
    from atmp_desktop.store import deferred, guard
    path = copy_of(projects, "car-t", tmp_path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for i, (step, field) in enumerate([("x'ff'", "'sites'"), ("CAST(x'ff' AS TEXT)", "'sites'"),
                                           ("CAST(x'7175616c69747980' AS TEXT)", "'a'"),
                                           ("x'7175616c697479'", "'batch_results'"), ("'quality'", "x'00'"),
                                           ("'quality'", "''"), ("''", "''"), ("'quality'", "'quality'")]):
            conn.execute(f"INSERT INTO table_rows VALUES ('h{i}', {step}, {field}, 0, '{{}}')")
    finally:
        conn.close()
    reader = guard.connect(path, read_only=True)
    reader.text_factory = bytes
    try:
        found = deferred.stored_tables(reader)
        scanned = reader.execute(deferred._GROUPED).fetchall()
    finally:
        reader.close()
    assert [(s, f) for s, f, _ in found] == [(s, f) for s, f, _, _ in scanned]
    assert len(found) > 8


def test_the_window_fetches_every_row_after_its_first_paint_and_shows_the_same_project(projects, tmp_path, forms,
                                                                                       window, qtbot):
    path = copy_of(projects, "large-1x", tmp_path)
    expected = eager(path, forms)
    assert window.open_path(path)
    rows = window.project._rows
    assert rows is not None
    qtbot.waitUntil(lambda: rows.finished, timeout=30_000)  # the idle slices, with the integrity check
    assert not window._rows.isActive()
    assert whole(window.project.snapshot()) == expected
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:  # another program may write again
        other.execute("""UPDATE field_values SET value = '"Theirs"' WHERE field = 'inn'""")
    finally:
        other.close()
