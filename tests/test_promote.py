from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import requests

from mlgate.registry import local_artifact_location
from tests.helpers.cli import RunMlgate
from tests.helpers.mlflow_store import RunningServer, client, register_version, unique_name
from tests.helpers.promote_project import make_repo, train


def store(repo: Path) -> str:
    return f"sqlite:///{repo / 'mlflow.db'}"


def champion(uri: str, model: str = "wine", alias: str = "champion") -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client(uri).get_model_version_by_alias(model, alias).version)
    except MlflowException:
        return None


def compare_and_promote(mlgate: RunMlgate, repo: Path, *args: str) -> int:
    assert mlgate("compare", cwd=repo).code in (0, 1)
    return mlgate("promote", *args, cwd=repo).code


def test_promote_rollback_twice_and_history(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path)
    uri = store(repo)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 42, "head": {"sha": "abc123"}}}))
    for key, value in {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/wine",
        "GITHUB_RUN_ID": "777",
        "GITHUB_SERVER_URL": "https://github.example",
    }.items():
        monkeypatch.setenv(key, value)
    assert compare_and_promote(mlgate, repo) == 0  # no champion yet: the first model
    assert champion(uri) == "1"
    version = client(uri).get_model_version("wine", "1")
    assert version.tags["mlgate.previous.champion"] == "none"
    assert version.tags["mlgate.commit"] == "abc123"
    assert version.tags["mlgate.pr"] == "42"
    assert (
        version.tags["mlgate.workflow_run"] == "https://github.example/acme/wine/actions/runs/777"
    )
    assert version.tags["mlgate.decision_status"] == "pass"
    assert version.tags["mlgate.decision"].startswith("passed")
    monkeypatch.delenv("GITHUB_EVENT_NAME")
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    # The registered version carries the pipeline's metrics, params and model file.
    logged = client(uri).get_logged_model(version.source.removeprefix("models:/"))
    assert {m.key: m.value for m in logged.metrics} == {"accuracy": 0.9}
    run = client(uri).get_run(version.run_id)
    assert run.data.params == {"train.n_estimators": "10"}
    artifacts = [a.path for a in client(uri).list_logged_model_artifacts(logged.model_id)]
    assert artifacts == ["model.pkl"]

    for accuracy, expected in ((0.91, "2"), (0.92, "3")):
        train(repo, accuracy)
        assert compare_and_promote(mlgate, repo) == 0
        assert champion(uri) == expected
    assert client(uri).get_model_version("wine", "3").tags["mlgate.previous.champion"] == "2"

    first = mlgate("rollback", cwd=repo)
    assert first.code == 0, first.err
    assert champion(uri) == "2"
    second = mlgate("rollback", cwd=repo)
    assert second.code == 0
    assert champion(uri) == "1"
    third = mlgate("rollback", cwd=repo)
    assert third.code == 1
    assert "nothing to roll back to" in third.out
    assert champion(uri) == "1"

    events = json.loads(mlgate("history", "--format", "json", cwd=repo).out)
    assert [(e["action"], e["version"], e["previous"]) for e in events] == [
        ("promote", "1", None),
        ("promote", "2", "1"),
        ("promote", "3", "2"),
        ("rollback", "2", "3"),
        ("rollback", "1", "2"),
    ]
    text = mlgate("history", cwd=repo).out
    assert "rollback  v1 (was v2)" in text
    assert text.startswith("wine @ champion: every move recorded by mlgate")


