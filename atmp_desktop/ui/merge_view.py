"""The merge view: a colleague's copy merged three-way into the open project.

Top: where the merge starts from (the common milestone or history point) and what is taken from the copy
automatically. Middle: the conflicts, grouped by step and by table row, with base / mine / theirs side by side
and the decision of each. "Take Mine" / "Take Theirs" decide what is selected: one field or cell, a whole row
(all its cells), or a whole step. Bottom: the selected conflict's three versions in full. Undecided conflicts
keep mine. "Merge" takes it all as one action (Edit ▸ Undo takes it back)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, QListWidget, QMessageBox, QPlainTextEdit,
    QPushButton, QSplitter, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from atmp_desktop.core.merge import MINE, THEIRS
from atmp_desktop.ui.compare_view import _esc, _line, text_pane

IDS_ROLE = Qt.UserRole          # conflict ids under an item
CONFLICT_ROLE = Qt.UserRole + 1  # the Conflict of a leaf
COL_WHAT, COL_BASE, COL_MINE, COL_THEIRS, COL_DECISION = range(5)
DECIDED = {MINE: ("Mine", "#0d47a1"), THEIRS: ("Theirs", "#1b5e20")}


class MergeDialog(QDialog):
    def __init__(self, forms, plan, parent=None):
        super().__init__(parent)
        self.forms, self.plan = forms, plan
        self._decisions: dict[str, str] = {}
        res = plan.result
        self.setWindowTitle(f"Merge {plan.theirs_path.name}")
        self.resize(1360, 840)
        layout = QVBoxLayout(self)
        head = QLabel(f"<b>Merging</b> {_esc(plan.theirs_path.name)} (last changed by {_esc(plan.theirs_author)}) "
                      f"into this project.<br><b>Common base:</b> {_esc(res.base_label)}.", self)
        head.setTextFormat(Qt.RichText)
        head.setWordWrap(True)
        layout.addWidget(head)
        split = QSplitter(Qt.Vertical, self)
        top = QWidget(split)
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(QLabel(f"<b>Taken from the copy automatically</b> ({len(res.taken)}): changes only the copy "
                            "made since the base.", top))
        self.taken = QListWidget(top)
        self.taken.setAccessibleName("Taken automatically")
        self.taken.addItems(res.taken + [f"Kept yours: {k}" for k in res.kept_mine])
        tl.addWidget(self.taken)
        mid = QWidget(split)
        ml = QVBoxLayout(mid)
        ml.setContentsMargins(0, 0, 0, 0)
        self.count_label = QLabel(mid)
        ml.addWidget(self.count_label)
        self.tree = QTreeWidget(mid)
        self.tree.setAccessibleName("Conflicts")
        self.tree.setHeaderLabels(["Conflict", "Base", "Mine", "Theirs", "Decision"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QTreeWidget.ExtendedSelection)
        self.tree.header().setSectionResizeMode(COL_WHAT, QHeaderView.Interactive)
        for col, width in ((COL_WHAT, 420), (COL_BASE, 230), (COL_MINE, 260), (COL_THEIRS, 260)):
            self.tree.setColumnWidth(col, width)
        self.tree.currentItemChanged.connect(self._show_detail)
        ml.addWidget(self.tree)
        row = QHBoxLayout()
        self.mine_button = QPushButton("Take &Mine", mid)
        self.mine_button.setToolTip("Keep your version of what is selected (a field, a row or a whole step)")
        self.mine_button.clicked.connect(lambda: self.decide_selected(MINE))
        self.theirs_button = QPushButton("Take &Theirs", mid)
        self.theirs_button.setToolTip("Take the copy's version of what is selected (a field, a row or a step)")
        self.theirs_button.clicked.connect(lambda: self.decide_selected(THEIRS))
        all_mine = QPushButton("All Mine", mid)
        all_mine.clicked.connect(lambda: self.decide(self.plan.result.decide_all(MINE)))
        all_theirs = QPushButton("All Theirs", mid)
        all_theirs.clicked.connect(lambda: self.decide(self.plan.result.decide_all(THEIRS)))
        for b in (self.mine_button, self.theirs_button):
            row.addWidget(b)
        row.addSpacing(24)
        row.addWidget(all_mine)
        row.addWidget(all_theirs)
        row.addStretch(1)
        ml.addLayout(row)
        bottom = QWidget(split)
        bl = QHBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        self.base_text = self._pane(bl, "Base (the common state)")
        self.mine_text = self._pane(bl, "Mine (this project)")
        self.theirs_text = self._pane(bl, f"Theirs ({plan.theirs_path.name})")
        split.addWidget(top)
        split.addWidget(mid)
        split.addWidget(bottom)
        split.setSizes([150, 470, 170])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel, self)
        self.merge_button = buttons.addButton("&Merge", QDialogButtonBox.AcceptRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._fill()
        self._update_counts()

    def _pane(self, layout, title: str) -> QPlainTextEdit:
        return text_pane(self, layout, title)

    def _fill(self) -> None:
        bold = QFont(self.tree.font())
        bold.setBold(True)
        by_step: dict[str, list] = {}
        for c in self.plan.conflicts:
            by_step.setdefault(c.step, []).append(c)
        if not by_step:
            self.tree.addTopLevelItem(QTreeWidgetItem(["No conflicts: nothing to decide.", "", "", "", ""]))
        for step_id, conflicts in by_step.items():
            try:
                title = self.forms.step(step_id).title
            except KeyError:
                title = step_id
            step_item = QTreeWidgetItem([f"Step: {title}  ({len(conflicts)})", "", "", "", ""])
            step_item.setFont(COL_WHAT, bold)
            step_item.setData(COL_WHAT, IDS_ROLE, [c.id for c in conflicts])
            self.tree.addTopLevelItem(step_item)
            rows: dict[str, QTreeWidgetItem] = {}
            for c in conflicts:
                parent = step_item
                if c.kind == "cell":
                    parent = rows.get(c.row_key)
                    if parent is None:
                        row_label = c.label.split(" (row ", 1)[1].rsplit(") of ", 1)
                        parent = QTreeWidgetItem([f"Row {row_label[0]} of {row_label[1]}" if len(row_label) == 2
                                                  else c.label, "", "", "", ""])
                        parent.setData(COL_WHAT, IDS_ROLE, [])
                        step_item.addChild(parent)
                        rows[c.row_key] = parent
                    parent.setData(COL_WHAT, IDS_ROLE, parent.data(COL_WHAT, IDS_ROLE) + [c.id])
                label = c.label.split(" (row ", 1)[0] if c.kind == "cell" else c.label
                item = QTreeWidgetItem([label, _line(c.base), _line(c.mine), _line(c.theirs), ""])
                item.setData(COL_WHAT, IDS_ROLE, [c.id])
                item.setData(COL_WHAT, CONFLICT_ROLE, c.id)
                item.setToolTip(COL_WHAT, f"{c.path}; feeds {', '.join(c.sections) or 'no CTD section'}")
                parent.addChild(item)
                self._items[c.id] = item
            step_item.setExpanded(True)
            for r in rows.values():
                r.setExpanded(True)
        first = next(iter(self._items.values()), None)
        if first is not None:
            self.tree.setCurrentItem(first)

    def _conflict(self, cid: str):
        return next(c for c in self.plan.conflicts if c.id == cid)

    def _show_detail(self, item, _prev=None) -> None:
        cid = item.data(COL_WHAT, CONFLICT_ROLE) if item is not None else None
        c = self._conflict(cid) if cid else None
        self.base_text.setPlainText(c.base if c else "")
        self.mine_text.setPlainText(c.mine if c else "")
        self.theirs_text.setPlainText(c.theirs if c else "")

    # ------------------------------------------------------------------ deciding
    def decide_selected(self, side: str) -> None:
        ids: list[str] = []
        for item in self.tree.selectedItems() or [self.tree.currentItem()]:
            if item is not None:
                ids += item.data(COL_WHAT, IDS_ROLE) or []
        self.decide({cid: side for cid in ids})

    def decide(self, decisions: dict[str, str]) -> None:
        self._decisions.update(decisions)
        for cid, side in decisions.items():
            item = self._items.get(cid)
            if item is None:
                continue
            text, colour = DECIDED[side]
            item.setText(COL_DECISION, text)
            item.setForeground(COL_DECISION, QBrush(QColor(colour)))
            chosen, other = (COL_MINE, COL_THEIRS) if side == MINE else (COL_THEIRS, COL_MINE)
            f = QFont(self.tree.font())
            f.setBold(True)
            item.setFont(chosen, f)
            item.setFont(other, QFont(self.tree.font()))
        self._update_counts()

    def decisions(self) -> dict[str, str]:
        return dict(self._decisions)

    def _update_counts(self) -> None:
        total = len(self.plan.conflicts)
        left = len(self.plan.result.unresolved(self._decisions))
        self.count_label.setText(f"<b>Conflicts</b> ({total}): both changed the same field or cell. "
                                 + (f"{left} still to decide (undecided ones keep yours)." if left else
                                    "All decided." if total else ""))

    def _accept(self) -> None:
        left = len(self.plan.result.unresolved(self._decisions))
        if left and QMessageBox.question(
                self, "Merge", f"{left} conflict(s) are not decided; they keep your value. Merge anyway?"
        ) != QMessageBox.Yes:
            return
        self.accept()

