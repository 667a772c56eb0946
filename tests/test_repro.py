"""`mlgate repro`, `--check`, `--verify` and `--pull` on real git + DVC repos with Python stages.

One small pipeline is built once per worker (git init, dvc init, dvc add, dvc repro) and copied
for each test, .git and DVC cache included, so every test owns a real repo.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from mlgate.report import render_repro, render_repro_markdown
from mlgate.repro import touches_pipeline
from tests.fixtures.hook_snapshot import hook_config, pre_commit, shared_hooks
from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import hung_http_remote

PY = sys.executable
ENV = {**os.environ, "DVC_NO_ANALYTICS": "1"}

PREPARE = """\
import pathlib, yaml
scale = yaml.safe_load(open("params.yaml"))["prepare"]["scale"]
rows = [float(x) for x in pathlib.Path("data/raw.csv").read_text().split()]
out = pathlib.Path("features")
out.mkdir(exist_ok=True)
(out / "a.txt").write_text("\\n".join(str(x * scale) for x in rows) + "\\n")
(out / "b.txt").write_text(str(len(rows)) + "\\n")
print(f"prepare: {len(rows)} rows")
"""

TRAIN = """\
import json, pathlib, random, yaml
seed = yaml.safe_load(open("params.yaml"))["train"]["seed"]
values = [float(x) for x in pathlib.Path("features/a.txt").read_text().split()]
rng = random.Random(seed)
weight = sum(values) / len(values) + rng.random()
pathlib.Path("model.txt").write_text(f"{weight:.12f}\\n")
json.dump({"score": weight, "eval": {"n": len(values)}}, open("metrics.json", "w"))
print(f"train: weight={weight:.4f}")
"""

UNSEEDED = TRAIN.replace("random.Random(seed)", "random.Random()")

DVC_YAML = f"""\
stages:
  prepare:
    cmd: {PY} prepare.py
    deps: [prepare.py, data/raw.csv]
    params: [prepare.scale]
    outs: [features]
  train:
    cmd: {PY} train.py
    deps: [train.py, features]
    params: [train]
    outs: [model.txt]
    metrics:
      - metrics.json:
          cache: false
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, f"{args}: {completed.stdout}\n{completed.stderr}"
    return completed


def dvc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(PY, "-m", "dvc", *args, cwd=cwd)


def git(*args: str, cwd: Path) -> str:
    return run("git", *args, cwd=cwd).stdout


def commit(repo: Path, message: str) -> None:
    git("add", "--all", cwd=repo)
    git("commit", "--quiet", "-m", message, cwd=repo)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("template") / "repo"
    repo.mkdir()
    git("init", "--quiet", "--initial-branch=main", cwd=repo)
    git("config", "user.name", "test", cwd=repo)
    git("config", "user.email", "test@example.invalid", cwd=repo)
    dvc("init", "--quiet", cwd=repo)
    (repo / "data").mkdir()
    (repo / "data" / "raw.csv").write_text("1\n2\n3\n4\n")
    dvc("add", "--quiet", "data/raw.csv", cwd=repo)
    (repo / "prepare.py").write_text(PREPARE)
    (repo / "train.py").write_text(TRAIN)
    (repo / "params.yaml").write_text("prepare:\n  scale: 2\ntrain:\n  seed: 7\n  lr: 0.1\n")
    (repo / "dvc.yaml").write_text(DVC_YAML)
    dvc("repro", "--quiet", cwd=repo)
    commit(repo, "pipeline")
    return repo


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(template, copy, symlinks=True)
    return copy


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return tmp_path / "results"


