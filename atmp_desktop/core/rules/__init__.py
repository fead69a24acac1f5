"""The rule set. Importing this package registers every rule in `RULES` (brief §8 ids plus REQ- and CON-)."""
from atmp_desktop.core.rules import completeness, consistency, materials, procedure, product, quality  # noqa: F401
from atmp_desktop.core.rules.base import RULES, SEVERITIES, Ctx, Rule

# brief §8 order, then completeness and consistency
_SERIES = ("CTD", "TYP", "GMO", "DON", "MAT", "QC", "DEV", "TRC", "LTF", "PRO", "SME", "GMP", "REQ", "CON")
RULES.sort(key=lambda r: (_SERIES.index(r.id.split("-")[0]), int(r.id.split("-")[1])))

__all__ = ["RULES", "SEVERITIES", "Ctx", "Rule"]
