"""Fuzz every reader of user input through the real CLI: config, metrics, data, per-example
records and Pandera schemas. Whatever the input, the answer is a verdict (0 or 1) or an input
error (2) naming the file, never "no verdict" (3), a traceback or "a bug in mlgate"."""

from __future__ import annotations

import io
import json
import math
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.cli import Run, RunMlgate

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BUG_TEXT = ("Traceback", "internal error", "bug in mlgate")
HUGE = int("9" * 400)

# --- values a hostile or messy file holds ------------------------------------------------

hostile_scalars = st.one_of(
    st.just(HUGE),
    st.just(-HUGE),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.booleans(),
    st.none(),
    st.sampled_from(["abc", "", ".nan", "1e400", "0x1F", "**", ".", "a/**b", "\x00", "é"]),
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


@contextmanager
def folder() -> Iterator[Path]:
    """A fresh folder per example: hypothesis reruns the test body, tmp_path is one per test."""
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def assert_no_bug(result: Run, named: str) -> None:
    """Exit 0, 1 or 2; an input error names the file; no bug text anywhere."""
    text = result.out + result.err
    for bug in BUG_TEXT:
        assert bug not in text, text
    assert result.code in (0, 1, 2), text
    if result.code == 2:  # validate names a file's error on its own line of stdout
        assert named in text, text


def assert_input_error(result: Run, named: str) -> None:
    assert_no_bug(result, named)
    assert result.code == 2, result.out + result.err


# --- mlgate.yaml ---------------------------------------------------------------------------

VALID_CONFIG: dict[str, Any] = {
    "version": 1,
    "data": [{"path": "data/*.csv", "schema": "schemas/train.yaml", "format": "csv"}],
    "mlflow": {
        "tracking_uri": "sqlite:///mlflow.db",
        "model": "wine",
        "alias": "champion",
        "model_path": "model.pkl",
    },
    "metrics": {
        "candidate": "dvc",
        "baseline": "registry",
        "on_missing_baseline": "pass",
        "per_example": {"candidate": "eval/p.csv", "y_true": "y", "weight": "w"},
    },
    "gates": {
        "accuracy": {
            "direction": "higher",
            "threshold": 0.9,
            "max_regression": 0.01,
            "max_regression_pct": 2,
            "min_improvement": 0.0,
            "min_improvement_pct": 0.0,
            "max_improvement": 0.5,
            "max_improvement_pct": 50,
            "required": True,
            "confidence": 0.95,
            "on_inconclusive": "fail",
            "statistic": "accuracy",
        }
    },
    "drift": {
        "reference": "file:ref.csv",
        "current": ["data/*.csv"],
        "method": "auto",
        "threshold": 0.1,
        "max_drifted_share": 0.5,
        "block": False,
        "columns": {"a": {"ignore": False, "method": "psi", "threshold": 0.2, "current": "b"}},
    },
}
NUMERIC_KEYS = {
    "threshold",
    "max_regression",
    "max_regression_pct",
    "min_improvement",
    "min_improvement_pct",
    "max_improvement",
    "max_improvement_pct",
    "confidence",
    "max_drifted_share",
}


def key_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the config a value sits, mappings and lists included."""
    paths = [prefix] if prefix else []
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, inner in items:
            paths.extend(key_paths(inner, (*prefix, key)))
    return paths


CONFIG_PLACES = key_paths(VALID_CONFIG)


def with_value(place: tuple[Any, ...], value: Any) -> dict[str, Any]:
    config = json.loads(json.dumps(VALID_CONFIG))
    holder = config
    for key in place[:-1]:
        holder = holder[key]
    holder[place[-1]] = value
    return config


def write_config(root: Path, config: dict[str, Any]) -> None:
    (root / "mlgate.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "schemas").mkdir(exist_ok=True)
    (root / "schemas" / "train.yaml").write_text(SCHEMA_YAML)


def is_number(value: Any) -> bool:
    """A finite number a float holds (a YAML or JSON integer can be any size)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def assert_refused(result: Run, named: str) -> None:
    """Invalid input never passes: blocked (1) or an input error (2)."""
    assert_no_bug(result, named)
    assert result.code in (1, 2), result.out + result.err


def test_the_valid_config_passes_config_check(mlgate: RunMlgate) -> None:
    with folder() as root:
        write_config(root, VALID_CONFIG)
        result = mlgate("config", "check", cwd=root)
    assert result.code == 0, result.err


@FUZZ
@given(
    place=st.sampled_from(CONFIG_PLACES),
    value=hostile_values | st.just(deep(150)) | st.just({"x": HUGE}),
)
def test_config_check_on_a_hostile_value_anywhere(
    mlgate: RunMlgate, place: tuple[Any, ...], value: Any
) -> None:
    with folder() as root:
        write_config(root, with_value(place, value))
        result = mlgate("config", "check", cwd=root)
    assert_no_bug(result, "mlgate.yaml")
    if place[-1] in NUMERIC_KEYS and not is_number(value):
        assert_input_error(result, "mlgate.yaml")


@pytest.mark.parametrize("key", sorted(NUMERIC_KEYS))
def test_an_integer_too_large_for_a_float_in_a_numeric_key(mlgate: RunMlgate, key: str) -> None:
    place = next(p for p in CONFIG_PLACES if p[-1] == key)
    with folder() as root:
        write_config(root, with_value(place, HUGE))
        result = mlgate("config", "check", cwd=root)
    assert_input_error(result, "mlgate.yaml")
    assert key in result.err


@pytest.mark.parametrize("pattern", ["a/**b", ".", "**", "", "data/**", "./", "a**/x.csv"])
@pytest.mark.parametrize("where", [("data", 0, "path"), ("drift", "current")])
def test_a_glob_pathlib_refuses_is_an_input_error(
    mlgate: RunMlgate, pattern: str, where: tuple[Any, ...]
) -> None:
    with folder() as root:
        (root / "data").mkdir()
        (root / "data" / "a.csv").write_text("a\n1\n")
        write_config(root, with_value(where, pattern))
        for command in (("config", "check"), ("validate",), ("drift",)):
            result = mlgate(*command, cwd=root)
            assert_no_bug(result, "mlgate.yaml")
            assert result.code == 2, result.out + result.err


# --- metrics files -------------------------------------------------------------------------

GATE_CONFIG = (
    "version: 1\nmetrics: {baseline: none}\ngates:\n"
    "  acc: {direction: higher, threshold: 0.5, max_regression: 0.1}\n"
)


def compare_files(mlgate: RunMlgate, root: Path, candidate: str, baseline: str) -> Run:
    (root / "mlgate.yaml").write_text(GATE_CONFIG)
    return mlgate(
        "compare", "--candidate", f"file:{candidate}", "--baseline", f"file:{baseline}", cwd=root
    )


@FUZZ
@given(
    value=hostile_values,
    suffix=st.sampled_from([".json", ".yaml"]),
    raw=st.none() | st.binary(max_size=40),
)
def test_compare_on_hostile_metrics_files(
    mlgate: RunMlgate, value: Any, suffix: str, raw: bytes | None
) -> None:
    with folder() as root:
        name = f"m{suffix}"
        if raw is not None:
            (root / name).write_bytes(raw)
        elif suffix == ".json":
            (root / name).write_text(json.dumps({"acc": value}))
        else:
            (root / name).write_text(yaml.safe_dump({"acc": value}))
        (root / "b.json").write_text('{"acc": 0.8}')
        for candidate, baseline in ((name, "b.json"), ("b.json", name)):
            result = compare_files(mlgate, root, candidate, baseline)
            assert_no_bug(result, name)
            # a baseline without a usable value skips the relative rules, and says so
            if raw is None and not is_number(value) and candidate == name:
                assert_refused(result, name)


# --- data files ----------------------------------------------------------------------------

SCHEMA_YAML = """schema_type: dataframe
version: 0.18.0
columns:
  a:
    dtype: int64
    checks:
      greater_than: 0
  b:
    dtype: float64
    nullable: true
  c:
    dtype: str
    nullable: true
"""

cells = st.one_of(
    st.just(str(HUGE)),
    st.integers().map(str),
    st.floats().map(str),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
    st.sampled_from(["", "nan", "inf", "-1e400", "1e400", "\u00e9", '"', ",", "x\ny"]),
)


def profile_and_drift(mlgate: RunMlgate, root: Path, name: str) -> None:
    """`profile` and `drift` read the same data files: verdict or input error, never a bug."""
    assert_no_bug(mlgate("profile", name, "-o", "profile.json", cwd=root), name)
    drift = mlgate("drift", "--reference", f"file:{name}", "--current", name, cwd=root)
    assert_no_bug(drift, name)


def validate_data(mlgate: RunMlgate, root: Path, name: str, schema: str = SCHEMA_YAML) -> Run:
    (root / "mlgate.yaml").write_text(f"version: 1\ndata:\n  - path: {name}\n    schema: s.yaml\n")
    (root / "s.yaml").write_text(schema)
    return mlgate("validate", cwd=root)


@FUZZ
@given(rows=st.lists(st.tuples(cells, cells, cells), max_size=4), junk=st.binary(max_size=12))
def test_validate_on_hostile_csv(
    mlgate: RunMlgate, rows: list[tuple[str, str, str]], junk: bytes
) -> None:
    import csv

    with folder() as root:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["a", "b", "c"])
        writer.writerows(rows)
        (root / "d.csv").write_bytes(text.getvalue().encode() + junk)
        result = validate_data(mlgate, root, "d.csv")
        profile_and_drift(mlgate, root, "d.csv")
    assert_no_bug(result, "d.csv")


