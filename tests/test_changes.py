"""compare.json `details.changes` (what changed besides the metrics), repo-relative paths, and
gate.json's links: through the real CLI, on real git/DVC repos and real MLflow stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlgate.compare import logged_params, params_diff
from tests.helpers.changes_project import REGISTRY_CONFIG
from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, init_repo, metrics_pipeline, set_params
from tests.helpers.mlflow_store import RunningServer, unique_name

SCHEMA = "schema_type: dataframe\ncolumns:\n  x: {dtype: int64}\n"


@pytest.fixture
def server(shared_mlflow_server: RunningServer) -> str:
    return shared_mlflow_server.url


def trained(repo: Path, n_estimators: int, accuracy: float) -> None:
    (repo / "params.yaml").write_text(f"train:\n  n_estimators: {n_estimators}\n  seed: 7\n")
    (repo / "metrics.json").write_text(json.dumps({"accuracy": accuracy}))
    (repo / "model.pkl").write_bytes(f"model {n_estimators}".encode())


def compared(repo: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((repo / ".mlgate" / "compare.json").read_text())
    return data["details"]


def champion_then_candidate(
    mlgate: RunMlgate, repo: Path, uri: str, model: str = "wine"
) -> dict[str, Any]:
    """A champion promoted by mlgate with n_estimators 100, then a candidate with 20."""
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "mlgate.yaml").write_text(REGISTRY_CONFIG.format(uri=uri, model=model))
    trained(repo, 100, 0.9)
    assert mlgate("compare", cwd=repo).code == 0
    promoted = mlgate("promote", cwd=repo)
    assert promoted.code == 0, promoted.out + promoted.err
    trained(repo, 20, 0.91)
    result = mlgate("compare", cwd=repo)
    assert result.code == 0, result.out + result.err
    return compared(repo)


def test_params_against_the_champion_on_a_local_store(tmp_path: Path, mlgate: RunMlgate) -> None:
    details = champion_then_candidate(mlgate, tmp_path, "sqlite:///mlflow.db")
    params = details["changes"]["params"]
    run_id = details["baseline"]["run_id"]
    assert params == {
        "source": f"wine v1 (run {run_id})",
        "missing_reason": None,
        "changed": [
            {"file": "params.yaml", "name": "train.n_estimators", "baseline": 100, "candidate": 20}
        ],
        "not_recorded": 0,
        "unchanged": 1,
    }


@pytest.mark.slow
def test_params_against_the_champion_over_rest(
    tmp_path: Path, server: str, mlgate: RunMlgate
) -> None:
    """The same answer through mlflow_rest (no `import mlflow` for the reads)."""
    model = unique_name("wine")
    details = champion_then_candidate(mlgate, tmp_path, server, model)
    params = details["changes"]["params"]
    assert params["missing_reason"] is None
    assert params["changed"] == [
        {"file": "params.yaml", "name": "train.n_estimators", "baseline": 100, "candidate": 20}
    ]
    assert params["unchanged"] == 1
    assert details["baseline"]["url"] == f"{server}/#/models/{model}/versions/1"


def test_no_champion_yet_leaves_the_params_unknown(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "mlgate.yaml").write_text(
        REGISTRY_CONFIG.format(uri="sqlite:///mlflow.db", model="wine")
    )
    trained(tmp_path, 100, 0.9)
    assert mlgate("compare", cwd=tmp_path).code == 0
    params = compared(tmp_path)["changes"]["params"]
    assert params["changed"] == [] and params["unchanged"] == 0
    assert "does not exist yet" in params["missing_reason"]


def test_a_file_baseline_has_no_params_and_the_comparison_still_decides(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    (tmp_path / "mlgate.yaml").write_text(
        REGISTRY_CONFIG.format(uri="sqlite:///mlflow.db", model="wine")
    )
    trained(tmp_path, 100, 0.5)
    (tmp_path / "base.json").write_text(json.dumps({"accuracy": 0.9}))
    result = mlgate("compare", "--baseline", "file:base.json", cwd=tmp_path)
    assert result.code == 1  # blocked: the missing params change nothing
    params = compared(tmp_path)["changes"]["params"]
    assert params["source"] == "file:base.json"
    assert "holds metrics only" in params["missing_reason"]


@pytest.mark.slow
def test_params_and_data_against_the_base_branch(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "data").mkdir()
    (repo / "data" / "train.csv").write_text("x\n1\n2\n")
    (repo / "data" / "test.csv").write_text("x\n3\n")
    (repo / "schema.yaml").write_text(SCHEMA)
    (repo / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: data/*.csv\n    schema: schema.yaml\n"
        "metrics:\n  candidate: dvc\n  baseline: git:main\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    dvc(repo, "repro", "--quiet")
    commit(repo, "baseline")
    git(repo, "checkout", "--quiet", "-b", "change")
    set_params(repo, 0.95, 0.3)
    (repo / "data" / "train.csv").write_text("x\n1\n2\n4\n")
    (repo / "data" / "new.csv").write_text("x\n9\n")  # not in git at main: unknown
    dvc(repo, "repro", "--quiet")

    # From a subfolder: the paths stay the repository's.
    result = mlgate(
        "compare", "--config", "../mlgate.yaml", "--results-dir", "../.mlgate", cwd=repo / "data"
    )
    assert result.code == 0, result.out + result.err
    changes = compared(repo)["changes"]
    assert changes["params"] == {
        "source": "git:main",
        "missing_reason": None,
        "changed": [
            {"file": "params.yaml", "name": "accuracy", "baseline": 0.9, "candidate": 0.95}
        ],
        "not_recorded": 0,
        "unchanged": 1,
    }
    assert changes["data"] == [
        {"path": "data/new.csv", "rows": None, "baseline_rows": None, "changed": None},
        {"path": "data/test.csv", "rows": None, "baseline_rows": None, "changed": False},
        {"path": "data/train.csv", "rows": None, "baseline_rows": None, "changed": True},
    ]

    # Inside the gate the rows come from validate.json: no second pass over the data.
    gate = mlgate("gate", "--format", "json", "--skip", "report", cwd=repo)
    assert gate.code == 0, gate.out + gate.err
    in_gate = compared(repo)["changes"]
    assert in_gate["params"] == changes["params"]  # repro.json's params: the same diff
    rows = {item["path"]: item for item in in_gate["data"]}
    assert rows["data/train.csv"]["rows"] == 3
    assert rows["data/test.csv"] == {
        "path": "data/test.csv",
        "rows": 1,
        "baseline_rows": 1,  # the same bytes as at main
        "changed": False,
    }


def test_promote_logs_params_that_split_back_into_files() -> None:
    """Both key shapes `mlgate promote` logs: from repro.json (file prefix) and params.yaml."""
    from_repro = logged_params(
        {"params.yaml.train.n_estimators": "100", "conf/model.json.depth": "3"},
        files={"params.yaml"},
    )
    from_yaml = logged_params({"train.n_estimators": "100", "flag": "True", "lr": "0.10"})
    assert from_repro == {
        ("params.yaml", "train.n_estimators"): 100,
        ("conf/model.json", "depth"): 3,
    }
    assert from_yaml == {
        ("params.yaml", "train.n_estimators"): 100,
        ("params.yaml", "flag"): True,
        ("params.yaml", "lr"): "0.10",  # not what str() makes of a number: kept as logged
    }
    # Compared as MLflow keeps them (str): 1e-05 logged "1e-05", so it is unchanged.
    logged = {
        **from_yaml,
        ("params.yaml", "lr"): logged_params({"lr": "1e-05"})[("params.yaml", "lr")],
    }
    candidate = {("params.yaml", "lr"): 1e-05, ("params.yaml", "new"): float("nan")}
    assert params_diff(logged, candidate) == {
        "changed": [
            {"file": "params.yaml", "name": "flag", "baseline": True, "candidate": None},
            {"file": "params.yaml", "name": "new", "baseline": None, "candidate": "nan"},
            {
                "file": "params.yaml",
                "name": "train.n_estimators",
                "baseline": 100,
                "candidate": None,
            },
        ],
        "not_recorded": 0,
        "unchanged": 1,
    }


@pytest.mark.slow
def test_a_run_candidate_links_to_its_run_without_credentials(
    tmp_path: Path, server: str, mlgate: RunMlgate
) -> None:
    from tests.helpers.mlflow_store import client

    mlflow_client = client(server)
    experiment = mlflow_client.create_experiment(unique_name("runs"))
    run_id = mlflow_client.create_run(experiment).info.run_id
    mlflow_client.log_metric(run_id, "accuracy", 0.95)
    mlflow_client.log_param(run_id, "train.n_estimators", "20")
    with_credentials = server.replace("http://", "http://someone:s3cret-pass@")
    # A threshold: without a baseline, a relative rule alone would compare nothing (exit 2).
    config = REGISTRY_CONFIG.format(uri=with_credentials, model="wine")
    (tmp_path / "mlgate.yaml").write_text(config.replace("max_regression: 0.02", "threshold: 0.5"))
    result = mlgate("compare", "--candidate", f"run:{run_id}", "--baseline", "none", cwd=tmp_path)
    assert result.code == 0, result.out + result.err
    details = compared(tmp_path)
    assert details["candidate"]["url"] == f"{server}/#/runs/{run_id}"
    assert "s3cret" not in (tmp_path / ".mlgate" / "compare.json").read_text()
    assert details["changes"]["params"]["missing_reason"] == "no baseline (--baseline none)"


# --- paths relative to the repository ---------------------------------------------------------


def validate_project(root: Path) -> Path:
    init_repo(root)
    (root / "data").mkdir()
    (root / "data" / "train.csv").write_text("x\n1\nnot-a-number\n")
    (root / "schema.yaml").write_text(SCHEMA)
    (root / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: data/train.csv\n    schema: schema.yaml\n"
    )
    return root


@pytest.mark.parametrize(
    ("where", "config"),
    [(".", "my-demo/mlgate.yaml"), ("my-demo/data", "../mlgate.yaml"), ("my-demo", "mlgate.yaml")],
)
def test_data_paths_are_the_repos_wherever_mlgate_runs(
    tmp_path: Path, mlgate: RunMlgate, where: str, config: str
) -> None:
    repo = validate_project(tmp_path / "my-demo")
    results = tmp_path / "results"
    result = mlgate(
        "validate",
        "--config",
        config,
        "--results-dir",
        str(results),
        cwd=tmp_path / where,
        env={"GITHUB_ACTIONS": "true"},
    )
    assert result.code == 1, result.out + result.err
    validated = json.loads((results / "validate.json").read_text())
    assert [item["path"] for item in validated["details"]["files"]] == ["data/train.csv"]
    annotations = [line for line in result.err.splitlines() if line.startswith("::error ")]
    assert annotations and all(a.startswith("::error file=data/train.csv,") for a in annotations)
    assert str(repo) not in result.out


def test_a_project_in_a_subfolder_is_named_from_the_repository_root(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    init_repo(tmp_path)
    project = tmp_path / "ml"
    project.mkdir()
    (project / "data").mkdir()
    (project / "data" / "train.csv").write_text("x\n1\n")
    (project / "schema.yaml").write_text(SCHEMA)
    (project / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: data/train.csv\n    schema: schema.yaml\n"
    )
    assert mlgate("validate", cwd=project).code == 0
    validated = json.loads((project / ".mlgate" / "validate.json").read_text())
    # GitHub attaches annotations to paths from the repository's root.
    assert validated["details"]["files"][0]["path"] == "ml/data/train.csv"


# --- gate.json --------------------------------------------------------------------------------


def test_gate_prints_its_envelope_with_links(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = validate_project(tmp_path)
    (root / "data" / "train.csv").write_text("x\n1\n")
    result = mlgate(
        "gate",
        "--format",
        "json",
        "--skip",
        "report",
        cwd=root,
        env={
            "GITHUB_REPOSITORY": "acme/wine",
            "GITHUB_RUN_ID": "777",
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_SHA": "abc123",
        },
    )
    assert result.code == 0, result.out + result.err
    printed = json.loads(result.out)
    assert printed == json.loads((root / ".mlgate" / "gate.json").read_text())
    assert printed["command"] == "gate" and printed["status"] == "pass"
    assert printed["details"]["links"] == {
        "workflow_run": "https://github.example/acme/wine/actions/runs/777",
        "commit": "https://github.example/acme/wine/commit/abc123",
    }


def test_gate_links_refuse_what_is_not_a_plain_url(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = validate_project(tmp_path)
    (root / "data" / "train.csv").write_text("x\n1\n")
    result = mlgate(
        "gate",
        "--format",
        "json",
        "--skip",
        "report",
        cwd=root,
        env={
            "GITHUB_REPOSITORY": "acme/wine)](javascript:alert(1))",
            "GITHUB_RUN_ID": "777",
            "GITHUB_SHA": "abc123",
        },
    )
    assert result.code == 0, result.out + result.err
    assert json.loads(result.out)["details"]["links"] == {"workflow_run": None, "commit": None}


def test_data_against_the_champions_stored_profile(tmp_path: Path, mlgate: RunMlgate) -> None:
    """Rows and bytes against the profile `mlgate promote` stored with the champion (the one
    drift reads); nothing is profiled again for it."""
    repo = init_repo(tmp_path / "repo")
    (repo / "data").mkdir()
    (repo / "data" / "train.csv").write_text("x\n1\n2\n3\n")
    (repo / "data" / "test.csv").write_text("x\n4\n")
    (repo / "schema.yaml").write_text(SCHEMA)
    (repo / "mlgate.yaml").write_text(
        REGISTRY_CONFIG.format(uri="sqlite:///mlflow.db", model="wine")
        + "data:\n  - path: data/*.csv\n    schema: schema.yaml\n"
        + "drift:\n  reference: registry\n"
    )
    trained(repo, 100, 0.9)
    assert mlgate("compare", cwd=repo).code == 0
    promoted = mlgate("promote", cwd=repo)
    assert promoted.code == 0, promoted.out + promoted.err
    (repo / "data" / "train.csv").write_text("x\n1\n2\n3\n5\n")
    assert mlgate("compare", cwd=repo).code == 0
    assert compared(repo)["changes"]["data"] == [
        {"path": "data/test.csv", "rows": 1, "baseline_rows": 1, "changed": False},
        {"path": "data/train.csv", "rows": None, "baseline_rows": 3, "changed": True},
    ]


@pytest.mark.slow
def test_a_stale_dep_of_a_dvc_project_in_a_subfolder_is_named_from_the_repository_root(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    import sys

    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    project = tmp_path / "ml"
    project.mkdir()
    dvc(project, "init", "--subdir", "--quiet")
    (project / "data.csv").write_text("x\n1\n")
    (project / "dvc.yaml").write_text(
        "stages:\n  copy:\n"
        f"    cmd: {sys.executable} -c \"open('out.txt', 'w').write(open('data.csv').read())\"\n"
        "    deps: [data.csv]\n    outs: [out.txt]\n"
    )
    (project / "mlgate.yaml").write_text("version: 1\n")
    dvc(project, "repro", "--quiet")
    (project / "data.csv").write_text("x\n2\n")
    result = mlgate("repro", "--check", "--format", "json", cwd=project)
    assert result.code == 1, result.out + result.err
    (stage,) = json.loads(result.out)["details"]["stages"]
    assert [reason["path"] for reason in stage["reasons"]] == ["ml/data.csv"]


def test_a_pull_request_run_without_its_event_payload_still_writes_gate_json(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = validate_project(tmp_path)
    (root / "data" / "train.csv").write_text("x\n1\n")
    result = mlgate(
        "gate",
        "--skip",
        "report",
        cwd=root,
        env={
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(tmp_path / "no-such-event.json"),
            "GITHUB_REPOSITORY": "acme/wine",
            "GITHUB_RUN_ID": "777",
        },
    )
    gate = json.loads((root / ".mlgate" / "gate.json").read_text())
    assert gate["details"]["links"] == {"workflow_run": None, "commit": None}
    assert result.code == 0, result.out + result.err
    assert "no-such-event.json: cannot read the event payload" in result.err


# --- params as DVC tracks them ----------------------------------------------------------------

TRACKED_KEYS_PIPELINE = """\
stages:
  train:
    cmd: {python} train.py
    params:
      - config.yaml:
          - train.lr
    metrics:
      - metrics.json:
          cache: false
