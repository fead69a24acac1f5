"""Cross-section consistency (CON-): the same facts must agree wherever the dossier states them."""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Iterator

from atmp_desktop.core import quantity
from atmp_desktop.core.constants import HOURS_PER_UNIT
from atmp_desktop.core.quantity import HOURS_PER, Quantity, hours
from atmp_desktop.core.definitions import placement_map
from atmp_desktop.core.rules.base import DOSSIER, MAA_CT, Ctx, as_text, matches, rule, third_country

PLACEHOLDER = "[to be completed"


NOT_WRITTEN = ("ref", "choice", "multi_choice", "date")  # row ids, choice codes, ISO dates: never typed text


def text_cells(c: Ctx) -> Iterator[tuple[str, str]]:
    """(path, text) for every text value in the project, table cells included. Values of fields and columns
    whose type holds a row id, a choice code or a date are left out: the forms give them, nobody writes them
    (at large 4x they are half the cells, and every row id looked like a new word to the checks below)."""
    forms = c.forms
    for step, fields in c.snap.values.items():
        for fid, value in fields.items():
            path = f"{step}.{fid}"
            f = forms.field(path) if forms.has_field(path) else None
            if isinstance(value, str):
                if f is None or f.type not in NOT_WRITTEN:
                    yield path, value
            elif isinstance(value, list):
                skip = {col.id for col in f.columns if col.type in NOT_WRITTEN} if f is not None else ()
                for i, row in enumerate(value):
                    if isinstance(row, dict):
                        for col, cell in row.items():
                            if isinstance(cell, str) and col not in skip:
                                yield f"{path}[{i}].{col}", cell


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
                where = c.label(path.split("[")[0])
                yield (path, f"{where} writes ‘{token}’, which looks like a variant of "
                             f"the INN ‘{inn}’; use the INN exactly as in {c.label('product.inn')}.")
                break


def _site_key(name) -> str:
    return re.sub(r"\s+", " ", as_text(name)).strip().lower()


@rule("CON-02", "error", "a manufacturing process step names a site",
      "every site named in the process steps is listed among the manufacturing sites",
      "ICH M4Q(R1) 3.2.S.2.1 / 3.2.P.3.1 (all manufacturers listed)", "V", step="manufacturing", pursued=MAA_CT)
def con_02(c: Ctx):
    known = {_site_key(r.get("name")) for r in c.rows("manufacturing.sites") if r.get("name")}
    for i, r in enumerate(c.rows("manufacturing.process_steps")):
        site = r.get("site")
        if site and _site_key(site) not in known:
            yield (f"manufacturing.process_steps[{i}].site",
                   f"Process step ‘{r.get('name') or i + 1}’ of {c.label('manufacturing.process_steps')} is done at "
                   f"‘{site}’, which is not in {c.label('manufacturing.sites')}: add the site or correct the name.")


@rule("CON-03", "error", "a manufacturing process step names a listed site",
      "the site doing the step has a manufacturing authorisation number",
      "Dir. 2001/83/EC Art. 40; ICH M4Q(R1) 3.2.S.2.1 / 3.2.P.3.1", "V", step="manufacturing", pursued=MAA_CT)
def con_03(c: Ctx):
    sites = {_site_key(r.get("name")): (i, r) for i, r in enumerate(c.rows("manufacturing.sites")) if r.get("name")}
    reported = set()
    for r in c.rows("manufacturing.process_steps"):
        key = _site_key(r.get("site"))
        if key not in sites or key in reported:
            continue
        i, site = sites[key]
        if third_country(site):  # a third-country site works under its EU importer's authorisation
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
      "ICH M4Q(R1) 3.2.S.4.2 / 3.2.P.5.2", "V", step="quality", pursued=DOSSIER)
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
      "ICH Q5C; ICH M4Q(R1) 3.2.P.8", "K", step="quality", pursued=DOSSIER)
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
               f"The claimed shelf life ({shown}, {c.label('quality.shelf_life')}) is longer than the last drug product "
               f"stability time point ({_show_hours(longest)}); shorten the shelf life or add data up to {shown}.")


# ----------------------------------------------------------------------------- strength vs specification
Amount = tuple[float, float, str, str]  # low, high, unit kind, basis


def stated_amounts(text) -> list[Amount]:
    """(low, high, kind, basis) of every amount in a strength, dose, composition or criterion text, read with
    the one quantity parser (core.quantity); percentages and unknown units are left out."""
    out = []
    for low, high, unit in quantity.amounts(as_text(text)):
        kb = quantity.unit_kind(unit)
        if kb:
            out.append((low, high, *kb))
    return out


