from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mlgate.commands.common import common_options, echo, run_check
from mlgate.core.errors import InputError

if TYPE_CHECKING:
    from mlgate.results import Result


@click.command("repro")
@click.option(
    "--check",
    is_flag=True,
    help="Run nothing: exit 1 when dvc.lock does not match the workspace, with each stale "
    "stage and why. Data that is only not pulled is reported, not failed.",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Rerun every stage (forced) in a throwaway copy of HEAD with its own DVC cache; exit 1 "
    "when an output's hash differs from dvc.lock.",
)
@click.option("--pull", is_flag=True, help="`dvc pull` inputs and cached outputs first.")
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="STAGE",
    help="Reproduce (or check) only this stage and what it depends on; repeatable.",
)
@click.option("--force", is_flag=True, help="Rerun stages even when unchanged (`dvc repro -f`).")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@common_options
def repro(
    *,
    check: bool,
    verify: bool,
    pull: bool,
    targets: tuple[str, ...],
    force: bool,
    paths: tuple[str, ...],
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """Reproduce the DVC pipeline, or check that dvc.lock matches the workspace.

    PATHS (with --check, as pre-commit passes them): check only when one of them is a DVC
    file, a params file or a stage dependency.
    """
    del config_path  # mlgate.yaml has no repro settings yet
    root = Path.cwd()
    if check and verify:
        raise InputError("--check and --verify are different runs: give one of them")
    if paths and not check:
        raise InputError("PATHS are for `mlgate repro --check` (the pre-commit hook) only")
    if check and (pull or force):
        raise InputError("--check runs and fetches nothing: drop --pull/--force")

    if check and paths:
        from mlgate.repro import touches_pipeline

        if not touches_pipeline(root, paths):
            if output_format == "text":
                echo("mlgate repro --check: no pipeline file among the changes; nothing to check")
            return 0

    from mlgate.report import render_repro

    def run() -> Result:
        if check:
            from mlgate.repro import check_lock

            return check_lock(root, targets)
        if verify:
            from mlgate.repro import verify_pipeline

            return verify_pipeline(root, targets=targets, pull=pull, log=log)
        from mlgate.repro import run_pipeline

        return run_pipeline(root, targets=targets, pull=pull, force=force, log=log)

    def log(line: str) -> None:
        # Stage output streams as it comes; on stderr when stdout carries json or markdown.
        echo(line, err=output_format != "text")

    return run_check(
        "repro",
        results_dir=results_dir,
        output_format=output_format,
        render=lambda result, fmt: render_repro(result.to_dict(), fmt),
        check=run,
    )
