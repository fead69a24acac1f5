"""The process-flow diagram, generated from the process-step table.

`flow_layout(steps)` is pure: process-step rows -> a Layout of boxes, arrows and a DS/DP boundary in points
(steps in order in one column, in-process controls with their acceptance criteria in side boxes on the right,
hold times on the left, a dashed line where the active substance becomes the finished product). Thin
renderers draw one layout: `draw_on` (ReportLab canvas operations: vectors and text in the PDF),
`ooxml.flow_diagram_run` (native Word shapes in one inline group: vectors too, nothing rendered) and the
window's live preview (ui/flow_preview.py, QPainter).
"""
from __future__ import annotations

import functools
import re
import textwrap
from dataclasses import dataclass, field

WIDTH = 460.0          # points: fits the portrait text frame (A4 minus margins, 467 pt) without scaling
STEP_W, SIDE_W, HOLD_W = 170.0, 165.0, 95.0
GAP_Y, PAD = 16.0, 5.0
FONT_SIZE, SMALL = 9.5, 9.0   # drawn at 100 %: every text of the PDF is at least 9 pt (check-pdf)
LINE = 1.2             # line height as a multiple of the font size
CHARS_STEP, CHARS_SIDE, CHARS_HOLD = 26, 29, 16
MAX_HEIGHT = 430.0     # a part fits a landscape frame too; taller processes are drawn in several parts
MAX_LINES = 4
MAX_LINES_ADDED = 8    # the materials added are listed in full in a narrow box (an ellipsis would hide one)
COLOURS = {"step": ("#e5ebf2", "#1f3a5f"), "ipc": ("#fff7e6", "#9a6700"), "hold": ("#eef7ee", "#2f6f3e"),
           "material": ("#f3eefa", "#5b3f8c"), "boundary": ("#ffffff", "#7a7a7a")}
_NONE = re.compile(r"(?i)(not applicable|none|n/?a\b|no hold|-|–)")


@dataclass(frozen=True)
class Box:
    x: float
    y: float            # top edge, from the top of the drawing
    w: float
    h: float
    lines: tuple[tuple[str, bool, float], ...]  # (text, bold, size)
    kind: str = "step"  # step | ipc | hold | material


@dataclass(frozen=True)
class Arrow:
    x1: float
    y1: float
    x2: float
    y2: float
    dashed: bool = False


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    boxes: tuple[Box, ...] = ()
    arrows: tuple[Arrow, ...] = ()
    boundary: tuple[float, str, str] | None = None   # (y, label above, label below)
    labels: tuple[tuple[float, float, str], ...] = field(default_factory=tuple)


def _wrap(text: str, chars: int, bold: bool = False, size: float = FONT_SIZE,
          max_lines: int = MAX_LINES) -> list[tuple[str, bool, float]]:
    return list(_wrapped(str(text), chars, bold, size, max_lines))


@functools.lru_cache(maxsize=8192)
def _wrapped(text: str, chars: int, bold: bool, size: float, max_lines: int) -> tuple:
    """Memoised: fitting a part lays out every growing run of its steps, wrapping each text again."""
    lines = textwrap.wrap(" ".join(text.split()), chars, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: chars - 1].rstrip() + "…"
    return tuple((ln, bold, size) for ln in lines)


def _height(lines) -> float:
    return sum(size * LINE for _, _, size in lines) + 2 * PAD


