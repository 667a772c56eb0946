"""A maintainer's override of a blocked gate, from a comment on the change: the rules, as pure
functions over plain data (the forge fetches the comments, the change and permissions).

`/mlgate override <commit> <reason>` on a line of its own (never inside a quoted reply) counts
when all of these hold, else it is refused with the reason:
- the commenter's repository permission, asked of the forge (never the comment's
  `author_association`, which anyone's client can claim in a copied payload), is at least
  `override.min_permission`;
- the commenter is not the change's author, unless `override.allow_author`;
- `<commit>` (at least 7 hex digits) is a prefix of the change's head commit now: a push
  invalidates every earlier override, as a new commit dismisses a stale approval;
- the comment was not edited after it was made (what was approved is what was written);
- every step that blocked is one `override.gates` allows.
The newest valid comment wins. Anything uncertain (a permission the forge did not answer) is
no override: the caller turns a forge error into a refusal, never into an approval.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mlgate.config import OVERRIDE_PERMISSIONS, OverrideConfig

COMMAND = "/mlgate override"
# At the start of a line (no `>` quote, no indent that would make it a code block).
_COMMAND_LINE = re.compile(r"^/mlgate override(?:[ \t]+(\S+))?(?:[ \t]+(.*\S))?[ \t]*$", re.M)
# The same command inside a quoted reply (`> /mlgate override …`, nested quotes too): answered
# as not counting, never applied — quoting someone's attempt is not making it.
_QUOTED_COMMAND = re.compile(r"^[ \t]*>[> \t]*/mlgate override\b", re.M)
_COMMIT = re.compile(r"[0-9a-fA-F]{7,64}")
# Kept in gate.json, the comment, the check run and an MLflow tag: a reason, not an essay.
MAX_REASON = 500
# GitHub's permission API: admin, maintain, write, triage, read, none (role names).
_RANK = {
    "none": 0,
    "read": 1,
    "triage": 2,
    **{p: 3 + i for i, p in enumerate(OVERRIDE_PERMISSIONS)},
}


@dataclass(frozen=True)
class Comment:
    author: str
    body: str
    created_at: str
    updated_at: str
    url: str


@dataclass(frozen=True)
class Change:
    """The pull request now: its head commit and its author."""

    head_sha: str
    author: str


@dataclass(frozen=True)
class Override:
    by: str
    at: str
    reason: str
    commit: str
    url: str
    failed: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "by": self.by,
            "at": self.at,
            "reason": self.reason,
            "commit": self.commit,
            "url": self.url,
            "failed": list(self.failed),
        }


@dataclass(frozen=True)
class Decision:
    applied: Override | None
    refused: tuple[str, ...]  # one line each, `@carol cannot override: ...`


PermissionOf = Callable[[str], str]


class PermissionUnknown(Exception):
    """`permission_of` could not find out (the forge failed): refused, never assumed."""


def command_for(head_sha: str) -> str:
    """The exact command the blocked comment shows."""
    return f"{COMMAND} {head_sha[:12]} <reason>"


@dataclass(frozen=True)
class Command:
    commit: str  # "" when missing: answered, not ignored
    reason: str  # "" when missing
    quoted: bool = False  # only in a quoted reply: answered as not counting


def parse(body: str) -> Command | None:
    """The first override command in `body` on a line of its own, else one only quoted, else
    None."""
    text = body.replace("\r\n", "\n")
    match = _COMMAND_LINE.search(text)
    if match is not None:
        return Command(match.group(1) or "", (match.group(2) or "")[:MAX_REASON])
    return Command("", "", quoted=True) if _QUOTED_COMMAND.search(text) else None


def decide(
    comments: Sequence[Comment],
    change: Change,
    failed: Sequence[str],
    settings: OverrideConfig,
    permission_of: PermissionOf,
) -> Decision:
    """The newest valid override of this change, and why each newer-or-other attempt was not."""
    refused: list[str] = []
    not_allowed = [step for step in failed if step not in settings.gates]
    for comment in reversed(comments):
        command = parse(comment.body)
        if command is None:
            continue
        problem = _problem(
            comment, command, change, not_allowed, settings=settings, permission_of=permission_of
        )
        if problem is not None:
            refused.append(f"@{comment.author} cannot override: {problem}")
            continue
        override = Override(
            by=comment.author,
            at=comment.created_at,
            reason=command.reason,
            commit=change.head_sha,
            url=comment.url,
            failed=tuple(failed),
        )
        return Decision(override, tuple(refused))
    return Decision(None, tuple(refused))


def _problem(
    comment: Comment,
    command: Command,
    change: Change,
    not_allowed: Sequence[str],
    *,
    settings: OverrideConfig,
    permission_of: PermissionOf,
) -> str | None:
    """Why this attempt does not count, or None. The forge is asked last, and only about an
    attempt that is otherwise valid."""
    return (
        _command_problem(comment, command, change)
        or _who_problem(comment, change, settings)
        or (
            f"override.gates does not allow overriding {', '.join(not_allowed)}"
            if not_allowed
            else None
        )
        or _permission_problem(comment.author, settings, permission_of)
    )


def _command_problem(comment: Comment, command: Command, change: Change) -> str | None:
    commit, reason = command.commit, command.reason
    if command.quoted:
        return "a command in a quoted reply does not count; post it on a line of its own"
    if not _COMMIT.fullmatch(commit):
        return f"name the head commit (at least 7 hex digits): `{command_for(change.head_sha)}`"
    if not change.head_sha.lower().startswith(commit.lower()):
        return f"{commit[:12]} is not the head commit {change.head_sha[:12]} (pushed since?)"
    if not reason:
        return "a reason is required"
    if comment.updated_at != comment.created_at:
        return "the comment was edited after it was made; post a new one"
    return None


def _who_problem(comment: Comment, change: Change, settings: OverrideConfig) -> str | None:
    if not settings.allow_author and comment.author.lower() == change.author.lower():
        return "the change's author may not override it (override.allow_author is false)"
    return None


def _permission_problem(
    user: str, settings: OverrideConfig, permission_of: PermissionOf
) -> str | None:
    try:
        permission = permission_of(user)
    except PermissionUnknown as exc:
        return f"the permission API failed, so no override: {exc}"
    if _RANK.get(permission, 0) < _RANK[settings.min_permission]:
        return f"{permission} permission, needs {settings.min_permission}"
    return None
