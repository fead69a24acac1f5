"""core.records: a record behaves as the dataclass written the same way, for everything the code relies on."""
from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import FrozenInstanceError, field
from typing import ClassVar  # noqa: F401 (dataclasses reads string annotations against this module)

import pytest

from atmp_desktop.core.records import record


def _twins(frozen: bool):
    """The same class body as a dataclass and as a record."""
    def body():
        class Item:
            """An item."""
            name: str
            size: int
            unit: str = "mL"
            tags: list = field(default_factory=list)
            blob: bytes = field(default=b"", repr=False, compare=False)
            cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

            @property
            def label(self) -> str:
                return f"{self.name} {self.size} {self.unit}"
        return Item
    return dataclasses.dataclass(frozen=frozen)(body()), record(frozen=frozen)(body())


CALLS = [((), {}), (("a",), {}), (("a", 1), {}), (("a", 1, "L"), {}), (("a", 1, "L", ["x"], b"z"), {}),
         (("a", 1, "L", [], b"", 9), {}), ((), {"name": "a", "size": 2}), (("a",), {"size": 2, "unit": "g"}),
         (("a",), {"name": "b", "size": 2}), (("a", 1), {"colour": "red"}), (("a", 1), {"cache": {}}),
         ((), {"size": 1}), (("a", 1), {"tags": ["t"], "blob": b"b"})]


def _outcome(cls, args, kwargs):
    try:
        obj = cls(*args, **kwargs)
    except TypeError:
        return "TypeError"
    return (repr(obj).replace(cls.__qualname__, "C"), dataclasses.asdict(obj), dataclasses.astuple(obj), obj.label)


@pytest.mark.parametrize("frozen", [False, True])
@pytest.mark.parametrize("args,kwargs", CALLS)
def test_a_record_is_made_as_the_dataclass_written_the_same_way(frozen, args, kwargs):
    dc, rec = _twins(frozen)
    assert _outcome(rec, args, kwargs) == _outcome(dc, args, kwargs)


@pytest.mark.parametrize("frozen", [False, True])
def test_a_record_compares_hashes_and_replaces_as_the_dataclass(frozen):
    dc, rec = _twins(frozen)
    for cls in (dc, rec):
        a, b = cls("a", 1, blob=b"x"), cls("a", 1, blob=b"y")
        assert a == b and not a != b           # blob is compare=False
        assert a != cls("a", 2) and a != ("a", 1, "mL", [])
        assert (a == object()) is False
        with pytest.raises(TypeError):          # frozen: its list is unhashable; mutable: no hash at all
            hash(a)
        r = dataclasses.replace(a, size=5)
        assert (r.size, r.name, r.blob) == (5, "a", b"x") and type(r) is cls
        with pytest.raises(ValueError):         # an init=False field cannot be replaced
            dataclasses.replace(a, cache={})
    assert [f.name for f in dataclasses.fields(rec)] == [f.name for f in dataclasses.fields(dc)]
    assert dataclasses.is_dataclass(rec) and dataclasses.is_dataclass(rec("a", 1))
    assert rec.__dataclass_params__.frozen is frozen and rec.__dataclass_params__.eq is True
    assert rec.__match_args__ == dc.__match_args__ == ("name", "size", "unit", "tags", "blob")
    assert rec.__doc__ == "An item."


def test_equal_frozen_records_hash_alike_and_find_each_other_in_sets_and_dicts():
    @record(frozen=True)
    class Path:
        step: str
        index: int | None = None
        note: str = field(default="", compare=False)

    assert hash(Path("a", 1)) == hash(Path("a", 1, note="x"))
    assert Path("a", 1, "x") in {Path("a", 1)} and {Path("a"): 1}[Path("a", None)] == 1
    assert Path("a", 1) not in {Path("a", 2), Path("b", 1)}
    one = record(frozen=True)(type("One", (), {"__module__": __name__, "__annotations__": {"v": "float"}}))
    nan = float("nan")
    assert one(nan) == one(nan)  # compared as a tuple, as a dataclass does: the same object is equal