def flow_layout(steps: list[dict], before: str | None = None) -> Layout:
    """The diagram of `steps` (process-step rows) in the order of their numbers; `before` is the stage of the
    step drawn just before these (a part that starts with the finished product then shows the boundary)."""
    rows = sorted(steps, key=lambda r: (r.get("number") is None, r.get("number") or 0))
    x_hold = 2.0
    x_step = x_hold + HOLD_W + 12
    x_ipc = x_step + STEP_W + 12
    y = 4.0
    boxes: list[Box] = []
    arrows: list[Arrow] = []
    boundary = None
    prev_stage = before
    prev_bottom = None
    if before == "DS" and rows and rows[0].get("stage") == "DP":
        y += 14  # room for the boundary above the first box
    for r in rows:
        stage = r.get("stage")
        if prev_stage == "DS" and stage == "DP" and boundary is None:
            if prev_bottom is not None:
                y += 10
            boundary = (y - GAP_Y / 2 - 5 if prev_bottom is not None else y - 6, "Active substance (DS)",
                        "Finished product (DP)")
        head = f"{r.get('number')}. {r.get('name') or ''}".strip(". ") if r.get("number") is not None \
            else str(r.get("name") or "Step")
        lines = _wrap(head, CHARS_STEP, bold=True)
        if r.get("site"):
            lines += _wrap(str(r["site"]), CHARS_STEP + 6, size=SMALL)
        h = _height(lines)
        side = []
        if r.get("in_process_controls"):
            side = _wrap("IPC: " + str(r["in_process_controls"]), CHARS_SIDE, size=SMALL)
            if r.get("acceptance_criteria"):
                side += _wrap("Criteria: " + str(r["acceptance_criteria"]), CHARS_SIDE, size=SMALL)
        hold_text = str(r.get("hold_time") or "").strip()
        if _NONE.match(hold_text):
            hold_text = ""  # no hold point at this step
        hold = _wrap("Hold: " + hold_text, CHARS_HOLD, size=SMALL) if hold_text else []
        added = str(r.get("materials") or "").strip()
        mats = _wrap("Added: " + added, CHARS_HOLD, size=SMALL, max_lines=MAX_LINES_ADDED) \
            if added and not _NONE.match(added) else []
        left = (_height(mats) if mats else 0) + (4 if mats and hold else 0) + (_height(hold) if hold else 0)
        h = max(h, _height(side) if side else 0, left)
        box = Box(x_step, y, STEP_W, h, tuple(lines), "step")
        boxes.append(box)
        if prev_bottom is not None:
            arrows.append(Arrow(x_step + STEP_W / 2, prev_bottom, x_step + STEP_W / 2, y))
        if side:
            sh = _height(side)
            boxes.append(Box(x_ipc, y + (h - sh) / 2, SIDE_W, sh, tuple(side), "ipc"))
            arrows.append(Arrow(x_step + STEP_W, y + h / 2, x_ipc, y + h / 2, dashed=True))
        ly = y + (h - left) / 2   # materials added above the hold point, both left of the step
        if mats:
            mh = _height(mats)
            boxes.append(Box(x_hold, ly, HOLD_W, mh, tuple(mats), "material"))
            arrows.append(Arrow(x_hold + HOLD_W, ly + mh / 2, x_step, ly + mh / 2))  # into the step
            ly += mh + 4
        if hold:
            hh = _height(hold)
            hw = HOLD_W
            boxes.append(Box(x_hold, ly, hw, hh, tuple(hold), "hold"))
            arrows.append(Arrow(x_step, ly + hh / 2, x_hold + hw, ly + hh / 2, dashed=True))
        prev_bottom = y + h
        prev_stage = stage
        y += h + GAP_Y
    return Layout(WIDTH, max(y - GAP_Y + 4, 20.0), tuple(boxes), tuple(arrows), boundary)


# the columns of a process step the diagram draws (a layout depends on nothing else)
DRAWN = ("number", "name", "site", "stage", "materials", "in_process_controls", "acceptance_criteria", "hold_time")


def flow_parts(steps: list[dict], max_height: float = MAX_HEIGHT) -> list[Layout]:
    """The diagram in parts no taller than `max_height` (consecutive steps; the boundary where it falls).
    Memoised on what the diagram draws: the documents of one export (3.2.S.2.2, 3.2.P.3.3, the SME request,
    2.3) ask for the same steps, and fitting parts lays out every growing run of steps."""
    key = tuple(tuple(_hashable(r.get(k)) for k in DRAWN) for r in steps)
    return list(_parts(key, max_height))


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return tuple(value) if isinstance(value, list) else value


