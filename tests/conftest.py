from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from mlgate.cli import main
from tests.helpers.cli import Run, RunMlgate
from tests.helpers.mlflow_store import RunningServer, SharedServer

# CI replays the same examples every run, so a landing never hangs on a random draw; the fuzz
# tests still explore anew on a developer's machine, where what they find is fixed at its root.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

# What a runner (or a developer's shell) sets that mlgate reads: no test inherits it; a test that
# wants one sets it itself.
OUTSIDE_ENVIRONMENT = (
    "MLFLOW_TRACKING_URI",
    "MLGATE_RESULTS_DIR",
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITHUB_OUTPUT",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
    "GITHUB_SERVER_URL",
    "GITHUB_SHA",
    "GITHUB_STEP_SUMMARY",
)


@pytest.fixture(autouse=True)
def _no_outside_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OUTSIDE_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_tracking_uri_leaks() -> Iterator[None]:
    """MLflow's set_tracking_uri (test helpers, promote, register_model) sets a process-wide URI
    and MLFLOW_TRACKING_URI: a later test in the same worker must not inherit a server that
    stopped with the test that started it."""
    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield
    if "mlflow" in sys.modules:  # its own global, even where the variable was restored
        sys.modules["mlflow"].set_tracking_uri(before)
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


@pytest.fixture
def mlgate(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunMlgate:
    """Run the real CLI entry point in-process and return its exit code and output."""

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        captured = capsys.readouterr()
        code = exit_info.value.code
        return Run(code if isinstance(code, int) else 1, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def shared_mlflow_server(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[RunningServer]:
    """The run's one real `mlflow server`: a test names its models and experiments with
    `unique_name`. A test that needs a server of its own (one that stops, refuses, or sits
    behind a proxy) starts it itself."""
    # Under xdist the base temp of each worker sits in the run's own folder; alone, that
    # folder is shared with earlier (and other users') runs, so stay in this run's.
    base = tmp_path_factory.getbasetemp()
    shared = SharedServer(base.parent if worker_id != "master" else base)
    server = shared.acquire()
    try:
        yield server
    finally:
        shared.release()
