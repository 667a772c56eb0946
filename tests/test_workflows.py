"""The action's and workflows' promises that the linters do not check: input and output names,
no expression inside a script, SHA pins with version comments, least permissions, concurrency.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.act_runner import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "wine"
ACTION = REPO_ROOT / "action.yml"
FLOWS = REPO_ROOT / ".github" / "workflows"
ALL_YAML = sorted(
    [ACTION, *FLOWS.glob("*.yml"), *(EXAMPLE / ".github" / "workflows").glob("*.yml")]
)
USES = re.compile(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$")


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps_of(document: dict[Any, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return list(document["runs"]["steps"])
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_action_inputs_and_outputs_keep_their_names() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    for name in ("command", "config", "working-directory", "github-token",
                 "mlflow-tracking-uri", "comment", "fail-on", "args"):  # fmt: skip
        assert name in inputs
        assert not inputs[name].get("required", False), f"{name} must be optional"
    assert inputs["command"]["default"] == "gate"
    assert inputs["github-token"]["default"] == "${{ github.token }}"
    assert inputs["fail-on"]["default"] == "fail"
    assert inputs["comment"]["default"] == "true"
    assert {"decision", "report-path", "comment-url"} <= set(action["outputs"])
    for name, spec in inputs.items():
        assert spec.get("description"), f"input {name} is undocumented"


@pytest.mark.parametrize("path", ALL_YAML, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_expression_inside_a_script(path: Path) -> None:
    """Template injection: values reach `run:` through `env:`, never as `${{ }}` in the text."""
    for step in steps_of(load(path)):
        assert "${{" not in step.get("run", ""), step.get("name", step["run"][:60])


@pytest.mark.parametrize("path", ALL_YAML, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_third_party_actions_are_pinned_by_sha_with_a_version(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        match = USES.match(line)
        if not match or match.group(1).startswith(("./", "mlgate/")):
            continue
        ref, comment = match.group(1), match.group(2)
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), line
        assert re.search(r"#\s*v\d+(\.\d+)*", comment), f"no version comment: {line}"


@pytest.mark.parametrize(
    "path",
    sorted(p for p in FLOWS.glob("*.yml") if p.name != "continuous-training.yml"),
    ids=lambda p: p.name,
)
def test_workflows_grant_nothing_by_default_and_each_job_asks(path: Path) -> None:
    flow = load(path)
    assert flow["permissions"] == {}
    for name, job in flow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} has no permissions:"


def test_pr_gate_is_reusable_with_history_concurrency_and_the_fork_split() -> None:
    flow = load(FLOWS / "pr-gate.yml")
    call = flow[True]["workflow_call"]  # YAML 1.1 reads the key `on` as True
    assert {"dvc-pull", "post", "working-directory", "fail-on"} <= set(call["inputs"])
    assert {"MLFLOW_TRACKING_URI", "AWS_ACCESS_KEY_ID"} <= set(call["secrets"])
    gate, post = flow["jobs"]["gate"], flow["jobs"]["post"]
    assert gate["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "checks": "write",
    }
    assert "issue_comment" in gate["if"]  # a comment never runs the gate (nor the PR's code)
    assert gate["concurrency"]["cancel-in-progress"] is True
    assert "pull_request.number" in gate["concurrency"]["group"]
    checkout = gate["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0
    assert checkout["with"]["persist-credentials"] is False
    assert "workflow_run" in post["if"]
    # The post job never checks out the fork's code: its one checkout is mlgate's action.
    checkouts = [step for step in post["steps"] if "checkout" in step.get("uses", "")]
    assert [step["with"]["path"] for step in checkouts] == [".mlgate-action"]
    assert post["permissions"] == {
        "actions": "read",
        "contents": "read",
        "pull-requests": "write",
    }


def test_the_override_job_runs_on_a_comment_and_never_checks_out_the_prs_code() -> None:
    override = load(FLOWS / "pr-gate.yml")["jobs"]["override"]
    assert "issue_comment" in override["if"] and "/mlgate override" in override["if"]
    checkouts = [step for step in override["steps"] if "checkout" in step.get("uses", "")]
    # mlgate's action, then the default branch (an issue_comment run's own ref): never a ref
    # or repository the PR names.
    assert [step["with"] for step in checkouts] == [SELF_CHECKOUT, {"persist-credentials": False}]
    [mlgate] = [step for step in override["steps"] if step.get("uses") == "./.mlgate-action"]
    assert mlgate["with"]["command"] == "override"
    assert mlgate["with"]["pull-request"] == "${{ github.event.issue.number }}"
    assert override["permissions"] == {
        "checks": "write",
        "contents": "read",
        "pull-requests": "write",
    }


SELF_CHECKOUT = {
    "repository": "${{ steps.self.outputs.repository }}",
    "ref": "${{ steps.self.outputs.sha }}",
    "path": ".mlgate-action",
    "persist-credentials": False,
}


@pytest.mark.parametrize("name", ["pr-gate.yml", "continuous-training.yml"])
def test_reusable_workflows_run_the_action_of_their_own_commit(name: str) -> None:
    """A caller pinning the workflow by SHA pins the action: no `mlgate/mlgate@<tag>` inside;
    each job checks out job.workflow_repository @ job.workflow_sha before using it locally."""
    for job in load(FLOWS / name)["jobs"].values():
        steps = job["steps"]
        uses = [step.get("uses", "") for step in steps]
        assert not [ref for ref in uses if ref.startswith("mlgate/")]
        if "./.mlgate-action" not in uses:
            continue
        self_step = next(i for i, step in enumerate(steps) if step.get("id") == "self")
        assert steps[self_step]["env"] == {"JOB_CONTEXT": "${{ toJSON(job) }}"}
        assert steps[self_step + 1]["with"] == SELF_CHECKOUT
        assert uses.index("./.mlgate-action") > self_step + 1


def test_continuous_training_promotes_only_a_winner() -> None:
    flow = load(FLOWS / "continuous-training.yml")
    assert "workflow_call" in flow[True]
    steps = {step.get("id"): step for step in flow["jobs"]["train"]["steps"]}
    assert steps["gate"]["with"]["command"] == "gate"
    assert steps["promote"]["with"]["command"] == "promote"
    assert "steps.gate.outputs.decision == 'pass'" in steps["promote"]["if"]
    assert flow["jobs"]["train"]["permissions"] == {"contents": "read"}
    # GitHub checks a called workflow's jobs against the caller's grant even when skipped: the
    # pull-request job asks for nothing so that a promoting caller can grant contents: read.
    assert "permissions" not in flow
    assert "permissions" not in flow["jobs"]["pull-request"]
    assert "on-win == 'pull-request'" in flow["jobs"]["pull-request"]["if"]


def test_release_builds_tags_and_moves_the_major() -> None:
    text = (FLOWS / "release.yml").read_text(encoding="utf-8")
    assert "python -m build" in text
    assert 'git tag -a "v$VERSION"' in text
    assert 'push --force origin "refs/tags/$major"' in text