def test_refuses_a_failing_decision(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    assert compare_and_promote(mlgate, repo) == 0
    train(repo, 0.5)
    assert mlgate("compare", cwd=repo).code == 1
    result = mlgate("promote", cwd=repo)
    assert result.code == 1
    assert "did not pass" in result.out
    assert champion(store(repo)) == "1"
    assert len(client(store(repo)).search_model_versions("name='wine'")) == 1


def test_refuses_a_stale_decision(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    uri = store(repo)
    assert compare_and_promote(mlgate, repo) == 0
    train(repo, 0.91)
    assert mlgate("compare", cwd=repo).code == 0
    # Someone else promotes in the meantime.
    other = register_version(uri, "wine", model_metrics={"accuracy": 0.95}, alias="champion")
    result = mlgate("promote", cwd=repo)
    assert result.code == 1
    assert "moved since the comparison" in result.out
    assert "compare again" in result.out
    assert champion(uri) == other.version


def test_dry_run_changes_nothing(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    uri = store(repo)
    assert compare_and_promote(mlgate, repo) == 0
    before = client(uri).get_registered_model("wine")
    train(repo, 0.95)
    assert mlgate("compare", cwd=repo).code == 0
    dry = mlgate("promote", "--dry-run", cwd=repo)
    assert dry.code == 0
    assert "would move 'champion' of wine from v1" in dry.out
    dry_back = mlgate("rollback", "--dry-run", cwd=repo)
    assert dry_back.code == 1  # v1 has no predecessor
    after = client(uri).get_registered_model("wine")
    assert after.tags == before.tags
    assert len(client(uri).search_model_versions("name='wine'")) == 1
    assert champion(uri) == "1"


def test_needs_a_decision_against_the_registry(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    assert mlgate("promote", cwd=repo).code == 2  # no compare.json yet
    # A pass against a file baseline (`--baseline none` with relative rules alone compares
    # nothing: exit 2) is no decision against the registry either.
    (repo / "base.json").write_text('{"accuracy": 0.5}')
    assert mlgate("compare", "--baseline", "file:base.json", cwd=repo).code == 0
    result = mlgate("promote", cwd=repo)
    assert result.code == 2
    assert "promotion needs a decision against the registry" in result.err


def test_staged_rollout_through_a_challenger(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    uri = store(repo)
    assert compare_and_promote(mlgate, repo) == 0
    train(repo, 0.93)
    assert compare_and_promote(mlgate, repo, "--alias", "challenger") == 0
    assert champion(uri) == "1"
    assert champion(uri, alias="challenger") == "2"
    result = mlgate("promote", "--from-alias", "challenger", cwd=repo)
    assert result.code == 0, result.out + result.err
    assert champion(uri) == "2"
    # Judged against champion v1: once champion moves elsewhere, that judgement is stale.
    train(repo, 0.94)
    assert compare_and_promote(mlgate, repo, "--alias", "challenger") == 0
    register_version(uri, "wine", model_metrics={"accuracy": 0.99}, alias="champion")
    stale = mlgate("promote", "--from-alias", "challenger", cwd=repo)
    assert stale.code == 1
    assert "moved since the comparison" in stale.out


def test_promotes_the_model_of_an_mlflow_run(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = make_repo(tmp_path)
    uri = store(repo)
    import mlflow

    mlflow.set_tracking_uri(uri)
    experiment = mlflow.get_experiment(
        mlflow.create_experiment(
            "training", artifact_location=local_artifact_location(uri, "training")
        )
    )
    with mlflow.start_run(experiment_id=experiment.experiment_id) as run:
        model_dir = tmp_path / "model-files"
        model_dir.mkdir()
        (model_dir / "weights.bin").write_bytes(b"weights")
        mlflow.log_metric("accuracy", 0.97)
        logged = mlflow.MlflowClient(uri).create_logged_model(
            experiment.experiment_id, name="model", source_run_id=run.info.run_id
        )
        mlflow.MlflowClient(uri).log_model_artifacts(logged.model_id, str(model_dir))
    result = mlgate("compare", "--candidate", f"run:{run.info.run_id}", cwd=repo)
    assert result.code == 0, result.err
    promoted = mlgate("promote", cwd=repo)
    assert promoted.code == 0, promoted.err
    version = client(uri).get_model_version_by_alias("wine", "champion")
    assert version.run_id == run.info.run_id


@pytest.fixture
def server(shared_mlflow_server: RunningServer) -> str:
    return shared_mlflow_server.url


class LockRendezvous(BaseHTTPRequestHandler):
    """A proxy in front of the real server that holds the first two lock requests until both
    have come, then sends them on one after the other, in the order they came: the two
    promotions reach the lock together, and which of them takes it is known."""

    upstream = ""
    url = ""
    both_came = threading.Barrier(2)
    answered_one = threading.Condition()
    # the holder (host:pid:token) of each lock request, in arrival order
    came: ClassVar[list[str]] = []
    answered: ClassVar[list[str]] = []  # the holders whose lock request the server has answered

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_PUT(self) -> None:
        self._forward()

    def do_PATCH(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        holder = self._lock_holder(body)
        if holder is None:
            self._reply(self._send(body))
            return
        with self.answered_one:
            place = len(self.came)
            self.came.append(holder)
        if place < 2:
            self.both_came.wait(timeout=300)
            with self.answered_one:  # the one that came second waits for the first's answer
                self.answered_one.wait_for(lambda: len(self.answered) == place, timeout=300)
        answer = self._send(body)
        with self.answered_one:
            self.answered.append(holder)
            self.answered_one.notify_all()
        self._reply(answer)

    def _lock_holder(self, body: bytes) -> str | None:
        if self.command != "POST" or not self.path.endswith("/registered-models/create"):
            return None
        request = json.loads(body)
        if not str(request.get("name", "")).startswith("mlgate-lock--"):
            return None
        return next(tag["value"] for tag in request["tags"] if tag["key"] == "mlgate.holder")

    def _send(self, body: bytes) -> requests.Response:
        headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
        return requests.request(
            self.command, self.upstream + self.path, data=body, headers=headers, timeout=300
        )

    def _reply(self, response: requests.Response) -> None:
        self.send_response(response.status_code)
        self.send_header("Content-Type", response.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(response.content)))
        self.end_headers()
        self.wfile.write(response.content)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def rendezvous(server: str) -> Iterator[type[LockRendezvous]]:
    handler = type(
        "Rendezvous",
        (LockRendezvous,),
        {"upstream": server, "both_came": threading.Barrier(2),
         "answered_one": threading.Condition(), "came": [], "answered": []},
    )  # fmt: skip
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.slow
def test_concurrent_promotions_exactly_one_wins(
    tmp_path: Path, server: str, rendezvous: type[LockRendezvous]
) -> None:
    """Two candidates, both judged against champion v1, promoted at once from two processes
    whose lock requests reach the server together: the first one there promotes, the other
    finds the champion moved and changes nothing."""
    model = unique_name("race")
    base = make_repo(tmp_path / "base", uri=server, model=model)
    subprocess.run([sys.executable, "-m", "mlgate", "compare"], cwd=base, check=True)
    subprocess.run([sys.executable, "-m", "mlgate", "promote"], cwd=base, check=True)
    accuracy = {"a": 0.91, "b": 0.92}
    repos = {}
    for name, trained_to in accuracy.items():
        repo = make_repo(tmp_path / name, uri=rendezvous.url, model=model)
        train(repo, trained_to)
        subprocess.run([sys.executable, "-m", "mlgate", "compare"], cwd=repo, check=True)
        repos[name] = repo
    # Deadlines far beyond any load: the loser waits out the winner, it does not give up.
    promotions = {
        name: subprocess.Popen(
            [sys.executable, "-m", "mlgate", "promote", "--lock-wait", "600", "--timeout", "300"],
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, repo in repos.items()
    }
    said = {name: process.communicate(timeout=900)[0] for name, process in promotions.items()}
    codes = {name: process.returncode for name, process in promotions.items()}
    pid = {process.pid: name for name, process in promotions.items()}
    assert len(rendezvous.came) >= 2, "the two promotions never met at the lock"
    winner = pid[int(rendezvous.answered[0].split(":")[1])]  # host:pid:token
    loser = next(name for name in repos if name != winner)
    assert codes == {winner: 0, loser: 1}, said
    assert "'champion' moved since the comparison" in said[loser]
    holder = client(server).get_model_version_by_alias(model, "champion")
    logged = client(server).get_logged_model(holder.source.removeprefix("models:/"))
    assert {m.key: m.value for m in logged.metrics} == {"accuracy": accuracy[winner]}
    # The lock is gone, and the loser registered nothing.
    assert len(client(server).search_model_versions(f"name='{model}'")) == 2
    assert not client(server).search_registered_models(f"name='mlgate-lock--{model}'")


@pytest.mark.slow
def test_promote_and_rollback_over_http(tmp_path: Path, server: str, mlgate: RunMlgate) -> None:
    model = unique_name("http")
    repo = make_repo(tmp_path, uri=server, model=model)
    assert compare_and_promote(mlgate, repo) == 0
    train(repo, 0.95)
    assert compare_and_promote(mlgate, repo) == 0
    assert champion(server, model) == "2"
    assert mlgate("rollback", cwd=repo).code == 0
    assert champion(server, model) == "1"


@pytest.mark.parametrize(
    "args",
    [
        ("promote", "--lock-wait", "nan"),
        ("promote", "--timeout", "inf"),
        ("rollback", "--lock-wait", "inf"),
        ("rollback", "--timeout", "nan"),
        ("history", "--timeout", "nan"),
    ],
)
def test_numbers_that_are_not_finite_are_usage_errors(
    tmp_path: Path, mlgate: RunMlgate, args: tuple[str, ...]
) -> None:
    repo = make_repo(tmp_path)
    result = mlgate(*args, cwd=repo)
    assert result.code == 2
    assert args[1] in result.err


def test_an_alias_mlflow_rejects_is_refused_before_anything_is_registered(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = make_repo(tmp_path)
    assert mlgate("compare", cwd=repo).code == 0
    for args in (("--alias", "Champion Model"), ("--alias", "latest")):
        result = mlgate("promote", *args, cwd=repo)
        assert result.code == 2
        assert "is not an alias MLflow accepts" in result.err
    assert mlgate("rollback", "--alias", "no way", cwd=repo).code == 2
    assert client(store(repo)).search_registered_models("name='wine'") == []


def test_an_unreadable_ci_event_stops_promote_before_the_alias_moves(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the CI context can fail as input: that must happen before, not after, the move."""
    repo = make_repo(tmp_path)
    assert compare_and_promote(mlgate, repo) == 0
    train(repo, 0.95)
    assert compare_and_promote(mlgate, repo) == 0
    train(repo, 0.96)
    assert mlgate("compare", cwd=repo).code == 0
    event = tmp_path / "event.json"
    event.write_text("{not json")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    result = mlgate("promote", cwd=repo)
    assert result.code == 2
    assert "GITHUB_EVENT_PATH" in result.err
    assert champion(store(repo)) == "2"
    assert len(client(store(repo)).search_model_versions("name='wine'")) == 2
    assert mlgate("rollback", cwd=repo).code == 2
    assert champion(store(repo)) == "2"  # not rolled back to v1 and then reported as an error
