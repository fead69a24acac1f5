"""Commits behind the window (ProjectFile.commit_behind): an edit returns before its commit is on disk, and the
project never disagrees with the file for longer than that commit: every other use of the file waits for it,
and a commit that fails is rolled back and the project read again from the file."""
import sqlite3
import threading

import pytest

from atmp_desktop.store import ProjectFile
from atmp_desktop.store import project_file as pf_module


@pytest.fixture
def project(tmp_path, forms):
    path = tmp_path / "dossier.atmp"
    ProjectFile.create(path, forms).close()
    pf = ProjectFile.open(path, forms)
    pf.commit_behind = True
    yield pf
    pf.close()


def in_file(path, step, field):
    """What another program reading the file sees (no wait for our commits)."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        row = conn.execute("SELECT value FROM field_values WHERE step = ? AND field = ?", [step, field]).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


@pytest.fixture
def held_commit(monkeypatch):
    """Commits wait on the disk until the test releases them (set())."""
    release = threading.Event()
    real = pf_module._commit

    def slow(conn):
        release.wait(30)
        real(conn)
    monkeypatch.setattr(pf_module, "_commit", slow)
    yield release
    release.set()


@pytest.fixture
def failing_commit(monkeypatch):
    def full(conn):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(pf_module, "_commit", full)


def test_an_edit_returns_before_its_commit_and_is_on_disk_once_saved(project, forms, held_commit):
    project.set_value("product.invented_name", "Lumacel", label="name the product")
    assert project.saving
    assert project.snapshot().get("product.invented_name") == "Lumacel"  # the window shows it at once
    assert project.undo_label == "name the product"
    assert in_file(project.path, "product", "invented_name") is None  # not yet committed
    held_commit.set()
    project.wait_saved()
    assert not project.saving and project.unsaved is None
    assert in_file(project.path, "product", "invented_name") == '"Lumacel"'


def test_opening_the_file_again_in_this_process_waits_for_the_commit(project, forms, held_commit):
    project.set_value("product.invented_name", "Lumacel")
    threading.Timer(0.05, held_commit.set).start()
    with ProjectFile.open(project.path, forms, read_only=True) as other:
        assert other.snapshot().get("product.invented_name") == "Lumacel"


def test_each_edit_is_one_transaction_and_one_undo_step(project, forms):
    for name in ("A", "B", "C"):
        project.set_value("product.invented_name", name, label=f"name {name}")
    project.undo()
    assert project.snapshot().get("product.invented_name") == "B"
    assert project.undo_label == "name B" and project.redo_label == "name C"
    project.set_value("product.invented_name", "D", label="name D")
    assert project.redo_label is None
    project.close()
    with ProjectFile.open(project.path, forms) as again:
        assert again.snapshot().get("product.invented_name") == "D"
        assert again.undo_label == "name D" and again.redo_label is None


def test_a_failed_commit_is_rolled_back_and_the_project_shows_the_file(project, forms, monkeypatch):
    project.set_value("product.invented_name", "Lumacel", label="name it")
    project.wait_saved()

    def full(conn):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(pf_module, "_commit", full)
    project.set_value("product.invented_name", "Typo", label="rename it")
    assert project.snapshot().get("product.invented_name") == "Typo"  # shown until the commit fails
    project.wait_saved()
    failure = project.take_unsaved()
    assert "disk is full" in str(failure) and "dossier.atmp" in str(failure)
    assert failure.change.everything  # the window reloads everything from the project
    assert project.take_unsaved() is None  # told once
    # memory and file agree again, history included
    assert project.snapshot().get("product.invented_name") == "Lumacel"
    assert in_file(project.path, "product", "invented_name") == '"Lumacel"'
    assert project.undo_label == "name it"
    # and the next edit is saved
    monkeypatch.undo()
    project.set_value("product.invented_name", "Lumacel B", label="rename again")
    project.wait_saved()
    assert in_file(project.path, "product", "invented_name") == '"Lumacel B"'


def test_an_edit_after_a_failed_commit_is_made_on_the_file_as_it_is(project, forms, failing_commit, monkeypatch):
    project.set_value("product.invented_name", "Lost")
    monkeypatch.undo()  # the disk has room again before the next edit
    project.set_value("product.inn", "tisagenlecleucel")  # waits for the failed commit, then writes
    project.wait_saved()
    assert "disk is full" in str(project.take_unsaved())
    snap = project.snapshot()
    assert snap.get("product.invented_name") is None and snap.get("product.inn") == "tisagenlecleucel"
    project.close()
    with ProjectFile.open(project.path, forms, read_only=True) as again:
        snap = again.snapshot()
        assert snap.get("product.invented_name") is None and snap.get("product.inn") == "tisagenlecleucel"


def test_without_commit_behind_an_edit_is_on_disk_when_it_returns(tmp_path, forms, monkeypatch):
    path = tmp_path / "dossier.atmp"
    ProjectFile.create(path, forms).close()
    with ProjectFile.open(path, forms) as project:  # scripts and the command line
        project.set_value("product.invented_name", "Lumacel")
        assert not project.saving
        assert in_file(path, "product", "invented_name") == '"Lumacel"'
