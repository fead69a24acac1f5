"""Cross-section consistency (CON-): the same facts must agree wherever the dossier states them."""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Iterator

from atmp_desktop.core.constants import HOURS_PER_UNIT
from atmp_desktop.core.quantity import HOURS_PER, Quantity, hours
from atmp_desktop.core.definitions import placement_map
from atmp_desktop.core.rules.base import Ctx, as_text, matches, rule

PLACEHOLDER = "[to be completed"


def text_cells(c: Ctx) -> Iterator[tuple[str, str]]:
    """(path, text) for every text value in the project, table cells included."""
    for step, fields in c.snap.values.items():
        for fid, value in fields.items():
            if isinstance(value, str):
                yield f"{step}.{fid}", value
            elif isinstance(value, list):
                for i, row in enumerate(value):
                    if isinstance(row, dict):
                        for col, cell in row.items():
                            if isinstance(cell, str):
                                yield f"{step}.{fid}[{i}].{col}", cell


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")


def _variant(token: str, word: str) -> bool:
    """True when `token` looks like a misspelt or re-hyphenated `word` (but is not the word itself).

    Prefix pairs (culture/cultured, keratinocyte/keratinocytes) are inflections, not variants.
    """
    t = token.lower()
    if t == word or abs(len(t) - len(word)) > 2 or t.startswith(word) or word.startswith(t):
        return False
    if _norm(t) == _norm(word):
        return True  # same letters, different hyphenation
    if t[0] != word[0]:
        return False
    m = SequenceMatcher(None, t, word)
    return m.quick_ratio() >= 0.88 and m.ratio() >= 0.88


def inn_words(inn: str) -> set[str]:
    """The distinctive words of an INN-like name; empty for descriptive common names (more than three words or
    parentheses), where spelling variants cannot be told from ordinary words."""
    words = inn.lower().split()
    if not words or len(words) > 3 or "(" in inn:
        return set()
    return {w for w in words if len(_norm(w)) >= 7}


@rule("CON-01", "warning", "an INN (or an INN-like common name of up to three words) is given",
      "the INN is spelt the same everywhere it is used (1.3.1, 2.3, 3.2.S.1.1 and the other sections)",
      "Brief §8.8 (INN consistency across 1.3.1, 2.3 and 3.2.S.1.1); EMA QRD naming conventions", "K",
      step="product")
def con_01(c: Ctx):
    inn = str(c.get("product.inn") or "")
    words = inn_words(inn)
    if not words:
        return
    seen: dict[str, bool] = {}  # the same words recur across fields; decide each once
    initials = {w[0] for w in words}
    for path, text in text_cells(c):
        if path == "product.inn":
            continue
        for token in sorted(set(_TOKEN.findall(text))):
            if token not in seen:  # every variant shares the first letter: a cheap filter first
                seen[token] = token[0].lower() in initials and any(_variant(token, w) for w in words)
            if seen[token]:
                yield (path, f"‘{token}’ looks like a variant of the INN ‘{inn}’; use the INN exactly as in "
                             f"{c.label('product.inn')}.")
                break


def _site_key(name) -> str:
    return re.sub(r"\s+", " ", as_text(name)).strip().lower()


@rule("CON-02", "error", "a manufacturing process step names a site",
      "every site named in the process steps is listed among the manufacturing sites",
      "ICH M4Q(R1) 3.2.S.2.1 / 3.2.P.3.1 (all manufacturers listed)", "V", step="manufacturing")
def con_02(c: Ctx):
    known = {_site_key(r.get("name")) for r in c.rows("manufacturing.sites") if r.get("name")}
    for i, r in enumerate(c.rows("manufacturing.process_steps")):
        site = r.get("site")
        if site and _site_key(site) not in known:
            yield (f"manufacturing.process_steps[{i}].site",
                   f"Process step ‘{r.get('name') or i + 1}’ is done at ‘{site}’, which is not in "
                   f"{c.label('manufacturing.sites')}: add the site or correct the name.")


@rule("CON-03", "error", "a manufacturing process step names a listed site",
      "the site doing the step has a manufacturing authorisation number",
      "Dir. 2001/83/EC Art. 40; ICH M4Q(R1) 3.2.S.2.1 / 3.2.P.3.1", "V", step="manufacturing")
