"""Findings: computed off the UI thread after edits, counted per step, and taking the user to the field."""
import pytest

from atmp_desktop.core.validation import Finding
from atmp_desktop.ui import findings as findings_module


@pytest.fixture
def window(window, empty_project):
    """The main window with a new, empty project open."""
    assert window.open_path(empty_project)
    return window


def fake_validate(forms, snap):
    out = []
    if not snap.is_set("product.inn"):
        out.append(Finding("REQ-01", "error", "INN or common name is required.", "ICH M4Q 3.2.S.1.1",
                           "product.inn", "product", "K"))
    out.append(Finding("CTD-02", "warning", "Section 3.2.A.3 has no content.", "M4Q", "3.2.A.3", "", "V"))
    return out


def test_real_validation_runs_when_a_project_opens(window, qtbot):
    qtbot.waitUntil(lambda: window.findings_dock.tree.topLevelItemCount() > 0, timeout=5000)
    assert "required fields filled" in window.findings_dock.summary.text()
    assert any(c.isdigit() for c in window.navigator.item_text("product").split("\n")[1])


def test_a_new_project_shows_what_is_still_to_fill_as_progress_not_errors(window, qtbot):
    dock = window.findings_dock
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() > 0, timeout=5000)
    required = sum(st.required for st in window.navigator.states().values() if st.applies)
    assert dock.summary.text().startswith(f"0 of {required} required fields filled")
    to_fill = [f for f in dock.findings if f.kind == "missing"]
    assert len(to_fill) >= 10 and all(f.severity == "error" for f in to_fill)  # still errors for the report
    kinds = {dock.tree.topLevelItem(i).text(0) for i in range(dock.tree.topLevelItemCount())
             if dock.tree.topLevelItem(i).data(0, 0x0100).kind == "missing"}
    assert kinds == {"To fill"}
    assert "error" not in window.navigator.item_text("product")  # no red counts for empty fields
    assert window.navigator._shown["product"][1] != "error"
    problems = sum(1 for f in dock.findings if f.kind != "missing")
    assert dock.windowTitle() == f"Findings ({problems})"


def test_findings_can_be_filtered_by_kind_and_step(window, qtbot):
    dock = window.findings_dock
    qtbot.waitUntil(lambda: dock.tree.topLevelItemCount() > 0, timeout=5000)
    dock.show_kind("To fill")
    assert dock.visible_findings() and all(f.kind == "missing" for f in dock.visible_findings())
    dock.step_filter.setCurrentIndex(dock.step_filter.findData("quality"))
    assert dock.visible_findings() and all(f.step == "quality" for f in dock.visible_findings())
    dock.show_kind("Errors")
    assert all(f.severity == "error" and f.kind != "missing" for f in dock.visible_findings())
    dock.show_kind("All")
    dock.step_filter.setCurrentIndex(0)
    assert len(dock.visible_findings()) == len(dock.findings)


def test_findings_update_live_and_navigator_counts_them(window, qtbot, monkeypatch):
    monkeypatch.setattr(findings_module, "load_validate", lambda: fake_validate)
    window.validation.request(window.snap, immediately=True)
    qtbot.waitUntil(lambda: window.findings_dock.tree.topLevelItemCount() == 2, timeout=5000)
    assert "1 error" in window.navigator.item_text("product")
    window.go_to_step("product")
    ed = window.pages["product"].editors["product.inn"]
    ed.edit.setText("lumacel-leucel")
    ed.edit.editingFinished.emit()
    qtbot.waitUntil(lambda: window.findings_dock.tree.topLevelItemCount() == 1, timeout=5000)
    assert "error" not in window.navigator.item_text("product")


def test_activating_a_finding_goes_to_its_field(window, qtbot, monkeypatch):
    monkeypatch.setattr(findings_module, "load_validate", lambda: fake_validate)
    window.validation.request(window.snap, immediately=True)
    qtbot.waitUntil(lambda: window.findings_dock.tree.topLevelItemCount() == 2, timeout=5000)
    window.go_to_step("quality")
    item = window.findings_dock.tree.topLevelItem(0)
    assert item.text(0) == "Error" and "Product and classification" in item.text(2)
    window.findings_dock.tree.itemActivated.emit(item, 0)
    assert window.current_step == "product"
    qtbot.waitUntil(lambda: window.help.field is not None and window.help.field.id == "inn", timeout=3000)


def test_a_broken_check_is_reported_not_raised(window, qtbot, monkeypatch):
    def broken(forms, snap):
        raise RuntimeError("rule exploded")
    monkeypatch.setattr(findings_module, "load_validate", lambda: broken)
    window.validation.request(window.snap, immediately=True)
    qtbot.waitUntil(lambda: "could not run" in window.findings_dock.summary.text(), timeout=5000)


def test_typing_does_not_run_checks_on_every_keystroke(window, qtbot, monkeypatch):
    calls = []
    monkeypatch.setattr(findings_module, "load_validate", lambda: lambda f, s: calls.append(1) or [])
    for i in range(5):
        window.validation.request(window.snap)
    qtbot.waitUntil(lambda: len(calls) >= 1, timeout=3000)
    qtbot.wait(400)
    assert len(calls) == 1
