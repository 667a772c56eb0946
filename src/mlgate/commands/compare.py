from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mlgate.commands.common import FORMATS, common_options_with, mlflow_timeout_option, run_check

if TYPE_CHECKING:
    from mlgate.results import Result


def _cli_path(spec: str | None, root: Path) -> str | None:
    """`file:` paths given on the command line are relative to where the user stands; they are
    kept relative to the config's folder (`root`) where they lie inside it, as `mlgate.yaml`'s
    own are, so that results and reports name them as the repository does, not as the
    machine that ran the check (`file:/home/runner/work/...`)."""
    if spec and spec.startswith("file:"):
        path = Path.cwd() / spec.removeprefix("file:")  # an absolute path stays itself
        located = path.parent.resolve() / path.name  # the folder resolved, not a linked file
        anchor = root.resolve()
        if located.is_relative_to(anchor):
            return f"file:{located.relative_to(anchor).as_posix()}"
        return f"file:{located}"
    return spec


@click.command("compare")
@click.option(
    "--candidate",
    metavar="SOURCE",
    help="dvc | file:PATH | run:RUN_ID | models:/NAME/VERSION | models:/NAME@ALIAS "
    "[default: metrics.candidate].",
)
@click.option(
    "--baseline",
    metavar="SOURCE",
    help="registry | git:REF | file:PATH | none [default: metrics.baseline].",
)
@click.option(
    "--no-log",
    is_flag=True,
    help="Do not record the decision on the candidate's MLflow run.",
)
@mlflow_timeout_option
@common_options_with((*FORMATS, "junit"))
def compare(
    *,
    candidate: str | None,
    baseline: str | None,
    no_log: bool,
    timeout: float,
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """Compare the candidate's metrics with the production baseline; block when worse."""
    from mlgate.compare import CompareRequest, run_compare
    from mlgate.config import require_config
    from mlgate.gate import record_decision
    from mlgate.report import render_compare

    def check() -> Result:
        config = require_config(config_path, baseline_from_cli=baseline is not None)
        request = CompareRequest(
            config=config,
            candidate=_cli_path(candidate, config.root),
            baseline=_cli_path(baseline, config.root),
            log_decision=not no_log,
            timeout_s=timeout,
        )
        result = run_compare(request)
        record_decision(request, result)
        return result

    return run_check(
        "compare",
        results_dir=results_dir,
        output_format=output_format,
        render=lambda result, fmt: render_compare(result.to_dict(), fmt),
        check=check,
    )
