"""Opening a sample again never overwrites the user's edited copy."""
from atmp_desktop.samples import load_sample, user_sample_copy
from atmp_desktop.store import ProjectFile


def test_an_edited_sample_copy_is_kept_and_a_new_copy_made(tmp_path, forms):
    first = user_sample_copy("car-t", tmp_path)
    assert first.name == "car-t.atmp"
    ProjectFile.create(first, forms, document=load_sample("car-t")).close()
    # untouched: may be refreshed in place
    assert user_sample_copy("car-t", tmp_path) == first
    with ProjectFile.open(first, forms) as project:
        project.set_value("product.invented_name", "My edits")
        assert user_sample_copy("car-t", tmp_path).name == "car-t-2.atmp"  # open in a window: not reused
    second = user_sample_copy("car-t", tmp_path)
    assert second.name == "car-t-2.atmp"  # edited: kept
    with ProjectFile.open(first, forms, read_only=True) as project:
        assert project.get("product.invented_name") == "My edits"


def test_a_foreign_file_in_the_way_is_not_overwritten(tmp_path):
    (tmp_path / "car-t.atmp").write_bytes(b"not a project")
    assert user_sample_copy("car-t", tmp_path).name == "car-t-2.atmp"
    assert (tmp_path / "car-t.atmp").read_bytes() == b"not a project"


def test_an_untouched_sample_copy_is_opened_again_as_it_is_and_an_edited_one_never(tmp_path, forms):
    from atmp_desktop.samples import fresh_sample_copy
    first = fresh_sample_copy("car-t", forms, tmp_path)
    made = first.stat().st_mtime_ns
    assert fresh_sample_copy("car-t", forms, tmp_path) == first
    assert first.stat().st_mtime_ns == made  # the same file, not built again from the JSON
    with ProjectFile.open(first, forms) as project:
        assert project.get("product.invented_name") == load_sample("car-t")["data"]["product"]["invented_name"]
        project.set_value("product.invented_name", "My edits")
    second = fresh_sample_copy("car-t", forms, tmp_path)
    assert second.name == "car-t-2.atmp"  # the edited copy is kept as it is
    with ProjectFile.open(first, forms, read_only=True) as project:
        assert project.get("product.invented_name") == "My edits"
    first.unlink()
    (tmp_path / "car-t.atmp.sample").write_text("stale", encoding="ascii")
    assert fresh_sample_copy("car-t", forms, tmp_path) == first  # made anew where the copy was
    with ProjectFile.open(first, forms, read_only=True) as project:
        assert project.get("product.invented_name") != "My edits"
