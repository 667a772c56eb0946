"""Ask the run's forge what the override rules (`gate.override`) need: the change now (head,
author), its comments, and each commenter's permission. Any trouble asking is no override:
the attempt is refused with what went wrong, never approved.

Two moments decide: the gate's own run on the change (`check_override`, into gate.json), and
a comment on the change (`override_on_comment`), in a job that runs none of the change's code
and turns the head commit's last blocked verdict into an overridden one."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from mlgate.config import OVERRIDABLE_STEPS, OverrideConfig
from mlgate.core.errors import InputError, MlgateError
from mlgate.core.outbound import md, one_line, redact
from mlgate.gate.override import (
    Change,
    Comment,
    Decision,
    PermissionUnknown,
    command_for,
    decide,
)

if TYPE_CHECKING:
    from mlgate.forge import Forge, PostedVerdict


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
            found = _comments(host)
        except MlgateError as exc:
            trouble = f"no override: {host.where()} could not be read: {exc}"
            record["refused"] = [redact(trouble)]
            return record
        record["command"] = command_for(now.head_sha or "")
        decision = decide(
            found,
            Change(now.head_sha or "", now.author or ""),
            failed,
            settings,
            _permission_of(host),
        )
    finally:
        host.close()
    applied = decision.applied
    if applied is not None:  # the reason is the commenter's text: stored only redacted
        record["applied"] = {**applied.to_dict(), "reason": redact(applied.reason)}
    record["refused"] = [redact(line) for line in decision.refused]
    return record


def override_on_comment(settings: OverrideConfig) -> list[str]:
    """Apply the newest valid override to the head commit's last blocked verdict, as the
    gate would on its next run: the verdict becomes `overridden` (a neutral check run) and
    mlgate's note says who and why; refused attempts are answered in the note. Returns the
    lines for the job log. Any trouble asking the forge raises: no override."""
    from mlgate import forge

    host = forge.detect()
    try:
        if host.change() is None:
            raise InputError(
                "mlgate override runs on a comment on a pull request (GitHub's issue_comment "
                "event, with the action's pull-request input); this run is about none"
            )
        now = host.change_now()
        head = now.head_sha or ""
        posted = host.last_verdict(head)
        if posted is None:
            return [
                f"no check run `mlgate` on {head[:12]}: nothing to override here (the gate has "
                "not run on this commit, or could only set a commit status); re-run the gate"
            ]
        if posted.conclusion != "failure":
            return [f"the verdict on {head[:12]} is {posted.conclusion}: nothing to override"]
        if not posted.failed or not set(posted.failed) <= set(OVERRIDABLE_STEPS):
            # The check run is read back from GitHub, where anything with `checks: write` (the
            # gate job runs the PR's code) can write one: steps it does not name are unknown,
            # and unknown is no override.
            return [
                f"the check run on {head[:12]} does not name the steps that blocked: no "
                "override here; re-run the gate, which applies the override itself"
            ]
        decision = decide(
            _comments(host),
            Change(head, now.author or ""),
            posted.failed,
            settings,
            _permission_of(host),
        )
        return _answer(host, posted, decision, head)
    finally:
        host.close()


def _comments(host: Forge) -> list[Comment]:
    return [Comment(c.author, c.body, c.created_at, c.updated_at, c.url) for c in host.comments()]


def _permission_of(host: Forge) -> Callable[[str], str]:
    def permission_of(user: str) -> str:
        try:
            return host.permission(user)
        except MlgateError as exc:  # fail closed: an unknown permission is no permission
            raise PermissionUnknown(str(exc)) from exc

    return permission_of


def _link(text: str, url: str) -> str:
    """A Markdown link to the forge's own page of the comment; its text alone otherwise."""
    return f"[{text}]({url})" if re.fullmatch(r"https://[^\s()<>\[\]]+", url) else text


def _answer(host: Forge, posted: PostedVerdict, decision: Decision, head: str) -> list[str]:
    """The note and, for an override, the verdict: the blocked report kept below, unchanged."""
    from mlgate import forge
    from mlgate.report import refused_lines

    refused = refused_lines([redact(line) for line in decision.refused])
    # Read back from GitHub: it passes the redactor again before it is posted anywhere.
    blocked_headline, _, rest = redact(posted.summary).partition("\n")
    applied = decision.applied
    if applied is None:
        forge.post_note(host, "\n".join([blocked_headline, "", *refused, rest]))
        return [f"no valid override on {head[:12]}; {len(refused)} attempt(s) answered"]
    reason = redact(applied.reason)
    title = one_line(f"mlgate: ⚠️ overridden by @{applied.by}: {reason}")
    record = (
        f"Overridden by @{md(applied.by)} on {md(applied.at)} for `{head[:12]}` "
        f"({_link('comment', applied.url)}): {md(reason)}. "
        f"What failed: {', '.join(applied.failed) or 'nothing named'}."
    )
    # As the report's headline has it: the overrider is named (and notified), the reason inert.
    heading = f"## mlgate: ⚠️ overridden by @{md(applied.by)}: {md(reason)}"
    body = "\n".join([heading, "", record, *refused, "", rest])
    if not forge.note_fits(host, body):
        body = f"{heading}\n\n{record}\n\nThe full report is in the check run `mlgate`."
    forge.post_note(host, body)
    host.post_verdict(
        forge.VerdictReport("neutral", title, body, failed=posted.failed, head_sha=head)
    )
    return [title, record]
