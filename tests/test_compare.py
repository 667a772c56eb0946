from __future__ import annotations

import json
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.mlflow_store import (
    RunningServer,
    client,
    free_port,
    register_version,
    unique_name,
)

CONFIG = """\
version: 1
mlflow:
  tracking_uri: {uri}
  model: wine
metrics:
  candidate: file:candidate.json
  baseline: {baseline}
  on_missing_baseline: {policy}
gates:
  accuracy: {{direction: higher, threshold: 0.8, max_regression: 0.02}}
  log_loss: {{direction: lower, max_regression_pct: 10}}
"""

GOOD = {"accuracy": 0.95, "log_loss": 0.20, "f1": 0.9}
WORSE = {"accuracy": 0.90, "log_loss": 0.30}


def make_repo(
    tmp_path: Path,
    candidate: dict[str, object] | None = None,
    *,
    uri: str = "sqlite:///mlflow.db",
    baseline: str = "registry",
    policy: str = "pass",
) -> Path:
    (tmp_path / "mlgate.yaml").write_text(CONFIG.format(uri=uri, baseline=baseline, policy=policy))
    if candidate is not None:
        (tmp_path / "candidate.json").write_text(json.dumps(candidate))
    return tmp_path


def sqlite_uri(repo: Path) -> str:
    return f"sqlite:///{repo / 'mlflow.db'}"


