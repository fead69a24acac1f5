"""Getting work back in the window: File > Backups, a clean copy of a hostile file, the backups of a damaged
file, a lock another computer left. Every refused file is checked byte for byte before and after."""
import hashlib
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from atmp_desktop.store import ProjectFile
from atmp_desktop.store.locking import lock_path
from atmp_desktop.ui import file_rescue
from atmp_desktop.ui.main_window import FILE_FILTER
from tests import reliability_kinds as kinds


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored(path, forms):
    with ProjectFile.open(path, forms, read_only=True) as p:
        return p.snapshot()


@pytest.fixture(autouse=True)
def answers(monkeypatch):
    """Message boxes answered in order: each entry is part of the text of the button to click ('' = Cancel).
    The texts the boxes showed are kept in `answers.shown`."""
    queue: list[str] = []

    def exec_(box):
        answers.shown.append(box.text() + " " + box.informativeText())
        assert queue, f"unexpected question: {box.text()}"
        want = queue.pop(0)
        if want == "OK" and QMessageBox.Ok not in (box.standardButton(b) for b in box.buttons()):
            return 0  # a notice: Qt adds its OK button when it is shown
        button = next(b for b in box.buttons() if (want and want in b.text().replace("&", "")) or
                      (not want and box.buttonRole(b) == QMessageBox.RejectRole))
        button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    answers = type("Answers", (), {})()
    answers.queue, answers.shown = queue, []
    return answers


def save_as(monkeypatch, target):
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, suggested, *a, **k: asked.append(suggested) or (str(target), FILE_FILTER))
    return asked


def run_backups_dialog(monkeypatch, qtbot, row, button_text):
    """Drive the backups dialog when it opens: click the row, then the button."""
    seen = {}

    def exec_(dialog):
        seen["rows"] = [dialog.list.item(i).text() for i in range(dialog.list.count())]
        item = dialog.list.item(row)
        qtbot.mouseClick(dialog.list.viewport(), Qt.LeftButton, pos=dialog.list.visualItemRect(item).center())
        button = next(b for b in (dialog.open_button, dialog.new_button, dialog.replace_button)
                      if button_text in b.text().replace("&", ""))
        qtbot.mouseClick(button, Qt.LeftButton)
        return dialog.result()

    monkeypatch.setattr(file_rescue.BackupsDialog, "exec", exec_)
    return seen


def type_name(window, qtbot, text):
    window.go_to_step("product")
    ed = window.pages["product"].editors["product.invented_name"]
    ed.edit.setFocus()
    ed.edit.selectAll()
    qtbot.keyClicks(ed.edit, text)
    qtbot.keyClick(ed.edit, Qt.Key_Tab)


# ------------------------------------------------------------------------------------------ foreign schema
def test_a_hostile_file_is_refused_and_its_clean_copy_opens(window, sample_project, forms, tmp_path, answers,
                                                            monkeypatch):
    path = sample_project("car-t")
    name = stored(path, forms).get("product.invented_name")
    kinds.trigger_rewrites_value(path)
    before = digest(path)
    target = tmp_path / "clean.atmp"
    asked = save_as(monkeypatch, target)
    answers.queue += ["Clean Copy"]
    assert window.open_path(path)
    assert "did not create" in answers.shown[0] and "evil" in answers.shown[0]
    assert asked == [str(tmp_path / "car-t-clean.atmp")]
    assert window.project.path == target and not window.project.read_only
    window.close_project()
    assert digest(path) == before  # the refused file is left byte for byte
    copy = stored(target, forms)
    assert copy.get("product.invented_name") == name and copy.get("product.inn") != "EVIL"


def test_a_hostile_file_cancelled_opens_nothing_and_stays_intact(window, sample_project, answers, monkeypatch):
    path = sample_project("car-t")
    kinds.view_replaces_values(path)
    before = digest(path)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("no copy was asked for"))
    answers.queue += [""]
    assert not window.open_path(path)
    assert window.project is None and window.stack.currentWidget() is window.start
    assert digest(path) == before and list(path.parent.glob("*-clean.atmp")) == []


