"""`mlgate validate` in an install without the `parquet` extra (no pyarrow).

pandas 3 stores text in pyarrow when it is installed and in Python objects when it is not;
the verdicts, failures and examples must not depend on which. Each case runs the real CLI
twice in subprocesses, once with tests/fixtures/without_pyarrow on PYTHONPATH, where
`import pyarrow` fails as it does when the package is not installed.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import REPO_ROOT

WITHOUT_PYARROW = REPO_ROOT / "tests" / "fixtures" / "without_pyarrow"

# Text with what string storage might treat differently: missing values (empty field, NA,
# null in JSON), an empty string, non-ASCII digits and letters, a regex, lengths, a set.
SCHEMA = """\
schema_type: dataframe
columns:
  id: {dtype: int64, unique: true}
  code:
    dtype: str
    nullable: true
    str_matches: '^\\d{2}-[a-z]+$'
  name:
    dtype: str
    nullable: false
    str_length: {min_value: 1, max_value: 6}
  label:
    dtype: str
    nullable: true
    isin: [a, b, ä]
strict: true
"""
ROWS = [
    (0, "12-ab", "anna", "a"),
    (1, "", "bo", "b"),  # an empty code: read as missing
    (2, "٣٤-xy", "ǅemal", "ä"),  # non-ASCII digits match \d in Python's re
    (3, "NA", "", "a"),  # NA is missing; an empty name is missing, not nullable
    (4, "99-Z", "élodie!", "c"),  # bad code, name too long, label not in the set
    (4, "10-q", "x", ""),  # a duplicate id, a missing label
]


def csv_text(sep: str) -> str:
    lines = [sep.join(("id", "code", "name", "label"))]
    lines += [sep.join(str(field) for field in row) for row in ROWS]
    return "\n".join(lines) + "\n"


def jsonl_text() -> str:
    def value(field: object) -> object:
        return None if field in ("", "NA") else field

    names = ("id", "code", "name", "label")
    records = [dict(zip(names, map(value, row), strict=True)) for row in ROWS]
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def project(root: Path, files: dict[str, bytes]) -> Path:
    (root / "schemas").mkdir(parents=True)
    (root / "schemas" / "s.yaml").write_text(SCHEMA, encoding="utf-8")
    (root / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: data/*\n    schema: schemas/s.yaml\n"
    )
    for name, content in files.items():
        (root / "data").mkdir(exist_ok=True)
        (root / "data" / name).write_bytes(content)
    return root


def run(args: list[str], cwd: Path, *, pyarrow: bool) -> subprocess.CompletedProcess[str]:
    path = [str(REPO_ROOT / "src")] + ([] if pyarrow else [str(WITHOUT_PYARROW)])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def validate(root: Path, *, pyarrow: bool) -> tuple[int, str, dict[str, Any]]:
    completed = run(["-m", "mlgate", "validate"], root, pyarrow=pyarrow)
    assert "Traceback" not in completed.stderr, completed.stderr
    result = json.loads((root / ".mlgate" / "validate.json").read_text())
    return completed.returncode, completed.stdout, result


def verdicts(result: dict[str, Any]) -> dict[str, Any]:
    """What a reader is told about each file: status, rows, failures and their examples."""
    keep = ("path", "status", "rows", "columns", "failing_rows", "failures", "error")
    files = result["details"]["files"]
    return {"status": result["status"], "files": [{k: f.get(k) for k in keep} for f in files]}


def test_the_stand_in_hides_pyarrow_and_pandas_stores_text_without_it(tmp_path: Path) -> None:
    probe = ["-c", "import pandas as pd; print(pd.Series(['a']).dtype.storage)"]
    assert run(probe, tmp_path, pyarrow=True).stdout.strip() == "pyarrow"
    assert run(probe, tmp_path, pyarrow=False).stdout.strip() == "python"


def test_text_formats_give_the_same_verdicts_without_pyarrow(tmp_path: Path) -> None:
    files = {
        "a.csv": csv_text(",").encode(),
        "b.tsv": csv_text("\t").encode(),
        "c.jsonl": jsonl_text().encode(),
        "d.csv.gz": gzip.compress(csv_text(",").encode()),
        "e.csv": (csv_text(",").splitlines(keepends=True)[0] + "7,01-ok,zoe,b\n").encode(),
    }
    with_arrow = validate(project(tmp_path / "with", files), pyarrow=True)
    without = validate(project(tmp_path / "without", files), pyarrow=False)
    assert with_arrow[0] == without[0] == 1, with_arrow[1] + without[1]
    assert verdicts(with_arrow[2]) == verdicts(without[2])
    assert with_arrow[1] == without[1]
    statuses = {f["path"]: f["status"] for f in with_arrow[2]["details"]["files"]}
    assert statuses == {
        "data/a.csv": "fail",
        "data/b.tsv": "fail",
        "data/c.jsonl": "fail",
        "data/d.csv.gz": "fail",
        "data/e.csv": "pass",
    }
    checks = {(f["column"], f["check"]) for f in with_arrow[2]["details"]["files"][0]["failures"]}
    assert ("code", "str_matches('^\\d{2}-[a-z]+$')") in checks
    assert ("label", "isin(['a', 'b', 'ä'])") in checks


def test_a_parquet_file_without_pyarrow_is_exit_2_naming_the_extra(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    root = project(tmp_path, {"good.csv": csv_text(",").splitlines(keepends=True)[0].encode()})
    pd.DataFrame({"id": [1], "code": ["12-ab"], "name": ["x"], "label": ["a"]}).to_parquet(
        root / "data" / "scores.parquet"
    )
    code, out, result = validate(root, pyarrow=False)
    assert code == 2, out
    assert "data/scores.parquet" in out
    assert "pip install 'mlgate[parquet]'" in out
    statuses = {f["path"]: f["status"] for f in result["details"]["files"]}
    assert statuses == {"data/good.csv": "pass", "data/scores.parquet": "error"}
    assert validate(root, pyarrow=True)[0] == 0
