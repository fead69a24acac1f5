"""The export dialog: real export on a worker thread, cancel, user-fixable errors, non-applicable documents."""
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from atmp_desktop.export.api import ExportResult
from atmp_desktop.export.errors import ExportError
from atmp_desktop.store import ProjectFile
from atmp_desktop.ui import export_dialog
from atmp_desktop.ui.app import make_app
from atmp_desktop.ui.export_dialog import ExportDialog
from atmp_desktop.ui.main_window import MainWindow


@pytest.fixture
def project(tmp_path, forms):
    path = tmp_path / "p.atmp"
    with ProjectFile.create(path, forms) as p:
        p.apply([("product.invented_name", "Lumacel"), ("product.inn", "lumacel-leucel"),
                 ("product.atmp_type", "sCTMP"), ("product.contains_gmo", False)], "setup")
        snap = p.snapshot()
    return path, snap


def make_dialog(qtbot, forms, project, settings):
    make_app()
    path, snap = project
    d = ExportDialog(forms, snap, settings, path)
    qtbot.addWidget(d, before_close_func=lambda w: w.wait())  # never destroy a running export thread
    return d


def choose(dialog, ids):
    for i in range(dialog.documents.count()):
        item = dialog.documents.item(i)
        if item.flags() & Qt.ItemIsEnabled:
            item.setCheckState(Qt.Checked if item.data(Qt.UserRole) in ids else Qt.Unchecked)


def test_documents_that_do_not_apply_are_disabled_with_the_reason(qtbot, forms, project, settings):
    d = make_dialog(qtbot, forms, project, settings)
    items = {d.documents.item(i).data(Qt.UserRole): d.documents.item(i) for i in range(d.documents.count())}
    snif = items["gmo-snif"]
    assert not snif.flags() & Qt.ItemIsEnabled
    assert "Does not apply" in snif.text() and "GMO" in snif.text()
    assert items["m3-2-s"].flags() & Qt.ItemIsEnabled
    assert "gmo-snif" not in d.selected_ids()


def test_real_export_writes_the_files_and_shows_the_pdf_checks(qtbot, forms, project, settings, tmp_path):
    d = make_dialog(qtbot, forms, project, settings)
    out = tmp_path / "out"
    d.out_dir.setText(str(out))
    choose(d, {"m3-2-s", "cat-readiness"})
    d.export_button.click()
    qtbot.waitUntil(lambda: d.result is not None or bool(d.error), timeout=60000)
    d.wait()
    assert d.error == ""
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(written) == 4 and {Path(w).suffix for w in written} == {".docx", ".pdf"}
    text = d.results.toPlainText()
    assert all(Path(w).name in text for w in written)
    assert "PDF checks" in text
    assert not d.open_folder_button.isHidden()
    assert d.cancel_button.text() == "Close"


def test_ectd_layout_puts_files_in_folders(qtbot, forms, project, settings, tmp_path):
    d = make_dialog(qtbot, forms, project, settings)
    out = tmp_path / "ectd"
    d.out_dir.setText(str(out))
    d.ectd.setChecked(True)
    d.pdf.setChecked(False)
    choose(d, {"m3-2-p"})
    d.start()
    qtbot.waitUntil(lambda: d.result is not None or bool(d.error), timeout=60000)
    d.wait()
    files = [p for p in out.rglob("*.docx")]  # one per eCTD leaf, in the word/ tree beside the PDFs' folders
    assert len(files) > 1 and all(p.relative_to(out).parts[0] == "word" and p.parent != out for p in files)
    # asking before replacing knows exactly the files an export writes (leaves, word/, manifest), nothing else
    written = {p for p in out.rglob("*") if p.is_file()}
    assert set(d.existing_files(out, ["m3-2-p"], ("docx",))) == written
    assert {p.name for p in d.existing_files(out, ["m3-2-s"], ("docx",))} == {"manifest.csv", "manifest.json"}
    # the exported folder was checked (export_check): its findings are listed, the Module 1 parts as notes
    assert d.findings is not None and all(f.rule.startswith("CTD-") for f in d.findings)
    text = d.results.toPlainText()
    assert "Check of the exported files" in text
    problems = [f for f in d.findings if f.severity != "info"]
    assert all(f.message in text for f in problems)


def test_cancel_stops_between_files_and_the_window_stays_responsive(qtbot, forms, project, settings, tmp_path,
                                                                     monkeypatch):
    release = threading.Event()

    def slow_export(snap, ids, out_dir, formats=(), template=None, layout="flat", progress=None,
                    should_cancel=None):
        result = ExportResult()
        for i, doc in enumerate(ids):
            if should_cancel():
                result.cancelled = True
                return result
            progress(i, len(ids), f"Writing {doc}")
            release.wait(5)
            result.paths.append(Path(out_dir) / f"{doc}.pdf")
        return result

    monkeypatch.setattr(export_dialog, "export_function", lambda: slow_export)
    d = make_dialog(qtbot, forms, project, settings)
    d.out_dir.setText(str(tmp_path))
    d.start()
    qtbot.waitUntil(lambda: d.status.text().startswith("Writing"), timeout=5000)
    assert d.running and not d.export_button.isEnabled()
    d.cancel_button.click()
    release.set()
    qtbot.waitUntil(lambda: d.result is not None, timeout=5000)
    d.wait()
    assert d.result.cancelled
    assert "Cancelled" in d.status.text() and "1 file(s)" in d.status.text()


