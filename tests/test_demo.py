from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import RunMlgate

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
    assert outcome["champion"] == "v1"
    assert (outcome["first"]["exit_code"], outcome["first"]["decision"]) == (0, "pass")
    assert (outcome["worse"]["exit_code"], outcome["worse"]["decision"]) == (1, "fail")
    assert (outcome["better"]["exit_code"], outcome["better"]["decision"]) == (0, "pass")
    # The numbers are the pipeline's own: the worse model's metrics as its run wrote them.
    worse = json.loads((target / ".mlgate" / "worse" / "compare.json").read_text())
    assert outcome["worse"]["metrics"] == worse["details"]["candidate"]["metrics"]
    assert worse["details"]["baseline"]["version"] == "1"
    assert worse["details"]["candidate"]["metrics"]["accuracy"] < 0.85
    failed = {(c["metric"], c["rule"]) for c in worse["details"]["checks"] if not c["passed"]}
    assert ("accuracy", "max_regression") in failed
    better = json.loads((target / ".mlgate" / "better" / "compare.json").read_text())
    assert better["status"] == "pass"
    assert better["details"]["candidate"]["metrics"] == json.loads(
        (target / "metrics.json").read_text()
    )
    assert (
        (target / ".mlgate" / "worse" / "report.md").read_text().startswith("## mlgate: ❌ blocked")
    )
    assert "1. Train the first model" in result.err
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=target, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert log == ["train the first model", "wine example"]


def test_demo_refuses_a_folder_with_files(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = mlgate("demo", "--dir", str(tmp_path))
    assert result.code == 2
    assert "needs an empty or new folder" in result.err
    assert (tmp_path / "keep.txt").read_text() == "mine"
