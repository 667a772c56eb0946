from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mlgate.commands.common import FORMATS, common_options_with, mlflow_timeout_option, run_check
from mlgate.core.errors import InputError
from mlgate.core.paths import git_toplevel

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
    "--model",
    metavar="NAME",
    default=None,
    help="The registered model of `--baseline registry` when there is no mlgate.yaml.",
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
    model: str | None,
    no_log: bool,
    timeout: float,
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """Compare the candidate's metrics with the production baseline; block when worse.

    With no mlgate.yaml, `--baseline git:main` (or `registry --model NAME`) shows every
    metric's change and the params that changed: a view, not a verdict (exit 0).
    """
    from mlgate.compare import CompareRequest, run_compare
    from mlgate.config import find_config, require_config
    from mlgate.gate import record_decision
    from mlgate.report import render_compare

    def view() -> Result:
        from mlgate.compare import run_view, view_request

        if baseline is None:
            raise InputError(
                f"no mlgate.yaml in {Path.cwd()} or above it: pass --baseline git:main (or "
                "registry --model NAME) to see the metrics' changes, or run `mlgate init`"
            )
        root = git_toplevel(Path.cwd().resolve()) or Path.cwd()
        return run_view(
            view_request(
                root,
                _cli_path(candidate, root) or "dvc",
                _cli_path(baseline, root) or baseline,
                model,
                timeout,
            )
        )

    def check() -> Result:
        if config_path is None and find_config(None) is None:
            return view()
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
