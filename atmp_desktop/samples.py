"""The sample projects shipped in resources/samples (JSON interchange documents)."""
from __future__ import annotations

import json
from pathlib import Path

from atmp_desktop.core.paths import samples_dir


def sample_names() -> list[str]:
    return sorted(p.stem for p in samples_dir().glob("*.json"))


def load_sample(name: str) -> dict:
    path = samples_dir() / f"{name}.json"
    if not path.is_file():
        known = ", ".join(sample_names()) or "none"
        raise KeyError(f"there is no sample '{name}' (samples: {known})")
    return json.loads(path.read_text(encoding="utf-8"))


def sample_title(name: str) -> str:
    return load_sample(name).get("project", {}).get("title", name)


def user_sample_copy(name: str, folder: Path | None = None) -> Path:
    """Where a sample becomes a real project file the user can edit: NAME.atmp, NAME-2.atmp, ... in the
    app's data folder, the first that is free. A copy may be replaced only while it holds no edits and no
    window has it open, so opening a sample again never throws away the user's work."""
    folder = folder or Path.home() / ".local" / "share" / "atmp-desktop" / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        target = folder / (f"{name}.atmp" if n == 1 else f"{name}-{n}.atmp")
        if _replaceable(target):
            return target
        n += 1


def _replaceable(path: Path) -> bool:
    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.store import ProjectFile, ProjectFileError
    from atmp_desktop.store.locking import lock_path
    if not path.exists():
        return True
    if lock_path(path).exists():
        return False
    try:
        with ProjectFile.open(path, default_forms(), read_only=True) as project:
            return all(entry["action"] == "create" for entry in project.audit_entries())
    except ProjectFileError:
        return False  # not ours to overwrite


def fresh_sample_copy(name: str, forms, folder: Path | None = None) -> Path:
    """A project file holding the sample as shipped, ready to open: the untouched copy made last time when it
    came from this very sample text, app version and forms (building it from JSON took 0.4 s of CPU, as long
    as the rest of `make run`'s launch), else a new one. Raises KeyError (no such sample), ProjectFileError."""
    import hashlib

    from atmp_desktop import __version__
    from atmp_desktop.core.form_migrations import FORMS_VERSION
    from atmp_desktop.store import ProjectFile
    source = samples_dir() / f"{name}.json"
    document = load_sample(name)
    target = user_sample_copy(name, folder)  # never a copy the user has edited or has open
    stamp_file = target.with_name(target.name + ".sample")
    stamp = hashlib.sha256(source.read_bytes() + f"|{__version__}|{FORMS_VERSION}".encode()).hexdigest()

    def written() -> str:
        st = target.stat()
        return f"{stamp} {st.st_size} {st.st_mtime_ns}"
    try:
        if target.exists() and stamp_file.read_text(encoding="ascii") == written():
            return target  # the same bytes we wrote, with no edits since (user_sample_copy checked the audit)
    except OSError:
        pass
    ProjectFile.create(target, forms, document=document, overwrite=True).close()
    try:
        stamp_file.write_text(written(), encoding="ascii")
    except OSError:
        pass  # only the next launch's shortcut is lost
    return target

