"""The engines give one answer: the same failing-row counts, examples and exit codes from the
pandas engine (Pandera on chunks) and the Polars engine (one pass of expressions), and a
check Polars cannot express is an input error that names it, never a skipped check."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import RunMlgate

pytest.importorskip("polars")

SCHEMA = """\
schema_type: dataframe
version: 0.20.0
columns:
  id:
    dtype: str
    nullable: false
    unique: true
  age:
    dtype: int64
    nullable: false
    checks:
      in_range: {min_value: 0, max_value: 120}
  score:
    dtype: float64
    nullable: true
    checks:
      greater_than_or_equal_to: 0.0
      less_than: 1.0
  city:
    dtype: str
    nullable: false
    checks:
      isin: [paris, rome, berlin]
  code:
    dtype: str
    nullable: false
    checks:
      str_matches: "[A-Z]{2}[0-9]+"
      str_length: {min_value: 3, max_value: 6}
"""
ROWS = 3000


def _messy_rows() -> list[list[str]]:
    """Clean rows with failures injected at seeded random rows: out of range values, unknown
    categories, nulls, text in numeric columns, repeated ids, malformed codes."""
    pick = random.Random(26)
    rows = [
        [f"id{i}", str(pick.randint(0, 120)), repr(pick.random()), pick.choice(["paris", "rome"]),
         f"AB{pick.randint(0, 999)}"]
        for i in range(ROWS)
    ]  # fmt: skip
    injections: list[tuple[int, Any]] = [
        (1, "200"), (1, "-3"), (2, "1.5"), (2, "-0.25"), (3, "oslo"), (3, ""), (2, ""),
        (1, "x"), (2, "abc"), (0, "id7"), (4, "ab12"), (4, "AB1234567"), (1, ""),
    ]  # fmt: skip
    for column, value in injections:
        for row in pick.sample(range(10, ROWS), 9):
            rows[row][column] = value
    return rows


def _project(tmp_path: Path, data_name: str) -> Path:
    (tmp_path / "schema.yaml").write_text(SCHEMA)
    (tmp_path / "mlgate.yaml").write_text(
        f"version: 1\ndata:\n  - path: {data_name}\n    schema: schema.yaml\n"
    )
    return tmp_path


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    lines = ["id,age,score,city,code", *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n")


def _validated(mlgate: RunMlgate, root: Path, engine: str) -> tuple[int, dict[str, Any]]:
    run = mlgate("validate", "--engine", engine, "--results-dir", f"out-{engine}", cwd=root)
    assert run.code in (0, 1), run.out + run.err
    result = json.loads((root / f"out-{engine}" / "validate.json").read_text())
    (entry,) = result["details"]["files"]
    entry.pop("engine", None)
    return run.code, entry


def test_csv_with_every_kind_of_failure_counts_the_same_on_both_engines(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = _project(tmp_path, "data.csv")
    _write_csv(root / "data.csv", _messy_rows())
    pandas_code, by_pandas = _validated(mlgate, root, "pandas")
    polars_code, by_polars = _validated(mlgate, root, "polars")
    assert pandas_code == polars_code == 1
    checks = {(f["column"], f["check"]) for f in by_pandas["failures"]}
    assert {
        ("age", "dtype('int64')"),
        ("age", "in_range(0, 120)"),
        ("score", "dtype('float64')"),
        ("score", "greater_than_or_equal_to(0.0)"),
        ("score", "less_than(1.0)"),
        ("city", "isin(['paris', 'rome', 'berlin'])"),
        ("city", "not_nullable"),
        ("id", "field_uniqueness"),
        ("code", "str_matches('[A-Z]{2}[0-9]+')"),
        ("code", "str_length(3, 6)"),
    } <= checks
    assert ("age", "not_nullable") in checks  # an int column with a null: pandas reads floats
    assert _text(by_polars) == _text(by_pandas)


def _text(entry: dict[str, Any]) -> str:
    """As the file holds it: 200 and 200.0 are one number to Python, not to a reader."""
    return json.dumps(entry, sort_keys=True)


def test_parquet_counts_the_same_on_both_engines(tmp_path: Path, mlgate: RunMlgate) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    root = _project(tmp_path, "data.parquet")
    rows = [r for r in _messy_rows() if r[1].lstrip("-").isdigit()]
    frame = pd.DataFrame(rows, columns=["id", "age", "score", "city", "code"])
    frame["age"] = frame["age"].astype("int64")
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    frame["city"] = frame["city"].where(frame["city"] != "", None)
    frame.to_parquet(root / "data.parquet", index=False)
    pandas_code, by_pandas = _validated(mlgate, root, "pandas")
    polars_code, by_polars = _validated(mlgate, root, "polars")
    assert pandas_code == polars_code == 1
    assert by_pandas["failing_rows"] > 0
    assert _text(by_polars) == _text(by_pandas)


def test_clean_data_passes_on_both_engines(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = _project(tmp_path, "data.csv")
    _write_csv(root / "data.csv", [[f"id{i}", "30", "0.5", "rome", "XY12"] for i in range(50)])
    assert _validated(mlgate, root, "pandas") == (0, _validated(mlgate, root, "polars")[1])


def test_a_check_polars_cannot_express_is_an_input_error_naming_it(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = _project(tmp_path, "data.csv")
    (root / "schema.yaml").write_text(
        SCHEMA.replace("      isin: [paris, rome, berlin]", "      unique_values_eq: [paris, rome]")
    )
    _write_csv(root / "data.csv", [[f"id{i}", "30", "0.5", "rome", "XY12"] for i in range(5)])
    run = mlgate("validate", "--engine", "polars", cwd=root)
    assert run.code == 2, run.out + run.err
    assert "unique_values_eq" in run.out + run.err
    assert "polars engine" in run.out + run.err
    # auto takes pandas for it, which checks it: the check ran, and fails
    auto = mlgate("validate", "--engine", "auto", cwd=root)
    assert auto.code == 1, auto.out + auto.err


def test_config_check_refuses_an_unknown_engine_with_its_line(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = _project(tmp_path, "data.csv")
    config = root / "mlgate.yaml"
    config.write_text(config.read_text() + "engine: turbo\n")
    run = mlgate("config", "check", cwd=root)
    assert run.code == 2
    assert "turbo" in run.out + run.err
    assert "line 5" in run.out + run.err or "mlgate.yaml:5" in run.out + run.err


def test_engine_in_the_config_picks_the_engine(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = _project(tmp_path, "data.csv")
    config = root / "mlgate.yaml"
    config.write_text(config.read_text() + "engine: polars\n")
    _write_csv(root / "data.csv", [[f"id{i}", "30", "0.5", "rome", "XY12"] for i in range(5)])
    run = mlgate("validate", cwd=root)
    assert run.code == 0, run.out + run.err
    result = json.loads((root / ".mlgate" / "validate.json").read_text())
    assert result["details"]["files"][0]["engine"] == "polars"


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param("\n", id="a blank line"),
        pytest.param('"multi\nline",5,0.1,rome,AB1\n', id="a record over two lines"),
        pytest.param("\r\n", id="CRLF line ends"),
        pytest.param(",,,,\n", id="a row of empty fields, which is a row"),
    ],
)
def test_rows_that_are_not_one_per_line_keep_their_lines(
    tmp_path: Path, mlgate: RunMlgate, layout: str
) -> None:
    """Polars reads a blank line as a row of nulls and cannot number the lines of a record
    over several lines: the examples' rows and lines must still be the file's."""
    root = _project(tmp_path, "data.csv")
    rows = [[f"id{i}", "30", "0.5", "rome", "XY12"] for i in range(6)]
    rows[1][1] = "200"
    rows[5][3] = "oslo"
    lines = ["id,age,score,city,code", *(",".join(r) for r in rows)]
    if layout == "\r\n":
        text = "\r\n".join(lines) + "\r\n"
    else:
        text = "\n".join(lines[:3]) + "\n" + layout + "\n".join(lines[3:]) + "\n"
    (root / "data.csv").write_bytes(text.encode())
    pandas_code, by_pandas = _validated(mlgate, root, "pandas")
    polars_code, by_polars = _validated(mlgate, root, "polars")
    assert pandas_code == polars_code == 1
    assert _text(by_polars) == _text(by_pandas)
    lines_of = {f["check"]: [e["line"] for e in f["examples"]] for f in by_pandas["failures"]}
    assert lines_of["in_range(0, 120)"] == [3]


PLAIN_VARIANTS = {
    "dict checks": SCHEMA,
    "flat check keys": """\
