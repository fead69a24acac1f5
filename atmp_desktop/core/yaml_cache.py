"""The app's own YAML files (forms, document definitions), parsed once and then read from a JSON copy.

PyYAML turns the 22 form and definition files into Python data in ~90 ms, most of the window's start-up
beyond Qt itself; the same data as JSON loads in a few milliseconds. The copy lives in the user's cache
folder and is only ever a copy:

- every entry carries the SHA-256 of the source file's bytes and is used only while the source still has
  exactly those bytes (an edited, added or removed file is parsed from its YAML again);
- a cache file that is unreadable, truncated, of another format or otherwise odd is ignored and rewritten;
- it is written to a temporary name and renamed, so a crash never leaves half a cache behind;
- dates and non-text keys are written in a tagged form and read back exactly; anything else JSON cannot
  carry exactly (timestamps, NaN) is not cached: that file is parsed every time.

The checks that turn the data into forms and definitions (`parse_step`, `parse_definition`) run whenever
their result is not in the second copy, `load_checked`/`save_checked`: the checked app forms themselves,
pickled (about 4 ms to load against ~20 ms to check them again), under a stamp of everything they were made
from — the app and Python versions, and the size, modification and change times and inode of each source
file and of the code that reads them (as CPython's .pyc check, plus the change time; no copy is kept of
files changed in the last seconds, which the times cannot tell from a second edit in the same clock tick).
A stamp that differs, or a file that is not exactly what `save_checked` wrote, and the forms are checked
again. Unpickling makes only the classes the caller names (no other class, no function
call: a planted file cannot run code). `ATMP_DESKTOP_CACHE` names another cache folder, or `off`.
"""
from __future__ import annotations

import json
import os
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from atmp_desktop import __version__

FORMAT = 1


class YamlFileError(ValueError):
    """A source file that is not valid YAML: `.path` and the parser's own words in `.detail`."""

    def __init__(self, path: Path, detail: str):
        super().__init__(f"{path.name}: not valid YAML: {detail}")
        self.path, self.detail = path, detail


def cache_dir() -> Path | None:
    """The app's folder in the user's cache (None when caching is switched off)."""
    override = os.environ.get("ATMP_DESKTOP_CACHE")
    if override:
        return None if override.lower() == "off" else Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "atmp-desktop" / "Cache"
        return base
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "atmp-desktop"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "atmp-desktop"


def cache_file(directory: Path) -> Path | None:
    """Where the JSON copy of the YAML files of `directory` lives (one file per source folder)."""
    import hashlib
    base = cache_dir()
    if base is None:
        return None
    name = hashlib.sha256(str(directory.resolve()).encode("utf-8")).hexdigest()[:16]
    return base / f"yaml-{name}.json"


def load_yaml_files(paths: list[Path], cache: Path | None = None) -> list[Any]:
    """The parsed contents of each of `paths`, in order; with `cache` (a file from `cache_file`), unchanged
    files come from its JSON copy and the copy is brought up to date. Raises YamlFileError."""
    import hashlib  # not at import: the launch reads the checked forms, stamped without it
    known = _read_cache(cache) if cache is not None else {}
    out: list[Any] = []
    fresh: dict[str, tuple[str, Any]] = {}  # path -> (digest of its bytes, value)
    stale = False
    for path in paths:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        key = os.fspath(path)
        entry = known.get(key)
        if entry is not None and entry[0] == digest:
            value = entry[1]
        else:
            value = _parse(path, data)
            stale = True
        out.append(value)
        fresh[key] = (digest, value)
    if cache is not None and (stale or set(fresh) != set(known)):
        _write_cache(cache, fresh)
    return out


def _parse(path: Path, data: bytes) -> Any:
    import yaml  # only when a file changed: the import alone costs ~25 ms of start-up
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser is ~7x faster than pure Python
    try:
        return yaml.load(data.decode("utf-8"), Loader=loader)
    except UnicodeDecodeError as exc:
        raise YamlFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise YamlFileError(path, str(exc)) from None


def _read_cache(cache: Path) -> dict[str, tuple[str, Any]]:
    """{path: (digest, value)} of a cache file; {} for anything that is not exactly what _write_cache writes."""
    try:
        doc = json.loads(cache.read_bytes(), object_hook=_decode_object)
    except (OSError, ValueError, TypeError):  # missing, unreadable, truncated, not JSON, bad tags
        return {}
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("app") != __version__:
        return {}
    files = doc.get("files")
    if not isinstance(files, dict):
        return {}
    return {k: (v[0], v[1]) for k, v in files.items()
            if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and len(v[0]) == 64}


def _write_cache(cache: Path, files: dict[str, tuple[str, Any]]) -> None:
    """Written beside its final name and renamed over it; a cache that cannot be written is no error."""
    entries = {}
    for key, (digest, value) in files.items():
        try:
            entries[key] = [digest, _encode(value)]
        except _NotExact:  # e.g. a timestamp: this file is parsed on every start
            pass
    tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"format": FORMAT, "app": __version__, "files": entries}, ensure_ascii=False),
                       encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


