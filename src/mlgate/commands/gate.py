from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from mlgate.config import Config

from mlgate.commands.common import (
    State,
    common_options,
    echo,
    engine_option,
    mlflow_timeout_option,
)
from mlgate.commands.report import post_option_default, print_report, with_post_options
from mlgate.core.errors import ConfigError, MlgateError

SKIPPABLE = ("validate", "repro", "compare", "report")


@click.command("gate")
@click.option(
    "--skip",
    type=click.Choice(SKIPPABLE),
    multiple=True,
    help="Leave out a step (repeatable). `report` skips posting; report.md is still written.",
)
@mlflow_timeout_option
@engine_option
@with_post_options
@common_options
def gate(
    *,
    engine: str | None,
    skip: tuple[str, ...],
    timeout: float,
    post: bool | None,
    marker_id: str,
    require_comment: bool,
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """Run every configured check in order, then report — even after a failure.

    validate (data that exists before training) -> repro (when there is a dvc.yaml) ->
    validate (the pipeline's outputs) -> compare (when there are gates) -> report (posted
    on the PR by default under GitHub Actions). Exit 2 if any step had an input error, else
    3 if any had no verdict, else 1 if any failed, else 0 (2 when no check ran at all). It
    posts first and fails after. A step left out says so in gate.json and the report's
    headline; the `decision` output is then pass-with-skips instead of pass.
    """
    from mlgate.config import require_config
    from mlgate.gate import GateRequest, run_gate
    from mlgate.results import resolve_results_dir

    posting = post_option_default() if post is None else post
    try:
        config = require_config(config_path)
    except ConfigError as exc:
        if posting and "report" not in skip:
            _check_run_for(exc)
        raise
    published = run_gate(
        GateRequest(
            config=_with_engine(config, engine),
            results_dir=resolve_results_dir(results_dir),
            skip=frozenset(skip),
            post=posting,
            marker_id=marker_id,
            require_comment=require_comment,
            timeout_s=timeout,
            log=lambda line: echo(line, err=True),
            debug=State.debug,
        )
    )
    print_report(published, output_format, envelope="gate")
    echo(where_the_reports_are(published.report_path), err=True)
    return published.exit_code


def where_the_reports_are(report_path: Path) -> str:
    """The last line of a gate: the report and the result files, as repository paths."""
    from mlgate.core.paths import repo_relative

    folder = repo_relative(report_path.parent)
    return (
        f"reports: {repo_relative(report_path)} and the result files in {folder}/ "
        f"(`mlgate report --results-dir {folder}` shows them again)"
    )


def _check_run_for(error: ConfigError) -> None:
    """The pull request's check run says the config is wrong, at its line; posting trouble is
    a warning (the exit code is the config error's)."""
    from mlgate.report import post_config_error

    try:
        note = post_config_error(error)
    except MlgateError as exc:
        echo(f"warning: could not post the check run: {exc}", err=True)
        return
    if note:
        echo(f"note: {note}", err=True)


def _with_engine(config: Config, engine: str | None) -> Config:
    """--engine wins over `engine:` in mlgate.yaml."""
    from dataclasses import replace

    return config if engine is None else replace(config, engine=engine)