columns:
  age: {dtype: int64, nullable: true, greater_than: 0, less_than_or_equal_to: 99.5}
  name: {dtype: str, str_startswith: ab, str_length: {min_value: 2}, notin: [x, y]}
""",
    "list checks and a unique pair": """\
schema_type: dataframe
columns:
  a:
    dtype: float64
    checks:
      - {min_value: 0, max_value: 1, include_max: false, options: {check_name: in_range}}
      - {value: 0.5, options: {check_name: not_equal_to}}
  b:
    dtype: str
    unique: true
    report_duplicates: exclude_first
    checks:
      - {value: "^[a-z]+$", options: {check_name: str_matches}}
unique: [a, b]
report_duplicates: exclude_last
""",
}


@pytest.mark.parametrize("schema", PLAIN_VARIANTS.values(), ids=PLAIN_VARIANTS.keys())
def test_a_plain_schema_read_without_pandera_is_the_spec_pandera_gives(
    tmp_path: Path, schema: str
) -> None:
    """The Polars path reads a plain YAML schema itself (importing pandas and Pandera costs
    more than the pass): it must be the very spec Pandera's reading gives, names included."""
    from mlgate.validate.engines import plain_spec, table_spec
    from mlgate.validate.schema import chunk_plan, load_schema

    path = tmp_path / "schema.yaml"
    path.write_text(schema)
    by_pandera = table_spec(chunk_plan(load_schema(str(path), tmp_path)), "polars", "schema")
    assert plain_spec(str(path)) == by_pandera