def result_file(repo: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((repo / ".mlgate" / "compare.json").read_text())
    return data


# --- files only: no MLflow at all ---------------------------------------------------------


def test_files_pass_and_fail_with_exit_codes(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, GOOD, baseline="file:baseline.json")
    (repo / "baseline.json").write_text(json.dumps({"accuracy": 0.96, "log_loss": 0.19}))
    passed = mlgate("compare", cwd=repo)
    assert passed.code == 0, passed.err
    data = result_file(repo)
    assert data["status"] == "pass"
    details = data["details"]
    assert isinstance(details, dict)
    assert details["candidate"]["metrics"] == GOOD
    assert details["baseline"]["metrics"] == {"accuracy": 0.96, "log_loss": 0.19}
    assert [(c["metric"], c["rule"], c["passed"]) for c in details["checks"]] == [
        ("accuracy", "threshold", True),
        ("accuracy", "max_regression", True),
        ("log_loss", "max_regression_pct", True),
    ]
    check = details["checks"][1]
    assert set(check) >= {
        "metric",
        "direction",
        "candidate",
        "baseline",
        "delta",
        "delta_pct",
        "rule",
        "limit",
        "passed",
        "message",
    }
    assert check["delta"] == pytest.approx(-0.01)
    assert details["ungated"] == [{"metric": "f1", "candidate": 0.9, "baseline": None}]

    (repo / "candidate.json").write_text(json.dumps(WORSE))
    failed = mlgate("compare", cwd=repo)
    assert failed.code == 1
    assert "FAIL" in failed.out
    summary = result_file(repo)["summary"]
    assert isinstance(summary, str)
    assert summary.startswith("blocked against file:baseline.json")
    assert "accuracy max_regression: worsened by 0.06, allowed worsening 0.02" in summary


def test_cli_file_paths_are_relative_to_the_working_directory(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    (tmp_path / "repo").mkdir()
    repo = make_repo(tmp_path / "repo")
    elsewhere = tmp_path / "here"
    elsewhere.mkdir()
    (elsewhere / "a.json").write_text(json.dumps(GOOD))
    (elsewhere / "b.json").write_text(json.dumps(GOOD))
    result = mlgate(
        "compare",
        "--config",
        str(repo / "mlgate.yaml"),
        "--candidate",
        "file:a.json",
        "--baseline",
        "file:b.json",
        cwd=elsewhere,
    )
    assert result.code == 0, result.err


def test_command_line_sources_win_over_a_gates_only_config(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """No `mlflow:` section: the config's own baseline (the registry) cannot be used, but the
    command line names both sides, so nothing needs it."""
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\ngates:\n  accuracy: {direction: higher, max_regression: 0.02}\n"
    )
    (tmp_path / "a.json").write_text(json.dumps({"accuracy": 0.90}))
    (tmp_path / "b.json").write_text(json.dumps({"accuracy": 0.91}))
    both = ("--candidate", "file:a.json", "--baseline", "file:b.json")
    result = mlgate("compare", *both, cwd=tmp_path)
    assert result.code == 0, result.err
    assert result_file(tmp_path)["details"]["baseline"]["resolution"] == "found"  # type: ignore[index]
    for args in (("--candidate", "file:a.json"), (*both[:2], "--baseline", "registry")):
        needs_model = mlgate("compare", *args, cwd=tmp_path)
        assert needs_model.code == 2
        assert "`mlflow.model` must name the registered model" in needs_model.err


def test_file_compare_does_not_import_mlflow_or_dvc(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, GOOD, baseline="file:candidate.json")
    script = (
        "import sys\n"
        "from mlgate.cli import main\n"
        "try:\n    main(['compare'])\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'mlflow', 'dvc', 'pandas'})\n"
        "print(code, heavy)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip().splitlines()[-1] == "0 []"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"accuracy": NaN, "log_loss": 0.2}', "metric 'accuracy' is nan"),
        ('{"accuracy": Infinity, "log_loss": 0.2}', "metric 'accuracy' is inf"),
        ('{"accuracy": "high", "log_loss": 0.2}', "metric 'accuracy' is 'high', not a number"),
        ('{"accuracy": 0.9, "log_loss": ', "not valid JSON"),
        ("[1, 2]", "must hold a mapping"),
    ],
)
def test_bad_candidate_values_are_input_errors(
    tmp_path: Path, mlgate: RunMlgate, content: str, message: str
) -> None:
    repo = make_repo(tmp_path, baseline="none")
    (repo / "candidate.json").write_text(content)
    result = mlgate("compare", cwd=repo)
    assert result.code == 2
    assert "candidate.json" in result.err
    assert message in result.err
    error = result_file(repo)
    assert error["status"] == "error"
    assert error["exit_code"] == 2


def test_missing_candidate_file_is_an_input_error(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, baseline="none")
    result = mlgate("compare", cwd=repo)
    assert result.code == 2
    assert "candidate.json: cannot read the metrics file" in result.err


def test_nested_yaml_metrics_are_flattened(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, baseline="none")
    (repo / "mlgate.yaml").write_text(
        (repo / "mlgate.yaml").read_text().replace("accuracy:", "test.accuracy:")
    )
    (repo / "m.yaml").write_text("test:\n  accuracy: 0.9\nlog_loss: 0.1\n")
    result = mlgate("compare", "--candidate", "file:m.yaml", cwd=repo)
    assert result.code == 0, result.err + result.out
    assert "test.accuracy" in result.out


def test_baseline_none_checks_thresholds_only(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, {"accuracy": 0.7, "log_loss": 5.0}, baseline="none")
    result = mlgate("compare", cwd=repo)
    assert result.code == 1
    details = result_file(repo)["details"]
    assert isinstance(details, dict)
    assert "baseline: none, so only absolute thresholds were checked" in details["notes"]


def test_junit_and_markdown_output(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, WORSE, baseline="file:baseline.json")
    (repo / "baseline.json").write_text(json.dumps({"accuracy": 0.96, "log_loss": 0.19}))
    junit = mlgate("compare", "--format", "junit", cwd=repo)
    assert junit.code == 1
    suite = ET.fromstring(junit.out).find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "2"
    assert len(suite.findall("testcase/failure")) == 2
    markdown = mlgate("compare", "--format", "markdown", cwd=repo)
    assert "| metric | baseline | candidate | Δ | rules |" in markdown.out
    assert "❌ max\\_regression Δ ≥ -0.02" in markdown.out


def test_markdown_escapes_text_from_the_change(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, baseline="none")
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {candidate: file:c.json, baseline: none}\n"
        "gates:\n  'a|b <img> @team': {direction: higher, threshold: 0.5}\n"
    )
    (repo / "c.json").write_text(json.dumps({"a|b <img> @team": 0.9}))
    result = mlgate("compare", "--format", "markdown", cwd=repo)
    assert result.code == 0
    row = next(line for line in result.out.splitlines() if "img" in line and "| 0.9" in line)
    assert row.count("|") == 6 + 1  # 5 columns' separators plus the escaped one
    assert "a\\|b \\<img\\> @\u200bteam" in row  # a zero-width space breaks the mention


