"""The one parser of numbers, quantities and acceptance criteria as writers type them.

Every rule and builder that reads a number out of text uses this module (issue 15 moves the older ad-hoc
regexes here). What it understands:

  numbers      "1.5", "79,000", "79 000" (space, thin or no-break space), "1,5" (decimal comma), "−3",
               "1 × 10⁶", "1x10^6", "1*10^6", "1·10⁶", "10⁶", "1E6", "1e+06", "7.9 × 10⁴"
  quantities   a number, an optional qualifier before it (<, ≤, >, ≥, ~, ≈) and a unit after it:
               "≤ 5.0 EU/mL", "91 %", "< 0.5 EU/ml" (units normalised: "EU/mL", "µg", "h", "months")
  criteria     one- and two-sided limits: "≥ 70 %", "NLT 70%", "not less than 70 %", "at least 70 %",
               "≤ 5.0 EU/mL", "NMT 5", "< 10 CFU/mL", "7.9 × 10⁴ to 3.16 × 10⁵ PFU/mL", "70–130 %",
               "between 6.8 and 7.8", "7.4 ± 0.4", "≥ 70 % and ≤ 95 %", "up to 4 mL of 1 × 10⁶ PFU/mL"
               (the "of ..." part is kept as `detail`). Text criteria ("Conforms", "No growth", "Negative")
               are not numeric: `parse_criterion` returns None and rules leave them alone.

Formatting is the inverse: `format_number` writes "7.9 × 10⁴" and `parse_number` reads it back to the same
float (tests/test_quantity.py checks the round trip with hypothesis).
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from decimal import Decimal

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_TO_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
_SPACES = "\u00a0\u2009\u202f\u2007 "
_MINUS = "\u2212\u2013\u2010\u2011\ufe63\uff0d"  # signs people (and word processors) type for minus

# one number: mantissa with optional thousands groups or decimal part, then an optional power of ten
_DIGITS = r"\d+(?:[.,]\d+)?"
_GROUPED = r"\d{1,3}(?:(?:,\d{3})+|(?:[ \u00a0\u2009\u202f\u2007]\d{3})+)(?:\.\d+)?"
_POWER = r"(?:\s*[x×X*·⋅]\s*10\s*(?:\^\s*|\*\*\s*)?(?P<exp>[-+]?\d+)|\s*[eE](?P<e>[-+]?\d+))"
NUMBER = re.compile(
    rf"(?P<sign>[-+])?(?:(?P<mant>{_GROUPED}|{_DIGITS}|\.\d+){_POWER}?|10\s*\^\s*(?P<pow>[-+]?\d+))")


class QuantityError(ValueError):
    """Text that does not hold the number or quantity asked for. The message says what was expected."""


def _clean(text: str) -> str:
    """Superscripts as ^digits, minus signs as '-', runs of space-like characters as one kind."""
    text = text or ""
    if any(ch in text for ch in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"):
        text = re.sub("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+", lambda m: "^" + m.group().translate(_SUPERSCRIPT), text)
    for ch in _MINUS:
        if ch in text:
            # an en dash between two numbers is a range, not a minus: only a sign before a digit at a start
            # of a term becomes '-'
            text = re.sub(rf"(?:(?<=^)|(?<=[\s(≤≥<>=~]))\{ch}(?=\s?\d)" if ch != "\u2013" else
                          r"(?:(?<=^)|(?<=[(≤≥<>=~]))\u2013(?=\d)", "-", text)
    return text


def _mantissa(raw: str) -> str:
    """'79,000' / '79 000' -> '79000'; '1,5' -> '1.5' (a comma not followed by exactly three digits)."""
    raw = raw.translate({ord(c): None for c in _SPACES})
    if "," in raw:
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
            raw = raw.replace(",", "")
        else:
            raw = raw.replace(",", ".")
    return raw


def _value(m: re.Match) -> float:
    if m.group("pow") is not None:
        value = float(f"1e{int(m.group('pow'))}")
    else:
        exp = m.group("exp") or m.group("e")
        mant = _mantissa(m.group("mant"))
        value = float(f"{mant}e{int(exp)}") if exp else float(mant)
    return -value if m.group("sign") == "-" else value


def parse_number(text: str) -> float:
    """The number `text` holds, and nothing else: "79,000" -> 79000.0, "1 × 10⁶" -> 1e6. Raises QuantityError."""
    t = _clean(str(text)).strip()
    m = NUMBER.fullmatch(t)
    if not m:
        raise QuantityError(f"'{text}' is not a number; write it like 79,000, 1.5 or 1 × 10⁶")
    v = _value(m)
    if not math.isfinite(v):
        raise QuantityError(f"'{text}' is too large to be a number this app can store")
    return v


# ----------------------------------------------------------------------------- units
_UNIT_WORDS = {
    "%": "%", "percent": "%", "per cent": "%",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "d": "days", "day": "days", "days": "days",
    "wk": "weeks", "week": "weeks", "weeks": "weeks",
    "mo": "months", "month": "months", "months": "months", "m": "months",
    "y": "years", "yr": "years", "year": "years", "years": "years",
}
_PREFIX_MICRO = re.compile(r"(?<![A-Za-z])[uμ](?=[gLlMm]|mol\b|m\b)")


@functools.lru_cache(maxsize=4096)  # pure; a project repeats a few dozen units in thousands of rows
def _normalise_unit(unit: str) -> str:
    """One spelling per unit: 'EU/ml' -> 'EU/mL', 'ug' and 'μg' -> 'µg', 'hours' -> 'h', '%' stays."""
    u = " ".join((unit or "").replace("\u00a0", " ").split()).strip(" .;,")
    if not u:
        return ""
    low = u.lower()
    if low in _UNIT_WORDS:
        return _UNIT_WORDS[low]
    if u.startswith("%"):
        return "%"  # "% specific lysis", "% of viable CD45+": a percentage
    u = _PREFIX_MICRO.sub("µ", u)
    u = re.sub(r"(?<![A-Za-z])([mµnd]?)l\b", lambda m: m.group(1) + "L", u)  # ml -> mL, l -> L
    u = re.sub(r"\bcm2\b|\bcm\^2\b", "cm²", u)
    u = re.sub(r"\s*/\s*", "/", u)
    u = re.sub(r"\bdegC\b|º\s?C|°\s?C", "°C", u)
    u = re.sub(r"\^([-+]?\d+)", lambda m: m.group(1).translate(_TO_SUPERSCRIPT), u)  # "10^5 cells" -> "10⁵ cells"
    return u


def normalise_unit(unit: str) -> str:
    """One spelling per unit: 'EU/ml' -> 'EU/mL', 'ug' and 'μg' -> 'µg', 'hours' -> 'h', '%' stays."""
    return _normalise_unit(unit if isinstance(unit, str) else str(unit or ""))


# a unit starts with a letter, %, ° or µ and runs to the end of its clause: "CAR+ viable T cells",
# "pg/mL per 10⁵ CAR+ cells"; a clause ends at ; , ( ) or a joining word (to, and, or, of, until, ±)
_UNIT_START = re.compile(r"\s*(?=[%°µμA-Za-z])(?!(?:to|and|or|of|until|between|from|per|x|X)\b)")
_CLAUSE_END = re.compile(r"\s*(?:[;,()\[\]]|±|\+/-|\s(?:to|and|or|of|until|at|after|for|in|on|with|"
                         r"within|from)\s|\s[-–—]\s|$)", re.I)
MAX_UNIT_WORDS = 6


# dataclasses, not records (core/records.py): this module is not imported on the way to the first paint, and
# checks and exports make tens of thousands of these, where a dataclass's __init__ is the quicker one
@dataclass(frozen=True)
class Quantity:
    """A measured or stated amount: `value` in `unit` (normalised), with an optional qualifier ("<", "≤", ">",
    "≥", "≈") when the result is a limit of detection or an approximation."""
    value: float
    unit: str = ""
    qualifier: str = ""

    def __str__(self) -> str:
        return format_quantity(self)


_QUALIFIER = re.compile(r"\s*(?P<q><=|>=|=<|=>|≤|≥|<|>|~|≈|ca\.?|approx\.?|NLT|NMT|not (?:less|more) than|"
                        r"at least|at most|up to|max\.?|min\.?)?\s*", re.I)
_QUALIFIER_SIGN = {"<=": "≤", "=<": "≤", "≤": "≤", ">=": "≥", "=>": "≥", "≥": "≥", "<": "<", ">": ">",
                   "~": "≈", "≈": "≈", "ca.": "≈", "ca": "≈", "approx.": "≈", "approx": "≈",
                   "nlt": "≥", "nmt": "≤", "not less than": "≥", "not more than": "≤", "at least": "≥",
                   "at most": "≤", "up to": "≤", "max.": "≤", "max": "≤", "min.": "≥", "min": "≥"}


def _unit_after(text: str, pos: int, max_words: int = MAX_UNIT_WORDS) -> tuple[str, int]:
    """(normalised unit, end) of the unit written at `pos`, or ("", pos) when none is."""
    m = _UNIT_START.match(text, pos)
    if not m:
        return "", pos
    start = m.end()
    end_m = _CLAUSE_END.search(text, start)
    end = end_m.start() if end_m else len(text)
    words = text[start:end].split()
    if not words:
        return "", pos
    if len(words) > max_words:
        words = words[:max_words]
        end = start + text[start:].index(words[-1]) + len(words[-1])
    return normalise_unit(" ".join(words)), end


def parse_quantity(text: str) -> Quantity:
    """One quantity and nothing else: "≤ 5.0 EU/mL", "91 %", "1 × 10⁶ cells/mL", "< 0.5". Raises QuantityError."""
    return _parse_quantity(str(text))


@functools.lru_cache(maxsize=8192)  # pure and immutable result; exports and rules parse each result many times
def _parse_quantity(text: str) -> Quantity:
    t = _clean(str(text)).strip()
    qm = _QUALIFIER.match(t)
    qual = _QUALIFIER_SIGN.get((qm.group("q") or "").lower(), "") if qm else ""
    m = NUMBER.match(t, qm.end() if qm else 0)
    if not m:
        raise QuantityError(f"'{text}' is not an amount; write a number with an optional unit, e.g. 91 % or "
                            "1 × 10⁶ cells/mL")
    unit, end = _unit_after(t, m.end())
    if t[end:].strip():
        raise QuantityError(f"'{text}' holds more than one amount; write one number and its unit")
    return Quantity(_value(m), unit, qual)


def find_quantities(text: str) -> list[tuple[Quantity, int, int]]:
    """Every quantity in a free text with its (start, end) in the cleaned text; unit '' when none follows."""
    t = _clean(str(text))
    out = []
    for m in NUMBER.finditer(t):
        if m.start() and (t[m.start() - 1].isalnum() or t[m.start() - 1] in "._"):
            continue  # part of a word or identifier ("CD19", "24-0117")
        unit, end = _unit_after(t, m.end(), max_words=3)
        out.append((Quantity(_value(m), unit), m.start(), end))
    return out


# ----------------------------------------------------------------------------- criteria
@dataclass(frozen=True)
class Criterion:
    """A numeric acceptance criterion: the interval [low, high] (None = unbounded) in `unit`, each end
    inclusive or not. `detail` is what an "of ..." clause adds ("up to 4 mL of 1 × 10⁶ PFU/mL")."""
    low: float | None = None
    high: float | None = None
    unit: str = ""
    low_inclusive: bool = True
    high_inclusive: bool = True
    detail: Quantity | None = None

    def contains(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        if self.high is not None and (value > self.high or (value == self.high and not self.high_inclusive)):
            return False
        return True

    def judge(self, result: Quantity) -> bool | None:
        """True when the result meets the criterion, False when it is outside, None when this cannot be told
        (another unit, or a limit result such as "< 10" against a lower limit it may or may not meet)."""
        if result.unit and self.unit and result.unit != self.unit:
            return None
        v, q = result.value, result.qualifier
        inf = math.inf
        # the result as an interval (lo, lo_closed, hi, hi_closed): a limit result covers everything beyond it
        r = {"": (v, True, v, True), "≈": (v, True, v, True), "<": (-inf, False, v, False),
             "≤": (-inf, False, v, True), ">": (v, False, inf, False), "≥": (v, True, inf, False)}[q]
        c = (-inf if self.low is None else self.low, self.low is not None and self.low_inclusive,
             inf if self.high is None else self.high, self.high is not None and self.high_inclusive)
        inside_low = r[0] > c[0] or (r[0] == c[0] and (c[1] or not r[1]))
        inside_high = r[2] < c[2] or (r[2] == c[2] and (c[3] or not r[3]))
        if inside_low and inside_high:
            return True
        apart = r[2] < c[0] or (r[2] == c[0] and not (r[3] and c[1])) or \
            r[0] > c[2] or (r[0] == c[2] and not (r[1] and c[3]))
        return False if apart else None

    def __str__(self) -> str:
        return format_criterion(self)


_TEXT_ONLY = re.compile(r"^\s*(conforms?|complies|compliant|negative|positive|absent|present|sterile|"
                        r"no growth|not detected|report(?:ed)?(?: result)?|pass|clear|colou?rless|"
                        r"consistent with|comparable to|matches)\b", re.I)
_RANGE_WORD = re.compile(r"\s*(?:-|–|—|to|until|and)\s*", re.I)
_PLUS_MINUS = re.compile(r"\s*(?:±|\+/-|\+-)\s*")


def _bound(t: str, pos: int) -> tuple[str, float, str, int, int | None] | None:
    """(qualifier sign, value, unit, end, power of ten written or None) of one limit starting at pos."""
    qm = _QUALIFIER.match(t, pos)
    qual = _QUALIFIER_SIGN.get((qm.group("q") or "").lower(), "")
    m = NUMBER.match(t, qm.end())
    if not m:
        return None
    unit, end = _unit_after(t, m.end())
    power = m.group("exp") or m.group("e") or m.group("pow")
    return qual, _value(m), unit, end, None if power is None else int(power)


def _exact(a: float, b: float, op) -> float:
    """a ± b without binary noise (7.4 + 0.4 = 7.8, not 7.800000000000001)."""
    return float(op(Decimal(repr(a)), Decimal(repr(b))))


def parse_criterion(text: str) -> Criterion | None:
    """The numeric acceptance criterion in `text`, or None for a text criterion ("Conforms", "No growth") or
    text this parser cannot read with confidence. Never raises for what a writer typed."""
    return _parse_criterion(str(text or ""))


@functools.lru_cache(maxsize=4096)  # pure and immutable result: a criterion is judged once per result row
def _parse_criterion(text: str) -> Criterion | None:
    t = _clean(str(text or "")).strip()
    if not t or _TEXT_ONLY.match(t):
        return None
    t = re.sub(r"^\s*between\s+", "", t, flags=re.I)
    # a closing remark in brackets ("10–50 mL per bag (label claim ± 10 %)") does not change the limits
    t = re.sub(r"\s*\([^()]*\)\s*\.?$", "", t) or t
    first = _bound(t, 0)
    if first is None:
        return None
    qual, value, unit, end, power = first
    crit: Criterion
    pm = _PLUS_MINUS.match(t, end)
    rw = _RANGE_WORD.match(t, end)
    if not qual and pm:
        second = _bound(t, pm.end())
        if second is None or second[0]:
            return None
        _, delta, unit2, end, _ = second
        unit = unit or unit2
        crit = Criterion(_exact(value, delta, lambda a, b: a - b), _exact(value, delta, lambda a, b: a + b), unit)
    elif not qual and rw and _bound(t, rw.end()) and not _bound(t, rw.end())[0]:
        _, high, unit2, end, power2 = _bound(t, rw.end())
        if unit and unit2 and unit != unit2:
            return None
        # "1 to 5 × 10⁶ cells": the power of ten of the second number applies to a first that has none
        if power is None and power2 is not None and not unit and value * 10 ** power2 <= high:
            value = float(f"{Decimal(repr(value))}e{power2}")
        unit = unit or unit2
        crit = Criterion(min(value, high), max(value, high), unit)
    elif qual in ("≥", ">"):
        crit = Criterion(value, None, unit, low_inclusive=qual == "≥")
    elif qual in ("≤", "<"):
        crit = Criterion(None, value, unit, high_inclusive=qual == "≤")
    else:
        return None  # a bare number ("7.4") or an approximation is a target, not a limit
    rest = t[end:]
    # "≥ 70 % and ≤ 95 %": a second, opposite limit
    more = re.match(r"\s*(?:,|;|and|&)\s*", rest, re.I)
    if more and crit.low is not None and crit.high is None or more and crit.high is not None and crit.low is None:
        second = _bound(rest, more.end())
        if second and second[0] in ("≤", "<", "≥", ">"):
            q2, v2, u2, e2, _ = second
            if u2 and crit.unit and u2 != crit.unit:
                return None  # two limits on different quantities ("≥ 500 pg/mL per 10⁵ cells; ≤ 100 pg/mL ...")
            if q2 in ("≤", "<") and crit.high is None:
                crit = Criterion(crit.low, v2, crit.unit or u2, crit.low_inclusive, q2 == "≤")
            elif q2 in ("≥", ">") and crit.low is None:
                crit = Criterion(v2, crit.high, crit.unit or u2, q2 == "≥", crit.high_inclusive)
            if crit.low is not None and crit.high is not None and crit.low > crit.high:
                return None
            rest = rest[e2:]
    of = re.match(r"\s*of\s+", rest, re.I)
    if of:
        try:
            detail = parse_quantity(rest[of.end():])
        except QuantityError:
            detail = None
        if detail is not None:
            return Criterion(crit.low, crit.high, crit.unit, crit.low_inclusive, crit.high_inclusive, detail)
        return crit
    if re.match(r"\s*(?:at|after|for|within|on day|post[- ]thaw)\b", rest, re.I):
        return crit  # the conditions of the test ("≥ 20 % specific lysis at 8 h"), not another limit
    if rest.strip(" .;,") and re.search(r"\d", rest):
        return None  # more numbers we did not understand: better silent than wrong
    return crit


# ----------------------------------------------------------------------------- results
RESULT_TYPES = ("numeric", "text", "conforms")
_CONFORMS = re.compile(r"^\s*(conforms?|complies|compliant|pass(?:es|ed)?|meets? (?:the )?spec\w*|within "
                       r"spec\w*|sterile|no growth|negative|not detected|absent)\s*\.?\s*$", re.I)


def result_type(text: str) -> str:
    """How a typed result reads: 'numeric' ("91 %", "< 0.5 EU/mL"), 'conforms' ("Conforms", "Sterile",
    "No growth") or 'text' (anything else, e.g. "CD3+ CAR+ cells identified")."""
    if _CONFORMS.match(text or ""):
        return "conforms"
    try:
        parse_quantity(text)
        return "numeric"
    except QuantityError:
        return "text"


def split_result(text: str) -> tuple[str, str, str]:
    """A typed grid cell as (result, unit, result type): "91 %" -> ("91", "%", "numeric"); the number keeps
    the writer's own spelling ("2,350", "1.2 × 10⁹")."""
    text = " ".join(str(text or "").split())
    kind = result_type(text)
    if kind != "numeric":
        return text, "", kind
    q = parse_quantity(text)
    if not q.unit:
        return text, "", kind
    for i in range(len(text) - 1, 0, -1):
        head, tail = text[:i].rstrip(), text[i:].strip()
        if not tail or text[i - 1].isalpha():
            continue
        if normalise_unit(tail) == q.unit:
            try:
                if parse_quantity(head).unit == "":
                    return head, q.unit, kind
            except QuantityError:
                continue
    return text, "", kind


