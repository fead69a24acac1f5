"""What is required follows what the project pursues: the label's *, the navigator's count and the Sections dock
change when the writer chooses another procedure (forms' `required_for`)."""
from PySide6.QtCore import Qt

from atmp_desktop.store import ProjectFile


def test_choosing_a_marketing_authorisation_makes_module_3_fields_required(window, tmp_path, forms, qtbot):
    path = tmp_path / "classification.atmp"
    with ProjectFile.create(path, forms) as p:
        p.apply([("applicant.procedure", "atmp_classification"), ("product.atmp_type", "sCTMP")], "setup")
    assert window.open_path(path)
    window.go_to_step("quality")
    row = window.page("quality").rows["quality.dp_specification"]
    assert not row.label.text().endswith("*") and "Not required" in row.label.toolTip()
    assert window.navigator.states()["quality"].required == 0
    assert not window.sections_dock.facts["3.2.P.5"].required_empty

    window.go_to_step("applicant")
    combo = window.page("applicant").editors["applicant.procedure"].combo
    combo.setFocus()
    for _ in range(combo.count()):  # the marketing authorisation is listed above the classification
        if combo.currentData() == "maa_standard":
            break
        qtbot.keyClick(combo, Qt.Key_Up)
    assert combo.currentData() == "maa_standard"
    qtbot.waitUntil(lambda: row.label.text().endswith("*"), timeout=3000)
    assert row.label.toolTip() == "Required"
    assert window.navigator.states()["quality"].required > 0
    assert "quality.dp_specification" in window.sections_dock.facts["3.2.P.5"].required_empty
    window.close_project()
    with ProjectFile.open(path, forms, read_only=True) as p:
        assert p.snapshot().get("applicant.procedure") == "maa_standard"
