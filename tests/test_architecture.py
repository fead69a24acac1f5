"""The house rules of docs/architecture.md, checked on the source: data flows one way."""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "atmp_desktop"
ALLOWED = {  # package -> packages of ours it may import
    "core": {"core"},
    "store": {"core", "store"},
    "export": {"core", "export"},
    "ui": {"core", "store", "export", "ui"},
}


def our_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for n in names:
            parts = n.split(".")
            if parts[0] == "atmp_desktop" and len(parts) > 1:
                found.add(parts[1])
            elif parts[0] == "atmp_desktop":
                found.add("")
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_layers_import_only_what_they_may(package):
    # the top-level package (__init__: version and name) may be imported by everyone
    allowed = ALLOWED[package] | {"", "__init__"}
    offenders = {}
    for path in (PKG / package).rglob("*.py"):
        bad = {m for m in our_imports(path) if m not in allowed and m not in ("samples",) or
               (m == "samples" and package in ("core", "store", "export"))}
        if bad:
            offenders[str(path.relative_to(PKG))] = sorted(bad)
    assert offenders == {}


def test_sql_lives_only_in_the_store():
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        if rel.parts[0] in ("store",):
            continue
        text = path.read_text(encoding="utf-8")
        # reading sqlite3.sqlite_version for the About box is fine; connecting or running SQL is not
        assert "sqlite3.connect" not in text and "sqlite_utils" not in text and ".execute(" not in text, \
            f"{rel} talks to SQLite"


def test_core_has_no_qt():
    for path in (PKG / "core").rglob("*.py"):
        assert "PySide6" not in path.read_text(encoding="utf-8"), path
