from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlgate import __version__
from mlgate.core.errors import InputError
from mlgate.results import (
    Clock,
    Result,
    current_run,
    error_result,
    read_result,
    resolve_results_dir,
    stamped,
    write_atomic,
    write_result,
)
from tests.helpers.dvc_repos import commit, git


def make_result(status: str = "pass") -> Result:
    clock = Clock()
    return Result(
        command="compare",
        status=status,  # type: ignore[arg-type]
        summary="accuracy 0.97 >= 0.90",
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details={"checks": []},
        exit_code=3 if status == "error" else None,
    )


def test_envelope_fields(tmp_path: Path) -> None:
    path = write_result(tmp_path / "out", make_result())
    assert path == tmp_path / "out" / "compare.json"
    data = json.loads(path.read_text())
    assert set(data) == {
        "mlgate",
        "schema",
        "command",
        "status",
        "summary",
        "started_at",
        "duration_s",
        "details",
        "run_id",
        "commit",
        "dirty",
    }
    assert data["mlgate"] == __version__
    assert data["schema"] == 1
    assert data["status"] == "pass"
    assert read_result(path)["summary"] == "accuracy 0.97 >= 0.90"


@pytest.mark.parametrize(("status", "code"), [("pass", 0), ("fail", 1), ("error", 3)])
def test_status_maps_to_exit_code(status: str, code: int) -> None:
    assert make_result(status).code == code


def test_error_envelope_records_its_exit_code(tmp_path: Path) -> None:
    data = json.loads(write_result(tmp_path, make_result("error")).read_text())
    assert data["exit_code"] == 3


def test_atomic_write_keeps_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "compare.json"
    target.write_text("old")

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", disk_full)
        with pytest.raises(InputError, match="No space left"):
            write_atomic(target, "new")
    assert target.read_text() == "old"
    with pytest.raises(InputError):
        write_atomic(tmp_path / "compare.json" / "nested", "x")  # parent is a file
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compare.json"]


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    for i in range(3):
        write_atomic(tmp_path / "r.json", f"{i}")
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    assert (tmp_path / "r.json").read_text() == "2"


def test_results_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MLGATE_RESULTS_DIR", raising=False)
    assert resolve_results_dir(None) == Path(".mlgate")
    monkeypatch.setenv("MLGATE_RESULTS_DIR", str(tmp_path))
    assert resolve_results_dir(None) == tmp_path
    assert resolve_results_dir(Path("x")) == Path("x")


def test_read_result_rejects_other_files(tmp_path: Path) -> None:
    other = tmp_path / "x.json"
    other.write_text('{"a": 1}')
    with pytest.raises(InputError, match="not an mlgate result file"):
        read_result(other)


def git_repo(root: Path) -> Path:
    root.mkdir()
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.name", "test")
    git(root, "config", "user.email", "test@example.invalid")
    (root / "train.py").write_text("print('train')\n")
    commit(root, "first")
    return root


def test_a_result_records_its_run_commit_and_dirty_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    for name in ("MLGATE_RUN_ID", "GITHUB_RUN_ID"):  # this suite runs under Actions too
        monkeypatch.delenv(name, raising=False)
    results = Path(".mlgate")
    head = git(repo, "rev-parse", "HEAD").strip()
    clean = current_run(repo, results)
    assert (clean.commit, clean.dirty) == (head, False)
    # Writing results, even into an untracked folder, does not make the tree dirty.
    data = json.loads(write_result(results, stamped(make_result(), clean)).read_text())
    assert (data["run_id"], data["commit"], data["dirty"]) == (clean.run_id, head, False)
    assert current_run(repo, results).dirty is False
    assert current_run(repo, results).run_id != clean.run_id  # each command its own run
    (repo / "train.py").write_text("print('edited')\n")
    assert current_run(repo, results).dirty is True
    git(repo, "checkout", "--", "train.py")
    (repo / "notes.txt").write_text("untracked\n")
    assert current_run(repo, results).dirty is True


def test_a_run_id_from_the_environment_is_shared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLGATE_RUN_ID", "12345-1-gate")
    run = current_run(tmp_path, tmp_path / ".mlgate")
    assert run.run_id == "12345-1-gate"
    assert (run.commit, run.dirty) == (None, None)  # not a git checkout: unknown, not clean


def test_an_exception_becomes_a_result_of_its_run() -> None:
    clock = Clock()
    run = current_run(Path("/"), Path("/.mlgate"))
    bug = error_result("compare", RuntimeError("boom"), clock, run).to_dict()
    assert (bug["status"], bug["exit_code"], bug["run_id"]) == ("error", 3, run.run_id)
    assert bug["summary"] == "internal error: RuntimeError: boom"
    exited = error_result("validate", SystemExit(0), clock, run).to_dict()
    assert (exited["status"], exited["exit_code"]) == ("error", 3)
    assert "sys.exit(0)" in exited["summary"]
    bad_input = error_result("validate", InputError("schema.yaml: bad"), clock, run).to_dict()
    assert (bad_input["status"], bad_input["exit_code"]) == ("error", 2)


def test_under_github_actions_one_job_is_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLGATE_RUN_ID", raising=False)
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_JOB": "gate",
    }.items():
        monkeypatch.setenv(name, value)
    assert current_run(Path("/"), Path("/.mlgate")).run_id == "github-4242-2-gate"
    monkeypatch.setenv("MLGATE_RUN_ID", "mine")
    assert current_run(Path("/"), Path("/.mlgate")).run_id == "mine"
