import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt creates the QApplication
os.environ.setdefault("LANG", "C.UTF-8")
if "ATMP_DESKTOP_CACHE" not in os.environ:  # parsed forms are cached (core/yaml_cache.py): never in the real home
    import atexit
    import shutil
    import tempfile
    os.environ["ATMP_DESKTOP_CACHE"] = tempfile.mkdtemp(prefix="atmp-test-cache-")
    atexit.register(shutil.rmtree, os.environ["ATMP_DESKTOP_CACHE"], True)

from pathlib import Path  # noqa: E402

from hypothesis import settings as hypothesis_settings  # noqa: E402

# CI runs the property tests on a fixed set of examples so a landing never depends on luck; locally they
# stay random and keep finding new cases.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

import pytest  # noqa: E402

from atmp_desktop.core.forms import default_forms  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def forms():
    return default_forms()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Keep settings, recent files and sample copies out of the real home folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    yield


@pytest.fixture
def sample_project(tmp_path, forms):
    """Factory: a fresh project file made from a shipped sample."""
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile

    def make(name="car-t", filename=None):
        path = tmp_path / (filename or f"{name}.atmp")
        ProjectFile.create(path, forms, document=load_sample(name)).close()
        return path
    return make


@pytest.fixture(scope="module")
def template(tmp_path_factory, forms):
    """The bytes of one car-t project, copied for each case of a module (creating it per case would dominate
    the run time)."""
    from atmp_desktop.samples import load_sample
    from atmp_desktop.store import ProjectFile
    path = tmp_path_factory.mktemp("template") / "car-t.atmp"
    ProjectFile.create(path, forms, document=load_sample("car-t")).close()
    return path.read_bytes()


# ------------------------------------------------------------------ GUI fixtures (pytest-qt, offscreen)
@pytest.fixture
def settings(tmp_path):
    """Window settings in a file of this test's own, never the user's."""
    from PySide6.QtCore import QSettings

    from atmp_desktop.ui.settings import Settings
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))


@pytest.fixture
def window(qtbot, forms, settings):
    """The main window, shown, with no project open."""
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.main_window import MainWindow
    make_app()
    w = MainWindow(forms, settings)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close_project()


@pytest.fixture
def empty_project(tmp_path, forms):
    from atmp_desktop.store import ProjectFile
    path = tmp_path / "dossier.atmp"
    ProjectFile.create(path, forms).close()
    return path


@pytest.fixture
def no_message_box(monkeypatch):
    """A message box nobody answers would hang the test: any that opens fails it, with its text."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(_parent, title, text, *a, **k):
        raise AssertionError(f"unexpected message box '{title}': {text}")
    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, refuse)