# --- the MLflow registry, sqlite store ----------------------------------------------------


def test_registry_baseline_from_the_logged_model(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, WORSE)
    uri = sqlite_uri(repo)
    register_version(uri, "wine", model_metrics={"accuracy": 0.80, "log_loss": 0.5}, alias="old")
    champion = register_version(
        uri,
        "wine",
        run_metrics={"accuracy": 0.10, "log_loss": 9.0},  # the run's own: not preferred
        model_metrics={"accuracy": 0.96, "log_loss": 0.19},
        dataset=("test", "d1"),
        alias="champion",
    )
    result = mlgate("compare", cwd=repo)
    assert result.code == 1, result.err
    baseline = result_file(repo)["details"]["baseline"]  # type: ignore[index]
    assert baseline["version"] == champion.version == "2"
    assert baseline["alias"] == "champion"
    assert baseline["run_id"] == champion.run_id
    assert baseline["metrics"] == {"accuracy": 0.96, "log_loss": 0.19}
    assert f"logged model {champion.model_id} on dataset test@d1" in baseline["origin"]
    assert "wine v2 (champion)" in result_file(repo)["summary"]  # type: ignore[operator]


def test_registry_baseline_falls_back_to_the_run(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, GOOD)
    register_version(
        sqlite_uri(repo),
        "wine",
        run_metrics={"accuracy": 0.95, "log_loss": 0.2},
        logged_model=False,
        alias="champion",
    )
    result = mlgate("compare", cwd=repo)
    assert result.code == 0, result.err
    baseline = result_file(repo)["details"]["baseline"]  # type: ignore[index]
    assert baseline["origin"].startswith("run ")
    assert baseline["metrics"] == {"accuracy": 0.95, "log_loss": 0.2}


@pytest.mark.parametrize("first", ["not registered", "registered, no version"])
@pytest.mark.parametrize(("policy", "code"), [("pass", 0), ("fail", 1)])
def test_a_first_model_is_bootstrap_and_follows_the_policy(
    tmp_path: Path, mlgate: RunMlgate, first: str, policy: str, code: int
) -> None:
    """Bootstrap: the model is not registered and no name is close, or it has no version."""
    repo = make_repo(tmp_path, GOOD, policy=policy)
    uri = sqlite_uri(repo)
    register_version(uri, "iris", model_metrics={"accuracy": 0.99}, alias="champion")
    if first == "registered, no version":
        client(uri).create_registered_model("wine")
    result = mlgate("compare", cwd=repo)
    assert result.code == code, result.err
    data = result_file(repo)
    baseline = data["details"]["baseline"]  # type: ignore[index]
    assert baseline["resolution"] == "bootstrap"
    assert baseline["metrics"] is None
    reason = (
        "registered model 'wine' does not exist yet"
        if first == "not registered"
        else "registered model 'wine' has no version yet"
    )
    assert baseline["missing_reason"] == reason
    if policy == "pass":
        assert data["summary"] == f"passed (bootstrap: no baseline yet): 1 check holds; {reason}"
        assert "NO BASELINE" in result.out


def test_a_found_baseline_says_so(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, GOOD)
    register_version(sqlite_uri(repo), "wine", model_metrics={"accuracy": 0.95}, alias="champion")
    assert mlgate("compare", cwd=repo).code == 0
    assert result_file(repo)["details"]["baseline"]["resolution"] == "found"  # type: ignore[index]
    assert mlgate("compare", "--baseline", "none", cwd=repo).code == 0
    assert result_file(repo)["details"]["baseline"]["resolution"] == "none"  # type: ignore[index]


