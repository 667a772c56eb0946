"""Layer 6, orchestration: the steps of mlgate gate, recording compare's decision on the
candidate's run, a maintainer's override (decided by the gate, or on a comment), the git
hooks, the demo and `mlgate init`."""

from __future__ import annotations

from mlgate.gate.demo import run_demo
from mlgate.gate.hooks import (
    BLOCK_ENV,
    MARKER,
    SCRIPTS,
    check_configs,
    install,
    pre_commit,
    pre_commit_steps,
    pre_push,
)
from mlgate.gate.init import InitPlan, next_steps, plan_init, write_init
from mlgate.gate.override_check import override_on_comment
from mlgate.gate.record import record_decision
from mlgate.gate.steps import GateRequest, run_gate

__all__ = [
    "BLOCK_ENV",
    "MARKER",
    "SCRIPTS",
    "GateRequest",
    "InitPlan",
    "check_configs",
    "install",
    "next_steps",
    "override_on_comment",
    "plan_init",
    "pre_commit",
    "pre_commit_steps",
    "pre_push",
    "record_decision",
    "run_demo",
    "run_gate",
    "write_init",
]
