from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import RunMlgate

pytestmark = pytest.mark.slow


def test_demo_builds_and_trains_the_example_for_real(tmp_path: Path, mlgate: RunMlgate) -> None:
    target = tmp_path / "demo"
    result = mlgate("demo", "--dir", str(target), "--format", "json")
    assert result.code == 0, result.err
    outcome = json.loads(result.out)
    assert outcome["repo"] == str(target)
    # The numbers printed are the ones the pipeline wrote.
    written = json.loads((target / "metrics.json").read_text())
    assert outcome["metrics"] == pytest.approx(written)
    assert 0.8 <= written["accuracy"] <= 1.0
    assert written["log_loss"] > 0
    assert (target / "dvc.lock").is_file()
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=target, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert log == ["train the first model", "wine example"]
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=target, capture_output=True, text=True, check=True
    ).stdout
    assert status == ""
    assert "not built yet" in result.err.lower()


def test_demo_refuses_a_folder_with_files(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = mlgate("demo", "--dir", str(tmp_path))
    assert result.code == 2
    assert "needs an empty or new folder" in result.err
    assert (tmp_path / "keep.txt").read_text() == "mine"
