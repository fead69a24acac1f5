"""core.patterns: a pattern compiled when first used gives what re.compile's gives, and compiles only then."""
import re

import pytest

from atmp_desktop.core.patterns import LazyPattern, lazy_compile

CASES = [
    ("match", ("2027-03-15",)), ("match", ("x2027-03-15",)), ("fullmatch", ("2027-03-15",)),
    ("search", ("on 2027-03-15 and 2028-01-02",)), ("findall", ("2027-03-15 2028-01-02",)),
    ("sub", (r"\3.\2.\1", "2027-03-15 and 2028-01-02")), ("subn", ("D", "2027-03-15 2028-01-02")),
    ("split", ("a 2027-03-15 b",)), ("match", ("2027-03-15 x", 0, 10)),
]


def _seen(value):
    """Comparable results (match objects and iterators as what they found)."""
    if isinstance(value, re.Match):
        return ("match", value.span(), value.groups())
    if isinstance(value, (list, tuple)):
        return [_seen(v) for v in value]
    return value


@pytest.mark.parametrize("method,args", CASES)
def test_a_lazy_pattern_answers_as_the_compiled_one(method, args):
    regex = r"(\d{4})-(\d{2})-(\d{2})"
    lazy, compiled = lazy_compile(regex), re.compile(regex)
    assert _seen(getattr(lazy, method)(*args)) == _seen(getattr(compiled, method)(*args))
    assert [m.span() for m in lazy.finditer("2027-03-15 2028-01-02")] == [(0, 10), (11, 21)]


def test_flags_are_kept_and_the_pattern_is_readable_before_it_is_compiled():
    p = lazy_compile(r"table\s+\d", re.I)
    assert p.pattern == r"table\s+\d" and not p.compiled
    assert p.search("see TABLE 3").group() == "TABLE 3" and p.compiled


def test_it_compiles_once_at_the_first_use_and_not_when_declared(monkeypatch):
    calls = []
    real = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: calls.append(a) or real(*a))
    p = LazyPattern(r"\d+")
    assert calls == []
    assert p.sub("#", "a1b22") == "a#b#" and p.match("7") and p.findall("1 2") == ["1", "2"]
    assert calls == [(r"\d+", 0)]


def test_a_bad_pattern_fails_at_its_first_use_as_re_compile_does():
    p = lazy_compile("(unclosed")
    with pytest.raises(re.error):
        p.match("x")
    with pytest.raises(AttributeError):
        p.groupindex  # noqa: B018 (not offered: only the methods are)