"""


def dvc_params_diff(repo: Path, rev: str) -> list[tuple[str, str, Any, Any]]:
    shown = json.loads(dvc(repo, "params", "diff", rev, "--json"))
    return sorted(
        (file, name, change["old"], change["new"])
        for file, changes in shown.items()
        for name, change in changes.items()
    )


def mlgate_params_diff(repo: Path) -> list[tuple[str, str, Any, Any]]:
    changed = compared(repo)["changes"]["params"]["changed"]
    return sorted((c["file"], c["name"], c["baseline"], c["candidate"]) for c in changed)


@pytest.mark.slow
def test_params_are_the_keys_the_stages_track_as_dvc_params_diff_shows_them(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """A stage that tracks `train.lr` of config.yaml does not track `train.other` beside it:
    `dvc params diff` leaves it out, and so must the report (as changed, or as removed)."""
    import sys

    repo = init_repo(tmp_path / "repo")
    (repo / "dvc.yaml").write_text(TRACKED_KEYS_PIPELINE.format(python=sys.executable))
    (repo / "train.py").write_text("open('metrics.json', 'w').write('{\"accuracy\": 0.9}')\n")
    (repo / "params.yaml").write_text("seed: 1\n")
    (repo / "config.yaml").write_text("train:\n  lr: 0.1\n  other: 1\n")
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {candidate: dvc, baseline: 'git:main'}\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    dvc(repo, "repro", "--quiet")
    commit(repo, "baseline")
    (repo / "config.yaml").write_text("train:\n  lr: 0.2\n  other: 2\n")
    dvc(repo, "repro", "--quiet")
    expected = [("config.yaml", "train.lr", 0.1, 0.2)]
    assert dvc_params_diff(repo, "main") == expected

    assert mlgate("compare", cwd=repo).code == 0
    assert mlgate_params_diff(repo) == expected
    assert compared(repo)["changes"]["params"]["unchanged"] == 1  # params.yaml's seed

    gate = mlgate("gate", "--skip", "report", cwd=repo)
    assert gate.code == 0, gate.out + gate.err
    assert mlgate_params_diff(repo) == expected  # repro.json's params against REF's


LIST_PARAMS_PIPELINE = """\
stages:
  train:
    cmd: {python} train.py
    params: [train, one]
    metrics:
      - metrics.json:
          cache: false
