"""Layer 1: the result files — the envelope every checking command writes (atomically), its
schemas, and the bounds of what compare.json keeps. Steps share nothing else."""

from __future__ import annotations

from mlgate.results.envelope import (
    MAX_RECORDED_CHANGES,
    MAX_RECORDED_CHARS,
    Clock,
    Result,
    RunStamp,
    current_run,
    error_result,
    read_result,
    resolve_results_dir,
    run_id_at_hand,
    stamped,
    unexpected,
    write_atomic,
    write_result,
)
from mlgate.results.schema import check_result

__all__ = [
    "MAX_RECORDED_CHANGES",
    "MAX_RECORDED_CHARS",
    "Clock",
    "Result",
    "RunStamp",
    "check_result",
    "current_run",
    "error_result",
    "read_result",
    "resolve_results_dir",
    "run_id_at_hand",
    "stamped",
    "unexpected",
    "write_atomic",
    "write_result",
]