def con_03(c: Ctx):
    sites = {_site_key(r.get("name")): (i, r) for i, r in enumerate(c.rows("manufacturing.sites")) if r.get("name")}
    reported = set()
    for r in c.rows("manufacturing.process_steps"):
        key = _site_key(r.get("site"))
        if key not in sites or key in reported:
            continue
        i, site = sites[key]
        if site.get("in_eea") is False:  # a third-country site works under its EU importer's authorisation
            importer = sites.get(_site_key(site.get("importer")))
            if importer is None or importer[1].get("authorisation_number"):
                continue  # a missing importer is GMP-01's finding
            i, site = importer
        if not site.get("authorisation_number"):
            reported.add(key)
            step = f"process step ‘{r['name']}’" if r.get("name") else "a process step"
            yield (f"manufacturing.sites[{i}].authorisation_number",
                   f"Site ‘{site.get('name')}’ does {step} (or imports it) but has no manufacturing authorisation "
                   f"number: add it in {c.label('manufacturing.sites')}.")


_STOP = {"and", "the", "for", "with", "per", "test", "tests", "assay", "method", "cell", "cells", "content",
         "determination", "total", "day", "post", "pre", "from", "on", "of"}
_ACRONYMS = {"rcl": "replication competent lentivirus", "rcr": "replication competent retrovirus",
             "rca": "replication competent adenovirus", "rcaav": "replication competent aav",
             "vcn": "vector copy number", "lal": "endotoxin", "nat": "nucleic acid"}


def _keywords(name) -> set[str]:
    """Significant words of a test name, plural 's' dropped and acronyms (RCL, VCN ...) expanded."""
    words = re.findall(r"[a-z0-9]+", as_text(name).lower())
    words += [w for a in words if a in _ACRONYMS for w in _ACRONYMS[a].split()]
    return {w[:-1] if w.endswith("s") and len(w) > 4 else w for w in words if len(w) >= 3 and w not in _STOP}


def has_procedure(row: dict, procedures: list[set[str]]) -> bool:
    """A test is covered by a procedure sharing a significant word, or by a cited Ph. Eur. (compendial) method."""
    if row.get("ph_eur_reference") or matches(r"ph\.?\s*eur", as_text(row.get("method"))):
        return True
    words = _keywords(row.get("test"))
    return any(words & p for p in procedures)


@rule("CON-04", "warning", "a specification lists tests",
      "every non-compendial specification test has an analytical procedure (3.2.S.4.2 / 3.2.P.5.2)",
      "ICH M4Q(R1) 3.2.S.4.2 / 3.2.P.5.2", "V", step="quality")
def con_04(c: Ctx):
    procedures = [_keywords(r.get("test")) for r in c.rows("quality.analytical_procedures") if r.get("test")]
    for table in ("quality.dp_specification", "quality.ds_specification"):
        for i, r in enumerate(c.rows(table)):
            if r.get("test") and not has_procedure(r, procedures):
                yield (f"{table}[{i}].test",
                       f"The test ‘{r['test']}’ in {c.label(table)} has no analytical procedure: add it to "
                       f"{c.label('quality.analytical_procedures')} or cite the Ph. Eur. method in the row.")


# ----------------------------------------------------------------------------- shelf life vs stability
SHELF_LIFE_KINDS = ("long_term", "supportive", None)  # in-use, post-thaw, transport and hold studies do not


def _show_hours(h: float) -> str:
    for unit in ("years", "months", "days"):
        if h >= HOURS_PER_UNIT[unit] and (h / HOURS_PER_UNIT[unit]) == int(h / HOURS_PER_UNIT[unit]):
            return f"{int(h / HOURS_PER_UNIT[unit])} {unit}"
    return f"{h:g} h"


def study_hours(row: dict) -> list[float]:
    """A study's planned time points in hours (structured `time_points`, core.quantity units)."""
    points = row.get("time_points")
    if not isinstance(points, list):
        return []
    return [hours(Quantity(p["value"], p["unit"])) for p in points
            if isinstance(p, dict) and p.get("unit") in HOURS_PER and isinstance(p.get("value"), (int, float))]


@rule("CON-05", "warning", "a shelf life is claimed",
      "the planned time points of the drug product's long-term (or supportive) stability studies reach the "
      "claimed shelf life",
      "ICH Q5C; ICH M4Q(R1) 3.2.P.8", "K", step="quality")
