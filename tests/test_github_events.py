"""Real webhook payloads (npm @octokit/webhooks-examples) through mlgate.github's env reading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlgate.github import PullRequest, github_env, pull_request_from_event
from tests.node_tools import require

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
