"""The rich-text editor of long-text fields in the real window: toolbar and shortcuts write the narrative
markup; the markup goes window -> project file -> JSON -> both writers unchanged; paste from Word keeps
bold, italic, super/subscript and lists and drops the rest; undo works in the box and in the project."""
import json

import pytest
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from atmp_desktop.core.project import to_document
from atmp_desktop.store import ProjectFile
from atmp_desktop.ui.rich_text import RichTextEditor

FIELD = "product.mode_of_action"   # printed by 3.2.S.1.3 (a long-text field of the `fields` item)

WORD_HTML = """<html><head><style>p.MsoNormal {font-family:Calibri}</style></head><body><!--StartFragment-->
<p class=MsoNormal><b>Bold</b> and <i>italic</i>, <span style='color:red;font-size:20pt;font-family:Arial'>red
and big</span>, 1 &times; 10<sup>8</sup> cells, CO<sub>2</sub></p>
<p class=MsoListParagraphCxSpFirst style='mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]>first
point</p>
<p class=MsoListParagraphCxSpLast style='mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol'>·<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]>second
<b>point</b></p>
<p class=MsoNormal>1.&nbsp;&nbsp;&nbsp; Thaw the bag</p><p class=MsoNormal>2.&nbsp;&nbsp;&nbsp; Infuse</p>
<table><tr><td>cell</td></tr></table><!--EndFragment--></body></html>"""


pytestmark = pytest.mark.usefixtures("no_message_box")


@pytest.fixture
def window(window, empty_project):
    assert window.open_path(empty_project)
    window.activateWindow()   # shortcuts reach the active window only
    window.go_to_step("product")
    return window


def box(window) -> RichTextEditor:
    ed = window.pages["product"].editors[FIELD]
    assert isinstance(ed, RichTextEditor)
    return ed


def stored(window):
    with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
        return p.snapshot()


def type_formatted(ed: RichTextEditor) -> None:
    e = ed.edit
    e.setFocus()
    QTest.keyClicks(e, "Dose 1 x 10")
    QTest.keyClick(e, Qt.Key_Equal, Qt.ControlModifier | Qt.ShiftModifier)   # superscript on
    QTest.keyClicks(e, "8")
    QTest.keyClick(e, Qt.Key_Equal, Qt.ControlModifier | Qt.ShiftModifier)   # and off
    QTest.keyClicks(e, " cells in ")
    QTest.keyClick(e, Qt.Key_I, Qt.ControlModifier)
    QTest.keyClicks(e, "5 % CO")
    QTest.keyClick(e, Qt.Key_Equal, Qt.ControlModifier)                      # subscript
    QTest.keyClicks(e, "2")
    QTest.keyClick(e, Qt.Key_Equal, Qt.ControlModifier)
    QTest.keyClick(e, Qt.Key_I, Qt.ControlModifier)
    QTest.keyClicks(e, ", see 3.2.S.2.3.")
    QTest.keyClick(e, Qt.Key_Return)                                          # a new paragraph
    QTest.keyClick(e, Qt.Key_B, Qt.ControlModifier)
    QTest.keyClicks(e, "Steps")
    QTest.keyClick(e, Qt.Key_B, Qt.ControlModifier)
    QTest.keyClick(e, Qt.Key_Return)
    ed.buttons["numbers"].click()
    QTest.keyClicks(e, "thaw")
    QTest.keyClick(e, Qt.Key_Return)
    QTest.keyClicks(e, "infuse")


EXPECTED = ("Dose 1 x 10^8^ cells in *5 % CO~2~*, see 3.2.S.2.3.\n\n**Steps**\n\n1. thaw\n2. infuse")


