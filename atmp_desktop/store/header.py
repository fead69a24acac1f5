"""Read the SQLite header without opening the database, so refused files stay byte-for-byte unchanged."""
from __future__ import annotations

import struct
from pathlib import Path

from atmp_desktop.core.records import record
from atmp_desktop.store.errors import ProjectFileError

SQLITE_MAGIC = b"SQLite format 3\x00"
APPLICATION_ID = 0x41544D50  # "ATMP"


@record(frozen=True)
class Header:
    page_size: int
    page_count: int
    user_version: int
    application_id: int
    size_valid: bool
    size_ok: bool = True  # the file is as long as its header says (False may also be a writer mid-save)
    wal: bool = False     # the file is in WAL mode (our connections switch it to a rollback journal: a write)


def read_header(path: Path) -> Header:
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except FileNotFoundError:
        raise ProjectFileError(f"'{path}' does not exist; check whether it was moved, renamed or deleted, or make "
                               "a new project.") from None
    except IsADirectoryError:
        raise ProjectFileError(f"'{path}' is a folder, not a project file; choose the .atmp file inside it.") from None
    except PermissionError:
        raise ProjectFileError(f"'{path}' cannot be read (permission denied); check the file's permissions.") from None
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise ProjectFileError(
            f"'{path.name}' is not an ATMP project file (it is not an SQLite database); "
            "open a .atmp file made by this app.")
    page_size = struct.unpack(">H", head[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, page_count = struct.unpack(">II", head[24:32])
    user_version, = struct.unpack(">I", head[60:64])
    app_id, = struct.unpack(">I", head[68:72])
    valid_for, = struct.unpack(">I", head[92:96])
    return Header(page_size, page_count, user_version, app_id, size_valid=(valid_for == change_counter),
                  wal=head[18] == 2 or head[19] == 2)


def check_header(path: Path, schema_version: int) -> Header:
    """Refuse foreign, newer and truncated files with a clear message."""
    h = read_header(path)
    if h.application_id != APPLICATION_ID:
        raise ProjectFileError(
            f"'{path.name}' is an SQLite database but not an ATMP Dossier project; "
            "open a .atmp file made by this app.")
    if h.user_version > schema_version:
        raise ProjectFileError(
            f"'{path.name}' was saved by a newer version of ATMP Dossier Desktop (file format {h.user_version}, "
            f"this version reads up to {schema_version}); update the app to open it.")
    size = path.stat().st_size
    if h.page_size < 512 or h.page_size & (h.page_size - 1):
        raise ProjectFileError(
            f"'{path.name}' is truncated or damaged (its header is not valid); "
            "restore it from a backup or ask the sender for a new copy.")
    # A size that does not match the header is not called damaged here: a reader can see a file in the middle
    # of another program's save. SQLite decides, under its lock and after quick_check (ProjectFile.open).
    ok = not (size % h.page_size or (h.size_valid and size < h.page_size * h.page_count))
    return Header(h.page_size, h.page_count, h.user_version, h.application_id, h.size_valid, ok, h.wal)
