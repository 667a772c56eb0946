"""The REST reader against MlflowClient, on the same real `mlflow server`: same answers.

`mlgate compare` reads a tracking server's registry through MLflow's REST API (mlflow_rest.py)
so that it does not import mlflow. Every lookup here is made both ways, on the same versions,
and must give identical metrics, origin, dataset and resolution, or the identical error.
"""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from mlgate.core.errors import ExternalError, InputError, MlgateError
from mlgate.registry import Dataset, Promotions, Registry, RestRegistry, open_registry, rest_applies
from tests.helpers.mlflow_store import RunningServer, client, free_port, register_version

pytestmark = pytest.mark.slow


SUFFIX = uuid.uuid4().hex[:10]  # this process's models, on the server every test shares


def named(model: str) -> str:
    return f"{model}-{SUFFIX}"


@pytest.fixture(scope="module")
def populated(shared_mlflow_server: RunningServer) -> str:
    populate(shared_mlflow_server.url)
    return shared_mlflow_server.url


@pytest.fixture
def server(populated: str) -> str:
    return populated


def populate(url: str) -> None:
    """Each way a version can carry (or lack) its metrics, and each way a lookup can miss."""
    from mlflow.entities import Dataset as MlflowDataset
    from mlflow.entities import DatasetInput

    logged = register_version(
        url,
        named("logged"),
        model_metrics={"accuracy": 0.91, "log_loss": 0.2},
        dataset=("eval", "d1"),
        alias="champion",
        run_metrics={"accuracy": 0.5},
    )
    mlflow_client = client(url)
    for key, value in {"accuracy": 0.88, "log_loss": 0.3}.items():
        mlflow_client.log_metric(
            logged.run_id,
            key,
            value,
            model_id=logged.model_id,
            dataset_name="holdout",
            dataset_digest="d2",
        )
    mlflow_client.log_metric(logged.run_id, "accuracy", 0.7, model_id=logged.model_id)
    register_version(url, named("logged"), model_metrics={"accuracy": 0.93}, alias="challenger")

    run_based = register_version(
        url,
        named("run-based"),
        run_metrics={"accuracy": 0.8, "log_loss": float("inf")},
        logged_model=False,
        alias="champion",
    )
    mlflow_client.log_inputs(
        run_based.run_id,
        [
            DatasetInput(
                MlflowDataset(name="eval", digest="d1", source_type="local", source="eval.csv")
            )
        ],
    )
    # What `mlgate promote` logs with a version: the pipeline's params (both key shapes).
    mlflow_client.log_param(run_based.run_id, "params.yaml.train.n_estimators", "100")
    mlflow_client.log_param(run_based.run_id, "lr", "0.1")
    register_version(
        url,
        named("empty-logged"),
        run_metrics={"accuracy": 0.6},
        model_metrics={},
        alias="champion",
    )
    register_version(url, named("no-metrics"), logged_model=False, alias="champion")
    register_version(url, named("no-alias"), run_metrics={"accuracy": 0.6}, logged_model=False)
    mlflow_client.create_registered_model(named("registered-empty"))
    mlflow_client.set_registered_model_tag(named("logged"), "mlgate.history", '[{"version": "1"}]')


Lookup = Callable[[Registry], Any]

LOOKUPS: dict[str, Lookup] = {
    "logged model, no candidate dataset": lambda r: r.alias_version(named("logged"), "champion"),
    "logged model, same digest": lambda r: r.alias_version(
        named("logged"), "champion", Dataset("other-name", "d2")
    ),
    "logged model, same name": lambda r: r.alias_version(
        named("logged"), "champion", Dataset("eval", "zzz")
    ),
    "logged model, no dataset matches": lambda r: r.alias_version(
        named("logged"), "champion", Dataset("train", "d9")
    ),
    "logged model by version": lambda r: r.version_metrics(named("logged"), "2"),
    "run-based version": lambda r: r.alias_version(named("run-based"), "champion"),
    "logged model without metrics: its run": lambda r: r.alias_version(
        named("empty-logged"), "champion"
    ),
    "a run named by id": lambda r: r.run_metrics(_run_of(r, named("run-based"))),
    "no metrics at all": lambda r: r.alias_version(named("no-metrics"), "champion"),
    "missing alias": lambda r: r.alias_version(named("logged"), "champoin"),
    "versions but no alias": lambda r: r.alias_version(named("no-alias"), "champion"),
    "typo of a model": lambda r: r.alias_version(named("loged"), "champion"),
    "bootstrap: a new model": lambda r: r.alias_version("brand-new-model-xyz", "champion"),
    "bootstrap: registered, no version": lambda r: r.alias_version(
        named("registered-empty"), "champion"
    ),
    "missing version": lambda r: r.version_metrics(named("logged"), "99"),
    "missing run": lambda r: r.run_metrics("0" * 32),
    "a version's run params": lambda r: r.run_params(_run_of(r, named("run-based"))),
    "a run without params": lambda r: r.run_params(_run_of(r, named("logged"))),
    "missing run's params": lambda r: r.run_params("0" * 32),
    "a version MLflow rejects": lambda r: r.version_metrics(named("logged"), "two"),
    "model tags (the alias history)": lambda r: Promotions(r).model_tags(named("logged")),
    "per-example records (artifacts: MlflowClient)": lambda r: r.per_example_records(
        named("logged"), "1", Path(tempfile.mkdtemp())
    ),
}