def test_toolbar_and_shortcuts_store_markup_and_it_reaches_both_writers(window, qtbot, tmp_path, forms):
    ed = box(window)
    type_formatted(ed)
    ed.edit.focus_lost.emit()   # leaving the box saves it
    qtbot.waitUntil(lambda: stored(window).get(FIELD) == EXPECTED)
    # the JSON interchange carries the markup unchanged and a new project from it shows the same formatting
    doc = json.loads(json.dumps(to_document(stored(window))))
    assert doc["data"]["product"]["mode_of_action"] == EXPECTED
    with ProjectFile.create(tmp_path / "copy.atmp", forms, document=doc) as copy_:
        again = RichTextEditor(forms.field(FIELD))
        again.load_from(copy_.snapshot())
        again.edit.document().setModified(True)   # read it back from the formatted document, not the cache
        assert again.value() == EXPECTED
        snap = copy_.snapshot()
    # both writers: superscript, subscript, italic, bold and the numbered list
    import docx
    from pypdf import PdfReader

    from atmp_desktop.export.api import export_documents
    res = export_documents(snap, ["m3-2-s"], tmp_path / "out", formats=("docx", "pdf"))
    word = docx.Document(next(p for p in res.paths if p.suffix == ".docx"))
    runs = [r for p in word.paragraphs for r in p.runs]
    assert any(r.text == "8" and r.font.superscript for r in runs)
    assert any(r.text == "2" and r.font.subscript and r.italic for r in runs)
    assert any(r.text == "Steps" and r.bold for r in runs)
    assert [p.text for p in word.paragraphs if p.style.name == "List Number"][:2] == ["thaw", "infuse"]
    text = "\n".join(p.extract_text() for p in PdfReader(next(p for p in res.paths if p.suffix == ".pdf")).pages)
    assert "Dose 1 x 10" in text and "thaw" in text and "^" not in text and "**" not in text


def test_paste_from_word_keeps_emphasis_and_lists_and_drops_the_rest(window, qtbot):
    ed = box(window)
    ed.edit.setFocus()
    data = QMimeData()
    data.setHtml(WORD_HTML)
    data.setText("plain text fallback")
    ed.edit.insertFromMimeData(data)
    ed.commit()
    value = stored(window).get(FIELD)
    assert value.startswith("**Bold** and *italic*, red and big, 1 × 10^8^ cells, CO~2~")
    assert "- first point\n- second **point**" in value
    assert "1. Thaw the bag\n2. Infuse" in value
    assert "cell" in value and "color" not in value and "Arial" not in value and "<" not in value


def test_plain_text_pastes_as_text(window):
    ed = box(window)
    data = QMimeData()
    data.setText("a **not bold** b\n\nsecond paragraph")
    ed.edit.setFocus()
    ed.edit.insertFromMimeData(data)
    ed.commit()
    assert stored(window).get(FIELD) == "a \\*\\*not bold\\*\\* b\n\nsecond paragraph"


def test_undo_in_the_box_and_one_project_step_per_save(window, qtbot):
    ed = box(window)
    e = ed.edit
    e.setFocus()
    QTest.keyClicks(e, "first words")
    ed.commit()
    assert stored(window).get(FIELD) == "first words"
    QTest.keyClicks(e, " more")
    QTest.keyClick(e, Qt.Key_Z, Qt.ControlModifier)   # the box's own undo takes typing back (Qt joins a run)
    assert "more" not in e.toPlainText()
    QTest.keyClick(e, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)   # and redoes it
    assert e.toPlainText() == "first words more"
    e.selectAll()
    QTest.keyClicks(e, "other words")
    ed.commit()
    assert stored(window).get(FIELD) == "other words"
    window.undo()   # the project's undo: one step per save
    assert stored(window).get(FIELD) == "first words"
    assert ed.edit.toPlainText() == "first words"


def test_stored_plain_text_is_kept_exactly_until_edited(window, qtbot):
    text = "Titre 1 × 10^8 cells and p < 0.05*; * not a list\n- but this is"
    window.project.set_value(FIELD, text)
    window.go_to_step("applicant")
    window._reload_everything()
    ed = box(window)
    assert ed.value() == text   # loaded, not rewritten
    ed.commit()
    assert stored(window).get(FIELD) == text
    ed.edit.setFocus()
    ed.edit.moveCursor(QTextCursor.End)
    QTest.keyClicks(ed.edit, "!")
    ed.commit()
    # still no backslashes where the text reads the same without them
    assert stored(window).get(FIELD).startswith("Titre 1 × 10^8 cells and p < 0.05*; * not a list")


