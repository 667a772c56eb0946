"""The gate rules, named once: the config reader accepts these keys, `rules` checks them, the
report words them. `threshold` bounds the candidate's own value; every other rule limits its
change against the baseline by a non-negative amount, absolute or in percent of |baseline|.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The checks that find a value missing rather than a number out of bounds: a gated metric the
# candidate does not report (`required: true`), and no baseline under
# `metrics.on_missing_baseline: fail`.
REQUIRED = "required"
ON_MISSING_BASELINE = "on_missing_baseline"

# What an amount rule limits: the worsening, or the improvement from below or from above.
RuleKind = Literal["max_regression", "min_improvement", "max_improvement"]


@dataclass(frozen=True)
class AmountRule:
    kind: RuleKind
    percent: bool  # `_pct`: the amount is a percentage of |baseline|

    @property
    def name(self) -> str:
        """The key in mlgate.yaml, the `GateRule` field and the check's `rule`."""
        return f"{self.kind}_pct" if self.percent else self.kind

    @property
    def unit(self) -> str:
        return "%" if self.percent else ""


AMOUNT_RULES = tuple(
    AmountRule(kind, percent)
    for kind in ("max_regression", "min_improvement", "max_improvement")
    for percent in (False, True)
)
_BY_NAME = {rule.name: rule for rule in AMOUNT_RULES}


def amount_rule(name: str) -> AmountRule | None:
    """The amount rule a name (a check's `rule`) stands for; None for `threshold` or a name
    that is no rule (a result file from elsewhere)."""
    return _BY_NAME.get(name)


def left_unjudged(*, skipped: bool, rule: str, baseline_found: bool) -> bool:
    """Whether a check was skipped for want of a value that should have been there: a gated
    metric the candidate lacks (`required: false`), or one a baseline that was found lacks.
    Rules that need a baseline when there is none are the bootstrap's, and said as such. A
    pass with such a check is a pass-with-skips (compare's summary, the report's headline)."""
    return skipped and (rule == REQUIRED or baseline_found)
