"""Result envelopes as mlgate writes them, and a pull_request run of GitHub Actions against the
GitHub stand-in: the `stub` and `runner_env` fixtures (import them into a test module to use
them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.github_stub import Account, GitHubStub, running_stub

REPO = "acme/wine"


PR = 12


TOKEN = "ghp_" + "ReportT0ken" * 3


BOT = Account("mlgate-bot", 77)


def envelope(command: str, status: str, summary: str, **details: object) -> dict[str, object]:
    result: dict[str, object] = {
        "mlgate": "0",
        "schema": 1,
        "command": command,
        "status": status,
        "summary": summary,
        "started_at": "",
        "duration_s": 0.1,
        "details": details,
    }
    if status == "error":
        result["exit_code"] = 3
    return result


def compare_result(status: str = "pass") -> dict[str, object]:
    checks = [
        {
            "metric": "acc|<b>@team",
            "direction": "higher",
            "candidate": 0.9,
            "baseline": 0.95,
            "delta": -0.05,
            "delta_pct": -5.26,
            "rule": "max_regression",
            "limit": 0.01,
            "passed": status == "pass",
            "message": "worsened by 0.05",
            "skipped": False,
        },
    ]
    return envelope(
        "compare",
        status,
        "blocked against wine v3 (champion)",
        candidate={"source": "dvc", "metrics": {"acc|<b>@team": 0.9}},
        baseline={
            "source": "models:/wine@champion",
            "model": "wine",
            "version": "3",
            "alias": "champion",
            "metrics": {"acc|<b>@team": 0.95},
            "url": None,
        },
        checks=checks,
        ungated=[],
        notes=[],
        history=[
            {"version": "2", "metrics": {"acc|<b>@team": 0.93}},
            {"version": "3", "metrics": {"acc|<b>@team": 0.95}},
        ],
    )


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    with running_stub() as server:
        server.tokens[TOKEN] = BOT
        yield server


@pytest.fixture
def runner_env(
    stub: GitHubStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Path]:
    """What GitHub Actions sets for a pull_request run; the API is the stand-in."""
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"number": PR, "pull_request": {"number": PR, "head": {"sha": "b" * 40}}})
    )
    files = {"summary": tmp_path / "summary.md", "output": tmp_path / "output.txt"}
    for key, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "MLGATE_GITHUB_API_URL": stub.url,
        "GITHUB_RUN_ID": "31",
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
        "GITHUB_OUTPUT": str(files["output"]),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("MLGATE_RESULTS_DIR", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return files
