"""Every path mlgate.yaml names stays inside the folder that holds it: the data and drift globs,
schema files, `file:` sources, the drift reference, per-example records and the model file.
A path that leaves it (`..`, absolute, or a symbolic link that leads out) is exit 2 naming the
key and the line, before anything outside is read (or uploaded by promote)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate

# (the key as the error names it, the config with PATH where the path goes, the line of PATH)
PLACES = [
    ("data[0].path", "version: 1\ndata:\n  - path: PATH\n    schema: s.yaml\n", 3),
    ("data[0].schema", "version: 1\ndata:\n  - path: d.csv\n    schema: PATH\n", 4),
    ("mlflow.model_path", "version: 1\nmlflow:\n  model: m\n  model_path: PATH\n", 4),
    ("metrics.candidate", "version: 1\nmetrics:\n  candidate: file:PATH\n  baseline: none\n", 3),
    ("metrics.baseline", "version: 1\nmetrics:\n  baseline: file:PATH\n", 3),
    ("metrics.per_example", "version: 1\nmetrics:\n  baseline: none\n  per_example: PATH\n", 4),
    (
        "metrics.per_example.baseline",
        "version: 1\nmetrics:\n  baseline: none\n  per_example:\n"
        "    candidate: p.csv\n    baseline: PATH\n",
        6,
    ),
    ("drift.reference", "version: 1\ndrift:\n  reference: file:PATH\n", 3),
    ("drift.current", "version: 1\ndrift:\n  reference: file:d.csv\n  current: PATH\n", 4),
]
SECRET = "a,b\n1,hunter2\n"


def escapes(tmp_path: Path) -> dict[str, str]:
    """The three ways out of tmp_path/repo, each to tmp_path/outside.csv."""
    outside = tmp_path / "outside.csv"
    outside.write_text(SECRET)
    repo = tmp_path / "repo"
    (repo / "links").mkdir(parents=True)
    (repo / "links" / "out.csv").symlink_to(outside)
    (repo / "d.csv").write_text("a,b\n1,2\n")
    (repo / "p.csv").write_text("y_true,y_pred\n1,1\n")
    (repo / "s.yaml").write_text("columns: {}\n")
    return {"climbs": "../outside.csv", "absolute": str(outside), "symlink": "links/out.csv"}


@pytest.mark.parametrize("how", ["climbs", "absolute", "symlink"])
@pytest.mark.parametrize(("key", "config", "line"), PLACES, ids=[p[0] for p in PLACES])
def test_a_config_path_that_leaves_the_folder_is_refused(
    key: str, config: str, line: int, how: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    path = escapes(tmp_path)[how]
    repo = tmp_path / "repo"
    (repo / "mlgate.yaml").write_text(config.replace("PATH", path))
    result = mlgate("config", "check", cwd=repo)
    assert result.code == 2, result.out + result.err
    assert f"mlgate.yaml:{line}:" in result.err
    assert key in result.err
    assert "outside the folder that holds the config" in result.err
    if how == "symlink":  # where the link leads is not shown: it is outside the repository
        assert str(tmp_path / "outside.csv") not in result.err
    assert "hunter2" not in result.out + result.err


def test_a_path_inside_the_folder_through_a_link_inside_it_is_fine(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "ref.csv").write_text("a\n1\n2\n")
    (tmp_path / "ref.csv").symlink_to(tmp_path / "real" / "ref.csv")
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\nmlflow: {model: m, model_path: real/ref.csv}\n"
        "drift:\n  reference: file:ref.csv\n  current: real/*.csv\n"
    )
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 0, result.err


def test_drift_refuses_a_glob_match_that_links_out(tmp_path: Path, mlgate: RunMlgate) -> None:
    """A glob's matches are confined when drift reads them: the pattern itself stays inside."""
    escapes(tmp_path)
    repo = tmp_path / "repo"
    (repo / "mlgate.yaml").write_text(
        "version: 1\ndrift:\n  reference: file:d.csv\n  current: links/*.csv\n"
    )
    result = mlgate("drift", cwd=repo)
    assert result.code == 2, result.out + result.err
    assert "links/out.csv" in result.err
    assert "outside the folder that holds the config" in result.err
    assert str(tmp_path / "outside.csv") not in result.err
    assert "hunter2" not in result.out + result.err
