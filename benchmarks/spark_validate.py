"""The Spark engine's validation against today's pandas path, on this machine: wall time and the
driver's peak RSS for one CSV (and its Parquet copy) with injected failures, and whether the
counts agree.

Spark runs in local[2] (the machine's two cores); the driver is this Python process plus its
JVM, whose peak RSS is read from /proc when the run ends (the JVM's heap is capped by
spark.driver.memory, default 1g). The pandas figure is `mlgate validate`'s own path
(chunked reader + Pandera), in a child process so its RSS is its own.

Run: .venv/bin/python benchmarks/spark_validate.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEMA = """\
schema_type: dataframe
version: 0.0.0
columns:
  id: {dtype: int64, nullable: false, unique: true}
  amount: {dtype: float64, nullable: false, checks: {in_range: {min_value: 0, max_value: 100}}}
  count: {dtype: int64, nullable: true, checks: {greater_than_or_equal_to: 0}}
  category: {dtype: str, nullable: false, checks: {isin: [a, b, c]}}
  code: {dtype: str, nullable: true, checks: {str_matches: "[A-Z]{3}"}}
"""

PANDAS_RUN = """
import json, resource, sys, time
from pathlib import Path
from mlgate.validate import ValidateRequest, run_validate
start = time.perf_counter()
request = ValidateRequest(config=None, paths=(Path(sys.argv[1]),), schema="schema.yaml")
result = run_validate(request)
entry = result.details["files"][0]
print(json.dumps({"s": time.perf_counter() - start,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "counts": {f"{f['column']}|{f['check']}": f["rows"] for f in entry["failures"]}}))
"""


def make_data(folder: Path, rows: int) -> Path:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "amount": rng.uniform(0, 100, rows),
            "count": rng.integers(0, 1000, rows),
            "category": rng.choice(["a", "b", "c"], rows),
            "code": rng.choice(["ABC", "XYZ"], rows),
        }
    )
    bad = rng.choice(rows, 500, replace=False)
    frame.loc[bad[:100], "amount"] = 101.0
    frame.loc[bad[100:200], "category"] = "d"
    frame.loc[bad[200:300], "id"] = 0
    frame.loc[bad[300:400], "code"] = "abc"
    frame.loc[bad[400:], "count"] = -1
    path = folder / "data.csv"
    frame.to_csv(path, index=False)
    frame.to_parquet(folder / "data.parquet", index=False)
    return path


def child_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def jvm_rss_mb(spark) -> float:  # type: ignore[no-untyped-def]
    pid = spark.sparkContext._jvm.ProcessHandle.current().pid()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    from pyspark.sql import SparkSession

    from mlgate.data.spark import resolve_source, validate_source
    from mlgate.validate.schema import load_schema

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "schema.yaml").write_text(SCHEMA, encoding="utf-8")
        make_data(folder, rows)
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        schema = load_schema(str(folder / "schema.yaml"), folder)
        for name in ("data.csv", "data.parquet"):
            done = subprocess.run(
                [sys.executable, "-c", PANDAS_RUN, name],
                cwd=folder, capture_output=True, text=True, check=True,
            )  # fmt: skip
            pandas = json.loads(done.stdout.strip().splitlines()[-1])
            start = time.perf_counter()
            entry = validate_source(spark, resolve_source(name, folder), schema, max_examples=5)
            took = time.perf_counter() - start
            counts = {f"{f['column']}|{f['check']}": f["rows"] for f in entry["failures"]}
            print(
                f"{name} {rows:,} rows: pandas {pandas['s']:.2f} s (peak RSS "
                f"{pandas['rss_mb']:.0f} MB); spark local[2] {took:.2f} s (JVM peak RSS "
                f"{jvm_rss_mb(spark):.0f} MB); counts equal: {counts == pandas['counts']}"
            )
        spark.stop()


if __name__ == "__main__":
    main()
