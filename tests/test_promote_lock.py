"""The promotion lock and the alias write, against a real `mlflow server` on 127.0.0.1.

Stale locks are made by ageing a real lock in the server's own sqlite store (MLflow offers
no way to set a creation time), and a lost answer by a real HTTP proxy in front of the server
that holds back (or refuses) the alias write.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.helpers.mlflow_store import RunningServer, client, register_version, unique_name

pytestmark = pytest.mark.slow

LOCK = "mlgate-lock--{model}"


@pytest.fixture
def server(shared_mlflow_server: RunningServer) -> tuple[str, Path]:
    return shared_mlflow_server.url, shared_mlflow_server.store


def stale_lock(url: str, db: Path, model: str) -> None:
    """A lock left by a promotion that died an hour ago."""
    name = LOCK.format(model=model)
    client(url).create_registered_model(name, tags={"mlgate.holder": "dead-host:1:0"})
    with sqlite3.connect(db) as store:
        store.execute(
            "UPDATE registered_models SET creation_time = creation_time - 3600000 WHERE name = ?",
            (name,),
        )


def wait_for(condition: Callable[[], bool], what: str, deadline_s: float = 300) -> None:
    """Until `condition` holds (another process's signal), or fail after `deadline_s`."""
    deadline = time.monotonic() + deadline_s
    while not condition():
        assert time.monotonic() < deadline, f"waited {deadline_s:g} s for {what}"
        time.sleep(0.05)


# One holder: take the lock once everyone is ready, hold it a while, check it is still ours.
HOLDER = """\
import json, sys, time
from pathlib import Path
from mlgate.core.errors import MlgateError
from mlgate.registry import Promotions, Registry

url, model, hold_s = sys.argv[1], sys.argv[2], float(sys.argv[5])
ready, go = Path(sys.argv[3]), Path(sys.argv[4])
promotions = Promotions(Registry(url, timeout_s=30))
ready.touch()  # mlflow is imported: at the start line
while not go.exists():
    time.sleep(0.01)
lock = promotions.acquire_lock(model, "test", wait_s=120)
start = time.time()
time.sleep(hold_s)
try:
    promotions.verify_lock(lock)
    kept = True
except MlgateError:
    kept = False
end = time.time()
promotions.release_lock(lock)
print(json.dumps({"start": start, "end": end, "kept": kept}))
"""


def run_holders(tmp_path: Path, url: str, model: str, count: int) -> list[dict[str, float]]:
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{index}" for index in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", HOLDER, url, model, str(flag), str(go), "1.5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    wait_for(lambda: all(flag.exists() for flag in ready), "every holder at the start line")
    go.touch()
    held = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        held.append(json.loads(out.strip().splitlines()[-1]))
    return held


def test_waiters_on_a_stale_lock_hold_it_one_at_a_time(tmp_path: Path, server: tuple) -> None:
    url, db = server
    model = unique_name("stale")
    stale_lock(url, db, model)
    held = sorted(run_holders(tmp_path, url, model, count=3), key=lambda h: h["start"])
    assert all(h["kept"] for h in held), held
    for before, after in itertools.pairwise(held):
        assert before["end"] <= after["start"], held  # never two holders at once
    # The lock and the tombstone of the broken one are gone.
    pattern = f"name LIKE '{LOCK.format(model=model)}%'"
    assert [m.name for m in client(url).search_registered_models(pattern)] == []


def test_a_late_waiter_with_a_stale_reading_breaks_nothing(tmp_path: Path, server: tuple) -> None:
    """B read the lock when it was stale; A broke it and holds a fresh one; then B acts on
    its old reading. Deleting by name would have deleted A's lock."""
    from mlgate.registry import Promotions, Registry

    url, db = server
    model = unique_name("late")
    name = LOCK.format(model=model)
    stale_lock(url, db, model)
    late = Promotions(Registry(url, timeout_s=30))
    stale_reading = late.read_lock(name)
    first = Promotions(Registry(url, timeout_s=30))
    lock = first.acquire_lock(model, "first", wait_s=30)  # breaks the stale lock, takes it
    late.break_lock(name, stale_reading)
    first.verify_lock(lock)  # still the first one's
    assert client(url).get_registered_model(name).tags["mlgate.holder"] == lock.token
    with pytest.raises(Exception, match="holds the lock"):
        late.acquire_lock(model, "late", wait_s=1)
    first.release_lock(lock)
    assert not client(url).search_registered_models(f"name LIKE '{name}%'")


def test_a_broken_lock_stops_its_holder_before_the_alias_moves(
    tmp_path: Path, server: tuple
) -> None:
    from mlgate.core.errors import ExternalError
    from mlgate.registry import Promotions, Registry

    url, db = server
    model = unique_name("slow")
    name = LOCK.format(model=model)
    slow = Promotions(Registry(url, timeout_s=30))
    lock = slow.acquire_lock(model, "slow", wait_s=5)
    with sqlite3.connect(db) as store:  # it has held the lock past its lease
        store.execute(
            "UPDATE registered_models SET creation_time = creation_time - 3600000 WHERE name = ?",
            (name,),
        )
    other = Promotions(Registry(url, timeout_s=30))
    taken = other.acquire_lock(model, "other", wait_s=5)
    with pytest.raises(ExternalError, match="was broken while this promotion held it"):
        slow.verify_lock(lock)
    slow.release_lock(lock)  # must not release the other's lock
    other.verify_lock(taken)
    other.release_lock(taken)


# --- an alias write whose answer is lost ----------------------------------------------------


class _Proxy(BaseHTTPRequestHandler):
    """Forwards to the real server; the alias write is held back or refused (see `mode`)."""

    upstream = ""
    mode = "forward"  # forward | late (forward, answer `delay_s` later) | refuse (500, not sent on)
    delay_s = 4.0

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_PATCH(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        alias_write = self.command == "POST" and self.path.endswith("/registered-models/alias")
        if alias_write and self.mode == "refuse":
            self._reply(500, b'{"error_code": "INTERNAL_ERROR", "message": "proxy refused"}')
            return
        response = requests.request(
            self.command,
            self.upstream + self.path,
            data=body,
            headers={"Content-Type": self.headers.get("Content-Type", "application/json")},
            timeout=30,
        )
        if alias_write and self.mode == "late":
            time.sleep(self.delay_s)
        self._reply(response.status_code, response.content)

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy(server: tuple) -> Iterator[type[_Proxy]]:
    handler = type("Proxy", (_Proxy,), {"upstream": server[0]})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        httpd.shutdown()
        httpd.server_close()


MOVE = """\
import sys
from mlgate.core.errors import MlgateError
from mlgate.registry import Promotions, Registry

url, model = sys.argv[1], sys.argv[2]
registry = Registry(url, timeout_s=120)  # opening the client imports a lot: not under test
registry.timeout_s = 3
try:
    Promotions(registry).set_alias(model, "champion", "2")
except MlgateError as exc:
    print(f"error: {exc}")
else:
    print("moved")
"""


def move_through(
    proxy: type[_Proxy], model: str, mode: str, *, http_timeout_s: int = 1, delay_s: float = 4
) -> str:
    """Move champion to v2 with a 3 s deadline per call, through the proxy."""
    proxy.mode = mode
    proxy.delay_s = delay_s
    completed = subprocess.run(
        [sys.executable, "-c", MOVE, proxy.url, model],  # type: ignore[attr-defined]
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={
            **os.environ,
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
            "MLFLOW_HTTP_REQUEST_TIMEOUT": str(http_timeout_s),
        },
    )
    return completed.stdout.strip()


@pytest.mark.parametrize(
    "http_timeout_s",
    [1, 60],
    ids=["the HTTP request timed out", "mlgate's deadline cut the call off"],
)
def test_an_alias_write_whose_answer_came_late_is_read_again(
    tmp_path: Path, server: tuple, proxy: type[_Proxy], http_timeout_s: int
) -> None:
    url, _ = server
    model = unique_name("late-answer")
    register_version(url, model, model_metrics={"accuracy": 0.9}, alias="champion")
    register_version(url, model, model_metrics={"accuracy": 0.95})
    said = move_through(proxy, model, "late", http_timeout_s=http_timeout_s)
    assert said == "moved"  # it landed: only the answer was lost
    assert client(url).get_model_version_by_alias(model, "champion").version == "2"


def test_an_alias_write_still_unanswered_is_not_called_done(
    tmp_path: Path, server: tuple, proxy: type[_Proxy]
) -> None:
    """No answer within the deadline and one more: the write may yet land, and it is said so."""
    url, _ = server
    model = unique_name("no-answer")
    register_version(url, model, model_metrics={"accuracy": 0.9}, alias="champion")
    register_version(url, model, model_metrics={"accuracy": 0.95})
    said = move_through(proxy, model, "late", http_timeout_s=60, delay_s=15)
    assert said.startswith("error: moving 'champion' of")
    assert "the write may still land" in said


def test_an_alias_write_that_failed_says_nothing_moved(
    tmp_path: Path, server: tuple, proxy: type[_Proxy]
) -> None:
    url, _ = server
    model = unique_name("refused")
    register_version(url, model, model_metrics={"accuracy": 0.9}, alias="champion")
    register_version(url, model, model_metrics={"accuracy": 0.95})
    said = move_through(proxy, model, "refuse")
    assert said.startswith("error: moving 'champion' of")
    assert "v1 holds it: nothing was moved" in said
    assert client(url).get_model_version_by_alias(model, "champion").version == "1"
