"""One row per step: after `gate --skip repro` and a later `repro --check` at the same commit,
the report shows the reproduction's result once (the later run ran it), and no skip beside it.
A real git + DVC repo through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, metrics_pipeline

CONFIG = """\
version: 1
metrics: {candidate: dvc, baseline: none}
gates:
  accuracy: {direction: higher, threshold: 0.5}
"""


def test_a_step_run_after_a_gate_that_skipped_it_is_one_row(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "mlgate.yaml").write_text(CONFIG)
    (repo / ".gitignore").write_text(".mlgate/\n")
    dvc(repo, "repro", "--quiet")
    commit(repo, "trained")

    gate = mlgate("gate", "--skip", "repro", "--no-post", cwd=repo)
    assert gate.code == 0, gate.out + gate.err
    assert "skipped by --skip repro" in gate.out  # the gate alone: the skip is said
    check = mlgate("repro", "--check", cwd=repo)
    assert check.code == 0, check.out + check.err

    report = mlgate("report", "--no-post", "--format", "markdown", cwd=repo)
    assert report.code == 0, report.out + report.err
    rows = [line for line in report.out.splitlines() if "**reproduction**" in line]
    assert len(rows) == 1 and rows[0].startswith("- ✅"), rows
    assert report.out.startswith("## mlgate: ✅ passed\n"), report.out.splitlines()[0]
    text = mlgate("report", "--no-post", cwd=repo).out
    assert [line for line in text.splitlines() if "reproduction" in line] == [
        line for line in text.splitlines() if line.startswith("  reproduction      PASS")
    ]
    as_json = json.loads(mlgate("report", "--no-post", "--format", "json", cwd=repo).out)
    # Only what is not configured is left: no `data:`.
    assert (as_json["decision"], as_json["skipped"]) == ("pass", ["validate"])