def con_05(c: Ctx):
    q = c.get("quality.shelf_life")
    if not isinstance(q, dict) or q.get("unit") not in HOURS_PER_UNIT:
        return
    claim = float(q["value"]) * HOURS_PER_UNIT[q["unit"]]
    rows = [r for r in c.rows("quality.stability_studies")
            if r.get("material") in ("DP", None) and r.get("kind") in SHELF_LIFE_KINDS]
    longest = max((t for r in rows for t in study_hours(r)), default=None)
    shown = f"{q['value']} {q['unit']}"
    if longest is None:
        yield ("quality.stability_studies",
               f"The shelf life of {shown} has no drug product stability data: add a long-term drug product study "
               f"with its planned time points to {c.label('quality.stability_studies')}.")
    elif longest + 1e-6 < claim:
        yield ("quality.shelf_life",
               f"The claimed shelf life ({shown}) is longer than the last drug product stability time point "
               f"({_show_hours(longest)}); shorten the shelf life or add data up to {shown}.")


# ----------------------------------------------------------------------------- strength vs specification
_SUP = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9",
        "⁻": "-"}
_SUP_RUN = re.compile("[" + "".join(_SUP) + "]+")
_NUMBER = re.compile(r"(?<![A-Za-z\d.,^])(?P<m>\d+(?:[.,]\d+)?)"
                     r"\s*(?:(?:[x×*·]\s*10\s*\^\s*(?P<e>-?\d+))|(?:[eE](?P<e2>[-+]?\d+)))?")
_RANGE_SEP = re.compile(r"\s*(?:-|–|—|to)\s*")
UNIT_KINDS = (  # kind -> words that name it, checked on the text right after a number
    ("vector genomes", r"vg\b|vector genome|genome cop|\bgc\b"),
    ("transducing units", r"\btu\b|transducing"),
    ("plaque-forming units", r"pfu|plaque"),
    ("infectious units", r"\biu\b|infectious unit|ccid50|tcid50"),
    ("cells", r"cells?\b|spheroid|car\+|viable"),
    ("mg", r"mg\b"), ("µg", r"[µu]g\b"), ("mL", r"ml\b"), ("cm²", r"cm2|cm²"),
)


def _kind_basis(after: str) -> tuple[str, str] | None:
    """Unit kind named within 25 characters after a number, and its basis (per mL, per kg or total)."""
    for kind, pattern in UNIT_KINDS:
        hit = re.search(pattern, after)
        if hit and hit.start() <= 25:
            rest = re.split(r"[;(]", after[hit.start():], maxsplit=1)[0][:40]
            per = re.search(r"(?:/|\bper\b)\s*([a-zµ^0-9]+)", rest)
            unit = per.group(1) if per else ""
            unit = {"ml": "mL", "cm^2": "cm²", "cm2": "cm²", "l": "L"}.get(unit, unit)
            basis = "total" if not unit or unit in ("dose", "bag", "vial", "unit", "container", "patch", "implant") \
                else f"per {unit}"
            return kind, basis
    return None


def quantities(text: str) -> list[tuple[float, str, str]]:
    """(number, unit kind, basis) in `text`: '1.0 × 10^8 CAR+ viable T cells' -> [(1e8, 'cells', 'total')].

    Handles 10^8, 10⁸ and 5e6; in a range ('0.6–6.0 × 10⁸ cells', '1 × 10^6 – 6 × 10^7 cells/mL') the first
    number takes the unit (and power of ten, if it has none) of the second.
    """
    text = _SUP_RUN.sub(lambda m: "^" + "".join(_SUP[ch] for ch in m.group()), text or "")
    found = list(_NUMBER.finditer(text))
    out: list[tuple[float, str, str] | None] = [None] * len(found)
    for i in reversed(range(len(found))):
        m = found[i]
        exp = m.group("e") or m.group("e2")
        mant = float(m.group("m").replace(",", "."))
        nxt = found[i + 1] if i + 1 < len(found) else None
        if nxt is not None and out[i + 1] and _RANGE_SEP.fullmatch(text[m.end():nxt.start()]):
            if exp is None:
                exp = nxt.group("e") or nxt.group("e2")
            out[i] = (mant * 10 ** int(exp or 0), out[i + 1][1], out[i + 1][2])
            continue
        after = text[m.end():m.end() + 80].lower()
        kb = None if re.match(r"\s*%", after) else _kind_basis(after)
        if kb:
            out[i] = (mant * 10 ** int(exp or 0), *kb)
    return [q for q in out if q]


def _ranges(text: str) -> dict[tuple[str, str], tuple[float, float]]:
    """(kind, basis) -> (low, high) over the quantities of one text."""
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for value, kind, basis in quantities(text):
        low, high = out.get((kind, basis), (value, value))
        out[(kind, basis)] = (min(low, value), max(high, value))
    return out


QUANTITY_TEST = r"dose|count|cell number|content|titre|titer|concentration|strength|genome|\bvg\b|number of"


