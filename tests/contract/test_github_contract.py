"""Contract: every request mlgate's GitHub client makes is one GitHub's OpenAPI description accepts.

GitHub's published description (npm @octokit/openapi) is served by Prism (npm
@stoplight/prism-cli) with `--errors`: a request that does not match the description — path,
path and query parameters, body — gets a 4xx with an `sl-violations` header instead of a mock
answer. The requests checked are the exact ones the client sent to the GitHub stub during real
sticky-comment runs (create, update, unchanged, two ids, a marker on page 3), replayed byte for
byte; and the client also talks to Prism directly.

Not covered by the REST description, so not checked here: GraphQL `viewer` (asked only when
`GET /user` refuses an installation token) and the `/repositories/{id}/...` URLs that GitHub's
own Link headers point to (their query, per_page and page, is checked on the documented path).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mlgate.forge.ci import PullRequest
from mlgate.forge.github import (
    GitHubClient,
    GitHubEnv,
    GitHubError,
    comment_body,
    find_sticky_comment,
    post_sticky_comment,
    token_identity,
)
from tests.contract.openapi_subset import subset
from tests.helpers.github_stub import Account, GitHubStub, Recorded, running_stub
from tests.helpers.node_tools import require

pytestmark = pytest.mark.slow

REPO = "octo-org/octo-repo"
TOKEN = "ghp_contractT0ken"
ME = Account("mlgate-tester", 501)
REPLAYED_HEADERS = ("authorization", "accept", "x-github-api-version", "user-agent", "content-type")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    spec_file = require("@octokit/openapi/generated/api.github.com.json")
    cli = require("@stoplight/prism-cli/dist/index.js")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH")
    workdir = tmp_path_factory.mktemp("prism")
    spec = workdir / "github-subset.json"
    spec.write_text(json.dumps(subset(json.loads(spec_file.read_text(encoding="utf-8")))))
    log = workdir / "prism.log"
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [node, str(cli), "mock", "--errors", "-h", "127.0.0.1", "-p", str(port), str(spec)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, proc, log)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"prism exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            requests.get(f"{url}/user", timeout=1).close()
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail(f"prism did not start in 90 s:\n{log.read_text(errors='replace')}")


def _recorded_runs() -> list[Recorded]:
    """Real sticky-comment runs against the stub; what the client sent, in order."""
    with running_stub() as stub, GitHubClient(TOKEN, api_url=stub.url) as client:
        stub.tokens[TOKEN] = ME
        for i in range(250):
            stub.add_comment(REPO, 42, Account("someone", 7), f"comment {i}")
        env = GitHubEnv(stub.url, REPO, "pull_request", PullRequest(42, None), TOKEN)
        runs = [("one", "default"), ("two", "default"), ("two", "default"), ("x", "eval")]
        for body, marker_id in runs:
            post_sticky_comment(body, marker_id=marker_id, env=env, client=client)
        return _documented(stub)


def _documented(stub: GitHubStub) -> list[Recorded]:
    calls = []
    for call in stub.calls():
        if call.path == "/graphql":
            continue
        path = call.path
        if path.startswith("/repositories/"):  # a Link header URL: check its query on /repos/
            number = path.split("/")[4]
            path = f"/repos/{REPO}/issues/{number}/comments"
        calls.append(Recorded(call.method, path, call.query, call.headers, call.body))
    return calls


def _violations(response: requests.Response) -> str:
    return response.headers.get("sl-violations", "")


def test_every_request_of_real_runs_is_accepted(prism: str) -> None:
    calls = _recorded_runs()
    assert {(c.method, c.path.rsplit("/", 1)[-1].isdigit()) for c in calls} >= {
        ("GET", False),
        ("POST", False),
        ("PATCH", True),
    }
    assert any(c.query.get("page") == ["3"] for c in calls)
    for call in calls:
        headers = {k: v for k, v in call.headers.items() if k.lower() in REPLAYED_HEADERS}
        response = requests.request(
            call.method,
            prism + call.path,
            params=call.query,
            headers=headers,
            data=call.body or None,
            timeout=10,
        )
        assert response.status_code < 400 and not _violations(response), (
            f"{call.method} {call.path} {call.query}: HTTP {response.status_code} "
            f"{_violations(response)} {response.text[:500]}"
        )


def test_the_client_talks_to_prism(prism: str) -> None:
    with GitHubClient(TOKEN, api_url=prism, max_tries=1) as client:
        identity = token_identity(client)
        assert (identity.login, identity.source) == ("octocat", "GET /user")
        # Prism's example Link header points at https://api.github.com/resource?page=2: the
        # client refuses to follow a link (and send the token) to another origin.
        with pytest.raises(GitHubError, match="pagination pointed outside"):
            find_sticky_comment(client, REPO, 1, identity)
        created = client.request(
            "POST", f"/repos/{REPO}/issues/1/comments", json_body={"body": comment_body("x")}
        )
        assert created.status_code == 201, _violations(created)


def test_prism_does_reject_a_request_github_would_not_take(prism: str) -> None:
    # The check above means something: a malformed request is refused with its violations.
    response = requests.post(
        f"{prism}/repos/{REPO}/issues/1/comments", json={"text": "x"}, timeout=10
    )
    assert response.status_code == 422
    assert "must have required property 'body'" in _violations(response)
    response = requests.patch(
        f"{prism}/repos/{REPO}/issues/comments/abc", json={"body": "x"}, timeout=10
    )
    assert "comment_id must be integer" in _violations(response)


def _override_runs() -> list[Recorded]:
    """Real override checks and verdicts against the stateful stub: the pull request, its
    comments, each commenter's permission, a check run with 120 annotations (a create and two
    updates), and the commit status a token without checks: write falls back to."""
    from mlgate.config import OverrideConfig
    from mlgate.forge import Annotation, VerdictReport
    from mlgate.forge.ci import PullRequest
    from mlgate.forge.github import GitHubEnv, GitHubForge
    from mlgate.gate.override import Change, Comment, decide

    head = "b" * 40
    with running_stub() as stub, GitHubClient(TOKEN, api_url=stub.url) as client:
        stub.tokens[TOKEN] = ME
        stub.add_pull(REPO, 42, head, author=Account("alice", 11))
        stub.permissions.update({"bob": "maintain", "carol": "read"})
        for login in ("carol", "bob"):
            stub.add_comment(REPO, 42, Account(login, 12), f"/mlgate override {head[:7]} why")
        env = GitHubEnv(stub.url, REPO, "pull_request", PullRequest(42, head), token=TOKEN)
        host = GitHubForge(env, client=client)
        now = host.change_now()
        found = [
            Comment(c.author, c.body, c.created_at, c.updated_at, c.url) for c in host.comments()
        ]
        decision = decide(
            found,
            Change(now.head_sha or "", now.author or ""),
            ["compare"],
            OverrideConfig(),
            host.permission,
        )
        assert decision.applied is not None and decision.applied.by == "bob"
        notes = tuple(
            Annotation("data/train.csv", line, "mlgate validate: in_range", "x")
            for line in range(1, 121)
        )
        for no_checks in (False, True):
            stub.no_checks = no_checks
            host.post_verdict(
                VerdictReport(
                    "neutral",
                    "mlgate: ⚠️ overridden",
                    "## mlgate",
                    notes,
                    "https://example.com/run",
                )
            )
        stub.no_checks = False
        assert host.last_verdict(head) is not None  # the override on a comment reads it back
        return _documented(stub)


def test_every_request_of_the_override_and_the_verdict_is_accepted(prism: str) -> None:
    calls = [c for c in _override_runs() if not c.path.endswith("/comments")]
    paths = {(c.method, c.path.split("/")[4]) for c in calls}
    assert paths == {
        ("GET", "pulls"),
        ("GET", "collaborators"),
        ("POST", "check-runs"),
        ("PATCH", "check-runs"),
        ("POST", "statuses"),
        ("GET", "commits"),  # the check runs of the head commit
    }, paths
    for call in calls:
        headers = {k: v for k, v in call.headers.items() if k.lower() in REPLAYED_HEADERS}
        response = requests.request(
            call.method, prism + call.path, params=call.query, headers=headers,
            data=call.body or None, timeout=10,
        )  # fmt: skip
        # Prism's own example answer for GET /pulls/{n} breaks its response schema (HTTP
        # 500, a `requested_teams` entry without `type`): only the request is judged here.
        request_side = _request_violations(response)
        assert response.status_code != 422 and not request_side, (
            f"{call.method} {call.path}: HTTP {response.status_code} {request_side}"
        )
    # ... and a check run GitHub would not take (no such conclusion) is refused: the check bites
    wrong = requests.post(
        f"{prism}/repos/{REPO}/check-runs",
        json={"name": "mlgate", "head_sha": "b" * 40, "conclusion": "overridden"},
        timeout=10,
    )
    assert wrong.status_code == 422 and _request_violations(wrong), wrong.text[:300]


def _request_violations(response: requests.Response) -> list[object]:
    # in the `sl-violations` header of a mock answer, or the body of Prism's own 422
    found = json.loads(_violations(response) or "[]")
    if response.status_code == 422:
        found += response.json().get("validation") or []
    return [v for v in found if (v.get("location") or [""])[0] != "response"]
