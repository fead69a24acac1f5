"""The JSON copy of the app's parsed YAML (core/yaml_cache.py) is only ever a copy: a changed source is read
again, a corrupt, foreign or unwritable cache is ignored, and the forms a window shows are the source's."""
import json
import os
import shutil

import pytest

from atmp_desktop.core import yaml_cache
from atmp_desktop.core.definitions import load_definitions
from atmp_desktop.core.forms import FormError, load_forms
from atmp_desktop.core.paths import forms_dir, resources_dir


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("ATMP_DESKTOP_CACHE", str(folder))
    return folder


@pytest.fixture
def forms_copy(tmp_path):
    return shutil.copytree(forms_dir(), tmp_path / "forms")


def no_yaml(monkeypatch):
    """Make any YAML parse fail loudly: what loads now came from the cache."""
    def refuse(path, data):
        raise AssertionError(f"{path.name} was parsed again")
    monkeypatch.setattr(yaml_cache, "_parse", refuse)


def test_second_load_reads_the_json_copy_and_gives_the_same_forms(cache, forms_copy, monkeypatch):
    parsed = load_forms(forms_copy).steps
    assert load_forms(forms_copy, cache=True).steps == parsed
    assert len(list(cache.glob("yaml-*.json"))) == 1
    no_yaml(monkeypatch)
    assert load_forms(forms_copy, cache=True).steps == parsed


def test_an_edited_source_file_is_parsed_again(cache, forms_copy, monkeypatch):
    load_forms(forms_copy, cache=True)
    path = forms_copy / "01-applicant.yaml"
    text = path.read_text(encoding="utf-8")
    step_title = load_forms(forms_copy).steps[0].title
    path.write_text(text.replace(f"title: {step_title}", "title: Applicant (edited)", 1), encoding="utf-8")
    os.utime(path, (1, 1))  # an old mtime: the cache trusts the content, not the clock
    assert load_forms(forms_copy, cache=True).steps[0].title == "Applicant (edited)"
    no_yaml(monkeypatch)  # and the copy was brought up to date
    assert load_forms(forms_copy, cache=True).steps[0].title == "Applicant (edited)"


def test_a_broken_source_is_reported_even_when_an_old_copy_is_cached(cache, forms_copy):
    load_forms(forms_copy, cache=True)
    (forms_copy / "01-applicant.yaml").write_text("id: demo\ntitle: [unclosed", encoding="utf-8")
    with pytest.raises(FormError, match="01-applicant.yaml: not valid YAML"):
        load_forms(forms_copy, cache=True)


def test_removed_files_leave_the_cache(cache, tmp_path, monkeypatch):
    folder = tmp_path / "y"
    folder.mkdir()
    a, b = folder / "a.yaml", folder / "b.yaml"
    a.write_text("a: 1\n", encoding="utf-8")
    b.write_text("b: 2\n", encoding="utf-8")
    target = yaml_cache.cache_file(folder)
    assert yaml_cache.load_yaml_files([a, b], target) == [{"a": 1}, {"b": 2}]
    b.unlink()
    no_yaml(monkeypatch)
    assert yaml_cache.load_yaml_files([a], target) == [{"a": 1}]
    assert list(json.loads(target.read_text(encoding="utf-8"))["files"]) == [str(a.resolve())]


@pytest.mark.parametrize("garbage", [
    b"", b"{", b"\xff\xfe not json", b"[]", b'{"format": 99, "files": {}}', b'{"format": 1, "files": []}',
    b'{"format": 1, "app": "0", "files": {}}', b'{"format": 1, "files": {"\\u0000pairs": 5}}',
    b'{"\\u0000pairs": [[[1], 2]]}',
])
def test_a_corrupt_or_foreign_cache_is_ignored_and_rewritten(cache, forms_copy, garbage):
    expected = load_forms(forms_copy).steps
    load_forms(forms_copy, cache=True)
    target = next(cache.glob("yaml-*.json"))
    target.write_bytes(garbage)
    assert load_forms(forms_copy, cache=True).steps == expected
    assert json.loads(target.read_bytes())["format"] == yaml_cache.FORMAT  # rewritten whole


