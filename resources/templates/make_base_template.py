"""Builds resources/templates/atmp-base.docx, the built-in Word base template.

A4 with 25 mm margins (eCTD asks for at least 3/4 inch on the left), Arial body text (Liberation Sans
is its metric twin on Linux), numbered CTD headings in dark blue, TOC styles with dot leaders.
Run: .venv/bin/python resources/templates/make_base_template.py
"""
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

BODY_FONT = "Arial"
HEADING_COLOUR = RGBColor(0x1F, 0x3A, 0x5F)


def set_font(style, name: str) -> None:
    style.font.name = name
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)


def main() -> Path:
    d = Document()
    for section in d.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin, section.bottom_margin = Mm(25), Mm(20)
        section.header_distance = section.footer_distance = Mm(10)
    normal = d.styles["Normal"]
    set_font(normal, BODY_FONT)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    sizes = {1: 16, 2: 13, 3: 12, 4: 11, 5: 10.5, 6: 10.5}
    for level, size in sizes.items():
        st = d.styles[f"Heading {level}"]
        set_font(st, BODY_FONT)
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.italic = False
        st.font.color.rgb = HEADING_COLOUR
        st.paragraph_format.space_before = Pt(14 if level <= 2 else 10)
        st.paragraph_format.space_after = Pt(6)
        st.paragraph_format.keep_with_next = True
    set_font(d.styles["Title"], BODY_FONT)
    d.styles["Title"].font.color.rgb = HEADING_COLOUR
    for name in ("Caption", "Table Grid", "List Bullet", "List Number"):
        if name in [s.name for s in d.styles] and d.styles[name].type == WD_STYLE_TYPE.PARAGRAPH:
            set_font(d.styles[name], BODY_FONT)
    for i in range(1, 5):
        st = d.styles.add_style(f"TOC {i}", WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.paragraph_format.left_indent = Mm(5 * (i - 1))
        st.paragraph_format.space_after = Pt(2)
        st.paragraph_format.tab_stops.add_tab_stop(Mm(160), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    cp = d.core_properties
    cp.author = cp.last_modified_by = "ATMP Dossier Desktop"
    cp.title = "ATMP Dossier Desktop base template"
    cp.comments = ""
    target = Path(__file__).with_name("atmp-base.docx")
    d.save(target)
    return target


if __name__ == "__main__":
    print(main())
