"""Export-level validation: the CTD rules that concern the files written (CTD-01, CTD-02, CTD-05) and the Module 1
checklist of what the dossier still needs from elsewhere (CTD-06).

`check_export(forms, snap, folder)` reads an exported folder (flat, eCTD or CTIS layout, as `export_documents`
writes it: the Word sources give every heading level, the PDF bookmarks are read when only PDFs were written; the eCTD
manifest names each leaf's CTD section) and returns `core.validation.Finding`s. `atmp-desktop validate PROJECT
--export DIR` adds them to the project's findings; the export dialog calls the same function on its output
folder. The rules themselves are declared in core (`core/rules/procedure.py`, `on="export"`) so the catalogue
lists them.
"""
from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from atmp_desktop.core.definitions import default_definitions
from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.project import ProjectSnapshot, effective_snapshot
from atmp_desktop.core.rules.base import Ctx
from atmp_desktop.core.sections import all_headings, section_applicability
from atmp_desktop.core.validation import Finding, rule_by_id
from atmp_desktop.export.pdf_check import name_problems

CODED = re.compile(r"^(?P<code>\d+(?:\.\d+)*(?:\.[SPAR](?:\.\d+)*)?)\s+(?P<title>\S.*)$")
# parents that no document prints as a heading: the modules and "3.2 Body of Data" (folders m1..m3, 32-body-data)
UNPRINTED_PARENTS = {"1", "2", "3", "3.2"}
ALIASES = {"3.2.A.3": ("novel excipients",)}  # verification notes §1 (a): a common label, accepted
R2_TITLES = ("quality overview",)              # ICH M4Q(R2) draft 2.3 name (CTD-05)


@dataclass
class ExportedFile:
    rel: str                 # posix path without extension, relative to the export folder ("word/" removed)
    formats: list[str] = field(default_factory=list)
    section: str = ""        # the CTD section of an eCTD leaf (manifest), '' otherwise
    headings: list[tuple[int, str]] = field(default_factory=list)
    source: str = ""         # the file the headings were read from
    unreadable: str = ""     # why the headings could not be read
    ctd: bool = False        # a file of a CTD document (Modules 1.6, 2.3, 3); forms and reports have own numbers


# ----------------------------------------------------------------------------- reading the folder
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@lru_cache(maxsize=8)
def _heading_styles(styles_xml: bytes) -> dict[str, int]:
    """styleId -> level of the built-in Heading styles (every file of one export shares its styles part)."""
    from xml.etree import ElementTree as ET
    out = {}
    for st in ET.fromstring(styles_xml).iter(f"{_W}style"):
        name = st.find(f"{_W}name")
        m = re.fullmatch(r"heading (\d)", (name.get(f"{_W}val") if name is not None else "").casefold())
        if m:
            out[st.get(f"{_W}styleId")] = int(m.group(1))
    return out


def _docx_headings(path: Path) -> list[tuple[int, str]]:
    """(level, text) of the paragraphs in a built-in Heading style, read straight from the package (ten times
    faster than opening it with python-docx, which matters for an eCTD tree of a hundred leaves)."""
    import zipfile
    from xml.etree import ElementTree as ET
    with zipfile.ZipFile(path) as z:
        level_of = _heading_styles(z.read("word/styles.xml"))
        body = ET.fromstring(z.read("word/document.xml"))
    out = []
    for par in body.iter(f"{_W}p"):
        ps = par.find(f"{_W}pPr/{_W}pStyle")
        level = level_of.get(ps.get(f"{_W}val")) if ps is not None else None
        if level:
            text = " ".join("".join(t.text or "" for t in par.iter(f"{_W}t")).split())
            if text:
                out.append((level, text))
    return out


def _pdf_headings(path: Path) -> list[tuple[int, str]]:
    import pypdf
    out: list[tuple[int, str]] = []

    def walk(items, level):
        for it in items:
            if isinstance(it, list):
                walk(it, level + 1)
            else:
                out.append((level, " ".join(str(it.title).split())))
    walk(pypdf.PdfReader(str(path)).outline, 1)
    return out