@pytest.mark.parametrize("markup", [False, True])
def test_a_long_stored_text_opens_at_its_beginning(window, qtbot, markup):
    """The box is shorter than a long text: it shows the start of it with the cursor there, as a word
    processor opens a document (it showed the last lines, the cursor left at the end of the insertion)."""
    paragraphs = [f"{'**Paragraph**' if markup else 'Paragraph'} {i} of the mode of action, long enough to "
                  "wrap in the box at least once or twice." for i in range(1, 41)]
    window.project.set_value(FIELD, "\n\n".join(paragraphs))
    window._reload_everything()
    ed = box(window)
    qtbot.waitUntil(lambda: ed.edit.isVisible())
    QApplication.processEvents()
    bar = ed.edit.verticalScrollBar()
    assert bar.maximum() > 0  # longer than the box
    assert bar.value() == 0 and ed.edit.textCursor().position() == 0
    assert ed.edit.cursorForPosition(ed.edit.viewport().rect().topLeft()).block().text().startswith("Paragraph 1 ")


def test_the_toolbar_shows_the_format_at_the_cursor(window):
    ed = box(window)
    ed.set_value("plain **bold** text")
    cursor = ed.edit.textCursor()
    cursor.setPosition(8)
    ed.edit.setTextCursor(cursor)
    assert ed.buttons["bold"].isChecked()
    cursor.setPosition(2)
    ed.edit.setTextCursor(cursor)
    assert not ed.buttons["bold"].isChecked()


def test_citations_and_references_pass_through_an_edit_unchanged(window, qtbot, sample_project):
    """Markup the editor has no button for ([ref:key] citations, section numbers) is kept as written, also
    with emphasis around a citation, when the writer edits another part of the text."""
    assert window.open_path(sample_project("car-t"))
    window.go_to_step("product")
    ed = box(window)
    original = stored(window).get(FIELD)
    assert "[ref:maude-2018]" in original
    e = ed.edit
    e.setFocus()
    e.moveCursor(QTextCursor.Start)
    QTest.keyClicks(e, "In short: ")
    ed.edit.focus_lost.emit()
    qtbot.waitUntil(lambda: stored(window).get(FIELD) == "In short: " + original)
    window.project.set_value(FIELD, "As shown **by [ref:maude-2018]** and *in [ref:gmp-atmp; ph-eur-5-2-12]*, "
                                    "see 3.2.S.2.3.")
    window._reload_everything()
    ed = box(window)
    ed.edit.setFocus()
    ed.edit.moveCursor(QTextCursor.End)
    QTest.keyClicks(ed.edit, " Done.")
    ed.edit.focus_lost.emit()
    qtbot.waitUntil(lambda: stored(window).get(FIELD).endswith("Done."))
    assert stored(window).get(FIELD) == ("As shown **by [ref:maude-2018]** and *in [ref:gmp-atmp; ph-eur-5-2-12]*, "
                                         "see 3.2.S.2.3. Done.")


def test_every_long_text_of_the_samples_reads_back_from_the_editor_unchanged(qtbot, forms):
    """Loaded into the editor and read back from its formatted document (as after an edit), every long text
    of the five samples (lists, emphasis, sub/superscripts, citations, section numbers) is the same text."""
    from atmp_desktop.samples import load_sample
    ed = RichTextEditor(forms.field(FIELD))
    qtbot.addWidget(ed)
    checked = 0
    for name in ("car-t", "aav-gene-therapy", "allogeneic-cells", "autologous-tep", "combined-atmp"):
        data = load_sample(name)["data"]
        for step in forms.steps:
            for f in step.fields:
                text = data.get(step.id, {}).get(f.id)
                if f.type == "long_text" and text:
                    ed._write(text)
                    ed.edit.document().setModified(True)
                    assert ed._read() == text, (name, f.path)
                    checked += 1
    assert checked > 400


