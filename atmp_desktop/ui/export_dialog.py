"""The export dialog: choose documents, formats, folder, layout and template; export on a worker thread.

The export runs in a QThread so the window keeps painting; Cancel is checked by the exporter between files.
At the end the dialog lists the files written and the result of every PDF check.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, QThread, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QDialog, QFileDialog, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QMessageBox, QProgressBar, QPushButton, QRadioButton, QTextBrowser, QVBoxLayout,
)

from atmp_desktop.core.documents import DOCUMENTS
from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.ui.settings import path_key
from atmp_desktop.ui.errors import logged, qt_safe


def export_function():
    """The exporter (looked up at call time so it is imported only when the user exports)."""
    from atmp_desktop.export import api
    return api.export_documents


def export_error_type():
    try:
        from atmp_desktop.export.errors import ExportError
        return ExportError
    except ImportError:
        return ()


def check_function():
    """The check of an exported folder (CTD-01/02/05 on the files, CTD-06 the Module 1 checklist)."""
    from atmp_desktop.export.export_check import check_export
    return check_export


class ExportThread(QThread):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, snap, doc_ids, out_dir, formats, template, layout, parent=None, forms=None):
        super().__init__(parent)
        self.args = (snap, doc_ids, out_dir, formats, template, layout)
        self.forms = forms
        self.cancel_requested = False
        self.findings: list | None = None  # the export check's findings (None: not run)
        self.check_error = ""

    def cancel(self) -> None:
        self.cancel_requested = True

    def run(self) -> None:
        snap, doc_ids, out_dir, formats, template, layout = self.args
        try:
            export = export_function()
        except ImportError:
            self.failed.emit("Exporting is not available in this build of the app.")
            return
        try:
            result = export(snap, doc_ids, out_dir, formats=formats, template=template, layout=layout,
                            progress=lambda d, t, m: self.progressed.emit(d, t, m),
                            should_cancel=lambda: self.cancel_requested)
        except export_error_type() as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # never a traceback in the user's face
            logged()
            self.failed.emit(f"The export stopped unexpectedly ({type(exc).__name__}: {exc}); please report it.")
            return
        if self.forms is not None and result.paths and not result.cancelled:
            self.progressed.emit(1, 1, "Checking the exported files…")
            try:
                self.findings = list(check_function()(self.forms, snap, out_dir))
            except Exception as exc:  # the files are written; a check that cannot run is said, not raised
                logged()
                self.check_error = (f"The exported files could not be checked ({type(exc).__name__}: {exc}); "
                                    "run atmp-desktop validate with --export on the folder.")
        self.succeeded.emit(result)


class ExportDialog(QDialog):
    def __init__(self, forms: FormSet, snap: ProjectSnapshot, settings, project_path: Path, parent=None):
        super().__init__(parent)
        self.forms = forms
        self.snap = snap
        self.settings = settings
        self.thread: ExportThread | None = None
        self.result = None
        self.findings = None  # the check of the exported files (export_check), after an export
        self.error = ""
        self.setWindowTitle("Export documents")
        self.setMinimumSize(760, 560)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        layout.addLayout(top, 1)

        docs_box = QGroupBox("&Documents", self)
        docs_layout = QVBoxLayout(docs_box)
        self.documents = QListWidget(docs_box)
        self.documents.setAccessibleName("Documents to export")
        self.documents.setWordWrap(True)
        self.documents.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.documents.setSpacing(2)
        for spec in DOCUMENTS:
            applies = spec.applies(snap)
            text = spec.title if applies else f"{spec.title}\nDoes not apply to this product. {spec.reason(forms.label, forms.value_label)}"
            item = QListWidgetItem(text, self.documents)
            item.setData(Qt.UserRole, spec.id)
            item.setToolTip(spec.reason(forms.label, forms.value_label) + (f"\nBasis: {spec.basis}" if spec.basis else ""))
            if applies:
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable | Qt.ItemIsSelectable)
                item.setCheckState(Qt.Checked)
            else:
                item.setFlags(Qt.ItemIsUserCheckable)  # shown, greyed, not selectable
                item.setCheckState(Qt.Unchecked)
        docs_layout.addWidget(self.documents)
        pick = QHBoxLayout()
        all_button = QPushButton("Select &all", docs_box)
        none_button = QPushButton("Select &none", docs_box)
        all_button.clicked.connect(lambda: self._check_all(True))
        none_button.clicked.connect(lambda: self._check_all(False))
        for b in (all_button, none_button):
            b.setAutoDefault(False)
            pick.addWidget(b)
        pick.addStretch(1)
        docs_layout.addLayout(pick)
        top.addWidget(docs_box, 3)

        options = QVBoxLayout()
        top.addLayout(options, 2)
        fmt_box = QGroupBox("Formats", self)
        fmt_layout = QVBoxLayout(fmt_box)
        self.word = QCheckBox("&Word (.docx)", fmt_box)
        self.pdf = QCheckBox("&PDF (checked against the eCTD PDF rules)", fmt_box)
        self.word.setChecked(True)
        self.pdf.setChecked(True)
        fmt_layout.addWidget(self.word)
        fmt_layout.addWidget(self.pdf)
        options.addWidget(fmt_box)

        layout_box = QGroupBox("Folder layout", self)
        ll = QVBoxLayout(layout_box)
        self.flat = QRadioButton("&Flat: all files in one folder", layout_box)
        self.ectd = QRadioButton("e&CTD folder structure (m1, m2, m3 …)", layout_box)
        self.ctis = QRadioButton("CT&IS Part I placeholders (clinical-trial application)", layout_box)
        self.ctis.setToolTip("ctis/part-i/ holds the IMPD parts under the names of their CTIS placeholders, "
                             "reports/ the app's own lists; documents of a marketing authorisation are left out.")
        trial = document_applies("ctis-part-i", snap)
        if not trial:
            self.ctis.setEnabled(False)
            self.ctis.setToolTip("For a clinical-trial application: set the development stage (Applicant step) "
                                 "to an exploratory or confirmatory clinical trial.")
        chosen = {"ectd": self.ectd, "ctis": self.ctis}.get(str(settings.value(_layout_key(project_path), "")
                                                               or "") if settings else "")
        (chosen if chosen is not None and chosen.isEnabled() else self.flat).setChecked(True)
        group = QButtonGroup(self)
        for button in (self.flat, self.ectd, self.ctis):
            group.addButton(button)
            ll.addWidget(button)
        options.addWidget(layout_box)

        where = QGroupBox("Where", self)
        grid = QGridLayout(where)
        out_label = QLabel("&Output folder", where)
        self.out_dir = QLineEdit(where)
        self.out_dir.setAccessibleName("Output folder")
        self.project_path = project_path
        self.out_dir.setText(str(default_folder(settings, project_path)))
        out_label.setBuddy(self.out_dir)
        browse = QPushButton("&Browse…", where)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse_folder)
        tpl_label = QLabel("Company Word &template (optional)", where)
        tpl_label.setWordWrap(True)
        self.template = QLineEdit(where)
        self.template.setAccessibleName("Company Word template")
        self.template.setPlaceholderText("Built-in styles")
        tpl_label.setBuddy(self.template)
        tpl_browse = QPushButton("C&hoose…", where)
        tpl_browse.setAutoDefault(False)
        tpl_browse.clicked.connect(self._browse_template)
        grid.addWidget(out_label, 0, 0, 1, 2)
        grid.addWidget(self.out_dir, 1, 0)
        grid.addWidget(browse, 1, 1)
        grid.addWidget(tpl_label, 2, 0, 1, 2)
        grid.addWidget(self.template, 3, 0)
        grid.addWidget(tpl_browse, 3, 1)
        options.addWidget(where)
        options.addStretch(1)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.status = QLabel("Choose what to export, then press Export.", self)
        self.status.setWordWrap(True)
        self.results = QTextBrowser(self)
        self.results.setAccessibleName("Export results")
        self.results.hide()
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)

        buttons = QHBoxLayout()
        self.open_folder_button = QPushButton("&Open Folder", self)
        self.open_folder_button.setAutoDefault(False)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.open_folder_button.hide()
        self.export_button = QPushButton("&Export", self)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        buttons.addWidget(self.open_folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

    # ------------------------------------------------------------------ choices
    def _check_all(self, on: bool) -> None:
        for i in range(self.documents.count()):
            item = self.documents.item(i)
            if item.flags() & Qt.ItemIsEnabled:
                item.setCheckState(Qt.Checked if on else Qt.Unchecked)

    def selected_ids(self) -> list[str]:
        return [self.documents.item(i).data(Qt.UserRole) for i in range(self.documents.count())
                if self.documents.item(i).flags() & Qt.ItemIsEnabled
                and self.documents.item(i).checkState() == Qt.Checked]

    def formats(self) -> tuple[str, ...]:
        return tuple(f for f, box in (("docx", self.word), ("pdf", self.pdf)) if box.isChecked())

    def _browse_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into folder", self.out_dir.text())
        if folder:
            self.out_dir.setText(folder)

    def _browse_template(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Company Word template", self.out_dir.text(),
                                              "Word documents and templates (*.docx *.dotx)")
        if path:
            self.template.setText(path)

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        ids, formats = self.selected_ids(), self.formats()
        if not ids:
            self.status.setText("Tick at least one document to export.")
            return
        if not formats:
            self.status.setText("Tick Word, PDF or both.")
            return
        out = self.out_dir.text().strip()
        if not out:
            self.status.setText("Choose an output folder.")
            return
        template = Path(self.template.text().strip()) if self.template.text().strip() else None
        if template is not None and not template.is_file():
            self.status.setText(f"The template '{template}' does not exist; choose a .docx file or leave it empty.")
            return
        target = self._target_folder(Path(out), ids, formats)
        if target is None:
            return
        self.out_dir.setText(str(target))
        if self.settings is not None:
            self.settings.set_value(_folder_key(self.project_path), str(target))
            self.settings.set_value(_layout_key(self.project_path), self._layout())
        self.result, self.error = None, ""
        self.results.hide()
        self.open_folder_button.hide()
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.status.setText("Preparing the documents…")
        self._set_running(True)
        self.thread = ExportThread(self.snap, ids, target, formats, template,
                                   self._layout(), self, forms=self.forms)
        self.thread.progressed.connect(self._progress)
        self.thread.succeeded.connect(self._done)
        self.thread.failed.connect(self._failed)
        self.thread.finished.connect(lambda: self._set_running(False))
        self.thread.start()

    def _layout(self) -> str:
        return "ectd" if self.ectd.isChecked() else "ctis" if self.ctis.isChecked() else "flat"

    def existing_files(self, out: Path, ids, formats) -> list[Path]:
        """The files this export would replace: the documents' files, or in the eCTD layout one per leaf, the
        Word sources under word/ and the manifest."""
        return [p for p in (out / rel for rel in planned_files(self.forms, self.snap, ids, self._layout(), formats))
                if p.is_file()]

    def _target_folder(self, out: Path, ids, formats) -> Path | None:
        """Ask before replacing files of an earlier export (writers edit the exported Word files): replace
        them, write a new dated folder beside, or cancel (None)."""
        existing = self.existing_files(out, ids, formats)
        if not existing:
            return out
        dated = dated_folder(out)
        box = QMessageBox(QMessageBox.Question, "Replace exported files?",
                          f"“{out.name}” already holds {len(existing)} file(s) this export would replace, such "
                          f"as “{existing[0].name}”. If you edited them, replacing loses those edits.", parent=self)
        box.setInformativeText(f"Write into a new folder “{dated.name}” instead, or replace the files?")
        new = box.addButton("&New Folder", QMessageBox.AcceptRole)
        replace = box.addButton("&Replace Files", QMessageBox.DestructiveRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(new)
        box.exec()
        if box.clickedButton() is new:
            return dated
        if box.clickedButton() is replace:
            return out
        self.status.setText("Nothing exported. Choose another folder, or export again to be asked once more.")
        return None

    def _set_running(self, running: bool) -> None:
        self.export_button.setEnabled(not running)
        self.cancel_button.setText("Cancel" if running else "Close")
        for w in (self.documents, self.word, self.pdf, self.flat, self.ectd, self.out_dir, self.template):
            w.setEnabled(not running)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def _progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status.setText(message)

    def _failed(self, message: str) -> None:
        self._set_running(False)
        self.error = message
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(message)

    def _done(self, result) -> None:
        self._set_running(False)
        self.result = result
        self.findings = self.thread.findings if self.thread is not None else None
        n = len(result.paths)
        self.progress.setRange(0, 1)
        self.progress.setValue(0 if result.cancelled else 1)
        if result.cancelled:
            self.status.setText(f"Cancelled. {n} file(s) had been written before you cancelled.")
        else:
            failed = sum(1 for checks in result.checks.values() for c in checks if c[1] is False)
            problems = sum(1 for f in self.findings or () if f.severity != "info")
            self.status.setText(f"{n} file(s) written." + (f" {failed} PDF check(s) failed; see below."
                                                          if failed else "")
                                + (f" The check of the exported files found {problems} problem(s); see below."
                                   if problems else ""))
        html = results_html(result, Path(self.out_dir.text()))
        if self.thread is not None and (self.findings is not None or self.thread.check_error):
            html = findings_html(self.findings or [], self.thread.check_error, self.thread.args[5]) + html
        self.results.setHtml(html)
        self.results.show()
        self.open_folder_button.setVisible(n > 0)

    def cancel_or_close(self) -> None:
        if self.running:
            self.thread.cancel()
            self.status.setText("Cancelling after the current file…")
        else:
            self.reject()

    @qt_safe()
    def reject(self) -> None:
        if self.running:
            self.thread.cancel()
            self.thread.wait()
        super().reject()

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(self.out_dir.text()))

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.wait()


def planned_files(forms, snap, ids, layout: str, formats) -> list[Path]:
    """The files (relative to the output folder) an export of `ids` writes, without building a document: flat,
    one per document and format; CTIS, one per document with a CTIS place and the manifest; eCTD, one per leaf
    heading of the definitions that applies (the PDFs at their eCTD places, the Word sources under word/) and
    manifest.csv/.json (export.api.export_documents)."""
    import posixpath

    from atmp_desktop.core.definitions import default_definitions
    from atmp_desktop.core.project import effective_snapshot
    from atmp_desktop.export import api
    from atmp_desktop.export.leaves import _applies
    snap = effective_snapshot(forms, snap)  # as the exporter sees it
    specs = api.resolve_ids(snap, list(ids))
    if layout == "ctis":  # the documents with a CTIS place, and the manifest (export.api._export)
        return [api.relative_path(spec, snap, layout, fmt) for spec in specs if api.ctis_location(spec)
                for fmt in formats] + [Path("manifest.csv"), Path("manifest.json")]
    if layout != "ectd":
        return [api.relative_path(spec, snap, layout, fmt) for spec in specs for fmt in formats]
    rels: list[str] = []
    for spec in specs:
        base = api.ectd_location(spec, snap, base=True)[0]
        whole, stem = api.ectd_location(spec, snap)
        try:
            heads = [h for h in default_definitions().document(spec.id).headings if h.leaf]
        except KeyError:
            heads = []
        if not heads:
            rels.append(posixpath.join(whole or base, stem))
        rels += [posixpath.join(base, h.leaf.get("folder", ""), h.leaf["file"])
                 for h in heads if _applies(h.code, snap)]
    files = [Path(f"word/{rel}.{fmt}" if fmt == "docx" else f"{rel}.{fmt}") for rel in dict.fromkeys(rels)
             for fmt in formats]
    return files + [Path("manifest.csv"), Path("manifest.json")]


def findings_html(findings, error: str = "", layout: str = "flat") -> str:
    """The check of the exported files: problems first, then the Module 1 parts still to prepare (CTD-06)."""
    if error:
        return f"<p><b>Check of the exported files:</b> {escape(error)}</p>"
    problems = [f for f in findings if f.severity != "info"]
    notes = [f for f in findings if f.severity == "info"]
    parts = []
    if problems:
        items = "".join(f"<li><span style='color:{'#c62828' if f.severity == 'error' else '#b35c00'}'>"
                        f"{escape(f.rule)}</span> {escape(f.message)}</li>" for f in problems[:100])
        parts.append(f"<p><b>Check of the exported files: {len(problems)} problem(s)</b></p><ul>{items}</ul>")
    elif layout == "ctis":  # no CTD file in a clinical-trial folder: nothing of CTD-01/02/05 was checked
        parts.append("<p><b>Check of the exported files:</b> <span style='color:#2e7d32'>✔ written under their "
                     "CTIS placeholder names</span>; what Part I still needs from elsewhere is listed in the "
                     "CTIS Part I contents report.</p>")
    else:
        parts.append("<p><b>Check of the exported files:</b> <span style='color:#2e7d32'>✔ CTD numbering, order "
                     "and eCTD names as expected</span></p>")
    if notes:
        items = "".join(f"<li>{escape(f.message)}</li>" for f in notes)
        parts.append(f"<p><b>Still to prepare outside this app ({escape(notes[0].rule)}):</b></p><ul>{items}</ul>")
    return "".join(parts)


def _folder_key(project_path: Path) -> str:
    return path_key("export_folder", project_path)


def _layout_key(project_path: Path) -> str:
    return path_key("export_layout", project_path)


def document_applies(doc_id: str, snap) -> bool:
    """Whether a document applies to the project (False for an id this build does not know)."""
    spec = next((d for d in DOCUMENTS if d.id == doc_id), None)
    return spec is not None and spec.applies(snap)


def default_folder(settings, project_path: Path) -> Path:
    """This project's last export folder if it still exists, else a folder beside the project file (never the
    working directory, never another project's folder)."""
    remembered = str(settings.value(_folder_key(project_path), "") or "") if settings else ""
    if remembered and Path(remembered).is_dir():
        return Path(remembered)
    return project_path.resolve().parent / f"{project_path.stem}-export"


