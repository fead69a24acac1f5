"""The pause of the garbage collector's passes around whole-project work (store/bulk.py): the collector runs
again afterwards whatever happened, and the work it covers leaves nothing that only the collector could free
(otherwise a pause would hold that memory until the next pass)."""
import gc
import shutil

import pytest

from atmp_desktop.core.diff import compare
from atmp_desktop.store import ProjectFile, ProjectFileError
from atmp_desktop.store.bulk import no_gc_passes
from atmp_desktop.store.merging import prepare_merge

SITES = "manufacturing.sites"


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_the_collector_runs_again_after_each_kind_of_work_also_when_it_fails(sample_project, forms, tmp_path,
                                                                            collector_on):
    mine = sample_project("car-t", "mine.atmp")
    other = sample_project("car-t", "unrelated.atmp")  # made apart: no milestone or history in common
    with ProjectFile.open(mine, forms) as p:
        m = p.create_milestone("as sent")
        assert gc.isenabled()
        with pytest.raises(ProjectFileError, match="cannot be merged"):
            prepare_merge(p, other)
        assert gc.isenabled()
        p.set_value("product.invented_name", "Changed")
        p.restore_milestone(m)
        assert gc.isenabled()
        p.milestone_snapshot(m)
        assert gc.isenabled()
        with pytest.raises(ProjectFileError, match="needs a name"):
            p.create_milestone("  ")
        assert gc.isenabled()


def test_a_pause_nests_and_leaves_a_collector_that_was_off_off(collector_on):
    with no_gc_passes():
        assert not gc.isenabled()
        with no_gc_passes():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause does not end the outer one
    assert gc.isenabled()
    gc.disable()  # e.g. the launch keeps the collector off until the first paint (ui/app.py)
    with no_gc_passes():
        pass
    assert not gc.isenabled()


def test_milestone_merge_and_restore_leave_no_cycles_behind(sample_project, forms, tmp_path, collector_on):
    """The premise of the pause: what this work (and a comparison with a milestone) drops is freed by
    reference counting. A handful of objects (a class made on first use, say) may be cyclic; a cycle per row
    or per table (car-t: 396 rows in 31 tables) would be the pause keeping a project's worth of garbage."""
    mine = sample_project("car-t", "mine.atmp")
    with ProjectFile.open(mine, forms) as p:
        p.create_milestone("warm-up")  # first use: imports, classes
        m = p.create_milestone("as sent")
    theirs = tmp_path / "theirs.atmp"
    shutil.copy(mine, theirs)
    with ProjectFile.open(theirs, forms) as t:
        rid = t.snapshot().row_ids(SITES)[0]
        t.set_cell(SITES, rid, "country", "Austria")
        t.insert_rows(SITES, 0, [{"name": f"Site {i}"} for i in range(20)])
    with ProjectFile.open(mine, forms) as p:
        p.set_cell(SITES, rid, "country", "Belgium")
        p.snapshot()
        gc.collect()
        gc.disable()
        plan = prepare_merge(p, theirs)
        plan.apply(plan.result.decide_all("theirs"))
        p.create_milestone("after the merge")
        compare(forms, p.milestone_snapshot(m), p.snapshot())  # Review > Compare with a milestone
        p.restore_milestone(m)
        del plan
        left = gc.collect()
        assert not gc.isenabled()  # (the work did not switch the collector on behind the test's back)
        assert left < 20, f"{left} objects only the collector could free"
        assert p.snapshot().row(SITES, rid)["country"] != "Austria"  # the restore took the merge back