def test_a_cached_entry_whose_source_changed_back_and_forth_is_checked_by_content(cache, tmp_path):
    folder = tmp_path / "y"
    folder.mkdir()
    path = folder / "a.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    target = yaml_cache.cache_file(folder)
    assert yaml_cache.load_yaml_files([path], target) == [{"a": 1}]
    doc = json.loads(target.read_text(encoding="utf-8"))
    entry = doc["files"][str(path.resolve())]
    entry[0] = "0" * 64  # a digest of some other content
    target.write_text(json.dumps(doc), encoding="utf-8")
    path.write_text("a: 2\n", encoding="utf-8")
    assert yaml_cache.load_yaml_files([path], target) == [{"a": 2}]


def test_dates_and_non_text_keys_come_back_exactly(cache, tmp_path, monkeypatch):
    import datetime
    folder = tmp_path / "y"
    folder.mkdir()
    path = folder / "a.yaml"
    path.write_text("when: 2027-03-15\nvalues: {true: 'y', false: 'n', 2: two, null: none}\nlist: [1, 1.5, '1']\n",
                    encoding="utf-8")
    expected = [{"when": datetime.date(2027, 3, 15), "values": {True: "y", False: "n", 2: "two", None: "none"},
                 "list": [1, 1.5, "1"]}]
    target = yaml_cache.cache_file(folder)
    assert yaml_cache.load_yaml_files([path], target) == expected
    no_yaml(monkeypatch)
    again = yaml_cache.load_yaml_files([path], target)
    assert again == expected
    assert [type(k) for k in again[0]["values"]] == [bool, bool, int, type(None)]
    assert [type(v) for v in again[0]["list"]] == [int, float, str]


def test_values_json_cannot_carry_exactly_are_parsed_every_time(cache, tmp_path):
    import datetime
    folder = tmp_path / "y"
    folder.mkdir()
    path = folder / "a.yaml"
    path.write_text("at: 2027-03-15 10:00:00\n", encoding="utf-8")
    target = yaml_cache.cache_file(folder)
    for _ in range(2):
        assert yaml_cache.load_yaml_files([path], target) == [{"at": datetime.datetime(2027, 3, 15, 10)}]
    assert json.loads(target.read_text(encoding="utf-8"))["files"] == {}


def test_an_unwritable_cache_folder_is_no_error(tmp_path, monkeypatch, forms_copy):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("ATMP_DESKTOP_CACHE", str(blocker / "cache"))
    assert load_forms(forms_copy, cache=True).steps == load_forms(forms_copy).steps
    assert list(tmp_path.glob("**/*.tmp")) == []


