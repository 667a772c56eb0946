"""Real webhook payloads (npm @octokit/webhooks-examples) through the one event reader
(`ci.read_event`), as the PR comment (`github_env`) and the model tags (`ci.detect`) see it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlgate.core.errors import InputError
from mlgate.forge import ci
from mlgate.forge.ci import PullRequest, pull_request_from_event
from mlgate.forge.github import github_env
from tests.helpers.node_tools import require

EXAMPLES = "@octokit/webhooks-examples/api.github.com/index.json"


def examples(event: str, action: str | None = None) -> list[dict[str, Any]]:
    index = json.loads(require(EXAMPLES).read_text(encoding="utf-8"))
    [entry] = [e for e in index if e["name"] == event]
    found = [x for x in entry["examples"] if action is None or x.get("action") == action]
    assert found, f"no {event}.{action} example in {EXAMPLES}"
    return found


def env_for(tmp_path: Path, event_name: str, payload: dict[str, Any]) -> dict[str, str]:
    path = tmp_path / f"{event_name}.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": payload["repository"]["full_name"],
    }


@pytest.mark.parametrize("action", ["opened", "synchronize"])
@pytest.mark.parametrize("event_name", ["pull_request", "pull_request_target"])
def test_pull_request_payloads_give_the_number_and_head_sha(
    tmp_path: Path, event_name: str, action: str
) -> None:
    # pull_request_target delivers the same payload as pull_request.
    for payload in examples("pull_request", action):
        env = github_env(env_for(tmp_path, event_name, payload))
        expected = PullRequest(payload["number"], payload["pull_request"]["head"]["sha"])
        assert env.pull_request == expected
        assert env.event_name == event_name
        assert len(expected.head_sha or "") == 40


@pytest.mark.parametrize("event_name", ["push", "workflow_dispatch"])
def test_push_and_dispatch_payloads_have_no_pull_request(tmp_path: Path, event_name: str) -> None:
    for payload in examples(event_name):
        env = github_env(env_for(tmp_path, event_name, payload))
        assert env.pull_request is None
        assert env.repository == payload["repository"]["full_name"]


def test_a_pull_request_payload_under_another_event_name_is_not_a_pr() -> None:
    # e.g. a workflow_run or issue_comment run must not comment on a PR it was not asked about
    [payload, *_] = examples("pull_request", "opened")
    assert pull_request_from_event("push", payload) is None
    assert pull_request_from_event("pull_request", payload) is not None


def pull_request_seen(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """The pull request number as the comment poster and as the MLflow tags see it (or the
    input error each raises)."""
    for key in ("GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GITHUB_SHA", "f" * 40)  # no git call for the commit
    seen: list[Any] = []
    for read in (
        lambda: github_env().pull_request,
        lambda: ci.detect(Path.cwd()).pr_number,
    ):
        try:
            found = read()
        except InputError as exc:
            found = f"InputError: {exc}"
        seen.append(found.number if isinstance(found, PullRequest) else found)
    return seen[0], seen[1]


def test_every_example_event_gives_one_pull_request_to_comment_on_and_to_tag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comment and the model's `mlgate.pr` tag name the same pull request for every event:
    only pull_request(_target) runs have one; a pull_request_review payload has one too, and
    a model promoted from such a run was tagged with it while no comment was posted."""
    index = json.loads(require(EXAMPLES).read_text(encoding="utf-8"))
    checked = 0
    for entry in index:
        for payload in entry["examples"]:
            if not isinstance(payload.get("repository"), dict):
                continue  # an organization-level event
            env = env_for(tmp_path, entry["name"], payload)
            commented, tagged = pull_request_seen(env, monkeypatch)
            assert commented == tagged, (entry["name"], payload.get("action"))
            if entry["name"] in ci.PR_EVENTS:
                assert tagged == payload["number"]
            else:
                assert tagged is None, (entry["name"], payload.get("action"))
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("event_name", "pull_request", "expected"),
    [
        (None, {"number": 42, "head": {"sha": "a" * 40}}, None),  # no event name: not a PR run
        ("pull_request", {"number": True, "head": {"sha": "a" * 40}}, "without a pull request"),
        ("pull_request", {"number": "42"}, "without a pull request"),
    ],
)
def test_a_pull_request_is_read_by_the_strict_rules_everywhere(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    event_name: str | None,
    pull_request: dict[str, Any],
    expected: str | None,
) -> None:
    payload = {"pull_request": pull_request, "repository": {"full_name": "acme/wine"}}
    env = env_for(tmp_path, event_name or "event", payload)
    if event_name is None:
        del env["GITHUB_EVENT_NAME"]
    commented, tagged = pull_request_seen(env, monkeypatch)
    assert commented == tagged
    assert tagged is None if expected is None else expected in str(tagged)


def test_a_head_sha_that_is_not_a_string_is_not_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = {"pull_request": {"number": 3, "head": {"sha": 12345}}, "repository": {}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
    monkeypatch.setenv("GITHUB_SHA", "e" * 40)
    context = ci.detect(tmp_path)
    assert (context.pr_number, context.commit) == (3, "e" * 40)


def test_a_push_run_does_not_read_the_payload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a pull request event needs its payload: a push run's unreadable one is not an error
    (the report and the promotion need nothing from it)."""
    broken = tmp_path / "event.json"
    broken.write_text("{not json")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(broken))
    monkeypatch.setenv("GITHUB_SHA", "c" * 40)
    assert ci.detect(tmp_path).pr_number is None
    assert github_env().pull_request is None
