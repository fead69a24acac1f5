"""Going to the field a finding names (its link) and to the section a 'where the data are' answer chooses."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from atmp_desktop.core.validation import Finding
from atmp_desktop.store import ProjectFile
from atmp_desktop.ui import findings as findings_module


def stored(path, forms):
    with ProjectFile.open(path, forms, read_only=True) as p:
        return p.snapshot()


def test_a_finding_on_a_ctd_code_opens_the_field_it_links(window, sample_project, qtbot, monkeypatch):
    assert window.open_path(sample_project("car-t"))
    finding = Finding("CTD-02", "warning", "3.2.P.7 Container closure system has no content.", "M4Q", "3.2.P.7",
                      "", "K", link="quality.container_closure")
    monkeypatch.setattr(findings_module, "load_validate", lambda: lambda forms, snap: [finding])
    window.validation.request(window.snap, immediately=True)
    tree = window.findings_dock.tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=5000)
    window.go_to_step("product")
    item = tree.topLevelItem(0)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tree.viewport(), Qt.LeftButton, pos=rect.center())
    assert window.current_step == "quality"
    target = window.pages["quality"].editors["quality.container_closure"].focus_target()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is target, timeout=3000)


def test_a_where_choice_offers_go_to_its_section(window, sample_project, forms, qtbot):
    path = sample_project("car-t")
    assert window.open_path(path)
    window.go_to_step("quality")
    page = window.pages["quality"]
    where = page.editors["quality.cci_at_storage_where"]
    assert page.is_field_shown("quality.cci_at_storage_where")  # car-t is cryopreserved
    plain = page.editors["quality.cci_at_storage"]
    assert not hasattr(plain, "go_to_button")  # a yes/no-like choice has no Go to
    where.combo.setFocus()
    while where.combo.currentData() != "quality.container_closure":
        qtbot.keyClick(where.combo, Qt.Key_Down)
    assert where.go_to_button.isEnabled()
    qtbot.mouseClick(where.go_to_button, Qt.LeftButton)
    target = page.editors["quality.container_closure"].focus_target()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is target, timeout=3000)
    window.close_project()
    assert stored(path, forms).get("quality.cci_at_storage_where") == "quality.container_closure"
