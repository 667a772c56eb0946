"""The decision: candidate metrics + baseline metrics + rules -> checks -> pass or fail.

Pure: no I/O. Semantics (docs/compare.md, "Gate rules, exactly", has worked examples):

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

A gate with `confidence` is judged on intervals instead (docs/noise-aware-gates.md); compare
computes them from the per-example records and passes them in as `Evidence`. Each rule asks
whether the *whole* interval of the improvement is on its good side (`holds`), on its bad side
(`violated`), or straddles the limit (`inconclusive`, which follows `on_inconclusive`).
`threshold` asks the same of the candidate's own interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mlgate.config import (
    AMOUNT_RULES,
    ON_MISSING_BASELINE,
    REQUIRED,
    AmountRule,
    GateRule,
    RuleKind,
    amount_rule,
)
from mlgate.core.wording import rows_would
from mlgate.data import MetricValue, numeric, require_single_value

if TYPE_CHECKING:
    from mlgate.compare.stats.paired import Interval

REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-12

# What each kind of amount rule allows, said the same way for point and interval checks.
_ALLOWED: dict[RuleKind, str] = {
    "max_regression": "allowed worsening {limit}",
    "min_improvement": "required {limit}",
    "max_improvement": "at most {limit} is credible",
}
# What rows too few to decide a kind of amount rule cannot show.
_UNDECIDED: dict[RuleKind, str] = {
    "max_regression": "show a regression within {limit}",
    "min_improvement": "show an improvement of {limit}",
    "max_improvement": "show a gain above {limit}",
}


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
    # Gates with `confidence` (None for point rules): holds | violated | inconclusive, or
    # `point` when the baseline had no records; the interval (of the improvement's unsigned
    # difference, or of the candidate for `threshold`); how many rows would resolve it.
    evidence: str | None = None
    interval: dict[str, Any] | None = None
    pairing: str | None = None
    paired_rows: int | None = None
    rows_needed: int | None = None


@dataclass(frozen=True)
class Evidence:
    """What a gate's per-example records say, computed by compare (rules.py stays pure)."""

    candidate: Interval  # the candidate's own statistic, for `threshold`
    difference: Interval | None  # candidate - baseline; None: the baseline has no records
    pairing: str = "paired"
    paired_rows: int = 0
    on_inconclusive: str = "fail"
    missing_reason: str = ""  # why `difference` is None


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
    evidence: Mapping[str, Evidence] | None = None,
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
                evidence=(evidence or {}).get(rule.metric),
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
        rule=ON_MISSING_BASELINE,
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
    evidence: Evidence | None = None,
) -> list[Check]:
    candidate_source, baseline_source = sources
    base = Check(rule.metric, rule.direction, None, None, None, None, REQUIRED, None, True, "")
    require_single_value(candidate, rule.metric, candidate_source)
    if baseline is not None:
        require_single_value(baseline, rule.metric, baseline_source)
    if rule.metric not in candidate:
        # What production had, for the report (a value that is no number is left out: nothing
        # is judged against it).
        known = baseline.get(rule.metric) if baseline is not None else None
        if isinstance(known, int | float) and not isinstance(known, bool) and _finite(known):
            base = _with(base, baseline=float(known))
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
    if evidence is not None and evidence.difference is None and reference is not None:
        notes.append(
            f"{rule.metric}: JUDGED ON POINT ESTIMATES, not on its {_percent_text(evidence)} "
            f"interval: {evidence.missing_reason}"
        )
    if rule.threshold is not None:
        if evidence is not None:
            checks.append(_threshold_interval(base, rule.threshold, evidence))
        else:
            checks.append(_threshold(base, rule.threshold))
    checks.extend(
        _relative_checks(
            rule, base, baseline, baseline_source=baseline_source, notes=notes, evidence=evidence
        )
    )
    if not checks:
        checks.append(_with(base, message="present"))
    return checks


def _relative_checks(
    rule: GateRule,
    base: Check,
    baseline: Mapping[str, MetricValue] | None,
    *,
    baseline_source: str,
    notes: list[str],
    evidence: Evidence | None,
) -> list[Check]:
    value, reference = base.candidate, base.baseline
    assert value is not None
    checks = []
    for limited in AMOUNT_RULES:
        limit = getattr(rule, limited.name)
        if limit is None:
            continue
        if reference is None:
            why = "no baseline" if baseline is None else f"{baseline_source} has no {rule.metric}"
            checks.append(
                _with(
                    base,
                    rule=limited.name,
                    limit=limit,
                    skipped=True,
                    message=f"skipped: {why}",
                )
            )
            if baseline is not None:
                notes.append(f"{rule.metric}: {why}, so its relative rules were not checked")
            continue
        if evidence is not None and evidence.difference is not None:
            checks.append(_relative_interval(base, limited, limit, reference, evidence))
        else:
            point = _relative(base, limited, limit, value, reference)
            checks.append(point if evidence is None else _with(point, evidence="point"))
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


def _relative(base: Check, rule: AmountRule, limit: float, value: float, reference: float) -> Check:
    improvement = value - reference if base.direction == "higher" else reference - value
    amount = _percent(improvement, reference) if rule.percent else improvement
    unit = rule.unit
    if rule.kind == "max_regression":
        passed = _at_most(-amount, limit)
        change = _change(amount, unit)
    elif rule.kind == "min_improvement":
        passed = _at_most(limit, amount)
        change = f"improved by {_fmt(amount)}{unit}"
    else:  # max_improvement: a suspiciously large gain blocks (leakage, broken evaluation)
        passed = _at_most(amount, limit)
        change = f"improved by {_fmt(amount)}{unit}"
    said = f"{change}, {_allowed(rule, limit)}"
    if rule.percent and reference == 0 and improvement != 0:
        said += " (the baseline is 0, so any change is an infinite percentage)"
    return _with(base, rule=rule.name, limit=limit, passed=passed, message=said)