@FUZZ
@given(rows=st.lists(st.dictionaries(st.sampled_from("abc"), hostile_values), max_size=4))
def test_validate_on_hostile_json_lines(mlgate: RunMlgate, rows: list[dict[str, Any]]) -> None:
    with folder() as root:
        lines = [json.dumps(row) for row in rows] or ["{}"]
        (root / "d.jsonl").write_text("\n".join(lines) + "\n")
        result = validate_data(mlgate, root, "d.jsonl")
        profile_and_drift(mlgate, root, "d.jsonl")
    assert_no_bug(result, "d.jsonl")


@FUZZ
@given(
    a=st.lists(st.binary(max_size=6) | st.none(), min_size=1, max_size=4),
    b=st.sampled_from(["binary", "string", "int", "huge"]),
)
def test_validate_on_hostile_parquet(mlgate: RunMlgate, a: list[bytes | None], b: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: dict[str, Any] = {"a": pa.array(a, type=pa.binary())}
    if b == "string":
        columns["b"] = pa.array(["x"] * len(a))
    elif b == "int":
        columns["b"] = pa.array(list(range(len(a))))
    elif b == "huge":
        columns["b"] = pa.array([str(HUGE)] * len(a))
    else:
        columns["b"] = pa.array([b"\xff\xfe"] * len(a), type=pa.binary())
    with folder() as root:
        pq.write_table(pa.table(columns), root / "d.parquet")
        result = validate_data(mlgate, root, "d.parquet")
        profile_and_drift(mlgate, root, "d.parquet")
    assert_no_bug(result, "d.parquet")


def test_a_csv_value_too_large_for_a_float_fails_its_row(mlgate: RunMlgate) -> None:
    with folder() as root:
        (root / "d.csv").write_text(f"a,b,c\n1,{HUGE},x\n{HUGE},1.5,y\n")
        result = validate_data(mlgate, root, "d.csv")
    assert_no_bug(result, "d.csv")
    assert result.code == 1, result.out + result.err


def test_a_csv_with_invalid_utf8_is_an_input_error(mlgate: RunMlgate) -> None:
    with folder() as root:
        (root / "d.csv").write_bytes(b"a,b,c\n1,1.5,\xff\xfe\n")
        result = validate_data(mlgate, root, "d.csv")
    assert_input_error(result, "d.csv")


def test_a_parquet_binary_column_with_bytes_not_utf8(mlgate: RunMlgate) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"a": [1, 2], "b": [1.0, 2.0], "c": pa.array([b"ok", b"\xff"], pa.binary())})
    with folder() as root:
        pq.write_table(table, root / "d.parquet")
        result = validate_data(mlgate, root, "d.parquet")
        profile_and_drift(mlgate, root, "d.parquet")
    assert_no_bug(result, "d.parquet")
    assert result.code in (1, 2)