def test_a_default_factory_makes_a_new_value_for_each_record():
    _, rec = _twins(False)
    a, b = rec("a", 1), rec("b", 2)
    a.tags.append("x")
    a.cache["k"] = 1
    assert b.tags == [] and b.cache == {}


def test_a_frozen_record_cannot_be_changed_and_a_mutable_one_can():
    _, frozen = _twins(True)
    item = frozen("a", 1)
    with pytest.raises(FrozenInstanceError):
        item.size = 2
    with pytest.raises(FrozenInstanceError):
        del item.name
    with pytest.raises(FrozenInstanceError):
        item.other = 1
    assert item.size == 1
    _, mutable = _twins(False)
    item = mutable("a", 1)
    item.size = 2
    assert item == mutable("a", 2)


@pytest.mark.parametrize("frozen", [False, True])
def test_a_record_pickles_and_copies_to_an_equal_record(frozen):
    global Kept
    Kept = record(frozen=frozen)(type("Kept", (), {"__annotations__": {"a": "int", "b": "tuple"}, "b": (),
                                                   "__module__": __name__, "__qualname__": "Kept"}))
    k = Kept(1, ("x",))
    for other in (pickle.loads(pickle.dumps(k)), copy.copy(k), copy.deepcopy(k)):
        assert other == k and other is not k and type(other) is Kept


def test_post_init_runs_after_the_fields_are_set():
    seen = []

    @record(frozen=True)
    class Checked:
        low: int
        high: int = 10

        def __post_init__(self):
            seen.append((self.low, self.high))
            if self.low > self.high:
                raise ValueError("low above high")

    Checked(1)
    with pytest.raises(ValueError):
        Checked(5, high=2)
    assert seen == [(1, 10), (5, 2)]


def test_a_self_containing_mutable_record_repr_does_not_recurse():
    @record
    class Node:
        children: list = field(default_factory=list)

    n = Node()
    n.children.append(n)
    assert repr(n) == "test_a_self_containing_mutable_record_repr_does_not_recurse.<locals>.Node(children=[...])"


def _declare(body: dict, bases=(), frozen=False):
    return record(frozen=frozen)(type("Bad", bases, {"__module__": __name__, **body}))


@pytest.mark.parametrize("body,bases", [
    ({"__annotations__": {"a": "int"}, "__eq__": lambda s, o: True}, ()),
    ({"__annotations__": {"a": "int"}, "__init__": lambda s: None}, ()),
    ({"__annotations__": {"a": "int"}, "__hash__": lambda s: 1}, ()),
    ({"__annotations__": {"a": "int"}, "__setattr__": object.__setattr__}, ()),
    ({"__annotations__": {"a": "int", "b": "int"}, "a": 1}, ()),                      # default, then none
    ({"__annotations__": {"a": "int"}, "a": field(init=False)}, ()),                  # init=False, no default
    ({"__annotations__": {"a": "int"}, "a": field(default=1, kw_only=True)}, ()),
    ({"__annotations__": {"a": "int"}, "a": field(default=1, hash=False)}, ()),
    ({"__annotations__": {"a": "int", "b": "ClassVar[int]"}}, ()),
    ({"__annotations__": {"a": "int", "b": "dataclasses.InitVar[int]"}}, ()),
    ({"__annotations__": {"b": "int"}}, (dataclasses.make_dataclass("Base", ["a"]),)),
])
def test_what_a_record_does_not_support_is_refused_when_it_is_declared(body, bases):
    with pytest.raises(TypeError, match="record Bad"):
        _declare(body, bases)


def test_the_apps_records_are_made_with_no_code_compiled(monkeypatch):
    """The point of records: declaring one runs no exec (CPython's dataclass compiles each method it writes)."""
    import builtins
    ran = []
    real_exec = builtins.exec
    monkeypatch.setattr(builtins, "exec", lambda *a, **k: ran.append(a[0]) or real_exec(*a, **k))
    _declare({"__annotations__": {"a": "int", "b": "str"}, "b": ""}, frozen=True)
    assert ran == []
    dataclasses.dataclass(frozen=True)(type("Twin", (), {"__module__": __name__,
                                                         "__annotations__": {"a": "int", "b": "str"}, "b": ""}))
    assert ran  # the probe sees the dataclass's exec calls
