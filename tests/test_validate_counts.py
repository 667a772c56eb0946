"""Counts do not depend on how the file is chunked: a property test against plain Pandera.

For random rows with random out-of-range values, duplicates and values that do not parse
(`x` in a numeric column), `mlgate validate` with a random `--chunk-rows` must report, per
column and check, the rows one unchunked `schema.validate(lazy=True)` reports on the rows
that parse, plus one dtype failure per value that does not.
"""

from __future__ import annotations

import io
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandera.errors import SchemaErrors

from mlgate.validate import ValidateRequest, run_validate

SCHEMA = """\
schema_type: dataframe
columns:
  key:
    dtype: int64
    unique: true
  x:
    dtype: float64
    in_range: {min_value: 0, max_value: 10}
  n:
    dtype: int64
    less_than_or_equal_to: 5
  label:
    dtype: str
    isin: [a, b]
"""
NUMERIC = ("key", "x", "n")

cell_x = st.one_of(st.sampled_from(["0.25", "9.75", "10", "10.5", "-0.5", "3.125"]), st.just("x"))
cell_n = st.one_of(st.integers(0, 8).map(str), st.sampled_from(["x", "1.0.0"]))
cell_key = st.one_of(st.integers(0, 30).map(str), st.just("#"))
row = st.tuples(cell_key, cell_x, cell_n, st.sampled_from(["a", "b", "c"]))


def unparsed(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return True
    return False


def reference(lines: list[tuple[str, ...]]) -> tuple[Counter[tuple[str, str]], int]:
    """Per (column, check) failing rows and the failing rows in all, as plain Pandera counts
    them on the rows that parse, plus a dtype failure per value that does not."""
    counts: Counter[tuple[str, str]] = Counter()
    bad_rows = set()
    parsed = []
    for number, line in enumerate(lines):
        bad = [name for name, value in zip(NUMERIC, line, strict=False) if unparsed(value)]
        for name in bad:
            dtype = "float64" if name == "x" else "int64"
            counts[(name, f"dtype('{dtype}')")] += 1
        if bad:
            bad_rows.add(number)
        else:
            parsed.append(number)
    if not parsed:
        return counts, len(bad_rows)
    text = "key,x,n,label\n" + "".join(",".join(lines[i]) + "\n" for i in parsed)
    frame = pd.read_csv(io.StringIO(text))
    frame["x"] = frame["x"].astype("float64")  # `10` alone reads as int; the file says float
    try:
        pa.DataFrameSchema.from_yaml(SCHEMA).validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.dropna(subset=["index"])
        for (column, check), group in cases.groupby(["column", "check"]):
            counts[(str(column), str(check))] += group["index"].nunique()
        bad_rows.update(parsed[int(i)] for i in cases["index"])
    return counts, len(bad_rows)


def reported(lines: list[tuple[str, ...]], chunk_rows: int) -> tuple[Counter[Any], int]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "s.yaml").write_text(SCHEMA)
        data = folder / "d.csv"
        data.write_text("key,x,n,label\n" + "".join(",".join(line) + "\n" for line in lines))
        request = ValidateRequest(
            config=None, paths=(data,), schema=str(folder / "s.yaml"), chunk_rows=chunk_rows
        )
        [entry] = run_validate(request).details["files"]
    assert entry["status"] != "error", entry
    counts = Counter(
        {(f["column"], f["check"]): f["rows"] for f in entry["failures"] if f["rows"] is not None}
    )
    return counts, entry["failing_rows"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(row, min_size=1, max_size=40), chunk_rows=st.integers(1, 45))
def test_counts_equal_unchunked_pandera_on_the_rows_that_parse(
    lines: list[tuple[str, ...]], chunk_rows: int
) -> None:
    assert reported(lines, chunk_rows) == reference(lines)


def test_one_stray_value_hides_nothing_whatever_the_chunk_size() -> None:
    """The issue's case: out-of-range values and one `x` in the same column."""
    lines = [(str(i), "1.5", "1", "a") for i in range(200)]
    for i in (3, 50, 51, 120, 180, 199, 7):
        lines[i] = (str(i), "11.5", "1", "a")
    lines[52] = ("52", "x", "1", "a")
    for chunk_rows in (200, 60, 53, 52, 10, 1):
        counts, failing = reported(lines, chunk_rows)
        assert counts == {("x", "in_range(0, 10)"): 7, ("x", "dtype('float64')"): 1}
        assert failing == 8
