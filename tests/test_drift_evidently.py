"""Drift decisions agree with Evidently's defaults.

Two ways: Evidently itself, where it is installed (0.7.23 does not import with pandas 3:
scripts/evidently-env.sh makes .evidently-venv/ with pandas < 3, where scripts/test.sh runs this
file with MLGATE_REQUIRE_EVIDENTLY=1, so in CI that test fails rather than skips); and
Evidently's default algorithm written out on the raw rows with scipy
(evidently/legacy/calculations/stattests: `_get_default_stattest`, `ks_stat_test`,
`wasserstein_stat_test`, `jensenshannon_stat_test`, `chi_stat_test`), which always runs and
which mlgate, working from profiles, must match column by column.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from mlgate.drift import judge, profile_paths


def evidently_default(ref: pd.Series, cur: pd.Series, numeric: bool) -> tuple[str, float, bool]:
    """Evidently's choice of test, its score and its decision, on the raw rows."""
    ref, cur = ref.dropna(), cur.dropna()
    unique = pd.concat([ref, cur]).nunique()
    if len(ref) <= 1000:
        if numeric and unique > 5:
            p = stats.ks_2samp(ref, cur).pvalue
            return "ks", p, p < 0.05
        keys = sorted(set(ref) | set(cur))
        expected = np.array([(ref == k).sum() for k in keys]) * len(cur) / len(ref)
        observed = np.array([(cur == k).sum() for k in keys])
        p = stats.chisquare(observed, expected).pvalue
        return "chi2", p, p < 0.05
    if numeric and unique > 5:
        score = stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
        return "wasserstein", score, score >= 0.1
    keys = sorted(set(ref) | set(cur))
    ref_share = np.array([(ref == k).sum() for k in keys]) / len(ref)
    cur_share = np.array([(cur == k).sum() for k in keys]) / len(cur)
    score = distance.jensenshannon(ref_share, cur_share)
    return "js", score, score >= 0.1


def datasets() -> list[tuple[str, pd.DataFrame, pd.DataFrame]]:
    rng = np.random.default_rng(11)

    def frame(n: int, shift: float, flip: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "amount": rng.lognormal(3 + shift, 1, n),
                "age": rng.normal(40 + 10 * shift, 12, n),
                "score": rng.integers(0, 4, n) + (rng.random(n) < flip),
                "city": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1])
                if flip == 0
                else rng.choice(["a", "b", "c", "d"], n, p=[0.1, 0.2, 0.3, 0.4]),
            }
        )

    return [
        ("small, same", frame(600, 0, 0), frame(500, 0, 0)),
        ("small, moved", frame(600, 0.4, 0.5), frame(500, 0, 0)),
        ("large, same", frame(20_000, 0, 0), frame(15_000, 0, 0)),
        ("large, moved", frame(20_000, 0.3, 0.5), frame(15_000, 0, 0)),
    ]


def mlgate_decisions(tmp_path: Path, ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, Any]:
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    reference = profile_paths([tmp_path / "ref.csv"])
    grids = {
        name: np.array(column["bins"]["edges"])
        for name, column in reference["columns"].items()
        if column["kind"] == "numeric"
    }
    current = profile_paths([tmp_path / "cur.csv"], grids=grids, merge=False)
    return {
        name: judge(reference["columns"][name], current["columns"][name], "auto", None)
        for name in reference["columns"]
    }


@pytest.mark.parametrize(("label", "ref", "cur"), datasets(), ids=lambda v: str(v)[:12])
def test_same_decisions_as_evidentlys_default_algorithm(
    tmp_path: Path, label: str, ref: pd.DataFrame, cur: pd.DataFrame
) -> None:
    ours = mlgate_decisions(tmp_path, ref, cur)
    for name in ref.columns:
        method, score, drifted = evidently_default(
            ref[name], cur[name], numeric=pd.api.types.is_numeric_dtype(ref[name])
        )
        assert ours[name].method == method, (label, name)
        assert ours[name].drifted == drifted, (label, name, ours[name], score)
        # From bins the statistic is within the binning (a p-value moves more: from binned
        # CDFs scipy's asymptotic formula stands in for its exact one); from exact values equal.
        tolerance = 0.15 if ours[name].is_p_value else 0.02
        assert ours[name].statistic == pytest.approx(score, rel=0.1, abs=tolerance), (label, name)


@pytest.mark.parametrize(("label", "ref", "cur"), datasets(), ids=lambda v: str(v)[:12])
def test_same_decisions_as_evidently(
    tmp_path: Path, label: str, ref: pd.DataFrame, cur: pd.DataFrame
) -> None:
    try:
        from evidently.legacy.metric_preset import DataDriftPreset
        from evidently.legacy.pipeline.column_mapping import ColumnMapping
        from evidently.legacy.report import Report
    except ImportError as exc:  # not installed, or (0.7.23) not importable with pandas 3
        if os.environ.get("MLGATE_REQUIRE_EVIDENTLY") == "1":
            pytest.fail(f"Evidently is not importable: {exc}; run scripts/evidently-env.sh")
        pytest.skip(f"Evidently is not importable here ({exc}): run scripts/evidently-env.sh")
    report = Report(metrics=[DataDriftPreset()])
    numeric = [name for name in ref.columns if pd.api.types.is_numeric_dtype(ref[name])]
    mapping = ColumnMapping(
        target=None,
        prediction=None,
        numerical_features=numeric,
        categorical_features=[name for name in ref.columns if name not in numeric],
    )
    report.run(reference_data=ref, current_data=cur, column_mapping=mapping)
    by_column = next(
        metric["result"]["drift_by_columns"]
        for metric in report.as_dict()["metrics"]
        if "drift_by_columns" in metric["result"]
    )
    ours = mlgate_decisions(tmp_path, ref, cur)
    for name, theirs in by_column.items():
        assert ours[name].drifted == theirs["drift_detected"], (label, name)