def criterion_limits(text) -> dict[tuple[str, str], quantity.Criterion]:
    """(kind, basis) -> the numeric acceptance criterion of a specification row ('0.6–6.0 × 10⁸ CAR+ viable T
    cells per dose', '≥ 1 × 10¹² vg/mL'); a clause the parser cannot read is left out, never guessed."""
    out: dict[tuple[str, str], quantity.Criterion] = {}
    for clause in re.split(r"[;\n]", as_text(text)):
        crit = quantity.parse_criterion(clause)
        kb = quantity.unit_kind(crit.unit) if crit is not None else None
        if kb and kb not in out:
            out[kb] = crit
    return out


QUANTITY_TEST = r"dose|count|cell number|content|titre|titer|concentration|strength|genome|\bvg\b|number of"


def _claims(c: Ctx) -> list[tuple[str, str]]:
    """(where, text) of the 3.2.P.1 statements of strength and dose."""
    out = [(p, c.text(p)) for p in ("product.strength", "product.dose") if c.filled(p)]
    out += [(f"quality.dp_composition[{i}].quantity", as_text(r.get("quantity")))
            for i, r in enumerate(c.rows("quality.dp_composition"))
            if r.get("component_type") == "active_substance" or
            (not r.get("component_type") and matches(r"active", as_text(r.get("function"))))]
    return out


def _within(claim: tuple[float, float], crit: quantity.Criterion) -> bool:
    widened = quantity.Criterion(None if crit.low is None else crit.low * (1 - 1e-3),
                                 None if crit.high is None else crit.high * (1 + 1e-3), crit.unit)
    return widened.contains(claim[0]) and widened.contains(claim[1])


def _show_range(r: tuple[float, float], kind: str, basis: str) -> str:
    fmt = quantity.format_number
    amount = fmt(r[0]) if r[0] == r[1] else f"{fmt(r[0])} to {fmt(r[1])}"
    return f"{amount} {kind}" + ("" if basis == "total" else f" {basis}")


@rule("CON-06", "warning", "a strength or dose is stated (3.2.P.1)",
      "strength/dose and the dose or count test of the DP specification use the same unit and agree in amount",
      "ICH M4Q(R1) 3.2.P.1 / 3.2.P.5.1", "K", step="quality", pursued=DOSSIER)
def con_06(c: Ctx):
    claims = [(where, text, stated_amounts(text)) for where, text in _claims(c)]
    claims = [x for x in claims if x[2]]
    if not claims:
        return
    spec = [(i, r, criterion_limits(r.get("acceptance_criterion")))
            for i, r in enumerate(c.rows("quality.dp_specification"))
            if r.get("category") == "quantity" or matches(QUANTITY_TEST, as_text(r.get("test")))]
    if not spec:
        yield ("quality.dp_specification",
               f"The strength or dose is stated (‘{claims[0][1]}’) but {c.label('quality.dp_specification')} has no "
               "dose, count or content test that controls it: add one.")
        return
    compared, reported = False, set()
    for where, _text, amounts in claims:
        for low, high, kind, basis in amounts:
            rows = [(i, r, lim[(kind, basis)]) for i, r, lim in spec if (kind, basis) in lim]
            if not rows:
                continue
            compared = True
            # several strengths have several rows: an amount agrees when one of them accepts it
            if any(_within((low, high), crit) for _, _, crit in rows):
                continue
            i, r, _crit = rows[0]
            key = (i, where, low, high)
            if key in reported:
                continue
            reported.add(key)
            said = c.field_label(where) if "[" not in where else "The composition (3.2.P.1)"
            accepted = "; ".join(f"‘{x.get('test')}’ accepts {as_text(x.get('acceptance_criterion'))}"
                                 for _, x, _ in rows)
            yield (f"quality.dp_specification[{i}].acceptance_criterion",
                   f"{said} states {_show_range((low, high), kind, basis)} but {accepted}: correct the one that is "
                   f"wrong in {c.label('quality.dp_specification')} or {c.label(where.split('[')[0])} so both "
                   "describe the same amount.")
    if compared:
        return
    claim_kinds = {k for _, _, am in claims for _, _, k, _ in am}
    spec_kinds = {k for _, _, lim in spec for k, _ in lim}
    if spec_kinds and not claim_kinds & spec_kinds:
        yield ("product.strength",
               f"Strength and dose are expressed in {', '.join(sorted(claim_kinds))} but the dose/count tests of the "
               f"specification use {', '.join(sorted(spec_kinds))}; express both in the same unit or explain the "
               f"conversion in {c.label('product.strength')}.")


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
