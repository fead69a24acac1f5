"""Find (Ctrl+F): search field labels, help, values and CTD codes of the whole project; jump to the hit.

`search()` is Qt-free and runs over the window's snapshot (about 300 fields and their table rows take a few
milliseconds). The dialog searches as you type and jumps to the field, or to the table cell, on Enter or
double-click.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
)

from atmp_desktop.core.forms import Field, FormSet
from atmp_desktop.core.project import ProjectSnapshot, field_visible
from atmp_desktop.core.values import format_value

MAX_HITS = 400
_RANK = {"label": 0, "CTD code": 1, "value": 2, "help": 3}


@dataclass(frozen=True)
class Hit:
    path: str        # field path, or step.table[row].column for a cell
    where: str       # "Quality › Shelf life" / "Manufacturing › Sites row 2 › Name"
    matched: str     # label / CTD code / value / help
    text: str        # the matching text, shortened around the match
    hidden: bool     # the field is hidden by an earlier answer or its step does not apply


def _snippet(text: str, term: str, width: int = 90) -> str:
    text = " ".join(text.split())
    i = text.lower().find(term)
    if i < 0 or len(text) <= width:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, i - width // 3)
    return ("…" if start else "") + text[start:start + width] + ("…" if start + width < len(text) else "")


def _field_sources(f: Field, snap: ProjectSnapshot) -> list[tuple[str, str]]:
    from atmp_desktop.ui.help_panel import used_in
    sources = [("label", f.label), ("CTD code", " ".join(used_in(f.path)))]
    if not f.is_table:
        sources.append(("value", format_value(f, snap.get(f.path))))
    sources.append(("help", " ".join(x for x in (f.help, f.basis, f.placeholder) if x)))
    if f.is_table:
        sources.append(("help", " ".join(c.label + " " + c.help for c in f.columns)))
    return sources


def search(forms: FormSet, snap: ProjectSnapshot, query: str) -> list[Hit]:
    """Fields whose label, CTD codes, value or help hold every word of `query`, and table cells holding it."""
    terms = [t for t in query.lower().split() if t]
    if not terms:
        return []
    hits: list[Hit] = []
    for step in forms.steps:
        for f in step.fields:
            where = f"{step.title} › {f.label}"
            hidden = not field_visible(forms, f.path, snap)
            sources = _field_sources(f, snap)
            if all(any(t in text.lower() for _kind, text in sources) for t in terms):
                kind, text = next(((k, x) for k, x in sources if terms[0] in x.lower()), sources[0])
                hits.append(Hit(f.path, where, kind, _snippet(text, terms[0]), hidden))
            if f.is_table:
                hits += _cell_hits(f, snap, terms, where, hidden)
            if len(hits) >= MAX_HITS:
                return _ranked(hits[:MAX_HITS])
    return _ranked(hits)


def _cell_hits(f: Field, snap: ProjectSnapshot, terms: list[str], where: str, hidden: bool) -> list[Hit]:
    out = []
    for i, row in enumerate(snap.rows(f.path)):
        for col in f.columns:
            text = format_value(col, row.get(col.id))
            if text and all(t in text.lower() for t in terms):
                out.append(Hit(f"{f.path}[{i}].{col.id}", f"{where} row {i + 1} › {col.label}", "value",
                               _snippet(text, terms[0]), hidden))
    return out


def _ranked(hits: list[Hit]) -> list[Hit]:
    return sorted(hits, key=lambda h: _RANK.get(h.matched, 9))  # stable: form order within a kind


class SearchDialog(QDialog):
    chosen = Signal(str)  # the path to show

    def __init__(self, forms: FormSet, parent=None):
        super().__init__(parent)
        self.forms = forms
        self.snap: ProjectSnapshot | None = None
        self.setWindowTitle("Find in project")
        self.resize(760, 460)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        label = QLabel("&Find:", self)
        self.query = QLineEdit(self)
        self.query.setAccessibleName("Find in project")
        self.query.setPlaceholderText("A word from a label, help text or value, or a CTD code such as 3.2.P.5")
        self.query.setClearButtonEnabled(True)
        label.setBuddy(self.query)
        row.addWidget(label)
        row.addWidget(self.query, 1)
        layout.addLayout(row)
        self.results = QTreeWidget(self)
        self.results.setAccessibleName("Search results")
        self.results.setRootIsDecorated(False)
        self.results.setUniformRowHeights(True)
        self.results.setTextElideMode(Qt.ElideMiddle)  # "Quality control, … › Potency assay(s)": the field shows
        self.results.setHeaderLabels(["Where", "Found in", "Text"])
        self.results.setColumnWidth(0, 300)
        self.results.setColumnWidth(1, 80)
        self.results.itemActivated.connect(self._activate)
        layout.addWidget(self.results, 1)
        self.summary = QLabel("Type to search; Enter or double-click goes to the field.", self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.go_button = QPushButton("&Go to Field", self)
        self.go_button.clicked.connect(lambda: self._activate(self.results.currentItem()))
        close = QPushButton("&Close", self)
        close.setAutoDefault(False)
        close.clicked.connect(self.hide)
        buttons.addWidget(self.go_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.run)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.returnPressed.connect(self._enter)

    def search_in(self, snap: ProjectSnapshot) -> None:
        """Show the dialog over this snapshot (the window's current one), with the last query selected."""
        self.snap = snap
        self.show()
        self.raise_()
        self.activateWindow()
        self.query.setFocus(Qt.ShortcutFocusReason)
        self.query.selectAll()
        self.run()

    def run(self) -> None:
        self._timer.stop()
        self.results.clear()
        text = self.query.text().strip()
        if self.snap is None or not text:
            self.summary.setText("Type to search; Enter or double-click goes to the field.")
            return
        hits = search(self.forms, self.snap, text)
        for h in hits:
            item = QTreeWidgetItem([h.where + (" (hidden by an earlier answer)" if h.hidden else ""), h.matched,
                                    h.text])
            item.setToolTip(2, h.text)
            item.setData(0, Qt.UserRole, h.path)
            self.results.addTopLevelItem(item)
        if hits:
            self.results.setCurrentItem(self.results.topLevelItem(0))
        more = " (the first ones shown; type more words to narrow)" if len(hits) >= MAX_HITS else ""
        self.summary.setText(f"{len(hits)} found{more}. Enter or double-click goes to the field."
                             if hits else f"Nothing found for “{text}”.")

    def _enter(self) -> None:
        if self._timer.isActive():
            self.run()
        self._activate(self.results.currentItem())

    def _activate(self, item, _column=0) -> None:
        if item is not None:
            self.chosen.emit(item.data(0, Qt.UserRole))
