"""The .atmp project file: transactions, audit, undo/redo, refusal of foreign files, migrations, locking."""
import hashlib
import json
import shutil
import sqlite3

import pytest

from atmp_desktop.core.forms import load_forms
from atmp_desktop.store import ProjectFile, ProjectFileError, ProjectLockedError, ReadOnlyError
from atmp_desktop.store.header import APPLICATION_ID
from atmp_desktop.store.migrations import SCHEMA_VERSION
from tests.conftest import DATA


@pytest.fixture(scope="module")
def mini():
    return load_forms(DATA / "forms-mini")


@pytest.fixture
def project(tmp_path, mini):
    p = ProjectFile.create(tmp_path / "p.atmp", mini)
    yield p
    p.close()


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_new_file_is_an_application_file(tmp_path, mini, project):
    path = project.path
    project.close()
    assert raw(path, "PRAGMA application_id")[0][0] == APPLICATION_ID
    assert raw(path, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert raw(path, "PRAGMA journal_mode")[0][0] == "delete"
    meta = dict(raw(path, "SELECT key, value FROM project_meta"))
    assert set(meta) >= {"uuid", "title", "created", "modified", "app_version", "schema_version"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.atmp"]  # no -wal/-shm/lock left behind


def test_every_edit_is_saved_at_once_and_audited(project, mini):
    project.set_value("product.invented_name", "Lumacel")
    project.set_value("product.invented_name", "Lumacel®")
    assert raw(project.path, "SELECT value FROM field_values WHERE field='invented_name'") == [('"Lumacel®"',)]
    log = raw(project.path, "SELECT action, field, old_value, new_value FROM audit_log WHERE action='edit'")
    assert log == [("edit", "product.invented_name", None, "Lumacel"),
                   ("edit", "product.invented_name", "Lumacel", "Lumacel®")]


def test_audit_log_is_append_only(project):
    project.set_value("product.invented_name", "X")
    conn = sqlite3.connect(project.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    conn.close()


def test_values_are_typed_and_bad_values_change_nothing(project):
    from atmp_desktop.core.values import FieldValueError
    project.set_value("product.shelf_life", {"value": 48, "unit": "h"})
    before = project.snapshot()
    for path, bad in [("product.atmp_type", "XYZ"), ("product.retention_years", 500),
                      ("product.shelf_life", {"value": 2, "unit": "weeks"}), ("product.submission", "31/12/2026")]:
        with pytest.raises(FieldValueError):
            project.set_value(path, bad)
    assert project.snapshot() == before


def test_table_cells_rows_and_undo_redo(project):
    project.set_value("manufacturing.sites[0].name", "Site A")
    project.set_value("manufacturing.sites[1]", {"name": "Site B", "country": "DE"})
    project.set_value("manufacturing.sites[0].country", "AT")
    assert project.get("manufacturing.sites") == [{"name": "Site A", "country": "AT"},
                                                  {"name": "Site B", "country": "DE"}]
    # a cell edit is audited as the cell, not the whole table
    last = project.audit_entries(limit=1)[0]
    assert (last["field"], last["old_value"], last["new_value"]) == ("manufacturing.sites[0].country", None, "AT")
    assert project.undo_label == "edit of Country (row 1 of Manufacturing sites)"
    project.undo()
    assert project.get("manufacturing.sites[0].country") is None
    project.undo()
    assert project.get("manufacturing.sites") == [{"name": "Site A"}]
    project.redo()
    assert len(project.get("manufacturing.sites")) == 2
    assert raw(project.path, "SELECT COUNT(*) FROM table_rows")[0][0] == 2


def test_one_action_is_one_undo_step(project):
    project.apply([("product.invented_name", "A"), ("product.atmp_type", "TEP")], label="fill in basics")
    project.undo()
    snap = project.snapshot()
    assert snap.get("product.invented_name") is None and snap.get("product.atmp_type") is None
    assert project.redo_label == "fill in basics"


def test_unchanged_value_is_not_an_action(project):
    project.set_value("product.invented_name", "A")
    assert project.set_value("product.invented_name", "A") is None


def test_read_only_refuses_writes(project, mini):
    project.set_value("product.invented_name", "A")
    ro = ProjectFile.open(project.path, mini, read_only=True)
    with pytest.raises(ReadOnlyError):
        ro.set_value("product.invented_name", "B")
    assert ro.get("product.invented_name") == "A"
    ro.close()


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b"PK\x03\x04 this is a zip, not a project" * 10), "not an SQLite database"),
    (lambda p: p.write_bytes(b""), "not an SQLite database"),
    (lambda p: p.write_text("title,value\nfoo,bar\n"), "not an SQLite database"),
])
def test_garbage_is_refused_and_left_unchanged(tmp_path, mini, make, message):
    path = tmp_path / "bad.atmp"
    make(path)
    before = digest(path)
    with pytest.raises(ProjectFileError, match=message):
        ProjectFile.open(path, mini)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.atmp"]