def read_result(results: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((results / "repro.json").read_text())
    return data


def details(results: Path) -> dict[str, object]:
    value = read_result(results)["details"]
    assert isinstance(value, dict)
    return value


def cache_files(repo: Path) -> dict[str, bytes]:
    cache = repo / ".dvc" / "cache"
    return {str(p.relative_to(cache)): p.read_bytes() for p in cache.rglob("*") if p.is_file()}


def remove_data(repo: Path) -> None:
    """The repo as a fresh clone has it: no DVC cache, no DVC-tracked data."""
    shutil.rmtree(repo / ".dvc" / "cache")
    shutil.rmtree(repo / "features")
    (repo / "model.txt").unlink()
    (repo / "data" / "raw.csv").unlink()


def stale_reasons(result_details: dict[str, object], stage: str) -> list[dict[str, str]]:
    stages = result_details["stages"]
    assert isinstance(stages, list)
    (entry,) = [s for s in stages if s["name"] == stage]
    reasons: list[dict[str, str]] = entry["reasons"]
    return reasons


# --- mlgate repro ------------------------------------------------------------------------------


def test_repro_runs_changed_stages_and_writes_the_result(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("seed: 7", "seed: 8"))
    result = mlgate("repro", "--results-dir", str(results), cwd=repo)
    assert result.code == 0, result.err
    assert "train: weight=" in result.out  # the stage's own output, streamed
    found = details(results)
    stages = {s["name"]: s for s in found["stages"]}  # type: ignore[attr-defined]
    assert stages["prepare"]["status"] == "skipped"
    assert stages["train"]["status"] == "ran"
    assert stages["train"]["duration_s"] > 0
    assert any("train: weight=" in line for line in stages["train"]["output_tail"])
    assert found["lock_changed"] is True
    written = json.loads((repo / "metrics.json").read_text())
    assert found["metrics"] == {"score": written["score"], "eval.n": 4.0}
    assert found["params"] == {
        "params.yaml": {"prepare.scale": 2, "train.seed": 8, "train.lr": 0.1}
    }
    assert read_result(results)["status"] == "pass"

    again = mlgate("repro", "--results-dir", str(results), "--format", "json", cwd=repo)
    assert again.code == 0, again.err
    envelope = json.loads(again.out)
    assert {s["status"] for s in envelope["details"]["stages"]} == {"skipped"}
    assert envelope["details"]["lock_changed"] is False
    assert "nothing to run" in envelope["summary"]


def test_a_run_cache_restore_is_reported_as_restored(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("seed: 7", "seed: 8"))
    assert mlgate("repro", "--results-dir", str(results), cwd=repo).code == 0
    params.write_text(params.read_text().replace("seed: 8", "seed: 7"))  # a run DVC has cached
    result = mlgate("repro", "--results-dir", str(results), cwd=repo)
    assert result.code == 0, result.err
    stages = {s["name"]: s["status"] for s in details(results)["stages"]}  # type: ignore[attr-defined]
    assert stages == {"prepare": "skipped", "train": "restored"}
    summary = read_result(results)["summary"]
    assert summary.startswith("restored 1 stage(s) from DVC's run cache (train)"), summary
    assert "ran 0" not in summary
    assert re.search(r"^train\s+restored", result.out, re.MULTILINE)


def test_an_edited_output_is_never_overwritten_without_asking(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    (repo / "model.txt").write_text("my hand-tuned weight\n")
    (repo / "features" / "a.txt").write_text("42\n")
    result = mlgate("repro", "--results-dir", str(results), cwd=repo)
    assert result.code == 2, result.out + result.err
    assert "model.txt (train)" in result.err
    assert "features (prepare: a.txt)" in result.err
    assert "dvc commit" in result.err and "--force" in result.err
    assert (repo / "model.txt").read_text() == "my hand-tuned weight\n"
    assert (repo / "features" / "a.txt").read_text() == "42\n"
    assert read_result(results)["exit_code"] == 2

    forced = mlgate("repro", "--force", "--results-dir", str(results), cwd=repo)
    assert forced.code == 0, forced.out + forced.err
    found = details(results)
    assert found["overwritten_outputs"] == [
        {"stage": "prepare", "path": "features", "detail": "a.txt"},
        {"stage": "train", "path": "model.txt"},
    ]
    assert "overwrote edited output(s) (--force): features" in read_result(results)["summary"]  # type: ignore[operator]
    assert (repo / "model.txt").read_text() != "my hand-tuned weight\n"


def test_pull_does_not_overwrite_an_edited_output_either(
    repo: Path, tmp_path: Path, results: Path, mlgate: RunMlgate
) -> None:
    dvc("remote", "add", "-d", "storage", str(tmp_path / "remote"), cwd=repo)
    dvc("push", "--quiet", cwd=repo)
    (repo / "model.txt").write_text("mine\n")
    result = mlgate("repro", "--pull", "--results-dir", str(results), cwd=repo)
    assert result.code == 2, result.out + result.err
    assert "model.txt (train)" in result.err
    assert (repo / "model.txt").read_text() == "mine\n"


def test_a_crashing_stage_is_no_verdict_naming_it(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    (repo / "train.py").write_text(TRAIN + "raise SystemExit('diverged at epoch 3')\n")
    result = mlgate("repro", "--results-dir", str(results), cwd=repo)
    assert result.code == 3
    assert "stage 'train' failed" in result.out
    assert "diverged at epoch 3" in result.out.split("last lines of train:")[1]
    envelope = read_result(results)
    assert envelope["status"] == "error"
    assert envelope["exit_code"] == 3
    found = details(results)
    assert found["failed_stage"] == "train"
    (train,) = [s for s in found["stages"] if s["name"] == "train"]  # type: ignore[attr-defined]
    assert train["status"] == "failed"
    assert any("diverged at epoch 3" in line for line in train["output_tail"])


def test_repro_outside_a_dvc_repo_is_an_input_error(
    tmp_path: Path, results: Path, mlgate: RunMlgate
) -> None:
    for args in (("repro",), ("repro", "--check"), ("repro", "--verify")):
        result = mlgate(*args, "--results-dir", str(results), cwd=tmp_path)
        assert result.code == 2, args
        assert "not a DVC repository" in result.err
    assert read_result(results)["exit_code"] == 2


def test_a_dvc_repo_without_dvc_yaml_is_an_input_error(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    (repo / "dvc.yaml").unlink()
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 2
    assert "no dvc.yaml" in result.err


# Runs mlgate in a Python where `import dvc` fails, as it does without the `dvc` extra.
WITHOUT_DVC = (
    "import sys; sys.modules['dvc'] = None; from mlgate.cli import main; main(sys.argv[1:])"
)


@pytest.mark.parametrize(
    "args",
    [
        ("repro",),
        ("repro", "--check"),
        ("repro", "--check", "params.yaml"),
        ("repro", "--verify"),
        ("repro", "--pull"),
        ("compare", "--baseline", "none"),
        ("compare", "--candidate", "file:metrics.json"),
    ],
)
def test_every_dvc_path_without_dvc_installed_names_the_extra(
    repo: Path, results: Path, args: tuple[str, ...]
) -> None:
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {candidate: dvc, baseline: 'git:HEAD'}\n"
        "gates:\n  score: {direction: higher}\n"
    )
    completed = subprocess.run(
        [PY, "-c", WITHOUT_DVC, *args, "--results-dir", str(results)],
        cwd=repo,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert "pip install 'mlgate[dvc]'" in completed.stderr
    assert "internal error" not in completed.stderr


# --- mlgate repro --check -----------------------------------------------------------------------


def test_check_passes_when_the_lock_matches(repo: Path, results: Path, mlgate: RunMlgate) -> None:
    before = git("status", "--porcelain", cwd=repo)
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 0, result.out + result.err
    assert "dvc.lock matches the workspace (2 stage(s))" in result.out
    assert git("status", "--porcelain", cwd=repo) == before


def test_check_catches_a_params_change_without_repro(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("lr: 0.1", "lr: 0.5"))
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 1
    assert "train: params params.yaml:train modified (lr: 0.1 -> 0.5)" in result.out
    found = details(results)
    assert found["stale_stages"] == ["train"]
    assert stale_reasons(found, "train") == [
        {
            "kind": "params",
            "change": "modified",
            "path": "params.yaml",
            "key": "train",
            "detail": "lr: 0.1 -> 0.5",
        }
    ]
    # DVC's own dry run says nothing is wrong with its exit code.
    dry = subprocess.run(
        [PY, "-m", "dvc", "repro", "--dry"], cwd=repo, env=ENV, capture_output=True, check=False
    )
    assert dry.returncode == 0


def test_check_catches_an_edit_inside_a_directory_output(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    (repo / "features" / "b.txt").write_text("99\n")
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 1
    found = details(results)
    assert set(found["stale_stages"]) == {"prepare", "train"}  # type: ignore[arg-type]
    assert {"kind": "outs", "change": "modified", "path": "features", "detail": "b.txt"} in (
        stale_reasons(found, "prepare")
    )


def test_check_catches_an_edit_inside_a_directory_output_that_was_never_pulled(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    """A fresh clone without the data, where someone writes into the output directory.

    `dvc status` calls the output "not in cache" without looking at it, so
    `dvc repro --allow-missing --dry` has nothing to do; the lock no longer matches.
    """
    shutil.rmtree(repo / ".dvc" / "cache")
    shutil.rmtree(repo / "features")
    (repo / "model.txt").unlink()
    (repo / "features").mkdir()
    (repo / "features" / "a.txt").write_text("1\n")
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 1, result.out
    (reason,) = [r for r in stale_reasons(details(results), "prepare") if r["kind"] == "outs"]
    assert reason["change"] == "modified"
    assert "not in the local cache" in reason["detail"]
    dry = subprocess.run(
        [PY, "-m", "dvc", "repro", "--allow-missing", "--dry"],
        cwd=repo,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    assert dry.returncode == 0
    assert "Running stage 'prepare'" not in dry.stdout  # DVC misses it


def test_data_that_is_only_not_pulled_is_not_stale(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    remove_data(repo)
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 0, result.out
    assert "not pulled" in result.out
    stages = {s["name"]: s for s in details(results)["stages"]}  # type: ignore[attr-defined]
    assert stages["prepare"]["state"] == "not_pulled"
    assert {"path": "features", "kind": "out", "in_cache": False} in stages["prepare"]["absent"]
    assert {"path": "features", "kind": "dep", "in_cache": False} in stages["train"]["absent"]


def test_check_tells_checked_out_from_not_pulled(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    (repo / "model.txt").unlink()  # still in the local cache
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 0
    assert "model.txt (out): in the local cache (`dvc checkout`)" in result.out


def test_check_catches_a_changed_command_and_a_deleted_dependency(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    dvc_yaml = repo / "dvc.yaml"
    dvc_yaml.write_text(dvc_yaml.read_text().replace("train.py\n", "train.py --fast\n", 1))
    (repo / "prepare.py").unlink()
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 1
    found = details(results)
    assert stale_reasons(found, "train")[0]["kind"] == "cmd"
    assert {
        "kind": "deps",
        "change": "deleted",
        "path": "prepare.py",
        "detail": "no stage or .dvc file produces it",
    } in stale_reasons(found, "prepare")


def test_check_catches_a_stage_that_never_ran(repo: Path, results: Path, mlgate: RunMlgate) -> None:
    dvc_yaml = repo / "dvc.yaml"
    dvc_yaml.write_text(
        dvc_yaml.read_text() + f"  report:\n    cmd: {PY} -c pass\n    deps: [model.txt]\n"
    )
    result = mlgate(
        "repro", "--check", "--target", "report", "--results-dir", str(results), cwd=repo
    )
    assert result.code == 1
    found = details(results)
    assert found["stale_stages"] == ["report"]
    assert stale_reasons(found, "report")[0]["change"] == "missing"


def test_a_lock_entry_for_a_removed_stage_is_a_note_not_stale(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    """A branch deletes a stage from dvc.yaml: DVC keeps its dvc.lock entry for good (`dvc
    repro` and `dvc commit -f` leave it, `dvc remove` refuses a stage dvc.yaml lacks), and
    `dvc status` calls the pipeline up to date. Advising `dvc repro` would never clear it."""
    dvc_yaml = repo / "dvc.yaml"
    dvc_yaml.write_text(dvc_yaml.read_text().split("  train:\n")[0])
    dvc("repro", "--quiet", cwd=repo)
    assert "train:" in (repo / "dvc.lock").read_text()  # what DVC leaves behind
    assert "up to date" in dvc("status", cwd=repo).stdout
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 0, result.out + result.err
    assert "STALE" not in result.out and "is stale" not in result.out
    assert "dvc.lock keeps 1 entry for a stage dvc.yaml no longer has (train)" in result.out
    assert "delete it from dvc.lock" in result.out
    found = details(results)
    assert found["stale_stages"] == []
    assert found["orphan_lock_entries"] == ["train"]
    assert [stage["name"] for stage in found["stages"]] == ["prepare"]  # type: ignore[attr-defined]
    markdown = render_repro_markdown(found, summary=str(read_result(results)["summary"]))
    assert "| `train` | in dvc.lock only |" in markdown
    assert "**stale**" not in markdown


def test_check_of_a_lock_dvc_cannot_read_says_why(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    lock = repo / "dvc.lock"
    # DVC 1.x's layout: the stages at the top level, no `schema: '2.0'`.
    lock.write_text(yaml.safe_dump(yaml.safe_load(lock.read_text())["stages"]))
    result = mlgate("repro", "--check", "--results-dir", str(results), cwd=repo)
    assert result.code == 2, result.out + result.err
    assert "dvc.lock' validation failed" in result.err
    assert "DVC 1.x" in result.err


def test_check_rejects_options_that_would_change_things(repo: Path, mlgate: RunMlgate) -> None:
    assert mlgate("repro", "--check", "--pull", cwd=repo).code == 2
    assert mlgate("repro", "--check", "--verify", cwd=repo).code == 2
    assert mlgate("repro", "README.md", cwd=repo).code == 2


def test_check_with_paths_skips_files_the_pipeline_does_not_use(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("lr: 0.1", "lr: 0.5"))  # stale, but...
    result = mlgate("repro", "--check", "--results-dir", str(results), "README.md", cwd=repo)
    assert result.code == 0
    assert "nothing to check" in result.out
    assert not (results / "repro.json").exists()
    assert mlgate("repro", "--check", "params.yaml", cwd=repo).code == 1


@pytest.mark.parametrize(
    ("paths", "touched"),
    [
        (["README.md"], False),
        (["notes/train.py"], False),
        (["train.py"], True),
        (["params.yaml"], True),
        (["dvc.lock"], True),
        (["sub/dvc.yaml"], True),
        (["data/raw.csv.dvc"], True),
        (["features/a.txt"], True),
        (["./prepare.py"], True),
    ],
)
def test_touches_pipeline(template: Path, paths: list[str], touched: bool) -> None:
    assert touches_pipeline(template, paths) is touched


def test_touches_pipeline_checks_when_templating_hides_the_deps(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  s:\n    foreach: [a, b]\n    do:\n      cmd: echo ${item}\n"
    )
    assert touches_pipeline(tmp_path, ["anything.txt"]) is True


# --- mlgate repro --pull ------------------------------------------------------------------------


def test_pull_fetches_from_a_local_remote_in_a_fresh_clone(
    repo: Path, tmp_path: Path, results: Path, mlgate: RunMlgate
) -> None:
    remote = tmp_path / "remote"
    dvc("remote", "add", "-d", "storage", str(remote), cwd=repo)
    dvc("push", "--quiet", cwd=repo)
    commit(repo, "remote")
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(repo), str(clone), cwd=tmp_path)
    assert not (clone / "features").exists()

    check = mlgate("repro", "--check", "--results-dir", str(results), cwd=clone)
    assert check.code == 0, check.out
    assert "not pulled" in check.out

    result = mlgate("repro", "--pull", "--results-dir", str(results), cwd=clone)
    assert result.code == 0, result.out + result.err
    found = details(results)
    assert {s["status"] for s in found["stages"]} == {"skipped"}  # type: ignore[attr-defined]
    assert found["pulled"] is True
    assert found["lock_changed"] is False
    assert (clone / "features" / "a.txt").read_text() == "2.0\n4.0\n6.0\n8.0\n"


def test_pull_without_a_remote_says_how_to_add_one(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    remove_data(repo)
    result = mlgate("repro", "--pull", "--results-dir", str(results), cwd=repo)
    assert result.code == 2, result.err
    assert "dvc remote add -d" in result.err


def test_pull_from_an_unreachable_remote_is_no_verdict(
    repo: Path, tmp_path: Path, results: Path, mlgate: RunMlgate
) -> None:
    dvc("remote", "add", "-d", "storage", str(tmp_path / "nowhere"), cwd=repo)
    remove_data(repo)
    result = mlgate("repro", "--pull", "--results-dir", str(results), cwd=repo)
    assert result.code == 3, result.err
    # not DVC's "missing: push it from where it was produced": the data may well be there
    assert "the DVC remote 'storage' is unreachable: its folder does not exist" in result.err
    assert "dvc push" not in result.err


@pytest.fixture
def hung_server() -> Iterator[str]:
    with hung_http_remote() as url:
        yield url


def test_pull_from_a_hung_remote_ends_in_no_verdict_naming_it(
    repo: Path, results: Path, mlgate: RunMlgate, hung_server: str
) -> None:
    dvc("remote", "add", "-d", "hung", hung_server, cwd=repo)
    remove_data(repo)
    result = mlgate(
        "repro", "--pull", "--results-dir", str(results), cwd=repo, env={"MLGATE_DVC_TIMEOUT": "3"}
    )
    assert result.code == 3, result.out + result.err
    assert "`dvc pull` in" in result.err
    assert "did not finish within 3 s" in result.err
    assert "waiting on the DVC remote 'hung'" in result.err
    assert read_result(results)["exit_code"] == 3


@pytest.mark.parametrize("value", ["soon", "nan", "inf", "0", "-5"])
def test_a_dvc_timeout_that_is_no_number_of_seconds_is_an_input_error(
    repo: Path, mlgate: RunMlgate, value: str
) -> None:
    result = mlgate("repro", "--pull", cwd=repo, env={"MLGATE_DVC_TIMEOUT": value})
    assert result.code == 2, result.out + result.err
    assert "MLGATE_DVC_TIMEOUT" in result.err


# --- mlgate repro --verify ----------------------------------------------------------------------


def snapshot(repo: Path) -> Callable[[], tuple[str, str, dict[str, bytes], bytes]]:
    def take() -> tuple[str, str, dict[str, bytes], bytes]:
        return (
            git("status", "--porcelain", "--ignored", cwd=repo),
            git("rev-parse", "HEAD", cwd=repo),
            cache_files(repo),
            (repo / "features" / "a.txt").read_bytes(),
        )

    return take


def test_verify_passes_when_every_output_reproduces(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    take = snapshot(repo)
    before = take()
    result = mlgate("repro", "--verify", "--results-dir", str(results), cwd=repo)
    assert result.code == 0, result.out + result.err
    found = details(results)
    assert {o["path"]: o["reproduced"] for o in found["outputs"]} == {  # type: ignore[attr-defined]
        "features": True,
        "model.txt": True,
        "metrics.json": True,
    }
    assert {s["status"] for s in found["stages"]} == {"ran"}  # type: ignore[attr-defined]
    assert take() == before  # workspace, git state and cache untouched


def test_verify_catches_unseeded_randomness(repo: Path, results: Path, mlgate: RunMlgate) -> None:
    (repo / "train.py").write_text(UNSEEDED)
    dvc("repro", "--quiet", cwd=repo)
    commit(repo, "unseeded")
    take = snapshot(repo)
    before = take()
    result = mlgate("repro", "--verify", "--results-dir", str(results), cwd=repo)
    assert result.code == 1, result.out + result.err
    assert "DIFFERS  model.txt (train)" in result.out
    found = details(results)
    outputs = {o["path"]: o["reproduced"] for o in found["outputs"]}  # type: ignore[attr-defined]
    assert outputs == {"features": True, "model.txt": False, "metrics.json": False}
    (moved,) = found["metrics_moved"]  # type: ignore[misc]
    assert moved["name"] == "score"
    assert moved["delta"] == pytest.approx(moved["reproduced"] - moved["committed"])
    assert "metrics moved: score" in str(read_result(results)["summary"])
    assert take() == before


def test_verify_refuses_uncommitted_pipeline_changes(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("lr: 0.1", "lr: 0.5"))
    result = mlgate("repro", "--verify", "--results-dir", str(results), cwd=repo)
    assert result.code == 2
    assert "commit or stash" in result.err


def test_verify_reports_a_stale_committed_lock_instead_of_blaming_randomness(
    repo: Path, results: Path, mlgate: RunMlgate
) -> None:
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("lr: 0.1", "lr: 0.5"))
    commit(repo, "params without repro")
    result = mlgate("repro", "--verify", "--results-dir", str(results), cwd=repo)
    assert result.code == 1
    assert "does not match its own pipeline" in result.out
    assert details(results)["stale_stages"] == ["train"]


# --- renderers ----------------------------------------------------------------------------------


def test_markdown_renderers_cover_each_mode() -> None:
    run_details = {
        "mode": "run",
        "stages": [
            {"name": "train", "status": "failed", "duration_s": 1.5, "output_tail": ["boom"]}
        ],
        "metrics": {"acc": 0.9},
    }
    markdown = render_repro_markdown(run_details, summary="stage 'train' failed: boom")
    assert "| `train` | failed | 1.50 s |" in markdown
    assert "boom" in markdown
    check_details = {
        "mode": "check",
        "stages": [
            {
                "name": "a|b",
                "state": "stale",
                "reasons": [{"kind": "cmd", "change": "changed", "detail": "x|y"}],
                "absent": [],
            },
        ],
    }
    assert "x\\|y" in render_repro_markdown(check_details)
    verify = {
        "mode": "verify",
        "outputs": [{"stage": "t", "path": "m", "reproduced": False}],
        "metrics_moved": [{"name": "s", "committed": 1.0, "reproduced": 1.5, "delta": 0.5}],
    }
    text = render_repro({"summary": "not reproducible", "details": verify}, "text")
    assert "DIFFERS  m (t)" in text
    assert "metric s: 1 -> 1.5 (delta +0.5)" in text
    assert "| `s` | 1 | 1.5 | 0.5 |" in render_repro_markdown(verify)


# --- the example repo ---------------------------------------------------------------------------


@pytest.mark.slow
def test_check_and_noop_repro_on_the_wine_example(
    tmp_path: Path, results: Path, mlgate: RunMlgate
) -> None:
    wine = tmp_path / "wine"
    assert mlgate("demo", "--dir", str(wine)).code == 0
    bin_dir = {"PATH": os.pathsep.join([str(Path(PY).parent), os.environ["PATH"]])}
    check = mlgate("repro", "--check", "--results-dir", str(results), cwd=wine, env=bin_dir)
    assert check.code == 0, check.out
    noop = mlgate("repro", "--results-dir", str(results), cwd=wine, env=bin_dir)
    assert noop.code == 0, noop.err
    assert details(results)["lock_changed"] is False
    assert set(details(results)["metrics"]) == {  # type: ignore[arg-type]
        "accuracy",
        "f1_macro",
        "log_loss",
    }
    params = wine / "params.yaml"
    text = params.read_text()
    trees = re.search(r"n_estimators: (\d+)", text)
    assert trees is not None
    more = int(trees[1]) + 1
    params.write_text(text.replace(trees[0], f"n_estimators: {more}"))
    stale = mlgate("repro", "--check", "--results-dir", str(results), cwd=wine, env=bin_dir)
    assert stale.code == 1
    expected = f"train: params params.yaml:train modified (n_estimators: {trees[1]} -> {more})"
    assert expected in stale.out


def test_the_verbatim_stage_scripts_are_valid_python() -> None:
    for source in (PREPARE, TRAIN, UNSEEDED):
        compile(textwrap.dedent(source), "<stage>", "exec")


# --- the pre-commit hook ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(this working tree committed in a repo of its own, the run's shared PRE_COMMIT_HOME)."""
    return shared_hooks(tmp_path_factory)


@pytest.mark.slow
def test_the_hook_through_pre_commit_try_repo(repo: Path, hooks: tuple[Path, Path]) -> None:
    """try-repo builds the hook's environment in a store of its own each time: once here; the
    staged cases run it through `pre-commit run` in the run's shared store (built once)."""
    hook_repo, home = hooks
    path = os.pathsep.join([str(Path(PY).parent), os.environ["PATH"]])
    clean = pre_commit(repo, home, "try-repo", str(hook_repo), "mlgate-dvc-lock", "--all-files",
                       PATH=path)  # fmt: skip
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout

    (repo / ".pre-commit-config.yaml").write_text(hook_config(hook_repo, "mlgate-dvc-lock"))
    git("add", ".pre-commit-config.yaml", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "hooks", cwd=repo)
    (repo / "README.md").write_text("notes\n")
    params = repo / "params.yaml"
    params.write_text(params.read_text().replace("lr: 0.1", "lr: 0.5"))
    git("add", "README.md", cwd=repo)
    # only README.md is staged: nothing for the pipeline
    unrelated = pre_commit(repo, home, "run", "mlgate-dvc-lock", PATH=path)
    assert unrelated.returncode == 0, unrelated.stdout
    assert "Passed" in unrelated.stdout

    git("add", "params.yaml", cwd=repo)
    stale = pre_commit(repo, home, "run", "mlgate-dvc-lock", PATH=path)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "train: params params.yaml:train modified (lr: 0.1 -> 0.5)" in stale.stdout
