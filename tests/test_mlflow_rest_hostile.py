"""A server that is not MLflow (or answers as no MLflow would) is no verdict, never a pass.

A real HTTP server on 127.0.0.1 answers MLflow's REST endpoints: correctly, except for the one
endpoint under test, which gets a hostile or malformed reply. Correctly answered, the champion
is found and the candidate is worse than it (exit 1); so a 0 means a reply made the baseline
vanish (a bootstrap pass), and any exit but 1, 2 or 3, or a traceback, is a bug.
"""

from __future__ import annotations

import contextlib
import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers.cli import RunMlgate

API = "/api/2.0/mlflow/"
VERSION = {
    "name": "wine",
    "version": "1",
    "run_id": "r1",
    "source": "models:/m-1",
    "model_id": "m-1",
}
METRIC = {"key": "accuracy", "value": 0.9, "timestamp": "1700000000000", "step": "0"}
# What an MLflow 3 server answers, as its protobuf JSON has it.
VALID: dict[str, Any] = {
    "registered-models/alias": {"model_version": VERSION},
    "model-versions/get": {"model_version": VERSION},
    "logged-models/m-1": {"model": {"info": {"model_id": "m-1"}, "data": {"metrics": [METRIC]}}},
    "registered-models/get": {
        "registered_model": {
            "name": "wine",
            "creation_timestamp": "1700000000000",
            "aliases": [{"alias": "champion", "version": "1"}],
            "latest_versions": [VERSION],
            "tags": [{"key": "team", "value": "ml"}],
        }
    },
    "runs/get": {
        "run": {
            "info": {"run_id": "r1"},
            "data": {"metrics": [METRIC], "params": [{"key": "lr", "value": "0.1"}]},
            "inputs": {"dataset_inputs": [{"dataset": {"name": "eval", "digest": "d1"}}]},
        }
    },
    "registered-models/search": {"registered_models": [{"name": "iris"}]},
    "model-versions/search": {"model_versions": [VERSION]},
}
MISSING = (404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "not found"})

# Whole replies no MLflow server gives (status, body; a str body is sent as it is).
HOSTILE_REPLIES: list[tuple[int, Any]] = [
    (200, "<html>a proxy's page</html>"),
    (200, "null"),
    (200, "[]"),
    (200, '"text"'),
    (200, "1" + "0" * 400),
    (200, "[" * 100_000 + "]" * 100_000),
    (200, '{"a": 1, "a": 2}'),
    (404, "<html>Not Found</html>"),
    (404, {}),
    (405, ""),
    (400, {"detail": "bad"}),
]
# Values put in place of each field of a correct reply in turn.
HOSTILE_VALUES: list[Any] = [None, "text", "-1e999", 10**400, -1, True, [], {}, [{}], 1.5]


@dataclass
class Script:
    """How the server answers: each endpoint correctly unless overridden."""

    replies: dict[str, tuple[int, Any]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def answer(self, endpoint: str) -> tuple[int, Any]:
        self.asked.append(endpoint)
        if endpoint in self.replies:
            return self.replies[endpoint]
        if endpoint in VALID:
            return 200, VALID[endpoint]
        return 404, "<html>no such page</html>"


@contextlib.contextmanager
def scripted_server(script: Script) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            status, body = script.answer(path.removeprefix(API))
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def script() -> Script:
    return Script()


@pytest.fixture(scope="module")
def server(script: Script) -> Iterator[str]:
    with scripted_server(script) as url:
        yield url


@pytest.fixture
def repo(tmp_path: Path, server: str, script: Script) -> Path:
    script.replies.clear()
    script.asked.clear()
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\n"
        f"mlflow:\n  tracking_uri: {server}\n  model: wine\n"
        "metrics:\n  candidate: file:candidate.json\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.0}\n"
    )
    (tmp_path / "candidate.json").write_text(json.dumps({"accuracy": 0.5}))
    return tmp_path


def no_verdict_or_blocked(run: Any) -> None:
    assert run.code in (1, 2, 3), (run.code, run.out, run.err)
    assert "internal error" not in run.err
    assert "Traceback" not in run.err + run.out


