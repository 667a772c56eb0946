"""Every path in every output is repo-relative: a workspace metrics file DVC cannot parse is
named as the repository knows it in the Why line, compare.json and the report, never by the
absolute path of the folder mlgate ran in. A real git + DVC repo through the real CLI."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import dvc, metrics_pipeline


def test_an_unreadable_workspace_metrics_file_is_named_without_the_tmp_path(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {candidate: dvc, baseline: none}\n"
        "gates:\n  accuracy: {direction: higher, threshold: 0.5}\n"
    )
    dvc(repo, "repro", "--quiet")
    (repo / "metrics.json").write_text("{not json")
    compared = mlgate("compare", cwd=repo)
    assert compared.code in (2, 3), compared.out + compared.err
    report = mlgate("report", "--no-post", "--format", "markdown", cwd=repo)
    outputs = [compared.out, compared.err, report.out]
    outputs += [path.read_text() for path in (repo / ".mlgate").iterdir() if path.is_file()]
    for text in outputs:
        assert str(tmp_path) not in text, text
        assert str(tmp_path.resolve()) not in text, text
