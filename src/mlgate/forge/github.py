"""The GitHub REST API behind the forge seam (`base.Forge`): `GitHubForge`.

What it does for mlgate: read the runner's variables (which repository, which pull request),
and list, create and edit the token's comments on a pull request; the one sticky comment per
report id is kept by `sticky`, above it.

The HTTP client (`http.HttpClient`) retries what GitHub documents as worth retrying ("Rate
limits for the REST API", "Best practices for using the REST API"): connection errors,
timeouts, 5xx, 429, and rate limits answered with 403/429 (wait `retry-after` seconds when
given; when `x-ratelimit-remaining` is 0, until `x-ratelimit-reset`; for a secondary limit
without either, at least a minute).

The token travels only in the `Authorization` header. It is never part of a message, a repr or
a log line; messages built here are scrubbed of it in case a server echoes it back.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import requests

from mlgate.core.errors import InputError
from mlgate.forge import sticky
from mlgate.forge.base import (
    AmbiguousWrite,
    Annotation,
    Budget,
    Change,
    Comment,
    ForgeError,
    Note,
    NoteForbidden,
    NoteOutcome,
    PostedVerdict,
    VerdictReport,
)
from mlgate.forge.ci import PullRequest, read_event
from mlgate.forge.http import (
    RETRY_STATUSES,
    HttpClient,
    message_of,
    parse_json,
    retry_after,
)

DEFAULT_API_URL = "https://api.github.com"
API_URL_ENVS = ("MLGATE_GITHUB_API_URL", "GITHUB_API_URL")
API_VERSION = "2022-11-28"
# GitHub rejects comment bodies longer than this (HTTP 422 "body is too long").
MAX_COMMENT_CHARS = 65536
CHECK_NAME = "mlgate"
MAX_CHECK_TEXT = 65535  # a check run's output.title/summary/text: GitHub's limit, in characters
MAX_ANNOTATIONS_PER_REQUEST = 50
MAX_STATUS_DESCRIPTION = 140
# A check run's external_id names the steps that blocked, for an override decided later.
FAILED_PREFIX = "mlgate:failed="
# The author of every comment made with a workflow's GITHUB_TOKEN.
ACTIONS_BOT_LOGIN = "github-actions[bot]"

_MAX_PAGES = 1000  # 100,000 comments: a guard against a server that links in circles

CommentAction = Literal["created", "updated", "unchanged", "skipped"]
CommentOutcome = NoteOutcome
# The marker and the exact text posted are the same on every forge (`sticky`).
marker = sticky.marker
comment_body = sticky.note_body


class GitHubError(ForgeError):
    """The GitHub API failed or refused; no verdict (exit 3). `status` is the HTTP status if any."""


class CommentForbidden(GitHubError, NoteForbidden):
    """The token may read the pull request but not comment on it (HTTP 403).

    The usual cause is a pull request from a fork, where GITHUB_TOKEN is read-only, or a
    workflow without `permissions: pull-requests: write`. Callers turn it into a warning.
    """


class _Ambiguous(GitHubError, AmbiguousWrite):
    """A write that may or may not have reached GitHub (5xx, dropped connection): look first."""


# --- the runner's environment -------------------------------------------------------------


@dataclass(frozen=True)
class GitHubEnv:
    """What the runner says about this run. The token is kept out of the repr."""

    api_url: str
    repository: str | None
    event_name: str | None
    pull_request: PullRequest | None
    token: str | None = field(default=None, repr=False)


def github_env(environ: Mapping[str, str] | None = None, *, token: str | None = None) -> GitHubEnv:
    """Read GITHUB_TOKEN, the API URL, GITHUB_REPOSITORY and the pull request from the event
    (`ci.read_event`: only `pull_request` and `pull_request_target` events have one).

    The API URL is `MLGATE_GITHUB_API_URL`, else `GITHUB_API_URL`, else api.github.com.
    """
    env = os.environ if environ is None else environ
    api_url = next((env[name] for name in API_URL_ENVS if env.get(name)), DEFAULT_API_URL)
    event = read_event(env)
    return GitHubEnv(
        api_url=api_url.rstrip("/"),
        repository=env.get("GITHUB_REPOSITORY") or event.repository,
        event_name=event.name,
        pull_request=event.pull_request,
        token=token or env.get("GITHUB_TOKEN") or None,
    )


# --- the HTTP client ------------------------------------------------------------------------


class _BearerAuth(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_BearerAuth(***)"


class GitHubClient(HttpClient):
    """The shared HTTP client (`http.HttpClient`) with GitHub's headers, errors and rate limits.

    `secondary_limit_wait_s` is the wait after a secondary rate limit that names none.
    """

    def __init__(
        self,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout_s: float = 10.0,
        max_tries: int = 5,
        max_total_s: float = 60.0,
        backoff_s: float = 1.0,
        max_rate_limit_wait_s: float = 180.0,
        secondary_limit_wait_s: float = 60.0,  # GitHub: "wait for at least one minute"
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise InputError("no GitHub token: set GITHUB_TOKEN or pass a token")
        super().__init__(
            token,
            _BearerAuth(token),
            api_url=api_url,
            timeout_s=timeout_s,
            max_tries=max_tries,
            max_total_s=max_total_s,
            backoff_s=backoff_s,
            max_rate_limit_wait_s=max_rate_limit_wait_s,
            sleep=sleep,
        )
        self.secondary_limit_wait_s = secondary_limit_wait_s
        self.hints = {
            401: "GitHub rejected the token; check GITHUB_TOKEN",
            403: "the token lacks a permission (pull-requests: write) or hit a limit",
            404: "not found, or not visible to this token; check GITHUB_REPOSITORY and the PR",
            422: "GitHub refused the content",
        }
        self.fallback_hint = "GitHub API error"
        self._session.headers.update(
            {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        )

    def error(self, message: str, *, status: int | None = None) -> GitHubError:
        return GitHubError(message, status=status)

    def ambiguous(self, message: str, *, status: int | None = None) -> GitHubError:
        return _Ambiguous(message, status=status)

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def paginate(
        self, path: str, *, per_page: int = 100, deadline: Budget | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield every item of a list endpoint, following `Link: <...>; rel="next"`."""
        url: str | None = self._url(path)
        params: dict[str, str | int] | None = {"per_page": per_page}
        pages = 0
        while url is not None:
            pages += 1
            if pages > _MAX_PAGES:
                raise GitHubError(
                    f"GET {urlsplit(self._url(path)).path}: more than {_MAX_PAGES} pages"
                )
            response = self.request("GET", url, params=params, deadline=deadline)
            self.raise_for_status(response, "GET")
            items = _json(response)
            if not isinstance(items, list):
                raise GitHubError(self.scrub(f"GET {urlsplit(url).path}: expected a JSON list"))
            yield from (item for item in items if isinstance(item, dict))
            url = response.links.get("next", {}).get("url")
            params = None  # the next link carries its own query
            if url is not None and not self._same_origin(url):
                raise GitHubError(
                    self.scrub(f"GitHub's pagination pointed outside {self.api_url}: {url}")
                )

    def _retry_wait(self, response: requests.Response, tries: int) -> tuple[float, bool] | None:
        """Seconds to wait before retrying this response, and whether a rate limit asks for
        them; None if the response is final."""
        code = response.status_code
        if code in RETRY_STATUSES:
            return retry_after(response) or self._backoff(tries), False
        if code not in (403, 429):
            return None
        wait = _rate_limit_wait(response)
        if wait is not None:
            return wait, True
        if code == 429:
            return self._backoff(tries), False
        if "secondary rate limit" in message_of(response).lower():
            return max(self.secondary_limit_wait_s, self._backoff(tries)), True
        return None  # a plain 403: a permission problem, not worth retrying


def _rate_limit_wait(response: requests.Response) -> float | None:
    """What GitHub's rate-limit headers say to wait: `retry-after`, else until the reset."""
    wait = retry_after(response)
    if wait is not None:
        return wait
    headers = response.headers
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
        try:
            return max(0.0, float(headers["x-ratelimit-reset"]) - time.time()) + 1.0
        except ValueError:
            return None
    return None


def _json(response: requests.Response) -> Any:
    return parse_json(response, GitHubError)


# --- the sticky comment ---------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who the token writes comments as."""

    login: str
    is_bot: bool
    source: str  # how it was found: "GET /user", "GraphQL viewer", "given", "fallback"


def comment_length(text: str) -> int:
    """Length as GitHub's limit counts it, erring long: UTF-16 code units (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def token_identity(client: GitHubClient, *, deadline: Budget | None = None) -> Identity:
    """Find the login the token's comments are written as.

    1. `GET /user` answers for a user's token (personal access token, OAuth, an app acting for
       a user): its `login`.
    2. An installation token — a workflow's GITHUB_TOKEN, or a GitHub App's — gets 403
       "Resource not accessible by integration" there (and `GET /app` needs the app's JWT,
       which a workflow does not have). GraphQL's `viewer { login }` does answer for those
       tokens, with the app's bot account (`github-actions[bot]`, `<app-slug>[bot]`).
    3. If GraphQL does not answer either (a proxy, an old GitHub Enterprise), the token is
       taken for GITHUB_TOKEN: `github-actions[bot]`.

    Ownership is the comment's `user.login` (and `user.type == "Bot"` for a bot identity),
    nothing else. Not `performed_via_github_app`: it can name an app acting on behalf of a
    user, who is then the author. Not "any Bot": another app's bot may quote our marker.
    """
    response = client.request("GET", "/user", deadline=deadline)
    if response.status_code == 200:
        user = _json(response)
        login = user.get("login") if isinstance(user, dict) else None
        if isinstance(login, str) and login:
            return Identity(login, user.get("type") == "Bot", "GET /user")
    elif response.status_code == 401:
        client.raise_for_status(response, "GET")
    query = {"query": "query { viewer { login } }"}
    response = client.request(
        "POST", _graphql_url(client.api_url), json_body=query, deadline=deadline
    )
    if response.status_code == 200:
        payload = _json(response)
        data = payload.get("data") if isinstance(payload, dict) else None
        viewer = data.get("viewer") if isinstance(data, dict) else None
        login = viewer.get("login") if isinstance(viewer, dict) else None
        if isinstance(login, str) and login:
            return Identity(login, login.endswith("[bot]"), "GraphQL viewer")
    return Identity(ACTIONS_BOT_LOGIN, True, "fallback")


def _graphql_url(api_url: str) -> str:
    # api.github.com/graphql; GitHub Enterprise Server: https://HOST/api/v3 -> https://HOST/api/graphql
    if api_url.endswith("/api/v3"):
        return api_url[: -len("v3")] + "graphql"
    return f"{api_url}/graphql"


def is_own_marked_comment(comment: Mapping[str, Any], identity: Identity, mark: str) -> bool:
    """Written by `identity` and starting with `mark`. Anyone can paste the marker; only the
    token's own comments count, so a forged marker is never the comment that gets edited."""
    if not _by(comment, identity):
        return False
    body = comment.get("body")
    return isinstance(body, str) and body.lstrip().startswith(mark)


def find_sticky_comment(
    client: GitHubClient,
    repository: str,
    number: int,
    identity: Identity,
    marker_id: str = "default",
    *,
    deadline: Budget | None = None,
) -> dict[str, Any] | None:
    """The oldest comment on the PR written by `identity` with this id's marker, if any."""
    mark = marker(marker_id)
    path = f"/repos/{repository}/issues/{number}/comments"
    for comment in client.paginate(path, deadline=deadline):
        if is_own_marked_comment(comment, identity, mark):
            return comment
    return None


def post_sticky_comment(
    body: str,
    *,
    marker_id: str = "default",
    env: GitHubEnv | None = None,
    client: GitHubClient | None = None,
) -> CommentOutcome:
    """Create, update or leave alone mlgate's comment for `marker_id` on this run's PR
    (`sticky.post`, with GitHub behind it).

    Raises InputError for a body over MAX_COMMENT_CHARS (marker included) or a bad id, before
    any request; returns action "skipped" without any request when the run has no pull
    request; raises CommentForbidden when the token may not write (read-only, fork PRs) and
    GitHubError when GitHub fails past the retries.
    """
    forge = GitHubForge(github_env() if env is None else env, client=client)
    try:
        return sticky.post(forge, body, marker_id)
    finally:
        forge.close()


def _write(
    client: GitHubClient, method: str, path: str, full: str, *, where: str, deadline: Budget
) -> Note:
    response = client.request(
        method, path, json_body={"body": full}, deadline=deadline, idempotent=method != "POST"
    )
    if response.status_code == 403:
        raise CommentForbidden(
            client.scrub(
                f"{method} {urlsplit(response.url).path}: HTTP 403 {message_of(response)}: this "
                f"token cannot comment on {where} (read-only GITHUB_TOKEN on pull requests from "
                "forks, or no `pull-requests: write` permission)"
            ),
            status=403,
        )
    client.raise_for_status(response, method)
    comment = _json(response)
    note = _note(comment) if isinstance(comment, dict) else None
    if note is None:
        raise GitHubError(
            client.scrub(f"{method} {urlsplit(response.url).path}: expected a JSON object")
        )
    return note


def _note(comment: Mapping[str, Any]) -> Note | None:
    """A comment as the seam's note; None without an integer id."""
    comment_id, body, url = comment.get("id"), comment.get("body"), comment.get("html_url")
    if not isinstance(comment_id, int) or isinstance(comment_id, bool):
        return None
    text = body if isinstance(body, str) else ""
    return Note(comment_id, text, url if isinstance(url, str) else None)


def _check_repository(repository: str | None) -> str:
    if not repository or not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
        raise InputError(f"GITHUB_REPOSITORY={repository or ''!r}: expected OWNER/NAME")
    return repository


class GitHubForge:
    """GitHub behind the forge seam: the pull request of a `pull_request(_target)` event,
    comments as notes, found by the token's own login (`token_identity`)."""

    name = "GitHub"
    note_word = "comment"
    note_title = "PR comment"
    max_note_chars = MAX_COMMENT_CHARS
    max_verdict_chars = MAX_CHECK_TEXT
    line_start_commands = False

    def __init__(self, env: GitHubEnv, *, client: GitHubClient | None = None) -> None:
        self.env = env
        self._client = client
        self._own_client = client is None
        self._identity: Identity | None = None

    @property
    def client(self) -> GitHubClient:
        """The client, made on first use: a run without a pull request needs no token."""
        if self._client is None:
            self._client = GitHubClient(self.env.token or "", api_url=self.env.api_url)
        return self._client

    @property
    def has_token(self) -> bool:
        return bool(self.env.token)

    @property
    def max_tries(self) -> int:
        return self.client.max_tries

    def note_length(self, text: str) -> int:
        return comment_length(text)

    def change(self) -> Change | None:
        pull = self.env.pull_request
        return None if pull is None else Change(pull.number, pull.head_sha)

    def no_change_reason(self) -> str:
        return f"not a pull request ({self.env.event_name or 'no GitHub event'}): no comment"

    def where(self) -> str:
        pull = self.env.pull_request
        return f"{_check_repository(self.env.repository)}#{pull.number if pull else '?'}"

    def deadline(self) -> Budget:
        return self.client.deadline()

    def _comments_path(self) -> str:
        pull = self.env.pull_request
        return f"/repos/{self.env.repository}/issues/{pull.number if pull else 0}/comments"

    def own_notes(self, deadline: Budget) -> Iterator[Note]:
        if self._identity is None:
            self._identity = token_identity(self.client, deadline=deadline)
        for comment in self.client.paginate(self._comments_path(), deadline=deadline):
            note = _note(comment)
            if note is not None and _by(comment, self._identity):
                yield note

    def create_note(self, body: str, deadline: Budget) -> Note:
        path = self._comments_path()
        return _write(self.client, "POST", path, body, where=self.where(), deadline=deadline)

    def update_note(self, note_id: int, body: str, deadline: Budget) -> Note:
        path = f"/repos/{self.env.repository}/issues/comments/{note_id}"
        return _write(self.client, "PATCH", path, body, where=self.where(), deadline=deadline)

    def change_now(self) -> Change:
        pull = self.env.pull_request
        path = f"/repos/{_check_repository(self.env.repository)}/pulls/{pull.number if pull else 0}"
        found = self.client.get_json(path)
        head = found.get("head") if isinstance(found, dict) else None
        user = found.get("user") if isinstance(found, dict) else None
        sha = head.get("sha") if isinstance(head, dict) else None
        author = user.get("login") if isinstance(user, dict) else None
        if pull is None or not isinstance(sha, str) or not isinstance(author, str):
            raise GitHubError(f"GET {path}: the pull request names no head commit or author")
        return Change(pull.number, sha, author)

    def comments(self) -> Iterator[Comment]:
        """Every person's comment; an app's (mlgate's own report quotes the command) is no
        one's."""
        for found in self.client.paginate(self._comments_path()):
            user = found.get("user")
            login = user.get("login") if isinstance(user, dict) else None
            if not isinstance(user, dict) or user.get("type") == "Bot":
                continue
            fields = [found.get(k) for k in ("body", "created_at", "updated_at", "html_url")]
            if isinstance(login, str) and all(isinstance(f, str) for f in fields):
                body, created, updated, url = (str(f) for f in fields)
                yield Comment(login, body, created, updated, url)

    def post_verdict(self, verdict: VerdictReport) -> str | None:
        """A check run `mlgate` on the pull request's head; where the token may not create
        check runs (HTTP 403, a fork's read-only token), a commit status saying the same in one
        line; where it may do neither, a note that says so."""
        pull = self.env.pull_request
        head_sha = verdict.head_sha or (pull.head_sha if pull is not None else None)
        if pull is None or not head_sha or not self.has_token:
            return None
        repository = _check_repository(self.env.repository)
        path = f"/repos/{repository}/check-runs"
        body: dict[str, Any] = {
            "name": CHECK_NAME,
            "head_sha": head_sha,
            "status": "completed",
            "conclusion": verdict.conclusion,
            "output": _check_output(verdict, verdict.annotations[:MAX_ANNOTATIONS_PER_REQUEST]),
        }
        if verdict.details_url:
            body["details_url"] = verdict.details_url
        if verdict.failed:
            body["external_id"] = FAILED_PREFIX + ",".join(verdict.failed)
        response = self.client.request("POST", path, json_body=body, idempotent=False)
        if response.status_code == 403:
            return self._status(verdict, repository, head_sha)
        self.client.raise_for_status(response, "POST")
        created = _json(response)
        check_id = created.get("id") if isinstance(created, dict) else None
        # GitHub takes at most 50 annotations per request: the rest go in updates of the run.
        rest = verdict.annotations[MAX_ANNOTATIONS_PER_REQUEST:]
        while rest and isinstance(check_id, int):
            batch, rest = rest[:MAX_ANNOTATIONS_PER_REQUEST], rest[MAX_ANNOTATIONS_PER_REQUEST:]
            update = self.client.request(
                "PATCH",
                f"{path}/{check_id}",
                json_body={"output": _check_output(verdict, batch)},
                idempotent=True,
            )
            self.client.raise_for_status(update, "PATCH")
        return f"posted the check run `{CHECK_NAME}` on {head_sha[:12]}"

    def last_verdict(self, head_sha: str) -> PostedVerdict | None:
        """The newest check run `mlgate` on `head_sha`; None without one (a fork's run, whose
        token could only set a commit status, names no failed steps)."""
        repository = _check_repository(self.env.repository)
        path = (
            f"/repos/{repository}/commits/{quote(head_sha, safe='')}/check-runs"
            f"?check_name={CHECK_NAME}&filter=latest"
        )
        found = self.client.get_json(path)
        runs = found.get("check_runs") if isinstance(found, dict) else None
        ours = [r for r in runs or [] if isinstance(r, dict) and r.get("name") == CHECK_NAME]
        if not ours:
            return None
        newest = max(ours, key=_run_id)
        found_output = newest.get("output")
        output: dict[str, Any] = found_output if isinstance(found_output, dict) else {}
        external = newest.get("external_id")
        steps = (
            external.removeprefix(FAILED_PREFIX).split(",")
            if isinstance(external, str) and external.startswith(FAILED_PREFIX)
            else []
        )
        return PostedVerdict(
            conclusion=str(newest.get("conclusion") or ""),
            title=str(output.get("title") or ""),
            summary=str(output.get("summary") or ""),
            failed=tuple(step for step in steps if step),
        )

    def _status(self, verdict: VerdictReport, repository: str, head_sha: str) -> str:
        """A commit status: `neutral` (overridden) is a success that says so in its title."""
        description = " ".join(verdict.title.split())
        if len(description) > MAX_STATUS_DESCRIPTION:
            description = description[: MAX_STATUS_DESCRIPTION - 1] + "…"
        body: dict[str, Any] = {
            "state": "failure" if verdict.conclusion == "failure" else "success",
            "context": CHECK_NAME,
            "description": description,
        }
        if verdict.details_url:
            body["target_url"] = verdict.details_url
        response = self.client.request(
            "POST", f"/repos/{repository}/statuses/{head_sha}", json_body=body, idempotent=True
        )
        if response.status_code == 403:  # neither checks: write nor statuses: write
            return (
                "no check run or commit status: the token has neither `checks: write` nor "
                "`statuses: write`"
            )
        self.client.raise_for_status(response, "POST")
        return f"posted the commit status `{CHECK_NAME}` on {head_sha[:12]}"

    def permission(self, user: str) -> str:
        """The user's role on the repository (`role_name`: admin, maintain, write, triage,
        read), else the legacy `permission` field; never the comment's `author_association`."""
        repository = _check_repository(self.env.repository)
        path = f"/repos/{repository}/collaborators/{quote(user, safe='')}/permission"
        answer = self.client.get_json(path)
        for key in ("role_name", "permission"):
            role = answer.get(key) if isinstance(answer, dict) else None
            if isinstance(role, str):
                return role
        raise GitHubError(f"GET {path}: the answer names no permission")

    def scrub(self, text: str) -> str:
        return self.client.scrub(text) if self._client is not None else text

    def error(self, message: str, status: int | None) -> GitHubError:
        return GitHubError(message, status=status)

    def close(self) -> None:
        if self._own_client and self._client is not None:
            self._client.close()


def _run_id(run: dict[str, Any]) -> int:
    found = run.get("id")
    return found if isinstance(found, int) else 0


def _check_output(verdict: VerdictReport, annotations: tuple[Annotation, ...]) -> dict[str, Any]:
    return {
        "title": verdict.title[:MAX_CHECK_TEXT],
        "summary": verdict.summary[:MAX_CHECK_TEXT],
        "annotations": [
            {
                "path": a.path,
                "start_line": a.line,
                "end_line": a.line,
                "annotation_level": "failure",
                "title": a.title[:255],
                "message": a.message[:64000],
            }
            for a in annotations
        ],
    }


def _by(comment: Mapping[str, Any], identity: Identity) -> bool:
    """Written by `identity`: the comment's `user.login`, and `user.type == "Bot"` for a bot."""
    user = comment.get("user")
    if not isinstance(user, dict):
        return False
    login = user.get("login")
    if not isinstance(login, str) or login.lower() != identity.login.lower():
        return False
    return not identity.is_bot or user.get("type") == "Bot"
