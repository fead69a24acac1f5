"""A lock file beside a project open for editing (`NAME.atmp.lock`): exactly one writer, others read-only.

- Created atomically: the holder's details are written to a temp file that is hard-linked to the lock name
  (a link fails if the name exists, and the lock never exists half written); where links are not supported,
  O_CREAT|O_EXCL.
- Released only by its owner (the lock holds a random token; release removes it only while it is ours).
- Stale locks of this computer are recognised by pid *and* process start time (a reused pid is not the
  holder) and taken over; the take-over renames the stale lock away first, so two processes cannot both take
  it over.
- Not flushed to disk (no fsync): the atomic link is what keeps two instances apart, and a lock only has to
  outlive its process, not a power cut. A lock that a power cut left empty (its name written, its content not)
  is stale when it is older than this computer's boot: nobody can be writing it any more.
- A lock of another computer, or one that cannot be read, is not guessed at: ProjectLockedError names the
  holder and `can_break` is True, and the user may break it (`acquire(..., break_lock=True)`).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import time
from pathlib import Path

from atmp_desktop.store.errors import ProjectLockedError

_HELD: dict[str, tuple[str, int]] = {}  # lock path -> (our token, how many ProjectFiles of this process use it)


def host_name() -> str:
    """This computer's name: the node name of uname(2), which is what socket.gethostname() returns there
    (importing socket costs ~3 ms of start-up); socket's where there is no uname (Windows)."""
    try:
        return os.uname().nodename
    except AttributeError:
        import socket
        return socket.gethostname()


def user_name() -> str:
    """The login name as getpass.getuser() finds it (importing getpass imports termios: ~1.3 M instructions
    of start-up): the first of LOGNAME, USER, LNAME and USERNAME that is set, else the password database's
    name of this user; "unknown" when there is none (some containers; Windows without those variables)."""
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        user = os.environ.get(name)
        if user:
            return user
    try:
        import pwd
        return pwd.getpwuid(os.getuid())[0]
    except Exception:  # no pwd module, or no entry for this uid
        return "unknown"


def _token(nbytes: int) -> str:
    return os.urandom(nbytes).hex()  # what secrets.token_hex(nbytes) returns, without importing secrets


def lock_path(project: Path) -> Path:
    project = Path(project)
    return project.with_name(project.name + ".lock")


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def process_start(pid: int) -> str | None:
    """An id of when process `pid` started (None when it cannot be known), so a reused pid is told apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return f"{_boot_id()}:{stat.rsplit(')', 1)[1].split()[19]}"
    except (OSError, IndexError):
        pass
    try:
        import psutil  # optional, for macOS and Windows
        return f"{psutil.Process(pid).create_time():.2f}"
    except Exception:
        return None


def _me(token: str) -> dict:
    return {"app": "atmp-desktop", "host": host_name(), "pid": os.getpid(),
            "start": process_start(os.getpid()), "user": user_name(), "token": token,
            "since": _dt.datetime.now().replace(microsecond=0).isoformat()}


def read_holder(project: Path) -> dict | None:
    """The lock's holder; None when there is no lock; {"unreadable": True} when it cannot be understood."""
    return _read(lock_path(project))


def _read(path: Path) -> dict | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return {"unreadable": True}
    try:
        holder = json.loads(text)
    except ValueError:
        holder = None
    if (not isinstance(holder, dict) or not isinstance(holder.get("pid"), int) or isinstance(holder.get("pid"), bool)
            or not isinstance(holder.get("host"), str)):
        return {"unreadable": True, "empty": not text}
    return holder


def describe(holder: dict) -> str:
    if holder.get("unreadable"):
        return "an unknown program (its lock file cannot be read)"
    user = holder.get("user") if isinstance(holder.get("user"), str) else "someone"
    since = holder.get("since") if isinstance(holder.get("since"), str) else "?"
    return f"{user} on {holder.get('host')} since {since}"


def _boot_time() -> float | None:
    """When this computer started (seconds since the epoch; /proc/stat's btime), None where unknown."""
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _empty_since_before_boot(path: Path) -> bool:
    """An empty lock file last written before this computer started: a power cut came between writing its
    name and its content (an O_EXCL creator writes its content at once, so an empty lock of a live process is
    seconds old at most)."""
    boot = _boot_time()
    try:
        st = path.stat()
    except OSError:
        return False
    return boot is not None and st.st_size == 0 and st.st_mtime < boot


