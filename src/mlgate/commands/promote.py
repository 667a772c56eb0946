from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mlgate.commands.common import (
    FiniteFloat,
    common_options,
    echo,
    mlflow_timeout_option,
    run_check,
)
from mlgate.core.outbound import one_line

if TYPE_CHECKING:
    from mlgate.results import Result

_lock_wait = click.option(
    "--lock-wait",
    type=FiniteFloat(min=0),
    default=60.0,
    show_default=True,
    help="Seconds to wait for another promotion of the model to finish.",
)
_dry_run = click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")


def _render(result: Result, output_format: str) -> str:
    if output_format == "markdown":
        icon = "✅" if result.status == "pass" else "❌"
        return f"### {icon} {result.command}: {result.summary}"
    lines = [f"{result.command}: {result.status.upper()} — {result.summary}"]
    lines.extend(f"  note: {note}" for note in result.details.get("notes", []))
    return "\n".join(lines)


@click.command("promote")
@click.option(
    "--alias", help="The alias to move [default: mlflow.alias]; e.g. challenger for a canary."
)
@click.option(
    "--from-alias",
    metavar="ALIAS",
    help="Promote what this alias holds (staged roll-out: challenger -> champion).",
)
@click.option(
    "--decision",
    "decision_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The compare result to promote on [default: <results-dir>/compare.json].",
)
@click.option(
    "--artifact-path",
    default="model",
    show_default=True,
    help="For a run:RUN_ID candidate: the run's model artifact path to register.",
)
@_dry_run
@_lock_wait
@mlflow_timeout_option
@common_options
def promote(
    *,
    alias: str | None,
    from_alias: str | None,
    decision_path: Path | None,
    artifact_path: str,
    dry_run: bool,
    lock_wait: float,
    timeout: float,
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """Make the candidate the production model: register it if needed, move the alias."""
    from mlgate.config import require_config
    from mlgate.promote import PromoteRequest, run_promote
    from mlgate.results import resolve_results_dir

    directory = resolve_results_dir(results_dir)

    def check() -> Result:
        return run_promote(
            PromoteRequest(
                config=require_config(config_path),
                decision_path=decision_path or directory / "compare.json",
                results_dir=directory,
                alias=alias,
                from_alias=from_alias,
                artifact_path=artifact_path,
                dry_run=dry_run,
                timeout_s=timeout,
                lock_wait_s=lock_wait,
            )
        )

    return run_check(
        "promote", results_dir=results_dir, output_format=output_format, render=_render, check=check
    )


@click.command("rollback")
@click.option("--alias", help="The alias to move back [default: mlflow.alias].")
@_dry_run
@_lock_wait
@mlflow_timeout_option
@common_options
def rollback(
    *,
    alias: str | None,
    dry_run: bool,
    lock_wait: float,
    timeout: float,
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """Move the alias back to the version that held it before the last promotion."""
    from mlgate.config import require_config
    from mlgate.promote import run_rollback

    def check() -> Result:
        return run_rollback(
            require_config(config_path),
            alias,
            dry_run=dry_run,
            timeout_s=timeout,
            lock_wait_s=lock_wait,
        )

    return run_check(
        "rollback",
        results_dir=results_dir,
        output_format=output_format,
        render=_render,
        check=check,
    )


@click.command("history")
@click.option("--alias", help="The alias whose history to show [default: mlflow.alias].")
@mlflow_timeout_option
@common_options
def history(
    *,
    alias: str | None,
    timeout: float,
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """List who held the alias and when (MLflow keeps no alias history; mlgate's tags do)."""
    del results_dir  # history only reads
    from mlgate.config import require_config
    from mlgate.promote import history as alias_history

    config = require_config(config_path)
    events, absent_store = alias_history(config, alias, timeout)
    if output_format == "json":
        echo(json.dumps(events, indent=2))
        return 0
    named = f"{config.mlflow.model} @ {alias or config.mlflow.alias}"
    if not events:
        why = f" (the MLflow store {absent_store} does not exist yet)" if absent_store else ""
        echo(f"{named}: no moves recorded by mlgate yet{why}")
        return 0
    echo(f"{named}: every move recorded by mlgate, oldest first")
    for event in events:
        previous = f" (was v{event['previous']})" if event.get("previous") else ""
        where = f" commit {event['commit'][:12]}" if event.get("commit") else ""
        pr = f" PR #{event['pr']}" if event.get("pr") else ""
        action = f"{event.get('action'):8}"
        echo(f"{event.get('at')}  {action}  v{event.get('version')}{previous}{where}{pr}")
        override = event.get("override")
        if isinstance(override, dict):
            by, reason = override.get("mlgate.override.by"), override.get("mlgate.override.reason")
            url = override.get("mlgate.override.url")
            echo(one_line(f"    ⚠️ overridden by @{by}: {reason} ({url})"))
    return 0
