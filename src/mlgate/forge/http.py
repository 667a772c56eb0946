"""The HTTP client every forge shares: a requests session with a timeout on every call and
bounded retries of what is worth retrying (connection errors, timeouts, 5xx, 429 with its
`Retry-After`). Tries are bounded in number and in wall-clock time: each exchange gets at most
`timeout_s`, however slowly the server drips its answer, and the whole operation `max_total_s`.
A wait the forge's rate limits ask for comes on top of that budget, up to
`max_rate_limit_wait_s` in all; a wait that would pass those limits fails at once.

A write that is not idempotent (a POST that creates) is not retried after a 5xx or a lost
connection: it raises the forge's ambiguous-write error and the caller looks before it tries
again (`sticky`). The token is never part of a message, a repr or a log line; messages built
here are scrubbed of it in case a server echoes it back. A forge subclasses `HttpClient` with
its headers, its errors and its own reading of rate limits.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from mlgate import __version__
from mlgate.forge.base import AmbiguousWrite, Budget, ForgeError

RETRY_STATUSES = frozenset({500, 502, 503, 504})


class _Overdue(requests.exceptions.ReadTimeout):
    """No complete answer within the exchange's wall-clock limit (a server dripping bytes)."""


class HttpClient:
    """`max_tries` bounds the attempts of one request; `timeout_s` the wall-clock time of one
    exchange; `max_total_s` the time one request (or one `deadline` shared by several) may
    take, backoff included; `max_rate_limit_wait_s` the waits rate limits ask for on top."""

    def __init__(
        self,
        token: str,
        auth: requests.auth.AuthBase,
        *,
        api_url: str,
        timeout_s: float = 10.0,
        max_tries: int = 5,
        max_total_s: float = 60.0,
        backoff_s: float = 1.0,
        max_rate_limit_wait_s: float = 180.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_tries = max(1, max_tries)
        self.max_total_s = max_total_s
        self.backoff_s = backoff_s
        self.max_rate_limit_wait_s = max_rate_limit_wait_s
        self._sleep = sleep
        self._token = token
        self._session = requests.Session()
        # An auth object rather than a session header: with a ~/.netrc, requests would
        # otherwise replace the header with netrc credentials. requests drops it on
        # cross-host redirects.
        self._session.auth = auth
        self._session.headers.update({"User-Agent": f"mlgate/{__version__}"})
        # What to check after an HTTP error, by status: the forge's own words.
        self.hints: dict[int, str] = {}
        self.fallback_hint = "API error"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_url={self.api_url!r})"

    def close(self) -> None:
        self._session.close()

    def error(self, message: str, *, status: int | None = None) -> ForgeError:
        """The forge's error for a failed request (a subclass says which)."""
        return ForgeError(message, status=status)

    def ambiguous(self, message: str, *, status: int | None = None) -> ForgeError:
        """The forge's error for a write that may have landed."""
        return AmbiguousWrite(message, status=status)

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
                if not is_transient(exc):
                    raise self.error(self.scrub(f"{what}: {exc}")) from exc
                last, status = f"{type(exc).__name__}: {exc}", None
                if not idempotent and not not_sent(exc):
                    raise self.ambiguous(self.scrub(f"{what}: {last}")) from exc
                wait, rate_limited = self._backoff(tries), False
            else:
                retry = self._retry_wait(response, tries)
                if retry is None:
                    return response
                last, status = (
                    f"HTTP {response.status_code} {message_of(response)}",
                    response.status_code,
                )
                if not idempotent and response.status_code in RETRY_STATUSES:
                    raise self.ambiguous(self.scrub(f"{what}: {last}"), status=status)
                wait, rate_limited = retry
            if tries >= self.max_tries:
                break
            if rate_limited and wait <= budget.rate_limit_wait_left:
                # GitHub asked for this wait: it does not eat the budget for the work itself
                budget.rate_limit_wait_left -= wait
                budget.ends_at += wait
            if time.monotonic() + wait > budget.ends_at:
                raise self.error(
                    self.scrub(
                        f"{what}: gave up after {tries} tries: the next retry would wait "
                        f"{wait:.0f}s, past the {self.max_total_s:g}s limit (and "
                        f"{self.max_rate_limit_wait_s:g}s for rate limits); last: {last}"
                    ),
                    status=status,
                )
            self._sleep(wait)
        elapsed = time.monotonic() - started
        raise self.error(
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

        threading.Thread(target=exchange, name="mlgate-forge", daemon=True).start()
        if not done.wait(limit_s):
            raise _Overdue(f"no complete answer within {limit_s:.1f}s")
        if "error" in outcome:
            raise outcome["error"]
        response: requests.Response = outcome["response"]
        return response

    def get_json(self, path_or_url: str, *, deadline: Budget | None = None) -> Any:
        response = self.request("GET", path_or_url, deadline=deadline)
        self.raise_for_status(response, "GET")
        return parse_json(response, self.error)

    def raise_for_status(self, response: requests.Response, method: str) -> None:
        """Turn a non-2xx response into mlgate's error, with a sentence saying what to check."""
        code = response.status_code
        if 200 <= code < 300:
            return
        what = f"{method} {urlsplit(response.url).path}"
        detail = f"HTTP {code} {message_of(response)}".rstrip()
        hint = self.hints.get(code, self.fallback_hint)
        raise self.error(self.scrub(f"{what}: {detail}: {hint}"), status=code)

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
        them; None if the response is final. 5xx after backoff, 429 after `Retry-After`."""
        code = response.status_code
        if code in RETRY_STATUSES:
            return retry_after(response) or self._backoff(tries), False
        if code != 429:
            return None
        wait = retry_after(response)
        return (wait, True) if wait is not None else (self._backoff(tries), False)


def retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date; GitHub and GitLab send seconds


def is_transient(exc: requests.exceptions.RequestException) -> bool:
    return isinstance(
        exc,
        requests.exceptions.ConnectionError
        | requests.exceptions.Timeout
        | requests.exceptions.ChunkedEncodingError,
    ) and not isinstance(exc, requests.exceptions.SSLError)


def not_sent(exc: requests.exceptions.RequestException) -> bool:
    """True when the request surely never reached the server (so even a POST may be retried)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def message_of(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.reason or ""
    # GitHub says "message"; GitLab "message" (a string, or a dict of fields) or "error".
    message = payload.get("message") or payload.get("error") if isinstance(payload, dict) else None
    return str(message)[:300] if message else (response.reason or "")


def parse_json(response: requests.Response, error: Callable[..., ForgeError]) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise error(
            f"{response.request.method} {urlsplit(response.url).path}: the answer is not JSON",
            status=response.status_code,
        ) from exc
