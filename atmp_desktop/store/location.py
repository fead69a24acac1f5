"""Is a project file in a folder that other computers share (a sync client's folder, a network drive)?

There the lock beside the file (store/locking.py) does not keep a colleague out: a sync client copies the lock
minutes late or not at all, and network file systems' locking is unreliable, so two people can edit the same
file at once and one of them loses work, or a copy is synced in the middle of an edit. The window says so when
such a file is opened (docs/reliability.md); nothing is refused, because sharing a folder is how small teams
work. Detection is by the folder names the common sync clients use and, on Linux and Windows, by the file
system of the mount the file is on. A folder none of these recognise is not reported.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path, PurePath

# folder name (lower case; a name that starts with it, e.g. "OneDrive - Nordlicht GmbH") -> what it is
_SYNC_FOLDERS = (
    ("dropbox", "Dropbox"), ("onedrive", "OneDrive"), ("google drive", "Google Drive"),
    ("googledrive", "Google Drive"), ("my drive", "Google Drive"), ("icloud drive", "iCloud Drive"),
    ("icloudrive", "iCloud Drive"), ("com~apple~clouddocs", "iCloud Drive"), ("nextcloud", "Nextcloud"),
    ("owncloud", "ownCloud"), ("box sync", "Box"), ("pcloud", "pCloud"), ("synologydrive", "Synology Drive"),
    ("seafile", "Seafile"), ("tresorit", "Tresorit"), ("sharepoint", "SharePoint"),
)
_EXACT_FOLDERS = {"box": "Box", "cloudstorage": "a cloud storage"}  # names too short to match as prefixes
_NETWORK_FS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "davfs", "fuse.sshfs",
               "fuse.rclone", "fuse.davfs2", "fuse.gvfsd-fuse", "fuse.s3fs", "fuse.onedriver",
               "fuse.google-drive-ocamlfuse", "fuse.dropbox"}


def shared_location(path: Path) -> str | None:
    """'a OneDrive folder', 'a network drive (cifs)' … for a file in a shared place, else None."""
    try:
        path = Path(path).resolve()
    except OSError:
        return None
    return sync_folder(path) or network_drive(path)


def sync_folder(path: PurePath) -> str | None:
    for part in path.parts[:-1]:
        low = part.lower()
        if low in _EXACT_FOLDERS:
            return _article(_EXACT_FOLDERS[low]) + " folder"
        for prefix, name in _SYNC_FOLDERS:
            if low.startswith(prefix):
                return _article(name) + " folder"
    return None


def network_drive(path: Path, mounts: str | None = None) -> str | None:
    """On Linux the file system of the longest mount point above `path` (/proc/self/mounts, or `mounts` in
    that format); on Windows a UNC path or a remote drive letter."""
    if sys.platform == "win32":
        return _windows_remote(path)
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    best, fstype = "", ""
    text = str(path)
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = text == point or text.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, fstype = point, fields[2]
    if fstype in _NETWORK_FS:
        return f"a network drive ({fstype.removeprefix('fuse.')})"
    return None


def _windows_remote(path: Path) -> str | None:
    text = str(path)
    if text.startswith("\\\\"):
        return "a network folder"
    try:
        import ctypes
        drive = os.path.splitdrive(text)[0] + "\\"
        if ctypes.windll.kernel32.GetDriveTypeW(drive) == 4:  # DRIVE_REMOTE
            return "a network drive"
    except (AttributeError, OSError):
        return None
    return None


def _article(name: str) -> str:
    if name.startswith("a "):
        return name
    return ("an " if name[0].upper() in "AEIOU" and name != "OneDrive" else "a ") + name
