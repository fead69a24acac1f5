"""Looks by widget role, set with fonts and palettes rather than an application style sheet.

An application-wide style sheet makes Qt re-polish every widget through QStyleSheetStyle, which made
building a step page about a quarter slower; fonts and palettes cost nothing extra. Colours are derived from
the palette in use, so a dark system palette stays readable (muted text is a mix of text and background, not a
fixed grey).
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

_ROLES = {
    # role: (point-size factor, bold, text colour: None = the palette's, "muted", "error")
    "fieldLabel": (1.0, True, None),
    "sectionLabel": (1.0, True, None),
    "stepTitle": (1.7, True, None),
    "startTitle": (2.3, True, None),
    "startSubtitle": (1.2, False, None),
    "stepIntro": (1.05, False, "muted"),
    "hint": (1.0, False, "muted"),
    "groupTitle": (1.0, True, None),
    "plain": (1.0, False, None),
    "error": (1.0, False, "error"),
}
# a banner carries its own background, so its text colour is fixed too (readable on either palette)
BANNER_CSS = ("background: #fff4d6; border: 1px solid #e0c06a; border-radius: 4px; padding: 8px; "
              "color: #4d3b00;")


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.Window).lightness() < 128


def muted(palette: QPalette | None = None) -> QColor:
    """Secondary text: two thirds of the way from the background to the text colour."""
    palette = palette or QGuiApplication.palette()
    text, back = palette.color(QPalette.WindowText), palette.color(QPalette.Window)
    mix = lambda a, b: round(a * 0.68 + b * 0.32)  # noqa: E731
    return QColor(mix(text.red(), back.red()), mix(text.green(), back.green()), mix(text.blue(), back.blue()))


def error_colour(palette: QPalette | None = None) -> QColor:
    return QColor("#ff8a80" if is_dark(palette) else "#a61b1b")


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
        shade = muted(pal) if colour == "muted" else error_colour(pal)
        pal.setColor(QPalette.WindowText, shade)
        pal.setColor(QPalette.Text, shade)
        widget.setPalette(pal)
    return widget
