from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate import __version__
from tests.helpers.cli import REPO_ROOT, RunMlgate, run_subprocess

COMMANDS = (
    "validate",
    "repro",
    "compare",
    "report",
    "gate",
    "promote",
    "rollback",
    "demo",
    "config",
    "history",
    "hooks",
    "schema",
    "profile",
    "drift",
    "init",
    "override",
)
HEAVY = ("mlflow", "dvc", "pandas", "pandera", "numpy", "sklearn")


def test_version(mlgate: RunMlgate) -> None:
    result = mlgate("--version")
    assert result.code == 0
    assert __version__ in result.out


def test_help_lists_every_command(mlgate: RunMlgate) -> None:
    result = mlgate("--help")
    assert result.code == 0
    listed = {line.split()[0] for line in result.out.split("Commands:")[1].splitlines() if line}
    assert listed == set(COMMANDS)
    assert "Exit codes" in result.out


def test_usage_error_is_exit_2(mlgate: RunMlgate) -> None:
    result = mlgate("config", "check", "--format", "yaml")
    assert result.code == 2
    assert "Invalid value for '--format'" in result.err


def test_python_dash_m_works(tmp_path: Path) -> None:
    result = run_subprocess("--version", cwd=tmp_path)
    assert result.code == 0
    assert result.out.strip() == f"mlgate, version {__version__}"


def test_internal_error_is_no_verdict_without_traceback(tmp_path: Path) -> None:
    """A bug must not look like a pass, nor dump a traceback on the user."""
    script = (
        "import mlgate.config.model as c\n"
        "def boom(*a, **k): raise RuntimeError('boom')\n"
        "c.load_config = boom\n"
        "from mlgate.cli import main\n"
        "main(['config', 'check'] + __import__('sys').argv[1:])\n"
    )
    (tmp_path / "mlgate.yaml").write_text("version: 1\n")
    plain = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert plain.returncode == 3
    assert "internal error: RuntimeError: boom" in plain.stderr
    assert "Traceback" not in plain.stderr
    debug = subprocess.run(
        [sys.executable, "-c", script, "--debug"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert debug.returncode == 3
    assert "Traceback" in debug.stderr


def test_colour_only_on_a_tty_and_never_with_no_color(tmp_path: Path) -> None:
    (tmp_path / "mlgate.yaml").write_text("version: 2\n")
    piped = run_subprocess("config", "check", cwd=tmp_path)
    assert "\x1b[" not in piped.err
    # A real terminal: run under a pseudo-terminal so isatty() is true.
    tty = _run_in_pty(["config", "check"], tmp_path, {})
    assert "\x1b[31m" in tty
    no_color = _run_in_pty(["config", "check"], tmp_path, {"NO_COLOR": "1"})
    assert "unsupported config version" in no_color
    assert "\x1b[" not in no_color


def _run_in_pty(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    import pty

    code = (
        "import os, pty, sys\n"
        "os.chdir(sys.argv[1])\n"
        "pty.spawn([sys.executable, '-m', 'mlgate', *sys.argv[2:]])\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, str(cwd), *args],
        env={**os.environ, **env},
        capture_output=True,
        check=False,
    )
    del pty
    return completed.stdout.decode(errors="replace")


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["config", "--help"],
        ["config", "check", "--config", "examples/wine/mlgate.yaml"],
    ],
)
def test_light_commands_import_no_heavy_library(args: list[str]) -> None:
    """Laptops run mlgate on every commit: these must not import the ML stack."""
    script = (
        "import json, sys\n"
        "from mlgate.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    code, modules = json.loads(completed.stdout.strip().splitlines()[-1])
    assert code == 0, completed.stderr
    assert not set(HEAVY) & set(modules)
