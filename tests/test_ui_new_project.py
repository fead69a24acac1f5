"""New Project: required answers, in vivo / ex vivo, 'not applicable', answers kept when saving is cancelled."""
import json
import os
import socket

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from atmp_desktop.store import ProjectFile
from atmp_desktop.store.locking import lock_path
from atmp_desktop.ui import new_project
from atmp_desktop.ui.new_project import NewProjectDialog


def dialog(qtbot, forms):
    d = NewProjectDialog(forms)
    qtbot.addWidget(d)
    d.show()
    return d


def answer_cell_therapy(d, qtbot):
    qtbot.keyClicks(d.title, "LX-201 MAA")
    d.set_answer("product.atmp_type", "sCTMP")
    d.set_answer("product.origin", "allogeneic")
    d.set_answer("product.contains_gmo", False)
    d.set_answer("product.is_combined", False)
    d.set_answer("applicant.procedure", "maa_standard")


def test_required_answers_are_required(qtbot, forms):
    d = dialog(qtbot, forms)
    assert not d.ok.isEnabled()
    assert "project title" in d.missing.text() and "atmp type" in d.missing.text()
    answer_cell_therapy(d, qtbot)
    assert d.ok.isEnabled() and d.missing.text() == ""
    d.set_answer("product.contains_gmo", None)  # "not answered" is not an answer here
    assert not d.ok.isEnabled() and "contains or consists of a gmo" in d.missing.text()
    qtbot.keyClick(d.title, Qt.Key_Return)  # Enter does not slip past the check
    assert d.result() != QDialog.Accepted and d.isVisible()


def test_gene_therapies_are_asked_in_vivo_or_ex_vivo(qtbot, forms):
    d = dialog(qtbot, forms)
    assert d.in_vivo.isHidden()  # no type chosen yet
    d.set_answer("product.atmp_type", "GTMP")
    assert not d.in_vivo.isHidden()
    assert "how the gene therapy is given" in d.missing.text()
    qtbot.mouseClick(d.in_vivo.in_vivo, Qt.LeftButton)
    # an in vivo AAV has no cells: the origin question says it does not apply instead of asking
    assert d.rows["product.origin"].isHidden() and not d.origin_na.isHidden()
    assert "not applicable" in d.origin_na.text()
    qtbot.mouseClick(d.in_vivo.ex_vivo, Qt.LeftButton)
    assert not d.rows["product.origin"].isHidden() and d.origin_na.isHidden()
    qtbot.mouseClick(d.in_vivo.in_vivo, Qt.LeftButton)
    qtbot.keyClicks(d.title, "AAV-9 MAA")
    d.set_answer("product.contains_gmo", True)
    d.set_answer("product.is_combined", False)
    d.set_answer("applicant.procedure", "maa_standard")
    assert d.ok.isEnabled()
    data = d.document()["data"]["product"]
    assert data["gm_cells"] is False and "origin" not in data


def test_a_cell_therapy_is_not_asked_about_gene_transfer(qtbot, forms):
    d = dialog(qtbot, forms)
    answer_cell_therapy(d, qtbot)
    assert d.in_vivo.isHidden()
    assert "gm_cells" not in d.document()["data"]["product"]


def test_answers_survive_a_cancelled_save_dialog(window, tmp_path, forms, monkeypatch, qtbot):
    shown = []

    def exec_(self):
        shown.append(self.title.text())
        if len(shown) == 1:
            answer_cell_therapy(self, qtbot)
        return QDialog.Accepted
    target = tmp_path / "lx201.atmp"
    saves = iter(["", str(target)])  # the first save dialog is cancelled
    monkeypatch.setattr(new_project.NewProjectDialog, "exec", exec_)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (next(saves), ""))
    assert window.new_project()
    assert shown == ["", "LX-201 MAA"]  # shown again, with the answers still in it
    with ProjectFile.open(target, forms, read_only=True) as p:
        assert p.snapshot().get("product.origin") == "allogeneic"


def test_a_project_open_elsewhere_is_not_replaced_by_a_new_one(window, empty_project, forms, monkeypatch, qtbot):
    before = empty_project.read_bytes()
    lock_path(empty_project).write_text(json.dumps({"user": "anna", "host": socket.gethostname(),
                                                    "pid": os.getppid(), "since": "09:00"}))
    errors = []

    def exec_(self):
        answer_cell_therapy(self, qtbot)
        return QDialog.Accepted
    monkeypatch.setattr(new_project.NewProjectDialog, "exec", exec_)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(empty_project), ""))
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: errors.append(text))
    assert not window.new_project()
    assert errors and "anna" in errors[0] and "not replaced" in errors[0]
    assert empty_project.read_bytes() == before
