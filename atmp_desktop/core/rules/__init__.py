"""The rule set. Importing this package registers every rule in `RULES` (brief §8 ids plus REQ- and CON-)."""
from atmp_desktop.core.rules import completeness, consistency, materials, procedure, product, quality  # noqa: F401
from atmp_desktop.core.rules.base import RULES, SEVERITIES, Ctx, Rule

__all__ = ["RULES", "SEVERITIES", "Ctx", "Rule"]
