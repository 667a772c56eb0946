"""Ask the forge what the override rules (`gate.override`) need: the pull request now (head,
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
    """gate.json's `override` record for a blocked run on a pull request: the command to use,
    the override applied (or None) and the attempts refused; None off a pull request or
    without a token (nothing to ask)."""
    from mlgate.forge import github, github_checks

    try:
        env = github.github_env()
    except MlgateError:
        return None  # the event cannot be read: no pull request to ask about, no override
    if env.pull_request is None or not env.token or not env.repository:
        return None
    record: dict[str, Any] = {
        "min_permission": settings.min_permission,
        "command": None,
        "applied": None,
        "refused": [],
    }
    with github.GitHubClient(env.token, api_url=env.api_url) as client:
        number = env.pull_request.number
        try:
            pull = github_checks.pull_request(client, env.repository, number)
            change = _change(pull)
            found = [_comment(c) for c in github_checks.comments(client, env.repository, number)]
        except MlgateError as exc:
            record["refused"] = [redact(f"no override: the pull request could not be read: {exc}")]
            return record
        record["command"] = command_for(change.head_sha)

        def permission_of(user: str) -> str:
            try:
                return github_checks.permission(client, env.repository or "", user)
            except MlgateError as exc:  # fail closed: an unknown permission is no permission
                raise PermissionUnknown(str(exc)) from exc

        decision = decide(
            [c for c in found if c is not None], change, failed, settings, permission_of
        )
    applied = decision.applied
    if applied is not None:  # the reason is the commenter's text: stored only redacted
        record["applied"] = {**applied.to_dict(), "reason": redact(applied.reason)}
    record["refused"] = [redact(line) for line in decision.refused]
    return record


def _change(pull: dict[str, Any]) -> Change:
    head = pull.get("head")
    user = pull.get("user")
    sha = head.get("sha") if isinstance(head, dict) else None
    author = user.get("login") if isinstance(user, dict) else None
    if not isinstance(sha, str) or not isinstance(author, str):
        raise MlgateError("the pull request names no head commit or author")
    return Change(sha, author)


def _comment(raw: dict[str, Any]) -> Comment | None:
    user = raw.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    if isinstance(user, dict) and user.get("type") == "Bot":
        return None  # an app's comment (mlgate's own report quotes the command) is no one's
    fields = [raw.get(k) for k in ("body", "created_at", "updated_at", "html_url")]
    if not isinstance(login, str) or not all(isinstance(f, str) for f in fields):
        return None
    body, created, updated, url = (str(f) for f in fields)
    return Comment(login, body, created, updated, url)
