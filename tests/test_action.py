"""The composite action (action.yml) run for real by `act` on this machine, against a real DVC
repo in a tmp dir and a real HTTP stand-in for the GitHub API (tests/helpers/github_stub.py).

The workflow is the user's: checkout, setup-python, `uses: mlgate/mlgate@v1`. act maps that
`uses:` to a slim copy of this checkout (tests/fixtures/act_runner.py) and setup-python to a
stand-in (no downloads here). Most runs reuse this venv through the documented `python-venv`
input, because installing mlflow + dvc + pandera from PyPI takes minutes; one run installs for
real from the action's path.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.act_runner import CHECKOUT, SETUP_PYTHON, action_copy, run_act
from tests.helpers.cli import EXAMPLE
from tests.helpers.dvc_repos import commit, dvc, git, init_repo, metrics_pipeline, set_params
from tests.helpers.github_stub import ACTIONS_BOT, GitHubStub, running_stub
from tests.helpers.node_tools import require

TOKEN = "ghs_installation_token_for_act"
VENV = str(Path(sys.executable).parent.parent)
EXAMPLES = "@octokit/webhooks-examples/api.github.com/index.json"

CONFIG = """\
version: 1
metrics: {candidate: dvc, baseline: file:baseline.json}
gates:
  accuracy: {direction: higher, max_regression: 0.01}
  log_loss: {direction: lower, max_regression_pct: 5}
"""


def workflow(with_lines: str) -> str:
    return f"""\
name: mlgate PR gate
on: pull_request
permissions: {{}}
jobs:
  gate:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pull-requests: write
    steps:
      - uses: {CHECKOUT} # v7.0.1
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: {SETUP_PYTHON} # v7.0.0
        with:
          python-version: "3.12"
      - uses: mlgate/mlgate@v1
        id: mlgate
        with:
{with_lines}
      - name: Outputs
        if: always()
        env:
          DECISION: ${{{{ steps.mlgate.outputs.decision }}}}
          REPORT: ${{{{ steps.mlgate.outputs.report-path }}}}
          URL: ${{{{ steps.mlgate.outputs.comment-url }}}}
        run: echo "outputs decision=$DECISION report-path=$REPORT comment-url=$URL"
