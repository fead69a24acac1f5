"""Bringing existing work in: Word drafts with CTD headings and tables from .xlsx/.csv (issue 13)."""
import docx
import openpyxl
import pytest
from docx.shared import Pt

from atmp_desktop.core.import_docx import ImportError_, heading_code, plan_import, read_docx
from atmp_desktop.core.import_table import SheetError, convert, read_sheet, suggest_mapping, suggest_table
from atmp_desktop.store import ProjectFile
from atmp_desktop.store.importing import import_narrative, import_rows


def test_ctd_codes_are_read_from_headings():
    assert heading_code("3.2.S.2.2 Description of Manufacturing Process") == ("3.2.S.2.2",
                                                                             "Description of Manufacturing Process")
    assert heading_code("3.2.P.8.1. Stability Summary") == ("3.2.P.8.1", "Stability Summary")
    assert heading_code("1.6.2 Environmental risk assessment")[0] == "1.6.2"
    assert heading_code("3.2.A.1 Facilities") == ("3.2.A.1", "Facilities")
    assert heading_code("2023 results") is None and heading_code("Introduction") is None
    assert heading_code("3 months stability") is None


def test_word_draft_sections_with_styles_bold_lines_and_tables(tmp_path):
    d = docx.Document()
    d.add_heading("3.2.S.2.2 Description of Manufacturing Process and Process Controls", 1)
    d.add_paragraph("First paragraph.")
    d.add_heading("Overview", 3)                      # no code: part of the section
    d.add_paragraph("Second paragraph.")
    d.add_table(rows=2, cols=2)
    p = d.add_paragraph()
    run = p.add_run("3.2.P.8.1 Stability Summary and Conclusions")  # a bold line as heading
    run.bold = True
    run.font.size = Pt(12)
    d.add_paragraph("Stable for 12 months.")
    d.save(tmp_path / "draft.docx")
    s1, s2 = read_docx(tmp_path / "draft.docx")
    assert (s1.code, s1.text, s1.tables) == ("3.2.S.2.2", "First paragraph.\n\nOverview\n\nSecond paragraph.", 1)
    assert (s2.code, s2.text) == ("3.2.P.8.1", "Stable for 12 months.")


def test_a_file_that_is_not_a_word_document_is_one_sentence(tmp_path):
    (tmp_path / "fake.docx").write_bytes(b"not a zip at all")
    with pytest.raises(ImportError_, match="is not a Word document"):
        read_docx(tmp_path / "fake.docx")


def test_nothing_is_overwritten_without_asking_and_the_import_is_one_undo_step(sample_project, forms, tmp_path):
    d = docx.Document()
    d.add_heading("3.2.P.8.1 Stability Summary and Conclusions", 2)
    d.add_paragraph("A new summary from the Word draft.")
    d.add_heading("3.2.S.1.1 Nomenclature", 2)
    d.add_paragraph("No narrative field here.")
    d.save(tmp_path / "draft.docx")
    with ProjectFile.open(sample_project("car-t"), forms) as p:
        before = p.get("quality.stability_summary")
        proposals = plan_import(forms, p.snapshot(), read_docx(tmp_path / "draft.docx"))
        assert [(x.action, x.chosen) for x in proposals] == [("replace", False), ("no_field", False)]
        assert import_narrative(p, proposals, tmp_path / "draft.docx") is None    # nothing ticked: nothing
        proposals[0].chosen = True                                                  # the user ticks it
        cs = import_narrative(p, proposals, tmp_path / "draft.docx")
        assert cs.fields == {"quality.stability_summary"}
        assert p.get("quality.stability_summary") == "A new summary from the Word draft."
        assert p.audit_entries(1)[0]["new_value"].startswith("imported 1 section(s) from the Word draft 'draft.docx'")
        p.undo()
        assert p.get("quality.stability_summary") == before


def test_csv_with_semicolons_and_windows_encoding(tmp_path, forms):
    (tmp_path / "spec.csv").write_bytes("Test;Method;Acceptance criterion\nViability;Flow cytometry;≥ 70 %\n"
                                        .replace("≥", ">=").encode("cp1252") + "Identité;PCR;positive\n"
                                        .encode("cp1252"))
    sheet = read_sheet(tmp_path / "spec.csv")
    assert sheet.headers == ["Test", "Method", "Acceptance criterion"] and sheet.rows[1][0] == "Identité"
    assert suggest_table(forms, sheet.headers) in ("quality.ds_specification", "quality.dp_specification")
    with pytest.raises(SheetError, match="not an .xlsx or .csv"):
        read_sheet(tmp_path / "x.ods") if (tmp_path / "x.ods").write_text("x") else None


def test_batch_results_from_excel_link_to_batches_and_tests_by_name(sample_project, forms, tmp_path):
    with ProjectFile.open(sample_project("car-t"), forms) as p:
        snap = p.snapshot()
        batch = snap.rows("quality.batch_analyses")[0]["batch"]
        test_row = snap.rows("quality.dp_specification")[0]
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Results"
        ws.append(["Batch", "Test", "Result", "Unit", "Date"])
        ws.append([batch, test_row["test"], "98", "%", __import__("datetime").date(2026, 3, 4)])
        ws.append(["NO-SUCH-BATCH", test_row["test"], "97", "%", None])
        wb.save(tmp_path / "results.xlsx")
        sheet = read_sheet(tmp_path / "results.xlsx")
        table = forms.field("quality.batch_results")
        mapping = suggest_mapping(table, sheet.headers)
        assert (mapping["batch"], mapping["test"], mapping["result"], mapping["date"]) == (0, 1, 2, 4)
        conv = convert(forms, snap, table, sheet, mapping)
        [row] = conv.rows
        assert row["batch"] == snap.row_ids("quality.batch_analyses")[0]
        assert row["test"] == snap.row_ids("quality.dp_specification")[0] and row["date"] == "2026-03-04"
        assert conv.problems[0][0] == 3 and "NO-SUCH-BATCH" in conv.problems[0][1]
        n = len(snap.rows("quality.batch_results"))
        cs = import_rows(p, "quality.batch_results", conv.rows, tmp_path / "results.xlsx")
        assert len(p.snapshot().rows("quality.batch_results")) == n + 1 and cs.tables["quality.batch_results"].inserted
        p.undo()
        assert len(p.snapshot().rows("quality.batch_results")) == n


def test_replacing_a_table_from_a_sheet(sample_project, forms, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Site name", "Country"])
    wb.active.append(["Only site", "Belgium"])
    wb.save(tmp_path / "sites.xlsx")
    with ProjectFile.open(sample_project("car-t"), forms) as p:
        table = forms.field("manufacturing.sites")
        sheet = read_sheet(tmp_path / "sites.xlsx")
        conv = convert(forms, p.snapshot(), table, sheet, suggest_mapping(table, sheet.headers))
        import_rows(p, table.path, conv.rows, "sites.xlsx", replace=True)
        assert p.snapshot().rows(table.path) == [{"name": "Only site", "country": "Belgium"}]
        assert p.audit_entries(1)[0]["new_value"] == "replaced the rows of Manufacturing and testing sites with 1 " \
                                                      "row(s) from 'sites.xlsx'"
