"""mlgate.forge.github against a real HTTP server on 127.0.0.1 (tests/helpers/github_stub.py), over
TCP."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

from mlgate import __version__
from mlgate.core.errors import ExitStatus, InputError
from mlgate.forge.ci import PullRequest
from mlgate.forge.github import (
    MAX_COMMENT_CHARS,
    CommentForbidden,
    GitHubClient,
    GitHubEnv,
    GitHubError,
    comment_body,
    github_env,
    marker,
    post_sticky_comment,
    token_identity,
)
from tests.helpers.github_stub import ACTIONS_BOT, Account, Fault, GitHubStub, running_stub

REPO = "octo-org/octo-repo"
PR = 7
USER_TOKEN = "ghp_" + "S3cretUserT0ken" * 2
APP_TOKEN = "ghs_" + "S3cretAppT0ken" * 2
ME = Account("mlgate-tester", 501)
MALLORY = Account("mallory", 666)
COMMENTS = f"/repos/{REPO}/issues/{PR}/comments"


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    with running_stub() as server:
        server.tokens[USER_TOKEN] = ME
        server.tokens[APP_TOKEN] = None  # an installation token, like GITHUB_TOKEN
        yield server


@pytest.fixture
def on_pr(stub: GitHubStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitHubStub:
    """The runner's variables for a pull_request run, pointing at the stub."""
    event = tmp_path / "event.json"
    payload = {"action": "synchronize", "number": PR, "pull_request": {"number": PR}}
    payload["pull_request"]["head"] = {"sha": "0" * 40}  # type: ignore[index]
    event.write_text(json.dumps(payload), encoding="utf-8")
    monkeypatch.setenv("MLGATE_GITHUB_API_URL", stub.url)
    monkeypatch.setenv("GITHUB_API_URL", "https://api.github.com")  # must lose to the above
    monkeypatch.setenv("GITHUB_TOKEN", USER_TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    return stub


class ClientFactory(Protocol):
    def __call__(
        self,
        token: str = ...,
        *,
        max_tries: int = ...,
        max_total_s: float = ...,
        timeout_s: float = ...,
        backoff_s: float = ...,
        max_rate_limit_wait_s: float = ...,
        secondary_limit_wait_s: float = ...,
    ) -> GitHubClient: ...


@pytest.fixture
def fast_client(stub: GitHubStub) -> Iterator[ClientFactory]:
    """Clients of the stub with small retry limits, so that fault tests run in seconds."""
    made: list[GitHubClient] = []

    def make(
        token: str = USER_TOKEN,
        *,
        max_tries: int = 4,
        max_total_s: float = 15.0,
        timeout_s: float = 5.0,
        backoff_s: float = 0.05,
        max_rate_limit_wait_s: float = 2.0,
        secondary_limit_wait_s: float = 0.5,
    ) -> GitHubClient:
        client = GitHubClient(
            token,
            api_url=stub.url,
            timeout_s=timeout_s,
            max_tries=max_tries,
            max_total_s=max_total_s,
            backoff_s=backoff_s,
            max_rate_limit_wait_s=max_rate_limit_wait_s,
            secondary_limit_wait_s=secondary_limit_wait_s,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def ours(stub: GitHubStub, login: str = ME.login) -> list[dict[str, object]]:
    return stub.comments_by(REPO, PR, login)


# --- the sticky comment -----------------------------------------------------------------


def test_create_then_update_then_unchanged_leaves_one_comment(on_pr: GitHubStub) -> None:
    first = post_sticky_comment("## ✅ passed")
    assert first.action == "created"
    assert first.url is not None and first.url.endswith(f"#issuecomment-{first.comment_id}")

    second = post_sticky_comment("## ❌ blocked")
    assert (second.action, second.comment_id) == ("updated", first.comment_id)

    patches_before = len(on_pr.calls("PATCH"))
    third = post_sticky_comment("## ❌ blocked")
    assert (third.action, third.comment_id, third.url) == ("unchanged", first.comment_id, first.url)
    assert len(on_pr.calls("PATCH")) == patches_before  # nothing re-posted

    [comment] = ours(on_pr)
    assert comment["body"] == comment_body("## ❌ blocked")
    assert str(comment["body"]).startswith("<!-- mlgate:report id=default -->\n")
    assert len(on_pr.calls("POST")) == 1


def test_a_forged_marker_in_someone_elses_comment_is_never_touched(on_pr: GitHubStub) -> None:
    forged_body = comment_body("I paste your marker to make you edit my comment")
    forged = on_pr.add_comment(REPO, PR, MALLORY, forged_body)
    # Also a bot that is not us, quoting the marker.
    other_bot = on_pr.add_comment(REPO, PR, Account("other-app[bot]", 9, "Bot"), forged_body)

    outcome = post_sticky_comment("report")
    post_sticky_comment("report, second run")

    assert outcome.action == "created"
    assert outcome.comment_id not in (forged["id"], other_bot["id"])
    assert forged["body"] == forged_body and other_bot["body"] == forged_body
    for call in on_pr.calls("PATCH"):
        assert call.path.endswith(f"/{outcome.comment_id}")
    assert [c["body"] for c in ours(on_pr)] == [comment_body("report, second run")]


def test_the_marker_is_found_on_page_three_of_250_comments(on_pr: GitHubStub) -> None:
    for i in range(230):
        on_pr.add_comment(REPO, PR, MALLORY if i % 2 else ME, f"comment {i}")
    mine = on_pr.add_comment(REPO, PR, ME, comment_body("old report"))
    for i in range(19):
        on_pr.add_comment(REPO, PR, MALLORY, f"later comment {i}")

    outcome = post_sticky_comment("new report")

    assert (outcome.action, outcome.comment_id) == ("updated", mine["id"])
    lists = [c for c in on_pr.calls("GET") if c.path.endswith("/comments")]
    assert len(lists) == 3
    assert lists[0].path == COMMENTS and lists[0].query["per_page"] == ["100"]
    # Pages 2 and 3 come from GitHub's Link headers, which use /repositories/{id}/...
    assert [c.query.get("page") for c in lists[1:]] == [["2"], ["3"]]
    assert on_pr.calls("POST") == []


def test_every_page_is_read_when_there_is_no_comment_yet(on_pr: GitHubStub) -> None:
    for i in range(250):
        on_pr.add_comment(REPO, PR, MALLORY, f"comment {i}")
    assert post_sticky_comment("report").action == "created"
    assert len([c for c in on_pr.calls("GET") if c.path.endswith("/comments")]) == 3


def test_two_ids_keep_two_comments(on_pr: GitHubStub) -> None:
    a = post_sticky_comment("train report", marker_id="train")
    b = post_sticky_comment("eval report", marker_id="eval")
    a2 = post_sticky_comment("train report v2", marker_id="train")

    assert a.action == b.action == "created" and a.comment_id != b.comment_id
    assert (a2.action, a2.comment_id) == ("updated", a.comment_id)
    bodies = sorted(str(c["body"]) for c in ours(on_pr))
    assert bodies == sorted(
        [comment_body("train report v2", "train"), comment_body("eval report", "eval")]
    )


def test_an_id_that_could_break_the_marker_is_refused() -> None:
    for bad in ("", "a -->", "x y", "-lead", "é"):
        with pytest.raises(InputError, match="report id"):
            marker(bad)


# --- retries and their bounds -----------------------------------------------------------


def test_5xx_429_and_rate_limits_are_retried_until_it_works(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    on_pr.inject(
        Fault.error(502, path_part="/user"),
        Fault.error(503, path_part="/comments", method="GET"),
        Fault.too_many_requests(retry_after=1, path_part="/comments", method="GET"),
        Fault.secondary_rate_limit(retry_after=1, method="POST"),
        Fault.primary_rate_limit(reset_in=0, method="POST"),
    )
    started = time.monotonic()
    outcome = post_sticky_comment("report", client=fast_client(max_tries=5))
    elapsed = time.monotonic() - started

    assert outcome.action == "created"
    assert len(ours(on_pr)) == 1
    assert on_pr.faults == []  # every fault was met
    assert 2.0 <= elapsed < 10.0  # honoured both Retry-After: 1, and no more


def test_a_dropped_connection_and_a_slow_answer_are_retried(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    on_pr.inject(
        Fault.drop(path_part="/user"), Fault.delay(3.0, method="GET", path_part="/comments")
    )
    started = time.monotonic()
    outcome = post_sticky_comment("report", client=fast_client(timeout_s=0.5))
    assert outcome.action == "created"
    assert time.monotonic() - started < 2.5  # the 3 s answer was not waited for


def test_a_lost_reply_to_create_does_not_make_a_second_comment(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    # The comment is created but the connection drops before the answer: look, don't re-post.
    on_pr.inject(Fault.drop_after(method="POST"))
    outcome = post_sticky_comment("report", client=fast_client())
    assert outcome.action == "created"
    assert len(ours(on_pr)) == 1
    assert len(on_pr.calls("POST")) == 1


def test_a_5xx_on_create_is_checked_then_retried(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    on_pr.inject(Fault.error(502, method="POST"))
    outcome = post_sticky_comment("report", client=fast_client())
    assert outcome.action == "created"
    assert len(ours(on_pr)) == 1
    assert len(on_pr.calls("POST")) == 2


def test_persistent_5xx_gives_up_after_the_bounded_tries(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    on_pr.inject(Fault.error(502, count=1000))
    client = fast_client(max_tries=3, max_total_s=10.0)
    started = time.monotonic()
    with pytest.raises(GitHubError) as error:
        post_sticky_comment("report", client=client)
    assert time.monotonic() - started < 5.0
    assert error.value.status == 502 and error.value.exit_code == ExitStatus.NO_VERDICT
    assert "3 tries" in str(error.value) and "GET /user" in str(error.value)
    assert len(on_pr.calls()) == 3


def test_persistent_5xx_gives_up_within_the_total_time(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    on_pr.inject(Fault.error(503, count=1000))
    client = fast_client(max_tries=1000, max_total_s=1.0, backoff_s=0.1)
    started = time.monotonic()
    with pytest.raises(GitHubError):
        post_sticky_comment("report", client=client)
    assert time.monotonic() - started < 2.0
    assert len(on_pr.calls()) < 20


def test_a_wait_longer_than_the_budget_fails_at_once(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    on_pr.inject(Fault.too_many_requests(retry_after=120))
    started = time.monotonic()
    with pytest.raises(GitHubError, match="would wait 120s") as error:
        post_sticky_comment("report", client=fast_client(max_total_s=5.0))
    assert time.monotonic() - started < 2.0
    assert error.value.status == 429


def test_a_server_dripping_bytes_is_given_up_on_within_the_budget(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    # One byte every 0.2 s: no single read waits long, the answer would take about a minute.
    on_pr.inject(Fault.drip(0.2, path_part="/user", count=1000))
    client = fast_client(timeout_s=0.5, max_total_s=2.0, max_tries=1000)
    started = time.monotonic()
    with pytest.raises(GitHubError, match=r"^GET /user: ") as error:
        post_sticky_comment("report", client=client)
    assert time.monotonic() - started < 3.0
    assert error.value.exit_code == ExitStatus.NO_VERDICT
    assert "_Overdue: no complete answer within" in str(error.value)


def test_one_dripping_answer_is_retried(on_pr: GitHubStub, fast_client: ClientFactory) -> None:
    on_pr.inject(Fault.drip(0.2, path_part="/user"))
    started = time.monotonic()
    outcome = post_sticky_comment("report", client=fast_client(timeout_s=0.5))
    assert outcome.action == "created"
    assert time.monotonic() - started < 2.0
    assert [call.path for call in on_pr.calls("GET")][:2] == ["/user", "/user"]


def test_a_secondary_limit_without_retry_after_is_retried_past_the_budget(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    # The documented minimum wait (here 0.5 s) is longer than the whole budget (0.3 s):
    # the wait a rate limit asks for comes on top of the budget, up to its own cap.
    on_pr.inject(Fault.secondary_rate_limit_without_retry_after(method="POST"))
    client = fast_client(max_total_s=0.3, secondary_limit_wait_s=0.5, max_rate_limit_wait_s=1.0)
    started = time.monotonic()
    outcome = post_sticky_comment("report", client=client)
    assert outcome.action == "created"
    assert 0.5 <= time.monotonic() - started < 1.5
    assert len(on_pr.calls("POST")) == 2


def test_the_default_limits_let_a_secondary_limit_be_retried(on_pr: GitHubStub) -> None:
    waits: list[float] = []
    on_pr.inject(Fault.secondary_rate_limit_without_retry_after(method="POST"))
    client = GitHubClient(USER_TOKEN, api_url=on_pr.url, sleep=waits.append)
    with client:
        assert post_sticky_comment("report", client=client).action == "created"
    assert waits == [60.0]  # GitHub: "wait for at least one minute", within the defaults


def test_a_403_that_echoes_the_token_is_scrubbed(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    for method in ("POST", "GET"):
        on_pr.inject(Fault.forbidden_echoing_the_token(method=method, path_part="/comments"))
        with pytest.raises(GitHubError) as error:
            post_sticky_comment("report", client=fast_client())
        assert USER_TOKEN not in str(error.value), method
        assert "bad token ***" in str(error.value), method


# --- read-only tokens, no pull request, limits ------------------------------------------


def test_a_read_only_token_is_a_catchable_forbidden(on_pr: GitHubStub) -> None:
    on_pr.read_only = True
    with pytest.raises(CommentForbidden) as error:
        post_sticky_comment("report")
    assert error.value.status == 403
    assert "Resource not accessible by integration" in str(error.value)
    assert "fork" in str(error.value)
    assert len(on_pr.calls("POST")) == 1  # a plain 403 is not retried

    on_pr.read_only = False
    post_sticky_comment("report")
    on_pr.read_only = True
    with pytest.raises(CommentForbidden):  # the update is refused the same way
        post_sticky_comment("report v2")


def test_no_pull_request_means_no_request(
    stub: GitHubStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLGATE_GITHUB_API_URL", stub.url)
    monkeypatch.setenv("GITHUB_TOKEN", USER_TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    for event in ("push", "schedule", "workflow_dispatch"):
        monkeypatch.setenv("GITHUB_EVENT_NAME", event)
        outcome = post_sticky_comment("report")
        assert (outcome.action, outcome.url) == ("skipped", None)
        assert event in outcome.message
    monkeypatch.delenv("GITHUB_EVENT_NAME")
    assert post_sticky_comment("report").action == "skipped"  # not in Actions at all
    assert stub.calls() == []


def test_an_oversized_body_is_refused_before_any_request(on_pr: GitHubStub) -> None:
    overhead = len(comment_body(""))
    with pytest.raises(InputError, match="65536"):
        post_sticky_comment("x" * (MAX_COMMENT_CHARS - overhead + 1))
    with pytest.raises(InputError):  # an emoji counts as two, as in UTF-16
        post_sticky_comment("🙂" * ((MAX_COMMENT_CHARS - overhead) // 2 + 1))
    assert on_pr.calls() == []
    assert post_sticky_comment("x" * (MAX_COMMENT_CHARS - overhead)).action == "created"


# --- identity ---------------------------------------------------------------------------


def test_an_installation_token_finds_its_bot_comment_through_graphql(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    mine = on_pr.add_comment(REPO, PR, ACTIONS_BOT, comment_body("old"))
    on_pr.add_comment(REPO, PR, MALLORY, comment_body("forged"))
    client = fast_client(token=APP_TOKEN)

    identity = token_identity(client)
    assert (identity.login, identity.is_bot, identity.source) == (
        "github-actions[bot]",
        True,
        "GraphQL viewer",
    )
    outcome = post_sticky_comment("new", client=client)
    assert (outcome.action, outcome.comment_id) == ("updated", mine["id"])


def test_without_graphql_an_installation_token_is_taken_for_github_actions(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    on_pr.graphql = False
    mine = on_pr.add_comment(REPO, PR, ACTIONS_BOT, comment_body("old"))
    client = fast_client(token=APP_TOKEN)
    assert token_identity(client).source == "fallback"
    assert post_sticky_comment("new", client=client).comment_id == mine["id"]


def test_a_rejected_token_is_an_error_that_names_the_variable(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    with pytest.raises(GitHubError, match="GITHUB_TOKEN") as error:
        post_sticky_comment("report", client=fast_client(token="ghp_wrong"))
    assert error.value.status == 401


# --- headers and the token --------------------------------------------------------------


def test_every_request_carries_githubs_headers(on_pr: GitHubStub) -> None:
    post_sticky_comment("report")
    post_sticky_comment("report v2")
    assert {c.method for c in on_pr.calls()} == {"GET", "POST", "PATCH"}
    for call in on_pr.calls():
        headers = {k.lower(): v for k, v in call.headers.items()}
        assert headers["authorization"] == f"Bearer {USER_TOKEN}"
        assert headers["accept"] == "application/vnd.github+json"
        assert headers["x-github-api-version"] == "2022-11-28"
        assert headers["user-agent"] == f"mlgate/{__version__}"


def test_the_token_appears_in_no_error_repr_or_log(
    on_pr: GitHubStub, caplog: pytest.LogCaptureFixture, fast_client: ClientFactory
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    on_pr.inject(Fault.error(502, count=1000))
    with pytest.raises(GitHubError) as persistent:
        post_sticky_comment("report", client=fast_client(max_tries=2))
    errors.append(persistent.value)
    on_pr.faults.clear()
    on_pr.read_only = True
    with pytest.raises(CommentForbidden) as forbidden:
        post_sticky_comment("report")
    errors.append(forbidden.value)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    refused_client = GitHubClient(USER_TOKEN, api_url=closed, max_tries=2, backoff_s=0.01)
    with refused_client, pytest.raises(GitHubError) as refused:
        token_identity(refused_client)
    errors.append(refused.value)

    env = github_env()
    for text in [
        *(str(e) for e in errors),
        *(repr(e) for e in errors),
        repr(env),
        repr(refused_client),
        caplog.text,
    ]:
        assert USER_TOKEN not in text
    assert env.token == USER_TOKEN


# --- the environment --------------------------------------------------------------------


def test_api_url_precedence(tmp_path: Path) -> None:
    base = {"GITHUB_EVENT_NAME": "push"}
    assert github_env(base).api_url == "https://api.github.com"
    ghes = {**base, "GITHUB_API_URL": "https://ghe.example.com/api/v3/"}
    assert github_env(ghes).api_url == "https://ghe.example.com/api/v3"
    both = {**ghes, "MLGATE_GITHUB_API_URL": "http://127.0.0.1:9"}
    assert github_env(both).api_url == "http://127.0.0.1:9"


def test_token_argument_wins_over_the_environment() -> None:
    env = {"GITHUB_TOKEN": "from-env"}
    assert github_env(env).token == "from-env"
    assert github_env(env, token="explicit").token == "explicit"
    assert github_env({}).token is None


def test_pull_request_target_reads_the_pr_and_the_repository_fallback(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    pr = {"number": 12, "head": {"sha": "f" * 40}}
    event.write_text(
        json.dumps({"pull_request": pr, "repository": {"full_name": "a/b"}}), encoding="utf-8"
    )
    env = github_env({"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_EVENT_PATH": str(event)})
    assert env.pull_request == PullRequest(12, "f" * 40)
    assert env.repository == "a/b"


def test_broken_runner_variables_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="GITHUB_EVENT_PATH is not set"):
        github_env({"GITHUB_EVENT_NAME": "pull_request"})
    broken = tmp_path / "event.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the event payload"):
        github_env({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(broken)})
    no_pr = GitHubEnv("http://127.0.0.1:9", "not a repo", "pull_request", PullRequest(1, None), "t")
    with pytest.raises(InputError, match="GITHUB_REPOSITORY"):
        post_sticky_comment("report", env=no_pr)
    no_token = GitHubEnv("http://127.0.0.1:9", REPO, "pull_request", PullRequest(1, None), None)
    with pytest.raises(InputError, match="GITHUB_TOKEN"):
        post_sticky_comment("report", env=no_token)


def test_a_comment_deleted_meanwhile_is_looked_for_again(
    on_pr: GitHubStub, fast_client: ClientFactory
) -> None:
    post_sticky_comment("report")
    on_pr.inject(Fault("status", status=404, message="Not Found", method="PATCH"))
    outcome = post_sticky_comment("report v2", client=fast_client())
    assert outcome.action == "updated"
    assert len(on_pr.calls("PATCH")) == 2


def test_an_event_payload_nested_100000_deep_is_an_input_error(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text("[" * 100_000 + "]" * 100_000)
    environ = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event)}
    with pytest.raises(InputError, match="cannot read the event payload"):
        github_env(environ)
