"""The compare view: what changed between two states of the project, grouped by step or by CTD section.

A tree of groups (steps or CTD sections), changes (a field: before and after; a table: its rows by identity,
each changed cell; "order changed" when rows moved), then writer and review status changes and review
comments. Selecting a change shows its full before and after side by side below. Double-click jumps to the
field in the window. "Change Report…" writes the same as Word and PDF."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPlainTextEdit,
    QPushButton, QRadioButton, QSplitter, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from atmp_desktop.core.diff import Diff, FieldChange, section_title

PATH_ROLE = Qt.UserRole
DETAIL_ROLE = Qt.UserRole + 1
KIND_COLOURS = {"added": "#1b5e20", "removed": "#b71c1c", "changed": "#0d47a1", "moved": "#6a1b9a"}
KIND_WORDS = {"added": "added", "removed": "removed", "changed": "changed", "moved": "order changed"}


class CompareView(QDialog):
    go_to_field = Signal(str)

    def __init__(self, forms, d: Diff, new_snap, old_snap=None, parent=None):
        super().__init__(parent)
        self.forms, self.d, self.new, self.old = forms, d, new_snap, old_snap
        self.setWindowTitle("Compare")
        self.setModal(False)
        self.resize(1280, 800)
        layout = QVBoxLayout(self)
        head = QLabel(f"<b>From</b> {_esc(d.old_label)}<br><b>To</b> {_esc(d.new_label)}", self)
        head.setTextFormat(Qt.RichText)
        layout.addWidget(head)
        s = d.summary()
        self.summary = QLabel(self._summary_text(s), self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        bar = QHBoxLayout()
        self.by_step = QRadioButton("By &step", self)
        self.by_section = QRadioButton("By CTD s&ection", self)
        self.by_step.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_step)
        group.addButton(self.by_section)
        self.by_step.toggled.connect(lambda _c: self.fill())
        bar.addWidget(self.by_step)
        bar.addWidget(self.by_section)
        bar.addSpacing(20)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter changes (field, value, code)…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _t: self.fill())
        bar.addWidget(self.filter, 1)
        layout.addLayout(bar)
        split = QSplitter(Qt.Vertical, self)
        self.tree = QTreeWidget(split)
        self.tree.setAccessibleName("Changes")
        self.tree.setHeaderLabels(["Change", "Before", "After"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.Interactive)
        self.tree.setColumnWidth(0, 560)
        self.tree.setColumnWidth(1, 380)
        self.tree.currentItemChanged.connect(self._show_detail)
        self.tree.itemActivated.connect(self._activated)
        detail = QWidget(split)
        dl = QHBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        self.before = self._pane(dl, "Before")
        self.after = self._pane(dl, "After")
        split.addWidget(self.tree)
        split.addWidget(detail)
        split.setSizes([560, 180])
        layout.addWidget(split, 1)
        buttons = QHBoxLayout()
        self.report_button = QPushButton("Change &Report…", self)
        self.report_button.setToolTip("Write this comparison as a Word and PDF change report")
        self.report_button.clicked.connect(lambda: self.write_report())
        buttons.addWidget(self.report_button)
        buttons.addStretch(1)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.fill()

    def _pane(self, layout, title: str) -> QPlainTextEdit:
        return text_pane(self, layout, title)

    @staticmethod
    def _summary_text(s: dict) -> str:
        fields = s["fields_added"] + s["fields_removed"] + s["fields_changed"]
        if not any(s.values()):
            return "No differences."
        return (f"{fields} field(s) changed ({s['fields_added']} filled in, {s['fields_removed']} emptied); table "
                f"rows: {s['rows_added']} added, {s['rows_removed']} removed, {s['rows_changed']} changed; "
                f"{s['tables_reordered']} table(s) reordered; {s['review_status']} review and "
                f"{s['section_status']} writer status change(s); {s['comments']} comment change(s).")

    # ------------------------------------------------------------------ the tree
    def fill(self) -> None:
        self.tree.clear()
        needle = self.filter.text().strip().lower()
        groups = self.d.by_step() if self.by_step.isChecked() else self.d.by_section()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for key, changes in groups.items():
            title = self._group_title(key)
            shown = [c for c in changes if not needle or needle in self._haystack(c, title)]
            if not shown:
                continue
            g = QTreeWidgetItem([f"{title}  ({len(shown)})", "", ""])
            g.setFont(0, bold)
            g.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(g)
            for c in shown:
                self._add_change(g, c)
            g.setExpanded(True)
        others = []
        for st in self.d.section_status:
            others.append((f"Writer status of {section_title(st.key)}", st.old, st.new, "", "changed"))
        for st in self.d.review:
            others.append((f"Review of {st.label}", st.old + (f" — {st.old_note}" if st.old_note else ""),
                           st.new + (f" — {st.new_note}" if st.new_note else ""), "", "changed"))
        for c in self.d.comments:
            what = "reply" if c.reply else "comment"
            before, after = (c.body, "") if c.kind == "removed" else ("", c.body)
            others.append((f"{c.kind.capitalize()} {what} on {c.label} ({c.author}, {c.at[:10]})", before,
                           after, c.path, "removed" if c.kind == "removed" else "added"))
        others = [o for o in others if not needle or needle in " ".join(o[:3]).lower()]
        if others:
            g = QTreeWidgetItem([f"Status and review comments  ({len(others)})", "", ""])
            g.setFont(0, bold)
            g.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(g)
            for label, before, after, path, kind in others:
                item = QTreeWidgetItem([label, _line(before), _line(after)])
                item.setData(0, PATH_ROLE, path)
                item.setData(0, DETAIL_ROLE, (before, after))
                item.setForeground(0, QBrush(QColor(KIND_COLOURS[kind])))
                g.addChild(item)
            g.setExpanded(True)
        if self.tree.topLevelItemCount() == 0:
            self.tree.addTopLevelItem(QTreeWidgetItem(["No differences." if self.d.empty else "Nothing matches the filter.",
                                                       "", ""]))

    def _group_title(self, key: str) -> str:
        if self.by_step.isChecked():
            try:
                return f"Step: {self.forms.step(key).title}"
            except KeyError:
                return key
        return section_title(key)

    @staticmethod
    def _haystack(c, title: str) -> str:
        if isinstance(c, FieldChange):
            parts = [c.label, c.old_text, c.new_text, c.path]
        else:
            parts = [c.label, c.path] + [r.title for r in c.rows] + \
                [x.old_text + " " + x.new_text for r in c.rows for x in r.cells]
        return " ".join(parts + [title, " ".join(c.sections)]).lower()

    def _add_change(self, parent: QTreeWidgetItem, c) -> None:
        if isinstance(c, FieldChange):
            item = QTreeWidgetItem([f"{c.label} — {KIND_WORDS[c.kind]}", _line(c.old_text) or "(empty)",
                                    _line(c.new_text) or "(empty)"])
            item.setData(0, PATH_ROLE, c.path)
            item.setData(0, DETAIL_ROLE, (c.old_text, c.new_text))
            item.setForeground(0, QBrush(QColor(KIND_COLOURS[c.kind])))
            item.setToolTip(0, f"{c.path}; feeds {', '.join(c.sections) or 'no CTD section'}")
            parent.addChild(item)
            return
        parts = [f"{n} {k}" for k, n in (("added", c.count("added")), ("removed", c.count("removed")),
                                          ("changed", c.count("changed"))) if n]
        if c.moved:
            parts.append(f"{len(c.moved)} moved")
        t = QTreeWidgetItem([f"{c.label} — rows {', '.join(parts)}", "", ""])
        t.setData(0, PATH_ROLE, c.path)
        parent.addChild(t)
        for r in c.rows:
            pos = r.new_position if r.kind != "removed" else r.old_position
            item = QTreeWidgetItem([f"Row {pos}: {r.title} — {KIND_WORDS[r.kind]}", "", ""])
            item.setData(0, PATH_ROLE, c.path)
            item.setForeground(0, QBrush(QColor(KIND_COLOURS[r.kind])))
            before = "\n".join(f"{x.label}: {x.old_text}" for x in r.cells if x.old_text)
            after = "\n".join(f"{x.label}: {x.new_text}" for x in r.cells if x.new_text)
            item.setData(0, DETAIL_ROLE, (before, after))
            t.addChild(item)
            if r.kind == "changed":
                for x in r.cells:
                    cell = QTreeWidgetItem([x.label, _line(x.old_text) or "(empty)", _line(x.new_text) or "(empty)"])
                    cell.setData(0, PATH_ROLE, c.path)
                    cell.setData(0, DETAIL_ROLE, (x.old_text, x.new_text))
                    item.addChild(cell)
                item.setExpanded(True)
            else:
                item.setText(1 if r.kind == "removed" else 2, _line("; ".join(
                    f"{x.label}: {x.old_text or x.new_text}" for x in r.cells)))
        if c.moved:
            moved = QTreeWidgetItem([f"Order changed: {len(c.moved)} row(s) moved", "", ""])
            moved.setForeground(0, QBrush(QColor(KIND_COLOURS["moved"])))
            moved.setData(0, PATH_ROLE, c.path)
            t.addChild(moved)
        t.setExpanded(True)

    def _show_detail(self, item, _prev=None) -> None:
        detail = item.data(0, DETAIL_ROLE) if item is not None else None
        before, after = detail if detail else ("", "")
        self.before.setPlainText(before)
        self.after.setPlainText(after)

    def _activated(self, item, _col=0) -> None:
        path = item.data(0, PATH_ROLE)
        if path:
            self.go_to_field.emit(path)

    # ------------------------------------------------------------------ report
    def write_report(self, stem: str | None = None) -> list[Path]:
        from atmp_desktop.export.change_report import write_change_report
        from atmp_desktop.export.errors import ExportError
        if stem is None:
            default = str(Path.home() / "change-report.docx")
            parent = self.parent()
            if parent is not None and getattr(parent, "project", None) is not None:
                default = str(parent.project.path.with_name(f"{parent.project.path.stem}-changes.docx"))
            chosen, _ = QFileDialog.getSaveFileName(self, "Change report (Word and PDF)", default,
                                                    "Word and PDF (*.docx)")
            if not chosen:
                return []
            stem = str(Path(chosen).with_suffix(""))
        try:
            paths = write_change_report(self.forms, self.d, self.new, Path(stem), old=self.old)
        except ExportError as exc:
            QMessageBox.warning(self, "Change report", str(exc))
            return []
        self.summary.setText(self.summary.text() + f"  Change report written: {', '.join(p.name for p in paths)}.")
        return paths


def text_pane(parent, layout, title: str) -> QPlainTextEdit:
    """A titled read-only text box added to `layout` (the full before/after, base/mine/theirs)."""
    box = QVBoxLayout()
    box.addWidget(QLabel(f"<b>{_esc(title)}</b>", parent))
    edit = QPlainTextEdit(parent)
    edit.setReadOnly(True)
    edit.setAccessibleName(title)
    box.addWidget(edit)
    layout.addLayout(box)
    return edit


def _line(text: str, limit: int = 160) -> str:
    text = " ⏎ ".join(text.splitlines())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
