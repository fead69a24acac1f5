"""Review ▸ Import Word Draft… and Import Table…: a preview of what goes where before anything is written.

Word: one line per coded heading of the draft — the field it goes into (choosable when several narrative
fields are printed under the code), what happens (fill an empty field; replace only when ticked), the text.
Table: the target table, the sheet, a column-mapping step (which spreadsheet column fills which table column),
the rows as they would be imported and every row that cannot be, with its row number and why.
Both write one undoable, audited action."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QGridLayout, QGroupBox,
    QHeaderView, QLabel, QListWidget, QMessageBox, QScrollArea, QSplitter, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

ACTION_WORDS = {"fill": "fills an empty field", "same": "already there", "replace": "REPLACES the field's text",
                "no_field": "not imported", "empty": "not imported"}


class DocxImportDialog(QDialog):
    def __init__(self, window, path: str | Path):
        super().__init__(window)
        from atmp_desktop.core.import_docx import ImportError_, plan_import, read_docx
        self.w, self.path = window, Path(path)
        self.ok = False
        try:
            sections = read_docx(self.path)
        except ImportError_ as exc:
            QMessageBox.warning(window, "Import Word draft", str(exc))
            return
        if not sections:
            QMessageBox.information(window, "Import Word draft",
                                    f"'{self.path.name}' has no heading that starts with a CTD code (such as "
                                    "“3.2.S.2.2 Description of Manufacturing Process”); nothing to import.")
            return
        self.ok = True
        self.proposals = plan_import(window.forms, window.project.snapshot(), sections)
        self.setWindowTitle(f"Import {self.path.name}")
        self.resize(1240, 640)
        layout = QVBoxLayout(self)
        intro = QLabel("Each heading with a CTD code goes into the narrative field printed under that code. Empty "
                       "fields are filled; a field that already holds other text is replaced only when you tick it.",
                       self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(self.proposals), 5, self)
        self.table.setHorizontalHeaderLabels(["Import", "Heading in the draft", "Goes into", "What happens", "Text"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setAccessibleName("Import preview")
        self.boxes: list[QCheckBox] = []
        self.combos: list[QComboBox | None] = []
        for r, p in enumerate(self.proposals):
            box = QCheckBox(self.table)
            box.setChecked(p.chosen)
            box.setEnabled(p.action in ("fill", "replace"))
            self.table.setCellWidget(r, 0, box)
            self.boxes.append(box)
            self.table.setItem(r, 1, QTableWidgetItem(f"{p.section.code} {p.section.heading}"))
            if len(p.candidates) > 1:
                combo = QComboBox(self.table)
                for c in p.candidates:
                    combo.addItem(window.forms.field(c).label, c)
                combo.setCurrentIndex(max(combo.findData(p.path), 0))
                combo.currentIndexChanged.connect(lambda _i, row=r: self._retarget(row))
                self.table.setCellWidget(r, 2, combo)
                self.combos.append(combo)
            else:
                label = window.forms.field(p.path).label if p.path else "—"
                self.table.setItem(r, 2, QTableWidgetItem(label))
                self.combos.append(None)
            self._describe(r)
            preview = QTableWidgetItem(p.text[:300].replace("\n", " ⏎ ") + ("…" if len(p.text) > 300 else ""))
            preview.setToolTip(p.text[:3000])
            self.table.setItem(r, 4, preview)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel, self)
        self.import_button = buttons.addButton("&Import", QDialogButtonBox.AcceptRole)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _describe(self, r: int) -> None:
        p = self.proposals[r]
        text = ACTION_WORDS[p.action] + (f" — {p.note}" if p.note else "")
        item = QTableWidgetItem(text)
        if p.action == "replace":
            item.setForeground(Qt.darkRed)
        self.table.setItem(r, 3, item)

    def _retarget(self, r: int) -> None:
        p = self.proposals[r]
        p.path = self.combos[r].currentData()
        p.current = str(self.w.project.snapshot().get(p.path) or "")
        p.action = "fill" if not p.current else "same" if p.current.strip() == p.text else "replace"
        self.boxes[r].setChecked(p.action == "fill")
        self._describe(r)

    def apply(self) -> None:
        from atmp_desktop.store.importing import import_narrative
        from atmp_desktop.ui.share_menu import _apply
        for p, box in zip(self.proposals, self.boxes):
            p.chosen = box.isChecked() and p.action in ("fill", "replace")
        replacing = [p for p in self.proposals if p.chosen and p.action == "replace"]
        if replacing and QMessageBox.question(
                self, "Replace text", f"{len(replacing)} field(s) that already hold text will be replaced "
                "(Edit ▸ Undo takes the whole import back). Continue?") != QMessageBox.Yes:
            return
        change = _apply(self.w, lambda: import_narrative(self.w.project, self.proposals, self.path), "Import")
        n = len(change.fields) if change is not None else 0
        self.w.status.showMessage(f"Imported {n} section(s) from {self.path.name}." if n else
                                  "Nothing was imported.", 8000)
        self.accept()


class TableImportDialog(QDialog):
    def __init__(self, window, path: str | Path, table_path: str | None = None):
        super().__init__(window)
        from atmp_desktop.core.import_table import SheetError, read_sheet, suggest_table
        self.w, self.path = window, Path(path)
        self.ok = False
        try:
            self.sheet = read_sheet(self.path)
        except SheetError as exc:
            QMessageBox.warning(window, "Import table", str(exc))
            return
        self.ok = True
        self.setWindowTitle(f"Import {self.path.name}")
        self.resize(1280, 760)
        layout = QVBoxLayout(self)
        top = QFormLayout()
        self.target = QComboBox(self)
        for f in window.forms.all_fields():
            if f.is_table:
                self.target.addItem(f"{f.label} ({window.forms.step(f.step_id).title})", f.path)
        guess = table_path or suggest_table(window.forms, self.sheet.headers)
        if guess:
            self.target.setCurrentIndex(max(self.target.findData(guess), 0))
        top.addRow("Into the table:", self.target)
        self.sheet_box = QComboBox(self)
        for name in self.sheet.sheets or [self.sheet.name]:
            self.sheet_box.addItem(name)
        self.sheet_box.setCurrentText(self.sheet.name)
        self.sheet_box.setEnabled(len(self.sheet.sheets) > 1)
        top.addRow("Sheet:", self.sheet_box)
        self.replace = QCheckBox("Replace the table's rows (otherwise the rows are added at the end)", self)
        top.addRow("", self.replace)
        layout.addLayout(top)
        split = QSplitter(Qt.Horizontal, self)
        self.mapping_box = QGroupBox("Column mapping: which spreadsheet column fills each column", split)
        self.mapping_layout = QGridLayout(self.mapping_box)
        scroll = QScrollArea(split)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.mapping_box)
        right = QWidget(split)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.count = QLabel(right)
        rl.addWidget(self.count)
        self.preview = QTableWidget(0, 0, right)
        self.preview.setAccessibleName("Rows to import")
        self.preview.setEditTriggers(QAbstractItemView.NoEditTriggers)
        rl.addWidget(self.preview, 3)
        rl.addWidget(QLabel("Rows that cannot be imported:", right))
        self.problems = QListWidget(right)
        self.problems.setAccessibleName("Rows that cannot be imported")
        rl.addWidget(self.problems, 1)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setSizes([430, 850])
        layout.addWidget(split, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel, self)
        self.import_button = buttons.addButton("&Import", QDialogButtonBox.AcceptRole)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.combos: dict[str, QComboBox] = {}
        self.target.currentIndexChanged.connect(lambda _i: self._build_mapping())
        self.sheet_box.currentTextChanged.connect(self._change_sheet)
        self._build_mapping()

    def table_field(self):
        return self.w.forms.field(self.target.currentData())

    def _change_sheet(self, name: str) -> None:
        from atmp_desktop.core.import_table import SheetError, read_sheet
        try:
            self.sheet = read_sheet(self.path, name)
        except SheetError as exc:
            QMessageBox.warning(self, "Import table", str(exc))
            return
        self._build_mapping()

    def _build_mapping(self) -> None:
        from atmp_desktop.core.import_table import suggest_mapping
        while self.mapping_layout.count():
            item = self.mapping_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.combos = {}
        tf = self.table_field()
        suggested = suggest_mapping(tf, self.sheet.headers)
        for r, c in enumerate(tf.columns):
            self.mapping_layout.addWidget(QLabel(c.label + (" *" if c.required else ""), self.mapping_box), r, 0)
            combo = QComboBox(self.mapping_box)
            combo.addItem("— not imported —", None)
            for i, h in enumerate(self.sheet.headers):
                combo.addItem(h, i)
            combo.setCurrentIndex(max(combo.findData(suggested[c.id]), 0) if suggested[c.id] is not None else 0)
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
            self.mapping_layout.addWidget(combo, r, 1)
            self.combos[c.id] = combo
        self.mapping_layout.setRowStretch(len(tf.columns), 1)
        self.refresh()

    def mapping(self) -> dict[str, int | None]:
        return {cid: combo.currentData() for cid, combo in self.combos.items()}

    def set_mapping(self, column: str, header_index: int | None) -> None:
        combo = self.combos[column]
        combo.setCurrentIndex(combo.findData(header_index) if header_index is not None else 0)

    def refresh(self) -> None:
        from atmp_desktop.core.diff import texter
        from atmp_desktop.core.import_table import convert
        tf = self.table_field()
        snap = self.w.project.snapshot()
        self.converted = convert(self.w.forms, snap, tf, self.sheet, self.mapping())
        cols = [c for c in tf.columns if self.combos[c.id].currentData() is not None]
        self.preview.clear()
        self.preview.setColumnCount(len(cols))
        self.preview.setHorizontalHeaderLabels([c.label for c in cols])
        shown = self.converted.rows[:200]
        self.preview.setRowCount(len(shown))
        text = texter(self.w.forms, (snap,))
        for r, row in enumerate(shown):
            for k, c in enumerate(cols):
                self.preview.setItem(r, k, QTableWidgetItem(text(c, row.get(c.id)) if c.id in row else ""))
        self.preview.resizeColumnsToContents()
        self.problems.clear()
        self.problems.addItems([f"Row {n}: {why}" for n, why in self.converted.problems])
        n, bad = len(self.converted.rows), len(self.converted.problems)
        self.count.setText(f"<b>{n} row(s) to import</b> into {tf.label} from sheet '{self.sheet.name}' "
                           f"({len(self.sheet.rows)} row(s) below the header)" + (f"; {bad} cannot be imported."
                                                                                  if bad else "."))
        self.import_button.setEnabled(n > 0)

    def apply(self) -> None:
        from atmp_desktop.store.importing import import_rows
        from atmp_desktop.ui.share_menu import _apply
        tf = self.table_field()
        rows = self.converted.rows
        replace = self.replace.isChecked()
        existing = len(self.w.project.snapshot().row_ids(tf.path))
        if replace and existing and QMessageBox.question(
                self, "Replace rows", f"The {existing} row(s) now in {tf.label} will be replaced by {len(rows)} "
                "imported row(s) (Edit ▸ Undo takes it back). Continue?") != QMessageBox.Yes:
            return
        change = _apply(self.w, lambda: import_rows(self.w.project, tf.path, rows, self.path, replace=replace),
                        "Import")
        if change is not None:
            self.w.status.showMessage(f"Imported {len(rows)} row(s) into {tf.label} from {self.path.name}"
                                      + (f"; {len(self.converted.problems)} row(s) left out." if
                                         self.converted.problems else "."), 8000)
        self.accept()