def read_export(folder: Path) -> tuple[str, list[ExportedFile]]:
    """('ectd' | 'ctis' | 'flat', the exported files with their headings)."""
    folder = Path(folder)
    manifest = folder / "manifest.json"
    files: dict[str, ExportedFile] = {}
    layout = "ectd" if manifest.is_file() else "flat"
    if layout == "ectd":
        rows = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
        for r in rows:
            rel = str(r.get("file", ""))
            stem = rel.rsplit(".", 1)[0]
            key = stem[5:] if stem.startswith("word/") else stem
            f = files.setdefault(key, ExportedFile(key))
            f.formats.append(str(r.get("format", "")))
            f.section = f.section or str(r.get("ctd_section", ""))
    else:
        for p in sorted(folder.iterdir()):
            if p.is_file() and p.suffix in (".docx", ".pdf") and not p.name.startswith((".", "~")):
                files.setdefault(p.stem, ExportedFile(p.stem)).formats.append(p.suffix[1:])
    if layout == "ectd" and any(k.startswith("ctis/") for k in files) \
            and all(k.startswith(("ctis/", "reports/")) for k in files):
        layout = "ctis"  # the clinical-trial placeholders (export --layout ctis): no CTD file, no word/ tree
    ctd_ids = [d.id for d in default_definitions() if d.namespace == "ctd"]
    for key, f in files.items():
        f.ctd = key.startswith(("m1/", "m2/", "m3/")) if layout == "ectd" else \
            any(key == i or key.startswith(i + "-") for i in ctd_ids)
        docx_path = folder / ("word/" + key + ".docx" if layout == "ectd" else key + ".docx")
        pdf_path = folder / (key + ".pdf")
        for path, reader in ((docx_path, _docx_headings), (pdf_path, _pdf_headings)):
            if path.is_file():
                try:
                    f.headings, f.source = reader(path), path.relative_to(folder).as_posix()
                except Exception as exc:  # a damaged file is a finding, not a crash
                    f.unreadable = f"{path.relative_to(folder).as_posix()} could not be read ({type(exc).__name__})"
                    continue
                f.unreadable = ""
                break
        else:
            if not f.unreadable:
                f.unreadable = f"{key}: no .docx or .pdf file was found for it"
    return layout, list(files.values())


# ----------------------------------------------------------------------------- helpers
def _canon(code: str) -> str | None:
    for h in all_headings():
        if h.code == code:
            return h.title
    return None


def _order() -> dict[str, int]:
    return {h.code: i for i, h in enumerate(all_headings())}


def _norm(title: str) -> str:
    """Case, hyphens, UK/US spelling and plural endings do not count: 'Characterization' = 'Characterisation',
    'Specification(s)' = 'Specifications', 'Conclusion(s)' = 'Conclusion'."""
    t = title.casefold().replace("(s)", "").replace("-", " ").replace("/", " / ")
    t = re.sub(r"iz(ation|e|ed|ing)\b", r"is\1", t)
    words = [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z0-9/]+", t)]
    return " ".join(words)


def title_matches(code: str, title: str) -> bool:
    canonical = _canon(code) or ""
    if "(name" in canonical:  # the qualifier is filled with the product's names when printed
        canonical, title = canonical.split(" (")[0], title.split(" (")[0]
    return _norm(title) == _norm(canonical) or _norm(title) in (_norm(a) for a in ALIASES.get(code, ()))


def _parent(code: str) -> str:
    return code.rsplit(".", 1)[0] if "." in code else ""


def folder_codes(rel: str) -> set[str]:
    """CTD codes of the eCTD folders on a path: '32s2-manuf' -> 3.2.S.2, '161-nongmo' -> 1.6.1, '110-...' -> 1.10."""
    out = set()
    for part in rel.split("/")[:-1]:
        token = part.split("-")[0]
        if token == "110":
            out.add("1.10")
        elif re.fullmatch(r"\d{2,}[spar]?\d*", token) and not token.startswith("0"):
            out.add(".".join(ch.upper() if ch.isalpha() else ch for ch in token))
    return out


def _expected_leaf(code: str) -> str | None:
    """'folder/file' of the definition leaf that has this CTD code, relative to its document's folder."""
    for d in default_definitions():
        for h in d.headings:
            if h.code == code and h.leaf:
                return posixpath.join(h.leaf.get("folder", ""), h.leaf["file"])
    return None


