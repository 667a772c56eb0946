"""Layer 1, data: the data formats (dataformats) and metrics files (metrics: MetricValue,
flattening). The readers and the engine seam (pandas today; polars, spark next) come here next,
from validate/."""

from __future__ import annotations

from mlgate.data.metrics import (
    MetricValue,
    flatten,
    load_metrics_file,
    numeric,
    parse_metrics,
    require_single_value,
)

__all__ = [
    "MetricValue",
    "flatten",
    "load_metrics_file",
    "numeric",
    "parse_metrics",
    "require_single_value",
]
