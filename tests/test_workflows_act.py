"""The reusable workflows run by `act` through a caller, as a user's repo calls them:
pr-gate.yml on pull_request (the gate job, commenting directly), and continuous-training.yml
on workflow_dispatch against a real MLflow sqlite registry: a winner is promoted, a loser
changes nothing; with `on-win: pull-request` a winner's lock and report go to one pull request
(pushed to a bare repo standing in for GitHub's git server, opened through the stub API).
mlgate comes from this venv through the workflows' `mlgate-venv` input; the action itself from
the side checkout of the workflow's own commit (a stand-in job context names it, see
tests/fixtures/act_runner.py). The fork-safe split is in test_workflows_act_fork.py.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.act_runner import (
    action_copy,
    artifact_store,
    run_act,
)
from tests.helpers.act_workflows import (
    PR,
    REPO,
    TOKEN,
    VENV,
    assert_action_from_the_workflows_commit,
    caller,
    champion,
    pipeline_repo,
)
from tests.helpers.dvc_repos import commit, git, set_params
from tests.helpers.github_stub import ACTIONS_BOT, GitHubStub, running_stub
from tests.helpers.mlflow_store import client

PR_CALLER = caller(f"""\
on: pull_request
permissions: {{}}
jobs:
  gate:
    permissions:
      contents: read
      pull-requests: write
    uses: ./.github/workflows/pr-gate.yml
    with:
      requirements: ""
      mlgate-venv: {VENV}
""")

# The README's caller with the comment trigger: one file, a job per event (each job's `if:`).
OVERRIDE_CALLER = caller(f"""\
on:
  pull_request:
  issue_comment:
    types: [created]
permissions: {{}}
jobs:
  gate:
    permissions:
      contents: read
      pull-requests: write
      checks: write
    uses: ./.github/workflows/pr-gate.yml
    with:
      requirements: ""
      mlgate-venv: {VENV}
""")

CT_CALLER = caller(f"""\
on: workflow_dispatch
permissions: {{}}
jobs:
  retrain:
    permissions:
      contents: read
    uses: ./.github/workflows/continuous-training.yml
    with:
      requirements: ""
      mlgate-venv: {VENV}
    secrets:
      MLFLOW_TRACKING_URI: ${{{{ secrets.MLFLOW_TRACKING_URI }}}}