@pytest.mark.parametrize(
    "column",
    [
        "{dtype: int64, greater_than: abc}",  # a bound the values cannot be compared with
        "{dtype: int64, checks: {in_range: {min_value: 0, max_value: 9}}, in_range: 3}",
        "{dtype: category}",
        "{dtype: str, regex: true}",
        "{dtype: int64, my_custom_check: 3}",
    ],
)
def test_what_is_not_plain_is_left_to_pandera(tmp_path: Path, column: str) -> None:
    from mlgate.validate.engines import plain_spec

    path = tmp_path / "schema.yaml"
    path.write_text(f"columns:\n  a: {column}\n")
    assert plain_spec(str(path)) is None


def test_a_parquet_column_stored_as_another_type_fails_its_dtype_on_both_engines(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    root = _project(tmp_path, "data.parquet")
    rows = [[f"id{i}", "30", 0.5, "rome", "XY12"] for i in range(5)]  # age stored as text
    pd.DataFrame(rows, columns=["id", "age", "score", "city", "code"]).to_parquet(
        root / "data.parquet", index=False
    )
    pandas_code, by_pandas = _validated(mlgate, root, "pandas")
    polars_code, by_polars = _validated(mlgate, root, "polars")
    assert pandas_code == polars_code == 1
    assert ("age", "dtype('int64')") in {(f["column"], f["check"]) for f in by_pandas["failures"]}
    assert _text(by_polars) == _text(by_pandas)


def test_no_examples_asked_still_counts_on_both_engines(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = _project(tmp_path, "data.csv")
    _write_csv(root / "data.csv", _messy_rows()[:400])
    runs = {}
    for engine in ("pandas", "polars"):
        runs[engine] = mlgate(
            "validate", "--engine", engine, "--max-examples", "0", "--results-dir", engine, cwd=root
        )
        assert runs[engine].code == 1, runs[engine].out + runs[engine].err
    files = [
        json.loads((root / engine / "validate.json").read_text())["details"]["files"][0]
        for engine in ("pandas", "polars")
    ]
    files[1].pop("engine")
    assert files[0]["failures"] and all(not f["examples"] for f in files[0]["failures"])
    assert _text(files[1]) == _text(files[0])


def test_config_check_refuses_a_check_the_configured_engine_cannot_express(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = _project(tmp_path, "data.csv")
    (root / "schema.yaml").write_text(
        SCHEMA.replace("      isin: [paris, rome, berlin]", "      unique_values_eq: [paris, rome]")
    )
    config = root / "mlgate.yaml"
    assert mlgate("config", "check", cwd=root).code == 0  # pandas checks every schema
    config.write_text(config.read_text() + "engine: polars\n")
    run = mlgate("config", "check", cwd=root)
    assert run.code == 2, run.out + run.err
    said = run.out + run.err
    assert "mlgate.yaml:4" in said
    assert "unique_values_eq" in said
    assert "polars engine" in said
    (root / "schema.yaml").write_text(SCHEMA)
    assert mlgate("config", "check", cwd=root).code == 0


@pytest.mark.parametrize(
    ("block", "named"),
    [
        ("spark: {mastr: 'local[2]'}\n", "did you mean 'master'"),
        ("spark: {master: ''}\n", "spark.master"),
        ("spark: {conf: {spark.driver.memory: [4g]}}\n", "spark.conf.spark.driver.memory"),
        ("spark: local\n", "spark"),
    ],
)
def test_a_wrong_spark_block_names_the_key_and_line(tmp_path: Path, block: str, named: str) -> None:
    from mlgate.config import load_config
    from mlgate.core.errors import ConfigError

    path = tmp_path / "mlgate.yaml"
    path.write_text("version: 1\nengine: spark\n" + block)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert named in str(raised.value) and "mlgate.yaml:3" in str(raised.value), str(raised.value)


def test_the_spark_block_reads_master_and_conf_as_text(tmp_path: Path) -> None:
    from mlgate.config import load_config

    path = tmp_path / "mlgate.yaml"
    path.write_text(
        "version: 1\nengine: spark\nspark:\n  master: sc://127.0.0.1:15002\n"
        "  conf: {spark.sql.shuffle.partitions: 8, spark.ui.enabled: false}\n"
    )
    spark = load_config(path).spark
    assert spark.master == "sc://127.0.0.1:15002"
    assert dict(spark.conf) == {"spark.sql.shuffle.partitions": "8", "spark.ui.enabled": "false"}


LAKE = "s3a://AKIAEXAMPLE:wJalrXUtnFEMI@training-lake/events/"


def test_a_data_lake_uri_needs_the_spark_engine(tmp_path: Path, mlgate: RunMlgate) -> None:
    """Only Spark reads a lake: with another engine in mlgate.yaml the data would go
    unchecked, so config check refuses it at its line; --engine pandas over `engine: spark`
    is an error for that entry (exit 2), never a skipped file."""
    root = _project(tmp_path, "data.csv")
    entry = f"data:\n  - path: ['{LAKE}', data.csv]\n    schema: schema.yaml\n"
    (root / "mlgate.yaml").write_text(f"version: 1\n{entry}")
    refused = mlgate("config", "check", cwd=root)
    assert refused.code == 2, refused.out + refused.err
    assert "mlgate.yaml:3" in refused.err and "engine: spark" in refused.err
    assert "wJalrXUtnFEMI" not in refused.out + refused.err
    _write_csv(root / "data.csv", [[f"id{i}", "30", "0.5", "rome", "XY12"] for i in range(5)])
    (root / "mlgate.yaml").write_text(f"version: 1\nengine: spark\n{entry}")
    run = mlgate("validate", "--engine", "pandas", "--format", "json", cwd=root)
    assert run.code == 2, run.out + run.err
    files = {f["path"]: f for f in json.loads(run.out)["details"]["files"]}
    assert files["data.csv"]["status"] == "pass"
    lake = files["s3a://***@training-lake/events/"]
    assert lake["status"] == "error" and "only the spark engine" in lake["error"]
    assert "wJalrXUtnFEMI" not in run.out + run.err


def test_spark_out_of_memory_is_no_verdict_that_says_what_to_raise() -> None:
    """A Spark job whose JVM runs out of heap (Py4J hands it over as any exception) is exit 3
    naming the setting, not "a bug in mlgate"; other errors are left as they are."""
    from mlgate.core.errors import ExternalError
    from mlgate.data import spark_job_errors

    heap = "An error occurred while calling o18025.collectToPython.\njava.lang.OutOfMemoryError"
    with pytest.raises(ExternalError) as raised, spark_job_errors(LAKE):
        raise RuntimeError(heap)
    assert "spark.driver.memory" in str(raised.value)
    assert "wJalrXUtnFEMI" not in str(raised.value)
    with pytest.raises(ValueError, match="not memory"), spark_job_errors("data.csv"):
        raise ValueError("not memory")
