"""Soak the real window: thousands of mixed user actions through real widgets, then compare the file.

Every action goes through QTest key clicks and mouse clicks on the widgets a user would touch (no setters):
typing text and long text, choosing from drop-downs with the keyboard, clicking yes/no and check boxes,
typing dates (some impossible, which must not be saved), numbers and amounts, editing table cells, adding,
removing and moving rows, pasting cells, clearing cells, undo and redo with the keyboard, switching steps in
the navigator and jumping to a finding. A mirror of what the file must hold is kept alongside (including the
undo history), and `check()` compares it with the project file read afresh.

    python -m tests.soak --actions 20000      (what `make soak` runs; writes docs/benchmarks.md's soak rows)
    python -m tests.soak --project 1x.atmp --actions 3000   (on a copy of a real-size project; writes nothing)

tests/test_ui_soak.py runs 2,000 actions in `make test`.

Finding the first difference: SOAK_STRICT=1 compares the file after each warm-up action, SOAK_STRICT_FROM=N
after each action from action N on; SOAK_DEBUG=1 adds the table's rows, ids, mirror and file to a row-count
failure.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from atmp_desktop.core.values import normalise
from atmp_desktop.ui.fields import (
    ChoiceEditor, DateEditor, IntegerEditor, LongTextEditor, MultiChoiceEditor, QuantityEditor, TextEditor,
    YesNoEditor,
)
from atmp_desktop.ui.table_editor import TableEditor

WORDS = ("cells", "vector", "batch", "sterile", "assay", "release", "donor", "potency", "closed", "system",
         "validated", "Ph. Eur.", "2.6.27", "CD34+", "lot", "QP", "site", "titre", "(n = 12)", "≥", "µL")
ASCII_WORDS = [w for w in WORDS if w.isascii()]  # QTest can only type ASCII
STRICT_FROM = int(os.environ["SOAK_STRICT_FROM"]) if os.environ.get("SOAK_STRICT_FROM") else None
HISTORY = 1000  # undo steps the store keeps (store: last 1,000 steps)
SLOW_MS = 100  # an action slower than this is listed in the summary


def _ctrl(widget, key) -> None:
    QTest.keyClick(widget, key, Qt.ControlModifier)


def retype(box, text: str, finish=Qt.Key_Return) -> None:
    """Click into a one-line box, select all, type `text` over it (an empty text deletes) and finish with
    `finish` (Enter or Tab), as a person does."""
    QTest.mouseClick(box, Qt.LeftButton)
    _ctrl(box, Qt.Key_A)
    if text:
        QTest.keyClicks(box, text)
    else:
        QTest.keyClick(box, Qt.Key_Delete)
    QTest.keyClick(box, finish)


def wait_until(done, seconds: float) -> None:
    """Run the event loop until `done()` or `seconds` passed. Not QTest.qWait: PySide holds the GIL through it,
    so a check on the worker thread got the GIL only between waits (0.1 s of checks took 2.5-5 s at 1x)."""
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)
    deadline = time.monotonic() + seconds
    poll.timeout.connect(lambda: (done() or time.monotonic() > deadline) and loop.quit())
    if not done():
        poll.start()
        loop.exec()
        poll.stop()


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Soak:
    def __init__(self, window, seed: int = 1, start=None):
        """`start`: the snapshot of the project as opened (None: a new, empty project). A field's value before
        its first touch is taken from it; a table's rows from its editor when first touched."""
        self.w = window
        self.rng = random.Random(seed)
        self.start = start
        self.expected: dict[str, object] = {}      # scalar field path -> value the file must hold
        self.views: dict[str, list[dict]] = {}     # table path -> rows on screen (blank ones included)
        self.history: list[tuple[str, object, object]] = []  # (path, before, after) per undo step
        self.undone: list[tuple[str, object, object]] = []
        self.counts: Counter = Counter()
        self.skipped = 0
        self.jumps = 0  # finding jumps that landed in their field
        self.last = ""
        self.trail: list[str] = []  # the last actions, named in a failure (what led to it)
        self.slow: list[tuple[float, str]] = []  # (ms, action) of each action that took over SLOW_MS
        self.max_ms = 0.0
        self.waited = 0.0  # s of this action spent waiting as a person would (not the window's time)

    # ------------------------------------------------------------------ bookkeeping
    def _stored(self, path: str):
        return [dict(r) for r in self.views.get(path, []) if r] or None

    def _value(self, path: str):
        return self._stored(path) if self.w.forms.field(path).is_table else self.expected.get(path)

    def _changed(self, path: str, before, after) -> None:
        if before != after:
            self.history.append((path, before, after))
            del self.history[:-HISTORY]  # the store keeps this many steps; the mirror no more (memory is measured)
            self.undone.clear()

    def _scalar(self, path: str, value) -> None:
        before = self.expected.get(path) if path in self.expected or self.start is None else self.start.get(path)
        value = normalise(self.w.forms.field(path), value)
        self.expected[path] = value
        self._changed(path, before, value)

    def _table_view(self, t: TableEditor) -> list[dict]:
        path = t.field.path
        if path not in self.views:
            self.views[path] = [dict(r) for r in t.model.rows]
        return self.views[path]

    # ------------------------------------------------------------------ choosing what to touch
    def _page(self):
        return self.w.pages.get(self.w.current_step or "")

    def _editors(self, kind):
        page = self._page()
        if page is None or not page.form_area.isEnabled():
            return []
        return [e for p, e in page.editors.items() if isinstance(e, kind) and page.is_field_shown(p)]

    def _pick(self, kind):
        found = self._editors(kind)
        if not found:
            return None
        editor = self.rng.choice(found)
        self._page().ensureWidgetVisible(editor, 10, 10)
        return editor

    def _words(self, n: int) -> str:
        return " ".join(self.rng.choice(ASCII_WORDS) for _ in range(n))

    # ------------------------------------------------------------------ actions
    def text(self) -> bool:
        ed = self._pick(TextEditor)
        if ed is None:
            return False
        text = self._words(self.rng.randint(1, 4))
        retype(ed.edit, text)
        self._scalar(ed.field.path, text)
        return True

    def long_text(self) -> bool:
        ed = self._pick(LongTextEditor)
        if ed is None:
            return False
        text = self._words(self.rng.choice((3, 10, 40)))
        box = ed.edit
        QTest.mouseClick(box.viewport(), Qt.LeftButton)
        assert box.hasFocus(), f"a click did not put the cursor in the box ({QApplication.activeWindow()})"
        _ctrl(box, Qt.Key_A)
        QTest.keyClicks(box, text)
        QTest.keyClick(box, Qt.Key_Tab)  # leaving the box saves it
        assert not box.hasFocus(), "Tab did not leave the box"
        self._scalar(ed.field.path, text)
        return True

    def choice(self) -> bool:
        ed = self._pick(ChoiceEditor)
        if ed is None:
            return False
        QTest.mouseClick(ed.combo, Qt.LeftButton)  # opens the list; pick with the keyboard, Enter takes it
        popup = ed.combo.view()
        QTest.keyClick(popup, self.rng.choice((Qt.Key_Down, Qt.Key_Up)))
        QTest.keyClick(popup, Qt.Key_Return)
        assert not popup.isVisible(), "the drop-down list stayed open"
        self._scalar(ed.field.path, ed.combo.currentData())
        return True

    def yes_no(self) -> bool:
        ed = self._pick(YesNoEditor)
        if ed is None:
            return False
        value = self.rng.choice((True, False, None))
        QTest.mouseClick(ed.buttons[value], Qt.LeftButton)
        self._scalar(ed.field.path, value)
        return True

    def multi_choice(self) -> bool:
        ed = self._pick(MultiChoiceEditor)
        if ed is None:
            return False
        box = self.rng.choice(list(ed.boxes.values()))
        QTest.mouseClick(box, Qt.LeftButton)
        self._scalar(ed.field.path, [v for v, b in ed.boxes.items() if b.isChecked()])
        return True

    def date(self) -> bool:
        ed = self._pick(DateEditor)
        if ed is None:
            return False
        if self.rng.random() < 0.15:  # an impossible date: shown invalid, never saved
            retype(ed.edit, f"{self.rng.choice((30, 31))}/02/20{self.rng.randint(24, 30)}")
            assert ed.problem_text, "an impossible date was accepted"
            return True
        y, m, d = self.rng.randint(2020, 2032), self.rng.randint(1, 12), self.rng.randint(1, 28)
        retype(ed.edit, f"{y:04d}-{m:02d}-{d:02d}")
        self._scalar(ed.field.path, f"{y:04d}-{m:02d}-{d:02d}")
        return True

    def number(self) -> bool:
        ed = self._pick(IntegerEditor) if self.rng.random() < 0.5 else None
        if ed is not None:
            low = ed.field.min if ed.field.min is not None else 0
            high = ed.field.max if ed.field.max is not None else 5000
            value = self.rng.randint(low, high)
            retype(ed.edit, str(value))
            self._scalar(ed.field.path, value)
            return True
        ed = self._pick(QuantityEditor)
        if ed is None:
            return False
        value = self.rng.choice((self.rng.randint(1, 500), round(self.rng.uniform(0.5, 99.5), 1)))
        retype(ed.edit, str(value))
        self._scalar(ed.field.path, {"value": value, "unit": ed.unit.currentText()})
        return True

    # -- tables
    def _table(self):
        return self._pick(TableEditor)

    def _click_cell(self, t: TableEditor, r: int, c: int) -> None:
        idx = t.model.index(r, c)
        t.view.scrollTo(idx)
        QTest.mouseClick(t.view.viewport(), Qt.LeftButton, Qt.NoModifier, t.view.visualRect(idx).center())

    def _text_columns(self, t: TableEditor) -> list[int]:
        return [i for i, c in enumerate(t.field.columns) if c.type in ("text", "long_text")]

    def _record_table(self, path: str, before) -> None:
        self._changed(path, before, self._stored(path))

    def cell(self) -> bool:
        t = self._table()
        if t is None or not t.model.rowCount() or not self._text_columns(t):
            return self.add_row()
        view = self._table_view(t)
        r, c = self.rng.randrange(len(view)), self.rng.choice(self._text_columns(t))
        col = t.field.columns[c]
        before = self._stored(t.field.path)
        self._click_cell(t, r, c)
        text = self._words(self.rng.randint(1, 3))
        QTest.keyClicks(t.view, text[0])  # typing starts the cell editor
        box = t.view.indexWidget(t.model.index(r, c))
        assert box is not None, (f"typing into a cell opened no editor: {t.field.path} r={r} c={c} rows="
                                 f"{t.model.rowCount()} current={t.view.currentIndex().row()},"
                                 f"{t.view.currentIndex().column()} state={t.view.state()} focus="
                                 f"{QApplication.focusWidget()} rect={t.view.visualRect(t.model.index(r, c))} "
                                 f"vp={t.view.viewport().rect()} enabled={t.view.isEnabled()} "
                                 f"visible={t.view.isVisible()}")
        QTest.keyClicks(box, text[1:])
        QTest.keyClick(box, Qt.Key_Return)
        view[r] = dict(view[r], **{col.id: text})
        self._record_table(t.field.path, before)
        return True

    def add_row(self) -> bool:
        t = self._table()
        if t is None:
            return False
        self._table_view(t).append({})  # a blank row lives on screen only
        QTest.mouseClick(t.add_button, Qt.LeftButton)
        return True

    def remove_row(self) -> bool:
        t = self._table()
        if t is None or not t.model.rowCount():
            return False
        view = self._table_view(t)
        r = self.rng.randrange(len(view))
        before = self._stored(t.field.path)
        self._click_cell(t, r, 0)
        QTest.mouseClick(t.remove_button, Qt.LeftButton)
        del view[r]
        self._record_table(t.field.path, before)
        return True

    def move_row(self) -> bool:
        t = self._table()
        if t is None or t.model.rowCount() < 2:
            return False
        view = self._table_view(t)
        r = self.rng.randrange(len(view))
        up = self.rng.random() < 0.5
        target = r - 1 if up else r + 1
        before = self._stored(t.field.path)
        self._click_cell(t, r, 0)
        QTest.mouseClick(t.up_button if up else t.down_button, Qt.LeftButton)
        if 0 <= target < len(view):
            view[r], view[target] = view[target], view[r]
        self._record_table(t.field.path, before)
        return True

    def paste(self) -> bool:
        t = self._table()
        if t is None or not self._text_columns(t):
            return False
        view = self._table_view(t)
        c = self.rng.choice(self._text_columns(t))
        col = t.field.columns[c]
        lines = [self._words(self.rng.randint(1, 2)) for _ in range(self.rng.randint(1, 3))]
        QGuiApplication.clipboard().setText("\n".join(lines))
        before = self._stored(t.field.path)
        r = self.rng.randrange(len(view)) if view else 0
        if view:
            self._click_cell(t, r, c)
        else:  # an empty table pastes from the first cell
            QTest.mouseClick(t.view.viewport(), Qt.LeftButton)
            c, col = 0, t.field.columns[0]
            if col.type not in ("text", "long_text"):
                return False
        _ctrl(t.view, Qt.Key_V)
        for i, line in enumerate(lines):
            while r + i >= len(view):
                view.append({})
            view[r + i] = dict(view[r + i], **{col.id: line})
        self._record_table(t.field.path, before)
        return True

    def clear_cell(self) -> bool:
        t = self._table()
        if t is None or not t.model.rowCount():
            return False
        view = self._table_view(t)
        r, c = self.rng.randrange(len(view)), self.rng.randrange(len(t.field.columns))
        before = self._stored(t.field.path)
        self._click_cell(t, r, c)
        QTest.keyClick(t.view, Qt.Key_Delete)
        view[r] = {k: v for k, v in view[r].items() if k != t.field.columns[c].id}
        self._record_table(t.field.path, before)
        return True

    # -- history and navigation
    def _focus_navigator(self) -> None:
        nav = self.w.navigator
        item = nav.currentItem()
        QTest.mouseClick(nav.viewport(), Qt.LeftButton, Qt.NoModifier, nav.visualItemRect(item).center())

    def _restore(self, path: str, value) -> None:
        if self.w.forms.field(path).is_table:
            self.views[path] = [dict(r) for r in (value or [])]  # the editor reloads the stored rows
        else:
            self.expected[path] = value

    def undo(self) -> bool:
        self._focus_navigator()
        QTest.keyClick(self.w.navigator, Qt.Key_Z, Qt.ControlModifier)
        if self.history:
            path, before, after = self.history.pop()
            self._restore(path, before)
            self.undone.append((path, before, after))
        return True

    def redo(self) -> bool:
        self._focus_navigator()
        QTest.keyClick(self.w.navigator, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
        if self.undone:
            path, before, after = self.undone.pop()
            self._restore(path, after)
            self.history.append((path, before, after))
        return True

    def step(self) -> bool:
        nav = self.w.navigator
        item = nav.item(self.rng.randrange(nav.count()))
        nav.scrollToItem(item)
        QTest.mouseClick(nav.viewport(), Qt.LeftButton, Qt.NoModifier, nav.visualItemRect(item).center())
        return True

    def finding(self) -> bool:
        # reaching for the findings list takes a person longer than the checks' pause after the last edit
        # (DEBOUNCE_MS): let the check that the last edits asked for report first, as it would for them
        began = time.perf_counter()
        wait_until(lambda: not self.w.validation.pending(), 5)
        self.waited = time.perf_counter() - began  # the person's pause, not the window's: not in the action's time
        tree = self.w.findings_dock.tree
        shown = [i for i in range(tree.topLevelItemCount()) if not tree.topLevelItem(i).isHidden()]
        if not shown or not self.w.findings_dock.isVisible():
            return False
        item = tree.topLevelItem(self.rng.choice(shown))
        finding = item.data(0, Qt.UserRole)
        tree.scrollToItem(item)
        QTest.mouseClick(tree.viewport(), Qt.LeftButton, Qt.NoModifier, tree.visualItemRect(item).center())
        QTest.keyClick(tree, Qt.Key_Return)
        # the jump lands in the field the finding names (or its table), unless an earlier answer hides it
        field = (getattr(finding, "link", "") or finding.location).split("[")[0]
        page = self._page()
        editor = page.editors.get(field) if page is not None else None
        if editor is not None and page.is_field_shown(field):
            focus = QApplication.focusWidget()
            assert focus is editor or editor.isAncestorOf(focus), \
                f"finding on {field}: the jump left the focus on {focus!r} in step {self.w.current_step}"
            self.jumps += 1
        return True

    ACTIONS = (("text", 14), ("long_text", 8), ("choice", 6), ("yes_no", 8), ("multi_choice", 2), ("date", 6),
               ("number", 6), ("cell", 12), ("add_row", 3), ("remove_row", 2), ("move_row", 3), ("paste", 3),
               ("clear_cell", 2), ("undo", 6), ("redo", 4), ("step", 10), ("finding", 2))

    def run(self, n: int, on_progress=None, strict: bool = False) -> None:
        """`strict`: compare with the window's snapshot after every action and stop at the first difference."""
        names = [a for a, _w in self.ACTIONS]
        weights = [w for _a, w in self.ACTIONS]
        for i in range(n):
            name = self.rng.choices(names, weights)[0]
            if QApplication.activeWindow() is not self.w:
                # the offscreen platform leaves a closed drop-down list "active"; a window manager would give
                # activation back to the main window, as this does
                self.w.activateWindow()
                with warnings.catch_warnings():  # deprecated, but the only way offscreen
                    warnings.simplefilter("ignore", DeprecationWarning)
                    QApplication.setActiveWindow(self.w)
                assert QApplication.activeWindow() is self.w, (f"after {self.last}: active "
                                                              f"{QApplication.activeWindow()}, popup "
                                                              f"{QApplication.activePopupWidget()}, modal "
                                                              f"{QApplication.activeModalWidget()}")
            self.last = name
            self.trail = self.trail[-24:] + [f"{i}:{name}@{self.w.current_step}"]
            began, self.waited = time.perf_counter(), 0.0
            try:
                done = getattr(self, name)()
            except AssertionError as exc:
                raise AssertionError(f"{exc}\n  after: {', '.join(self.trail)}") from None
            self._timed(self.trail[-1], (time.perf_counter() - began - self.waited) * 1000)
            self._check_rows(name)
            if done:
                self.counts[name] += 1
            else:
                self.skipped += 1
            if strict or (STRICT_FROM is not None and i >= STRICT_FROM):
                QTest.qWait(1)
                problems = self.check(self.w.project.snapshot())
                assert not problems, f"after action {i} ({name}): {problems[:3]}"
            # a person's next key or click always arrives through the event loop: posted events (a cell
            # editor's queued commit on losing focus) run first, and timers (findings, prebuild) now and then
            QTest.qWait(1 if i % 8 == 0 else 0)
            if on_progress and i % 1000 == 999:
                on_progress(i + 1)
        QTest.qWait(5)

    def _timed(self, action: str, ms: float) -> None:
        self.max_ms = max(self.max_ms, ms)
        if ms > SLOW_MS:
            self.slow.append((ms, action))

    def _check_rows(self, name: str) -> None:
        """Each table on the page shows as many rows as the mirror holds (blank rows included)."""
        page = self._page()
        for path, ed in (page.editors.items() if page is not None else ()):
            if isinstance(ed, TableEditor) and path in self.views and ed.model.rowCount() != len(self.views[path]):
                raise AssertionError(f"after {name}: {path} shows {ed.model.rowCount()} rows, expected "
                                     f"{len(self.views[path])}\n  after: {', '.join(self.trail)}"
                                     + (f"\n  model rows: {ed.model.rows}\n  model ids: {ed.model.ids}\n  mirror: "
                                        f"{self.views[path]}\n  file: {self.w.project.snapshot().get(path)}\n"
                                        f"  mirror history top: {self.history[-3:]}" if os.environ.get('SOAK_DEBUG') else ''))

    # ------------------------------------------------------------------ verdict
    def check(self, snap) -> list[str]:
        """Differences between the mirror and the file (empty when the file holds the last value of each)."""
        out = []
        for path in sorted(set(self.expected) | set(self.views)):
            want, got = self._value(path), snap.get(path)
            if want != got:
                out.append(f"{path}: expected {want!r}, file has {got!r}")
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--project", type=Path, help="soak a copy of this project file (default: a new, empty one)")
    parser.add_argument("--write", help="write the figures here ('' to skip; default docs/benchmarks.md, whose "
                                        "figures are the empty project's: nothing with --project)")
    args = parser.parse_args()
    if args.write is None:
        args.write = "" if args.project else "docs/benchmarks.md"
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from atmp_desktop.core.forms import default_forms
    from atmp_desktop.store import ProjectFile
    from atmp_desktop.ui.app import make_app
    from atmp_desktop.ui.main_window import MainWindow
    from atmp_desktop.ui.settings import Settings
    make_app()
    errors: list[str] = []
    previous_hook = sys.excepthook

    def hook(kind, value, tb):  # an exception in a slot is printed and swallowed by Qt: count it as a failure
        errors.append(f"{kind.__name__}: {value}")
        previous_hook(kind, value, tb)
    sys.excepthook = hook
    forms = default_forms()
    tmp = Path(tempfile.mkdtemp(prefix="atmp-soak-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
    path = tmp / "soak.atmp"
    start = None
    if args.project:
        shutil.copyfile(args.project, path)
        with ProjectFile.open(path, forms) as p:
            p.clear_history()  # the mirror knows no earlier steps: an undo past the soak's first must do nothing
            start = p.snapshot()
    else:
        ProjectFile.create(path, forms).close()
    window = MainWindow(forms, Settings(QSettings(str(tmp / "s.ini"), QSettings.IniFormat)))
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    window.open_path(path)
    soak = Soak(window, args.seed, start)
    warm = min(1000, args.actions // 10)
    soak.run(warm, strict=bool(os.environ.get("SOAK_STRICT")))
    none_before, rss_before, start = sys.getrefcount(None), rss_kib(), time.perf_counter()
    soak.run(args.actions - warm, on_progress=lambda k: print(f"  {k + warm} actions", flush=True))
    seconds = time.perf_counter() - start
    rss_after, none_after = rss_kib(), sys.getrefcount(None)
    window.close()  # Quit: what is still being typed is written first
    with ProjectFile.open(path, forms, read_only=True) as p:
        problems = soak.check(p.snapshot())
    rate = (args.actions - warm) / seconds
    growth = (rss_after - rss_before) / rss_before * 100
    print(f"{args.actions} actions ({dict(soak.counts)}; {soak.skipped} skipped), {rate:.1f} actions/s, "
          f"RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MB ({growth:+.1f} %), "
          f"None refs {none_before} -> {none_after}; file differences: {len(problems)}; exceptions: {len(errors)}; "
          f"slowest action {soak.max_ms:.0f} ms, {len(soak.slow)} over {SLOW_MS} ms")
    for ms, action in sorted(soak.slow, reverse=True)[:10]:
        print(f"   {ms:6.0f} ms  {action}")
    problems += [f"exception: {e}" for e in errors]
    for p in problems[:20]:
        print("  ", p)
    if args.write:
        _write_figures(Path(args.write), args.actions, warm, rate, rss_before, rss_after, growth, none_before,
                       none_after, problems, soak)
    return 1 if problems or growth >= 10 else 0


def _write_figures(target: Path, actions, warm, rate, rss_before, rss_after, growth, none_before, none_after,
                   problems, soak) -> None:
    """Replace the soak section of docs/benchmarks.md (kept between `make bench` runs)."""
    import datetime as _dt
    import platform
    begin, end = "<!-- soak:begin -->", "<!-- soak:end -->"
    body = "\n".join([
        begin,
        "## Soak (`make soak`)",
        "",
        f"{actions:,} mixed user actions through real widgets (tests/soak.py: key clicks and mouse on text, long "
        "text, choices, yes/no, check boxes, dates incl. impossible ones, numbers, amounts, table cells, rows "
        "added/removed/moved, paste, clear, undo, redo, step switches, finding jumps) on "
        f"{_dt.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; measured after {warm:,} warm-up actions.",
        "",
        "| figure | result | target |",
        "|---|---|---|",
        f"| actions per second | {rate:.1f} | – |",
        f"| RSS growth | {rss_before / 1024:.0f} → {rss_after / 1024:.0f} MB ({growth:+.1f} %) | < 10 % |",
        f"| references to None | {none_before:,} → {none_after:,} | no drop |",
        f"| file holds the last value of every field touched | {'yes' if not problems else f'NO ({len(problems)} differ)'} "
        f"({len(soak.expected) + len(soak.views)} fields and tables) | yes |",
        f"| actions by kind | {', '.join(f'{k} {v}' for k, v in sorted(soak.counts.items()))} | – |",
        f"| finding jumps that focused the field they name | {soak.jumps:,} | every jump |",
        "",
        "References to `None` rise because the soak's own mirror keeps the last 1,000 undo steps as copies of "
        "whole tables (cells left empty are `None`): tracemalloc after 4,000 actions puts the largest retained "
        "blocks in tests/soak.py's mirror, none in the window or the store. A drop would be the PySide6 6.12 "
        "defect that the start-up self-check refuses.",
        end,
    ])
    text = target.read_text(encoding="utf-8") if target.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[:text.index(begin)] + body + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    sys.exit(main())
