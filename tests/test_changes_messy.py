"""compare.json `details.changes` on the repos users have, not the one mlgate would write: params
files Python cannot read, params files outside the project, champions promoted by hand or by an
older mlgate, params MLflow keeps cut or masked. None of it may crash the comparison or change its
verdict; what cannot be known is said (`missing_reason`), never shown as a change."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from mlgate.compare.changes import read_params
from tests.helpers.changes_project import DVC_YAML, REGISTRY_CONFIG, git_project
from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, metrics_pipeline
from tests.helpers.mlflow_store import client, register_version


def changes_of(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo / ".mlgate" / "compare.json").read_text())
    changes: dict[str, Any] = data["details"]["changes"]
    return changes


# --- params files Python cannot read ----------------------------------------------------------


HOSTILE_TOML = [
    "seed = " + "9" * 5000 + "\n",  # more digits than Python turns into an int
    "layers = " + "[" * 5000 + "]" * 5000 + "\n",  # nested deeper than Python recurses
    ".".join(["a"] * 5000) + " = 1\n",  # a table 5,000 deep in one line
]


@pytest.mark.parametrize(
    "hostile", HOSTILE_TOML, ids=["huge-integer", "deep-arrays", "deep-tables"]
)
def test_a_toml_params_file_python_cannot_read_is_a_reason_not_a_crash(
    tmp_path: Path, mlgate: RunMlgate, hostile: str
) -> None:
    repo = git_project(tmp_path, "train.toml", "seed = 7\n")
    (repo / "train.toml").write_text(hostile)
    result = mlgate("compare", cwd=repo)
    assert result.code == 0, result.out + result.err
    params = changes_of(repo)["params"]
    assert params["changed"] == []
    assert "train.toml" in params["missing_reason"], params  # DVC's reader says why
    assert str(tmp_path) not in params["missing_reason"], params  # no runner path


@pytest.mark.parametrize(
    "hostile", HOSTILE_TOML, ids=["huge-integer", "deep-arrays", "deep-tables"]
)
def test_mlgates_own_params_reader_gives_a_reason_for_the_same_files(hostile: str) -> None:
    # Without DVC installed, mlgate reads the params files itself: the same files, a reason.
    files = {"dvc.yaml": DVC_YAML.format(params_file="train.toml"), "train.toml": hostile}
    with pytest.raises(Exception) as raised:
        read_params(lambda path: files[path].encode() if path in files else None)
    assert not isinstance(raised.value, RecursionError | ValueError), raised.value
    assert str(raised.value).startswith("train.toml: "), raised.value


def test_a_params_file_outside_the_project_is_not_read(tmp_path: Path, mlgate: RunMlgate) -> None:
    # DVC refuses a params file outside the repository; mlgate must not read it either (a
    # pull request's dvc.yaml naming ../../.netrc would put its lines into the comment).
    (tmp_path / "outside.yaml").write_text("password: hunter2-outside\n")
    repo = git_project(tmp_path / "repo", "params.yaml", "seed: 7\n")
    (repo / "dvc.yaml").write_text(DVC_YAML.format(params_file="../outside.yaml"))
    result = mlgate("compare", cwd=repo)
    assert result.code == 0, result.out + result.err
    written = (repo / ".mlgate" / "compare.json").read_text()
    assert "hunter2" not in written
    params = changes_of(repo)["params"]
    assert params["changed"] == []
    assert "../outside.yaml" in params["missing_reason"], params


# --- champions that did not come from this mlgate's promote -----------------------------------


def registry_project(repo: Path) -> str:
    uri = f"sqlite:///{repo / 'mlflow.db'}"
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "mlgate.yaml").write_text(REGISTRY_CONFIG.format(uri=uri, model="wine"))
    (repo / "params.yaml").write_text("train:\n  n_estimators: 20\n  seed: 7\n")
    (repo / "metrics.json").write_text(json.dumps({"accuracy": 0.91}))
    return uri


def test_a_champion_that_logged_no_params_leaves_them_unknown(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    # Promoted by an mlgate that did not log params yet, or registered by hand.
    uri = registry_project(tmp_path)
    register_version(uri, "wine", model_metrics={"accuracy": 0.9}, alias="champion")
    result = mlgate("compare", "--no-log", cwd=tmp_path)
    assert result.code == 0, result.out + result.err
    params = changes_of(tmp_path)["params"]
    assert params["changed"] == [], "every param shown as added, as if the champion had none"
    assert "logged no params" in params["missing_reason"], params


def test_a_champion_whose_run_logged_other_params_leaves_them_unknown(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    # A training script's own mlflow.log_params: names that are not the pipeline's params.
    uri = registry_project(tmp_path)
    champion = register_version(uri, "wine", model_metrics={"accuracy": 0.9}, alias="champion")
    for key, value in {"lr": "0.1", "n_trees": "100", "optimizer": "adam"}.items():
        client(uri).log_param(champion.run_id, key, value)
    result = mlgate("compare", "--no-log", cwd=tmp_path)
    assert result.code == 0, result.out + result.err
    params = changes_of(tmp_path)["params"]
    assert params["changed"] == [], "3 params shown as removed and 2 as added"
    assert "none of them the pipeline's" in params["missing_reason"], params


def test_params_mlflow_keeps_cut_or_masked_are_not_changes(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    # promote cuts a value at MLflow's 6,000 characters and masks credentials in it: the same
    # params must still compare equal to the champion's.
    registry_project(tmp_path)
    (tmp_path / "model.pkl").write_bytes(b"model")
    (tmp_path / "params.yaml").write_text(
        "train:\n  n_estimators: 20\n"
        f"  prompt: {'x' * 7000}\n"
        "  data_url: https://reader:pa55word-123@data.example/train.csv\n"
    )
    (tmp_path / "metrics.json").write_text(json.dumps({"accuracy": 0.9}))
    assert mlgate("compare", cwd=tmp_path).code == 0
    promoted = mlgate("promote", cwd=tmp_path)
    assert promoted.code == 0, promoted.out + promoted.err
    (tmp_path / "metrics.json").write_text(json.dumps({"accuracy": 0.91}))
    result = mlgate("compare", "--no-log", cwd=tmp_path)
    assert result.code == 0, result.out + result.err
    params = changes_of(tmp_path)["params"]
    assert params["missing_reason"] is None, params
    assert params["changed"] == [], params
    assert params["unchanged"] == 3


# --- a pipeline whose params files only DVC can name --------------------------------------------

FOREACH_AND_WDIR = """\
  train:
    foreach: [small, large]
    do:
      cmd: {python} -c "print('${{item}}')"
      params:
        - models.yaml:
          - ${{item}}.depth
  tune:
    wdir: sub
    cmd: {python} -c "print('tune')"
    params: [lr]
