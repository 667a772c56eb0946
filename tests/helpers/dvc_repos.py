"""Real git + DVC repositories in tmp dirs, with stages that run this Python."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DVC_ENV = {**os.environ, "DVC_NO_ANALYTICS": "1"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def dvc(repo: Path, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env=DVC_ENV,
    ).stdout


def init_repo(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "config", "user.name", "test")
    git(repo, "config", "user.email", "test@example.invalid")
    dvc(repo, "init", "--quiet")
    return repo


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


EVALUATE = """\
import json, yaml
params = yaml.safe_load(open("params.yaml"))
json.dump({"accuracy": params["accuracy"], "log_loss": params["log_loss"]},
          open("metrics.json", "w"))
"""


METRICS_OUT = {
    True: "      - metrics.json\n",
    False: "      - metrics.json:\n          cache: false\n",
}


def metrics_pipeline(repo: Path, accuracy: float, log_loss: float, *, cached: bool = False) -> Path:
    """A one-stage pipeline whose metrics are whatever params.yaml says (quick to reproduce).

    `cached`: metrics.json is kept in the DVC cache (DVC's default for `metrics:`), not in git.
    """
    init_repo(repo)
    (repo / "evaluate.py").write_text(EVALUATE)
    set_params(repo, accuracy, log_loss)
    (repo / "dvc.yaml").write_text(
        "stages:\n"
        "  evaluate:\n"
        f"    cmd: {sys.executable} evaluate.py\n"
        "    deps: [evaluate.py]\n"
        "    params: [accuracy, log_loss]\n"
        "    metrics:\n" + METRICS_OUT[cached]
    )
    return repo


def set_params(repo: Path, accuracy: float, log_loss: float) -> None:
    (repo / "params.yaml").write_text(f"accuracy: {accuracy}\nlog_loss: {log_loss}\n")


@contextmanager
def hung_http_remote() -> Iterator[str]:
    """The URL of an HTTP DVC remote on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/dvc-store"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
