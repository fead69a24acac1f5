"""Help and placeholders fit the product being edited; "Used in" lists only the documents that apply."""
import pytest

from atmp_desktop.ui.help_panel import field_help_html


@pytest.fixture
def aav(window, sample_project):
    assert window.open_path(sample_project("aav-gene-therapy"))
    return window


def test_an_aav_project_shows_no_car_t_examples_or_names(aav, qtbot):
    w = aav
    w.go_to_step("product")
    page = w.pages["product"]
    assert page.editors["product.inn"].edit.placeholderText() == "nordasemnogene parvovec"
    assert w.snap.get("product.gm_cells") is False  # an in vivo vector
    for path in ("product.mode_of_action", "product.active_substance_description", "product.inn"):
        html = field_help_html(w.forms.field(path), w.snap)
        assert "CAR" not in html and "CD19" not in html and "T cell" not in html, path
    editor = page.editors["product.mode_of_action"]
    editor.edit.setFocus()
    qtbot.waitUntil(lambda: w.help.field is not None and w.help.field.id == "mode_of_action", timeout=3000)
    assert "SMN" in w.help.toPlainText() and "CAR" not in w.help.toPlainText()


def test_examples_follow_the_kind_of_product_when_it_changes(aav, qtbot):
    w = aav
    w.go_to_step("product")
    w.pages["product"].editors["product.gm_cells"].buttons[True].click()  # now ex vivo modified cells
    assert w.pages["product"].editors["product.inn"].edit.placeholderText() == "nordacabtagene autoleucel"
    assert "CD19" in field_help_html(w.forms.field("product.mode_of_action"), w.snap)


def test_used_in_lists_only_the_documents_that_apply(window, sample_project):
    from atmp_desktop.core.documents import applicable_documents
    from atmp_desktop.ui.help_panel import used_in
    window.open_path(sample_project("autologous-tep"))
    snap = window.snap
    applicable = {d.id for d in applicable_documents(snap)}
    assert "gmo-snif" not in applicable  # a tissue product without GMO
    every = used_in("applicant.company_name")
    shown = used_in("applicant.company_name", applicable)
    assert any("Summary Notification" in s for s in every)
    assert len(shown) < len(every) and not any("Summary Notification" in s for s in shown)
    html = field_help_html(window.forms.field("applicant.company_name"), snap)
    assert "Summary Notification" not in html and "Used in" in html


def test_without_a_kind_of_product_every_example_is_labelled(forms):
    from atmp_desktop.core.project import ProjectSnapshot
    html = field_help_html(forms.field("product.mode_of_action"), ProjectSnapshot(meta={}, values={}))
    assert "in vivo gene therapy" in html and "tissue-engineered product" in html


def test_the_help_on_screen_follows_a_change_of_the_documents_that_apply(window, sample_project, qtbot):
    """The help of the focused field lists where it is used among the documents that apply; a change of a
    field those documents' conditions read (GMO or not) shows at once, an edit of anything else leaves it."""
    from atmp_desktop.core.documents import applicable_documents
    w = window
    assert w.open_path(sample_project("autologous-tep"))
    w.go_to_step("applicant")
    w.pages["applicant"].editors["applicant.company_name"].edit.setFocus()
    qtbot.waitUntil(lambda: w.help.field is not None and w.help.field.path == "applicant.company_name", timeout=3000)
    assert "Summary Notification" not in w.help.toPlainText()
    w.on_edited("product.contains_gmo", True)
    w.project.wait_saved()
    assert "gmo-snif" in {d.id for d in applicable_documents(w.snap)}
    assert w.help.field.path == "applicant.company_name"
    assert "Summary Notification" in w.help.toPlainText()
    w.on_edited("product.contains_gmo", False)
    w.project.wait_saved()
    assert "Summary Notification" not in w.help.toPlainText()
