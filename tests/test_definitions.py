"""Document definitions (resources/documents/): checked at load, every field placed, placements printed,
literal field paths in code exist in the forms."""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from atmp_desktop.core.definitions import HOOKS, DefinitionError, default_definitions, load_definitions, placement_map
from atmp_desktop.core.forms import default_forms
from atmp_desktop.core.paths import resources_dir
from atmp_desktop.core.sections import heading_applicability
from atmp_desktop.export.builders.base import fmt
from atmp_desktop.export.builders.generic import HOOK_IMPLS, Builder
from atmp_desktop.export.model import Heading, ListBlock, Paragraph, Placeholder, Table
from tests.golden import sample_snapshot

PKG = Path(__file__).resolve().parents[1] / "atmp_desktop"
DOCS = resources_dir() / "documents"


# ----------------------------------------------------------------------------- loading and checking
def _copy_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    target = tmp_path / "documents"
    shutil.copytree(DOCS, target)
    path = target / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize("name, old, new, message", [
    ("m3-2-s.yaml", "narrative: quality.impurities", "narrative: quality.impuritees",
     "m3-2-s.yaml: heading '3.2.S.3.2': item 1 (narrative): 'quality.impuritees' is not a field of the forms"),
    ("m3-2-s.yaml", "columns: [test, procedure]", "columns: [test, procedures]",
     "m3-2-s.yaml: heading '3.2.S.4.2': item 1 (table): table 'quality.analytical_procedures' has no column "
     "'procedures'"),
    ("gmo-snif.yaml", "hook: snif_a_items", "hook: snif_a",
     "gmo-snif.yaml: heading 'snif-a': item 1 (hook): there is no hook 'snif_a'"),
    ("m3-2-p.yaml", "      - see: 3.2.P.7\n", "      - see: 3.2.P.2.4\n",
     "m3-2-p.yaml: heading '3.2.P.2.4': item 1 (see): a cross-reference must point to another heading"),
    ("m3-2-p.yaml", "      - see: 3.2.P.7\n", "      - see: 3.2.P.9\n",
     "m3-2-p.yaml: heading '3.2.P.2.4': item 1 (see): document 'm3-2-p' has no heading '3.2.P.9'"),
    ("m3-2-p.yaml", "      - narrative: quality.microbiological_attributes",
     "      - narrative: quality.impurities",
     "m3-2-p.yaml: heading '3.2.P.2.5': item 1 (narrative): 'quality.impurities' is already printed under "
     "'3.2.S.3.2'"),
    ("m3-2-s.yaml", "  - code: 3.2.S.5\n    title: Reference Standards or Materials\n",
     "  - code: 3.2.S.5\n    title: Reference Standard\n",
     "m3-2-s.yaml: heading '3.2.S.5': title 'Reference Standard' differs from the heading table"),
    ("m3-2-a.yaml", "  - code: 3.2.A.2\n", "  - code: 3.2.A.9\n",
     "m3-2-a.yaml: heading '3.2.A.9': not a code of the CTD heading table"),
    ("m3-2-s.yaml", "      - field: materials.cell_type\n", "      - field: materials.cell_type\n        colour: red\n",
     "m3-2-s.yaml: heading '3.2.S.1.2': item 3 (field): unknown key(s) colour"),
    ("m3-2-s.yaml", "        applies_when: {field: product.contains_gmo, equals: true}\n",
     "        applies_when: {field: product.contains_gmoo, equals: true}\n",
     "the condition refers to 'product.contains_gmoo', which no form defines"),
    ("cat-readiness.yaml", "    items:\n      - hook: readiness_summary\n", "    items: {hook: readiness_summary}\n",
     "cat-readiness.yaml: heading 'readiness-summary': 'items' must be a list"),
    ("m2-3-qos.yaml", "headings:\n", "headings: [\n", "m2-3-qos.yaml: not valid YAML"),
])
def test_a_malformed_definition_fails_at_load_naming_file_and_item(tmp_path, name, old, new, message):
    folder = _copy_with(tmp_path, name, old, new)
    with pytest.raises(DefinitionError) as exc:
        load_definitions(default_forms(), folder)
    assert message in str(exc.value)


