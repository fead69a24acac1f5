"""The command line: round trips through JSON, scripting get/set, exit codes and one-sentence errors."""
import json
import subprocess
import sys

import pytest

from atmp_desktop.cli import main
from atmp_desktop.samples import sample_names


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_five_samples_are_shipped():
    assert set(sample_names()) >= {"car-t", "aav-gene-therapy", "allogeneic-cells", "autologous-tep",
                                   "combined-atmp"}


@pytest.mark.parametrize("name", ["car-t", "aav-gene-therapy", "allogeneic-cells", "autologous-tep",
                                  "combined-atmp"])
def test_sample_round_trips_exactly_through_json(tmp_path, capsys, name):
    first = tmp_path / "first.atmp"
    assert run(capsys, "new", first, "--sample", name)[0] == 0
    code, dump1, _ = run(capsys, "dump", first)
    assert code == 0
    (tmp_path / "dump.json").write_text(dump1, encoding="utf-8")
    second = tmp_path / "second.atmp"
    assert run(capsys, "new", second, "--from-json", tmp_path / "dump.json")[0] == 0
    code, dump2, _ = run(capsys, "dump", second)
    assert dump1 == dump2
    # the dump carries the sample's data unchanged (samples are canonical)
    sample = json.loads((__import__("atmp_desktop.core.paths").core.paths.samples_dir() / f"{name}.json")
                        .read_text(encoding="utf-8"))
    assert json.loads(dump1)["data"] == sample["data"]
    assert json.loads(dump1)["project"]["uuid"] == sample["project"]["uuid"]


def test_get_and_set_are_scriptable_and_audited(tmp_path, capsys, sample_project):
    path = sample_project("car-t")
    assert run(capsys, "set", path, "product.invented_name", "Renamed®")[0] == 0
    assert run(capsys, "get", path, "product.invented_name")[1] == "Renamed®\n"
    assert run(capsys, "set", path, "quality.shelf_life", "72 h")[0] == 0
    assert json.loads(run(capsys, "get", path, "quality.shelf_life")[1]) == {"value": 72, "unit": "h"}
    assert run(capsys, "set", path, "manufacturing.sites[0].country", "Österreich")[0] == 0
    assert run(capsys, "get", path, "manufacturing.sites[0].country")[1] == "Österreich\n"
    import sqlite3
    conn = sqlite3.connect(path)
    fields = [r[0] for r in conn.execute("SELECT field FROM audit_log WHERE action = 'edit'")]
    conn.close()
    assert fields == ["product.invented_name", "quality.shelf_life", "manufacturing.sites[0].country"]


@pytest.mark.parametrize("argv, message", [
    (["set", "{p}", "product.atmp_type", "XYZ"], "is not one of"),
    (["set", "{p}", "product.nope", "x"], "no field 'product.nope'"),
    (["set", "{p}", "quality.shelf_life", "soon"], "write an amount and a unit"),
    (["get", "{p}", "not a path"], "not a field path"),
    (["new", "{d}/x.atmp", "--sample", "nope"], "no sample 'nope'"),
    (["dump", "{d}/missing.atmp"], "does not exist"),
])
def test_errors_are_one_sentence_with_exit_2(tmp_path, capsys, sample_project, argv, message):
    p = sample_project("car-t")
    before = p.read_bytes()
    code, out, err = run(capsys, *[a.format(p=p, d=tmp_path) for a in argv])
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert p.read_bytes() == before


def test_invalid_json_imports_nothing_and_lists_each_bad_path(tmp_path, capsys):
    bad = {"format": "atmp-dossier-project", "format_version": 1, "project": {"title": "x"},
           "data": {"product": {"atmp_type": "XYZ", "nope": 1, "is_combined": "yes"},
                    "manufacturing": {"sites": [{"name": "A", "colour": "red"},
                                                {"name": "B", "in_eea": "maybe"}, {"name": "C", "in_eea": "maybe"},
                                                "D"]},
                    "kitchen": {}}}
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(bad), encoding="utf-8")
    target = tmp_path / "out.atmp"
    code, _, err = run(capsys, "new", target, "--from-json", src)
    assert code == 2
    for path in ["$.data.product.atmp_type", "$.data.product.nope", "$.data.product.is_combined",
                 "$.data.manufacturing.sites[0].colour", "$.data.kitchen",
                 # the same bad value in two rows is named in each; a row that is not an object is named
                 "$.data.manufacturing.sites[1].in_eea: In the EU/EEA: expected yes or no",
                 "$.data.manufacturing.sites[2].in_eea: In the EU/EEA: expected yes or no",
                 "$.data.manufacturing.sites[3]: expected an object of column values"]:
        assert path in err
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_garbage_project_gives_exit_2_and_no_traceback(tmp_path):
    bad = tmp_path / "garbage.atmp"
    bad.write_bytes(b"\x00\xff" * 500)
    proc = subprocess.run([sys.executable, "-m", "atmp_desktop", "dump", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "not an ATMP project file" in proc.stderr and "Traceback" not in proc.stderr
    assert bad.read_bytes() == b"\x00\xff" * 500


def test_samples_command_lists_names_and_titles(capsys):
    code, out, _ = run(capsys, "samples")
    assert code == 0
    assert len(out.strip().splitlines()) >= 5 and "car-t\t" in out


def test_gui_without_a_display_says_so_instead_of_crashing(tmp_path):
    import os
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "atmp_desktop"], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 2
    assert "no display found" in proc.stderr and "Traceback" not in proc.stderr


def test_broken_document_definitions_stop_a_command_in_one_sentence(tmp_path, capsys, monkeypatch):
    from atmp_desktop.core import definitions

    def broken():
        raise definitions.DefinitionError("m3-2-s.yaml: heading '3.2.S.3.2': item 1 (narrative): "
                                          "'quality.impuritees' is not a field of the forms")
    monkeypatch.setattr(definitions, "default_definitions", broken)
    code, out, err = run(capsys, "new", tmp_path / "p.atmp", "--sample", "car-t")
    assert code == 2 and not (tmp_path / "p.atmp").exists()
    assert "the document definitions are broken: m3-2-s.yaml: heading '3.2.S.3.2'" in err
    assert "Traceback" not in err
