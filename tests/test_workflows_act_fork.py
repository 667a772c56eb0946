"""The fork-safe split of pr-gate.yml run by `act`, as GitHub runs it for a forked PR: the gate
job (`post: artifact`) on pull_request uploads the results, then the privileged `post` job on
workflow_run downloads that artifact, checks the PR it names against the commit GitHub says was
gated, and posts the report. The artifact is the fork's to write: here it is also forged to
name another PR, or to carry payloads in the result files. The stub GitHub API on 127.0.0.1
records every comment posted.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.act_runner import action_copy, artifact_store, run_act
from tests.helpers.act_workflows import (
    PR,
    REPO,
    TOKEN,
    VENV,
    assert_action_from_the_workflows_commit,
    caller,
    pipeline_repo,
)
from tests.helpers.dvc_repos import commit, set_params
from tests.helpers.github_stub import ACTIONS_BOT, GitHubStub, running_stub

FORK = "mallory/octo-repo"
FORK_SHA = "f0e1" * 10  # the fork PR's head, which GitHub says the gate ran on
OTHER_PR = 7  # somebody else's PR, which a forged artifact names instead
OTHER_SHA = "0be7" * 10
RUN_ID = 4242

# One caller for both halves, as the README's two files do it: the gate job runs on
# pull_request, the post job on workflow_run (each job's `if:` picks its event).
FORK_CALLER = caller(f"""\
on:
  pull_request:
  workflow_run:
    workflows: [caller]
    types: [completed]
permissions: {{}}
jobs:
  gate:
    permissions:
      contents: read
      pull-requests: write
      actions: read
    uses: ./.github/workflows/pr-gate.yml
    with:
      post: artifact
      requirements: ""
      mlgate-venv: {VENV}
""")
CONFIG = (
    "version: 1\nmetrics: {candidate: dvc, baseline: file:baseline.json}\n"
    "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
)
FORK_PR_EVENT = {
    "action": "synchronize",
    "number": PR,
    "pull_request": {
        "number": PR,
        "head": {"sha": FORK_SHA, "ref": "patch-1", "repo": {"full_name": FORK}},
        "base": {"ref": "main", "repo": {"full_name": REPO}},
    },
    "repository": {"full_name": REPO},
}
# GitHub's workflow_run payload for a fork's run: `pull_requests` is empty for forks, which is
# why the poster must take the PR number from the artifact and check it.
WORKFLOW_RUN_EVENT = {
    "action": "completed",
    "workflow_run": {
        "id": RUN_ID,
        "name": "caller",
        "event": "pull_request",
        "status": "completed",
        "conclusion": "failure",
        "head_sha": FORK_SHA,
        "head_branch": "patch-1",
        "head_repository": {"full_name": FORK},
        "pull_requests": [],
    },
    "repository": {"full_name": REPO},
}


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    with running_stub() as server:
        server.tokens[TOKEN] = None
        server.add_pull(REPO, PR, FORK_SHA, head_ref="patch-1", head_repo=FORK)
        server.add_pull(REPO, OTHER_PR, OTHER_SHA, head_ref="other")
        yield server


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = pipeline_repo(tmp_path, CONFIG, FORK_CALLER, "pr-gate.yml")
    set_params(repo, accuracy=0.8, log_loss=0.3)
    commit(repo, "worse")
    return repo


def act(repo: Path, stub: GitHubStub, event_name: str, event: dict[str, Any]) -> Any:
    action = repo.parent / "mlgate-action"
    return run_act(
        repo,
        event,
        event_name=event_name,
        workflow=".github/workflows/caller.yml",
        action_dir=action if action.exists() else action_copy(action),
        secrets={"GITHUB_TOKEN": TOKEN},
        env={"MLGATE_GITHUB_API_URL": stub.url},
    )


def all_comments(stub: GitHubStub) -> dict[tuple[str, int], list[str]]:
    return {key: [c["body"] for c in found] for key, found in stub.comments.items() if found}


def the_fork_uploads(repo: Path, results: dict[str, Any], pr_number: str) -> None:
    """What a fork's code can leave in the artifact: any files, any content."""
    folder = artifact_store(repo) / "mlgate-results"
    folder.mkdir(parents=True)
    for name, content in results.items():
        (folder / name).write_text(json.dumps(content), encoding="utf-8")
    (folder / "pr-number.txt").write_text(pr_number, encoding="utf-8")


