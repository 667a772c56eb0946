"""Layer 1, data: the data formats (dataformats), metrics files (metrics: MetricValue,
flattening) and DVC's own files read without DVC (dvcfiles: dvc.yaml, dvc.lock, params files).
The readers and the engine seam (pandas today; polars, spark next) come here next, from
validate/."""

from __future__ import annotations

from mlgate.data.metrics import (
    DuplicateKey,
    MetricValue,
    flatten,
    load_metrics_file,
    numeric,
    parse_metrics,
    require_single_value,
    unique_keys,
)

__all__ = [
    "DuplicateKey",
    "MetricValue",
    "flatten",
    "load_metrics_file",
    "numeric",
    "parse_metrics",
    "require_single_value",
    "unique_keys",
]
