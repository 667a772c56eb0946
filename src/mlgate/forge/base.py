"""The forge seam: what mlgate asks of a code host, whichever it is.

A forge answers for the change at hand (a GitHub pull request, a GitLab merge request), keeps
mlgate's notes on it (list the token's own, create, update), sets the verdict on a commit and
says what a user may do in the repository. What is the same on every forge — the marker, the
size limit, the one-note rule with its ambiguous writes, retries and redaction — lives above it
(`sticky`, `http`, `core.outbound`); a forge module only speaks its host's API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

from mlgate.core.errors import ExternalError

NoteAction = Literal["created", "updated", "unchanged", "skipped"]
# A change's verdict on its head commit: `neutral` is an overridden block (neither a pass nor a
# block, said so in the title).
Conclusion = Literal["success", "failure", "neutral"]


class ForgeError(ExternalError):
    """The forge's API failed or refused; no verdict (exit 3). `status` is the HTTP status."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NoteForbidden(ForgeError):
    """The token may read the change but not write a note on it: callers turn it into a
    warning that says how to give it the permission."""


class AmbiguousWrite(ForgeError):
    """A write that may or may not have reached the forge (5xx, dropped connection): look
    before trying again."""


@dataclass(frozen=True)
class Change:
    """The change a run is about: a pull or merge request."""

    number: int
    head_sha: str | None
    author: str | None = None
    base: str | None = None


@dataclass(frozen=True)
class Note:
    """One note (comment) on the change, as the forge keeps it."""

    id: int
    body: str
    url: str | None


@dataclass(frozen=True)
class NoteOutcome:
    action: NoteAction
    url: str | None
    note_id: int | None
    message: str  # one line for humans

    @property
    def comment_id(self) -> int | None:  # GitHub's word for it, kept for its callers
        return self.note_id


@dataclass(frozen=True)
class Comment:
    """A comment on the change by anyone (an override is read from these, never from a note
    of mlgate's own, which quotes the command)."""

    author: str
    body: str
    created_at: str
    updated_at: str
    url: str


@dataclass(frozen=True)
class Annotation:
    """A line of a file in the change that the verdict points at (a failing row of data)."""

    path: str
    line: int
    title: str
    message: str


@dataclass(frozen=True)
class VerdictReport:
    """The verdict on the change's head commit: a check run where the forge has them (title,
    summary, annotations), else a commit status that says the title in one line."""

    conclusion: Conclusion
    title: str
    summary: str
    annotations: tuple[Annotation, ...] = ()
    details_url: str | None = None
    failed: tuple[str, ...] = ()  # the steps that blocked: what an override must cover
    head_sha: str | None = None  # the commit; the change's head when None


@dataclass(frozen=True)
class PostedVerdict:
    """The last verdict mlgate put on a commit, as the forge keeps it."""

    conclusion: str
    title: str
    summary: str
    failed: tuple[str, ...]


@dataclass
class Budget:
    """The wall-clock limits of one operation, shared by its requests: it ends at `ends_at`
    (time.monotonic), moved later by each wait the forge's rate limits ask for while
    `rate_limit_wait_left` seconds of such waits remain."""

    ends_at: float
    rate_limit_wait_left: float


class Forge(Protocol):
    """One code host, as mlgate uses it. Notes are the token's own only: a note by anyone
    else never comes out of `own_notes`, so it is never edited whatever it says."""

    name: str  # "GitHub", "GitLab": for messages
    note_word: str  # what the host calls a note: "comment", "note"
    note_title: str  # the note with its change: "PR comment", "MR note"
    max_note_chars: int

    @property
    def max_tries(self) -> int: ...

    # GitLab runs a note line that starts with `/` as a quick action; GitHub does not.
    line_start_commands: bool

    def note_length(self, text: str) -> int: ...

    max_verdict_chars: int  # the verdict's summary

    @property
    def has_token(self) -> bool: ...

    def change(self) -> Change | None: ...

    def change_now(self) -> Change:
        """The change as the forge has it now (a push since the run started moves its head),
        with its author; raises ForgeError."""
        ...

    def comments(self) -> Iterator[Comment]:
        """Every person's comment on the change, oldest first: not the token's own, not the
        forge's system notes."""
        ...

    def no_change_reason(self) -> str: ...

    def where(self) -> str: ...

    def deadline(self) -> Budget: ...

    def own_notes(self, deadline: Budget) -> Iterator[Note]: ...

    def create_note(self, body: str, deadline: Budget) -> Note: ...

    def update_note(self, note_id: int, body: str, deadline: Budget) -> Note: ...

    def post_verdict(self, verdict: VerdictReport) -> str | None:
        """Put the verdict on the change's head commit; a note for the log, None where the
        forge keeps no verdict for mlgate or there is no change."""
        ...

    def last_verdict(self, head_sha: str) -> PostedVerdict | None:
        """mlgate's latest verdict on `head_sha` with the steps that blocked, where the forge
        keeps one that says them (GitHub's check run); None otherwise."""
        ...

    def permission(self, user: str) -> str:
        """The user's permission on the repository on GitHub's scale (none, read, triage,
        write, maintain, admin); raises ForgeError when the forge does not say."""
        ...

    def scrub(self, text: str) -> str: ...

    def error(self, message: str, status: int | None) -> ForgeError: ...

    def close(self) -> None: ...