def test_cache_off_writes_nothing(tmp_path, monkeypatch, forms_copy):
    monkeypatch.setenv("ATMP_DESKTOP_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_forms(forms_copy, cache=True)
    assert not (tmp_path / "xdg").exists()


def test_definitions_from_the_cache_equal_the_parsed_ones(cache, monkeypatch):
    from atmp_desktop.core.forms import default_forms
    forms = default_forms()
    parsed = load_definitions(forms)
    load_definitions(forms, cache=True)
    no_yaml(monkeypatch)
    cached = load_definitions(forms, cache=True)
    assert cached.definitions == parsed.definitions
    assert (resources_dir() / "documents").is_dir()


def test_a_window_shows_the_sources_label_after_the_cache_went_stale(cache, forms_copy, qtbot, settings,
                                                                     empty_project):
    """The window is built from forms loaded through the cache; an edited label shows, not the cached one."""
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.main_window import MainWindow
    load_forms(forms_copy, cache=True)
    path = forms_copy / "01-applicant.yaml"
    original = load_forms(forms_copy).steps[0].fields[0]
    path.write_text(path.read_text(encoding="utf-8").replace(f"label: {original.label}",
                                                             "label: Edited label", 1), encoding="utf-8")
    forms = load_forms(forms_copy, cache=True)
    assert forms.field(original.path).label == "Edited label"
    make_app()
    w = MainWindow(forms, settings)
    qtbot.addWidget(w)
    w.show()
    assert w.open_path(empty_project)
    labels = [lbl.text() for lbl in w.page(forms.steps[0].id).findChildren(type(w.saved_label))]
    assert any("Edited label" in t for t in labels)
    w.close_project()


# ----------------------------------------------------------------- the checked forms (load_checked / save_checked)
def app_forms(monkeypatch, folder, later=True, now_ns=None):
    """default_forms() of a fresh process whose own forms are `folder`, launched a minute after the files
    were last written (`later`), or right now, or at the clock time `now_ns`."""
    import time
    from atmp_desktop.core import forms as forms_module
    from atmp_desktop.core import paths
    monkeypatch.setattr(paths, "forms_dir", lambda: folder)
    monkeypatch.setattr(forms_module, "_CACHE", {})
    monkeypatch.setattr(yaml_cache, "_now_ns", (lambda: now_ns) if now_ns is not None else
                        (lambda: time.time_ns() + (60_000_000_000 if later else 0)))
    return forms_module.default_forms()


def not_checked_again(monkeypatch):
    from atmp_desktop.core import forms as forms_module

    def refuse(*a, **k):
        raise AssertionError("the forms were read and checked again")
    monkeypatch.setattr(forms_module, "load_forms", refuse)


def test_the_app_forms_come_back_from_the_checked_copy_equal_to_the_checked_ones(cache, forms_copy, monkeypatch):
    checked = load_forms(forms_copy)
    assert app_forms(monkeypatch, forms_copy) == checked
    assert len(list(cache.glob("forms-*.pickle"))) == 1
    not_checked_again(monkeypatch)
    again = app_forms(monkeypatch, forms_copy)
    assert again == checked and again.steps == checked.steps
    assert again.field("applicant.company_name").label == checked.field("applicant.company_name").label


def test_an_edited_form_file_is_checked_again_and_its_change_shows(cache, forms_copy, monkeypatch):
    first = app_forms(monkeypatch, forms_copy).steps[0].fields[0]
    path = forms_copy / "01-applicant.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f"label: {first.label}", "label: Edited label", 1),
                    encoding="utf-8")
    os.utime(path, (1, 1))  # an old time, not the one stamped: still another file
    assert app_forms(monkeypatch, forms_copy).field(first.path).label == "Edited label"
    not_checked_again(monkeypatch)  # and the copy was brought up to date
    assert app_forms(monkeypatch, forms_copy).field(first.path).label == "Edited label"


def _same_size_edit(path, old: str, new: str):
    assert len(old.encode()) == len(new.encode())
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_form_file_edited_to_the_same_size_with_its_old_date_put_back_is_checked_again(cache, forms_copy,
                                                                                          monkeypatch):
    """What `cp -p`, `rsync -a` or a restored backup do: other bytes, same size, the old modification time.
    The change time (which no tool can set back) tells it."""
    first = app_forms(monkeypatch, forms_copy).steps[0].fields[0]
    path = forms_copy / "01-applicant.yaml"
    before = path.stat()
    edited = "X" * len(first.label.encode())
    _same_size_edit(path, f"label: {first.label}", f"label: {edited}")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert app_forms(monkeypatch, forms_copy).field(first.path).label == edited


def test_forms_just_written_are_checked_and_no_copy_is_kept_until_their_times_settle(cache, forms_copy,
                                                                                     monkeypatch):
    checked = load_forms(forms_copy)
    assert app_forms(monkeypatch, forms_copy, later=False) == checked
    assert list(cache.glob("forms-*.pickle")) == []
    assert app_forms(monkeypatch, forms_copy, later=True) == checked  # a minute later: kept
    assert len(list(cache.glob("forms-*.pickle"))) == 1


