"""Looks by widget role, set with fonts and palettes rather than an application style sheet.

An application-wide style sheet makes Qt re-polish every widget through QStyleSheetStyle, which made
building a step page about a quarter slower; fonts and palettes cost nothing extra.
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QWidget

_ROLES = {
    # role: (point-size factor, bold, text colour)
    "fieldLabel": (1.0, True, None),
    "sectionLabel": (1.0, True, None),
    "stepTitle": (1.7, True, None),
    "startTitle": (2.3, True, None),
    "startSubtitle": (1.2, False, None),
    "stepIntro": (1.05, False, "#404040"),
    "hint": (1.0, False, "#5a5a5a"),
    "groupTitle": (1.0, True, None),
    "plain": (1.0, False, None),
    "error": (1.0, False, "#a61b1b"),
}
BANNER_CSS = ("background: #fff4d6; border: 1px solid #e0c06a; border-radius: 4px; padding: 8px; "
              "color: #4d3b00;")


def role(widget: QWidget, name: str) -> QWidget:
    widget.setObjectName(name)
    factor, bold, colour = _ROLES[name]
    font = QFont(widget.font())
    if factor != 1.0:
        font.setPointSizeF(font.pointSizeF() * factor)
    font.setBold(bold)
    widget.setFont(font)
    if colour:
        pal = widget.palette()
        pal.setColor(QPalette.WindowText, QColor(colour))
        pal.setColor(QPalette.Text, QColor(colour))
        widget.setPalette(pal)
    return widget