# --- per-example records -------------------------------------------------------------------

RECORDS_CONFIG = """version: 1
metrics:
  baseline: file:b.json
  per_example: {candidate: c.csv, baseline: bp.csv}
gates:
  accuracy: {direction: higher, max_regression: 0.1, confidence: 0.9}
"""
record_cells = st.one_of(
    st.sampled_from(["0", "1", "a", "b", "", str(HUGE), "nan", "0.5", "x y", "-1", "2"]),
    st.integers(-2, 3).map(str),
)
record_columns = st.lists(
    st.sampled_from(["id", "y_true", "y_pred", "y_score", "weight", "proba_a", "proba_1"]),
    min_size=1,
    max_size=5,
    unique=True,
)


def records_csv(columns: list[str], rows: list[list[str]]) -> str:
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    writer.writerows(row[: len(columns)] for row in rows)
    return text.getvalue()


def compare_records(mlgate: RunMlgate, root: Path, candidate: str, baseline: str) -> Run:
    (root / "mlgate.yaml").write_text(RECORDS_CONFIG)
    (root / "c.json").write_text('{"accuracy": 0.8}')
    (root / "b.json").write_text('{"accuracy": 0.8}')
    (root / "c.csv").write_text(candidate)
    (root / "bp.csv").write_text(baseline)
    return mlgate("compare", "--candidate", "file:c.json", cwd=root)