def test_two_same_size_edits_within_one_tick_of_a_coarse_file_clock_never_serve_the_first(cache, forms_copy,
                                                                                        monkeypatch):
    """On a file system whose times tick every 2 s (FAT; Linux's own clock ticks every few ms), two edits
    in one tick leave a file with the same size and times: the forms checked between them must not be kept
    under those times, or the second edit would never be seen."""
    import time
    real = yaml_cache._file_state
    tick = 2_000_000_000
    start = time.time_ns() // tick * tick   # the tick both edits fall into

    def coarse(path):
        size, _mtime, _ctime, inode = real(path)
        return size, start, start, inode

    monkeypatch.setattr(yaml_cache, "_file_state", coarse)
    first = load_forms(forms_copy).steps[0].fields[0]
    path = forms_copy / "01-applicant.yaml"
    one, two = "A" * len(first.label.encode()), "B" * len(first.label.encode())
    _same_size_edit(path, f"label: {first.label}", f"label: {one}")
    assert app_forms(monkeypatch, forms_copy, now_ns=start + tick // 2).field(first.path).label == one
    _same_size_edit(path, f"label: {one}", f"label: {two}")
    assert app_forms(monkeypatch, forms_copy, now_ns=start + tick // 2).field(first.path).label == two


def test_a_form_file_broken_after_it_was_cached_is_still_refused(cache, forms_copy, monkeypatch):
    app_forms(monkeypatch, forms_copy)
    (forms_copy / "01-applicant.yaml").write_text("id: demo\ntitle: [unclosed", encoding="utf-8")
    with pytest.raises(FormError, match="01-applicant.yaml: not valid YAML"):
        app_forms(monkeypatch, forms_copy)


def test_the_stamp_follows_the_code_that_reads_the_files(tmp_path, monkeypatch):
    import time
    import types
    source = tmp_path / "a.yaml"
    source.write_text("a: 1\n", encoding="utf-8")
    code = tmp_path / "reader.py"
    code.write_text("x = 1\n", encoding="utf-8")
    module = types.ModuleType("reader")
    module.__file__ = str(code)
    monkeypatch.setattr(yaml_cache, "_now_ns", lambda: time.time_ns() + 60_000_000_000)  # a minute later
    stamp = yaml_cache.checked_stamp([source], (module,))
    assert stamp is not None and yaml_cache.checked_stamp([source], (module,)) == stamp
    code.write_text("x = 22\n", encoding="utf-8")  # the code changed (another size, another time)
    assert yaml_cache.checked_stamp([source], (module,)) not in (stamp, None)


class Planted:
    """Unpickling this would run os.remove(marker): what a planted cache file could try."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.remove, (str(self.marker),)


@pytest.mark.parametrize("garbage", ["empty", "other stamp", "truncated", "not a pickle", "planted", "other class"])
def test_a_corrupt_stale_or_planted_checked_copy_is_ignored_and_rewritten(cache, forms_copy, monkeypatch, tmp_path,
                                                                           garbage):
    import pickle
    checked = load_forms(forms_copy)
    app_forms(monkeypatch, forms_copy)
    target = next(cache.glob("forms-*.pickle"))
    data = target.read_bytes()
    head = data[:data.index(b"\n\x80") + 1]  # the magic and stamp lines; the pickle begins with 0x80
    marker = tmp_path / "marker"
    marker.write_text("still here", encoding="utf-8")
    target.write_bytes({
        "empty": b"",
        "other stamp": head.replace(b"\0", b"\0\0", 1) + data[len(head):],
        "truncated": data[:len(head) + 100],
        "not a pickle": head + b"\xff" * 50,
        "planted": head + pickle.dumps(Planted(marker)),
        "other class": head + pickle.dumps(yaml_cache.YamlFileError(forms_copy, "x")),
    }[garbage])
    assert app_forms(monkeypatch, forms_copy) == checked
    assert marker.exists()  # nothing in the file ran
    not_checked_again(monkeypatch)  # rewritten whole
    assert app_forms(monkeypatch, forms_copy) == checked


def test_an_unwritable_cache_folder_gives_the_checked_forms_all_the_same(tmp_path, monkeypatch, forms_copy):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ATMP_DESKTOP_CACHE", str(blocker / "cache"))
    assert app_forms(monkeypatch, forms_copy) == load_forms(forms_copy)