def is_stale(holder: dict, path: Path | None = None) -> bool:
    """A lock of this computer whose process has ended (or whose pid now belongs to another process), or an
    empty lock (at `path`) left by a power cut before this computer's boot."""
    if holder.get("empty") and path is not None and _empty_since_before_boot(path):
        return True
    if holder.get("unreadable") or holder.get("host") != host_name():
        return False
    pid = holder["pid"]
    if not _alive(pid):
        return True
    start = holder.get("start")
    now = process_start(pid)
    return bool(start and now and start != now)


def _create(path: Path, info: dict) -> None:
    """Create the lock with its content in one step; FileExistsError when it exists."""
    tmp = path.with_name(f"{path.name}.{info['token']}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:  # no fsync: see the module's docstring (~1-10 ms of a launch)
        fh.write(json.dumps(info))
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (some network and FAT drives)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(info))
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass


def _take_over(path: Path, seen: dict) -> None:
    """Remove the lock `seen` (stale or broken by the user), unless it was replaced meanwhile."""
    grabbed = path.with_name(f"{path.name}.{_token(4)}.stale")
    try:
        os.rename(path, grabbed)
    except FileNotFoundError:
        return  # someone else took it over first; the caller tries again
    now = _read(grabbed) or {}
    if seen.get("token") is not None and now.get("token") != seen.get("token"):
        try:  # we grabbed a fresh lock that another process had just made: give it back
            os.link(grabbed, path)
        except OSError:
            pass
    try:
        grabbed.unlink()
    except OSError:
        pass


def acquire(project: Path, break_lock: bool = False, shared_in_process: bool = True) -> Path | None:
    """Take the project's lock. Returns its path, or None when the folder cannot hold a lock file (a read-only
    folder: the caller opens read-only anyway). Raises ProjectLockedError when someone else holds it.
    `shared_in_process`: a second ProjectFile of this process on the same file shares the lock (it sees the
    other's writes through data_version); replacing a file (Save As, restore) passes False."""
    path = lock_path(project)
    key = str(path.absolute())
    if key in _HELD:  # this process already holds it
        token, count = _HELD[key]
        holder = _read(path) or {}
        if holder.get("token") == token and holder.get("pid") == os.getpid():
            if not shared_in_process:
                raise ProjectLockedError(f"'{Path(project).name}' is open in another window of this program; "
                                         "close it there first.", holder, can_break=False)
            _HELD[key] = (token, count + 1)
            return path
        del _HELD[key]
    token = _token(12)
    for attempt in range(20):
        try:
            _create(path, _me(token))
            _HELD[key] = (token, 1)
            return path
        except FileExistsError:
            pass
        except OSError:
            return None
        holder = _read(path)
        if holder is None:
            continue  # released meanwhile
        if holder.get("empty") and attempt < 10 and not is_stale(holder, path):
            time.sleep(0.02)  # being written by an O_EXCL creator: look again
            continue
        if break_lock or is_stale(holder, path):
            _take_over(path, holder)
            break_lock = False
            continue
        same_host = holder.get("host") == host_name() and not holder.get("unreadable")
        raise ProjectLockedError(
            f"'{Path(project).name}' is already open for editing by {describe(holder)}; it can be opened "
            "read-only" + ("." if same_host else
                           ", or, if you know that window is closed (say the computer crashed), break the lock."),
            holder, can_break=not same_host)
    raise ProjectLockedError(f"'{Path(project).name}' is being opened by several programs at once; try again.",
                             _read(path) or {}, can_break=False)


def release(path: Path | None) -> None:
    """Give up our lock: the file is removed only while it is still ours."""
    if path is None:
        return
    key = str(Path(path).absolute())
    held = _HELD.get(key)
    if held is None:
        return
    token, count = held
    if count > 1:
        _HELD[key] = (token, count - 1)
        return
    del _HELD[key]
    if (_read(Path(path)) or {}).get("token") == token:
        try:
            Path(path).unlink()
        except OSError:
            pass
