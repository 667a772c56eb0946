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
