"""An edit refreshes what its change set names, and the result equals a full refresh of the window."""
from atmp_desktop.store import ProjectFile
from atmp_desktop.ui import affected
from atmp_desktop.ui.qt_calls import QtCallCounter
from atmp_desktop.ui.sections_dock import section_facts


def _build_all(window):
    window.sections_dock.show()
    for step in window.forms.steps:
        window.page(step.id)


def _screen_state(window):
    """What the navigator, the pages and the Sections dock show."""
    nav = {s.id: window.navigator.item_text(s.id) for s in window.forms.steps}
    shown = {p: page.rows[p].isHidden() for page in window.pages.values() for p in page.rows}
    banners = {sid: page.banner.isHidden() for sid, page in window.pages.items()}
    dock = window.sections_dock
    rows = {code: (item.text(1), item.toolTip(0), item.foreground(0).color().name())
            for code, item in dock.items.items()}
    return nav, shown, banners, rows


def _full_refresh_state(window):
    """The same, recomputed from scratch from the file."""
    window.snap = window.project.snapshot()
    window.navigator.reset_states()
    for page in window.pages.values():
        page._applies, page._visible, page._group_shown = None, {}, {}
        page.load(window.snap)
    window.sections_dock._shown.clear()
    window._refresh_states()
    return _screen_state(window)


def test_a_scalar_edit_makes_a_handful_of_qt_calls(window, sample_project, qtbot):
    window.open_path(sample_project("car-t"))
    _build_all(window)
    ed = window.pages["product"].editors["product.invented_name"]
    ed.edit.setText("Renamed")
    with QtCallCounter() as counter:
        ed.commit()
    # refreshing every page and the whole dock cost about 2,350 calls per edit
    assert counter.calls < 60, counter.names.most_common(10)
    with ProjectFile.open(window.project.path, window.forms, read_only=True) as p:
        assert p.snapshot().get("product.invented_name") == "Renamed"


def test_targeted_refresh_shows_the_same_as_a_full_refresh(window, empty_project, qtbot):
    window.open_path(empty_project)
    _build_all(window)
    pages = window.pages
    pages["product"].editors["product.contains_gmo"].buttons[True].click()    # GMO step and 1.6.x flip
    pages["product"].editors["product.orphan_designated"].buttons[True].click()  # shows a field
    atmp = pages["product"].editors["product.atmp_type"]
    atmp.combo.setCurrentIndex(atmp.combo.findData("GTMP"))
    name = pages["product"].editors["product.inn"]
    name.edit.setText("exagene")
    name.commit()
    window.act_undo.trigger()
    window.act_redo.trigger()
    pages["product"].editors["product.contains_gmo"].buttons[False].click()
    partial = _screen_state(window)
    assert partial == _full_refresh_state(window)
    assert not pages["gmo"].banner.isHidden()  # the product contains no GMO again


def test_affected_names_the_conditions_that_read_a_field(forms):
    hit = affected.affected(forms, {"product.orphan_designated"})
    assert "product.orphan_number" in hit.visibility
    gmo = affected.affected(forms, {"product.contains_gmo"})
    assert "gmo" in gmo.applicability and "gmo" in gmo.steps
    assert not affected.affected(forms, {"product.invented_name"}).visibility


def test_partial_section_facts_equal_the_full_computation(forms, sample_project):
    with ProjectFile.open(sample_project("aav-gene-therapy"), forms, read_only=True) as p:
        snap = p.snapshot()
    full = section_facts(forms, snap, [])
    some = section_facts(forms, snap, [], codes={"3.2.S", "3.2.P.5.1", "1.6.2"})
    assert set(some) == {"3.2.S", "3.2.P.5.1", "1.6.2"}
    for code, facts in some.items():
        assert facts == full[code]


def test_section_facts_updated_from_an_edit_equal_a_full_recount(forms, sample_project):
    from atmp_desktop.ui import affected
    from atmp_desktop.ui.sections_dock import updated_facts, with_ancestors
    path = sample_project("aav-gene-therapy")
    with ProjectFile.open(path, forms) as p:
        before = section_facts(forms, p.snapshot(), [])
        for edit in (("product.inn", None), ("product.contains_gmo", False), ("quality.novel_excipients", "X")):
            p.apply([edit])
            snap = p.snapshot()
            hit = affected.affected(forms, {edit[0]})
            paths = set(hit.paths | hit.visibility)
            for step in hit.applicability:
                paths |= {f.path for f in forms.step(step).fields}
            codes = set(before)
            after = updated_facts(forms, snap, before, codes, paths)
            full = section_facts(forms, snap, [])
            assert after == full, edit
            before = after
    assert with_ancestors({"3.2.P.5.1"}) == {"3", "3.2", "3.2.P", "3.2.P.5", "3.2.P.5.1"}