"""


def dvc_unchanged(repo: Path, rev: str) -> int:
    shown = json.loads(dvc(repo, "params", "diff", rev, "--all", "--json"))
    return sum(
        1
        for changes in shown.values()
        for change in changes.values()
        if change["old"] == change["new"]
    )


def test_list_params_are_one_value_each_as_dvc_params_diff_shows_them(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """`cols: [a, b] -> [a]` was `cols.1: b -> null` (flattened by index), an added empty list
    had no row at all, and every list element counted as an unchanged param."""
    import sys

    repo = init_repo(tmp_path / "repo")
    (repo / "dvc.yaml").write_text(LIST_PARAMS_PIPELINE.format(python=sys.executable))
    (repo / "train.py").write_text("open('metrics.json', 'w').write('{\"accuracy\": 0.9}')\n")
    (repo / "params.yaml").write_text(
        "train:\n  cols: [a, b]\n  layers: [64, 32, 16]\n  lr: 0.1\none: [1]\n"
    )
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {candidate: dvc, baseline: 'git:main'}\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    dvc(repo, "repro", "--quiet")
    commit(repo, "baseline")
    (repo / "params.yaml").write_text(
        "train:\n  cols: [a]\n  layers: [64, 32, 16]\n  lr: 0.1\n  drop: []\none: [2]\n"
    )
    expected = dvc_params_diff(repo, "main")
    # DVC shows a list as Python writes it, one row per list, and an added empty one too.
    assert ("params.yaml", "train.cols", "['a', 'b']", "['a']") in expected
    assert ("params.yaml", "train.drop", None, "[]") in expected

    result = mlgate("compare", cwd=repo)
    assert result.code == 0, result.out + result.err
    assert mlgate_params_diff(repo) == expected
    assert compared(repo)["changes"]["params"]["unchanged"] == dvc_unchanged(repo, "main") == 2
    report = mlgate("report", "--format", "markdown", cwd=repo)
    assert "['a', 'b']" in report.out, report.out


@pytest.mark.parametrize(("where", "given"), [(".", "base.json"), ("sub", "../base.json")])
def test_a_file_baseline_is_named_as_the_repo_knows_it(
    tmp_path: Path, mlgate: RunMlgate, where: str, given: str
) -> None:
    """`--baseline file:base.json` was written, summarised and reported as the absolute path of
    the machine it ran on (`file:/home/runner/work/...`)."""
    repo = init_repo(tmp_path / "repo")
    (repo / "mlgate.yaml").write_text(
        REGISTRY_CONFIG.format(uri="sqlite:///mlflow.db", model="wine")
    )
    trained(repo, 100, 0.5)
    (repo / "base.json").write_text(json.dumps({"accuracy": 0.9}))
    (repo / "sub").mkdir()
    result = mlgate(
        "compare",
        "--config",
        str(repo / "mlgate.yaml"),
        "--baseline",
        f"file:{given}",
        "--results-dir",
        str(repo / ".mlgate"),
        cwd=repo / where,
    )
    assert result.code == 1, result.out + result.err
    written = (repo / ".mlgate" / "compare.json").read_text()
    assert str(tmp_path) not in written and str(tmp_path) not in result.out
    baseline = compared(repo)["baseline"]
    assert (baseline["source"], baseline["origin"]) == ("file:base.json", "base.json")


def test_an_unreadable_file_baseline_is_named_from_the_repo(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "mlgate.yaml").write_text(
        REGISTRY_CONFIG.format(uri="sqlite:///mlflow.db", model="wine")
    )
    trained(repo, 100, 0.5)
    result = mlgate("compare", "--baseline", "file:gone.json", cwd=repo)
    assert result.code == 2
    assert "error: gone.json: cannot read the metrics file" in result.err
    assert str(tmp_path) not in result.err
