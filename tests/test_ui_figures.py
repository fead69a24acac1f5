"""Figures and the flow-diagram preview in the real window. Assertions read the project file."""
import io

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from atmp_desktop.store import ProjectFile
from atmp_desktop.ui.figure_panel import FigurePanel, open_panel, thumbnail
from atmp_desktop.ui.flow_preview import ProcessStepsEditor

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120"><rect x="5" y="5" width="290" '
       b'height="110" fill="#cde" stroke="#000"/><text x="20" y="60" font-size="16">ITR-CMV-GFP-ITR</text></svg>')


pytestmark = pytest.mark.usefixtures("no_message_box")


@pytest.fixture
def window(window, sample_project):
    assert window.open_path(sample_project("autologous-tep"))
    return window


def figures(window):
    with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
        return p.snapshot().figures


def png_file(tmp_path, name="facility-plan.png"):
    path = tmp_path / name
    Image.new("RGB", (600, 400), "teal").save(path)
    return path


def test_edit_menu_opens_the_panel_and_attach_caption_alt_move_remove_are_undoable(window, qtbot, tmp_path,
                                                                                   monkeypatch):
    window.act_figures.trigger()
    panel = window._figure_panel
    assert isinstance(panel, FigurePanel) and panel.isVisible()
    panel.place.setCurrentIndex(panel.place.findData("heading:3.2.A.1"))
    chosen = png_file(tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(chosen), ""))
    qtbot.mouseClick(panel.attach_button, Qt.LeftButton)     # Attach image… and the file picked in the dialog
    (fig,) = figures(window)
    assert (fig.target, fig.caption, fig.name, fig.kind) == ("heading:3.2.A.1", "facility plan", "facility-plan.png",
                                                             "png")
    assert window.act_undo.text() == "&Undo attachment of figure 'facility plan'"
    panel.caption.selectAll()
    qtbot.keyClicks(panel.caption, "Clean-room suite: material and personnel flow")
    qtbot.keyClick(panel.caption, Qt.Key_Return)
    qtbot.keyClicks(panel.alt, "Six rooms with one-way flow")
    qtbot.mouseClick(panel.save_alt_button, Qt.LeftButton)
    assert (figures(window)[0].caption, figures(window)[0].alt) == ("Clean-room suite: material and personnel flow",
                                                                   "Six rooms with one-way flow")
    panel.undo_button.click()                      # one step back: the alt text
    assert figures(window)[0].alt == "" and panel.alt.toPlainText() == ""
    panel.attach_file(png_file(tmp_path, "second.png"))
    assert [f.caption for f in figures(window)] == ["Clean-room suite: material and personnel flow", "second"]
    panel.list.setCurrentRow(1)
    panel.up_button.click()
    assert [f.caption for f in figures(window)] == ["second", "Clean-room suite: material and personnel flow"]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    panel.list.setCurrentRow(0)
    panel.remove_button.click()
    assert [f.caption for f in figures(window)] == ["Clean-room suite: material and personnel flow"]
    window.act_undo.trigger()                      # Edit > Undo brings it back, and the open panel follows
    assert panel.list.count() == 2 and len(figures(window)) == 2


def test_a_file_that_is_no_image_is_refused_in_one_sentence(window, tmp_path):
    panel = open_panel(window)
    bad = tmp_path / "map.png"
    bad.write_bytes(b"GIF89a not really")
    panel.attach_file(bad)
    assert figures(window) == ()
    text = panel.message.text()
    assert panel.message.isVisible() and "not a PNG, JPEG or SVG" in text and "\n" not in text
    broken = tmp_path / "cut.png"
    broken.write_bytes(png_file(tmp_path).read_bytes()[:200])
    panel.attach_file(broken)
    assert figures(window) == () and "damaged" in panel.message.text()


def test_an_svg_gets_a_preview_and_is_kept_as_svg(window, tmp_path):
    panel = open_panel(window)
    path = tmp_path / "vector-map.svg"
    path.write_bytes(SVG)
    panel.attach_file(path)
    (fig,) = figures(window)
    assert fig.kind == "svg" and fig.data == SVG
    assert not thumbnail("svg", SVG).isNull() and not panel.preview.pixmap().isNull()
    assert "vector graphics" in panel.details.text()


def test_the_flow_preview_follows_the_process_step_table_only(window, qtbot):
    window.go_to_step("manufacturing")
    ed = window.pages["manufacturing"].editors["manufacturing.process_steps"]
    assert isinstance(ed, ProcessStepsEditor)
    qtbot.waitUntil(lambda: ed.redraws >= 1)
    steps = [b for b in ed.canvas.layout_.boxes if b.kind == "step"]
    assert len(steps) == len(window.project.snapshot().rows("manufacturing.process_steps"))
    count = ed.redraws
    view = ed.view
    view.setFocus()
    view.setCurrentIndex(ed.model.index(0, 1))
    qtbot.keyClick(view, Qt.Key_F2)                                   # edit the step name as a user does
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "Biopsy receipt, washing and separation")
    qtbot.keyClick(editor, Qt.Key_Return)
    qtbot.waitUntil(lambda: ed.redraws > count)
    with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
        assert p.snapshot().rows("manufacturing.process_steps")[0]["name"] == "Biopsy receipt, washing and separation"
    assert "Biopsy receipt, washing and" in " ".join(t for b in ed.canvas.layout_.boxes for t, _b, _s in b.lines)
    count = ed.redraws
    window.project.snapshot()
    window.on_edited("product.inn", "tepicel")            # another field: no redraw
    qtbot.wait(400)
    assert ed.redraws == count
    window.undo()                                          # undo of the inn
    qtbot.wait(400)
    assert ed.redraws == count
    window.undo()                                          # undo of the step name: the preview follows
    qtbot.waitUntil(lambda: ed.redraws > count)
    assert "Biopsy receipt and separation" in " ".join(t for b in ed.canvas.layout_.boxes for t, _b, _s in b.lines)


def test_materials_added_are_drawn_beside_their_step(window, qtbot):
    window.go_to_step("manufacturing")
    ed = window.pages["manufacturing"].editors["manufacturing.process_steps"]
    qtbot.waitUntil(lambda: ed.redraws >= 1)
    mats = [b for b in ed.canvas.layout_.boxes if b.kind == "material"]
    assert mats and any("Dispase" in t for b in mats for t, _b, _s in b.lines)


def test_the_places_say_where_each_figure_prints_by_ctd_number_or_form_section(window):
    panel = open_panel(window)
    label = panel.place.itemText(panel.place.findData("materials.vectors"))
    assert "3.2.S.1.2" in label and "section 2.3 of the GMO form for AAV vectors" in label


def test_the_flow_diagram_of_a_page_built_ahead_is_laid_out_when_shown(window, qtbot, sample_project):
    """A page prebuilt behind another step does not lay its diagram out (pure Python, ~90 ms at 4x) until
    it is shown; shown, the diagram arrives from the pool thread and has every step."""
    assert window.open_path(sample_project("car-t"))
    window.go_to_step("product")
    page = window.page("manufacturing")   # built, not shown
    ed = page.editors["manufacturing.process_steps"]
    qtbot.wait(ed._timer.interval() + 200)
    assert ed.redraws == 0 and ed.canvas.layout_ is None
    window.go_to_step("manufacturing")
    qtbot.waitUntil(lambda: ed.redraws == 1)
    steps = [b for b in ed.canvas.layout_.boxes if b.kind == "step"]
    assert len(steps) == len(window.project.snapshot().rows("manufacturing.process_steps"))
