"""Regular expressions compiled when first used instead of when their module is imported.

`lazy_compile(regex, flags)` stands where `re.compile(regex, flags)` would: its `match`, `fullmatch`,
`search`, `finditer`, `findall`, `sub`, `subn` and `split` are the compiled pattern's own methods once one of
them is first called (which compiles it; afterwards a call costs nothing more than on the compiled pattern).
Why: CPython's regular-expression compiler is Python code, and the patterns of the modules a launch imports
cost ~20 M instructions to compile, most of them for patterns the first paint never uses (pasting Word
lists, citations, figure checks, form migrations). A pattern the launch does use before the paint stays a
plain `re.compile` (tests/test_ui_startup.py checks that no lazy pattern is compiled by then).
"""
from __future__ import annotations

import re

__all__ = ["LazyPattern", "lazy_compile"]

_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    """re.compile(pattern, flags) on the first call of one of its methods (see the module's docstring)."""

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern, self._flags = pattern, flags

    @property
    def compiled(self) -> bool:
        """Whether it has been compiled (by a first use)."""
        return "match" in self.__dict__

    def __getattr__(self, name: str):  # only for what the instance does not have: its methods before a first use
        if name not in _METHODS:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        pattern = re.compile(self.pattern, self._flags)
        for method in _METHODS:  # instance attributes from now on: __getattr__ is not called again
            setattr(self, method, getattr(pattern, method))
        return getattr(pattern, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r}, {self._flags!r})"


def lazy_compile(pattern: str, flags: int = 0) -> LazyPattern:
    return LazyPattern(pattern, flags)
