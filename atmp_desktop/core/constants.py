"""Regulatory numbers used by validation, in ONE place, each with its source and the brief's certainty tag.

Tags (domain brief §0): V verified against a source excerpt, K domain knowledge (verify before relying on it),
U unsure. Change a number here and every rule, report and the docs table follow.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    value: float | int
    unit: str
    meaning: str
    source: str
    certainty: str


CLASSIFICATION_DAYS = Constant(60, "days", "CAT classification recommendation after a valid request (Art. 17)",
                               "Reg. (EC) No 1394/2007 Art. 17; EMA/CAT/99623/2009 Rev.2", "V")
SME_CERTIFICATION_DAYS = Constant(90, "days", "SME certification of quality/non-clinical data (Art. 18)",
                                  "Reg. (EC) No 668/2009; EMA certification procedures page", "V")
ACCELERATED_ASSESSMENT_DAYS = Constant(150, "days", "accelerated assessment, active days (90 + 30 + 30)",
                                       "EMA ATMP assessment timetables (brief S15)", "V")
STANDARD_ASSESSMENT_DAYS = Constant(210, "days", "standard MAA assessment, active days",
                                    "EMA ATMP assessment timetables (brief S15)", "V")
AA_REQUEST_LEAD_DAYS = Constant(60, "days", "accelerated-assessment request lodged at least 2-3 months before "
                                "submission (the lower bound is used)", "EMA accelerated assessment guidance (brief S15)",
                                "K")
TRACEABILITY_RETENTION_YEARS = Constant(30, "years", "traceability data kept at least 30 years after expiry",
                                        "Reg. (EC) No 1394/2007 Art. 15(4); EudraLex Vol. 4 Part IV", "V")
STERILITY_INCUBATION_DAYS = Constant(14, "days", "compendial sterility test incubation (Ph. Eur. 2.6.1); shorter "
                                     "shelf lives need an alternative release strategy", "Ph. Eur. 2.6.1; GMP Part IV §11",
                                     "K")
NB_REPLY_MONTHS = Constant(1, "month", "notified body reply when EMA asks about the device assessment (Art. 9)",
                           "Reg. (EC) No 1394/2007 Art. 9(3)", "V")
SME_MAX_STAFF = Constant(250, "staff", "SME headcount ceiling (fewer than 250)", "Commission Rec. 2003/361/EC", "V")
SME_MAX_TURNOVER_MEUR = Constant(50, "million EUR", "SME annual turnover ceiling", "Commission Rec. 2003/361/EC", "V")
SME_MAX_BALANCE_MEUR = Constant(43, "million EUR", "SME balance-sheet ceiling", "Commission Rec. 2003/361/EC", "V")

ALL_CONSTANTS: dict[str, Constant] = {k: v for k, v in globals().items() if isinstance(v, Constant)}

# Jurisdictions listed in NOTE 2 of the GM-cells common application form v5 (Nov 2021), verification notes §4a.
CAF_GM_CELLS_JURISDICTIONS = frozenset({
    "AT", "BE", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "EL", "HU", "IE", "IT", "LV", "LT", "LU", "NL",
    "PT", "RO", "ES", "SE", "NO"})
CAF_GM_CELLS_SOURCE = "Common application form for clinical research with human cells genetically modified, v5, NOTE 2"

# Names writers may type instead of the codes above (EL is the EU code for Greece).
COUNTRY_CODES = {
    "austria": "AT", "belgium": "BE", "bulgaria": "BG", "croatia": "HR", "cyprus": "CY", "czechia": "CZ",
    "czech republic": "CZ", "denmark": "DK", "estonia": "EE", "finland": "FI", "france": "FR", "germany": "DE",
    "greece": "EL", "gr": "EL", "hungary": "HU", "ireland": "IE", "italy": "IT", "latvia": "LV", "lithuania": "LT",
    "luxembourg": "LU", "malta": "MT", "netherlands": "NL", "the netherlands": "NL", "poland": "PL",
    "portugal": "PT", "romania": "RO", "slovakia": "SK", "slovenia": "SI", "spain": "ES", "sweden": "SE",
    "norway": "NO", "iceland": "IS", "liechtenstein": "LI",
}

# Time units for shelf life and stability time points, in hours (a month is 30.44 days).
HOURS_PER_UNIT = {"h": 1.0, "days": 24.0, "weeks": 168.0, "months": 730.5, "years": 8766.0}