def _allowed(rule: AmountRule, limit: float) -> str:
    return _ALLOWED[rule.kind].format(limit=f"{_fmt(limit)}{rule.unit}")


def _threshold_interval(base: Check, threshold: float, evidence: Evidence) -> Check:
    """The threshold on the candidate's own interval."""
    found = evidence.candidate
    if base.direction == "higher":
        state = _state(found.low, found.high, threshold)
        bound = ">="
    else:  # lower is better: the good side is below the threshold
        state = _state(-found.high, -found.low, -threshold)
        bound = "<="
    interval = _interval_text(found.low, found.high, found.confidence)
    said = f"{interval}, required {bound} {_fmt(threshold)}"
    return _judged(
        base,
        "threshold",
        threshold,
        state,
        said,
        evidence=evidence,
        signed=found if base.direction == "higher" else _negated(found),
        boundary=threshold if base.direction == "higher" else -threshold,
        shown=found,
    )


def _negated(found: Interval) -> Interval:
    return replace(
        found, estimate=-found.estimate + 0.0, low=-found.high + 0.0, high=-found.low + 0.0
    )


def _relative_interval(
    base: Check, rule: AmountRule, limit: float, reference: float, evidence: Evidence
) -> Check:
    """A relative rule on the interval of the improvement (signed by the direction)."""
    found = evidence.difference
    assert found is not None
    low, high = (found.low, found.high) if base.direction == "higher" else (-found.high, -found.low)
    amount = limit / 100 * abs(reference) if rule.percent else limit
    said = f"{_change_interval(low, high, found.confidence)}, {_allowed(rule, limit)}"
    if rule.kind == "max_regression":  # holds when even the worst case is within the allowance
        state = _state(low, high, -amount)
        boundary = -amount
    elif rule.kind == "min_improvement":
        state = _state(low, high, amount)
        boundary = amount
    else:  # max_improvement: blocks only when even the smallest plausible gain is too large
        if _at_most(high, amount):
            state = "holds"
        elif amount < low:
            state = "violated"
        else:
            state = "inconclusive"
        boundary = amount
    estimate = found.estimate if base.direction == "higher" else -found.estimate
    signed = replace(found, estimate=estimate, low=low, high=high)
    return _judged(
        base,
        rule.name,
        limit,
        state,
        said,
        evidence=evidence,
        signed=signed,
        boundary=boundary,
        shown=found,
    )


def _state(low: float, high: float, floor: float) -> str:
    """Where [low, high] lies against a floor it must stay at or above (float noise allowed)."""
    if _at_most(floor, low):
        return "holds"
    if high < floor and not _close(high, floor):
        return "violated"
    return "inconclusive"


def _judged(
    base: Check,
    rule: str,
    limit: float,
    state: str,
    said: str,
    *,
    evidence: Evidence,
    signed: Interval,
    boundary: float,
    shown: Interval,
) -> Check:
    from mlgate.compare.stats.paired import (
        rows_to_resolve,  # compare has loaded numpy to build the evidence
    )

    rows_needed = rows_to_resolve(signed, boundary) if state == "inconclusive" else None
    if state == "inconclusive":
        said = f"{said}: inconclusive; {_resolution(rule, limit, evidence, rows_needed)}"
        passed = evidence.on_inconclusive == "pass"
        if passed:
            said += " (on_inconclusive: pass)"
    else:
        said = f"{said}: {state}"
        passed = state == "holds"
    return _with(
        base,
        rule=rule,
        limit=limit,
        passed=passed,
        message=said,
        evidence=state,
        interval=shown.to_dict(),
        pairing=evidence.pairing,
        paired_rows=evidence.paired_rows if rule != "threshold" else shown.rows,
        rows_needed=rows_needed,
    )


def _resolution(rule: str, limit: float, evidence: Evidence, rows_needed: int | None) -> str:
    """The plain sentence: what these rows cannot show, and how many would."""
    found = amount_rule(rule)  # None: the threshold, on the candidate's own value
    if found is None:
        rows, kind = evidence.candidate.rows, "examples"
        question = f"place the metric on either side of {_fmt(limit)}"
    else:
        rows, kind = evidence.paired_rows, "paired examples"
        question = _UNDECIDED[found.kind].format(limit=f"{_fmt(limit)}{found.unit}")
    said = f"{rows:,} {kind} cannot {question}"
    if rows_needed is None:
        return f"{said}; the observed difference sits on the limit, so no number of rows would"
    return f"{said}; {rows_would(rows, rows_needed)}"


def _change_interval(low: float, high: float, confidence: float) -> str:
    """The interval of the improvement, named for what it holds: an interval below zero is a
    worsening (shown as positive amounts), one across zero a change."""
    if high < 0:
        return f"worsening {_interval_text(-high, -low, confidence)}"
    if low > 0:
        return f"improvement {_interval_text(low, high, confidence)}"
    return f"change {_interval_text(low, high, confidence)} (positive is better)"


def _interval_text(low: float, high: float, confidence: float) -> str:
    return f"[{_fmt(low)}, {_fmt(high)}] at {confidence:.0%}"


def _percent_text(evidence: Evidence) -> str:
    return f"{evidence.candidate.confidence:.0%}"


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


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False
