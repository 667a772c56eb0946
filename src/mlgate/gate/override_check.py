"""Ask the run's forge what the override rules (`gate.override`) need: the change now (head,
author), its comments, and each commenter's permission. Any trouble asking is no override:
the attempt is refused with what went wrong, never approved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mlgate.config import OverrideConfig
from mlgate.core.errors import MlgateError
from mlgate.core.outbound import redact
from mlgate.gate.override import Change, Comment, PermissionUnknown, command_for, decide


def check_override(settings: OverrideConfig, failed: Sequence[str]) -> dict[str, Any] | None:
    """gate.json's `override` record for a blocked run on a pull or merge request: the command
    to use, the override applied (or None) and the attempts refused; None off a change or
    without a token (nothing to ask)."""
    from mlgate import forge

    try:
        host = forge.detect()
        change = host.change() if host.has_token else None
    except MlgateError:
        return None  # the event cannot be read: no change to ask about, no override
    if change is None:
        return None
    record: dict[str, Any] = {
        "min_permission": settings.min_permission,
        "command": None,
        "applied": None,
        "refused": [],
    }
    try:
        try:
            now = host.change_now()
            found = [
                Comment(c.author, c.body, c.created_at, c.updated_at, c.url)
                for c in host.comments()
            ]
        except MlgateError as exc:
            trouble = f"no override: {host.where()} could not be read: {exc}"
            record["refused"] = [redact(trouble)]
            return record
        record["command"] = command_for(now.head_sha or "")

        def permission_of(user: str) -> str:
            try:
                return host.permission(user)
            except MlgateError as exc:  # fail closed: an unknown permission is no permission
                raise PermissionUnknown(str(exc)) from exc

        decision = decide(
            found, Change(now.head_sha or "", now.author or ""), failed, settings, permission_of
        )
    finally:
        host.close()
    applied = decision.applied
    if applied is not None:  # the reason is the commenter's text: stored only redacted
        record["applied"] = {**applied.to_dict(), "reason": redact(applied.reason)}
    record["refused"] = [redact(line) for line in decision.refused]
    return record