def test_a_missing_ctd_heading_fails_at_load(tmp_path):
    folder = _copy_with(tmp_path, "m3-2-a.yaml", "  - code: 3.2.A.1\n", "  - id: a-one\n    level: 2\n")
    with pytest.raises(DefinitionError, match=r"m3-2-a.yaml: document 'm3-2-a': CTD headings must be every heading "
                                              r"under 3.2.A in table order; missing 3.2.A.1"):
        load_definitions(default_forms(), folder)


def test_every_hook_is_declared_in_core_and_implemented_in_export():
    assert set(HOOK_IMPLS) == set(HOOKS)
    used = {i.value for d in default_definitions() for h in d.headings for i in h.items if i.kind == "hook"}
    assert used == set(HOOKS), "a declared hook no definition uses is dead code"


# ----------------------------------------------------------------------------- every field placed somewhere
def test_every_field_of_every_step_is_placed_in_a_document_heading():
    forms, pmap = default_forms(), placement_map()
    unplaced = [f.path for f in forms.all_fields() if not pmap.placed(f.path)]
    assert not unplaced, "fields no document prints (place them in resources/documents/):\n" + "\n".join(unplaced)


def test_every_table_column_is_printed_somewhere():
    printed: dict[str, set[str]] = {}
    forms = default_forms()
    for d in default_definitions():
        for h in d.headings:
            stack = list(h.items)
            while stack:
                i = stack.pop()
                stack += i.items
                if i.kind in ("table", "summary"):
                    cols = i.opt("columns") or [c.id for c in forms.field(i.value).columns]
                    cols = list(cols) + [i.opt("group_by")] * bool(i.opt("group_by"))
                    printed.setdefault(i.value, set()).update(cols)
                elif i.kind == "grid":
                    printed.setdefault(i.value["table"], set()).update(
                        (i.value["rows"], i.value["columns"], i.value["value"]))
                elif i.kind == "hook":
                    for p in HOOKS[i.value].reads:
                        if forms.field(p).is_table:
                            printed.setdefault(p, set()).update(c.id for c in forms.field(p).columns)
    missing = [f"{f.path}.{c.id}" for f in forms.all_fields() if f.is_table for c in f.columns
               if c.id not in printed.get(f.path, set())]
    assert not missing, "columns no document prints:\n" + "\n".join(missing)


# ----------------------------------------------------------------------------- placements are printed
def _span_text(doc, start: int, end: int) -> str:
    out = []
    for b in doc.blocks[start:end]:
        if isinstance(b, Paragraph):
            out.append("".join(getattr(r, "text", "") for r in b.runs))
        elif isinstance(b, Table):
            out += [c for row in b.rows for c in row]
        elif isinstance(b, ListBlock):
            out += ["".join(getattr(r, "text", "") for r in item) for item in b.items]
        elif isinstance(b, (Heading, Placeholder)):
            out.append(b.text)
    return re.sub(r"\s+", " ", " ".join(out))


def printed_placements(sample: str) -> tuple[int, list[str]]:
    """(placements checked, those whose value is not printed under their heading) for filled scalar fields."""
    snap = sample_snapshot(sample)
    checked, missing = 0, []
    for d in default_definitions():
        if not d.applies(snap):
            continue
        b = Builder(snap, d)
        doc = b.build()
        for h in d.headings:
            if h.key not in b.spans or not heading_applicability(d, h, snap).applies:
                continue
            start, end = b.spans[h.key]
            text = _span_text(doc, start, end)
            stack = [(i, True) for i in h.items]
            while stack:
                item, parent_ok = stack.pop()
                ok = parent_ok and (item.applies_when is None or item.applies_when.evaluate(snap.get))
                stack += [(c, ok) for c in item.items]
                if not ok or item.kind not in ("field", "fields", "narrative", "facts"):
                    continue
                for path in item.paths():
                    f = default_forms().field(path)
                    if not snap.is_set(path) or f.is_table:
                        continue
                    if item.kind == "facts" and any(r["first"] or r["values"] for r in item.value
                                                    if path in r["paths"]):
                        continue  # printed through a mapping or as the first of alternatives
                    checked += 1
                    value = re.sub(r"\s+", " ", fmt(f, snap.get(path)))
                    if value[:60] not in text:
                        missing.append(f"{d.id} {h.key}: {path}")
    return checked, missing