def test_a_file_with_an_oversized_value_offers_a_clean_copy_that_keeps_the_rest(window, sample_project, forms,
                                                                                 tmp_path, answers, monkeypatch):
    path = sample_project("car-t")
    name = stored(path, forms).get("product.invented_name")
    kinds.value_too_big(path)  # product.inn holds 40 MB
    before = digest(path)
    target = tmp_path / "clean.atmp"
    save_as(monkeypatch, target)
    answers.queue += ["Clean Copy", "OK"]
    assert window.open_path(path)
    assert "larger than 32 MB" in answers.shown[0] and "clean copy" in answers.shown[0]
    assert "1 could not be used" in answers.shown[1]  # the box naming what was left out
    assert window.project.path == target
    window.close_project()
    assert digest(path) == before
    copy = stored(target, forms)
    assert copy.get("product.invented_name") == name and copy.get("product.inn") is None
    assert copy.rows("manufacturing.sites")


# ------------------------------------------------------------------------------------------ damaged file
def damaged_with_backup(window, path, qtbot):
    """A project opened in the window (its 'open' backup holds 'Backed up'), then damaged on disk."""
    assert window.open_path(path)
    type_name(window, qtbot, "Backed up")
    window.close_project()
    with ProjectFile.open(path, window.forms) as p:  # opened again: a backup with 'Backed up'
        assert p.backups()
    kinds.garbage_in_middle(path)
    return digest(path)


def test_a_damaged_file_offers_its_backups_and_restores_one_as_a_new_file(window, sample_project, forms, tmp_path,
                                                                          answers, monkeypatch, qtbot):
    path = sample_project("car-t")
    before = damaged_with_backup(window, path, qtbot)
    target = tmp_path / "restored.atmp"
    save_as(monkeypatch, target)
    answers.queue += ["Show Backups"]
    seen = run_backups_dialog(monkeypatch, qtbot, 0, "New File")
    assert window.open_path(path)
    assert "is damaged" in answers.shown[0] and "backup" in answers.shown[0]
    assert seen["rows"][0].startswith("Today ")
    assert window.project.path == target
    window.close_project()
    assert digest(path) == before
    assert stored(target, forms).get("product.invented_name") == "Backed up"


def test_a_damaged_file_replaced_by_its_backup_is_kept_beside(window, sample_project, forms, answers, monkeypatch,
                                                              qtbot):
    path = sample_project("car-t")
    before = damaged_with_backup(window, path, qtbot)
    answers.queue += ["Show Backups", "Replace"]
    run_backups_dialog(monkeypatch, qtbot, 0, "Replace")
    assert window.open_path(path)
    assert "damaged file is kept" in answers.shown[1]
    assert window.project.path == path
    window.close_project()
    assert stored(path, forms).get("product.invented_name") == "Backed up"
    kept = list(path.parent.glob("car-t.atmp.damaged-*"))
    assert len(kept) == 1 and digest(kept[0]) == before


def test_a_damaged_file_without_backups_is_one_sentence_and_untouched(window, sample_project, monkeypatch):
    import shutil

    from atmp_desktop.store.backups import folder_for
    path = sample_project("car-t")
    shutil.rmtree(folder_for(path), ignore_errors=True)  # a file received from someone else
    kinds.garbage_in_middle(path)
    before = digest(path)
    said = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: said.append(text))
    assert not window.open_path(path)
    assert len(said) == 1 and "damaged" in said[0] and "\n" not in said[0] and "Traceback" not in said[0]
    assert digest(path) == before


# ------------------------------------------------------------------------------------------ File > Backups
def test_file_backups_replaces_the_open_project_and_the_restore_can_be_undone(window, sample_project, forms,
                                                                              answers, monkeypatch, qtbot):
    path = sample_project("car-t")
    assert window.open_path(path)  # the 'open' backup holds the sample's name
    original = stored(path, forms).get("product.invented_name")
    type_name(window, qtbot, "Typed after opening")
    answers.queue += ["Replace"]
    run_backups_dialog(monkeypatch, qtbot, 0, "Replace")
    window.act_backups.trigger()
    assert f"Replace “{path.name}”" in answers.shown[0] and "backed up first" in answers.shown[0]
    assert window.project is not None and window.project.path == path
    assert window.pages["product"].editors["product.invented_name"].edit.text() == original
    assert stored(path, forms).get("product.invented_name") == original
    backups = window.project.backups()
    assert backups[0].reason == "restore"  # what was replaced can be restored again
    answers.queue += ["Replace"]
    seen = run_backups_dialog(monkeypatch, qtbot, 0, "Replace")
    window.act_backups.trigger()
    assert "before a backup was restored" in seen["rows"][0]
    assert stored(path, forms).get("product.invented_name") == "Typed after opening"


