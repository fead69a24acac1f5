"""Records: dataclasses whose methods are shared functions instead of source compiled for each class.

`@record` (or `@record(frozen=True)`) declares a class exactly as `@dataclass` / `@dataclass(frozen=True)`
would: the same fields with the same defaults and `field(default_factory=..., init=False, repr=False,
compare=False)`, the same `__init__` signature (positional or keyword, defaults last), `__post_init__`,
`__repr__`, `__eq__` (same class, fields with compare=True, in order), `__hash__` of the compared fields for a
frozen record (`__hash__ = None` for a mutable one, as for a dataclass) and `FrozenInstanceError` on assigning
to a frozen one. It *is* a dataclass to the standard library: `dataclasses.fields()`, `replace()`, `asdict()`,
`astuple()` and `is_dataclass()` work on it, pickling and copying too.

Why: CPython 3.11's `@dataclass` writes the source of each generated method and compiles it when the class is
made (`exec` of `__init__`, `__repr__`, `__eq__`, and for a frozen class `__setattr__`, `__delattr__`,
`__hash__`): ~3.5 M instructions a class, ~100 M for the classes a launch makes before the project is on
screen. A record's class is made by `dataclass(init=False, repr=False, eq=False)`, which compiles nothing, and
then gets the shared functions below, which read the class's field list (`__record__`). Reading a record's
attributes costs what a dataclass's does (its fields are set one by one, as a dataclass's `__init__` sets
them); making one, comparing and hashing cost more (a loop over the fields and `operator.attrgetter` instead
of straight-line code: ~1.5-2x the instructions, bench/notes-startup.md round 4), so a class made by the
ten thousand in a check or an export and not on the way to the first paint stays a dataclass.

What a record does not do, refused when the class is declared (use `@dataclass` for these): inheritance from
or by another dataclass or record, `ClassVar` or `InitVar` fields, `kw_only`, a field's own `hash=`, an
`init=False` field without a default, and a class that defines its own `__init__`, `__repr__`, `__eq__`,
`__hash__`, `__setattr__` or `__delattr__` (the record's would silently replace or ignore it).
"""
from __future__ import annotations

import dataclasses
import reprlib
from dataclasses import MISSING, FrozenInstanceError
from operator import attrgetter

__all__ = ["record"]

_OWN = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")


class _Spec:
    """A record class's fields as the shared methods need them."""
    __slots__ = ("qualname", "names", "required", "template", "tails", "factories", "later",
                 "repr_names", "compared", "post_init")

    def __init__(self, cls: type, fields: tuple[dataclasses.Field, ...]):
        self.qualname = cls.__qualname__
        init = [f for f in fields if f.init]
        self.names = tuple(f.name for f in init)  # __init__'s parameters, in order: the required ones first
        defaults = [_default(f) for f in init]
        self.required = defaults.count(MISSING)
        # every parameter's value before the arguments are given: its default, a _Made for a default_factory
        self.template = dict(zip(self.names, defaults))
        # tails[n]: the defaults of the parameters after the first n when all are plain values (else None):
        # a call with n positional arguments and no keywords is then args + tails[n]
        tails: list = [()]
        for d in reversed(defaults):
            tails.append(None if tails[-1] is None or d is MISSING or isinstance(d, _Made) else (d,) + tails[-1])
        self.tails = tuple(reversed(tails))
        self.factories = tuple((n, v.factory) for n, v in self.template.items() if isinstance(v, _Made))
        self.later = tuple((f.name, _default(f)) for f in fields if not f.init)  # set after the arguments
        self.repr_names = tuple(f.name for f in fields if f.repr)
        self.compared = _values_of([f.name for f in fields if f.compare])  # what __eq__ and __hash__ compare
        self.post_init = hasattr(cls, "__post_init__")

    def bind(self, args: tuple, kwargs: dict) -> dict:
        """__init__'s arguments by name, in field order, defaults filled in; Python's own TypeErrors."""
        names, n = self.names, len(args)
        if n > len(names):
            raise TypeError(f"{self.qualname}.__init__() takes {len(names) + 1} positional arguments but "
                            f"{n + 1} were given")
        values = self.template.copy()
        values.update(zip(names, args))
        if kwargs:
            values.update(kwargs)
            if len(values) > len(names):
                key = next(k for k in kwargs if k not in self.template)
                raise TypeError(f"{self.qualname}.__init__() got an unexpected keyword argument '{key}'")
            if n and not kwargs.keys().isdisjoint(names[:n]):
                key = next(k for k in names[:n] if k in kwargs)
                raise TypeError(f"{self.qualname}.__init__() got multiple values for argument '{key}'")
        if n < self.required:
            missing = [m for m in names[n:self.required] if m not in kwargs]
            if missing:
                raise TypeError(f"{self.qualname}.__init__() missing {len(missing)} required positional "
                                f"argument{'s' if len(missing) > 1 else ''}: {', '.join(map(repr, missing))}")
        for name, factory in self.factories:
            if values[name].__class__ is _Made:
                values[name] = factory()
        return values


