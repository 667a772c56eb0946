"""The Polars engine next to hand-written pandas Pandera, and drift next to `pd.read_csv`.

Targets (issue 26), 1,000,000 rows x 20 columns (8 full-precision floats, 6 ints, 4
four-valued categories, a unique string id, a 0/1 target), measured in the same run:
- `mlgate validate --engine polars` <= 0.5x the wall time and the peak RSS of hand-written
  pandas Pandera (`pd.read_csv` / `pd.read_parquet` + `schema.validate(lazy=True)`), for CSV
  and for Parquet;
- `mlgate drift` of the CSV against its profile <= 1.0x `pd.read_csv` of the file alone.

Run: .venv/bin/python benchmarks/engines.py [--rows 1000000] [--runs 1]
Each measurement is a fresh process; peak RSS is that process's ru_maxrss (children included).
CPU time (user + system) is printed beside wall time: on a busy machine it is the steadier.
Not a timed test: the figures go in the closing note.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FLOATS, INTS, CATEGORIES = 8, 6, 4
SCHEMA_HEAD = "schema_type: dataframe\nversion: 0.20.0\ncolumns:\n"

# pandera registers its PySpark backend when pyspark is installed (the dev extra has it),
# importing pyspark.pandas: 0.5 s that a hand-written check elsewhere would not pay.
HAND_WRITTEN = """\
import sys
sys.modules["pyspark"] = None
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors
schema = pa.DataFrameSchema.from_yaml(sys.argv[1])
path = sys.argv[2]
frame = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
try:
    schema.validate(frame, lazy=True)
except SchemaErrors as exc:
    print(len(exc.failure_cases))
"""

READ_ONLY = "import sys, pandas as pd; pd.read_csv(sys.argv[1])"

MEASURE = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"code": code, "wall": wall, "cpu": cpu, "rss": usage.ru_maxrss * 1024}))
"""


def make_data(folder: Path, rows: int) -> tuple[Path, Path, Path]:
    """The CSV (floats as DataFrame.to_csv writes them: full precision), its Parquet twin and
    the schema (ranges, categories, a unique id, non-null columns) as Pandera YAML."""
    import numpy as np
    import pandas as pd

    random = np.random.default_rng(26)
    columns: dict[str, object] = {"id": [f"row-{i:08d}" for i in range(rows)]}
    schema = ["  id:\n    dtype: str\n    nullable: false\n    unique: true\n"]
    for n in range(FLOATS):
        columns[f"f{n}"] = random.normal(0, 1, rows)
        schema.append(
            f"  f{n}:\n    dtype: float64\n    nullable: false\n"
            "    checks:\n      in_range: {min_value: -10.0, max_value: 10.0}\n"
        )
    for n in range(INTS):
        columns[f"i{n}"] = random.integers(0, 1000, rows)
        schema.append(
            f"  i{n}:\n    dtype: int64\n    nullable: false\n"
            "    checks:\n      greater_than_or_equal_to: 0\n"
        )
    for n in range(CATEGORIES):
        columns[f"c{n}"] = random.choice(["north", "south", "east", "west"], rows)
        schema.append(
            f"  c{n}:\n    dtype: str\n    nullable: false\n"
            "    checks:\n      isin: [north, south, east, west]\n"
        )
    columns["target"] = random.integers(0, 2, rows)
    schema.append("  target:\n    dtype: int64\n    checks:\n      isin: [0, 1]\n")
    frame = pd.DataFrame(columns)
    csv, parquet, schema_path = folder / "data.csv", folder / "data.parquet", folder / "s.yaml"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    schema_path.write_text(SCHEMA_HEAD + "".join(schema))
    return csv, parquet, schema_path


def measure(command: list[str], runs: int, cwd: Path) -> dict[str, float]:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, *command],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results.append(json.loads(out))
    return {
        "wall": statistics.median(r["wall"] for r in results),
        "rss": statistics.median(r["rss"] for r in results),
        "cpu": statistics.median(r["cpu"] for r in results),
        "code": results[-1]["code"],
    }


def validate_rows(folder: Path, data: Path, schema: Path, runs: int) -> list[str]:
    python = sys.executable
    hand = measure([python, "-c", HAND_WRITTEN, str(schema), str(data)], runs, folder)
    ours = measure(
        [python, "-m", "mlgate", "validate", "--engine", "polars", "--schema", str(schema),
         str(data), "--results-dir", str(folder / "out")],
        runs,
        folder,
    )  # fmt: skip
    return [
        _row(f"validate {data.suffix[1:]}: pandas + Pandera by hand", hand, hand),
        _row(f"validate {data.suffix[1:]}: mlgate --engine polars", ours, hand),
    ]


def drift_rows(folder: Path, csv: Path, runs: int) -> list[str]:
    python = sys.executable
    profile = folder / "profile.json"
    subprocess.run(
        [python, "-m", "mlgate", "profile", str(csv), "-o", str(profile)], cwd=folder, check=True
    )
    read = measure([python, "-c", READ_ONLY, str(csv)], runs, folder)
    drift = measure(
        [python, "-m", "mlgate", "drift", "--reference", f"file:{profile}", "--current",
         str(csv), "--results-dir", str(folder / "out")],
        runs,
        folder,
    )  # fmt: skip
    return [
        _row("pd.read_csv alone", read, read),
        _row("mlgate drift against its profile", drift, read),
    ]


def _row(label: str, figures: dict[str, float], base: dict[str, float]) -> str:
    return (
        f"{label:<44} {figures['wall']:7.2f} s ({figures['wall'] / base['wall']:.2f}x)  "
        f"cpu {figures['cpu']:6.2f} s ({figures['cpu'] / base['cpu']:.2f}x)  "
        f"{figures['rss'] / 2**20:7.0f} MiB ({figures['rss'] / base['rss']:.2f}x)  "
        f"exit {int(figures['code'])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv, parquet, schema = make_data(folder, args.rows)
        print(f"{args.rows:,} rows x 20 columns; CSV {csv.stat().st_size / 2**20:.0f} MiB")
        lines = validate_rows(folder, csv, schema, args.runs)
        lines += validate_rows(folder, parquet, schema, args.runs)
        lines += drift_rows(folder, csv, args.runs)
        print("\n".join(lines))


if __name__ == "__main__":
    main()
