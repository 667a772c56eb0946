"""`mlgate validate` and `mlgate schema infer` on real files made here, through the real CLI."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import EXAMPLE, REPO_ROOT, RunMlgate
from tests.helpers.validate_project import HEADER, SCHEMA, project, result_file, rows


def failures(root: Path, file_index: int = 0) -> dict[tuple[Any, str], dict[str, Any]]:
    entry = result_file(root)["details"]["files"][file_index]
    return {(f["column"], f["check"]): f for f in entry["failures"]}


def test_good_file_passes_and_writes_the_result(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER + rows(50)})
    result = mlgate("validate", cwd=root)
    assert result.code == 0, result.err
    assert "data/a.csv: ok — 50 rows, 3 columns" in result.out
    envelope = result_file(root)
    assert envelope["command"] == "validate"
    assert envelope["status"] == "pass"
    entry = envelope["details"]["files"][0]
    assert (entry["path"], entry["rows"], entry["columns"], entry["failures"]) == (
        "data/a.csv",
        50,
        3,
        [],
    )


def test_every_failure_with_exact_counts_and_line_numbers(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    lines = (HEADER + rows(30)).splitlines(keepends=True)
    lines[3] = "2,-1.0,a\n"  # x out of range (row 2, line 4)
    lines[5] = "4,99,z\n"  # x out of range and label not in the set (line 6)
    lines[8] = "7,,b\n"  # null x (line 9)
    lines[10] = "1,1.5,c\n"  # id 1 again: a duplicate of line 3 (row 1)
    root = project(tmp_path, {"data/bad.csv": "".join(lines)})
    result = mlgate("validate", "--max-examples", "1", cwd=root)
    assert result.code == 1, result.err
    found = failures(root)
    assert found[("x", "in_range(0, 10)")]["rows"] == 2
    assert found[("x", "in_range(0, 10)")]["examples"] == [{"row": 2, "line": 4, "value": -1.0}]
    assert found[("label", "isin(['a', 'b', 'c'])")]["rows"] == 1
    assert found[("x", "not_nullable")]["rows"] == 1
    assert found[("x", "not_nullable")]["examples"][0]["line"] == 9
    duplicates = found[("id", "field_uniqueness")]
    assert duplicates["rows"] == 2
    assert duplicates["examples"] == [{"row": 1, "line": 3, "value": 1}]
    assert result_file(root)["details"]["files"][0]["failing_rows"] == 5
    assert "x: in_range(0, 10) — 2 rows — line 4: -1.0" in result.out


def test_missing_and_unexpected_columns_and_dtypes(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(
        tmp_path,
        {
            "data/missing.csv": "id,x\n1,1.0\n",
            "data/extra.csv": "id,x,label,other\n1,1.0,a,5\n",
            "data/dtype.csv": "id,x,label\n1,abc,a\n2,1.5,b\n",
        },
    )
    result = mlgate("validate", cwd=root)
    assert result.code == 1
    files = {f["path"]: f for f in result_file(root)["details"]["files"]}
    missing = files["data/missing.csv"]["failures"]
    assert {"column": "label", "check": "column_in_dataframe"}.items() <= missing[0].items()
    extra = files["data/extra.csv"]["failures"]
    assert [(f["column"], f["check"]) for f in extra] == [("other", "column_in_schema")]
    dtype = {f["check"]: f for f in files["data/dtype.csv"]["failures"]}
    assert "dtype('float64')" in dtype
    assert "missing column" in result.out
    assert "unexpected column" in result.out


def test_all_files_are_reported_in_one_run(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(
        tmp_path,
        {
            "data/a.csv": HEADER + "1,-5,a\n",
            "data/b.csv": HEADER + "1,50,a\n",
            "data/c.csv": HEADER,
        },
    )
    result = mlgate("validate", "--format", "json", cwd=root)
    assert result.code == 1
    envelope = json.loads(result.out)
    assert [f["status"] for f in envelope["details"]["files"]] == ["fail", "fail", "pass"]
    assert envelope["summary"].startswith("2 of 3 data files failed validation")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data/corrupt.csv", HEADER + "1,2.0,a\n2,3.0,b,extra,fields\n", "line 3"),
        ("data/binary.csv", b"id,x,label\n\xff\xfe\x00\x81garbage\n", "not UTF-8"),
        ("data/empty.csv", "", "empty"),
        ("data/truncated.csv", HEADER + "1,2.0,a\n2,3", "truncated"),
        ("data/cut.csv.gz", gzip.compress((HEADER + rows(1000)).encode())[:200], "gzip"),
        ("data/cut.parquet", b"PAR1\x00\x00garbage", "Parquet"),
        ("data/bad.jsonl", '{"id": 1, "x": 1.0, "label": "a"}\n{"id": 2, "x":\n', "line 2"),
    ],
)
def test_unreadable_files_are_exit_2_with_the_file(
    name: str, content: str | bytes, message: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    pattern = "data/*"
    root = project(tmp_path, {name: content, "data/good.csv": HEADER + rows(3)}, pattern)
    result = mlgate("validate", cwd=root)
    assert result.code == 2, result.out + result.err
    assert name.removeprefix("data/") in result.out
    assert message in result.out
    assert "Traceback" not in result.err
    envelope = result_file(root)
    assert envelope["status"] == "error"
    assert envelope["exit_code"] == 2
    statuses = {f["path"]: f["status"] for f in envelope["details"]["files"]}
    assert statuses["data/good.csv"] == "pass"  # the other files were still checked


def _parquet(path: Path, text: str) -> None:
    import io

    import pandas as pd

    pytest.importorskip("pyarrow")  # the run without the `parquet` extra
    pd.read_csv(io.StringIO(text)).to_parquet(path)


def test_every_format(tmp_path: Path, mlgate: RunMlgate) -> None:
    import io

    import pandas as pd

    good = HEADER + rows(20)
    bad = HEADER + rows(5) + "5,11.0,a\n"
    frame = pd.read_csv(io.StringIO(bad))
    root = project(
        tmp_path,
        {
            "data/a.csv.gz": gzip.compress(good.encode()),
            "data/b.csv.gz": gzip.compress(bad.encode()),
            "data/c.tsv": good.replace(",", "\t"),
            "data/d.tsv": bad.replace(",", "\t"),
            "data/e.jsonl": frame.to_json(orient="records", lines=True),
            "data/f.txt": bad,  # a CSV named .txt: read as `format: csv`
        },
        pattern="data/*",
    )
    _parquet(root / "data" / "g.parquet", good)
    _parquet(root / "data" / "h.parquet", bad)
    (root / "mlgate.yaml").write_text(
        "version: 1\ndata:\n"
        "  - path: [data/*.gz, data/*.tsv, data/*.jsonl, data/*.parquet]\n"
        "    schema: schemas/s.yaml\n"
        "  - path: data/*.txt\n    schema: schemas/s.yaml\n    format: csv\n"
    )
    result = mlgate("validate", cwd=root)
    assert result.code == 1, result.out
    statuses = {f["path"]: f["status"] for f in result_file(root)["details"]["files"]}
    assert statuses == {
        "data/a.csv.gz": "pass",
        "data/b.csv.gz": "fail",
        "data/c.tsv": "pass",
        "data/d.tsv": "fail",
        "data/e.jsonl": "fail",
        "data/f.txt": "fail",
        "data/g.parquet": "pass",
        "data/h.parquet": "fail",
    }
    files = {f["path"]: f for f in result_file(root)["details"]["files"]}
    parquet = files["data/h.parquet"]["failures"]
    assert parquet[0]["examples"] == [{"row": 5, "value": 11.0}]  # no line numbers in Parquet
    assert files["data/e.jsonl"]["failures"][0]["examples"][0]["line"] == 6


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_chunks_keep_row_numbers_and_cross_chunk_duplicates(
    suffix: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    text = HEADER + rows(2500) + "10,1.5,b\n" + rows(1000, start=2500) + "9999,-1,a\n"
    root = project(tmp_path, {}, pattern=f"data/*.{suffix}")
    (root / "data").mkdir()
    if suffix == "csv":
        (root / "data" / "big.csv").write_text(text)
    else:
        _parquet(root / "data" / "big.parquet", text)
    whole = mlgate("validate", "--format", "json", cwd=root)
    chunked = mlgate("validate", "--format", "json", "--chunk-rows", "700", cwd=root)
    assert whole.code == chunked.code == 1
    one, many = (json.loads(r.out)["details"]["files"][0] for r in (whole, chunked))
    assert (one["chunks"], many["chunks"]) == (1, 6)
    assert one["failures"] == many["failures"]
    assert one["failing_rows"] == many["failing_rows"] == 3
    found = {(f["column"], f["check"]): f for f in many["failures"]}
    dup = found[("id", "field_uniqueness")]
    assert dup["rows"] == 2
    assert [e["row"] for e in dup["examples"]] == [10, 2500]  # in chunks 1 and 4
    assert [e["value"] for e in dup["examples"]] == [10, 10]
    assert found[("x", "in_range(0, 10)")]["examples"][0]["row"] == 3501


def test_row_spanning_check_is_refused_across_chunks(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER + rows(100)})
    (root / "schemas" / "s.yaml").write_text(
        SCHEMA.replace("isin: [a, b, c]", "unique_values_eq: [a, b, c]")
    )
    assert mlgate("validate", cwd=root).code == 0
    refused = mlgate("validate", "--chunk-rows", "30", cwd=root)
    assert refused.code == 2
    assert "unique_values_eq" in refused.out
    assert "--chunk-rows" in refused.out


def test_paths_outside_the_config_are_skipped_quietly(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER + rows(5), "data/b.csv": HEADER + "1,-1,a\n"})
    (root / "notes.txt").write_text("hello")
    result = mlgate("validate", "notes.txt", "data/a.csv", "README.md", cwd=root)
    assert result.code == 0, result.out
    details = result_file(root)["details"]
    assert [f["path"] for f in details["files"]] == ["data/a.csv"]
    assert details["skipped"] == 2
    nothing = mlgate("validate", "notes.txt", cwd=root)
    assert nothing.code == 0
    assert "nothing to validate" in nothing.out


def test_a_glob_matching_nothing_is_exit_2(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(tmp_path, {})
    result = mlgate("validate", cwd=root)
    assert result.code == 2
    assert "matches no file" in result.err


def test_ad_hoc_schema_without_config(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "s.yaml").write_text(SCHEMA)
    (tmp_path / "a.csv").write_text(HEADER + rows(3))
    (tmp_path / "b.csv").write_text(HEADER + "1,1.0,q\n")
    assert mlgate("validate", "--schema", "s.yaml", "a.csv", cwd=tmp_path).code == 0
    result = mlgate("validate", "--schema", "s.yaml", "a.csv", "b.csv", cwd=tmp_path)
    assert result.code == 1
    assert "b.csv: FAIL" in result.out
    assert mlgate("validate", "--schema", "s.yaml", "gone.csv", cwd=tmp_path).code == 2


PYTHON_SCHEMAS = """\
import pandera.pandas as pa
from pandera.typing import Series


