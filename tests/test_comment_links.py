"""Links in the comment of a `workflow_run` poster: the result files are a fork's artifact, which
may be forged, and the comment is posted by the repository's bot. A URL read from such a file
(the MLflow run and version, gate.json's links) must not become a link a reviewer trusts as the
repository's own; the run that uploaded the files may still name them in its own comment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers.cli import RunMlgate

FIXTURE = Path(__file__).parent / "fixtures" / "comment" / "blocked"
PHISH = "https://mlflow.evil.example/login"


def forged_artifact(folder: Path) -> Path:
    """The example's blocked result files with every URL field pointing at the attacker."""
    shutil.copytree(FIXTURE, folder)
    compare = json.loads((folder / "compare.json").read_text())
    compare["details"]["candidate"]["url"] = f"{PHISH}?run"
    compare["details"]["baseline"]["url"] = f"{PHISH}?version"
    (folder / "compare.json").write_text(json.dumps(compare))
    gate = json.loads((folder / "gate.json").read_text())
    gate["details"]["links"] = {"workflow_run": f"{PHISH}?workflow", "commit": f"{PHISH}?commit"}
    (folder / "gate.json").write_text(json.dumps(gate))
    return folder


def report_md(
    mlgate: RunMlgate, tmp_path: Path, event: str, env: dict[str, str] | None = None
) -> str:
    results = forged_artifact(tmp_path / "artifact")
    result = mlgate(
        "report", "--no-post", "--results-dir", str(results), cwd=tmp_path,
        env={"GITHUB_EVENT_NAME": event, **(env or {})},
    )  # fmt: skip
    assert result.code == 1, result.out + result.err  # the blocked example's verdict
    return (results / "report.md").read_text()


def test_a_workflow_run_poster_links_no_url_from_the_artifact(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    text = report_md(mlgate, tmp_path, "workflow_run")
    assert "evil.example" not in text
    assert "wine-classifier v1 \\(champion\\)" in text  # the version is named, not linked


def test_the_run_that_wrote_the_files_links_them(tmp_path: Path, mlgate: RunMlgate) -> None:
    text = report_md(mlgate, tmp_path, "push")
    assert f"[MLflow run]({PHISH}?run)" in text  # its own compare wrote the URL


def test_a_workflow_run_poster_names_the_run_and_commit_of_the_gate(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    # GITHUB_SHA of a workflow_run is the default branch's head, not the pull request's.
    gated, default_head = "a" * 40, "b" * 40
    payload = tmp_path / "event.json"
    gate_run = "https://github.com/acme/wine/actions/runs/99"
    payload.write_text(json.dumps({"workflow_run": {"head_sha": gated, "html_url": gate_run}}))
    env = {
        "GITHUB_EVENT_PATH": str(payload),
        "GITHUB_SHA": default_head,
        "GITHUB_REPOSITORY": "acme/wine",
        "GITHUB_RUN_ID": "100",  # the poster's own run
    }
    text = report_md(mlgate, tmp_path, "workflow_run", env)
    assert f"commit [`aaaaaaa`](https://github.com/acme/wine/commit/{gated})" in text
    assert "bbbbbbb" not in text
    assert f"[workflow run]({gate_run})" in text