"""


def test_params_of_foreach_and_wdir_stages_diff_against_the_base_branch(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    with (repo / "dvc.yaml").open("a") as dvc_yaml:
        dvc_yaml.write(FOREACH_AND_WDIR.format(python=sys.executable))
    (repo / "models.yaml").write_text("small: {depth: 2}\nlarge: {depth: 8}\n")
    (repo / "sub").mkdir()
    (repo / "sub" / "params.yaml").write_text("lr: 0.1\n")
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics:\n  candidate: dvc\n  baseline: git:main\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    dvc(repo, "repro", "--quiet")
    commit(repo, "baseline")
    git(repo, "checkout", "--quiet", "-b", "change")
    (repo / "models.yaml").write_text("small: {depth: 3}\nlarge: {depth: 8}\n")
    (repo / "sub" / "params.yaml").write_text("lr: 0.05\n")
    # In the gate, compare reads repro.json: the params files as DVC resolves them.
    result = mlgate("gate", "--skip", "report", cwd=repo)
    assert result.code == 0, result.out + result.err
    params = changes_of(repo)["params"]
    assert params["missing_reason"] is None, params
    assert params["changed"] == [
        {"file": "models.yaml", "name": "small.depth", "baseline": 2, "candidate": 3},
        {"file": "sub/params.yaml", "name": "lr", "baseline": 0.1, "candidate": 0.05},
    ]
    assert params["unchanged"] == 3  # large.depth, accuracy, log_loss


# --- data DVC links from a cache outside the repository ---------------------------------------


def test_a_data_file_dvc_links_from_a_shared_cache_is_still_listed(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    # A team's shared cache (cache.dir outside the repo, cache.type symlink): every data file
    # in the workspace is a link that resolves outside the repository.
    repo = git_project(tmp_path / "repo", "params.yaml", "seed: 7\n")
    dvc(repo, "config", "cache.dir", str(tmp_path / "shared-cache"))
    dvc(repo, "config", "cache.type", "symlink")
    (repo / "data").mkdir()
    (repo / "data" / "train.csv").write_text("x\n1\n2\n")
    dvc(repo, "add", "--quiet", "data/train.csv")
    assert (repo / "data" / "train.csv").is_symlink()
    (repo / "schema.yaml").write_text("schema_type: dataframe\ncolumns:\n  x: {dtype: int64}\n")
    with (repo / "mlgate.yaml").open("a") as config:
        config.write("data:\n  - path: data/*.csv\n    schema: schema.yaml\n")
    commit(repo, "data")
    result = mlgate("compare", cwd=repo)
    assert result.code == 0, result.out + result.err
    data = changes_of(repo)["data"]
    # Kept by DVC, not git: whether it changed is unknown, but it is the pipeline's data file.
    assert data == [
        {"path": "data/train.csv", "rows": None, "baseline_rows": None, "changed": None}
    ]


def test_a_credential_in_a_param_is_no_change_against_the_base_branch(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    # repro.json is stored redacted (the URL's password masked); the params at git:main are
    # read raw: the same value must not differ from itself.
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    with (repo / "dvc.yaml").open("a") as dvc_yaml:
        dvc_yaml.write(
            f"  fetch:\n    cmd: {sys.executable} -c \"print('fetch')\"\n"
            "    params:\n      - data.yaml:\n"
        )
    url = "https://reader:pa55word-123@data.example/train.csv"
    (repo / "data.yaml").write_text(f"url: {url}\nrows: 100\n")
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics:\n  candidate: dvc\n  baseline: git:main\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    dvc(repo, "repro", "--quiet")
    commit(repo, "baseline")
    (repo / "data.yaml").write_text(f"url: {url}\nrows: 200\n")
    result = mlgate("gate", "--skip", "report", cwd=repo)
    assert result.code == 0, result.out + result.err
    params = changes_of(repo)["params"]
    assert params["changed"] == [
        {"file": "data.yaml", "name": "rows", "baseline": 100, "candidate": 200}
    ], params
    assert params["unchanged"] == 3  # url, accuracy, log_loss