@functools.lru_cache(maxsize=64)
def _parts(key: tuple, max_height: float) -> tuple[Layout, ...]:
    steps = [{k: v for k, v in zip(DRAWN, row) if v is not None} for row in key]
    rows = sorted(steps, key=lambda r: (r.get("number") is None, r.get("number") or 0))
    parts: list[Layout] = []
    start = 0
    while start < len(rows):
        end = start + 1
        before = rows[start - 1].get("stage") if start else None
        while end < len(rows) and flow_layout(rows[start:end + 1], before).height <= max_height:
            end += 1
        parts.append(flow_layout(rows[start:end], before))
        start = end
    return tuple(parts)


def _head(a: Arrow) -> list[tuple[float, float]]:
    """The three corners of an arrow head at the end of `a` (drawing coordinates, y down)."""
    import math
    dx, dy = a.x2 - a.x1, a.y2 - a.y1
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    bx, by = a.x2 - 5 * ux, a.y2 - 5 * uy
    return [(bx - 3 * uy, by + 3 * ux), (bx + 3 * uy, by - 3 * ux), (a.x2, a.y2)]


# ----------------------------------------------------------------------------- vector (PDF)
def draw_on(canvas, layout: Layout, font: str, bold_font: str) -> None:
    """Draw the layout on a ReportLab canvas with its origin at the drawing's bottom left (y flipped to PDF
    coordinates): rounded boxes, their text as one text object, arrows with heads, the DS/DP boundary.
    Straight canvas operations (a ReportLab Drawing walked by renderPDF cost about five times as much)."""
    from reportlab.lib.colors import HexColor
    H = layout.height
    c = canvas
    c.saveState()
    c.setLineWidth(0.8)
    for b in layout.boxes:
        fill, stroke = COLOURS[b.kind]
        c.setFillColor(HexColor(fill))
        c.setStrokeColor(HexColor(stroke))
        c.roundRect(b.x, H - b.y - b.h, b.w, b.h, 3, stroke=1, fill=1)
    c.setFont(font, FONT_SIZE)  # the text object starts in the canvas font: never a non-embedded standard one
    text = c.beginText()
    text.setFillColor(HexColor("#1a1a1a"))
    for b in layout.boxes:
        ty = H - b.y - PAD
        for line, bold, size in b.lines:
            ty -= size * LINE
            text.setFont(bold_font if bold else font, size)
            text.setTextOrigin(b.x + PAD, ty + size * 0.25)
            text.textOut(line)
    if layout.boundary:
        y, above, below = layout.boundary
        text.setFillColor(HexColor("#555555"))
        text.setFont(bold_font, SMALL)
        text.setTextOrigin(2, H - y + 3)
        text.textOut(above)
        text.setTextOrigin(2, H - y - SMALL - 2)
        text.textOut(below)
    c.drawText(text)
    grey = HexColor("#4a4a4a")
    c.setStrokeColor(grey)
    c.setFillColor(grey)
    for a in layout.arrows:
        c.setDash([2, 2] if a.dashed else [])
        c.line(a.x1, H - a.y1, a.x2, H - a.y2)
        if not a.dashed:  # arrow head at the end, along the arrow
            (x1, y1), (x2, y2), (x3, y3) = _head(a)
            p = c.beginPath()
            p.moveTo(x1, H - y1)
            p.lineTo(x2, H - y2)
            p.lineTo(x3, H - y3)
            p.close()
            c.drawPath(p, stroke=0, fill=1)
    if layout.boundary:
        c.setStrokeColor(HexColor("#7a7a7a"))
        c.setDash([5, 3])
        c.line(0, H - y, layout.width, H - y)
    c.restoreState()