# ----------------------------------------------------------------------------- the checks
def _finding(rule_id: str, location: str, message: str, step: str = "") -> Finding:
    r = rule_by_id(rule_id)
    return Finding(r.id, r.severity, message, r.basis, location, step, r.certainty)


def _ctd_01(layout: str, files: list[ExportedFile]) -> list[Finding]:
    out = []
    for f in files:
        if f.unreadable:
            out.append(_finding("CTD-01", "", f"The headings of {f.unreadable}; export it again."))
            continue
        for _level, text in f.headings:
            m = CODED.match(text)
            if not m:
                continue
            code, title = m.group("code"), m.group("title")
            if _canon(code) is None:
                if code.count(".") >= 2 or code.startswith(("1.", "2.", "3.")):
                    out.append(_finding("CTD-01", code, f"{f.source}: ‘{text}’ has a code that is not in the CTD "
                                                        "heading table; use the ICH M4/EU M1 number."))
                continue
            if not title_matches(code, title):
                out.append(_finding("CTD-01", code, f"{f.source}: ‘{text}’ should read ‘{code} {_canon(code)}’ "
                                                    "(ICH M4Q(R1) title); correct the heading."))
    if layout == "ectd":
        rels = [f"{f.rel}.{fmt}" for f in files for fmt in f.formats if fmt == "pdf"]
        for problem in name_problems(rels):
            out.append(_finding("CTD-01", "", f"eCTD name: {problem} Rename it (lower-case a-z, digits and '-').")
                       )
        for f in files:
            want = _expected_leaf(f.section) if f.section else None
            if want and not f.rel.endswith(want):
                out.append(_finding("CTD-01", f.section, f"{f.rel}.pdf holds {f.section} but the eCTD place of that "
                                                         f"section is …/{want}.pdf (ICH eCTD v3.2.2 Appendix 4); "
                                                         "move it there."))
    return out


def _exported_documents(layout: str, files: list[ExportedFile]):
    """The definitions whose headings were exported (flat: by file name; eCTD: by the leaves' sections)."""
    out = []
    for d in default_definitions():
        if d.namespace != "ctd":
            continue
        codes = {h.code for h in d.headings if h.code}
        if layout == "flat":
            hit = any(f.rel == d.id or f.rel.startswith(d.id + "-") for f in files)
        else:
            hit = any(f.section in codes for f in files)
        if hit:
            out.append(d)
    return out


def _ctd_02(layout: str, files: list[ExportedFile], snap: ProjectSnapshot) -> list[Finding]:
    out, order = [], _order()
    present: set[str] = set()
    for f in files:
        codes = [(lvl, CODED.match(t).group("code")) for lvl, t in f.headings if CODED.match(t)]
        codes = [(lvl, c) for lvl, c in codes if c in order]
        present |= {c for _, c in codes}
        seen: dict[str, int] = {}
        above = folder_codes(f.rel) if layout == "ectd" else set()
        last = -1
        for lvl, code in codes:
            if order[code] < last:
                out.append(_finding("CTD-02", code, f"{f.source}: {code} comes after a heading that follows it in "
                                                    "the CTD; put the headings in CTD order."))
            last = max(last, order[code])
            parent = _parent(code)
            while parent and parent not in order and parent not in UNPRINTED_PARENTS:
                parent = _parent(parent)
            if parent and parent not in UNPRINTED_PARENTS and parent not in seen and parent not in above:
                out.append(_finding("CTD-02", code, f"{f.source}: {code} has no parent heading {parent} "
                                                    f"({_canon(parent)}) before it; add it."))
            elif parent in seen and lvl != seen[parent] + 1:
                out.append(_finding("CTD-02", code, f"{f.source}: {code} is at heading level {lvl} but its parent "
                                                    f"{parent} is at level {seen[parent]}; make it one level "
                                                    "below."))
            seen[code] = lvl
    # every heading the definitions print for this product is in some file
    for d in _exported_documents(layout, files):
        leaves = [h.code for h in d.headings if h.leaf and h.code]
        for h in d.headings:
            if not h.code or h.code in present:
                continue
            if layout == "ectd":
                if any(leaf.startswith(h.code + ".") for leaf in leaves):
                    continue  # a folder above its leaves
                if not _applies(h.code, snap):
                    continue  # a leaf that does not apply writes no file; its justification is in the parent
            out.append(_finding("CTD-02", h.code, f"{h.code} {h.title} ({d.title}) is in none of the exported "
                                                  "files; export the document again or report the missing section."))
    return out