@pytest.mark.slow
def test_a_fork_prs_report_is_posted_on_that_pr_by_the_privileged_job(
    repo: Path, stub: GitHubStub
) -> None:
    gate = act(repo, stub, "pull_request", FORK_PR_EVENT)
    assert gate.code != 0, gate.output  # blocked: the verdict is the gate job's status
    assert_action_from_the_workflows_commit(gate.output)
    uploaded = artifact_store(repo) / "mlgate-results"
    assert {"gate.json", "repro.json", "compare.json", "pr-number.txt"} <= {
        path.name for path in uploaded.iterdir()
    }
    assert (uploaded / "pr-number.txt").read_text().strip() == str(PR)
    assert all_comments(stub) == {}  # the gate job of a fork PR posts nothing
    pull_path = f"/repos/{REPO}/pulls/{PR}"
    read_by_the_gate = len([r for r in stub.calls("GET") if r.path == pull_path])  # overrides

    post = act(repo, stub, "workflow_run", WORKFLOW_RUN_EVENT)
    assert post.code == 0, post.output
    assert_action_from_the_workflows_commit(post.output)
    assert "mlgate report" in post.output
    (body,) = all_comments(stub)[(REPO, PR)]
    assert list(all_comments(stub)) == [(REPO, PR)]
    assert "## mlgate: ❌ blocked" in body
    assert stub.comments_by(REPO, PR, ACTIONS_BOT.login)
    # The head check read the PR through the API with the job's token.
    (lookup,) = [r for r in stub.calls("GET") if r.path == pull_path][read_by_the_gate:]
    assert lookup.headers["Authorization"] == f"Bearer {TOKEN}"


# Result files as mlgate writes them for a blocked change (the shapes of a real run's), which
# the tests below forge.
GENUINE: dict[str, Any] = {
    "gate.json": {
        "mlgate": "0.1.0", "schema": 1, "command": "gate", "status": "fail",
        "summary": "fail: repro pass, compare fail", "started_at": "2026-11-29T12:00:00+00:00",
        "duration_s": 1.2, "details": {"steps": ["repro", "compare"], "skipped": []},
    },
    "repro.json": {
        "mlgate": "0.1.0", "schema": 1, "command": "repro", "status": "pass",
        "summary": "ran 1 stage(s) (evaluate), 0 unchanged; dvc.lock changed",
        "started_at": "2026-11-29T12:00:00+00:00", "duration_s": 1.1,
        "details": {
            "mode": "run", "root": "/home/runner/work/octo-repo", "targets": [],
            "pulled": False, "forced": False, "lock_changed": True,
            "stages": [{"name": "evaluate", "status": "ran", "duration_s": 0.2,
                        "output_tail": ["> python evaluate.py"]}],
            "metrics": {"accuracy": 0.8, "log_loss": 0.3},
            "params": {"params.yaml": {"accuracy": 0.8, "log_loss": 0.3}},
        },
    },
    "compare.json": {
        "mlgate": "0.1.0", "schema": 1, "command": "compare", "status": "fail",
        "summary": "blocked against registry: accuracy max_regression: worsened by 0.1",
        "started_at": "2026-11-29T12:00:01+00:00", "duration_s": 0.03,
        "details": {
            "candidate": {"source": "dvc", "origin": "dvc metrics", "model": None,
                          "version": None, "run_id": None,
                          "metrics": {"accuracy": 0.8, "log_loss": 0.3}},
            "baseline": {"source": "registry", "origin": "models:/wine@champion",
                         "model": "wine", "alias": "champion", "version": "3", "run_id": "r1",
                         "url": "https://mlflow.example.com/#/models/wine/versions/3",
                         "metrics": {"accuracy": 0.9, "log_loss": 0.3},
                         "missing_reason": None},
            "checks": [{"metric": "accuracy", "direction": "higher", "candidate": 0.8,
                        "baseline": 0.9, "delta": -0.1, "delta_pct": -11.1,
                        "rule": "max_regression", "limit": 0.01, "passed": False,
                        "message": "worsened by 0.1, allowed 0.01", "skipped": False}],
            "ungated": [{"metric": "log_loss", "candidate": 0.3, "baseline": 0.3}],
            "history": [{"version": "2", "metrics": {"accuracy": 0.85}},
                        {"version": "3", "metrics": {"accuracy": 0.9}}],
            "notes": [],
        },
    },
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("named", "refusal"),
    [
        (str(OTHER_PR), f"PR #{OTHER_PR}'s head is {OTHER_SHA}, not the gated commit"),
        ("12; curl evil.example", "pr-number.txt is not a number"),
        ("999", "cannot read pull request #999"),
    ],
    ids=["another-pr", "not-a-number", "no-such-pr"],
)
def test_an_artifact_naming_another_pr_posts_nothing(
    repo: Path, stub: GitHubStub, named: str, refusal: str
) -> None:
    the_fork_uploads(repo, GENUINE, named)
    post = act(repo, stub, "workflow_run", WORKFLOW_RUN_EVENT)
    assert post.code != 0, post.output
    assert refusal in post.output
    assert "mlgate report" not in post.output
    assert all_comments(stub) == {}
    assert stub.calls("POST") == [] and stub.calls("PATCH") == []


