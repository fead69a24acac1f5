"""The installed Qt binding must not lose references to None (the none_dealloc abort after a few edits)."""
import sys

from atmp_desktop.ui import binding_check


def test_no_none_reference_lost_over_10000_void_calls(qapp):
    from PySide6.QtWidgets import QLabel, QWidget
    label, widget = QLabel(), QWidget()
    before = sys.getrefcount(None)
    for i in range(2500):
        label.setText("x")
        label.setToolTip("tip")
        widget.setVisible(False)
        widget.setEnabled(bool(i % 2))
    assert before - sys.getrefcount(None) < 100


def test_sound_binding_passes_the_start_up_check(qapp):
    assert binding_check.binding_problem() is None


def test_leaking_binding_is_refused_in_one_sentence():
    problem = binding_check.binding_problem(lost=1000, calls=1000)
    assert problem is not None and "pyside6-essentials<6.12" in problem and problem.count(". ") == 0


def test_window_refuses_to_start_on_a_leaking_binding(qapp, monkeypatch, capsys):
    from PySide6.QtWidgets import QMessageBox
    from atmp_desktop.ui import app
    shown = []
    monkeypatch.setattr(binding_check, "none_references_lost", lambda calls=1000: calls)
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))
    assert app.run_gui(None) == 2
    assert shown and "loses a reference to None" in shown[0]
    assert "loses a reference to None" in capsys.readouterr().err