def _applies(code: str, snap: ProjectSnapshot) -> bool:
    try:
        return section_applicability(code, snap).applies
    except (KeyError, ValueError):
        return True


def _ctd_05(files: list[ExportedFile]) -> list[Finding]:
    out = []
    for f in files:
        for _lvl, text in f.headings:
            m = CODED.match(text)
            if m and (re.fullmatch(r"2\.3\.[1-6]", m.group("code")) or _norm(m.group("title")) in R2_TITLES):
                out.append(_finding("CTD-05", m.group("code"), f"{f.source}: ‘{text}’ uses the ICH M4Q(R2) draft "
                                                               "numbering; use M4Q(R1) (2.3.S, 2.3.P ...)."))
    return out


# Module 1 parts this app does not write: (code, title, when, what to prepare). `when` reads the project.
MODULE_1 = (
    ("1.0", "Cover letter", lambda c: True,
     "write it, stating the ATMP type, the GMO status, the CAT classification and any PRIME or accelerated "
     "assessment"),
    ("1.2", "Application form", lambda c: True,
     "complete the eAF with every manufacturing and testing site, the EU importer and the batch release site"),
    ("1.3.1", "SmPC, labelling and package leaflet", lambda c: True,
     "write them after Annexes II-IV of Reg. (EC) No 1394/2007 (e.g. the autologous-use statement, donation "
     "codes)"),
    ("1.4", "Information about the experts", lambda c: True,
     "collect the signed quality, non-clinical and clinical expert statements"),
    ("1.5.4", "Exceptional circumstances", lambda c: "maa_exceptional" in _procs(c),
     "file the justification (the readiness report prints the text entered in this project)"),
    ("1.5.5", "Conditional marketing authorisation", lambda c: "maa_conditional" in _procs(c),
     "file the justification and the specific obligations (the readiness report prints the text entered here)"),
    ("1.7", "Orphan market exclusivity", lambda c: c.yes("product.orphan_designated"),
     "prepare the similarity and market-exclusivity reports"),
    ("1.8.1", "Pharmacovigilance system", lambda c: True,
     "write the summary of the pharmacovigilance system (QPPV, PSMF location)"),
    ("1.8.2", "Risk management plan", lambda c: True,
     "write the EU-RMP with the follow-up of Art. 14 (the readiness report lists the safety concerns and the "
     "follow-up entered here)"),
    ("1.10", "Paediatrics", lambda c: True, "file the PIP decision or waiver and its compliance check"),
)


def _procs(c: Ctx) -> set[str]:
    from atmp_desktop.core.rules.base import procedures
    return procedures(c)


def module_1_checklist(forms: FormSet, snap: ProjectSnapshot) -> list[Finding]:
    """CTD-06: the Module 1 parts of a marketing authorisation dossier that come from elsewhere."""
    c = Ctx(forms, effective_snapshot(forms, snap))
    if "maa" not in c.pursuits:
        return []
    return [_finding("CTD-06", code, f"Module {code} ({title}) is not written by this app: {what}.", "applicant")
            for code, title, when, what in MODULE_1 if when(c)]


def check_export(forms: FormSet, snap: ProjectSnapshot, folder: Path) -> list[Finding]:
    """Findings on an exported folder: CTD-01 (codes, titles, eCTD names and places), CTD-02 (order, parents,
    sections missing from the export), CTD-05 (no M4Q(R2) numbering) and CTD-06 (the Module 1 checklist)."""
    folder = Path(folder)
    if not folder.is_dir():
        return [_finding("CTD-01", "", f"The export folder {folder} does not exist; export the documents first.")]
    layout, files = read_export(folder)
    if not files:
        return [_finding("CTD-01", "", f"The folder {folder} holds no exported documents (.docx or .pdf); export "
                                       "them first.")]
    snap = effective_snapshot(forms, snap)
    ctd = [f for f in files if f.ctd]
    module_1 = module_1_checklist(forms, snap) if layout != "ctis" else []  # a CTA has no CTD Module 1
    return _ctd_01(layout, ctd) + _ctd_02(layout, ctd, snap) + _ctd_05(ctd) + module_1
