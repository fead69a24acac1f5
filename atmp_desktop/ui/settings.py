"""Persistent window settings (QSettings): geometry, dock layout, recent files, last folders."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from atmp_desktop import APP_NAME

MAX_RECENT = 10


def app_settings() -> QSettings:
    return QSettings("atmp-desktop", APP_NAME)



def path_key(what: str, path) -> str:
    """A settings key for one project file (`what/<its absolute path>`; QSettings reads "/" as a group)."""
    return what + "/" + str(Path(path).resolve()).replace("/", "|")

class Settings:
    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings or app_settings()

    def _list(self, key: str) -> list[str]:
        value = self.q.value(key, [])
        if isinstance(value, str):  # QSettings returns a bare string for a one-item list
            value = [value]
        return [str(v) for v in (value or [])]

    def recent_files(self) -> list[str]:
        """Recent projects that still exist, newest first (missing ones are dropped)."""
        kept = [p for p in self._list("recent_files") if Path(p).is_file()][:MAX_RECENT]
        return kept

    def add_recent(self, path: str | Path) -> None:
        path = str(Path(path).resolve())
        files = [path] + [p for p in self.recent_files() if p != path]
        self.q.setValue("recent_files", files[:MAX_RECENT])
        self.set_folder("last_folder", Path(path).parent)

    def clear_recent(self) -> None:
        self.q.setValue("recent_files", [])

    def folder(self, key: str = "last_folder") -> str:
        value = str(self.q.value(key, "") or "")
        return value if value and Path(value).is_dir() else str(Path.home())

    def set_folder(self, key: str, folder: str | Path) -> None:
        self.q.setValue(key, str(folder))

    def value(self, key: str, default=None):
        return self.q.value(key, default)

    def set_value(self, key: str, value) -> None:
        self.q.setValue(key, value)

    def sync(self) -> None:
        self.q.sync()