""")


PR_EVENT = {
    "action": "synchronize",
    "number": PR,
    "pull_request": {"number": PR, "head": {"sha": "c" * 40}, "base": {"ref": "main"}},
    "repository": {"full_name": REPO},
}


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    with running_stub() as server:
        server.tokens[TOKEN] = None
        yield server


@pytest.mark.slow
def test_pr_gate_workflow_blocks_a_worse_model_and_comments(
    tmp_path: Path, stub: GitHubStub
) -> None:
    config = (
        "version: 1\nmetrics: {candidate: dvc, baseline: file:baseline.json}\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    repo = pipeline_repo(tmp_path, config, PR_CALLER, "pr-gate.yml")
    set_params(repo, accuracy=0.8, log_loss=0.3)
    commit(repo, "worse")
    run = run_act(
        repo,
        PR_EVENT,
        workflow=".github/workflows/caller.yml",
        action_dir=action_copy(tmp_path / "mlgate-action"),
        secrets={"GITHUB_TOKEN": TOKEN},
        env={"MLGATE_GITHUB_API_URL": stub.url},
    )
    assert run.code != 0, run.output
    assert_action_from_the_workflows_commit(run.output)
    (comment,) = stub.comments_by(REPO, PR, ACTIONS_BOT.login)
    assert "## mlgate: ❌ blocked" in comment["body"]
    print(f"act pr-gate.yml: {run.seconds:.1f} s")


@pytest.mark.slow
def test_a_maintainers_comment_overrides_the_blocked_check_run(
    tmp_path: Path, stub: GitHubStub
) -> None:
    """pr-gate.yml on pull_request blocks (the check run `mlgate`, failed, naming compare);
    then on issue_comment the `override` job, which runs none of the PR's code, reads that
    check run and the comment, asks GitHub for bob's permission, and posts the overridden
    verdict (neutral) and the record in the comment."""
    from tests.helpers.github_stub import Account

    config = (
        "version: 1\nmetrics: {candidate: dvc, baseline: file:baseline.json}\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    repo = pipeline_repo(tmp_path, config, OVERRIDE_CALLER, "pr-gate.yml")
    set_params(repo, accuracy=0.8, log_loss=0.3)
    commit(repo, "worse")
    head = str(PR_EVENT["pull_request"]["head"]["sha"])  # type: ignore[index]
    stub.add_pull(REPO, PR, head, author=Account("alice", 11))
    stub.permissions.update({"alice": "write", "bob": "maintain"})
    action = action_copy(tmp_path / "mlgate-action")
    common = {
        "workflow": ".github/workflows/caller.yml",
        "action_dir": action,
        "secrets": {"GITHUB_TOKEN": TOKEN},
        "env": {"MLGATE_GITHUB_API_URL": stub.url},
    }
    gate = run_act(repo, PR_EVENT, **common)  # type: ignore[arg-type]
    assert gate.code != 0, gate.output
    [blocked] = stub.check_runs
    assert (blocked["conclusion"], blocked["external_id"]) == ("failure", "mlgate:failed=compare")

    text = f"/mlgate override {head[:7]} a new evaluation set, agreed"
    stub.add_comment(REPO, PR, Account("bob", 12), text)
    event = {
        "action": "created",
        "issue": {
            "number": PR,
            "pull_request": {"url": f"https://api.github.com/repos/{REPO}/pulls/{PR}"},
        },
        "comment": {"body": text, "user": {"login": "bob"}},
        "repository": {"full_name": REPO},
    }
    run = run_act(repo, event, event_name="issue_comment", **common)  # type: ignore[arg-type]
    assert run.code == 0, run.output
    assert "mlgate override" in run.output and "dvc repro" not in run.output
    overridden = stub.check_runs[-1]
    assert (overridden["head_sha"], overridden["conclusion"]) == (head, "neutral")
    assert "overridden by @bob" in overridden["output"]["title"]
    (comment,) = stub.comments_by(REPO, PR, ACTIONS_BOT.login)
    assert "## mlgate: ⚠️ overridden by @bob: a new evaluation set, agreed" in comment["body"]


@pytest.mark.slow
def test_pr_gate_without_the_workflows_commit_runs_no_action(
    tmp_path: Path, stub: GitHubStub
) -> None:
    """A runner that does not name the workflow's commit (GHES; act itself) stops the job
    before any mlgate action runs: no falling back to whatever `v1` points to."""
    config = "version: 1\nmetrics: {candidate: dvc, baseline: file:baseline.json}\n"
    repo = pipeline_repo(tmp_path, config, PR_CALLER, "pr-gate.yml", job_context=False)
    run = run_act(
        repo,
        PR_EVENT,
        workflow=".github/workflows/caller.yml",
        action_dir=action_copy(tmp_path / "mlgate-action"),
        secrets={"GITHUB_TOKEN": TOKEN},
        env={"MLGATE_GITHUB_API_URL": stub.url},
    )
    assert run.code != 0, run.output
    assert "cannot be pinned to it" in run.output
    assert "stand-in checkout" not in run.output
    assert "mlgate gate" not in run.output
    assert stub.calls() == []


@pytest.mark.slow
def test_continuous_training_promotes_a_winner_and_leaves_a_loser(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'registry' / 'mlflow.db'}"
    (tmp_path / "registry").mkdir()
    config = (
        "version: 1\n"
        "mlflow: {model: tiny, alias: champion, model_path: model.pkl}\n"
        "metrics: {candidate: dvc, baseline: registry, on_missing_baseline: pass}\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    repo = pipeline_repo(tmp_path, config, CT_CALLER, "continuous-training.yml")
    run = {
        "event_name": "workflow_dispatch",
        "workflow": ".github/workflows/caller.yml",
        "action_dir": action_copy(tmp_path / "mlgate-action"),
        "secrets": {"GITHUB_TOKEN": TOKEN, "MLFLOW_TRACKING_URI": uri},
        "env": {"MLGATE_STAND_IN_PYTHON": sys.executable},  # `python -m dvc` for the pull step
    }

    first = run_act(repo, {}, **run)  # type: ignore[arg-type]
    assert first.code == 0, first.output
    assert_action_from_the_workflows_commit(first.output)
    assert "won and was promoted" in first.output
    assert "no DVC remote configured: nothing to pull" in first.output  # dvc-pull's default
    assert champion(uri) == "1"

    set_params(repo, accuracy=0.8, log_loss=0.3)
    commit(repo, "a worse model")
    loser = run_act(repo, {}, **run)  # type: ignore[arg-type]
    assert loser.code == 0, loser.output  # losing is a normal outcome, not a broken job
    assert "did not beat the champion; nothing changed" in loser.output
    assert champion(uri) == "1"
    assert len(client(uri).search_model_versions("name='tiny'")) == 1

    set_params(repo, accuracy=0.95, log_loss=0.3)
    commit(repo, "a better model")
    winner = run_act(repo, {}, **run)  # type: ignore[arg-type]
    assert winner.code == 0, winner.output
    assert champion(uri) == "2"
    print(f"act continuous-training.yml: {first.seconds:.1f} / {loser.seconds:.1f} / "
          f"{winner.seconds:.1f} s")  # fmt: skip


CT_PR_CALLER = caller(f"""\
on: workflow_dispatch
permissions: {{}}
jobs:
  retrain:
    permissions:
      contents: write
      pull-requests: write
    uses: ./.github/workflows/continuous-training.yml
    with:
      requirements: ""
      on-win: pull-request
      mlgate-venv: {VENV}
    secrets:
      MLFLOW_TRACKING_URI: ${{{{ secrets.MLFLOW_TRACKING_URI }}}}
