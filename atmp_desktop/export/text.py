"""Text clean-up shared by both writers: XML 1.0 cannot hold most control characters."""
from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


class Cleaner:
    """Removes characters XML cannot hold and counts them, so the export can report instead of crashing.

    A text that appears several times (heading, TOC entry, bookmark) is counted once, so both writers report
    the same number for the same document.
    """

    def __init__(self, glyphs=None) -> None:
        self._glyphs = glyphs  # PDF: replaces characters the bundled font lacks (layout.printable)
        self._hits: dict[str, int] = {}
        self.where: list[str] = []
        self._section = ""

    @property
    def section(self) -> str:
        return self._section

    @section.setter
    def section(self, text: str) -> None:
        self._section = _CONTROL.sub("", str(text))

    @property
    def removed(self) -> int:
        return sum(self._hits.values())

    def __call__(self, text: str) -> str:
        text = "" if text is None else str(text)
        cleaned, n = _CONTROL.subn("", text.replace("\r\n", "\n").replace("\r", "\n"))
        if n:
            self._hits[text] = n
            if self._section and self._section not in self.where:
                self.where.append(self._section)
        if self._glyphs is not None and not cleaned.isascii():
            cleaned = self._glyphs(cleaned)
        return cleaned

    def warning(self, file_label: str) -> str | None:
        if not self._hits:
            return None
        where = f" (in {', '.join(self.where[:5])})" if self.where else ""
        return (f"{file_label}: removed {self.removed} control character(s) that documents cannot hold{where}; "
                f"check the source text.")
