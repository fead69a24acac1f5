"""The rich-text editor of long-text fields: what the writer sees formatted, the project stores as the narrative
markup of core.markup (docs/narrative-format.md).

Toolbar and keys: Bold (Ctrl+B), Italic (Ctrl+I), Superscript (Ctrl+Shift+=, also Ctrl++), Subscript
(Ctrl+=), bulleted and numbered lists. Enter starts a new paragraph, Shift+Enter a new line in the same
paragraph, Tab leaves the box. Paste from Word or a web page keeps bold, italic, superscript, subscript and
lists and drops everything else (fonts, colours, sizes, tables become text); plain text pastes as it is.
Typing is undone inside the box with Ctrl+Z (Qt's own stack); the value is saved as one undo step of the
project per pause in typing (the debounce) and when the box is left, like any text field.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

# The QTextFormat family (QTextCharFormat, QTextBlockFormat, QTextListFormat: 164 enum members) is looked up in
# QtGui when first used, not imported: PySide builds a class's Python enums when the class is first named
# (~16 M instructions), and a launch's first screen shows its stored texts without naming any format
# (RichTextEditor._write of a text without markup, _show_state's signal without its format argument).
from PySide6 import QtGui
from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QFont, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QTextEdit, QToolButton, QVBoxLayout

from atmp_desktop.core.forms import Field
from atmp_desktop.core.markup import CITE, Cite, ListItems, Para, Span, cite_keys, parse, to_markup
from atmp_desktop.core.patterns import lazy_compile
from atmp_desktop.ui.fields import LongTextEditor, _debouncer
from atmp_desktop.ui.errors import qt_safe

if TYPE_CHECKING:
    from PySide6.QtGui import QTextCharFormat, QTextDocument

LINE = "\u2028"   # a line break inside a paragraph (Qt's line separator)
_BULLET_GLYPH = lazy_compile(r"^[\s\u00a0]*[·•▪◦o§\-–*\uf0b7\uf0a7][\s\u00a0]+")   # Word's list labels as text
_NUMBER_LABEL = lazy_compile(r"^[\s\u00a0]*\d{1,3}[.)][\s\u00a0]+")


def _sup():
    return QtGui.QTextCharFormat.AlignSuperScript


def _sub():
    return QtGui.QTextCharFormat.AlignSubScript


def _span_of(fmt: QTextCharFormat, text: str) -> Span:
    align = fmt.verticalAlignment()
    return Span(text.replace(LINE, "\n"), bold=fmt.fontWeight() >= QFont.DemiBold, italic=fmt.fontItalic(),
                sup=align == _sup(), sub=align == _sub())


def _spans(block) -> list:
    out = []
    it = block.begin()
    while not it.atEnd():
        frag = it.fragment()
        if frag.isValid() and frag.text():
            out.extend(_citations(_span_of(frag.charFormat(), frag.text())))
        it += 1
    return out


def _citations(span: Span) -> list:
    """A span with the citations written in it ("[ref:key]", shown as text: there is no button for them) as
    markup citations, so that they are stored as citations and not as escaped text."""
    if "[" not in span.text:
        return [span]
    out, at = [], 0
    for m in CITE.finditer(span.text):
        if m.start() > at:
            out.append(Span(span.text[at:m.start()], span.bold, span.italic, span.sup, span.sub))
        out.append(Cite(cite_keys(m.group("keys")), m.group(0), span.bold, span.italic))
        at = m.end()
    if at < len(span.text):
        out.append(Span(span.text[at:], span.bold, span.italic, span.sup, span.sub))
    return out


def _strip_label(spans: list[Span], pattern) -> list[Span] | None:
    """The spans without a leading list label ("· ", "1. ") written as text (Word's HTML), or None."""
    text = "".join(s.text for s in spans)
    m = pattern.match(text)
    if not m or m.end() >= len(text.rstrip()):
        return None
    cut, out = m.end(), []
    for s in spans:
        if cut >= len(s.text):
            cut -= len(s.text)
            continue
        out.append(Span(s.text[cut:], s.bold, s.italic, s.sup, s.sub) if cut else s)
        cut = 0
    return out


def blocks_of(doc: QTextDocument, labels: bool = False) -> list:
    """The document as markup blocks: paragraphs, and runs of list items (Qt lists; with `labels`, also
    paragraphs that start with a bullet or number written as text, as Word puts lists on the clipboard)."""
    out: list = []
    block = doc.begin()
    while block.isValid():
        spans = _spans(block)
        if any(s.text.strip() for s in spans):
            lst = block.textList()
            numbered = None
            if lst is not None:
                style = QtGui.QTextListFormat
                numbered = lst.format().style() in (style.ListDecimal, style.ListLowerAlpha, style.ListUpperAlpha,
                                                    style.ListLowerRoman, style.ListUpperRoman)
            elif labels:
                for pattern, kind in ((_NUMBER_LABEL, True), (_BULLET_GLYPH, False)):
                    stripped = _strip_label(spans, pattern)
                    if stripped is not None:
                        spans, numbered = stripped, kind
                        break
            spans = _trim(spans)
            if numbered is None:
                out.append(Para(tuple(spans)))
            elif out and isinstance(out[-1], ListItems) and out[-1].numbered == numbered:
                out[-1] = ListItems(out[-1].items + (tuple(spans),), numbered)
            else:
                out.append(ListItems((tuple(spans),), numbered))
        block = block.next()
    return out


def _trim(spans: list[Span]) -> list[Span]:
    """Leading and trailing spaces of a paragraph go (they cannot be stored as markup)."""
    while spans and not spans[0].text.strip():
        spans = spans[1:]
    while spans and not spans[-1].text.strip():
        spans = spans[:-1]
    if spans and isinstance(spans[0], Span):
        first = spans[0]
        spans[0] = Span(first.text.lstrip(), first.bold, first.italic, first.sup, first.sub)
    if spans and isinstance(spans[-1], Span):
        last = spans[-1]
        spans[-1] = Span(last.text.rstrip(), last.bold, last.italic, last.sup, last.sub)
    return spans


def _char_format(span) -> QTextCharFormat:
    """The format of a span. References ("3.2.S.2.3") and citations ("[ref:key]") are shown as the text they
    were written as, with the emphasis around a citation, so they read back as the same markup."""
    fmt = QtGui.QTextCharFormat()
    if isinstance(span, (Span, Cite)):
        fmt.setFontWeight(QFont.Bold if span.bold else QFont.Normal)
        fmt.setFontItalic(span.italic)
    if isinstance(span, Span):
        fmt.setVerticalAlignment(_sup() if span.sup else _sub() if span.sub else QtGui.QTextCharFormat.AlignNormal)
    return fmt


def insert_blocks(cursor: QTextCursor, blocks: list, first_in_place: bool = True) -> None:
    """Insert markup blocks at the cursor: the first into the current paragraph, the others as new ones."""
    started = not first_in_place
    for b in blocks:
        items = b.items if isinstance(b, ListItems) else (b.spans,)
        for k, spans in enumerate(items):
            if started:
                cursor.insertBlock(QtGui.QTextBlockFormat(), QtGui.QTextCharFormat())
            started = True
            if isinstance(b, ListItems):
                if k == 0:
                    style = QtGui.QTextListFormat
                    cursor.createList(style.ListDecimal if b.numbered else style.ListDisc)
                elif cursor.block().textList() is None and cursor.block().previous().textList() is not None:
                    cursor.block().previous().textList().add(cursor.block())
            elif cursor.block().textList() is not None:
                cursor.block().textList().remove(cursor.block())
                cursor.setBlockFormat(QtGui.QTextBlockFormat())
            for span in spans:
                text = span.text.replace("\n", LINE)
                cursor.insertText(text, _char_format(span))


# the formatting keys; Ctrl+Shift+= arrives as Ctrl+Shift++ on most layouts, hence the second look without Shift
_KEYS = {"bold": ("Ctrl+B",), "italic": ("Ctrl+I",), "sup": ("Ctrl+Shift+=", "Ctrl++"), "sub": ("Ctrl+=",)}
_COMMANDS: dict[int, str] = {}


def _command_of(event) -> str | None:
    """The formatting command of a key press (Ctrl+B ...), or None."""
    if not _COMMANDS:
        _COMMANDS.update({QtGui.QKeySequence(k)[0].toCombined(): name for name, keys in _KEYS.items() for k in keys})
    key = event.key()
    mods = event.modifiers() & ~Qt.KeypadModifier
    for m in (mods, mods & ~Qt.ShiftModifier):
        name = _COMMANDS.get(m.value | key)
        if name is not None:
            return name
    return None


class RichTextBox(QTextEdit):
    """A QTextEdit that pastes only what the markup can hold. The formatting keys are handled in keyPressEvent
    (not by a QAction per command and box: a page of 34 long texts made 204 actions and shortcuts, ~20 % of its
    build; nor in an event() override, which would send every event of every box through Python). No window
    shortcut uses these keys (the rich-text tests type them inside the real window)."""
    focus_lost = Signal()
    command = Signal(str)   # a formatting key: 'bold', 'italic', 'sup', 'sub'
    # currentCharFormatChanged without its QTextCharFormat (connected signal to signal, in Qt): a Python slot
    # of the original would make PySide convert the format, and so build the QTextFormat family's enums, for
    # every text a launch shows
    format_changed = Signal()

    @qt_safe()
    def focusOutEvent(self, event):
        super().focusOutEvent(event)
        self.focus_lost.emit()

    @qt_safe()
    def insertFromMimeData(self, source: QMimeData) -> None:
        cursor = self.textCursor()
        if source.hasHtml():
            doc = QtGui.QTextDocument()
            doc.setHtml(source.html())
            blocks = blocks_of(doc, labels=True)
            if blocks:
                cursor.beginEditBlock()  # one step of the box's own undo
                cursor.removeSelectedText()
                insert_blocks(cursor, blocks)
                cursor.endEditBlock()
                self.setTextCursor(cursor)
                return
        if source.hasText():
            cursor.insertText(source.text().replace("\r\n", "\n").replace("\r", "\n").replace("\n\n", "\x00")
                              .replace("\n", LINE).replace("\x00", "\n"), QtGui.QTextCharFormat())
            self.setTextCursor(cursor)

    @qt_safe()
    def keyPressEvent(self, event):
        name = _command_of(event)
        if name is not None:
            if not self.isReadOnly():
                self.command.emit(name)
            return
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and event.modifiers() & Qt.ShiftModifier:
            self.textCursor().insertText(LINE)  # a line break inside the paragraph
            return
        super().keyPressEvent(event)


_BUTTONS = (("bold", "B", "Bold (Ctrl+B)"), ("italic", "I", "Italic (Ctrl+I)"),
            ("sup", "x²", "Superscript, e.g. 10⁸ (Ctrl+Shift+=)"), ("sub", "x₂", "Subscript, e.g. CO₂ (Ctrl+=)"),
            ("bullets", "• List", "Bulleted list"), ("numbers", "1. List", "Numbered list"))
_FONTS: dict[str, QFont] = {}


def _button_font(button: QToolButton, key: str) -> QFont:
    """The bold 'B' and italic 'I' buttons' fonts, made once."""
    if key not in _FONTS:
        f = QFont(button.font())
        f.setBold(key == "bold")
        f.setItalic(key == "italic")
        _FONTS[key] = f
    return _FONTS[key]


class RichTextEditor(LongTextEditor):
    """A long-text field with formatting: reads and writes the narrative markup (core.markup)."""

    def __init__(self, field: Field, parent=None):
        super(LongTextEditor, self).__init__(field, parent)  # FieldEditor.__init__: the box is made here
        self._raw = None
        self._plain_format = True  # the format at the cursor is the empty one (see _write)
        self.edit = RichTextBox(self)
        self.edit.setAccessibleName(field.label)
        self.edit.setPlaceholderText(field.placeholder)
        self.edit.setTabChangesFocus(True)  # keyboard users leave the box with Tab
        self.edit.setAcceptRichText(True)
        self.edit.setMinimumHeight(96)
        self.edit.setMaximumHeight(200)
        self._timer = _debouncer(self, self.commit)
        self.edit.textChanged.connect(lambda: None if self._loading else self._timer.start())
        self.edit.focus_lost.connect(self.commit)
        self.edit.cursorPositionChanged.connect(self._show_state)
        self.edit.currentCharFormatChanged.connect(self.edit.format_changed)
        self.edit.format_changed.connect(self._show_state)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        self._commands = {"bold": self.toggle_bold, "italic": self.toggle_italic,
                          "sup": lambda: self.toggle_align(_sup()), "sub": lambda: self.toggle_align(_sub()),
                          "bullets": lambda: self.toggle_list(False), "numbers": lambda: self.toggle_list(True)}
        self.edit.command.connect(lambda name: self._commands[name]())
        for key, text, tip in _BUTTONS:
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.setCheckable(True)
            b.setAccessibleName(f"{tip.split(' (')[0]} ({field.label})")
            b.setFocusPolicy(Qt.NoFocus)  # the cursor stays in the text
            if key in ("bold", "italic"):
                b.setFont(_button_font(b, key))
            b.clicked.connect(self._commands[key])
            bar.addWidget(b)
            self.buttons[key] = b
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.edit)
        self.setFocusProxy(self.edit)

    # -- reading and writing the markup
    def _read(self):
        doc = self.edit.document()
        if self._raw is not None and not doc.isModified():
            return self._raw  # unchanged since loaded: the stored text exactly as it was
        text = to_markup(blocks_of(doc))
        return text if text.strip() else None

    def _write(self, value):
        self._raw = value if isinstance(value, str) else None
        doc = self.edit.document()
        plain = _plain_paragraphs(str(value)) if value else None
        if plain is not None:  # no markup in it (most stored text): no parse, one call
            # The document's own setPlainText clears it and inserts with a new cursor, in the empty format of
            # the cleared document (the same as naming QTextCharFormat(), without making PySide build the
            # format classes: see the imports). Not the box's setPlainText: that gives the whole text the
            # format the box's cursor had (bold after a bold text).
            doc.setPlainText(plain)
        else:
            self.edit.clear()
            if value:
                cursor = QTextCursor(doc)
                cursor.beginEditBlock()
                insert_blocks(cursor, parse(str(value)))
                cursor.endEditBlock()
        if value:
            # the box's own cursor moved along with the insertion and the box scrolled to the text's end: a
            # stored text opens at its beginning
            self.edit.setTextCursor(QTextCursor(doc))
        doc.clearUndoRedoStacks()  # the box's own undo starts from the stored text
        doc.setModified(False)
        if plain is not None or (not value and self._plain_format):
            # an unformatted text, the cursor at its start, or none in a box whose format was never changed: the
            # format at the cursor is the empty one (no button on), known without asking Qt for it
            self._plain_format = True
            self._show_buttons(dict.fromkeys(self.buttons, False))
        else:  # (a box cleared keeps the format its cursor had: typing goes on in bold after a bold text)
            self._show_format()

    # -- formatting commands (each one step of the box's own undo)
    def _merge(self, fmt: QTextCharFormat) -> None:
        """Apply to the selection, or to what is typed next (as word processors do)."""
        self.edit.mergeCurrentCharFormat(fmt)
        self._show_state()

    def toggle_bold(self) -> None:
        fmt = QtGui.QTextCharFormat()
        fmt.setFontWeight(QFont.Normal if self.edit.fontWeight() >= QFont.DemiBold else QFont.Bold)
        self._merge(fmt)

    def toggle_italic(self) -> None:
        fmt = QtGui.QTextCharFormat()
        fmt.setFontItalic(not self.edit.fontItalic())
        self._merge(fmt)

    def toggle_align(self, align) -> None:
        current = self.edit.currentCharFormat().verticalAlignment()
        fmt = QtGui.QTextCharFormat()
        fmt.setVerticalAlignment(QtGui.QTextCharFormat.AlignNormal if current == align else align)
        self._merge(fmt)

    def toggle_list(self, numbered: bool) -> None:
        cursor = self.edit.textCursor()
        decimal = QtGui.QTextListFormat.ListDecimal
        style = decimal if numbered else QtGui.QTextListFormat.ListDisc
        lst = cursor.block().textList()
        cursor.beginEditBlock()
        if lst is not None and (lst.format().style() == decimal) == numbered:
            for block in _selected_blocks(cursor):  # the same list again: back to paragraphs
                if block.textList() is not None:
                    block.textList().remove(block)
                    c = QTextCursor(block)
                    fmt = c.blockFormat()
                    fmt.setIndent(0)
                    c.setBlockFormat(fmt)
        elif lst is not None:
            fmt = lst.format()
            fmt.setStyle(style)
            lst.setFormat(fmt)
        else:
            cursor.createList(style)
        cursor.endEditBlock()
        self._show_state()

    def _show_state(self) -> None:
        """The buttons show the format at the cursor (not while a value is loaded: _write shows its state)."""
        if not self._loading:
            self._plain_format = False  # the cursor moved or its format changed: asked of Qt from now on
            self._show_format()

    def _show_format(self) -> None:
        self._plain_format = False
        fmt = self.edit.currentCharFormat()
        lst = self.edit.textCursor().block().textList()
        numbered = lst is not None and lst.format().style() == QtGui.QTextListFormat.ListDecimal
        self._show_buttons({"bold": fmt.fontWeight() >= QFont.DemiBold, "italic": fmt.fontItalic(),
                            "sup": fmt.verticalAlignment() == _sup(), "sub": fmt.verticalAlignment() == _sub(),
                            "bullets": lst is not None and not numbered, "numbers": numbered})

    def _show_buttons(self, state: dict[str, bool]) -> None:
        for key, on in state.items():
            if self.buttons[key].isChecked() != on:
                self.buttons[key].setChecked(on)

    def show_profile(self, profile) -> None:
        if self.field.placeholders:
            self.edit.setPlaceholderText(self.field.placeholder_for(profile))

    def set_read_only(self, read_only):
        self.edit.setReadOnly(read_only)
        for b in self.buttons.values():
            b.setEnabled(not read_only)


_MARKUP_SIGNS = re.compile(r"[*^~\\\[]|^[ \t]*(?:[-*•]|\d{1,3}[.)])[ \t]", re.M)


def _plain_paragraphs(text: str) -> str | None:
    """The text as the box's paragraphs (separated by '\n', line breaks inside as LINE) when it holds no
    markup at all (no marker, escape, citation or list line), else None: then it is parsed. Section numbers
    need no parse here: they are plain text in the box either way."""
    if _MARKUP_SIGNS.search(text):
        return None
    chunks = [c.strip() for c in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))]
    return "\n".join(c.replace("\n", LINE) for c in chunks if c)


def _selected_blocks(cursor: QTextCursor):
    doc = cursor.document()
    start, end = sorted((cursor.selectionStart(), cursor.selectionEnd()))
    block = doc.findBlock(start)
    while block.isValid() and block.position() <= end:
        yield block
        block = block.next()
