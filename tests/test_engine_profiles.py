"""Profiles and drift give one answer whichever engine reads the data: the Polars reader's
profile is the pandas reader's, byte for byte, on clean and on messy files (where Polars would
read a file otherwise it hands it back to the pandas reader), and drift decides the same per
column on shifted and unshifted data. Spark's side is in test_spark_engine.py."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest

from mlgate.drift.profile import profile_paths
from tests.helpers.cli import RunMlgate

pytest.importorskip("polars")


def _rows(count: int, seed: int, shift: float = 0.0) -> list[list[str]]:
    """What an export holds: floats at full precision, pandas' missing-value markers, ints with
    gaps, booleans, repeated categories, an infinity, a column that is empty throughout."""
    pick = random.Random(seed)
    rows = []
    for i in range(count):
        rows.append(
            [
                f"id{i}",
                repr(pick.gauss(shift, 1.0)),
                str(pick.randint(0, 40)),
                pick.choice(["True", "False"]),
                pick.choice(["north", "south", "east", "west"] if not shift else ["north", "up"]),
                pick.choice(["", "NA", "nan", "N/A", "null", repr(pick.random())]),
                "",
                "inf" if i % 997 == 5 else str(pick.randint(0, 3)),
            ]
        )
    return rows


HEADER = "id,x,n,flag,city,sparse,empty,level"


def _write(path: Path, rows: list[list[str]], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n")
    return path


def _both(paths: list[Path], **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        profile_paths(paths, engine="pandas", **options),
        profile_paths(paths, engine="polars", **options),
    )


def test_the_polars_profile_is_the_pandas_profile(tmp_path: Path) -> None:
    data = _write(tmp_path / "data.csv", _rows(5000, seed=1))
    pandas, polars = _both([data])
    assert polars == pandas
    columns = pandas["columns"]
    assert columns["sparse"]["nulls"] > 0 and columns["empty"]["nulls"] == 5000
    assert columns["flag"]["kind"] == "categorical" and set(columns["flag"]["top"]) == {
        "True",
        "False",
    }


def test_chunk_by_chunk_the_profiles_agree(tmp_path: Path) -> None:
    """The first chunk fixes the numeric grid: the Polars reader cuts the same chunks."""
    data = _write(tmp_path / "data.csv", _rows(5000, seed=2))
    pandas, polars = _both([data], chunk_rows=700)
    assert polars == pandas


def test_chunks_joined_from_smaller_batches_are_the_same_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Polars reads small batches (less memory) and joins them into the profile's chunks."""
    monkeypatch.setattr("mlgate.data.polars.SCAN_BATCH_ROWS", 300)
    data = _write(tmp_path / "data.csv", _rows(5000, seed=2))
    pandas, polars = _both([data], chunk_rows=700)
    assert polars == pandas


def test_on_the_reference_grid_the_current_profiles_agree(tmp_path: Path) -> None:
    reference = profile_paths([_write(tmp_path / "ref.csv", _rows(3000, seed=3))])
    grids = {
        name: column["bins"]["edges"]
        for name, column in reference["columns"].items()
        if column["kind"] == "numeric" and len(column["bins"]["edges"]) >= 2
    }
    import numpy as np

    grids = {name: np.array(edges) for name, edges in grids.items()}
    current = _write(tmp_path / "cur.csv", _rows(3000, seed=4, shift=2.0))
    pandas, polars = _both([current], grids=grids, merge=False)
    assert polars == pandas