@pytest.mark.parametrize(
    ("registered", "hint"),
    [
        ("wine-classifier", "did you mean 'wine-classifier'?"),
        ("Wine", "did you mean 'Wine'?"),
        ("wines", "did you mean 'wines'?"),
    ],
)
def test_a_typo_in_the_model_name_is_an_input_error(
    tmp_path: Path, mlgate: RunMlgate, registered: str, hint: str
) -> None:
    """A worse model against a typo'd name: once a pass ("no baseline yet"), now exit 2."""
    repo = make_repo(tmp_path, WORSE)
    config = (repo / "mlgate.yaml").read_text()
    typo = "wine-clasifier" if registered == "wine-classifier" else "wine"
    (repo / "mlgate.yaml").write_text(config.replace("model: wine", f"model: {typo}"))
    register_version(
        sqlite_uri(repo), registered, model_metrics={"accuracy": 0.99}, alias="champion"
    )
    result = mlgate("compare", cwd=repo)
    assert result.code == 2, result.out + result.err
    assert f"registered model {typo!r} not found" in result.err
    assert hint in result.err
    assert "create_registered_model" in result.err  # how to say "it is new, really"
    assert result_file(repo)["status"] == "error"


def test_an_alias_no_version_holds_names_the_aliases_there_are(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = make_repo(tmp_path, WORSE)
    (repo / "mlgate.yaml").write_text(
        (repo / "mlgate.yaml").read_text().replace("model: wine", "model: wine\n  alias: champoin")
    )
    uri = sqlite_uri(repo)
    register_version(uri, "wine", model_metrics={"accuracy": 0.99}, alias="champion")
    register_version(uri, "wine", model_metrics={"accuracy": 0.98}, alias="challenger")
    result = mlgate("compare", cwd=repo)
    assert result.code == 2, result.out + result.err
    assert "no version of 'wine' holds alias 'champoin'" in result.err
    assert "its aliases: challenger (v2), champion (v1). Did you mean 'champion'?" in result.err


def test_versions_without_any_alias_are_not_a_first_model(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = make_repo(tmp_path, WORSE)
    register_version(sqlite_uri(repo), "wine", model_metrics={"accuracy": 0.99})
    result = mlgate("compare", cwd=repo)
    assert result.code == 2, result.out + result.err
    assert "'wine' has versions but none holds alias 'champion'" in result.err


@pytest.mark.parametrize("alias", ["Champion Model", "latest", "V2", "champion!"])
def test_an_alias_mlflow_rejects_is_a_config_error(
    tmp_path: Path, mlgate: RunMlgate, alias: str
) -> None:
    repo = make_repo(tmp_path, WORSE)
    (repo / "mlgate.yaml").write_text(
        (repo / "mlgate.yaml").read_text().replace("model: wine", f"model: wine\n  alias: {alias}")
    )
    register_version(sqlite_uri(repo), "wine", model_metrics={"accuracy": 0.99}, alias="champion")
    checked = mlgate("config", "check", cwd=repo)
    assert checked.code == 2
    where = "mlgate.yaml:5:10: mlflow.alias"
    assert f"{where}: {alias!r} is not an alias MLflow accepts" in checked.err
    assert mlgate("compare", cwd=repo).code == 2


def test_thresholds_still_hold_without_a_baseline(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path, {"accuracy": 0.5, "log_loss": 0.2})
    assert mlgate("compare", cwd=repo).code == 1


def test_dataset_matching_prefers_the_candidates_dataset(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    uri = sqlite_uri(repo)
    mlflow_client = client(uri)
    champion = register_version(
        uri,
        "wine",
        model_metrics={"accuracy": 0.99, "log_loss": 0.1},
        dataset=("train", "t1"),
        alias="champion",
    )
    for key, value in {"accuracy": 0.93, "log_loss": 0.2}.items():
        mlflow_client.log_metric(
            champion.run_id,
            key,
            value,
            model_id=champion.model_id,
            dataset_name="test",
            dataset_digest="d9",
        )
    candidate = register_version(
        uri, "wine", model_metrics={"accuracy": 0.94, "log_loss": 0.2}, dataset=("test", "d9")
    )
    result = mlgate("compare", "--candidate", f"models:/wine/{candidate.version}", cwd=repo)
    assert result.code == 0, result.out + result.err
    baseline = result_file(repo)["details"]["baseline"]  # type: ignore[index]
    assert baseline["metrics"] == {"accuracy": 0.93, "log_loss": 0.2}
    assert "same dataset digest as the candidate" in baseline["origin"]


def test_candidate_by_alias_and_version(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    uri = sqlite_uri(repo)
    register_version(
        uri, "wine", model_metrics={"accuracy": 0.95, "log_loss": 0.2}, alias="champion"
    )
    register_version(
        uri, "wine", model_metrics={"accuracy": 0.85, "log_loss": 0.2}, alias="challenger"
    )
    by_alias = mlgate("compare", "--candidate", "models:/wine@challenger", cwd=repo)
    assert by_alias.code == 1
    by_version = mlgate("compare", "--candidate", "models:/wine/1", cwd=repo)
    assert by_version.code == 0
    unknown = mlgate("compare", "--candidate", "models:/wine/99", cwd=repo)
    assert unknown.code == 2
    assert "models:/wine/99: no such model version" in unknown.err
    no_alias = mlgate("compare", "--candidate", "models:/wine@nosuch", cwd=repo)
    assert no_alias.code == 2
    assert "no version of 'wine' holds alias 'nosuch'" in no_alias.err
    no_model = mlgate("compare", "--candidate", "models:/grapes@champion", cwd=repo)
    assert no_model.code == 2
    assert "candidate models:/grapes@champion: registered model 'grapes' does not exist" in (
        no_model.err
    )


def test_run_candidate_gets_the_decision_recorded(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    uri = sqlite_uri(repo)
    champion = register_version(
        uri, "wine", model_metrics={"accuracy": 0.95, "log_loss": 0.2}, alias="champion"
    )
    candidate = register_version(uri, "wine", run_metrics=WORSE, logged_model=False)
    result = mlgate("compare", "--candidate", f"run:{candidate.run_id}", cwd=repo)
    assert result.code == 1, result.err
    assert result_file(repo)["details"]["recorded_on_run"] is True  # type: ignore[index]
    run = client(uri).get_run(candidate.run_id)
    assert run.data.tags["mlgate.decision"] == "fail"
    assert run.data.tags["mlgate.baseline_version"] == champion.version
    assert run.data.tags["mlgate.summary"].startswith("blocked")
    artifact = Path(
        client(uri).download_artifacts(candidate.run_id, "mlgate/compare.md", str(tmp_path))
    )
    assert "| metric | baseline | candidate |" in artifact.read_text()

    quiet = register_version(uri, "wine", run_metrics=GOOD, logged_model=False)
    assert mlgate("compare", "--no-log", "--candidate", f"run:{quiet.run_id}", cwd=repo).code == 0
    assert "mlgate.decision" not in client(uri).get_run(quiet.run_id).data.tags


def test_unknown_run_is_an_input_error(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    register_version(sqlite_uri(repo), "wine", model_metrics={"accuracy": 0.9}, alias="champion")
    result = mlgate("compare", "--candidate", "run:0123456789abcdef", cwd=repo)
    assert result.code == 2
    assert "run 0123456789abcdef: not found" in result.err
    assert result_file(repo)["status"] == "error"


def test_env_tracking_uri_wins(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path, GOOD, uri="sqlite:///not-this.db")
    other = tmp_path / "other.db"
    register_version(
        f"sqlite:///{other}", "wine", model_metrics={"accuracy": 0.99}, alias="champion"
    )
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{other}")
    result = mlgate("compare", cwd=repo)
    assert result.code == 1  # 0.95 vs 0.99 worsens accuracy by more than 0.02
    assert not (repo / "not-this.db").exists()


# --- a real tracking server --------------------------------------------------------------


@pytest.fixture
def server(shared_mlflow_server: RunningServer) -> str:
    return shared_mlflow_server.url


@pytest.mark.slow
def test_registry_baseline_over_http(tmp_path: Path, mlgate: RunMlgate, server: str) -> None:
    model = unique_name("wine")
    repo = make_repo(tmp_path, WORSE, uri=server)
    (repo / "mlgate.yaml").write_text(
        (repo / "mlgate.yaml").read_text().replace("model: wine", f"model: {model}")
    )
    version = register_version(
        server, model, model_metrics={"accuracy": 0.96, "log_loss": 0.19}, alias="champion"
    )
    candidate = register_version(server, model, run_metrics=WORSE, logged_model=False)
    result = mlgate("compare", "--candidate", f"run:{candidate.run_id}", cwd=repo)
    assert result.code == 1, result.err
    baseline = result_file(repo)["details"]["baseline"]  # type: ignore[index]
    assert baseline["version"] == version.version
    assert baseline["url"] == f"{server}/#/models/{model}/versions/{version.version}"
    assert client(server).get_run(candidate.run_id).data.tags["mlgate.decision"] == "fail"


@pytest.mark.slow
def test_unreachable_server_is_no_verdict_within_bounds(tmp_path: Path) -> None:
    """A refused connection is reported as MLflow's failure, not waited out.

    What the code promises, not wall time (which load stretches): mlgate bounds MLflow's
    retries (2, backoff 1 s) to end well inside the deadline of each call. With MLflow's own
    defaults (about four minutes of retries) the call would be cut off instead, and the
    message would be "did not answer within 120 s".
    """
    port = free_port()  # nothing listens here: connections are refused
    repo = make_repo(tmp_path, GOOD, uri=f"http://127.0.0.1:{port}")
    completed = subprocess.run(
        [sys.executable, "-m", "mlgate", "compare", "--timeout", "120"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 3, completed.stderr
    assert f"MLflow at http://127.0.0.1:{port} failed (models:/wine@champion)" in (completed.stderr)
    assert "did not answer" not in completed.stderr
    assert "Traceback" not in completed.stderr
    assert result_file(repo)["status"] == "error"


@pytest.mark.slow
def test_server_that_never_answers_is_cut_off(tmp_path: Path) -> None:
    """The deadline the code sets (--timeout) is what cuts the call off, and says so."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections queue up; nobody ever answers
        port = silent.getsockname()[1]
        repo = make_repo(tmp_path, GOOD, uri=f"http://127.0.0.1:{port}")
        completed = subprocess.run(
            [sys.executable, "-m", "mlgate", "compare", "--timeout", "3"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
    assert completed.returncode == 3, completed.stderr
    assert f"MLflow at http://127.0.0.1:{port} did not answer within 3 s" in completed.stderr
    assert result_file(repo)["status"] == "error"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_a_timeout_that_is_not_a_finite_number_is_usage_error(
    tmp_path: Path, mlgate: RunMlgate, value: str
) -> None:
    repo = make_repo(tmp_path, GOOD, baseline="none")
    result = mlgate("compare", "--timeout", value, cwd=repo)
    assert result.code == 2
    assert "--timeout" in result.err


# --- property: an unreadable baseline is never a pass --------------------------------------


def _typo_model(repo: Path) -> list[str]:
    register_version(sqlite_uri(repo), "wine-a", model_metrics={"accuracy": 0.99}, alias="champion")
    _edit(repo, "model: wine", "model: wine-b")
    return []


def _alias_not_held(repo: Path) -> list[str]:
    register_version(sqlite_uri(repo), "wine", model_metrics={"accuracy": 0.99}, alias="prod")
    return []


def _versions_without_alias(repo: Path) -> list[str]:
    register_version(sqlite_uri(repo), "wine", model_metrics={"accuracy": 0.99})
    return []


def _alias_mlflow_rejects(repo: Path) -> list[str]:
    _edit(repo, "model: wine", "model: wine\n  alias: Champion Model")
    return []


def _version_without_metrics(repo: Path) -> list[str]:
    register_version(sqlite_uri(repo), "wine", logged_model=False, alias="champion")
    return []


def _not_a_database(repo: Path) -> list[str]:
    (repo / "mlflow.db").write_bytes(b"this is not sqlite " * 100)
    return []


def _unsupported_uri(repo: Path) -> list[str]:
    _edit(repo, "sqlite:///mlflow.db", "nosuchscheme://registry")
    return []


def _unreachable_server(repo: Path) -> list[str]:
    _edit(repo, "sqlite:///mlflow.db", f"http://127.0.0.1:{free_port()}")
    return ["--timeout", "10"]


def _missing_version_candidate(repo: Path) -> list[str]:
    register_version(sqlite_uri(repo), "wine", model_metrics={"accuracy": 0.5}, alias="champion")
    return ["--candidate", "models:/wine/99"]


def _missing_alias_candidate(repo: Path) -> list[str]:
    register_version(sqlite_uri(repo), "wine", model_metrics={"accuracy": 0.5}, alias="champion")
    return ["--candidate", "models:/wine@nosuch"]


def _missing_run_candidate(repo: Path) -> list[str]:
    register_version(sqlite_uri(repo), "wine", model_metrics={"accuracy": 0.5}, alias="champion")
    return ["--candidate", "run:0123456789abcdef"]


def _edit(repo: Path, old: str, new: str) -> None:
    config = repo / "mlgate.yaml"
    assert old in config.read_text()
    config.write_text(config.read_text().replace(old, new))


@pytest.mark.parametrize(
    "break_registry",
    [
        _typo_model,
        _alias_not_held,
        _versions_without_alias,
        _alias_mlflow_rejects,
        _version_without_metrics,
        _not_a_database,
        _unsupported_uri,
        _unreachable_server,
        _missing_version_candidate,
        _missing_alias_candidate,
        _missing_run_candidate,
    ],
    ids=lambda func: func.__name__.strip("_"),
)
def test_an_unreadable_registry_baseline_is_never_a_pass(
    tmp_path: Path, mlgate: RunMlgate, break_registry: Callable[[Path], list[str]]
) -> None:
    """Under `on_missing_baseline: pass`, with a candidate that passes every threshold."""
    repo = make_repo(tmp_path, GOOD, policy="pass")
    args = break_registry(repo)
    result = mlgate("compare", *args, cwd=repo)
    assert result.code in (2, 3), (result.code, result.out, result.err)
    assert result_file(repo)["status"] == "error"
    assert "Traceback" not in result.err


def test_a_git_baseline_says_how_it_resolved(tmp_path: Path, mlgate: RunMlgate) -> None:
    from tests.helpers.dvc_repos import commit, dvc, git, metrics_pipeline

    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {baseline: git:main}\n"
        "gates:\n  accuracy: {direction: higher, threshold: 0.5, max_regression: 0.02}\n"
    )
    dvc(repo, "repro", "--quiet")
    commit(repo, "a model")
    git(repo, "checkout", "--quiet", "--orphan", "empty")
    git(repo, "rm", "-rq", "--cached", ".")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "no pipeline yet")
    git(repo, "checkout", "--quiet", "-f", "main")
    found = mlgate("compare", cwd=repo)
    assert found.code == 0, found.err
    assert result_file(repo)["details"]["baseline"]["resolution"] == "found"  # type: ignore[index]
    bootstrap = mlgate("compare", "--baseline", "git:empty", cwd=repo)
    assert bootstrap.code == 0, bootstrap.err
    data = result_file(repo)
    assert data["details"]["baseline"]["resolution"] == "bootstrap"  # type: ignore[index]
    assert str(data["summary"]).startswith("passed (bootstrap: no baseline yet): 1 check holds")
