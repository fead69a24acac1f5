"""2,000 mixed user actions through the real widgets (tests/soak.py); the file must hold the last value of each
field touched and the window must still be alive. `make soak` runs 20,000 and records speed and memory."""
import sys
import tempfile
from pathlib import Path

import pytest
from PySide6.QtTest import QTest

from atmp_desktop.store import ProjectFile
from tests.soak import Soak

ACTIONS = 2000


@pytest.fixture
def soak_project(forms, tmp_path):
    # the project lives in memory-backed /dev/shm when there is one: the soak exercises the window, and a
    # shared CI disk's fsync per edit would only make the suite slow
    folder = Path(tempfile.mkdtemp(dir="/dev/shm")) if Path("/dev/shm").is_dir() else tmp_path
    path = folder / "soak.atmp"
    ProjectFile.create(path, forms).close()
    yield path
    for p in folder.iterdir():
        p.unlink()
    if folder != tmp_path:
        folder.rmdir()


def test_two_thousand_mixed_actions_keep_the_window_alive_and_every_value(window, soak_project, forms, qtbot):
    window.resize(1366, 768)
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    assert window.open_path(soak_project)
    none_before = sys.getrefcount(None)
    soak = Soak(window, seed=20261201)
    soak.run(ACTIONS)
    assert window.isVisible() and window.project is not None  # alive and still working in the project
    assert sum(soak.counts.values()) > ACTIONS * 0.6
    for kind in ("text", "long_text", "cell", "undo", "redo", "step", "yes_no", "date", "paste", "finding"):
        assert soak.counts[kind] > 0, kind
    assert soak.jumps > 0  # a finding jump opened the field it names
    window.close()  # Quit, as the user ends the day
    with ProjectFile.open(soak_project, forms, read_only=True) as p:
        assert soak.check(p.snapshot()) == []
    assert sys.getrefcount(None) >= none_before - 100  # no leak of None references (the 6.12 abort)


@pytest.fixture
def filled_project(forms, tmp_path):
    """The car-t sample as a user's project: values in most fields, rows in the tables."""
    from atmp_desktop.samples import load_sample
    path = tmp_path / "car-t.atmp"
    ProjectFile.create(path, forms, document=load_sample("car-t")).close()
    with ProjectFile.open(path, forms, read_only=True) as p:
        start = p.snapshot()
    return path, start


def _open(window, path):
    window.resize(1366, 768)
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    assert window.open_path(path)


def test_undoing_the_first_edit_of_a_filled_field_expects_what_the_file_held(window, filled_project, forms):
    # the mirror of a project that already holds values starts from the file: undo gives back the sample's text
    path, start = filled_project
    _open(window, path)
    soak = Soak(window, seed=3, start=start)
    while not soak.text():
        soak.step()
    (touched,) = soak.expected
    assert start.get(touched)  # the field held a value before the soak typed over it
    soak.undo()
    assert soak.expected[touched] == start.get(touched)
    window.close()
    with ProjectFile.open(path, forms, read_only=True) as p:
        assert p.snapshot().get(touched) == start.get(touched)
        assert soak.check(p.snapshot()) == []


def test_a_soak_on_a_filled_project_keeps_every_value_and_can_still_find_a_difference(window, filled_project, forms):
    path, start = filled_project
    _open(window, path)
    soak = Soak(window, seed=20261202, start=start)
    soak.run(400)
    assert soak.counts["undo"] > 0 and soak.counts["cell"] > 0
    assert any(start.get(p) is not None for p in soak.expected)  # it typed over values the file held
    window.close()
    with ProjectFile.open(path, forms, read_only=True) as p:
        assert soak.check(p.snapshot()) == []
    scalar = next(p for p in sorted(soak.expected) if forms.field(p).type == "text")
    with ProjectFile.open(path, forms) as p:  # another program changes a field the soak touched
        p.set_value(scalar, "changed behind the soak's back")
        problems = soak.check(p.snapshot())
    assert len(problems) == 1 and problems[0].startswith(f"{scalar}: expected")
