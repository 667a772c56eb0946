"""The `mlgate` command line: parse options, call the core, map errors to exit codes.

Only click lives here. Heavy libraries (mlflow, dvc, pandas, pandera) are imported inside
the core functions that need them: `mlgate --help` and hooks with nothing to do run on
every commit on laptops.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from mlgate import __version__
from mlgate.errors import EXIT_NO_VERDICT, MlgateError, NotAvailableYet

FORMATS = ("text", "json", "markdown")
F = TypeVar("F", bound=Callable[..., Any])


class _State:
    debug = False


def _set_debug(_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    _State.debug = _State.debug or value
    return value


def colour_enabled(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def echo(text: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    click.echo(text, err=err, color=colour_enabled(stream))


def warn(text: str) -> None:
    echo(click.style(f"warning: {text}", fg="yellow"), err=True)


_debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="Show tracebacks for errors.",
)


def common_options(func: F) -> F:
    """--config, --results-dir and --format, which every command takes."""
    decorators = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(path_type=Path, dir_okay=False),
            default=None,
            help="mlgate.yaml to use [default: ./mlgate.yaml].",
        ),
        click.option(
            "--results-dir",
            type=click.Path(path_type=Path, file_okay=False),
            default=None,
            help="Where result files go [env MLGATE_RESULTS_DIR; default: .mlgate].",
        ),
        click.option(
            "--format",
            "output_format",
            type=click.Choice(FORMATS),
            default="text",
            show_default=True,
            help="What to print on stdout.",
        ),
        _debug_option,
    ]
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlgate")
@_debug_option
def cli() -> None:
    """Gate ML changes: validate data, reproduce training, compare with production, report.

    Exit codes: 0 pass, 1 blocked, 2 wrong input (config, schema, metrics file, usage),
    3 no verdict (an outside system such as MLflow, DVC or GitHub failed).
    """


@cli.group("config")
def config_group() -> None:
    """Check mlgate.yaml."""


@config_group.command("check")
@common_options
def config_check(config_path: Path | None, results_dir: Path | None, output_format: str) -> int:
    """Load and validate mlgate.yaml; print it normalised, with defaults filled in."""
    del results_dir  # config check reads only; it writes no result file
    from mlgate.config import require_config
    from mlgate.report import render_config

    config = require_config(config_path)
    for message in config.warnings:
        warn(message)
    echo(render_config(config, output_format))
    return 0


def _not_built_yet(name: str, what: str) -> click.Command:
    @common_options
    def command(**_options: Any) -> int:
        raise NotAvailableYet(
            f"`mlgate {name}` ({what}) is not built yet in mlgate {__version__}; "
            "see CHANGELOG.md for what this version can do"
        )

    command.__doc__ = f"{what[0].upper()}{what[1:]} (not built yet)."
    return click.command(name, context_settings={"ignore_unknown_options": True})(
        click.argument("args", nargs=-1, type=click.UNPROCESSED)(command)
    )


for _name, _what in (
    ("validate", "validate data against Pandera schemas"),
    ("repro", "reproduce training with DVC and check dvc.lock"),
    ("compare", "compare the candidate's metrics with the production baseline"),
    ("report", "render the results as a report and post it on the pull request"),
    ("gate", "run every configured check and report"),
    ("promote", "move the production alias to the candidate"),
    ("rollback", "move the production alias back to the previous model"),
):
    cli.add_command(_not_built_yet(_name, _what))


@cli.command("demo")
@click.option(
    "--dir",
    "target",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to build the demo repo [default: a new temp dir].",
)
@common_options
def demo(
    target: Path | None, config_path: Path | None, results_dir: Path | None, output_format: str
) -> int:
    """Build the example repo, train it, and gate a worse and a better change."""
    del config_path, results_dir  # the demo makes its own repo and config
    from mlgate.demo import run_demo

    outcome = run_demo(target, log=lambda line: echo(line, err=output_format != "text"))
    if output_format == "json":
        import json

        echo(json.dumps(outcome, indent=2))
    return 0


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: run the CLI and exit with the contract's code, never with a traceback."""
    _State.debug = False
    try:
        code = cli.main(args=argv, prog_name="mlgate", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        echo("mlgate: aborted", err=True)
        sys.exit(EXIT_NO_VERDICT)
    except MlgateError as exc:
        _report_error(f"mlgate: error: {exc}")
        sys.exit(exc.exit_code)
    except Exception as exc:  # an mlgate bug: still no verdict, still no bare traceback
        _report_error(
            f"mlgate: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in mlgate; rerun with --debug and report it with the traceback."
        )
        sys.exit(EXIT_NO_VERDICT)
    sys.exit(code if isinstance(code, int) else 0)


def _report_error(message: str) -> None:
    if _State.debug:
        traceback.print_exc()
    echo(click.style(message, fg="red"), err=True)
