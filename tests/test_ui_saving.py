"""The window does not wait for the disk: an edit's commit runs behind it, the status bar says saved only once
the change is on disk, Close waits for it, and a commit that fails is told in one sentence."""
import sqlite3
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from atmp_desktop.store import project_file as pf_module

SAVED = "All changes are saved automatically"


def in_file(path, step, field):
    conn = sqlite3.connect(path, timeout=10)  # another program reading the file
    try:
        row = conn.execute("SELECT value FROM field_values WHERE step = ? AND field = ?", [step, field]).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def type_name(window, qtbot, text):
    window.go_to_step("product")
    box = window.pages["product"].editors["product.invented_name"].edit
    box.setFocus()
    box.clear()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key_Return)
    return window.pages["product"].editors["product.invented_name"]


@pytest.fixture
def held_commit(monkeypatch):
    release = threading.Event()
    real = pf_module._commit

    def slow(conn):  # a disk that takes its time
        release.wait(30)
        real(conn)
    monkeypatch.setattr(pf_module, "_commit", slow)
    yield release
    release.set()


def test_an_edit_shows_at_once_and_the_status_bar_says_saved_once_it_is_on_disk(window, empty_project, qtbot,
                                                                                held_commit, no_message_box):
    window.open_path(empty_project)
    type_name(window, qtbot, "Lumacel")
    assert window.snap.get("product.invented_name") == "Lumacel"
    assert window.saved_label.text() == "Saving…"
    assert in_file(empty_project, "product", "invented_name") is None
    qtbot.wait(50)  # the event loop turns while the disk works; the promise stays true
    assert window.saved_label.text() == "Saving…"
    held_commit.set()
    qtbot.waitUntil(lambda: window.saved_label.text() == SAVED, timeout=5000)
    assert in_file(empty_project, "product", "invented_name") == '"Lumacel"'


def test_closing_the_project_waits_for_the_last_commit(window, empty_project, qtbot, held_commit, no_message_box):
    window.open_path(empty_project)
    type_name(window, qtbot, "Lumacel")
    threading.Timer(0.1, held_commit.set).start()
    window.close_project()
    assert in_file(empty_project, "product", "invented_name") == '"Lumacel"'


def test_a_commit_that_fails_is_told_in_one_sentence_and_the_window_shows_the_file(window, empty_project, qtbot,
                                                                                   monkeypatch):
    window.open_path(empty_project)
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: messages.append((title, text)))

    def full(conn):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(pf_module, "_commit", full)
    editor = type_name(window, qtbot, "Lumacel")
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    (title, text), = messages
    assert title == "Change not saved" and "disk is full" in text and "dossier.atmp" in text
    assert text.count(". ") == 0 and text.endswith(".")  # one sentence
    assert window.saved_label.text() == "Last change NOT saved"
    assert editor.value() is None  # the box shows what is really in the file
    assert in_file(empty_project, "product", "invented_name") is None
    # the next edit, once the disk has room, is saved and says so
    monkeypatch.setattr(pf_module, "_commit", lambda conn: conn.execute("COMMIT"))
    type_name(window, qtbot, "Lumacel")
    qtbot.waitUntil(lambda: window.saved_label.text() == SAVED, timeout=5000)
    assert in_file(empty_project, "product", "invented_name") == '"Lumacel"'
    assert len(messages) == 1


def test_the_file_watch_does_not_wait_for_our_commit_and_checks_at_its_next_tick(window, empty_project, qtbot,
                                                                                 held_commit, no_message_box):
    import json
    window.open_path(empty_project)
    type_name(window, qtbot, "Lumacel")
    window._watch_file()  # the 2 s tick while our commit is on its way: skipped, not waited for
    assert window.project.saving and window.saved_label.text() == "Saving…"
    held_commit.set()
    qtbot.waitUntil(lambda: window.saved_label.text() == SAVED, timeout=5000)
    conn = sqlite3.connect(empty_project, timeout=10)  # then another program changes the file
    with conn:
        conn.execute("INSERT OR REPLACE INTO field_values (step, field, value, modified) VALUES (?, ?, ?, ?)",
                     ("product", "inn", json.dumps("changed elsewhere"), "2026-12-01T10:00:00Z"))
    conn.close()
    window._watch_file()
    assert window.snap.get("product.inn") == "changed elsewhere"