"""


def pr_event() -> dict[str, object]:
    """A real pull_request.opened payload (npm @octokit/webhooks-examples)."""
    index = json.loads(require(EXAMPLES).read_text(encoding="utf-8"))
    [entry] = [e for e in index if e["name"] == "pull_request"]
    event: dict[str, object] = next(x for x in entry["examples"] if x.get("action") == "opened")
    return event


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    with running_stub() as server:
        server.tokens[TOKEN] = None  # an installation token, like a workflow's GITHUB_TOKEN
        yield server


def gated_repo(root: Path, with_lines: str, event: dict[str, object]) -> Path:
    repo = metrics_pipeline(root / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "mlgate.yaml").write_text(CONFIG)
    (repo / "baseline.json").write_text(json.dumps({"accuracy": 0.9, "log_loss": 0.3}))
    flows = repo / ".github" / "workflows"
    flows.mkdir(parents=True)
    (flows / "mlgate-pr.yml").write_text(workflow(with_lines))
    dvc(repo, "repro", "--quiet")
    full_name = event["repository"]["full_name"]  # type: ignore[index]
    git(repo, "remote", "add", "origin", f"https://github.com/{full_name}.git")
    commit(repo, "pipeline")
    return repo


def outputs_line(output: str) -> str:
    return next(line for line in output.splitlines() if "outputs decision=" in line)


@pytest.mark.slow
def test_act_worse_model_fails_better_passes_one_comment(tmp_path: Path, stub: GitHubStub) -> None:
    event = pr_event()
    repo_name = event["repository"]["full_name"]  # type: ignore[index]
    number = event["number"]
    assert isinstance(repo_name, str) and isinstance(number, int)
    repo = gated_repo(tmp_path, f"          python-venv: {VENV}", event)
    action = action_copy(tmp_path / "mlgate-action")
    run = {
        "action_dir": action,
        "secrets": {"GITHUB_TOKEN": TOKEN},
        "env": {"MLGATE_GITHUB_API_URL": stub.url},
    }

    set_params(repo, accuracy=0.8, log_loss=0.3)  # worse than the baseline's 0.9
    commit(repo, "worse")
    worse = run_act(repo, event, **run)  # type: ignore[arg-type]
    assert worse.code != 0, worse.output
    assert "Job failed" in worse.output
    assert "decision=fail" in outputs_line(worse.output)
    (comment,) = stub.comments_by(repo_name, number, ACTIONS_BOT.login)
    assert "## mlgate: ❌ blocked" in comment["body"]
    assert f"comment-url={comment['html_url']}" in outputs_line(worse.output)

    set_params(repo, accuracy=0.95, log_loss=0.29)
    commit(repo, "better")
    better = run_act(repo, event, **run)  # type: ignore[arg-type]
    assert better.code == 0, better.output
    assert "decision=pass" in outputs_line(better.output)
    (comment,) = stub.comments_by(repo_name, number, ACTIONS_BOT.login)  # still exactly one
    assert "## mlgate: ✅ passed" in comment["body"]
    created = [c for c in stub.calls("POST") if c.path.endswith("/comments")]
    assert len(created) == 1  # created on the first run, updated in place on the second
    print(f"act durations: worse {worse.seconds:.1f} s, better {better.seconds:.1f} s")


@pytest.mark.slow
def test_act_fail_on_never_is_advisory(tmp_path: Path, stub: GitHubStub) -> None:
    event = pr_event()
    with_lines = (
        f"          python-venv: {VENV}\n          fail-on: never\n          comment: false"
    )
    repo = gated_repo(tmp_path, with_lines, event)
    set_params(repo, accuracy=0.8, log_loss=0.3)
    commit(repo, "worse")
    run = run_act(
        repo,
        event,
        action_dir=action_copy(tmp_path / "mlgate-action"),
        secrets={"GITHUB_TOKEN": TOKEN},
        env={"MLGATE_GITHUB_API_URL": stub.url},
    )
    assert run.code == 0, run.output
    assert "decision=fail" in outputs_line(run.output)
    assert "advisory (fail-on: never)" in run.output
    assert not stub.comments  # comment: false


@pytest.mark.slow
def test_act_installs_mlgate_from_the_action_path(tmp_path: Path, stub: GitHubStub) -> None:
    """The real install path: uv from PyPI, a virtualenv under RUNNER_TEMP, `uv pip install
    <action path>`, after a cache miss (the stand-in cache's). `command: config` needs no extra,
    so this stays quick."""
    event = pr_event()
    repo = gated_repo(tmp_path, "          command: config", event)
    run = run_act(
        repo,
        event,
        action_dir=action_copy(tmp_path / "mlgate-action"),
        secrets={"GITHUB_TOKEN": TOKEN},
        env={"MLGATE_GITHUB_API_URL": stub.url},
    )
    assert run.code == 0, run.output
    assert "Success - Main Install mlgate" in run.output
    assert "mlgate config check" in run.output
    assert "decision=pass" in outputs_line(run.output)
    key = r"mlgate-venv-Linux-X64-py3\.\d+\.\d+-[0-9a-f]{8}-[0-9a-f]{16}-core"
    assert re.search(rf"stand-in cache: miss for key {key}\n", run.output), run.output
    installed = re.search(
        r"installed mlgate, version \S+ into (\S+) \(extras: none; with uv\)", run.output
    )
    assert installed, run.output
    assert Path(installed.group(1)).name == "mlgate-venv"
    assert not Path(installed.group(1)).is_relative_to(repo)  # outside the workspace
    print(f"act with a real install: {run.seconds:.1f} s")


def example_repo(root: Path) -> Path:
    """The example as a user copies it: `cp -r examples/wine`, git init, dvc init, commit."""
    repo = root / "wine"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns(".mlgate", "mlflow.db", "mlruns"))
    init_repo(repo)
    return repo


@pytest.mark.slow
def test_act_runs_the_example_workflow_unchanged(tmp_path: Path, stub: GitHubStub) -> None:
    """examples/wine/.github/workflows/mlgate-pr.yml, as written, on a copy of the example.

    Its setup-python is the stand-in pointed at this venv (which has the example's
    requirements), and MLGATE_PYTHON_VENV lends mlgate this venv instead of installing."""
    event = pr_event()
    repo = example_repo(tmp_path)
    full_name = event["repository"]["full_name"]  # type: ignore[index]
    git(repo, "remote", "add", "origin", f"https://github.com/{full_name}.git")
    params = (repo / "params.yaml").read_text()
    (repo / "params.yaml").write_text(
        params.replace("n_estimators: 100", "n_estimators: 1").replace(
            "max_depth: 8 ", "max_depth: 1 "
        )
    )
    commit(repo, "wine, with a much worse model")
    run = {
        "action_dir": action_copy(tmp_path / "mlgate-action"),
        "secrets": {"GITHUB_TOKEN": TOKEN},
        "env": {
            "MLGATE_GITHUB_API_URL": stub.url,
            "MLGATE_STAND_IN_PYTHON": sys.executable,
            "MLGATE_PYTHON_VENV": VENV,
        },
        "workflow": ".github/workflows/mlgate-pr.yml",
    }
    worse = run_act(repo, event, **run)  # type: ignore[arg-type]
    assert worse.code != 0, worse.output
    number = event["number"]
    assert isinstance(number, int)
    (comment,) = stub.comments_by(full_name, number, ACTIONS_BOT.login)
    assert "## mlgate: ❌ blocked" in comment["body"]
    assert "accuracy" in comment["body"]

    (repo / "params.yaml").write_text(params)
    commit(repo, "wine, default model")
    better = run_act(repo, event, **run)  # type: ignore[arg-type]
    assert better.code == 0, better.output
    (comment,) = stub.comments_by(full_name, number, ACTIONS_BOT.login)
    # No champion in this registry yet: a pass on the absolute thresholds alone, and said so.
    assert "## mlgate: ☑️ passed on bootstrap" in comment["body"]
    print(f"act on the example: worse {worse.seconds:.1f} s, default {better.seconds:.1f} s")


@pytest.mark.slow
def test_act_fail_on_error_still_fails_on_bad_input(tmp_path: Path, stub: GitHubStub) -> None:
    event = pr_event()
    with_lines = (
        f"          python-venv: {VENV}\n"
        "          fail-on: error\n"
        "          args: --skip 'repro' --id \"pr gate\""
    )
    repo = gated_repo(tmp_path, with_lines, event)
    (repo / "mlgate.yaml").write_text(CONFIG.replace("direction", "directoin", 1))
    commit(repo, "a typo in mlgate.yaml")
    run = run_act(
        repo,
        event,
        action_dir=action_copy(tmp_path / "mlgate-action"),
        secrets={"GITHUB_TOKEN": TOKEN},
        env={"MLGATE_GITHUB_API_URL": stub.url},
    )
    assert run.code != 0, run.output
    assert "mlgate gate --skip repro --id pr gate" in run.output
    assert "did you mean 'direction'" in run.output
    assert "decision=error" in outputs_line(run.output)