def _styled_chars(blocks):
    """Blocks as (kind, [(char, bold, italic, sup, sub)]) per paragraph or list item; a space carries no
    style (markup cannot store the style of a space)."""
    from atmp_desktop.core.markup import Cite, ListItems
    out = []
    for b in blocks:
        items = [(("list", b.numbered), spans) for spans in b.items] if isinstance(b, ListItems) \
            else [(("para",), b.spans)]
        one_numbered = isinstance(b, ListItems) and b.numbered and len(b.items) == 1
        for kind, spans in items:
            chars = []
            if one_numbered:   # stored as a sentence "1. ..." (the markup reads one such line so), printed alike
                kind, chars = ("para",), [("1", False, False, False, False), (".", False, False, False, False),
                                          (" ", False, False, False, False)]
            for s in spans:
                sup, sub = (False, False) if isinstance(s, Cite) else (getattr(s, "sup", False),
                                                                      getattr(s, "sub", False))
                bold, italic = getattr(s, "bold", False), getattr(s, "italic", False)
                chars += [(ch, False, False, False, False) if ch.isspace() else (ch, bold, italic, sup, sub)
                          for ch in s.text]
            out.append((kind, chars))
    return out


@pytest.mark.parametrize("seed", [3, 11])
def test_a_formatting_session_stores_what_the_box_shows(window, qtbot, seed):
    """Seeded runs of typing, the format shortcuts, Enter, the list buttons, saves and project undo: after
    each save the stored markup holds exactly the characters and formats the box shows."""
    import random

    from atmp_desktop.core.markup import parse
    from atmp_desktop.ui.rich_text import blocks_of
    rng = random.Random(seed)
    ed = box(window)
    e = ed.edit
    e.setFocus()
    # (QTest types ASCII only: it asserts on other characters)
    words = ("cells", "10", "8", "CO", "2", "viability", ">=", "70 %", "x", "a*b", "^", "~5", "[1]", "3.2.S.2.3",
             "[ref:maude-2018]", "Ph. Eur.", "n=6")
    keys = ((Qt.Key_B, Qt.ControlModifier), (Qt.Key_I, Qt.ControlModifier),
            (Qt.Key_Equal, Qt.ControlModifier | Qt.ShiftModifier), (Qt.Key_Equal, Qt.ControlModifier))
    saved = [stored(window).get(FIELD)]
    for step in range(70):
        action = rng.choice(("type", "type", "type", "format", "format", "enter", "list", "save", "undo"))
        if action == "type":
            QTest.keyClicks(e, rng.choice(words) + rng.choice((" ", " ", "")))
        elif action == "format":
            key, mods = rng.choice(keys)
            if key != Qt.Key_Equal and e.toPlainText()[-1:] not in ("", " ", "\u2029"):
                # bold and italic change at a word's edge: asterisks alone cannot say "*a***b**"-like switches
                # inside a word unambiguously (sub/superscript can: CO~2~)
                QTest.keyClicks(e, " ")
            QTest.keyClick(e, key, mods)
        elif action == "enter":
            QTest.keyClick(e, Qt.Key_Return)
        elif action == "list":
            ed.buttons[rng.choice(("bullets", "numbers"))].click()
        elif action == "save" or step == 69:
            ed.commit()
            value = stored(window).get(FIELD)
            if value != saved[-1]:
                saved.append(value)
            shown = _styled_chars(blocks_of(e.document()))
            assert _styled_chars(parse(value or "")) == shown, (step, value)
        else:
            ed.commit()   # (Edit > Undo saves what is typed first, then undoes that save)
            value = stored(window).get(FIELD)
            if value != saved[-1]:
                saved.append(value)
            if len(saved) < 2:
                continue
            window.undo()
            saved.pop()
            assert stored(window).get(FIELD) == saved[-1]
            e = box(window).edit
            e.setFocus()
            e.moveCursor(QTextCursor.End)


