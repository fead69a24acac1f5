"""Bring a table in from Excel (.xlsx) or CSV: sites, specifications, batches, batch and stability results.

1. `read_sheet` reads the header row and the rows (first sheet, or the one named), typed cells turned into the
   text a writer would type (dates as ISO dates, whole numbers without ".0");
2. `suggest_mapping` proposes which spreadsheet column fills which table column (labels and ids compared
   loosely); the user corrects it in the column-mapping step;
3. `convert` turns each spreadsheet row into a table row through the same checks as typing (core.values
   .parse_text). A reference column (a batch or a test of a result) is matched by the referenced row's first
   columns (e.g. the batch number). Rows with a problem are left out and named with their row number.
Nothing is written here: the store appends (or, when the user asks, replaces) the rows as one undoable,
audited action.
"""
from __future__ import annotations

import csv
import datetime as _dt
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atmp_desktop.core.forms import Field, FormSet
from atmp_desktop.core.project import ProjectSnapshot
from atmp_desktop.core.values import FieldValueError, is_empty, parse_text

MAX_ROWS = 20_000
MAX_FILE_BYTES = 50 * 1024 * 1024


class SheetError(ValueError):
    """The file cannot be read as a table; one sentence."""


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[list[str]]
    sheets: list[str] = field(default_factory=list)   # every sheet of a workbook
    numbers: list[int] = field(default_factory=list)  # the spreadsheet row number of each row (blank rows skipped)


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time() else v.isoformat(sep=" ", timespec="minutes")
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()


def read_sheet(path: str | Path, sheet: str | None = None) -> Sheet:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SheetError(f"'{path.name}' cannot be read ({exc.strerror or exc}).") from None
    if size > MAX_FILE_BYTES:
        raise SheetError(f"'{path.name}' is larger than {MAX_FILE_BYTES >> 20} MB; import a smaller extract.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    raise SheetError(f"'{path.name}' is not an .xlsx or .csv file; save the sheet in one of those formats.")


def _read_csv(path: Path) -> Sheet:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text), dialect)]
    return _sheet(path.stem, rows, [])


def _read_xlsx(path: Path, sheet: str | None) -> Sheet:
    import openpyxl
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a received file: openpyxl raises many kinds for broken ones
        raise SheetError(f"'{path.name}' is not an Excel workbook that can be read ({type(exc).__name__}); save it "
                         "as .xlsx in Excel and try again.") from None
    try:
        names = list(wb.sheetnames)
        if sheet is not None and sheet not in names:
            raise SheetError(f"'{path.name}' has no sheet '{sheet}' (sheets: {', '.join(names)}).")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = []
        try:
            for r in ws.iter_rows(values_only=True):
                rows.append([_cell_text(v) for v in r][:200])
                if len(rows) > MAX_ROWS + 1:
                    raise SheetError(f"'{path.name}' has more than {MAX_ROWS:,} rows; import a smaller extract.")
        except SheetError:
            raise
        except Exception as exc:
            raise SheetError(f"the sheet '{ws.title}' of '{path.name}' could not be read to the end "
                             f"({type(exc).__name__}); save it again in Excel and try again.") from None
        return _sheet(ws.title, rows, names)
    finally:
        wb.close()


def _sheet(name: str, rows: list[list[str]], sheets: list[str]) -> Sheet:
    # blank rows are left out, but a problem is named by the row number the spreadsheet shows
    numbers = [n for n, r in enumerate(rows, start=1) if any(c for c in r)]
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        raise SheetError(f"the sheet '{name}' is empty.")
    if len(rows) > MAX_ROWS + 1:
        raise SheetError(f"the sheet '{name}' has more than {MAX_ROWS:,} rows; import a smaller extract.")
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    headers = [h or f"Column {i + 1}" for i, h in enumerate(rows[0])]
    return Sheet(name, headers, rows[1:], sheets, numbers[1:])


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def suggest_mapping(table: Field, headers: list[str]) -> dict[str, int | None]:
    """Table column id -> spreadsheet column index (None: not filled), each spreadsheet column used once."""
    scores = []
    for c in table.columns:
        names = {_norm(c.label), _norm(c.id.replace("_", " "))}
        for i, h in enumerate(headers):
            hn = _norm(h)
            if not hn:
                continue
            best = max(1.0 if hn == n else 0.9 if n and (n in hn or hn in n) else
                       difflib.SequenceMatcher(None, hn, n).ratio() for n in names)
            if best >= 0.72:
                scores.append((best, c.id, i))
    out: dict[str, int | None] = {c.id: None for c in table.columns}
    taken: set[int] = set()
    for score, cid, i in sorted(scores, key=lambda s: -s[0]):
        if out[cid] is None and i not in taken:
            out[cid] = i
            taken.add(i)
    return out


def suggest_table(forms: FormSet, headers: list[str]) -> str | None:
    """The table whose columns the headers match best (None when nothing matches)."""
    best, path = 0, None
    for f in forms.all_fields():
        if f.is_table:
            n = sum(1 for v in suggest_mapping(f, headers).values() if v is not None)
            if n > best:
                best, path = n, f.path
    return path


@dataclass
class Converted:
    rows: list[dict]
    problems: list[tuple[int, str]]     # (spreadsheet row number, sentence)


def convert(forms: FormSet, snap: ProjectSnapshot, table: Field, sheet: Sheet,
            mapping: dict[str, int | None]) -> Converted:
    refs = {c.id: _ref_index(forms, snap, c) for c in table.columns if c.type == "ref"}
    out = Converted([], [])
    numbers = sheet.numbers or range(2, len(sheet.rows) + 2)  # (a Sheet made by hand: the header is row 1)
    for n, raw in zip(numbers, sheet.rows):
        row: dict[str, Any] = {}
        problem = None
        for c in table.columns:
            i = mapping.get(c.id)
            if i is None or i >= len(raw) or not raw[i].strip():
                continue
            text = raw[i].strip()
            try:
                if c.type == "ref":
                    rid = refs[c.id].get(_norm(text))
                    if rid is None:
                        raise FieldValueError(f"{c.label}: '{text}' is not a row of "
                                              f"{', '.join(forms.field(p).label for p in c.ref)}; add it there first")
                    row[c.id] = rid
                else:
                    value = parse_text(c, text)
                    if not is_empty(value):
                        row[c.id] = value
            except FieldValueError as exc:
                problem = str(exc)
                break
        if problem:
            out.problems.append((n, problem))
        elif row:
            out.rows.append(row)
    return out


def _ref_index(forms: FormSet, snap: ProjectSnapshot, col: Field) -> dict[str, str]:
    """Normalised text of the referenced rows' first column, of their first two columns, and their id -> id."""
    from atmp_desktop.core.diff import row_title
    index: dict[str, str] = {}
    for path in col.ref:
        tf = forms.field(path)
        for rid, row in zip(snap.row_ids(path), snap.rows(path)):
            first = next((str(row[c.id]) for c in tf.columns if not is_empty(row.get(c.id))), "")
            for key in (rid, first, row_title(tf, row, limit=10_000)):
                if key:
                    index.setdefault(_norm(key), rid)
    return index
