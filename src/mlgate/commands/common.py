"""What every command shares: output, colour, common options, and writing results.

This package is the CLI layer: click lives here and in `mlgate.cli`, nowhere in the core.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mlgate.core.outbound import guard_workflow_commands, redact, under_actions

if TYPE_CHECKING:
    from mlgate.results import Result

FORMATS = ("text", "json", "markdown")
F = TypeVar("F", bound=Callable[..., Any])
Renderer = Callable[["Result", str], str]


class State:
    debug = False


def _set_debug(_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    State.debug = State.debug or value
    return value


def colour_enabled(stream: Any) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def echo(text: str, *, err: bool = False) -> None:
    """Everything mlgate prints goes through here: redacted (docs/security.md), and under
    GitHub Actions unable to start a workflow command, whatever text it carries."""
    text = redact(text)
    if under_actions():
        text = guard_workflow_commands(text)
    _write(text, err=err)


def echo_workflow_command(line: str) -> None:
    """One workflow command mlgate itself makes (an annotation); its values are escaped by
    whoever built it, so only redaction applies."""
    _write(redact(line), err=True)


def _write(text: str, *, err: bool) -> None:
    stream = sys.stderr if err else sys.stdout
    click.echo(text, err=err, color=colour_enabled(stream))


def warn(text: str) -> None:
    echo(click.style(f"warning: {text}", fg="yellow"), err=True)


class FiniteFloat(click.FloatRange):
    """A float within a range that is never NaN or infinite: click's FloatRange lets `nan`
    through every bound (all comparisons with NaN are false) and `inf` through a lower one."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


mlflow_timeout_option = click.option(
    "--timeout",
    type=FiniteFloat(min=0, min_open=True),
    envvar="MLGATE_MLFLOW_TIMEOUT",
    default=30.0,
    show_default=True,
    help="Seconds one MLflow call may take before the verdict is 'no verdict' (exit 3) "
    "[env MLGATE_MLFLOW_TIMEOUT].",
)

debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_debug,
    help="Show tracebacks for errors.",
)


def engine_option(func: F) -> F:
    """--engine: how tables are read and checked (validate, profile, drift, gate)."""
    from mlgate.data import ENGINES

    return click.option(
        "--engine",
        type=click.Choice(ENGINES),
        default=None,
        help="auto | pandas | polars | spark [default: `engine:` in mlgate.yaml, else auto: "
        "Polars when installed, else pandas].",
    )(func)


def common_options(func: F) -> F:
    """--config, --results-dir and --format, which every command takes."""
    return common_options_with(FORMATS)(func)


def common_options_with(formats: tuple[str, ...]) -> Callable[[F], F]:
    """The common options, for a command that prints more formats than the usual three."""

    def decorate_all(func: F) -> F:
        for decorate in reversed(_common_decorators(formats)):
            func = decorate(func)
        return func

    return decorate_all


def _common_decorators(formats: tuple[str, ...]) -> list[Callable[[F], F]]:
    return [
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
            type=click.Choice(formats),
            default="text",
            show_default=True,
            help="What to print on stdout.",
        ),
        debug_option,
    ]


def run_check(
    command: str,
    *,
    results_dir: Path | None,
    output_format: str,
    render: Renderer,
    check: Callable[[], Result],
) -> int:
    """Run a checking command: write its result file (an error one too), print, return the code.

    Whatever `check` raises — an mlgate error, a bug, or a `SystemExit` from code it ran —
    still leaves an error result behind, then goes on to `mlgate.cli.main` for the exit code.
    """
    from mlgate.results import (
        Clock,
        current_run,
        error_result,
        resolve_results_dir,
        stamped,
        write_result,
    )

    clock = Clock()
    directory = resolve_results_dir(results_dir)
    run = current_run(Path.cwd(), directory)
    try:
        result = check()
    except (Exception, SystemExit) as exc:
        write_result(directory, error_result(command, exc, clock, run))
        raise
    result = stamped(result, run)
    write_result(directory, result)
    echo(
        json.dumps(result.to_dict(), indent=2)
        if output_format == "json"
        else render(result, output_format)
    )
    return result.code
