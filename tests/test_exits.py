"""Every exit is mapped: whatever user code raises or exits with is 2 or 3, never 0 or a silent 1.

Written as the messy repo: schema modules on disk that call `sys.exit` at import, custom checks
that raise or exit, numeric options given NaN.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlgate.core.errors import ExitStatus
from tests.helpers.cli import RunMlgate, run_subprocess

DATA = "id,x\n1,0.5\n2,1.5\n"


def schema_package(root: Path, name: str, body: str) -> str:
    """A Python schema module `<name>.schemas` under `root`; returns its import path."""
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "schemas.py").write_text(body)
    return f"{name}.schemas:Schema"


def validate_result(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / ".mlgate" / "validate.json").read_text())
    return data


def configured(root: Path, schema: str) -> Path:
    (root / "data.csv").write_text(DATA)
    (root / "mlgate.yaml").write_text(
        f"version: 1\ndata:\n  - path: data.csv\n    schema: {schema}\n"
    )
    return root


EXITS_AT_IMPORT = """\
import sys
sys.exit({code})
"""


@pytest.mark.parametrize("code", ["0", "1", "None", "'bye'"])
def test_a_schema_module_that_exits_at_import_is_an_input_error(code: str, tmp_path: Path) -> None:
    """Run as a user would, in its own process: sys.exit(0) in a schema was a silent pass."""
    schema = schema_package(tmp_path, "exiting", EXITS_AT_IMPORT.format(code=code))
    root = configured(tmp_path, schema)
    result = run_subprocess("validate", cwd=root)
    assert result.code == 2, result.out + result.err
    assert "exiting.schemas:Schema: cannot import the schema" in result.err
    assert f"it called sys.exit({eval(code)!r})" in result.err
    assert "Traceback" not in result.err
    envelope = validate_result(root)
    assert (envelope["status"], envelope["exit_code"]) == ("error", 2)


CUSTOM_CHECKS = """\
import sys
import pandera.pandas as pa

def explodes(series):
    raise ValueError("the check itself is broken")

def leaves(series):
    sys.exit(0)

Schema = pa.DataFrameSchema(
    {{"id": pa.Column(int), "x": pa.Column(float, checks=pa.Check({check}, name="{check}"))}}
)
"""


@pytest.mark.parametrize(
    ("check", "said"),
    [
        ("explodes", "the check 'explodes' on column 'x' raised ValueError"),
        ("leaves", "a check called sys.exit(0)"),
    ],
)
def test_a_custom_check_that_raises_or_exits_is_an_input_error(
    check: str, said: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    name = f"checks_{check}_{tmp_path.name[-6:].replace('-', '_')}"
    schema = schema_package(tmp_path, name, CUSTOM_CHECKS.format(check=check))
    root = configured(tmp_path, schema)
    try:
        result = mlgate("validate", cwd=root)
    finally:
        for module in (name, f"{name}.schemas"):
            sys.modules.pop(module, None)
    assert result.code == 2, result.out + result.err
    assert "data.csv: " in result.out
    assert said in result.out
    entry = validate_result(root)["details"]["files"][0]
    assert entry["status"] == "error"
    assert said in entry["error"]


def test_a_check_that_raises_on_data_that_already_failed_stays_a_failure(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """A text check raises on numbers; the wrong dtype is the data's fault: exit 1, not 2."""
    import pandas as pd

    (tmp_path / "s.yaml").write_text(
        "schema_type: dataframe\ncolumns:\n  x:\n    dtype: str\n"
        "    checks:\n      str_length: {min_value: 1, max_value: 3}\n"
    )
    pd.DataFrame({"x": [1, 2]}).to_parquet(tmp_path / "a.parquet")
    result = mlgate("validate", "--schema", "s.yaml", "a.parquet", cwd=tmp_path)
    assert result.code == 1, result.out + result.err
    assert "str_length" in json.dumps(validate_result(tmp_path)["details"])


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["gate", "--timeout", "nan"], {}),
        (["gate", "--timeout", "inf"], {}),
        (["compare", "--timeout", "NaN"], {}),
        (["compare"], {"MLGATE_MLFLOW_TIMEOUT": "inf"}),
        (["history"], {"MLGATE_MLFLOW_TIMEOUT": "nan"}),
    ],
)
def test_nan_or_infinite_numbers_are_usage_errors(
    args: list[str], env: dict[str, str], tmp_path: Path, mlgate: RunMlgate
) -> None:
    (tmp_path / "mlgate.yaml").write_text("version: 1\n")
    result = mlgate(*args, cwd=tmp_path, env=env)
    assert result.code == 2, result.out + result.err
    assert "not a finite number" in result.err


def test_a_stray_system_exit_is_no_verdict_not_its_code(tmp_path: Path) -> None:
    """Whatever calls sys.exit(0) under a command, the command did not reach a verdict."""
    script = (
        "import sys\n"
        "import mlgate.config.model as c\n"
        "def leave(*a, **k): sys.exit(0)\n"
        "c.load_config = leave\n"
        "from mlgate.cli import main\n"
        "main(['config', 'check'])\n"
    )
    (tmp_path / "mlgate.yaml").write_text("version: 1\n")
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 3
    assert "sys.exit(0)" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_one_ranking_of_exit_codes_when_steps_end_differently() -> None:
    """Input error before no verdict before blocked before pass; a code outside the contract
    (a step killed by a signal) is no verdict, never passed through."""
    assert ExitStatus.worst([]) == ExitStatus.PASS
    assert ExitStatus.worst([0, 1, 0]) == ExitStatus.BLOCKED
    assert ExitStatus.worst([1, 3]) == ExitStatus.NO_VERDICT
    assert ExitStatus.worst([3, 2, 1]) == ExitStatus.INPUT
    assert ExitStatus.worst([0, -9]) == ExitStatus.NO_VERDICT
    assert ExitStatus.worst([2, 247]) == ExitStatus.INPUT
    assert [ExitStatus.of_result(s) for s in ("pass", "fail", "error", None)] == [0, 1, 3, 3]
    assert ExitStatus.of_result("error", 2) == ExitStatus.INPUT
    assert ExitStatus.of_result("error", 0) == ExitStatus.NO_VERDICT  # an error never passes
    assert [code.status for code in ExitStatus] == ["pass", "fail", "error", "error"]