def _run_of(registry: Registry, model: str) -> str:
    found = registry.alias_version(model, "champion")
    assert not isinstance(found, str) and getattr(found, "run_id", None)
    return str(found.run_id)  # type: ignore[union-attr]


def outcome(lookup: Lookup, registry: Registry) -> tuple[str, Any]:
    try:
        return "found", lookup(registry)
    except MlgateError as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("case", list(LOOKUPS))
def test_rest_reads_answer_as_mlflow_client_does(server: str, case: str) -> None:
    rest, mlflow_client = RestRegistry(server, 30), Registry(server, 30)
    assert type(rest.client).__module__ == "mlgate.registry.rest"
    assert outcome(LOOKUPS[case], rest) == outcome(LOOKUPS[case], mlflow_client)


def test_the_cases_cover_each_outcome(server: str) -> None:
    """The contract above is only worth something if it compares each kind of answer."""
    rest = RestRegistry(server, 30)
    kinds = {case: outcome(lookup, rest) for case, lookup in LOOKUPS.items()}
    assert kinds["logged model, same digest"][1].origin.endswith(
        " on dataset holdout@d2 (same dataset digest as the candidate)"
    )
    assert kinds["logged model, no dataset matches"][1].metrics == {"accuracy": 0.7}
    assert kinds["run-based version"][1].dataset == Dataset("eval", "d1")
    assert kinds["logged model without metrics: its run"][1].origin.startswith("run ")
    assert kinds["no metrics at all"][0] == "ExternalError"
    assert f"did you mean '{named('logged')}'" in kinds["typo of a model"][1]
    assert "Did you mean 'champion'" in kinds["missing alias"][1]
    assert kinds["bootstrap: a new model"][1].reason.endswith("does not exist yet")
    assert kinds["bootstrap: registered, no version"][1].reason.endswith("has no version yet")
    assert kinds["missing version"][0] == kinds["missing run"][0] == "InputError"
    assert kinds["model tags (the alias history)"][1]["mlgate.history"] == '[{"version": "1"}]'
    assert kinds["a version's run params"][1] == {
        "params.yaml.train.n_estimators": "100",
        "lr": "0.1",
    }
    assert kinds["a run without params"][1] == {}
    assert kinds["missing run's params"][0] == "ExternalError"


def test_compare_against_a_server_does_not_import_mlflow(server: str, tmp_path: Path) -> None:
    (tmp_path / "candidate.json").write_text(json.dumps({"accuracy": 0.95}))
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\n"
        f"mlflow: {{tracking_uri: '{server}', model: {named('logged')}}}\n"
        "metrics: {candidate: 'file:candidate.json'}\n"
        "gates: {accuracy: {direction: higher, max_regression: 0.01}}\n"
    )
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('imported mlflow:', 'mlflow' in sys.modules,"
        " file=sys.stderr))\n"
        "from mlgate.cli import main\n"
        "main(['compare', '--format', 'json'])\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**_env_without_mlflow_settings(), "MLGATE_RESULTS_DIR": str(tmp_path / "out")},
    )
    assert completed.returncode == 0, completed.stderr
    assert "imported mlflow: False" in completed.stderr
    baseline = json.loads(completed.stdout)["details"]["baseline"]
    assert baseline["version"] == "1"
    assert baseline["metrics"]["accuracy"] == 0.7  # no candidate dataset: the undated ones
    assert baseline["resolution"] == "found"


def _env_without_mlflow_settings() -> dict[str, str]:
    import os

    return {key: value for key, value in os.environ.items() if not key.startswith("MLFLOW_")}


