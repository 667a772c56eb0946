"""Paired confidence intervals on per-example results: how sure is the gate of a difference?

Pure: arrays in, intervals out. numpy only (scikit-learn's definitions of each statistic are
reproduced here so that thousands of resamples stay vectorised; tests check them against
scikit-learn row for row).

Both models are scored on the same examples, so the question is paired: the interval is that
of `statistic(candidate) - statistic(baseline)` over resamples of the *rows*, each resample
taking the same rows for both sides. Methods (docs/noise-aware-gates.md):
- label statistics without weights (accuracy, error rate, balanced accuracy, precision,
  recall, F1): the paired bootstrap, drawn exactly and cheaply as multinomial counts of the
  joint (truth, candidate's label, baseline's label) cells — for accuracy these are the counts
  of discordant pairs McNemar looks at; any number of rows;
- means of per-row losses (log loss, Brier, MAE, MSE) and RMSE, R²: the paired bootstrap over
  rows up to SMALL_N rows, and the normal interval of the paired differences (delta method
  for RMSE and R²) above, where the bootstrap would only agree with it more slowly;
- ROC AUC: DeLong's paired interval; average precision: the paired bootstrap over rows.
Every bootstrap is seeded: the same inputs give the same interval on every run and machine.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Any

import numpy as np

from mlgate.config import LABEL_STATISTICS, LOSS_STATISTICS, STATISTICS

SMALL_N = 10_000
RESAMPLES = 10_000
LARGE_RESAMPLES = 1_000
SEED = 20_261_129
_CHUNK_CELLS = 4_000_000  # rows x resamples held in memory at once by the row bootstrap

Array = Any  # numpy arrays; numpy's own typing is not worth its noise here


class RecordsError(ValueError):
    """The records cannot give this statistic (missing column, one class only, ...)."""


@dataclass(frozen=True)
class Records:
    """One side's per-example results, aligned row for row with the other side's."""

    y_true: Array
    y_pred: Array | None = None
    proba: Array | None = None  # (n, K) probabilities, columns in `classes` order
    classes: tuple[Any, ...] = ()
    weight: Array | None = None

    def __len__(self) -> int:
        return len(self.y_true)


@dataclass(frozen=True)
class Interval:
    """The interval of `candidate - baseline` (or of the candidate alone), unsigned."""

    estimate: float
    low: float
    high: float
    confidence: float
    method: str
    rows: int
    resamples: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": self.estimate,
            "low": self.low,
            "high": self.high,
            "confidence": self.confidence,
            "method": self.method,
            "rows": self.rows,
            "resamples": self.resamples,
        }


def value(statistic: str, records: Records) -> float:
    """The statistic on all rows, as scikit-learn defines it."""
    return float(_engine(statistic, records, None).point()[0])


def interval(
    statistic: str,
    candidate: Records,
    baseline: Records | None,
    confidence: float,
    *,
    seed: int = SEED,
) -> Interval:
    """The `confidence` interval of candidate - baseline; of the candidate alone without one."""
    if statistic not in STATISTICS:
        raise RecordsError(f"unknown statistic {statistic!r}; known: {', '.join(STATISTICS)}")
    if baseline is not None and len(baseline) != len(candidate):
        raise RecordsError(
            f"the two sides have {len(candidate)} and {len(baseline)} rows; pair them first"
        )
    if baseline is not None and _digest(baseline) < _digest(candidate):
        # Resample in one canonical order of the two sides, so that swapping them negates
        # the interval exactly instead of drawing other resamples.
        found = interval(statistic, baseline, candidate, confidence, seed=seed)
        # + 0.0: a bound of 0 stays 0, never -0
        return replace(
            found, estimate=-found.estimate + 0.0, low=-found.high + 0.0, high=-found.low + 0.0
        )
    engine = _engine(statistic, candidate, baseline)
    point = engine.point()
    estimate = float(point[0] - point[1])
    return engine.interval(estimate, confidence, np.random.default_rng(seed))


def independent_interval(
    statistic: str, candidate: Records, baseline: Records, confidence: float, *, seed: int = SEED
) -> Interval:
    """For two evaluation sets that share too few examples to pair: each side's own interval,
    combined as for independent samples (half-widths add in quadrature)."""
    mine = interval(statistic, candidate, None, confidence, seed=seed)
    theirs = interval(statistic, baseline, None, confidence, seed=seed + 1)
    estimate = mine.estimate - theirs.estimate
    half_width = math.hypot((mine.high - mine.low) / 2, (theirs.high - theirs.low) / 2)
    return Interval(
        estimate=estimate,
        low=estimate - half_width,
        high=estimate + half_width,
        confidence=confidence,
        method=f"independent samples ({mine.method}, each side)",
        rows=min(mine.rows, theirs.rows),
        resamples=mine.resamples,
    )


def _digest(records: Records) -> bytes:
    digest = hashlib.sha256()
    for part in (records.y_pred, records.proba):
        if part is not None:
            digest.update(np.ascontiguousarray(part).tobytes())
    return digest.digest()


def rows_to_resolve(found: Interval, limit: float) -> int | None:
    """About how many paired rows would put the whole interval on one side of `limit`, at
    the observed difference; None when the difference sits on the limit (no size would)."""
    half_width = (found.high - found.low) / 2
    distance = abs(found.estimate - limit)
    if half_width <= 0 or distance == 0:
        return None
    return max(found.rows, math.ceil(found.rows * (half_width / distance) ** 2))


# --- engines --------------------------------------------------------------------------------


class _Engine:
    """A statistic over both sides; `point()` gives (candidate, baseline)."""

    rows: int

    def point(self) -> tuple[float, float]:
        raise NotImplementedError

    def interval(self, estimate: float, confidence: float, rng: Any) -> Interval:
        raise NotImplementedError


def _engine(statistic: str, candidate: Records, baseline: Records | None) -> _Engine:
    if statistic in LABEL_STATISTICS:
        return _LabelEngine(statistic, candidate, baseline)
    if statistic in (*LOSS_STATISTICS, "rmse", "r2"):
        return _RowEngine(statistic, candidate, baseline)
    if statistic == "roc_auc":
        return _AucEngine(candidate, baseline)
    return _PrecisionCurveEngine(candidate, baseline)


def _percentile_interval(
    differences: Array, estimate: float, confidence: float, method: str, rows: int
) -> Interval:
    """The percentile interval, by order statistics chosen symmetrically, so that swapping
    the two sides negates the interval exactly."""
    ordered = np.sort(differences)
    k = math.floor((1 - confidence) / 2 * len(ordered))
    return Interval(
        estimate=estimate,
        low=float(ordered[k]),
        high=float(ordered[len(ordered) - 1 - k]),
        confidence=confidence,
        method=method,
        rows=rows,
        resamples=len(ordered),
    )


def _normal_interval(
    estimate: float, standard_error: float, confidence: float, method: str, rows: int
) -> Interval:
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    return Interval(
        estimate=estimate,
        low=estimate - z * standard_error,
        high=estimate + z * standard_error,
        confidence=confidence,
        method=method,
        rows=rows,
    )


# Label statistics: everything follows from the confusion matrices, so a bootstrap resample is
# a draw of counts over the joint cells — exact, and as cheap for a million rows as for ten.


class _LabelEngine(_Engine):
    def __init__(self, statistic: str, candidate: Records, baseline: Records | None) -> None:
        self.statistic = statistic
        self.rows = len(candidate)
        sides = [candidate] if baseline is None else [candidate, baseline]
        for side in sides:
            if side.y_pred is None:
                raise RecordsError(f"{statistic} needs the predicted labels (y_pred)")
        self.single = baseline is None
        truth = np.asarray(candidate.y_true)
        labels = np.unique(np.concatenate([truth, *(np.asarray(s.y_pred) for s in sides)]))
        self.labels = labels
        k = len(labels)
        self.k = k
        codes = [
            np.searchsorted(labels, np.asarray(a)) for a in (truth, *(s.y_pred for s in sides))
        ]
        joint = codes[0] * k + codes[1]
        if not self.single:
            joint = joint * k + codes[2]
        self.cells = k ** (len(codes))
        self.joint = joint
        self.weight = None if candidate.weight is None else np.asarray(candidate.weight, float)
        self.positive = _binary_positive(labels, statistic)

    def point(self) -> tuple[float, float]:
        counts = np.bincount(self.joint, weights=self.weight, minlength=self.cells)[None, :]
        values = self._values(counts)
        return float(values[0][0]), float(values[1][0])

    def interval(self, estimate: float, confidence: float, rng: Any) -> Interval:
        if self.weight is None:
            observed = np.bincount(self.joint, minlength=self.cells)
            counts = rng.multinomial(self.rows, observed / self.rows, size=RESAMPLES)
            method = "paired bootstrap (multinomial over joint label cells)"
        else:
            counts = self._weighted_resamples(rng)
            method = "paired bootstrap (rows, weighted)"
        candidate, baseline = self._values(counts.astype(float))
        return _percentile_interval(candidate - baseline, estimate, confidence, method, self.rows)

    def _weighted_resamples(self, rng: Any) -> Array:
        assert self.weight is not None
        resamples = RESAMPLES if self.rows <= SMALL_N else LARGE_RESAMPLES
        out = np.empty((resamples, self.cells))
        for row in range(resamples):
            picked = rng.integers(0, self.rows, self.rows)
            out[row] = np.bincount(
                self.joint[picked], weights=self.weight[picked], minlength=self.cells
            )
        return out

    def _values(self, counts: Array) -> tuple[Array, Array]:
        """(candidate, baseline) statistic for each row of joint-cell counts."""
        k = self.k
        if self.single:
            matrices = counts.reshape(-1, k, k)
            return self._from_confusion(matrices), np.zeros(len(counts))
        cube = counts.reshape(-1, k, k, k)
        return self._from_confusion(cube.sum(axis=3)), self._from_confusion(cube.sum(axis=2))

    def _from_confusion(self, matrices: Array) -> Array:
        """matrices[b, true, pred] -> the statistic, as scikit-learn computes it."""
        total = matrices.sum(axis=(1, 2))
        correct = np.trace(matrices, axis1=1, axis2=2)
        if self.statistic == "accuracy":
            return _divide(correct, total)
        if self.statistic == "error_rate":
            return 1 - _divide(correct, total)
        true_per_class = matrices.sum(axis=2)
        hits = np.diagonal(matrices, axis1=1, axis2=2)
        if self.statistic == "balanced_accuracy":
            present = true_per_class > 0  # sklearn leaves out classes y_true lacks
            recalls = _divide(hits, true_per_class) * present
            return _divide(recalls.sum(axis=1), present.sum(axis=1))
        return self._averaged(hits, matrices.sum(axis=1), true_per_class, correct, total)

    def _averaged(
        self, hits: Array, predicted: Array, actual: Array, correct: Array, total: Array
    ) -> Array:
        """Precision, recall or F1: of label 1, or averaged the way its suffix says."""
        kind, _, average = self.statistic.partition("_")
        if average == "micro":
            return _score(kind, correct, total, total)  # micro P = R = F1 = accuracy
        per_class = _score(kind, hits, predicted, actual)
        if average == "":
            return per_class[:, self.positive]
        # sklearn averages over the labels present in y_true or y_pred
        present = (actual + predicted) > 0
        if average == "macro":
            return _divide((per_class * present).sum(axis=1), present.sum(axis=1))
        return _divide((per_class * actual).sum(axis=1), actual.sum(axis=1))


def _score(kind: str, hits: Array, predicted: Array, actual: Array) -> Array:
    precision = _divide(hits, predicted)
    recall = _divide(hits, actual)
    if kind == "precision":
        return precision
    if kind == "recall":
        return recall
    return _divide(2 * hits, predicted + actual)


def _binary_positive(labels: Array, statistic: str) -> int:
    """The index of the positive class for the binary precision/recall/f1 (sklearn: label 1)."""
    if statistic.partition("_")[0] not in ("precision", "recall", "f1") or "_" in statistic:
        return -1
    values = {_plain(v) for v in labels}
    if not values <= {0, 1} and not values <= {-1, 1}:
        raise RecordsError(
            f"{statistic} is the binary score of label 1, but the labels are "
            f"{sorted(map(str, values))[:5]}: use {statistic}_macro, _micro or _weighted"
        )
    if 1 not in values:
        raise RecordsError(f"{statistic}: label 1 never occurs in the records")
    return int(next(i for i, v in enumerate(labels) if _plain(v) == 1))


def _plain(label: Any) -> Any:
    return label.item() if hasattr(label, "item") else label


def _divide(numerator: Array, denominator: Array) -> Array:
    """numerator / denominator, 0 where the denominator is 0 (sklearn's zero_division=0)."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = np.zeros(np.broadcast(numerator, denominator).shape)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


# Per-row losses and regression errors: the bootstrap over rows for small sets, the normal
# interval of paired differences (delta method for RMSE and R²) for large ones.


class _RowEngine(_Engine):
    def __init__(self, statistic: str, candidate: Records, baseline: Records | None) -> None:
        self.statistic = statistic
        self.rows = len(candidate)
        self.single = baseline is None
        self.weight = (
            np.ones(self.rows) if candidate.weight is None else np.asarray(candidate.weight, float)
        )
        self.candidate = _row_losses(statistic, candidate)
        self.baseline = (
            np.zeros(self.rows) if baseline is None else _row_losses(statistic, baseline)
        )
        self.truth = np.asarray(candidate.y_true, dtype=float)
        # What each row adds to the sums the statistic is made of, weighted.
        columns = [np.ones(self.rows), self.candidate, self.baseline]
        if statistic == "r2":
            columns += [self.truth, self.truth**2]
        self.weighted = self.weight[:, None] * np.stack(columns, axis=1)

    def point(self) -> tuple[float, float]:
        candidate, baseline = self._statistic(self.weighted.sum(axis=0)[None, :])
        return float(candidate[0]), float(baseline[0])

    def interval(self, estimate: float, confidence: float, rng: Any) -> Interval:
        if self.rows <= SMALL_N:
            return _percentile_interval(
                self._bootstrap(rng), estimate, confidence, "paired bootstrap (rows)", self.rows
            )
        method = (
            "normal interval of paired differences"
            if self.statistic in LOSS_STATISTICS
            else "normal interval (delta method)"
        )
        return _normal_interval(estimate, self._standard_error(), confidence, method, self.rows)

    def _statistic(self, sums: Array) -> tuple[Array, Array]:
        """(candidate, baseline) for each row of sums (b, columns)."""
        mean_candidate = sums[:, 1] / sums[:, 0]
        mean_baseline = sums[:, 2] / sums[:, 0]
        if self.statistic == "rmse":
            return np.sqrt(mean_candidate), np.sqrt(mean_baseline)
        if self.statistic == "r2":
            variance = sums[:, 4] / sums[:, 0] - (sums[:, 3] / sums[:, 0]) ** 2
            baseline = np.zeros(len(sums)) if self.single else 1 - _divide(mean_baseline, variance)
            return 1 - _divide(mean_candidate, variance), baseline
        return mean_candidate, mean_baseline

    def _bootstrap(self, rng: Any) -> Array:
        per_chunk = max(1, _CHUNK_CELLS // self.rows)
        differences = []
        for start in range(0, RESAMPLES, per_chunk):
            picked = rng.integers(0, self.rows, (min(per_chunk, RESAMPLES - start), self.rows))
            candidate, baseline = self._statistic(self.weighted[picked].sum(axis=1))
            differences.append(candidate - baseline)
        return np.concatenate(differences)

    def _standard_error(self) -> float:
        """The standard error of the difference, from each row's influence on it."""
        weight = self.weight
        total = weight.sum()
        mean_c = (weight * self.candidate).sum() / total
        mean_b = (weight * self.baseline).sum() / total
        if self.statistic in LOSS_STATISTICS:
            influence = (self.candidate - mean_c) - (self.baseline - mean_b)
        elif self.statistic == "rmse":
            influence = _sqrt_influence(self.candidate, mean_c) - _sqrt_influence(
                self.baseline, mean_b
            )
        else:
            influence = self._r2_influence(mean_c, mean_b, total)
        return float(math.sqrt(((weight * influence) ** 2).sum()) / total)

    def _r2_influence(self, mean_c: float, mean_b: float, total: float) -> Array:
        mean_truth = (self.weight * self.truth).sum() / total
        centred = (self.truth - mean_truth) ** 2
        variance = (self.weight * centred).sum() / total

        def gain(losses: Array, mean: float) -> Array:
            # r2 = 1 - mse / var: d(r2) = -d(mse) / var + mse / var^2 * d(var)
            return -(losses - mean) / variance + mean / variance**2 * (centred - variance)

        if self.single:
            return gain(self.candidate, mean_c)
        return gain(self.candidate, mean_c) - gain(self.baseline, mean_b)


def _sqrt_influence(values: Array, mean: float) -> Array:
    return (values - mean) / (2 * math.sqrt(mean)) if mean > 0 else np.zeros_like(values)


def _row_losses(statistic: str, records: Records) -> Array:
    """Each row's contribution to the mean the statistic is (sklearn's definitions)."""
    if statistic in ("mae", "mse", "rmse", "r2"):
        if records.y_pred is None:
            raise RecordsError(f"{statistic} needs the predicted values (y_pred)")
        errors = np.asarray(records.y_pred, float) - np.asarray(records.y_true, float)
        return np.abs(errors) if statistic == "mae" else errors**2
    proba, truth_index = _probabilities(statistic, records)
    if statistic == "log_loss":
        eps = np.finfo(proba.dtype).eps
        clipped = np.clip(proba, eps, 1 - eps)
        clipped = clipped / clipped.sum(axis=1, keepdims=True)
        return -np.log(clipped[np.arange(len(proba)), truth_index])
    # brier: binary, sklearn's brier_score_loss on the positive class's probability
    if proba.shape[1] != 2:
        raise RecordsError("brier is the binary Brier score: it needs two classes")
    return (proba[:, 1] - (truth_index == 1)) ** 2


def _probabilities(statistic: str, records: Records) -> tuple[Array, Array]:
    if records.proba is None:
        raise RecordsError(f"{statistic} needs probabilities (y_score or proba_<label> columns)")
    proba = np.asarray(records.proba, dtype=float)
    classes = np.asarray(records.classes)
    truth = np.asarray(records.y_true)
    index = np.searchsorted(classes, truth)
    index = np.clip(index, 0, len(classes) - 1)
    unknown = classes[index] != truth
    if unknown.any():
        raise RecordsError(
            f"{statistic}: y_true holds {truth[unknown][0]!r}, which has no probability column "
            f"(classes: {', '.join(map(str, classes[:10]))})"
        )
    return proba, index


# ROC AUC: DeLong's method gives the paired variance from each row's placement values.


class _AucEngine(_Engine):
    def __init__(self, candidate: Records, baseline: Records | None) -> None:
        self.rows = len(candidate)
        if candidate.weight is not None:
            raise RecordsError("roc_auc with confidence does not take weights (DeLong's method)")
        sides = [candidate] if baseline is None else [candidate, baseline]
        scores = []
        for side in sides:
            proba, truth_index = _probabilities("roc_auc", side)
            if proba.shape[1] != 2:
                raise RecordsError("roc_auc with confidence is binary: it needs two classes")
            scores.append(proba[:, 1])
        self.positive = truth_index == 1
        if self.positive.all() or not self.positive.any():
            raise RecordsError("roc_auc needs both classes among the rows")
        self.scores = scores

    def _placements(self, score: Array) -> tuple[float, Array, Array]:
        positives, negatives = score[self.positive], score[~self.positive]
        ranks_all = _midranks(np.concatenate([positives, negatives]))
        ranks_pos = _midranks(positives)
        ranks_neg = _midranks(negatives)
        m, n = len(positives), len(negatives)
        v10 = (ranks_all[:m] - ranks_pos) / n  # each positive's share of negatives below it
        v01 = 1 - (ranks_all[m:] - ranks_neg) / m
        return float(v10.mean()), v10, v01

    def point(self) -> tuple[float, float]:
        values = [self._placements(score)[0] for score in self.scores]
        return values[0], (values[1] if len(values) > 1 else 0.0)

    def interval(self, estimate: float, confidence: float, rng: Any) -> Interval:
        del rng  # DeLong's interval is analytic
        parts = [self._placements(score) for score in self.scores]
        v10 = parts[0][1] - (parts[1][1] if len(parts) > 1 else 0)
        v01 = parts[0][2] - (parts[1][2] if len(parts) > 1 else 0)
        variance = _var(v10) / len(v10) + _var(v01) / len(v01)
        return _normal_interval(
            estimate, math.sqrt(max(variance, 0.0)), confidence, "DeLong", self.rows
        )


def _var(values: Array) -> float:
    return float(values.var(ddof=1)) if len(values) > 1 else 0.0


def _midranks(values: Array) -> Array:
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    ranks = np.empty(len(values))
    _, starts, counts = np.unique(ordered, return_index=True, return_counts=True)
    midpoints = starts + (counts + 1) / 2  # 1-based average rank of each tie group
    ranks[order] = np.repeat(midpoints, counts)
    return ranks


# Average precision: the bootstrap over rows, vectorised over resamples by weighting each row
# with how often the resample picked it.


class _PrecisionCurveEngine(_Engine):
    def __init__(self, candidate: Records, baseline: Records | None) -> None:
        self.rows = len(candidate)
        self.weight = (
            np.ones(self.rows) if candidate.weight is None else np.asarray(candidate.weight, float)
        )
        sides = [candidate] if baseline is None else [candidate, baseline]
        self.curves: list[tuple[Array, Array, Array]] = []
        for side in sides:
            proba, truth_index = _probabilities("average_precision", side)
            if proba.shape[1] != 2:
                raise RecordsError("average_precision is binary: it needs two classes")
            order = np.argsort(-proba[:, 1], kind="mergesort")
            ordered = proba[order, 1]
            group_ends = np.r_[np.nonzero(np.diff(ordered))[0], len(ordered) - 1]
            self.curves.append((order, (truth_index == 1)[order].astype(float), group_ends))

    def _ap(self, weights: Array) -> list[Array]:
        """Average precision for each row of `weights` (b, n), per side."""
        values = []
        for order, positive, ends in self.curves:
            w = weights[:, order]
            true_pos = np.cumsum(w * positive, axis=1)[:, ends]
            seen = np.cumsum(w, axis=1)[:, ends]
            precision = _divide(true_pos, seen)
            recall_step = np.diff(true_pos, axis=1, prepend=0.0)
            values.append(_divide((recall_step * precision).sum(axis=1), true_pos[:, -1]))
        if len(values) == 1:
            values.append(np.zeros(len(weights)))
        return values

    def point(self) -> tuple[float, float]:
        candidate, baseline = self._ap(self.weight[None, :])
        return float(candidate[0]), float(baseline[0])

    def interval(self, estimate: float, confidence: float, rng: Any) -> Interval:
        resamples = RESAMPLES if self.rows <= SMALL_N else LARGE_RESAMPLES
        per_chunk = max(1, _CHUNK_CELLS // self.rows)
        differences = []
        for start in range(0, resamples, per_chunk):
            size = min(per_chunk, resamples - start)
            picked = rng.integers(0, self.rows, (size, self.rows))
            counts = np.stack([np.bincount(row, minlength=self.rows) for row in picked])
            candidate, baseline = self._ap(counts * self.weight)
            differences.append(candidate - baseline)
        return _percentile_interval(
            np.concatenate(differences),
            estimate,
            confidence,
            "paired bootstrap (rows)",
            self.rows,
        )