def _claims(c: Ctx) -> list[tuple[str, str]]:
    """(where, text) of the 3.2.P.1 statements of strength and dose."""
    out = [(p, c.text(p)) for p in ("product.strength", "product.dose") if c.filled(p)]
    out += [(f"quality.dp_composition[{i}].quantity", as_text(r.get("quantity")))
            for i, r in enumerate(c.rows("quality.dp_composition")) if matches(r"active", as_text(r.get("function")))]
    return out


def _within(claim: tuple[float, float], spec: tuple[float, float], one_sided_min: bool) -> bool:
    tol = 1e-3
    if one_sided_min:
        return claim[0] >= spec[0] * (1 - tol)
    return claim[0] >= spec[0] * (1 - tol) and claim[1] <= spec[1] * (1 + tol)


def _sci(v: float) -> str:
    """1.2e8 -> '1.2 × 10^8'; small numbers stay plain."""
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:g}"
    exp = len(str(int(abs(v)))) - 1 if abs(v) >= 1 else int(f"{v:e}".split("e")[1])
    return f"{v / 10 ** exp:.3g} × 10^{exp}"


def _show_range(r: tuple[float, float], kind: str, basis: str) -> str:
    amount = _sci(r[0]) if r[0] == r[1] else f"{_sci(r[0])} to {_sci(r[1])}"
    return f"{amount} {kind}" + ("" if basis == "total" else f" {basis}")


@rule("CON-06", "warning", "a strength or dose is stated (3.2.P.1)",
      "strength/dose and the dose or count test of the DP specification use the same unit and agree in amount",
      "ICH M4Q(R1) 3.2.P.1 / 3.2.P.5.1", "K", step="quality")
def con_06(c: Ctx):
    claims = [(where, text, _ranges(text)) for where, text in _claims(c)]
    claims = [x for x in claims if x[2]]
    if not claims:
        return
    spec = [(i, r, _ranges(as_text(r.get("acceptance_criterion"))))
            for i, r in enumerate(c.rows("quality.dp_specification"))
            if r.get("category") == "quantity" or matches(QUANTITY_TEST, as_text(r.get("test")))]
    if not spec:
        yield ("quality.dp_specification",
               f"The strength or dose is stated (‘{claims[0][1]}’) but {c.label('quality.dp_specification')} has no "
               "dose, count or content test that controls it: add one.")
        return
    compared = False
    for where, text, claim in claims:
        for i, r, limits in spec:
            for key in claim.keys() & limits.keys():
                compared = True
                crit = as_text(r.get("acceptance_criterion"))
                one_sided = limits[key][0] == limits[key][1] and matches(r"[≥>]|not less|at least|min", crit)
                if not _within(claim[key], limits[key], one_sided):
                    yield (f"quality.dp_specification[{i}].acceptance_criterion",
                           f"{c.field_label(where) if '[' not in where else 'The composition (3.2.P.1)'} states "
                           f"{_show_range(claim[key], *key)} but ‘{r.get('test')}’ accepts {crit}; "
                           "the two should describe the same amount.")
    if compared:
        return
    claim_kinds = {k for _, _, cl in claims for k, _ in cl}
    spec_kinds = {k for _, _, lim in spec for k, _ in lim}
    if spec_kinds and not claim_kinds & spec_kinds:
        yield ("product.strength",
               f"Strength and dose are expressed in {', '.join(sorted(claim_kinds))} but the dose/count tests of the "
               f"specification use {', '.join(sorted(spec_kinds))}; express both in the same unit or explain the "
               "conversion.")


# ----------------------------------------------------------------------------- placeholders in ready sections
def _feeds_ready(feeds: tuple[str, ...], ready: set[str]) -> str | None:
    for code in feeds:
        for r in ready:
            if code == r or code.startswith(r + "."):
                return r
    return None


@rule("CON-07", "error", "a section is marked ready",
      "no ‘[To be completed’ placeholder is left in any field that feeds that section",
      "Good documentation practice (this app's review workflow)", "K")
def con_07(c: Ctx):
    ready = {code for code, s in c.snap.section_status.items() if (s or {}).get("status") == "ready"}
    if not ready:
        return
    for path, text in text_cells(c):
        if PLACEHOLDER not in text.lower():
            continue
        field_path = re.sub(r"\[\d+\]\.\w+$", "", path)
        if not c.forms.has_field(field_path):
            continue
        section = _feeds_ready(placement_map().feeds(field_path), ready)
        if section:
            yield (path, f"Section {section} is marked ready but {c.label(field_path)} still contains "
                         "‘[To be completed…]’: finish the text or set the section back to draft.")
