"""The Spark engine against today's pandas path, on `local[2]`: the same dataset with injected
failures gives the same per-check counts and examples, and drift decisions agree between pandas
and Spark profiles on shifted and unshifted data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlgate.core.errors import InputError
from mlgate.data.spark import ProfileShape, profile_source, resolve_source, validate_source
from mlgate.drift.profile import (
    BINS,
    MAX_EXACT_VALUES,
    MAX_TRACKED_CATEGORIES,
    PROFILE_FORMAT,
    TAIL_EDGES,
    TOP_CATEGORIES,
    check_profile,
    profile_paths,
)
from mlgate.drift.stats import judge
from mlgate.validate import ValidateRequest, run_validate
from mlgate.validate.schema import load_schema
from tests.helpers.cli import RunMlgate
from tests.helpers.spark import spark, spark_connect

pytestmark = pytest.mark.slow
__all__ = ["spark", "spark_connect"]  # the session fixtures, imported for pytest

SCHEMA = """\
schema_type: dataframe
version: 0.0.0
columns:
  id: {dtype: int64, nullable: false, unique: true}
  amount:
    dtype: float64
    nullable: false
    checks: {in_range: {min_value: 0, max_value: 100}}
  count:
    dtype: int64
    nullable: true
    checks: {greater_than_or_equal_to: 0, less_than: 1000}
  category:
    dtype: str
    nullable: false
    checks: {isin: [a, b, c]}
  code:
    dtype: str
    nullable: true
    checks:
      str_matches: "[A-Z]{3}"
      str_length: {min_value: 3, max_value: 3}
  flag:
    dtype: str
    nullable: true
    checks: {notin: [bad], not_equal_to: worse}
"""
SHAPE = ProfileShape(
    BINS, TAIL_EDGES, MAX_EXACT_VALUES, TOP_CATEGORIES, PROFILE_FORMAT, MAX_TRACKED_CATEGORIES
)


def _messy_frame(rows: int = 3000) -> Any:
    """Clean rows, then what a messy export holds: out-of-range amounts, unknown categories,
    nulls where none may be, text in a numeric column, duplicate ids, bad codes."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "amount": rng.uniform(0, 100, rows).round(3),
            "count": rng.integers(0, 999, rows).astype(object),
            "category": rng.choice(["a", "b", "c"], rows),
            "code": rng.choice(["ABC", "XYZ", "QRS"], rows).astype(object),
            "flag": rng.choice(["ok", "fine"], rows).astype(object),
        }
    )
    frame.loc[[5, 700, 2999], "amount"] = [-1.0, 100.5, 1e6]
    frame.loc[[11, 1200], "amount"] = np.nan
    frame.loc[[17, 18, 1900], "category"] = ["d", "A", "zz"]
    frame.loc[[23, 2500], "count"] = ["x", "1e3x"]
    frame.loc[[24], "count"] = [-5]
    frame.loc[[40, 41, 2222], "id"] = [39, 39, 7]
    frame.loc[[50, 51, 52], "code"] = ["abc", "ABCD", "AB"]
    frame.loc[[60, 61], "flag"] = ["bad", "worse"]
    return frame


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema.yaml").write_text(SCHEMA, encoding="utf-8")
    return tmp_path


def _pandas_entry(path: Path) -> dict[str, Any]:
    result = run_validate(ValidateRequest(config=None, paths=(path,), schema="schema.yaml"))
    entry: dict[str, Any] = result.details["files"][0]
    return entry


def _by_check(failures: list[dict[str, Any]]) -> dict[tuple[Any, str], dict[str, Any]]:
    return {(f["column"], f["check"]): f for f in failures}


