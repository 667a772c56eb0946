"""An output never replaces an input: every option naming where mlgate writes is refused
(exit 2, before anything is written) when it resolves to what the command reads or to a file
git or DVC tracks that mlgate did not write."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, init_repo

DATA = "a,b\n1,x\n2,y\n3,z\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    (root / "d.csv").write_text(DATA)
    return root


def _unchanged(path: Path, text: str) -> None:
    assert path.read_text() == text, f"{path} was written over"


@pytest.mark.parametrize(
    "output",
    ["d.csv", "./sub/../d.csv", "link.csv"],
    ids=["same", "dotdot", "symlink"],
)
def test_profile_refuses_to_write_over_its_input(
    mlgate: RunMlgate, repo: Path, output: str
) -> None:
    (repo / "sub").mkdir()
    (repo / "link.csv").symlink_to(repo / "d.csv")
    result = mlgate("profile", "d.csv", "-o", output, cwd=repo)
    assert result.code == 2, result
    assert "never writes over its input" in result.err
    assert "d.csv" in result.err
    _unchanged(repo / "d.csv", DATA)


def test_profile_refuses_a_hard_link_to_its_input(mlgate: RunMlgate, repo: Path) -> None:
    os.link(repo / "d.csv", repo / "hard.json")
    result = mlgate("profile", "d.csv", "-o", "hard.json", cwd=repo)
    assert result.code == 2, result
    _unchanged(repo / "d.csv", DATA)


def test_profile_refuses_a_git_tracked_file(mlgate: RunMlgate, repo: Path) -> None:
    (repo / "notes.json").write_text('{"keep": true}\n')
    commit(repo, "notes")
    result = mlgate("profile", "d.csv", "-o", "notes.json", cwd=repo)
    assert result.code == 2, result
    assert "git tracks that file" in result.err
    _unchanged(repo / "notes.json", '{"keep": true}\n')


def test_profile_rewrites_its_own_committed_profile(mlgate: RunMlgate, repo: Path) -> None:
    assert mlgate("profile", "d.csv", "-o", "ref.json", cwd=repo).code == 0
    commit(repo, "reference profile")
    (repo / "d.csv").write_text(DATA + "4,w\n")
    result = mlgate("profile", "d.csv", "-o", "ref.json", cwd=repo)
    assert result.code == 0, result
    assert json.loads((repo / "ref.json").read_text())["rows"] == 4


def test_profile_refuses_a_dvc_tracked_file_and_its_pointer(mlgate: RunMlgate, repo: Path) -> None:
    (repo / "data").mkdir()
    (repo / "data" / "train.csv").write_text(DATA)
    dvc(repo, "add", "--quiet", "data")
    commit(repo, "data")
    train = (repo / "data" / "train.csv").read_text()
    for output in ("data/train.csv", "data.dvc"):
        pointer = (repo / "data.dvc").read_text()
        result = mlgate("profile", "d.csv", "-o", output, cwd=repo)
        assert result.code == 2, result
        assert "tracks that file" in result.err
        _unchanged(repo / "data" / "train.csv", train)
        _unchanged(repo / "data.dvc", pointer)


def test_profile_refuses_a_stage_output(mlgate: RunMlgate, repo: Path) -> None:
    (repo / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python -c pass\n    outs:\n      - model/\n"
    )
    (repo / "model").mkdir()
    (repo / "model" / "weights.json").write_text("{}\n")
    result = mlgate("profile", "d.csv", "-o", "model/weights.json", cwd=repo)
    assert result.code == 2, result
    assert "DVC tracks that file" in result.err
    _unchanged(repo / "model" / "weights.json", "{}\n")


def test_profile_counts_a_file_named_twice_once(mlgate: RunMlgate, repo: Path) -> None:
    (repo / "link.csv").symlink_to(repo / "d.csv")
    result = mlgate("profile", "d.csv", "./d.csv", "link.csv", "-o", "p.json", cwd=repo)
    assert result.code == 0, result
    made = json.loads((repo / "p.json").read_text())
    assert made["rows"] == 3
    assert len(made["files"]) == 1


def test_schema_infer_refuses_its_data_even_with_force(mlgate: RunMlgate, repo: Path) -> None:
    result = mlgate("schema", "infer", "d.csv", "-o", "d.csv", "--force", cwd=repo)
    assert result.code == 2, result
    _unchanged(repo / "d.csv", DATA)


def test_schema_infer_refuses_a_tracked_file_even_with_force(mlgate: RunMlgate, repo: Path) -> None:
    (repo / "README.md").write_text("# project\n")
    commit(repo, "readme")
    result = mlgate("schema", "infer", "d.csv", "-o", "README.md", "--force", cwd=repo)
    assert result.code == 2, result
    _unchanged(repo / "README.md", "# project\n")


def test_report_output_refuses_a_tracked_file(mlgate: RunMlgate, repo: Path) -> None:
    (repo / "README.md").write_text("# project\n")
    commit(repo, "readme")
    result = mlgate("report", "--no-post", "-o", "README.md", cwd=repo)
    assert result.code == 2, result
    _unchanged(repo / "README.md", "# project\n")


def test_report_output_refuses_a_result_file_it_reads(mlgate: RunMlgate, repo: Path) -> None:
    mlgate("validate", "--schema", "none.yaml", "d.csv", cwd=repo)
    written = (repo / ".mlgate" / "validate.json").read_text()
    result = mlgate("report", "--no-post", "-o", ".mlgate/validate.json", cwd=repo)
    assert result.code == 2, result
    _unchanged(repo / ".mlgate" / "validate.json", written)


@pytest.mark.parametrize("how", ["option", "env"])
def test_results_dir_refuses_tracked_files(mlgate: RunMlgate, repo: Path, how: str) -> None:
    """A results dir over versioned files: `validate.json` there is the team's, not mlgate's."""
    (repo / "conf").mkdir()
    (repo / "conf" / "validate.json").write_text('{"threshold": 1}\n')
    commit(repo, "conf")
    args = ["validate", "--schema", "none.yaml", "d.csv"]
    env = {}
    if how == "option":
        args += ["--results-dir", "conf"]
    else:
        env["MLGATE_RESULTS_DIR"] = "conf"
    result = mlgate(*args, cwd=repo, env=env)
    assert result.code == 2, result
    assert "conf/validate.json" in result.err
    _unchanged(repo / "conf" / "validate.json", '{"threshold": 1}\n')


def test_results_dir_rewrites_committed_results(mlgate: RunMlgate, repo: Path) -> None:
    """A team that commits mlgate's own result files may keep doing so."""
    mlgate("validate", "--schema", "none.yaml", "d.csv", "--results-dir", "res", cwd=repo)
    commit(repo, "results")
    before = (repo / "res" / "validate.json").read_text()
    mlgate("validate", "--schema", "none.yaml", "d.csv", "--results-dir", "res", cwd=repo)
    assert (repo / "res" / "validate.json").read_text() != before


def test_gate_refuses_before_writing_any_result(mlgate: RunMlgate, repo: Path) -> None:
    """gate writes several results: a tracked one among them stops it before the first."""
    (repo / "mlgate.yaml").write_text("version: 1\n")
    (repo / "conf").mkdir()
    (repo / "conf" / "report.md").write_text("# notes\n")
    commit(repo, "conf")
    result = mlgate("gate", "--results-dir", "conf", "--skip", "repro", cwd=repo)
    assert result.code == 2, result
    assert sorted(p.name for p in (repo / "conf").iterdir()) == ["report.md"]
    assert git(repo, "status", "--porcelain") == ""
