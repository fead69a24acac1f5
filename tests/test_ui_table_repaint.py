"""A cell edit repaints what it changes, and the screen then shows exactly what a full repaint shows."""
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


class PaintedArea(QObject):
    def __init__(self):
        super().__init__()
        self.area = 0

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Paint:
            r = event.rect()
            self.area += r.width() * r.height()
        return False


def on_screen(window) -> QImage:
    """What the window's backing store holds now (offscreen: the pixels last painted), not a fresh repaint."""
    return window.screen().grabWindow(window.winId()).toImage().convertToFormat(QImage.Format_RGB32)


def settle():
    for _ in range(3):
        QApplication.processEvents()


def test_a_cell_edit_repaints_only_its_cell_and_the_screen_is_right(window, sample_project, qtbot, no_message_box):
    window.open_path(sample_project("car-t"))
    window.activateWindow()  # focus events reach the widgets of the active window only
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    path = "references.glossary"
    window.go_to_step("references")
    editor = window.pages["references"].editors[path]
    view, model = editor.view, editor.model
    column = next(i for i, c in enumerate(editor.field.columns) if c.id == "expansion")
    index = model.index(3, column)
    view.scrollTo(index)
    view.setFocus()
    view.setCurrentIndex(index)
    settle()
    view.edit(index)
    cell = view.indexWidget(index)
    cell.setText("Common Technical Document (edited)")
    settle()
    painted = PaintedArea()
    view.viewport().installEventFilter(painted)
    QTest.keyClick(cell, Qt.Key_Return)
    settle()
    view.viewport().removeEventFilter(painted)
    assert window.project.snapshot().rows(path)[3]["expansion"] == "Common Technical Document (edited)"
    assert view.hasFocus()
    shown_part = view.viewport().visibleRegion().boundingRect()  # (the page scrolls: part of the table shows)
    assert 0 < painted.area < shown_part.width() * shown_part.height() / 2  # the cell and the editor's place
    qtbot.waitUntil(lambda: window.saved_label.text() == "All changes are saved automatically", timeout=5000)
    settle()
    shown = on_screen(window)
    window.repaint()  # everything painted afresh
    assert on_screen(window) == shown