# ----------------------------------------------------------------------------- checked objects (pickled)
_CHECKED_MAGIC = b"atmp-desktop checked cache 2\n"
# A file changed less than this long ago (or dated in the future) cannot be told apart by its times from one
# changed again within the same tick of the file system's clock (4 ms on Linux, 2 s on FAT): no copy is kept
# of what was checked from it (see checked_stamp).
SETTLED_NS = 5_000_000_000


def _file_state(path) -> tuple[int, int, int, int]:
    """(size, mtime_ns, ctime_ns, inode) of a file: what a change of its content changes. Raises OSError."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def _now_ns() -> int:
    return time.time_ns()


def checked_stamp(sources: list[Path], modules: tuple) -> str | None:
    """What a checked result depends on: the app and Python versions, each source file's name, size,
    modification and change times and inode, and the same of the code of `modules` (the executable's for a
    frozen app, whose modules are not files); None while one of them changed too recently to be stamped by its
    times (SETTLED_NS): then check again and keep no copy. Raises OSError when a source is missing.

    Like CPython's .pyc check, an edit is told by the file's times, not by reading and hashing its bytes (a
    SHA-256 of the 224 KB of forms needed OpenSSL, ~11 M instructions of the launch). Unlike it, the change
    time (ctime) is in the stamp too: tools that copy or restore a file keep its modification time but cannot
    set its change time, so a file put back with an old date is still a changed file."""
    parts = [__version__, sys.version]
    newest = 0
    files = [(os.fspath(path), path) for path in sources]
    for module in modules:
        file = getattr(module, "__file__", None)
        files.append((module.__name__, file if file and os.path.exists(file) else sys.executable))
    for name, path in files:
        size, mtime, ctime, inode = _file_state(path)
        newest = max(newest, mtime, ctime)
        parts.append(f"{name}\0{size}\0{mtime}\0{ctime}\0{inode}")
    if _now_ns() - newest < SETTLED_NS:  # also a time in the future
        return None
    return "\0\0".join(parts)


def checked_file(directory: Path, kind: str) -> Path | None:
    """Where the checked `kind` ("forms") made from the files of `directory` is kept (None: caching off). Two
    folders whose names share a CRC-32 share a file: each then finds the other's stamp and checks again."""
    base = cache_dir()
    if base is None:
        return None
    return base / f"{kind}-{zlib.crc32(str(directory.resolve()).encode('utf-8', 'surrogateescape')):08x}.pickle"


def load_checked(target: Path, stamp: str, classes: tuple[type, ...]) -> Any | None:
    """What save_checked wrote under `stamp`, or None (no file, another stamp, anything odd). Only `classes`
    (and plain data: str, int, tuple, dict ...) can come out of the file."""
    import io
    import pickle
    try:
        data = target.read_bytes()
    except OSError:
        return None
    head = _stamp_line(stamp)
    if not data.startswith(head):
        return None
    allowed = {(c.__module__, c.__qualname__): c for c in classes}

    class Restricted(pickle.Unpickler):
        def find_class(self, module, name):
            try:
                return allowed[(module, name)]
            except KeyError:
                raise pickle.UnpicklingError(f"{module}.{name} is not allowed here") from None
    try:
        return Restricted(io.BytesIO(data[len(head):])).load()
    except Exception:  # truncated, damaged or foreign: made again by the caller
        return None


def _stamp_line(stamp: str) -> bytes:
    """The file's head: the magic line, then the stamp and a newline."""
    return _CHECKED_MAGIC + stamp.encode("utf-8", "surrogateescape") + b"\n"


def save_checked(target: Path, stamp: str, value: Any) -> None:
    """Written beside its final name and renamed over it; a cache that cannot be written is no error."""
    import pickle
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(_stamp_line(stamp) + data)
        os.replace(tmp, target)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        try:
            tmp.unlink()
        except OSError:
            pass


# JSON has no dates and only text keys; YAML gives both (`2027-03-15`, `true:`). Such values are written as
# one-key objects whose key starts with a NUL character, which no YAML file of ours can contain.
_PAIRS, _DATE = "\0pairs", "\0date"


class _NotExact(Exception):
    pass


def _encode(value: Any) -> Any:
    """`value` as JSON data that _decode turns back into exactly `value` (raises _NotExact otherwise)."""
    kind = type(value)
    if value is None or kind in (str, int, bool):
        return value
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise _NotExact
        return value
    if kind is list:
        return [_encode(v) for v in value]
    if kind is dict:
        if all(type(k) is str and not k.startswith("\0") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        if not all(k is None or type(k) in (str, int, bool) for k in value):
            raise _NotExact
        return {_PAIRS: [[k, _encode(v)] for k, v in value.items()]}
    import datetime
    if kind is datetime.date:
        return {_DATE: value.isoformat()}
    raise _NotExact


def _decode_object(obj: dict) -> Any:
    """json.loads object_hook: the tagged objects of _encode back to their values (inner objects first)."""
    if len(obj) == 1:
        if _PAIRS in obj:
            return {k: v for k, v in obj[_PAIRS]}
        if _DATE in obj:
            import datetime
            return datetime.date.fromisoformat(obj[_DATE])
    return obj
