"""Layer 4, compare: the candidate's metrics against the baseline's (run), the two sides and the
request (types), the gate rules, what changed (params, data), the candidate's identity, and the
paired statistics on per-example records (stats/, imported by module: it loads numpy,
which a compare without per-example records never needs)."""

from __future__ import annotations

from mlgate.compare.changes import logged_params, params_diff, read_params
from mlgate.compare.identity import candidate_identity
from mlgate.compare.rules import Decision, decide
from mlgate.compare.run import candidate_metrics_files, load_candidate, run_compare
from mlgate.compare.types import CompareRequest
from mlgate.compare.view import run_view, view_request

__all__ = [
    "CompareRequest",
    "Decision",
    "candidate_identity",
    "candidate_metrics_files",
    "decide",
    "load_candidate",
    "logged_params",
    "params_diff",
    "read_params",
    "run_compare",
    "run_view",
    "view_request",
]
