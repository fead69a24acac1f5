"""The Sections dock: every CTD section the dossier writes, with its fields, findings and the writer's status.

For each CTD section the document definitions write (1.6, 2.3, 3.2.S/P/A/R and their subsections): whether it
applies to this product (greyed, with the justification as tooltip, when not), how many visible fields are
printed in it (core.definitions placement map) and how many are filled, how
many findings concern it, and the writer's status (Not started / Draft / In review / Ready) with a note.
A parent row sums its subsections. Changing a status or note is one write through
`ProjectFile.set_section_status` (one transaction, audited). Double-click or Enter jumps to the first field
feeding the section; double-click on the Note column edits the note.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import field
from dataclasses import replace as dc_replace
from functools import lru_cache
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6 import QtGui
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDockWidget, QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from atmp_desktop.core.forms import FormSet
from atmp_desktop.core.records import record
from atmp_desktop.ui.findings import shown_kind
from atmp_desktop.core.interchange import SECTION_STATUSES
from atmp_desktop.core.project import ProjectSnapshot, field_visible
from atmp_desktop.core.pursuits import project_pursuits
from atmp_desktop.ui.errors import qt_safe

STATUS_LABEL = {"not_started": "Not started", "draft": "Draft", "in_review": "In review", "ready": "Ready"}
COL_SECTION, COL_FIELDS, COL_FINDINGS, COL_STATUS, COL_NOTE, COL_REVIEW = range(6)
REVIEW_LABEL = {"draft": "Draft", "in_review": "In review", "approved": "✔ Approved"}
CODE_ROLE = Qt.UserRole
TITLE_ROLE = Qt.UserRole + 1
GREY = QColor("#9a9a9a")       # mid grey: readable on light and dark palettes
ERROR_RED = QColor("#e53935")


# ================================================================== Qt-free counting
# The document definitions and the CTD heading table are read when the dock first needs them: the dock is
# made before a launch's first paint, its tree only when its tab is chosen (the definitions load after the
# first paint: ui/app.py).
def _defs():
    from atmp_desktop.core import definitions
    return definitions


def _sections():
    from atmp_desktop.core import sections
    return sections


@record
class SectionFacts:
    """What the dock shows for one section (its subsections included)."""
    applies: bool = True
    reason: str = ""
    fields: list[str] = field(default_factory=list)      # visible fields feeding it, in form order
    filled: int = 0
    required_empty: list[str] = field(default_factory=list)
    findings: Counter = field(default_factory=Counter)   # severity -> count
    filled_paths: frozenset = frozenset()                # the filled ones of `fields`


_SHOWN: list | None = None


def shown_headings():
    """The CTD headings of the CTD document definitions, in table order (static: computed once)."""
    global _SHOWN
    if _SHOWN is None:
        roots = _defs().default_definitions().ctd_roots()
        headings = _sections().all_headings()
        _SHOWN = [h for h in headings if any(h.code == r or h.code.startswith(r + ".") for r in roots)]
    return list(_SHOWN)


# sections whose displayed title quotes the product's name, form and maker (core.sections.display_title)
@lru_cache(maxsize=1)
def _dynamic_titles() -> frozenset[str]:
    """Headings whose title shows the product's name (read when first needed: the definitions load lazily)."""
    return frozenset(h.code for h in shown_headings() if "(name" in h.title)


def _codes_of_finding(forms: FormSet, location: str, known: set[str]) -> set[str]:
    if not location:
        return set()
    if location in known:
        return {location}
    path = re.sub(r"\[\d+\].*$", "", location)
    if forms.has_field(path):
        return {c for c in _defs().placement_map().feeds(path) if c in known}
    return set()


def _subtree(code: str, known: list[str]) -> list[str]:
    return [c for c in known if c == code or c.startswith(code + ".")]


_SUBTREE_FIELDS: dict[int, tuple[FormSet, dict[str, list]]] = {}


