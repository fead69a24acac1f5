"""Where the app's data folders are, in a source checkout and in a frozen (PyInstaller) build."""
from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def app_root() -> Path:
    """The folder holding `forms/` and `resources/` (fixed for the process; cached because resolving the path
    costs a dozen stat calls, and definition and section look-ups ask for it on every edit)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parents[2]


@lru_cache(maxsize=1)
def forms_dir() -> Path:
    return app_root() / "forms"


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    return app_root() / "resources"


def samples_dir() -> Path:
    return resources_dir() / "samples"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def user_data_dir() -> Path:
    """The user's data folder for this app (backups, sample copies): never beside a project file."""
    import os
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or os.environ.get("APPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "atmp-desktop"
