"""Files written under a temporary name and renamed into place only when complete, and cleaning up after a
killed run: a temp name says which process made it, so the next run can remove the leftovers of dead ones."""
from __future__ import annotations

import os
import time
import zlib
from pathlib import Path

from atmp_desktop.core.patterns import lazy_compile
from atmp_desktop.store.locking import host_name

PREFIX = ".~atmp-"
_NAME = lazy_compile(r"^\.~atmp-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]+-(?P<name>.*)\.tmp$")
OTHER_HOST_AGE = 7 * 24 * 3600  # leftovers of another computer are removed only when clearly abandoned


def _host() -> str:
    return f"{zlib.crc32(host_name().encode()) & 0xFFFFFFFF:08x}"


def temp_path(target: Path) -> Path:
    """A fresh, hidden name beside `target` (same folder, so the final rename is atomic)."""
    return target.with_name(f"{PREFIX}{_host()}-{os.getpid()}-{os.urandom(4).hex()}-{target.name}.tmp")


def create_temp(target: Path) -> Path:
    path = temp_path(target)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for any user file
    os.close(fd)
    return path


def user_mode() -> int:
    """The permissions a new file of the user gets (0666 less the umask), not mkstemp's 0600."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def cleanup(folder: Path) -> list[Path]:
    """Remove temp files in `folder` left by processes of this computer that have ended (and old ones of other
    computers). Journals of those temp files go too. Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    host = _host()
    now = time.time()
    for path in entries:
        if not path.name.startswith(PREFIX):  # most of a folder: no pattern to match (nor compile, at a launch)
            continue
        m = _NAME.match(path.name.removesuffix("-journal").removesuffix("-wal").removesuffix("-shm"))
        if not m:
            continue
        pid = int(m.group("pid"))
        if m.group("host") == host:
            if pid == os.getpid() or _alive(pid):
                continue
        else:
            try:
                if now - path.stat().st_mtime < OTHER_HOST_AGE:
                    continue
            except OSError:
                continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed
