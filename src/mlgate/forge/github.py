"""The GitHub REST API: the one module that imports requests.

What it does for mlgate: read the runner's variables (which repository, which pull request),
and keep one "sticky" comment per report id on a pull request, created on the first run and
edited in place afterwards.

The HTTP client retries what GitHub documents as worth retrying ("Rate limits for the REST
API", "Best practices for using the REST API"): connection errors, timeouts, 5xx, 429, and
rate limits answered with 403/429 (wait `retry-after` seconds when given; when
`x-ratelimit-remaining` is 0, until `x-ratelimit-reset`; for a secondary limit without either,
at least a minute). Tries are bounded in number and in wall-clock time: each exchange gets at
most `timeout_s`, however slowly the server drips its answer, and the whole operation
`max_total_s`. A wait GitHub's rate limits ask for comes on top of that budget, up to
`max_rate_limit_wait_s` in all; a wait that would pass those limits fails at once.

The token travels only in the `Authorization` header. It is never part of a message, a repr or
a log line; messages built here are scrubbed of it in case a server echoes it back.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from mlgate import __version__
from mlgate.core.errors import ExternalError, InputError
from mlgate.forge.ci import PullRequest, read_event

DEFAULT_API_URL = "https://api.github.com"
API_URL_ENVS = ("MLGATE_GITHUB_API_URL", "GITHUB_API_URL")
API_VERSION = "2022-11-28"
# GitHub rejects comment bodies longer than this (HTTP 422 "body is too long").
MAX_COMMENT_CHARS = 65536
# The author of every comment made with a workflow's GITHUB_TOKEN.
ACTIONS_BOT_LOGIN = "github-actions[bot]"

_MARKER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_MAX_PAGES = 1000  # 100,000 comments: a guard against a server that links in circles

CommentAction = Literal["created", "updated", "unchanged", "skipped"]


class GitHubError(ExternalError):
    """The GitHub API failed or refused; no verdict (exit 3). `status` is the HTTP status if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CommentForbidden(GitHubError):
    """The token may read the pull request but not comment on it (HTTP 403).

    The usual cause is a pull request from a fork, where GITHUB_TOKEN is read-only, or a
    workflow without `permissions: pull-requests: write`. Callers turn it into a warning.
    """


class _Ambiguous(GitHubError):
    """A write that may or may not have reached GitHub (5xx, dropped connection): look first."""


class _Overdue(requests.exceptions.ReadTimeout):
    """No complete answer within the exchange's wall-clock limit (a server dripping bytes)."""


@dataclass
class Budget:
    """The wall-clock limits of one operation, shared by its requests: it ends at `ends_at`
    (time.monotonic), moved later by each wait GitHub's rate limits ask for while
    `rate_limit_wait_left` seconds of such waits remain."""

    ends_at: float
    rate_limit_wait_left: float


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
    # An auth object rather than a session header: with a ~/.netrc, requests would otherwise
    # replace the header with netrc credentials. requests drops it on cross-host redirects.
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_BearerAuth(***)"


class GitHubClient:
    """A requests session with GitHub's headers, a timeout on every call and bounded retries.

    `max_tries` bounds the attempts of one request; `timeout_s` the wall-clock time of one
    exchange; `max_total_s` the time one request (or one `deadline` shared by several) may
    take, backoff included; `max_rate_limit_wait_s` the waits rate limits ask for on top;
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
        self.api_url = api_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_tries = max(1, max_tries)
        self.max_total_s = max_total_s
        self.backoff_s = backoff_s
        self.max_rate_limit_wait_s = max_rate_limit_wait_s
        self.secondary_limit_wait_s = secondary_limit_wait_s
        self._sleep = sleep
        self._token = token
        self._session = requests.Session()
        self._session.auth = _BearerAuth(token)
        self._session.headers.update(
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"mlgate/{__version__}",
            }
        )

    def __repr__(self) -> str:
        return f"GitHubClient(api_url={self.api_url!r})"

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def deadline(self) -> Budget:
        """A budget of `max_total_s` from now, for operations made of several requests."""
        return Budget(time.monotonic() + self.max_total_s, self.max_rate_limit_wait_s)

    def scrub(self, text: str) -> str:
        """`text` without the token, in case a server echoed it back."""
        return text.replace(self._token, "***")

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        json_body: object = None,
        params: Mapping[str, str | int] | None = None,
        deadline: Budget | None = None,
        idempotent: bool = True,
    ) -> requests.Response:
        """Send one request, retrying what is worth retrying; return the final response.

        A response that is not retried is returned whatever its status; the caller decides.
        For a non-idempotent request (POST that creates something), a 5xx or a connection lost
        after sending raises `_Ambiguous` instead of retrying blindly: the caller looks first.
        """
        url = self._url(path_or_url)
        what = f"{method} {urlsplit(url).path}"
        started = time.monotonic()
        budget = self.deadline() if deadline is None else deadline
        last, status = "no attempt made", None
        tries = 0
        while tries < self.max_tries:
            remaining = budget.ends_at - time.monotonic()
            if remaining <= 0:
                break
            tries += 1
            try:
                response = self._exchange(
                    method, url, json_body, params, min(self.timeout_s, remaining)
                )
            except requests.exceptions.RequestException as exc:
                if not _is_transient(exc):
                    raise GitHubError(self.scrub(f"{what}: {exc}")) from exc
                last, status = f"{type(exc).__name__}: {exc}", None
                if not idempotent and not _not_sent(exc):
                    raise _Ambiguous(self.scrub(f"{what}: {last}")) from exc
                wait, rate_limited = self._backoff(tries), False
            else:
                retry = self._retry_wait(response, tries)
                if retry is None:
                    return response
                last, status = (
                    f"HTTP {response.status_code} {_message(response)}",
                    response.status_code,
                )
                if not idempotent and response.status_code in _RETRY_STATUSES:
                    raise _Ambiguous(self.scrub(f"{what}: {last}"), status=status)
                wait, rate_limited = retry
            if tries >= self.max_tries:
                break
            if rate_limited and wait <= budget.rate_limit_wait_left:
                # GitHub asked for this wait: it does not eat the budget for the work itself
                budget.rate_limit_wait_left -= wait
                budget.ends_at += wait
            if time.monotonic() + wait > budget.ends_at:
                raise GitHubError(
                    self.scrub(
                        f"{what}: gave up after {tries} tries: the next retry would wait "
                        f"{wait:.0f}s, past the {self.max_total_s:g}s limit (and "
                        f"{self.max_rate_limit_wait_s:g}s for rate limits); last: {last}"
                    ),
                    status=status,
                )
            self._sleep(wait)
        elapsed = time.monotonic() - started
        raise GitHubError(
            self.scrub(
                f"{what}: no success after {tries} tries in {elapsed:.1f}s "
                f"(limits {self.max_tries} tries, {self.max_total_s:g}s); last: {last}"
            ),
            status=status,
        )

    def _exchange(
        self,
        method: str,
        url: str,
        json_body: object,
        params: Mapping[str, str | int] | None,
        limit_s: float,
    ) -> requests.Response:
        """One request and its whole answer within `limit_s` of wall-clock time.

        requests' timeout bounds each read, not the sum of them: a server sending a byte every
        few seconds would hold the call for ever. So the exchange runs in a daemon thread that
        is given up on at the limit (it ends when the server stops, or with the process).
        """
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def exchange() -> None:
            try:
                outcome["response"] = self._session.request(
                    method, url, json=json_body, params=params, timeout=(limit_s, limit_s)
                )
            except BaseException as exc:  # handed to the caller's thread below
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=exchange, name="mlgate-github", daemon=True).start()
        if not done.wait(limit_s):
            raise _Overdue(f"no complete answer within {limit_s:.1f}s")
        if "error" in outcome:
            raise outcome["error"]
        response: requests.Response = outcome["response"]
        return response

    def get_json(self, path_or_url: str, *, deadline: Budget | None = None) -> Any:
        response = self.request("GET", path_or_url, deadline=deadline)
        self.raise_for_status(response, "GET")
        return _json(response)

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

    def raise_for_status(self, response: requests.Response, method: str) -> None:
        """Turn a non-2xx response into mlgate's error, with a sentence saying what to check."""
        code = response.status_code
        if 200 <= code < 300:
            return
        what = f"{method} {urlsplit(response.url).path}"
        detail = f"HTTP {code} {_message(response)}".rstrip()
        hint = {
            401: "GitHub rejected the token; check GITHUB_TOKEN",
            403: "the token lacks a permission (pull-requests: write) or hit a limit",
            404: "not found, or not visible to this token; check GITHUB_REPOSITORY and the PR",
            422: "GitHub refused the content",
        }.get(code, "GitHub API error")
        raise GitHubError(self.scrub(f"{what}: {detail}: {hint}"), status=code)

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.api_url}/{path_or_url.lstrip('/')}"

    def _same_origin(self, url: str) -> bool:
        ours, theirs = urlsplit(self.api_url), urlsplit(url)
        return (ours.scheme, ours.netloc) == (theirs.scheme, theirs.netloc)

    def _backoff(self, tries: int) -> float:
        # Exponential with "equal jitter": half fixed, half random, so parallel jobs spread out.
        base = self.backoff_s * 2.0 ** (tries - 1)
        return base / 2 + random.uniform(0, base / 2)

    def _retry_wait(self, response: requests.Response, tries: int) -> tuple[float, bool] | None:
        """Seconds to wait before retrying this response, and whether a rate limit asks for
        them; None if the response is final."""
        code = response.status_code
        if code in _RETRY_STATUSES:
            return _retry_after(response) or self._backoff(tries), False
        if code not in (403, 429):
            return None
        wait = _rate_limit_wait(response)
        if wait is not None:
            return wait, True
        if code == 429:
            return self._backoff(tries), False
        if "secondary rate limit" in _message(response).lower():
            return max(self.secondary_limit_wait_s, self._backoff(tries)), True
        return None  # a plain 403: a permission problem, not worth retrying


def _rate_limit_wait(response: requests.Response) -> float | None:
    """What GitHub's rate-limit headers say to wait: `retry-after`, else until the reset."""
    retry_after = _retry_after(response)
    if retry_after is not None:
        return retry_after
    headers = response.headers
    if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
        try:
            return max(0.0, float(headers["x-ratelimit-reset"]) - time.time()) + 1.0
        except ValueError:
            return None
    return None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date; GitHub sends seconds


def _is_transient(exc: requests.exceptions.RequestException) -> bool:
    return isinstance(
        exc,
        requests.exceptions.ConnectionError
        | requests.exceptions.Timeout
        | requests.exceptions.ChunkedEncodingError,
    ) and not isinstance(exc, requests.exceptions.SSLError)


def _not_sent(exc: requests.exceptions.RequestException) -> bool:
    """True when the request surely never reached the server (so even a POST may be retried)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _message(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.reason or ""
    message = payload.get("message") if isinstance(payload, dict) else None
    return str(message)[:300] if message else (response.reason or "")


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise GitHubError(
            f"{response.request.method} {urlsplit(response.url).path}: the answer is not JSON",
            status=response.status_code,
        ) from exc


# --- the sticky comment ---------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Who the token writes comments as."""

    login: str
    is_bot: bool
    source: str  # how it was found: "GET /user", "GraphQL viewer", "given", "fallback"


@dataclass(frozen=True)
class CommentOutcome:
    action: CommentAction
    url: str | None
    comment_id: int | None
    message: str  # one line for humans


def marker(marker_id: str = "default") -> str:
    """The hidden HTML comment that marks mlgate's comment for this report id."""
    if not _MARKER_ID.fullmatch(marker_id):
        raise InputError(
            f"report id {marker_id!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return f"<!-- mlgate:report id={marker_id} -->"


def comment_body(body: str, marker_id: str = "default") -> str:
    """The exact text posted: the marker on its own first line, then the report."""
    return f"{marker(marker_id)}\n{body}"


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
    user = comment.get("user")
    if not isinstance(user, dict):
        return False
    login = user.get("login")
    if not isinstance(login, str) or login.lower() != identity.login.lower():
        return False
    if identity.is_bot and user.get("type") != "Bot":
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
    """Create, update or leave alone mlgate's comment for `marker_id` on this run's PR.

    Raises InputError for a body over MAX_COMMENT_CHARS (marker included) or a bad id, before
    any request; returns action "skipped" without any request when the run has no pull
    request; raises CommentForbidden when the token may not write (read-only, fork PRs) and
    GitHubError when GitHub fails past the retries.
    """
    full = comment_body(body, marker_id)
    length = comment_length(full)
    if length > MAX_COMMENT_CHARS:
        raise InputError(
            f"the comment is {length} characters; GitHub accepts at most {MAX_COMMENT_CHARS}"
        )
    env = github_env() if env is None else env
    if env.pull_request is None:
        event = env.event_name or "no GitHub event"
        return CommentOutcome("skipped", None, None, f"not a pull request ({event}): no comment")
    repository = _check_repository(env.repository)
    number = env.pull_request.number
    own = client is None
    if client is None:
        client = GitHubClient(env.token or "", api_url=env.api_url)
    try:
        return _upsert(client, repository, number, full, marker_id)
    finally:
        if own:
            client.close()


def _upsert(
    client: GitHubClient, repository: str, number: int, full: str, marker_id: str
) -> CommentOutcome:
    deadline = client.deadline()
    identity = token_identity(client, deadline=deadline)
    where = f"{repository}#{number}"
    posted = False  # an earlier create may have landed although its answer was lost
    last: GitHubError | None = None
    # Look again only after an ambiguous create or a comment deleted meanwhile.
    for _ in range(client.max_tries):
        existing = find_sticky_comment(
            client, repository, number, identity, marker_id, deadline=deadline
        )
        try:
            if existing is None:
                path = f"/repos/{repository}/issues/{number}/comments"
                created = _write(client, "POST", path, full, where=where, deadline=deadline)
                return _outcome("created", created, where)
            if _same_text(existing.get("body"), full):
                return _outcome("created" if posted else "unchanged", existing, where)
            path = f"/repos/{repository}/issues/comments/{existing.get('id')}"
            updated = _write(client, "PATCH", path, full, where=where, deadline=deadline)
            return _outcome("updated", updated, where)
        except _Ambiguous as exc:
            posted, last = True, exc
        except GitHubError as exc:
            if exc.status != 404 or existing is None:  # 404 on PATCH: deleted meanwhile
                raise
            last = exc
        if time.monotonic() >= deadline.ends_at:
            break
    status = last.status if last is not None else None
    raise GitHubError(
        client.scrub(f"{where}: could not post mlgate's comment; last: {last}"), status=status
    )


def _write(
    client: GitHubClient, method: str, path: str, full: str, *, where: str, deadline: Budget
) -> dict[str, Any]:
    response = client.request(
        method, path, json_body={"body": full}, deadline=deadline, idempotent=method != "POST"
    )
    if response.status_code == 403:
        raise CommentForbidden(
            client.scrub(
                f"{method} {urlsplit(response.url).path}: HTTP 403 {_message(response)}: this "
                f"token cannot comment on {where} (read-only GITHUB_TOKEN on pull requests from "
                "forks, or no `pull-requests: write` permission)"
            ),
            status=403,
        )
    client.raise_for_status(response, method)
    comment = _json(response)
    if not isinstance(comment, dict):
        raise GitHubError(
            client.scrub(f"{method} {urlsplit(response.url).path}: expected a JSON object")
        )
    return comment


def _outcome(action: CommentAction, comment: Mapping[str, Any], where: str) -> CommentOutcome:
    url = comment.get("html_url")
    comment_id = comment.get("id")
    return CommentOutcome(
        action,
        url if isinstance(url, str) else None,
        comment_id if isinstance(comment_id, int) else None,
        f"{action} mlgate's comment on {where}",
    )


def _same_text(existing: object, new: str) -> bool:
    # GitHub may hand back CRLF line ends or drop trailing whitespace.
    def norm(text: str) -> str:
        return text.replace("\r\n", "\n").rstrip()

    return isinstance(existing, str) and norm(existing) == norm(new)


def _check_repository(repository: str | None) -> str:
    if not repository or not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
        raise InputError(f"GITHUB_REPOSITORY={repository or ''!r}: expected OWNER/NAME")
    return repository