# ----------------------------------------------------------------------------- formatting
def _superscript(n: int) -> str:
    return str(n).translate(_TO_SUPERSCRIPT)


def format_number(value: float, grouping: str = ",", scientific: bool = False) -> str:
    """The way a dossier writes a number: "70", "5.0" kept as given by the float, "79,000", "7.9 × 10⁴" for
    ≥ 10⁵ or < 10⁻³. `grouping` is the thousands separator ("," or a space, "" for none)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise QuantityError(f"{value!r} is not a finite number")
    if value == 0:
        return "0"
    d = Decimal(repr(float(value)))
    sign = "-" if d < 0 else ""
    d = abs(d)
    if scientific or d >= Decimal(100000) or d < Decimal("0.001"):
        digits, exp = d.normalize().as_tuple().digits, d.normalize().adjusted()
        mant = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
        return f"{sign}{mant} × 10{_superscript(exp)}"
    text = format(d.normalize(), "f")
    whole, _, frac = text.partition(".")
    if grouping and len(whole) > 4:
        whole = f"{int(whole):,}".replace(",", grouping)
    return sign + whole + (f".{frac}" if frac else "")


def format_quantity(q: Quantity) -> str:
    head = f"{q.qualifier} " if q.qualifier else ""
    unit = q.unit
    sep = "" if unit in ("", "%") else " "
    if unit == "%":
        sep = " "
    return f"{head}{format_number(q.value)}{sep}{unit}".strip()


def format_criterion(c: Criterion) -> str:
    u = f" {c.unit}" if c.unit else ""
    if c.low is not None and c.high is not None:
        if c.low_inclusive and c.high_inclusive:
            text = f"{format_number(c.low)} to {format_number(c.high)}{u}"
            if parse_criterion(text) != Criterion(c.low, c.high, c.unit):
                # "1 to 5 × 10⁵" reads as 1 × 10⁵ to 5 × 10⁵: write both ends with their power of ten
                text = f"{format_number(c.low, scientific=True)} to {format_number(c.high, scientific=True)}{u}"
        else:
            text = (f"{'≥' if c.low_inclusive else '>'} {format_number(c.low)}{u} and "
                    f"{'≤' if c.high_inclusive else '<'} {format_number(c.high)}{u}")
    elif c.low is not None:
        text = f"{'≥' if c.low_inclusive else '>'} {format_number(c.low)}{u}"
    elif c.high is not None:
        text = f"{'≤' if c.high_inclusive else '<'} {format_number(c.high)}{u}"
    else:
        text = "any value"
    if c.detail is not None:
        text += f" of {format_quantity(c.detail)}"
    return text


# ----------------------------------------------------------------------------- durations (time points)
HOURS_PER = {"min": 1 / 60, "h": 1.0, "days": 24.0, "weeks": 168.0, "months": 730.5, "years": 8766.0}


def parse_durations(text: str, default_unit: str | None = None) -> list[Quantity]:
    """Time points as written: "0, 3, 6, 9, 12 months", "0 h, 2 h, 6 h", "T0, 1 m, 3 m", "0/30/60/90 min".
    A number without a unit takes the next unit written after it (else `default_unit`). Raises QuantityError
    when a number has no unit at all or a unit is not a time."""
    t = _clean(str(text or ""))
    t = re.sub(r"\b[Tt](?=\d)", "", t)  # "T0", "T12"
    # "day 0, 7, 14" / "Day 7": a unit written before its number
    t = re.sub(r"\b(days?|weeks?|months?|hours?|years?)\s+(\d+(?:[.,]\d+)?)(?!\s*[A-Za-z])",
               lambda m: f"{m.group(2)} {m.group(1)}", t, flags=re.I)
    t = re.sub(r"\binitial\b|\brelease\b", "0", t, flags=re.I)
    items: list[tuple[float, str]] = []
    for m in re.finditer(r"(\d+(?:[.,]\d+)?)\s*([A-Za-z]+)?", t):
        unit = normalise_unit(m.group(2) or "")
        if unit and unit not in HOURS_PER:
            raise QuantityError(f"'{m.group(2)}' in '{text}' is not a unit of time; use min, h, days, weeks, "
                                "months or years")
        items.append((float(_mantissa(m.group(1))), unit))
    out: list[Quantity] = []
    pending: list[float] = []
    for value, unit in items:
        pending.append(value)
        if unit:
            out.extend(Quantity(int(v) if float(v).is_integer() else v, unit) for v in pending)
            pending = []
    if pending and out:  # "day 0, 7, 14": numbers after the last unit take it
        out.extend(Quantity(int(v) if float(v).is_integer() else v, out[-1].unit) for v in pending)
        pending = []
    if pending:
        if not default_unit:
            raise QuantityError(f"'{text}': give the unit of the time points, e.g. '0, 3, 6 months'")
        out.extend(Quantity(int(v) if float(v).is_integer() else v, default_unit) for v in pending)
    return out


def hours(q: Quantity) -> float:
    return float(q.value) * HOURS_PER[q.unit]


def format_duration(q: Quantity) -> str:
    """'3 months', '1 month', '1.5 h' (a time point or a duration as printed and shown; parse_durations reads
    every form back)."""
    v = q.value
    shown = str(int(v)) if float(v).is_integer() else format_number(float(v))
    unit = q.unit[:-1] if v == 1 and q.unit in ("days", "weeks", "months", "years") else q.unit
    return f"{shown} {unit}"


def format_durations(points: list[Quantity]) -> str:
    """[0, 3, 6 months] -> '0, 3, 6 months'; mixed units keep each: '0 h, 2 h, 1 day'."""
    if not points:
        return ""
    if len({p.unit for p in points}) == 1:
        return ", ".join(format_duration(p).rsplit(" ", 1)[0] for p in points) + f" {points[0].unit}"
    return ", ".join(format_duration(p) for p in points)


# ----------------------------------------------------------------------------- what a unit counts
# (kind, pattern on the counted part of a unit). A dose or strength is compared with a specification only in
# the same kind and on the same basis (per mL, per kg, per cm², or the whole dose).
UNIT_KINDS = (
    ("vector genomes", r"\bvg\b|vector genome|genome cop|\bgc\b"),
    ("transducing units", r"\btu\b|transducing"),
    ("PFU", r"\bpfu\b|plaque"),
    ("infectious units", r"\biu\b|infectious unit|ccid50|tcid50"),
    ("cells", r"\bcells?\b|spheroids?|\bcar\+|viable"),
    ("mg", r"^mg\b"), ("µg", r"^µg\b"), ("mL", r"^m?l\b"), ("cm²", r"^cm²"),
)
WHOLE_DOSE = ("dose", "bag", "vial", "unit", "container", "patch", "implant", "infusion", "syringe", "graft",
              "matrix", "membrane", "sheet")
_PER = re.compile(r"\s*(?:/|\bper\b)\s*", re.I)


def unit_kind(unit: str) -> tuple[str, str] | None:
    """What a (normalised) unit counts and on which basis: 'CAR+ viable T cells per dose' -> ('cells', 'total'),
    'vg/kg' -> ('vector genomes', 'per kg'), 'PFU/mL' -> ('PFU', 'per mL'), 'cells/cm²' -> ('cells', 'per cm²'),
    '%' or an unknown unit -> None."""
    u = normalise_unit(unit)
    if not u or u == "%":
        return None
    parts = _PER.split(u, maxsplit=1)
    head, per = parts[0], (parts[1] if len(parts) > 1 else "")
    kind = next((k for k, pattern in UNIT_KINDS if re.search(pattern, head, re.I)), None)
    if kind is None:
        return None
    per = normalise_unit(per.split()[0]) if per.split() else ""
    return kind, ("total" if not per or per.lower() in WHOLE_DOSE else f"per {per}")


def amounts(text: str) -> list[tuple[float, float, str]]:
    """The stated amounts of a dose, strength or composition text as (low, high, unit): a range, a limit or a
    single value per clause (clauses end at ';' and brackets), and the concentration an "of ..." clause gives:
    'up to 4 mL of 1 × 10⁶ PFU/mL' -> [(4, 4, 'mL'), (1e6, 1e6, 'PFU/mL')]; '0.6–6.0 × 10⁸ CAR+ viable T cells
    (single dose)' -> [(6e7, 6e8, 'CAR+ viable T cells')]. Numbers without a unit are left out."""
    out: list[tuple[float, float, str]] = []
    for clause in re.split(r"[;()\[\]]", _clean(str(text or ""))):
        clause = clause.strip(" ,.")
        if not clause:
            continue
        c = parse_criterion(clause)
        if c is not None:
            low = c.low if c.low is not None else c.high
            high = c.high if c.high is not None else c.low
            if c.unit and low is not None:
                out.append((low, high, c.unit))
            if c.detail is not None and c.detail.unit:
                out.append((c.detail.value, c.detail.value, c.detail.unit))
            continue
        try:
            q = parse_quantity(clause)
            if q.unit:
                out.append((q.value, q.value, q.unit))
            continue
        except QuantityError:
            pass
        out += [(q.value, q.value, q.unit) for q, _s, _e in find_quantities(clause) if q.unit]
    return out
