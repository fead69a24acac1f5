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
    """Where `gui --sample` materialises a sample as a real project file the user can edit."""
    folder = folder or Path.home() / ".local" / "share" / "atmp-desktop" / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.atmp"