PROBE = "mlgate-mask-probe"
# Payloads a fork can put in the result files: each would act in the comment (an image, a live
# mention, a fake verdict heading, a link elsewhere, an escape from a code block or the Mermaid
# chart) or in the job's log (workflow commands at the start of a line).
PAYLOADS: dict[str, Any] = copy.deepcopy(GENUINE)
_repro, _compare = PAYLOADS["repro.json"], PAYLOADS["compare.json"]
_repro["summary"] = f"\n::add-mask::{PROBE}\n::stop-commands::forged\n{PROBE} stays visible"
_repro["details"]["stages"][0].update(
    name="evaluate<img src=x onerror=alert(1)>",
    status="failed",
    output_tail=["```", "</details>", "## ✅ mlgate: passed", "@team merge it", "<img src=x>"],
)
_compare["summary"] = "@team\n## ✅ mlgate: passed"
# A second check under a forged name; the first (accuracy) keeps the history chart drawn.
_compare["details"]["checks"].append(
    {**_compare["details"]["checks"][0], "metric": "accuracy`<img src=x>`"}
)
_compare["details"]["baseline"]["url"] = (
    "https://mlflow.example.com/#/models/wine) [merge now](https://evil.example/phish"
)
_compare["details"]["history"][0]["version"] = '2"]\n```\n## ✅ mlgate: passed\n```mermaid\n'
_compare["details"]["baseline"]["version"] = "3 @team"
PAYLOADS["gate.json"]["summary"] = "pass: @team <img src=x>"


def forged_commands_in_the_log(output: str) -> list[str]:
    """Lines the steps printed that start with a forged command and that the runner would act on:
    outside a `::stop-commands::<token>` region, unless mlgate opened it with its own token."""
    found, paused_by = [], None
    for line in output.splitlines():
        command = re.search(r"⚙  (::stop-commands::(\S+))$", line)
        if command and command.group(2) != "forged":
            paused_by = command.group(2)
        printed = line.split("]   | ", 1)[1].lstrip() if "]   | " in line else None
        if printed is None:
            continue
        if paused_by and printed == f"::{paused_by}::":
            paused_by = None
        elif not paused_by and printed.startswith(("::add-mask::", "::stop-commands::")):
            found.append(printed)
    return found


MERMAID_LINES = (
    "xychart-beta",
    "    title ",
    "    x-axis ",
    "    y-axis ",
    "    bar ",
    "    line ",
)


def rendered(body: str) -> str:
    """The comment as GitHub renders it before sanitising: GitHub-flavoured, raw HTML kept."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    html: str = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    return html


def outside_code(html: str) -> str:
    return re.sub(r"<(pre|code)[^>]*>.*?</\1>", "", html, flags=re.DOTALL)


@pytest.fixture
def posted_payloads(repo: Path, stub: GitHubStub) -> Any:
    the_fork_uploads(repo, PAYLOADS, str(PR))
    return act(repo, stub, "workflow_run", WORKFLOW_RUN_EVENT)


@pytest.mark.slow
def test_payloads_in_a_forks_result_files_run_no_workflow_command(posted_payloads: Any) -> None:
    """act runs no forged workflow command (it marks those it runs with ⚙, and masks the value
    of an ::add-mask::), and none stands at the start of a line outside a stop-commands region
    that mlgate opened itself."""
    output = posted_payloads.output
    assert forged_commands_in_the_log(output) == [], output
    assert "⚙  ::stop-commands::forged" not in output, output
    # An ::add-mask:: that ran shows as `⚙  ***` and masks the probe wherever it is printed
    # (a refusal that prints no summary at all is fine too).
    assert not re.search(r"⚙  \*\*\*$", output, flags=re.MULTILINE), output
    assert "*** stays visible" not in output, output


@pytest.mark.slow
def test_payloads_in_a_forks_result_files_are_refused_or_inert_in_the_comment(
    posted_payloads: Any, stub: GitHubStub
) -> None:
    """The forged files are refused (no comment) or rendered inert, and only on the fork's PR."""
    comments = all_comments(stub)
    assert set(comments) <= {(REPO, PR)}
    for body in comments.get((REPO, PR), []):
        html = rendered(body)
        assert "<img" not in html, body
        links = re.findall(r"<a [^>]*>.*?</a>", html, flags=re.DOTALL)
        assert not [link for link in links if "evil.example" in link or "merge now" in link]
        assert not re.search(r"(?<![\w`])@team\b", outside_code(html)), body
        headings = re.findall(r"<h2>(.*?)</h2>", html, flags=re.DOTALL)
        assert len(headings) == 1 and "passed" not in headings[0], headings
        assert html.count("<details>") == html.count("</details>"), body
        # The Mermaid charts hold chart lines only: the forged version did not end the fence.
        for chart in re.findall(r'<pre lang="mermaid"><code>(.*?)</code></pre>', html, re.S):
            for chart_line in chart.strip().splitlines():
                assert chart_line.startswith(MERMAID_LINES), chart
