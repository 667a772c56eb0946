"""The forge seam: `forge.detect()` picks the run's forge, and trouble finding it is posting
trouble (a warning), never a different exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate.forge import detect
from tests.helpers.cli import RunMlgate
from tests.helpers.report_env import compare_result


def test_detect_picks_gitlab_inside_gitlab_ci_and_github_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("GITLAB_CI", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    assert detect().name == "GitHub"
    monkeypatch.setenv("GITLAB_CI", "true")
    assert detect().name == "GitLab"
    monkeypatch.setenv("GITLAB_CI", "false")
    assert detect().name == "GitHub"


def test_an_unreadable_event_is_a_posting_warning_not_an_input_error(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITLAB_CI", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(tmp_path / "missing.json"))
    results = tmp_path / ".mlgate"
    results.mkdir()
    (results / "compare.json").write_text(json.dumps(compare_result("pass")))
    result = mlgate("report", "--post", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "could not post the report" in result.err
    assert "cannot read the event payload" in result.err


def test_a_gitlab_job_is_the_run_at_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlgate.forge import ci

    sha = "ab" * 20
    for name, value in {
        "GITLAB_CI": "true",
        "CI_COMMIT_SHA": sha,
        "CI_MERGE_REQUEST_IID": "12",
        "CI_JOB_URL": "https://gitlab.example/ml/churn/-/jobs/5",
        "CI_PROJECT_PATH": "ml/churn",
        "CI_PROJECT_URL": "https://gitlab.example/ml/churn",
        "GITHUB_EVENT_NAME": "workflow_run",  # a GitHub variable leaking in changes nothing
    }.items():
        monkeypatch.setenv(name, value)
    found = ci.reported(tmp_path)
    assert (found.commit, found.pr_number) == (sha, 12)
    assert found.run_url == "https://gitlab.example/ml/churn/-/jobs/5"
    assert found.commit_url() == f"https://gitlab.example/ml/churn/-/commit/{sha}"
    assert "job log" in found.full_report_at
    assert not ci.renders_another_runs_files()