def test_formatting_keys_and_buttons_do_nothing_in_a_read_only_box(window):
    ed = box(window)
    ed.set_value("plain text")
    ed.set_read_only(True)
    ed.edit.selectAll()
    QTest.keyClick(ed.edit, Qt.Key_B, Qt.ControlModifier)
    assert not ed.buttons["bold"].isEnabled()
    assert ed.value() == "plain text"
    ed.set_read_only(False)
    ed.edit.selectAll()
    QTest.keyClick(ed.edit, Qt.Key_B, Qt.ControlModifier)   # the same key in an editable box: bold
    assert ed.value() == "**plain text**"
    QTest.keyClick(ed.edit, Qt.Key_Plus, Qt.ControlModifier | Qt.ShiftModifier)   # Ctrl+Shift+= on a US layout
    assert ed.buttons["sup"].isChecked()


def _box_state(ed: RichTextEditor) -> dict:
    """Everything a loaded box holds: each block's and fragment's format, where its cursor is and what it would
    type in, which buttons are on, whether its undo is empty and the document unmodified."""
    doc = ed.edit.document()
    blocks = []
    block = doc.begin()
    while block.isValid():
        frags, it = [], block.begin()
        while not it.atEnd():
            frag = it.fragment()
            frags.append((frag.text(), frag.charFormat().properties()))
            it += 1
        blocks.append((block.blockFormat().properties(), block.charFormat().properties(), frags))
        block = block.next()
    return {"blocks": blocks, "cursor": ed.edit.textCursor().position(),
            "typing_in": ed.edit.currentCharFormat().properties(),
            "buttons": {k: b.isChecked() for k, b in ed.buttons.items()},
            "undo": doc.isUndoAvailable(), "modified": doc.isModified()}


@pytest.mark.parametrize("before", [None, "**Bold** first", "- a list\n- of two", "x^2^ and *more*"])
def test_a_stored_plain_text_loads_exactly_as_inserted_in_an_empty_format(window, before):
    """A launch shows a stored text without markup through the cursor's own format (no QTextCharFormat named:
    tests/test_ui_startup.py); the box then holds exactly what inserting it in an explicit empty format gave,
    whatever the box showed before, and what is typed next is unformatted."""
    from PySide6.QtGui import QTextCharFormat
    ed = box(window)
    reference = RichTextEditor(ed.field)
    text = "First paragraph, 10⁶ cells.\n\nSecond one\nwith a line break inside."
    for e in (ed, reference):
        e.set_value(before)
        e.set_value(text)
    reference._loading = True  # the old way: the text inserted with a format of its own, then the state read
    doc = reference.edit.document()
    reference.edit.clear()
    cursor = QTextCursor(doc)
    cursor.insertText(text.replace("\n\n", "\0").replace("\n", "\u2028").replace("\0", "\n"), QTextCharFormat())
    reference.edit.setTextCursor(QTextCursor(doc))
    doc.clearUndoRedoStacks()
    doc.setModified(False)
    reference._loading = False
    reference._show_format()
    assert _box_state(ed) == _box_state(reference)
    assert not any(_box_state(ed)["buttons"].values())
    assert ed.value() == text
    ed.edit.setFocus()
    QTest.keyClicks(ed.edit, "Typed ")
    ed.commit()
    assert ed.value().startswith("Typed First paragraph")  # no marker: typed in the empty format


def test_a_box_cleared_after_a_formatted_text_shows_the_format_it_goes_on_typing_in(window):
    """Clearing a box keeps the format its cursor had (Qt): the buttons say so, and typing follows them."""
    ed = box(window)
    ed.set_value("**Bold** first")
    ed.set_value(None)
    bold = ed.edit.fontWeight() >= 600
    assert ed.buttons["bold"].isChecked() == bold
    ed.set_value("plain again")
    assert not any(b.isChecked() for b in ed.buttons.values())