class Model(pa.DataFrameModel):
    id: Series[int] = pa.Field(unique=True)
    x: Series[float] = pa.Field(ge=0, le=10)
    label: Series[str] = pa.Field(isin=["a", "b", "c"])


SCHEMA = pa.DataFrameSchema(
    {"id": pa.Column(int), "x": pa.Column(float)},
    checks=pa.Check(lambda df: df["x"] > -100, name="x_above_minus_100"),
)
"""


@pytest.mark.parametrize(
    ("name", "check"), [("Model", "greater_than_or_equal_to(0)"), ("SCHEMA", "x_above_minus_100")]
)
def test_python_schemas_by_import_path(
    name: str, check: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    (tmp_path / "myproj").mkdir()
    (tmp_path / "myproj" / "__init__.py").write_text("")
    (tmp_path / "myproj" / f"schemas_{tmp_path.name[-8:].replace('-', '_')}.py").write_text(
        PYTHON_SCHEMAS
    )
    module = f"myproj.schemas_{tmp_path.name[-8:].replace('-', '_')}"
    (tmp_path / "a.csv").write_text(HEADER + rows(3) + "9,-200,a\n")
    result = mlgate("validate", "--schema", f"{module}:{name}", "a.csv", cwd=tmp_path)
    assert result.code == 1, result.out + result.err
    assert check in json.dumps(result_file(tmp_path)["details"])
    sys.modules.pop("myproj", None)
    sys.modules.pop(module, None)


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (SCHEMA.replace("in_range:", "in_rnage:"), "'in_rnage' is neither a column option"),
        (SCHEMA + "strcit: true\n", "unknown top-level key(s) 'strcit'"),
        (
            SCHEMA.replace("isin: [a, b, c]", "checks:\n      my_custom_check: {}"),
            "my_custom_check",
        ),
        (
            SCHEMA.replace(
                "isin: [a, b, c]", "isin: [a]\n    checks: {str_length: {min_value: 1}}"
            ),
            "both a `checks:` list and check keys",
        ),
        ("columns: [", "schemas/s.yaml:2:1: invalid YAML"),
    ],
)
def test_schemas_that_would_lose_checks_are_exit_2(
    schema: str, message: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER + rows(3)})
    (root / "schemas" / "s.yaml").write_text(schema)
    result = mlgate("validate", cwd=root)
    assert result.code == 2
    assert "schemas/s.yaml" in result.err
    assert message in result.err


def test_github_annotations_are_capped(tmp_path: Path, mlgate: RunMlgate) -> None:
    many = {f"data/f{i:02}.csv": HEADER + "1,-1,z\n" for i in range(8)}  # 2 failing checks each
    root = project(tmp_path, many)
    result = mlgate("validate", cwd=root, env={"GITHUB_ACTIONS": "true"})
    assert result.code == 1
    annotations = [line for line in result.err.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 10
    assert annotations[0].startswith("::error file=data/f00.csv,line=2,title=mlgate validate%3A ")
    assert "7 more failing checks" in annotations[-1]


def test_markdown_output(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER + "1,-1,a\n", "data/b.csv": HEADER})
    result = mlgate("validate", "--format", "markdown", cwd=root)
    assert result.code == 1
    assert result.out.startswith("### ❌ Data validation")
    assert "| x | in\\_range\\(0, 10\\) | 1 | line 2: -1.0 |" in result.out


def test_the_wine_example_validates(tmp_path: Path, mlgate: RunMlgate) -> None:
    import pandas as pd
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    frame.columns = [c.replace("/", "_") for c in frame.columns]
    frame["target"] = frame["target"].astype("int64")
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "train.yaml").write_text(
        (EXAMPLE / "schemas" / "train.yaml").read_text()
    )
    (tmp_path / "mlgate.yaml").write_text((EXAMPLE / "mlgate.yaml").read_text())
    (tmp_path / "data").mkdir()
    frame.to_csv(tmp_path / "data" / "train.csv", index=False)
    assert mlgate("validate", cwd=tmp_path).code == 0
    frame.loc[3, "alcohol"] = -1.0
    frame.drop(columns=["proline"]).to_csv(tmp_path / "data" / "train.csv", index=False)
    result = mlgate("validate", cwd=tmp_path)
    assert result.code == 1
    assert "alcohol: in_range(8, 16) — 1 row — line 5: -1.0" in result.out
    assert "proline" in result.out
    del pd


def test_missing_extra_is_exit_2(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path, {"data/a.csv": HEADER + rows(3)})
    monkeypatch.setitem(sys.modules, "pandera.pandas", None)
    result = mlgate("validate", cwd=root)
    assert result.code == 2
    assert "pip install 'mlgate[validate]'" in result.err


def test_unmatched_paths_import_no_data_library(tmp_path: Path) -> None:
    """pre-commit passes every staged file; with no data among them, stay light."""
    script = (
        "import json, sys\n"
        "from mlgate.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    config = str(EXAMPLE / "mlgate.yaml")
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "validate",
            "--config",
            config,
            "--results-dir",
            str(tmp_path),
            "some.txt",
            "other.py",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    code, modules = json.loads(completed.stdout.strip().splitlines()[-1])
    assert code == 0, completed.stderr
    assert not {"pandas", "pandera", "pyarrow", "numpy"} & set(modules)


def test_schema_infer_round_trips(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "a.csv").write_text(HEADER + rows(40))
    shown = mlgate("schema", "infer", "a.csv", cwd=tmp_path)
    assert shown.code == 0, shown.err
    assert shown.out.startswith("# Pandera schema inferred by `mlgate schema infer` from a.csv")
    assert "review it" in shown.out
    written = mlgate("schema", "infer", "a.csv", "-o", "s.yaml", cwd=tmp_path)
    assert written.code == 0
    assert (tmp_path / "s.yaml").read_text() == shown.out
    assert mlgate("validate", "--schema", "s.yaml", "a.csv", cwd=tmp_path).code == 0
    (tmp_path / "b.csv").write_text(HEADER + "1,99.0,a\n")
    assert mlgate("validate", "--schema", "s.yaml", "b.csv", cwd=tmp_path).code == 1
    again = mlgate("schema", "infer", "a.csv", "-o", "s.yaml", cwd=tmp_path)
    assert again.code == 2
    assert "--force" in again.err
    assert mlgate("schema", "infer", "a.csv", "-o", "s.yaml", "--force", cwd=tmp_path).code == 0