def test_which_stores_are_read_over_rest(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert rest_applies("https://mlflow.example.com/prefix")
    assert not rest_applies("databricks")
    assert not rest_applies(f"sqlite:///{tmp_path}/mlflow.db")
    assert type(open_registry(f"sqlite:///{tmp_path}/mlflow.db", 30)) is Registry
    monkeypatch.setenv("MLFLOW_TRACKING_AWS_SIGV4", "true")  # MLflow signs each request
    assert not rest_applies("https://mlflow.example.com")
    monkeypatch.setenv("MLFLOW_TRACKING_AWS_SIGV4", "false")
    assert rest_applies("https://mlflow.example.com")
    monkeypatch.setenv("MLFLOW_TRACKING_AUTH", "my-plugin")  # only MLflow knows the plugin
    assert not rest_applies("https://mlflow.example.com")


# --- credentials: an authenticating proxy in front of the real server ----------------------


@contextlib.contextmanager
def auth_proxy(upstream: str, accepted: set[str]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that answers 401 (text) unless the Authorization header
    is one of `accepted`, and otherwise forwards the request to `upstream`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.headers.get("Authorization") not in accepted:
                self._answer(401, b"You are not authenticated.", "text/plain")
                return
            answer = requests.get(f"{upstream}{self.path}", timeout=30)
            self._answer(answer.status_code, answer.content, "application/json")

        def _answer(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


BASIC = "Basic " + base64.b64encode(b"alice:s3cret").decode()


@pytest.mark.parametrize(
    "settings",
    [
        {"MLFLOW_TRACKING_USERNAME": "alice", "MLFLOW_TRACKING_PASSWORD": "s3cret"},
        {"MLFLOW_TRACKING_TOKEN": "t0ken"},
        {"credentials file": "yes"},
        {"MLFLOW_TRACKING_USERNAME": "alice", "MLFLOW_TRACKING_PASSWORD": "wrong"},
        {},
    ],
    ids=["basic", "token", "credentials-file", "wrong-password", "none"],
)
def test_credentials_are_sent_as_mlflow_sends_them(
    server: str, settings: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    for key in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    if settings.pop("credentials file", None):
        (tmp_path / ".mlflow").mkdir()
        (tmp_path / ".mlflow" / "credentials").write_text(
            "[mlflow]\nmlflow_tracking_username = alice\nmlflow_tracking_password = s3cret\n"
        )
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    lookup = LOOKUPS["logged model, no candidate dataset"]
    with auth_proxy(server, {BASIC, "Bearer t0ken"}) as url:
        rest = outcome(lookup, RestRegistry(url, 30))
        mlflow_client = outcome(lookup, Registry(url, 30))
    assert rest[0] == mlflow_client[0]
    if rest[0] == "found":
        assert rest == mlflow_client
    else:
        assert rest[0] == ExternalError.__name__  # 401: no verdict, exit 3
        assert "You are not authenticated" in rest[1]


def test_insecure_tls_and_a_server_certificate_are_refused_together(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", str(tmp_path / "ca.pem"))
    with pytest.raises(InputError, match="set only one"):
        RestRegistry(f"https://127.0.0.1:{free_port()}", 30)


# --- mlflow-skinny: the `mlflow` extra reads servers; a local store needs `mlflow-local` ---------

# What an environment with only mlflow-skinny looks like to Python: no sqlalchemy to import.
# MLflow decides the same way (importlib.util.find_spec("sqlalchemy")) whether a database
# store can be opened at all.
SKINNY_ONLY = "import sys; sys.modules['sqlalchemy'] = None\n"


@pytest.mark.parametrize("command", ["compare", "history"])
def test_a_local_store_with_only_mlflow_skinny_names_the_extra(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "candidate.json").write_text(json.dumps({"accuracy": 0.95}))
    # A store that exists: one not made yet is read without opening it (no extra needed).
    (tmp_path / "mlflow.db").write_bytes(b"SQLite format 3\x00")
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\n"
        "mlflow: {tracking_uri: 'sqlite:///mlflow.db', model: wine}\n"
        "metrics: {candidate: 'file:candidate.json'}\n"
        "gates: {accuracy: {direction: higher, max_regression: 0.01}}\n"
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            SKINNY_ONLY + f"from mlgate.cli import main; main([{command!r}])",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**_env_without_mlflow_settings(), "MLGATE_RESULTS_DIR": str(tmp_path / "out")},
    )
    assert completed.returncode == 2, completed.stderr
    assert "pip install 'mlgate[mlflow-local]'" in completed.stderr
    assert f"open the local store sqlite:///{tmp_path.resolve()}/mlflow.db" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert (tmp_path / "mlflow.db").read_bytes() == b"SQLite format 3\x00"  # not written
