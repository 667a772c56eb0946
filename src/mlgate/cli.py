"""The `mlgate` command line: the group, its commands, and the one place errors become exit codes.

Only click lives in the CLI layer (this module and `mlgate.commands`). Heavy libraries
(mlflow, dvc, pandas, pandera) are imported inside the core functions that need them:
`mlgate --help` and hooks with nothing to do run on every commit on laptops.
"""

from __future__ import annotations

import io
import sys
from typing import NoReturn

import click

from mlgate import __version__
from mlgate.commands.check_config import config_group
from mlgate.commands.common import State, debug_option, echo
from mlgate.commands.compare import compare
from mlgate.commands.demo import demo
from mlgate.commands.drift import drift, profile
from mlgate.commands.gate import gate
from mlgate.commands.hooks import hooks_group
from mlgate.commands.init import init
from mlgate.commands.override import override
from mlgate.commands.promote import history, promote, rollback
from mlgate.commands.report import report
from mlgate.commands.repro import repro
from mlgate.commands.schema import schema_group
from mlgate.commands.validate import validate
from mlgate.core.errors import ExitStatus, MlgateError
from mlgate.results import unexpected


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlgate")
@debug_option
def cli() -> None:
    """Gate ML changes: validate data, reproduce training, compare with production, report.

    Exit codes: 0 pass, 1 blocked, 2 wrong input (config, schema, metrics file, usage),
    3 no verdict (an outside system such as MLflow, DVC or GitHub failed).
    """


for _command in (
    compare,
    config_group,
    demo,
    drift,
    gate,
    history,
    hooks_group,
    init,
    override,
    profile,
    promote,
    report,
    repro,
    rollback,
    schema_group,
    validate,
):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: run the CLI and exit with the contract's code, never with a traceback."""
    State.debug = False
    try:
        code = cli.main(args=argv, prog_name="mlgate", standalone_mode=False)
    except click.ClickException as exc:
        shown = io.StringIO()  # click's usage message quotes what was typed: redact it too
        exc.show(file=shown)
        echo(shown.getvalue().rstrip("\n"), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        echo("mlgate: aborted", err=True)
        sys.exit(ExitStatus.NO_VERDICT)
    except MlgateError as exc:
        _report_error(f"mlgate: error: {exc}")
        sys.exit(exc.exit_code)
    except (Exception, SystemExit) as exc:
        # An mlgate bug, or a SystemExit from code it ran (a schema module, a check): click
        # raises none in this mode, so its code is not a verdict. No verdict, no bare traceback.
        _report_error(
            f"mlgate: {unexpected(exc)}\n"
            "This is a bug in mlgate, or in code it ran; rerun with --debug for the traceback."
        )
        sys.exit(ExitStatus.NO_VERDICT)
    sys.exit(code if isinstance(code, int) else ExitStatus.PASS)


def _report_error(message: str) -> None:
    if State.debug:
        import traceback

        traceback.print_exc()
    echo(click.style(message, fg="red"), err=True)
