"""The About box: versions of everything we ship and the licences that come with them."""
from __future__ import annotations

import platform
import sqlite3
from html import escape
from importlib import metadata

from atmp_desktop import APP_NAME, __version__


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> list[tuple[str, str]]:
    import PySide6
    from PySide6 import QtCore
    return [
        (APP_NAME, __version__),
        ("Python", platform.python_version()),
        ("Qt", QtCore.qVersion()),
        ("PySide6", PySide6.__version__),
        ("SQLite", sqlite3.sqlite_version),
        ("sqlite-utils", _version("sqlite-utils")),
        ("python-docx", _version("python-docx")),
        ("reportlab", _version("reportlab")),
        ("PyYAML", _version("PyYAML")),
    ]


LICENCES = """
<p><b>Qt and PySide6</b> are used under the GNU Lesser General Public License version 3 (LGPLv3).
The Qt and PySide6 libraries are shipped as separate, unmodified shared libraries (the application is
distributed as a folder, not a single executable), so you may replace them with your own build of a
compatible version: replace the files in the <code>PySide6</code> folder of the installation, or install
another PySide6 into the Python environment that runs the application. The source code of Qt is available
from <a href="https://download.qt.io/">download.qt.io</a> and of PySide6 from
<a href="https://code.qt.io/cgit/pyside/pyside-setup.git/">code.qt.io/pyside/pyside-setup</a>; on request
we provide the exact versions we ship. The LGPLv3 text: <a href="https://www.gnu.org/licenses/lgpl-3.0.html">
gnu.org/licenses/lgpl-3.0</a>.</p>
<p><b>DejaVu fonts</b> (embedded in exported PDFs) are under the Bitstream Vera / DejaVu licence, a
permissive font licence that allows embedding and redistribution; the licence text ships in
<code>resources/fonts</code>.</p>
<p><b>sqlite-utils</b> (Apache 2.0), <b>python-docx</b> (MIT), <b>ReportLab</b> (BSD), <b>PyYAML</b> (MIT) and
<b>SQLite</b> (public domain).</p>
"""


def about_html() -> str:
    rows = "".join(f"<tr><td>{escape(n)}</td><td>&nbsp;&nbsp;{escape(v)}</td></tr>" for n, v in versions())
    return (f"<h2>{escape(APP_NAME)} {escape(__version__)}</h2>"
            "<p>Offline authoring of EU ATMP dossier sections (CTD 1.6, 2.3, 3.2), GMO application forms "
            "and CAT requests. Your project stays in one file on your computer; nothing is sent anywhere.</p>"
            f"<table>{rows}</table><h3>Licences</h3>{LICENCES}")
