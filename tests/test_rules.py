from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlgate.compare import Decision, decide
from mlgate.config import GateRule
from mlgate.core.errors import InputError


def run(
    rule: GateRule,
    candidate: float | None,
    baseline: float | None,
    *,
    missing_baseline_reason: str = "",
    missing_baseline_fails: bool = False,
) -> Decision:
    baseline_metrics = {} if baseline is None else {rule.metric: baseline}
    return decide(
        (rule,),
        {} if candidate is None else {rule.metric: candidate},
        None if missing_baseline_reason else baseline_metrics,
        candidate_source="candidate.json",
        baseline_source="baseline.json",
        missing_baseline_reason=missing_baseline_reason,
        missing_baseline_fails=missing_baseline_fails,
    )


HIGHER = "higher"
LOWER = "lower"


@pytest.mark.parametrize(
    ("rule", "candidate", "baseline", "passed"),
    [
        # threshold: the candidate's own value, baseline or not
        (GateRule("acc", HIGHER, threshold=0.9), 0.9, 0.95, True),
        (GateRule("acc", HIGHER, threshold=0.9), 0.8999, 0.95, False),
        (GateRule("loss", LOWER, threshold=0.5), 0.5, 0.1, True),
        (GateRule("loss", LOWER, threshold=0.5), 0.5001, 0.1, False),
        # max_regression: worsening allowed, absolute
        (GateRule("acc", HIGHER, max_regression=0.01), 0.94, 0.95, True),
        (GateRule("acc", HIGHER, max_regression=0.01), 0.9399, 0.95, False),
        (GateRule("loss", LOWER, max_regression=0.01), 0.11, 0.10, True),  # worse = higher loss
        (GateRule("loss", LOWER, max_regression=0.01), 0.1101, 0.10, False),
        (GateRule("loss", LOWER, max_regression=0.0), 0.05, 0.10, True),  # better always passes
        # max_regression_pct: percent of |baseline|
        (GateRule("acc", HIGHER, max_regression_pct=2), 0.784, 0.8, True),  # exactly 2%
        (GateRule("acc", HIGHER, max_regression_pct=2), 0.7839, 0.8, False),
        (GateRule("loss", LOWER, max_regression_pct=10), 0.55, 0.5, True),
        (GateRule("loss", LOWER, max_regression_pct=10), 0.5501, 0.5, False),
        (GateRule("delta", HIGHER, max_regression_pct=10), -1.1, -1.0, True),  # |baseline|
        (GateRule("delta", HIGHER, max_regression_pct=10), -1.11, -1.0, False),
        # min_improvement: promotion gates
        (GateRule("acc", HIGHER, min_improvement=0.05), 0.85, 0.80, True),  # MLflow fails this
        (GateRule("acc", HIGHER, min_improvement=0.05), 0.8499, 0.80, False),
        (GateRule("loss", LOWER, min_improvement_pct=10), 0.45, 0.5, True),
        (GateRule("loss", LOWER, min_improvement_pct=10), 0.4501, 0.5, False),
        # max_improvement: a gain too good to be true blocks
        (GateRule("acc", HIGHER, max_improvement_pct=50), 0.9, 0.6, True),
        (GateRule("acc", HIGHER, max_improvement_pct=50), 0.91, 0.6, False),
        (GateRule("loss", LOWER, max_improvement=0.2), 0.3, 0.5, True),
        (GateRule("loss", LOWER, max_improvement=0.2), 0.29, 0.5, False),
        # a baseline of 0 under percentage rules
        (GateRule("errors", LOWER, max_regression_pct=10), 0.0, 0.0, True),
        (GateRule("errors", LOWER, max_regression_pct=10), 1.0, 0.0, False),
        (GateRule("errors", LOWER, max_regression_pct=10), -1.0, 0.0, True),
        (GateRule("gain", HIGHER, min_improvement_pct=5), 0.1, 0.0, True),
        (GateRule("gain", HIGHER, min_improvement_pct=5), 0.0, 0.0, False),
        (GateRule("gain", HIGHER, min_improvement_pct=0), 0.0, 0.0, True),
        (GateRule("gain", HIGHER, max_improvement_pct=50), 0.1, 0.0, False),
    ],
)
def test_rules(rule: GateRule, candidate: float, baseline: float, passed: bool) -> None:
    decision = run(rule, candidate, baseline)
    assert decision.passed is passed, decision.checks


def test_mlflow_float_trap_is_a_pass() -> None:
    """0.85 vs 0.80 + 0.05: a float error must not decide the verdict."""
    assert 0.85 - 0.80 < 0.05  # the trap is real: the improvement falls short by 7e-17
    decision = run(GateRule("acc", HIGHER, min_improvement=0.05), 0.85, 0.80)
    assert decision.passed


def test_check_fields() -> None:
    decision = run(GateRule("acc", HIGHER, threshold=0.9, max_regression=0.01), 0.93, 0.95)
    threshold, regression = decision.checks
    assert (threshold.rule, threshold.limit, threshold.passed) == ("threshold", 0.9, True)
    assert regression.rule == "max_regression"
    assert regression.passed is False
    assert regression.delta == pytest.approx(-0.02)
    assert regression.delta_pct == pytest.approx(-2.105263, rel=1e-5)
    assert "worsened by 0.02" in regression.message
    assert not decision.passed
    assert decision.failed_checks == (regression,)


