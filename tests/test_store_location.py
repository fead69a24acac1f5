"""A project in a folder other computers share (sync clients, network drives) is recognised, so the window can
say that the lock does not keep colleagues out there."""
from pathlib import Path, PurePosixPath

import pytest
from PySide6.QtCore import Qt

from atmp_desktop.store import ProjectFile
from atmp_desktop.store.location import network_drive, sync_folder


@pytest.mark.parametrize("path, expected", [
    ("/home/ana/OneDrive - Nordlicht GmbH/Dossiers/lumacel.atmp", "a OneDrive folder"),
    ("/home/ana/Dropbox (Nordlicht)/lumacel.atmp", "a Dropbox folder"),
    ("/Users/ana/Library/Mobile Documents/com~apple~CloudDocs/lumacel.atmp", "an iCloud Drive folder"),
    ("/Users/ana/Library/CloudStorage/GoogleDrive-ana@nordlicht.eu/My Drive/lumacel.atmp", "a cloud storage folder"),
    ("/home/ana/Nextcloud/CMC/lumacel.atmp", "a Nextcloud folder"),
    ("/home/ana/Box/lumacel.atmp", "a Box folder"),
    ("/home/ana/Boxes/lumacel.atmp", None),                 # a name that only starts like "Box"
    ("/home/ana/dossiers/onedrive-notes.atmp", None),       # the file's own name does not count
    ("/home/ana/dossiers/lumacel.atmp", None),
])
def test_sync_folders_by_name(path, expected):
    assert sync_folder(PurePosixPath(path)) == expected


MOUNTS = """/dev/sda1 / ext4 rw,relatime 0 0
//files.nordlicht.local/cmc /mnt/cmc\\040team cifs rw,vers=3.0 0 0
files:/export/home /home/shared nfs4 rw 0 0
ana@host:/srv /home/ana/remote fuse.sshfs rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


@pytest.mark.parametrize("path, expected", [
    ("/mnt/cmc team/lumacel.atmp", "a network drive (cifs)"),
    ("/home/shared/x/lumacel.atmp", "a network drive (nfs4)"),
    ("/home/ana/remote/lumacel.atmp", "a network drive (sshfs)"),
    ("/home/sharedx/lumacel.atmp", None),   # beside the mount point, not under it
    ("/tmp/lumacel.atmp", None),
    ("/home/ana/lumacel.atmp", None),
])
def test_network_drives_by_the_mount_they_are_on(path, expected):
    assert network_drive(Path(path), MOUNTS) == expected


def test_a_project_in_a_sync_folder_opens_editable_with_a_notice_the_writer_can_hide(window, tmp_path, forms,
                                                                                     qtbot):
    folder = tmp_path / "OneDrive - Nordlicht GmbH"
    folder.mkdir()
    path = folder / "lumacel.atmp"
    ProjectFile.create(path, forms).close()
    assert window.open_path(path)
    assert not window.project.read_only
    assert window.file_banner.isVisible() and "OneDrive folder" in window.file_banner_text.text()
    assert "Send a Copy" in window.file_banner_text.text()
    qtbot.mouseClick(window.file_banner_hide, Qt.LeftButton)
    assert not window.file_banner.isVisible()
    window.close_project()
    assert window.open_path(path)
    assert not window.file_banner.isVisible()  # not again for this file
    window.close_project()
    other = folder / "other.atmp"
    ProjectFile.create(other, forms).close()
    assert window.open_path(other)
    assert window.file_banner.isVisible()      # but for another one
    window.close_project()
    plain = tmp_path / "plain.atmp"
    ProjectFile.create(plain, forms).close()
    assert window.open_path(plain)
    assert not window.file_banner.isVisible()
