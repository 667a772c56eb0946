"""mlgate's audit trail of an alias in the registry: one `mlgate.history.<alias>.<ms>` tag per
move on the registered model (MLflow keeps no alias history, mlflow/mlflow#2169). Promote writes
it; compare's chart and `mlgate history` read it."""

from __future__ import annotations

import json
import time
from typing import Any

from mlgate.core import yamlio
from mlgate.core.errors import InputError


def history_key(alias: str) -> str:
    """The tag that records a move of `alias` now."""
    return f"mlgate.history.{alias}.{int(time.time() * 1000)}"


def history_events(tags: dict[str, str], alias: str) -> list[dict[str, Any]]:
    """The moves of `alias` recorded in a registered model's tags, oldest first."""
    prefix = f"mlgate.history.{alias}."
    events = []
    for key, value in tags.items():
        if key.startswith(prefix):
            events.append(_event(key, key.removeprefix(prefix), value))
    return sorted(events, key=lambda event: event["ms"])


def _event(key: str, stamp: str, value: str) -> dict[str, Any]:
    """One `mlgate.history.<alias>.<ms>` tag, or InputError: a tag written by hand (or by
    someone else) would otherwise crash compare's chart and history."""
    try:
        event = json.loads(value)
        ms = int(stamp)
    except (ValueError, RecursionError):
        event, ms = None, 0
    if not isinstance(event, dict) or not str(event.get("version", "")).isdigit():
        raise InputError(
            f"registered model tag {yamlio.excerpt(key)}: not an mlgate history entry "
            "(JSON with a version number, under mlgate.history.<alias>.<milliseconds>); "
            "delete the tag in the MLflow registry"
        )
    return {**event, "ms": ms}