def test_foreign_sqlite_file_is_refused_unchanged(tmp_path, mini):
    path = tmp_path / "other.atmp"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(ProjectFileError, match="not an ATMP Dossier project"):
        ProjectFile.open(path, mini)
    assert digest(path) == before


def test_newer_file_is_refused_unchanged(tmp_path, mini, project):
    path = project.path
    project.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(ProjectFileError, match="newer version"):
        ProjectFile.open(path, mini)
    assert digest(path) == before


def test_truncated_file_is_refused_unchanged(tmp_path, mini, project):
    project.set_value("product.description", " ".join(f"text {i}" for i in range(40_000)))  # many pages
    path = project.path
    project.close()
    data = path.read_bytes()
    cut = tmp_path / "cut.atmp"
    cut.write_bytes(data[: len(data) // 2 + 100])
    before = digest(cut)
    with pytest.raises(ProjectFileError, match="truncated or damaged"):
        ProjectFile.open(cut, mini)
    assert digest(cut) == before


def test_old_file_is_backed_up_then_migrated(tmp_path, mini):
    """tests/data/format1.atmp was written by schema version 1 (before section status existed)."""
    path = tmp_path / "old.atmp"
    shutil.copy(DATA / "format1.atmp", path)
    original = digest(path)
    project = ProjectFile.open(path, mini)
    try:
        assert project.backup_path is not None and digest(project.backup_path) == original
        assert raw(path, "PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert project.get("product.invented_name") == "Oldcel"
        assert project.get("manufacturing.sites[0].name") == "Legacy Site"
        project.set_section_status("3.2.S.1.1", "ready")
        assert project.snapshot().section_status == {"3.2.S.1.1": {"status": "ready", "note": ""}}
    finally:
        project.close()


def test_second_instance_is_told_who_holds_the_file(tmp_path, mini, project):
    lock = project.path.with_name(project.path.name + ".lock")
    holder = json.loads(lock.read_text())
    from atmp_desktop.store.locking import process_start
    holder.update(pid=1, start=process_start(1))  # pretend another live process (init) holds it
    lock.write_text(json.dumps(holder))
    with pytest.raises(ProjectLockedError, match="already open") as err:
        ProjectFile.open(project.path, mini)
    assert err.value.holder["pid"] == 1
    ProjectFile.open(project.path, mini, read_only=True).close()  # read-only is always possible


def test_save_as_copies_with_backup_api(tmp_path, mini, project):
    project.set_value("product.invented_name", "Copied")
    other = project.save_as(tmp_path / "copy.atmp")
    try:
        assert other.path.name == "copy.atmp"
        assert other.get("product.invented_name") == "Copied"
        assert raw(other.path, "PRAGMA application_id")[0][0] == APPLICATION_ID
        other.undo()  # the undo history continues in the copy
        assert other.get("product.invented_name") is None
        assert raw(project.path, "SELECT value FROM field_values WHERE field = 'invented_name'") == [('"Copied"',)]
    finally:
        other.close()


def test_create_refuses_to_overwrite(tmp_path, mini, project):
    with pytest.raises(ProjectFileError, match="already exists"):
        ProjectFile.create(project.path, mini)


def test_a_failed_write_is_one_sentence_and_changes_nothing(project, monkeypatch):
    project.set_value("product.invented_name", "Kept")

    def disk_full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("atmp_desktop.store.project_file._write_value", disk_full)
    with pytest.raises(ProjectFileError, match="could not be saved to 'p.atmp'.*disk is full"):
        project.set_value("product.invented_name", "Lost")
    monkeypatch.undo()
    assert project.get("product.invented_name") == "Kept"
    assert project.undo_label == "edit of Invented name"  # the failed action is not on the undo stack


def test_unencodable_and_control_characters_are_removed_not_fatal(project):
    project.set_value("product.description", "ok\x00 \ud800text\x07 µ ≥ ±")
    assert project.get("product.description") == "ok text µ ≥ ±"


def test_section_status_is_audited_and_undoable(project):
    project.set_section_status("3.2.P.5.1", "draft")
    project.set_section_status("3.2.P.5.1", "ready", "checked by QA")
    assert project.snapshot().section_status == {"3.2.P.5.1": {"status": "ready", "note": "checked by QA"}}
    assert project.undo_label == "status of section 3.2.P.5.1"
    project.undo()
    assert project.snapshot().section_status == {"3.2.P.5.1": {"status": "draft", "note": ""}}
    project.undo()
    assert project.snapshot().section_status == {}
    project.redo()
    assert project.snapshot().section_status["3.2.P.5.1"]["status"] == "draft"
    log = [(e["action"], e["field"], e["old_value"], e["new_value"]) for e in reversed(project.audit_entries())
           if e["field"] == "3.2.P.5.1"]
    assert log == [("section status", "3.2.P.5.1", None, "draft"), ("section status", "3.2.P.5.1", "draft", "ready"),
                   ("undo", "3.2.P.5.1", "ready", "draft"), ("undo", "3.2.P.5.1", "draft", None),
                   ("redo", "3.2.P.5.1", None, "draft")]
