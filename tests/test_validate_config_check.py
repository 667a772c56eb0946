"""`config check` refuses a `schema:` that does not exist, without importing anything heavy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate


def configured(root: Path, schema: str) -> None:
    (root / "mlgate.yaml").write_text(
        f"version: 1\n\ndata:\n  - path: data.csv\n    schema: {schema}\n"
    )
    (root / "data.csv").write_text("a\n1\n")


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("schemas/gone.yaml", "mlgate.yaml:5: schema file 'schemas/gone.yaml' not found"),
        ("nowhere.schemas:Train", "mlgate.yaml:5: schema 'nowhere.schemas:Train': no module"),
        ("pkg.missing:Train", "looked for pkg/missing.py"),
    ],
)
def test_a_schema_that_does_not_exist(
    schema: str, message: str, tmp_path: Path, mlgate: RunMlgate
) -> None:
    configured(tmp_path, schema)
    (tmp_path / "pkg").mkdir()
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    assert message in result.err


def test_schemas_that_exist_pass_and_nothing_is_imported(tmp_path: Path) -> None:
    """The module is found as a file: importing it would run it (and here, fail)."""
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("raise SystemExit('imported pkg')\n")
    (tmp_path / "pkg" / "sub" / "schemas.py").write_text("raise SystemExit('imported')\n")
    (tmp_path / "s.yaml").write_text("schema_type: dataframe\n")
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: a.csv\n    schema: pkg.sub.schemas:Train\n"
        "  - path: b.csv\n    schema: s.yaml\n  - path: c.csv\n    schema: json:JSONDecoder\n"
    )
    probe = (
        "import sys\nfrom mlgate.cli import main\n"
        "try:\n    main(['config', 'check'])\nexcept SystemExit as exc:\n    code = exc.code\n"
        "heavy = [m for m in ('pandas', 'pandera', 'numpy', 'pkg') if m in sys.modules]\n"
        "print('CODE', code, 'HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "CODE 0 HEAVY []" in out.stdout, out.stdout + out.stderr
