"""Layer 1: the result files — the envelope every checking command writes (atomically), its
schemas, and the bounds of what compare.json keeps. Steps share nothing else."""

from __future__ import annotations

from mlgate.core.errors import NOT_GATED
from mlgate.results.envelope import (
    MAX_RECORDED_CHANGES,
    MAX_RECORDED_CHARS,
    REPORT_FILE,
    STEPS,
    Clock,
    Result,
    RunStamp,
    current_run,
    error_result,
    read_result,
    resolve_results_dir,
    result_file_names,
    run_id_at_hand,
    stamped,
    unexpected,
    write_atomic,
    write_result,
)
from mlgate.results.outputs import (
    distinct_inputs,
    is_profile_file,
    is_report_file,
    require_writable,
)
from mlgate.results.schema import check_result

__all__ = [
    "MAX_RECORDED_CHANGES",
    "MAX_RECORDED_CHARS",
    "NOT_GATED",
    "REPORT_FILE",
    "STEPS",
    "Clock",
    "Result",
    "RunStamp",
    "check_result",
    "current_run",
    "distinct_inputs",
    "error_result",
    "is_profile_file",
    "is_report_file",
    "read_result",
    "require_writable",
    "resolve_results_dir",
    "result_file_names",
    "run_id_at_hand",
    "stamped",
    "unexpected",
    "write_atomic",
    "write_result",
]