def test_user_fixable_export_error_is_shown_as_one_sentence(qtbot, forms, project, settings, tmp_path, monkeypatch):
    def failing(*a, **k):
        raise ExportError("The template lacks the styles Heading 1, Caption; add them in Word and try again.")

    monkeypatch.setattr(export_dialog, "export_function", lambda: failing)
    d = make_dialog(qtbot, forms, project, settings)
    d.out_dir.setText(str(tmp_path))
    d.start()
    qtbot.waitUntil(lambda: bool(d.error), timeout=5000)
    d.wait()
    assert d.status.text().startswith("The template lacks the styles")
    assert d.export_button.isEnabled()


def test_missing_template_and_empty_choice_are_explained(qtbot, forms, project, settings, tmp_path):
    d = make_dialog(qtbot, forms, project, settings)
    choose(d, set())
    d.start()
    assert "at least one document" in d.status.text()
    choose(d, {"m3-2-s"})
    d.template.setText(str(tmp_path / "missing.docx"))
    d.start()
    assert "does not exist" in d.status.text() and d.thread is None


def test_alt_e_presses_export_and_the_export_check_is_shown(qtbot, forms, project, settings, tmp_path,
                                                           monkeypatch):
    from atmp_desktop.core.validation import Finding
    ran = []

    def quick_export(snap, ids, out_dir, **kw):
        out = Path(out_dir) / "m3-2-s.docx"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"x")
        ran.append(ids)
        return ExportResult(paths=[out])

    def check(forms_, snap, folder):
        return [Finding("CTD-02", "warning", "3.2.S.4.1 Specification is in none of the exported files.", "", ""),
                Finding("CTD-06", "info", "Module 1.0 (Cover letter) is not written by this app.", "", "")]

    monkeypatch.setattr(export_dialog, "export_function", lambda: quick_export)
    monkeypatch.setattr(export_dialog, "check_function", lambda: check)
    d = make_dialog(qtbot, forms, project, settings)
    d.out_dir.setText(str(tmp_path / "out"))
    d.show()
    d.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is d)
    qtbot.keyClick(d.documents, Qt.Key_E, Qt.AltModifier)  # the button's mnemonic, from the documents list
    qtbot.waitUntil(lambda: d.result is not None, timeout=5000)
    d.wait()
    assert ran and "m3-2-s" in ran[0]
    assert "found 1 problem" in d.status.text()
    text = d.results.toPlainText()
    assert "CTD-02" in text and "Still to prepare outside this app" in text and "Cover letter" in text


def test_file_menu_export_opens_the_dialog(qtbot, forms, project, settings, monkeypatch):
    make_app()
    w = MainWindow(forms, settings)
    qtbot.addWidget(w)
    w.open_path(project[0])
    seen = []
    monkeypatch.setattr(ExportDialog, "exec", lambda self: seen.append(self.selected_ids()) or 0)
    w.act_export.trigger()
    assert seen and "m3-2-s" in seen[0]
    w.close_project()


def test_ctis_layout_for_a_trial_writes_the_placeholders_and_is_remembered(qtbot, forms, project, settings,
                                                                          tmp_path):
    path, _ = project
    with ProjectFile.open(path, forms) as p:
        p.apply([("applicant.development_stage", "exploratory_ct")], "stage")
        trial = (path, p.snapshot())
    d = make_dialog(qtbot, forms, trial, settings)
    assert d.ctis.isEnabled() and d.flat.isChecked()
    out = tmp_path / "cta"
    d.out_dir.setText(str(out))
    d.pdf.setChecked(False)
    d.ctis.setChecked(True)
    choose(d, {"impd-q", "m3-2-s"})
    planned = set(d.existing_files(out, ["impd-q", "m3-2-s"], ("docx",)))
    assert planned == set()  # nothing there yet
    d.start()
    qtbot.waitUntil(lambda: d.result is not None or bool(d.error), timeout=60000)
    d.wait()
    assert d.error == ""
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == {"ctis/part-i/impd-quality.docx", "manifest.csv", "manifest.json"}
    # the Module 3 document has no CTIS placeholder: left out, and the writer is told so
    assert "no CTIS placeholder" in d.results.toPlainText()
    assert {p.relative_to(out).as_posix() for p in d.existing_files(out, ["impd-q", "m3-2-s"], ("docx",))} == written
    # a clinical-trial folder gets no Module 1 (marketing authorisation) checklist
    assert d.findings is not None and not [f for f in d.findings if f.rule == "CTD-06"]
    assert "CTIS placeholder names" in d.results.toPlainText() and "eCTD names" not in d.results.toPlainText()
    again = make_dialog(qtbot, forms, trial, settings)
    assert again.ctis.isChecked()


def test_ctis_layout_is_offered_only_for_a_clinical_trial(qtbot, forms, project, settings):
    d = make_dialog(qtbot, forms, project, settings)
    assert not d.ctis.isEnabled() and "development stage" in d.ctis.toolTip()
    assert d._layout() == "flat"
