"""A lock file beside an open project (`NAME.atmp.lock`) so a second instance can offer read-only."""
from __future__ import annotations

import datetime as _dt
import getpass
import json
import os
import socket
from pathlib import Path

from atmp_desktop.store.errors import ProjectLockedError


def lock_path(project: Path) -> Path:
    return project.with_name(project.name + ".lock")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def read_holder(project: Path) -> dict | None:
    try:
        return json.loads(lock_path(project).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def acquire(project: Path) -> Path:
    path = lock_path(project)
    holder = read_holder(project) if path.exists() else None
    if holder is not None:
        same_host = holder.get("host") == socket.gethostname()
        if not same_host or (holder.get("pid") != os.getpid() and _alive(int(holder.get("pid", 0)))):
            raise ProjectLockedError(
                f"'{project.name}' is already open by {holder.get('user', 'someone')} on {holder.get('host', '?')} "
                f"since {holder.get('since', '?')}; open it read-only or close the other window first.", holder)
    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    info = {"host": socket.gethostname(), "pid": os.getpid(), "user": user,
            "since": _dt.datetime.now().replace(microsecond=0).isoformat()}
    try:
        path.write_text(json.dumps(info), encoding="utf-8")
    except OSError:
        pass  # a read-only folder: work without a lock rather than refuse to open
    return path


def release(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