@FUZZ
@given(
    columns=record_columns,
    rows=st.lists(st.lists(record_cells, min_size=7, max_size=7), max_size=5),
    same=st.booleans(),
)
def test_compare_on_hostile_per_example_records(
    mlgate: RunMlgate, columns: list[str], rows: list[list[str]], same: bool
) -> None:
    good = records_csv(["id", "y_true", "y_pred"], [["1", "0", "0"], ["2", "1", "1"]])
    hostile = records_csv(columns, rows)
    with folder() as root:
        result = compare_records(mlgate, root, hostile, hostile if same else good)
        assert_no_bug(result, "c.csv")
        if result.code == 2:
            assert "c.csv" in result.err or "bp.csv" in result.err


RECORDS_CASES: dict[str, Callable[[], str]] = {
    "a header and no rows": lambda: "id,y_true,y_pred\n",
    "text in weight": lambda: "id,y_true,y_pred,weight\n1,0,0,heavy\n2,1,1,1\n",
    "text in y_score": lambda: "id,y_true,y_score\n1,0,high\n2,1,0.5\n",
    "ints in y_true, text in y_pred": lambda: "id,y_true,y_pred\n1,0,a\n2,1,b\n",
    "a huge weight": lambda: f"id,y_true,y_pred,weight\n1,0,0,{HUGE}\n2,1,1,1\n",
    "a huge y_score": lambda: f"id,y_true,y_score\n1,0,{HUGE}\n2,1,0.5\n",
}


@pytest.mark.parametrize("case", sorted(RECORDS_CASES))
def test_known_hostile_records_are_input_errors(mlgate: RunMlgate, case: str) -> None:
    good = "id,y_true,y_pred\n1,0,0\n2,1,1\n"
    with folder() as root:
        result = compare_records(mlgate, root, RECORDS_CASES[case](), good)
    assert_input_error(result, "c.csv")


# --- Pandera schemas -----------------------------------------------------------------------

CHECK_ARGUMENTS: dict[str, Any] = {
    "greater_than": "abc",
    "less_than": [1, 2],
    "in_range": {"min_value": "x", "max_value": "y"},
    "str_length": "a",
    "equal_to": {"nested": "x"},
    "not_equal_to": True,
}


@pytest.mark.parametrize("check", sorted(CHECK_ARGUMENTS))
def test_a_yaml_schema_check_with_a_wrong_argument_is_the_schemas_error(
    mlgate: RunMlgate, check: str
) -> None:
    schema = yaml.safe_load(SCHEMA_YAML)
    schema["columns"]["a"]["checks"] = {check: CHECK_ARGUMENTS[check]}
    with folder() as root:
        (root / "d.csv").write_text("a,b,c\n1,1.5,x\n2,2.5,y\n")
        result = validate_data(mlgate, root, "d.csv", yaml.safe_dump(schema))
    assert_input_error(result, "s.yaml")
    assert check in result.out + result.err


@FUZZ
@given(
    check=st.sampled_from(["greater_than", "less_than", "in_range", "isin", "notin", "eq"]),
    argument=hostile_values,
)
def test_validate_on_a_schema_with_hostile_check_arguments(
    mlgate: RunMlgate, check: str, argument: Any
) -> None:
    schema = yaml.safe_load(SCHEMA_YAML)
    schema["columns"]["a"]["checks"] = {check: argument}
    with folder() as root:
        (root / "d.csv").write_text("a,b,c\n1,1.5,x\n2,2.5,y\n")
        result = validate_data(mlgate, root, "d.csv", yaml.safe_dump(schema))
    assert_no_bug(result, "s.yaml")


def test_a_python_schema_check_with_a_wrong_argument_is_the_schemas_error(
    mlgate: RunMlgate,
) -> None:
    module = (
        "import pandera.pandas as pa\n"
        "schema = pa.DataFrameSchema({'a': pa.Column(int, pa.Check.greater_than('abc'))})\n"
    )
    with folder() as root:
        (root / "d.csv").write_text("a,b,c\n1,1.5,x\n2,2.5,y\n")
        (root / "wrong_schema.py").write_text(module)
        (root / "mlgate.yaml").write_text(
            "version: 1\ndata:\n  - path: d.csv\n    schema: wrong_schema:schema\n"
        )
        result = mlgate("validate", cwd=root)
    assert_input_error(result, "wrong_schema")
    assert "greater_than" in result.out + result.err
