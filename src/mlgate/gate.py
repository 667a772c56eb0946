"""The decision: candidate metrics + baseline metrics + rules -> checks -> pass or fail.

Pure: no I/O. Semantics (README "Gate rules" has worked examples):

- improvement = candidate - baseline for `direction: higher`, baseline - candidate for `lower`;
  worsening = -improvement. Percentages are of |baseline|.
- threshold: candidate >= threshold (higher) or <= threshold (lower).
- max_regression(_pct): worsening <= limit.  min_improvement(_pct): improvement >= limit.
  max_improvement(_pct): improvement <= limit (a gain this large is suspicious).
- A value exactly on a boundary passes: comparisons allow a relative error of 1e-9, so that
  float noise (0.85 - 0.80 = 0.05000000000000004) never decides a verdict.
- A baseline of 0 under a percentage rule: any change is an infinite percentage, so the rule
  holds only when the candidate does not move in the direction the rule limits.
- Rules that need a baseline are skipped, with a note, when there is none (absolute thresholds
  still hold); a gated metric missing from the candidate fails when `required`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from mlgate.config import GateRule
from mlgate.metrics import MetricValue, numeric, require_single_value

REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-12

RELATIVE_RULES = (
    "max_regression",
    "max_regression_pct",
    "min_improvement",
    "min_improvement_pct",
    "max_improvement",
    "max_improvement_pct",
)


@dataclass(frozen=True)
class Check:
    metric: str
    direction: str
    candidate: float | None
    baseline: float | None
    delta: float | None
    delta_pct: float | None
    rule: str
    limit: float | None
    passed: bool
    message: str
    skipped: bool = False


@dataclass(frozen=True)
class Decision:
    passed: bool
    checks: tuple[Check, ...]
    notes: tuple[str, ...]
    # Metrics without a gate: shown next to the checks, never gating.
    ungated: tuple[tuple[str, MetricValue, MetricValue], ...]

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)


def decide(
    rules: tuple[GateRule, ...],
    candidate: Mapping[str, MetricValue],
    baseline: Mapping[str, MetricValue] | None,
    *,
    candidate_source: str,
    baseline_source: str,
    missing_baseline_fails: bool = False,
    missing_baseline_reason: str = "",
) -> Decision:
    """Apply every rule. `baseline` None means there is none; see `missing_baseline_reason`."""
    checks: list[Check] = []
    notes: list[str] = []
    if baseline is None and missing_baseline_reason:
        if missing_baseline_fails:
            checks.append(_no_baseline_check(missing_baseline_reason))
        else:
            notes.append(
                f"NO BASELINE: {missing_baseline_reason}; only absolute thresholds were "
                "enforced (metrics.on_missing_baseline: pass)"
            )
    for rule in rules:
        checks.extend(
            _checks_for(
                rule,
                candidate,
                baseline,
                sources=(candidate_source, baseline_source),
                notes=notes,
            )
        )
    gated = {rule.metric for rule in rules}
    ungated = tuple(
        (name, value, None if baseline is None else baseline.get(name))
        for name, value in sorted(candidate.items())
        if name not in gated
    )
    return Decision(
        passed=all(check.passed for check in checks),
        checks=tuple(checks),
        notes=tuple(notes),
        ungated=ungated,
    )


def _no_baseline_check(reason: str) -> Check:
    return Check(
        metric="*",
        direction="",
        candidate=None,
        baseline=None,
        delta=None,
        delta_pct=None,
        rule="on_missing_baseline",
        limit=None,
        passed=False,
        message=f"no baseline: {reason} (metrics.on_missing_baseline: fail)",
    )


def _checks_for(
    rule: GateRule,
    candidate: Mapping[str, MetricValue],
    baseline: Mapping[str, MetricValue] | None,
    *,
    sources: tuple[str, str],
    notes: list[str],
) -> list[Check]:
    candidate_source, baseline_source = sources
    base = Check(rule.metric, rule.direction, None, None, None, None, "required", None, True, "")
    require_single_value(candidate, rule.metric, candidate_source)
    if baseline is not None:
        require_single_value(baseline, rule.metric, baseline_source)
    if rule.metric not in candidate:
        if rule.required:
            return [_with(base, passed=False, message=f"missing from {candidate_source}")]
        return [
            _with(
                base,
                skipped=True,
                message=f"missing from {candidate_source}; skipped (required: false)",
            )
        ]
    value = numeric(candidate[rule.metric], rule.metric, candidate_source)
    reference = None
    if baseline is not None and rule.metric in baseline:
        reference = numeric(baseline[rule.metric], rule.metric, baseline_source)
    base = _with(base, candidate=value, baseline=reference, **_deltas(value, reference))
    checks = []
    if rule.threshold is not None:
        checks.append(_threshold(base, rule.threshold))
    for name in RELATIVE_RULES:
        limit = getattr(rule, name)
        if limit is None:
            continue
        if reference is None:
            why = "no baseline" if baseline is None else f"{baseline_source} has no {rule.metric}"
            checks.append(
                _with(base, rule=name, limit=limit, skipped=True, message=f"skipped: {why}")
            )
            if baseline is not None:
                notes.append(f"{rule.metric}: {why}, so its relative rules were not checked")
            continue
        checks.append(_relative(base, name, limit, value, reference))
    if not checks:
        checks.append(_with(base, message="present"))
    return checks


def _deltas(value: float, reference: float | None) -> dict[str, float | None]:
    if reference is None:
        return {"delta": None, "delta_pct": None}
    delta = value - reference
    return {"delta": delta, "delta_pct": None if reference == 0 else delta / abs(reference) * 100}


def _threshold(base: Check, threshold: float) -> Check:
    assert base.candidate is not None
    if base.direction == "higher":
        passed = _at_most(threshold, base.candidate)
        message = f"{_fmt(base.candidate)} {'>=' if passed else '<'} {_fmt(threshold)}"
    else:
        passed = _at_most(base.candidate, threshold)
        message = f"{_fmt(base.candidate)} {'<=' if passed else '>'} {_fmt(threshold)}"
    return _with(base, rule="threshold", limit=threshold, passed=passed, message=message)


def _relative(base: Check, name: str, limit: float, value: float, reference: float) -> Check:
    improvement = value - reference if base.direction == "higher" else reference - value
    if name.endswith("_pct"):
        amount = _percent(improvement, reference)
        unit = "%"
    else:
        amount = improvement
        unit = ""
    kind = name.removesuffix("_pct")
    if kind == "max_regression":
        passed = _at_most(-amount, limit)
        said = f"{_change(amount, unit)}, allowed worsening {_fmt(limit)}{unit}"
    elif kind == "min_improvement":
        passed = _at_most(limit, amount)
        said = f"improved by {_fmt(amount)}{unit}, required {_fmt(limit)}{unit}"
    else:  # max_improvement: a suspiciously large gain blocks (leakage, broken evaluation)
        passed = _at_most(amount, limit)
        said = f"improved by {_fmt(amount)}{unit}, at most {_fmt(limit)}{unit} is credible"
    if unit and reference == 0 and improvement != 0:
        said += " (the baseline is 0, so any change is an infinite percentage)"
    return _with(base, rule=name, limit=limit, passed=passed, message=said)


def _percent(improvement: float, reference: float) -> float:
    if reference == 0:
        if _close(improvement, 0.0):
            return 0.0
        return math.copysign(math.inf, improvement)
    return improvement / abs(reference) * 100


def _at_most(left: float, right: float) -> bool:
    """left <= right, allowing float noise: a value on the boundary passes."""
    return left <= right or _close(left, right)


def _close(left: float, right: float) -> bool:
    if math.isinf(left) or math.isinf(right):
        return left == right
    return math.isclose(left, right, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)


def _change(amount: float, unit: str) -> str:
    if amount == 0:
        return "unchanged"
    if amount < 0:
        return f"worsened by {_fmt(-amount)}{unit}"
    return f"improved by {_fmt(amount)}{unit}"


def _fmt(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value + 0.0:.6g}"  # + 0.0: a zero is "0", never "-0"


def _with(check: Check, **changes: Any) -> Check:
    return replace(check, **changes)
