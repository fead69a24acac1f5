"""Which CTD sections a field feeds: the one question the compare view, the change report and review status
ask of the section map. Kept in one function so it follows the section map wherever it lives (the document
definitions' placement map, core.definitions)."""
from __future__ import annotations

from atmp_desktop.core.forms import FormSet

# (id of the forms, path) -> (the forms, codes): holding the forms keeps their id from being reused
_CACHE: dict[tuple[int, str], tuple[FormSet, tuple[str, ...]]] = {}


def ctd_sections(forms: FormSet, path: str) -> tuple[str, ...]:
    """The CTD codes (e.g. '3.2.S.2.2') the field or table `path` is printed in, in section-map order."""
    path = forms.field(path).path
    key = (id(forms), path)
    if key not in _CACHE:
        _CACHE[key] = (forms, _codes(forms, path))
    return _CACHE[key][1]


def _codes(forms: FormSet, path: str) -> tuple[str, ...]:
    from atmp_desktop.core.definitions import placement_map  # the document definitions own placement
    return tuple(placement_map().ctd_codes(path))


def with_parents(codes) -> list[str]:
    """Each code and every code above it ('3.2.S.2.2' -> '3.2.S.2.2', '3.2.S.2', '3.2.S', '3.2', '3'), each once,
    most specific first."""
    out: list[str] = []
    for code in codes:
        parts = code.split(".")
        for n in range(len(parts), 0, -1):
            c = ".".join(parts[:n])
            if c not in out:
                out.append(c)
    return out


def top_section(code: str) -> str:
    """The section a change report groups under: the CTD code to its third level ('3.2.S.2.2' -> '3.2.S.2',
    '2.3.P' -> '2.3.P', '1.6.2' -> '1.6.2')."""
    parts = code.split(".")
    return ".".join(parts[:4]) if parts[:2] == ["3", "2"] else ".".join(parts[:3])