@pytest.mark.parametrize("data_format", ["csv", "parquet"])
def test_the_same_failures_counts_and_examples_as_pandas(
    spark: Any, project: Path, data_format: str
) -> None:
    frame = _messy_frame()
    path = project / f"data.{data_format}"
    if data_format == "csv":
        frame.to_csv(path, index=False)
    else:
        frame["count"] = frame["count"].map(lambda v: v if isinstance(v, int) else -1)
        frame["count"] = frame["count"].astype("int64")
        frame.to_parquet(path, index=False)
    expected = _pandas_entry(path)
    schema = load_schema(str(project / "schema.yaml"), project)
    got = validate_source(spark, resolve_source(path.name, project), schema, max_examples=5)
    assert expected["status"] == got["status"] == "fail"
    assert got["rows"] == expected["rows"] == 3000
    assert got["failing_rows"] == expected["failing_rows"]
    assert sorted(_by_check(got["failures"]).items()) == sorted(
        _by_check(expected["failures"]).items()
    )


def test_a_folder_of_part_files_is_one_dataset_with_rows_in_part_order(
    spark: Any, project: Path
) -> None:
    frame = _messy_frame()
    parts = project / "parts"
    parts.mkdir()
    (parts / "_SUCCESS").write_text("", encoding="utf-8")
    frame.iloc[:1000].to_csv(parts / "part-00000.csv", index=False)
    frame.iloc[1000:].to_csv(parts / "part-00001.csv", index=False)
    whole = project / "whole.csv"
    frame.to_csv(whole, index=False)
    schema = load_schema(str(project / "schema.yaml"), project)
    got = validate_source(spark, resolve_source("parts", project), schema, max_examples=5)
    expected = _pandas_entry(whole)
    assert got["failing_rows"] == expected["failing_rows"]
    got_failures, expected_failures = _by_check(got["failures"]), _by_check(expected["failures"])
    assert {k: f["rows"] for k, f in got_failures.items()} == {
        k: f["rows"] for k, f in expected_failures.items()
    }
    # rows count on across the parts (lines are per part file, so only rows are compared)
    amount = ("amount", "in_range(0, 100)")
    assert [e["row"] for e in got_failures[amount]["examples"]] == [5, 700, 2999]


def test_a_check_spark_cannot_express_is_an_input_error_naming_it(
    spark: Any, project: Path
) -> None:
    import pandas as pd
    import pandera.pandas as pa

    pd.DataFrame({"x": [1, 2]}).to_csv(project / "d.csv", index=False)
    custom = pa.Check(lambda s: s > 0, name="positive_by_lambda")
    schema = pa.DataFrameSchema({"x": pa.Column(int, custom)})
    with pytest.raises(InputError, match=r"check 'positive_by_lambda': the spark engine cannot"):
        validate_source(spark, resolve_source("d.csv", project), schema, max_examples=5)


