"""Word writer: headings with CTD numbers, TOC field pre-filled and refreshed on open, bookmarks and links,
header/footer fields, table header rows in schema order, landscape sections, properties, template handling,
determinism, LibreOffice conversion."""
from __future__ import annotations

import shutil
import subprocess
import uuid
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from atmp_desktop.export import builders
from atmp_desktop.export import model as m
from atmp_desktop.export.docx_writer import DocxWriter
from atmp_desktop.export.errors import ExportError
from tests.test_export_data import hand_snapshot


def _write(tmp_path, doc=None, name="s.docx", template=None):
    path = tmp_path / name
    DocxWriter(template).write(doc or builders.build("m3-2-s", hand_snapshot()), path, "2026-03-01T09:00:00Z",
                               "2026-03-02T10:30:00Z")
    return path


def _xml(path, part="word/document.xml"):
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def test_headings_use_builtin_styles_with_ctd_numbers_and_bookmarks(tmp_path):
    path = _write(tmp_path)
    d = docx.Document(str(path))
    heads = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert heads[0][0] == "Heading 1" and heads[0][1].startswith("3.2.S Drug Substance")
    assert ("Heading 3", "3.2.S.1.1 Nomenclature") in heads
    body = _xml(path)
    doc = builders.build("m3-2-s", hand_snapshot())
    for h in doc.headings():
        assert f'w:name="{h.key}"' in body
        assert f'w:anchor="{h.key}"' in body  # TOC entry hyperlinked to it


def test_toc_field_prefilled_and_word_refreshes_on_open(tmp_path):
    path = _write(tmp_path)
    body = _xml(path)
    assert 'TOC \\o "1-4" \\h \\z \\u' in body
    assert body.index('w:fldCharType="begin" w:dirty="true"') < body.index("3.2.S.1.1 Nomenclature")
    assert '<w:updateFields w:val="true"/>' in _xml(path, "word/settings.xml")


def test_header_and_footer_carry_product_status_and_page_fields(tmp_path):
    path = _write(tmp_path)
    header, footer = _xml(path, "word/header1.xml"), _xml(path, "word/footer1.xml")
    assert "Lumacel" in header and "Module 3.2.S Drug Substance" in header and "CTD 3.2.S" in header
    assert "DRAFT" in footer and "Version 1.2" in footer
    assert " PAGE " in footer and " NUMPAGES " in footer


def test_core_properties_come_from_the_project(tmp_path):
    cp = docx.Document(str(_write(tmp_path))).core_properties
    assert cp.title == "Module 3.2.S Drug Substance" and cp.author == "Jürgen Müller"
    assert cp.created.isoformat().startswith("2026-03-01") and cp.modified.isoformat().startswith("2026-03-02")
    raw = b"".join(zipfile.ZipFile(_write(tmp_path, name="b.docx")).read(n)
                   for n in ("docProps/core.xml", "docProps/app.xml"))
    assert b"python-docx" not in raw and b"ATMP Dossier Desktop" in raw


def test_table_rows_repeat_header_and_do_not_split_in_schema_order(tmp_path):
    path = _write(tmp_path)
    d = docx.Document(str(path))
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "No.")
    trpr = table.rows[0]._tr.trPr
    tags = [c.tag for c in trpr]
    assert tags.index(qn("w:cantSplit")) < tags.index(qn("w:tblHeader"))
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows)


def test_wide_table_in_landscape_section_with_linked_header(tmp_path):
    cols = tuple(f"C{i}" for i in range(7))
    doc = m.Document(builders.build("m3-2-a", hand_snapshot()).meta,
                     [m.Heading("3.2.A", "Appendices", 1), m.Table(cols, (cols,)), m.Paragraph.of("after")])
    d = docx.Document(str(_write(tmp_path, doc)))
    secs = d.sections
    assert len(secs) == 3
    land = secs[1]
    assert land.orientation == 1 and land.page_width > land.page_height
    assert land.header.is_linked_to_previous and land.footer.is_linked_to_previous
    assert secs[2].page_width < secs[2].page_height


def test_same_document_gives_identical_bytes(tmp_path):
    a = _write(tmp_path, name="a.docx")
    b = _write(tmp_path, name="b.docx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert "docProps/thumbnail.jpeg" not in z.namelist()


def _template_without(tmp_path, *drop):
    d = docx.Document()
    styles = d.styles.element
    for st in list(styles):
        name = st.find(qn("w:name"))
        if name is not None and name.get(qn("w:val")) in drop:
            styles.remove(st)
    path = tmp_path / "company.docx"
    d.save(str(path))
    return path


def test_template_lacking_styles_is_reported_by_name(tmp_path):
    tpl = _template_without(tmp_path, "heading 2", "caption")
    with pytest.raises(ExportError) as err:
        _write(tmp_path, template=tpl)
    msg = str(err.value)
    assert "Heading 2" in msg and "Caption" in msg and "company.docx" in msg


def test_company_template_restyles_and_dotx_is_accepted(tmp_path):
    d = docx.Document()
    d.styles["Heading 1"].font.color.rgb = docx.shared.RGBColor(0xAB, 0x12, 0x34)
    d.add_paragraph("Template sample text that must not survive")
    tpl = tmp_path / "company.dotx"
    d.save(str(tmp_path / "c.docx"))
    with zipfile.ZipFile(tmp_path / "c.docx") as zin, zipfile.ZipFile(tpl, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            zout.writestr(item, data)
    out = docx.Document(str(_write(tmp_path, template=tpl)))
    assert out.styles["Heading 1"].font.color.rgb == docx.shared.RGBColor(0xAB, 0x12, 0x34)
    assert "Template sample text" not in "\n".join(p.text for p in out.paragraphs)


def test_unreadable_template_is_one_sentence(tmp_path):
    bad = tmp_path / "x.docx"
    bad.write_text("not a zip")
    with pytest.raises(ExportError, match="cannot be read"):
        _write(tmp_path, template=bad)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_every_docx(tmp_path):
    from atmp_desktop.core.documents import DOCUMENTS
    from atmp_desktop.export.api import export_documents
    from pypdf import PdfReader
    res = export_documents(hand_snapshot(), [d.id for d in DOCUMENTS], tmp_path / "docx", formats=("docx",))
    profile = f"file:///tmp/lo-{uuid.uuid4().hex}"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path / "pdf"), *map(str, res.paths)], check=True, capture_output=True,
                   timeout=300)
    for path in res.paths:
        pdf = tmp_path / "pdf" / (path.stem + ".pdf")
        assert pdf.exists() and len(PdfReader(str(pdf)).pages) >= 3, path.name  # title, TOC, body
    text = " ".join(PdfReader(str(tmp_path / "pdf" / "m3-2-p-drug-product.pdf")).pages[1].extract_text().split())
    assert "3.2.P.1 Description and Composition of the Drug Product" in text  # pre-filled TOC visible


def test_company_header_content_is_kept(tmp_path):
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "ACME Biotech - Confidential"
    tpl = tmp_path / "acme.docx"
    d.save(str(tpl))
    header = _xml(_write(tmp_path, template=tpl), "word/header1.xml")
    assert "ACME Biotech - Confidential" in header and "Lumacel" in header
