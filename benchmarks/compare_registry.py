"""`mlgate compare` against a big registry, next to the minimal hand-written MLflow lookup.

A real `mlflow server` on 127.0.0.1 holds one model with 1,000 versions and 5,000 runs.
Target (issue 16): `mlgate compare` wall time <= 0.6x a script making the minimal look-ups
with the full MLflow client (alias -> version -> run metrics), measured in the same run. mlgate
reads a tracking server through MLflow's REST API (mlflow_rest.py) and never imports mlflow;
the case "mlgate compare, MlflowClient reads" forces the former path, to show what the REST
reads save.

Run: .venv/bin/python benchmarks/compare_registry.py [--versions 1000] [--runs 5000] [--repeat 5]
(populating takes a few minutes; the store is written straight to sqlite, then served.)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

MODEL = "bench-model"

MINIMAL = """
import sys
from mlflow import MlflowClient
client = MlflowClient(sys.argv[1], registry_uri=sys.argv[1])
version = client.get_model_version_by_alias("bench-model", "champion")
print(client.get_run(version.run_id).data.metrics["accuracy"])
"""

# mlgate as installed, but reading through MlflowClient, as `mlgate compare` did before the
# REST reads (and still does for databricks, local stores and MLflow auth plugins).
FORCED_CLIENT = """
import sys
from mlgate.registry import rest as mlflow_rest
mlflow_rest.rest_applies = lambda uri: False
from mlgate.cli import main
main(sys.argv[1:])
"""


def populate(db: Path, versions: int, runs: int) -> None:
    from mlflow import MlflowClient

    uri = f"sqlite:///{db}"
    client = MlflowClient(uri, registry_uri=uri)
    experiment = client.create_experiment(MODEL)
    client.create_registered_model(MODEL)
    run_ids = []
    for i in range(runs):
        run_id = client.create_run(experiment).info.run_id
        client.log_metric(run_id, "accuracy", 0.8 + (i % 100) / 1000)
        client.set_terminated(run_id)
        run_ids.append(run_id)
    for i in range(versions):
        client.create_model_version(MODEL, source=f"runs:/{run_ids[i]}/model", run_id=run_ids[i])
    client.set_registered_model_alias(MODEL, "champion", str(versions // 2))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(db: Path, workdir: Path) -> Iterator[str]:
    import requests

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--backend-store-uri",
            f"sqlite:///{db}",
            "--artifacts-destination",
            str(workdir / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait()


def timed(command: list[str], cwd: Path, repeat: int, env: dict[str, str]) -> list[float]:
    subprocess.run(command, cwd=cwd, env=env, check=False, capture_output=True)  # warm caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
        if completed.returncode not in (0, 1):
            raise SystemExit(f"{command} failed: {completed.stderr.decode()[-2000:]}")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "registry.db"
        start = time.perf_counter()
        populate(db, args.versions, args.runs)
        print(
            f"populated {args.versions} versions, {args.runs} runs in "
            f"{time.perf_counter() - start:.0f} s"
        )
        repo = work / "repo"
        repo.mkdir()
        (repo / "candidate.json").write_text(json.dumps({"accuracy": 0.85}))
        (repo / "minimal.py").write_text(MINIMAL)
        with server(db, work) as url:
            (repo / "mlgate.yaml").write_text(
                "version: 1\n"
                f"mlflow: {{tracking_uri: '{url}', model: {MODEL}}}\n"
                "metrics: {candidate: 'file:candidate.json'}\n"
                "gates: {accuracy: {direction: higher, max_regression: 0.5}}\n"
            )
            env = {**os.environ, "MLGATE_RESULTS_DIR": str(work / "results")}
            env.pop("MLFLOW_TRACKING_URI", None)
            cases = {
                "python -c 'import mlflow'": [sys.executable, "-c", "import mlflow"],
                "minimal client script": [sys.executable, "minimal.py", url],
                "mlgate compare": [sys.executable, "-m", "mlgate", "compare", "--no-log"],
                "mlgate compare, MlflowClient reads": [
                    sys.executable,
                    "-c",
                    FORCED_CLIENT,
                    "compare",
                    "--no-log",
                ],
            }
            medians = {}
            for name, command in cases.items():
                medians[name] = statistics.median(timed(command, repo, args.repeat, env))
                print(f"{name}: median {medians[name]:.2f} s ({args.repeat} runs)")
    ratio = medians["mlgate compare"] / medians["minimal client script"]
    before = medians["mlgate compare, MlflowClient reads"] / medians["minimal client script"]
    print(f"mlgate compare / minimal script = {ratio:.2f}x (target <= 0.6x)")
    print(f"with MlflowClient reads it would be {before:.2f}x")


if __name__ == "__main__":
    main()