def test_a_failed_restore_leaves_the_current_project_open_and_unchanged(window, sample_project, forms, answers,
                                                                        monkeypatch, qtbot):
    path = sample_project("car-t")
    assert window.open_path(path)
    type_name(window, qtbot, "Kept")
    backup = window.project.backups()[0].path
    backup.write_bytes(b"not a database at all" * 100)
    said = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: said.append(text))
    answers.queue += ["Replace"]
    run_backups_dialog(monkeypatch, qtbot, 0, "Replace")
    window.act_backups.trigger()
    assert len(said) == 1 and "Nothing was changed" in said[0]
    assert window.project is not None and window.project.path == path and not window.project.read_only
    assert window.pages["product"].editors["product.invented_name"].edit.text() == "Kept"
    type_name(window, qtbot, "Still editable")
    window.close_project()
    assert stored(path, forms).get("product.invented_name") == "Still editable"


# ------------------------------------------------------------------------------------------ locks
def far_lock(path):
    lock_path(path).write_text(json.dumps({"host": "far-away-pc", "pid": 4242, "token": "t", "user": "maria",
                                           "since": "2026-11-30T09:00:00"}))


def test_a_lock_of_another_computer_can_be_broken_after_a_clear_question(window, sample_project, forms, answers,
                                                                         qtbot):
    path = sample_project("car-t")
    far_lock(path)
    answers.queue += ["Break the Lock", "Break Lock and Open"]
    assert window.open_path(path)
    assert "maria on far-away-pc" in answers.shown[0]
    assert "surely closed" in answers.shown[1]
    assert not window.project.read_only
    type_name(window, qtbot, "After the crash")
    window.close_project()
    assert stored(path, forms).get("product.invented_name") == "After the crash"
    assert not lock_path(path).exists()


def test_a_lock_not_broken_when_the_question_is_declined(window, sample_project, answers):
    path = sample_project("car-t")
    far_lock(path)
    lock = lock_path(path).read_bytes()
    before = digest(path)
    answers.queue += ["Break the Lock", ""]
    assert not window.open_path(path)
    assert window.project is None
    assert lock_path(path).read_bytes() == lock and digest(path) == before


def test_a_lock_of_this_computer_offers_read_only_only(window, sample_project, answers):
    import os
    import socket
    path = sample_project("car-t")  # held by a live process of this computer: not breakable from here
    lock_path(path).write_text(json.dumps({"host": socket.gethostname(), "pid": os.getppid(), "token": "t",
                                           "user": "maria", "since": "2026-11-30T09:00:00"}))
    answers.queue += ["Read-Only"]
    assert window.open_path(path)
    assert window.project.read_only and "Break" not in answers.shown[0] and "maria" in answers.shown[0]


def test_a_backup_opens_read_only_and_changes_nothing(window, sample_project, forms, monkeypatch, qtbot):
    path = sample_project("car-t")
    assert window.open_path(path)
    type_name(window, qtbot, "Typed later")
    backup = window.project.backups()[0].path
    before = digest(backup)
    run_backups_dialog(monkeypatch, qtbot, 0, "Open Read-Only")
    window.act_backups.trigger()
    assert window.project.path == backup and window.project.read_only
    assert "[read-only]" in window.windowTitle()
    window.go_to_step("product")
    assert window.pages["product"].editors["product.invented_name"].edit.text() != "Typed later"
    window.close_project()
    assert digest(backup) == before
    assert stored(path, forms).get("product.invented_name") == "Typed later"  # the project itself is kept
