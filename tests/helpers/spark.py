"""One SparkSession per test process (an xdist worker is a process): `local[2]`, few shuffle
partitions, no UI, quiet logs, and every directory Spark writes to under the worker's tmp dir,
so two workers never share a warehouse, a scratch dir or a Derby metastore.

A test module uses it by importing the fixture: `from tests.helpers.spark import spark`.
Tests are skipped when pyspark or Java is missing, unless MLGATE_REQUIRE_SPARK=1 (CI), where
they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


def _require_spark(connect: bool = False) -> None:
    missing = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark (pip install 'mlgate[spark]')")
    if connect:
        try:
            import grpc  # noqa: F401
        except ImportError:
            missing.append("the Spark Connect client (pip install 'pyspark[connect]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing.append("Java 17 (apt-get install openjdk-17-jre-headless)")
    if missing:
        reason = "the Spark engine's tests need " + " and ".join(missing)
        if os.environ.get("MLGATE_REQUIRE_SPARK") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require_spark()
    from pyspark.sql import SparkSession

    scratch = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("mlgate-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.local.dir", str(scratch / "local"))
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={scratch / 'derby'}")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def spark_connect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Spark Connect server started from the pyspark package (its spark-submit and Connect
    jar) on a free port of 127.0.0.1; yields its `sc://127.0.0.1:PORT`.

    A client session must live in a process of its own: pyspark.sql.functions builds classic
    or Connect columns for the whole process, and this one holds the classic `spark`."""
    _require_spark(connect=True)
    import subprocess
    import time
    from pathlib import Path

    import pyspark

    home = Path(pyspark.__file__).parent
    scratch = tmp_path_factory.mktemp("spark-connect")
    port = _free_port()
    log = (scratch / "server.log").open("wb")
    server = subprocess.Popen(
        [
            str(home / "bin" / "spark-submit"),
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--master",
            "local[2]",
            "--conf",
            f"spark.connect.grpc.binding.port={port}",
            "--conf",
            "spark.connect.grpc.binding.address=127.0.0.1",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.sql.shuffle.partitions=2",
            "--conf",
            f"spark.local.dir={scratch / 'local'}",
            "--conf",
            f"spark.sql.warehouse.dir={scratch / 'warehouse'}",
            "spark-internal",
        ],
        env={**os.environ, "SPARK_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, server, scratch / "server.log", time.monotonic() + 120)
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_for(port: int, server: Any, log: Any, deadline: float) -> None:
    import socket
    import time

    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the Spark Connect server exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:  # not listening yet
            time.sleep(1)
    pytest.fail(f"the Spark Connect server did not listen in time: {log.read_text()[-1000:]}")
