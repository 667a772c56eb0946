"""`mlgate validate` next to the hand-written floor: pandas reads the file, Pandera validates it.

Targets (issues 3 and 13): on 1,000,000 rows x 20 columns (8 normal floats, 6 ints, 4
four-valued strings, a unique string id, a 0/1 target), as CSV and as Parquet, wall time <= 1.15x
and peak RSS <= 1.3x the hand-written version, measured in the same run; with 1% bad rows,
reporting the failures costs <= 10% over the all-good run; a 5 GB CSV validates with peak
RSS <= 2 GiB (`--big-gb 5`).

Run: .venv/bin/python benchmarks/validate_speed.py [--rows 1000000] [--runs 3] [--big-gb 5]
Each measurement is a fresh process; peak RSS is that process's ru_maxrss. CPU time (user +
system) is printed beside wall time: on a busy machine it is the steadier of the two.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SCHEMA = """\
schema_type: dataframe
columns:
{columns}
strict: true
"""

HAND_WRITTEN = """\
import sys
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

MEASURE = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"code": code, "wall": wall, "cpu": cpu, "rss": usage.ru_maxrss * 1024}))
"""


def make_data(
    folder: Path, rows: int, bad_fraction: float, formats: str
) -> tuple[Path, Path, Path]:
    """The issue's shape: 8 normal floats, 6 ints, 4 four-valued strings, a unique string id
    and a 0/1 target; the schema as Pandera YAML."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    columns: dict[str, object] = {}
    schema = []
    for i in range(8):
        columns[f"f{i}"] = rng.normal(0, 1, rows).round(6)
        schema.append(
            f"  f{i}:\n    dtype: float64\n    nullable: false\n"
            "    in_range: {min_value: -10, max_value: 10}\n"
        )
    for i in range(6):
        columns[f"i{i}"] = rng.integers(0, 1000, rows)
        schema.append(
            f"  i{i}:\n    dtype: int64\n    in_range: {{min_value: 0, max_value: 999}}\n"
        )
    levels = ["north", "south", "east", "west"]
    for i in range(4):
        columns[f"s{i}"] = np.array(levels)[rng.integers(0, 4, rows)]
        schema.append(f"  s{i}:\n    dtype: str\n    nullable: false\n    isin: {levels}\n")
    columns["id"] = [f"u{k:08d}" for k in range(rows)]
    schema.append("  id:\n    dtype: str\n    unique: true\n    str_startswith: u\n")
    columns["target"] = rng.integers(0, 2, rows)
    schema.append("  target:\n    dtype: int64\n    isin: [0, 1]\n")
    frame = pd.DataFrame(columns)
    if bad_fraction:
        bad = rng.choice(rows, int(rows * bad_fraction), replace=False)
        frame.loc[bad, "f0"] = -11.0
        frame.loc[bad, "i0"] = 5000
    schema_path = folder / "schema.yaml"
    schema_path.write_text(SCHEMA.format(columns="".join(schema)))
    stem = "bad" if bad_fraction else "good"
    csv, parquet = folder / f"{stem}.csv", folder / f"{stem}.parquet"
    frame.to_csv(csv, index=False)
    if "parquet" in formats:  # pyarrow may be absent: the `parquet` extra is optional
        frame.to_parquet(parquet)
    return schema_path, csv, parquet


def measure(command: list[str], runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True
        ).stdout
        samples.append(json.loads(out))
    return {
        "wall": statistics.median(s["wall"] for s in samples),
        "cpu": statistics.median(s["cpu"] for s in samples),
        "rss": max(s["rss"] for s in samples),
        "code": samples[-1]["code"],
    }


def mlgate(schema: Path, data: Path, results: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "mlgate", "validate", "--schema", str(schema), str(data),
        "--results-dir", str(results), *extra,
    ]  # fmt: skip


def big_csv(folder: Path, source: Path, gigabytes: float) -> Path:
    """Repeat the data rows of `source` until the file reaches the size asked for."""
    target = folder / "big.csv"
    lines = source.read_text().splitlines(keepends=True)
    header, body = lines[0], "".join(lines[1:])
    with target.open("w") as out:
        out.write(header)
        while out.tell() < gigabytes * 1e9:
            out.write(body)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--big-gb", type=float, default=0, help="also validate a CSV this big")
    parser.add_argument("--formats", default="csv,parquet", help="which of csv,parquet to time")
    parser.add_argument("--keep", type=Path, help="write the data here and keep it (to profile)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        schema, good_csv, good_parquet = make_data(folder, args.rows, 0, args.formats)
        _, bad_csv, bad_parquet = make_data(folder, args.rows, 0.01, args.formats)
        results = folder / "results"
        print(f"{args.rows:,} rows x 20 columns; median of {args.runs} runs; peak RSS is the max")
        timed = (("CSV", good_csv, bad_csv), ("Parquet", good_parquet, bad_parquet))
        for kind, good, bad in (t for t in timed if t[0].lower() in args.formats.split(",")):
            hand = measure([sys.executable, "-c", HAND_WRITTEN, str(schema), str(good)], args.runs)
            ours = measure(mlgate(schema, good, results), args.runs)
            ours_bad = measure(mlgate(schema, bad, results), args.runs)
            assert (ours["code"], ours_bad["code"]) == (0, 1), (ours, ours_bad)
            print(
                f"{kind}: hand-written {hand['wall']:.2f} s (CPU {hand['cpu']:.2f} s), "
                f"{hand['rss'] / 2**20:.0f} MiB | mlgate {ours['wall']:.2f} s "
                f"({ours['wall'] / hand['wall']:.2f}x; CPU {ours['cpu']:.2f} s, "
                f"{ours['cpu'] / hand['cpu']:.2f}x), "
                f"{ours['rss'] / 2**20:.0f} MiB ({ours['rss'] / hand['rss']:.2f}x) | "
                f"1% bad rows {ours_bad['wall']:.2f} s "
                f"(+{(ours_bad['wall'] / ours['wall'] - 1) * 100:.1f}% over all-good)"
            )
        if args.big_gb:
            big = big_csv(folder, good_csv, args.big_gb)
            size = big.stat().st_size
            run = measure(mlgate(schema, big, results), 1)
            print(
                f"{size / 1e9:.1f} GB CSV: exit {run['code']}, {run['wall']:.0f} s, "
                f"peak RSS {run['rss'] / 2**30:.2f} GiB"
            )


if __name__ == "__main__":
    main()
