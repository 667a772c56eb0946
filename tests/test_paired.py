"""Paired intervals: scikit-learn's definitions, the properties a gate relies on, coverage."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from mlgate.compare.stats.paired import Records, RecordsError, interval, rows_to_resolve, value
from mlgate.config import STATISTICS


def classification(rng: Any, rows: int, classes: int, accuracy: float) -> Records:
    truth = rng.integers(0, classes, rows)
    right = rng.random(rows) < accuracy
    predicted = np.where(right, truth, (truth + rng.integers(1, classes, rows)) % classes)
    logits = rng.normal(size=(rows, classes))
    logits[np.arange(rows), predicted] += 2.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return Records(y_true=truth, y_pred=predicted, proba=proba, classes=tuple(range(classes)))


def regression(rng: Any, rows: int, noise: float) -> Records:
    truth = rng.normal(size=rows)
    return Records(y_true=truth, y_pred=truth + rng.normal(scale=noise, size=rows))


SKLEARN = {
    "accuracy": lambda r: skm.accuracy_score(r.y_true, r.y_pred, sample_weight=r.weight),
    "error_rate": lambda r: 1 - skm.accuracy_score(r.y_true, r.y_pred, sample_weight=r.weight),
    "balanced_accuracy": lambda r: skm.balanced_accuracy_score(
        r.y_true, r.y_pred, sample_weight=r.weight
    ),
    "log_loss": lambda r: skm.log_loss(
        r.y_true, r.proba, labels=list(r.classes), sample_weight=r.weight
    ),
    "mae": lambda r: skm.mean_absolute_error(r.y_true, r.y_pred, sample_weight=r.weight),
    "mse": lambda r: skm.mean_squared_error(r.y_true, r.y_pred, sample_weight=r.weight),
    "rmse": lambda r: skm.root_mean_squared_error(r.y_true, r.y_pred, sample_weight=r.weight),
    "r2": lambda r: skm.r2_score(r.y_true, r.y_pred, sample_weight=r.weight),
}
for _name in ("precision", "recall", "f1"):
    for _average in ("macro", "micro", "weighted"):
        SKLEARN[f"{_name}_{_average}"] = lambda r, n=_name, a=_average: getattr(skm, f"{n}_score")(
            r.y_true, r.y_pred, average=a, sample_weight=r.weight, zero_division=0
        )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("statistic", sorted(SKLEARN))
def test_each_statistic_is_scikit_learns(statistic: str, weighted: bool) -> None:
    rng = np.random.default_rng(7)
    records = (
        regression(rng, 300, 0.5)
        if statistic in ("mae", "mse", "rmse", "r2")
        else classification(rng, 300, 4, 0.6)
    )
    if weighted:
        records = Records(**{**records.__dict__, "weight": rng.uniform(0.5, 2.0, len(records))})
    assert value(statistic, records) == pytest.approx(SKLEARN[statistic](records), rel=1e-9)


def test_binary_statistics_are_scikit_learns() -> None:
    rng = np.random.default_rng(3)
    records = classification(rng, 400, 2, 0.7)
    score = records.proba[:, 1]
    assert value("roc_auc", records) == pytest.approx(skm.roc_auc_score(records.y_true, score))
    assert value("average_precision", records) == pytest.approx(
        skm.average_precision_score(records.y_true, score)
    )
    assert value("brier", records) == pytest.approx(
        skm.brier_score_loss(records.y_true, score), rel=1e-9
    )
    for name in ("precision", "recall", "f1"):
        expected = getattr(skm, f"{name}_score")(records.y_true, records.y_pred)
        assert value(name, records) == pytest.approx(expected, rel=1e-9)


def test_ties_in_scores_count_as_scikit_learn_counts_them() -> None:
    truth = np.array([0, 1, 1, 0, 1, 0, 1, 1])
    score = np.array([0.2, 0.5, 0.5, 0.5, 0.9, 0.1, 0.2, 0.9])
    records = Records(y_true=truth, proba=np.stack([1 - score, score], axis=1), classes=(0, 1))
    assert value("roc_auc", records) == pytest.approx(skm.roc_auc_score(truth, score))
    assert value("average_precision", records) == pytest.approx(
        skm.average_precision_score(truth, score)
    )


def test_binary_precision_of_string_labels_says_which_average_to_use() -> None:
    records = Records(y_true=np.array(["a", "b"]), y_pred=np.array(["a", "a"]))
    with pytest.raises(RecordsError, match="use precision_macro"):
        value("precision", records)


def _side(statistic: str, seed: int, rows: int) -> Records:
    rng = np.random.default_rng(seed)
    if statistic in ("mae", "mse", "rmse", "r2"):
        return regression(rng, rows, 0.5)
    return classification(rng, rows, 2, 0.75)


@settings(max_examples=25, deadline=None)
@given(
    statistic=st.sampled_from(STATISTICS),
    seed=st.integers(0, 2**16),
    rows=st.integers(20, 120),
)
def test_identical_records_give_exactly_zero(statistic: str, seed: int, rows: int) -> None:
    records = _side(statistic, seed, rows)
    found = interval(statistic, records, records, 0.95)
    assert (found.low, found.estimate, found.high) == (0.0, 0.0, 0.0)


@settings(max_examples=25, deadline=None)
@given(
    statistic=st.sampled_from(STATISTICS),
    seed=st.integers(0, 2**16),
    rows=st.integers(20, 120),
)
def test_swapping_the_sides_negates_the_interval(statistic: str, seed: int, rows: int) -> None:
    first = _side(statistic, seed, rows)
    other = _side(statistic, seed + 1, rows)
    second = Records(**{**other.__dict__, "y_true": first.y_true})
    forward = interval(statistic, first, second, 0.9)
    backward = interval(statistic, second, first, 0.9)
    assert backward.estimate == pytest.approx(-forward.estimate, abs=1e-12)
    assert backward.low == pytest.approx(-forward.high, abs=1e-12)
    assert backward.high == pytest.approx(-forward.low, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), rows=st.integers(5, 3000), fixed=st.floats(0, 0.3))
def test_a_candidate_right_wherever_the_baseline_is_right_never_looks_worse(
    seed: int, rows: int, fixed: float
) -> None:
    rng = np.random.default_rng(seed)
    baseline = classification(rng, rows, 3, 0.6)
    repaired = np.where(rng.random(rows) < fixed, baseline.y_true, baseline.y_pred)
    candidate = Records(y_true=baseline.y_true, y_pred=repaired)
    found = interval("accuracy", candidate, baseline, 0.95)
    assert found.low >= 0.0


@pytest.mark.slow
@pytest.mark.parametrize(("statistic", "rows"), [("accuracy", 200), ("log_loss", 12_000)])
def test_the_95_interval_covers_the_true_difference_about_95_times_in_100_across_1000_runs(
    statistic: str, rows: int
) -> None:
    """Simulated models with a known true difference; 1,000 repetitions. A broken method (a
    wrong variance, an unpaired interval) lands far outside 0.93..0.97."""
    rng = np.random.default_rng(11)
    covered = 0
    repetitions = 1000
    for repetition in range(repetitions):
        truth = rng.integers(0, 2, rows)
        if statistic == "accuracy":
            base_right = rng.random(rows) < 0.80
            # the candidate flips 10% of rows: fixes some, breaks some; true gain +0.01
            flip = rng.random(rows) < 0.10
            cand_right = np.where(flip, rng.random(rows) < 0.55, base_right)
            true_difference = 0.10 * (0.55 - 0.80)
            candidate = Records(y_true=truth, y_pred=np.where(cand_right, truth, 1 - truth))
            baseline = Records(y_true=truth, y_pred=np.where(base_right, truth, 1 - truth))
        else:
            shared = rng.normal(size=rows)
            # each model's probability of the true class; the shared term pairs them
            p_base = 1 / (1 + np.exp(-(1.0 + 0.3 * shared)))
            p_cand = 1 / (1 + np.exp(-(1.1 + 0.3 * shared)))
            proba = [np.where(truth == 1, p, 1 - p) for p in (p_cand, p_base)]
            candidate, baseline = (
                Records(y_true=truth, proba=np.stack([1 - p, p], axis=1), classes=(0, 1))
                for p in proba
            )
            true_difference = _expected_log_loss(1.1) - _expected_log_loss(1.0)
        found = interval(statistic, candidate, baseline, 0.95, seed=repetition)
        covered += found.low <= true_difference <= found.high
    assert 0.93 <= covered / repetitions <= 0.97


def _expected_log_loss(scale: float) -> float:
    """E[-log sigmoid(scale + 0.3 z)], z ~ N(0, 1), by quadrature."""
    z, weights = np.polynomial.hermite_e.hermegauss(80)
    losses = np.log1p(np.exp(-(scale + 0.3 * z)))
    return float((weights * losses).sum() / weights.sum())


def test_rows_to_resolve_grows_with_the_square_of_the_ratio() -> None:
    rng = np.random.default_rng(5)
    baseline = classification(rng, 45, 3, 0.9)
    flipped = baseline.y_pred.copy()
    flipped[0] = (baseline.y_true[0] + 1) % 3 if flipped[0] == baseline.y_true[0] else flipped[0]
    candidate = Records(y_true=baseline.y_true, y_pred=flipped)
    found = interval("accuracy", candidate, baseline, 0.95)
    needed = rows_to_resolve(found, -0.01)
    assert needed is not None and needed > 45


def test_the_same_inputs_give_the_same_interval() -> None:
    rng = np.random.default_rng(9)
    first, second = classification(rng, 500, 2, 0.7), classification(rng, 500, 2, 0.7)
    second = Records(**{**second.__dict__, "y_true": first.y_true})
    assert interval("log_loss", first, second, 0.95) == interval("log_loss", first, second, 0.95)
