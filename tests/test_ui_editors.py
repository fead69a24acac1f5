"""Dates, numbers and amounts typed into the real widgets; every assertion reads the project file."""
import pytest
from PySide6.QtCore import QLocale, Qt

from atmp_desktop.store import ProjectFile

DATE = "applicant.planned_submission_date"


@pytest.fixture
def window(window, empty_project):
    assert window.open_path(empty_project)
    return window


@pytest.fixture
def locale():
    """Switch the user's locale for one test."""
    before = QLocale()

    def use(name):
        QLocale.setDefault(QLocale(name))
    yield use
    QLocale.setDefault(before)


def stored(window, path):
    with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
        return p.snapshot().get(path)


def editor(window, path):
    step = path.split(".")[0]
    window.go_to_step(step)
    return window.pages[step].editors[path]


def retype(qtbot, box, text, key=Qt.Key_Return):
    """Select what the box holds and type over it, as a user does, then press Enter."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key_A, Qt.ControlModifier)
    if text:
        qtbot.keyClicks(box, text)
    else:
        qtbot.keyClick(box, Qt.Key_Delete)
    qtbot.keyClick(box, key)


def test_an_iso_date_typed_into_an_empty_box_is_saved(window, qtbot):
    ed = editor(window, DATE)
    assert ed.edit.text() == ""  # no "Not set" text for keystrokes to land behind
    retype(qtbot, ed.edit, "2027-03-15")
    assert stored(window, DATE) == "2027-03-15"


@pytest.mark.parametrize("name, typed", [("en_GB", "15/03/2027"), ("en_US", "03/15/2027"), ("de_DE", "15.03.2027"),
                                         ("en_GB", "15 March 2027")])
def test_the_locales_form_is_read_as_the_same_day(window, qtbot, locale, name, typed):
    locale(name)
    ed = editor(window, DATE)
    retype(qtbot, ed.edit, typed)
    assert stored(window, DATE) == "2027-03-15"
    assert ed.edit.text() == "2027-03-15"  # shown the way it was understood


def test_typing_over_an_existing_date_saves_exactly_the_typed_date(window, qtbot):
    ed = editor(window, DATE)
    retype(qtbot, ed.edit, "2025-12-31")
    retype(qtbot, ed.edit, "2027-01-02")
    assert stored(window, DATE) == "2027-01-02"
    retype(qtbot, ed.edit, "20280315")
    assert stored(window, DATE) == "2028-03-15"


def test_an_impossible_date_is_shown_invalid_and_not_saved(window, qtbot, locale):
    locale("en_GB")
    ed = editor(window, DATE)
    retype(qtbot, ed.edit, "2026-05-01")
    retype(qtbot, ed.edit, "31/02/2025")
    assert stored(window, DATE) == "2026-05-01"  # the earlier date stays; nothing different is saved
    row = window.pages["applicant"].rows[DATE]
    assert row.message is not None and not row.message.isHidden()
    assert "February 2025 has 28 days" in row.message.text()
    assert ed.edit.text() == "31/02/2025"  # left for the user to correct
    retype(qtbot, ed.edit, "28/02/2025")
    assert stored(window, DATE) == "2025-02-28"
    assert row.message.isHidden()


def test_a_two_digit_year_is_refused_not_guessed(window, qtbot, locale):
    locale("en_US")
    ed = editor(window, DATE)
    retype(qtbot, ed.edit, "3/15/27")
    assert stored(window, DATE) is None
    assert "four digits" in window.pages["applicant"].rows[DATE].message.text()


def test_clear_removes_the_date_in_one_click(window, qtbot):
    ed = editor(window, DATE)
    retype(qtbot, ed.edit, "2027-03-15")
    clear = next(b for b in ed.findChildren(type(ed.calendar_button)) if b.text() == "Clear")
    qtbot.mouseClick(clear, Qt.LeftButton)
    assert stored(window, DATE) is None


def test_picking_a_day_in_the_calendar_saves_it(window, qtbot):
    from PySide6.QtCore import QDate
    ed = editor(window, DATE)
    ed._ensure_calendar()
    ed.calendar.clicked.emit(QDate(2027, 4, 9))
    assert stored(window, DATE) == "2027-04-09"


def test_digits_typed_into_an_empty_number_box_are_saved(window, qtbot):
    years = editor(window, "traceability.retention_years")
    retype(qtbot, years.edit, "30")
    assert stored(window, "traceability.retention_years") == 30
    retype(qtbot, years.edit, "")  # emptying the box clears the value
    assert stored(window, "traceability.retention_years") is None


def test_a_number_outside_the_forms_range_is_explained_and_not_saved(window, qtbot):
    years = editor(window, "traceability.retention_years")
    retype(qtbot, years.edit, "250")
    assert stored(window, "traceability.retention_years") is None
    assert "highest allowed value, 100" in window.pages["traceability"].rows["traceability.retention_years"].message.text()
    retype(qtbot, years.edit, "twelve")
    assert "not a whole number" in window.pages["traceability"].rows["traceability.retention_years"].message.text()


def test_an_amount_typed_into_an_empty_box_is_saved_with_its_unit(window, qtbot, locale):
    life = editor(window, "quality.shelf_life")
    life.unit.setCurrentText("months")
    retype(qtbot, life.edit, "24")
    assert stored(window, "quality.shelf_life") == {"value": 24, "unit": "months"}
    locale("de_DE")
    retype(qtbot, life.edit, "12,5")
    assert stored(window, "quality.shelf_life") == {"value": 12.5, "unit": "months"}
    assert life.edit.text() == "12,5"


def test_leaving_the_box_with_tab_saves_it(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow())
    years = editor(window, "traceability.retention_years")
    retype(qtbot, years.edit, "15", key=Qt.Key_Tab)
    assert stored(window, "traceability.retention_years") == 15


# ------------------------------------------------------------------------------------------- table cells
def _type_into_cell(qtbot, t, row, column_id, text):
    col = [c.id for c in t.field.columns].index(column_id)
    idx = t.model.index(row, col)
    t.view.setCurrentIndex(idx)
    t.view.setFocus()
    qtbot.keyClicks(t.view, text[0])  # typing starts the cell editor with the first key
    box = t.view.indexWidget(idx) or t.view.focusWidget()
    qtbot.keyClicks(box, text[1:])
    qtbot.keyClick(box, Qt.Key_Return)


def _rows(window, path):
    with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
        return p.snapshot().rows(path)


def test_a_date_typed_into_a_cell_is_saved_and_an_impossible_one_explained(window, qtbot):
    t = editor(window, "manufacturing.sites")
    qtbot.mouseClick(t.add_button, Qt.LeftButton)
    _type_into_cell(qtbot, t, 0, "gmp_certificate_date", "2025-06-30")
    qtbot.waitUntil(lambda: _rows(window, "manufacturing.sites") == [{"gmp_certificate_date": "2025-06-30"}])
    _type_into_cell(qtbot, t, 0, "gmp_certificate_date", "2025-02-30")
    qtbot.waitUntil(lambda: not t.message.isHidden())
    assert "February 2025 has 28 days" in t.message.text()
    assert _rows(window, "manufacturing.sites") == [{"gmp_certificate_date": "2025-06-30"}]


def test_a_number_typed_into_an_empty_cell_is_saved(window, qtbot):
    t = editor(window, "manufacturing.process_steps")
    qtbot.mouseClick(t.add_button, Qt.LeftButton)
    _type_into_cell(qtbot, t, 0, "number", "12")
    qtbot.waitUntil(lambda: _rows(window, "manufacturing.process_steps") == [{"number": 12}])


def test_undo_while_a_date_box_holds_an_impossible_date_shows_the_file_value(window, qtbot):
    ed = editor(window, DATE)
    retype(qtbot, ed.edit, "2026-05-01")
    retype(qtbot, ed.edit, "31/02/2026")  # not saved, left in the box
    window.act_undo.trigger()  # undoes the 2026-05-01 write and reloads the box without an error
    assert stored(window, DATE) is None
    assert ed.edit.text() == "" and ed.problem_text == ""
