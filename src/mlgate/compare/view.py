"""`mlgate compare` with no `mlgate.yaml`: a view of what changed, never a verdict.

Every metric of either side with its baseline, candidate and delta (as `dvc metrics diff`
shows them) and the params that differ (as `dvc params diff`). Its result's status is
`not-gated`: the command exits 0, and nothing reads it as a pass (promote needs `pass`, a
report counts it as no verdict), because nothing checked is never a pass.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from mlgate.compare.changes import params_changes
from mlgate.compare.run import load_baseline, load_candidate
from mlgate.compare.types import CompareRequest, Side
from mlgate.config import (
    Config,
    MetricsConfig,
    MlflowConfig,
    parse_baseline_source,
    parse_candidate_source,
)
from mlgate.core.errors import InputError
from mlgate.core.wording import counted
from mlgate.data import MetricValue
from mlgate.results import NOT_GATED, Clock, Result

VIEW_NOTE = (
    "a view, not a verdict: no mlgate.yaml, so nothing was gated "
    "(`mlgate init` writes one; `mlgate gate` needs one)"
)


def view_request(
    root: Path, candidate: str, baseline: str, model: str | None, timeout_s: float
) -> CompareRequest:
    """A request for a comparison without a config: its paths are relative to `root` (the
    repository's top), the registry's model is `--model`."""
    if baseline == "registry" and not model:
        raise InputError("--baseline registry without mlgate.yaml needs --model NAME")
    config = Config(
        path=root / "mlgate.yaml",  # not read: it names the folder paths are relative to
        mlflow=MlflowConfig(model=model),
        metrics=MetricsConfig(
            candidate=parse_candidate_source(candidate, "--candidate"),
            baseline=parse_baseline_source(baseline, "--baseline"),
        ),
    )
    return CompareRequest(config=config, log_decision=False, timeout_s=timeout_s)


def run_view(request: CompareRequest) -> Result:
    clock = Clock()
    specs = request.config.metrics
    candidate = load_candidate(request, specs.candidate)
    baseline = load_baseline(request, specs.baseline, candidate)
    rows = metric_rows(candidate.metrics or {}, baseline.metrics)
    params = params_changes(request, specs.candidate, candidate, specs.baseline, baseline)
    changed = len(params.get("changed") or [])
    return Result(
        command="compare",
        status=NOT_GATED,
        summary=_summary(rows, changed, baseline),
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details={
            "view": True,
            "candidate": _side(candidate),
            "baseline": {**_side(baseline), "missing_reason": baseline.missing_reason or None},
            "metrics": rows,
            "changes": {"params": params, "data": None},
            "notes": [VIEW_NOTE],
        },
    )


def metric_rows(
    candidate: dict[str, MetricValue], baseline: dict[str, MetricValue] | None
) -> list[dict[str, Any]]:
    """Every metric on either side, by name: both values and, where both are numbers, the
    change and the change in percent of |baseline|."""
    theirs = baseline or {}
    rows = []
    for name in sorted(candidate.keys() | theirs.keys()):
        old, new = theirs.get(name), candidate.get(name)
        delta = _delta(old, new)
        rows.append(
            {
                "metric": name,
                "baseline": old,
                "candidate": new,
                "delta": delta,
                "delta_pct": _percent(delta, old),
            }
        )
    return rows


def _number(value: MetricValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _delta(old: MetricValue, new: MetricValue) -> float | None:
    before, after = _number(old), _number(new)
    return None if before is None or after is None else after - before


def _percent(delta: float | None, old: MetricValue) -> float | None:
    before = _number(old)
    if delta is None or before is None or before == 0:
        return None
    return delta / abs(before) * 100


def _side(side: Side) -> dict[str, Any]:
    return {
        "source": side.source,
        "origin": side.origin,
        "model": side.model,
        "version": side.version,
        "metrics": side.metrics,
    }


def _summary(rows: list[dict[str, Any]], changed_params: int, baseline: Side) -> str:
    moved = sum(1 for row in rows if row["delta"] not in (None, 0.0))
    if baseline.metrics is None:
        against = f"no baseline ({baseline.missing_reason or baseline.source})"
    else:
        against = baseline.source
    return (
        f"not gated: {counted(len(rows), 'metric')} ({moved} changed), "
        f"{counted(changed_params, 'param')} changed, against {against}"
    )