def _subtree_fields(forms: FormSet) -> dict[str, list]:
    """CTD code -> every field feeding it or a subsection (each once, in CTD then form order). Static, so
    it is built once per form set; a refresh then only filters by visibility."""
    cached = _SUBTREE_FIELDS.get(id(forms))
    if cached is not None and cached[0] is forms:
        return cached[1]
    codes = [h.code for h in shown_headings()]
    direct: dict[str, list] = {c: [] for c in codes}
    pmap = _defs().placement_map()
    for f in forms.all_fields():
        for c in pmap.feeds(f.path):
            if c in direct:
                direct[c].append(f)
    out: dict[str, list] = {}
    for code in codes:
        seen: dict[str, object] = {}
        for c in _subtree(code, codes):
            for f in direct[c]:
                seen.setdefault(f.path, f)
        out[code] = list(seen.values())
    _SUBTREE_FIELDS[id(forms)] = (forms, out)
    return out


_READERS: dict[str, set[str]] | None = None


def _applicability_readers() -> dict[str, set[str]]:
    """Field path -> CTD codes whose applicability (own or inherited condition) reads it; built once."""
    global _READERS
    if _READERS is None:
        from atmp_desktop.core.forms import parse_path
        defs = _defs().default_definitions()
        out: dict[str, set[str]] = {}
        for h in shown_headings():
            found = defs.ctd_heading(h.code)
            if found is None:
                continue
            definition, heading = found
            for part in list(definition.ancestors(heading.key)) + [heading]:
                if part.applies_when is not None:
                    for p in part.applies_when.fields():
                        out.setdefault(parse_path(p).field_path, set()).add(h.code)
        _READERS = out
    return _READERS


def with_ancestors(codes) -> set[str]:
    out = set()
    for code in codes:
        while code and code not in out:
            out.add(code)
            code = code.rsplit(".", 1)[0] if "." in code else ""
    return out


def section_facts(forms: FormSet, snap: ProjectSnapshot, findings, codes=None) -> dict[str, SectionFacts]:
    """CTD code -> facts, counting only visible fields; a finding on a field counts for every section it feeds.
    `codes`: compute only these sections (None: all)."""
    all_codes = [h.code for h in shown_headings()]
    known = set(all_codes)
    wanted = all_codes if codes is None else [c for c in all_codes if c in codes]
    subtree_fields = _subtree_fields(forms)
    visible: dict[str, bool] = {}
    filled: dict[str, bool] = {}
    finding_codes = [(fi, _codes_of_finding(forms, fi.location, known)) for fi in findings]
    pursuits = project_pursuits(snap.get)
    out: dict[str, SectionFacts] = {}
    for code in wanted:
        shown = []
        for f in subtree_fields[code]:
            if f.path not in visible:
                visible[f.path] = field_visible(forms, f.path, snap)
            if visible[f.path]:
                shown.append(f)
        app = _sections().section_applicability(code, snap)
        facts = SectionFacts(app.applies, app.reason, [f.path for f in shown])
        done = []
        for f in shown:
            if f.path not in filled:
                filled[f.path] = snap.is_set(f.path)
            if filled[f.path]:
                done.append(f.path)
            elif f.required_in(pursuits):
                facts.required_empty.append(f.path)
        facts.filled, facts.filled_paths = len(done), frozenset(done)
        if finding_codes:
            sub = set(_subtree(code, all_codes))
            for fi, fcodes in finding_codes:
                if fcodes & sub:
                    facts.findings[shown_kind(fi)] += 1
        out[code] = facts
    return out


