from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.github_stub import Account, running_stub

pytestmark = pytest.mark.slow


def test_demo_trains_promotes_and_gates_a_worse_and_a_better_change(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MLFLOW_TRACKING_URI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    target = tmp_path / "demo"
    result = mlgate("demo", "--dir", str(target), "--format", "json")
    assert result.code == 0, result.err
    outcome = json.loads(result.out)
    assert outcome["repo"] == str(target)
    assert (outcome["first_champion"], outcome["champion"]) == ("v1", "v2")
    assert (outcome["first"]["exit_code"], outcome["first"]["decision"]) == (0, "pass")
    assert (outcome["worse"]["exit_code"], outcome["worse"]["decision"]) == (1, "fail")
    assert (outcome["better"]["exit_code"], outcome["better"]["decision"]) == (0, "pass")
    # One flipped prediction of 45: the point estimate moves beyond max_regression, but the
    # paired interval cannot tell; the gate says so, and fails closed on it.
    assert (outcome["one_flip"]["exit_code"], outcome["one_flip"]["decision"]) == (1, "fail")
    (flip,) = [c for c in outcome["one_flip"]["checks"] if c["rule"] == "max_regression"]
    assert flip["evidence"] == "inconclusive"
    assert flip["interval"]["estimate"] == pytest.approx(-1 / 45)
    assert flip["interval"]["low"] < -0.01 < flip["interval"]["high"]
    assert "45 paired examples cannot show a regression within 0.01" in flip["message"]
    assert "a point rule would block it" in result.err
    assert "Downloading artifacts" not in result.err
    # The numbers are the pipeline's own: the worse model's metrics as its run wrote them.
    worse = json.loads((target / ".mlgate" / "worse" / "compare.json").read_text())
    assert outcome["worse"]["metrics"] == worse["details"]["candidate"]["metrics"]
    assert worse["details"]["baseline"]["version"] == "1"
    assert worse["details"]["candidate"]["metrics"]["accuracy"] < 0.85
    failed = {(c["metric"], c["rule"]) for c in worse["details"]["checks"] if not c["passed"]}
    assert ("accuracy", "max_regression") in failed
    better = json.loads((target / ".mlgate" / "better" / "compare.json").read_text())
    assert better["status"] == "pass"
    # Better, not "no worse": the same accuracy at a clearly lower log loss than the champion.
    better_metrics = better["details"]["candidate"]["metrics"]
    champion_metrics = better["details"]["baseline"]["metrics"]
    assert better_metrics["accuracy"] >= champion_metrics["accuracy"]
    assert better_metrics["log_loss"] < 0.8 * champion_metrics["log_loss"]
    assert better["details"]["candidate"]["metrics"] == json.loads(
        (target / "metrics.json").read_text()
    )
    assert (
        (target / ".mlgate" / "worse" / "report.md").read_text().startswith("## mlgate: ❌ blocked")
    )
    assert "1. Train the first model" in result.err
    # A terminal sees what the first minute is doing, and where to go next.
    assert "git init, dvc init" in result.err
    assert "running repro ..." in result.err
    assert "`mlgate init`" in result.err
    assert "validate runs twice" in result.err
    for name in ("first", "worse", "one-flip", "better"):  # every report, as a repo path
        assert f"   .mlgate/{name}/report.md\n" in result.err
    assert "site-packages" not in result.err.split("Reports, in")[1]
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=target, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert log == ["train the first model", "wine example"]


def test_demo_markdown_prints_both_reports_and_takes_no_config_option(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MLFLOW_TRACKING_URI", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    assert mlgate("demo", "--config", "mlgate.yaml").code == 2  # it would be ignored: refused
    result = mlgate("demo", "--dir", str(tmp_path / "demo"), "--format", "markdown")
    assert result.code == 0, result.err
    assert result.out.startswith("## mlgate: ❌ blocked")
    assert result.out.count("## mlgate: ") == 2
    assert "## mlgate: ✅" in result.out
    assert "2. A change that makes the model worse" in result.err


def test_demo_refuses_a_folder_with_files(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = mlgate("demo", "--dir", str(tmp_path))
    assert result.code == 2
    assert "needs an empty or new folder" in result.err
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_the_example_repo_end_to_end_on_one_pull_request(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the example: gate three times on one PR (pass, fail, pass) -> exactly one comment
    showing the last verdict; the champion's history; a rollback to the previous champion."""
    for name in ("MLFLOW_TRACKING_URI", "MLGATE_RESULTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    repo = tmp_path / "demo"
    assert mlgate("demo", "--dir", str(repo)).code == 0
    with running_stub() as stub:
        stub.tokens["ghp_demo_token_0123456789"] = Account("mlgate-bot", 9)
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 5, "head": {"sha": "d" * 40}}}))
        for key, value in {
            "GITHUB_ACTIONS": "true",
            "GITHUB_TOKEN": "ghp_demo_token_0123456789",
            "GITHUB_REPOSITORY": "acme/wine",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "MLGATE_GITHUB_API_URL": stub.url,
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        }.items():
            monkeypatch.setenv(key, value)
        params = (repo / "params.yaml").read_text()
        worse = (
            params.replace("model: logistic_regression", "model: random_forest")
            .replace("n_estimators: 100", "n_estimators: 1")
            .replace("max_depth: 8", "max_depth: 1")
        )
        codes = []
        for text in (params, worse, params):
            (repo / "params.yaml").write_text(text)
            codes.append(mlgate("gate", cwd=repo).code)
        assert codes == [0, 1, 0]
        (comment,) = stub.comments_by("acme/wine", 5, "mlgate-bot")
        assert comment["body"].splitlines()[1] == "## mlgate: ✅ passed"
        assert "wine-classifier v2 \\(champion\\)" in comment["body"]
    history = json.loads(mlgate("history", "--format", "json", cwd=repo).out)
    assert [(e["action"], e["version"]) for e in history] == [("promote", "1"), ("promote", "2")]
    rollback = mlgate("rollback", cwd=repo)
    assert rollback.code == 0, rollback.err
    assert "wine-classifier v1 holds 'champion' again" in rollback.out