""")


@pytest.mark.slow
def test_continuous_training_opens_then_updates_one_pull_request_with_the_new_lock(
    tmp_path: Path, stub: GitHubStub
) -> None:
    uri = f"sqlite:///{tmp_path / 'registry' / 'mlflow.db'}"
    (tmp_path / "registry").mkdir()
    config = (
        "version: 1\n"
        "mlflow: {model: tiny, alias: champion, model_path: model.pkl}\n"
        "metrics: {candidate: dvc, baseline: registry, on_missing_baseline: pass}\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    repo = pipeline_repo(tmp_path, config, CT_PR_CALLER, "continuous-training.yml")
    # GitHub's git server: pushes to the repo's https remote land in a bare repo here.
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", str(origin))
    git(repo, "config", f"url.{origin}.pushInsteadOf", f"https://github.com/{REPO}.git")
    git(repo, "push", "--quiet", "origin", "HEAD")
    base = git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip()
    set_params(repo, accuracy=0.95, log_loss=0.3)  # fresh data: a model that wins
    commit(repo, "fresh data")
    run = {
        "event_name": "workflow_dispatch",
        "workflow": ".github/workflows/caller.yml",
        "action_dir": action_copy(tmp_path / "mlgate-action"),
        "secrets": {"GITHUB_TOKEN": TOKEN, "MLFLOW_TRACKING_URI": uri},
        "env": {"MLGATE_STAND_IN_PYTHON": sys.executable, "MLGATE_GITHUB_API_URL": stub.url},
    }

    first = run_act(repo, {}, **run)  # type: ignore[arg-type]
    assert first.code == 0, first.output
    assert "a pull request with the new dvc.lock and the report follows" in first.output
    assert champion(uri) is None  # on-win: pull-request moves no alias
    # The artifact holds the lock, the metrics and the report: not DVC's cache or config
    # (`**/*.dvc` names the .dvc/ folder too), not mlgate's action.
    stored = artifact_store(repo) / "mlgate-continuous-training"
    kept = {str(path.relative_to(stored)) for path in stored.rglob("*") if path.is_file()}
    assert kept == {"dvc.lock", "metrics.json", ".mlgate/report.md"}
    (pull,) = stub.pulls.values()
    assert pull["head"]["label"] == f"octo-org:{BRANCH}"
    assert pull["title"] == "Retrain: a new model beats the champion"
    # The registry holds no champion yet: a bootstrap pass, and the PR body says so.
    assert "## mlgate: ☑️ passed on bootstrap" in pull["body"], pull["body"]
    pushed = git(origin, "show", f"{BRANCH}:dvc.lock")
    assert "accuracy: 0.95" in pushed
    assert ".mlgate-action" not in git(origin, "ls-tree", "-r", "--name-only", BRANCH)
    opened = [r for r in stub.calls("POST") if r.path == f"/repos/{REPO}/pulls"]
    assert json.loads(opened[0].body)["base"] == base

    second = run_act(repo, {}, **run)  # type: ignore[arg-type]
    assert second.code == 0, second.output
    assert list(stub.pulls.values()) == [pull]  # the same pull request, its body updated
    assert [r.path for r in stub.calls("PATCH")] == [f"/repos/{REPO}/pulls/{pull['number']}"]
    print(f"act continuous-training.yml pull-request: {first.seconds:.1f} / {second.seconds:.1f} s")


BRANCH = "mlgate/continuous-training"
