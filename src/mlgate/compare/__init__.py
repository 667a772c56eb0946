"""Layer 4, compare: the candidate's metrics against the baseline's (run), the two sides and the
request (types), the gate rules, what changed (params, data), the candidate's identity, and the
paired statistics on per-example records (stats/)."""

from __future__ import annotations

from mlgate.compare.changes import logged_params, params_diff, read_params
from mlgate.compare.identity import candidate_identity
from mlgate.compare.rules import Decision, decide
from mlgate.compare.run import candidate_metrics_files, load_candidate, run_compare
from mlgate.compare.stats.paired import (
    Records,
    RecordsError,
    independent_interval,
    interval,
    rows_to_resolve,
    value,
)
from mlgate.compare.stats.per_example import pair, read_records
from mlgate.compare.types import CompareRequest

__all__ = [
    "CompareRequest",
    "Decision",
    "Records",
    "RecordsError",
    "candidate_identity",
    "candidate_metrics_files",
    "decide",
    "independent_interval",
    "interval",
    "load_candidate",
    "logged_params",
    "pair",
    "params_diff",
    "read_params",
    "read_records",
    "rows_to_resolve",
    "run_compare",
    "value",
]