def test_every_set_rule_must_hold() -> None:
    rule = GateRule("acc", HIGHER, threshold=0.9, max_regression=0.5, max_improvement=0.01)
    decision = run(rule, 0.95, 0.5)
    assert [c.passed for c in decision.checks] == [True, True, False]
    assert not decision.passed


def test_missing_required_metric_fails_and_optional_is_skipped() -> None:
    required = run(GateRule("acc", HIGHER, threshold=0.9), None, 0.9)
    assert not required.passed
    assert required.checks[0].message == "missing from candidate.json"
    optional = run(GateRule("acc", HIGHER, threshold=0.9, required=False), None, 0.9)
    assert optional.passed
    assert optional.checks[0].skipped
    assert "required: false" in optional.checks[0].message


def test_an_unchanged_or_better_metric_never_reads_as_worsened() -> None:
    rule = GateRule("loss", "lower", max_regression=0.01)
    same = run(rule, 0.3, 0.3).checks[0].message
    assert same == "unchanged, allowed worsening 0.01"
    better = run(rule, 0.25, 0.3).checks[0].message
    assert better == "improved by 0.05, allowed worsening 0.01"


def test_no_baseline_pass_enforces_thresholds_and_says_so_loudly() -> None:
    rule = GateRule("acc", HIGHER, threshold=0.9, max_regression=0.01)
    decision = run(rule, 0.95, None, missing_baseline_reason="alias champion is not set")
    assert decision.passed
    assert decision.notes[0].startswith("NO BASELINE: alias champion is not set")
    assert decision.checks[1].skipped
    below = run(rule, 0.85, None, missing_baseline_reason="alias champion is not set")
    assert not below.passed


def test_no_baseline_fail_policy_fails() -> None:
    rule = GateRule("acc", HIGHER, threshold=0.9)
    decision = run(
        rule, 0.95, None, missing_baseline_reason="no model", missing_baseline_fails=True
    )
    assert not decision.passed
    assert decision.checks[0].rule == "on_missing_baseline"


def test_baseline_without_the_metric_skips_relative_rules_with_a_note() -> None:
    decision = run(GateRule("new", HIGHER, threshold=0.5, max_regression=0.0), 0.6, None)
    assert decision.passed
    assert decision.checks[1].skipped
    assert "baseline.json has no new" in decision.notes[0]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "high", True, None])
def test_non_finite_or_non_numeric_is_an_input_error(bad: object) -> None:
    with pytest.raises(InputError, match=r"candidate.json: metric 'acc'"):
        decide(
            (GateRule("acc", HIGHER, threshold=0.5),),
            {"acc": bad},  # type: ignore[dict-item]
            None,
            candidate_source="candidate.json",
            baseline_source="baseline.json",
        )
    with pytest.raises(InputError, match=r"baseline.json: metric 'acc'"):
        decide(
            (GateRule("acc", HIGHER, threshold=0.5),),
            {"acc": 0.6},
            {"acc": bad},  # type: ignore[dict-item]
            candidate_source="candidate.json",
            baseline_source="baseline.json",
        )


def test_ungated_metrics_are_shown_never_gate() -> None:
    decision = decide(
        (GateRule("acc", HIGHER, threshold=0.5),),
        {"acc": 0.6, "f1": 0.1, "note": "text"},
        {"acc": 0.6, "f1": 0.9},
        candidate_source="c",
        baseline_source="b",
    )
    assert decision.passed
    assert decision.ungated == (("f1", 0.1, 0.9), ("note", "text", None))


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
amount = st.floats(min_value=0, max_value=1e3, allow_nan=False, allow_infinity=False)
rule_names = st.sampled_from(
    [
        "max_regression",
        "max_regression_pct",
        "min_improvement",
        "min_improvement_pct",
        "max_improvement",
        "max_improvement_pct",
    ]
)


@given(value=finite, limit=amount, pct=st.booleans())
def test_equal_to_baseline_never_fails_a_regression_rule(
    value: float, limit: float, pct: bool
) -> None:
    name = "max_regression_pct" if pct else "max_regression"
    for direction in (HIGHER, LOWER):
        rule = GateRule("m", direction, **{name: limit})  # type: ignore[arg-type]
        assert run(rule, value, value).passed


@given(
    candidate=finite,
    baseline=finite,
    threshold=finite,
    name=rule_names,
    limit=amount,
    direction=st.sampled_from([HIGHER, LOWER]),
)
def test_flipping_direction_and_negating_values_keeps_the_verdict(
    candidate: float, baseline: float, threshold: float, name: str, limit: float, direction: str
) -> None:
    flipped = LOWER if direction == HIGHER else HIGHER
    rule = GateRule("m", direction, threshold=threshold, **{name: limit})  # type: ignore[arg-type]
    mirror = GateRule("m", flipped, threshold=-threshold, **{name: limit})  # type: ignore[arg-type]
    assert run(rule, candidate, baseline).passed == run(mirror, -candidate, -baseline).passed


@given(candidate=finite, baseline=finite, limit=amount)
def test_more_tolerance_never_turns_a_pass_into_a_fail(
    candidate: float, baseline: float, limit: float
) -> None:
    strict = run(GateRule("m", HIGHER, max_regression=limit), candidate, baseline)
    loose = run(GateRule("m", HIGHER, max_regression=limit * 2 + 1), candidate, baseline)
    assert not strict.passed or loose.passed
