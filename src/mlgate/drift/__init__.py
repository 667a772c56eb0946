"""Layer 4, drift: the data's profile (profile: per-column summaries and bins, stored with the
model) and the drift statistics between a reference profile and today's data (stats), run by
run."""

from __future__ import annotations

from mlgate.drift.profile import BINS, TAIL_EDGES, profile_paths, write_profile
from mlgate.drift.run import (
    DriftRequest,
    profile_current,
    require_methods_fit_declared,
    run_drift,
)
from mlgate.drift.stats import judge, present

__all__ = [
    "BINS",
    "TAIL_EDGES",
    "DriftRequest",
    "judge",
    "present",
    "profile_current",
    "profile_paths",
    "require_methods_fit_declared",
    "run_drift",
    "write_profile",
]