def test_parquet_profiles_agree(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.read_csv(_write(tmp_path / "data.csv", _rows(4000, seed=5)))
    frame["label"] = frame["city"].astype("category")
    frame.to_parquet(tmp_path / "data.parquet", index=False)
    pandas, polars = _both([tmp_path / "data.parquet"])
    assert polars == pandas


MESSY = {
    # pandas reads " 1.5" as a number, Polars as text
    "spaced numbers": lambda rows: [[r[0], " " + r[1], *r[2:]] for r in rows],
    # a blank line: pandas skips it, Polars reads a row of nulls
    "blank line": lambda rows: [*rows[:10], [""], *rows[10:]],
    # a short row with an empty last field elsewhere: pandas refuses it, Polars fills nulls
    "short row": lambda rows: [*rows[:20], rows[20][:3], *rows[21:]],
    # numbers, and text after the rows Polars infers types from
    "text late in a numeric column": lambda rows: [
        *rows[:300],
        [rows[300][0], "unknown", *rows[300][2:]],
        *rows[301:],
    ],
}


@pytest.mark.parametrize("mess", MESSY.values(), ids=MESSY.keys())
def test_a_file_polars_would_read_otherwise_gets_the_pandas_answer(
    tmp_path: Path, mess: Any
) -> None:
    data = _write(tmp_path / "data.csv", mess(_rows(2000, seed=6)))
    try:
        pandas: Any = profile_paths([data], engine="pandas")
    except Exception as exc:
        pandas = f"{type(exc).__name__}: {exc}"
    try:
        polars: Any = profile_paths([data], engine="polars")
    except Exception as exc:
        polars = f"{type(exc).__name__}: {exc}"
    assert polars == pandas


def test_gzip_and_a_file_without_rows_get_the_pandas_answer(tmp_path: Path) -> None:
    rows = _rows(500, seed=7)
    packed = tmp_path / "data.csv.gz"
    text = "\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n"
    packed.write_bytes(gzip.compress(text.encode()))
    header_only = _write(tmp_path / "none.csv", [])
    for data in (packed, header_only):
        pandas, polars = _both([data])
        assert polars == pandas


@pytest.mark.parametrize("shift", [0.0, 1.5])
def test_drift_decides_the_same_on_every_engine(
    tmp_path: Path, mlgate: RunMlgate, shift: float
) -> None:
    _write(tmp_path / "ref.csv", _rows(4000, seed=8))
    _write(tmp_path / "cur.csv", _rows(4000, seed=9, shift=shift))
    (tmp_path / "mlgate.yaml").write_text(  # nothing to compare in a column with no value
        "version: 1\ndrift:\n  max_drifted_share: 0.25\n  columns:\n    empty: {ignore: true}\n"
    )
    verdicts = {}
    for engine in ("pandas", "polars", "auto"):
        run = mlgate(
            "drift", "--engine", engine, "--reference", "file:ref.csv", "--current", "cur.csv",
            "--results-dir", engine, cwd=tmp_path,
        )  # fmt: skip
        assert run.code == (1 if shift else 0), run.out + run.err
        details = json.loads((tmp_path / engine / "drift.json").read_text())["details"]
        verdicts[engine] = [(c["column"], c["statistic"], c["drifted"]) for c in details["columns"]]
    assert verdicts["polars"] == verdicts["pandas"] == verdicts["auto"]
    assert any(drifted for _, _, drifted in verdicts["pandas"]) is bool(shift)


def test_profile_takes_the_engine_from_the_config(tmp_path: Path, mlgate: RunMlgate) -> None:
    _write(tmp_path / "data.csv", _rows(1000, seed=10))
    (tmp_path / "mlgate.yaml").write_text("version: 1\nengine: polars\n")
    made = mlgate("profile", "data.csv", "-o", "p.json", cwd=tmp_path)
    assert made.code == 0, made.out + made.err
    assert json.loads((tmp_path / "p.json").read_text()) == profile_paths(
        [tmp_path / "data.csv"], engine="pandas"
    )


def test_pooled_categories_are_the_same_on_both_engines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the tracked limit the rarest categories are pooled, chunk by chunk, ties kept in
    the order they first appeared: Polars keeps its counts in a frame, pandas in a Counter,
    and the profiles are equal (small limits stand in for 100,000 ids)."""
    monkeypatch.setattr("mlgate.drift.profile.MAX_TRACKED_CATEGORIES", 40)
    monkeypatch.setattr("mlgate.drift.profile.TOP_CATEGORIES", 15)
    pick = random.Random(11)
    rows = [[f"user{pick.randint(0, 90)}", f"id{i}", str(i % 7)] for i in range(3000)]
    data = _write(tmp_path / "data.csv", rows, header="user,id,weekday")
    pandas, polars = _both([data], chunk_rows=500)
    assert polars == pandas
    users = pandas["columns"]["user"]
    assert len(users["top"]) == 15 and users["other"] > 0
