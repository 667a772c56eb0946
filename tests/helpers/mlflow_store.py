"""Real MLflow for tests: a sqlite store in a tmp dir, or a real `mlflow server` on 127.0.0.1
(the one every test shares, `SharedServer`, or a test's own)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mlgate.registry import local_artifact_location


@dataclass(frozen=True)
class Version:
    version: str
    run_id: str
    model_id: str | None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def client(uri: str):  # type: ignore[no-untyped-def]
    from mlflow import MlflowClient

    copy_migrated_store(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


SQLITE = "sqlite:///"
_migrated: list[Path] = []  # this process's template, made on first use


def copy_migrated_store(uri: str) -> None:
    """A new sqlite store as MLflow would make it, copied from one made once per test process.

    MLflow runs about 5 s of schema migrations for every new sqlite store; a copy of a migrated
    empty one is the same store. The one thing MLflow writes that depends on where it runs is
    the default experiment's artifact folder (./mlruns/0 from the working directory): set as
    MLflow would have set it here. An existing store, or any other URI, is left alone.
    """
    if not uri.startswith(SQLITE):
        return
    path = Path(uri[len(SQLITE) :])
    if path.exists():
        return
    if not _migrated:
        from mlflow import MlflowClient

        template = Path(tempfile.mkdtemp(prefix="mlgate-migrated-store-")) / "mlflow.db"
        made = f"{SQLITE}{template}"
        MlflowClient(tracking_uri=made, registry_uri=made).search_registered_models()
        _migrated.append(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_migrated[0], path)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
            (str(Path.cwd().resolve() / "mlruns" / "0"),),
        )


def register_version(
    uri: str,
    model: str,
    **how: Any,
) -> Version:
    """A registered version as MLflow 3 makes it (see `_register_version`), leaving MLflow's
    process-wide tracking URI as it found it: a fixture that outlives its server (module
    scope) must not hand that server's address to every later test in the worker."""
    import mlflow

    previous = os.environ.get("MLFLOW_TRACKING_URI")
    try:
        return _register_version(uri, model, **how)
    finally:
        mlflow.set_tracking_uri(previous)
        if previous is not None:
            os.environ["MLFLOW_TRACKING_URI"] = previous


def _register_version(
    uri: str,
    model: str,
    *,
    run_metrics: dict[str, float] | None = None,
    model_metrics: dict[str, float] | None = None,
    dataset: tuple[str, str] | None = None,
    alias: str | None = None,
    logged_model: bool = True,
) -> Version:
    """A registered version as MLflow 3 makes it: a run, a LoggedModel, a version of it."""
    import mlflow
    from mlflow.exceptions import MlflowException

    # MLflow resolves a `models:/m-...` source through the global tracking URI, not the
    # client's (a TODO in mlflow's sqlalchemy_store): point both at the same store.
    mlflow.set_tracking_uri(uri)
    mlflow_client = client(uri)
    with contextlib.suppress(MlflowException):
        mlflow_client.create_registered_model(model)
    experiment = mlflow_client.get_experiment_by_name(model)
    experiment_id = (
        experiment.experiment_id
        if experiment
        else mlflow_client.create_experiment(
            model, artifact_location=local_artifact_location(uri, model)
        )
    )
    run_id = mlflow_client.create_run(experiment_id).info.run_id
    for key, value in (run_metrics or {}).items():
        mlflow_client.log_metric(run_id, key, value)
    model_id = None
    if logged_model:
        logged = mlflow_client.create_logged_model(
            experiment_id, source_run_id=run_id, name="model"
        )
        model_id = logged.model_id
        name, digest = dataset or (None, None)
        for key, value in (model_metrics or {}).items():
            mlflow_client.log_metric(
                run_id, key, value, model_id=model_id, dataset_name=name, dataset_digest=digest
            )
    source = f"models:/{model_id}" if model_id else f"runs:/{run_id}/model"
    version = mlflow_client.create_model_version(
        model, source=source, run_id=run_id, model_id=model_id
    )
    if alias:
        mlflow_client.set_registered_model_alias(model, alias, version.version)
    mlflow_client.set_terminated(run_id)
    return Version(str(version.version), run_id, model_id)


@contextlib.contextmanager
def mlflow_server(workdir: Path) -> Iterator[str]:
    """A real `mlflow server` process on a free 127.0.0.1 port, stopped afterwards."""
    port = free_port()
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{workdir / 'server.db'}",
            "--artifacts-destination",
            str(workdir / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,  # whatever the server writes by default stays in the test's folder
        env={**os.environ, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a loaded 2-core CI machine can be slow to start it
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {(workdir / 'server.log').read_text()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("mlflow server did not start within 300 s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def unique_name(prefix: str) -> str:
    """A model or experiment name no other test on the shared server uses (two xdist workers
    may run tests of the same name, so the tmp dir's name is not enough)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class RunningServer:
    url: str
    store: Path  # its sqlite file: a test may age a lock in it, as no API can


class SharedServer:
    """One `mlflow server` for every test process of a run, started by whichever needs it first.

    xdist's workers share the run's tmp root: a file lock there serialises them, a state file
    names the running server and counts its users. The process that started it stops it once
    the count is back to zero (its own session is over by then; it waits for the other's).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = root / "mlflow-server.json"
        self._owned: contextlib.ExitStack | None = None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        with (self.root / "mlflow-server.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            state = json.loads(self.state.read_text()) if self.state.exists() else {"users": 0}
            yield state
            self.state.write_text(json.dumps(state))

    def acquire(self) -> RunningServer:
        with self._locked() as state:
            if state["users"] == 0:  # none, or the last one was stopped: start one
                workdir = Path(tempfile.mkdtemp(prefix="mlflow-server-", dir=self.root))
                self._owned = contextlib.ExitStack()
                state["url"] = self._owned.enter_context(mlflow_server(workdir))
                state["store"] = str(workdir / "server.db")
            state["users"] += 1
            return RunningServer(state["url"], Path(state["store"]))

    def release(self, deadline_s: float = 3600) -> None:
        with self._locked() as state:
            state["users"] -= 1
        if self._owned is None:
            return
        deadline = time.monotonic() + deadline_s
        while True:
            with self._locked() as state:
                if state["users"] == 0 or time.monotonic() > deadline:
                    state["users"] = 0  # stopped: a later user starts a new one
                    self._owned.close()
                    return
            time.sleep(0.5)