def updated_facts(forms: FormSet, snap: ProjectSnapshot, previous: dict[str, SectionFacts], codes,
                  paths) -> dict[str, SectionFacts]:
    """The facts of `codes` after an edit of `paths` (the changed fields and those whose visibility may have
    changed), from the previous facts: only those fields are looked at again, and the finding counts are kept
    (they change with the debounced checks, which recompute everything). Equal to section_facts() then."""
    subtree_fields = _subtree_fields(forms)
    paths = set(paths)
    pursuits = project_pursuits(snap.get)
    state: dict[str, tuple[bool, bool]] = {}  # path -> (visible, filled)
    out: dict[str, SectionFacts] = {}
    for code in codes:
        old = previous[code]
        order = subtree_fields[code]
        touched = {f.path for f in order if f.path in paths}
        app = _sections().section_applicability(code, snap)
        if not touched:
            out[code] = dc_replace(old, applies=app.applies, reason=app.reason)
            continue
        for p in touched:
            if p not in state:
                state[p] = (field_visible(forms, p, snap), snap.is_set(p))
        visible = (set(old.fields) - touched) | {p for p in touched if state[p][0]}
        filled = (old.filled_paths - touched) | {p for p in touched if state[p][0] and state[p][1]}
        shown = [f for f in order if f.path in visible]
        out[code] = SectionFacts(app.applies, app.reason, [f.path for f in shown], len(filled),
                                 [f.path for f in shown if f.required_in(pursuits) and f.path not in filled], old.findings,
                                 frozenset(filled))
    return out


def first_field(forms: FormSet, snap: ProjectSnapshot | None, code: str) -> str:
    """The first field (in form order) feeding the section or a subsection; visible ones first; '' if none."""
    pmap = _defs().placement_map()
    candidates = [f for f in forms.all_fields()
                  if any(c == code or c.startswith(code + ".") for c in pmap.feeds(f.path))]
    if snap is not None:
        for f in candidates:
            if field_visible(forms, f.path, snap):
                return f.path
    return candidates[0].path if candidates else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def findings_summary(c: Counter) -> str:
    return ", ".join(_plural(c[s], w) for s, w in (("error", "error"), ("warning", "warning"), ("info", "note"))
                     if c.get(s))