@pytest.mark.parametrize("sample", ["car-t", "combined-atmp", "aav-gene-therapy", "allogeneic-cells",
                                    "autologous-tep"])
def test_every_declared_placement_of_a_filled_field_is_printed_under_its_heading(sample):
    checked, missing = printed_placements(sample)
    assert checked > 100
    assert not missing, "\n".join(missing)


# ----------------------------------------------------------------------------- literal paths in the code
_LITERAL = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)(?:\[\d+\]\.([a-z][a-z0-9_]*))?$")


def literal_field_paths() -> list[tuple[str, int, str]]:
    """(file, line, text) of every string literal in the package that looks like a field path of a step."""
    steps = {s.id for s in default_forms().steps}
    found = []
    for path in sorted(PKG.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                m = _LITERAL.match(node.value)
                if m and m.group(1) in steps:
                    found.append((str(path.relative_to(PKG)), node.lineno, node.value))
    return found


def test_every_literal_field_path_in_rules_and_builders_exists_in_the_forms():
    forms = default_forms()
    literals = literal_field_paths()
    assert len(literals) > 200  # rules, hooks, the store and the window name fields by path
    bad = []
    for where, line, text in literals:
        m = _LITERAL.match(text)
        field_path = f"{m.group(1)}.{m.group(2)}"
        if not forms.has_field(field_path):
            bad.append(f"{where}:{line}: {text}")
        elif m.group(3) and m.group(3) not in {c.id for c in forms.field(field_path).columns}:
            bad.append(f"{where}:{line}: {text} (no such column)")
    assert not bad, "\n".join(bad)


def test_the_impd_example_of_the_format_guide_loads_and_builds(tmp_path):
    """docs/documents-format.md shows a new document as data only; it must stay a valid definition."""
    guide = (PKG.parent / "docs" / "documents-format.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(id: impd-quality\n.*?)```", guide, re.S).group(1)
    folder = tmp_path / "documents"
    shutil.copytree(DOCS, folder)
    (folder / "impd-quality.yaml").write_text(example, encoding="utf-8")
    defs = load_definitions(default_forms(), folder)
    snap = sample_snapshot("car-t")
    doc = Builder(snap, defs.document("impd-quality")).build()
    assert [h.text for h in doc.headings()][:3] == ["2.1.S Drug substance (active substance)",
                                                    "2.1.S.1 General information", "2.1.S.1.1 Nomenclature"]
    assert "nordacabtagene autoleucel" in _span_text(doc, 0, len(doc.blocks))


@pytest.mark.parametrize("sample", ["car-t", "aav-gene-therapy"])
def test_the_qos_summarises_module3_instead_of_copying_it(sample):
    from atmp_desktop.export import builders
    from tests.qos_verbatim import verbatim_share
    share = verbatim_share(builders.build, sample_snapshot(sample))
    assert 0 < share < 0.30, f"{share:.0%} of the QOS text is verbatim Module 3"


def test_the_help_panel_says_where_a_field_is_printed_from_the_definitions():
    from atmp_desktop.ui.help_panel import field_help_html, used_in
    assert used_in("traceability.device_class") == [
        "3.2.R Regional Information › Medical device (Module 3.2.R Regional Information)"]
    assert "3.2.S.3.2 Impurities (Module 3.2.S Drug Substance)" in field_help_html(
        default_forms().field("quality.impurities"))