def test_local_paths_are_confined_and_uris_pass_through(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "outside.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InputError, match="outside"):
        resolve_source("../outside.csv", root)
    remote = resolve_source("s3a://user:secret@bucket/train/", root, "parquet")
    assert remote.location == "s3a://user:secret@bucket/train/"
    assert "secret" not in remote.display and remote.local is None
    assert resolve_source("dbfs:/mnt/lake/train.csv", root).data_format == "csv"


def _drift_data(path: Path, *, seed: int, shift: float) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = 20_000
    categories = ["a", "b", "c"] if not shift else ["a", "c", "c"]
    pd.DataFrame(
        {
            "income": rng.normal(50 + 5 * shift, 10, rows),
            "age": rng.integers(18, 80 + int(20 * shift), rows),
            "rooms": rng.integers(1, 5, rows),
            "city": rng.choice(categories, rows),
        }
    ).to_csv(path, index=False)


def _grids(reference: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    return {
        name: np.array(column["bins"]["edges"])
        for name, column in reference["columns"].items()
        if column["kind"] == "numeric"
    }


@pytest.mark.parametrize("shift", [0.0, 1.0])
def test_drift_decisions_agree_between_pandas_and_spark_profiles(
    spark: Any, project: Path, shift: float
) -> None:
    _drift_data(project / "ref.csv", seed=1, shift=0.0)
    _drift_data(project / "cur.csv", seed=2, shift=shift)
    references = {
        "pandas": profile_paths([project / "ref.csv"]),
        "polars": profile_paths([project / "ref.csv"], engine="polars"),
        "spark": check_profile(
            profile_source(spark, resolve_source("ref.csv", project), SHAPE), "spark reference"
        ),
    }
    assert references["spark"]["engine"]["quantile_accuracy"] > 0
    decisions = {}
    for ref_engine, reference in references.items():
        grids = _grids(reference)
        currents = {
            "pandas": profile_paths([project / "cur.csv"], grids=grids, merge=False),
            "polars": profile_paths(
                [project / "cur.csv"], grids=grids, merge=False, engine="polars"
            ),
            "spark": profile_source(spark, resolve_source("cur.csv", project), SHAPE, grids=grids),
        }
        for cur_engine, current in currents.items():
            check_profile(current, f"{cur_engine} current")
            decisions[(ref_engine, cur_engine)] = {
                name: judge(column, current["columns"][name], "auto", None).drifted
                for name, column in reference["columns"].items()
            }
    expected = decisions[("pandas", "pandas")]
    assert all(drifted == expected for drifted in decisions.values()), decisions
    assert any(expected.values()) is bool(shift)


def test_a_column_of_ids_is_ranked_without_a_window_over_every_key(
    spark: Any, project: Path
) -> None:
    """Past the categories a profile tracks, Spark takes a column's top categories from one
    grouped count (a window over 41M ids ran a 1 GiB driver out of memory): the exact most
    frequent, ties by name, the rest as `other`; the narrow columns are as before."""
    from dataclasses import replace

    import pandas as pd

    ids = [f"user{i % 700:04d}" for i in range(3000)] + ["user0001"] * 5
    frame = pd.DataFrame({"user": ids, "city": ["rome", "oslo", "lima"] * 1001 + ["rome"] * 2})
    frame.to_csv(project / "users.csv", index=False)
    narrow_shape = replace(SHAPE, max_tracked_categories=100)
    made = profile_source(spark, resolve_source("users.csv", project), narrow_shape)
    user = made["columns"]["user"]
    counts = frame["user"].value_counts()
    expected = sorted(counts.items(), key=lambda kc: (-kc[1], kc[0]))[: SHAPE.top_categories]
    assert list(user["top"].items()) == expected
    assert user["other"] == len(frame) - sum(c for _, c in expected)
    assert abs(user["distinct"] - 700) <= 0.05 * 700 * 3  # Spark's estimate
    pandas = profile_paths([project / "users.csv"])
    assert made["columns"]["city"]["top"] == pandas["columns"]["city"]["top"]
    check_profile(made, "spark profile")


def test_an_integer_column_with_an_empty_cell_fails_its_dtype_as_on_pandas(
    spark: Any, project: Path
) -> None:
    (project / "gaps.csv").write_text(
        "id,amount,count,category,code,flag\n1,5.0,3,a,ABC,ok\n2,6.0,,b,XYZ,ok\n", encoding="utf-8"
    )
    expected = _pandas_entry(project / "gaps.csv")
    schema = load_schema(str(project / "schema.yaml"), project)
    got = validate_source(spark, resolve_source("gaps.csv", project), schema, max_examples=5)
    assert ("count", "dtype('int64')") in _by_check(expected["failures"])
    assert sorted(_by_check(got["failures"]).items()) == sorted(
        _by_check(expected["failures"]).items()
    )


CONNECT_CLIENT = """
import json, sys
from pathlib import Path
from pyspark.sql import SparkSession
from mlgate.data.spark import resolve_source, validate_source
from mlgate.validate.schema import load_schema
spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
schema = load_schema("schema.yaml", Path.cwd())
entry = validate_source(spark, resolve_source("data.csv", Path.cwd()), schema, max_examples=5)
print(json.dumps(entry))
"""


def test_validation_over_spark_connect_gives_the_same_counts(
    spark_connect: str, project: Path
) -> None:
    import json
    import subprocess
    import sys

    _messy_frame().to_csv(project / "data.csv", index=False)
    expected = _pandas_entry(project / "data.csv")
    done = subprocess.run(
        [sys.executable, "-c", CONNECT_CLIENT, spark_connect],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["failing_rows"] == expected["failing_rows"] > 0
    assert sorted(_by_check(got["failures"]).items()) == sorted(
        _by_check(expected["failures"]).items()
    )


def test_a_missing_column_is_reported_as_on_pandas(spark: Any, project: Path) -> None:
    (project / "short.csv").write_text(
        "id,amount,count,category,code\n1,5.0,3,a,ABC\n2,6.0,4,b,XYZ\n", encoding="utf-8"
    )
    expected = _pandas_entry(project / "short.csv")
    schema = load_schema(str(project / "schema.yaml"), project)
    got = validate_source(spark, resolve_source("short.csv", project), schema, max_examples=5)
    assert ("flag", "column_in_dataframe") in _by_check(expected["failures"])
    assert sorted(_by_check(got["failures"]).items()) == sorted(
        _by_check(expected["failures"]).items()
    )


def test_engine_spark_in_mlgate_yaml_validates_through_the_cli(
    project: Path, mlgate: RunMlgate
) -> None:
    """`engine: spark` and `spark:` in mlgate.yaml: `mlgate validate` starts Spark on the
    configured master, and validate.json holds the pandas engine's counts for every check;
    `--engine pandas` on the same config is the reference."""
    _messy_frame().to_csv(project / "data.csv", index=False)
    (project / "mlgate.yaml").write_text(
        "version: 1\n"
        "engine: spark\n"
        "spark:\n"
        "  master: local[2]\n"
        "  conf: {spark.sql.shuffle.partitions: 2, spark.ui.enabled: false}\n"
        "data:\n"
        "  - {path: data.csv, schema: schema.yaml}\n"
    )
    by_spark = mlgate("validate", "--format", "json", cwd=project)
    assert by_spark.code == 1, by_spark.err
    by_pandas = mlgate("validate", "--engine", "pandas", "--format", "json", cwd=project)
    assert by_pandas.code == 1, by_pandas.err
    [spark_file] = json.loads(by_spark.out)["details"]["files"]
    [pandas_file] = json.loads(by_pandas.out)["details"]["files"]
    assert spark_file["engine"] == "spark"
    assert (spark_file["rows"], spark_file["failing_rows"]) == (
        pandas_file["rows"],
        pandas_file["failing_rows"],
    )
    counts = {k: v["rows"] for k, v in _by_check(spark_file["failures"]).items()}
    assert counts == {k: v["rows"] for k, v in _by_check(pandas_file["failures"]).items()}


def test_spark_that_cannot_start_is_no_verdict(project: Path, mlgate: RunMlgate) -> None:
    """A Spark Connect server that is not there: exit 3 naming where, not a pass."""
    _messy_frame().to_csv(project / "data.csv", index=False)
    (project / "mlgate.yaml").write_text(
        "version: 1\nengine: spark\ndata:\n  - {path: data.csv, schema: schema.yaml}\n"
    )
    closed = f"sc://127.0.0.1:{_closed_port()}"
    run = mlgate("validate", cwd=project, env={"MLGATE_SPARK_MASTER": closed})
    assert run.code == 3, run.out + run.err
    assert f"Spark did not start on {closed}" in run.err or closed in run.err


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_profile_made_on_spark_is_a_reference_for_every_engine(
    project: Path, mlgate: RunMlgate
) -> None:
    """`mlgate profile --engine spark` and `mlgate drift --engine spark`, end to end: the
    profile is the one format, and each engine's current side decides the same."""
    _drift_data(project / "ref.csv", seed=1, shift=0.0)
    _drift_data(project / "cur.csv", seed=2, shift=1.0)
    local = {"MLGATE_SPARK_MASTER": "local[2]"}
    made = mlgate(
        "profile", "--engine", "spark", "ref.csv", "-o", "ref.json", cwd=project, env=local
    )
    assert made.code == 0, made.out + made.err
    assert json.loads((project / "ref.json").read_text())["engine"]["name"] == "spark"
    decisions = {}
    for engine in ("pandas", "polars", "spark"):
        run = mlgate(
            "drift", "--engine", engine, "--reference", "file:ref.json", "--current", "cur.csv",
            "--results-dir", engine, cwd=project, env=local,
        )  # fmt: skip
        assert run.code == 1, run.out + run.err
        details = json.loads((project / engine / "drift.json").read_text())["details"]
        decisions[engine] = {c["column"]: c["drifted"] for c in details["columns"]}
    assert decisions["polars"] == decisions["pandas"] == decisions["spark"]


LAKE = "s3a://AKIAEXAMPLE:wJalrXUtnFEMI@training-lake/events/"


def test_a_data_lake_uri_that_spark_cannot_reach_is_no_verdict(
    project: Path, mlgate: RunMlgate
) -> None:
    """`data:` names a lake (not a file in the repo, not confined): Spark reads it where it is.
    A store Spark cannot read (here: no S3 connector, no network) is exit 3 for validate and
    for drift, never a pass; its credentials are never printed."""
    _drift_data(project / "ref.csv", seed=1, shift=0.0)
    made = mlgate("profile", "--engine", "pandas", "ref.csv", "-o", "ref.json", cwd=project)
    assert made.code == 0, made.out + made.err
    (project / "mlgate.yaml").write_text(
        "version: 1\nengine: spark\nspark: {master: 'local[2]'}\n"
        f"data:\n  - path: '{LAKE}'\n    schema: schema.yaml\n    format: parquet\n"
        "drift:\n  reference: file:ref.json\n"
    )
    checked = mlgate("config", "check", cwd=project)
    assert checked.code == 0, checked.out + checked.err
    for command in ("validate", "drift"):
        run = mlgate(command, cwd=project)
        assert run.code == 3, run.out + run.err
        assert "s3a://***@training-lake/events/" in run.err
        assert "wJalrXUtnFEMI" not in run.out + run.err
        assert "S3AFileSystem" in run.err  # what is missing, not Py4J's "o28.parquet"


def test_a_folder_in_data_is_one_dataset_for_spark(project: Path, mlgate: RunMlgate) -> None:
    """`data: - path: parts` with engine: spark: the folder of part files is validated as one
    dataset (a glob matched only files, so the folder was "no file"), with the counts of the
    whole file on pandas."""
    frame = _messy_frame()
    parts = project / "parts"
    parts.mkdir()
    frame.iloc[:1000].to_csv(parts / "part-00000.csv", index=False)
    frame.iloc[1000:].to_csv(parts / "part-00001.csv", index=False)
    frame.to_csv(project / "whole.csv", index=False)
    (project / "mlgate.yaml").write_text(
        "version: 1\nengine: spark\nspark: {master: 'local[2]'}\n"
        "data:\n  - {path: parts, schema: schema.yaml}\n"
    )
    run = mlgate("validate", "--format", "json", cwd=project)
    assert run.code == 1, run.out + run.err
    [entry] = json.loads(run.out)["details"]["files"]
    assert (entry["path"], entry["format"], entry["rows"]) == ("parts", "csv", len(frame))
    expected = _pandas_entry(project / "whole.csv")
    counts = {k: v["rows"] for k, v in _by_check(entry["failures"]).items()}
    assert counts == {k: v["rows"] for k, v in _by_check(expected["failures"]).items()}
