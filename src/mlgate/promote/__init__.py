"""Layer 5: promote, rollback and history — move the production alias, with a way back, recording
each move through the registry."""

from __future__ import annotations

from mlgate.promote.run import PromoteRequest, history, run_promote, run_rollback

__all__ = ["PromoteRequest", "history", "run_promote", "run_rollback"]