def test_answered_correctly_the_champion_is_found_and_blocks(
    repo: Path, mlgate: RunMlgate, script: Script
) -> None:
    """The harness reaches every endpoint a found baseline reads; else the fuzz proves little."""
    run = mlgate("compare", cwd=repo, env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    assert run.code == 1, (run.out, run.err)
    data = json.loads((repo / ".mlgate" / "compare.json").read_text())
    assert data["details"]["baseline"]["resolution"] == "found"
    assert data["details"]["baseline"]["metrics"] == {"accuracy": 0.9}
    assert {"registered-models/alias", "logged-models/m-1", "registered-models/get"} <= set(
        script.asked
    )


FOUND_ENDPOINTS = ["registered-models/alias", "logged-models/m-1", "registered-models/get"]


@pytest.mark.parametrize("endpoint", FOUND_ENDPOINTS)
@pytest.mark.parametrize("reply", HOSTILE_REPLIES, ids=lambda reply: f"{reply[0]}-{reply[1]!s:.12}")
def test_a_reply_no_mlflow_gives_is_no_verdict(
    repo: Path, mlgate: RunMlgate, script: Script, endpoint: str, reply: tuple[int, Any]
) -> None:
    script.replies[endpoint] = reply
    run = mlgate("compare", cwd=repo, env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    assert run.code == 3, (run.code, run.out, run.err)
    assert "did not answer as an MLflow tracking server" in run.err
    assert "Traceback" not in run.err


def field_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path to every value in a JSON document (not the root)."""
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from field_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from field_paths(item, (*path, index))


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def value_at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    return "number" if isinstance(value, (int, float)) else type(value).__name__


# Text for text, a number for a number, is a reply of other content, not of another shape (a
# metric named "text", a champion at -1): left out, as what the gate makes of it is not the
# reader's to judge.
MUTATIONS = [
    (endpoint, path, value)
    for endpoint in FOUND_ENDPOINTS
    for path in field_paths(VALID[endpoint])
    for value in HOSTILE_VALUES
    if kind(value) != kind(value_at(VALID[endpoint], path)) or kind(value) in ("list", "dict")
]


def test_every_field_of_every_reply_replaced_is_never_a_pass(
    repo: Path, mlgate: RunMlgate, script: Script
) -> None:
    """Each field in turn replaced by a value of another type or out of range: the verdict is
    the same (1: the answer still reads as MLflow's, e.g. an empty optional field) or none (3),
    and never a pass because the champion was lost on the way."""
    outcomes: dict[int, int] = {}
    for endpoint, path, value in MUTATIONS:
        script.replies.clear()
        script.replies[endpoint] = (200, replaced(VALID[endpoint], path, value))
        run = mlgate("compare", cwd=repo, env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
        where = (endpoint, path, value)
        no_verdict_or_blocked(run)
        if run.code == 3:
            assert "did not answer as an MLflow tracking server" in run.err, (where, run.err)
        outcomes[run.code] = outcomes.get(run.code, 0) + 1
    assert outcomes.get(3, 0) > len(MUTATIONS) / 2  # most replacements break the shape


@pytest.mark.parametrize(
    "reply", [(404, "<html>Not Found</html>"), (404, {}), (200, {}), (200, '"text"')]
)
def test_history_against_a_server_that_is_not_mlflow_is_no_verdict(
    repo: Path, mlgate: RunMlgate, script: Script, server: str, reply: tuple[int, Any]
) -> None:
    for endpoint in VALID:
        script.replies[endpoint] = reply
    run = mlgate("history", cwd=repo, env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    assert run.code == 3, (run.out, run.err)
    assert f"the server at {server} did not answer as an MLflow tracking server" in run.err
    assert "no moves recorded" not in run.out


@pytest.mark.parametrize("command", ["compare", "gate"])
@pytest.mark.parametrize("reply", [(404, "<html>Not Found</html>"), (200, {}), (200, "[]")])
def test_a_first_model_whose_search_is_not_answered_as_mlflow_is_no_verdict(
    repo: Path, mlgate: RunMlgate, script: Script, command: str, reply: tuple[int, Any]
) -> None:
    """Alias and model are "not found" (a first model?), but the search that rules out a typo
    is answered as no MLflow would: no verdict, never a bootstrap pass."""
    script.replies["registered-models/alias"] = MISSING
    script.replies["registered-models/get"] = MISSING
    if reply == (200, {}):  # `{}` is an empty search, as MLflow says it: its page token is not
        reply = (200, {"registered_models": [], "next_page_token": ["not", "text"]})
    script.replies["registered-models/search"] = reply
    args = ("gate", "--skip", "validate", "--skip", "repro") if command == "gate" else (command,)
    run = mlgate(*args, cwd=repo, env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    assert run.code == 3, (run.out, run.err)
    assert "did not answer as an MLflow tracking server" in run.err + run.out
    assert "Traceback" not in run.err


def test_a_search_answered_does_not_exist_is_no_verdict(
    repo: Path, mlgate: RunMlgate, script: Script
) -> None:
    """A search finds nothing or something; "does not exist" is no answer MLflow gives to one."""
    script.replies["registered-models/alias"] = MISSING
    script.replies["registered-models/get"] = MISSING
    script.replies["registered-models/search"] = MISSING
    run = mlgate("compare", cwd=repo, env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
    assert run.code == 3, (run.out, run.err)
    assert "did not answer as an MLflow tracking server (search of registered models" in run.err