def dated_folder(out: Path) -> Path:
    """out-YYYY-MM-DD beside `out`, or -2, -3 … when that exists too."""
    import datetime as _dt
    base = out.parent / f"{out.name}-{_dt.date.today().isoformat()}"
    candidate, n = base, 2
    while candidate.exists():
        candidate = base.with_name(f"{base.name}-{n}")
        n += 1
    return candidate


def results_html(result, out_dir: Path) -> str:
    parts = []
    if result.paths:
        items = []
        for p in result.paths:
            try:
                shown = str(Path(p).relative_to(out_dir))
            except ValueError:
                shown = str(p)
            checks = result.checks.get(p) or []
            bad = [c for c in checks if c[1] is False]
            unknown = [c for c in checks if c[1] not in (True, False)]
            mark = ""
            if checks:
                mark = (" <span style='color:#2e7d32'>✔ all PDF checks passed</span>" if not bad and not unknown
                        else f" <span style='color:#c62828'>✘ {len(bad)} check(s) failed</span>" if bad
                        else " <span style='color:#b35c00'>some checks could not be verified</span>")
            detail = "".join(f"<li>{escape(str(c[0]))}: {escape(str(c[2]))}</li>" for c in bad + unknown)
            items.append(f"<li>{escape(shown)}{mark}{'<ul>' + detail + '</ul>' if detail else ''}</li>")
        parts.append(f"<p><b>Files written in {escape(str(out_dir))}:</b></p><ul>{''.join(items)}</ul>")
    if result.checks:
        names = sorted({str(c[0]) for checks in result.checks.values() for c in checks})
        if names:
            parts.append("<p><b>PDF checks run on every PDF:</b> " + escape(", ".join(names)) + "</p>")
    if result.warnings:
        warn = "".join(f"<li>{escape(w)}</li>" for w in result.warnings[:50])
        parts.append(f"<p><b>Warnings:</b></p><ul>{warn}</ul>")
    return "".join(parts) or "<p>Nothing was written.</p>"