# ================================================================== the dock
class _StatusCombo(QComboBox):
    """A status drop-down that lets the wheel scroll the list instead of changing statuses in passing."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.StrongFocus)

    @qt_safe()
    def wheelEvent(self, event) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class SectionsDock(QDockWidget):
    jump_requested = Signal(str)   # field path
    message = Signal(str)          # one sentence for the status bar
    changed = Signal(object)       # the ChangeSet of a status or note written

    def __init__(self, forms: FormSet, project: Callable[[], object], parent=None):
        super().__init__("Sections", parent)
        self.setObjectName("sectionsDock")
        self.forms = forms
        self._project = project
        self.snap: ProjectSnapshot | None = None
        self._facts: dict[str, SectionFacts] = {}
        self.read_only = False
        self._syncing = False
        self._pending = None  # (snap, findings, paths or None: all, sections) not yet shown: applied when shown
        self._shown: dict[str, tuple] = {}  # code -> what its row shows, so a refresh touches changed rows only
        self._facts_findings: list = []     # the findings the facts were counted with
        self._summary_text = ""
        self._items: dict[str, QTreeWidgetItem] = {}
        self._combos: dict[str, QComboBox] = {}
        self.on_screen = False  # see _visibility
        self.visibilityChanged.connect(self._visibility)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 4, 6, 6)
        self.summary = QLabel("Open a project to see its CTD sections.", body)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tree = QTreeWidget(body)
        self.tree.setAccessibleName("CTD sections")
        self.tree.setHeaderLabels(["Section", "Fields filled", "Findings", "Status", "Note", "Review"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.NoEditTriggers)  # only the note is edited, see edit_note
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(COL_SECTION, QHeaderView.Interactive)
        for col, width in ((COL_SECTION, 420), (COL_FIELDS, 95), (COL_FINDINGS, 130), (COL_STATUS, 120),
                           (COL_NOTE, 240)):
            self.tree.setColumnWidth(col, width)
        layout.addWidget(self.tree)
        self.setWidget(body)
        self.tree.itemActivated.connect(self._activated)  # double-click or Enter
        self.tree.itemChanged.connect(self._item_changed)

    def _build(self) -> None:
        # F2 edits the note; made with the tree's rows, not with the dock (a launch names no QKeySequence before
        # its first paint). setContext after construction: PySide6 ignores the `context=` keyword of this
        # constructor, and a window-wide F2 took the key from every table and sheet of the window
        QtGui.QShortcut(QtGui.QKeySequence(Qt.Key_F2), self.tree, self.edit_note).setContext(Qt.WidgetShortcut)
        for h in shown_headings():
            parent = self._items.get(h.parent_code() or "")
            item = QTreeWidgetItem([f"{h.code}  {h.title}", "", "", "", "", ""])
            item.setData(0, CODE_ROLE, h.code)
            item.setData(0, TITLE_ROLE, h.title)
            item.setFlags(item.flags() | Qt.ItemIsEditable)
            (parent.addChild(item) if parent is not None else self.tree.addTopLevelItem(item))
            self._items[h.code] = item
        for code, item in self._items.items():  # combos after the items exist, so the tree can place them
            combo = _StatusCombo(self.tree)
            combo.setAccessibleName(f"Status of {code}")
            for status in SECTION_STATUSES:
                combo.addItem(STATUS_LABEL[status], status)
            combo.currentIndexChanged.connect(lambda _i, c=code: self._status_chosen(c))
            self.tree.setItemWidget(item, COL_STATUS, combo)
            self._combos[code] = combo
        self.tree.expandAll()

    def _ensure_current(self) -> None:
        """Build the tree on first use and show the latest refresh that arrived while the dock was hidden."""
        if not self._items:
            self._build()
        if self._pending is not None:
            snap, findings, paths, sections = self._pending
            self._pending = None
            codes = None if paths is None else self._codes_for(paths, snap) | sections
            self._apply(snap, findings, codes, paths)

    @property
    def items(self) -> dict[str, QTreeWidgetItem]:
        self._ensure_current()
        return self._items

    @property
    def combos(self) -> dict[str, QComboBox]:
        self._ensure_current()
        return self._combos

    @property
    def facts(self) -> dict[str, SectionFacts]:
        self._ensure_current()
        return self._facts

    def _visibility(self, on_screen: bool) -> None:
        # A tab behind Findings is isVisible() but parked off screen; Qt says which through visibilityChanged.
        # Built and refreshed only while on screen, and then on the next turn: shown together with the project,
        # building the tree at once would delay the project's first paint.
        self.on_screen = on_screen
        if on_screen:
            QTimer.singleShot(0, self, self._ensure_if_on_screen)

    def _ensure_if_on_screen(self) -> None:
        if self.on_screen:
            self._ensure_current()

    # ------------------------------------------------------------------ reading
    def status_of(self, code: str) -> tuple[str, str]:
        entry = (self.snap.section_status.get(code) if self.snap is not None else None) or {}
        return entry.get("status") or "not_started", entry.get("note") or ""

    def refresh(self, snap: ProjectSnapshot, findings, paths=None, sections=()) -> None:
        """Take the latest snapshot and findings; shown now if the dock is on screen, else when it is shown.
        `paths`: the fields an edit changed (and those whose visibility it changed); only the sections they
        feed, their parents and sections whose applicability or title changed are recomputed. None: all.
        While off screen nothing is computed: the changed paths and sections are only collected."""
        self.snap = snap
        if self._pending is None:
            pending_paths, pending_sections = set(), set()
        else:
            _, _, pending_paths, pending_sections = self._pending
        if paths is None or pending_paths is None:
            merged_paths = None
        else:
            merged_paths = pending_paths | set(paths)
        self._pending = (snap, list(findings), merged_paths, (pending_sections or set()) | set(sections))
        if self.on_screen:
            if self._items:
                self._ensure_current()
            else:  # the tree is built on the next turn, after the window has painted the project
                QTimer.singleShot(0, self, self._ensure_if_on_screen)

    def _codes_for(self, paths, snap: ProjectSnapshot) -> set[str]:
        known = {h.code for h in shown_headings()}
        codes: set[str] = set()
        for path in paths:
            if self.forms.has_field(path):
                codes.update(c for c in _defs().placement_map().feeds(path) if c in known)
        readers = _applicability_readers()
        for path in paths:  # sections whose applicability conditions read a changed answer
            codes |= readers.get(path, set())
        if _sections().TITLE_FIELDS & set(paths):
            codes |= _dynamic_titles()
        return with_ancestors(codes) & known

    def _apply(self, snap: ProjectSnapshot, findings, codes=None, paths=None) -> None:
        project = self._project()
        self.snap = snap
        read_only = project is None or bool(getattr(project, "read_only", False))
        if read_only != self.read_only:
            self.read_only = read_only
            codes = None  # every row's editability changes
        if codes is None or not self._facts or findings != self._facts_findings:
            codes = None  # the first time, or new findings: recompute every section
        if codes is None:
            self._facts.update(section_facts(self.forms, snap, findings, None))
            self._facts_findings = list(findings)
        else:
            self._facts.update(updated_facts(self.forms, snap, self._facts, codes, paths or ()))
        self._syncing = True
        try:
            for code, item in self._items.items():
                if codes is None or code in codes:
                    self._show(code, item)
        finally:
            self._syncing = False
        statuses = snap.section_status
        ready = sum(1 for c in self._items if (statuses.get(c) or {}).get("status") == "ready")
        text = f"{ready} of {len(self._items)} sections marked ready. Double-click a section to go to its first field."
        if self.read_only:
            text = "Read-only project: statuses are shown but cannot be changed. " + text
        if text != self._summary_text:
            self._summary_text = text
            self.summary.setText(text)

    def _show(self, code: str, item: QTreeWidgetItem) -> None:
        facts = self._facts[code]
        status, note = self.status_of(code)
        n = len(facts.fields)
        found = findings_summary(facts.findings)
        title_tip = display_title_tip(code, self.snap, facts)
        review = (self.snap.review.get(f"section:{code}") if self.snap is not None else None) or {}
        shown = (facts.applies, facts.filled, n, len(facts.required_empty), found, bool(facts.findings.get("error")),
                 status, note, title_tip, self.read_only, tuple(review.items()))
        if self._shown.get(code) == shown:
            return  # nothing this row shows has changed
        self._shown[code] = shown
        item.setText(COL_FIELDS, f"{facts.filled}/{n}" if n else "–")
        item.setToolTip(COL_FIELDS, (f"{_plural(n, 'visible field')} feed this section; {facts.filled} filled"
                                     + (f", {_plural(len(facts.required_empty), 'required field')} empty."
                                        if facts.required_empty else ".")) if n else
                        "No visible field feeds this section directly; it is written from its subsections "
                        "or by hand.")
        item.setText(COL_FINDINGS, found or "–")
        item.setToolTip(COL_FINDINGS, found or "No findings.")
        item.setForeground(COL_FINDINGS, QBrush(ERROR_RED) if facts.findings.get("error") else QBrush())
        item.setText(COL_NOTE, note)
        item.setText(COL_REVIEW, f"{REVIEW_LABEL[review['status']]} ({review['reviewer']})" if review else "")
        item.setToolTip(COL_REVIEW, f"Review: {REVIEW_LABEL[review['status']]} by {review['reviewer']} on "
                        f"{review['at'][:10]}. {review['comment']}" if review else "No review recorded "
                        "(Review ▸ Review Status of a CTD Section).")
        item.setToolTip(COL_NOTE, note or ("Double-click to add a note." if not self.read_only else ""))
        grey = QBrush(GREY) if not facts.applies else QBrush()
        for col in (COL_SECTION, COL_FIELDS, COL_NOTE):
            item.setForeground(col, grey)
        item.setToolTip(COL_SECTION, title_tip)
        combo = self._combos[code]
        combo.blockSignals(True)
        combo.setCurrentIndex(max(combo.findData(status), 0))
        combo.blockSignals(False)
        combo.setEnabled(not self.read_only)
        combo.setToolTip(title_tip if not facts.applies else f"Your status for {code}.")

    # ------------------------------------------------------------------ writing
    def set_status(self, code: str, status: str, note: str | None = None, confirm: bool = True) -> bool:
        """Write a section's status (asking first when marking Ready with errors or empty required fields)."""
        self._ensure_current()
        if note is None:
            note = self.status_of(code)[1]
        if confirm and status == "ready" and not self._confirm_ready(code):
            self._revert(code)
            return False
        return self._write(code, status, note)

    def _confirm_ready(self, code: str) -> bool:
        facts = self.facts.get(code)
        if facts is None:
            return True
        problems = []
        if facts.findings.get("error"):
            problems.append(_plural(facts.findings["error"], "error"))
        if facts.required_empty:
            problems.append(_plural(len(facts.required_empty), "empty required field"))
        if not problems:
            return True
        box = _message_box()
        answer = box.question(self, "Mark section ready?",
                              f"{code} still has {' and '.join(problems)}; mark it ready anyway?",
                              box.Yes | box.No, box.No)
        return answer == box.Yes

    def _write(self, code: str, status: str, note: str) -> bool:
        from atmp_desktop.store import ProjectFileError
        self._shown.pop(code, None)  # the user changed the row's widgets: the next refresh shows it afresh
        project = self._project()
        if project is None or project.read_only:
            self._revert(code)
            return False
        try:
            change = project.set_section_status(code, status, note)
        except ProjectFileError as exc:
            self._revert(code)
            _message_box().critical(self, "Status not saved", f"The status of {code} was not saved: {exc}.")
            return False
        except OSError as exc:
            self._revert(code)
            _message_box().critical(self, "Status not saved",
                                    f"The status of {code} could not be written to “{project.path.name}” ({exc}); "
                                    "check that the file still exists, the disk is not full and you may write to "
                                    "it, then try again.")
            return False
        self.message.emit(f"{code} marked {STATUS_LABEL[status].lower()}." if status != "not_started"
                          else f"{code} marked not started.")
        if change is not None:
            self.changed.emit(change)  # the window refreshes this row (and anything else) from the change set
        return True

    def _revert(self, code: str) -> None:
        self._syncing = True
        try:
            self._shown.pop(code, None)  # the user changed the combo or note: show the stored values again
            self._show(code, self._items[code])
        finally:
            self._syncing = False

    def _status_chosen(self, code: str) -> None:
        if self._syncing:
            return
        self.set_status(code, self.combos[code].currentData())

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._syncing or column != COL_NOTE:
            return
        code = item.data(0, CODE_ROLE)
        status, note = self.status_of(code)
        new = item.text(COL_NOTE).strip()
        if new != note:
            self._write(code, status, new)

    # ------------------------------------------------------------------ navigation
    def edit_note(self, item: QTreeWidgetItem | None = None) -> None:
        item = item or self.tree.currentItem()
        if item is not None and not self.read_only:
            self.tree.editItem(item, COL_NOTE)

    def _activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        if column == COL_NOTE and not self.read_only:
            self.edit_note(item)
            return
        code = item.data(0, CODE_ROLE)
        path = first_field(self.forms, self.snap, code)
        if path:
            self.jump_requested.emit(path)
        else:
            self.message.emit(f"No field feeds {code}; write it directly in the exported document.")

    def select(self, code: str) -> None:
        self.tree.setCurrentItem(self.items[code])


def _heading(code: str):
    global _BY_CODE
    if _BY_CODE is None:
        _BY_CODE = {h.code: h for h in shown_headings()}
    found = _BY_CODE.get(code)
    if found is None:
        from atmp_desktop.core.sections import heading
        return heading(code)
    return found


_BY_CODE: dict | None = None


def display_title_tip(code: str, snap: ProjectSnapshot | None, facts: SectionFacts) -> str:
    title = _sections().display_title(_heading(code), snap)
    if not facts.applies:
        return f"{code} {title}\nDoes not apply to this product: {facts.reason}"
    return f"{code} {title}"


def _message_box():
    # named when first needed: PySide builds QMessageBox's enum types (and QDialog's) when the class is first
    # named, and the dock is built before the window's first paint
    from PySide6.QtWidgets import QMessageBox
    return QMessageBox
