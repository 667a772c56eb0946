"""A file larger than the memory it may take: `mlgate validate` and `mlgate profile` of a
multi-GB CSV with peak RSS under 1 GiB (issue 26: a 5 GB CSV, peak RSS <= 1 GiB).

The CSV has the columns of benchmarks/engines.py (8 full-precision floats, 6 ints, 4
four-valued categories, a unique string id, a 0/1 target) and is written chunk by chunk, so
making it takes little memory too. Each measurement is a fresh process; peak RSS is that
process's ru_maxrss. The file is kept (--keep) or written to a temporary folder and removed.

Run: .venv/bin/python benchmarks/large_file.py [--gib 5] [--engine polars] [--folder DIR]
Not a timed test: the figures go in the closing note.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from engines import FLOATS, INTS, SCHEMA_HEAD, measure

ROWS_PER_CHUNK = 500_000
BYTES_PER_ROW = 217  # engines.py's CSV: 217,388,543 bytes for 1,000,000 rows


def schema() -> str:
    columns = ["  id:\n    dtype: str\n    nullable: false\n"]
    for n in range(FLOATS):
        columns.append(
            f"  f{n}:\n    dtype: float64\n    nullable: false\n"
            "    checks:\n      in_range: {min_value: -10.0, max_value: 10.0}\n"
        )
    for n in range(INTS):
        columns.append(
            f"  i{n}:\n    dtype: int64\n    nullable: false\n"
            "    checks:\n      greater_than_or_equal_to: 0\n"
        )
    for n in range(4):
        columns.append(
            f"  c{n}:\n    dtype: str\n    nullable: false\n"
            "    checks:\n      isin: [north, south, east, west]\n"
        )
    columns.append("  target:\n    dtype: int64\n    checks:\n      isin: [0, 1]\n")
    return SCHEMA_HEAD + "".join(columns)


def random_columns(random: Any, start: int, size: int) -> dict[str, object]:
    """`size` rows of engines.py's columns, ids numbered from `start` (unique across calls)."""
    columns: dict[str, object] = {"id": [f"row-{i:010d}" for i in range(start, start + size)]}
    for n in range(FLOATS):
        columns[f"f{n}"] = random.normal(0, 1, size)
    for n in range(INTS):
        columns[f"i{n}"] = random.integers(0, 1000, size)
    for n in range(4):
        four = ["north", "south", "east", "west"]
        columns[f"c{n}"] = random.choice(four, size)
    columns["target"] = random.integers(0, 2, size)
    return columns


def write_csv(path: Path, rows: int) -> None:
    """`rows` rows, ROWS_PER_CHUNK at a time."""
    import numpy as np
    import pandas as pd

    random = np.random.default_rng(26)
    with path.open("w") as handle:
        for start in range(0, rows, ROWS_PER_CHUNK):
            size = min(ROWS_PER_CHUNK, rows - start)
            frame = pd.DataFrame(random_columns(random, start, size))
            frame.to_csv(handle, index=False, header=start == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=5.0, help="size of the CSV to write")
    parser.add_argument("--engine", default="polars")
    parser.add_argument("--folder", type=Path, default=None, help="keep the data here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        csv, schema_path = folder / "large.csv", folder / "large.yaml"
        rows = int(args.gib * 2**30 / BYTES_PER_ROW)
        if not csv.exists():
            write_csv(csv, rows)
        schema_path.write_text(schema())
        print(f"{csv.stat().st_size / 2**30:.2f} GiB CSV, engine {args.engine}")
        python = sys.executable
        commands = {
            "validate": [python, "-m", "mlgate", "validate", "--engine", args.engine,
                         "--schema", str(schema_path), str(csv),
                         "--results-dir", str(folder / "out")],
            "profile": [python, "-m", "mlgate", "profile", "--engine", args.engine, str(csv),
                        "-o", str(folder / "large-profile.json")],
        }  # fmt: skip
        for label, command in commands.items():
            figures = measure(command, 1, folder)
            print(
                f"{label:<9} {figures['wall']:8.1f} s  cpu {figures['cpu']:8.1f} s  "
                f"peak RSS {figures['rss'] / 2**20:6.0f} MiB  exit {int(figures['code'])}"
            )


if __name__ == "__main__":
    main()