class _Made:
    """The default of a field with a default_factory: made for each instance."""
    __slots__ = ("factory",)

    def __init__(self, factory):
        self.factory = factory


def _default(f: dataclasses.Field):
    """A field's default: the value, a _Made for a default_factory, MISSING for none."""
    if f.default_factory is not MISSING:
        return _Made(f.default_factory)
    return f.default


def _values_of(names: list[str]):
    """A function giving the tuple of an object's values of `names` (attrgetter gives a bare value for one)."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names) if names else (lambda obj: ())


# ----------------------------------------------------------------------------- the shared methods
_set = object.__setattr__  # what a frozen dataclass's __init__ uses; the same as self.name = value otherwise
def _init(self, /, *args, **kwargs) -> None:
    spec = self.__record__
    n = len(args)
    if not kwargs and n < len(spec.tails) and spec.tails[n] is not None:  # the common call: straight through
        values = zip(spec.names, args + spec.tails[n])
    else:
        values = spec.bind(args, kwargs).items()
    for name, value in values:  # each set as a dataclass sets it (self.__dict__.update would make the object
        _set(self, name, value)  # a dict of its own: every later read of an attribute ~10 % slower)
    for name, default in spec.later:
        _set(self, name, default.factory() if isinstance(default, _Made) else default)
    if spec.post_init:
        self.__post_init__()


@reprlib.recursive_repr()
def _repr(self) -> str:
    spec = self.__record__
    return f"{spec.qualname}({', '.join(f'{n}={getattr(self, n)!r}' for n in spec.repr_names)})"


def _eq(self, other):
    if other.__class__ is self.__class__:
        compared = self.__record__.compared
        return compared(self) == compared(other)
    return NotImplemented


def _hash(self) -> int:
    return hash(self.__record__.compared(self))


def _frozen_setattr(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self, name):
    raise FrozenInstanceError(f"cannot delete field {name!r}")


# ----------------------------------------------------------------------------- the decorator
def record(cls: type | None = None, /, *, frozen: bool = False):
    """Declare a record: `@record` or `@record(frozen=True)` over a class written as for `@dataclass`."""
    def wrap(c: type) -> type:
        return _make(c, frozen)
    return wrap if cls is None else wrap(cls)


def _make(cls: type, frozen: bool) -> type:
    name = cls.__qualname__
    own = [m for m in _OWN if m in cls.__dict__ and not (m == "__hash__" and cls.__dict__[m] is None)]
    if own:
        raise TypeError(f"record {name} defines {', '.join(own)}: use @dataclass for a class with its own")
    if any(dataclasses.is_dataclass(b) for b in cls.__mro__[1:]):
        raise TypeError(f"record {name} inherits from a dataclass or record: records do not inherit")
    annotations = cls.__dict__.get("__annotations__", {})
    if cls.__doc__ is None:  # what @dataclass would write, without asking inspect for __init__'s signature
        cls.__doc__ = f"{cls.__name__}({', '.join(annotations)})"
    cls = dataclasses.dataclass(cls, init=False, repr=False, eq=False)  # fields, defaults: no code compiled
    fields = dataclasses.fields(cls)
    names = {f.name for f in fields}
    pseudo = [n for n in cls.__dataclass_fields__ if n not in names]
    if pseudo:
        raise TypeError(f"record {name}: {', '.join(pseudo)} is a ClassVar or InitVar, which records do not take")
    seen_default = False
    for f in fields:
        if f.kw_only is True or f.hash is not None:
            raise TypeError(f"record {name}.{f.name}: kw_only and hash= are not for records")
        if not f.init:
            if _default(f) is MISSING:
                raise TypeError(f"record {name}.{f.name}: a field with init=False needs a default")
            continue
        has_default = _default(f) is not MISSING
        if seen_default and not has_default:
            raise TypeError(f"record {name}.{f.name}: a field without a default follows one with a default")
        seen_default = seen_default or has_default
    params = cls.__dataclass_params__  # tell the truth about what the class does (replace() and friends)
    params.init = params.repr = params.eq = True
    params.frozen = frozen
    cls.__record__ = _Spec(cls, fields)
    cls.__init__, cls.__repr__, cls.__eq__ = _init, _repr, _eq
    if frozen:
        cls.__hash__, cls.__setattr__, cls.__delattr__ = _hash, _frozen_setattr, _frozen_delattr
    else:
        cls.__hash__ = None  # mutable and compared by value: unhashable, as a dataclass
    return cls
